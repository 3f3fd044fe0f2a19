"""Templates of both forms with xlsxwriter, cell for cell from :mod:`sheetperf.forms.layout`.

``write_template(path, form, record=None, ...)`` writes a blank template (30
indicator rows, every definition cell an input) or a pre-filled one (the
record's project information, indicators, targets and weights written and
locked; its inputs left empty for the department).

Guarantees a reader and a spreadsheet program rely on:

* user text is always written with ``write_string``: a target ``=1(场)`` stays text;
* formula cells carry an empty cached result (``value=""``): every program computes
  them on open (LibreOffice computes a formula without a cached value even when set
  never to recalculate), and no reader mistakes a placeholder 0 for a score;
* the output is deterministic: fixed document timestamps (``SOURCE_DATE_EPOCH`` or
  :data:`FIXED_DATE`) and xlsxwriter's fixed zip member dates, so the same inputs
  give byte-identical files;
* the metadata (form, layout version, profile, sheetperf version, capacity, locked
  groups and the fingerprint of the locked content) sits on a very hidden sheet
  behind ``SP_meta_*`` names and in custom document properties.

How it prints (A4 portrait, centred, print area = the form, indicator header repeated
on every page): a pre-filled form is fitted to one page wide and runs as long as its
text; a blank form is fitted to its declared pages when its height, not its width,
would push it over (:func:`blank_fit_pages`: the blank self-evaluation, 30 rows, on one
page; the blank goal table's indicator block on a page of its own, page 2, at page
width).  The spreadsheet program computes the scale from its own font metrics, so
Excel, WPS and LibreOffice agree.  A blank year line shows "(      年度)".
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import MethodType
from typing import Any, Final

import xlsxwriter
import xlsxwriter.exceptions
import xlsxwriter.worksheet
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from sheetperf.errors import InputError, OutputError
from sheetperf.forms.formulas import (
    deviation_missing_rule,
    forecast_note_rule,
    form_formulas,
    goal_heading_formula,
    lag_rule,
    level_list,
    monitoring_formulas,
    reason_missing_rule,
    weight_total_rule,
)
from sheetperf.forms.layout import (
    LAYOUT_VERSION,
    META_SHEET,
    Column,
    Field,
    Kind,
    Layout,
    Role,
    Style,
    encode_digests,
    encode_locked_values,
    fingerprint,
    get_layout,
    group_spans,
    locked_digests,
    meta_name,
    normalize_form,
    points_format,
)
from sheetperf.io.atomic import atomic_path
from sheetperf.io.rowsheet import cell_text, markup_shaped
from sheetperf.model.a1 import quote_sheet, range_a1, to_a1
from sheetperf.model.memo import BatchCache
from sheetperf.model.record import (
    FUND_ROWS,
    GoalTable,
    Indicator,
    Monitoring,
    MonitoringIndicator,
    Record,
    SelfEvaluation,
)
from sheetperf.rules.parsing import Level
from sheetperf.rules.profiles import DEFAULT_PROFILE, Profile, get_profile
from sheetperf.version import __version__
from sheetperf.vocab import labels, words
from sheetperf.vocab.text import display_width

FIXED_DATE: Final = datetime(2024, 1, 1, tzinfo=UTC)
YUAN_PER_WAN: Final = Decimal(10000)
FONT: Final = labels.FONT_NAME
FONT_CHARSET: Final = 134  # GB2312: Excel picks a Chinese font, others substitute (Noto Sans CJK)
FONT_SIZE: Final = 10.5
INPUT_FILL: Final = "#FFF9DB"
ALERT_FILL: Final = "#F8CBAD"
LINE_HEIGHT: Final = 14.0  # points per wrapped line at FONT_SIZE
MAX_ROW_HEIGHT: Final = 409.0
#: The smallest font a long text is shrunk to (:func:`fitting_font_size`).
MIN_FONT_SIZE: Final = 6.0
YEAR_PLACEHOLDER: Final = " "  # a blank template's year cell (see Writer.field)
DEFAULT_ROW_HEIGHT: Final = 15.0  # an undeclared row (Excel's default)
#: Print setup (inches): A4 portrait; a blank form is scaled to fit its pages.
PAGE_WIDTH, PAGE_HEIGHT = 8.27, 11.69
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM = 0.5, 0.5, 0.5
INSTRUCTIONS_WIDTH: Final = 92.0  # the 填表说明 column: fits the A4 width at 100%
MIN_YEAR, MAX_YEAR = 2000, 2100


def write_text(ws: Worksheet, row: int, col: int, text: str, fmt: Format | None = None) -> None:
    """Write text as text, whatever it holds — the only way user text reaches a worksheet.

    ``write_string`` never makes a formula of it, but xlsxwriter copies a string shaped
    like its own rich-string markup (starting ``<r>`` and ending ``</r>``) into the sheet
    XML unescaped, so such a text could close its cell and add cells or formulas after it.
    That shape is written as a rich string of three runs instead (xlsxwriter's minimum),
    which xlsxwriter escapes and every spreadsheet shows (and sheetperf reads) as the same text.
    """
    # Lone surrogates mended (a file name that was not UTF-8, GBK from a Windows share) and the
    # text cut to Excel's limit first: the cut text is the one xlsxwriter would copy as markup.
    text = cell_text(text)
    if markup_shaped(text):
        parts: list[Any] = [text[:1], text[1:2], text[2:]]
        if fmt is not None:
            parts.append(fmt)
        ws.write_rich_string(row, col, *parts)
    else:
        ws.write_string(row, col, text, fmt)


def document_date() -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else :data:`FIXED_DATE`."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return FIXED_DATE


def wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped in a cell ``width`` units wide (CJK characters count twice)."""
    usable = max(width * 0.92 - 1, 4)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in text.split("\n")) if text else 1


