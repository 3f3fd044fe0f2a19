"""Hand-built workbooks in the regional layouts of the two forms, each with the record a reader should produce.

The ground truth for teaching sheetperf's reader other regions' forms: every builder writes one
workbook with openpyxl (merged cells as a person merges them, thin borders, the number formats a
real form has) and returns :class:`Built`: the workbook, the exact records (``expected``, one per
form, in the JSON shape of ``samples/records/*.json``), the cell of every field (``cells``), the
rules profile the form follows and what is quirky about it (``notes``).  ``plant=`` writes the same
form with one typical mistake at a known cell (``cells["planted"]``).

Layouts (sources in ``shared/regional/``; "README description" where no excerpt was kept):

``build_lijiang``: Yunnan 丽江 2020 (``lijiang-2020-weipian-zhifa.txt``; operators ≧/═, 元 amounts,
    the empty 生态效益指标 row, 其他需要说明事项, the unlabelled grade and 服务对象满意度指标等 from the
    README description).  年度指标值 split over 指标性质 | 指标值 | 度量单位 under a two-row header
    (绩效指标 and 年度指标值 spanning columns on the first row); operators ``﹦`` (U+FE66), ``≧``
    (U+2267), ``═`` (U+2550), ``≥`` and a row without one; actuals as bare numbers or with their own
    unit (``100%``); labels broken over lines (``年度\\n总体\\n目标``); an empty 生态效益指标 row (level
    labels, no indicator); the level-2 label ``服务对象满意度指标等``; 其他需要说明事项 below the table;
    总分 with the grade in the next cell and no 评分等级 label.  The 项目名称 cell holds the form's
    title text (``…补助经费支出绩效自评表``) as published.  ``yuan=True``: ``项目资金（元）``, amounts
    in 元 (72890: the published 7.29 万元 is this figure rounded).
``build_sichuan``: Sichuan (README description).  权重 for 分值, 完成值 for 实际完成值, separate
    未完成原因分析 | 改进措施 columns; 预算执行情况（万元） with 年初预算数 / 调整后预算数 / 执行数 /
    执行率(全年执行数/全年预算数) / 权重 / 得分 and the rows 年度资金总额, 财政资金, 财政专户管理资金,
    单位资金; 实施单位(盖章); 评价等级 under 总分; a 评价结论 / 存在问题 / 改进措施 block and the
    signature rows 填表人 / 联系电话 / 填报日期 / 单位负责人签字 below.  Profile ``sichuan``.
``build_suixi``: Anhui 濉溪 2019 (``suixi-2019-linshi-jiuzhu.txt``).  Title 绩效目标自评表; 分值 before
    年度指标值; 资金情况(万元) with 全年预算数(A) / 全年执行数(B) / 执行率(B/A) and no 年初预算数;
    本年财政拨款 carrying its own 分值 and 得分 as published; 年初设定目标 / 年度总体目标完成情况综述;
    level-1 labels with points ``产出指标(50分)``; names with ``★`` markers and ``(≥**人)``
    placeholders (one bare: ``受益建档立卡贫困人口数≥**人``); targets ``>=21933人``, ``<=5300元/户``;
    全年实际值; 未完成原因及拟采取的改进措施; the department with its budget code ``[155]``.
``build_tangxi``: Anhui 池州 棠溪 2022 (``tangxi-2022-cunji-buzhu.txt``).  The national template with a
    ``附件:`` banner, a 绩效指标 column and level-1 labels with points; unit names with budget codes
    (``219-池州市贵池区棠溪镇人民政府``); 达成预期指标 / 部分达成预期指标 as achievement words; the total
    row of zeros with the money in 本年财政拨款, as published (``zero_total=False``: the row filled in).
``build_wuhan``: Hubei/Wuhan family 2020 (``wuhan-style-2020-fuwu-maoyi.txt``; the rules from
    ``wuhan-style-rules-1wenmi.txt``).  单位名称 / 填报日期 above the table; 项目类别 / 项目属性 / 项目类型
    tick rows; 预算执行情况(万元)(20分) with 预算数(A) / 执行数(B) / 执行率(B/A) / 得分(20分*执行率);
    年度绩效目标(80分) over the indicators, level-1 labels with points; 年初目标值(A) / 实际完成值(B);
    a 权重 column (``weights=False``: none, as published); no grade; 偏差大或目标未完成原因分析 and
    改进措施及结果应用方案 as form-level texts; the scoring rules in a 备注 row.  ``project=``
    ``"fuwu_maoyi"`` (the published 2020 市级服务贸易发展资金, every target met) or
    ``"changjiang_jinbu"`` (2020 长江禁捕退捕, the rules excerpt's project, figures completed: shortfalls,
    reverse targets, 部分达成预期指标 at 55 %).  ``published=True``: the 服务贸易 form's figures exactly
    as published (产出指标(60分) + 效益指标(40分) under 年度绩效目标(80分), indicator scores adding to
    100 and a 总分 of 100 that leaves out the budget score).  Profile ``hubei``.
``build_hebei``: Hebei (README description).  The national template with its rows ``指标1:``,
    ``指标2:``, ``……`` left in: a whole level-2 group (经济效益指标) and one row under 数量指标.
``build_jiangxi``: Jiangxi (README description).  ``620.82万元`` typed as text in every amount cell.
``build_chongqing_goal_table``: Chongqing goal table (README description).  Level-1 labels with weight
    ranges ``成本指标(0-20)分`` (成本指标 first, as level 1), 项目年度目标, 项目期限 in one cell,
    项目资金（万元） (the record's ``budget_yuan`` holds 元), a 分值 column.
``build_two_forms``: two national self-evaluations stacked on one sheet, a blank row between (README
    description: the published PDFs print forms one under another).
``build_national``: the plain national layout of 财预〔2020〕10号 (绩效指标 column, ``—`` in the 分值 and
    得分 of the 其中 rows) with 成本指标 as level 1 (财预〔2021〕101号), 评分等级 under 总分.

Representation (keys the current model keeps in ``extra``): ``texts`` (other_matters, conclusion,
problems, measures, deviation_analysis: only those the form has), indicator ``measures`` (a separate
改进措施 column), ``funds.special_account`` (财政专户管理资金), ``level1_points`` (``{"产出指标": 50}``,
ranges as ``[0, 20]``), ``indicator_points`` (Wuhan's 年度绩效目标(80分)), ``filing_unit`` and
``filing_date`` (ISO), ``project_category`` / ``project_attribute`` / ``project_type`` (the ticked
option), and on a goal table ``department`` and ``budget_yuan.current_year_appropriation`` /
``budget_yuan.current_year_other``.

Where an excerpt stops before 总分 the end of the form is completed plausibly: the grade row is
labelled 评分等级 (national, Hebei, Jiangxi), 自评等级 (Anhui) or 评价等级 (Sichuan); the Wuhan
family prints no grade.  Every clean self-evaluation scores by its profile's rules (stated scores,
totals and grades recompute); where a published form did not (丽江's 9.00 of 10 for a met target,
濉溪's full marks for 4604 of >=4754), the clean form scores by the rules and the notes say so.

Plants (``PLANT_KINDS``): ``score_over_weight`` (the first indicator at full marks gets weight + 2),
``total_not_readded`` (总分 − 2, or + 2 where − 2 would change the grade), ``wrong_grade`` (优→良,
良→中, 中→良, 差→中), ``rate_not_recomputed`` (the total row's 执行率 − 5, + 5 below 5),
``missing_deviation`` (the deviation text of the first indicator scored below its weight emptied; in
the Wuhan family the form-level 偏差大或目标未完成原因分析).  ``VARIANTS`` catalogues every variant
(built with :func:`build`), ``PLANTS`` the mistakes each can take, ``NOT_CLEAN`` the variants that
keep a published form's own inconsistencies.

``cells`` maps record paths to A1 cells (the anchor of a merged range; ``"E9:G9"`` for a target
split over three cells).  With several forms on a sheet the paths are prefixed ``[0].``, ``[1].``.
Two keys are not record paths: ``funds_unit`` (the label naming the amounts' unit, 万元 or 元) and
``planted`` (the cell of the planted mistake; a planted workbook differs from the clean one in that
cell only, so a mistake that changes a score leaves the total as it was).
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from sheetperf.rules.profiles import get_profile

Record = dict[str, Any]


@dataclass
class Built:
    """One workbook built by hand and the ground truth of reading it."""

    path: Path
    expected: list[Record]
    sheet: str
    cells: dict[str, str]
    profile: str
    notes: str


# --- records ------------------------------------------------------------------------------


def _row(
    initial: float | None = None,
    annual: float | None = None,
    executed: float | None = None,
    rate: float | None = None,
    *,
    weight: float | None = None,
    score: float | None = None,
) -> Record:
    """One funding row as the reader gives it: the four columns always, weight and score when stated."""
    out: Record = {"initial_budget": initial, "annual_budget": annual, "executed": executed, "execution_rate": rate}
    if weight is not None:
        out["weight"] = weight
    if score is not None:
        out["score"] = score
    return out


def _funds(
    total: Record,
    appropriation: Record | None = None,
    carryover: Record | None = None,
    other: Record | None = None,
    **extra_rows: Record,
) -> Record:
    return {
        "total": total,
        "current_year_appropriation": appropriation or _row(),
        "carryover": carryover or _row(),
        "other": other or _row(),
        **extra_rows,
    }


def _ind(
    level1: str,
    level2: str,
    name: str,
    target: str,
    actual: str,
    weight: float | None,
    score: float | None,
    deviation: str = "",
    **extra: Any,
) -> Record:
    return {
        "level1": level1,
        "level2": level2,
        "name": name,
        "target": target,
        "actual": actual,
        "weight": weight,
        "score": score,
        "deviation": deviation,
        **extra,
    }


def _self_evaluation(
    *,
    year: int,
    department: str,
    unit: str,
    project: str,
    funds: Record,
    goal_expected: str,
    goal_actual: str,
    indicators: list[Record],
    total_weight: float | None,
    total_score: float | None,
    grade: str | None,
    **extra: Any,
) -> Record:
    return {
        "form": "self_evaluation",
        "year": year,
        "department": department,
        "implementing_unit": unit,
        "project_name": project,
        "funds": funds,
        "goal_expected": goal_expected,
        "goal_actual": goal_actual,
        "indicators": indicators,
        "total_weight": total_weight,
        "total_score": total_score,
        "grade": grade,
        **extra,
    }


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _PATH_PART.findall(path)]


def resolve(record: Record, path: str) -> Any:
    """The value at a record path such as ``indicators[2].score`` or ``level1_points.产出指标``."""
    value: Any = record
    for step in _steps(path):
        value = value[step]
    return value


def _assign(record: Record, path: str, value: Any) -> None:
    *head, last = _steps(path)
    target: Any = record
    for step in head:
        target = target[step]
    target[last] = value


# --- planted mistakes --------------------------------------------------------------------------

#: The mistakes ``plant=`` can put into a form with scores.
PLANT_KINDS: tuple[str, ...] = (
    "score_over_weight",  # an indicator scored 2 points above its weight
    "total_not_readded",  # 总分 2 points off the sum of its parts (grade kept right)
    "wrong_grade",  # the grade one step off the total
    "rate_not_recomputed",  # the total row's 执行率 5 points off 执行数/预算数
    "missing_deviation",  # the deviation text of an indicator scored below its weight left empty
)
_WRONG_GRADE: dict[str, str] = {"优": "良", "良": "中", "中": "良", "差": "中"}


def plant_target(record: Record, kind: str) -> str | None:
    """The record path ``plant=kind`` changes in this record, or None when the form has no place for it."""
    indicators = record.get("indicators", [])
    if kind == "score_over_weight":
        for k, ind in enumerate(indicators):
            if ind.get("weight") is not None and ind.get("score") == ind["weight"]:
                return f"indicators[{k}].score"
        return None
    if kind == "total_not_readded":
        return "total_score" if record.get("total_score") is not None else None
    if kind == "wrong_grade":
        return "grade" if record.get("grade") else None
    if kind == "rate_not_recomputed":
        rate = record.get("funds", {}).get("total", {}).get("execution_rate")
        return "funds.total.execution_rate" if rate is not None else None
    if kind == "missing_deviation":
        for k, ind in enumerate(indicators):
            weight, score = ind.get("weight"), ind.get("score")
            if weight is not None and score is not None and score < weight and ind.get("deviation"):
                return f"indicators[{k}].deviation"
        if record.get("texts", {}).get("deviation_analysis"):
            return "texts.deviation_analysis"
        return None
    raise ValueError(f"unknown plant {kind!r}; known: {', '.join(PLANT_KINDS)}")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _plant(record: Record, kind: str) -> str:
    """Put the mistake ``kind`` into ``record`` (in place); the path it changed."""
    path = plant_target(record, kind)
    if path is None:
        raise ValueError(f"this form has no place for the mistake {kind!r}")
    old = resolve(record, path)
    new: Any
    if kind == "score_over_weight":
        new = old + 2
    elif kind == "total_not_readded":
        total = Decimal(str(old))
        new = _number(total - 2)
        grade = record.get("grade")
        if grade and get_profile("national").grade_for(total - 2) != grade:
            new = _number(total + 2)
    elif kind == "wrong_grade":
        new = _WRONG_GRADE[old]
    elif kind == "rate_not_recomputed":
        rate = Decimal(str(old))
        new = float(rate - 5 if rate >= 5 else rate + 5)
    else:
        new = ""
    _assign(record, path, new)
    return path


# --- writing ---------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
AMOUNT = "0.00"
PERCENT = "0%"
PERCENT2 = "0.00%"


def _a1(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


class _Sheet:
    """A worksheet being filled in, with the cell of every record path written."""

    def __init__(self, ws: Worksheet, prefix: str = "") -> None:
        self.ws = ws
        self.prefix = prefix
        self.cells: dict[str, str] = {}

    def put(
        self,
        row: int,
        col: int,
        value: Any,
        *,
        path: str | None = None,
        fmt: str | None = None,
        to_col: int | None = None,
        to_row: int | None = None,
    ) -> str:
        """Write ``value`` (None or "" leaves the cell empty), merge to ``to_row``/``to_col``, note ``path``."""
        cell = self.ws.cell(row=row, column=col)
        if value is not None and value != "":
            cell.value = value
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # typed text such as "=8个", not a formula
        if fmt:
            cell.number_format = fmt
        cell.alignment = _WRAP
        last_row, last_col = to_row or row, to_col or col
        if (last_row, last_col) != (row, col):
            self.ws.merge_cells(start_row=row, start_column=col, end_row=last_row, end_column=last_col)
        ref = _a1(row, col)
        if path is not None:
            self.cells[self.prefix + path] = ref
        return ref

    def note(self, path: str, ref: str) -> None:
        self.cells[self.prefix + path] = ref

    def box(self, top: int, left: int, bottom: int, right: int) -> None:
        """Thin borders on every cell of the form, merged ones included."""
        for row in self.ws.iter_rows(min_row=top, max_row=bottom, min_col=left, max_col=right):
            for cell in row:
                cell.border = _BOX

    def widths(self, widths: Sequence[float]) -> None:
        for k, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(k)].width = width


def _title(sh: _Sheet, row: int, text: str, last_col: int, path: str | None = None) -> None:
    sh.put(row, 1, text, path=path, to_col=last_col)
    sh.ws.cell(row=row, column=1).font = Font(bold=True, size=14)
    sh.ws.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="center")


def _points_label(name: str, points: Any) -> str:
    """``产出指标(50分)``; a range as Chongqing prints it: ``成本指标(0-20)分``."""
    if isinstance(points, list):
        return f"{name}({points[0]}-{points[1]})分"
    return f"{name}({points}分)"


@dataclass(frozen=True)
class _TableRow:
    """A row of an indicator table: an indicator (``index``) or a row that is not one (``text``)."""

    row: int
    level1: str
    level2: str
    index: int | None = None
    text: str = ""


def _table_rows(record: Record, first_row: int, extra: dict[int, list[tuple[str, str, str]]]) -> list[_TableRow]:
    """The table's rows: each indicator, with the rows of ``extra`` (level1, level2, text) before index k."""
    rows: list[_TableRow] = []
    row = first_row
    indicators = record["indicators"]
    for k in range(len(indicators) + 1):
        for level1, level2, text in extra.get(k, []):
            rows.append(_TableRow(row, level1, level2, None, text))
            row += 1
        if k < len(indicators):
            rows.append(_TableRow(row, indicators[k]["level1"], indicators[k]["level2"], k))
            row += 1
    return rows


