"""A guarded reader of OpenDocument spreadsheets (.ods): values, formulas, number formats,
merges, hidden sheets and named ranges.

An .ods is a zip of XML parts like an .xlsx, so it goes through the same guards
(:func:`sheetperf.xlsx.book.open_zip`, :func:`~sheetperf.xlsx.book.check_zip_directory`,
capped member reads, lxml with entities unresolved, no DTD, a DOCTYPE refused, the markup
counted before parsing).  Only ``content.xml`` (cells, automatic styles, named ranges) and
``styles.xml`` (the common styles a cell style may inherit its number format from) are read.

The result has the shape of :class:`~sheetperf.xlsx.book.Grid` the .xlsx reader produces,
so locating and record building are the same for both:

* formulas (``of:=IF([.E6]="";…;…)``) are turned into Excel's A1 syntax
  (``=IF(E6="",…,…)``) so the validator compares them with a template's formulas;
* a cell's data style (``number:number-style`` and kin) is turned into the equivalent Excel
  number-format code (``0.00``, ``0.00%``, ``0.00"(%)"``), so a number reads as the form
  shows it;
* a formula's saved result is its value: LibreOffice saves every result, an empty string
  included, and an error result (``calcext:value-type="error"``) is an error cell;
* repeated cells and rows are expanded only where they hold something, within the sheet
  and cell limits of :mod:`sheetperf.xlsx.limits`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sheetperf.errors import InputError, UnsafeInputError
from sheetperf.model.a1 import quote_sheet
from sheetperf.model.memo import BatchCache, Memo, ensure
from sheetperf.vocab.labels import READER_MESSAGES as MSG
from sheetperf.xlsx.book import (
    BookMemory,
    Cell,
    CellValue,
    Grid,
    _add_merges,
    check_zip_directory,
    open_zip,
    parse_xml,
    read_member,
)
from sheetperf.xlsx.limits import MAX_COLS, MAX_ROWS, MAX_SHEET_CELLS

_TABLE: Final = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE: Final = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT: Final = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_STYLE: Final = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_NUMBER: Final = "{urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0}"
_CALCEXT: Final = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"

_ROW_CONTAINERS: Final = frozenset({_TABLE + "table-header-rows", _TABLE + "table-rows", _TABLE + "table-row-group"})
_CELL_TAGS: Final = frozenset({_TABLE + "table-cell", _TABLE + "covered-table-cell"})
_NUMBER_STYLES: Final = frozenset(
    _NUMBER + k
    for k in (
        "number-style",
        "percentage-style",
        "currency-style",
        "date-style",
        "time-style",
        "text-style",
        "boolean-style",
    )
)
_DATE_PARTS: Final = {
    "year": "yyyy",
    "month": "mm",
    "day": "dd",
    "hours": "hh",
    "minutes": "mm",
    "seconds": "ss",
}


@dataclass
class OdsBook:
    """What an .ods holds that a form reader needs."""

    path: Path
    grids: list[Grid]
    #: Workbook-level named ranges → Excel-style text (``'绩效自评表'!$C$3:$H$3``).
    defined_names: dict[str, str] = field(default_factory=dict)
    #: Sheet-level named ranges: ``(sheet index, name)`` → Excel-style text.
    local_names: dict[tuple[int, str], str] = field(default_factory=dict)


class OdsMemory:
    """What reading .ods files remembers from one to the next (a part of the batch's
    :class:`~sheetperf.model.memo.BatchCache`): formulas translated to A1 syntax (a template's
    250 formulas recur in every copy) and the merge parser's references."""

    __slots__ = ("book", "formulas")

    def __init__(self) -> None:
        self.formulas: Memo[str, str] = Memo(20_000)
        self.book = BookMemory()