def text_height(text: str, width: float, *, minimum: float) -> float:
    """Row height (points) that shows ``text`` wrapped in a cell ``width`` units wide."""
    return min(MAX_ROW_HEIGHT, max(minimum, wrapped_lines(text, width) * LINE_HEIGHT + 6))


def fitting_font_size(text: str, width: float) -> float | None:
    """The largest font size (half points, from :data:`FONT_SIZE` down to 6) at which ``text``
    fits a cell ``width`` units wide in the tallest row Excel allows; None when it fits as it is.

    Excel cannot make a row taller than 409 pt: a longer text (a 实际完成情况 of two thousand
    characters) is printed whole only in a smaller font.
    """
    limit = MAX_ROW_HEIGHT - 6
    if wrapped_lines(text, width) * LINE_HEIGHT <= limit:
        return None
    size = FONT_SIZE
    while size > MIN_FONT_SIZE:
        size -= 0.5
        ratio = size / FONT_SIZE
        # A smaller font puts more characters on a line and takes less height a line; a margin
        # of 5 % for the difference between this estimate and a program's line breaking.
        if wrapped_lines(text, width / ratio) * LINE_HEIGHT * ratio <= limit * 0.95:
            return size
    return MIN_FONT_SIZE


def column_points(width: float) -> float:
    """Printed width (points) of a column ``width`` characters wide (Excel's 7-pixel digit, 5 px padding)."""
    if width <= 0:
        return 0.0
    pixels = int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)
    return pixels * 0.75


def page_scales(layout: Layout, heights: Mapping[int, float]) -> tuple[float, float]:
    """(scale that fits the form's width, scale that fits its tallest page) on A4 portrait.

    Pages are the runs of rows between :attr:`Layout.page_breaks`; a page after the
    indicator header repeats it.
    """
    width = sum(column_points(w) for w in layout.col_widths[: layout.ncols])
    usable_width = (PAGE_WIDTH - 2 * MARGIN_SIDE) * 72
    usable_height = (PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) * 72
    header = layout.table.header_row
    starts = [0, *(r for r in layout.page_breaks if 0 < r <= layout.last_row)]
    ends = [*(r - 1 for r in starts[1:]), layout.last_row]
    tallest = 0.0
    for first, last in zip(starts, ends, strict=True):
        page = sum(heights.get(r, DEFAULT_ROW_HEIGHT) for r in range(first, last + 1))
        if first > header:
            page += heights.get(header, DEFAULT_ROW_HEIGHT)
        tallest = max(tallest, page)
    return usable_width / width, usable_height / max(tallest, 1.0)


def blank_fit_pages(layout: Layout, heights: Mapping[int, float]) -> int | None:
    """How many pages tall a blank form is fitted to, or None when fitting the page width
    already keeps it on its declared pages (then it prints "one page wide" like a filled form).

    Fitting (rather than a fixed scale) lets each program compute the scale from its own
    font metrics, so the blank self-evaluation stays on one page in Excel, WPS and LibreOffice.
    """
    by_width, by_height = page_scales(layout, heights)
    if by_height >= by_width:
        return None
    return len([r for r in layout.page_breaks if 0 < r <= layout.last_row]) + 1


def goal_to_self_evaluation(goal: GoalTable) -> SelfEvaluation:
    """A self-evaluation pre-filled from a goal table: same project, indicators and targets."""
    return SelfEvaluation(
        year=goal.year,
        implementing_unit=goal.applicant_unit,
        project_name=goal.project_name,
        slug=goal.slug,
        indicators=[
            Indicator(level1=i.level1, level2=i.level2, name=i.name, target=i.target, weight=i.weight)
            for i in goal.indicators
        ],
    )


def goal_to_monitoring(goal: GoalTable) -> Monitoring:
    """A monitoring form pre-filled from a goal table: project, 年度总体目标, indicators and targets, and
    the year's budget (元 → 万元, two decimals) as 年初预算数."""
    record = Monitoring(
        year=goal.year,
        department=goal.department or "",
        implementing_unit=goal.applicant_unit,
        project_name=goal.project_name,
        slug=goal.slug,
        goal_expected=goal.texts.get("objectives", ""),
        indicators=[
            MonitoringIndicator(level1=i.level1, level2=i.level2, name=i.name, target=i.target)
            for i in goal.indicators
        ],
    )
    for row, key in (
        ("total", "current_year"),
        ("current_year_appropriation", "current_year_appropriation"),
        ("other", "current_year_other"),
    ):
        yuan = goal.budget_yuan.get(key)
        if yuan is not None:
            wan = (Decimal(str(yuan)) / YUAN_PER_WAN).quantize(Decimal("0.01"))
            getattr(record.funds, row).initial_budget = int(wan) if wan == wan.to_integral_value() else float(wan)
    return record


