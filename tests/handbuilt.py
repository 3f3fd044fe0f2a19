"""Build forms the way a department does by hand: openpyxl directly, never sheetperf's writer.

Each option reproduces one quirk seen in workbooks copied from the published Word/PDF
forms (offsets, banner rows, merged/repeated/once-written level labels, spaced labels,
number formats, formulas without cached values, other regions' columns).  The tests in
``test_handbuilt.py`` build one workbook per quirk and read it back; the benchmark uses
the same builder when sheetperf's own writer is not available.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

LevelStyle = Literal["merged", "repeated", "once"]


@dataclass
class Options:
    row0: int = 1  # 1-based row of the title
    col0: int = 1  # 1-based column of column A of the form
    banner_rows: tuple[str, ...] = ()
    levels: LevelStyle = "merged"
    spaced_labels: bool = False  # 一级 指标, 项目资金 (万元), 年度资金总额：
    fullwidth_labels: bool = False  # 项目资金（万元）, 执行率（％）
    numbers_as_text: bool = False  # "20.00" typed as text
    fullwidth_digits: bool = False  # "２０.００"
    stray_spaces: bool = False
    number_formats: bool = False  # 98 with 0.00"(%)", rates 0.9913 with 0.00%
    formulas: Literal["none", "cached", "uncached"] = "none"
    dash_not_applicable: bool = True
    inserted_blank_rows: bool = False  # an empty row inserted inside the indicator table
    separate_deviation: bool = False  # 原因分析 | 改进措施 columns
    split_target: bool = False  # 指标性质 | 指标值 | 度量单位 (Sichuan)
    adjusted_budget_label: bool = False  # 调整后预算数
    benyear_label: bool = False  # 本年财政拨款
    gap_rows_before_total: int = 0  # blank rows between the table and 总分


def _lab(text: str, opts: Options) -> str:
    if opts.spaced_labels and len(text) >= 4 and text.isascii() is False:
        text = text[:2] + " " + text[2:]
    if opts.fullwidth_labels:
        text = text.replace("(", "（").replace(")", "）").replace(":", "：").replace("%", "％")
    return text


def _num(value: Any, opts: Options, decimals: int = 2) -> Any:
    if value is None:
        return "-" if opts.dash_not_applicable else None
    if opts.numbers_as_text or opts.fullwidth_digits:
        text = f"{value:.{decimals}f}"
        if opts.fullwidth_digits:
            text = text.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
        if opts.stray_spaces:
            text = f" {text} "
        return text
    return value


def _place(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None, *, formula: bool = False) -> Any:
    cell = ws.cell(row=row, column=col)
    if value is not None:
        cell.value = value
        if isinstance(value, str) and value.startswith("=") and not formula:
            cell.data_type = "s"  # typed text such as "=1(场)", not a formula
    if fmt:
        cell.number_format = fmt
    return cell


def _merge(ws: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def split_target(target: str) -> tuple[str, str, str]:
    """'≥98(%)' → ('≥', '98', '%'); qualitative text → ('', text, '')."""
    import re

    match = re.fullmatch(r"([=≥≤<>]|>=|<=)?\s*([\d.,]+)\s*(?:\((.*)\))?", target)
    if not match:
        return "", target, ""
    return match.group(1) or "", match.group(2), match.group(3) or ""


def _actual_cell(actual: str, opts: Options) -> tuple[Any, str | None]:
    """An actual such as '98.00(%)' stored as 98 with a number format, when asked."""
    import re

    if opts.number_formats:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\((.+)\)", actual)
        if match:
            number = float(match.group(1))
            decimals = len(match.group(1).partition(".")[2])
            zeros = "0." + "0" * decimals if decimals else "0"
            return number, f'{zeros}"({match.group(2)})"'
    return actual, None


def build_self_evaluation(ws: Worksheet, case: dict[str, Any], opts: Options | None = None) -> None:
    """Write one self-evaluation form (Shanghai 2023 layout, with the quirks of ``opts``)."""
    o = opts or Options()
    r = o.row0
    for banner in o.banner_rows:
        _place(ws, r, o.col0, banner)
        r += 1
    c = o.col0
    extra_cols = (1 if o.separate_deviation else 0) + (2 if o.split_target else 0)
    last = c + 7 + extra_cols

    _place(ws, r, c, "财政项目支出绩效自评表")
    _merge(ws, r, c, r, last)
    r += 1
    _place(ws, r, c, f"({case['year']} 年度)")
    _merge(ws, r, c, r, last)
    r += 1
    _place(ws, r, c, _lab("项目名称", o))
    _merge(ws, r, c, r, c + 1)
    _place(ws, r, c + 2, case["project_name"])
    _merge(ws, r, c + 2, r, last)
    r += 1
    _place(ws, r, c, _lab("主管部门", o))
    _merge(ws, r, c, r, c + 1)
    _place(ws, r, c + 2, case["department"])
    _merge(ws, r, c + 2, r, c + 4)
    _place(ws, r, c + 5, _lab("实施单位", o))
    _place(ws, r, c + 6, case["implementing_unit"])
    _merge(ws, r, c + 6, r, last)
    r += 1

    # funds block
    funds_top = r
    _place(ws, r, c, _lab("项目资金(万元)", o))
    headers = [
        "年初预算数",
        "调整后预算数" if o.adjusted_budget_label else "全年预算数",
        "全年执行数",
        "分数",
        "执行率(%)",
        "得分",
    ]
    for i, h in enumerate(headers):
        _place(ws, r, c + 2 + i, _lab(h, o))
    r += 1
    row_labels = {
        "total": "年度资金总额:",
        "current_year_appropriation": "其中: 本年财政拨款" if o.benyear_label else "其中: 当年财政拨款",
        "carryover": "上年结转资金",
        "other": "其他资金",
    }
    for key, label in row_labels.items():
        row = case["funds"][key]
        _place(ws, r, c + 1, _lab(label, o))
        _place(ws, r, c + 2, _num(row.get("initial_budget"), o))
        _place(ws, r, c + 3, _num(row.get("annual_budget"), o))
        _place(ws, r, c + 4, _num(row.get("executed"), o))
        _place(ws, r, c + 5, _num(row.get("weight"), o))
        rate = row.get("execution_rate")
        rate_col = c + 6
        if o.formulas != "none" and key == "total":
            b = f"{get_column_letter(c + 3)}{r}"
            e = f"{get_column_letter(c + 4)}{r}"
            _place(ws, r, rate_col, f"=IF({b}=0,0,ROUND({e}/{b}*100,2))", formula=True)
        elif o.number_formats and rate is not None:
            _place(ws, r, rate_col, rate / 100, "0.00%")
        else:
            _place(ws, r, rate_col, _num(rate, o))
        _place(ws, r, c + 7, _num(row.get("score"), o))
        r += 1
    _merge(ws, funds_top, c, r - 1, c)

    # goal block
    _place(ws, r, c, _lab("年度总体目标", o))
    _merge(ws, r, c, r + 1, c)
    _place(ws, r, c + 1, "预期目标")
    _merge(ws, r, c + 1, r, c + 4)
    _place(ws, r, c + 5, _lab("实际完成情况", o))
    _merge(ws, r, c + 5, r, last)
    r += 1
    _place(ws, r, c + 1, case["goal_expected"])
    _merge(ws, r, c + 1, r, c + 4)
    _place(ws, r, c + 5, case["goal_actual"])
    _merge(ws, r, c + 5, r, last)
    r += 1

    # indicator table
    header = ["一级指标", "二级指标", "三级指标"]
    header += ["指标性质", "指标值", "度量单位"] if o.split_target else ["年度指标值"]
    header += ["实际完成值", "分值", "得分"]
    header += ["原因分析", "改进措施"] if o.separate_deviation else ["偏差原因分析及改进措施"]
    for i, h in enumerate(header):
        _place(ws, r, c + i, _lab(h, o))
    r += 1
    first = r
    rows: list[int] = []
    for k, ind in enumerate(case["indicators"]):
        if o.inserted_blank_rows and k == 2:
            r += 1  # an inserted, empty row
        rows.append(r)
        col = c + 3
        if o.split_target:
            op, val, unit = split_target(ind["target"])
            _place(ws, r, col, op)
            _place(ws, r, col + 1, val)
            _place(ws, r, col + 2, unit)
            col += 3
        else:
            _place(ws, r, col, ind["target"])
            col += 1
        value, fmt = _actual_cell(ind["actual"], o)
        _place(ws, r, col, value, fmt)
        _place(ws, r, col + 1, _num(ind["weight"], o))
        _place(ws, r, col + 2, _num(ind["score"], o))
        if o.separate_deviation:
            reason, _, fix = ind["deviation"].partition("\n")
            _place(ws, r, col + 3, reason or None)
            _place(ws, r, col + 4, fix or None)
        else:
            _place(ws, r, col + 3, ind["deviation"] or None)
        _place(ws, r, c + 2, ind["name"])
        r += 1
    _write_levels(ws, case["indicators"], rows, c, o)
    del first

    r += o.gap_rows_before_total
    weight_col = c + (7 if o.split_target else 5)
    _place(ws, r, c, _lab("总分", o))
    _merge(ws, r, c, r, weight_col - 1)
    wl = get_column_letter(weight_col)
    sl = get_column_letter(weight_col + 1)
    if o.formulas == "none":
        _place(ws, r, weight_col, _num(case["total_weight"], o))
        _place(ws, r, weight_col + 1, _num(case["total_score"], o))
    else:
        # the budget score lives in the funds block; the indicators below
        bs = f"{get_column_letter(c + 7)}{funds_top + 1}"
        bw = f"{get_column_letter(c + 5)}{funds_top + 1}"
        _place(ws, r, weight_col, f"={bw}+SUM({wl}{rows[0]}:{wl}{rows[-1]})", formula=True)
        _place(ws, r, weight_col + 1, f"={bs}+SUM({sl}{rows[0]}:{sl}{rows[-1]})", formula=True)
    r += 1
    _place(ws, r, c, _lab("评分等级", o))
    _merge(ws, r, c, r, c + 1)
    _place(ws, r, c + 2, case["grade"])
    _merge(ws, r, c + 2, r, last)


def _write_levels(ws: Worksheet, indicators: list[dict[str, Any]], rows: list[int], c: int, o: Options) -> None:
    for level, col in (("level1", c), ("level2", c + 1)):
        start = 0
        for k in range(1, len(indicators) + 1):
            boundary = k == len(indicators) or any(
                indicators[k][key] != indicators[start][key] for key in ("level1", level)
            )
            if not boundary:
                continue
            value = indicators[start][level]
            if o.levels == "repeated":
                for j in range(start, k):
                    _place(ws, rows[j], col, value)
            else:
                _place(ws, rows[start], col, value)
                if o.levels == "merged":
                    _merge(ws, rows[start], col, rows[k - 1], col)
            start = k


def build_goal_table(ws: Worksheet, case: dict[str, Any], opts: Options | None = None) -> None:
    """Write one goal table (Shanghai 2020 layout: 4 columns, label：value pairs)."""
    o = opts or Options()
    r = o.row0
    for banner in o.banner_rows:
        _place(ws, r, o.col0, banner)
        r += 1
    c = o.col0
    _place(ws, r, c, "财政项目支出绩效目标表")
    _merge(ws, r, c, r, c + 3)
    r += 1
    _place(ws, r, c, f"({case['year']}年度)")
    _merge(ws, r, c, r, c + 3)
    r += 1
    _place(ws, r, c, _lab("申报单位名称：", o) + case["applicant_unit"])
    _merge(ws, r, c, r, c + 3)
    r += 1
    pairs = [
        ("项目名称：", "project_name", "项目类别：", "project_category"),
        ("计划开始日期：", "planned_start", "计划完成日期：", "planned_end"),
        ("是否含有政府购买服务：", "government_procurement", "绩效类型：", "performance_type"),
    ]
    for l1, k1, l2, k2 in pairs:
        _place(ws, r, c, _lab(l1, o))
        _place(ws, r, c + 1, case[k1])
        _place(ws, r, c + 2, _lab(l2, o))
        _place(ws, r, c + 3, case[k2])
        r += 1
    texts = [
        ("项目概况：", "overview"),
        ("立项依据：", "basis"),
        ("项目设立的必要性：", "necessity"),
        ("保证项目实施的制度、措施：", "safeguards"),
        ("项目实施计划：", "implementation_plan"),
        ("总目标及阶段性目标：", "objectives"),
    ]
    for label, key in texts:
        _place(ws, r, c, _lab(label, o))
        _place(ws, r, c + 1, case["texts"][key])
        _merge(ws, r, c + 1, r, c + 3)
        r += 1
    _place(ws, r, c, "本项目上年度市级财政资金使用情况")
    _merge(ws, r, c, r, c + 3)
    r += 1
    budget = case["budget_yuan"]
    for l1, k1, l2, k2 in (
        ("项目总预算（元）：", "project_total", "项目当年预算（元）：", "current_year"),
        (
            "同名项目上年预算额（元）：",
            "prior_year_same_project",
            "同名项目上年预算执行数（元）：",
            "prior_year_same_project_executed",
        ),
    ):
        _place(ws, r, c, _lab(l1, o))
        _place(
            ws, r, c + 1, f"{budget[k1]:,}" if o.numbers_as_text else budget[k1], None if o.numbers_as_text else "#,##0"
        )
        _place(ws, r, c + 2, _lab(l2, o))
        _place(
            ws, r, c + 3, f"{budget[k2]:,}" if o.numbers_as_text else budget[k2], None if o.numbers_as_text else "#,##0"
        )
        r += 1
    _place(ws, r, c, f"{case['year']}年绩效目标")
    _merge(ws, r, c, r, c + 3)
    r += 1
    for i, h in enumerate(("一级目标", "二级目标", "三级目标", "指标目标值")):
        _place(ws, r, c + i, _lab(h, o))
    r += 1
    rows: list[int] = []
    for k, ind in enumerate(case["indicators"]):
        if o.inserted_blank_rows and k == 3:
            r += 1
        rows.append(r)
        _place(ws, r, c + 2, ind["name"])
        _place(ws, r, c + 3, ind["target"])
        r += 1
    _write_levels(ws, case["indicators"], rows, c, o)
