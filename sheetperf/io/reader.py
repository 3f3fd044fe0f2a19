"""Read every form in a filled workbook into records, with the cell of every field.

Engines: .xlsx/.xlsm through :mod:`sheetperf.xlsx.book` (zip + lxml, values,
formulas, number formats, merges; macros never run); .xls and .ods through
python-calamine, which gives values and (for .xls) merges but no number formats:
a number there reads as stored (98, not ``98.00(%)``) — a documented limitation,
announced as a notice.

Forms are found by :mod:`sheetperf.io.locate` (labels, any offset).  This module
turns the located cells into typed values the way the form shows them:

* text fields take the shown text (a number formatted ``0.00"(%)"`` reads
  ``98.00(%)``; a date reads ``2020-01-02``);
* number fields accept numbers typed as text, full-width digits, thousands
  separators and stray spaces; ``-`` (not applicable) and blanks read as missing;
  a number shown as a percentage (``0.00%``) reads ×100, as the form shows it;
* a formula keeps its text in ``provenance.evidence.formulas``; without a cached
  value (never saved by a spreadsheet program) its value is missing, never 0;
* amounts are recorded in 万元 (a goal table's ``budget_yuan`` in 元): a block labelled
  ``项目资金（元）``, a column ``全年预算数(元)`` or a cell typed ``72890元`` is converted, and the
  unit it was written in kept in ``provenance.evidence`` (``funds_unit``, ``amount_units``);
* a target split over 指标性质 | 指标值 | 度量单位 is joined as written, without spaces or
  brackets: ``﹦`` + ``100`` + ``%`` → ``﹦100%`` (a word such as 定性 in 指标性质 is not part of it);
* an indicator name loses the marks a template put into it (``★``, ``(≥**人)``); a level-1
  label loses its printed points (``产出指标(50分)`` → ``产出指标``, the points go to
  ``level1_points``).
"""

from __future__ import annotations

import io
import math
import re
import stat
import struct
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from sheetperf.errors import FormNotFoundError, InputError, SheetperfError, UnsafeInputError, shown
from sheetperf.forms.layout import META_KEYS, META_SHEET
from sheetperf.io.locate import (
    COLON_RE,
    Loc,
    Located,
    LocateMemory,
    locate_by_defined_names,
    locate_forms,
    parse_defined_ref,
    points_of,
    refs_by_sheet,
    squash_label,
    strip_points,
    year_of,
)
from sheetperf.io.saved import zip_saved_ns
from sheetperf.model.evidence import Hazard, NumberText, TemplateIdentity
from sheetperf.model.memo import BatchCache, Memo, ensure
from sheetperf.model.record import (
    FUND_COLUMNS,
    FUND_ROWS,
    GOAL_BUDGET,
    GOAL_BUDGET_EXTRA,
    GOAL_TEXTS,
    MONITORING_FUND_COLUMNS,
    OPTIONAL_FUND_ROWS,
    SELF_TEXTS,
    CellRef,
    GoalTable,
    Provenance,
    Record,
    record_from_dict,
)
from sheetperf.rules.parsing import normalize_text, parse_number, parse_operator
from sheetperf.vocab import form_labels as V
from sheetperf.vocab import words
from sheetperf.vocab.intake import CONTENT_MESSAGES, WALK_MESSAGES, library_detail
from sheetperf.vocab.labels import READER_MESSAGES as MSG
from sheetperf.vocab.labels import SHEET_NAMES, field_label
from sheetperf.vocab.text import os_reason
from sheetperf.vocab.units import ALL_UNITS, MONEY_UNITS, PERCENT, POINTS, WAN_YUAN, YUAN, convert
from sheetperf.xlsx import hazards
from sheetperf.xlsx.book import Cell, Grid, format_number, general, has_percent, one_line, open_xlsx
from sheetperf.xlsx.limits import MAX_FILE_BYTES  # largest workbook file accepted
from sheetperf.xlsx.marker import output_kind_in

_ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIME: Final = b"application/vnd.oasis.opendocument.spreadsheet"
_SNIFF_BYTES: Final = 128
# Sheets a sheetperf template carries beside its form (填表说明, 下拉选项): not worth a notice.
_TEMPLATE_AUX_SHEETS: Final = frozenset({SHEET_NAMES["instructions"], SHEET_NAMES["lists"]})
_NOT_APPLICABLE: Final = frozenset(words.AMOUNT_BLANKS)
_TYPED_TEXT_RE: Final = re.compile(r"[^\x00-\x7f]|\d\s*\(|\(%\)")
_QUOTED_RE: Final = re.compile(r'"[^"]*"')

INDICATOR_INT_KEYS: Final = ("weight", "score")


@dataclass
class ReadReport:
    """Everything reading one workbook produced: its forms, skipped sheets and notices."""

    file: str
    records: list[Record] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: With ``skip_outputs``: the kind of sheetperf output the workbook is (then it holds no records).
    output: str | None = None
    #: When an .xlsx says it was last saved (ns since the epoch, 0 for never), read while it was
    #: open; None where the reader did not look (.xls, .ods: :func:`sheetperf.io.saved.saved_ns`).
    saved_ns: int | None = None


def read_workbook(path: str | Path, cache: BatchCache | None = None) -> list[Record]:
    """Every form in a workbook, one record per form, in sheet order.

    ``cache`` is the memory of a batch (pass the same one for every file of a batch: rows,
    labels and formulas met before are not parsed again); without one the file is read cold.
    Raises :class:`InputError` (or its subclasses :class:`UnsafeInputError`,
    :class:`FormNotFoundError`) with a one-line Chinese reason naming the file.
    """
    return read_workbook_report(path, cache).records


