"""The summary workbook of a consolidation (xlsxwriter), and the same tables as CSV/Parquet.

The tables' columns are declared once in :mod:`sheetperf.services.columns`; the
consolidator builds its rows in that column order and :class:`SummaryWriter`
streams them out (xlsxwriter's ``constant_memory`` mode flushes every row as it
is written, so memory does not grow with the number of rows; a table's row is
rendered in one piece by :class:`sheetperf.io.rowsheet.RowSheet`, the XML
xlsxwriter's cell calls would write) behind a first sheet 总览
(:mod:`sheetperf.services.overview`), written when every row has been seen.
Every sheet prints through :func:`sheetperf.io.tables.print_setup`.

Untrusted text never becomes a formula or markup: every text cell is an inline
string (``RowSheet``, or ``write_string`` through :func:`sheetperf.io.writer.write_text`
for a row it leaves to xlsxwriter), and in CSV a text a spreadsheet would run as a formula is
prefixed with an apostrophe (:func:`sheetperf.io.csvcells.neutralize`).  Every output
is written to a temporary file in its destination folder and renamed over the
destination only when complete.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from sheetperf.io.atomic import Staging, xlsxwriter_options
from sheetperf.io.csvcells import neutralize
from sheetperf.io.rowsheet import RowSheet, RowValue
from sheetperf.io.tables import print_setup
from sheetperf.io.writer import LINE_HEIGHT, text_height, write_text
from sheetperf.services.columns import (
    FILE_COLUMNS,
    FINDING_COLUMNS,
    INDICATOR_COLUMNS,
    MANIFEST_MATCH_COLUMN,
    MISSING_COLUMNS,
    PROJECT_COLUMNS,
    Column,
    Kind,
    column_label,
    department_columns,
    monitoring_columns,
)
from sheetperf.vocab.labels import CONSOLIDATE_MESSAGES, RULE_TITLES, SEVERITY_LABELS, SUMMARY_SHEETS
from sheetperf.vocab.text import display_width, mend_surrogates
from sheetperf.xlsx.limits import MAX_CELL_CHARS
from sheetperf.xlsx.marker import mark_xlsxwriter

if TYPE_CHECKING:
    from sheetperf.services.overview import Overview

#: The tables of every summary, in sheet order after 总览 (and the names of the CSV files).
TABLE_KEYS: Final = ("projects", "indicators", "findings", "files", "departments", "monitoring")
#: Every table a summary may have: 未交回 when a distribution manifest is given.
ALL_TABLE_KEYS: Final = (*TABLE_KEYS, "missing")
#: 项目汇总 keeps its columns up to 项目名称 (主管部门, 项目名称) in view when scrolled right.
FROZEN_THROUGH: Final = "project_name"


def _frozen(shown: Sequence[int] | None) -> int:
    """How many of 项目汇总's shown columns are frozen: those up to and including 项目名称."""
    name = next(i for i, c in enumerate(PROJECT_COLUMNS) if c.key == FROZEN_THROUGH)
    columns = list(range(len(PROJECT_COLUMNS))) if shown is None else list(shown)
    return columns.index(name) + 1 if name in columns else 0


def sheet_keys(*, manifest: bool) -> tuple[str, ...]:
    """The tables of a summary in sheet order (after 总览): 未交回 follows 项目汇总."""
    if not manifest:
        return TABLE_KEYS
    return (TABLE_KEYS[0], "missing", *TABLE_KEYS[1:])


_NUMBER_FORMATS: Final[dict[Kind, str]] = {
    "int": "0",
    "amount": "#,##0.00",
    "rate": "0.00",
    "score": "0.00",
}
# Columns are sized from the first rows only: measuring every cell of a 200,000-row
# sheet would cost more than writing it.
_MEASURED_ROWS: Final = 500
_MAX_WIDTH: Final = 40
#: Height (points) of a row of one line of text in the default font.
_ROW_HEIGHT: Final = 15.0
_WRAP_MARGIN: Final = 0.8
#: Texts whose row height a table remembers at most (then it starts again).
_HEIGHT_MEMO: Final = 20_000
#: text_height of one line of wrapped text: such a row keeps the default height.
_ONE_LINE: Final = LINE_HEIGHT + 6


