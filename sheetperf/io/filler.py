"""Fill a sheetperf template with a record's inputs, losslessly.

Why not openpyxl: a load/save round trip through openpyxl rewrites every part of
the workbook and drops what it does not model (some data-validation and
conditional-format details, the empty cached values of formula cells, custom
parts).  A template is a zip of XML parts; filling touches exactly two of them:
the form sheet (the input cells) and the shared-string table.  Every other
member is copied as it is, with its original zip metadata, so formulas, data
validations, protection, defined names, conditional formats, hidden sheets and
print setup survive by construction, and filling a template twice gives the
same bytes.

Where to write comes from :mod:`sheetperf.forms.layout` only.  What to write:

* ``input`` cells (amounts, actual values or levels, deviation reasons, goal texts):
  always, from the record; a field the record leaves empty clears its cell;
* ``definition`` cells (project information, indicators, targets, weights):
  only where the template did not lock them (a blank template locks nothing); where
  it did, the record must carry the same content — checked against the template's
  fingerprint, and a mismatch names the first differing cell;
* ``formula`` and ``fixed`` cells: never.  Stated scores in a record are ignored:
  the workbook computes them.

Text is always written as a string (shared-string table, ``t="s"``): a target
such as ``=30(人次)`` stays text and never becomes a formula.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from lxml import etree

from sheetperf.errors import InputError
from sheetperf.forms.layout import (
    LAYOUT_VERSION,
    LOCK_GROUPS,
    Field,
    Kind,
    Layout,
    Role,
    fingerprint,
    get_layout,
    meta_name,
    normalize_form,
)
from sheetperf.io.archives import content_kind
from sheetperf.io.atomic import atomic_path
from sheetperf.io.walk import ensure_regular
from sheetperf.model.a1 import from_a1, parse_range, to_a1
from sheetperf.model.record import GoalTable, Record, SelfEvaluation
from sheetperf.rules.parsing import normalize_text
from sheetperf.vocab.intake import CONTENT_MESSAGES
from sheetperf.vocab.labels import FIELD_LABELS
from sheetperf.vocab.labels import FILL_MESSAGES as MSG
from sheetperf.xlsx.book import XlsxBook, check_zip_directory, open_xlsx, open_zip, parse_xml, read_member
from sheetperf.xlsx.limits import MAX_CELL_CHARS

_NS_MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL: Final = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_CT: Final = "http://schemas.openxmlformats.org/package/2006/content-types"
_M: Final = "{" + _NS_MAIN + "}"
_SST_REL_TYPE: Final = _NS_REL + "/sharedStrings"
_SST_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
#: The cell formats of a workbook xlsxwriter wrote (a sheetperf template).
_STYLES_PART: Final = "xl/styles.xml"
_XML_SPACE: Final = "{http://www.w3.org/XML/1998/namespace}space"
_XML_DECLARATION: Final = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

#: Characters XML 1.0 cannot carry at all (the C0 controls but tab/LF/CR, lone surrogates, U+FFFE/FFFF).
_ILLEGAL_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: A literal ``_xHHHH_`` in user text must be escaped as ``_x005F_xHHHH_`` (ECMA-376 §22.9.2.19).
_LITERAL_ESCAPE: Final = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")

Value = str | int | float | None


@dataclass(frozen=True)
class TemplateInfo:
    """What a template says about itself (its very hidden metadata sheet)."""

    form: str
    layout_version: str
    profile: str
    sheetperf_version: str
    capacity: int
    locked: frozenset[str]
    fingerprint: str

    @property
    def layout(self) -> Layout:
        return get_layout(self.form, self.capacity)


@dataclass(frozen=True)
class CellWrite:
    """One input cell to set (``value`` None clears it)."""

    path: str
    row: int
    col: int
    kind: Kind
    value: Value


# --------------------------------------------------------------------------------------------
# Public API


def fill_workbook(template_path: str | Path, record: Record, out_path: str | Path) -> Path:
    """Write ``record``'s inputs into a copy of the template at ``out_path``.

    Raises :class:`InputError` (one Chinese line naming file/sheet/cell) when the
    file is not a sheetperf template of the record's form, when the record does
    not fit it (more indicators than rows, locked content that differs), or when
    a text cannot be stored in a workbook.
    """
    template_path = Path(template_path)
    out_path = Path(out_path)
    if not isinstance(record, (SelfEvaluation, GoalTable)):
        raise InputError(MSG["not_record"].format(kind=type(record).__name__))
    ensure_regular(template_path)
    kind = content_kind(template_path)
    if kind == "encrypted":  # not "文件已损坏": it has a password
        raise InputError(CONTENT_MESSAGES["encrypted_template"], file=str(template_path))
    if kind in ("ods", "xls"):  # by its bytes, whatever the name says
        raise InputError(CONTENT_MESSAGES["template_format"].format(kind=kind.upper()), file=str(template_path))
    with open_xlsx(template_path) as book:
        info = read_template_info(book)
        _check_record(book, info, record)
    layout = info.layout
    writes = list(plan_writes(layout, info, record))
    _rewrite(template_path, layout, writes, out_path)
    return out_path


def read_template_info(book: XlsxBook) -> TemplateInfo:
    """The metadata of a sheetperf template; InputError when the workbook is not one."""
    file = str(book.path)
    values: dict[str, str] = {}
    grids: dict[int, Any] = {}
    for key in ("form", "layout_version", "profile", "sheetperf_version", "capacity", "locked", "fingerprint"):
        ref = book.defined_names.get(meta_name(key))
        if ref is None:
            if key in ("form", "layout_version", "capacity"):
                raise InputError(MSG["not_template"], file=file)
            values[key] = ""
            continue
        sheet, cell = _split_ref(ref)
        if sheet not in book.sheet_names:
            raise InputError(MSG["not_template"], file=file)
        index = book.sheet_names.index(sheet)
        if index not in grids:
            grids[index] = book.grid(index)
        found = grids[index].cells.get(from_a1(cell))
        values[key] = "" if found is None or found.value is None else _plain(found.value)
    try:
        form = normalize_form(values["form"])
    except KeyError:
        raise InputError(MSG["not_template"], file=file) from None
    if values["layout_version"] != LAYOUT_VERSION:
        raise InputError(
            MSG["layout_version"].format(found=values["layout_version"] or "?", expected=LAYOUT_VERSION), file=file
        )
    try:
        capacity = int(float(values["capacity"]))
    except ValueError:
        raise InputError(MSG["not_template"], file=file) from None
    locked = frozenset(part for part in re.split(r"[,\s]+", values["locked"]) if part)
    if not locked <= set(LOCK_GROUPS):
        raise InputError(MSG["not_template"], file=file)
    return TemplateInfo(
        form=form,
        layout_version=values["layout_version"],
        profile=values["profile"],
        sheetperf_version=values["sheetperf_version"],
        capacity=capacity,
        locked=locked,
        fingerprint=values["fingerprint"],
    )


def lock_group(layout: Layout, path: str) -> str | None:
    """The :data:`LOCK_GROUPS` entry a definition cell belongs to (None: not a definition)."""
    if path.startswith("indicators[") or path in layout.table.keys:
        key = path.rsplit(".", 1)[-1]
        return "weights" if key == "weight" else "indicators"
    return "project"


def plan_writes(layout: Layout, info: TemplateInfo, record: Record) -> Iterator[CellWrite]:
    """Every cell the record sets (or clears), in layout order."""
    for item in layout.record_fields:
        if _writable(item.role, lock_group(layout, item.path), info):
            value = _value(item.kind, _get(record, item.path), item)
            _fits(value, item.path, layout.sheet_name, item.row, item.col)
            yield CellWrite(item.path, item.row, item.col, item.kind, value)
    table = layout.table
    for index in range(table.capacity):
        indicator = record.indicators[index] if index < len(record.indicators) else None
        for column in table.columns:
            if not _writable(column.role, "weights" if column.key == "weight" else "indicators", info):
                continue
            raw = getattr(indicator, column.key) if indicator is not None else None
            path = f"indicators[{index}].{column.key}"
            value = _value(column.kind, raw, path)
            _fits(value, path, layout.sheet_name, table.row(index), column.col)
            yield CellWrite(path, table.row(index), column.col, column.kind, value)


def _fits(value: Value, path: str, sheet: str, row: int, col: int) -> None:
    """Refuse a text longer than a cell holds (Excel: 32,767 characters), naming the cell."""
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise InputError(
            MSG["too_long"].format(
                sheet=sheet, cell=to_a1(row, col), field=_label(path), count=len(value), limit=MAX_CELL_CHARS
            )
        )


# --------------------------------------------------------------------------------------------
# What goes where


def _writable(role: Role, group: str | None, info: TemplateInfo) -> bool:
    if role is Role.INPUT:
        return True
    if role is Role.DEFINITION:
        return group not in info.locked
    return False


def _get(record: Record, path: str) -> Any:
    """A record value by layout path (``funds.total.executed``, ``texts.overview``)."""
    value: Any = record
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        else:
            value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _value(kind: Kind, raw: Any, where: Field | str) -> Value:
    path = where.path if isinstance(where, Field) else where
    if raw is None:
        return None
    if kind in (Kind.NUMBER, Kind.YEAR):
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise InputError(MSG["not_number"].format(field=_label(path), value=raw))
        if isinstance(raw, float) and not math.isfinite(raw):
            raise InputError(MSG["not_number"].format(field=_label(path), value=raw))
        return raw
    text = str(raw)
    if not text:
        return None
    bad = _ILLEGAL_XML.search(text)
    if bad:
        raise InputError(MSG["bad_char"].format(field=_label(path), code=f"U+{ord(bad.group()):04X}"))
    return text


def _label(path: str) -> str:
    match = re.fullmatch(r"indicators\[(\d+)\]\.(\w+)", path)
    if match:
        return MSG["indicator_field"].format(n=int(match.group(1)) + 1, field=FIELD_LABELS.get(match.group(2), path))
    return FIELD_LABELS.get(path, path)


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _split_ref(ref: str) -> tuple[str, str]:
    """``'模板信息'!$B$3`` → (``模板信息``, ``B3``)."""
    sheet, _, cell = ref.lstrip("=").rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cell.replace("$", "").split(":")[0]


# --------------------------------------------------------------------------------------------
# Does the record belong in this template?


def _check_record(book: XlsxBook, info: TemplateInfo, record: Record) -> None:
    file = str(book.path)
    if record.form != info.form:
        raise InputError(
            MSG["wrong_form"].format(template=_form_label(info.form), record=_form_label(record.form)), file=file
        )
    layout = info.layout
    if len(record.indicators) > layout.table.capacity:
        raise InputError(
            MSG["too_many_indicators"].format(count=len(record.indicators), capacity=layout.table.capacity), file=file
        )
    if not info.locked:
        return
    if fingerprint(record, sorted(info.locked), info.form) == info.fingerprint:
        return
    # Name the first cell that differs, for the person who has to fix it.
    if layout.sheet_name not in book.sheet_names:
        raise InputError(MSG["missing_sheet"].format(sheet=layout.sheet_name), file=file)
    grid = book.grid(book.sheet_names.index(layout.sheet_name))
    if len(record.indicators) != layout.table.capacity and "indicators" in info.locked:
        raise InputError(
            MSG["indicator_count"].format(count=len(record.indicators), capacity=layout.table.capacity), file=file
        )
    for path, row, col, expected in _locked_cells(layout, info, record):
        found = grid.cells.get(_merge_anchor(grid, row, col))
        shown = "" if found is None or found.value is None else _plain(found.value)
        if normalize_text(shown) != normalize_text(expected):
            raise InputError(
                MSG["locked_mismatch"].format(
                    sheet=layout.sheet_name,
                    cell=to_a1(row, col),
                    field=_label(path),
                    template=shown,
                    record=expected,
                ),
                file=file,
            )
    raise InputError(MSG["fingerprint_mismatch"], file=file)


def _locked_cells(layout: Layout, info: TemplateInfo, record: Record) -> Iterator[tuple[str, int, int, str]]:
    for item in layout.record_fields:
        if item.role is Role.DEFINITION and lock_group(layout, item.path) in info.locked:
            yield item.path, item.row, item.col, _plain(_get(record, item.path) or "")
    table = layout.table
    for index, indicator in enumerate(record.indicators):
        for column in table.columns:
            group = "weights" if column.key == "weight" else "indicators"
            if column.role is Role.DEFINITION and group in info.locked:
                raw = getattr(indicator, column.key)
                yield f"indicators[{index}].{column.key}", table.row(index), column.col, _plain(raw or "")


def _merge_anchor(grid: Any, row: int, col: int) -> tuple[int, int]:
    for r1, c1, r2, c2 in grid.merges:
        if r1 <= row <= r2 and c1 <= col <= c2:
            return r1, c1
    return row, col


def _form_label(form: str) -> str:
    from sheetperf.vocab.labels import FORM_TITLES

    return FORM_TITLES.get(form, form)


# --------------------------------------------------------------------------------------------
# The zip and its XML


def _rewrite(template_path: Path, layout: Layout, writes: list[CellWrite], out_path: Path) -> None:
    file = str(template_path)
    zin = open_zip(template_path)
    with zin:
        check_zip_directory(zin, template_path)
        names = set(zin.namelist())
        sheet_part, sst_part = _parts(zin, template_path, layout.sheet_name)
        sheet_root = parse_xml(read_member(zin, sheet_part, template_path), sheet_part, template_path)
        if sst_part in names:
            sst_root = parse_xml(read_member(zin, sst_part, template_path), sst_part, template_path)
        else:
            sst_root = etree.Element(_M + "sst", nsmap={None: _NS_MAIN})
        strings = _SharedStrings(sst_root)
        shrunk = _apply(sheet_root, strings, writes, layout, file)
        if shrunk and _STYLES_PART in names:
            styles = parse_xml(read_member(zin, _STYLES_PART, template_path), _STYLES_PART, template_path)
            _shrink_fonts(styles, shrunk)
        replaced = {
            sheet_part: _serialize(sheet_root),
            sst_part: _serialize(strings.root),
        }
        if shrunk and _STYLES_PART in names:
            replaced[_STYLES_PART] = _serialize(styles)
        added_sst = sst_part not in names
        if added_sst:
            replaced.update(_register_shared_strings(zin, template_path, sst_part))
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out_path, "filled") as tmp:
            with zipfile.ZipFile(tmp, "w") as zout:
                for info in zin.infolist():
                    data = replaced.pop(info.filename, None)
                    if data is None:
                        data = read_member(zin, info.filename, template_path)
                    zout.writestr(_copy_info(info), data)
                stamp = zin.infolist()[0].date_time if zin.infolist() else (1980, 1, 1, 0, 0, 0)
                for name, data in sorted(replaced.items()):  # parts the template did not have
                    new = zipfile.ZipInfo(name, stamp)
                    new.compress_type = zipfile.ZIP_DEFLATED
                    zout.writestr(new, data)


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A fresh ZipInfo with the original name, date and attributes (writestr mutates its argument)."""
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.external_attr = info.external_attr
    new.create_system = info.create_system
    new.comment = info.comment
    return new


