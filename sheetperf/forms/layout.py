"""The declared layout of each form: every cell, once, as data.

This module is the single place where coordinates live.  The writer
(:mod:`sheetperf.io.writer`, xlsxwriter), the formula builder
(:mod:`sheetperf.forms.formulas`, strings only), the filler and the reader consume it;
none of them hard-codes a cell.  No Excel library is imported here.

Stable API (other modules build on it)::

    from sheetperf.forms.layout import get_layout, LAYOUT_VERSION, Role, Kind

    layout = get_layout("self_evaluation")            # blank: 30 indicator rows
    layout = get_layout("self_evaluation", capacity=6)  # pre-filled with 6 indicators
    f = layout.field("funds.total.executed")           # -> Field
    f.row, f.col, f.a1, f.ref, f.name, f.kind, f.role  # (5, 4) 'E6' 'E6' 'SP_funds_total_executed' ...
    t = layout.table                                   # the indicator table
    t.first_row, t.capacity, t.row(i)                  # zero-based sheet row of indicator i (0-based)
    t.column("target").col                             # zero-based column of a key
    t.cell(i, "score")  -> (row, col);  t.name(i, "score") -> 'SP_ind_001_score'
    layout.field("total_score").row                    # placed after the table's last row
    layout.defined_names()                             # {name: "'绩效自评表'!$C$3:$H$3", ...}
    layout.locate("indicators[2].target")              # Field or (row, col) of any record path
    fingerprint(record, locked)                        # sha256 of the locked content

Coordinates are zero-based ``(row, col)`` integers; A1 text only at the edges
(``Field.a1``/``Field.ref`` via :mod:`sheetperf.model.a1`).  The specs below are
written in A1 because people read them; they are validated (an unknown key
raises :class:`~sheetperf.errors.SpecError` naming the key and the allowed
ones) and turned into frozen dataclasses.

Defined names (workbook scope, all valid Excel names):

* every record field: ``SP_`` + the path with dots as underscores —
  ``SP_project_name``, ``SP_funds_total_executed``, ``SP_funds_carryover_execution_rate``,
  ``SP_texts_overview``, ``SP_budget_yuan_current_year``, ``SP_total_score``, ``SP_grade``;
  a merged field's name covers the whole merged range (its value is in the top-left cell);
* every indicator row cell: ``SP_ind_{n:03d}_{key}`` with ``n`` one-based —
  ``SP_ind_001_target``, ``SP_ind_012_score`` (keys: :attr:`IndicatorTable.keys`);
* ``SP_ind_table`` (all indicator rows, form columns), ``SP_ind_header`` (the header row),
  ``SP_ind_count`` is not a name: the capacity is the number of ``SP_ind_*_name`` names;
* the template metadata on the very hidden sheet: ``SP_meta_{key}`` (see :data:`META_KEYS`);
* dropdown lists: ``SP_list_level1``, ``SP_list_level2``, ``SP_list_levels``.

Indicator table capacity: a blank template has :data:`BLANK_CAPACITY` (30) rows; a
pre-filled template has exactly as many rows as its record has indicators (the
rows are locked, extra rows could not be used), at least one.  The rows after
the table (总分, 评分等级) follow the table's last row.  In a pre-filled template
the level-1/level-2 cells of consecutive equal values are merged down their group
(:func:`group_spans`); a reader takes the value of a merged cell for every row it
covers.

Presentation declared with the coordinates: column widths (Excel character units), row
heights (points; a blank form's rows, grown by the writer and the filler to fit text),
``valign: "top"`` for long free text (:attr:`Field.valign`, :attr:`Column.valign`: a row
cannot grow past Excel's 409 pt, and top alignment keeps the beginning of a longer text
visible) and ``page_breaks`` (:attr:`Layout.page_breaks`: rows that start a printed page).

Self-evaluation helper columns (:attr:`IndicatorTable.helpers`): hidden, locked
columns right of the printed form that parse the target and actual text per row;
:mod:`sheetperf.forms.formulas` builds one formula per helper key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final

from sheetperf.errors import SpecError
from sheetperf.model.a1 import col_index, col_letter, parse_range, quote_sheet, range_a1, to_a1
from sheetperf.model.record import (
    FUND_COLUMNS,
    FUND_ROWS,
    GOAL_TEXTS,
    GoalTable,
    Monitoring,
    Record,
    SelfEvaluation,
)
from sheetperf.rules.parsing import normalize_text
from sheetperf.vocab import labels

#: Version 2: scoring formulas rendered from the declared rules (sheetperf.rules.rulebook), no
#: IFERROR, hidden raw-total and total-cap cells, score formats from the profile's decimals.
LAYOUT_VERSION: Final = "2"
NAME_PREFIX: Final = "SP_"
BLANK_CAPACITY: Final = 30
MAX_CAPACITY: Final = 999
FORMS: Final = ("self_evaluation", "goal_table", "monitoring")
#: The months a monitoring layout's labels name (1–N月) when no period is given.
DEFAULT_PERIOD: Final = 7

#: The very hidden sheet of a template's metadata, one ``key | value`` row each (A:B).
META_SHEET: Final = "_sheetperf"
#: Keys of the template metadata (very hidden sheet, one ``key | value`` row each).
META_KEYS: Final = (
    "form",
    "layout_version",
    "profile",
    "sheetperf_version",
    "capacity",
    "locked",
    "fingerprint",
    "cell_digests",
    "locked_values",
)

#: Groups of content a pre-filled template locks (the fingerprint covers exactly these).
LOCK_GROUPS: Final = ("project", "indicators", "weights")


class Kind(StrEnum):
    """What a cell holds."""

    TEXT = "text"  # text, always written as a string (never a formula)
    NUMBER = "number"  # an amount, weight or rate
    YEAR = "year"  # the year as a number, shown "(2023 年度)" by its number format
    LEVEL = "level"  # an actual value: a number with unit, or an achievement level (dropdown)
    FORMULA = "formula"  # computed by the workbook


class Role(StrEnum):
    """Who fills a cell."""

    INPUT = "input"  # the department, always (unlocked, shaded)
    DEFINITION = "definition"  # the department in a blank template; locked when pre-filled
    FIXED = "fixed"  # a value from the rules profile, locked
    FORMULA = "formula"  # computed, locked


class Style(StrEnum):
    TITLE = "title"
    SUBTITLE = "subtitle"
    LABEL = "label"  # a label cell inside the form, centred, bold-free
    HEADER = "header"  # a column header of the indicator table
    SECTION = "section"  # a heading line inside the form (goal table)
    VALUE = "value"  # a fixed value cell such as "-"


@dataclass(frozen=True)
class Label:
    """A fixed text of the form."""

    key: str
    text: str
    row: int
    col: int
    last_row: int
    last_col: int
    style: Style

    @property
    def merged(self) -> bool:
        return (self.row, self.col) != (self.last_row, self.last_col)

    @property
    def ref(self) -> str:
        return range_a1(self.row, self.col, self.last_row, self.last_col)


@dataclass(frozen=True)
class Field:
    """One record field and the cell (or merged range) that holds it."""

    path: str
    row: int
    col: int
    last_row: int
    last_col: int
    kind: Kind
    role: Role
    num_format: str | None
    label: str
    hidden: bool = False  # helper cells outside the printed form
    #: "top" for long free text (the beginning stays visible when a row cannot grow
    #: past Excel's 409 pt), else "center" as the official forms print.
    valign: str = "center"
    #: A score: its number format follows the profile's decimals (:func:`points_format`).
    points: bool = False
    #: An input a pre-filled template writes from its record (the monitoring form's 年初预算数, known
    #: from the goal table); the department may still change it.
    prefill: bool = False

    @property
    def merged(self) -> bool:
        return (self.row, self.col) != (self.last_row, self.last_col)

    @property
    def a1(self) -> str:
        """The top-left cell, e.g. ``C3`` (where the value lives)."""
        return to_a1(self.row, self.col)

    @property
    def ref(self) -> str:
        """The whole range, e.g. ``C3:H3``."""
        return range_a1(self.row, self.col, self.last_row, self.last_col)

    @property
    def name(self) -> str:
        return field_name(self.path)


@dataclass(frozen=True)
class Column:
    """One column of the indicator table."""

    key: str
    col: int
    last_col: int
    kind: Kind
    role: Role
    num_format: str | None
    header: str
    valign: str = "center"  # see Field.valign
    points: bool = False  # see Field.points

    @property
    def merged(self) -> bool:
        return self.col != self.last_col


@dataclass(frozen=True)
class IndicatorTable:
    header_row: int
    first_row: int
    capacity: int
    row_height: float
    columns: tuple[Column, ...]
    helpers: tuple[Column, ...]  # hidden helper columns (self-evaluation only)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def last_row(self) -> int:
        return self.first_row + self.capacity - 1

    @property
    def end_row(self) -> int:
        """The first sheet row after the table."""
        return self.first_row + self.capacity

    def row(self, index: int) -> int:
        """Sheet row (zero-based) of indicator ``index`` (zero-based)."""
        if not 0 <= index < self.capacity:
            raise IndexError(f"indicator {index} outside the table (capacity {self.capacity})")
        return self.first_row + index

    def column(self, key: str) -> Column:
        for column in (*self.columns, *self.helpers):
            if column.key == key:
                return column
        raise SpecError(f"指标表没有列 {key!r}；允许的列：{', '.join(self.keys + tuple(h.key for h in self.helpers))}")

    def cell(self, index: int, key: str) -> tuple[int, int]:
        return self.row(index), self.column(key).col

    def a1(self, index: int, key: str) -> str:
        return to_a1(*self.cell(index, key))

    def name(self, index: int, key: str) -> str:
        self.row(index)
        if key not in self.keys:
            raise SpecError(f"指标表没有列 {key!r}；允许的列：{', '.join(self.keys)}")
        return indicator_name(index, key)

    def column_range(self, key: str, *, absolute: bool = True) -> str:
        """``$G$13:$G$42``: the key's column over every indicator row."""
        col = self.column(key).col
        return range_a1(self.first_row, col, self.last_row, col, absolute=absolute)