def _write_levels(sh: _Sheet, record: Record, rows: list[_TableRow], col1: int, col2: int) -> None:
    """Level labels merged down their groups, as people merge them; level-1 points in the label."""
    points = record.get("level1_points", {})
    for col, key in ((col1, "level1"), (col2, "level2")):
        depth = 1 if key == "level1" else 2
        for _, group in itertools.groupby(rows, key=lambda r: (r.level1, r.level2)[:depth]):
            run = list(group)
            label = getattr(run[0], key)
            written = _points_label(label, points[label]) if key == "level1" and label in points else label
            ref = sh.put(run[0].row, col, written, to_row=run[-1].row)
            if key == "level1" and label in points:
                sh.note(f"level1_points.{label}", ref)
            for table_row in run:
                if table_row.index is not None:
                    sh.note(f"indicators[{table_row.index}].{key}", ref)


def _typed(text: str) -> Any:
    """A bare figure (``412``, ``23333.56``) as the number a person types; anything else as text."""
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d+\.\d+", text):
        return float(text)
    return text


def _output(path: Path | str, default_name: str) -> Path:
    out = Path(path)
    return out / default_name if out.is_dir() else out


def _rate(rate: float | None, fmt: str | None) -> tuple[Any, str | None]:
    """A rate in percent as a cell holds it: a fraction under a percent format, else the figure."""
    if rate is None:
        return None, None
    if fmt and "%" in fmt:
        return float(Decimal(str(rate)) / 100), fmt
    return rate, fmt


def _fit_rows(ws: Worksheet) -> None:
    """Rows tall enough for their wrapped text (openpyxl does not size rows; Excel only on edit)."""
    spans = {(m.min_row, m.min_col): (m.max_row - m.min_row + 1, m.min_col, m.max_col) for m in ws.merged_cells.ranges}
    needed: dict[int, float] = {}
    for row in ws.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or cell.row is None or cell.column is None:
                continue
            rows, first, last = spans.get((cell.row, cell.column), (1, cell.column, cell.column))
            width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(first, last + 1))
            lines = sum(
                max(1, math.ceil(sum(2 if ord(ch) > 0x2E80 else 1.1 for ch in part) / max(width - 1, 1)))
                for part in cell.value.split("\n")
            )
            needed[cell.row] = max(needed.get(cell.row, 0), 14.5 * lines / rows)
    for row_no, height in needed.items():
        if height > 15 and not ws.row_dimensions[row_no].height:
            ws.row_dimensions[row_no].height = round(height, 1)


def _finish(sh: _Sheet, path: Path, expected: list[Record], profile: str, notes: str, planted: str | None) -> Built:
    if planted is not None:
        sh.cells["planted"] = sh.cells[planted]
    _fit_rows(sh.ws)
    # printed one page wide, as forms are sent
    sh.ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sh.ws.page_setup.fitToWidth = 1
    sh.ws.page_setup.fitToHeight = 0
    workbook = sh.ws.parent
    assert workbook is not None
    workbook.save(path)
    return Built(path, expected, sh.ws.title, dict(sh.cells), profile, notes)


def _new_sheet(title: str) -> _Sheet:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    return _Sheet(ws)


def _planted(records: list[Record], plant: str | None, form: int = 0) -> tuple[list[Record], str | None]:
    """Deep copies of the records, with the mistake planted in ``records[form]``; the planted path."""
    out = copy.deepcopy(records)
    if plant is None:
        return out, None
    return out, _plant(out[form], plant)


def _plant_note(plant: str | None, path: str | None) -> str:
    return f" Planted: {plant} at {path}." if plant else ""


# --- Yunnan 丽江 ----------------------------------------------------------------------------------

# (level1, level2, name, 指标性质, 指标值, 度量单位, actual as written, weight, score, deviation)
_LIJIANG_ROWS: tuple[tuple[str, str, str, str, Any, str, Any, int, float, str], ...] = (
    ("产出指标", "数量指标", "卫片执法补助经费", "﹦", 72890, "元", 72890, 10, 10, ""),
    (
        "产出指标",
        "数量指标",
        "核查卫片图斑数量",
        "≧",
        120,
        "个",
        108,
        10,
        9,
        "部分图斑位于高寒山区，受雨季道路中断影响未能在年内完成实地核查，已列入下年度第一季度核查计划。",
    ),
    ("产出指标", "质量指标", "项目验收合格率", "﹦", 100, "%", "100%", 15, 15, ""),
    ("产出指标", "时效指标", "项目完成及时率", "═", 100, "%", "100%", 15, 15, ""),
    ("效益指标", "社会效益指标", "违法行为责停率", "≥", 95, "%", "96%", 20, 20, ""),
    ("效益指标", "可持续影响指标", "违法用地整改到位率", "", 90, "%", "92%", 10, 10, ""),
    ("满意度指标", "服务对象满意度指标等", "满意度", "≥", 95, "%", 95, 10, 10, ""),
)


def _lijiang_record(yuan: bool) -> Record:
    amount = 7.289 if yuan else 7.29  # 72890 元; the published 万元 form rounds it to 7.29
    return _self_evaluation(
        year=2020,
        department="丽江市自然资源和规划局",
        unit="丽江市古城区自然资源局",
        project="2020年省级自然资源卫片执法补助经费支出绩效自评表",
        funds=_funds(
            _row(amount, amount, amount, 100.0, weight=10.0, score=10.0),
            _row(amount, amount, amount, 100.0),
        ),
        goal_expected="自然资源卫片执法补助经费",
        goal_actual="自然资源卫片执法补助经费",
        indicators=[
            _ind(l1, l2, name, f"{op}{value}{unit}", str(actual), weight, score, deviation)
            for l1, l2, name, op, value, unit, actual, weight, score, deviation in _LIJIANG_ROWS
        ],
        total_weight=100.0,
        total_score=99.0,
        grade="优",
        texts={
            "other_matters": "本项目资金72890元已全部拨付丽江市古城区自然资源局，用于2020年度卫片执法图斑内业比对、"
            "外业核查及违法用地查处工作。",
        },
    )