def _parts(zin: zipfile.ZipFile, path: Path, sheet_name: str) -> tuple[str, str]:
    """The form sheet's part and the shared-string part (which may not exist yet)."""
    workbook = "xl/workbook.xml"
    rels_part = "xl/_rels/workbook.xml.rels"
    if workbook not in zin.NameToInfo or rels_part not in zin.NameToInfo:
        raise InputError(MSG["not_template"], file=str(path))
    root = parse_xml(read_member(zin, workbook, path), workbook, path)
    rels = parse_xml(read_member(zin, rels_part, path), rels_part, path)
    targets: dict[str, str] = {}
    sst = "xl/sharedStrings.xml"
    for rel in rels:
        target = str(rel.get("Target", ""))
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[str(rel.get("Id"))] = target
        if rel.get("Type") == _SST_REL_TYPE:
            sst = target
    for sheet in root.iter(_M + "sheet"):
        if sheet.get("name") == sheet_name:
            part = targets.get(str(sheet.get("{" + _NS_REL + "}id")))
            if part is not None and part in zin.NameToInfo:
                return part, sst
    raise InputError(MSG["missing_sheet"].format(sheet=sheet_name), file=str(path))


def _register_shared_strings(zin: zipfile.ZipFile, path: Path, sst_part: str) -> dict[str, bytes]:
    """Add a new shared-string part to the workbook relationships and content types."""
    rels_part = "xl/_rels/workbook.xml.rels"
    rels = parse_xml(read_member(zin, rels_part, path), rels_part, path)
    ids = {str(rel.get("Id")) for rel in rels}
    number = len(ids) + 1
    while f"rId{number}" in ids:
        number += 1
    etree.SubElement(
        rels,
        "{" + _NS_PKG_REL + "}Relationship",
        Id=f"rId{number}",
        Type=_SST_REL_TYPE,
        Target=sst_part.removeprefix("xl/"),
    )
    types_part = "[Content_Types].xml"
    types = parse_xml(read_member(zin, types_part, path), types_part, path)
    etree.SubElement(types, "{" + _NS_CT + "}Override", PartName="/" + sst_part, ContentType=_SST_CONTENT_TYPE)
    return {rels_part: _serialize(rels), types_part: _serialize(types)}


