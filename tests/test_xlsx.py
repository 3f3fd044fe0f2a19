"""The sheet reader's two paths agree: the regular-expression scanner and the lxml tree.

``sheetperf.xlsx.book`` reads a sheet by one regular-expression pass when its XML has the shape
every common writer produces, and by lxml otherwise.  These tests hold the fast path to the
tree path cell for cell — on every workbook the repository ships, on hand-built forms, on
hand-written XML of each shape, and on generated cell contents — and check that each shape
the scanner does not read is handed to lxml rather than read differently.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from handbuilt import Options, build_goal_table, build_self_evaluation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from sheetperf.errors import InputError
from sheetperf.xlsx import book as xlsx_book
from sheetperf.xlsx.book import (
    BookMemory,
    Grid,
    _parse_sheet,
    _read_member,
    open_xlsx,
)


def _scan_sheet(
    data: bytes,
    name: str,
    strings: list[str],
    formats: list[str | None],
    path: Path,
    memory: BookMemory,
    *,
    trust_cache: bool = True,
) -> Grid | None:
    """The fast scanner alone, for one sheet of a workbook with these strings and formats."""
    return xlsx_book._scan_sheet(data, xlsx_book._Scan(name, path, strings, formats, trust_cache, memory))


def _parse_sheet_tree(
    data: bytes,
    name: str,
    strings: list[str],
    formats: list[str | None],
    path: Path,
    memory: BookMemory,
    *,
    trust_cache: bool = True,
) -> Grid:
    """The lxml path alone."""
    return xlsx_book._parse_sheet_tree(data, xlsx_book._Scan(name, path, strings, formats, trust_cache, memory))


REPO = Path(__file__).resolve().parents[1]
PATH = Path("test.xlsx")
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet ' + NS + b">"
STRINGS = ["项目名称", "  spaced  ", "a&b"]
FORMATS: list[str | None] = [None, "0.00%", '0.00"(%)"']
#: One batch's memory for the whole module, as a batch of workbooks would share it.
MEMORY = BookMemory()


def sheet(cells: bytes, *, merges: bytes = b"", head: bytes = HEAD) -> bytes:
    tail = b"<mergeCells>" + merges + b"</mergeCells>" if merges else b""
    return head + b"<sheetData>" + cells + b"</sheetData>" + tail + b"</worksheet>"


def tree(data: bytes, *, trust_cache: bool = True) -> Grid:
    return _parse_sheet_tree(data, "表", STRINGS, FORMATS, PATH, MEMORY, trust_cache=trust_cache)


def fast(data: bytes, *, trust_cache: bool = True) -> Grid | None:
    return _scan_sheet(data, "表", STRINGS, FORMATS, PATH, MEMORY, trust_cache=trust_cache)


def same(a: Grid, b: Grid) -> bool:
    return (a.cells, a.merges) == (b.cells, b.merges)


# --- each shape the scanner reads -------------------------------------------------------------

SHAPES = {
    "number": b'<row r="1"><c r="A1"><v>98.5</v></c></row>',
    "number_with_format": b'<row r="1"><c r="B1" s="1"><v>0.9913</v></c><c r="C1" s="2"><v>98</v></c></row>',
    "style_zero": b'<row r="1"><c r="A1" s="0"><v>3</v></c></row>',
    "shared_string": b'<row r="2" spans="1:3"><c r="A2" t="s"><v>0</v></c><c r="C2" s="1" t="s"><v>2</v></c></row>',
    "empty_styled_cells": b'<row r="1"><c r="A1" s="1"/><c r="B1" s="2"></c><c r="C1"><v>1</v></c></row>',
    "empty_value": b'<row r="1"><c r="A1"><v></v></c><c r="B1"><v/></c><c r="C1" t="s"><v></v></c></row>',
    "blank_number": b'<row r="1"><c r="A1"><v> </v></c></row>',
    "formula_no_value": b'<row r="3"><c r="D3" s="1"><f>IF(A1&lt;&gt;"",A1&amp;"x",0)</f><v></v></c></row>',
    "formula_cached": b'<row r="3"><c r="D3" t="str"><f>A1&amp;"&quot;"</f><v>x&quot;</v></c></row>',
    "formula_empty": b'<row r="3"><c r="D3"><f/><v>1</v></c><c r="E3"><f></f></c></row>',
    "formula_number": b'<row r="3"><c r="D3" s="1"><f>SUM(A1:A2)</f><v>0.5</v></c></row>',
    "shared_formula": (
        b'<row r="1"><c r="A1"><f t="shared" ref="A1:A3" si="0">B1*2</f><v>2</v></c></row>'
        b'<row r="2"><c r="A2"><f t="shared" si="0"/><v>4</v></c></row>'
        b'<row r="3"><c r="A3"><f t="shared" si="0"/></c></row>'
    ),
    "array_formula": b'<row r="1"><c r="A1"><f t="array" ref="A1">SUM(B1:B2*C1:C2)</f><v>7</v></c></row>',
    "boolean": b'<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c></row>',
    "error": b'<row r="1"><c r="A1" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>',
    "iso_date": b'<row r="1"><c r="A1" t="d"><v>2024-01-02T00:00:00</v></c></row>',
    "inline_string": '<row r="1"><c r="A1" t="inlineStr"><is><t>项目 名称</t></is></c></row>'.encode(),
    "inline_preserved": b'<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">  a  </t></is></c></row>',
    "inline_references": (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&#36130;&#25919;&#x9879;&amp;&lt;</t></is></c></row>'
    ),
    "excel_escape": b'<row r="1"><c r="A1" t="inlineStr"><is><t>a_x000D_b</t></is></c></row>',
    "crlf_in_text": b'<row r="1"><c r="A1" t="inlineStr"><is><t>line\r\nnext\rlast</t></is></c></row>',
    "entities_in_value": b'<row r="1"><c r="A1" t="str"><v>&lt;&gt;&amp;&quot;&apos;</v></c></row>',
    "full_width_digit": b'<row r="1"><c r="A1"><v>\xef\xbc\x99\xef\xbc\x98</v></c></row>',
    "row_without_number": b'<row><c r="A1"><v>1</v></c></row><row/>',
    "merges": b'<row r="1"><c r="A1"><v>1</v></c></row>',
}
SHAPE_MERGES = {"merges": b'<mergeCell ref="A1:C2"/><mergeCell ref="D4"/>'}


@pytest.mark.parametrize("name", list(SHAPES), ids=list(SHAPES))
@pytest.mark.parametrize("trust_cache", [True, False], ids=["cached", "stale_cache"])
def test_scanner_reads_shape_as_lxml_does(name: str, trust_cache: bool) -> None:
    data = sheet(SHAPES[name], merges=SHAPE_MERGES.get(name, b""))
    scanned = fast(data, trust_cache=trust_cache)
    assert scanned is not None, "this shape is meant for the scanner"
    expected = tree(data, trust_cache=trust_cache)
    assert scanned.cells == expected.cells
    assert scanned.merges == expected.merges


def test_scanner_values_are_the_expected_ones() -> None:
    """Not only equal to lxml: equal to what the cells hold."""
    data = sheet(SHAPES["number_with_format"] + SHAPES["shared_formula"].replace(b'"1"', b'"5"', 1))
    grid = fast(data)
    assert grid is not None
    assert grid.cells[(0, 1)].value == 0.9913 and grid.cells[(0, 1)].fmt == "0.00%"
    grid = fast(sheet(SHAPES["shared_formula"]))
    assert grid is not None and grid.cells[(2, 0)].formula == "=B3*2" and grid.cells[(2, 0)].value is None
    grid = fast(sheet(SHAPES["inline_references"]))
    assert grid is not None and grid.cells[(0, 0)].value == "财政项&<"
    grid = fast(sheet(SHAPES["crlf_in_text"]))
    assert grid is not None and grid.cells[(0, 0)].value == "line\nnext\nlast"


# --- each shape the scanner leaves to lxml -------------------------------------------------------

FALLBACKS = {
    "comment": sheet(b'<row r="1"><!-- <c r="A1"><v>9</v></c> --><c r="B1"><v>1</v></c></row>'),
    "cdata": sheet(b'<row r="1"><c r="A1" t="str"><v><![CDATA[a<b]]></v></c></row>'),
    "processing_instruction": sheet(b'<row r="1"><?pi x?><c r="A1"><v>1</v></c></row>'),
    "cell_without_reference": sheet(b'<row r="1"><c><v>1</v></c><c><v>2</v></c></row>'),
    "attribute_before_reference": sheet(b'<row r="1"><c s="1" r="A1"><v>0.5</v></c></row>'),
    "value_before_formula": sheet(b'<row r="1"><c r="A1"><v>2</v><f>1+1</f></c></row>'),
    "extension_in_cell": sheet(b'<row r="1"><c r="A1"><v>2</v><extLst/></c></row>'),
    "rich_inline_string": sheet(
        b'<row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c></row>'
    ),
    "reference_outside_cells": sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>&#10;'),
    "namespace_on_row": sheet(b'<row r="1" xmlns="urn:other"><c r="A1"><v>1</v></c></row>'),
    "namespace_on_cell": sheet(b'<row r="1"><c r="A1" xmlns="urn:other"><v>1</v></c></row>'),
    "prefixed_elements": (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        b'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    ),
    "main_namespace_prefixed_cell": sheet(
        b'<row r="1"><x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="A1">'
        b"<x:v>1</x:v></x:c></row>"
    ),
    "strict_namespace": sheet(
        b'<row r="1"><c r="A1"><v>1</v></c></row>',
        head=b'<worksheet xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main">',
    ),
    "other_encoding": sheet(
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xcf\xee</t></is></c></row>',
        head=b'<?xml version="1.0" encoding="GBK"?><worksheet ' + NS + b">",
    ),
    "utf16": sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>').decode().replace('"UTF-8"', '"UTF-16"').encode("utf-16"),
    "undefined_entity_text": sheet(b'<row r="1"><c r="A1" t="str"><v>&nbsp;</v></c></row>'),
    "odd_merge_list": sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>', merges=b'<mergeCell  ref="A1:B1"/>'),
}


@pytest.mark.parametrize("name", list(FALLBACKS), ids=list(FALLBACKS))
def test_unusual_shape_goes_to_lxml(name: str) -> None:
    data = FALLBACKS[name]
    assert fast(data) is None
    try:
        expected: Grid | str = tree(data)
    except InputError as exc:
        expected = str(exc)
    try:
        got: Grid | str = _parse_sheet(data, "表", STRINGS, FORMATS, PATH, MEMORY)
    except InputError as exc:
        got = str(exc)
    assert got == expected


def test_comment_is_not_read_as_a_cell() -> None:
    grid = _parse_sheet(FALLBACKS["comment"], "表", STRINGS, FORMATS, PATH, MEMORY)
    assert (0, 0) not in grid.cells and grid.cells[(0, 1)].value == 1.0


# --- the same refusals ---------------------------------------------------------------------------

REFUSALS = {
    "string_index_out_of_range": b'<row r="1"><c r="A1" t="s"><v>99</v></c></row>',
    "string_index_not_a_number": b'<row r="1"><c r="A1" t="s"><v>x</v></c></row>',
    "row_zero": b'<row r="1"><c r="A0"><v>1</v></c></row>',
    "column_past_excel": b'<row r="1"><c r="XFE1"><v>1</v></c></row>',
    "row_past_excel": b'<row r="1"><c r="A1048577"><v>1</v></c></row>',
    "row_attribute_not_a_number": b'<row r="inf"><c r="A1"><v>1</v></c></row>',
    "invalid_character_reference": b'<row r="1"><c r="A1" t="inlineStr"><is><t>&#0;</t></is></c></row>',
}


@pytest.mark.parametrize("name", list(REFUSALS), ids=list(REFUSALS))
def test_refusals_match(name: str) -> None:
    data = sheet(REFUSALS[name])
    with pytest.raises(InputError) as by_tree:
        tree(data)
    with pytest.raises(InputError) as by_reader:
        _parse_sheet(data, "表", STRINGS, FORMATS, PATH, MEMORY)
    assert str(by_reader.value) == str(by_tree.value)


def test_truncated_sheet_is_refused_not_read_in_part() -> None:
    data = sheet(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>')
    cut = data[: data.index(b'<row r="2"')]
    assert fast(cut) is None
    with pytest.raises(InputError, match="不是有效的 XML"):
        _parse_sheet(cut, "表", STRINGS, FORMATS, PATH, MEMORY)


# --- whole workbooks ---------------------------------------------------------------------------


def _sheets(path: Path) -> list[tuple[str, bytes, list[str], list[str | None]]]:
    from sheetperf.xlsx.book import _cell_formats, _shared_strings

    out = []
    with open_xlsx(path) as book:
        strings = _shared_strings(book.archive, book.path)
        formats = _cell_formats(book.archive, book.path, BookMemory())
        for name, part in zip(book.sheet_names, book._sheet_parts, strict=True):
            out.append((name, _read_member(book.archive, part, book.path), strings, formats))
    return out


def _assert_paths_agree(path: Path) -> int:
    count = 0
    for name, data, strings, formats in _sheets(path):
        scanned = _scan_sheet(data, name, strings, formats, path, MEMORY)
        assert scanned is not None, f"{path.name}/{name}: written by a common writer, meant for the scanner"
        expected = _parse_sheet_tree(data, name, strings, formats, path, MEMORY)
        assert same(scanned, expected), f"{path.name}/{name}"
        count += 1
    return count


SHIPPED = sorted((REPO / "samples").glob("*.xlsx")) + sorted((REPO / "templates").glob("*.xlsx"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_workbooks_read_the_same_both_ways(path: Path) -> None:
    assert _assert_paths_agree(path) >= 1


def test_hand_built_forms_read_the_same_both_ways(tmp_path: Path) -> None:
    cases = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((REPO.parent / "shared" / "cases").glob("*.json"))
    ]
    variants = [
        Options(),
        Options(row0=3, col0=2, levels="once", fullwidth_labels=True, number_formats=True, formulas="cached"),
        Options(levels="repeated", spaced_labels=True, numbers_as_text=True, formulas="uncached"),
    ]
    checked = 0
    for i, case in enumerate(cases):
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        builder = build_self_evaluation if case["form"] == "self_evaluation" else build_goal_table
        builder(ws, case, variants[i % len(variants)])
        path = tmp_path / f"hand_{i}.xlsx"
        wb.save(path)
        checked += _assert_paths_agree(path)
    assert checked == len(cases)


def test_excel_saved_shape_reads_the_same_both_ways() -> None:
    """Excel's own attributes: ``mc:Ignorable``, ``x14ac:dyDescent``, ``spans``, ``cm``, an extLst after the data."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet ' + NS + b' xmlns:r="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-'
        b'compatibility/2006" mc:Ignorable="x14ac" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/'
        b'2009/9/ac"><dimension ref="A1:C2"/>'
    )
    cells = (
        b'<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" s="1" t="s"><v>0</v></c>'
        b'<c r="B1" s="2"><f>C1*2</f><v>196</v></c><c r="C1" cm="1"><v>98</v></c></row>'
    )
    data = sheet(cells, head=head).replace(
        b"</worksheet>", b'<extLst><ext uri="{x}" xmlns:x14="urn:x14"><x14:id>1</x14:id></ext></extLst></worksheet>'
    )
    scanned = fast(data)
    assert scanned is not None and same(scanned, tree(data))