def build_lijiang(path: Path | str, *, yuan: bool = False, plant: str | None = None) -> Built:
    """Yunnan 丽江 2020: split target columns under a two-row header, the grade beside 总分 (see module doc)."""
    [record], planted = _planted([_lijiang_record(yuan)], plant)
    out = _output(path, "lijiang_yuan.xlsx" if yuan else "lijiang.xlsx")
    sh = _new_sheet("Sheet1")
    last = 10
    _title(sh, 1, "2020年度项目支出绩效自评表", last, path="year")
    sh.put(2, 1, "项目名称")
    sh.put(2, 2, record["project_name"], path="project_name", to_col=last)
    sh.put(3, 1, "主管部门")
    sh.put(3, 2, record["department"], path="department", to_col=5)
    sh.put(3, 6, "实施单位")
    sh.put(3, 7, record["implementing_unit"], path="implementing_unit", to_col=last)

    sh.put(4, 1, "项目资金（元）" if yuan else "项目资金（万元）", path="funds_unit", to_row=8)
    sh.put(4, 2, None, to_col=3)
    for col, header in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率"), start=4):
        sh.put(4, col, header)
    sh.put(4, 9, "得分", to_col=10)
    scale = 10000 if yuan else 1
    for row, (key, label) in enumerate(
        (
            ("total", "年度资金总额"),
            ("current_year_appropriation", "其中：当年财政拨款"),
            ("carryover", "上年结转资金"),
            ("other", "其他资金"),
        ),
        start=5,
    ):
        fund = record["funds"][key]
        sh.put(row, 2, label, to_col=3)
        for col, column in enumerate(("initial_budget", "annual_budget", "executed"), start=4):
            value = fund[column]
            if value is not None:
                value = int(Decimal(str(value)) * scale) if yuan else value
            sh.put(row, col, value, path=f"funds.{key}.{column}" if value is not None else None, fmt=AMOUNT)
        if "weight" in fund:
            sh.put(row, 7, fund["weight"], path=f"funds.{key}.weight", fmt=AMOUNT)
        rate, fmt = _rate(fund["execution_rate"], PERCENT)
        sh.put(row, 8, rate, path=f"funds.{key}.execution_rate" if rate is not None else None, fmt=fmt)
        sh.put(row, 9, fund.get("score"), path=f"funds.{key}.score" if "score" in fund else None, fmt=AMOUNT, to_col=10)

    sh.put(9, 1, "年度\n总体\n目标", to_row=10)
    sh.put(9, 2, "预期目标", to_col=6)
    sh.put(9, 7, "实际完成情况", to_col=last)
    sh.put(10, 2, record["goal_expected"], path="goal_expected", to_col=6)
    sh.put(10, 7, record["goal_actual"], path="goal_actual", to_col=last)

    sh.put(11, 1, "绩效指标", to_col=3)
    sh.put(11, 4, "年度指标值", to_col=6)
    for col, header in ((7, "实际完成值"), (8, "分值"), (9, "得分"), (10, "偏差原因分析及改进措施")):
        sh.put(11, col, header, to_row=12)
    for col, header in enumerate(("一级\n指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"), start=1):
        sh.put(12, col, header)
    # the empty 生态效益指标 row sits between 社会效益 and 可持续影响 (indicator 5)
    rows = _table_rows(record, 13, {5: [("效益指标", "生态效益指标", "")]})
    for table_row in rows:
        if table_row.index is None:
            continue
        k, r = table_row.index, table_row.row
        ind = record["indicators"][k]
        _, _, _, op, value, unit, actual, *_ = _LIJIANG_ROWS[k]
        sh.put(r, 3, ind["name"], path=f"indicators[{k}].name")
        sh.put(r, 4, op)
        sh.put(r, 5, value)
        sh.put(r, 6, unit)
        sh.note(f"indicators[{k}].target", f"{_a1(r, 4)}:{_a1(r, 6)}")
        sh.put(r, 7, actual, path=f"indicators[{k}].actual")
        sh.put(r, 8, ind["weight"], path=f"indicators[{k}].weight", fmt=AMOUNT)
        sh.put(r, 9, ind["score"], path=f"indicators[{k}].score", fmt=AMOUNT)
        sh.put(r, 10, ind["deviation"], path=f"indicators[{k}].deviation")
    _write_levels(sh, record, rows, 1, 2)
    r = rows[-1].row + 1
    sh.put(r, 1, "其他需要说明事项", to_col=3)
    sh.put(r, 4, record["texts"]["other_matters"], path="texts.other_matters", to_col=last)
    r += 1
    sh.put(r, 1, "总分", to_col=7)
    sh.put(r, 8, record["total_weight"], path="total_weight", fmt=AMOUNT)
    sh.put(r, 9, record["total_score"], path="total_score", fmt=AMOUNT)
    sh.put(r, 10, record["grade"], path="grade")
    sh.box(2, 1, r, last)
    sh.widths((10, 12, 22, 9, 9, 9, 11, 9, 9, 30))
    notes = (
        "Yunnan 丽江 2020 (lijiang-2020-weipian-zhifa.txt). Split target columns joined without spaces "
        "(﹦72890元, ═100%, 90% with no operator); actuals as bare numbers or with their unit; an empty "
        "生态效益指标 row that is not an indicator; 其他需要说明事项 → texts.other_matters; the grade in the cell "
        "right of the 总分 score, unlabelled. The published scores (9.00 of 10 for a met 72890元, 19 of 20, 27 of "
        "30) do not follow the ratio rule; this clean form scores by the rules and completes the excerpt."
        + (" Amounts in 元 (项目资金（元）): the record holds 万元 (72890 元 → 7.289)." if yuan else "")
        + _plant_note(plant, planted)
    )
    return _finish(sh, out, [record], "national", notes, planted)


# --- national layout (财预〔2020〕10号): national, Hebei, Jiangxi, Tangxi, two forms -------------------


@dataclass(frozen=True)
class _NationalStyle:
    title: str
    year_line: str | None
    banner: str | None = None
    funds_label: str = "项目资金（万元）"
    fund_labels: tuple[tuple[str, str], ...] = (
        ("total", "年度资金总额"),
        ("current_year_appropriation", "其中：当年财政拨款"),
        ("carryover", "上年结转资金"),
        ("other", "其他资金"),
    )
    dash_sub_rows: bool = True  # "—" in 分值 and 得分 of the 其中 rows
    amounts: str = "number"  # "number" (0.00), "general", "text" (620.82万元)
    rate_fmt: str | None = PERCENT2
    extra_rows: tuple[tuple[int, tuple[tuple[str, str, str], ...]], ...] = ()  # template rows left in
    grade_label: str | None = "评分等级"


def _score_fmt(style: _NationalStyle) -> str | None:
    return None if style.amounts == "general" else AMOUNT


def _amount_cell(value: float | None, style: _NationalStyle) -> tuple[Any, str | None]:
    if value is None:
        return None, None
    if style.amounts == "text":
        return f"{value:.2f}万元", None
    return value, AMOUNT if style.amounts == "number" else None


def _write_national(sh: _Sheet, record: Record, top: int, style: _NationalStyle) -> int:
    """One form in the national template's nine columns from row ``top``; the last row written."""
    last = 9
    r = top
    if style.banner:
        sh.put(r, 1, style.banner)
        r += 1
    _title(sh, r, style.title, last, path=None if style.year_line else "year")
    r += 1
    if style.year_line:
        sh.put(r, 1, style.year_line, path="year", to_col=last)
        sh.ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")
        r += 1
    form_top = r
    sh.put(r, 1, "项目名称", to_col=2)
    sh.put(r, 3, record["project_name"], path="project_name", to_col=last)
    r += 1
    sh.put(r, 1, "主管部门", to_col=2)
    sh.put(r, 3, record["department"], path="department", to_col=5)
    sh.put(r, 6, "实施单位")
    sh.put(r, 7, record["implementing_unit"], path="implementing_unit", to_col=last)
    r += 1

    sh.put(r, 1, style.funds_label, path="funds_unit", to_col=2, to_row=r + len(style.fund_labels))
    for col, header in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), start=4):
        sh.put(r, col, header)
    r += 1
    for key, label in style.fund_labels:
        fund = record["funds"][key]
        sh.put(r, 3, label)
        for col, column in enumerate(("initial_budget", "annual_budget", "executed"), start=4):
            value, fmt = _amount_cell(fund[column], style)
            sh.put(r, col, value, path=f"funds.{key}.{column}" if value is not None else None, fmt=fmt)
        rate, fmt = _rate(fund["execution_rate"], style.rate_fmt)
        sh.put(r, 8, rate, path=f"funds.{key}.execution_rate" if rate is not None else None, fmt=fmt)
        for col, column in ((7, "weight"), (9, "score")):
            if column in fund:
                sh.put(r, col, fund[column], path=f"funds.{key}.{column}", fmt=_score_fmt(style))
            elif key != "total" and style.dash_sub_rows:
                sh.put(r, col, "—")
        r += 1

    sh.put(r, 1, "年度总体目标", to_col=2, to_row=r + 1)
    sh.put(r, 3, "预期目标", to_col=6)
    sh.put(r, 7, "实际完成情况", to_col=last)
    sh.put(r + 1, 3, record["goal_expected"], path="goal_expected", to_col=6)
    sh.put(r + 1, 7, record["goal_actual"], path="goal_actual", to_col=last)
    r += 2

    header_row = r
    headers = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")
    for col, header in enumerate(headers, start=2):
        sh.put(r, col, header)
    rows = _table_rows(record, r + 1, {k: list(v) for k, v in style.extra_rows})
    for table_row in rows:
        if table_row.index is None:
            sh.put(table_row.row, 4, table_row.text)
            continue
        k, row = table_row.index, table_row.row
        ind = record["indicators"][k]
        p = f"indicators[{k}]."
        sh.put(row, 4, ind["name"], path=p + "name")
        sh.put(row, 5, ind["target"], path=p + "target")
        sh.put(row, 6, _typed(ind["actual"]), path=p + "actual")
        sh.put(row, 7, ind["weight"], path=p + "weight", fmt=_score_fmt(style))
        sh.put(row, 8, ind["score"], path=p + "score", fmt=_score_fmt(style))
        sh.put(row, 9, ind["deviation"], path=p + "deviation")
    _write_levels(sh, record, rows, 2, 3)
    sh.put(header_row, 1, "绩效指标", to_row=rows[-1].row)
    r = rows[-1].row + 1
    sh.put(r, 1, "总分", to_col=6)
    sh.put(r, 7, record["total_weight"], path="total_weight", fmt=_score_fmt(style))
    sh.put(r, 8, record["total_score"], path="total_score", fmt=_score_fmt(style))
    if style.grade_label:
        r += 1
        sh.put(r, 1, style.grade_label, to_col=2)
        sh.put(r, 3, record["grade"], path="grade", to_col=last)
    sh.box(form_top, 1, r, last)
    sh.widths((8, 10, 13, 24, 13, 13, 9, 9, 28))
    return r