@dataclass(frozen=True)
class Layout:
    """A form's layout for a given indicator capacity."""

    form: str
    sheet_name: str
    title: str
    ncols: int
    col_widths: tuple[float, ...]
    row_heights: Mapping[int, float]
    labels: tuple[Label, ...]
    fields: tuple[Field, ...]
    table: IndicatorTable
    version: str = LAYOUT_VERSION
    #: Zero-based rows a printed page starts at (manual page breaks), e.g. the goal
    #: table's indicator block starts a page of its own.
    page_breaks: tuple[int, ...] = ()

    def field(self, path: str) -> Field:
        for item in self.fields:
            if item.path == path:
                return item
        raise SpecError(f"{self.form} 表没有字段 {path!r}；允许的字段：{', '.join(f.path for f in self.fields)}")

    def has_field(self, path: str) -> bool:
        return any(f.path == path for f in self.fields)

    @property
    def record_fields(self) -> tuple[Field, ...]:
        """Fields that belong to the record (not hidden helper cells)."""
        return tuple(f for f in self.fields if not f.hidden)

    @property
    def last_row(self) -> int:
        """The last printed row of the form."""
        rows = [f.last_row for f in self.fields if not f.hidden] + [lb.last_row for lb in self.labels]
        return max([*rows, self.table.last_row])

    @property
    def print_area(self) -> tuple[int, int, int, int]:
        return 0, 0, self.last_row, self.ncols - 1

    def locate(self, path: str) -> tuple[int, int]:
        """The top-left cell of any record path, including ``indicators[3].score``."""
        match = _INDICATOR_PATH.fullmatch(path)
        if match:
            return self.table.cell(int(match.group(1)), match.group(2))
        item = self.field(path)
        return item.row, item.col

    def defined_names(self) -> dict[str, str]:
        """Workbook-level names of every field and indicator row cell → ``'Sheet'!$A$1``."""
        sheet = quote_sheet(self.sheet_name)
        names: dict[str, str] = {}
        for item in self.record_fields:
            ref = range_a1(item.row, item.col, item.last_row, item.last_col, absolute=True)
            names[item.name] = f"{sheet}!{ref}"
        table = self.table
        for index in range(table.capacity):
            row = table.row(index)
            for column in table.columns:
                ref = range_a1(row, column.col, row, column.last_col, absolute=True)
                names[indicator_name(index, column.key)] = f"{sheet}!{ref}"
        last_col = max(c.last_col for c in table.columns)
        names[f"{NAME_PREFIX}ind_table"] = (
            f"{sheet}!{range_a1(table.first_row, 0, table.last_row, last_col, absolute=True)}"
        )
        names[f"{NAME_PREFIX}ind_header"] = (
            f"{sheet}!{range_a1(table.header_row, 0, table.header_row, last_col, absolute=True)}"
        )
        return names