def read_ods(path: str | Path, cache: BatchCache | None = None) -> OdsBook:
    """Every sheet of an .ods as a grid, with its named ranges; refused like an .xlsx when unsafe.

    ``cache`` is the batch's memory (formulas translated in earlier workbooks)."""
    path = Path(path)
    memory = ensure(cache).part(OdsMemory)
    zf = open_zip(path)
    try:
        check_zip_directory(zf, path)
        if "content.xml" not in zf.NameToInfo:
            raise InputError(MSG["missing_part"].format(part="content.xml"), file=str(path))
        content = parse_xml(read_member(zf, "content.xml", path), "content.xml", path)
        styles = (
            parse_xml(read_member(zf, "styles.xml", path), "styles.xml", path)
            if "styles.xml" in zf.NameToInfo
            else None
        )
    finally:
        zf.close()
    formats = _Formats(content, styles, memory)
    book = OdsBook(path, [])
    spreadsheet = content.find(f"{_OFFICE}body/{_OFFICE}spreadsheet")
    if spreadsheet is None:
        raise InputError(MSG["not_workbook"], file=str(path))
    for table in spreadsheet.iterchildren(_TABLE + "table"):
        index = len(book.grids)
        book.grids.append(_sheet(table, formats, path))
        local = table.find(_TABLE + "named-expressions")
        for name, text in _named_ranges(local, memory.formulas):
            book.local_names[(index, name)] = text
    for name, text in _named_ranges(spreadsheet.find(_TABLE + "named-expressions"), memory.formulas):
        book.defined_names[name] = text
    return book


# --- styles --------------------------------------------------------------------------------


class _Formats:
    """Cell style name → Excel number-format code (None for General), and hidden tables."""

    def __init__(self, content: Any, styles: Any, memory: OdsMemory) -> None:
        self.memory = memory
        self.data_styles: dict[str, Any] = {}
        self.cell_styles: dict[str, tuple[str | None, str | None]] = {}  # name → (data style, parent)
        self.hidden_tables: set[str] = set()
        for root in (styles, content):
            if root is None:
                continue
            for holder in (root.find(_OFFICE + "styles"), root.find(_OFFICE + "automatic-styles")):
                if holder is None:
                    continue
                for element in holder:
                    tag = element.tag
                    if tag in _NUMBER_STYLES:
                        self.data_styles[str(element.get(_STYLE + "name", ""))] = element
                    elif tag == _STYLE + "style":
                        name = str(element.get(_STYLE + "name", ""))
                        family = element.get(_STYLE + "family")
                        if family == "table-cell":
                            self.cell_styles[name] = (
                                element.get(_STYLE + "data-style-name"),
                                element.get(_STYLE + "parent-style-name"),
                            )
                        elif family == "table":
                            props = element.find(_STYLE + "table-properties")
                            if props is not None and props.get(_TABLE + "display") == "false":
                                self.hidden_tables.add(name)
        self._codes: dict[str, str | None] = {}

    def code(self, cell_style: str | None) -> str | None:
        if not cell_style:
            return None
        if cell_style in self._codes:
            return self._codes[cell_style]
        data_style: str | None = None
        name: str | None = cell_style
        for _ in range(16):  # a parent chain, never a loop
            if name is None or name not in self.cell_styles:
                break
            data_style, parent = self.cell_styles[name]
            if data_style:
                break
            name = parent
        code = self._data_code(data_style, 0) if data_style else None
        self._codes[cell_style] = code
        return code

    def _data_code(self, name: str, depth: int) -> str | None:
        element = self.data_styles.get(name)
        if element is None or depth > 4:
            return None
        own = _section(element)
        if own is None:
            return None
        # style:map (value()>=0 → the positive style) makes sections: positive;negative;zero
        positive = None
        for mapping in element.iterchildren(_STYLE + "map"):
            condition = str(mapping.get(_STYLE + "condition", "")).replace(" ", "")
            if condition in ("value()>=0", "value()>0"):
                positive = self._data_code(str(mapping.get(_STYLE + "apply-style-name", "")), depth + 1)
        if positive is not None and positive != own:
            return f"{positive};{own}"
        return own


def _quoted(text: str) -> str:
    return '"' + text.replace('"', "") + '"' if text else ""


