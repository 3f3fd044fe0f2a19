"""The columns of every summary sheet, declared once: key (→ Chinese header), kind, width.

The consolidator builds its rows in these orders (a project row from a mapping of
keys, so a column moved here moves everywhere), :class:`sheetperf.services.summary.SummaryWriter`
writes them with the kind's number format and the width, the CSV and Parquet files
take the headers and kinds, and the print setup takes the widths (wide tables print
landscape) and the ``wrap`` flag (long texts wrap inside their width instead of
running across the page).

项目汇总 reads from the left: who (主管部门, 项目名称), how it did (总分, 等级, 执行率,
错误数), then the details, and the file and sheet at the right end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from sheetperf.vocab.labels import SUMMARY_COLUMN_LABELS

Kind = Literal["text", "int", "amount", "rate", "score", "mixed"]


@dataclass(frozen=True)
class Column:
    """One column of a summary table: its key (→ Chinese header), kind, width and wrapping."""

    key: str
    kind: Kind = "text"
    width: float = 12
    #: A long text: wrapped inside ``width`` (which it never grows past) rather than widening the table.
    wrap: bool = False

    @property
    def label(self) -> str:
        if self.key.startswith("grade:"):
            return SUMMARY_COLUMN_LABELS["grade_count"].format(grade=self.key.partition(":")[2])
        return SUMMARY_COLUMN_LABELS[self.key]


def _c(key: str, kind: Kind = "text", width: float = 12, *, wrap: bool = False) -> Column:
    return Column(key, kind, width, wrap)


PROJECT_COLUMNS: Final[tuple[Column, ...]] = (
    _c("department", width=14, wrap=True),
    _c("project_name", width=20, wrap=True),
    _c("recomputed_total_score", "score", 8),
    _c("recomputed_grade", width=6),
    _c("recomputed_execution_rate", "rate", 8),
    _c("errors", "int", 6),
    _c("warnings", "int", 6),
    _c("notices", "int", 6),
    _c("total_score", "score", 8),
    _c("grade", width=6),
    _c("total_execution_rate", "rate", 8),
    _c("budget_score", "score", 8),
    _c("recomputed_budget_score", "score", 8),
    _c("implementing_unit", width=14, wrap=True),
    _c("applicant_unit", width=14, wrap=True),
    _c("year", "int", 6),
    _c("form", width=7, wrap=True),
    _c("total_initial_budget", "amount", 9),
    _c("total_annual_budget", "amount", 9),
    _c("total_executed", "amount", 9),
    _c("current_year_appropriation_annual_budget", "amount", 9),
    _c("current_year_appropriation_executed", "amount", 9),
    _c("carryover_annual_budget", "amount", 9),
    _c("carryover_executed", "amount", 9),
    _c("other_annual_budget", "amount", 9),
    _c("other_executed", "amount", 9),
    _c("budget_current_year_yuan", "amount", 12),
    _c("indicator_count", "int", 6),
    _c("profile", width=9),
    _c("file", width=20, wrap=True),
    _c("sheet", width=9, wrap=True),
)

INDICATOR_COLUMNS: Final[tuple[Column, ...]] = (
    _c("file", width=24, wrap=True),
    _c("sheet", width=10, wrap=True),
    _c("cell", width=6),
    _c("department", width=14, wrap=True),
    _c("project_name", width=18, wrap=True),
    _c("position", "int", 5),
    _c("level1", width=10, wrap=True),
    _c("level2", width=12, wrap=True),
    _c("name", width=20, wrap=True),
    _c("target", width=12, wrap=True),
    _c("target_operator", width=6),
    _c("target_value", "amount", 9),
    _c("target_unit", width=6),
    _c("actual", width=12, wrap=True),
    _c("actual_value", "amount", 9),
    _c("actual_unit", width=6),
    _c("actual_level", width=12, wrap=True),
    _c("weight", "score", 7),
    _c("score", "score", 8),
    _c("recomputed_score", "score", 8),
    _c("rule_applied", width=9),
    _c("deviation", width=30, wrap=True),
)

FINDING_COLUMNS: Final[tuple[Column, ...]] = (
    _c("file", width=24, wrap=True),
    _c("sheet", width=10, wrap=True),
    _c("cell", width=7),
    _c("project_name", width=18, wrap=True),
    _c("field", width=14, wrap=True),
    _c("rule", width=14, wrap=True),
    _c("rule_title", width=14, wrap=True),
    _c("severity", width=6),
    _c("stated", "mixed", 10, wrap=True),
    _c("expected", "mixed", 10, wrap=True),
    _c("message", width=50, wrap=True),
)

FILE_COLUMNS: Final[tuple[Column, ...]] = (
    _c("file", width=30, wrap=True),
    _c("status", width=8),
    _c("reason", width=36, wrap=True),
    _c("forms", "int", 6),
    _c("kept_forms", "int", 7),
    _c("size", "int", 10),
    _c("sha256", width=24, wrap=True),
    _c("modified", width=17),
    _c("notes", width=30, wrap=True),
)

#: 文件清单's extra column when a distribution manifest is given (consolidate --manifest).
MANIFEST_MATCH_COLUMN: Final = _c("manifest_match", width=12, wrap=True)

#: 未交回 (consolidate --manifest): the projects of the manifest no file came back for.
MISSING_COLUMNS: Final[tuple[Column, ...]] = (
    _c("department", width=20, wrap=True),
    _c("implementing_unit", width=24, wrap=True),
    _c("project_name", width=28, wrap=True),
    _c("distributed_file", width=40, wrap=True),
)


def department_columns(grades: Sequence[str]) -> tuple[Column, ...]:
    """主管部门统计: fixed columns, then one count column per grade of the rules profile."""
    fixed = (
        _c("department", width=22, wrap=True),
        _c("projects", "int", 7),
        _c("annual_budget_total", "amount", 12),
        _c("executed_total", "amount", 12),
        _c("department_execution_rate", "rate", 9),
        _c("average_score", "score", 9),
        _c("errors", "int", 7),
    )
    return fixed + tuple(Column(f"grade:{g}", "int", 7) for g in grades)


def column_label(column: Column) -> str:
    return column.label


def row_of(columns: Sequence[Column], values: Mapping[str, Any]) -> list[Any]:
    """A row in the order of ``columns`` from a mapping of column keys (absent keys: empty)."""
    unknown = set(values) - {c.key for c in columns}
    if unknown:
        raise KeyError(f"not columns of this table: {sorted(unknown)}")
    return [values.get(c.key) for c in columns]


def position(columns: Sequence[Column], key: str) -> int:
    """The index of the column ``key`` in ``columns``."""
    for index, column in enumerate(columns):
        if column.key == key:
            return index
    raise KeyError(key)


__all__: Final = [
    "FILE_COLUMNS",
    "FINDING_COLUMNS",
    "INDICATOR_COLUMNS",
    "MANIFEST_MATCH_COLUMN",
    "MISSING_COLUMNS",
    "PROJECT_COLUMNS",
    "Column",
    "Kind",
    "column_label",
    "department_columns",
    "position",
    "row_of",
]
