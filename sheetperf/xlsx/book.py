"""A small, fast, guarded reader of .xlsx/.xlsm cell grids (zip + lxml).

Why not openpyxl: a full ``load_workbook`` costs ~90× python-calamine on one form
and its read-only mode ~25×; calamine in turn gives neither formulas nor number
formats nor merged ranges on every format.  A form needs exactly those four
things (values, formulas, number formats, merges) from a handful of parts, so
this module reads them directly:

* the zip directory is checked *before* anything is inflated (member count,
  declared sizes, compression ratios) and every member is read with a hard cap,
  so a zip bomb is refused with :class:`UnsafeInputError`;
* every XML part is parsed by lxml with entities unresolved, no DTD, no network
  and ``huge_tree`` off, and a part declaring a DOCTYPE is refused outright (no
  Office program writes one), so an XML bomb never expands;
* macros (``vbaProject.bin``) are never read: an .xlsm is read for its values;
* a sheet is read by one regular-expression pass over its bytes when its XML has the
  plain shape Excel, WPS, LibreOffice, openpyxl and xlsxwriter write (about twice as fast
  as building the tree, and rows met in an earlier workbook are looked up, which matters
  for a template's 1,200 hidden helper formulas); any other shape — a comment, CDATA, a namespace prefix, another child order,
  a character XML forbids — goes to lxml, and ``tests/test_xlsx.py`` holds both paths to
  the same grid.

The result is a :class:`Grid` per sheet: the non-empty cells as :class:`Cell`
(value, formula text, number-format code) keyed by zero-based ``(row, col)``,
plus the merged ranges.  Label finding and record building live in
:mod:`sheetperf.io.locate` and :mod:`sheetperf.io.reader`.
"""

from __future__ import annotations

import datetime as dt
import lzma
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from lxml import etree

from sheetperf.errors import InputError, UnsafeInputError
from sheetperf.model.a1 import col_index
from sheetperf.model.memo import BatchCache
from sheetperf.vocab.intake import library_detail
from sheetperf.vocab.labels import LIMIT_MESSAGES as LIMIT_MSG
from sheetperf.vocab.labels import READER_MESSAGES as MSG
from sheetperf.vocab.text import os_reason
from sheetperf.xlsx.limits import (  # the named limits (sheetperf.xlsx.limits), re-exported for older callers
    DOCTYPE_MARKERS,
    MAX_COLS,
    MAX_COMPRESSION_RATIO,
    MAX_MEMBER_BYTES,
    MAX_MERGED_CELLS,
    MAX_MERGES,
    MAX_ROWS,
    MAX_SHARED_STRING_CHARS,
    MAX_SHARED_STRINGS,
    MAX_SHEET_CELLS,
    MAX_TOTAL_BYTES,
    MAX_XML_TAGS,
    MAX_ZIP_MEMBERS,
    RATIO_CHECK_BYTES,
    WHOLE_MERGE_CELLS,
)

_NS_MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL: Final = "http://schemas.openxmlformats.org/package/2006/relationships"
_M: Final = "{" + _NS_MAIN + "}"

_TAG_SI: Final = _M + "si"
_TAG_T: Final = _M + "t"
_TAG_R: Final = _M + "r"
_TAG_ROW: Final = _M + "row"
_TAG_C: Final = _M + "c"
_TAG_V: Final = _M + "v"
_TAG_F: Final = _M + "f"
_TAG_IS: Final = _M + "is"

_PARSER: Final = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    huge_tree=False,
    load_dtd=False,
    dtd_validation=False,
    remove_comments=True,
    remove_pis=True,
)

#: Built-in number formats (ECMA-376 §18.8.30 plus the zh-CN date ids).
BUILTIN_FORMATS: Final[dict[int, str]] = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "yyyy-mm-dd",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "yyyy-mm-dd h:mm",
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)",
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
    **{i: "yyyy-mm-dd" for i in (27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58)},
    **{i: "h:mm:ss" for i in (32, 33, 55, 56)},
}

CellValue = str | float | bool | None


@dataclass(slots=True)
class Cell:
    """One non-empty cell: its stored (or cached) value, formula text and number format.

    ``value`` is None for a formula cell no spreadsheet program has calculated.
    ``fmt`` is the number-format code, None for General or for text cells.
    ``error`` marks an Excel error value (``#DIV/0!``), kept as text in ``value``.
    """

    value: CellValue
    formula: str | None = None
    fmt: str | None = None
    error: bool = False


@dataclass
class Grid:
    """The cells of one sheet, zero-based ``(row, col)`` → :class:`Cell`, and its merges."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    has_formats: bool = True
    hidden: bool = False


@dataclass
class XlsxBook:
    """What a workbook's parts hold that a form reader needs."""

    path: Path
    sheet_names: list[str]
    defined_names: dict[str, str]
    """Workbook-level defined names → their formula text (``'Sheet'!$C$3``)."""
    local_names: dict[tuple[int, str], str]
    """Sheet-scoped defined names: ``(sheet index, name)`` → formula text."""
    date1904: bool = False
    stale_cache: bool = False
    """``calcPr fullCalcOnLoad``: the writer asked for a full recalculation on open, so cached
    formula results (xlsxwriter and openpyxl store 0 or nothing) are not results at all."""
    _zip: zipfile.ZipFile | None = None
    _sheet_parts: list[str] = field(default_factory=list)
    _hidden: list[bool] = field(default_factory=list)
    _strings: list[str] | None = None
    _formats: list[str | None] | None = None
    memory: BookMemory = field(default_factory=lambda: BookMemory())

    @property
    def archive(self) -> zipfile.ZipFile:
        """The open zip, its directory already checked against the limits."""
        if self._zip is None:
            raise ValueError("workbook is closed")
        return self._zip

    def grid(self, index: int) -> Grid:
        """Parse one sheet into a :class:`Grid`."""
        if self._zip is None:
            raise ValueError("workbook is closed")
        if self._strings is None:
            self._strings = _shared_strings(self._zip, self.path)
        if self._formats is None:
            self._formats = _cell_formats(self._zip, self.path, self.memory)
        data = _read_member(self._zip, self._sheet_parts[index], self.path)
        grid = _parse_sheet(
            data,
            self.sheet_names[index],
            self._strings,
            self._formats,
            self.path,
            self.memory,
            trust_cache=not self.stale_cache,
        )
        grid.hidden = self._hidden[index]
        return grid

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> XlsxBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- zip guard -----------------------------------------------------------------------------


def check_zip_directory(zf: zipfile.ZipFile, path: Path) -> None:
    """Refuse a zip bomb from its directory alone, before inflating any member."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise UnsafeInputError(MSG["too_many_members"].format(count=len(infos), limit=MAX_ZIP_MEMBERS), file=str(path))
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        if size > MAX_MEMBER_BYTES:
            raise UnsafeInputError(
                MSG["member_too_large"].format(member=info.filename, mb=size // 2**20, limit=MAX_MEMBER_BYTES // 2**20),
                file=str(path),
            )
        if size > RATIO_CHECK_BYTES and size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise UnsafeInputError(
                MSG["compression_ratio"].format(member=info.filename, ratio=size // max(info.compress_size, 1)),
                file=str(path),
            )
    if total > MAX_TOTAL_BYTES:
        raise UnsafeInputError(
            MSG["total_too_large"].format(mb=total // 2**20, limit=MAX_TOTAL_BYTES // 2**20), file=str(path)
        )


def _read_member(zf: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """Inflate one member, never past its declared size (the directory can lie)."""
    try:
        info = zf.getinfo(name)
    except KeyError as exc:
        raise InputError(MSG["missing_part"].format(part=name), file=str(path)) from exc
    limit = min(info.file_size, MAX_MEMBER_BYTES)
    try:
        with zf.open(info) as handle:
            data = handle.read(limit + 1)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        zlib.error,
        lzma.LZMAError,
        struct.error,
    ) as exc:  # a flipped byte in a deflate stream is zlib.error, not BadZipFile
        raise InputError(MSG["corrupt_zip"].format(detail=one_line(exc)), file=str(path)) from exc
    except (NotImplementedError, RuntimeError) as exc:  # an unsupported method; the encryption flag
        raise InputError(LIMIT_MSG["encrypted_member"].format(member=name), file=str(path)) from exc
    if len(data) > limit:
        raise UnsafeInputError(MSG["member_lies"].format(member=name), file=str(path))
    return data


def read_member(zf: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """Public name of the guarded member read (used by the filler)."""
    return _read_member(zf, name, path)


def parse_xml(data: bytes, part: str, path: Path) -> Any:
    """Public name of the safe XML parse (used by the filler)."""
    return _xml(data, part, path)


def one_line(exc: BaseException, limit: int = 80) -> str:
    """An exception's text on one line (libxml2 puts a newline inside its messages)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return library_detail(text)[:limit]


