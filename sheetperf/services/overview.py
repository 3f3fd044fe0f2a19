"""The 总览 sheet of the summary: the collection on one screen and one printed page.

:class:`Overview` is filled while the consolidator streams the kept forms' rows
(it holds counters and the few lowest scores, never the rows), and
:func:`write_overview` lays it out: counts, budget and execution totals, the
grade and execution-rate distributions with their charts (whole-number axes),
the departments with the most errors, the lowest-scoring projects and the
findings by rule.  The sheet prints landscape on exactly one A4 page.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from sheetperf.io.tables import print_setup
from sheetperf.io.writer import LINE_HEIGHT, text_height, write_text
from sheetperf.services.columns import FINDING_COLUMNS, PROJECT_COLUMNS, position
from sheetperf.services.tally import Tally
from sheetperf.vocab.labels import OVERVIEW_LABELS, RATE_BANDS, SEVERITY_LABELS, SUMMARY_SHEETS

L: Final = OVERVIEW_LABELS
#: Rows of each top list (departments, lowest projects, rules); the rest is counted in a last line.
TOP: Final = 8
_ROW_HEIGHT: Final = 15.0
#: text_height of one line: such a row keeps the default height.
ONE_LINE: Final = LINE_HEIGHT + 6

_P: Final = {key: position(PROJECT_COLUMNS, key) for key in (
    "department", "project_name", "form", "recomputed_total_score", "recomputed_grade",
    "recomputed_execution_rate", "total_annual_budget", "total_executed", "errors", "warnings",
)}  # fmt: skip
_F_RULE: Final = position(FINDING_COLUMNS, "rule_title")
_F_SEVERITY: Final = position(FINDING_COLUMNS, "severity")


@dataclass
class Overview:
    """What 总览 shows, gathered row by row."""

    profile: str
    grades: Sequence[str]
    self_evaluation_form: str
    no_department: str
    files: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    forms: int = 0
    superseded: int = 0
    severities: Counter[str] = field(default_factory=Counter)
    forms_by_type: Counter[str] = field(default_factory=Counter)
    # With a distribution manifest: projects distributed, not returned; files belonging to none.
    distributed: int | None = None
    missing: int | None = None
    not_in_manifest: int | None = None
    money: Tally = field(default_factory=Tally)
    grade_counts: Counter[str] = field(default_factory=Counter)
    rate_counts: Counter[int] = field(default_factory=Counter)
    departments: dict[str, list[int]] = field(default_factory=dict)
    # The lowest recomputed totals: a max-heap of (−score, −order, department, project, grade).
    _lowest: list[tuple[float, int, str, str, str]] = field(default_factory=list)
    rules: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add_project(self, row: Sequence[Any]) -> None:
        """One kept form's 项目汇总 row (in :data:`PROJECT_COLUMNS` order)."""
        form = str(row[_P["form"]] or "")
        self.forms_by_type[form] += 1
        department = str(row[_P["department"]] or "").strip() or self.no_department
        counts = self.departments.setdefault(department, [0, 0, 0])
        counts[0] += 1
        counts[1] += int(row[_P["errors"]] or 0)
        counts[2] += int(row[_P["warnings"]] or 0)
        if form != self.self_evaluation_form:
            return
        score, grade = row[_P["recomputed_total_score"]], row[_P["recomputed_grade"]]
        self.money.add(row[_P["total_annual_budget"]], row[_P["total_executed"]], score)
        self.grade_counts[str(grade) if grade else L["no_grade"]] += 1
        rate = row[_P["recomputed_execution_rate"]]
        if isinstance(rate, (int, float)):
            band = max(i for i, (lower, _) in enumerate(RATE_BANDS) if rate >= lower or i == 0)
            self.rate_counts[band] += 1
        if isinstance(score, (int, float)):
            item = (-float(score), -self.money.scored, department, str(row[_P["project_name"]] or ""), str(grade or ""))
            if len(self._lowest) < TOP:
                heapq.heappush(self._lowest, item)
            elif item > self._lowest[0]:
                heapq.heapreplace(self._lowest, item)

    def add_finding(self, row: Sequence[Any]) -> None:
        """One 校验问题 row."""
        self.rules[(str(row[_F_RULE] or ""), str(row[_F_SEVERITY] or ""))] += 1

    def add_rule(self, title: str, severity: str) -> None:
        self.rules[(title, SEVERITY_LABELS.get(severity, severity))] += 1

    @property
    def lowest(self) -> list[tuple[str, str, float, str]]:
        """(department, project, score, grade), lowest score first (earlier form first at a tie)."""
        return [(d, p, -s, g) for s, _, d, p, g in sorted(self._lowest, reverse=True)]

    def execution_rate(self) -> float | None:
        rate = self.money.execution_rate()
        return None if rate is None else float(rate)

    def average_score(self) -> float | None:
        average = self.money.average_score()
        return None if average is None else float(average)


# --- layout -------------------------------------------------------------------------------------