def read_workbook_report(
    path: str | Path, cache: BatchCache | None = None, *, skip_outputs: bool = False
) -> ReadReport:
    """Like :func:`read_workbook`, also naming the sheets without a form and any notices.

    ``skip_outputs``: a workbook sheetperf wrote (a summary, a status table …) is not read as a
    form; the report names its kind in ``output`` and holds no records (a folder walk's question,
    answered while the file is open anyway).
    """
    path = Path(path)
    cache = ensure(cache)
    located_memory = cache.part(LocateMemory)
    memory = cache.part(ReaderMemory)
    report = ReadReport(shown(str(path)))
    grids, date1904, defined, local, package_hazards, kind = _grids(path, report, cache, skip_outputs=skip_outputs)
    if report.output is not None:
        return report
    meta, meta_sheets = _template_meta(grids, defined)
    named = refs_by_sheet(defined, located_memory)
    if meta and not any(name.startswith("SP_") and not name.startswith("SP_meta_") for name in defined):
        named.update(_layout_refs(meta))  # the names were lost on the way: the layout has the cells
    sheet_count = 0
    for index, grid in enumerate(grids):
        sheet_count += 1
        prefilled = "indicators" in meta.get("locked", "").split(",")
        refs = named.get(grid.name, {})
        if index in local:  # the sheet's own names (a copied sheet) win over the workbook's
            own = local[index]
            refs = {name: at for name, at in refs.items() if name not in own}
            refs.update(refs_by_sheet(own, located_memory).get(grid.name, {}))
        forms = _locate(grid, refs, located_memory, every_row=prefilled)
        identity = TemplateIdentity.from_meta(meta) if meta and forms and forms[0].method == "defined_names" else None
        if not forms and (grid.name in meta_sheets or (meta and grid.name in _TEMPLATE_AUX_SHEETS)):
            continue  # a sheetperf template's own metadata, instructions and dropdown-list sheets
        if not forms:
            report.skipped_sheets.append(grid.name)
            key = "sheet_hidden_skipped" if grid.hidden else "sheet_skipped"
            report.notices.append(MSG[key].format(sheet=grid.name))
            continue
        for located in forms:
            record = build_record(located, grid, shown(str(path)), report.notices, date1904, memory)
            record.provenance.evidence.format = kind
            if identity is not None and located is forms[0]:
                record.provenance.evidence.template = identity
            report.records.append(record)
    if sheet_count == 0:
        raise FormNotFoundError(MSG["no_sheets"], file=str(path))
    if not report.records:
        raise FormNotFoundError(MSG["no_form"].format(count=sheet_count), file=str(path))
    # macros, external links, DDE: never run, reported (sheetperf.xlsx.hazards, issue 8)
    found = hazards.scan_workbook(path, grids, package=package_hazards, memory=cache.part(hazards.HazardMemory))
    hazards.attach(report.records, found, report.notices)
    return report


def read_grids(path: str | Path, cache: BatchCache | None = None) -> list[Grid]:
    """Every sheet of a workbook as a grid, whatever its format (decided by its bytes: .xlsx,
    .xlsm, .xls, WPS .et, .ods, Excel's default-password encryption): for tables that are no
    forms, such as a roster."""
    path = Path(path)
    return _grids(path, ReadReport(shown(str(path))), ensure(cache))[0]


# --- opening --------------------------------------------------------------------------------