# --- generated contents ------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from(list("项目名称 <>&\"'\r\n\t;#=_x0D0A123.%（）：")), min_size=1, max_size=12)
_VALUE = st.one_of(
    _TEXT.filter(lambda t: t.strip() != "" and not t.startswith("=")),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(-(10**6), 10**6),
    st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(_VALUE, min_size=1, max_size=12), formula=_TEXT)
def test_generated_cells_read_the_same_both_ways(values: list[str | float | bool], formula: str) -> None:
    """Random contents written by openpyxl (inline strings) and by xlsxwriter (shared strings)."""
    quoted = formula.replace('"', '""')
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for i, value in enumerate(values):
        ws.cell(row=i + 1, column=1 + i % 3, value=value)
    ws.cell(row=1, column=5, value=f'=LEN("{quoted}")')
    first = io.BytesIO()
    wb.save(first)

    second = io.BytesIO()
    book = xlsxwriter.Workbook(second, {"in_memory": True})
    sheet_ = book.add_worksheet()
    percent = book.add_format({"num_format": "0.00%"})
    for i, value in enumerate(values):
        if isinstance(value, str):
            sheet_.write_string(i, i % 3, value)
        else:
            sheet_.write(i, i % 3, value, percent if i % 2 else None)
    sheet_.write_formula(0, 4, f'=LEN("{quoted}")', None, len(formula))
    book.close()

    for blob in (first, second):
        blob.seek(0)
        with zipfile.ZipFile(blob) as zf:
            data = zf.read("xl/worksheets/sheet1.xml")
            strings_xml = zf.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in zf.namelist() else None
        strings: list[str] = []
        if strings_xml is not None:
            from sheetperf.xlsx.book import _shared_strings

            with zipfile.ZipFile(blob) as zf:
                strings = _shared_strings(zf, PATH)
        scanned = _scan_sheet(data, "S", strings, FORMATS, PATH, MEMORY)
        assert scanned is not None
        assert same(scanned, _parse_sheet_tree(data, "S", strings, FORMATS, PATH, MEMORY))