def _section(element: Any) -> str | None:
    """One data style as one Excel format section."""
    tag = element.tag
    if tag == _NUMBER + "boolean-style":
        return None
    if tag == _NUMBER + "text-style":
        return "@"
    if tag in (_NUMBER + "date-style", _NUMBER + "time-style"):
        parts: list[str] = []
        for child in element:
            local = child.tag.rsplit("}", 1)[-1]
            if local in _DATE_PARTS:
                parts.append(_DATE_PARTS[local] if local != "month" or tag == _NUMBER + "date-style" else "mm")
            elif local == "text":
                parts.append(_quoted(child.text or ""))
        code = "".join(parts)
        return code or ("yyyy-mm-dd" if tag == _NUMBER + "date-style" else "hh:mm:ss")
    percent = tag == _NUMBER + "percentage-style"
    pieces: list[str] = []
    has_number = False
    for child in element:
        local = child.tag.rsplit("}", 1)[-1]
        if local == "number":
            has_number = True
            decimals = _int(child.get(_NUMBER + "decimal-places"), 0)
            minimum = _int(child.get(_NUMBER + "min-decimal-places"), decimals)
            integers = _int(child.get(_NUMBER + "min-integer-digits"), 1)
            whole = "0" * max(integers, 1) if integers else "#"
            if child.get(_NUMBER + "grouping") == "true":
                whole = "#,##" + whole[-1:] if len(whole) <= 3 else whole
            frac = "0" * min(minimum, decimals) + "#" * max(decimals - minimum, 0)
            pieces.append(whole + ("." + frac if frac else ""))
        elif local == "text":
            text = child.text or ""
            if percent and "%" in text:
                before, _, after = text.partition("%")
                pieces.append(_quoted(before) + "%" + _quoted(after))
            else:
                pieces.append(_quoted(text))
        elif local == "currency-symbol":
            pieces.append(_quoted(child.text or ""))
        elif local in ("scientific-number", "fraction"):
            return None  # rare in forms: General shows them well enough
    if not has_number:
        return None
    return "".join(pieces)


def _int(text: Any, default: int) -> int:
    try:
        return int(str(text)) if text is not None else default
    except ValueError:
        return default


# --- cells ---------------------------------------------------------------------------------


def _sheet(table: Any, formats: _Formats, path: Path) -> Grid:
    name = str(table.get(_TABLE + "name", ""))
    grid = Grid(name)
    grid.hidden = str(table.get(_TABLE + "style-name", "")) in formats.hidden_tables
    column_styles = _column_styles(table)
    merges: list[str] = []
    row = 0
    for row_el in _rows(table):
        repeat = _int(row_el.get(_TABLE + "number-rows-repeated"), 1)
        if row >= MAX_ROWS:
            break
        cells = _row_cells(row_el, row, name, formats, column_styles, merges, path)
        if cells:
            for offset in range(max(1, min(repeat, MAX_ROWS - row))):
                for (_, col), cell in cells.items():
                    grid.cells[(row + offset, col)] = (
                        cell if offset == 0 else Cell(cell.value, None, cell.fmt, cell.error)
                    )
                if len(grid.cells) > MAX_SHEET_CELLS:
                    raise UnsafeInputError(
                        MSG["too_many_cells"].format(sheet=name, limit=MAX_SHEET_CELLS), file=str(path)
                    )
        row += max(repeat, 1)
    _add_merges(grid, merges, name, path, formats.memory.book)
    return grid


def _rows(table: Any) -> Any:
    for child in table:
        if child.tag == _TABLE + "table-row":
            yield child
        elif child.tag in _ROW_CONTAINERS:
            yield from _rows(child)


