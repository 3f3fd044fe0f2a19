"""The summary workbook of a consolidation (xlsxwriter), and the same tables as CSV/Parquet.

The five tables are declared once here as :class:`Column` tuples; the
consolidator builds its rows in that column order and :class:`SummaryWriter`
streams them out (xlsxwriter's ``constant_memory`` mode flushes every row as it
is written, so memory does not grow with the number of rows).

Untrusted text never becomes a formula: every text cell goes through
``write_string``, and in CSV a text a spreadsheet would run as a formula is
prefixed with an apostrophe (:func:`sheetperf.io.csvcells.neutralize`).  Every output
is written to a temporary file in its destination folder and renamed over the
destination only when complete.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, Literal

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from sheetperf.io.atomic import Staging, xlsxwriter_options
from sheetperf.io.csvcells import neutralize
from sheetperf.io.writer import write_text
from sheetperf.vocab.labels import (
    CONSOLIDATE_MESSAGES,
    RULE_TITLES,
    SEVERITY_LABELS,
    SUMMARY_COLUMN_LABELS,
    SUMMARY_SHEETS,
)
from sheetperf.vocab.text import display_width, mend_surrogates
from sheetperf.xlsx.limits import MAX_CELL_CHARS
from sheetperf.xlsx.marker import mark_xlsxwriter

Kind = Literal["text", "int", "amount", "rate", "score", "mixed"]


@dataclass(frozen=True)
class Column:
    """One column of a summary table: its key (→ Chinese header), kind and width."""

    key: str
    kind: Kind = "text"
    width: float = 12

    @property
    def label(self) -> str:
        return SUMMARY_COLUMN_LABELS[self.key]


def _c(key: str, kind: Kind = "text", width: float = 12) -> Column:
    return Column(key, kind, width)


PROJECT_COLUMNS: Final[tuple[Column, ...]] = (
    _c("file", width=36),
    _c("sheet", width=14),
    _c("form", width=11),
    _c("year", "int", 7),
    _c("department", width=22),
    _c("implementing_unit", width=24),
    _c("applicant_unit", width=22),
    _c("project_name", width=30),
    _c("total_initial_budget", "amount"),
    _c("total_annual_budget", "amount"),
    _c("total_executed", "amount"),
    _c("total_execution_rate", "rate"),
    _c("current_year_appropriation_annual_budget", "amount", 14),
    _c("current_year_appropriation_executed", "amount", 14),
    _c("carryover_annual_budget", "amount", 14),
    _c("carryover_executed", "amount", 14),
    _c("other_annual_budget", "amount", 14),
    _c("other_executed", "amount", 14),
    _c("budget_current_year_yuan", "amount", 14),
    _c("recomputed_execution_rate", "rate"),
    _c("budget_score", "score"),
    _c("recomputed_budget_score", "score"),
    _c("indicator_count", "int", 8),
    _c("total_score", "score"),
    _c("recomputed_total_score", "score"),
    _c("grade", width=9),
    _c("recomputed_grade", width=9),
    _c("profile", width=10),
    _c("errors", "int", 8),
    _c("warnings", "int", 8),
    _c("notices", "int", 8),
)

INDICATOR_COLUMNS: Final[tuple[Column, ...]] = (
    _c("file", width=36),
    _c("sheet", width=14),
    _c("cell", width=8),
    _c("department", width=20),
    _c("project_name", width=28),
    _c("position", "int", 6),
    _c("level1", width=12),
    _c("level2", width=16),
    _c("name", width=28),
    _c("target", width=16),
    _c("target_operator", width=8),
    _c("target_value", "amount", 11),
    _c("target_unit", width=8),
    _c("actual", width=16),
    _c("actual_value", "amount", 11),
    _c("actual_unit", width=8),
    _c("actual_level", width=16),
    _c("weight", "score", 8),
    _c("score", "score", 10),
    _c("recomputed_score", "score", 10),
    _c("rule_applied", width=10),
    _c("deviation", width=30),
)

FINDING_COLUMNS: Final[tuple[Column, ...]] = (
    _c("file", width=36),
    _c("sheet", width=14),
    _c("cell", width=8),
    _c("project_name", width=28),
    _c("field", width=22),
    _c("rule", width=18),
    _c("rule_title", width=24),
    _c("severity", width=6),
    _c("stated", "mixed", 12),
    _c("expected", "mixed", 12),
    _c("message", width=60),
)

FILE_COLUMNS: Final[tuple[Column, ...]] = (
    _c("file", width=40),
    _c("status", width=8),
    _c("reason", width=50),
    _c("forms", "int", 7),
    _c("kept_forms", "int", 9),
    _c("size", "int", 11),
    _c("sha256", width=66),
    _c("modified", width=20),
    _c("notes", width=40),
)


def department_columns(grades: Sequence[str]) -> tuple[Column, ...]:
    """主管部门统计: fixed columns, then one count column per grade of the rules profile."""
    fixed = (
        _c("department", width=26),
        _c("projects", "int", 8),
        _c("annual_budget_total", "amount", 16),
        _c("executed_total", "amount", 16),
        _c("department_execution_rate", "rate", 10),
        _c("average_score", "score", 12),
    )
    return fixed + tuple(Column(f"grade:{g}", "int", 8) for g in grades)


def column_label(column: Column) -> str:
    if column.key.startswith("grade:"):
        return SUMMARY_COLUMN_LABELS["grade_count"].format(grade=column.key.partition(":")[2])
    return column.label


TABLE_KEYS: Final = ("projects", "indicators", "findings", "files", "departments")

_NUMBER_FORMATS: Final[dict[Kind, str]] = {
    "int": "0",
    "amount": "#,##0.00",
    "rate": "0.00",
    "score": "0.00",
}
# Columns are sized from the first rows only: measuring every cell of a 200,000-row
# sheet would cost more than writing it.
_MEASURED_ROWS: Final = 500
_MAX_WIDTH: Final = 60


class _Table:
    """One sheet being streamed, plus its CSV (and Parquet) twins."""

    def __init__(
        self,
        key: str,
        columns: tuple[Column, ...],
        sheet: Worksheet,
        formats: dict[Kind, Format | None],
        header: Format,
    ) -> None:
        self.key = key
        self.columns = columns
        self.sheet = sheet
        self.formats = [formats.get(c.kind) for c in columns]
        self.kinds = [c.kind for c in columns]
        self.rows = 0
        self.widths = [max(c.width, display_width(column_label(c)) + 2) for c in columns]
        self.csv_file: IO[str] | None = None
        self.csv: Any = None
        self.parquet: _ParquetTable | None = None
        sheet.freeze_panes(1, 0)
        for col, column in enumerate(columns):
            write_text(sheet, 0, col, column_label(column), header)

    def add(self, row: Sequence[Any]) -> list[tuple[int, int]]:
        """Write one row; the (column, length) of every text cut to fit a cell."""
        cut: list[tuple[int, int]] = []
        self.rows += 1
        r = self.rows
        sheet = self.sheet
        write_number = sheet.write_number
        measure = r <= _MEASURED_ROWS
        kinds = self.kinds
        for col, value in enumerate(row):
            if value is None:
                continue
            kind = kinds[col]
            value_type = type(value)
            if (value_type is float or value_type is int) and kind != "text":
                write_number(r, col, value, self.formats[col])
            else:
                text = value if value_type is str else str(value)
                if not text:
                    continue
                if len(text) > MAX_CELL_CHARS:
                    cut.append((col, len(text)))
                    mark = CONSOLIDATE_MESSAGES["cut_mark"].format(count=len(text))
                    text = text[: MAX_CELL_CHARS - len(mark)] + mark
                write_text(sheet, r, col, text)
                if measure:
                    width = min(display_width(text) + 2, _MAX_WIDTH)
                    if width > self.widths[col]:
                        self.widths[col] = width
        if self.csv is not None:
            self.csv.writerow(["" if v is None else neutralize(v) for v in row])
        if self.parquet is not None:
            self.parquet.add(row)
        return cut

    def finish(self) -> None:
        for col, width in enumerate(self.widths):
            self.sheet.set_column(col, col, width, self.formats[col])
        self.sheet.autofilter(0, 0, max(self.rows, 1), len(self.columns) - 1)


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
    """Streams the five summary tables into one workbook (and CSV/Parquet files).

    Write rows with :meth:`add` in any interleaving of tables, then :meth:`close`,
    which draws the charts and renames every temporary file into place; on an
    exception call :meth:`abort` (the context manager does) and nothing is left
    behind.
    """

    def __init__(self, output: Path, *, grades: Sequence[str], csv_dir: Path | None = None) -> None:
        self.output = output
        self.grades = tuple(grades)
        self.csv_dir = csv_dir
        self._files: list[IO[str]] = []
        self.written: list[Path] = []
        self.tables: dict[str, _Table] = {}
        # Every file goes to a temporary file beside its destination; xlsxwriter's own
        # temporary files to a scratch folder of ours (io.atomic): nothing is left on failure.
        self._staging = Staging("summary", output)
        try:
            self._open(output, csv_dir)
        except BaseException as exc:
            self.abort()
            failure = self._staging.failure(exc)
            if failure is not None:
                raise failure from exc
            raise

    def _open(self, output: Path, csv_dir: Path | None) -> None:
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
        formats: dict[Kind, Format | None] = {
            kind: self.book.add_format({"num_format": code}) for kind, code in _NUMBER_FORMATS.items()
        }
        columns = {
            "projects": PROJECT_COLUMNS,
            "indicators": INDICATOR_COLUMNS,
            "findings": FINDING_COLUMNS,
            "files": FILE_COLUMNS,
            "departments": department_columns(self.grades),
        }
        self.tables = {}
        write_parquet = csv_dir is not None and parquet_available()
        if csv_dir is not None:
            csv_dir.mkdir(parents=True, exist_ok=True)
        for key in TABLE_KEYS:
            sheet = self.book.add_worksheet(SUMMARY_SHEETS[key])
            table = _Table(key, columns[key], sheet, formats, header)
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
            self.abort()
            failure = self._staging.failure(exc)
            if failure is not None:
                raise failure from exc

    def add(self, table: str, row: Sequence[Any]) -> None:
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
        table = self.tables["departments"]
        if table.rows == 0:
            return
        name = table.sheet.get_name()
        last = table.rows
        msg = CONSOLIDATE_MESSAGES
        anchor_col = len(table.columns) + 1
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
        grades.set_title({"name": msg["chart_grades"]})
        grades.set_y_axis({"name": msg["chart_axis_projects"], "major_gridlines": {"visible": True}})
        grades.set_size({"width": 720, "height": 360})
        table.sheet.insert_chart(1, anchor_col, grades)

        scores = self.book.add_chart({"type": "column"})
        score_col = 5
        scores.add_series(
            {
                "name": msg["chart_axis_score"],
                "categories": [name, 1, 0, last, 0],
                "values": [name, 1, score_col, last, score_col],
                "data_labels": {"value": True, "num_format": "0.00"},
            }
        )
        scores.set_title({"name": msg["chart_scores"]})
        scores.set_y_axis({"name": msg["chart_axis_score"], "min": 0, "max": 100})
        scores.set_legend({"none": True})
        scores.set_size({"width": 720, "height": 360})
        table.sheet.insert_chart(20, anchor_col, scores)

    def close(self) -> list[Path]:
        """Finish every table, write the workbook and rename all outputs into place."""
        try:
            for table in self.tables.values():
                table.finish()
                if table.parquet is not None:
                    table.parquet.close()
            self._charts()
            mark_xlsxwriter(self.book, "summary", [SUMMARY_SHEETS[key] for key in TABLE_KEYS])
            self.book.close()
            for handle in self._files:
                handle.close()
            self.written = self._staging.commit()
        except BaseException as exc:
            self.abort()
            failure = self._staging.failure(exc)
            if failure is not None:
                raise failure from exc
            raise
        return self.written

    def abort(self) -> None:
        """Remove every temporary file; the destinations are left as they were."""
        for handle in self._files:
            try:
                handle.close()
            except OSError:  # a full disk fails the last flush too; the file is removed below
                pass
        for table in self.tables.values() if hasattr(self, "tables") else ():
            if table.parquet is not None:
                try:
                    table.parquet.writer.close()
                except Exception:  # already failing; the file is removed below
                    pass
        self._staging.abort()