# --- rows remembered between workbooks ----------------------------------------------------------

ROWS = (
    b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>0.5</v></c></row>'
    b'<row r="2"><c r="A2"><f>B1*2</f><v></v></c><c r="B2" t="inlineStr"><is><t>&#36130;</t></is></c></row>'
    b'<row r="3"><c r="A3"><f t="shared" ref="A3:A4" si="0">B3+1</f><v>1</v></c></row>'
    b'<row r="4"><c r="A4"><f t="shared" si="0"/><v>1</v></c></row>'
)


def _read_repeatedly(data: bytes, strings: list[str], formats: list[str | None], times: int = 3) -> list[Grid]:
    out = []
    for _ in range(times):
        grid = _scan_sheet(data, "S", strings, formats, PATH, MEMORY)
        assert grid is not None
        out.append(grid)
    return out


def test_rows_read_again_from_memory_equal_the_first_read() -> None:
    data = sheet(ROWS)
    first, second, third = _read_repeatedly(data, STRINGS, FORMATS)
    expected = _parse_sheet_tree(data, "S", STRINGS, FORMATS, PATH, MEMORY)
    for grid in (first, second, third):
        assert same(grid, expected)
    assert third.cells[(3, 0)].formula == "=B4+1"  # the dependent of a shared formula, shifted


