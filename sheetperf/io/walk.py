"""The one walk over the paths a user names: every file and folder met is accounted for.

Every command that takes folders (``consolidate``, ``status``, ``read``, ``validate``) lists
what it reads through :func:`walk`, so what real collection folders hold is handled once:

- folders are walked in name order, a folder's files before its subfolders, each file once
  (a file named explicitly and also found in a folder given counts once, as named);
- a symbolic link is never followed while walking: one that leads inside the folders given
  is listed as such (its target is read at its own place), one that leads outside them is
  listed and not read (a link to ``/etc/passwd`` is never opened), a loop or a broken link
  is listed as failed; a link the user names is followed (they chose it);
- a folder that can't be opened (permissions) or a path beyond the system's limit is
  listed as failed with the reason, never dropped;
- FIFOs, devices and sockets are listed and never opened (opening a FIFO blocks forever);
- hidden folders (``.git``) are not entered; hidden files and Office lock files are marked;
- names in bytes that are no UTF-8 (GBK names copied from a Windows share) are kept as
  the operating system gave them, for opening, and shown through :func:`sheetperf.errors.shown`.

``skip`` lets a caller leave out files it recognises (sheetperf's own outputs) with a reason.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from sheetperf.errors import InputError, shown
from sheetperf.vocab.intake import WALK_MESSAGES as MSG
from sheetperf.vocab.text import os_reason

#: file: a regular file to read; lock: an Office lock file; hidden: a hidden file or folder;
#: special: a FIFO, device or socket; linked: a link to a place inside the folders given;
#: outside: a link leading outside them; failed: a folder or file that can't be read;
#: missing: a named path that does not exist; ours: left out by ``skip``.
WalkKind = Literal["file", "lock", "hidden", "special", "linked", "outside", "failed", "missing", "ours"]

#: Kinds a consolidation counts as failed (and ``--strict`` with it); the others are skipped.
FAILED_KINDS: Final = frozenset({"failed", "missing"})
LOCK_PREFIXES: Final = ("~$", ".~lock")


def _path_max() -> int:
    try:
        return int(os.pathconf("/", "PC_PATH_MAX"))
    except (OSError, ValueError, AttributeError):
        return 4096


@dataclass(frozen=True, slots=True)
class Walked:
    """One path met: the text to open it by (as the system gave it), what it is, and why it
    is not read when it is not."""

    path: str
    kind: WalkKind
    reason: str = ""
    explicit: bool = False
    mtime_ns: int = 0

    @property
    def shown(self) -> str:
        """The path as it may be printed or written into a workbook."""
        return shown(self.path)


def identity(path: str) -> str:
    """The real path of ``path`` (links resolved) for telling two names of one file apart;
    never raises, whatever loops or missing parts the path holds."""
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.abspath(path)


def _within(path: str, roots: Iterable[str]) -> bool:
    for root in roots:
        try:
            if os.path.commonpath([path, root]) == root:
                return True
        except ValueError:
            continue
    return False


def _failure(path: str, exc: OSError) -> Walked:
    if exc.errno == errno.ELOOP:
        return Walked(path, "failed", MSG["link_loop"])
    if exc.errno == errno.ENAMETOOLONG:
        return Walked(path, "failed", MSG["path_too_long"].format(limit=_path_max()))
    return Walked(path, "failed", MSG["folder_unreadable"].format(reason=os_reason(exc)))


def _special(path: str, mode: int, mtime_ns: int, explicit: bool) -> Walked:
    what = (
        MSG["fifo"]
        if stat.S_ISFIFO(mode)
        else MSG["device"]
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else MSG["socket"]
        if stat.S_ISSOCK(mode)
        else MSG["other_special"]
    )
    return Walked(path, "special", MSG["not_regular"].format(what=what), explicit, mtime_ns)


def ensure_regular(path: str | Path) -> None:
    """:class:`InputError` when ``path`` exists and is no regular file (a FIFO, a device): such a
    file is never opened, since opening a FIFO waits for a writer forever.  A missing path or a
    folder is left to the caller's own message."""
    try:
        info = os.stat(path)
    except OSError:
        return
    if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode):
        return
    raise InputError(_special(os.fspath(path), info.st_mode, 0, True).reason, file=os.fspath(path))


def walk(paths: Iterable[str | Path], *, skip: Callable[[str], str | None] | None = None) -> list[Walked]:
    """Every path under ``paths``, in discovery order; see the module docstring."""
    given = [os.fspath(p) for p in paths]
    roots: list[str] = []
    for text in given:
        if os.path.isdir(text):
            roots.append(identity(text))
    named: set[str] = set()
    for text in given:
        if not os.path.isdir(text):
            named.add(identity(text))
    seen: set[str] = set()
    found: list[Walked] = []

    def add_file(path: str, info: os.stat_result, explicit: bool) -> None:
        ident = identity(path)
        if ident in seen:
            return
        seen.add(ident)
        explicit = explicit or ident in named
        name = os.path.basename(path)
        if not stat.S_ISREG(info.st_mode):
            found.append(_special(path, info.st_mode, info.st_mtime_ns, explicit))
        elif name.startswith(LOCK_PREFIXES):
            found.append(Walked(path, "lock", "", explicit, info.st_mtime_ns))
        elif name.startswith(".") and not explicit:
            found.append(Walked(path, "hidden", "", explicit, info.st_mtime_ns))
        else:
            reason = skip(path) if skip is not None else None
            if reason:
                found.append(Walked(path, "ours", reason, explicit, info.st_mtime_ns))
            else:
                found.append(Walked(path, "file", "", explicit, info.st_mtime_ns))

    def link(path: str) -> None:
        target = identity(path)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            found.append(Walked(path, "failed", MSG["link_broken"]))
            return
        except OSError as exc:
            found.append(_failure(path, exc))
            return
        if target in named and not stat.S_ISDIR(info.st_mode):
            return  # the user named the target: it is read as named
        if _within(target, roots):
            found.append(Walked(path, "linked", MSG["link_inside"].format(target=shown(target)), False, 0))
        else:
            found.append(Walked(path, "outside", MSG["link_outside"].format(target=shown(target)), False, 0))

    visited: set[str] = set()

    def folder(top: str) -> None:
        stack = [top]
        while stack:
            current = stack.pop()
            ident = identity(current)
            if ident in visited:  # a folder given twice, or inside another one given
                continue
            visited.add(ident)
            try:
                with os.scandir(current) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError as exc:
                found.append(_failure(current, exc))
                continue
            subfolders: list[str] = []
            for entry in entries:
                try:
                    if entry.is_symlink():
                        link(entry.path)
                    elif entry.is_dir(follow_symlinks=False):
                        if not entry.name.startswith("."):  # .git, .svn: version control, no returns
                            subfolders.append(entry.path)
                    else:
                        add_file(entry.path, entry.stat(follow_symlinks=False), False)
                except OSError as exc:
                    if exc.errno == errno.ENAMETOOLONG:
                        found.append(_failure(entry.path, exc))
                    else:
                        found.append(Walked(entry.path, "failed", MSG["stat_failed"].format(reason=os_reason(exc))))
            stack.extend(reversed(subfolders))

    for text in given:
        try:
            info = os.stat(text)
        except FileNotFoundError:
            kind: WalkKind = "failed" if os.path.islink(text) else "missing"
            found.append(Walked(text, kind, MSG["link_broken"] if kind == "failed" else MSG["missing"], True))
            continue
        except OSError as exc:
            found.append(_failure(text, exc))
            continue
        if stat.S_ISDIR(info.st_mode):
            folder(text)
        else:
            add_file(text, info, True)
    return found