def _column_styles(table: Any) -> list[tuple[int, str | None]]:
    """(first column, default cell style) of each run of columns."""
    out: list[tuple[int, str | None]] = []
    col = 0

    def walk(parent: Any) -> None:
        nonlocal col
        for child in parent:
            if child.tag == _TABLE + "table-column":
                out.append((col, child.get(_TABLE + "default-cell-style-name")))
                col += max(_int(child.get(_TABLE + "number-columns-repeated"), 1), 1)
            elif child.tag in (
                _TABLE + "table-header-columns",
                _TABLE + "table-columns",
                _TABLE + "table-column-group",
            ):
                walk(child)

    walk(table)
    return out


def _default_style(column_styles: list[tuple[int, str | None]], col: int) -> str | None:
    style = None
    for first, name in column_styles:
        if first > col:
            break
        style = name
    return style


def _row_cells(
    row_el: Any,
    row: int,
    sheet: str,
    formats: _Formats,
    column_styles: list[tuple[int, str | None]],
    merges: list[str],
    path: Path,
) -> dict[tuple[int, int], Cell]:
    from sheetperf.model.a1 import to_a1

    out: dict[tuple[int, int], Cell] = {}
    col = 0
    for cell_el in row_el:
        if cell_el.tag not in _CELL_TAGS:
            continue
        repeat = max(_int(cell_el.get(_TABLE + "number-columns-repeated"), 1), 1)
        if col >= MAX_COLS:
            break
        if cell_el.tag == _TABLE + "table-cell":
            cell = _cell(cell_el, formats, column_styles, col)
            rows_spanned = _int(cell_el.get(_TABLE + "number-rows-spanned"), 1)
            cols_spanned = _int(cell_el.get(_TABLE + "number-columns-spanned"), 1)
            if rows_spanned > 1 or cols_spanned > 1:
                last_row = min(row + rows_spanned - 1, MAX_ROWS - 1)
                last_col = min(col + cols_spanned - 1, MAX_COLS - 1)
                merges.append(f"{to_a1(row, col)}:{to_a1(last_row, last_col)}")
            if cell is not None:
                for offset in range(min(repeat, MAX_COLS - col)):
                    out[(row, col + offset)] = cell if offset == 0 else Cell(cell.value, None, cell.fmt, cell.error)
                    if len(out) > MAX_SHEET_CELLS:
                        raise UnsafeInputError(
                            MSG["too_many_cells"].format(sheet=sheet, limit=MAX_SHEET_CELLS), file=str(path)
                        )
        col += repeat
    return out


def _cell(element: Any, formats: _Formats, column_styles: list[tuple[int, str | None]], col: int) -> Cell | None:
    raw_formula = element.get(_TABLE + "formula")
    formula: str | None = None
    if raw_formula:
        known = formats.memory.formulas
        formula = known.get(raw_formula) or known.put(raw_formula, excel_formula(str(raw_formula)))
    kind = element.get(_OFFICE + "value-type")
    calc_kind = element.get(_CALCEXT + "value-type")
    style = element.get(_TABLE + "style-name") or _default_style(column_styles, col)
    value: CellValue = None
    fmt: str | None = None
    error = False
    if calc_kind == "error":
        value, error = _text(element) or "#VALUE!", True
    elif kind in ("float", "percentage", "currency"):
        try:
            value = float(str(element.get(_OFFICE + "value", "")))
        except ValueError:
            value = _text(element)
        else:
            fmt = formats.code(style)
            if fmt == "@":
                fmt = None
    elif kind == "date":
        stamp = str(element.get(_OFFICE + "date-value", ""))
        value = stamp.replace("T", " ") if "T" in stamp and not stamp.endswith("T00:00:00") else stamp[:10]
    elif kind == "boolean":
        value = str(element.get(_OFFICE + "boolean-value", "")).lower() == "true"
    elif kind in ("string", "time"):
        string_value = element.get(_OFFICE + "string-value")
        value = str(string_value) if string_value is not None and kind == "string" else _text(element)
    elif kind is None:
        # LibreOffice writes a formula's empty text result as a bare <text:p/>: computed, not missing
        text = _text(element)
        value = text if text or formula is not None else None
    if formula is None and (value is None or value == ""):
        return None
    return Cell(value, formula, fmt, error)