_INDICATOR_PATH = re.compile(r"indicators\[(\d+)\]\.(\w+)")


def field_name(path: str) -> str:
    """``funds.total.executed`` → ``SP_funds_total_executed``."""
    return NAME_PREFIX + path.replace(".", "_")


def indicator_name(index: int, key: str) -> str:
    """Zero-based indicator ``index`` → ``SP_ind_001_target``."""
    return f"{NAME_PREFIX}ind_{index + 1:03d}_{key}"


def meta_name(key: str) -> str:
    return f"{NAME_PREFIX}meta_{key}"


_NAME_RE = re.compile(r"SP_ind_(\d{3})_(\w+)")


def parse_indicator_name(name: str) -> tuple[int, str] | None:
    """``SP_ind_012_score`` → ``(11, 'score')`` (zero-based index); None for other names."""
    match = _NAME_RE.fullmatch(name)
    if not match:
        return None
    return int(match.group(1)) - 1, match.group(2)


# ---------------------------------------------------------------------------
# Specs: the forms as data.  A1 ranges, 1-based rows; validated by _build.

AMOUNT_FORMAT: Final = "0.00"
SCORE_FORMAT: Final = "0.00"
YUAN_FORMAT: Final = "#,##0.00"


def points_format(decimals: int) -> str:
    """The number format of a score cell with ``decimals`` places (a profile's ``decimals``): 0, 0.0, 0.00."""
    return "0." + "0" * decimals if decimals > 0 else "0"


_SELF_EVALUATION_SPEC: Final[dict[str, Any]] = {
    "form": "self_evaluation",
    "sheet": "self_evaluation",
    "title": "self_evaluation_title",
    # Widths in Excel character units (7 px): A holds 满意度指标, B 其中: 当年财政拨款 on one line.
    "columns": {"A": 10, "B": 19, "C": 20, "D": 13.5, "E": 13.5, "F": 9, "G": 10, "H": 24},
    # Heights in points.  A blank form (30 indicator rows of table.row_height, 总分, 评分等级)
    # prints on one A4 page; text written into a row grows it (writer, filler).
    "rows": {1: 30, 2: 20, 3: 22, 4: 22, 5: 28, 6: 20, 7: 20, 8: 20, 9: 20, 10: 20, 11: 48, 12: 28},
    "labels": [
        {"cell": "A1:H1", "text": "self_evaluation_title", "style": "title"},
        {"cell": "A3:B3", "text": "project_name"},
        {"cell": "A4:B4", "text": "department"},
        {"cell": "F4", "text": "implementing_unit"},
        {"cell": "A5:A9", "text": "funds_block"},
        {"cell": "B5", "text": "", "style": "label"},
        {"cell": "C5", "text": "initial_budget"},
        {"cell": "D5", "text": "annual_budget"},
        {"cell": "E5", "text": "executed"},
        {"cell": "F5", "text": "fund_weight"},
        {"cell": "G5", "text": "execution_rate"},
        {"cell": "H5", "text": "fund_score"},
        {"cell": "B6", "text": "funds.total"},
        {"cell": "B7", "text": "funds.current_year_appropriation"},
        {"cell": "B8", "text": "funds.carryover"},
        {"cell": "B9", "text": "funds.other"},
        {"cell": "F7", "text": "dash", "style": "value"},
        {"cell": "F8", "text": "dash", "style": "value"},
        {"cell": "F9", "text": "dash", "style": "value"},
        {"cell": "H7", "text": "dash", "style": "value"},
        {"cell": "H8", "text": "dash", "style": "value"},
        {"cell": "H9", "text": "dash", "style": "value"},
        {"cell": "A10:A11", "text": "goal_block"},
        {"cell": "B10:E10", "text": "goal_expected"},
        {"cell": "F10:H10", "text": "goal_actual"},
    ],
    "fields": {
        "year": {"cell": "A2:H2", "kind": "year", "role": "definition", "format": "year_line"},
        "project_name": {"cell": "C3:H3", "kind": "text", "role": "definition"},
        "department": {"cell": "C4:E4", "kind": "text", "role": "definition"},
        "implementing_unit": {"cell": "G4:H4", "kind": "text", "role": "definition"},
        **{
            f"funds.{name}.{column}": {
                "cell": f"{letter}{row}",
                "kind": "number",
                "role": "input",
                "format": "amount",
            }
            for row, name in zip(range(6, 10), FUND_ROWS, strict=True)
            for letter, column in zip("CDE", FUND_COLUMNS[:3], strict=True)
        },
        **{
            f"funds.{name}.execution_rate": {
                "cell": f"G{row}",
                "kind": "formula",
                "role": "formula",
                "format": "score",
            }
            for row, name in zip(range(6, 10), FUND_ROWS, strict=True)
        },
        "funds.total.weight": {"cell": "F6", "kind": "number", "role": "fixed", "format": "score"},
        "funds.total.score": {"cell": "H6", "kind": "formula", "role": "formula", "format": "points"},
        "goal_expected": {"cell": "B11:E11", "kind": "text", "role": "input", "valign": "top"},
        "goal_actual": {"cell": "F11:H11", "kind": "text", "role": "input", "valign": "top"},
    },
    "table": {
        "header_row": 12,
        "row_height": 22,
        "columns": {
            "level1": {"cols": "A", "kind": "text", "role": "definition", "header": "level1"},
            "level2": {"cols": "B", "kind": "text", "role": "definition", "header": "level2"},
            "name": {"cols": "C", "kind": "text", "role": "definition", "header": "name"},
            "target": {"cols": "D", "kind": "text", "role": "definition", "header": "target"},
            "actual": {"cols": "E", "kind": "level", "role": "input", "header": "actual"},
            "weight": {"cols": "F", "kind": "number", "role": "definition", "header": "weight", "format": "score"},
            "score": {"cols": "G", "kind": "formula", "role": "formula", "header": "score", "format": "points"},
            "deviation": {"cols": "H", "kind": "text", "role": "input", "header": "deviation", "valign": "top"},
        },
        # Hidden helper columns from K on, one per key, built by sheetperf.forms.formulas.
        "helpers": {
            "first": "K",
            "keys": (
                "t_norm t_oplen t_op t_rest t_s1 t_len t_num t_ok t_val t_u t_uok t_unit"
                " r_rest h_s1 h_len h_num h_ok h_val h_u r_ok t_kind t_goal t_high t_rev"
                " a_norm a_oplen a_rest a_s1 a_len a_num a_ok a_val a_u a_uok a_kind a_value"
                " na ew over"
            ).split(),
        },
    },
    # Rows after the indicator table; "offset" 0 is the first row after its last row.
    "footer": {
        "rows": {0: 22, 1: 22},
        "labels": [
            {"offset": 0, "cols": "A:E", "text": "total_score"},
            {"offset": 1, "cols": "A:B", "text": "grade"},
            {"offset": 0, "cols": "H", "text": "", "style": "value"},
        ],
        "fields": {
            "total_weight": {"offset": 0, "cols": "F", "kind": "formula", "role": "formula", "format": "score"},
            "total_score": {"offset": 0, "cols": "G", "kind": "formula", "role": "formula", "format": "points"},
            "grade": {"offset": 1, "cols": "C:H", "kind": "formula", "role": "formula"},
            # Hidden sums the effective weights need (not-applicable rescale).
            "calc.weight_sum": {"offset": 0, "cols": "K", "kind": "formula", "role": "formula", "hidden": True},
            "calc.kept_weight": {"offset": 0, "cols": "L", "kind": "formula", "role": "formula", "hidden": True},
            "calc.na_count": {"offset": 0, "cols": "M", "kind": "formula", "role": "formula", "hidden": True},
            # The sum of the rounded scores, and the most the total may be at the execution rate.
            "calc.raw_total": {"offset": 0, "cols": "N", "kind": "formula", "role": "formula", "hidden": True},
            "calc.total_cap": {"offset": 0, "cols": "O", "kind": "formula", "role": "formula", "hidden": True},
        },
    },
}