def sniff(path: Path) -> str:
    """'xlsx', 'ods', 'xls' or 'encrypted' (a CFB container holding an encrypted OOXML
    workbook) from the file's bytes (never from its name alone)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block the open forever: never opened
            raise InputError(
                WALK_MESSAGES["not_regular"].format(
                    what=WALK_MESSAGES["fifo" if stat.S_ISFIFO(info.st_mode) else "other_special"]
                ),
                file=str(path),
            )
        size = info.st_size
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(MSG["unreadable"].format(detail=os_reason(exc)), file=str(path)) from exc
    if size == 0:
        raise InputError(MSG["empty_file"], file=str(path))
    if size > MAX_FILE_BYTES:
        raise UnsafeInputError(
            MSG["total_too_large"].format(mb=size // 2**20, limit=MAX_FILE_BYTES // 2**20), file=str(path)
        )
    if head.startswith(_ZIP_MAGIC):
        # OpenDocument puts an uncompressed ``mimetype`` member first (ODF 1.2 §3.3), so the
        # first bytes tell an .ods from an .xlsx without opening the zip a second time.
        if head[30:38] == b"mimetype" and _ODS_MIME in head:
            return "ods"
        return "xlsx"
    if head[:8] == _OLE_MAGIC:
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            return "encrypted"
        return "xls"
    raise InputError(MSG["not_workbook"], file=str(path))


#: The password Excel uses when a workbook is "encrypted" without one the user chose (a
#: protected structure saved as encrypted): Excel opens such a file without asking.
DEFAULT_PASSWORD: Final = "VelvetSweatshop"


def decrypt_default(path: Path) -> bytes | None:
    """The workbook at ``path`` decrypted with Excel's default password; None when it is not
    encrypted; :class:`InputError` (password-protected) when another password was set."""
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError

    try:
        with path.open("rb") as handle:
            office = msoffcrypto.OfficeFile(handle)
            if not office.is_encrypted():
                return None
            office.load_key(password=DEFAULT_PASSWORD)
            out = io.BytesIO()
            office.decrypt(out)
    except InvalidKeyError as exc:
        raise InputError(CONTENT_MESSAGES["password"], file=str(path)) from exc
    except OSError as exc:
        raise InputError(MSG["unreadable"].format(detail=os_reason(exc)), file=str(path)) from exc
    except Exception as exc:  # msoffcrypto's own errors on a damaged or unknown encryption
        detail = one_line(exc) if str(exc) else type(exc).__name__
        raise InputError(CONTENT_MESSAGES["decrypt_failed"].format(detail=detail), file=str(path)) from exc
    return out.getvalue()


def _grids_decrypted(
    path: Path, data: bytes, report: ReadReport, cache: BatchCache
) -> tuple[list[Grid], bool, dict[str, str], dict[int, dict[str, str]], list[Hazard] | None, str]:
    """The grids of a workbook decrypted in memory, read through a private temporary file;
    errors name the file the user gave."""
    import tempfile

    suffix = ".xls" if data[:8] == _OLE_MAGIC else ".xlsx"
    with tempfile.TemporaryDirectory(prefix="sheetperf-decrypted-") as folder:
        plain = Path(folder) / f"decrypted{suffix}"
        plain.write_bytes(data)
        plain.chmod(0o600)
        try:
            found = _grids(plain, report, cache, decrypted=True)
        except SheetperfError as exc:
            exc.file = str(path)
            raise
    report.notices.append(CONTENT_MESSAGES["default_password"])
    return found


def _grids(
    path: Path, report: ReadReport, cache: BatchCache, *, decrypted: bool = False, skip_outputs: bool = False
) -> tuple[list[Grid], bool, dict[str, str], dict[int, dict[str, str]], list[Hazard] | None, str]:
    """The sheets' grids, the 1904 flag, workbook-level names, each sheet's own names, the
    hazards of the zip's parts (None when the package was not a zip the reader opened) and the
    file's format (``xlsx``, ``ods``, ``xls``)."""
    kind = sniff(path)
    if not decrypted and (kind == "encrypted" or (kind == "xls" and _biff_encrypted(path))):
        data = decrypt_default(path)
        if data is not None:
            return _grids_decrypted(path, data, report, cache)
    if kind == "encrypted":
        raise InputError(MSG["encrypted"], file=str(path))
    local: dict[int, dict[str, str]] = {}
    if kind == "xlsx":
        with open_xlsx(path, cache) as book:
            if skip_outputs and not decrypted:
                report.output = output_kind_in(book.archive, path)
                if report.output is not None:
                    return [], book.date1904, {}, {}, None, kind
            if not decrypted:
                report.saved_ns = zip_saved_ns(book.archive, path)
            grids = [book.grid(i) for i in range(len(book.sheet_names))]
            for (sheet_index, name), text in book.local_names.items():
                local.setdefault(sheet_index, {})[name] = text
            package = hazards.scan_zip(book.archive, path)
            return grids, book.date1904, book.defined_names, local, package, kind
    if kind == "ods":
        from sheetperf.xlsx.ods import read_ods

        ods = read_ods(path, cache)
        for (sheet_index, name), text in ods.local_names.items():
            local.setdefault(sheet_index, {})[name] = text
        return ods.grids, False, ods.defined_names, local, None, kind
    grids = _calamine_grids(path)
    defined = _xls_overlay(path, grids, local, report)
    return grids, False, defined, local, None, kind


def _biff_encrypted(path: Path) -> bool:
    """An .xls whose workbook stream starts with a FILEPASS record (RC4 / XOR encryption)."""
    try:
        import olefile

        with olefile.OleFileIO(str(path)) as ole:
            stream = "Workbook" if ole.exists("Workbook") else "Book" if ole.exists("Book") else None
            if stream is None:
                return False
            head = ole.openstream(stream).read(4096)
    except Exception:  # a damaged compound file: calamine says what is wrong with it
        return False
    offset = 0
    while offset + 4 <= len(head):  # BOF, then the records before the first sheet's
        record, length = struct.unpack_from("<HH", head, offset)
        if record == 0x002F:  # FILEPASS
            return True
        if record in (0x0085, 0x00FC):  # BOUNDSHEET, SST: past where FILEPASS must stand
            return False
        offset += 4 + length
    return False


def _xls_overlay(path: Path, grids: list[Grid], local: dict[int, dict[str, str]], report: ReadReport) -> dict[str, str]:
    """What calamine leaves out of an .xls, from its BIFF records (:mod:`sheetperf.xlsx.biff`):
    formula cells, error results, number formats, defined names.  Returns the names."""
    from sheetperf.xlsx.biff import BiffError, read_biff

    try:
        biff = read_biff(path)
    except (BiffError, ValueError, IndexError, OSError, struct.error):
        report.notices.append(MSG["xls_values_only"])
        for grid in grids:
            grid.has_formats = False
        return {}
    by_name = {sheet.name: sheet for sheet in biff.sheets}
    for grid in grids:
        sheet = by_name.get(grid.name)
        if sheet is None:
            grid.has_formats = False
            continue
        cells = grid.cells
        for rc, code in sheet.formats.items():
            cell = cells.get(rc)
            if cell is not None and isinstance(cell.value, float):
                cell.fmt = code
        for rc, text in sheet.errors.items():
            cells[rc] = Cell(text, None, None, True)
        for rc, found in sheet.formulas.items():
            cell = cells.get(rc)
            if found.error is not None:
                cells[rc] = Cell(found.error, found.formula, None, True)
            elif cell is None:
                cells[rc] = Cell("", found.formula)  # an empty text result, saved as such
            else:
                cell.formula = found.formula
    names = {sheet_name: index for index, sheet_name in enumerate(g.name for g in grids)}
    for (sheet_index, name), text in biff.local_names.items():
        if sheet_index < len(biff.sheets) and biff.sheets[sheet_index].name in names:
            local.setdefault(names[biff.sheets[sheet_index].name], {})[name] = text
    return biff.defined_names