def test_remembered_rows_follow_each_workbooks_strings_and_formats() -> None:
    """Identical row bytes, other shared strings or number formats: other values."""
    data = sheet(ROWS)
    _read_repeatedly(data, STRINGS, FORMATS)
    other_strings = ["另一个名称", *STRINGS[1:]]
    other_formats: list[str | None] = [None, "0.0", None]
    grid = _scan_sheet(data, "S", other_strings, other_formats, PATH, MEMORY)
    assert grid is not None
    assert same(grid, _parse_sheet_tree(data, "S", other_strings, other_formats, PATH, MEMORY))
    assert grid.cells[(0, 0)].value == "另一个名称" and grid.cells[(0, 1)].fmt == "0.0"
    stale = _scan_sheet(data, "S", STRINGS, FORMATS, PATH, MEMORY, trust_cache=False)
    assert stale is not None and same(
        stale, _parse_sheet_tree(data, "S", STRINGS, FORMATS, PATH, MEMORY, trust_cache=False)
    )


@pytest.mark.parametrize(
    "cells",
    [
        b'<row r="1"><c r="A1"><v>1</v></c><row r="2"><c r="A2"><v>2</v></c></row></row>',
        b'<row r="1"><c r="A1"><v>1</v></c>',
        b'<c r="A1"><v>1</v></c><row r="2"><c r="A2"><v>2</v></c></row>',
    ],
    ids=["row_inside_row", "row_never_closed", "cell_outside_rows"],
)
def test_rows_that_do_not_nest_cleanly_go_to_lxml(cells: bytes) -> None:
    data = sheet(cells)
    assert fast(data) is None