def monitoring_to_self_evaluation(monitoring: Monitoring) -> SelfEvaluation:
    """A self-evaluation pre-filled from a monitoring return: the same project, indicators and targets,
    年度总体目标 and 年初预算数 (the department states the year's figures)."""
    record = SelfEvaluation(
        year=monitoring.year,
        department=monitoring.department,
        implementing_unit=monitoring.implementing_unit,
        project_name=monitoring.project_name,
        slug=monitoring.slug,
        goal_expected=monitoring.goal_expected,
        indicators=[
            Indicator(level1=i.level1, level2=i.level2, name=i.name, target=i.target) for i in monitoring.indicators
        ],
    )
    for name in FUND_ROWS:
        getattr(record.funds, name).initial_budget = getattr(monitoring.funds, name).initial_budget
    return record


def prepare_record(form: str, record: Record | None) -> Record | None:
    """The record a template of ``form`` is pre-filled from (a goal table → self-evaluation or monitoring,
    a monitoring return → self-evaluation)."""
    name = normalize_form(form)
    if record is None:
        return None
    if name == "self_evaluation" and isinstance(record, GoalTable):
        return goal_to_self_evaluation(record)
    if name == "self_evaluation" and isinstance(record, Monitoring):
        return monitoring_to_self_evaluation(record)
    if name == "goal_table" and not isinstance(record, GoalTable):
        raise InputError(labels.TEMPLATE_MESSAGES["goal_table_from_self_evaluation"])
    if name == "monitoring" and isinstance(record, GoalTable):
        return goal_to_monitoring(record)
    if name == "monitoring" and not isinstance(record, Monitoring):
        raise InputError(labels.TEMPLATE_MESSAGES["monitoring_from_self_evaluation"])
    return record


def locked_groups(record: Record | None) -> tuple[str, ...]:
    """What a template pre-filled from ``record`` locks (see :data:`sheetperf.forms.layout.LOCK_GROUPS`)."""
    if record is None:
        return ()
    groups = ["project", "indicators"]
    if (
        isinstance(record, SelfEvaluation)
        and record.indicators
        and all(i.weight is not None for i in record.indicators)
    ):
        groups.append("weights")
    return tuple(groups)