def _template_meta(grids: list[Grid], defined: dict[str, str]) -> tuple[dict[str, str], set[str]]:
    """A sheetperf template's metadata and the sheets holding it: the cells the ``SP_meta_*``
    names point at, else the ``key | value`` rows of the template's metadata sheet (a format or a
    program that drops defined names still keeps the sheet)."""
    by_name = {g.name: g for g in grids}
    meta: dict[str, str] = {}
    sheets: set[str] = set()
    for name, text in defined.items():
        if not name.startswith("SP_meta_"):
            continue
        parsed = parse_defined_ref(text)
        if parsed is None or parsed[0] not in by_name:
            continue
        sheets.add(parsed[0])
        cell = by_name[parsed[0]].cells.get((parsed[1], parsed[2]))
        if cell is not None and cell.value is not None:
            meta[name.removeprefix("SP_meta_")] = _meta_text(cell.value)
    sheet = by_name.get(META_SHEET)
    if not meta and sheet is not None:
        keys = {*META_KEYS, "form_id", "locked_values"}
        for (row, col), cell in sheet.cells.items():
            if col == 0 and isinstance(cell.value, str) and cell.value in keys:
                value = sheet.cells.get((row, 1))
                meta[cell.value] = _meta_text(value.value) if value is not None and value.value is not None else ""
        if meta.get("form"):
            sheets.add(META_SHEET)
        else:
            meta = {}
    return meta, sheets


def _layout_refs(meta: dict[str, str]) -> dict[str, dict[str, tuple[int, int]]]:
    """The defined names a template of this metadata's form, capacity and layout version
    carries, from the layout itself (empty for another layout version or a damaged sheet)."""
    from sheetperf.forms.layout import LAYOUT_VERSION, get_layout

    if meta.get("layout_version") != LAYOUT_VERSION:
        return {}
    identity = TemplateIdentity.from_meta(meta)
    try:
        layout = get_layout(identity.form, identity.capacity)
    except SheetperfError:
        return {}
    return refs_by_sheet(layout.defined_names())


def _meta_text(value: str | float | bool) -> str:
    return format_number(value, None) if isinstance(value, float) else str(value)