#: Column widths of 总览 (A–L): three blocks side by side with narrow gaps (D, I).
_WIDTHS: Final = (22, 10, 9, 2, 16, 24, 9, 7, 2, 16, 9, 8)
_BLOCKS: Final = (0, 4, 9)  # first column of the left, middle and right block


class _Grid:
    """Cells collected block by block and written row by row (the summary workbook streams
    every sheet, so a row can't be written after a later one)."""

    def __init__(self, widths: Sequence[float]) -> None:
        self.cells: dict[tuple[int, int], tuple[str | float | None, Format | None]] = {}
        self.widths = widths
        self.heights: dict[int, float] = {}

    def write_text(self, row: int, col: int, text: str, fmt: Format | None = None, *, wrap: bool = False) -> None:
        self.cells[(row, col)] = (text, fmt)
        if wrap:
            height = text_height(text, self.widths[col], minimum=_ROW_HEIGHT)
            if height > ONE_LINE:
                self.heights[row] = max(self.heights.get(row, _ROW_HEIGHT), height)

    def write_number(self, row: int, col: int, number: float, fmt: Format | None = None) -> None:
        self.cells[(row, col)] = (float(number), fmt)

    def write_blank(self, row: int, col: int, fmt: Format | None = None) -> None:
        self.cells[(row, col)] = (None, fmt)

    def flush(self, sheet: Worksheet) -> None:
        for row, height in self.heights.items():
            if height > _ROW_HEIGHT:
                sheet.set_row(row, height)
        for (row, col), (item, fmt) in sorted(self.cells.items()):
            if isinstance(item, str):
                write_text(sheet, row, col, item, fmt)
            elif item is None:
                sheet.write_blank(row, col, None, fmt)
            else:
                sheet.write_number(row, col, item, fmt)


