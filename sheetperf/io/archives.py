"""Returns inside archives (departments email a .zip of their forms) and what a file's bytes
say it is.

A .zip is opened with the limits a workbook is held to (:mod:`sheetperf.xlsx.limits`: member
count, sizes and compression ratio checked from the directory before anything is inflated, a
member never inflated past its declared size); a member is never extracted to the path its
name gives (a temporary file of sheetperf's own naming is used), and a name that climbs out
(``../``, an absolute path, a drive letter) is refused.  Names written by Windows tools in GBK
without the zip's UTF-8 flag are decoded as GBK.  Each member is listed on its own as
``报送.zip!内涵建设.xlsx``.

.7z and .rar are recognised and refused with the reason (no reader of them that holds to these
limits is a dependency): the user unpacks them.
"""

from __future__ import annotations

import os
import posixpath
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from sheetperf.errors import InputError, SheetperfError, UnsafeInputError, shown
from sheetperf.vocab.intake import ARCHIVE_MESSAGES as MSG
from sheetperf.vocab.intake import WALK_MESSAGES
from sheetperf.vocab.labels import READER_MESSAGES
from sheetperf.xlsx.limits import MAX_FILE_BYTES

#: Separates an archive from its member in the names shown (``报送.zip!内涵建设.xlsx``).
MEMBER_MARK: Final = "!"
ARCHIVE_SUFFIXES: Final = frozenset({".zip", ".7z", ".rar"})
WORKBOOK_MEMBER_SUFFIXES: Final = frozenset({".xlsx", ".xlsm", ".xls", ".et", ".ods"})

ContentKind = Literal["xlsx", "ods", "xls", "encrypted", "zip", "7z", "rar", "other", "empty"]

_ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_7Z_MAGIC: Final = b"7z\xbc\xaf\x27\x1c"
_RAR_MAGIC: Final = b"Rar!\x1a\x07"
_ODS_MIME: Final = b"application/vnd.oasis.opendocument.spreadsheet"
_UTF8_FLAG: Final = 0x800