def _guard_xml(data: bytes, part: str, path: Path) -> None:
    """Refuse a part declaring a DOCTYPE (in any encoding) or holding too much markup, unparsed."""
    wide = b"\x00" in data[:64]  # UTF-16/32 (lxml tells the encoding from the first bytes)
    if any(marker in data for marker in (DOCTYPE_MARKERS if wide else DOCTYPE_MARKERS[::5])):
        raise UnsafeInputError(MSG["doctype"].format(part=part), file=str(path))
    tags = data.count(b"<")
    if tags > MAX_XML_TAGS:
        raise UnsafeInputError(
            LIMIT_MSG["too_many_tags"].format(part=part, count=tags, limit=MAX_XML_TAGS), file=str(path)
        )


def _xml(data: bytes, part: str, path: Path) -> Any:
    """Parse one XML part safely; a DOCTYPE (entity declarations) is refused.

    The declaration is looked for in the whole part and in every encoding lxml accepts
    (a prolog can be padded with comments and re-encoded as UTF-16); a DTD that still
    slips through is refused after parsing, and libxml2's entity-amplification guard
    stops an expansion during it.
    """
    _guard_xml(data, part, path)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        if "amplification" in str(exc) or ("entity" in str(exc).lower() and "loop" in str(exc).lower()):
            raise UnsafeInputError(LIMIT_MSG["entity_bomb"].format(part=part), file=str(path)) from exc
        raise InputError(MSG["bad_xml"].format(part=part, detail=one_line(exc)), file=str(path)) from exc
    except (ValueError, LookupError) as exc:  # an unknown encoding declaration, NUL bytes
        raise InputError(MSG["bad_xml"].format(part=part, detail=one_line(exc)), file=str(path)) from exc
    if root.getroottree().docinfo.internalDTD is not None:
        raise UnsafeInputError(MSG["doctype"].format(part=part), file=str(path))
    return root


# --- workbook ------------------------------------------------------------------------------


_CELL_TAG_RE: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_MERGE_REF_RE: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=\"([^\"]*)\"")


def sheet_sizes(path: str | Path) -> list[tuple[str, int]]:
    """Each sheet's name and how many cells a library that builds every cell would make of it:
    its ``<c>`` elements (styled empty ones too) plus the cells its merged ranges cover.

    Read through the guarded zip (a bomb is refused here as anywhere); no XML is parsed.
    """
    path = Path(path)
    out: list[tuple[str, int]] = []
    memory = BookMemory()
    with open_xlsx(path) as book:
        for name, part in zip(book.sheet_names, book._sheet_parts, strict=True):
            data = _read_member(book.archive, part, path)
            count = len(_CELL_TAG_RE.findall(data))
            for ref in _MERGE_REF_RE.findall(data):
                first, _, last = ref.decode("ascii", "replace").partition(":")
                try:
                    r1, c1 = _split_ref(first.replace("$", ""), memory)
                    r2, c2 = _split_ref(last.replace("$", ""), memory) if last else (r1, c1)
                except ValueError:
                    continue
                count += (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
            out.append((name, count))
    return out


def open_zip(path: Path) -> zipfile.ZipFile:
    """A workbook's zip, its directory read; :class:`InputError` with the reason when it can't be."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError, EOFError, struct.error) as exc:
        raise InputError(MSG["corrupt_zip"].format(detail=one_line(exc)), file=str(path)) from exc
    except NotImplementedError as exc:  # a damaged 'version needed to extract' ("zip file version 14.8")
        raise InputError(MSG["corrupt_zip"].format(detail=one_line(exc)), file=str(path)) from exc
    except OSError as exc:
        raise InputError(MSG["unreadable"].format(detail=os_reason(exc)), file=str(path)) from exc


def open_xlsx(path: str | Path, cache: BatchCache | None = None) -> XlsxBook:
    """Open an .xlsx/.xlsm: check the zip, read the sheet list and defined names.

    ``cache`` is the batch's memory (rows, formula texts and references met in earlier
    workbooks); without one the workbook is read cold.
    """
    path = Path(path)
    zf = open_zip(path)
    try:
        check_zip_directory(zf, path)
        names = set(zf.namelist())
        if "xl/workbook.xml" in names:
            wb_part = "xl/workbook.xml"
        else:
            wb_part = _office_document(zf, names, path)
        memory = cache.part(BookMemory) if cache is not None else BookMemory()
        book = _workbook(zf, wb_part, path, memory)
        book.memory = memory
    except BaseException:
        zf.close()
        raise
    return book


def _office_document(zf: zipfile.ZipFile, names: set[str], path: Path) -> str:
    if "_rels/.rels" not in names:
        raise InputError(MSG["not_xlsx"], file=str(path))
    root = _xml(_read_member(zf, "_rels/.rels", path), "_rels/.rels", path)
    for rel in root:
        if str(rel.get("Type", "")).endswith("/officeDocument"):
            target = str(rel.get("Target", "")).lstrip("/")
            if target in names:
                return target
    raise InputError(MSG["not_xlsx"], file=str(path))


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


@dataclass(frozen=True)
class _WorkbookPart:
    """What ``workbook.xml`` and its relationships say, before the zip's members are checked."""

    sheets: tuple[tuple[str, str | None, bool], ...]  # (name, part, hidden)
    defined: dict[str, str]
    local: dict[tuple[int, str], str]
    date1904: bool
    stale: bool


def _workbook(zf: zipfile.ZipFile, wb_part: str, path: Path, memory: BookMemory) -> XlsxBook:
    data = _read_member(zf, wb_part, path)
    rels_part = _rels_part(wb_part)
    rels_data = _read_member(zf, rels_part, path) if rels_part in zf.NameToInfo else None
    # Every copy of a template has the same two parts, byte for byte (170 defined names): parsed once.
    key = (wb_part, data, rels_data)
    parsed = memory.parts.get(key)
    if not isinstance(parsed, _WorkbookPart):
        parsed = _parse_workbook(data, wb_part, rels_data, rels_part, path)
        memory.remember_part(key, len(data) + len(rels_data or b""), parsed)
    sheet_names: list[str] = []
    parts: list[str] = []
    hidden: list[bool] = []
    for name, part, is_hidden in parsed.sheets:
        if part is None or part not in zf.NameToInfo:
            continue  # a chart sheet or a dangling entry: no cells to read
        if not part.endswith(".xml") or ("worksheets" not in part and "sheet" not in part):
            continue
        sheet_names.append(name)
        parts.append(part)
        hidden.append(is_hidden)
    book = XlsxBook(path, sheet_names, dict(parsed.defined), dict(parsed.local), parsed.date1904, parsed.stale)
    book._zip = zf
    book._sheet_parts = parts
    book._hidden = hidden
    return book