def test_row_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are kept on their second sighting only, and the memory is dropped at its byte cap."""
    import sheetperf.xlsx.book as xlsx_module

    memory = BookMemory()
    monkeypatch.setattr(xlsx_module, "_ROW_CACHE_BYTES", 300)
    rows = [b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><f>A%d*2</f></c></row>' % ((i,) * 5) for i in range(1, 7)]
    data = sheet(b"".join(rows))
    _scan_sheet(data, "表", STRINGS, FORMATS, PATH, memory)
    assert not memory.rows  # seen once: nothing kept
    _scan_sheet(data, "表", STRINGS, FORMATS, PATH, memory)
    kept = sum(len(key[2]) for key in memory.rows)
    assert memory.rows and kept <= 300
    grid = _scan_sheet(data, "表", STRINGS, FORMATS, PATH, memory)
    assert grid is not None and same(grid, tree(data))
    # A new batch remembers nothing: the memory belongs to the batch, not the module.
    assert not BookMemory().rows and not BookMemory().row_seen


# --- the formula-only ends of rows (a template's helper columns) ------------------------------


def _helper_row(number: int, head: bytes, helpers: list[bytes]) -> bytes:
    """A filled template's row: its own first cells, then hidden helper formulas."""
    cols = ["K", "L", "M", "N", "O", "P"]
    tail = b"".join(
        b'<c r="%s%d" s="1"><f>%s</f><v></v></c>' % (c.encode(), number, f) for c, f in zip(cols, helpers, strict=False)
    )
    return b'<row r="%d" spans="1:16">' % number + head + tail + b"</row>"