@dataclass
class _Formats:
    """The workbook's cell formats, created once per workbook."""

    book: Workbook

    def __post_init__(self) -> None:
        self._cache: dict[tuple[tuple[str, Any], ...], Format] = {}

    def get(self, **props: Any) -> Format:
        base: dict[str, Any] = {"font_name": FONT, "font_charset": FONT_CHARSET, "font_size": FONT_SIZE}
        base.update(props)
        key = tuple(sorted(base.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self.book.add_format(base)
            self._cache[key] = fmt
        return fmt

    def cell(
        self, *, style: str, input_cell: bool = False, num_format: str | None = None, valign: str = "center"
    ) -> Format:
        props: dict[str, Any] = {"border": 1, "valign": "top" if valign == "top" else "vcenter", "text_wrap": True}
        if style == Style.TITLE:
            props = {"bold": True, "font_size": 18, "align": "center", "valign": "vcenter"}
        elif style == Style.SUBTITLE:
            props = {"align": "center", "valign": "vcenter", "font_size": 11}
        elif style in (Style.LABEL, Style.VALUE, "center"):
            props["align"] = "center"
        elif style in (Style.HEADER, Style.SECTION):
            props.update(align="center", bold=True)
        elif style == "number":
            props["align"] = "right"
        else:  # free text
            props["align"] = "left"
        if num_format:
            props["num_format"] = num_format
        if input_cell:
            props.update(locked=False, bg_color=INPUT_FILL)
        return self.get(**props)


def _prepare_formula(formula: str, expand_future_functions: bool = False) -> str:
    """xlsxwriter's formula preparation without its ~60 regex passes for Excel 365 functions."""
    if formula.startswith("{"):
        formula = formula[1:]
    if formula.startswith("="):
        formula = formula[1:]
    if formula.endswith("}"):
        formula = formula[:-1]
    return formula


_CELL_FORMULA = getattr(xlsxwriter.worksheet, "CellFormulaTuple", None)


def _write_formula(
    self: Worksheet, row: int, col: int, formula: str, cell_format: Format | None = None, value: Any = 0
) -> int:
    """``Worksheet._write_formula`` without the dynamic-array function search (see below)."""
    if _CELL_FORMULA is None or not formula or self.constant_memory or (formula[0] == "{" and formula[-1] == "}"):
        return int(Worksheet._write_formula(self, row, col, formula, cell_format, value))  # xlsxwriter's own way
    if self._check_dimensions(row, col):
        return -1
    self.table[row][col] = _CELL_FORMULA(_prepare_formula(formula), cell_format, value)
    return 0


def _skip_future_function_scan(ws: Worksheet) -> None:
    """Our formulas use Excel 2007 functions only (checked by tests/test_formulas.py), so the
    ``_xlfn.`` prefixing xlsxwriter does on every formula (95% of a template's write time with
    1,200 long helper formulas) is skipped for the form sheet, and so is the search for
    dynamic-array functions (FILTER, SORT, ...) that precedes it (a further 45% of a blank
    self-evaluation's time).  Both are bound to this one sheet; the output is byte-identical."""
    ws._prepare_formula = _prepare_formula
    ws._write_formula = MethodType(_write_formula, ws)


def _value(record: Record | None, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    return value


@dataclass(eq=False)
class _Writer:
    """Writes one form's sheet of ``layout`` into ``book``, pre-filled from ``record`` when given."""

    book: Workbook
    layout: Layout
    record: Record | None
    year: int | None
    profile: Profile
    locked: tuple[str, ...]
    period: int | None = None
    cache: BatchCache | None = None
    fmt: _Formats = field(init=False)
    ws: Worksheet = field(init=False)
    prefilled: bool = field(init=False)

    def __post_init__(self) -> None:
        self.fmt = _Formats(self.book)
        self.ws = self.book.add_worksheet(self.layout.sheet_name)
        _skip_future_function_scan(self.ws)
        self.prefilled = self.record is not None

    # -- roles -----------------------------------------------------------------------------
    def is_input(self, role: Role, group: str) -> bool:
        if role is Role.INPUT:
            return True
        if role is Role.DEFINITION:
            return group not in self.locked
        return False

    # -- the form sheet ----------------------------------------------------------------------
    def write(self) -> None:
        layout, ws = self.layout, self.ws
        for col, width in enumerate(layout.col_widths):
            ws.set_column(col, col, width)
        helpers = layout.table.helpers
        hidden_first = min([h.col for h in helpers] + [f.col for f in layout.fields if f.hidden], default=None)
        hidden_last = max([h.col for h in helpers] + [f.col for f in layout.fields if f.hidden], default=None)
        if hidden_first is not None and hidden_last is not None:
            ws.set_column(hidden_first, hidden_last, 12, None, {"hidden": True})
        self.heights: dict[int, float] = dict(layout.row_heights)
        for label in layout.labels:
            self.label(label.row, label.col, label.last_row, label.last_col, label.text, label.style)
        for item in layout.fields:
            self.field(item)
        self.indicator_table()
        if layout.form == "self_evaluation":
            self.scoring_formulas()
        elif layout.form == "monitoring":
            self.monitoring_formulas()
        for row, height in sorted(self.heights.items()):
            ws.set_row(row, height)
        self.print_setup()
        self.validations()
        ws.protect(self.password_for_protect, {"select_locked_cells": True, "select_unlocked_cells": True})
        ws.activate()

    password_for_protect = ""

    def label(self, r1: int, c1: int, r2: int, c2: int, text: str, style: Style) -> None:
        fmt = self.fmt.cell(style=style)
        if (r1, c1) != (r2, c2):
            self.ws.merge_range(r1, c1, r2, c2, "", fmt)
        write_text(self.ws, r1, c1, text, fmt)

    def _grow(self, row: int, text: str, width: float, minimum: float) -> None:
        need = text_height(text, width, minimum=minimum)
        if need > self.heights.get(row, 0):
            self.heights[row] = need

    def _width(self, c1: int, c2: int) -> float:
        return sum(self.layout.col_widths[c] for c in range(c1, c2 + 1) if c < len(self.layout.col_widths))

    def field(self, item: Field) -> None:
        ws = self.ws
        if item.kind is Kind.FORMULA:
            if item.hidden:
                return  # written with the scoring formulas
            fmt = self.fmt.cell(style="center", num_format=self.num_format(item))
            if item.merged:
                ws.merge_range(item.row, item.col, item.last_row, item.last_col, "", fmt)
            if item.path == "goal_heading":
                ws.write_formula(
                    item.row, item.col, goal_heading_formula(self.layout), self.fmt.cell(style="section"), ""
                )
            return
        value = _value(self.record, item.path)
        if item.path == "year":
            value = self.year
            is_input = value is None
        else:
            is_input = self.is_input(item.role, "project")
            if item.role is Role.INPUT and not item.prefill:
                value = None  # inputs stay empty: the department fills them
        if item.role is Role.FIXED and item.path == "funds.total.weight" and value is None:
            value = self.profile.budget_weight
        if item.role is Role.FIXED and item.path == "period":
            value = self.period
        if item.kind is Kind.YEAR:
            fmt = self.fmt.cell(style=Style.SUBTITLE, input_cell=is_input, num_format=item.num_format)
        elif item.kind is Kind.NUMBER:
            fmt = self.fmt.cell(style="number", input_cell=is_input, num_format=item.num_format)
        else:
            fmt = self.fmt.cell(style="text", input_cell=is_input, num_format="@", valign=item.valign)
        if item.merged:
            ws.merge_range(item.row, item.col, item.last_row, item.last_col, "", fmt)
        if item.kind is Kind.YEAR and value is None:
            # A space, not a blank: the year format's text section shows the official
            # "(      年度)" until a number is typed (LibreOffice drops an empty string);
            # a reader finds no year in it.
            write_text(ws, item.row, item.col, YEAR_PLACEHOLDER, fmt)
            return
        self._put(item.row, item.col, item.kind, value, fmt)
        if isinstance(value, str) and value:
            self._grow(item.row, value, self._width(item.col, item.last_col), self.heights.get(item.row, 20))

    def _put(self, row: int, col: int, kind: Kind, value: Any, fmt: Format) -> None:
        ws = self.ws
        if value is None or value == "":
            ws.write_blank(row, col, None, fmt)
        elif kind in (Kind.NUMBER, Kind.YEAR) and isinstance(value, (int, float)) and not isinstance(value, bool):
            ws.write_number(row, col, value, fmt)
        elif kind in (Kind.NUMBER, Kind.YEAR) and not isinstance(value, str):
            ws.write_number(row, col, float(value), fmt)
        else:
            write_text(ws, row, col, str(value), fmt)

    def indicator_table(self) -> None:
        ws, table = self.ws, self.layout.table
        header_fmt = self.fmt.cell(style=Style.HEADER)
        for column in table.columns:
            if column.merged:
                ws.merge_range(table.header_row, column.col, table.header_row, column.last_col, "", header_fmt)
            write_text(ws, table.header_row, column.col, column.header, header_fmt)
        indicators = self.record.indicators if self.record is not None else []
        merges: dict[str, dict[int, int]] = {}
        if indicators:
            level1 = [i.level1 for i in indicators]
            level2 = [i.level2 for i in indicators]
            merges["level1"] = {a: b for a, b in group_spans(level1) if b > a}
            merges["level2"] = {a: b for a, b in group_spans(level2, level1) if b > a}
        skip: dict[str, set[int]] = {
            k: {r for a, b in spans.items() for r in range(a + 1, b + 1)} for k, spans in merges.items()
        }
        for index in range(table.capacity):
            row = table.row(index)
            indicator = indicators[index] if index < len(indicators) else None
            for column in table.columns:
                if column.kind is Kind.FORMULA:
                    continue
                if index in skip.get(column.key, set()):
                    continue
                group = "weights" if column.key == "weight" else "indicators"
                is_input = self.is_input(column.role, group)
                value = None
                if indicator is not None and column.role is Role.DEFINITION and not is_input:
                    value = getattr(indicator, column.key)
                if column.kind is Kind.NUMBER:
                    fmt = self.fmt.cell(style="number", input_cell=is_input, num_format=column.num_format)
                elif column.key in ("level1", "level2"):
                    fmt = self.fmt.cell(style="center", input_cell=is_input, num_format="@")
                else:
                    fmt = self.fmt.cell(style="text", input_cell=is_input, num_format="@", valign=column.valign)
                last = merges.get(column.key, {}).get(index)
                if last is not None:
                    ws.merge_range(row, column.col, table.row(last), column.last_col, "", fmt)
                elif column.merged:
                    ws.merge_range(row, column.col, row, column.last_col, "", fmt)
                self._put(row, column.col, column.kind, value, fmt)
                if isinstance(value, str) and value and last is None:
                    self._grow(row, value, self._width(column.col, column.last_col), table.row_height)

    def num_format(self, item: Field | Column) -> str | None:
        """A cell's number format: a score's follows the profile's decimals."""
        return points_format(self.profile.decimals) if item.points else item.num_format

    def scoring_formulas(self) -> None:
        layout, ws, table = self.layout, self.ws, self.layout.table
        formulas = form_formulas(layout, self.profile, self.cache)
        score_fmt = self.fmt.cell(style="center", num_format=self.num_format(table.column("score")))
        plain = self.fmt.get(locked=True)
        for index in range(table.capacity):
            row = table.row(index)
            cells = formulas.row(index, layout)
            for helper in table.helpers:
                ws.write_formula(row, helper.col, cells[helper.key], plain, "")
            ws.write_formula(row, table.column("score").col, cells["score"], score_fmt, "")
        for path, formula in formulas.fields.items():
            item = layout.field(path)
            fmt = plain if item.hidden else self.fmt.cell(style="center", num_format=self.num_format(item))
            ws.write_formula(item.row, item.col, formula, fmt, "")

    def monitoring_formulas(self) -> None:
        layout, ws, table = self.layout, self.ws, self.layout.table
        formulas = monitoring_formulas(layout, self.profile)
        plain = self.fmt.get(locked=True)
        for index in range(table.capacity):
            cells = formulas.row(index, layout)
            for helper in table.helpers:
                ws.write_formula(table.row(index), helper.col, cells[helper.key], plain, "")
        for path, formula in formulas.fields.items():
            item = layout.field(path)
            ws.write_formula(item.row, item.col, formula, self.fmt.cell(style="center", num_format=item.num_format), "")

    def monitoring_validations(self) -> None:
        ws, layout, table = self.ws, self.layout, self.layout.table
        alert = self.book.add_format({"bg_color": ALERT_FILL})
        first, last = table.first_row, table.last_row
        for index in range(table.capacity):
            row = table.row(index)
            for key in ("deviation", "measures"):
                col = table.column(key).col
                ws.conditional_format(
                    row, col, row, col, {"type": "formula", "criteria": reason_missing_rule(layout, index, key), "format": alert}
                )
        del first, last
        for name in FUND_ROWS:
            note = layout.field(f"funds.{name}.note")
            ws.conditional_format(
                note.row,
                note.col,
                note.last_row,
                note.last_col,
                {"type": "formula", "criteria": forecast_note_rule(layout, name), "format": alert},
            )
        flag = layout.field("progress_flag")
        ws.conditional_format(
            flag.row,
            flag.col,
            flag.row,
            flag.col,
            {
                "type": "formula",
                "criteria": lag_rule(layout),
                "format": self.book.add_format({"bg_color": ALERT_FILL, "font_color": "#9C0006"}),
            },
        )

    # -- print setup, validations, conditional formats ----------------------------------------
    def print_setup(self) -> None:
        ws, layout = self.ws, self.layout
        ws.set_paper(9)
        ws.set_portrait()
        pages = None if self.prefilled else blank_fit_pages(layout, self.heights)
        # A filled form: one page wide, as many pages as its text needs (the header repeats).
        ws.fit_to_pages(1, pages or 0)
        ws.center_horizontally()
        ws.set_margins(left=MARGIN_SIDE, right=MARGIN_SIDE, top=MARGIN_TOP, bottom=MARGIN_BOTTOM)
        ws.repeat_rows(layout.table.header_row)
        ws.print_area(*layout.print_area)
        if layout.page_breaks:
            ws.set_h_pagebreaks(list(layout.page_breaks))
        ws.hide_gridlines(2)

    def _prompt(self, key: str) -> dict[str, Any]:
        title, message = labels.TEMPLATE_PROMPTS[key]
        return {"input_title": title[:32], "input_message": message[:255]}

    def _error(self, key: str) -> dict[str, Any]:
        title, message = labels.TEMPLATE_ERRORS[key]
        return {"error_title": title[:32], "error_message": message[:255]}

    def validations(self) -> None:
        ws, layout, table = self.ws, self.layout, self.layout.table
        if self.year is None:
            year = layout.field("year")
            ws.data_validation(
                year.row,
                year.col,
                year.row,
                year.col,
                {"validate": "integer", "criteria": "between", "minimum": MIN_YEAR, "maximum": MAX_YEAR}
                | self._prompt("year")
                | self._error("year"),
            )
        for item in layout.record_fields:
            if item.kind is not Kind.NUMBER or not self.is_input(item.role, "project"):
                continue
            key = "yuan" if item.path.startswith("budget_yuan") else "amount"
            ws.data_validation(
                item.row,
                item.col,
                item.row,
                item.col,
                {"validate": "decimal", "criteria": ">=", "value": 0} | self._prompt(key) | self._error(key),
            )
        first, last = table.first_row, table.last_row
        for column in table.columns:
            group = "weights" if column.key == "weight" else "indicators"
            if column.kind is Kind.FORMULA or not self.is_input(column.role, group):
                continue
            if column.key == "weight":
                options = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100} | self._error(
                    "weight"
                )
            elif column.key in ("level1", "level2"):
                options = {
                    "validate": "list",
                    "source": f"=SP_list_{column.key}",
                    "error_type": "warning",
                } | self._error("category")
            elif column.key == "actual":
                options = {"validate": "list", "source": "=SP_list_levels", "show_error": False}
            elif column.key in ("possibility", "reasons") and layout.form == "monitoring":
                # possibility: one of the profile's choices; reasons: a choice, or several typed with 、
                options = {"validate": "list", "source": f"=SP_list_{column.key}"} | (
                    self._error("possibility") if column.key == "possibility" else {"show_error": False}
                )
            else:
                options = {"validate": "any"}
            prompt_key = column.key if column.key in labels.TEMPLATE_PROMPTS else "text"
            ws.data_validation(first, column.col, last, column.last_col, options | self._prompt(prompt_key))
        if layout.form == "monitoring":
            self.monitoring_validations()
        if layout.form == "self_evaluation":
            deviation = table.column("deviation")
            ws.conditional_format(
                first,
                deviation.col,
                last,
                deviation.last_col,
                {
                    "type": "formula",
                    "criteria": deviation_missing_rule(layout, 0),
                    "format": self.book.add_format({"bg_color": ALERT_FILL}),
                },
            )
            total = layout.field("total_weight")
            ws.conditional_format(
                total.row,
                total.col,
                total.row,
                total.col,
                {
                    "type": "formula",
                    "criteria": weight_total_rule(layout, self.profile),
                    "format": self.book.add_format({"bg_color": ALERT_FILL, "font_color": "#9C0006"}),
                },
            )


def _lists_sheet(book: Workbook, profile: Profile, fmt: _Formats, password: str, monitoring: bool = False) -> None:
    ws = book.add_worksheet(labels.SHEET_NAMES["lists"])
    level1 = list(profile.framework)
    level2: list[str] = []
    for children in profile.framework.values():
        level2.extend(v for v in children if v not in level2)
    levels = [*level_list(), labels.NOT_APPLICABLE_CHOICE]
    sheet = quote_sheet(labels.SHEET_NAMES["lists"])
    lists: tuple[tuple[str, Sequence[str]], ...] = (("level1", level1), ("level2", level2), ("levels", levels))
    if monitoring:
        lists += (("possibility", profile.monitoring.possibility), ("reasons", profile.monitoring.reasons))
    for col, (key, values) in enumerate(lists):
        ws.set_column(col, col, 30)
        for row, value in enumerate(values):
            write_text(ws, row, col, value, fmt.get())
        book.define_name(f"SP_list_{key}", f"={sheet}!{range_a1(0, col, len(values) - 1, col, absolute=True)}")
    ws.protect(password, {})
    ws.hide()


def instruction_values(profile: Profile) -> dict[str, str]:
    """The placeholders of :data:`labels.INSTRUCTIONS`, filled from the rules in force."""
    parts = labels.INSTRUCTION_PARTS
    bands = profile.bands

    def band(level: Level) -> str:
        b = bands[level]
        key = "band_inclusive" if b.high_inclusive else "band_exclusive"
        return parts[key].format(low=_plain(b.low), high=_plain(b.high))

    over_target = ""
    if profile.over_target is not None:
        rule = profile.over_target
        over_target = parts["over_target"].format(
            ratio=_plain(rule.ratio), deduct=_plain(rule.deduct), keep=_plain(100 - rule.deduct)
        )
    caps = ""
    if profile.total_caps:
        items = parts["cap_sep"].join(
            parts["cap_item"].format(below=_plain(c.below), max=_plain(c.max)) for c in profile.total_caps
        )
        caps = parts["caps"].format(items=items)
    return {
        "rescale": parts["rescale_on"] if profile.rescale_not_applicable else parts["rescale_off"],
        "over": _plain(profile.over_completion_ratio),
        "profile": profile.title,
        "budget_weight": _plain(profile.budget_weight),
        "indicator_weight": _plain(profile.indicator_weight),
        "total_weight": _plain(profile.total_weight),
        "reverse": parts[f"reverse_{profile.reverse_rule}"],
        "over_target": over_target,
        "achieved": _plain(bands[Level.ACHIEVED].default),
        "partial": _plain(bands[Level.PARTIAL].default),
        "not_achieved": _plain(bands[Level.NOT_ACHIEVED].default),
        "achieved_band": band(Level.ACHIEVED),
        "partial_band": band(Level.PARTIAL),
        "not_achieved_band": band(Level.NOT_ACHIEVED),
        "decimals": parts[f"decimals_{profile.decimals}"],
        "caps": caps,
        "grades": parts["grade_sep"].join(
            parts["grade_item"].format(name=g.name, min=_plain(g.min)) for g in profile.grades
        ),
    }


def instruction_lines(profile: Profile) -> list[str]:
    """The lines of the 填表说明 sheet under ``profile`` (lines that come out empty left out)."""
    values = instruction_values(profile)
    return [text for text in (line.format(**values) for line in labels.INSTRUCTIONS) if text]


def monitoring_instruction_lines(profile: Profile, period: int) -> list[str]:
    """The lines of a monitoring template's 填表说明 sheet."""
    settings = profile.monitoring
    sep = words.LIST_SEPARATOR
    time = (Decimal(period) * 100 / 12).quantize(Decimal("0.01"))
    values = {
        "period": str(period),
        "time": _plain(time),
        "threshold": _plain(settings.lag_threshold),
        "possibility": sep.join(settings.possibility),
        "first": settings.possibility[0],
        "reasons": sep.join(settings.reasons),
        "profile": profile.title,
    }
    return [line.format(**values) for line in labels.MONITORING_INSTRUCTIONS]


def _instructions_sheet(
    book: Workbook, profile: Profile, fmt: _Formats, password: str, period: int | None = None
) -> None:
    ws = book.add_worksheet(labels.SHEET_NAMES["instructions"])
    ws.set_column(0, 0, INSTRUCTIONS_WIDTH)
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.6, right=0.6, top=0.75, bottom=0.75)
    ws.hide_gridlines(2)
    title = fmt.get(bold=True, font_size=16, valign="vcenter")
    heading = fmt.get(bold=True, font_size=12, text_wrap=True, valign="vcenter")
    body = fmt.get(text_wrap=True, valign="top")
    lines = instruction_lines(profile) if period is None else monitoring_instruction_lines(profile, period)
    for row, text in enumerate(lines):
        if row == 0:
            write_text(ws, row, 0, text, title)
            ws.set_row(row, 30)
        elif text.startswith(labels.INSTRUCTION_HEADINGS):
            write_text(ws, row, 0, text, heading)
            ws.set_row(row, 22)
        else:
            write_text(ws, row, 0, text, body)
            ws.set_row(row, text_height(text, INSTRUCTIONS_WIDTH, minimum=18))
    ws.protect(password, {"select_locked_cells": True})


def _plain(value: Any) -> str:
    text = format(value, "f") if not isinstance(value, str) else value
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def template_meta(layout: Layout, record: Record | None, profile: Profile, locked: Sequence[str]) -> dict[str, str]:
    """The metadata a template carries (keys of :data:`sheetperf.forms.layout.META_KEYS`)."""
    return {
        "form": layout.form,
        "layout_version": LAYOUT_VERSION,
        "profile": profile.name,
        "sheetperf_version": __version__,
        "capacity": str(layout.table.capacity),
        "locked": ",".join(locked),
        "fingerprint": fingerprint(record, locked, layout.form),
        "cell_digests": encode_digests(locked_digests(record, locked, layout.form)) if locked else "",
        "locked_values": encode_locked_values(record, locked, layout.form) if locked else "",
    }


# Excel shows and keeps custom document property values of up to 255 characters.
_CUSTOM_PROPERTY_MAX = 255


def _meta_sheet(book: Workbook, meta: dict[str, str], fmt: _Formats, password: str) -> None:
    ws = book.add_worksheet(META_SHEET)
    sheet = quote_sheet(META_SHEET)
    for row, (key, value) in enumerate(meta.items()):
        write_text(ws, row, 0, key, fmt.get())
        write_text(ws, row, 1, value, fmt.get())
        book.define_name(meta_name(key), f"={sheet}!{to_a1(row, 1, absolute=True)}")
        if len(value) <= _CUSTOM_PROPERTY_MAX:  # the per-cell digests outgrow a document property
            book.set_custom_property(f"sheetperf_{key}", value)
    ws.protect(password, {})
    ws.very_hidden()


def write_template(
    path: str | Path,
    form: str,
    *,
    record: Record | None = None,
    year: int | None = None,
    profile: str | Profile = DEFAULT_PROFILE,
    password: str | None = None,
    form_id: str | None = None,
    period: int | None = None,
    cache: BatchCache | None = None,
) -> Path:
    """Write a blank (``record=None``) or pre-filled template of ``form``; returns the path.

    ``form`` is ``self_evaluation``/``self-evaluation`` or ``goal_table``/``goal-table``.
    A goal-table record pre-fills a self-evaluation's project and indicators (weights
    as the goal table gives them, else left for the department).  ``year`` overrides the
    record's year.  ``password`` protects the sheets with a password (none by default).
    ``form_id`` (distribute) is stored as one more metadata row, ``form_id``, so a
    returned copy can be told apart from a namesake's.  ``period`` (monitoring): the months
    1–N the form reports on; the record's, else the profile's ``[monitoring] period``.  ``cache``:
    the memory of a batch of templates (their formulas are built once per layout and profile).
    """
    name = normalize_form(form)
    rules = get_profile(profile) if isinstance(profile, str) else profile
    prepared = prepare_record(name, record)
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise InputError(labels.TEMPLATE_MESSAGES["bad_year"].format(year=year))
    the_period: int | None = None
    if name == "monitoring":
        the_period = period or (prepared.period if isinstance(prepared, Monitoring) else None)
        the_period = the_period or rules.monitoring.period
        if not 1 <= the_period <= 12:
            raise InputError(labels.TEMPLATE_MESSAGES["bad_period"].format(period=the_period))
        if isinstance(prepared, Monitoring):
            prepared.period = the_period
    layout = get_layout(name, max(1, len(prepared.indicators)) if prepared is not None else None, the_period)
    if prepared is not None and year is not None:
        prepared.year = year
    the_year = year if year is not None else (prepared.year if prepared is not None else None)
    locked = locked_groups(prepared)
    out = Path(path)
    try:
        with atomic_path(out, "template") as temp:
            _write_book(temp, name, layout, prepared, the_year, the_period, rules, locked, password, form_id, cache)
    except OutputError as exc:
        raise InputError(labels.TEMPLATE_MESSAGES["cannot_write"].format(detail=exc.args[0]), file=str(out)) from exc
    return out


def _write_book(
    out: Path,
    name: str,
    layout: Layout,
    prepared: Record | None,
    the_year: int | None,
    the_period: int | None,
    rules: Profile,
    locked: tuple[str, ...],
    password: str | None,
    form_id: str | None,
    cache: BatchCache | None,
) -> None:
    book = xlsxwriter.Workbook(
        str(out),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": True},
    )
    created = document_date()
    book.set_properties(
        {
            "title": layout.title,
            "subject": layout.title,
            "author": "sheetperf",
            "company": "",
            "comments": f"sheetperf {__version__}",
            "created": created.replace(tzinfo=None),
        }
    )
    writer = _Writer(book, layout, prepared, the_year, rules, locked, the_period, cache)
    writer.password_for_protect = password or ""
    writer.write()
    fmt = writer.fmt
    _instructions_sheet(book, rules, fmt, password or "", the_period)
    _lists_sheet(book, rules, fmt, password or "", monitoring=name == "monitoring")
    for key, ref in layout.defined_names().items():
        book.define_name(key, "=" + ref)
    meta = template_meta(layout, prepared, rules, locked)
    if form_id is not None:
        meta["form_id"] = form_id
    if the_period is not None:
        meta["period"] = str(the_period)
    _meta_sheet(book, meta, fmt, password or "")
    book.close()


__all__ = [
    "FIXED_DATE",
    "META_SHEET",
    "YEAR_PLACEHOLDER",
    "blank_fit_pages",
    "column_points",
    "document_date",
    "goal_to_monitoring",
    "goal_to_self_evaluation",
    "instruction_lines",
    "locked_groups",
    "monitoring_to_self_evaluation",
    "page_scales",
    "prepare_record",
    "template_meta",
    "text_height",
    "write_template",
]
