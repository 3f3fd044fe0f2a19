"""One way to write every file sheetperf writes, so that an output is never lost.

A file is written to a temporary file in its destination folder, flushed to the
disk (fsync) and renamed over the destination: the old file stays whole until
the new one is complete, whatever happens in between.

* **Any failure** — a full disk, a read-only folder, xlsxwriter's
  ``FileCreateError``, a bug — removes the temporary files and becomes one
  :class:`~sheetperf.errors.OutputError` with a Chinese reason; the CLI prints it
  and exits 2.
* **SIGTERM and SIGINT** reach the writer as :class:`~sheetperf.errors.Interrupted`
  (the CLI turns both signals into it); the same clean-up runs.
* **SIGKILL** can't be caught: a *janitor* process (a tiny Python started on
  the first temporary file, in a session of its own) is told the name of every
  temporary file and folder before it is created and after it is renamed; when
  the command dies, its pipe reaches end-of-file and it removes whatever is left.
* xlsxwriter's own temporary files (``constant_memory`` rows, the parts it
  assembles on close) go into a scratch folder this module creates in
  ``$TMPDIR`` and removes.

Before anything is written, :func:`check_output` refuses what must not be
replaced: an existing file sheetperf did not write (told by its marker,
:mod:`sheetperf.xlsx.marker`) unless ``--force``, a read-only file, a file open in
Excel/WPS or LibreOffice (their lock file beside it), a name whose suffix does
not match what is written; :class:`OutputLock` refuses a second run writing the
same file at the same time.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

from sheetperf.errors import OutputError
from sheetperf.vocab.labels import OUTPUT_KIND_LABELS, OUTPUT_MESSAGES
from sheetperf.vocab.text import os_reason
from sheetperf.xlsx.marker import read_marker, sheets_digest, unmarked_summary

MSG: Final = OUTPUT_MESSAGES
#: The prefix of every temporary file sheetperf puts beside an output (hidden, like Office's).
TEMP_PREFIX: Final = ".~sheetperf-"
#: The meta tag that marks an HTML report as sheetperf's (see templates/report.html.j2).
HTML_MARKER: Final = '<meta name="sheetperf-output" content="report">'

# The janitor: reads NUL-ended records ("+path" held, "-path" released) from its stdin and, at
# end-of-file (the command ended, however it ended), removes every path still held.
_JANITOR_CODE: Final = r"""
import os, shutil, signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
held, rest = {}, b""
while True:
    try:
        chunk = os.read(0, 65536)
    except InterruptedError:
        continue
    except OSError:
        break
    if not chunk:
        break
    *records, rest = (rest + chunk).split(b"\0")
    for record in records:
        if record[:1] == b"+":
            held[record[1:]] = True
        elif record[:1] == b"-":
            held.pop(record[1:], None)
for path in held:
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass
"""


class _Janitor:
    """The process that removes this command's temporary files if the command is killed."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._owner = 0

    def _stdin(self) -> IO[bytes] | None:
        if self._process is None or self._owner != os.getpid():
            self._owner = os.getpid()
            try:
                self._process = subprocess.Popen(
                    [sys.executable, "-I", "-S", "-c", _JANITOR_CODE],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # Ctrl-C and a group kill leave it to finish its work
                    close_fds=True,
                )
            except OSError:
                self._process = None
        return self._process.stdin if self._process is not None else None

    def _send(self, op: bytes, path: Path) -> None:
        pipe = self._stdin()
        if pipe is None:
            return
        try:
            pipe.write(op + os.fsencode(os.path.abspath(path)) + b"\0")
            pipe.flush()
        except (OSError, ValueError):  # the janitor is gone: clean-up in this process still runs
            pass

    def hold(self, path: Path) -> None:
        self._send(b"+", path)

    def release(self, path: Path) -> None:
        self._send(b"-", path)


#: One janitor per process (a process resource like its signal handlers, not a cache).
_JANITOR: Final = _Janitor()


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass
    _JANITOR.release(path)


def kind_label(kind: str) -> str:
    return OUTPUT_KIND_LABELS.get(kind, kind)


def _os_error_of(exc: BaseException) -> OSError | None:
    if isinstance(exc, OSError):
        return exc
    # xlsxwriter.exceptions.FileCreateError(OSError) carries the OSError as its argument.
    if type(exc).__name__ == "FileCreateError" and exc.args and isinstance(exc.args[0], OSError):
        return exc.args[0]
    return None