def _calamine_grids(path: Path) -> list[Grid]:
    """Grids of an .xls/.ods through python-calamine (values; merges where the format has them)."""
    import datetime as dt

    from python_calamine import CalamineWorkbook

    handle = None
    try:
        # by content, not by name: an .xls saved as .xlsx, a WPS .et (from_path goes by the extension)
        handle = path.open("rb")
        book = CalamineWorkbook.from_filelike(handle)
        grids: list[Grid] = []
        for meta in book.sheets_metadata:
            if str(getattr(meta.typ, "name", "WorkSheet")) not in {"WorkSheet", "Worksheet"}:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            grid = Grid(meta.name, has_formats=False)
            grid.hidden = str(getattr(meta.visible, "name", "Visible")) != "Visible"
            start_row, start_col = sheet.start or (0, 0)
            for r, row in enumerate(sheet.to_python(skip_empty_area=True)):
                for c, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    converted: str | float | bool
                    if isinstance(value, bool):
                        converted = value
                    elif isinstance(value, (int, float)):
                        converted = float(value)
                    elif isinstance(value, dt.datetime):
                        converted = value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.isoformat(" ")
                    elif isinstance(value, (dt.date, dt.time)):
                        converted = value.isoformat()
                    else:
                        converted = str(value)
                    grid.cells[(start_row + r, start_col + c)] = Cell(converted)
            for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or ():
                grid.merges.append((r1, c1, r2, c2))
            grids.append(grid)
    except (SheetperfError, KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # calamine's Rust panics arrive as PanicException, a BaseException
        detail = library_detail(str(exc).splitlines()[0])[:80] if str(exc) else type(exc).__name__
        if "password" in detail.lower() or "encrypt" in detail.lower():
            raise InputError(MSG["encrypted"], file=str(path)) from exc
        if isinstance(exc, OSError):
            raise InputError(MSG["unreadable"].format(detail=os_reason(exc)), file=str(path)) from exc
        raise InputError(MSG["calamine_failed"].format(detail=detail), file=str(path)) from exc
    finally:
        if handle is not None:
            handle.close()
    return grids


def _locate(
    grid: Grid, refs: dict[str, tuple[int, int]], memory: LocateMemory, *, every_row: bool = False
) -> list[Located]:
    """sheetperf's own templates by their defined names; any other form by its labels."""
    if refs:
        by_name = locate_by_defined_names(grid, refs, every_row=every_row, memory=memory)
        if by_name is not None:
            return [by_name]
    return locate_forms(grid, memory)


# --- values ---------------------------------------------------------------------------------


def _typed_text_formula(formula: str) -> bool:
    """True for text a user typed with a leading '=' (``=1(场)``), stored as a formula by some tools."""
    body = _QUOTED_RE.sub("", formula[1:])
    return bool(_TYPED_TEXT_RE.search(body))


class ReaderMemory:
    """What building records remembers between workbooks (a part of the batch's
    :class:`~sheetperf.model.memo.BatchCache`): CellRefs are immutable and the same few hundred
    recur in every copy of a form."""

    __slots__ = ("cell_refs",)

    def __init__(self) -> None:
        self.cell_refs: Memo[tuple[str, int, int], CellRef] = Memo(_CELL_REF_LIMIT)


_CELL_REF_LIMIT: Final = 100_000


class _Builder:
    """Turns located cells into record values, keeping provenance and notices."""

    def __init__(
        self, located: Located, grid: Grid, file: str, notices: list[str], date1904: bool, memory: ReaderMemory
    ) -> None:
        self.located = located
        self.cell_refs = memory.cell_refs
        self.grid = grid
        self.cells = grid.cells
        self.notices = notices
        self.date1904 = date1904
        self.provenance = Provenance(file=file, sheet=grid.name)
        self.formulas: dict[str, str] = {}
        self.uncalculated: list[str] = []
        self.number_texts: dict[str, NumberText] = {}
        #: Amount paths whose cell said its own unit (``620.82万元``, ``72890元``).
        self.amount_units: dict[str, str] = {}
        from sheetperf.model.a1 import to_a1

        self._a1 = to_a1

    def _cell(self, path: str, loc: Loc, row: int | None = None, col: int | None = None) -> Cell | None:
        r = loc.row if row is None else row
        c = loc.col if col is None else col
        cell = self.cells.get((r, c))
        if cell is not None and cell.formula is not None:
            self.formulas.setdefault(path, cell.formula)
            if cell.value is None:
                self.uncalculated.append(path)
        return cell

    def _where(self, path: str, loc: Loc) -> None:
        key = (self.grid.name, loc.row, loc.col)
        ref = self.cell_refs.get(key)
        if ref is None:
            ref = self.cell_refs.put(key, CellRef(self.grid.name, self._a1(loc.row, loc.col)))
        self.provenance.cells[path] = ref

    def shown(self, cell: Cell | None, *, strip: bool = True) -> str:
        """The text a cell shows."""
        if cell is None:
            return ""
        value = cell.value
        if value is None:
            if cell.formula is not None and _typed_text_formula(cell.formula):
                return cell.formula
            return ""
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float):
            return format_number(value, cell.fmt, self.date1904)
        text = value.replace("\r\n", "\n")
        return text.strip() if strip else text

    def text(self, path: str) -> str | None:
        loc = self.located.fields.get(path)
        if loc is None:
            return None
        self._where(path, loc)
        if loc.parts:
            pieces = [self.shown(self._cell(path, loc, r, c)) for r, c in loc.parts]
            if loc.join == "target":
                by_key = dict(zip(loc.part_keys, pieces, strict=True))
                op, value, unit = (by_key.get(k, "") for k in ("operator", "value", "unit"))
                if not value:
                    return op
                # 指标性质 holds ≥/≤/= for a quantitative target, 定性 or similar for a qualitative one;
                # the parts are joined as written: ﹦ + 100 + % → ﹦100%.
                prefix = op if parse_operator(op) is not None else ""
                return f"{prefix}{value}{unit}"
            return "\n".join(p for p in pieces if p)
        cell = self._cell(path, loc)
        text = _after_colon(self.shown(cell)) if loc.inline else self.shown(cell)
        if loc.join == "tick":
            return _ticked(text)
        if loc.join == "date":
            return _iso_date(text)
        if loc.join in ("period_start", "period_end"):
            return _period(text, loc.join == "period_start")
        return text

    def points(self, path: str) -> int | float | list[int | float] | None:
        """The points a label prints (``产出指标(50分)`` → 50; ``(0-20)分`` → [0, 20])."""
        loc = self.located.fields.get(path)
        if loc is None:
            return None
        self._where(path, loc)
        points = points_of(self.shown(self.cells.get((loc.row, loc.col))))
        if points is None:
            return None
        if isinstance(points, tuple):
            return [_int_or_float(points[0]), _int_or_float(points[1])]
        return _int_or_float(points)

    def fund_row(self, row: str, columns: tuple[str, ...], unit: str) -> dict[str, Any]:
        """One funding row's amounts (in ``unit`` unless a cell says its own, kept in 万元) and
        its execution rate (in %)."""
        values: dict[str, Any] = {}
        for col in columns:
            path = f"funds.{row}.{col}"
            if col == "execution_rate":
                values[col] = self.number(path, unit=PERCENT)
            else:
                values[col] = self.number(path, unit=self.located.units.get(path, unit), record_unit=WAN_YUAN)
        return values

    def number(self, path: str, *, unit: str = POINTS, record_unit: str = "") -> float | None:
        """The number in a number field whose column is written in ``unit`` (万元, 元, %, 分).

        A number typed as text is read as people write it (``1.42万元``, ``80 万元``,
        ``1,420,000元``, ``98%``, full-width digits), converted to the column's unit and kept in
        the evidence (``number_texts``) with a notice naming the cell: a spreadsheet's formulas
        do not count text.  Text that is no number (or a unit that does not convert) is missing,
        kept in the evidence too, and the validator reports it at its cell.  ``record_unit``:
        the unit the record holds an amount in (万元 for funds, 元 for a goal table's budget);
        an amount in a column of another unit (项目资金（元）) is converted to it.
        """
        loc = self.located.fields.get(path)
        if loc is None:
            return None
        if loc.join == "points":
            points = self.points(path)
            return float(points) if isinstance(points, int | float) else None
        self._where(path, loc)
        cell = self._cell(path, loc)
        if cell is None or cell.value is None or cell.error:
            return None
        value = cell.value
        if isinstance(value, bool):
            return None
        where = self._a1(loc.row, loc.col)
        if isinstance(value, float):
            if not math.isfinite(value):  # <v>1e400</v> or <v>nan</v>: no figure a spreadsheet stores
                self.notices.append(
                    MSG["bad_number"].format(
                        sheet=self.grid.name, cell=where, field=field_label(path), text=repr(value)
                    )
                )
                return None
            number = value
            if has_percent(cell.fmt):
                number = float(Decimal(format(value, ".15g")) * 100)
        else:
            text = _after_colon(value) if loc.inline else value
            if normalize_text(text).replace(" ", "") in _NOT_APPLICABLE:
                return None  # "-" / "无" / a formula's empty text result: nothing given
            typed = cell.formula is None  # a formula's text result is no one's typing
            parsed = _parse_amount(text)
            written = parsed[1] if parsed is not None else ""
            if record_unit and written in MONEY_UNITS:
                self.amount_units[path] = written
            converted = convert(parsed[0], written, unit) if parsed is not None else None
            if converted is None or not math.isfinite(float(converted)):
                if typed:
                    self.number_texts[path] = NumberText(text[:40], None, written)
                self.notices.append(
                    MSG["bad_number"].format(sheet=self.grid.name, cell=where, field=field_label(path), text=text[:20])
                )
                return None
            number = float(converted)
            if typed:
                self.number_texts[path] = NumberText(text[:40], number, written)
                self.notices.append(
                    MSG["number_text"].format(
                        sheet=self.grid.name, cell=where, text=text[:20], value=general(number), unit=unit
                    )
                )
        if record_unit and unit != record_unit and unit in MONEY_UNITS and record_unit in MONEY_UNITS:
            number = float(Decimal(repr(number)) * MONEY_UNITS[unit] / MONEY_UNITS[record_unit])
        return number

    def finish(self, record: Record) -> Record:
        evidence = self.provenance.evidence
        evidence.method = self.located.method
        evidence.funds_unit = self.located.funds_unit
        evidence.amount_units = {**self.located.units, **self.amount_units}
        evidence.notes = [self.text_at(loc) for loc in self.located.notes]
        evidence.indicator_columns = self.located.indicator_columns
        evidence.formulas = self.formulas
        evidence.uncalculated = self.uncalculated
        evidence.number_texts = self.number_texts
        if self.uncalculated:
            self.notices.append(MSG["formula_uncalculated"].format(sheet=self.grid.name, count=len(self.uncalculated)))
        evidence.error_cells, evidence.formula_cells = cell_evidence(self.located, self.grid)
        record.provenance = self.provenance
        return record

    def text_at(self, loc: Loc) -> str:
        text = self.shown(self.cells.get((loc.row, loc.col)))
        return _after_colon(text) if loc.inline else text


