"""The small exception tree of sheetperf.

Every error a user can cause derives from :class:`SheetperfError` and from the
builtin it resembles, so callers can catch either.  Messages name the file (and
sheet and cell where known) and say what to do.
"""

from __future__ import annotations

import re

# Every character str.splitlines() breaks at: a message quotes text from the workbook (a sheet
# name, a row number, a formula) and must stay one line whatever that text holds.
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


class SheetperfError(Exception):
    """Base of every error sheetperf raises on purpose; its message is always one line."""

    def __init__(self, message: str, *, file: str | None = None) -> None:
        self.file = file
        super().__init__(_LINE_BREAKS.sub(" ", message) if isinstance(message, str) else message)

    def __str__(self) -> str:
        # Not super().__str__(): KeyError (a base of SpecError) would quote the message.
        message = shown(str(self.args[0])) if self.args else ""
        if self.file:
            return f"{shown(self.file)}: {message}"
        return message


class InputError(SheetperfError, ValueError):
    """Input that cannot be used: unreadable, corrupt, wrong form, bad JSON."""


class UnsafeInputError(InputError):
    """Input refused before parsing: a zip or XML bomb, a size limit exceeded."""


class FormNotFoundError(InputError):
    """A readable file that holds no form sheetperf knows."""


class SpecError(SheetperfError, KeyError):
    """A layout or profile declaration with an unknown or missing key."""


class ProfileError(SpecError):
    """An unknown rules profile or a malformed profile file."""


class OutputError(SheetperfError):
    """An output that can't or must not be written: a missing folder, a full disk, a file
    open in Excel, an existing file sheetperf did not write."""


class Interrupted(KeyboardInterrupt):
    """The command was stopped by SIGINT (Ctrl-C) or SIGTERM; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signum)


# Characters that change how a line is read without being seen: C0/C1 controls, the line and
# paragraph separators, bidirectional overrides and isolates.
_UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was no UTF-8 (os.fsdecode's surrogate escape)
        return f"\\x{code - 0xDC00:02x}"
    if ch in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: str) -> str:
    """A file name (or any text from outside) as it may be printed and written: one line, every
    character encodable.  A name copied from a Windows share in GBK bytes arrives with each byte
    that is no UTF-8 as a surrogate escape; such bytes are shown as ``\\xb1``, control characters
    as ``\\n`` or ``\\x1b``, so a name can neither crash a writer nor split or recolour a line."""
    return _UNSEEN.sub(_escape, text) if _UNSEEN.search(text) else text