class Staging:
    """Temporary files beside their destinations and scratch folders in ``$TMPDIR``, published
    together by :meth:`commit`; on an exception (or :meth:`abort`) every one is removed and an
    operating-system error becomes an :class:`OutputError` naming ``path`` and what it is."""

    def __init__(self, kind: str, path: Path) -> None:
        self.kind = kind
        self.path = Path(path)
        self._temps: list[tuple[Path, Path]] = []
        self._scratch: list[Path] = []

    def file(self, final: Path) -> Path:
        """An empty temporary file in ``final``'s folder (hidden, ordinary permissions).

        The name is registered (with the janitor and in this staging) before the file is
        created, so a signal at any moment, even between the system call creating it and the
        next line, leaves nothing: :meth:`abort` removes it, or the janitor after a kill.
        """
        final = Path(final)
        while True:
            temp = final.with_name(f"{TEMP_PREFIX}{secrets.token_hex(4)}-{final.name}")
            _JANITOR.hold(temp)
            self._temps.append((temp, final))
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            except FileExistsError:  # another run's file of the same name: never ours to remove
                self._temps.pop()
                _JANITOR.release(temp)
                continue
            except BaseException:
                self._temps.pop()
                _remove(temp)  # created before the exception arrived, or not at all
                raise
            os.close(fd)
            return temp

    def scratch(self) -> Path:
        """A folder of our own in ``$TMPDIR`` for a library's temporary files (xlsxwriter's)."""
        base = Path(tempfile.gettempdir())
        while True:
            folder = base / f"sheetperf-{secrets.token_hex(6)}"
            _JANITOR.hold(folder)
            self._scratch.append(folder)
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:  # not ours
                self._scratch.pop()
                _JANITOR.release(folder)
                continue
            except OSError as exc:
                self._scratch.pop()
                _remove(folder)
                raise OutputError(MSG["scratch_failed"].format(folder=base, reason=os_reason(exc))) from exc
            except BaseException:
                self._scratch.pop()
                _remove(folder)
                raise
            return folder

    def commit(self) -> list[Path]:
        """Flush every temporary file to disk and rename it into place; the destinations."""
        done: list[Path] = []
        for temp, _ in self._temps:
            fd = os.open(temp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        folders = set()
        for temp, final in self._temps:
            os.replace(temp, final)
            _JANITOR.release(temp)
            folders.add(final.parent)
            done.append(final)
        for folder in folders:
            _fsync_folder(folder)
        self._temps = []
        self.clean_scratch()
        return done

    def clean_scratch(self) -> None:
        for folder in self._scratch:
            _remove(folder)
        self._scratch = []

    def abort(self) -> None:
        for temp, _ in self._temps:
            _remove(temp)
        self._temps = []
        self.clean_scratch()

    def __enter__(self) -> Staging:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            return
        self.abort()
        failure = self.failure(exc)
        if failure is not None:
            raise failure from exc

    def failure(self, exc: BaseException) -> OutputError | None:
        """The one-line error for ``exc`` (None when it is not a write failure: re-raised as is)."""
        if isinstance(exc, OutputError):
            return None
        os_exc = _os_error_of(exc)
        if os_exc is None:
            return None
        where = os_exc.filename
        scratch_base = tempfile.gettempdir()
        if isinstance(where, str) and where.startswith(scratch_base.rstrip(os.sep) + os.sep):
            return OutputError(MSG["scratch_failed"].format(folder=scratch_base, reason=os_reason(os_exc)))
        return OutputError(
            MSG["cannot_write"].format(kind=kind_label(self.kind), reason=os_reason(os_exc)), file=str(self.path)
        )


@contextmanager
def atomic_path(final: str | Path, kind: str) -> Iterator[Path]:
    """A temporary path to write ``final`` to by name (pandas, pyarrow, openpyxl, zipfile):
    renamed into place when the block ends normally, removed otherwise."""
    final = Path(final)
    with Staging(kind, final) as staging:
        temp = staging.file(final)
        yield temp
        staging.commit()


@contextmanager
def atomic_open(
    final: str | Path, kind: str, *, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None
) -> Iterator[IO[Any]]:
    """A file object writing ``final`` atomically (text by default)."""
    with atomic_path(final, kind) as temp:
        if "b" in mode:
            with open(temp, mode) as handle:
                yield handle
        else:
            with open(temp, mode, encoding=encoding, newline=newline) as handle:
                yield handle


def xlsxwriter_options(staging: Staging, **options: Any) -> dict[str, Any]:
    """xlsxwriter options with its temporary files in a scratch folder of ``staging``."""
    return {**options, "tmpdir": str(staging.scratch())}


# --- before anything is written -----------------------------------------------------------


def lock_file_of(path: Path) -> tuple[Path, str] | None:
    """The lock file Excel/WPS (``~$name``) or LibreOffice (``.~lock.name#``) keeps beside an
    open workbook, and which program it tells of."""
    name = path.name
    candidates = [
        (path.with_name(f"~${name}"), "open_in_excel"),
        (path.with_name(f"~${name[2:]}"), "open_in_excel") if len(name) > 2 else None,
        (path.with_name(f".~lock.{name}#"), "open_in_libreoffice"),
    ]
    for candidate in candidates:
        if candidate is not None and candidate[0].exists():
            return candidate
    return None


def _legacy_summary(path: Path) -> bool:
    """A summary written before outputs were marked: exactly the five summary sheets (it may be replaced)."""
    from sheetperf.vocab.labels import SUMMARY_SHEETS

    return unmarked_summary(path, lambda names: names == list(SUMMARY_SHEETS.values()))


def _html_is_ours(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return HTML_MARKER.encode() in head


def check_output(
    path: str | Path,
    kind: str,
    *,
    suffixes: Sequence[str],
    force: bool = False,
) -> None:
    """Refuse, before anything is written, an output that must not or can't be written.

    ``kind``: what is written (``summary``, ``status``, ``manifest``, ``annotated``,
    ``report``, ``template``, ``filled``). ``suffixes``: the names it may have.
    Raises :class:`OutputError` with the reason.
    """
    path = Path(path)
    label = kind_label(kind)
    if path.is_dir():
        raise OutputError(MSG["is_folder"].format(kind=label), file=str(path))
    if path.suffix.lower() not in {s.lower() for s in suffixes}:
        raise OutputError(MSG["wrong_suffix"].format(kind=label, expected=MSG["or"].join(suffixes)), file=str(path))
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(MSG["folder_missing"], file=str(path))
    lock = lock_file_of(path)
    if lock is not None:
        raise OutputError(MSG[lock[1]].format(lock=lock[0].name), file=str(path))
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(MSG["cannot_write"].format(kind=label, reason=os_reason(exc)), file=str(path)) from exc
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(MSG["not_ours"].format(kind=label), file=str(path))
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise OutputError(MSG["read_only"], file=str(path))
    if force:
        return
    if kind == "report":
        if not _html_is_ours(path):
            raise OutputError(MSG["not_ours"].format(kind=label), file=str(path))
        return
    if kind in ("template", "filled", "csv"):
        raise OutputError(MSG["exists"], file=str(path))
    marker = read_marker(path)
    if marker is None:
        if kind == "summary" and _legacy_summary(path):
            return
        raise OutputError(MSG["not_ours"].format(kind=label), file=str(path))
    if marker.kind != kind:
        raise OutputError(MSG["other_kind"].format(kind=label, found=kind_label(marker.kind)), file=str(path))
    if marker.sheets_changed:
        raise OutputError(MSG["sheets_changed"].format(kind=label), file=str(path))


def check_inputs(paths: Sequence[str | Path]) -> None:
    """Every input must exist (a typo must not replace a summary with an empty one)."""
    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        raise OutputError(MSG["inputs_missing"].format(paths=MSG["list"].join(missing[:5])))


class OutputLock:
    """Refuses a second sheetperf writing one of the same files while this one runs.

    An abstract Unix socket named after each output's absolute path (Linux): the kernel
    releases it when the process ends, however it ends, and it leaves no file behind.
    Elsewhere no lock is taken.
    """

    def __init__(self, paths: Sequence[str | Path]) -> None:
        self.paths = [Path(p) for p in paths]
        self._sockets: list[socket.socket] = []

    def __enter__(self) -> OutputLock:
        if not sys.platform.startswith("linux"):
            return self
        for path in self.paths:
            key = hashlib.sha256(os.fsencode(os.path.realpath(path))).hexdigest()[:48]
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.bind(b"\0sheetperf-output-" + key.encode())
            except OSError as exc:
                sock.close()
                self.release()
                if exc.errno == errno.EADDRINUSE:
                    raise OutputError(MSG["busy"], file=str(path)) from exc
                return self  # no abstract sockets here (a sandbox): run without the lock
            self._sockets.append(sock)
        return self

    def release(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets = []

    def __exit__(self, *exc: object) -> None:
        self.release()


__all__ = [
    "HTML_MARKER",
    "TEMP_PREFIX",
    "OutputLock",
    "Staging",
    "atomic_open",
    "atomic_path",
    "check_inputs",
    "check_output",
    "kind_label",
    "lock_file_of",
    "sheets_digest",
    "xlsxwriter_options",
]