_GOAL_TABLE_SPEC: Final[dict[str, Any]] = {
    "form": "goal_table",
    "sheet": "goal_table",
    "title": "goal_table_title",
    # A and C hold the longest labels on one line (同名项目上年预算额（元）：, 13 characters;
    # 同名项目上年预算执行数（元）：, 15).
    "columns": {"A": 28, "B": 30, "C": 31, "D": 30},
    # The six long texts (rows 7–12) get room to write in a blank form; filled text grows them.
    "rows": {
        1: 30,
        2: 20,
        **{row: 24 for row in range(3, 7)},
        **{row: 45 for row in range(7, 13)},
        **{row: 24 for row in range(13, 18)},
    },
    # The indicator block (绩效目标 and its table) starts a printed page of its own.
    "page_breaks": [16],
    "labels": [
        {"cell": "A1:D1", "text": "goal_table_title", "style": "title"},
        {"cell": "A3", "text": "applicant_unit"},
        {"cell": "A4", "text": "project_name_colon"},
        {"cell": "C4", "text": "project_category"},
        {"cell": "A5", "text": "planned_start"},
        {"cell": "C5", "text": "planned_end"},
        {"cell": "A6", "text": "government_procurement"},
        {"cell": "C6", "text": "performance_type"},
        {"cell": "A7", "text": "texts.overview"},
        {"cell": "A8", "text": "texts.basis"},
        {"cell": "A9", "text": "texts.necessity"},
        {"cell": "A10", "text": "texts.safeguards"},
        {"cell": "A11", "text": "texts.implementation_plan"},
        {"cell": "A12", "text": "texts.objectives"},
        {"cell": "A13:D13", "text": "budget_block", "style": "section"},
        {"cell": "A14", "text": "budget_yuan.project_total"},
        {"cell": "C14", "text": "budget_yuan.current_year"},
        {"cell": "A15", "text": "budget_yuan.prior_year_same_project"},
        {"cell": "C15", "text": "budget_yuan.prior_year_same_project_executed"},
    ],
    "fields": {
        "year": {"cell": "A2:D2", "kind": "year", "role": "definition", "format": "goal_year_line"},
        "applicant_unit": {"cell": "B3:D3", "kind": "text", "role": "definition"},
        "project_name": {"cell": "B4", "kind": "text", "role": "definition"},
        "project_category": {"cell": "D4", "kind": "text", "role": "definition"},
        "planned_start": {"cell": "B5", "kind": "text", "role": "definition"},
        "planned_end": {"cell": "D5", "kind": "text", "role": "definition"},
        "government_procurement": {"cell": "B6", "kind": "text", "role": "definition"},
        "performance_type": {"cell": "D6", "kind": "text", "role": "definition"},
        **{
            f"texts.{key}": {"cell": f"B{row}:D{row}", "kind": "text", "role": "input", "valign": "top"}
            for row, key in zip(range(7, 13), GOAL_TEXTS, strict=True)
        },
        "budget_yuan.project_total": {"cell": "B14", "kind": "number", "role": "input", "format": "yuan"},
        "budget_yuan.current_year": {"cell": "D14", "kind": "number", "role": "input", "format": "yuan"},
        "budget_yuan.prior_year_same_project": {"cell": "B15", "kind": "number", "role": "input", "format": "yuan"},
        "budget_yuan.prior_year_same_project_executed": {
            "cell": "D15",
            "kind": "number",
            "role": "input",
            "format": "yuan",
        },
        # "2020年绩效目标": a formula joining the year and the heading text.
        "goal_heading": {"cell": "A16:D16", "kind": "formula", "role": "formula"},
    },
    "table": {
        "header_row": 17,
        "row_height": 26,
        "columns": {
            "level1": {"cols": "A", "kind": "text", "role": "definition", "header": "goal_level1"},
            "level2": {"cols": "B", "kind": "text", "role": "definition", "header": "goal_level2"},
            "name": {"cols": "C", "kind": "text", "role": "definition", "header": "goal_name"},
            "target": {"cols": "D", "kind": "text", "role": "definition", "header": "goal_target"},
        },
    },
    "footer": {"rows": {}, "labels": [], "fields": {}},
}