def _parse_workbook(data: bytes, wb_part: str, rels_data: bytes | None, rels_part: str, path: Path) -> _WorkbookPart:
    root = _xml(data, wb_part, path)
    rels: dict[str, str] = {}
    if rels_data is not None:
        for rel in _xml(rels_data, rels_part, path):
            rels[str(rel.get("Id"))] = _resolve(wb_part, str(rel.get("Target", "")))
    sheet_list: list[tuple[str, str | None, bool]] = []
    sheets = root.find(_M + "sheets")
    for sheet in sheets if sheets is not None else ():
        rid = sheet.get("{" + _NS_REL + "}id")
        sheet_list.append((str(sheet.get("name", "")), rels.get(str(rid)), sheet.get("state", "visible") != "visible"))
    defined: dict[str, str] = {}
    local: dict[tuple[int, str], str] = {}
    names_el = root.find(_M + "definedNames")
    for dn in names_el if names_el is not None else ():
        name = str(dn.get("name", ""))
        text = dn.text or ""
        scope = dn.get("localSheetId")
        if scope is None:
            defined[name] = text
        elif scope.isdigit():
            local[(int(scope), name)] = text
    pr = root.find(_M + "workbookPr")
    date1904 = pr is not None and str(pr.get("date1904", "0")).lower() in {"1", "true"}
    calc = root.find(_M + "calcPr")
    stale = calc is not None and str(calc.get("fullCalcOnLoad", "0")).lower() in {"1", "true"}
    return _WorkbookPart(tuple(sheet_list), defined, local, date1904, stale)


# A UTF-16 surrogate pair escaped as two (``_xD83D__xDE00_``), or one escaped code unit.
_ESCAPE_RE: Final = re.compile(r"_x([dD][89abAB][0-9A-Fa-f]{2})__x([dD][c-fC-F][0-9A-Fa-f]{2})_|_x([0-9A-Fa-f]{4})_")


def _escaped(match: re.Match[str]) -> str:
    high, low, unit = match.groups()
    if unit is None:
        return chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + int(low, 16) - 0xDC00)
    code = int(unit, 16)
    # A lone surrogate is no character (no file or message could hold it): kept as written.
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def _unescape(text: str) -> str:
    """Decode Excel's ``_xHHHH_`` escapes (``_x000D_`` is a carriage return)."""
    return _ESCAPE_RE.sub(_escaped, text) if "_x" in text else text


def _si_text(si: Any) -> str:
    first = si[0] if len(si) else None
    if first is not None and first.tag == _TAG_T and len(si) == 1:
        return _unescape(first.text or "")
    parts: list[str] = []
    for child in si:
        if child.tag == _TAG_T:
            parts.append(child.text or "")
        elif child.tag == _TAG_R:
            for sub in child:
                if sub.tag == _TAG_T:
                    parts.append(sub.text or "")
        # rPh (phonetic runs) and phoneticPr are not part of the shown text
    return _unescape("".join(parts))


def _shared_strings(zf: zipfile.ZipFile, path: Path) -> list[str]:
    """The shared-string table, capped at MAX_SHARED_STRINGS entries and MAX_SHARED_STRING_CHARS."""
    part = "xl/sharedStrings.xml"
    if part not in zf.NameToInfo:
        return []
    data = _read_member(zf, part, path)
    scanned = _scan_strings(data)
    texts: Iterable[str] = (
        scanned if scanned is not None else (_si_text(si) for si in _xml(data, part, path).iterchildren(_TAG_SI))
    )
    out: list[str] = []
    chars = 0
    for text in texts:
        chars += len(text)
        out.append(text)
        if len(out) > MAX_SHARED_STRINGS:
            raise UnsafeInputError(LIMIT_MSG["too_many_strings"].format(limit=MAX_SHARED_STRINGS), file=str(path))
        if chars > MAX_SHARED_STRING_CHARS:
            raise UnsafeInputError(LIMIT_MSG["strings_too_long"].format(limit=MAX_SHARED_STRING_CHARS), file=str(path))
    return out


# The plain table Excel, WPS, LibreOffice and xlsxwriter write: ``<si>`` items of one text or of
# formatted runs. Anything else (phonetic text, a prefix, CR, a DOCTYPE) is read by lxml.
# An item is one text, or runs of formatted text (LibreOffice writes them), each a text after
# an optional run format made only of empty elements (<sz val="10"/>, <b/> …).
_SST_T: Final = rb'<t(?: xml:space="preserve")?(?:/>|>[^<]*</t>)'
_SST_RUN: Final = rb'<r>(?:<rPr>(?:<[a-zA-Z]+(?: [a-zA-Z:]+="[^"<>&]*")*/>)*</rPr>|<rPr/>)?' + _SST_T + rb"</r>"
_SI_RE: Final = re.compile(rb"<si>(" + _SST_T + rb"|(?:" + _SST_RUN + rb")+)</si>")
_SI_RUN_RE: Final = re.compile(rb"(?:<si>(?:" + _SST_T + rb"|(?:" + _SST_RUN + rb")+)</si>)*")
_SI_TEXT_RE: Final = re.compile(rb'<t(?: xml:space="preserve")?(?:/>|>([^<]*)</t>)')
_SST_HEAD_RE: Final = re.compile(rb'\A(?:\xef\xbb\xbf)?(?:<\?xml[^>]*\?>)?\s*<sst(?: [a-zA-Z:]+="[^"<>&]*")*>')


def _scan_strings(data: bytes) -> list[str] | None:
    """The shared strings of a plain table by one regular-expression pass; None for lxml."""
    head = _SST_HEAD_RE.match(data)
    if head is None or b"\r" in data or b"<!" in data:
        return None
    prolog = data[: head.end()]
    declared = _DECLARED_ENCODING_RE.match(data)
    if prolog.count(b"xmlns") != 1 or _MAIN_DEFAULT_NS not in prolog:
        return None
    if declared is not None and declared.group(1).lower() not in {b"utf-8", b"utf8"}:
        return None
    end = data.rfind(b"</sst>")
    if end < head.end() or data[end + 6 :].strip():
        return None
    if data.count(b"<si>", head.end(), end) > MAX_SHARED_STRINGS or _SI_RUN_RE.fullmatch(data, head.end(), end) is None:
        return None  # too many to list (lxml's path refuses it) or not the plain shape
    try:
        return [
            _unescape("".join(_xml_text(raw) for raw in _SI_TEXT_RE.findall(item) if raw))
            for item in _SI_RE.findall(data, head.end(), end)
        ]
    except _NotPlain:
        return None


def _cell_formats(zf: zipfile.ZipFile, path: Path, memory: BookMemory) -> list[str | None]:
    """Number-format code of each cellXfs index (None for General); remembered by the part's bytes."""
    part = "xl/styles.xml"
    if part not in zf.NameToInfo:
        return []
    data = _read_member(zf, part, path)
    key = (part, data, None)
    known = memory.parts.get(key)
    if isinstance(known, tuple):
        return list(known)
    formats = _parse_formats(data, part, path)
    memory.remember_part(key, len(data), tuple(formats))
    return formats


def _parse_formats(data: bytes, part: str, path: Path) -> list[str | None]:
    root = _xml(data, part, path)
    custom: dict[int, str] = {}
    num_fmts = root.find(_M + "numFmts")
    for nf in num_fmts if num_fmts is not None else ():
        try:
            custom[int(nf.get("numFmtId", "-1"))] = str(nf.get("formatCode", ""))
        except ValueError:
            continue
    out: list[str | None] = []
    xfs = root.find(_M + "cellXfs")
    for xf in xfs if xfs is not None else ():
        try:
            fid = int(xf.get("numFmtId", "0"))
        except ValueError:
            fid = 0
        code = custom.get(fid) or BUILTIN_FORMATS.get(fid, "General")
        out.append(None if code == "General" else code)
    return out


# --- sheet ---------------------------------------------------------------------------------

_REF_RE: Final = re.compile(r"([A-Z]{1,3})(\d+)")


def _split_ref(ref: str, memory: BookMemory) -> tuple[int, int]:
    """'C12' → (11, 2); remembered, since the same references recur in every form."""
    hit = memory.refs.get(ref)
    if hit is not None:
        return hit
    match = _REF_RE.fullmatch(ref)
    if match is None:
        raise ValueError(ref)
    out = (int(match.group(2)) - 1, col_index(match.group(1)))
    if len(memory.refs) < _REF_LIMIT:
        memory.refs[ref] = out
    return out