HELPERS = [b'IF(A%d&lt;&gt;"",1,0)', b"K%d*2", b"L%d+1", b"TRIM(A%d)", b"LEN(N%d)", b'O%d&amp;"x"']


def _helper_sheet(values: tuple[bytes, bytes], helpers: list[bytes] = HELPERS) -> bytes:
    rows = [
        _helper_row(n, b'<c r="A%d" t="s"><v>%s</v></c><c r="B%d"><v>%s</v></c>' % (n, values[0], n, values[1]),
                    [h % n if b"%d" in h else h for h in helpers])
        for n in (13, 14)
    ]  # fmt: skip
    return sheet(b"".join(rows))


def _learned_memory() -> BookMemory:
    """A batch's memory that has met the helper sheet twice (and so knows its row ends)."""
    memory = BookMemory()
    for _ in range(2):
        _scan_sheet(_helper_sheet((b"0", b"1")), "表", STRINGS, FORMATS, PATH, memory)
    assert memory.tails
    return memory


def test_row_ends_met_before_read_as_a_full_scan_reads_them() -> None:
    """A row whose head changed but whose helper formulas are the bytes of a row met before:
    only the head is scanned, and the grid is the one lxml reads."""
    memory = BookMemory()
    first = _helper_sheet((b"0", b"1"))
    grid = _scan_sheet(first, "表", STRINGS, FORMATS, PATH, memory)
    assert grid is not None and same(grid, tree(first))
    assert not memory.tails  # the first sheet a memory sees teaches nothing (a lone workbook)
    grid = _scan_sheet(first, "表", STRINGS, FORMATS, PATH, memory)
    assert grid is not None and same(grid, tree(first))
    assert memory.tails  # learned from the second copy
    second = _helper_sheet((b"2", b"99.5"))
    again = _scan_sheet(second, "表", STRINGS, FORMATS, PATH, memory)
    assert again is not None and same(again, tree(second))
    assert again.cells[(12, 0)].value == "a&b" and again.cells[(12, 1)].value == 99.5
    assert again.cells[(12, 11)].formula == "=K13*2"


def test_a_changed_helper_formula_is_read_as_it_is_after_the_template_was_learned() -> None:
    """One byte changed in a remembered row end (a department edited a helper): scanned, not remembered."""
    memory = _learned_memory()
    tampered = [HELPERS[0], b"K%d*3", *HELPERS[2:]]
    data = _helper_sheet((b"1", b"2"), tampered)
    grid = _scan_sheet(data, "表", STRINGS, FORMATS, PATH, memory)
    assert grid is not None and same(grid, tree(data))
    assert grid.cells[(12, 11)].formula == "=K13*3" and grid.cells[(13, 11)].formula == "=K14*3"
    # A helper given a cached value (saved by a spreadsheet program) is read with it.
    saved = _helper_sheet((b"0", b"1")).replace(b"<f>K13*2</f><v></v>", b"<f>K13*2</f><v>4</v>")
    grid = _scan_sheet(saved, "表", STRINGS, FORMATS, PATH, memory)
    assert grid is not None and same(grid, tree(saved)) and grid.cells[(12, 11)].value == 4


def test_row_end_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import sheetperf.xlsx.book as xlsx_module

    memory = BookMemory()
    monkeypatch.setattr(xlsx_module, "_ROW_CACHE_BYTES", 400)
    for version in range(5):  # five template versions: at most two ends per row, within the cap
        helpers = [h.replace(b"*2", b"*%d" % (version + 2)) for h in HELPERS]
        data = _helper_sheet((b"0", b"1"), helpers)
        grid = _scan_sheet(data, "表", STRINGS, FORMATS, PATH, memory)
        assert grid is not None and same(grid, tree(data))
        assert memory.tail_bytes <= 400
        assert all(len(known) <= 2 for known in memory.tails.values())
        assert memory.tail_bytes == sum(len(t[0]) for known in memory.tails.values() for t in known)