def _int_or_float(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _ticked(text: str) -> str:
    """The ticked option of a tick row: ``1、部门预算项目□　2、区直专项☑`` → 区直专项; "" when not one."""
    options = [o.strip() for o in re.split(r"(?:^|\s|　)*\d+\s*[、.．]\s*", text) if o.strip()]
    ticked: list[str] = []
    for option in options:
        name = option.rstrip("".join(V.TICKED_MARKS) + "".join(V.UNTICKED_MARKS) + " 　")
        if any(mark in option for mark in V.TICKED_MARKS):
            ticked.append(name.strip())
    if len(ticked) == 1:
        return ticked[0]
    if not ticked and len(options) == 1 and not any(m in options[0] for m in V.UNTICKED_MARKS):
        return options[0]
    return ""


_YEAR_MARK, _MONTH_MARK = words.DATE_MARKS[:2]
_DATE_RE: Final = re.compile(rf"(\d{{4}})\s*[{_YEAR_MARK}./-]\s*(\d{{1,2}})\s*[{_MONTH_MARK}./-]\s*(\d{{1,2}})")


def _iso_date(text: str) -> str:
    """``2021年4月22日`` or ``2021-04-22`` → ``2021-04-22``; other text as written."""
    match = _DATE_RE.search(normalize_text(text))
    if match is None:
        return text
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


_PERIOD_SPLIT_RE: Final = re.compile(r"\s*(?:" + "|".join(map(re.escape, words.PERIOD_SEPARATORS)) + r")\s*|\s+-\s+")


def split_period(text: str) -> list[str]:
    """``2022-01-01至2022-12-31`` → its two dates as written; one part when it is no period."""
    return _PERIOD_SPLIT_RE.split(text.strip(), maxsplit=1)


def _period(text: str, start: bool) -> str:
    """One end of ``2022-01-01至2022-12-31``."""
    parts = split_period(text)
    if len(parts) != 2:
        return text if start else ""
    return _iso_date(parts[0] if start else parts[1])


_NAME_MARK_CHARS: Final = frozenset("".join(V.NAME_MARKS) + "".join(V.PLACEHOLDERS))
_MARKS_RE: Final = re.compile("[" + "".join(m for m in V.NAME_MARKS if m != "*") + "]")
_PLACEHOLDER_ALT: Final = "|".join(re.escape(p) for p in V.PLACEHOLDERS)
_PLACEHOLDER_GROUP_RE: Final = re.compile(rf"[(（][^()（）]*(?:{_PLACEHOLDER_ALT})[^()（）]*[)）]")
_OPERATOR_CLASS: Final = re.escape("".join(sorted(words.OPERATOR_MARKS)))
_PLACEHOLDER_TAIL_RE: Final = re.compile(rf"[{_OPERATOR_CLASS}]=?\s*(?:{_PLACEHOLDER_ALT})\S*$")


def clean_name(text: str) -> str:
    """An indicator name without a template's marks: ``★★★受益人口数(≥**人)`` → ``受益人口数``."""
    if not text or not any(mark in text for mark in _NAME_MARK_CHARS):
        return text  # the common case, decided without a regular expression
    cleaned = _MARKS_RE.sub("", text)
    cleaned = _PLACEHOLDER_GROUP_RE.sub("", cleaned)
    cleaned = _PLACEHOLDER_TAIL_RE.sub("", cleaned)
    return cleaned.strip()


def _after_colon(text: str) -> str:
    match = COLON_RE.search(text)
    return text[match.end() :].strip() if match else text.strip()


def _parse_amount(text: str) -> tuple[Decimal, str] | None:
    """A number as typed and the unit written after it: ``1.00`` → (1.00, ""),
    ``５,５３５,０００`` → (5535000, ""), ``1.42万元`` → (1.42, "万元"), ``99.13%`` → (99.13, "%"),
    ``100分`` → (100, "分"); None when the text is no number."""
    folded = normalize_text(text).replace(" ", "")
    if folded in _NOT_APPLICABLE:
        return None
    unit = next((u for u in ALL_UNITS if folded.endswith(u) and len(folded) > len(u)), "")
    number = parse_number(folded[: len(folded) - len(unit)] if unit else folded)
    if number is None:
        return None
    return (number, unit) if math.isfinite(float(number)) else None  # 400 digits typed: no number a sheet holds


def _int_if_integral(value: float | None) -> int | float | None:
    if value is not None and float(value).is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def build_record(
    located: Located,
    grid: Grid,
    file: str,
    notices: list[str],
    date1904: bool = False,
    memory: ReaderMemory | None = None,
) -> Record:
    """The record of one located form."""
    b = _Builder(located, grid, file, notices, date1904, memory if memory is not None else ReaderMemory())
    fields = located.fields
    data: dict[str, Any] = {"form": located.kind}
    year: int | None = None
    year_loc = fields.get("year")
    if year_loc is not None:
        b._where("year", year_loc)
        cell = grid.cells.get((year_loc.row, year_loc.col))
        if cell is not None and isinstance(cell.value, float):
            year = int(cell.value) if math.isfinite(cell.value) else None  # <v>1e400</v>: no year
        elif cell is not None:
            year = year_of(b.shown(cell))
    if located.kind == "monitoring":
        _monitoring_data(b, data, year)
    elif located.kind == "self_evaluation":
        data["year"] = year
        for key in ("department", "implementing_unit", "project_name"):
            data[key] = b.text(key) or ""
        funds: dict[str, dict[str, Any]] = {}
        unit = located.funds_unit or WAN_YUAN
        for row in (*FUND_ROWS, *OPTIONAL_FUND_ROWS):
            if row in OPTIONAL_FUND_ROWS and not any(f"funds.{row}.{col}" in fields for col in FUND_COLUMNS):
                continue
            values = b.fund_row(row, FUND_COLUMNS, unit)
            for col in ("weight", "score"):
                value = b.number(f"funds.{row}.{col}")
                if value is not None:
                    values[col] = value
            funds[row] = values
        data["funds"] = funds
        data["goal_expected"] = b.text("goal_expected") or ""
        data["goal_actual"] = b.text("goal_actual") or ""
        data["indicators"] = [_indicator(b, i, "self_evaluation") for i in range(located.indicator_count)]
        data["total_weight"] = b.number("total_weight")
        data["total_score"] = b.number("total_score")
        grade = b.text("grade")
        data["grade"] = grade or None
        for key in ("filing_unit", "filing_date", "project_category", "project_attribute", "project_type"):
            if key in fields:
                data[key] = b.text(key) or ""
        if "indicator_points" in fields:
            data["indicator_points"] = b.points("indicator_points")
        _level1_points(b, data)
        texts = {key: b.text(f"texts.{key}") or "" for key in SELF_TEXTS if f"texts.{key}" in fields}
        if texts:
            data["texts"] = texts
    else:
        data["year"] = year
        for key in GoalTable.HEADER_KEYS:
            data[key] = b.text(key) or ""
        budget: dict[str, Any] = {}
        for key in (*GOAL_BUDGET, *GOAL_BUDGET_EXTRA):
            path = f"budget_yuan.{key}"
            if key in GOAL_BUDGET or path in fields:
                budget[key] = _int_if_integral(b.number(path, unit=located.units.get(path, YUAN), record_unit=YUAN))
        data["budget_yuan"] = budget
        data["texts"] = {key: b.text(f"texts.{key}") or "" for key in GOAL_TEXTS}
        data["indicators"] = [_indicator(b, i, "goal_table") for i in range(located.indicator_count)]
        if "department" in fields:
            data["department"] = b.text("department") or ""
        _level1_points(b, data)
    for key, path in (("slug", "slug"),):
        if path in fields:
            data[key] = b.text(path) or None
    return b.finish(record_from_dict(data))


def _monitoring_data(b: _Builder, data: dict[str, Any], year: int | None) -> None:
    """A monitoring form's values (amounts in 万元, rates and the time progress in %)."""
    fields = b.located.fields
    data["year"] = year
    period = b.number("period") if "period" in fields else None
    data["period"] = int(period) if period is not None and period.is_integer() else b.located.period
    for key in ("department", "implementing_unit", "project_name"):
        data[key] = b.text(key) or ""
    unit = b.located.funds_unit or WAN_YUAN
    funds: dict[str, dict[str, Any]] = {}
    for row in FUND_ROWS:
        values = b.fund_row(row, MONITORING_FUND_COLUMNS, unit)
        if f"funds.{row}.note" in fields:
            values["note"] = b.text(f"funds.{row}.note") or ""
        funds[row] = values
    data["funds"] = funds
    data["goal_expected"] = b.text("goal_expected") or ""
    data["goal_progress"] = b.text("goal_progress") or ""
    data["indicators"] = [_monitoring_indicator(b, i) for i in range(b.located.indicator_count)]
    data["time_progress"] = b.number("time_progress", unit=PERCENT) if "time_progress" in fields else None
    data["progress_flag"] = (b.text("progress_flag") or None) if "progress_flag" in fields else None


def _monitoring_indicator(b: _Builder, index: int) -> dict[str, Any]:
    prefix = f"indicators[{index}]."
    out: dict[str, Any] = {
        "level1": strip_points(b.text(prefix + "level1") or ""),
        "level2": squash_label(b.text(prefix + "level2") or ""),
        "name": clean_name(b.text(prefix + "name") or ""),
        "target": b.text(prefix + "target") or "",
    }
    for key in ("progress", "forecast", "possibility", "deviation", "measures", "note"):
        out[key] = b.text(prefix + key) or ""
    choices = [key for key in b.located.fields if key.startswith(prefix + "possibility_tick.")]
    if choices:  # a column per choice: the ticked one (its first cell stands for the possibility)
        ticked = [key for key in choices if _is_tick(b.text(key) or "")]
        out["possibility"] = ticked[0].removeprefix(prefix + "possibility_tick.") if ticked else out["possibility"]
        first = ticked[0] if ticked else choices[0]
        b.provenance.cells[prefix + "possibility"] = b.provenance.cells[first]
        for key in choices:
            b.provenance.cells.pop(key, None)
    ticked = [key for key in b.located.fields if key.startswith(prefix + "reason_tick.")]
    if ticked:  # a column per reason (the national template): the ticked ones
        out["reasons"] = [
            key.removeprefix(prefix + "reason_tick.")
            for key in ticked
            if _is_tick(b.text(key) or "")
        ]
        for key in ticked:
            b.provenance.cells.pop(key, None)
    else:
        text = b.text(prefix + "reasons") or ""
        out["reasons"] = [part.strip() for part in re.split(_REASON_SPLIT, text) if part.strip()]
    return out


_REASON_SPLIT: Final = "[" + re.escape(words.LIST_SEPARATOR) + ",，;；/\n]"


def _is_tick(text: str) -> bool:
    """A reason column's cell ticked: a tick mark, or any mark but an unticked box."""
    mark = text.strip()
    return bool(mark) and mark not in V.UNTICKED_MARKS


def _level1_points(b: _Builder, data: dict[str, Any]) -> None:
    points: dict[str, Any] = {}
    for path in b.located.fields:
        if path.startswith("level1_points."):
            value = b.points(path)
            if value is not None:
                points[path.removeprefix("level1_points.")] = value
    if points:
        data["level1_points"] = points


def _indicator(b: _Builder, index: int, form: str) -> dict[str, Any]:
    prefix = f"indicators[{index}]."
    name = b.text(prefix + "name") or ""
    out: dict[str, Any] = {
        "level1": strip_points(b.text(prefix + "level1") or ""),
        "level2": squash_label(b.text(prefix + "level2") or ""),
        # a template's marks (★, (≥**人)) are cleaned from forms found by their labels; in
        # sheetperf's own template the name is what the department typed, kept as typed
        "name": name if b.located.method == "defined_names" else clean_name(name),
        "target": b.text(prefix + "target") or "",
    }
    if form == "self_evaluation":
        out["actual"] = b.text(prefix + "actual") or ""
        out["weight"] = _int_if_integral(b.number(prefix + "weight"))
        out["score"] = _int_if_integral(b.number(prefix + "score"))
        out["deviation"] = b.text(prefix + "deviation") or ""
        if "measures" in b.located.indicator_columns:
            out["measures"] = b.text(prefix + "measures") or ""
    else:
        for key in ("actual", "deviation"):
            if prefix + key in b.located.fields:
                out[key] = b.text(prefix + key) or ""
        for key in INDICATOR_INT_KEYS:
            if prefix + key in b.located.fields:
                out[key] = _int_if_integral(b.number(prefix + key))
    return out


# --- evidence for the validator (sheetperf.checks.validation's workbook rules) -----------------------

#: Rows above a form's first field that still belong to it (title, year line).
_FORM_HEAD_ROWS: Final = 3


def cell_evidence(located: Located, grid: Grid) -> tuple[dict[str, str], dict[tuple[int, int], str] | None]:
    """Cells the validator checks beyond the record's fields: ``(error_cells, formula_cells)``.

    ``error_cells``: every cell of the form holding an Excel error value (``#DIV/0!``),
    A1 → the error text; the form spans the rows of its fields (plus its title rows),
    every column.  ``formula_cells`` (templates only, found by defined names; else None):
    every formula of the sheet, zero-based (row, col) → formula text, so a template's
    hidden helper formulas can be checked too (A1 strings for 1,200 cells a form cost
    more than the check).
    """
    from sheetperf.model.a1 import to_a1

    rows = [loc.row for loc in located.fields.values()]
    rows += [r for loc in located.fields.values() for r, _ in loc.parts]
    errors: dict[str, str] = {}
    if rows:
        top, bottom = max(min(rows) - _FORM_HEAD_ROWS, 0), max(rows)
        errors = {
            to_a1(r, c): str(cell.value) for (r, c), cell in grid.cells.items() if cell.error and top <= r <= bottom
        }
    formula_cells = None
    if located.method == "defined_names":
        formula_cells = {rc: cell.formula for rc, cell in grid.cells.items() if cell.formula is not None}
    return errors, formula_cells