def _text(element: Any) -> str:
    """The shown text of a cell: its paragraphs joined by line breaks (comments left out)."""
    lines: list[str] = []
    for paragraph in element.iterchildren(_TEXT + "p", _TEXT + "h"):
        lines.append(_inline(paragraph))
    return "\n".join(lines)


def _inline(element: Any) -> str:
    parts: list[str] = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == _TEXT + "s":
            parts.append(" " * max(_int(child.get(_TEXT + "c"), 1), 1))
        elif tag == _TEXT + "tab":
            parts.append("\t")
        elif tag == _TEXT + "line-break":
            parts.append("\n")
        elif tag != _OFFICE + "annotation":
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


# --- formulas and named ranges -------------------------------------------------------------

_TOKEN_RE: Final = re.compile(r'"(?:[^"]|"")*"|\[[^\]]*\]|;|~|[^"\[;~]+')
_PREFIX_RE: Final = re.compile(r"^(?:of|oooc|msoxl):")
_FUNCTION_PREFIX_RE: Final = re.compile(r"\b(?:COM\.MICROSOFT|ORG\.OPENOFFICE|ORG\.LIBREOFFICE)\.", re.IGNORECASE)


def excel_formula(text: str) -> str:
    """An ODF formula (``of:=IF([.E6]="";"";[.E6]*2)``) in Excel's A1 syntax (``=IF(E6="","",E6*2)``)."""
    native = text.startswith("msoxl:")
    body = _PREFIX_RE.sub("", text, count=1)
    if not body.startswith("="):
        body = "=" + body
    if native:
        return body
    out: list[str] = []
    for token in _TOKEN_RE.findall(body):
        first = token[0]
        if first == '"':
            out.append(token)
        elif first == "[":
            out.append(_reference(token[1:-1]))
        elif token == ";":
            out.append(",")
        elif token == "~":
            out.append(",")
        else:
            out.append(_FUNCTION_PREFIX_RE.sub("", token))
    return "".join(out)


def _split_address(text: str) -> tuple[str | None, str]:
    """``$'My sheet'.$A$1`` → ("My sheet", "$A$1"); ``.A1`` → (None, "A1")."""
    text = text.strip()
    if text.startswith("$"):
        text = text[1:]
    if text.startswith("'"):
        end = 1
        while end < len(text):
            if text[end] == "'":
                if end + 1 < len(text) and text[end + 1] == "'":
                    end += 2
                    continue
                break
            end += 1
        quoted = text[1:end].replace("''", "'")
        return quoted, text[end + 1 :].removeprefix(".")
    dot = text.rfind(".")
    if dot < 0:
        return None, text
    return (text[:dot] or None), text[dot + 1 :]


def _pieces(text: str) -> list[str]:
    """An address split at ':' outside quotes."""
    pieces: list[str] = []
    quoted = False
    start = 0
    for i, ch in enumerate(text):
        if ch == "'":
            quoted = not quoted
        elif ch == ":" and not quoted:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    return pieces


def _reference(text: str) -> str:
    """One bracketed ODF reference as Excel writes it: ``.E6:.E9`` → ``E6:E9``, ``$S.A1`` → ``S!A1``."""
    parts = [_split_address(p) for p in _pieces(text)]
    sheet = parts[0][0]
    cells = ":".join(cell for _, cell in parts)
    return f"{quote_sheet(sheet)}!{cells}" if sheet else cells


def _named_ranges(holder: Any, known: Memo[str, str]) -> list[tuple[str, str]]:
    if holder is None:
        return []
    out: list[tuple[str, str]] = []
    for element in holder.iterchildren(_TABLE + "named-range"):
        name = str(element.get(_TABLE + "name", ""))
        address = str(element.get(_TABLE + "cell-range-address", ""))
        if name and address:
            key = "[" + address  # the template's 90 names recur in every copy
            out.append((name, known.get(key) or known.put(key, _reference(address))))
    return out


__all__ = ["OdsBook", "OdsMemory", "excel_formula", "read_ods"]