_MONITORING_SPEC: Final[dict[str, Any]] = {
    "form": "monitoring",
    "sheet": "monitoring",
    "title": "monitoring_title",
    # Texts marked {n} name the period (1-{n}月执行数): the layout is built for one period.
    "columns": {"A": 10, "B": 17, "C": 16, "D": 12, "E": 12, "F": 12, "G": 11, "H": 12, "I": 16, "J": 16, "K": 10},
    "rows": {1: 30, 2: 20, 3: 22, 4: 22, 5: 30, 6: 20, 7: 20, 8: 20, 9: 20, 10: 20, 11: 48, 12: 30},
    "labels": [
        {"cell": "A1:K1", "text": "monitoring_title", "style": "title"},
        {"cell": "A3:B3", "text": "project_name"},
        {"cell": "A4:B4", "text": "department"},
        {"cell": "G4:H4", "text": "implementing_unit"},
        {"cell": "A5:A9", "text": "funds_block"},
        {"cell": "B5", "text": "", "style": "label"},
        {"cell": "C5", "text": "initial_budget"},
        {"cell": "D5", "text": "m_executed"},
        {"cell": "E5", "text": "m_execution_rate"},
        {"cell": "F5", "text": "m_forecast"},
        {"cell": "G5", "text": "m_time_progress"},
        {"cell": "H5", "text": "m_progress_flag"},
        {"cell": "I5:K5", "text": "m_note"},
        {"cell": "B6", "text": "funds.total"},
        {"cell": "B7", "text": "funds.current_year_appropriation"},
        {"cell": "B8", "text": "funds.carryover"},
        {"cell": "B9", "text": "funds.other"},
        *({"cell": f"{col}{row}", "text": "dash", "style": "value"} for col in "GH" for row in range(7, 10)),
        {"cell": "A10:A11", "text": "m_goal_block"},
        {"cell": "B10:F10", "text": "m_goal_expected"},
        {"cell": "G10:K10", "text": "m_goal_progress"},
    ],
    "fields": {
        "year": {"cell": "A2:H2", "kind": "year", "role": "definition", "format": "year_line"},
        "period": {"cell": "I2:K2", "kind": "number", "role": "fixed", "format": "period_line"},
        "project_name": {"cell": "C3:K3", "kind": "text", "role": "definition"},
        "department": {"cell": "C4:F4", "kind": "text", "role": "definition"},
        "implementing_unit": {"cell": "I4:K4", "kind": "text", "role": "definition"},
        **{
            f"funds.{name}.{column}": {
                "cell": f"{letter}{row}",
                "kind": "number",
                "role": role,
                "format": "amount",
                "prefill": column == "initial_budget",
            }
            for row, name in zip(range(6, 10), FUND_ROWS, strict=True)
            for letter, column, role in (
                ("C", "initial_budget", "input"),
                ("D", "executed", "input"),
                ("F", "forecast", "input"),
            )
        },
        **{
            f"funds.{name}.execution_rate": {"cell": f"E{row}", "kind": "formula", "role": "formula", "format": "score"}
            for row, name in zip(range(6, 10), FUND_ROWS, strict=True)
        },
        **{
            f"funds.{name}.note": {"cell": f"I{row}:K{row}", "kind": "text", "role": "input", "valign": "top"}
            for row, name in zip(range(6, 10), FUND_ROWS, strict=True)
        },
        "time_progress": {"cell": "G6", "kind": "formula", "role": "formula", "format": "score"},
        "progress_flag": {"cell": "H6", "kind": "formula", "role": "formula"},
        "goal_expected": {"cell": "B11:F11", "kind": "text", "role": "definition", "valign": "top"},
        "goal_progress": {"cell": "G11:K11", "kind": "text", "role": "input", "valign": "top"},
    },
    "table": {
        "header_row": 12,
        "row_height": 30,
        "columns": {
            "level1": {"cols": "A", "kind": "text", "role": "definition", "header": "level1"},
            "level2": {"cols": "B", "kind": "text", "role": "definition", "header": "level2"},
            "name": {"cols": "C", "kind": "text", "role": "definition", "header": "name"},
            "target": {"cols": "D", "kind": "text", "role": "definition", "header": "target"},
            "progress": {"cols": "E", "kind": "text", "role": "input", "header": "m_progress"},
            "forecast": {"cols": "F", "kind": "text", "role": "input", "header": "m_ind_forecast"},
            "possibility": {"cols": "G", "kind": "text", "role": "input", "header": "m_possibility"},
            "reasons": {"cols": "H", "kind": "text", "role": "input", "header": "m_reasons"},
            "deviation": {"cols": "I", "kind": "text", "role": "input", "header": "m_deviation", "valign": "top"},
            "measures": {"cols": "J", "kind": "text", "role": "input", "header": "m_measures", "valign": "top"},
            "note": {"cols": "K", "kind": "text", "role": "input", "header": "m_ind_note"},
        },
        # Hidden: 1 where the possibility chosen needs the deviation analysis and the measures.
        "helpers": {"first": "M", "keys": ("need",)},
    },
    "footer": {"rows": {}, "labels": [], "fields": {}},
}

