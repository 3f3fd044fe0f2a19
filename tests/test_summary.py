"""The summary workbook's tables streamed a row at a time (io/rowsheet.py, services/summary.py).

:class:`sheetperf.io.rowsheet.RowSheet` renders a whole row's XML instead of xlsxwriter's cell
by cell calls.  Every test here writes the same rows both ways — streamed, and through plain
``write_string``/``write_number`` (``SummaryWriter(stream_rows=False)``) — and compares the
workbooks member by member after unzipping, only the creation date (xlsxwriter's clock) set
aside: cells, types, style indexes, row heights, column widths, autofilter, panes, print
setup, defined names and styles are the same bytes.
"""

from __future__ import annotations

import math
import re
import shutil
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from sheetperf.io.rowsheet import RowSheet, cell_text, markup_shaped
from sheetperf.io.writer import write_text
from sheetperf.services import summary
from sheetperf.services.columns import Column
from sheetperf.services.consolidate import consolidate
from sheetperf.services.summary import SummaryWriter, sheet_keys
from sheetperf.xlsx.limits import MAX_CELL_CHARS

GRADES = ("优", "良", "中", "差")
POSSIBILITIES = ("确定能", "有可能", "不可能")
_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")


def _markup_after_cut() -> str:
    """A text that is rich-string markup only once cut to Excel's 32,767 UTF-16 units: 16,768
    characters (no cut by the table), 32,768 UTF-16 units (cut by xlsxwriter's rule)."""
    inner = "😀" * 16_000 + "x" * (32_767 - 7 - 32_000)
    return "<r>" + inner + "</r>" + "z"


#: Texts a return may hold, by the quirk they test.
AWKWARD: dict[str, str] = {
    "formula": '=HYPERLINK("http://example.com","点我")',
    "plus-minus-at": "+1-2 @SUM(A1) -3",
    "rich-markup": "<r><t>x</t></r>",
    "rich-markup-closing-the-cell": '<r></t></is></c><c r="Z1"><f>1+1</f></c><c t="inlineStr"><is><r>',
    "markup-and-entities": "<b>加粗</b> &amp; & < > \"引号\" 'single'",
    "control-characters": "a\x01b\x08c\x0bd\x0ce\x1ff\rg",
    "excel-escapes": "_x0041_ _x00e9_ _xD800_ _x12_",
    "noncharacters": "\ufffe\uffff",
    "lone-surrogates": "报告\udcc4\udce3.xlsx",
    "astral": "😀𠀀𪚥",
    "over-the-cell-limit": "长" * (MAX_CELL_CHARS + 5),
    "over-the-limit-in-utf16": "😀" * 20_000,
    "markup-after-the-cut": _markup_after_cut(),
    "leading-trailing-spaces": "  前后空格  ",
    "ideographic-space": "\u3000全角空格",
    "leading-tab": "\t制表符",
    "trailing-newline": "一行\n",
    "only-a-space": " ",
    "lines": "第一行\n第二行\n第三行",
    "cjk-fullwidth": "项目支出绩效自评表（２０２３年度）％＞",
    "number-as-text": "001234",
    "exponent-as-text": "1e5",
    "long-wrapped": "很长的偏差原因分析文字，" * 120,
    "ascii-path": "C:/returns/2024/dept-07/self_evaluation-final (2).xlsx",
}

#: Figures in number columns, by the quirk they test (NaN and ±inf: xlsxwriter's error cells).
FIGURES: dict[str, float | int] = {
    "int": 7,
    "negative-zero": -0.0,
    "two-decimals": 99.13,
    "tiny": 1e-300,
    "huge-int": 12345678901234567890,
    "nan": math.nan,
    "inf": math.inf,
    "minus-inf": -math.inf,
}


def _row(columns: Sequence[Column], n: int, text: str | None, figure: Any) -> list[Any]:
    """A row of ``columns``: ``text`` in text columns (every other one a plain text), ``figure``
    in number columns, a number in every third mixed column, some cells empty."""
    values: list[Any] = []
    for i, column in enumerate(columns):
        if column.key == "projects":  # 主管部门统计's project count scales its chart's axis
            values.append(n)
        elif (i + n) % 7 == 6:
            values.append(None if i % 2 else "")
        elif column.kind == "text":
            values.append(text if text is not None and i % 2 == 0 else f"项目{n}-{column.key}")
        elif column.kind == "mixed":
            values.append(figure if i % 3 == 0 else (text or "说明"))
        else:
            values.append(figure)
    return values


