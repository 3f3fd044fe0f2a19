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
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, Literal

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from sheetperf.io.csvcells import neutralize
from sheetperf.io.writer import write_text
from sheetperf.vocab.labels import CONSOLIDATE_MESSAGES, SUMMARY_COLUMN_LABELS, SUMMARY_SHEETS
from sheetperf.vocab.text import display_width

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


def monitoring_columns(possibilities: Sequence[str]) -> tuple[Column, ...]:
    """监控汇总: one row per monitoring return; a count column per choice of 完成目标可能性."""
    fixed = (
        _c("department", width=22),
        _c("implementing_unit", width=24),
        _c("project_name", width=30),
        _c("file", width=36),
        _c("period", "int", 8),
        _c("m_initial_budget", "amount", 14),
        _c("m_executed", "amount", 14),
        _c("m_forecast", "amount", 14),
        _c("m_execution_rate", "rate", 11),
        _c("m_time_progress", "rate", 11),
        _c("m_gap", "rate", 12),
        _c("m_flag", width=10),
        _c("indicator_count", "int", 8),
    )
    counts = tuple(Column(f"possibility:{p}", "int", 10) for p in possibilities)
    return (*fixed, *counts, _c("possibility_other", "int", 12), _c("errors", "int", 8), _c("warnings", "int", 8))


def column_label(column: Column) -> str:
    if column.key.startswith("grade:"):
        return SUMMARY_COLUMN_LABELS["grade_count"].format(grade=column.key.partition(":")[2])
    if column.key.startswith("possibility:"):
        return SUMMARY_COLUMN_LABELS["possibility_count"].format(possibility=column.key.partition(":")[2])
    return column.label


TABLE_KEYS: Final = ("projects", "indicators", "findings", "files", "departments", "monitoring")

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


def _temp_beside(path: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".~{path.stem}-", suffix=suffix)
    os.close(fd)
    return Path(name)


def _publish(temp: Path, final: Path) -> None:
    """Give the temporary file ordinary permissions and rename it over ``final``."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)
    os.replace(temp, final)


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

    def add(self, row: Sequence[Any]) -> None:
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
                write_text(sheet, r, col, text)
                if measure:
                    width = min(display_width(text) + 2, _MAX_WIDTH)
                    if width > self.widths[col]:
                        self.widths[col] = width
        if self.csv is not None:
            self.csv.writerow(["" if v is None else neutralize(v) for v in row])
        if self.parquet is not None:
            self.parquet.add(row)

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
                values.append(str(value))
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

    def __init__(
        self,
        output: Path,
        *,
        grades: Sequence[str],
        csv_dir: Path | None = None,
        possibilities: Sequence[str] = (),
    ) -> None:
        self.output = output
        self.grades = tuple(grades)
        self.possibilities = tuple(possibilities)
        self.csv_dir = csv_dir
        self._temps: list[tuple[Path, Path]] = []
        self._files: list[IO[str]] = []
        self.written: list[Path] = []
        self._temp = _temp_beside(output, ".xlsx")
        self._temps.append((self._temp, output))
        self.book = xlsxwriter.Workbook(
            str(self._temp),
            {
                "constant_memory": True,
                "nan_inf_to_errors": True,  # a last guard: no figure may stop the summary
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
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
            "monitoring": monitoring_columns(self.possibilities),
        }
        self.tables: dict[str, _Table] = {}
        write_parquet = csv_dir is not None and parquet_available()
        if csv_dir is not None:
            csv_dir.mkdir(parents=True, exist_ok=True)
        for key in TABLE_KEYS:
            sheet = self.book.add_worksheet(SUMMARY_SHEETS[key])
            table = _Table(key, columns[key], sheet, formats, header)
            if csv_dir is not None:
                name = SUMMARY_SHEETS[key]
                final = csv_dir / f"{name}.csv"
                temp = _temp_beside(final, ".csv")
                self._temps.append((temp, final))
                handle = temp.open("w", encoding="utf-8-sig", newline="")
                self._files.append(handle)
                table.csv_file = handle
                table.csv = csv.writer(handle)
                table.csv.writerow([column_label(c) for c in table.columns])
                if write_parquet:
                    final = csv_dir / f"{name}.parquet"
                    temp = _temp_beside(final, ".parquet")
                    self._temps.append((temp, final))
                    table.parquet = _ParquetTable(temp, table.columns)
            self.tables[key] = table

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is not None:
            self.abort()

    def add(self, table: str, row: Sequence[Any]) -> None:
        self.tables[table].add(row)

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
            self.book.close()
            for handle in self._files:
                handle.close()
        except BaseException:
            self.abort()
            raise
        for temp, final in self._temps:
            _publish(temp, final)
            self.written.append(final)
        self._temps = []
        return self.written

    def abort(self) -> None:
        """Remove every temporary file; the destinations are left as they were."""
        for handle in self._files:
            handle.close()
        for table in self.tables.values() if hasattr(self, "tables") else ():
            if table.parquet is not None:
                try:
                    table.parquet.writer.close()
                except Exception:  # already failing; the file is removed below
                    pass
        for temp, _ in self._temps:
            temp.unlink(missing_ok=True)
        self._temps = []