def _parse_sheet(
    data: bytes,
    name: str,
    strings: list[str],
    formats: list[str | None],
    path: Path,
    memory: BookMemory,
    *,
    trust_cache: bool = True,
) -> Grid:
    """One sheet's grid: by the fast scanner when the XML has the usual shape, else by lxml."""
    if len(data) > MAX_XML_TAGS:  # a smaller part cannot hold more markup than the limit
        _guard_xml(data, name, path)
    # The scanner refuses a DOCTYPE by its shape (only a declaration may precede <worksheet>,
    # and any later '<!' sends the part to lxml, which refuses it with its reason).
    sheet = _Scan(name, path, strings, formats, trust_cache, memory)
    grid = _scan_sheet(data, sheet)
    return grid if grid is not None else _parse_sheet_tree(data, sheet)  # the tree reads no scan state


class _NotPlain(Exception):
    """The sheet's XML is not in the plain shape the fast scanner reads: use lxml."""


# The fast scanner reads the shape Excel, WPS, LibreOffice, openpyxl and xlsxwriter write:
# ``<c r="B3" s="1" t="s"><f>…</f><v>…</v></c>`` with the main namespace as the default one.
# Anything else that could hold a cell (another order, a comment, CDATA, a processing
# instruction, a namespace prefix, a cell without ``r``) matches the last alternative or fails
# the header checks, and the sheet is parsed by lxml instead.  Both paths give the same grid
# (tests/test_xlsx.py compares them on every workbook the tests hold).
_SCAN_RE: Final = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"((?: [a-z]+="[^"<>&]*")*)'
    rb"(?:/>|>"
    rb'(<f((?: [a-z]+="[^"<>&]*")*)(?:/>|>([^<]*)</f>))?'
    rb"(?:<v>([^<]*)</v>|<v/>)?"
    rb'(?:(<is>)<t(?: xml:space="preserve")?>([^<]*)</t></is>)?'
    rb"</c>)"
    rb"|<row((?: [^>]*)?)/?>"
    rb"|(<c[\s/>]|<!|<\?|<[A-Za-z_][\w.-]*:(?:c|row|sheetData|mergeCells?)[\s/>]|&#)"
)
_DECLARATION_RE: Final = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:<\?xml[^>]*\?>)?\s*<worksheet[\s>]")
_DECLARED_ENCODING_RE: Final = re.compile(rb'\A(?:\xef\xbb\xbf)?<\?xml[^>]*encoding="([^"]*)"')
_MAIN_DEFAULT_NS: Final = b'xmlns="' + _NS_MAIN.encode() + b'"'
_ATTR_RE: Final = re.compile(rb' ([a-z]+)="([^"]*)"')
_ROW_R_RE: Final = re.compile(rb'\sr="([^"]*)"')
_MERGE_RE: Final = re.compile(rb'<mergeCell ref="([^"<>&]*)"\s*/>')
_STRAY_AMP_RE: Final = re.compile(r"&(?!(?:lt|gt|amp|quot|apos);)")
_REFERENCE_RE: Final = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));|&")
_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_REF_LIMIT: Final = 200_000
_ATTR_LIMIT: Final = 10_000
_FORMULA_TEXT_LIMIT: Final = 20_000
_REFERENCED_LIMIT: Final = 50_000
_ROW_SEEN_LIMIT: Final = 200_000
_ROW_CACHE_BYTES: Final = 32 * 2**20

# Rows parsed twice are kept: (trust_cache, formats, row bytes, remembered end) → its cells (the
# bytes up to a remembered formula-only end, and that end's bytes, whose hash Python keeps).  Cells are never
# changed after reading, so the same objects serve every copy.  Rows a workbook's
# shared strings or shared formulas feed are never kept (their bytes do not say it all).
_RowKey = tuple[bool, tuple[str | None, ...], bytes, bytes]
# The formula-only end of a row: its bytes (up to ``</row>``) and its cells.
_Tail = tuple[bytes, dict[tuple[int, int], Cell]]
_TAILS_PER_ROW: Final = 2
_PART_CACHE_BYTES: Final = 8 * 2**20
# A shorter run of helper formulas is scanned each time (learning it would not pay).
_TAIL_MIN_CELLS: Final = 4


class BookMemory:
    """What reading workbooks remembers from one to the next (a part of the batch's
    :class:`~sheetperf.model.memo.BatchCache`); every table is bounded.

    * ``refs``, ``cols``: cell references and column letters → indices;
    * ``attrs``, ``formula_attrs``: a cell's raw ``s``/``t`` attributes, an ``<f>``'s ``si``;
    * ``formula_texts``: formula texts recur byte for byte in every copy of a template (1,200
      hidden helpers a sheet): decoded once, and the same str spares the hashing later;
    * ``referenced``: labels copied from the same Word form recur in every hand-built
      workbook (openpyxl writes them as character references): resolved once;
    * ``rows``: rows met twice (a template's untouched rows are the same bytes in every copy);
    * ``parts``: workbook.xml (with its relationships) and styles.xml, parsed, by their bytes;
    * ``tails``: the run of formula-only cells that ends a row (a template's hidden helper
      columns), by row number: a filled row differs in its first cells only, and its 20 KB of
      helper formulas are then compared byte for byte instead of scanned.
    """

    __slots__ = (
        "attrs",
        "cols",
        "formula_attrs",
        "formula_texts",
        "part_bytes",
        "parts",
        "referenced",
        "refs",
        "row_bytes",
        "row_seen",
        "rows",
        "sheets",
        "tail_bytes",
        "tails",
    )

    def __init__(self) -> None:
        self.refs: dict[str, tuple[int, int]] = {}
        self.cols: dict[bytes, int] = {}
        self.attrs: dict[bytes, tuple[int, str | None]] = {}
        self.formula_attrs: dict[bytes, str | None] = {}
        self.formula_texts: dict[bytes, str] = {}
        self.referenced: dict[bytes, str] = {}
        self.rows: dict[_RowKey, dict[tuple[int, int], Cell]] = {}
        self.row_seen: set[int] = set()
        self.row_bytes = 0
        #: Sheets scanned so far: the first teaches no row ends (a lone workbook would pay for nothing).
        self.sheets = 0
        self.tails: dict[tuple[bool, bytes], list[_Tail]] = {}
        self.tail_bytes = 0
        self.parts: dict[tuple[str, bytes, bytes | None], object] = {}
        self.part_bytes = 0

    def remember_row(self, key: _RowKey, row_cells: dict[tuple[int, int], Cell]) -> None:
        """Keep a row the second time its bytes are met (one sighting could be a one-off),
        within the byte cap."""
        digest = hash(key)
        if digest not in self.row_seen:
            if len(self.row_seen) > _ROW_SEEN_LIMIT:
                self.row_seen.clear()
            self.row_seen.add(digest)
            return
        size = len(key[2]) + len(key[3])
        if self.row_bytes + size > _ROW_CACHE_BYTES:
            self.rows.clear()
            self.row_bytes = 0
        self.rows[key] = row_cells
        self.row_bytes += size

    def remember_part(self, key: tuple[str, bytes, bytes | None], size: int, parsed: object) -> None:
        """Keep what a workbook-level part (workbook.xml, styles.xml) says, within the byte cap."""
        if self.part_bytes + size > _PART_CACHE_BYTES:
            self.parts.clear()
            self.part_bytes = 0
        self.parts[key] = parsed
        self.part_bytes += size

    def remember_tail(self, key: tuple[bool, bytes], tail: bytes, cells: dict[tuple[int, int], Cell]) -> None:
        """Keep the formula-only end of a row (the newest two per row number), within the byte cap."""
        if self.tail_bytes + len(tail) > _ROW_CACHE_BYTES:
            self.tails.clear()
            self.tail_bytes = 0
        known = self.tails.setdefault(key, [])
        if len(known) >= _TAILS_PER_ROW:
            self.tail_bytes -= len(known.pop(0)[0])
        known.append((tail, cells))
        self.tail_bytes += len(tail)