_NATIONAL_A = _self_evaluation(
    year=2022,
    department="长沙市望城区司法局",
    unit="长沙市望城区公共法律服务中心",
    project="2022年公共法律服务体系建设补助资金",
    funds=_funds(
        _row(50.0, 48.0, 46.56, 97.0, weight=10.0, score=9.7),
        _row(50.0, 48.0, 46.56, 97.0),
    ),
    goal_expected="健全覆盖城乡的公共法律服务网络，实现村（社区）法律顾问全覆盖，全年开展法治宣传活动60场以上，"
    "法律援助案件结案率达到95%以上，受援群众满意度达到90%以上。",
    goal_actual="全区村（社区）法律顾问覆盖率100%，全年开展法治宣传活动64场，法律援助案件结案率97.2%，"
    "受援群众满意度96%；法律援助案件平均补贴略超年初标准。",
    indicators=[
        _ind("产出指标", "数量指标", "村（社区）法律顾问覆盖率", "=100%", "100%", 10, 10),
        _ind("产出指标", "数量指标", "开展法治宣传活动场次", "≥60场", "64场", 10, 10),
        _ind("产出指标", "质量指标", "法律援助案件结案率", "≥95%", "97.2%", 10, 10),
        _ind("产出指标", "时效指标", "法律援助申请受理审查时限", "≤7个工作日", "5个工作日", 10, 10),
        _ind(
            "成本指标",
            "经济成本指标",
            "法律援助案件平均补贴标准",
            "≤2000元/件",
            "2150元/件",
            10,
            9.3,
            "部分刑事案件开庭次数多、异地办案，办案补贴按规定据实增加；下年度将按案件类型细化补贴测算。",
        ),
        _ind("效益指标", "社会效益指标", "群众法律服务获得感", "明显提升", "达成年度指标", 15, 15),
        _ind("效益指标", "可持续影响指标", "公共法律服务网络运行机制", "持续运行", "达成年度指标", 15, 15),
        _ind("满意度指标", "服务对象满意度指标", "受援群众满意度", "≥90%", "96%", 10, 10),
    ],
    total_weight=100.0,
    total_score=99.0,
    grade="优",
)

_NATIONAL_B = _self_evaluation(
    year=2022,
    department="长沙市望城区司法局",
    unit="长沙市望城区人民调解工作指导中心",
    project="2022年人民调解员以案定补经费",
    funds=_funds(
        _row(20.0, 20.0, 17.6, 88.0, weight=10.0, score=8.8),
        _row(20.0, 20.0, 17.6, 88.0),
    ),
    goal_expected="落实人民调解员以案定补政策，全年补助调解案件800件以上，调解协议履行率95%以上，"
    "矛盾纠纷就地化解率90%以上，当事人满意度90%以上。",
    goal_actual="全年补助调解案件640件，调解协议履行率91%，矛盾纠纷就地化解率80%，当事人满意度85%。",
    indicators=[
        _ind(
            "产出指标",
            "数量指标",
            "以案定补调解案件数量",
            "≥800件",
            "640件",
            15,
            12,
            "部分矛盾纠纷经诉前联调化解，未计入以案定补案件；下年度将诉前联调案件纳入统计口径。",
        ),
        _ind(
            "产出指标",
            "质量指标",
            "调解协议履行率",
            "≥95%",
            "91%",
            15,
            14.37,
            "部分协议当事人经济困难，分期履行尚未完毕；将加强履行回访。",
        ),
        _ind("产出指标", "时效指标", "补贴发放时间", "按季度发放", "达成年度指标", 10, 10),
        _ind("成本指标", "经济成本指标", "每件调解案件补贴标准", "≤250元/件", "240元/件", 10, 10),
        _ind(
            "效益指标",
            "社会效益指标",
            "矛盾纠纷就地化解率",
            "≥90%",
            "80%",
            20,
            17.78,
            "部分复杂纠纷经调解未果后转入诉讼程序；将加强诉调对接。",
        ),
        _ind(
            "效益指标",
            "可持续影响指标",
            "人民调解队伍稳定性",
            "保持稳定",
            "部分达成年度指标并具有一定效果",
            10,
            7,
            "部分村级调解员年龄偏大，队伍更新较慢；将开展调解员选聘和培训。",
        ),
        _ind(
            "满意度指标",
            "服务对象满意度指标",
            "当事人满意度",
            "≥90%",
            "85%",
            10,
            9.44,
            "个别当事人对调解结果期望较高；将加强释法说理。",
        ),
    ],
    total_weight=100.0,
    total_score=89.39,
    grade="良",
)

_NATIONAL_STYLE = _NationalStyle(title="项目支出绩效自评表", year_line="（2022年度）")


def build_national(path: Path | str, *, plant: str | None = None) -> Built:
    """The plain national layout (财预〔2020〕10号) with 成本指标 as level 1, for contrast."""
    [record], planted = _planted([_NATIONAL_A], plant)
    sh = _new_sheet("自评表")
    _write_national(sh, record, 1, _NATIONAL_STYLE)
    notes = (
        "Plain national layout (财预〔2020〕10号, 成本指标 as level 1 after 财预〔2021〕101号): 绩效指标 column, "
        "— in 分值/得分 of the 其中 rows, 评分等级 under 总分. Level-1 split 40/10/30/10." + _plant_note(plant, planted)
    )
    return _finish(sh, _output(path, "national.xlsx"), [record], "national", notes, planted)


def build_two_forms(path: Path | str, *, plant: str | None = None, plant_form: int = 1) -> Built:
    """Two national self-evaluations stacked on one sheet, a blank row between; paths prefixed ``[i].``."""
    records, planted = _planted([_NATIONAL_A, _NATIONAL_B], plant, plant_form)
    sh = _new_sheet("自评表")
    row = 1
    for k, record in enumerate(records):
        sh.prefix = f"[{k}]."
        row = _write_national(sh, record, row, _NATIONAL_STYLE) + 2
    sh.prefix = ""
    planted_key = None if planted is None else f"[{plant_form}].{planted}"
    notes = (
        "Two national self-evaluations on one sheet, one blank row between; the second scores 89.39 (良) with "
        "shortfalls. Cells are keyed [0].path and [1].path." + _plant_note(plant, planted_key)
    )
    return _finish(sh, _output(path, "two_forms.xlsx"), records, "national", notes, planted_key)