def integer_step(maximum: float) -> int:
    """A whole-number axis step for counts up to ``maximum``: 1, 2, 5, 10, 20, … with at most
    eight steps (a chart of project counts never shows 0.5)."""
    step, factors = 1, (2, 5 / 2, 2)
    turn = 0
    while maximum / step > 8:
        step = round(step * factors[turn % 3])
        turn += 1
    return step


class _Table:
    """One sheet being streamed, plus its CSV (and Parquet) twins.

    ``columns`` are every column of the table (the rows' order, and the CSV's);
    ``shown`` the indexes of those the sheet shows (项目汇总 leaves out columns that are
    empty for every row of the collection).
    """

    def __init__(
        self,
        key: str,
        columns: tuple[Column, ...],
        sheet: Worksheet,
        formats: dict[Kind, Format | None],
        header: Format,
        wrap: Format,
        *,
        shown: Sequence[int] | None = None,
        frozen_columns: int = 0,
    ) -> None:
        self.key = key
        self.columns = columns
        self.sheet = sheet
        self.shown = list(range(len(columns))) if shown is None else list(shown)
        self.sheet_columns = [columns[i] for i in self.shown]
        self.formats = [wrap if c.wrap else formats.get(c.kind, formats["text"]) for c in self.sheet_columns]
        self.kinds = [c.kind for c in self.sheet_columns]
        self.top = formats["text"]
        self.measured = [c.kind in ("text", "mixed") and not c.wrap for c in self.sheet_columns]
        self.rows = 0
        self.widths = [max(c.width, min(display_width(column_label(c)), 8) + 2) for c in self.sheet_columns]
        self.csv_file: IO[str] | None = None
        self.csv: Any = None
        self.parquet: _ParquetTable | None = None
        sheet.freeze_panes(1, frozen_columns)
        for col, column in enumerate(self.sheet_columns):
            write_text(sheet, 0, col, column_label(column), header)
        sheet.set_row(0, max(text_height(column_label(c), w, minimum=_ROW_HEIGHT) for c, w in zip(
            self.sheet_columns, self.widths, strict=True)))  # fmt: skip
        self.wrapped = [c.wrap for c in self.sheet_columns]
        # What each row needs of each shown column, worked out once: (sheet column, index in
        # the row, whether a number is written as one, wrapped, measured for its width).
        self._plan = [
            (col, index, kind != "text", wrapped, measured)
            for col, (index, kind, wrapped, measured) in enumerate(
                zip(self.shown, self.kinds, self.wrapped, self.measured, strict=True)
            )
        ]
        # The format of a number and of a text in each column (a text in a 混合 column is
        # top-aligned text, its number the column's).
        self._cell_formats = [(fmt, fmt if kind != "mixed" else self.top) for fmt, kind in zip(
            self.formats, self.kinds, strict=True)]  # fmt: skip
        # A row is streamed in one piece where the sheet can (io.rowsheet), else cell by cell.
        self._stream = isinstance(sheet, RowSheet)
        if isinstance(sheet, RowSheet):
            sheet.stream_formats(self._cell_formats)
        self._heights: list[dict[str, float]] = [{} for _ in self.sheet_columns]  # per column
        self._remembered = 0  # texts in self._heights

    def add(self, row: Sequence[Any]) -> list[tuple[int, int]]:
        """Write one row; the (column, length) of every text cut to fit a cell."""
        cut: list[tuple[int, int]] = []
        self.rows += 1
        r = self.rows
        measure = r <= _MEASURED_ROWS
        heights = self._heights
        height = _ROW_HEIGHT
        cells: list[RowValue] = []  # the sheet's row: a value a column, None for no cell
        append = cells.append
        for col, index, numeric, wrapped, measured in self._plan:
            value = row[index]
            if value is None:
                append(None)
                continue
            value_type = type(value)
            if numeric and (value_type is float or value_type is int):
                append(value)
                continue
            text = value if value_type is str else str(value)
            if not text:
                append(None)
                continue
            if len(text) > MAX_CELL_CHARS:
                cut.append((index, len(text)))
                mark = CONSOLIDATE_MESSAGES["cut_mark"].format(count=len(text))
                text = text[: MAX_CELL_CHARS - len(mark)] + mark
            append(text)
            if wrapped:
                needed = heights[col].get(text)
                if needed is None:
                    needed = self._height(col, text)
                if needed > height:
                    height = needed
            elif measure and measured:
                width = min(display_width(text) + 2, _MAX_WIDTH)
                if width > self.widths[col]:
                    self.widths[col] = width
        sheet = self.sheet
        # Wrapped text shown whole (no program fits rows on opening).
        tall = height if height > _ONE_LINE else None
        if not (self._stream and sheet.stream_row(r, cells, tall)):
            for col, value in enumerate(cells):
                if value is None:
                    continue
                number_format, text_format = self._cell_formats[col]
                if type(value) is str:
                    write_text(sheet, r, col, value, text_format)
                else:
                    sheet.write_number(r, col, value, number_format)
            if tall is not None:
                sheet.set_row(r, tall)
        if self.csv is not None:
            self.csv.writerow(["" if v is None else neutralize(v) for v in row])
        if self.parquet is not None:
            self.parquet.add(row)
        return cut

    def _height(self, col: int, text: str) -> float:
        """The row height ``text`` needs in wrapped column ``col`` (remembered: names, files and
        departments repeat on every indicator and finding row)."""
        if self._remembered >= _HEIGHT_MEMO:
            for known in self._heights:
                known.clear()
            self._remembered = 0
        # A path or a code wraps only at its punctuation: lines are estimated a little
        # narrower than the column so the last one is never cut.
        height = self._heights[col][text] = text_height(text, self.widths[col] * _WRAP_MARGIN, minimum=_ROW_HEIGHT)
        self._remembered += 1
        return height

    def finish(self, *, breaks: Sequence[int] = ()) -> None:
        for col, width in enumerate(self.widths):
            self.sheet.set_column(col, col, width, self.formats[col])
        self.sheet.autofilter(0, 0, max(self.rows, 1), len(self.sheet_columns) - 1)
        print_setup(self.sheet, self.widths, breaks=breaks)