def _xml_text(raw: bytes) -> str:
    """Element text as lxml gives it: UTF-8 decoded, entities and character references resolved."""
    try:
        text = raw.decode()
    except UnicodeDecodeError as exc:
        raise _NotPlain from exc
    if "&" not in text:
        return text
    if "&#" in text:  # openpyxl writes inline strings as character references
        return _REFERENCE_RE.sub(_reference, text)
    if _STRAY_AMP_RE.search(text):  # an unknown entity: lxml decides
        raise _NotPlain
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
        .replace("&amp;", "&")
    )  # fmt: skip


def _reference(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED_ENTITIES[named]
    if decimal or hexadecimal:
        code = int(decimal) if decimal else int(hexadecimal, 16)
        if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
            return chr(code)
    raise _NotPlain  # not a character XML allows, or a stray '&'


def _decode_references(matches: list[tuple[bytes, ...]], memory: BookMemory) -> dict[bytes, str]:
    """Texts holding character references (``&#36130;``), resolved by one lxml parse of them all.

    openpyxl writes every non-ASCII character of an inline string that way; resolving them
    one by one in Python would cost more than the rest of the sheet.
    """
    known = memory.referenced
    out: dict[bytes, str] = {}
    for match in matches:
        for raw in (match[5], match[6], match[8]):
            if b"&#" in raw and raw not in out:
                out[raw] = known.get(raw, "")
    missing = [raw for raw, text in out.items() if not text]
    if missing:
        document = b"<x><t>" + b"</t><t>".join(missing) + b"</t></x>"
        try:
            root = etree.fromstring(document, _PARSER)
        except (etree.XMLSyntaxError, ValueError) as exc:  # a reference XML forbids: lxml says so
            raise _NotPlain from exc
        texts = [element.text or "" for element in root]
        if len(texts) != len(missing):
            raise _NotPlain
        if len(known) > _REFERENCED_LIMIT:
            known.clear()
        for raw, text in zip(missing, texts, strict=True):
            out[raw] = known[raw] = text
    return out


def _scan_col(col_b: bytes, row_b: bytes, name: str, path: Path, memory: BookMemory) -> int:
    """A column's index from its letters (remembered), refused as the tree path refuses it."""
    try:
        col = col_index(col_b.decode("ascii"))
    except ValueError as exc:  # past XFD
        ref = (col_b + row_b).decode("ascii")
        raise InputError(MSG["bad_cell_ref"].format(sheet=name, ref=ref), file=str(path)) from exc
    memory.cols[col_b] = col
    return col


def _formula_text(raw: bytes, memory: BookMemory) -> str:
    """``=`` and the formula of an ``<f>`` element's raw text, remembered for the next copy."""
    text = "=" + _xml_text(raw)
    if len(memory.formula_texts) >= _FORMULA_TEXT_LIMIT:
        memory.formula_texts.clear()
    memory.formula_texts[raw] = text
    return text


_ATTR_SPACES: Final = str.maketrans("\t\n\r", "   ")


def _attr_value(raw: bytes) -> str:
    """An attribute's value as lxml gives it: entities resolved, tabs and line breaks made spaces."""
    return _xml_text(raw).translate(_ATTR_SPACES)


def _cell_attrs(raw: bytes, memory: BookMemory) -> tuple[int, str | None]:
    """``s`` (as an index into the formats, 0 when absent or not a number) and ``t`` of a cell."""
    style, kind = 0, None
    for key, value in _ATTR_RE.findall(raw):
        if key == b"xmlns":
            raise _NotPlain  # the cell in another namespace: lxml reads it as it is
        if key == b"s":
            text = _attr_value(value)
            style = int(text) if text.isdigit() and text != "0" else 0
        elif key == b"t":
            kind = _attr_value(value)
    if len(memory.attrs) < _ATTR_LIMIT:
        memory.attrs[raw] = (style, kind)
    return style, kind


def _formula_si(raw: bytes, memory: BookMemory) -> str | None:
    """The ``si`` of a shared formula's ``<f>`` attributes, None for any other formula."""
    attrs = dict(_ATTR_RE.findall(raw))
    if b"xmlns" in attrs:
        raise _NotPlain
    si = _attr_value(attrs.get(b"si", b"")) if attrs.get(b"t") == b"shared" else None
    if len(memory.formula_attrs) < _ATTR_LIMIT:
        memory.formula_attrs[raw] = si
    return si


def _scan_sheet(data: bytes, scan: _Scan) -> Grid | None:
    """The sheet's grid by one regular-expression pass over its bytes, or None for lxml.

    About twice as fast as building the tree, and a row met before costs a lookup: a filled
    template's form sheet carries some 1,200 hidden helper formulas (640 KB of XML).
    """
    head = _DECLARATION_RE.match(data)
    if head is None:
        return None
    # One default namespace, the main one, declared before the cells (a cell or row that
    # redeclares it is caught by its attributes below).
    prolog = data[: data.find(b"<sheetData")]
    if prolog.count(b'xmlns="') != 1 or _MAIN_DEFAULT_NS not in prolog:
        return None
    declared = _DECLARED_ENCODING_RE.match(data)
    if declared is not None and declared.group(1).lower() not in {b"utf-8", b"utf8"}:
        return None
    if not data[-256:].rstrip().endswith(b"</worksheet>"):
        return None  # truncated: lxml says where
    if b"\r" in data:  # XML reads CR LF and a lone CR as LF
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    name, memory, trust_cache = scan.name, scan.memory, scan.trust_cache
    memory.sheets += 1
    grid = Grid(name)
    cells = grid.cells
    try:
        # A row may end in helper formulas met before (a template's hidden columns), compared byte
        # for byte: then only its head is scanned, and the row is known by its head and that end.
        cut = _row_pieces(data, head.end(), scan)
        if cut is None:
            return None
        pieces, tails = cut
        ends = [b if tail is None else b - len(tail[0]) for (_, _, b), tail in zip(pieces, tails, strict=True)]
        # Rows seen before (a template's untouched rows, byte for byte the same in every copy)
        # come from the cache; the others are scanned, their character references resolved at once.
        keyed = [
            ((trust_cache, scan.formats_key, data[a:end], b"" if tail is None else tail[0]) if is_row else None, a, b)
            for (is_row, a, b), end, tail in zip(pieces, ends, tails, strict=True)
        ]
        known: list[dict[tuple[int, int], Cell] | None] = [
            None if key is None else memory.rows.get(key) for key, _, _ in keyed
        ]
        found = [
            _SCAN_RE.findall(data, a, end) if hit is None else []
            for (_, a, _), end, hit in zip(keyed, ends, known, strict=True)
        ]
        if any(
            hit is None and _has_reference(data, a, end) for (_, a, _), end, hit in zip(keyed, ends, known, strict=True)
        ):
            scan.referenced = _decode_references([m for ms in found for m in ms], memory)
        scan.pieces(
            data,
            zip((key for key, _, _ in keyed), known, found, tails, ((a, b) for _, a, b in keyed), strict=True),
            cells,
        )
        merges = data.find(b"<mergeCells", pieces[-1][1])  # after the cells; the first, as lxml's find() takes it
        refs: list[str] = []
        if merges >= 0:
            section = data[merges : data.find(b"</mergeCells>", merges)]
            found_merges = _MERGE_RE.findall(section)
            if len(found_merges) != section.count(b"<mergeCell "):
                return None
            refs = [ref.decode("ascii", "replace") for ref in found_merges]
    except _NotPlain:
        return None
    _add_merges(grid, refs, name, scan.path, memory)
    return grid


_ROW_NAME_ENDS: Final = frozenset((b" ", b"\t", b"\n", b">", b"/"))


def _has_reference(data: bytes, start: int, end: int) -> bool:
    """Whether ``data[start:end]`` holds a character reference (``&#``).

    Looks for the rare ``#`` and checks the byte before it: searching for ``&#`` directly is
    slow on formula text, where every ``&quot;`` and ``&lt;`` is a false start.
    """
    hash_at = data.find(b"#", start, end)
    while hash_at >= 0:
        if hash_at > start and data[hash_at - 1] == 0x26:  # '&'
            return True
        hash_at = data.find(b"#", hash_at + 1, end)
    return False


def _row_pieces(
    data: bytes, start: int, scan: _Scan | None = None
) -> tuple[list[tuple[bool, int, int]], list[_Tail | None]] | None:
    """The sheet cut into ``<row>`` elements and the stretches between them: (is a row, start, end),
    and for each the remembered formula-only end it closes with (None where there is none).

    None when a row does not close: lxml decides.  A row opened inside another shows up as a
    second ``<row>`` in one piece, which :meth:`_Scan.pieces` hands to lxml.  A row whose
    remembered end is found right after its first cells is closed there, so the 20 KB of
    helper formulas are compared, not searched for ``</row>``.
    """
    pieces: list[tuple[bool, int, int]] = []
    tails: list[_Tail | None] = []
    position = search = start
    while True:
        row_start = data.find(b"<row", search)
        if row_start < 0:
            break
        if data[row_start + 4 : row_start + 5] not in _ROW_NAME_ENDS:  # <rowBreaks>
            search = row_start + 4
            continue
        if row_start > position:
            pieces.append((False, position, row_start))
            tails.append(None)
        tag_end = data.find(b">", row_start)
        if tag_end < 0:
            return None
        tail: _Tail | None = None
        if data[tag_end - 1 : tag_end] == b"/":
            row_end = tag_end + 1
        else:
            row_end = -1
            known = _remembered_ends(data, row_start, tag_end, scan) if scan is not None else ()
            for candidate in known:  # looked for right after the row's first cells
                at = data.find(candidate[0][: candidate[0].find(b'"', 6) + 1], tag_end, tag_end + _HEAD_WINDOW)
                if at >= 0 and data.startswith(candidate[0], at) and data.find(b"</row>", tag_end, at) < 0:
                    tail, row_end = candidate, at + len(candidate[0])  # no </row> before it: it ends this row
                    break
            if row_end < 0:
                close = data.find(b"</row>", tag_end)
                if close < 0:
                    return None
                row_end = close + 6
                # first cells longer than the window: the row's end compared where the row closes
                tail = next((c for c in known if data.endswith(c[0], tag_end + 1, row_end)), None)
        pieces.append((True, row_start, row_end))
        tails.append(tail)
        position = search = row_end
    pieces.append((False, position, len(data)))
    tails.append(None)
    return pieces, tails


#: How far after a row's tag its remembered end is looked for (the row's own first cells).
_HEAD_WINDOW: Final = 16_384


def _row_number(data: bytes, start: int, end: int) -> bytes | None:
    """The ``r`` attribute of the ``<row>`` tag that opens ``data[start:end]``."""
    match = _ROW_R_RE.search(data, start, data.find(b">", start, end))
    return match.group(1) if match is not None else None


def _remembered_ends(data: bytes, row_start: int, tag_end: int, scan: _Scan) -> Sequence[_Tail]:
    """The formula-only row ends remembered for the number of the row opened at ``row_start``."""
    if not scan.memory.tails:
        return ()
    number = _row_number(data, row_start, tag_end + 1)
    return scan.memory.tails.get((scan.trust_cache, number), ()) if number is not None else ()


class _Scan:
    """What scanning one sheet's cells needs, and the shared formulas met so far."""

    __slots__ = ("formats", "formats_key", "memory", "name", "path", "referenced", "shared", "strings", "trust_cache")

    def __init__(
        self,
        name: str,
        path: Path,
        strings: list[str],
        formats: list[str | None],
        trust_cache: bool,
        memory: BookMemory,
    ) -> None:
        self.memory = memory
        self.name = name
        self.path = path
        self.strings = strings
        self.formats = formats
        self.formats_key = tuple(formats)
        self.trust_cache = trust_cache
        self.referenced: dict[bytes, str] = {}
        self.shared: dict[str, tuple[int, int, str]] = {}

    def pieces(
        self,
        data: bytes,
        pieces: Iterable[
            tuple[
                _RowKey | None,
                dict[tuple[int, int], Cell] | None,
                list[tuple[bytes, ...]],
                _Tail | None,
                tuple[int, int],
            ]
        ],
        cells: dict[tuple[int, int], Cell],
    ) -> None:
        """Add each piece's cells to ``cells``: a remembered row's as they were, the others' scanned.

        A piece without a key is a stretch between rows, where no cell belongs (lxml would not
        read one there), so a cell found in it hands the sheet to lxml.  A scanned row is
        remembered when nothing but its bytes decided its cells (no shared string, no shared
        formula).  One call for the sheet: a hand-built form has a row per label.
        """
        name, path, referenced, memory = self.name, self.path, self.referenced, self.memory
        col_cache = memory.cols
        f_text_cache = memory.formula_texts
        attr_cache = memory.attrs
        f_attr_cache = memory.formula_attrs
        for key, known, matches, tail, bounds in pieces:
            if known is not None:
                cells.update(known)
                continue
            in_row = key is not None
            row_cells: dict[tuple[int, int], Cell] = {}
            cacheable = True
            rows_seen = 0
            for col_b, row_b, attrs, f_el, f_attrs, f_raw, v_raw, is_el, is_text, row_attrs, other in matches:
                if other or (col_b and not in_row):
                    raise _NotPlain
                if not col_b:  # a <row>: its number is checked as the tree path checks it
                    rows_seen += 1
                    if b"xmlns" in row_attrs or rows_seen > 1 or not in_row:
                        raise _NotPlain  # a row inside a row, or a row tag where no row was cut
                    match = _ROW_R_RE.search(row_attrs)
                    if match is not None and match.group(1):
                        row_attr = _attr_value(match.group(1))
                        if not row_attr.isdigit() or not 0 < int(row_attr) <= MAX_ROWS:
                            raise InputError(LIMIT_MSG["bad_row"].format(sheet=name, row=row_attr[:20]), file=str(path))
                    continue
                if not (f_el or v_raw or is_el):
                    continue  # a styled empty cell (merged areas, borders)
                col = col_cache.get(col_b)
                if col is None:
                    col = _scan_col(col_b, row_b, name, path, memory)
                row = int(row_b) - 1
                if f_raw and not (v_raw or is_el or f_attrs) and f_raw not in referenced:
                    # the common formula cell (a template's helpers): not shared, no value to read
                    plain = f_text_cache.get(f_raw) or _formula_text(f_raw, memory)
                    if 0 <= row < MAX_ROWS and col < MAX_COLS:
                        row_cells[(row, col)] = Cell(None, plain)
                        continue
                if not (0 <= row < MAX_ROWS and col < MAX_COLS):
                    ref = (col_b + row_b).decode("ascii")
                    raise InputError(
                        LIMIT_MSG["out_of_sheet"].format(sheet=name, ref=ref[:20], rows=MAX_ROWS, cols=MAX_COLS),
                        file=str(path),
                    )
                cached = attr_cache.get(attrs)
                style, kind = cached if cached is not None else _cell_attrs(attrs, memory)
                formula: str | None = None
                if f_el and f_raw and not f_attrs and f_raw not in referenced:
                    # the common formula (a template's helper with its cached value): its text as remembered
                    formula = f_text_cache.get(f_raw) or _formula_text(f_raw, memory)
                    if formula == "=":
                        formula = None
                    if not self.trust_cache:
                        v_raw = is_el = b""
                elif f_el:
                    ftext: str | None = None
                    if f_raw:
                        ftext = referenced.get(f_raw) or (f_text_cache.get(f_raw) or _formula_text(f_raw, memory))[1:]
                    if f_attrs:
                        si = f_attr_cache[f_attrs] if f_attrs in f_attr_cache else _formula_si(f_attrs, memory)
                        if si is not None:
                            ftext = _shared_text(self.shared, si, ftext, row, col)
                            cacheable = False  # a dependent's text comes from its master, elsewhere
                    formula = "=" + ftext if ftext else None
                    if not self.trust_cache:
                        v_raw = is_el = b""
                if kind == "s" and v_raw:
                    cacheable = False  # the value comes from this workbook's shared strings
                v_text = (referenced.get(v_raw) or _xml_text(v_raw)) if v_raw else None
                inline = (
                    _unescape(referenced.get(is_text) or _xml_text(is_text)) if is_el and kind == "inlineStr" else None
                )
                try:
                    value, fmt, error = _typed(kind, v_text, inline, style, self.strings, self.formats)
                except _BadStringIndex:
                    ref = (col_b + row_b).decode("ascii")
                    raise InputError(MSG["bad_string_index"].format(sheet=name, ref=ref), file=str(path)) from None
                if value is None and formula is not None and kind == "str" and self.trust_cache:
                    value = ""  # a text result saved empty: computed, not missing
                if formula is None and (value is None or value == ""):
                    continue
                row_cells[(row, col)] = Cell(value, formula, fmt, error)
            if tail is not None:
                row_cells.update(tail[1])  # after the head's cells, as the full scan adds them
            elif in_row and len(matches) > _TAIL_MIN_CELLS and memory.sheets > 1:
                self.learn_tail(data, bounds, matches, row_cells)
            if cacheable and key is not None:
                memory.remember_row(key, row_cells)
            cells.update(row_cells)
            if len(cells) > MAX_SHEET_CELLS:
                raise UnsafeInputError(MSG["too_many_cells"].format(sheet=name, limit=MAX_SHEET_CELLS), file=str(path))

    def learn_tail(
        self,
        data: bytes,
        bounds: tuple[int, int],
        matches: list[tuple[bytes, ...]],
        row_cells: dict[tuple[int, int], Cell],
    ) -> None:
        """Remember the run of formula-only cells (no value, not shared, no character
        reference) that ends a scanned row, with the cells the scan made of it."""
        count = 0
        for match in reversed(matches):
            col_b, _, _, _, f_attrs, f_raw, v_raw, is_el, _, _, other = match
            if not col_b or not f_raw or v_raw or is_el or f_attrs or other or f_raw in self.referenced:
                break
            count += 1
        if count < _TAIL_MIN_CELLS:
            return
        start, end = bounds
        number = _row_number(data, start, end)
        first = matches[-count]
        at = data.rfind(b'<c r="' + first[0] + first[1] + b'"', start, end)
        if number is None or at < 0:
            return
        tail = data[at:end]
        if b"&#" in tail:
            return
        tail_cells: dict[tuple[int, int], Cell] = {}
        for match in matches[-count:]:
            at_cell = (int(match[1]) - 1, self.memory.cols[match[0]])
            cell = row_cells.get(at_cell)
            if cell is None:
                return
            tail_cells[at_cell] = cell
        self.memory.remember_tail((self.trust_cache, number), tail, tail_cells)


class _BadStringIndex(Exception):
    """A shared-string cell whose index is not in the table."""


def _typed(
    kind: str | None, v_text: str | None, inline: str | None, style: int, strings: list[str], formats: list[str | None]
) -> tuple[CellValue, str | None, bool]:
    """A cell's value, number format and error flag from its type (``t``), ``<v>`` text,
    inline-string text and style index — the same for both sheet paths."""
    if kind is None or kind == "n":
        if v_text is None or not v_text.strip():
            return None, None, False
        value: CellValue
        try:
            value = float(v_text)
        except ValueError:
            value = v_text
        return value, formats[style] if 0 < style < len(formats) else None, False
    if kind == "s":
        if v_text is None:
            return None, None, False
        try:
            index = int(v_text)
        except ValueError:
            index = -1
        if not 0 <= index < len(strings):
            raise _BadStringIndex
        return strings[index], None, False
    if kind == "inlineStr":
        return inline, None, False
    if kind == "str":
        return (_unescape(v_text) if v_text is not None else None), None, False
    if kind == "b":
        return (None if v_text is None else v_text.strip() in {"1", "true"}), None, False
    if kind == "e":
        return v_text, None, v_text is not None
    return v_text, None, False  # "d": an ISO 8601 date


def _parse_sheet_tree(data: bytes, scan: _Scan) -> Grid:
    """The general path: lxml builds the sheet's tree (any namespace prefix, order or markup)."""
    name, path, strings, formats, memory = scan.name, scan.path, scan.strings, scan.formats, scan.memory
    trust_cache = scan.trust_cache
    root = _xml(data, name, path)
    grid = Grid(name)
    cells = grid.cells
    sheet_data = root.find(_M + "sheetData")
    shared_formulas: dict[str, tuple[int, int, str]] = {}
    row = -1
    for row_el in sheet_data if sheet_data is not None else ():
        if row_el.tag != _TAG_ROW:
            continue
        row_attr = row_el.get("r")
        if row_attr:
            if not row_attr.isdigit() or not 0 < int(row_attr) <= MAX_ROWS:
                raise InputError(LIMIT_MSG["bad_row"].format(sheet=name, row=row_attr[:20]), file=str(path))
            row = int(row_attr) - 1
        else:
            row += 1
        col = -1
        for c in row_el:
            if not len(c):  # a styled empty cell (merged areas, borders)
                col += 1
                continue
            ref = c.get("r")
            if ref is not None:
                try:
                    row, col = _split_ref(ref, memory)
                except ValueError as exc:
                    raise InputError(MSG["bad_cell_ref"].format(sheet=name, ref=ref), file=str(path)) from exc
            else:
                col += 1
            if not (0 <= row < MAX_ROWS and 0 <= col < MAX_COLS):
                where = ref or f"R{row + 1}C{col + 1}"
                raise InputError(
                    LIMIT_MSG["out_of_sheet"].format(sheet=name, ref=where[:20], rows=MAX_ROWS, cols=MAX_COLS),
                    file=str(path),
                )
            v_text: str | None = None
            f_el = None
            is_el = None
            for child in c:
                tag = child.tag
                if tag == _TAG_V:
                    v_text = child.text
                elif tag == _TAG_F:
                    f_el = child
                elif tag == _TAG_IS:
                    is_el = child
            kind = c.get("t")
            formula: str | None = None
            if f_el is not None:
                ftext = f_el.text
                if f_el.get("t") == "shared":
                    ftext = _shared_text(shared_formulas, f_el.get("si", ""), ftext, row, col)
                formula = "=" + ftext if ftext else None
                if not trust_cache:
                    v_text = None
                    is_el = None
            s_attr = c.get("s")
            style = int(s_attr) if s_attr is not None and s_attr.isdigit() else 0
            inline = _si_text(is_el) if is_el is not None and kind == "inlineStr" else None
            try:
                value, fmt, error = _typed(kind, v_text, inline, style, strings, formats)
            except _BadStringIndex:
                raise InputError(MSG["bad_string_index"].format(sheet=name, ref=ref or ""), file=str(path)) from None
            if value is None and formula is not None and kind == "str" and trust_cache:
                value = ""  # a text result saved empty: computed, not missing
            if formula is None and (value is None or value == ""):
                continue
            cells[(row, col)] = Cell(value, formula, fmt, error)
        if len(cells) > MAX_SHEET_CELLS:
            raise UnsafeInputError(MSG["too_many_cells"].format(sheet=name, limit=MAX_SHEET_CELLS), file=str(path))
    merge_el = root.find(_M + "mergeCells")
    _add_merges(grid, [mc.get("ref", "") for mc in merge_el] if merge_el is not None else [], name, path, memory)
    return grid


def _add_merges(grid: Grid, refs: list[str], name: str, path: Path, memory: BookMemory) -> None:
    """Merged ranges ``A1:B2`` into ``grid.merges``, held to the merge limits."""
    merged_cells = 0
    for ref in refs:
        first, _, last = ref.partition(":")
        try:
            r1, c1 = _split_ref(first, memory)
            r2, c2 = _split_ref(last, memory) if last else (r1, c1)
        except ValueError:
            continue
        r1, r2 = sorted(max(0, min(r, MAX_ROWS - 1)) for r in (r1, r2))
        c1, c2 = sorted(max(0, min(c, MAX_COLS - 1)) for c in (c1, c2))
        grid.merges.append((r1, c1, r2, c2))
        if len(grid.merges) > MAX_MERGES:
            raise UnsafeInputError(
                LIMIT_MSG["too_many_merges"].format(sheet=name, count=len(refs), limit=MAX_MERGES), file=str(path)
            )
        area = (r2 - r1 + 1) * (c2 - c1 + 1)
        if area <= WHOLE_MERGE_CELLS:  # what the form locator expands cell by cell
            merged_cells += area
            if merged_cells > MAX_MERGED_CELLS:
                raise UnsafeInputError(
                    LIMIT_MSG["too_many_merged_cells"].format(sheet=name, limit=MAX_MERGED_CELLS), file=str(path)
                )


def _shared_text(masters: dict[str, tuple[int, int, str]], si: str, text: str | None, row: int, col: int) -> str | None:
    """A shared formula's text: the master's own (remembered by ``si``), a dependent's shifted from it."""
    if text:
        masters[si] = (row, col, text)
        return text
    if si in masters:
        return _translate_shared(masters[si], row, col)
    return text


def _translate_shared(master: tuple[int, int, str], row: int, col: int) -> str:
    """The text of a shared formula's dependent cell (shifted from its master)."""
    from openpyxl.formula.translate import Translator  # only for the rare shared formula

    from sheetperf.model.a1 import to_a1

    mrow, mcol, text = master
    try:
        shifted = Translator("=" + text, origin=to_a1(mrow, mcol)).translate_formula(to_a1(row, col))
    except Exception:
        return text
    return str(shifted)[1:]


# --- number formats ------------------------------------------------------------------------

_DATE_TOKEN_RE: Final = re.compile(r"[yYdD]|[hH]|[sS]|[mM]")
_STRIP_RE: Final = re.compile(r"\[[^\]]*\]")


def _split_sections(code: str) -> list[str]:
    sections: list[str] = []
    buf: list[str] = []
    quoted = False
    escaped = False
    for ch in code:
        if escaped:
            buf.append(ch)
            escaped = False
        elif ch == "\\":
            buf.append(ch)
            escaped = True
        elif ch == '"':
            buf.append(ch)
            quoted = not quoted
        elif ch == ";" and not quoted:
            sections.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    sections.append("".join(buf))
    return sections


def _tokens(section: str) -> list[tuple[bool, str]]:
    """Split a section into (is_literal, text) pieces; placeholders are not literal."""
    out: list[tuple[bool, str]] = []
    i = 0
    n = len(section)
    while i < n:
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            end = n if end < 0 else end
            out.append((True, section[i + 1 : end]))
            i = end + 1
        elif ch == "\\" and i + 1 < n:
            out.append((True, section[i + 1]))
            i += 2
        elif ch == "[":
            end = section.find("]", i)
            i = n if end < 0 else end + 1
        elif ch in "_*" and i + 1 < n:  # padding: _x adds a space the width of x; *x repeats x
            out.append((True, " " if ch == "_" else ""))
            i += 2
        else:
            out.append((False, ch))
            i += 1
    return out


def is_date_format(code: str | None) -> bool:
    if not code:
        return False
    section = _split_sections(code)[0]
    bare = "".join(text for literal, text in _tokens(section) if not literal)
    bare = _STRIP_RE.sub("", bare)
    return bool(_DATE_TOKEN_RE.search(bare)) and "0" not in bare.split(".")[0][:1]


def has_percent(code: str | None) -> bool:
    """True when a format shows its number ×100 (an unquoted ``%``)."""
    if not code or "%" not in code:
        return False
    section = _split_sections(code)[0]
    return any(not literal and text == "%" for literal, text in _tokens(section))


def excel_serial_to_datetime(serial: float, date1904: bool = False) -> dt.datetime:
    base = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    return base + dt.timedelta(days=serial)


def format_number(value: float, code: str | None, date1904: bool = False) -> str:
    """The text a spreadsheet shows for ``value`` under number format ``code``.

    Covers what forms use: General, fixed decimals, thousands separators,
    percent, quoted and escaped literals (``0.00"(%)"``), sign sections, and
    dates (shown as ISO ``yyyy-mm-dd`` whatever the locale pattern).  A format
    it cannot render falls back to General.
    """
    if code is None or code == "General" or code == "@":
        return general(value)
    if is_date_format(code):
        try:
            moment = excel_serial_to_datetime(value, date1904)
        except (OverflowError, ValueError):
            return general(value)
        if moment.hour or moment.minute or moment.second:
            return moment.strftime("%Y-%m-%d %H:%M:%S") if moment.date().year > 1900 else moment.strftime("%H:%M:%S")
        return moment.strftime("%Y-%m-%d")
    sections = _split_sections(code)
    if value < 0 and len(sections) >= 2 and sections[1]:
        section, number, sign = sections[1], -value, ""
    elif value == 0 and len(sections) >= 3 and sections[2]:
        section, number, sign = sections[2], value, ""
    else:
        section, number, sign = sections[0], abs(value), "-" if value < 0 else ""
    try:
        return sign + _format_section(number, section)
    except (InvalidOperation, ValueError):
        return general(value)


def _format_section(number: float, section: str) -> str:
    tokens = _tokens(section)
    placeholders = "0#?.,"
    # the number block: from the first to the last placeholder (literals inside are kept in place)
    idx = [i for i, (lit, t) in enumerate(tokens) if not lit and t in placeholders]
    if not idx:
        return "".join(t if lit else ("" if t in "@" else t) for lit, t in tokens) or general(number)
    first, last = idx[0], idx[-1]
    block = "".join(t for lit, t in tokens[first : last + 1] if not lit)
    scale = Decimal(format(float(number), ".15g"))  # Excel keeps 15 significant digits
    for lit, t in tokens:
        if not lit and t == "%":
            scale *= 100
    if "E" in section.upper() and ("E+" in section.upper() or "E-" in section.upper()):
        raise ValueError("scientific")
    int_part, _, frac_part = block.partition(".")
    grouping = "," in int_part.strip(",")
    trailing_commas = len(int_part) - len(int_part.rstrip(","))
    for _ in range(trailing_commas):
        scale /= 1000
    decimals = sum(1 for ch in frac_part if ch in "0#?")
    min_decimals = sum(1 for ch in frac_part if ch == "0")
    quant = Decimal(1).scaleb(-decimals)
    rounded = scale.quantize(quant, rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    whole, _, frac = text.partition(".")
    if decimals > min_decimals:
        frac = frac.rstrip("0")
        if len(frac) < min_decimals:
            frac = frac.ljust(min_decimals, "0")
    min_int = sum(1 for ch in int_part if ch == "0")
    if whole == "0" and min_int == 0:
        whole = ""
    whole = whole.rjust(min_int, "0")
    if grouping and whole:
        whole = f"{int(whole):,}"
    body = whole + "." + frac if frac else whole
    prefix = "".join(t for lit, t in tokens[:first] if lit or t not in "%")
    suffix = "".join(t for lit, t in tokens[last + 1 :])
    inner = "".join(t for lit, t in tokens[first : last + 1] if lit)
    return prefix + body + inner + suffix


def general(value: float) -> str:
    """Excel's General format for a number (at most 15 significant digits)."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = format(value, ".15g")
    if "e" in text:
        return text
    return text


def excel_error(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("#")