def write_overview(book: Workbook, out: Worksheet, ov: Overview) -> None:
    """Lay out 总览 on ``out`` (see the module docstring)."""
    sheet = _Grid(_WIDTHS)
    title = book.add_format({"bold": True, "font_size": 16})
    note = book.add_format({"font_color": "#595959"})
    head = book.add_format({"bold": True, "font_size": 12, "bottom": 2, "bottom_color": "#2F5597"})
    th = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    cell = book.add_format({"border": 1, "valign": "top", "text_wrap": True})
    fmt: dict[str, Format] = {
        kind: book.add_format({"border": 1, "valign": "top", "num_format": code})
        for kind, code in (("int", "0"), ("amount", "#,##0.00"), ("rate", "0.00"), ("score", "0.00"))
    }
    bad = book.add_format({"border": 1, "valign": "top", "num_format": "0", "font_color": "#C00000", "bold": True})
    for col, width in enumerate(_WIDTHS):
        out.set_column(col, col, width)

    def value(row: int, col: int, figure: float | int | None, kind: str, *, alarm: bool = False) -> None:
        if figure is None:
            sheet.write_text(row, col, L["none"], cell)
        elif kind == "alarm" or alarm:
            sheet.write_number(row, col, figure, bad if figure else fmt["int"])
        else:
            sheet.write_number(row, col, figure, fmt[kind])

    def pairs(row: int, col: int, heading: str, items: Sequence[tuple[str, float | int | None, str, bool]]) -> int:
        sheet.write_text(row, col, heading, head)
        sheet.write_blank(row, col + 1, head)
        for offset, (label, figure, kind, alarm) in enumerate(items, start=1):
            sheet.write_text(row + offset, col, label, cell)
            value(row + offset, col + 1, figure, kind, alarm=alarm)
        return row + len(items) + 1

    def table(row: int, col: int, heading: str, headers: Sequence[str], rows: Sequence[Sequence[Any]],
              kinds: Sequence[str], more: int = 0, sheet_key: str = "") -> int:  # fmt: skip
        sheet.write_text(row, col, heading, head)
        for c in range(1, len(headers)):
            sheet.write_blank(row, col + c, head)
        for c, text in enumerate(headers):
            sheet.write_text(row + 1, col + c, text, th, wrap=True)
        r = row + 2
        if not rows:
            sheet.write_text(r, col, L["none"], cell)
            return r + 1
        for items in rows:
            for c, (item, kind) in enumerate(zip(items, kinds, strict=True)):
                if kind == "text":
                    sheet.write_text(r, col + c, str(item), cell, wrap=True)
                else:
                    value(r, col + c, item, kind, alarm=kind == "alarm")
            r += 1
        if more:
            sheet.write_text(r, col, L["more"].format(count=more, sheet=SUMMARY_SHEETS[sheet_key]), note)
            r += 1
        return r

    sheet.write_text(0, 0, L["title"], title)
    sheet.write_text(1, 0, L["profile"].format(profile=ov.profile), note)

    top = 3
    ok = ov.statuses["ok"]
    counts: list[tuple[str, float | int | None, str, bool]] = [
        (L["files"], ov.files, "int", False),
        (L["files_ok"], ok, "int", False),
        (L["files_failed"], ov.statuses["failed"], "int", True),
        (L["files_other"], ov.files - ok - ov.statuses["failed"], "int", False),
        (L["forms"], ov.forms, "int", False),
        (L["superseded"], ov.superseded, "int", False),
        (L["projects"], ov.forms - ov.superseded, "int", False),
    ]
    counts += [(L["of_which"].format(form=form), n, "int", False) for form, n in sorted(ov.forms_by_type.items())]
    if ov.distributed is not None:
        counts += [
            (L["distributed"], ov.distributed, "int", False),
            (L["missing"], ov.missing, "int", True),
            (L["not_in_manifest"], ov.not_in_manifest, "int", True),
        ]
    counts += [(SEVERITY_LABELS[k], ov.severities[k], "int", k == "error") for k in ("error", "warning", "notice")]
    end_left = pairs(top, _BLOCKS[0], L["counts"], counts)

    lowest = ov.lowest
    money: list[tuple[str, float | int | None, str, bool]] = [
        (L["annual_budget"], float(ov.money.budget), "amount", False),
        (L["executed"], float(ov.money.executed), "amount", False),
        (L["execution_rate"], ov.execution_rate(), "rate", False),
        (L["average_score"], ov.average_score(), "score", False),
        (L["lowest_score"], lowest[0][2] if lowest else None, "score", False),
    ]
    end_middle = pairs(top, _BLOCKS[1] + 1, L["money"], money)

    grade_names = [*ov.grades, *([L["no_grade"]] if ov.grade_counts[L["no_grade"]] else [])]
    grade_rows = [(g, ov.grade_counts[g]) for g in grade_names]
    grade_top = top
    end_grades = table(grade_top, _BLOCKS[2], L["grades_title"], [L["grade"], L["count"]], grade_rows, ["text", "int"])
    rate_top = end_grades + 1
    rate_rows = [(label, ov.rate_counts[i]) for i, (_, label) in enumerate(RATE_BANDS)]
    end_rates = table(rate_top, _BLOCKS[2], L["rates_title"], [L["rate_band"], L["count"]], rate_rows, ["text", "int"])

    charts_row = max(end_left, end_middle, end_rates) + 1
    name = out.get_name()
    width_px = sum(_WIDTHS) * 7 + 5 * len(_WIDTHS)
    chart_w, chart_h = (width_px - 20) // 2, 250
    from sheetperf.services.summary import integer_step

    def count_chart(top: int, rows: Sequence[tuple[str, int]], heading: str, color: str) -> Any:
        """A column chart of the counts in the table at ``top`` of the right-hand block."""
        col, first, last = _BLOCKS[2], top + 2, top + 1 + len(rows)
        chart = book.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": heading,
                "categories": [name, first, col, last, col],
                "values": [name, first, col + 1, last, col + 1],
                "data_labels": {"value": True},
                "fill": {"color": color},
            }
        )
        peak = max((n for _, n in rows), default=0)
        chart.set_title({"name": heading, "name_font": {"size": 11}})
        chart.set_legend({"none": True})
        chart.set_y_axis(
            {
                "name": L["count"],
                "min": 0,
                "max": max(peak + integer_step(peak), 1),
                "major_unit": integer_step(peak),
                "num_format": "0",
                "major_gridlines": {"visible": True},
            }
        )
        chart.set_size({"width": chart_w, "height": chart_h})
        return chart

    grades_chart = count_chart(grade_top, grade_rows, L["grades_title"], "#2F5597")
    rates_chart = count_chart(rate_top, rate_rows, L["rates_title"], "#548235")
    out.insert_chart(charts_row, 0, grades_chart, {"x_offset": 2, "y_offset": 2})
    out.insert_chart(charts_row, 0, rates_chart, {"x_offset": chart_w + 18, "y_offset": 2})

    lists_row = charts_row + chart_h // 20 + 2
    departments = sorted(ov.departments.items(), key=lambda item: (-item[1][1], -item[1][2], item[0]))
    shown = [(d, c[0], c[1], c[2]) for d, c in departments if c[1] or c[2]][:TOP]
    table(lists_row, _BLOCKS[0], L["departments_title"], [L["department"], L["department_errors"], L["department_warnings"]],
          [(d, e, w) for d, _, e, w in shown], ["text", "alarm", "int"],
          more=max(0, sum(1 for _, c in departments if c[1] or c[2]) - TOP), sheet_key="departments")  # fmt: skip
    table(lists_row, _BLOCKS[1], L["lowest_title"], [L["department"], L["project"], L["score"], L["grade"]],
          lowest, ["text", "text", "score", "text"], more=max(0, ov.money.scored - TOP), sheet_key="projects")  # fmt: skip
    rules = sorted(ov.rules.items(), key=lambda item: (-item[1], item[0]))
    table(lists_row, _BLOCKS[2], L["rules_title"], [L["rule"], L["severity"], L["findings"]],
          [(t, s, n) for (t, s), n in rules[:TOP]], ["text", "text", "int"],
          more=max(0, len(rules) - TOP), sheet_key="findings")  # fmt: skip
    sheet.flush(out)
    out.activate()
    print_setup(out, _WIDTHS, header_rows=0, one_page=True, landscape=True)
    out.hide_gridlines(2)


__all__: Final = ["Overview", "write_overview"]