class _ParquetTable:
    """Rows buffered into record batches of a fixed schema (pyarrow)."""

    BATCH: Final = 20_000

    def __init__(self, path: Path, columns: tuple[Column, ...]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        types = {"text": pa.string(), "mixed": pa.string(), "int": pa.int64()}
        self.schema = pa.schema([(column_label(c), types.get(c.kind, pa.float64())) for c in columns])
        self.kinds = [c.kind for c in columns]
        self.writer = pq.ParquetWriter(str(path), self.schema)
        self.buffer: list[list[Any]] = [[] for _ in columns]

    def add(self, row: Sequence[Any]) -> None:
        for values, kind, value in zip(self.buffer, self.kinds, row, strict=True):
            if value is None or value == "":
                values.append(None)
            elif kind in ("text", "mixed"):
                values.append(mend_surrogates(str(value)))
            elif kind == "int":
                values.append(int(value))
            else:
                values.append(float(value))
        if len(self.buffer[0]) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self.buffer[0]:
            batch = self._pa.record_batch(self.buffer, schema=self.schema)
            self.writer.write_batch(batch)
            self.buffer = [[] for _ in self.kinds]

    def close(self) -> None:
        self.flush()
        self.writer.close()


def parquet_available() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


class SummaryWriter:
    """Streams the summary tables into one workbook (and CSV/Parquet files).

    Write rows with :meth:`add` in any interleaving of tables, then :meth:`close`,
    which writes the 总览 sheet, draws the charts and renames every temporary file
    into place; on an exception call :meth:`abort` (the context manager does) and
    nothing is left behind.

    ``shown_projects``: the indexes of :data:`PROJECT_COLUMNS` the 项目汇总 sheet shows
    (default all; the CSV always has all); ``manifest``: a distribution manifest was
    given, so 文件清单 has its 分发清单 column and the 未交回 sheet is written;
    ``stream_rows``: the tables' rows are streamed in one piece each
    (:class:`sheetperf.io.rowsheet.RowSheet`); False writes every cell through xlsxwriter's
    own calls, the same workbook more slowly (the reference ``tests/test_summary.py`` holds the
    streamed one to).
    """

    def __init__(
        self,
        output: Path,
        *,
        grades: Sequence[str],
        csv_dir: Path | None = None,
        shown_projects: Sequence[int] | None = None,
        manifest: bool = False,
        possibilities: Sequence[str] = (),
        stream_rows: bool = True,
    ) -> None:
        self.output = output
        self._sheet_class = RowSheet if stream_rows else None
        self.grades = tuple(grades)
        self.possibilities = tuple(possibilities)
        self.csv_dir = csv_dir
        self.manifest = manifest
        self._files: list[IO[str]] = []
        self.written: list[Path] = []
        self._max_projects = 0
        self.tables: dict[str, _Table] = {}
        # Every file goes to a temporary file beside its destination; xlsxwriter's own
        # temporary files to a scratch folder of ours (io.atomic): nothing is left on failure.
        self._staging = Staging("summary", output)
        try:
            self._open(output, csv_dir, shown_projects, manifest)
        except BaseException as exc:
            self._fail(exc)
            raise

    def _open(self, output: Path, csv_dir: Path | None, shown_projects: Sequence[int] | None, manifest: bool) -> None:
        self._temp = self._staging.file(output)
        self.book = xlsxwriter.Workbook(
            str(self._temp),
            xlsxwriter_options(
                self._staging,
                constant_memory=True,
                nan_inf_to_errors=True,  # a last guard: no figure may stop the summary
                strings_to_formulas=False,
                strings_to_numbers=False,
                strings_to_urls=False,
            ),
        )
        header = self.book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.formats: dict[Kind, Format | None] = {
            kind: self.book.add_format({"num_format": code, "valign": "top"}) for kind, code in _NUMBER_FORMATS.items()
        }
        self.formats["text"] = self.book.add_format({"valign": "top"})
        columns = {
            "projects": PROJECT_COLUMNS,
            "indicators": INDICATOR_COLUMNS,
            "findings": FINDING_COLUMNS,
            "files": FILE_COLUMNS + ((MANIFEST_MATCH_COLUMN,) if manifest else ()),
            "departments": department_columns(self.grades),
            "missing": MISSING_COLUMNS,
            "monitoring": monitoring_columns(self.possibilities),
        }
        # 总览 is the first sheet, written last (overview.write_overview orders its cells by row).
        self.overview_sheet = self.book.add_worksheet(SUMMARY_SHEETS["overview"])
        self.tables = {}
        write_parquet = csv_dir is not None and parquet_available()
        if csv_dir is not None:
            csv_dir.mkdir(parents=True, exist_ok=True)
        for key in sheet_keys(manifest=manifest):
            sheet = self.book.add_worksheet(SUMMARY_SHEETS[key], worksheet_class=self._sheet_class)
            table = _Table(
                key,
                columns[key],
                sheet,
                self.formats,
                header,
                wrap,
                shown=shown_projects if key == "projects" else None,
                frozen_columns=_frozen(shown_projects) if key == "projects" else 0,
            )
            if csv_dir is not None:
                name = SUMMARY_SHEETS[key]
                final = csv_dir / f"{name}.csv"
                temp = self._staging.file(final)
                handle = temp.open("w", encoding="utf-8-sig", newline="")
                self._files.append(handle)
                table.csv_file = handle
                table.csv = csv.writer(handle)
                table.csv.writerow([column_label(c) for c in table.columns])
                if write_parquet:
                    final = csv_dir / f"{name}.parquet"
                    temp = self._staging.file(final)
                    table.parquet = _ParquetTable(temp, table.columns)
            self.tables[key] = table

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, *rest: object) -> None:
        if exc is not None:
            self._fail(exc)

    def add(self, table: str, row: Sequence[Any]) -> None:
        if table == "departments":
            self._max_projects = max(self._max_projects, int(row[1] or 0))
        target = self.tables[table]
        for col, length in target.add(row):
            self.tables["findings"].add(self._cut_finding(target, row, col, length))

    def _cut_finding(self, table: _Table, row: Sequence[Any], col: int, length: int) -> list[Any]:
        """A 校验问题 row saying a text was cut to fit its cell (the CSV keeps it whole)."""
        keys = [c.key for c in table.columns]

        def at(key: str) -> Any:
            return row[keys.index(key)] if key in keys else None

        message = CONSOLIDATE_MESSAGES["cut_finding"].format(
            column=column_label(table.columns[col]),
            count=length,
            limit=MAX_CELL_CHARS,
            table=SUMMARY_SHEETS[table.key],
            row=table.rows + 1,
        )
        return [
            at("file"), at("sheet"), at("cell"), at("project_name"), table.columns[col].key, "text_truncated",
            RULE_TITLES["text_truncated"], SEVERITY_LABELS["warning"], length, MAX_CELL_CHARS, message,
        ]  # fmt: skip

    def rows(self, table: str) -> int:
        return self.tables[table].rows

    def _charts(self) -> None:
        """The two charts of 主管部门统计, side by side below its table."""
        table = self.tables["departments"]
        if table.rows == 0:
            return
        name = table.sheet.get_name()
        last = table.rows
        msg = CONSOLIDATE_MESSAGES
        width = max(sum(table.widths) * 7 / 2 - 10, 360)
        height = 420
        grades = self.book.add_chart({"type": "column", "subtype": "stacked"})
        first_grade_col = len(table.columns) - len(self.grades)
        for offset, grade in enumerate(self.grades):
            col = first_grade_col + offset
            grades.add_series(
                {
                    "name": grade,
                    "categories": [name, 1, 0, last, 0],
                    "values": [name, 1, col, last, col],
                }
            )
        grades.set_title({"name": msg["chart_grades"], "name_font": {"size": 12}})
        grades.set_y_axis(
            {
                "name": msg["chart_axis_projects"],
                "major_gridlines": {"visible": True},
                "min": 0,
                "major_unit": integer_step(self._max_projects),
                "num_format": "0",
            }
        )
        grades.set_legend({"position": "bottom"})
        grades.set_size({"width": width, "height": height})
        anchor = last + 2
        table.sheet.insert_chart(anchor, 0, grades)

        scores = self.book.add_chart({"type": "column"})
        score_col = 5
        scores.add_series(
            {
                "name": msg["chart_axis_score"],
                "categories": [name, 1, 0, last, 0],
                "values": [name, 1, score_col, last, score_col],
                "data_labels": {"value": True, "num_format": "0.00", "font": {"size": 7}},
            }
        )
        scores.set_title({"name": msg["chart_scores"], "name_font": {"size": 12}})
        scores.set_y_axis({"name": msg["chart_axis_score"], "min": 0, "max": 100, "major_unit": 20})
        scores.set_legend({"none": True})
        scores.set_size({"width": width, "height": height})
        table.sheet.insert_chart(anchor, 0, scores, {"x_offset": int(width) + 14})

    def close(self, overview: Overview | None = None) -> list[Path]:
        """Finish every table, write 总览 and the workbook and rename all outputs into place."""
        from sheetperf.services.overview import write_overview

        try:
            for key, table in self.tables.items():
                # 主管部门统计's charts start a page of their own (below the table, never split).
                charts = key == "departments" and table.rows > 0
                table.finish(breaks=[table.rows + 1] if charts else ())
                if table.parquet is not None:
                    table.parquet.close()
            self._charts()
            if overview is not None:
                write_overview(self.book, self.overview_sheet, overview)
            mark_xlsxwriter(self.book, "summary", [sheet.get_name() for sheet in self.book.worksheets()])
            self.book.close()
            for handle in self._files:
                handle.close()
            self.written = self._staging.commit()
        except BaseException as exc:
            self._fail(exc)
            raise
        return self.written

    def _fail(self, exc: BaseException) -> None:
        """Remove every temporary file; an operating-system error (full disk, read-only folder)
        is raised as one :class:`~sheetperf.errors.OutputError`, anything else left to the caller."""
        self.abort()
        failure = self._staging.failure(exc)
        if failure is not None:
            raise failure from exc

    def abort(self) -> None:
        """Remove every temporary file; the destinations are left as they were."""
        for handle in self._files:
            try:
                handle.close()
            except OSError:  # a full disk fails the last flush too; the file is removed below
                pass
        for table in self.tables.values():
            if table.parquet is not None:
                try:
                    table.parquet.writer.close()
                except Exception:  # already failing; the file is removed below
                    pass
        self._staging.abort()
