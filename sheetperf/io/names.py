"""File names made from what people type: one sanitiser for every file sheetperf names.

Project names, unit names and workbook names become file and folder names in
``distribute``, ``import-text -o`` and ``validate --annotate``; all of them go through
:func:`safe_name`, so one rule decides what is safe on Linux, macOS and Windows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

from sheetperf.vocab.intake import UNNAMED

#: Characters no Windows file name may hold (the control characters are checked by category).
WINDOWS_FORBIDDEN: Final = frozenset('<>:"/\\|?*')
#: Device names Windows reserves whatever the extension (``CON.xlsx`` is still the console).
WINDOWS_RESERVED: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {f"{dev}{n}" for dev in ("COM", "LPT") for n in "0123456789¹²³"}
)
#: Unicode categories never kept in a name: controls, format characters (bidi overrides,
#: zero-width joiners that make two names look alike), line and paragraph separators.
_DROPPED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
#: Longest stem in characters; Chinese takes 3 bytes in UTF-8, the byte cap keeps every
#: name far below the 255-byte limit of common file systems (and paths below Windows' 260).
MAX_NAME_CHARS: Final = 60
MAX_NAME_BYTES: Final = 180
FALLBACK_NAME: Final = UNNAMED


def safe_name(text: str, *, max_chars: int = MAX_NAME_CHARS, fallback: str = FALLBACK_NAME) -> str:
    """A file or folder name made from user text, safe on Linux, macOS and Windows.

    Readable Chinese is kept; separators, Windows-forbidden and invisible characters
    become ``_``; runs of dots (``..``) are cut; leading and trailing dots, spaces and
    underscores go; reserved device names get a ``_`` prefix; the result is at most
    ``max_chars`` characters and :data:`MAX_NAME_BYTES` UTF-8 bytes, never empty.
    """
    text = unicodedata.normalize("NFC", str(text))
    out = []
    for ch in text:
        if ch.isspace():
            out.append(" ")
        elif ch in WINDOWS_FORBIDDEN or unicodedata.category(ch) in _DROPPED_CATEGORIES:
            out.append("_")
        else:
            out.append(ch)
    name = "".join(out)
    name = re.sub(r"\.{2,}", "_", name)
    name = re.sub(r" {2,}", " ", name)
    name = re.sub(r"_{2,}", "_", name)
    name = name.strip(" ._")
    name = _truncate(name, max_chars)
    if not name:
        name = fallback
    if name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
        name = _truncate("_" + name, max_chars)
    return name


def _truncate(name: str, max_chars: int) -> str:
    name = name[:max_chars]
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        name = name[:-1]
    return name.rstrip(" ._")


def name_key(name: str) -> str:
    """The key two names collide under on a case-insensitive, normalising file system."""
    return unicodedata.normalize("NFKC", name).casefold()


class UniqueNames:
    """Hands out names unique under :func:`name_key` within one folder."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._taken = {name_key(n) for n in taken}

    def claim(self, stem: str, suffix: str = "") -> str:
        candidate = stem + suffix
        number = 1
        while name_key(candidate) in self._taken:
            number += 1
            tail = f"_{number}"
            candidate = _truncate(stem, MAX_NAME_CHARS - len(tail)) + tail + suffix
        self._taken.add(name_key(candidate))
        return candidate


def safe_stem(name: str, *, fallback: str = FALLBACK_NAME) -> str:
    """The last component of a path-like ``name`` (``../../etc/passwd`` → ``passwd``), made safe."""
    return safe_name(name.replace("\\", "/").rsplit("/", 1)[-1], fallback=fallback)


__all__ = ["FALLBACK_NAME", "MAX_NAME_BYTES", "MAX_NAME_CHARS", "UniqueNames", "name_key", "safe_name", "safe_stem"]