def _serialize(root: Any) -> bytes:
    # xlsxwriter writes an empty cached value as <v></v>; keep that spelling.
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return _XML_DECLARATION + body.replace(b"<v/>", b"<v></v>")


class _SharedStrings:
    """The shared-string table: look up or append a plain string."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.index: dict[str, int] = {}
        self.texts: list[str] = []
        for si in root.iterchildren(_M + "si"):
            children = list(si)
            if len(children) == 1 and children[0].tag == _M + "t":
                self.index.setdefault(_unescape(children[0].text or ""), len(self.texts))
            # the shown text of a rich-text entry: its runs, without phonetic hints
            self.texts.append(
                _unescape("".join(t.text or "" for t in si.iter(_M + "t") if t.getparent().tag != _M + "rPh"))
            )
        self.count_delta = 0

    @property
    def size(self) -> int:
        return len(self.texts)

    def text(self, index: int) -> str:
        return self.texts[index] if 0 <= index < len(self.texts) else ""

    def add(self, text: str) -> int:
        found = self.index.get(text)
        if found is not None:
            return found
        si = etree.SubElement(self.root, _M + "si")
        t = etree.SubElement(si, _M + "t")
        t.text = _LITERAL_ESCAPE.sub("_x005F_", text)
        if text != text.strip() or "\n" in text:
            t.set(_XML_SPACE, "preserve")
        self.index[text] = self.size
        self.texts.append(text)
        return self.size - 1

    def finish(self) -> None:
        count = int(self.root.get("count", "0") or 0) + self.count_delta
        self.root.set("count", str(max(count, 0)))
        self.root.set("uniqueCount", str(self.size))


def _unescape(text: str) -> str:
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _apply(
    root: Any, strings: _SharedStrings, writes: list[CellWrite], layout: Layout, file: str
) -> list[tuple[Any, float]]:
    """Write ``writes`` into the sheet ``root``; the cells whose text needs a smaller font
    to be shown whole (with that size)."""
    sheet = layout.sheet_name
    sheet_data = root.find(_M + "sheetData")
    if sheet_data is None:
        raise InputError(MSG["missing_sheet"].format(sheet=sheet), file=file)
    rows: dict[int, Any] = {}
    for row_el in sheet_data.iterchildren(_M + "row"):
        rows[int(row_el.get("r"))] = row_el
    merges = _merges(root)
    text_rows: set[int] = set()
    for write in writes:
        ref = to_a1(write.row, write.col)
        anchor = merges.get((write.row, write.col))
        if anchor is not None and anchor != (write.row, write.col):
            if write.value is None:
                continue  # the covered part of a merged range holds nothing anyway
            raise InputError(
                MSG["merged_cell"].format(sheet=sheet, cell=ref, field=_label(write.path), anchor=to_a1(*anchor)),
                file=file,
            )
        cell = _cell(sheet_data, rows, write.row, write.col, create=write.value is not None)
        if cell is None:
            continue
        if cell.find(_M + "f") is not None:
            raise InputError(MSG["formula_cell"].format(sheet=sheet, cell=ref, field=_label(write.path)), file=file)
        if cell.get("t") in ("s", "inlineStr") or isinstance(write.value, str):
            text_rows.add(write.row)
        if cell.get("t") == "s":
            strings.count_delta -= 1
        for child in list(cell):
            cell.remove(child)
        for attr in ("t", "cm", "vm", "ph"):
            cell.attrib.pop(attr, None)
        value = write.value
        if value is None:
            continue
        if isinstance(value, str):
            cell.set("t", "s")
            etree.SubElement(cell, _M + "v").text = str(strings.add(value))
            strings.count_delta += 1
        else:
            etree.SubElement(cell, _M + "v").text = repr(value) if isinstance(value, float) else str(value)
    strings.finish()
    spans = _single_row_spans(root)
    shrunk: list[tuple[Any, float]] = []
    for row in sorted(text_rows):
        shrunk += _fit_row(rows[row + 1], row, layout, strings, spans)
    return shrunk


def _single_row_spans(root: Any) -> dict[tuple[int, int], int]:
    """Top-left of each single-row merged range → its last column (multi-row merges are left out)."""
    out: dict[tuple[int, int], int] = {}
    merge_cells = root.find(_M + "mergeCells")
    for merge in merge_cells.iterchildren(_M + "mergeCell") if merge_cells is not None else ():
        r1, c1, r2, c2 = parse_range(str(merge.get("ref")))
        if r1 == r2:
            out[(r1, c1)] = c2
    return out


def _fit_row(
    row_el: Any, row: int, layout: Layout, strings: _SharedStrings, spans: dict[tuple[int, int], int]
) -> list[tuple[Any, float]]:
    """Set a row's height to show every wrapped text in it, as the writer sizes pre-filled rows.

    The height is recomputed from the layout's declared height and the texts now in
    the row (not grown from the current one), so filling again with shorter text
    shrinks the row back and a fill is a function of template and record alone.
    A text too long for the tallest row Excel allows is returned with the font size
    that shows it whole (:func:`_shrink_fonts` gives its cell that size).
    """
    from sheetperf.io.writer import fitting_font_size, text_height  # the writer's sizing rule, shared

    shrunk: list[tuple[Any, float]] = []

    widths = layout.col_widths
    minimum = layout.row_heights.get(row, 20.0)  # the writer's minimum for an undeclared row
    height = minimum
    for cell in row_el.iterchildren(_M + "c"):
        kind = cell.get("t")
        if kind not in ("s", "inlineStr") or cell.find(_M + "f") is not None:
            continue
        col = _col_of(str(cell.get("r")))
        if col >= len(widths):
            continue  # hidden helper columns
        if kind == "s":
            v = cell.find(_M + "v")
            text = strings.text(int(v.text)) if v is not None and (v.text or "").isdigit() else ""
        else:
            text = "".join(t.text or "" for t in cell.iter(_M + "t"))
        last = spans.get((row, col), col)
        width = sum(widths[c] for c in range(col, min(last, len(widths) - 1) + 1))
        height = max(height, text_height(text, width, minimum=minimum))
        size = fitting_font_size(text, width)
        if size is not None:
            shrunk.append((cell, size))
    pixels = round(height * 4 / 3)  # Excel stores whole pixels, as xlsxwriter writes them
    row_el.set("ht", f"{pixels * 0.75:g}")
    row_el.set("customHeight", "1")
    return shrunk


def _shrink_fonts(styles: Any, cells: list[tuple[Any, float]]) -> None:
    """Give each cell a copy of its cell format with the font at the given size (styles.xml)."""
    import copy

    fonts, xfs = styles.find(_M + "fonts"), styles.find(_M + "cellXfs")
    if fonts is None or xfs is None:
        return
    font_list = list(fonts.iterchildren(_M + "font"))
    xf_list = list(xfs.iterchildren(_M + "xf"))
    made: dict[tuple[int, float], int] = {}
    for cell, size in cells:
        style = int(cell.get("s", "0"))
        if style >= len(xf_list):
            continue
        key = (style, size)
        if key not in made:
            xf = copy.deepcopy(xf_list[style])
            font = copy.deepcopy(font_list[int(xf.get("fontId", "0"))])
            sz = font.find(_M + "sz")
            if sz is None:
                continue
            sz.set("val", f"{size:g}")
            fonts.append(font)
            fonts.set("count", str(len(fonts)))
            xf.set("fontId", str(len(fonts) - 1))
            xf.set("applyFont", "1")
            xfs.append(xf)
            xfs.set("count", str(len(xfs)))
            made[key] = len(xfs) - 1
        cell.set("s", str(made[key]))


def _merges(root: Any) -> dict[tuple[int, int], tuple[int, int]]:
    """Every cell inside a merged range → the range's top-left cell."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    merge_cells = root.find(_M + "mergeCells")
    if merge_cells is None:
        return out
    for merge in merge_cells.iterchildren(_M + "mergeCell"):
        r1, c1, r2, c2 = parse_range(str(merge.get("ref")))
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                out[(r, c)] = (r1, c1)
    return out


def _cell(sheet_data: Any, rows: dict[int, Any], row: int, col: int, *, create: bool) -> Any:
    """The ``<c>`` element of (row, col), created in order when missing (None when not wanted)."""
    number = row + 1
    row_el = rows.get(number)
    if row_el is None:
        if not create:
            return None
        row_el = etree.Element(_M + "row", r=str(number))
        following = [r for r in rows if r > number]
        if following:
            rows[min(following)].addprevious(row_el)
        else:
            sheet_data.append(row_el)
        rows[number] = row_el
    ref = to_a1(row, col)
    for cell in row_el.iterchildren(_M + "c"):
        cell_ref = cell.get("r")
        if cell_ref == ref:
            return cell
        if cell_ref is not None and _col_of(cell_ref) > col:
            if not create:
                return None
            new = etree.Element(_M + "c", r=ref)
            cell.addprevious(new)
            return new
    if not create:
        return None
    return etree.SubElement(row_el, _M + "c", r=ref)


def _col_of(ref: str) -> int:
    return from_a1(ref)[1]