def content_kind(path: str | Path) -> ContentKind:
    """What the file's bytes say it is (the extension is only a hint).

    A zip is a workbook when it holds ``xl/workbook.xml`` (or names an officeDocument) or the
    ODS mimetype, and an archive otherwise; a compound file (CFB) is an .xls/.et when it has a
    Workbook stream and an encrypted OOXML workbook when it has EncryptionInfo."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return "other"  # a FIFO is never opened
        with open(path, "rb") as handle:
            head = handle.read(128)
    except OSError:
        return "other"
    if not head:
        return "empty"
    if head.startswith(_ZIP_MAGIC):
        if head[30:38] == b"mimetype" and _ODS_MIME in head:
            return "ods"
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist()[:10_000])
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            return "other"  # damaged: by its extension, a workbook's reader or the archive lister says how
        if "xl/workbook.xml" in names or ("_rels/.rels" in names and "word/document.xml" not in names):
            return "xlsx" if "ppt/presentation.xml" not in names else "other"
        if "mimetype" in names and "content.xml" in names:
            return "ods"
        if "word/document.xml" in names:
            return "other"
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(path)
    if head.startswith(_7Z_MAGIC):
        return "7z"
    if head.startswith(_RAR_MAGIC):
        return "rar"
    return "other"


def _ole_kind(path: str | Path) -> ContentKind:
    try:
        import olefile

        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=False)}
    except Exception:  # a damaged compound file: the reader says what is wrong with it
        return "xls"
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return "encrypted"
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    return "other"


@dataclass(frozen=True)
class Member:
    """One member of an archive: its raw name (to find it again), the name decoded for people,
    and why it is not read when it is not (``failed`` counts as a failed file)."""

    raw: str
    name: str
    size: int
    mtime_ns: int
    state: Literal["read", "skipped", "failed"] = "read"
    reason: str = ""


def decoded_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its author wrote it: UTF-8 when the flag says so, else the bytes
    Windows wrote (GBK for Chinese names), which Python's zipfile took as cp437."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unsafe(name: str) -> bool:
    text = name.replace("\\", "/")
    parts = text.split("/")
    return text.startswith("/") or ".." in parts or (len(text) > 1 and text[1] == ":")


def _mtime_ns(info: zipfile.ZipInfo) -> int:
    import datetime as dt

    try:
        return int(dt.datetime(*info.date_time).timestamp() * 1e9)
    except (ValueError, OverflowError):
        return 0


def list_members(path: str | Path) -> list[Member]:
    """Every file in the archive at ``path``, in name order; :class:`InputError` with the
    reason when the archive can't be opened or breaks a limit."""
    from sheetperf.xlsx.book import check_zip_directory, open_zip

    kind = content_kind(path)
    if kind in ("7z", "rar"):
        raise InputError(MSG["not_supported"].format(kind=kind.upper() if kind == "rar" else kind), file=str(path))
    archive = open_zip(Path(path))
    with archive:
        check_zip_directory(archive, Path(path))
        members: list[Member] = []
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = decoded_name(info)
            base = posixpath.basename(name.replace("\\", "/"))
            if name.startswith("__MACOSX/") or base.startswith("."):
                continue  # the resource forks macOS adds, hidden files: no one's return
            suffix = posixpath.splitext(base)[1].lower()
            member = Member(info.filename, name, info.file_size, _mtime_ns(info))
            if _unsafe(name):
                member = _with(member, "failed", MSG["member_unsafe"].format(member=shown(name)))
            elif info.flag_bits & 0x1:
                member = _with(member, "failed", MSG["member_encrypted"].format(member=shown(name)))
            elif suffix in ARCHIVE_SUFFIXES:
                member = _with(member, "failed", MSG["member_nested"].format(member=shown(name)))
            elif base.startswith("~$"):
                member = _with(member, "skipped", READER_MESSAGES["folder_lock_file"])
            elif suffix not in WORKBOOK_MEMBER_SUFFIXES:
                member = _with(member, "skipped", MSG["member_skipped"].format(suffix=suffix or WALK_MESSAGES["no_suffix"]))
            elif info.file_size > MAX_FILE_BYTES:
                limit = MAX_FILE_BYTES // 2**20
                member = _with(
                    member,
                    "failed",
                    READER_MESSAGES["member_too_large"].format(member=shown(name), mb=info.file_size // 2**20, limit=limit),
                )
            members.append(member)
    if not members:
        raise InputError(MSG["empty"], file=str(path))
    return sorted(members, key=lambda m: m.name)


def _with(member: Member, state: Literal["read", "skipped", "failed"], reason: str) -> Member:
    return Member(member.raw, member.name, member.size, member.mtime_ns, state, reason)


def shown_member(archive: str, name: str) -> str:
    """``报送.zip!内涵建设.xlsx``: the archive and the member, as they may be printed."""
    return f"{shown(archive)}{MEMBER_MARK}{shown(name)}"


@contextmanager
def extracted(archive: str | Path, raw: str, name: str) -> Iterator[tuple[Path, bytes]]:
    """The member ``raw`` of ``archive`` as a temporary file (named by sheetperf, with the
    member's suffix) and its bytes; removed on leaving.  Inflated under the workbook limits."""
    from sheetperf.xlsx.book import check_zip_directory, open_zip, read_member

    path = Path(archive)
    with open_zip(path) as zf:
        check_zip_directory(zf, path)
        try:
            data = read_member(zf, raw, path)
        except SheetperfError:
            raise
        except Exception as exc:  # a damaged member: listed with the reason
            raise InputError(MSG["member_unreadable"].format(member=shown(name), detail=type(exc).__name__)) from exc
    if len(data) > MAX_FILE_BYTES:
        raise UnsafeInputError(
            READER_MESSAGES["member_too_large"].format(
                member=shown(name), mb=len(data) // 2**20, limit=MAX_FILE_BYTES // 2**20
            )
        )
    suffix = posixpath.splitext(name.replace("\\", "/"))[1].lower()
    with tempfile.TemporaryDirectory(prefix="sheetperf-member-") as folder:
        target = Path(folder) / f"member{suffix}"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        yield target, data