_SPECS: Final[dict[str, dict[str, Any]]] = {
    "self_evaluation": _SELF_EVALUATION_SPEC,
    "goal_table": _GOAL_TABLE_SPEC,
    "monitoring": _MONITORING_SPEC,
}
_FORM_ALIASES: Final[dict[str, str]] = {"self-evaluation": "self_evaluation", "goal-table": "goal_table"}

_NUMBER_FORMATS: Final[dict[str, str]] = {
    "amount": AMOUNT_FORMAT,
    "score": SCORE_FORMAT,
    # Scores: two decimals here; the writer uses points_format(profile.decimals) (Field.points).
    "points": points_format(2),
    "yuan": YUAN_FORMAT,
    "year_line": labels.YEAR_LINE_FORMAT,
    "goal_year_line": labels.GOAL_YEAR_LINE_FORMAT,
    "period_line": labels.PERIOD_LINE_FORMAT,
    "text": "@",
}

_SPEC_KEYS: Final = frozenset(
    {"form", "sheet", "title", "columns", "rows", "labels", "fields", "table", "footer", "page_breaks"}
)
_VALIGNS: Final = ("center", "top")
_LABEL_KEYS: Final = frozenset({"cell", "text", "style"})
_FIELD_KEYS: Final = frozenset({"cell", "kind", "role", "format", "hidden", "valign", "prefill"})
_TABLE_KEYS: Final = frozenset({"header_row", "row_height", "columns", "helpers"})
_COLUMN_KEYS: Final = frozenset({"cols", "kind", "role", "header", "format", "valign"})
_HELPER_KEYS: Final = frozenset({"first", "keys"})
_FOOTER_KEYS: Final = frozenset({"rows", "labels", "fields"})
_FOOTER_LABEL_KEYS: Final = frozenset({"offset", "cols", "text", "style"})
_FOOTER_FIELD_KEYS: Final = frozenset({"offset", "cols", "kind", "role", "format", "hidden", "valign"})


def _check_keys(where: str, data: Mapping[str, Any], allowed: frozenset[str]) -> None:
    if not isinstance(data, Mapping):
        raise SpecError(f"布局定义 {where} 应为键值表，实为 {type(data).__name__}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise SpecError(
            f"布局定义 {where} 中有未知的键 {', '.join(map(repr, unknown))}；允许的键：{', '.join(sorted(allowed))}"
        )


def _text(key: str, period: int = DEFAULT_PERIOD) -> str:
    if key == "":
        return ""
    if key in labels.FORM_TEXTS:
        return labels.FORM_TEXTS[key].replace("{n}", str(period))
    raise SpecError(f"布局定义引用了未知的文字 {key!r}；请在 labels.FORM_TEXTS 中添加")