def _unzipped(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {name: _DATES.sub(rb"\1", book.read(name)) for name in book.namelist()}


def _assert_same_workbook(streamed: Path, plain: Path) -> None:
    a, b = _unzipped(streamed), _unzipped(plain)
    assert list(a) == list(b)
    for name in a:
        if a[name] != b[name]:
            first = next(
                i for i in range(min(len(a[name]), len(b[name])) + 1) if a[name][i : i + 1] != b[name][i : i + 1]
            )
            raise AssertionError(
                f"{name} differs at byte {first}:\n{a[name][first - 200 : first + 200]!r}\n"
                f"{b[name][first - 200 : first + 200]!r}"
            )


def _write_summary(path: Path, *, stream: bool, feed: Callable[[SummaryWriter], None], manifest: bool) -> Path:
    writer = SummaryWriter(
        path, grades=GRADES, possibilities=POSSIBILITIES, manifest=manifest, shown_projects=None, stream_rows=stream
    )
    with writer:
        feed(writer)
        writer.close()
    return path


def _both(tmp_path: Path, feed: Callable[[SummaryWriter], None], *, manifest: bool = False) -> tuple[Path, Path]:
    streamed = _write_summary(tmp_path / "streamed.xlsx", stream=True, feed=feed, manifest=manifest)
    plain = _write_summary(tmp_path / "plain.xlsx", stream=False, feed=feed, manifest=manifest)
    return streamed, plain


@pytest.mark.parametrize("text", list(AWKWARD.values()), ids=list(AWKWARD))
def test_an_awkward_text_is_written_as_xlsxwriter_writes_it(tmp_path: Path, text: str) -> None:
    def feed(writer: SummaryWriter) -> None:
        # Tables interleaved as consolidate interleaves them (a style index is given when a
        # row is flushed: the order of first use must be xlsxwriter's).
        for n in range(1, 5):
            for key in sheet_keys(manifest=True):
                columns = writer.tables[key].columns
                writer.add(key, _row(columns, n, text if n % 2 else None, 10.5 * n))

    streamed, plain = _both(tmp_path, feed, manifest=True)
    _assert_same_workbook(streamed, plain)


@pytest.mark.parametrize("figure", list(FIGURES.values()), ids=list(FIGURES))
def test_a_figure_is_written_as_xlsxwriter_writes_it(tmp_path: Path, figure: float | int) -> None:
    def feed(writer: SummaryWriter) -> None:
        for n in range(1, 4):
            for key in sheet_keys(manifest=False):
                writer.add(key, _row(writer.tables[key].columns, n, None, figure if n == 2 else n))

    streamed, plain = _both(tmp_path, feed)
    _assert_same_workbook(streamed, plain)


def test_an_integer_beyond_a_float_is_refused_both_ways(tmp_path: Path) -> None:
    """As xlsxwriter refuses it: no path writes a figure no spreadsheet can hold."""
    for stream in (True, False):
        with pytest.raises(OverflowError):
            _write_summary(
                tmp_path / f"{stream}.xlsx",
                stream=stream,
                feed=lambda writer: writer.add("files", _row(writer.tables["files"].columns, 1, None, 10**309)),
                manifest=False,
            )
        assert not (tmp_path / f"{stream}.xlsx").exists()


def test_every_awkward_text_in_one_table_reads_back(tmp_path: Path) -> None:
    """Many rows, some streamed and some left to xlsxwriter (markup, NaN) between them: the same
    workbook, and each text reads back as the cell holds it (no markup, no formula, no extra cell)."""
    texts = [t for t in AWKWARD.values() if len(t) <= MAX_CELL_CHARS]
    written: list[list[Any]] = []

    def feed(writer: SummaryWriter) -> None:
        written.clear()
        for n, text in enumerate(texts * 3, start=1):
            for key in ("indicators", "findings"):
                figure = math.nan if n % 5 == 0 else n / 3
                row = _row(writer.tables[key].columns, n, text, figure)
                writer.add(key, row)
            written.append(row)

    streamed, plain = _both(tmp_path, feed)
    _assert_same_workbook(streamed, plain)
    book = openpyxl.load_workbook(streamed)
    sheet = book[summary.SUMMARY_SHEETS["findings"]]
    columns = [c.key for c in summary.FINDING_COLUMNS]
    checked = 0
    for n, row in enumerate(written, start=1):
        for col, value in enumerate(row):
            if not isinstance(value, str) or "_x" in value or "\ufffe" in value:
                continue  # Excel's _xHHHH_ escapes: openpyxl leaves them as written
            if any(ord(ch) < 32 and ch not in "\t\n" for ch in value):
                continue
            assert sheet.cell(row=n + 1, column=col + 1).value == (cell_text(value) or None), (n, col, value[:40])
            checked += 1
    assert checked > len(written) * 3
    assert sheet.max_column == len(columns)
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    nan_rows = {n + 1 for n in range(1, len(texts) * 3 + 1) if n % 5 == 0}
    assert {int(re.sub(r"\D", "", a1)) for a1 in formulas} <= nan_rows  # only the NaN error cells


def test_the_samples_summary_is_the_same_streamed_or_cell_by_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """consolidate on the shipped samples (self-evaluations, a goal table, monitoring returns)."""
    folder = tmp_path / "samples"
    shutil.copytree(REPO / "samples", folder, ignore=shutil.ignore_patterns("records", "*.csv"))
    streamed_rows: list[bool] = []
    stream_row = RowSheet.stream_row

    def counted(sheet: RowSheet, row: int, values: Sequence[Any], height: float | None = None) -> bool:
        streamed_rows.append(stream_row(sheet, row, values, height))
        return streamed_rows[-1]

    monkeypatch.setattr(RowSheet, "stream_row", counted)
    consolidate([folder], tmp_path / "streamed.xlsx", jobs=1)
    assert len(streamed_rows) > 50 and all(streamed_rows)  # every row of the samples streamed

    class CellByCell(SummaryWriter):
        def __init__(self, output: Path, **options: Any) -> None:
            super().__init__(output, **options, stream_rows=False)

    monkeypatch.setattr(summary, "SummaryWriter", CellByCell)
    consolidate([folder], tmp_path / "plain.xlsx", jobs=1)
    _assert_same_workbook(tmp_path / "streamed.xlsx", tmp_path / "plain.xlsx")


def _sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as book:
        return book.read("xl/worksheets/sheet1.xml")


CellsOf = list[tuple[int, Any]]


def _bare(path: Path, rows: Sequence[tuple[int, CellsOf, float | None]], *, stream: bool) -> Path:
    """``rows`` (row, [(column, value)], height) on one sheet of a constant_memory workbook,
    streamed where ``stream`` (each refused row written cell by cell), else cell by cell."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "nan_inf_to_errors": True})
    sheet = book.add_worksheet("表", worksheet_class=RowSheet if stream else None)
    styles = [book.add_format({"num_format": "0.00"}), book.add_format({"text_wrap": True}), book.add_format({})]
    width = max(col for _, cells, _ in rows for col, _ in cells) + 1 if any(cells for _, cells, _ in rows) else 1
    formats = [(styles[col % 3], styles[(col + 1) % 3]) for col in range(width)]
    if stream:
        sheet.stream_formats(formats)
    for row, cells, height in rows:
        values: list[Any] = [None] * width
        for col, value in cells:
            values[col] = value
        if not (stream and sheet.stream_row(row, values, height)):
            for col, value in cells:
                number_format, text_format = formats[col]
                if isinstance(value, str):
                    write_text(sheet, row, col, value, text_format)
                else:
                    sheet.write_number(row, col, value, number_format)
            if height is not None:
                sheet.set_row(row, height)
    book.close()
    return path


BARE_CASES: dict[str, list[tuple[int, CellsOf, float | None]]] = {
    "first-row-zero": [(0, [(0, "甲"), (1, 1.5)], None), (1, [(0, "乙")], 30.0)],
    "gaps-and-heights": [
        (2, [(1, "a"), (4, 2)], 45.0),
        (7, [(0, " b "), (3, "<r>c</r>")], None),
        (9, [(2, 3.25)], 0.0),
    ],
    "nan-between": [(1, [(0, "x")], None), (2, [(0, math.nan), (1, "y")], 20.0), (3, [(0, "z"), (2, math.inf)], None)],
    "empty-string": [(1, [(0, ""), (1, "b")], None), (2, [(2, "")], 15.0)],
    "zeros": [(1, [(0, 0), (1, -0.0), (2, 0.0)], None), (2, [(0, -0.0), (1, 0), (2, 1)], None), (3, [(0, 1.0)], None)],
    "empty-rows": [(1, [], 30.0), (2, [(5, "f")], None), (3, [], None)],
    "last-column": [(1, [(16_383, "XFD")], None), (2, [(16_384, "beyond")], None)],
    "last-row": [(1_048_575, [(0, "末行")], None)],
    "bool-and-text": [(1, [(0, True), (1, "t")], None)],
    "rows-going-back": [(3, [(0, "c")], None), (2, [(0, "b")], None), (3, [(1, "c2")], None)],
    "held-row-rewritten": [(1, [(0, "a")], None), (2, [(0, "b"), (2, 2.5)], 40.0), (2, [(0, "b2"), (1, 7)], None)],
}


@pytest.mark.parametrize("rows", list(BARE_CASES.values()), ids=list(BARE_CASES))
def test_stream_row_writes_what_xlsxwriter_writes(
    tmp_path: Path, rows: list[tuple[int, CellsOf, float | None]]
) -> None:
    streamed = _bare(tmp_path / "streamed.xlsx", rows, stream=True)
    plain = _bare(tmp_path / "plain.xlsx", rows, stream=False)
    _assert_same_workbook(streamed, plain)


@pytest.mark.parametrize(
    ("text", "refused"),
    [("<r>x</r>", True), ("<r>x", False), ("x</r>", False), ("\ud800<r>x</r>", False), ("a", False)],
    ids=["markup", "open-only", "close-only", "surrogate-first", "plain"],
)
def test_stream_row_leaves_markup_to_xlsxwriter(tmp_path: Path, text: str, refused: bool) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "b.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet("s", worksheet_class=RowSheet)
    fmt = book.add_format({})
    sheet.stream_formats([(fmt, fmt)])
    assert sheet.stream_row(1, [text]) is not refused
    assert markup_shaped(cell_text(text)) is refused
    book.close()


def test_stream_row_refuses_without_constant_memory_or_formats(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "b.xlsx"))
    sheet = book.add_worksheet("s", worksheet_class=RowSheet)
    assert sheet.stream_row(1, ["a"]) is False  # no formats given
    fmt = book.add_format({})
    sheet.stream_formats([(fmt, fmt)])
    assert sheet.stream_row(1, ["a"]) is False  # shared strings: xlsxwriter's own table
    book.close()


def test_a_text_cut_to_markup_is_not_markup(tmp_path: Path) -> None:
    """write_text guards the text xlsxwriter stores (cut to 32,767 UTF-16 units), not the one given."""
    text = _markup_after_cut()
    assert not markup_shaped(text) and markup_shaped(cell_text(text))
    path = tmp_path / "b.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("s")
    write_text(sheet, 0, 0, text)
    write_text(sheet, 0, 1, "next")
    book.close()
    xml = _sheet_xml(path)
    assert xml.count(b"<c ") == 2 and b"<f>" not in xml
    assert openpyxl.load_workbook(path)["s"]["B1"].value == "next"


#: Pieces that make a text awkward, mixed into random text more often than chance would.
_PIECES = st.sampled_from(
    ["<r>", "</r>", "_x0041_", "_x", "&", "<", " ", "\u3000", "\n", "\r", "\x01", "😀", "\ufffe", "\udcc4", "\ud800"]
)
_TEXTS = st.lists(
    st.one_of(_PIECES, st.text(alphabet=st.characters(exclude_categories=()), max_size=6)), max_size=8
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_TEXTS, min_size=1, max_size=4), figure=st.floats(allow_nan=True, allow_infinity=True))
def test_random_texts_are_written_as_xlsxwriter_writes_them(tmp_path: Path, texts: list[str], figure: float) -> None:
    rows = [(n + 1, [(0, text), (1, figure), (2, text[::-1])], 30.0 if n % 2 else None) for n, text in enumerate(texts)]
    streamed = _bare(tmp_path / "streamed.xlsx", rows, stream=True)
    plain = _bare(tmp_path / "plain.xlsx", rows, stream=False)
    _assert_same_workbook(streamed, plain)
