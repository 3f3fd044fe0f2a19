"""sheetperf's own mark on the workbooks it writes as outputs.

Summaries, status and manifest workbooks and annotated copies carry two custom
document properties: ``sheetperf_output`` (what the workbook is) and
``sheetperf_sheets`` (a digest of its sheet names as written).  Excel, WPS and
LibreOffice keep custom properties when they save, so the mark survives a user
opening and saving the file; a sheet the user added changes the sheet list and
no longer matches the digest.

Reading the mark is cheap and safe: the zip directory and at most two small
parts (``docProps/custom.xml``, ``xl/workbook.xml``), each capped, parsed with
the same guarded XML parser as every untrusted workbook.  Any failure reads as
"no mark".  Templates are not marked as outputs: a department fills them and
sends them back, and those returns are forms to read.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from sheetperf.errors import SheetperfError

#: The custom property naming what kind of sheetperf output a workbook is.
OUTPUT_PROPERTY: Final = "sheetperf_output"
#: The custom property holding the digest of the sheet names as written.
SHEETS_PROPERTY: Final = "sheetperf_sheets"

OutputKind = Literal["summary", "status", "manifest", "annotated"]
#: Workbooks sheetperf writes as results of a run; never read back as forms.
OUTPUT_KINDS: Final[tuple[OutputKind, ...]] = ("summary", "status", "manifest", "annotated")

# The parts read are tiny in a real workbook; anything larger is not ours.
_MAX_PART_BYTES: Final = 256 * 1024
_MAX_MEMBERS: Final = 5_000
_ZIP_MAGIC: Final = b"PK\x03\x04"
_CUSTOM_PART: Final = "docProps/custom.xml"
_WORKBOOK_PART: Final = "xl/workbook.xml"
_CUSTOM_NS: Final = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_MAIN_NS: Final = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@dataclass(frozen=True)
class Marker:
    """The mark found in a workbook: its kind and whether its sheets are still as written."""

    kind: str
    sheets_digest: str
    #: The digest of the sheet names the workbook has now (empty when they could not be read).
    current_digest: str

    @property
    def sheets_changed(self) -> bool:
        return bool(self.sheets_digest) and self.sheets_digest != self.current_digest


def sheets_digest(names: Sequence[str]) -> str:
    """A short digest of sheet names in order (a custom property holds at most 255 characters)."""
    return hashlib.sha256("\x00".join(names).encode("utf-8")).hexdigest()[:32]


def mark_xlsxwriter(book: Any, kind: OutputKind, sheet_names: Sequence[str]) -> None:
    """Mark a workbook being written by xlsxwriter (call before ``close``)."""
    book.set_custom_property(OUTPUT_PROPERTY, kind)
    book.set_custom_property(SHEETS_PROPERTY, sheets_digest(sheet_names))


def mark_openpyxl(wb: Any, kind: OutputKind) -> None:
    """Mark a workbook being saved by openpyxl (an annotated copy), replacing a mark it had."""
    from openpyxl.packaging.custom import StringProperty

    props = wb.custom_doc_props
    for name in (OUTPUT_PROPERTY, SHEETS_PROPERTY):
        if name in props.names:
            del props[name]
    props.append(StringProperty(name=OUTPUT_PROPERTY, value=kind))
    props.append(StringProperty(name=SHEETS_PROPERTY, value=sheets_digest(wb.sheetnames)))


def _part(zf: zipfile.ZipFile, name: str, path: Path) -> Any | None:
    from sheetperf.xlsx.book import parse_xml, read_member

    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART_BYTES:
        return None
    return parse_xml(read_member(zf, name, path), name, path)


def _sheet_names(zf: zipfile.ZipFile, path: Path) -> list[str]:
    workbook = _part(zf, _WORKBOOK_PART, path)
    return [s.get("name", "") for s in workbook.iter(_MAIN_NS + "sheet")] if workbook is not None else []


_T = TypeVar("_T")
#: What reading a part of a workbook that is no readable zip raises: a probe answers None instead.
_UNREADABLE: Final = (OSError, zipfile.BadZipFile, SheetperfError, ValueError, EOFError, RuntimeError, NotImplementedError)


def _probe(path: str | Path, look: Callable[[zipfile.ZipFile, Path], _T | None]) -> _T | None:
    """``look`` at the workbook at ``path`` (a zip of at most a few thousand members); None for a file
    that is no such zip or can't be read."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            if handle.read(4) != _ZIP_MAGIC:
                return None
        with zipfile.ZipFile(path) as zf:
            if len(zf.infolist()) > _MAX_MEMBERS:
                return None
            return look(zf, path)
    except _UNREADABLE:
        return None


def _mark(zf: zipfile.ZipFile, path: Path) -> Marker | None:
    custom = _part(zf, _CUSTOM_PART, path)
    if custom is None:
        return None
    values: dict[str, str] = {}
    for prop in custom.iter(_CUSTOM_NS + "property"):
        name = prop.get("name")
        if name in (OUTPUT_PROPERTY, SHEETS_PROPERTY):
            values[name] = "".join(prop.itertext()).strip()
    kind = values.get(OUTPUT_PROPERTY)
    if not kind:
        return None
    names = _sheet_names(zf, path)
    return Marker(kind, values.get(SHEETS_PROPERTY, ""), sheets_digest(names) if names else "")


def read_marker(path: str | Path) -> Marker | None:
    """The mark of the workbook at ``path``; None for anything that carries none (or can't be read)."""
    return _probe(path, _mark)


def unmarked_summary(path: str | Path, rule: Callable[[list[str]], bool]) -> bool:
    """Whether the workbook at ``path`` is a summary written before sheetperf marked its outputs:
    it carries no mark and ``rule`` says so of its sheet names (read as cheaply and safely as the
    mark).  A probe: a workbook that can't be read is no summary."""
    return _probe(path, lambda zf, where: _mark(zf, where) is None and rule(_sheet_names(zf, where))) is True


def output_kind(path: str | Path) -> str | None:
    """The kind of sheetperf output the workbook at ``path`` is (summary, status, manifest,
    annotated), or None: what a folder walk asks before reading a file as a form."""
    return _output_kind(read_marker(path))


def output_kind_in(zf: zipfile.ZipFile, path: Path) -> str | None:
    """:func:`output_kind` of a workbook the caller has open (a reader that would otherwise open it twice)."""
    try:
        return _output_kind(_mark(zf, path))
    except _UNREADABLE:
        return None


def _output_kind(marker: Marker | None) -> str | None:
    if marker is None or marker.kind not in OUTPUT_KINDS:
        return None
    return marker.kind


__all__ = [
    "OUTPUT_KINDS",
    "OUTPUT_PROPERTY",
    "SHEETS_PROPERTY",
    "Marker",
    "OutputKind",
    "mark_openpyxl",
    "mark_xlsxwriter",
    "output_kind",
    "output_kind_in",
    "read_marker",
    "sheets_digest",
    "unmarked_summary",
]