def _enum(enum: type[StrEnum], value: Any, where: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise SpecError(f"布局定义 {where} 的取值 {value!r} 无效；允许：{allowed}") from None


def _format(value: str | None, where: str) -> str | None:
    if value is None:
        return None
    if value not in _NUMBER_FORMATS:
        raise SpecError(f"布局定义 {where} 的 format {value!r} 无效；允许：{', '.join(_NUMBER_FORMATS)}")
    return _NUMBER_FORMATS[value]


def _valign(value: Any, where: str) -> str:
    if value is None:
        return "center"
    if value not in _VALIGNS:
        raise SpecError(f"布局定义 {where} 的 valign {value!r} 无效；允许：{', '.join(_VALIGNS)}")
    return str(value)


def _cols(spec: str) -> tuple[int, int]:
    first, _, last = spec.partition(":")
    a, b = col_index(first), col_index(last or first)
    return min(a, b), max(a, b)


def _build(spec: Mapping[str, Any], capacity: int, period: int = DEFAULT_PERIOD) -> Layout:
    _check_keys("（顶层）", spec, _SPEC_KEYS)
    form = spec["form"]
    labels_out: list[Label] = []
    for item in spec.get("labels", []):
        _check_keys(f"labels[{item.get('cell')}]", item, _LABEL_KEYS)
        r1, c1, r2, c2 = parse_range(item["cell"])
        style = _enum(Style, item.get("style", "label"), f"labels[{item['cell']}].style")
        labels_out.append(Label(item["text"], _text(item["text"], period), r1, c1, r2, c2, style))
    fields: list[Field] = []
    for path, item in spec.get("fields", {}).items():
        _check_keys(f"fields.{path}", item, _FIELD_KEYS)
        r1, c1, r2, c2 = parse_range(item["cell"])
        fields.append(_field(path, item, (r1, c1, r2, c2), f"fields.{path}"))
    table_spec = spec["table"]
    _check_keys("table", table_spec, _TABLE_KEYS)
    header_row = int(table_spec["header_row"]) - 1
    columns: list[Column] = []
    for key, item in table_spec["columns"].items():
        _check_keys(f"table.columns.{key}", item, _COLUMN_KEYS)
        c1, c2 = _cols(item["cols"])
        columns.append(
            Column(key, c1, c2, **_declared(item, f"table.columns.{key}"), header=_text(item["header"], period))
        )
    helpers: list[Column] = []
    if "helpers" in table_spec:
        helper_spec = table_spec["helpers"]
        _check_keys("table.helpers", helper_spec, _HELPER_KEYS)
        first = col_index(helper_spec["first"])
        helpers = [
            Column(key, first + i, first + i, Kind.FORMULA, Role.FORMULA, None, key)
            for i, key in enumerate(helper_spec["keys"])
        ]
    table = IndicatorTable(
        header_row=header_row,
        first_row=header_row + 1,
        capacity=capacity,
        row_height=float(table_spec.get("row_height", 30)),
        columns=tuple(columns),
        helpers=tuple(helpers),
    )
    footer = spec.get("footer", {})
    _check_keys("footer", footer, _FOOTER_KEYS)
    end = table.end_row
    for item in footer.get("labels", []):
        _check_keys("footer.labels", item, _FOOTER_LABEL_KEYS)
        c1, c2 = _cols(item["cols"])
        row = end + int(item["offset"])
        style = _enum(Style, item.get("style", "label"), "footer.labels.style")
        labels_out.append(Label(item["text"], _text(item["text"], period), row, c1, row, c2, style))
    for path, item in footer.get("fields", {}).items():
        _check_keys(f"footer.fields.{path}", item, _FOOTER_FIELD_KEYS)
        c1, c2 = _cols(item["cols"])
        row = end + int(item["offset"])
        fields.append(_field(path, item, (row, c1, row, c2), f"footer.fields.{path}"))
    widths = spec["columns"]
    ncols = max(col_index(c) for c in widths) + 1
    col_widths = tuple(float(widths.get(col_letter(c), 9)) for c in range(ncols))
    heights: dict[int, float] = {int(r) - 1: float(h) for r, h in spec.get("rows", {}).items()}
    for index in range(capacity):
        heights.setdefault(table.row(index), table.row_height)
    for offset, height in footer.get("rows", {}).items():
        heights[end + int(offset)] = float(height)
    layout = Layout(
        form=form,
        sheet_name=labels.SHEET_NAMES[spec["sheet"]],
        title=_text(spec["title"], period),
        ncols=ncols,
        col_widths=col_widths,
        row_heights=heights,
        labels=tuple(labels_out),
        fields=tuple(fields),
        table=table,
        page_breaks=tuple(sorted(int(r) - 1 for r in spec.get("page_breaks", ()))),
    )
    for row in layout.page_breaks:
        if not 0 < row <= layout.last_row:
            raise SpecError(f"布局定义 page_breaks 中的行 {row + 1} 不在表单内（2–{layout.last_row + 1}）")
    _check_overlaps(layout)
    return layout


def _check_overlaps(layout: Layout) -> None:
    """Two declarations claiming one cell is a spec error, found at import time."""
    seen: dict[tuple[int, int], str] = {}

    def claim(what: str, r1: int, c1: int, r2: int, c2: int) -> None:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) in seen:
                    raise SpecError(f"布局定义冲突：{what} 与 {seen[(r, c)]} 都占用 {to_a1(r, c)}")
                seen[(r, c)] = what

    for lb in layout.labels:
        claim(f"label {lb.key or lb.ref}", lb.row, lb.col, lb.last_row, lb.last_col)
    for f in layout.fields:
        claim(f"field {f.path}", f.row, f.col, f.last_row, f.last_col)
    table = layout.table
    for column in (*table.columns, *table.helpers):
        claim(f"column {column.key}", table.header_row, column.col, table.last_row, column.last_col)


def normalize_form(form: str) -> str:
    """``self-evaluation`` or ``self_evaluation`` → ``self_evaluation`` (and ``goal-table``, ``monitoring``); SpecError otherwise."""
    name = _FORM_ALIASES.get(form, form)
    if name not in _SPECS:
        raise SpecError(f"未知的表单 {form!r}；允许：{', '.join(FORMS)}（或 self-evaluation、goal-table）")
    return name


@lru_cache(maxsize=256)
def get_layout(form: str, capacity: int | None = None, period: int | None = None) -> Layout:
    """The layout of ``form`` with room for ``capacity`` indicators (blank: 30).

    ``period`` (monitoring: the N of 1–N月) changes the texts the labels print, never a coordinate.
    """
    name = normalize_form(form)
    if capacity is None:
        capacity = BLANK_CAPACITY
    if not 1 <= capacity <= MAX_CAPACITY:
        raise SpecError(f"指标行数 {capacity} 超出范围（1–{MAX_CAPACITY}）")
    if period is not None and not 1 <= period <= 12:
        raise SpecError(f"监控期间 {period} 超出范围（1–12）")
    return _build(_SPECS[name], capacity, DEFAULT_PERIOD if period is None else period)


def layout_for(record: Record | None, form: str | None = None) -> Layout:
    """A blank layout (no record) or one with exactly the record's indicator rows."""
    if record is None:
        if form is None:
            raise SpecError("需要表单类型或记录")
        return get_layout(form)
    return get_layout(form or record.form, max(1, len(record.indicators)))


def spec_of(form: str) -> dict[str, Any]:
    """A deep copy of a form's declaration (for tests and for deriving regional variants)."""
    copy: dict[str, Any] = json.loads(json.dumps(_SPECS[normalize_form(form)], ensure_ascii=False))
    return copy


def _field(path: str, item: Mapping[str, Any], bounds: tuple[int, int, int, int], where: str) -> Field:
    """A declared field at ``bounds`` (zero-based first/last row and column); ``where`` names it in errors."""
    r1, c1, r2, c2 = bounds
    return Field(
        path,
        r1,
        c1,
        r2,
        c2,
        **_declared(item, where),
        label=labels.FIELD_LABELS.get(path, path),
        hidden=bool(item.get("hidden", False)),
        prefill=bool(item.get("prefill", False)),
    )