_HEBEI = _self_evaluation(
    year=2021,
    department="邯郸市肥乡区文化广电和旅游局",
    unit="邯郸市肥乡区文化馆",
    project="2021年公共文化服务体系建设补助资金",
    funds=_funds(
        _row(85.0, 85.0, 83.3, 98.0, weight=10.0, score=9.8),
        _row(85.0, 85.0, 83.3, 98.0),
    ),
    goal_expected="支持全区9个乡镇综合文化站免费开放，开展送戏下乡演出90场，群众文化活动参与人次达到3万人次以上，"
    "群众满意度达到90%以上。",
    goal_actual="全区9个乡镇综合文化站全部实现免费开放，完成送戏下乡演出84场，群众文化活动参与3.2万人次，"
    "群众满意度94%。",
    indicators=[
        _ind("产出指标", "数量指标", "乡镇综合文化站免费开放数量", "≥9个", "9个", 10, 10),
        _ind(
            "产出指标",
            "数量指标",
            "开展送戏下乡演出场次",
            "≥90场",
            "84场",
            10,
            9.33,
            "受疫情防控影响，6场演出未能如期举办，已调整至2022年第一季度完成。",
        ),
        _ind("产出指标", "质量指标", "免费开放服务项目达标率", "=100%", "100%", 10, 10),
        _ind("产出指标", "时效指标", "补助资金拨付及时率", "≥95%", "100%", 10, 10),
        _ind("产出指标", "成本指标", "每个乡镇综合文化站补助标准", "≤5万元", "5万元", 10, 10),
        _ind("效益指标", "社会效益指标", "基层群众公共文化活动参与人次", "≥3万人次", "3.2万人次", 15, 15),
        _ind("效益指标", "可持续影响指标", "基层公共文化服务长效运行机制", "持续运行", "达成年度指标", 15, 15),
        _ind("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "94%", 10, 10),
    ],
    total_weight=100.0,
    total_score=99.13,
    grade="优",
)


def build_hebei(path: Path | str, *, plant: str | None = None) -> Built:
    """Hebei: the national template with its 指标1: / 指标2: / …… rows left in (not indicators)."""
    [record], planted = _planted([_HEBEI], plant)
    style = _NationalStyle(
        title="项目支出绩效自评表",
        year_line="（2021年度）",
        extra_rows=(
            (2, (("产出指标", "数量指标", "……"),)),
            (
                5,
                (
                    ("效益指标", "经济效益指标", "指标1:"),
                    ("效益指标", "经济效益指标", "指标2:"),
                    ("效益指标", "经济效益指标", "……"),
                ),
            ),
        ),
    )
    sh = _new_sheet("Sheet1")
    _write_national(sh, record, 1, style)
    notes = (
        "Hebei: template rows left in: a …… row under 数量指标 after its two indicators, and a whole 经济效益指标 "
        "group of 指标1: / 指标2: / …… rows with no target, actual or score; none of them is an indicator."
        + _plant_note(plant, planted)
    )
    return _finish(sh, _output(path, "hebei.xlsx"), [record], "national", notes, planted)


_JIANGXI = _self_evaluation(
    year=2021,
    department="上饶市广丰区交通运输局",
    unit="上饶市广丰区农村公路事业发展中心",
    project="2021年农村公路养护工程补助资金",
    funds=_funds(
        _row(620.82, 620.82, 598.36, 96.38, weight=10.0, score=9.64),
        _row(620.82, 620.82, 598.36, 96.38),
        _row(0.0, 0.0, 0.0),
        _row(0.0, 0.0, 0.0),
    ),
    goal_expected="完成县乡道养护620公里以上，处治路面病害3.5万平方米，养护路段优良路率达到75%以上，"
    "农村群众出行条件明显改善。",
    goal_actual="完成县乡道养护632公里，处治路面病害3.2万平方米，养护路段优良路率78%，农村公路通行条件明显改善。",
    indicators=[
        _ind("产出指标", "数量指标", "县乡道养护里程", "≥620公里", "632公里", 15, 15),
        _ind(
            "产出指标",
            "数量指标",
            "路面病害处治面积",
            "≥3.5万平方米",
            "3.2万平方米",
            10,
            9.14,
            "部分路段列入2022年提质改造计划，病害处治随改造工程实施。",
        ),
        _ind("产出指标", "质量指标", "养护路段优良路率", "≥75%", "78%", 10, 10),
        _ind("产出指标", "时效指标", "养护工程完工时间", "2021年12月底前", "达成年度指标", 5, 5),
        _ind("产出指标", "成本指标", "每公里养护补助标准", "≤1万元", "0.95万元", 10, 10),
        _ind("效益指标", "社会效益指标", "农村群众出行条件", "明显改善", "达成年度指标", 15, 15),
        _ind(
            "效益指标",
            "可持续影响指标",
            "农村公路长效养护机制",
            "逐步完善",
            "部分达成年度指标并具有一定效果",
            15,
            10.5,
            "乡村两级养护责任尚未全面落实；将推行农村公路路长制，落实乡村养护责任。",
        ),
        _ind("满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥90%", "92%", 10, 10),
    ],
    total_weight=100.0,
    total_score=94.28,
    grade="优",
)


def build_jiangxi(path: Path | str, *, plant: str | None = None) -> Built:
    """Jiangxi: every amount cell typed as text with its unit (``620.82万元``)."""
    [record], planted = _planted([_JIANGXI], plant)
    style = _NationalStyle(title="项目支出绩效自评表", year_line="（2021年度）", amounts="text")
    sh = _new_sheet("绩效自评表")
    _write_national(sh, record, 1, style)
    notes = (
        "Jiangxi: every amount is text with its unit (620.82万元, 0.00万元 in the empty rows); the record holds "
        "numbers in 万元. Rates are numbers under a percent format." + _plant_note(plant, planted)
    )
    return _finish(sh, _output(path, "jiangxi.xlsx"), [record], "national", notes, planted)


# --- Anhui 池州 棠溪 -----------------------------------------------------------------------------


def _tangxi_record(zero_total: bool) -> Record:
    total = (
        _row(0.0, 0.0, 0.0, 0.0, weight=10.0, score=0.0)
        if zero_total
        else _row(202.64, 132.912, 132.912, 100.0, weight=10.0, score=10.0)
    )
    return _self_evaluation(
        year=2022,
        department="219-池州市贵池区棠溪镇人民政府",
        unit="219001-池州市贵池区棠溪镇人民政府",
        project="村级补助及运转经费",
        funds=_funds(total, _row(202.64, 132.912, 132.912)),
        goal_expected="本项目共申请预算资金2026400元,其中村级组织运转400000元,村民组长,党小组长基本报酬252000元,"
        "村民监督委员会工资28000元,村级事务补助960000元,村级工作目标奖励100000元。",
        goal_actual="本项目共完成预算资金1329120.67元,其中村级组织运转439120.67元,村民组长,党小组长基本报酬152000元,"
        "村民监督委员会工资28000元,村级事务补助660000元,村级工作目标奖励50000元。",
        indicators=[
            _ind("产出指标", "数量指标", "补助村(社区)数量", "=8个", "8", 8, 8),
            _ind("产出指标", "数量指标", "保障村干部人数", "=42个", "42", 8, 8),
            _ind("产出指标", "质量指标", "补助资格合规性", "合规", "达成预期指标", 8, 8),
            _ind("产出指标", "质量指标", "经费审批流程规范性", "严格执行相关制度规定", "达成预期指标", 8, 8),
            _ind("产出指标", "时效指标", "补助经费到位及时性", "及时", "达成预期指标", 8, 8),
            _ind("产出指标", "成本指标", "项目总成本", "≤202.6万元", "132.9", 10, 10),
            _ind(
                "效益指标",
                "经济效益指标",
                "对保障村(社区)两委机构正常运行的影响程度",
                "效果明显",
                "达成预期指标",
                10,
                10,
            ),
            _ind(
                "效益指标", "社会效益指标", "提高村(社区)干部工作积极性的影响程度", "效果明显", "达成预期指标", 10, 10
            ),
            _ind(
                "效益指标",
                "可持续影响指标",
                "村级工作目标考核激励机制",
                "逐步健全",
                "部分达成预期指标",
                10,
                7,
                "村级工作目标奖励仅兑现50000元，考核激励机制尚未全面落实；下一步将完善村级工作目标考核办法。",
            ),
            _ind("满意度指标", "服务对象满意度指标", "村(社区)干部满意度", "≥90%", "95%", 10, 10),
        ],
        total_weight=100.0,
        total_score=87.0 if zero_total else 97.0,
        grade="良" if zero_total else "优",
        level1_points={"产出指标": 50, "效益指标": 30, "满意度指标": 10},
    )


def build_tangxi(path: Path | str, *, zero_total: bool = True, plant: str | None = None) -> Built:
    """Anhui 棠溪 2022: budget codes in unit names, 达成预期指标, a total row of zeros (see module doc)."""
    [record], planted = _planted([_tangxi_record(zero_total)], plant)
    style = _NationalStyle(
        title="项目支出绩效自评表",
        year_line="(2022年度)",
        banner="附件:",
        funds_label="项目资金\n(万元)",
        fund_labels=(
            ("total", "年度资金总额:"),
            ("current_year_appropriation", "其中:本年财政拨款"),
            ("carryover", "上年结转资金"),
            ("other", "其他资金"),
        ),
        dash_sub_rows=False,
        amounts="general",
        rate_fmt=None,
        grade_label="自评等级",
    )
    sh = _new_sheet("村级补助及运转经费")
    _write_national(sh, record, 1, style)
    if zero_total:
        state = (
            "The 年度资金总额 row is 0 / 0 / 0 with 分值 10, 执行率 0, 得分 0 while 其中:本年财政拨款 holds "
            "202.64 / 132.912 / 132.912 (a real form's mistake, kept in the record: the validator should flag "
            "it); by the rules that row scores 0, so the total is 87 (良)."
        )
    else:
        state = "The 年度资金总额 row filled in from 本年财政拨款 (100%, 10 points): total 97 (优)."
    notes = (
        "Anhui 棠溪 2022 (tangxi-2022-cunji-buzhu.txt), completed after the 可持续影响 row. Unit names keep their "
        "budget codes (219-…, 219001-…); level-1 labels carry points (产出指标(50分) → level1_points); rates are "
        "plain numbers without a percent format. " + state + _plant_note(plant, planted)
    )
    return _finish(
        sh,
        _output(path, "tangxi.xlsx" if zero_total else "tangxi_corrected.xlsx"),
        [record],
        "national",
        notes,
        planted,
    )


# --- Anhui 濉溪 ----------------------------------------------------------------------------------

# (level1, level2, name as written, name, weight, target, actual, score, deviation)
_SUIXI_ROWS: tuple[tuple[str, str, str, str, int, str, str, float, str], ...] = (
    (
        "产出指标",
        "数量指标",
        "★★★农村低保发放人数(按月平均)(≥**人)",
        "农村低保发放人数(按月平均)",
        5,
        ">=21933人",
        "21980人",
        5,
        "",
    ),
    (
        "产出指标",
        "数量指标",
        "★★★其中:农村低保对象中建档立卡贫困人口数量(按月平均)(≥**人)",
        "其中:农村低保对象中建档立卡贫困人口数量(按月平均)",
        5,
        ">=9431人",
        "9453人",
        5,
        "",
    ),
    (
        "产出指标",
        "数量指标",
        "★★★建档立卡贫困人口中接受临时救助的人次数(≥**人次)",
        "建档立卡贫困人口中接受临时救助的人次数",
        5,
        ">=59人次",
        "87人次",
        5,
        "年初目标按上年救助人次测算偏低，本年因灾、因病致困的建档立卡贫困户增加，实际救助87人次。",
    ),
    (
        "产出指标",
        "数量指标",
        "★★★特困人员救助供养人数(按月平均)(≥**人)",
        "特困人员救助供养人数(按月平均)",
        5,
        ">=4754人",
        "4604人",
        4.84,
        "特困人员实行动态管理",
    ),
    (
        "产出指标",
        "数量指标",
        "扶贫临时救助人数(按月平均)(≥**人)",
        "扶贫临时救助人数(按月平均)",
        10,
        ">=7人",
        "7人",
        10,
        "",
    ),
    ("产出指标", "质量指标", "★农村低保标准(≥**元/人·月)", "农村低保标准", 5, ">=530元/人*月", "583元/人*月", 5, ""),
    (
        "产出指标",
        "质量指标",
        "农村特困人员救助供养基本生活标准(≥**元/人·月)",
        "农村特困人员救助供养基本生活标准",
        5,
        ">=570元/人*月",
        "758元/人*月",
        5,
        "按省定标准提标，特困人员基本生活标准按不低于当地农村低保标准的1.3倍执行。",
    ),
    (
        "产出指标",
        "质量指标",
        "扶贫临时救助标准(<**元/户·年)——一户年最高5300元",
        "扶贫临时救助标准——一户年最高5300元",
        10,
        "<=5300元/户",
        "5830元/户",
        9.09,
        "个别救助对象重大疾病叠加，经镇审核、县民政局审批后救助金额超过5300元；今后将严格执行救助标准。",
    ),
    (
        "效益指标",
        "社会效益指标",
        "★★★受益建档立卡贫困人口数≥**人",
        "受益建档立卡贫困人口数",
        30,
        ">=80人",
        "87人",
        30,
        "",
    ),
    ("满意度指标", "服务对象满意度指标", "★受助对象满意度(≥**%)", "受助对象满意度", 10, ">=90%", "95%", 10, ""),
)


def _suixi_record() -> Record:
    return _self_evaluation(
        year=2019,
        department="[155]濉溪县民政局",
        unit="濉溪县民政局",
        project="临时救助",
        funds=_funds(
            _row(None, 30.0, 30.0, 100.0, weight=10.0, score=10.0),
            _row(None, 30.0, 30.0, 100.0, weight=10.0, score=10.0),
        ),
        goal_expected="为建档立卡扶贫户解决临时性的困难",
        goal_actual="全年救助建档立卡扶贫户临时救助87人次,救助资金30万元,完成目标任务。",
        indicators=[
            _ind(l1, l2, name, target, actual, weight, score, deviation)
            for l1, l2, _, name, weight, target, actual, score, deviation in _SUIXI_ROWS
        ],
        total_weight=100.0,
        total_score=98.93,
        grade="优",
        level1_points={"产出指标": 50, "效益指标": 30, "满意度指标": 10},
    )


def build_suixi(path: Path | str, *, plant: str | None = None) -> Built:
    """Anhui 濉溪 2019: 分值 before the target, ★ names, 本年财政拨款 (see module doc)."""
    [record], planted = _planted([_suixi_record()], plant)
    sh = _new_sheet("临时救助")
    last = 8
    _title(sh, 1, "绩效目标自评表", last)
    sh.put(2, 1, "(2019年度)", path="year", to_col=last)
    sh.put(3, 1, "项目名称")
    sh.put(3, 2, record["project_name"], path="project_name", to_col=last)
    sh.put(4, 1, "主管部门")
    sh.put(4, 2, record["department"], path="department", to_col=4)
    sh.put(4, 5, "实施单位")
    sh.put(4, 6, record["implementing_unit"], path="implementing_unit", to_col=last)
    sh.put(5, 1, "资金情况(万元)", path="funds_unit", to_row=8)
    for col, header in enumerate(("全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)"), start=3):
        sh.put(5, col, header)
    sh.put(5, 7, "得分", to_col=8)
    for row, (key, label) in enumerate(
        (("total", "年度资金总额:"), ("current_year_appropriation", "其中:本年财政拨款"), ("other", "其他资金")),
        start=6,
    ):
        fund = record["funds"][key]
        sh.put(row, 2, label)
        for col, column in ((3, "annual_budget"), (4, "executed")):
            value = fund[column]
            sh.put(
                row,
                col,
                None if value is None else int(value) if value == int(value) else value,
                path=f"funds.{key}.{column}" if value is not None else None,
            )
        if "weight" in fund:
            sh.put(row, 5, fund["weight"], path=f"funds.{key}.weight")
        rate, fmt = _rate(fund["execution_rate"], PERCENT)
        sh.put(row, 6, rate, path=f"funds.{key}.execution_rate" if rate is not None else None, fmt=fmt)
        sh.put(row, 7, fund.get("score"), path=f"funds.{key}.score" if "score" in fund else None, to_col=8)
    sh.put(9, 1, "年度总体目标", to_row=10)
    sh.put(9, 2, "年初设定目标", to_col=4)
    sh.put(9, 5, "年度总体目标完成情况综述", to_col=last)
    sh.put(10, 2, record["goal_expected"], path="goal_expected", to_col=4)
    sh.put(10, 5, record["goal_actual"], path="goal_actual", to_col=last)
    headers = (
        "一级指标",
        "二级指标",
        "三级指标",
        "分值",
        "年度指标值",
        "全年实际值",
        "得分",
        "未完成原因及拟采取的改进措施",
    )
    for col, header in enumerate(headers, start=1):
        sh.put(11, col, header)
    rows = _table_rows(record, 12, {})
    for table_row in rows:
        assert table_row.index is not None
        k, r = table_row.index, table_row.row
        ind = record["indicators"][k]
        p = f"indicators[{k}]."
        sh.put(r, 3, _SUIXI_ROWS[k][2], path=p + "name")
        sh.put(r, 4, ind["weight"], path=p + "weight")
        sh.put(r, 5, ind["target"], path=p + "target")
        sh.put(r, 6, ind["actual"], path=p + "actual")
        sh.put(r, 7, ind["score"], path=p + "score")
        sh.put(r, 8, ind["deviation"], path=p + "deviation")
    _write_levels(sh, record, rows, 1, 2)
    r = rows[-1].row + 1
    sh.put(r, 1, "总分", to_col=3)
    sh.put(r, 4, record["total_weight"], path="total_weight")
    sh.put(r, 5, None, to_col=6)
    sh.put(r, 7, record["total_score"], path="total_score")
    sh.put(r + 1, 1, "自评等级", to_col=3)
    sh.put(r + 1, 4, record["grade"], path="grade", to_col=last)
    sh.box(3, 1, r + 1, last)
    sh.widths((14, 12, 40, 7, 14, 13, 7, 30))
    notes = (
        "Anhui 濉溪 2019 (suixi-2019-linshi-jiuzhu.txt), completed after the satisfaction row. Names lose ★ and "
        "(≥**人)-style placeholders (also the bare ≥**人); 本年财政拨款 carries its own 分值 10 and 得分 10 as "
        "published; no 年初预算数 and no 上年结转资金 row (null). The published scores gave full marks to "
        "4604 of >=4754 and to 5830 of <=5300; this clean form scores them 4.84 and 9.09 and explains the "
        "over-completions (87 of 59, 758 of 570) in the deviation column." + _plant_note(plant, planted)
    )
    return _finish(sh, _output(path, "suixi.xlsx"), [record], "national", notes, planted)


# --- Sichuan ---------------------------------------------------------------------------------------

_SICHUAN = _self_evaluation(
    year=2022,
    department="雅安市名山区水利局",
    unit="雅安市名山区水利工程管理站",
    project="2022年农村供水工程维修养护补助资金",
    funds=_funds(
        _row(120.0, 118.5, 112.6, 95.02, weight=10.0, score=9.5),
        _row(100.0, 98.5, 95.0, 96.45),
        other=_row(20.0, 20.0, 17.6, 88.0),
        special_account=_row(0.0, 0.0, 0.0),
    ),
    goal_expected="完成全区农村集中供水工程维修养护32处，维修管网18公里，保障农村供水工程正常运行，"
    "农村自来水普及率达到95%以上。",
    goal_actual="完成农村集中供水工程维修养护30处，维修管网18.6公里，农村自来水普及率达到95.6%，工程运行总体正常。",
    indicators=[
        _ind(
            "产出指标",
            "数量指标",
            "维修养护供水工程数量",
            "≥32处",
            "30处",
            15,
            14.06,
            "2处工程因水源地调整纳入2023年改扩建项目，未实施维修养护。",
            measures="加强项目前期论证，及时调整年度实施计划。",
        ),
        _ind("产出指标", "数量指标", "维修供水管网长度", "≥18公里", "18.6公里", 10, 10, measures=""),
        _ind("产出指标", "质量指标", "维修工程验收合格率", "=100%", "100%", 10, 10, measures=""),
        _ind("产出指标", "时效指标", "维修养护完成时间", "2022年11月底前", "达成年度指标", 5, 5, measures=""),
        _ind(
            "产出指标",
            "成本指标",
            "单处工程平均维修成本",
            "≤3.7万元",
            "3.75万元",
            10,
            9.87,
            "管材价格上涨，单处维修成本略超预期。",
            measures="推行维修材料集中采购，控制维修成本。",
        ),
        _ind("效益指标", "社会效益指标", "农村自来水普及率", "≥95%", "95.6%", 15, 15, measures=""),
        _ind("效益指标", "社会效益指标", "受益农村人口", "≥8.5万人", "8.7万人", 5, 5, measures=""),
        _ind(
            "效益指标",
            "可持续影响指标",
            "供水工程长效运行管护机制",
            "逐步健全",
            "部分达成年度指标并具有一定效果",
            10,
            7,
            "部分村级管水员报酬未落实，管护责任落实不到位。",
            measures="落实村级管水员报酬，建立工程运行维护考核制度。",
        ),
        _ind("满意度指标", "服务对象满意度指标", "受益群众满意度", "≥90%", "93%", 10, 10, measures=""),
    ],
    total_weight=100.0,
    total_score=95.43,
    grade="优",
    texts={
        "conclusion": "项目预算执行率95.02%，年度绩效目标基本完成，自评得分95.43分，评价等级为“优”。",
        "problems": "一是2处供水工程维修养护未按计划实施；二是部分村级管水员报酬未落实，长效管护机制尚不健全。",
        "measures": "一是加强项目前期论证，科学编制年度实施计划；二是落实村级管水员报酬，建立供水工程运行维护考核制度；"
        "三是推行维修材料集中采购，控制工程成本。",
    },
    filing_date="2023-03-20",
)


def build_sichuan(path: Path | str, *, plant: str | None = None) -> Built:
    """Sichuan: 权重, 完成值, separate reason and measure columns, a block below (see module doc)."""
    [record], planted = _planted([_SICHUAN], plant)
    sh = _new_sheet("自评表")
    last = 9
    _title(sh, 1, "项目支出绩效自评表", last)
    sh.put(2, 1, "（2022年度）", path="year", to_col=last)
    sh.put(3, 1, "项目名称", to_col=2)
    sh.put(3, 3, record["project_name"], path="project_name", to_col=last)
    sh.put(4, 1, "主管部门", to_col=2)
    sh.put(4, 3, record["department"], path="department", to_col=5)
    sh.put(4, 6, "实施单位(盖章)")
    sh.put(4, 7, record["implementing_unit"], path="implementing_unit", to_col=last)
    sh.put(5, 1, "预算执行情况（万元）", path="funds_unit", to_col=2, to_row=9)
    headers = ("年初预算数", "调整后预算数", "执行数", "执行率(全年执行数/全年预算数)", "权重", "得分")
    for col, header in enumerate(headers, start=4):
        sh.put(5, col, header)
    for row, (key, label) in enumerate(
        (
            ("total", "年度资金总额"),
            ("current_year_appropriation", "财政资金"),
            ("special_account", "财政专户管理资金"),
            ("other", "单位资金"),
        ),
        start=6,
    ):
        fund = record["funds"][key]
        sh.put(row, 3, label)
        for col, column in enumerate(("initial_budget", "annual_budget", "executed"), start=4):
            sh.put(row, col, fund[column], path=f"funds.{key}.{column}", fmt=AMOUNT)
        rate, fmt = _rate(fund["execution_rate"], PERCENT2)
        sh.put(row, 7, rate, path=f"funds.{key}.execution_rate" if rate is not None else None, fmt=fmt)
        for col, column in ((8, "weight"), (9, "score")):
            if column in fund:
                sh.put(row, col, fund[column], path=f"funds.{key}.{column}", fmt=AMOUNT)
    sh.put(10, 1, "年度总体目标", to_col=2, to_row=11)
    sh.put(10, 3, "预期目标", to_col=5)
    sh.put(10, 6, "实际完成情况", to_col=last)
    sh.put(11, 3, record["goal_expected"], path="goal_expected", to_col=5)
    sh.put(11, 6, record["goal_actual"], path="goal_actual", to_col=last)
    columns = ("一级指标", "二级指标", "三级指标", "年度指标值", "完成值", "权重", "得分", "未完成原因分析", "改进措施")
    for col, header in enumerate(columns, start=1):
        sh.put(12, col, header)
    rows = _table_rows(record, 13, {})
    for table_row in rows:
        assert table_row.index is not None
        k, r = table_row.index, table_row.row
        ind = record["indicators"][k]
        p = f"indicators[{k}]."
        sh.put(r, 3, ind["name"], path=p + "name")
        sh.put(r, 4, ind["target"], path=p + "target")
        sh.put(r, 5, ind["actual"], path=p + "actual")
        sh.put(r, 6, ind["weight"], path=p + "weight", fmt=AMOUNT)
        sh.put(r, 7, ind["score"], path=p + "score", fmt=AMOUNT)
        sh.put(r, 8, ind["deviation"], path=p + "deviation")
        sh.put(r, 9, ind["measures"], path=p + "measures")
    _write_levels(sh, record, rows, 1, 2)
    r = rows[-1].row + 1
    sh.put(r, 1, "总分", to_col=5)
    sh.put(r, 6, record["total_weight"], path="total_weight", fmt=AMOUNT)
    sh.put(r, 7, record["total_score"], path="total_score", fmt=AMOUNT)
    sh.put(r, 8, None, to_col=last)
    r += 1
    sh.put(r, 1, "评价等级", to_col=5)
    sh.put(r, 6, record["grade"], path="grade", to_col=last)
    for label, key in (("评价结论", "conclusion"), ("存在问题", "problems"), ("改进措施", "measures")):
        r += 1
        sh.put(r, 1, label, to_col=2)
        sh.put(r, 3, record["texts"][key], path=f"texts.{key}", to_col=last)
    sh.box(3, 1, r, last)
    r += 1
    sh.put(r, 1, "填表人：", to_col=2)
    sh.put(r, 3, "刘洋")
    sh.put(r, 4, "联系电话：")
    sh.put(r, 5, None)
    sh.put(r, 6, "填报日期：")
    sh.put(r, 7, "2023年3月20日", path="filing_date", to_col=8)
    r += 1
    sh.put(r, 1, "单位负责人签字：", to_col=2)
    sh.widths((10, 12, 20, 12, 12, 12, 9, 24, 24))
    notes = (
        "Sichuan (README description; figures invented, consistent). 调整后预算数 → annual_budget, 执行数 → executed; "
        "财政资金 → current_year_appropriation, 财政专户管理资金 → funds.special_account, 单位资金 → other; no "
        "上年结转资金 row (null). 未完成原因分析 → deviation, 改进措施 → measures; the block below → texts; "
        "填报日期 → filing_date; 填表人, 联系电话 and the signature are not recorded." + _plant_note(plant, planted)
    )
    return _finish(sh, _output(path, "sichuan.xlsx"), [record], "sichuan", notes, planted)


# --- Hubei / Wuhan family ---------------------------------------------------------------------------

_WUHAN_RULES = (
    "备注：1.预算执行情况口径：预算数为调整后财政资金总额（包括上年结余结转），执行数为资金使用单位财政资金实际支出数。"
    "2.定量指标完成数汇总原则：绝对值直接累加计算，相对值按照资金额度加权平均计算。定量指标计分原则：正向指标"
    "（即目标值为≥X），得分=权重*B/A；反向指标（即目标值为≤X），得分=权重*A/B，得分不得突破权重总额。"
    "定量指标先汇总完成数，再计算得分。3.定性指标计分原则：达成预期指标、部分达成预期指标、未达成预期指标三档，"
    "分别按照该指标对应分值区间100%-80%（≥80%）、80%-50%（≥50%，<80%）、50%-0%（<50%）合理确定分值。"
    "汇总时，以资金额度为权重加权平均计算得分。"
)


@dataclass(frozen=True)
class _WuhanForm:
    title: str
    record: Record


def _ticks(options: tuple[str, ...], ticked: str) -> str:
    """A tick row as typed: ``1、部门预算项目□　2、区直专项☑``."""
    assert ticked in options
    return "　".join(f"{k}、{option}{'☑' if option == ticked else '□'}" for k, option in enumerate(options, start=1))


_CATEGORY = ("部门预算项目", "区直专项")
_ATTRIBUTE = ("持续性项目", "新增性项目")
_TYPE = ("常年性项目", "延续性项目", "一次性项目")


def _fuwu_maoyi(published: bool) -> _WuhanForm:
    # (level2, name, target, actual, weight, score); published: the scores as printed, no weights
    rows: tuple[tuple[str, str, str, str, int, int, int], ...] = (
        ("数量指标", "服务外包在岸(万美元)", "20000", "23333.56", 10, 10, 10),
        ("数量指标", "服务外包离岸(万美元)", "4500", "4557.51", 10, 10, 10),
        ("数量指标", "支持服务贸易、服务外包企业数量", "3", "3", 10, 10, 10),
        ("质量指标", "企业国际质量提升", "获得目的国(地区)受众欢迎", "受目的国受众欢迎显著", 10, 10, 10),
        ("时效指标", "预算资金执行率", "90%", "100%", 5, 5, 10),
        ("时效指标", "资金拨付及时性", "98%以上", "100%", 5, 5, 10),
    )
    benefit: tuple[tuple[str, str, str, str, int, int, int], ...] = (
        (
            "社会效益指标",
            "企业把握政治导向和文化方向情况",
            "企业把握正确政治导向和文化方向情况的评价",
            "企业较好把握正确政治导向和文化方向情况的评价",
            15,
            15,
            20,
        ),
        ("可持续影响指标", "推动企业走出去方面发挥的作用", "是否利于企业走出去", "有利于推动企业走出去", 15, 15, 20),
    )
    indicators = [
        _ind(level1, l2, name, target, actual, None if published else weight, published_score if published else score)
        for level1, group in (("产出指标", rows), ("效益指标", benefit))
        for l2, name, target, actual, weight, score, published_score in group
    ]
    record = _self_evaluation(
        year=2020,
        department="区商务局",
        unit="投资促进中心",
        project="2020年市级服务贸易发展资金",
        funds=_funds(_row(None, 285.84, 285.84, 100.0, weight=20.0, score=20.0)),
        goal_expected="",
        goal_actual="",
        indicators=indicators,
        total_weight=None if published else 100.0,
        total_score=100.0,
        grade=None,
        filing_unit="区商务局",
        filing_date="2021-04-22",
        project_category="区直专项",
        project_attribute="持续性项目",
        project_type="常年性项目",
        indicator_points=80,
        level1_points={"产出指标": 60, "效益指标": 40} if published else {"产出指标": 50, "效益指标": 30},
        texts={"deviation_analysis": "", "measures": ""},
    )
    return _WuhanForm("2020年市级服务贸易发展资金项目自评表", record)


def _changjiang_jinbu() -> _WuhanForm:
    record = _self_evaluation(
        year=2020,
        department="区农业农村局",
        unit="区渔政执法大队",
        project="2020年度长江禁捕退捕项目",
        funds=_funds(_row(None, 1568.4, 1475.26, 94.06, weight=20.0, score=18.81)),
        goal_expected="",
        goal_actual="",
        indicators=[
            _ind("产出指标", "数量指标", "退捕渔船回收处置数量(艘)", "412", "412", 10, 10),
            _ind("产出指标", "数量指标", "退捕渔民转产就业人数(人)", "560", "523", 10, 9.34),
            _ind("产出指标", "质量指标", "补助资金发放准确率", "100%", "100%", 5, 5),
            _ind("产出指标", "时效指标", "补助资金发放及时率", "≥95%", "96.5%", 5, 5),
            _ind("产出指标", "成本指标", "人均过渡期生活补助(元/人)", "≤4800", "5040", 10, 9.52),
            _ind("效益指标", "社会效益指标", "禁捕水域非法捕捞案件发生数(起)", "≤10", "12", 10, 8.33),
            _ind("效益指标", "生态效益指标", "长江水生生物资源恢复情况", "明显恢复", "部分达成预期指标", 10, 5.5),
            _ind("效益指标", "可持续影响指标", "退捕渔民长效保障机制", "建立健全", "达成预期指标", 10, 9),
            _ind("满意度指标", "服务对象满意度指标", "退捕渔民满意度", "≥90%", "92%", 10, 10),
        ],
        total_weight=100.0,
        total_score=90.5,
        grade=None,
        filing_unit="区农业农村局",
        filing_date="2021-04-26",
        project_category="部门预算项目",
        project_attribute="新增性项目",
        project_type="一次性项目",
        indicator_points=80,
        level1_points={"产出指标": 40, "效益指标": 30, "满意度指标": 10},
        texts={
            "deviation_analysis": "一是部分退捕渔民年龄偏大、技能单一，转产就业人数未达到年初目标；二是过渡期生活补助按"
            "实际在册人数据实结算，人均补助高于年初测算；三是禁捕初期个别水域非法捕捞时有发生，案件数超过控制目标；"
            "四是水生生物资源恢复需要较长周期，当年效果尚不明显。",
            "measures": "加强就业技能培训和岗位推介，拓宽退捕渔民转产就业渠道；按在册人数据实编制补助预算；联合公安、"
            "市场监管等部门开展常态化执法巡查；持续开展水生生物资源监测，评估禁捕成效。",
        },
    )
    return _WuhanForm("2020年度长江禁捕退捕项目自评表", record)


def _without_weights(record: Record) -> Record:
    out = copy.deepcopy(record)
    for ind in out["indicators"]:
        ind["weight"] = None
    out["total_weight"] = None
    return out


def build_wuhan(
    path: Path | str,
    *,
    project: str = "fuwu_maoyi",
    weights: bool = True,
    published: bool = False,
    plant: str | None = None,
) -> Built:
    """Hubei/Wuhan family: 20-point budget execution, indicators worth 80, no grade (see module doc)."""
    if project == "fuwu_maoyi":
        form = _fuwu_maoyi(published)
    elif project == "changjiang_jinbu":
        if published:
            raise ValueError("only the 服务贸易 form has published figures")
        form = _changjiang_jinbu()
    else:
        raise ValueError(f"unknown Wuhan-family project {project!r}")
    if published and plant:
        raise ValueError("the published form is not planted: its own mistakes are the point")
    weights = weights and not published
    clean = form.record if weights or published else _without_weights(form.record)
    [record], planted = _planted([clean], plant)
    sh = _new_sheet("项目自评表")
    last = 8
    _title(sh, 1, form.title, last, path="year")
    year, month, day = (int(part) for part in record["filing_date"].split("-"))
    sh.put(2, 1, f"单位名称:{record['filing_unit']}", path="filing_unit", to_col=4)
    sh.put(2, 5, f"填报日期:{year}年{month}月{day}日", path="filing_date", to_col=last)
    sh.put(3, 1, "项目名称")
    sh.put(3, 2, record["project_name"], path="project_name", to_col=4)
    sh.put(3, 5, "主管部门")
    sh.put(3, 6, record["department"], path="department", to_col=last)
    sh.put(4, 1, "项目类别")
    sh.put(4, 2, _ticks(_CATEGORY, record["project_category"]), path="project_category", to_col=4)
    sh.put(4, 5, "项目属性")
    sh.put(4, 6, _ticks(_ATTRIBUTE, record["project_attribute"]), path="project_attribute", to_col=last)
    sh.put(5, 1, "项目类型")
    sh.put(5, 2, _ticks(_TYPE, record["project_type"]), path="project_type", to_col=4)
    sh.put(5, 5, "项目实施单位")
    sh.put(5, 6, record["implementing_unit"], path="implementing_unit", to_col=last)

    fund = record["funds"]["total"]
    points = int(fund["weight"])
    ref = sh.put(6, 1, f"预算执行情况(万元)({points}分)", path="funds.total.weight", to_row=7)
    sh.note("funds_unit", ref)
    sh.put(6, 2, "年度财政资金总额", to_row=7)
    for col, text in ((3, "预算数(A)"), (4, "执行数(B)"), (5, "执行率(B/A)")):
        sh.put(6, col, text)
    sh.put(6, 6, f"得分({points}分*执行率)", to_col=last)
    sh.put(7, 3, fund["annual_budget"], path="funds.total.annual_budget", fmt=AMOUNT)
    sh.put(7, 4, fund["executed"], path="funds.total.executed", fmt=AMOUNT)
    rate, fmt = _rate(fund["execution_rate"], PERCENT if float(fund["execution_rate"]).is_integer() else PERCENT2)
    sh.put(7, 5, rate, path="funds.total.execution_rate", fmt=fmt)
    sh.put(7, 6, fund["score"], path="funds.total.score", to_col=last)

    header = 8
    sh.put(header, 2, "一级指标")
    sh.put(header, 3, "二级指标")
    if weights:
        sh.put(header, 4, "三级指标")
        sh.put(header, 5, "权重")
    else:
        sh.put(header, 4, "三级指标", to_col=5)
    for col, text in ((6, "年初目标值(A)"), (7, "实际完成值(B)"), (8, "得分")):
        sh.put(header, col, text)
    rows = _table_rows(record, header + 1, {})
    for table_row in rows:
        assert table_row.index is not None
        k, r = table_row.index, table_row.row
        ind = record["indicators"][k]
        p = f"indicators[{k}]."
        if weights:
            sh.put(r, 4, ind["name"], path=p + "name")
            sh.put(r, 5, ind["weight"], path=p + "weight")
        else:
            sh.put(r, 4, ind["name"], path=p + "name", to_col=5)
        sh.put(r, 6, _typed(ind["target"]), path=p + "target")
        sh.put(r, 7, _typed(ind["actual"]), path=p + "actual")
        sh.put(r, 8, ind["score"], path=p + "score")
    _write_levels(sh, record, rows, 2, 3)
    text = f"年度绩效目标({record['indicator_points']}分)"
    sh.put(header, 1, text, path="indicator_points", to_row=rows[-1].row)
    r = rows[-1].row + 1
    if weights:
        sh.put(r, 1, "总分", to_col=4)
        sh.put(r, 5, record["total_weight"], path="total_weight")
        sh.put(r, 6, None, to_col=7)
    else:
        sh.put(r, 1, "总分", to_col=7)
    sh.put(r, 8, record["total_score"], path="total_score")
    for label, key in (("偏差大或目标未完成原因分析", "deviation_analysis"), ("改进措施及结果应用方案", "measures")):
        r += 1
        sh.put(r, 1, label, to_col=2)
        sh.put(r, 3, record["texts"][key], path=f"texts.{key}", to_col=last)
    r += 1
    sh.put(r, 1, "单位主要负责人签批意见", to_col=2)
    sh.put(r, 3, "签名：　　　　　　年　　月　　日", to_col=last)
    sh.box(3, 1, r, last)
    r += 1
    sh.put(r, 1, _WUHAN_RULES, to_col=last)
    sh.ws.row_dimensions[r].height = 120
    sh.widths((12, 12, 13, 26, 8, 18, 18, 9))
    if published:
        state = (
            "Exactly as published: 年度绩效目标(80分) over 产出指标(60分) + 效益指标(40分) = 100, no weights, "
            "indicator scores adding to 100 and a 总分 of 100 that leaves out the 20-point budget score (20 + 100 "
            "would be 120): the validator's job."
        )
    else:
        state = (
            "Weights completed (产出 50 / 效益 30) so that 20 + 80 = 100; "
            if project == "fuwu_maoyi"
            else "Completed form of the rules excerpt's project: shortfalls (9.34, 9.52 reverse, 8.33 reverse), "
            "部分达成预期指标 at 55 % (inside Hubei's 50–80 % band, outside the national 60–80 %), 达成预期指标 at "
            "90 %; 94.06 % execution scores 18.81; "
        ) + ("a 权重 column." if weights else "no 权重 column: weights and total_weight are null, not invented.")
    notes = (
        "Hubei/Wuhan family (wuhan-style-2020-fuwu-maoyi.txt, rules from wuhan-style-rules-1wenmi.txt): budget "
        "execution 20 points (funds.total.weight, from the label), 预算数 → annual_budget, no 年初预算数; "
        "年度绩效目标(80分) → indicator_points; tick rows → project_category/attribute/type (the ☑ option); "
        "单位名称/填报日期 → filing_unit/filing_date; no grade; per-form deviation texts; the printed rules in 备注 "
        "are not recorded. Qualitative actuals written as descriptions (受目的国受众欢迎显著) are kept as written. "
        + state
        + _plant_note(plant, planted)
    )
    name = f"wuhan_{project}{'_published' if published else '' if weights else '_no_weights'}.xlsx"
    return _finish(sh, _output(path, name), [record], "hubei", notes, planted)


# --- Chongqing goal table ----------------------------------------------------------------------------

_CHONGQING: Record = {
    "form": "goal_table",
    "year": 2022,
    "applicant_unit": "重庆市渝北区养老服务指导中心",
    "project_name": "2022年社区居家养老服务中心运营补助资金",
    "project_category": "",
    "planned_start": "2022-01-01",
    "planned_end": "2022-12-31",
    "government_procurement": "",
    "performance_type": "",
    "budget_yuan": {
        "project_total": None,
        "current_year": 4500000,
        "prior_year_same_project": None,
        "prior_year_same_project_executed": None,
        "current_year_appropriation": 4500000,
        "current_year_other": 0,
    },
    "texts": {
        "overview": "",
        "basis": "",
        "necessity": "",
        "safeguards": "",
        "implementation_plan": "",
        "objectives": "对全区45个社区居家养老服务中心按每个每年不超过10万元的标准给予运营补助，全年为老年人提供助餐、"
        "助洁、日间照料等服务12万人次以上，社区居家养老服务覆盖率达到90%以上，服务对象满意度达到90%以上。",
    },
    "indicators": [
        {
            "level1": "成本指标",
            "level2": "经济成本指标",
            "name": "社区养老服务中心运营补助标准",
            "target": "≤10万元/个·年",
            "weight": 10,
        },
        {
            "level1": "产出指标",
            "level2": "数量指标",
            "name": "补助社区养老服务中心数量",
            "target": "≥45个",
            "weight": 15,
        },
        {"level1": "产出指标", "level2": "数量指标", "name": "年服务老年人人次", "target": "≥12万人次", "weight": 10},
        {
            "level1": "产出指标",
            "level2": "质量指标",
            "name": "养老服务中心星级评定达标率",
            "target": "≥90%",
            "weight": 10,
        },
        {
            "level1": "产出指标",
            "level2": "质量指标",
            "name": "服务安全责任事故发生次数",
            "target": "=0次",
            "weight": 10,
        },
        {
            "level1": "产出指标",
            "level2": "时效指标",
            "name": "补助资金拨付时间",
            "target": "2022年12月底前",
            "weight": 5,
        },
        {
            "level1": "效益指标",
            "level2": "社会效益指标",
            "name": "社区居家养老服务覆盖率",
            "target": "≥90%",
            "weight": 15,
        },
        {
            "level1": "效益指标",
            "level2": "可持续影响指标",
            "name": "社区养老服务中心持续运营",
            "target": "持续运营",
            "weight": 15,
        },
        {
            "level1": "满意度指标",
            "level2": "服务对象满意度指标",
            "name": "服务对象满意度",
            "target": "≥90%",
            "weight": 10,
        },
    ],
    "department": "重庆市渝北区民政局",
    "level1_points": {"成本指标": [0, 20], "产出指标": [40, 50], "效益指标": [20, 30], "满意度指标": [0, 10]},
}


def build_chongqing_goal_table(path: Path | str) -> Built:
    """Chongqing goal table: level-1 weight ranges ``成本指标(0-20)分``, 项目年度目标, amounts in 万元."""
    record = copy.deepcopy(_CHONGQING)
    sh = _new_sheet("绩效目标表")
    last = 6
    _title(sh, 1, "项目支出绩效目标表", last)
    sh.put(2, 1, "（2022年度）", path="year", to_col=last)
    sh.put(3, 1, "项目名称")
    sh.put(3, 2, record["project_name"], path="project_name", to_col=last)
    sh.put(4, 1, "主管部门")
    sh.put(4, 2, record["department"], path="department", to_col=3)
    sh.put(4, 4, "实施单位")
    sh.put(4, 5, record["applicant_unit"], path="applicant_unit", to_col=last)
    sh.put(5, 1, "项目期限")
    ref = sh.put(5, 2, f"{record['planned_start']}至{record['planned_end']}", to_col=last)
    sh.note("planned_start", ref)
    sh.note("planned_end", ref)
    sh.put(6, 1, "项目资金（万元）", path="funds_unit", to_row=8)
    budget = record["budget_yuan"]
    for row, (label, key) in enumerate(
        (
            ("年度资金总额", "current_year"),
            ("其中：财政拨款", "current_year_appropriation"),
            ("其他资金", "current_year_other"),
        ),
        start=6,
    ):
        sh.put(row, 2, label, to_col=3)
        sh.put(row, 4, float(Decimal(budget[key]) / 10000), path=f"budget_yuan.{key}", fmt=AMOUNT, to_col=last)
    sh.put(9, 1, "项目年度目标")
    sh.put(9, 2, record["texts"]["objectives"], path="texts.objectives", to_col=last)
    sh.ws.row_dimensions[9].height = 60
    sh.put(10, 1, "绩效指标", to_col=last)
    for col, header in ((1, "一级指标"), (2, "二级指标"), (3, "三级指标"), (5, "指标值"), (6, "分值")):
        sh.put(11, col, header, to_col=4 if col == 3 else None)
    rows = _table_rows(record, 12, {})
    for table_row in rows:
        assert table_row.index is not None
        k, r = table_row.index, table_row.row
        ind = record["indicators"][k]
        p = f"indicators[{k}]."
        sh.put(r, 3, ind["name"], path=p + "name", to_col=4)
        sh.put(r, 5, ind["target"], path=p + "target")
        sh.put(r, 6, ind["weight"], path=p + "weight")
    _write_levels(sh, record, rows, 1, 2)
    sh.box(3, 1, rows[-1].row, last)
    sh.widths((18, 14, 16, 16, 16, 8))
    notes = (
        "Chongqing goal table (README description; figures invented). Level-1 labels with weight ranges "
        "(成本指标(0-20)分 → level1_points [0, 20]); 实施单位 → applicant_unit, 主管部门 → department; 项目期限 "
        "in one cell → planned_start/planned_end; 项目年度目标 → texts.objectives; 年度资金总额 / 财政拨款 / "
        "其他资金 in 万元 → budget_yuan current_year / current_year_appropriation / current_year_other in 元."
    )
    return _finish(sh, _output(path, "chongqing_goal_table.xlsx"), [record], "national", notes, None)


# --- the catalogue ------------------------------------------------------------------------------------

Builder = Callable[..., Built]

#: Every variant the tests build: id → (builder, keyword switches).
VARIANTS: dict[str, tuple[Builder, dict[str, Any]]] = {
    "lijiang": (build_lijiang, {}),
    "lijiang_yuan": (build_lijiang, {"yuan": True}),
    "sichuan": (build_sichuan, {}),
    "suixi": (build_suixi, {}),
    "tangxi": (build_tangxi, {}),
    "tangxi_total_corrected": (build_tangxi, {"zero_total": False}),
    "wuhan_fuwu_maoyi": (build_wuhan, {}),
    "wuhan_fuwu_maoyi_no_weights": (build_wuhan, {"weights": False}),
    "wuhan_fuwu_maoyi_published": (build_wuhan, {"published": True}),
    "wuhan_changjiang_jinbu": (build_wuhan, {"project": "changjiang_jinbu"}),
    "wuhan_changjiang_jinbu_no_weights": (build_wuhan, {"project": "changjiang_jinbu", "weights": False}),
    "hebei": (build_hebei, {}),
    "jiangxi": (build_jiangxi, {}),
    "chongqing_goal_table": (build_chongqing_goal_table, {}),
    "two_forms_one_sheet": (build_two_forms, {}),
    "national": (build_national, {}),
}

#: Variants whose stated figures are not all consistent with their profile's rules, and why.
NOT_CLEAN: dict[str, str] = {
    "wuhan_fuwu_maoyi_published": "as published: 总分 100 leaves out the budget score; level-1 points add to 100 of 80",
}

_ALL = PLANT_KINDS
_NO_GRADE = tuple(k for k in PLANT_KINDS if k != "wrong_grade")
_NO_GRADE_NO_WEIGHTS = tuple(k for k in _NO_GRADE if k != "score_over_weight")

#: The mistakes each variant can be planted with.
PLANTS: dict[str, tuple[str, ...]] = {
    "lijiang": _ALL,
    "lijiang_yuan": _ALL,
    "sichuan": _ALL,
    "suixi": _ALL,
    "tangxi": _ALL,
    "tangxi_total_corrected": _ALL,
    "wuhan_fuwu_maoyi": tuple(k for k in _NO_GRADE if k != "missing_deviation"),  # every target met
    "wuhan_fuwu_maoyi_no_weights": ("total_not_readded", "rate_not_recomputed"),
    "wuhan_fuwu_maoyi_published": (),
    "wuhan_changjiang_jinbu": _NO_GRADE,
    "wuhan_changjiang_jinbu_no_weights": _NO_GRADE_NO_WEIGHTS,
    "hebei": _ALL,
    "jiangxi": _ALL,
    "chongqing_goal_table": (),
    "two_forms_one_sheet": _ALL,
    "national": _ALL,
}


def build(variant: str, path: Path | str, *, plant: str | None = None) -> Built:
    """Build a catalogued variant, optionally with a planted mistake."""
    builder, switches = VARIANTS[variant]
    if plant is None:
        return builder(path, **switches)
    return builder(path, plant=plant, **switches)
