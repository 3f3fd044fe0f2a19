"""When a workbook was last saved, as the workbook itself says.

A file's modification time is what the last copy made of it (``cp -r``, a download, an unzip,
a clock set to 2031); the document properties Excel, WPS and LibreOffice write on every save
are the workbook's own word: ``docProps/core.xml`` (``dcterms:modified``) in an .xlsx,
``meta.xml`` (``dc:date``) in an .ods, the SummaryInformation stream (last saved time) in an
.xls or .et.  Read through the same guarded zip and XML path as the workbook; a workbook
without them, or with unreadable ones, simply has no saved time (``None``).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Final

_XLSX_PART: Final = "docProps/core.xml"
_ODS_PART: Final = "meta.xml"
_MODIFIED: Final = "{http://purl.org/dc/terms/}modified"
_DC_DATE: Final = "{http://purl.org/dc/elements/1.1/}date"
_ISO: Final = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")
#: Saved times before this are none at all (Excel's empty property is 1601 or 1899).
_EARLIEST: Final = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)


def _iso(text: str | None) -> dt.datetime | None:
    match = _ISO.match((text or "").strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        when = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    except ValueError:
        return None
    return when if when >= _EARLIEST else None


def _zip_saved(path: Path) -> dt.datetime | None:
    from sheetperf.xlsx.book import check_zip_directory, open_zip

    with open_zip(path) as zf:
        check_zip_directory(zf, path)
        return zip_saved(zf, path)


def zip_saved(zf: zipfile.ZipFile, path: Path) -> dt.datetime | None:
    """When the open .xlsx/.ods ``zf`` was last saved (UTC), by its document properties.
    Raises what reading the part raises (:func:`saved_time` turns that into None)."""
    from sheetperf.xlsx.book import parse_xml, read_member

    names = zf.NameToInfo
    if _XLSX_PART in names:
        root = parse_xml(read_member(zf, _XLSX_PART, path), _XLSX_PART, path)
        node = root.find(_MODIFIED)
        return _iso(node.text if node is not None else None)
    if _ODS_PART in names:
        root = parse_xml(read_member(zf, _ODS_PART, path), _ODS_PART, path)
        node = root.find(f".//{_DC_DATE}")
        return _iso(node.text if node is not None else None)
    return None


def _ole_saved(path: Path) -> dt.datetime | None:
    import olefile

    with olefile.OleFileIO(str(path)) as ole:
        when = ole.get_metadata().last_saved_time
    if not isinstance(when, dt.datetime):
        return None
    when = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when
    return when if when >= _EARLIEST else None


def saved_time(path: str | Path) -> dt.datetime | None:
    """When the workbook at ``path`` was last saved (UTC), by its own document properties."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
        if head.startswith(b"PK"):
            return _zip_saved(path)
        if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            return _ole_saved(path)
    except Exception:  # no properties, or unreadable ones: the workbook has no saved time
        return None
    return None


def saved_ns(path: str | Path) -> int:
    """:func:`saved_time` as nanoseconds since the epoch; 0 when there is none."""
    return as_ns(saved_time(path))


def as_ns(when: dt.datetime | None) -> int:
    """A saved time as nanoseconds since the epoch (whole seconds); 0 for none."""
    return int(when.timestamp()) * 1_000_000_000 if when is not None else 0


def zip_saved_ns(zf: zipfile.ZipFile, path: Path) -> int:
    """:func:`saved_ns` of a workbook the caller has open (a reader that would open it twice)."""
    try:
        return as_ns(zip_saved(zf, path))
    except Exception:  # no properties, or unreadable ones: no saved time, as saved_time() says
        return 0


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Order names as people number them: ``_v2`` before ``_v10``, ``回执`` before ``回执(1)``."""
    return tuple(
        (0, int(piece), "") if piece.isdigit() else (1, 0, piece) for piece in re.split(r"(\d+)", text) if piece
    )