def test_a_remembered_row_end_in_a_later_row_is_not_taken_for_this_rows_end() -> None:
    """Row 13 closes before the bytes of its remembered end appear (in a malformed later row)."""
    memory = _learned_memory()
    learned = _helper_row(13, b"", [h % 13 if b"%d" in h else h for h in HELPERS])
    tail = learned[learned.index(b'<c r="K13"') :]
    data = sheet(b'<row r="13"><c r="A13"><v>5</v></c></row><row r="14"><c r="A14"><v>6</v></c>' + tail)
    grid = _scan_sheet(data, "表", STRINGS, FORMATS, PATH, memory)
    assert grid is None or same(grid, tree(data))
    short = sheet(b'<row r="13"><c r="A13"><v>5</v></c></row>')
    grid = _scan_sheet(short, "表", STRINGS, FORMATS, PATH, memory)
    assert grid is not None and same(grid, tree(short)) and set(grid.cells) == {(12, 0)}


def test_a_long_head_before_a_remembered_row_end_still_reads_whole() -> None:
    """A row whose own cells are longer than the window the end is looked for in."""
    memory = _learned_memory()
    long_text = "长" * 9_000
    head = f'<c r="A13" t="inlineStr"><is><t>{long_text}</t></is></c>'.encode()
    data = sheet(_helper_row(13, head, [h % 13 if b"%d" in h else h for h in HELPERS]))
    grid = _scan_sheet(data, "表", STRINGS, FORMATS, PATH, memory)
    assert grid is not None and same(grid, tree(data)) and grid.cells[(12, 0)].value == long_text


SST_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst ' + NS + b' count="3" uniqueCount="3">'
SST_CASES = {
    "plain": b"<si><t>\xe9\xa1\xb9\xe7\x9b\xae</t></si><si><t/></si><si><t>a</t></si>",
    "entities": b"<si><t>&lt;&gt;&amp;&quot;&apos;</t></si><si><t>&#36130;&#x653F;</t></si>",
    "preserved": b'<si><t xml:space="preserve">  a  </t></si><si><t>a_x000D_b</t></si>',
    "escaped_surrogates": b"<si><t>_xD83D__xDE00_ x</t></si>",
    "rich_runs": b"<si><r><t>a</t></r><r><rPr><b/></rPr><t>b</t></r></si><si><t>c</t></si>",
    "phonetic": b'<si><t>a</t><rPh sb="0" eb="1"><t>x</t></rPh></si>',
    "libreoffice_runs": (
        b'<si><r><rPr><sz val="10"/><rFont val="\xe5\xae\x8b\xe4\xbd\x93"/><family val="2"/>'
        b'<charset val="134"/></rPr><t xml:space="preserve">\xe9\xa1\xb9 </t></r><r><rPr/><t>b</t></r></si>'
    ),
    "escape_across_runs": b"<si><r><t>a_x00</t></r><r><t>0D_b</t></r></si>",
    "text_inside_run_format": b"<si><r><rPr><t>hidden</t></rPr><t>shown</t></r></si>",
    "crlf": b"<si><t>line\r\nnext</t></si>",
    "comment": b"<si><t>a</t></si><!-- c --><si><t>b</t></si>",
}


@pytest.mark.parametrize("name", list(SST_CASES), ids=list(SST_CASES))
def test_shared_strings_read_the_same_by_the_scanner_and_lxml(name: str) -> None:
    data = SST_HEAD + SST_CASES[name] + b"</sst>"
    expected = [xlsx_book._si_text(si) for si in xlsx_book._xml(data, "sst", PATH).iterchildren(xlsx_book._TAG_SI)]
    scanned = xlsx_book._scan_strings(data)
    assert scanned is None or scanned == expected
    if name in (
        "plain",
        "entities",
        "preserved",
        "escaped_surrogates",
        "rich_runs",
        "libreoffice_runs",
        "escape_across_runs",
    ):
        assert scanned == expected  # the plain shapes take the fast path
    other_namespace = data.replace(NS, b'xmlns="urn:other"')
    assert xlsx_book._scan_strings(other_namespace) is None