def _declared(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    """What a field and a table column both declare, checked (``where`` names it in errors): kind,
    role, number format, vertical alignment, and whether it is a score (format ``points``)."""
    return {
        "kind": _enum(Kind, item["kind"], f"{where}.kind"),
        "role": _enum(Role, item["role"], f"{where}.role"),
        "num_format": _format(item.get("format"), f"{where}.format"),
        "valign": _valign(item.get("valign"), f"{where}.valign"),
        "points": item.get("format") == "points",
    }


def build_layout(spec: Mapping[str, Any], capacity: int = BLANK_CAPACITY) -> Layout:
    """Build a layout from a declaration (validated: unknown keys raise SpecError)."""
    return _build(spec, capacity)


def group_spans(values: Sequence[str], parents: Sequence[str] | None = None) -> list[tuple[int, int]]:
    """Runs of equal consecutive non-empty values → ``[(first, last), ...]`` (zero-based, inclusive).

    With ``parents`` a run also ends where the parent value changes (a level-2
    group never crosses a level-1 boundary).
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        boundary = (
            i == len(values)
            or values[i] != values[start]
            or not values[i]
            or (parents is not None and parents[i] != parents[start])
        )
        if boundary:
            spans.append((start, i - 1))
            start = i
    return spans


# ---------------------------------------------------------------------------
# The fingerprint of the locked content.


def _num(value: Any) -> str | None:
    if value is None:
        return None
    text = format(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def locked_content(record: Record | None, locked: Sequence[str], form: str | None = None) -> dict[str, Any]:
    """The content a template locks, in canonical form (normalized text, canonical numbers).

    ``locked`` lists the groups of :data:`LOCK_GROUPS` the template locked.
    """
    unknown = sorted(set(locked) - set(LOCK_GROUPS))
    if unknown:
        raise SpecError(f"未知的锁定内容 {', '.join(unknown)}；允许：{', '.join(LOCK_GROUPS)}")
    form_name = normalize_form(form or (record.form if record is not None else ""))
    out: dict[str, Any] = {"form": form_name, "locked": sorted(locked)}
    if record is None:
        return out
    if "project" in locked:
        if isinstance(record, (SelfEvaluation, Monitoring)):
            keys: tuple[str, ...] = ("department", "implementing_unit", "project_name")
        else:
            keys = GoalTable.HEADER_KEYS
        out["project"] = {k: normalize_text(getattr(record, k)) for k in keys}
        out["project"]["year"] = record.year
    if "indicators" in locked:
        rows = []
        for ind in record.indicators:
            row: dict[str, Any] = {
                "level1": normalize_text(ind.level1),
                "level2": normalize_text(ind.level2),
                "name": normalize_text(ind.name),
                "target": normalize_text(ind.target),
            }
            if "weights" in locked:
                row["weight"] = _num(getattr(ind, "weight", None))
            rows.append(row)
        out["indicators"] = rows
    return out


def fingerprint(record: Record | None, locked: Sequence[str], form: str | None = None) -> str:
    """sha256 (hex) of :func:`locked_content`: the validator recomputes it from a read workbook."""
    content = locked_content(record, locked, form)
    data = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def locked_digests(record: Record | None, locked: Sequence[str], form: str | None = None) -> dict[str, str]:
    """A short digest of each locked field, by record path (``indicators[2].target``).

    The fingerprint says that locked content changed; these say which cell: the validator
    compares them field by field with what it read.
    """
    content = locked_content(record, locked, form)
    out: dict[str, str] = {}
    project: dict[str, Any] = content.get("project", {})
    for key, value in project.items():
        out[key] = _short_digest(value)
    rows: list[dict[str, Any]] = content.get("indicators", [])
    for index, row in enumerate(rows):
        for key, value in row.items():
            out[f"indicators[{index}].{key}"] = _short_digest(value)
    return out


def _short_digest(value: Any) -> str:
    data = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:10]


def locked_values(record: Record | None, locked: Sequence[str], form: str | None = None) -> dict[str, Any]:
    """Each locked field's value as written, by record path (``indicators[2].target`` → ``≥200(家)``):
    what a template was distributed with, so a changed cell can be named with its original."""
    out: dict[str, Any] = {}
    if record is None:
        return out
    content = locked_content(record, locked, form)
    for key in content.get("project", {}):
        value = record.year if key == "year" else getattr(record, key, None)
        out[key] = value
    for index, row in enumerate(content.get("indicators", [])):
        ind = record.indicators[index]
        for key in row:
            out[f"indicators[{index}].{key}"] = getattr(ind, key, None)
    return out


def encode_locked_values(record: Record | None, locked: Sequence[str], form: str | None = None) -> str:
    """:func:`locked_values` as the metadata sheet stores it (compact JSON)."""
    return json.dumps(locked_values(record, locked, form), ensure_ascii=False, separators=(",", ":"))


def decode_locked_values(text: str) -> dict[str, Any]:
    """The inverse of :func:`encode_locked_values`; anything malformed gives an empty mapping."""
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return (
        {str(k): v for k, v in data.items() if isinstance(v, (str, int, float)) or v is None}
        if isinstance(data, dict)
        else {}
    )


def encode_digests(digests: Mapping[str, str]) -> str:
    """``path=digest;path=digest`` as the metadata sheet stores it."""
    return ";".join(f"{path}={digest}" for path, digest in digests.items())


def decode_digests(text: str) -> dict[str, str]:
    """The inverse of :func:`encode_digests`; malformed pieces are ignored."""
    out: dict[str, str] = {}
    for piece in text.split(";"):
        path, sep, digest = piece.partition("=")
        if sep and path and digest:
            out[path] = digest
    return out


__all__ = [
    "BLANK_CAPACITY",
    "LAYOUT_VERSION",
    "LOCK_GROUPS",
    "META_KEYS",
    "META_SHEET",
    "Column",
    "Field",
    "IndicatorTable",
    "Kind",
    "Label",
    "Layout",
    "Role",
    "Style",
    "build_layout",
    "decode_digests",
    "decode_locked_values",
    "encode_digests",
    "encode_locked_values",
    "field_name",
    "fingerprint",
    "get_layout",
    "group_spans",
    "indicator_name",
    "layout_for",
    "locked_content",
    "locked_digests",
    "locked_values",
    "meta_name",
    "normalize_form",
    "parse_indicator_name",
    "points_format",
    "spec_of",
]
