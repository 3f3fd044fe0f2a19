"""Monitoring forms for the tests: a goal table to start from, returns filled as departments fill them,
and hand-built workbooks in the published layouts (openpyxl directly, never sheetperf's writer).

* 黄石 2019 (黄石市项目支出绩效监控表): 1–6月, one 偏差原因分析 text column, 完成目标可能性 as text
  (确定能 / 有可能 / 不可能), 拟采取的措施 and 备注.
* The national template of 财预〔2019〕136号 (项目支出绩效目标执行监控表): 1–7月, 偏差原因分析 ticked over
  经费保障 / 制度保障 / 人员保障 / 硬件条件保障 / 其他 under a two-row header, 完全不可能.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from sheetperf.model.record import GoalTable, Indicator, Monitoring

REASONS = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")


def goal_table(project: str = "社区养老服务补助", unit: str = "市民政服务中心", yuan: int = 1_000_000) -> GoalTable:
    """A small goal table: four indicators, one of each kind of target."""
    return GoalTable(
        year=2024,
        applicant_unit=unit,
        project_name=project,
        project_category="经常性项目",
        budget_yuan={"project_total": yuan, "current_year": yuan},
        texts={"objectives": "全年为辖区老年人提供居家养老服务。"},
        indicators=[
            Indicator(level1="产出指标", level2="数量指标", name="服务老人人次", target="≥1200(人次)"),
            Indicator(level1="产出指标", level2="质量指标", name="服务合格率", target="≥95(%)"),
            Indicator(level1="效益指标", level2="社会效益指标", name="居家养老服务水平", target="明显提升"),
            Indicator(level1="满意度指标", level2="服务对象满意度指标", name="老人满意度", target="≥90(%)"),
        ],
    )


@dataclass(frozen=True)
class Return:
    """What one department writes into its monitoring form."""

    executed: float  # 1–N月执行数 of the total row (万元)
    forecast: float  # 全年预计执行数
    possibilities: tuple[str, ...]  # one per indicator
    note: str = ""


def filled(template: Monitoring, how: Return) -> Monitoring:
    """``template`` (a monitoring record read from a distributed form) filled in as ``how`` says;
    a possibility other than 确定能 comes with its reasons, analysis and measures."""
    record = copy.deepcopy(template)
    total = record.funds.total
    if total.initial_budget is None:
        total.initial_budget = 100
    total.executed, total.forecast, total.note = how.executed, how.forecast, how.note
    appropriation = record.funds.current_year_appropriation
    appropriation.initial_budget, appropriation.executed, appropriation.forecast = (
        total.initial_budget,
        how.executed,
        how.forecast,
    )
    record.goal_progress = "按计划推进，上半年完成全年任务的一半。"
    for ind, possibility in zip(record.indicators, how.possibilities, strict=True):
        ind.progress = "完成一半" if "%" not in ind.target else "93(%)"
        ind.forecast = ind.target
        ind.possibility = possibility
        if possibility != "确定能":
            ind.reasons = ["经费保障"]
            ind.deviation = "资金下达较晚，服务购买合同延后签订。"
            ind.measures = "加快合同签订，下半年增加服务频次。"
    return record


# --- hand-built workbooks in the published layouts --------------------------------------------------


def _merge(ws: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)



def _fund_rows(ws: Worksheet, case: dict[str, Any], labels: tuple[str, ...], note_col: int | None = None) -> None:
    """The four funds rows from row 6: label in B, 年初预算数 … 全年预计执行数 in C–F, the note at ``note_col``."""
    for row, (name, label) in enumerate(
        zip(("total", "current_year_appropriation", "carryover", "other"), labels, strict=True), start=6
    ):
        _text(ws, row, 2, label)
        fund = case["funds"][name]
        for col, key in zip(range(3, 7), ("initial_budget", "executed", "execution_rate", "forecast"), strict=True):
            if fund[key] is not None:
                ws.cell(row, col).value = fund[key]
        if note_col is not None:
            _text(ws, row, note_col, fund.get("note") or None)

def _text(ws: Worksheet, row: int, col: int, value: Any) -> None:
    cell = ws.cell(row, col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # a target such as =1(场) stays text


def build_huangshi(ws: Worksheet, case: dict[str, Any]) -> None:
    """The 黄石 2019 layout, 10 columns: funds with 1-6月执行数/执行率, one text column of reasons."""
    n = case["period"]
    _text(ws, 1, 1, "黄石市项目支出绩效监控表")
    _merge(ws, 1, 1, 1, 10)
    _text(ws, 2, 1, f"（{case['year']}年度）")
    _merge(ws, 2, 1, 2, 10)
    _text(ws, 3, 1, "项目名称")
    _text(ws, 3, 3, case["project_name"])
    _merge(ws, 3, 3, 3, 10)
    _text(ws, 4, 1, "主管部门")
    _text(ws, 4, 3, case["department"])
    _merge(ws, 4, 3, 4, 5)
    _text(ws, 4, 6, "项目执行单位")
    _text(ws, 4, 7, case["implementing_unit"])
    _merge(ws, 4, 7, 4, 10)
    _text(ws, 5, 1, "项目资金（万元）")
    _merge(ws, 5, 1, 9, 1)
    for col, text in zip(
        range(3, 7), ("年初预算数", f"1-{n}月执行数", f"1-{n}月执行率", "全年预计执行数"), strict=True
    ):
        _text(ws, 5, col, text)
    _fund_rows(ws, case, ("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"))
    _text(ws, 10, 1, "年度总体目标")
    _merge(ws, 10, 1, 11, 1)
    _text(ws, 10, 2, "年初设定目标")
    _merge(ws, 10, 2, 10, 5)
    _text(ws, 10, 6, f"1-{n}月执行情况")
    _merge(ws, 10, 6, 10, 10)
    _text(ws, 11, 2, case["goal_expected"])
    _merge(ws, 11, 2, 11, 5)
    _text(ws, 11, 6, case["goal_progress"])
    _merge(ws, 11, 6, 11, 10)
    headers = ("一级指标", "二级指标", "三级指标", "年度指标值", f"1-{n}月执行情况", "全年预计完成情况",
               "完成目标可能性", "偏差原因分析", "拟采取的措施", "备注")  # fmt: skip
    for col, text in enumerate(headers, start=1):
        _text(ws, 12, col, text)
    keys = (
        "level1",
        "level2",
        "name",
        "target",
        "progress",
        "forecast",
        "possibility",
        "deviation",
        "measures",
        "note",
    )
    previous: dict[int, tuple[str, int]] = {}
    for offset, ind in enumerate(case["indicators"]):
        row = 13 + offset
        for col, key in enumerate(keys, start=1):
            value = ind[key]
            if col <= 2:  # level labels merged down their group, as printed
                last = previous.get(col)
                if last is not None and last[0] == value:
                    _merge(ws, last[1], col, row, col)
                    continue
                previous[col] = (value, row)
            if value:
                _text(ws, row, col, value)
    end = 13 + len(case["indicators"])
    _text(ws, end, 1, "填表人：")
    _text(ws, end, 6, "联系电话：")


def build_national(ws: Worksheet, case: dict[str, Any], *, possibility_ticks: bool = False) -> None:
    """The national template (财预〔2019〕136号): 1—7月, reasons ticked under a two-row header; with
    ``possibility_ticks`` the 完成目标可能性 is ticked too (确定能 | 有可能 | 完全不可能)."""
    n = case["period"]
    choices = ("确定能", "有可能", "完全不可能")
    last = 15 + (len(choices) - 1 if possibility_ticks else 0)
    _text(ws, 1, 1, f"项目支出绩效目标执行监控表（{case['year']}年度）")
    _merge(ws, 1, 1, 1, last)
    _text(ws, 3, 1, "项目名称")
    _text(ws, 3, 3, case["project_name"])
    _merge(ws, 3, 3, 3, last)
    _text(ws, 4, 1, "主管部门及代码")
    _text(ws, 4, 3, case["department"])
    _merge(ws, 4, 3, 4, 7)
    _text(ws, 4, 8, "实施单位")
    _text(ws, 4, 9, case["implementing_unit"])
    _merge(ws, 4, 9, 4, last)
    _text(ws, 5, 1, "项目资金（万元）")
    _merge(ws, 5, 1, 9, 1)  # the block label over A, the row labels in B
    for col, text in zip(
        range(3, 7), ("年初预算数", f"1—{n}月执行数", f"1—{n}月执行率", "全年预计执行数"), strict=True
    ):
        _text(ws, 5, col, text)
    _text(ws, 5, 7, "偏差说明")
    _fund_rows(ws, case, ("年度资金总额：", "其中：当年财政拨款", "上年结转资金", "其他资金"), note_col=7)
    _text(ws, 10, 1, "年度总体目标")
    _merge(ws, 10, 1, 11, 1)
    _text(ws, 10, 2, "年初设定目标")
    _merge(ws, 10, 2, 10, 7)
    _text(ws, 10, 8, f"1—{n}月执行情况")
    _merge(ws, 10, 8, 10, last)
    _text(ws, 11, 2, case["goal_expected"])
    _merge(ws, 11, 2, 11, 7)
    _text(ws, 11, 8, case["goal_progress"])
    _merge(ws, 11, 8, 11, last)
    # two header rows: 偏差原因分析 over its five ticks (and 完成目标可能性 over its choices)
    top = ("一级指标", "二级指标", "三级指标", "年度指标值", f"1—{n}月执行情况", "全年预计完成情况")
    for col, text in enumerate(top, start=1):
        _text(ws, 12, col, text)
        _merge(ws, 12, col, 13, col)
    _text(ws, 12, 7, "偏差原因分析")
    _merge(ws, 12, 7, 12, 11)
    for col, reason in enumerate(REASONS, start=7):
        _text(ws, 13, col, reason)
    _text(ws, 12, 12, "完成目标可能性")
    if possibility_ticks:
        _merge(ws, 12, 12, 12, 12 + len(choices) - 1)
        for col, choice in enumerate(choices, start=12):
            _text(ws, 13, col, choice)
    else:
        _merge(ws, 12, 12, 13, 12)
    after = 13 + (len(choices) - 1 if possibility_ticks else 0)
    for col, text in ((after, "原因说明"), (after + 1, "相关建议或举措"), (after + 2, "备注")):
        _text(ws, 12, col, text)
        _merge(ws, 12, col, 13, col)
    for offset, ind in enumerate(case["indicators"]):
        row = 14 + offset
        for col, key in enumerate(("level1", "level2", "name", "target", "progress", "forecast"), start=1):
            _text(ws, row, col, ind[key] or None)  # level labels repeated on every row
        for col, reason in enumerate(REASONS, start=7):
            _text(ws, row, col, "√" if reason in ind["reasons"] else None)
        if possibility_ticks:
            for col, choice in enumerate(choices, start=12):
                _text(ws, row, col, "√" if choice == ind["possibility"] else None)
        else:
            _text(ws, row, 12, ind["possibility"] or None)
        for col, key in ((after, "deviation"), (after + 1, "measures"), (after + 2, "note")):
            _text(ws, row, col, ind[key] or None)
    end = 14 + len(case["indicators"])
    _text(ws, end, 1, "填报人：")
    _text(ws, end, 8, "联系电话：")


def published_case(layout: str) -> dict[str, Any]:
    """A return as the 黄石 (1–6月, no reason ticks, no funds note column) or the national (1–7月,
    reasons ticked, 完全不可能) layout prints it: the record JSON a hand-built form must read back as."""
    national = layout == "national"
    fund_keys = ("initial_budget", "executed", "execution_rate", "forecast")

    def fund(values: tuple[float, float, float, float], note: str = "") -> dict[str, Any]:
        row: dict[str, Any] = dict(zip(fund_keys, values, strict=True))
        if national:
            row["note"] = note
        return row

    impossible = "完全不可能" if national else "不可能"
    reasons = ["经费保障", "人员保障"] if national else []
    return {
        "form": "monitoring",
        "year": 2019 if not national else 2020,
        "period": 7 if national else 6,
        "department": "黄石市民政局",
        "implementing_unit": "黄石市社会福利院",
        "project_name": "社区居家养老服务补助",
        "funds": {
            "total": fund((100, 40.5, 40.5, 105), "冬季取暖补贴增加" if national else ""),
            "current_year_appropriation": fund((80, 30.5, 38.13, 85)),
            "carryover": fund((20, 10, 50, 20)),
            "other": fund((0, 0, 0, 0)),
        },
        "goal_expected": "为辖区 2000 名老人提供助餐、助洁服务。",
        "goal_progress": "助餐点建成 4 个，服务老人 650 人次。",
        "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "name": "服务老人人次", "target": "≥1200人次",
             "progress": "650人次", "forecast": "1250人次", "possibility": "确定能", "reasons": [],
             "deviation": "", "measures": "", "note": ""},
            {"level1": "产出指标", "level2": "数量指标", "name": "助餐点个数", "target": "=10个",
             "progress": "4个", "forecast": "8个", "possibility": "有可能", "reasons": reasons,
             "deviation": "场地未落实", "measures": "协调社区用房", "note": "见附件"},
            {"level1": "产出指标", "level2": "时效指标", "name": "补助发放及时率", "target": "=100%",
             "progress": "100%", "forecast": "100%", "possibility": "确定能", "reasons": [],
             "deviation": "", "measures": "", "note": ""},
            {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "老人满意度", "target": "≥90%",
             "progress": "未开展", "forecast": "85%", "possibility": impossible, "reasons": reasons[:1],
             "deviation": "调查经费未到位", "measures": "下半年委托第三方开展", "note": ""},
        ],
        "time_progress": None,
        "progress_flag": None,
    }  # fmt: skip
