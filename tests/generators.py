"""Generated self-evaluation records, the spellings of targets and actuals people type, and the
comparison of a sheet's computed figures with Python's.

Shared by the tests that hold the sheet and Python together: through LibreOffice
(tests/test_recalc.py) and through the formula interpreter (tests/test_rulebook.py).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sheetperf.model.record import FundRow, Funds, Indicator, SelfEvaluation
from sheetperf.rules.parsing import LEVEL_TEXT
from sheetperf.rules.profiles import Profile
from sheetperf.rules.scoring import score_form

_UNITS = ["(%)", "(人次)", "(场)", "(万元)", "%", "项", "次", "", "(份)", "个", "人次以上"]
_OPS_POSITIVE = ["=", ">", "≥", ">=", "＞", "大于", "不少于", "＝"]
_OPS_REVERSE = ["≤", "<", "<=", "＜", "不超过"]
_QUALITATIVE = ["第三季度", "12 月", "促进了技术市场的繁荣发展", "及时", "=1次，50个学校", "≥**人次"]
_LEVEL_WORDS = [*LEVEL_TEXT.values(), "达成年度指标", "部分达成", "未达成"]


def _amount(draw: st.DrawFn, low: int = 0, high: int = 200_000) -> float:
    cents = draw(st.integers(low, high))
    return cents / 100


def _number_text(value: Decimal, draw: st.DrawFn) -> str:
    places = draw(st.sampled_from([0, 1, 2]))
    text = f"{value:.{places}f}"
    if value >= 1000 and draw(st.booleans()):
        whole, _, frac = text.partition(".")
        text = f"{int(whole):,}" + (f".{frac}" if frac else "")
    return text


@st.composite
def indicators(draw: st.DrawFn) -> Indicator:
    kind = draw(st.sampled_from(["positive", "reverse", "range", "qualitative", "not_applicable", "level"]))
    weight = draw(st.sampled_from([Decimal(w) for w in ("20", "15", "10", "4", "3", "4.5", "2.25", "0", "7.5")]))
    goal = Decimal(draw(st.sampled_from([0, 1, 3, 5, 30, 95, 98, 100, 365, 5500, 12000]))) + Decimal(
        draw(st.sampled_from(["0", "0.5", "0.25"]))
    )
    unit = draw(st.sampled_from(_UNITS))
    if kind in ("positive", "reverse"):
        op = draw(st.sampled_from(_OPS_POSITIVE if kind == "positive" else _OPS_REVERSE))
        space = draw(st.sampled_from(["", " "]))
        target = f"{op}{space}{_number_text(goal, draw)}{unit}"
    elif kind == "range":
        high = goal + Decimal(draw(st.sampled_from([0, 1, 50])))
        target = f"{_number_text(goal, draw)}{draw(st.sampled_from(['-', '~', '至']))}{high}{draw(st.sampled_from(['项', '次', '']))}"
    else:
        target = draw(st.sampled_from(_QUALITATIVE))
    if kind == "not_applicable":
        actual: str | float = draw(st.sampled_from(["不适用", "不涉及"]))
    elif kind in ("qualitative", "level") or draw(st.integers(0, 9)) == 0:
        actual = draw(st.sampled_from(_LEVEL_WORDS))
    else:
        # 1.2/1.3: over-completion (national, Guangxi); 1.5 and above: a profile's over-target deduction.
        factor = draw(st.sampled_from(["0", "0.5", "0.9", "1", "1.2", "1.3", "1.5", "1.6", "0.333", "2"]))
        value = (goal * Decimal(factor)).quantize(Decimal("0.01")) if goal else Decimal(draw(st.integers(0, 3)))
        style = draw(st.sampled_from(["unit", "number", "plain"]))
        if style == "number":
            actual = float(value)
        elif style == "plain":
            actual = f"{value}"
        else:
            actual = f"{value:.2f}{unit if unit.startswith('(') else '(' + (unit or '项') + ')'}"
    return Indicator(
        level1=draw(st.sampled_from(["产出指标", "效益指标", "满意度指标"])),
        level2="数量指标",
        name=f"指标{draw(st.integers(1, 999))}",
        target=target,
        actual=str(actual) if isinstance(actual, str) else None,
        weight=float(weight),
        extra={"_number_actual": actual} if not isinstance(actual, str) else {},
    )


@st.composite
def self_evaluations(draw: st.DrawFn) -> SelfEvaluation:
    inds = draw(st.lists(indicators(), min_size=1, max_size=12))
    for ind in inds:  # a number typed into the actual cell (not text)
        number = ind.extra.pop("_number_actual", None)
        if number is not None:
            ind.actual = None
            ind.extra["_cell_number"] = number
    budget = _amount(draw)
    # Rates around the caps a profile may set on the total (below 80 %, 70 %, 60 %, and exactly 80 %).
    share = draw(st.sampled_from([1.0, 0.0, 0.9913, 0.8, 0.75, 0.65, 0.55, None]))
    executed = _amount(draw) if share is None else round(budget * share, 2)
    funds = Funds(
        total=FundRow(initial_budget=budget, annual_budget=budget, executed=executed),
        current_year_appropriation=FundRow(initial_budget=budget, annual_budget=budget, executed=executed),
        carryover=FundRow(initial_budget=0.0, annual_budget=0.0, executed=draw(st.sampled_from([0.0, 1.0]))),
        other=FundRow(initial_budget=0.0, annual_budget=_amount(draw, 0, 500), executed=_amount(draw, 0, 500)),
    )
    return SelfEvaluation(
        year=2023,
        department="主管部门",
        implementing_unit="实施单位",
        project_name="项目",
        funds=funds,
        indicators=inds,
    )


def python_view(record: SelfEvaluation) -> SelfEvaluation:
    """The record as Python scores it: a number typed into a cell is a number actual."""
    copy = dataclasses.replace(record, indicators=[dataclasses.replace(i) for i in record.indicators])
    for ind in copy.indicators:
        if "_cell_number" in ind.extra:
            ind.actual = repr(ind.extra["_cell_number"])
    return copy


def collect(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """``count`` examples of ``strategy``, generated by hypothesis (no shrinking: the
    assertions below print every mismatching input)."""
    found: list[Any] = []

    @settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def gather(value: Any) -> None:
        found.append(value)

    gather()
    return found



TARGET_SPELLINGS = [
    "=1(场)",
    ">95(%)",
    "≥98(%)",
    "≤5(%)",
    "=60.00(万元)",
    "=10(月)",
    ">=90%",
    "≥**人次",
    "（≥）98％",
    "＞３",
    "5,535,000",
    "=5,535,000元",
    "150-200项",
    "5-10次",
    "2-3次",
    "8-10次",
    "第三季度",
    "12 月",
    "12月以内",
    "不低于 95%",
    "大于等于3次",
    "小于5",
    "低于 2%",
    "≤2.00(%)",
    "=370.00(份)",
    "> = 5",
    "=1次，50个学校",
    ">=1次，人数不少于100人",
    "=50人次以上，培训场次不少于二次",
    ">1万字",
    "合规",
    "",
    "   ",
    "≥8000㎡",
    "≥8000m²",
    "=-5",
    "+5项",
    "5.项",
    "5..项",
    "1,2345",
    "1234,567",
    "12,345,",
    "5.-10",
    "150 - 200 项",
    "0-0",
    "10-5项",
    "3%-5%",
    "≥ 98 %",
    "=30(人次)",
    "=0",
    "<=0(%)",
    "≥1,000.5(元)",
    "≥(%)",
    "=1(一二三四五六七八九十一二三四五六七)",
    "=1(一二三四五六七八九十一二三四五六)",
    "=1一二三四五六七八九十一二",
    "=1一二三四五六七八九十一二三",
    "=1一二三四五六七八九十一二以上",
    "12季度",
    "=12季度",
    "3年底",
    "5周",
    "150-200(项)",
    "1.5-2.5",
    "～",
    "≧5",
    "⩽5",
    "=>5",
    "=<5",
    "==5",
    "不多于3次",
    "大于或等于 7",
    "等于10",
    "≥98\n(%)",
    "≥98\u3000%",
    "≥９８．５％",
    "5,000-6,000人",
]
ACTUAL_SPELLINGS = [
    "1.00(场)",
    "98.00(%)",
    "达成指标",
    "达成年度指标",
    "部分达成指标并具有一定效果",
    "未达成指标且效果较差",
    "已达成",
    "全部达到",
    "已全部达到年度目标",
    "未能完全达成",
    "未达到",
    "部分达到",
    "达成了",
    "完成",
    "不适用",
    "不涉及",
    "无此项",
    "n/a",
    "N/A",
    "NA",
    "na",
    "Na",
    "ｎ／ａ",
    "-",
    "—",
    "/",
    "",
    " ",
    "≥99%",
    "100",
    "1,234.5份",
    "0",
    "0.00(%)",
    "5..项",
    "12 月",
    "三次",
    "１００％",
    "达 成 指 标",
]



target_texts = st.one_of(
    st.sampled_from(TARGET_SPELLINGS),
    st.builds(
        lambda op, sp, num, unit: f"{op}{sp}{num}{unit}",
        st.sampled_from(["", "=", ">", "≥", ">=", "<", "≤", "<=", "不低于", "＝", "＜", "大于"]),
        st.sampled_from(["", " "]),
        st.from_regex(r"[-+]?([0-9]{1,3}(,[0-9]{3}){0,2}|[0-9]{1,6})(\.[0-9]{1,3})?\.{0,2}", fullmatch=True),
        st.sampled_from(
            ["", "%", "(%)", "项", "(人次)", "月", "季度", "人次以上", "-200项", "~9", "(a(b))", "；", "、次"]
        ),
    ),
    st.text(alphabet="0123456789.,-~%()=<>≥≤项月年 ", max_size=10),
)
actual_texts = st.one_of(
    st.sampled_from(ACTUAL_SPELLINGS),
    st.from_regex(r"[-+]?[0-9]{1,4}(\.[0-9]{1,2})?(\(%\)|%|项|\(人次\))?", fullmatch=True),
    st.text(alphabet="0123456789.,%()达成未部分指标不适用 ", max_size=8),
)


@dataclasses.dataclass
class Computed:
    rates: dict[str, Any]
    budget_score: Any
    scores: list[Any]
    total_weight: Any
    total_score: Any
    grade: Any
    helpers: list[dict[str, Any]]


def same(sheet_value: Any, expected: Decimal | None) -> bool:
    if expected is None:
        return sheet_value is None
    if not isinstance(sheet_value, (int, float)) or isinstance(sheet_value, bool):
        return False
    return abs(Decimal(repr(float(sheet_value))) - expected) < Decimal("0.000001")


def mismatches(record: SelfEvaluation, computed: Computed, profile: Profile) -> list[str]:
    expected = score_form(record, profile)
    out = []
    for row, fund in expected.funds.items():
        if not same(computed.rates[row], fund.execution_rate):
            out.append(f"rate {row}: sheet {computed.rates[row]!r} python {fund.execution_rate}")
    if not same(computed.budget_score, expected.budget_score):
        out.append(f"budget score: sheet {computed.budget_score!r} python {expected.budget_score}")
    for i, (got, want) in enumerate(zip(computed.scores, expected.indicators, strict=True)):
        if not same(got, want.score):
            ind = record.indicators[i]
            out.append(f"indicator {i} {ind.target!r}/{ind.actual!r}/{ind.weight}: sheet {got!r} python {want.score}")
    if not same(computed.total_score, expected.total_score):
        out.append(f"total: sheet {computed.total_score!r} python {expected.total_score}")
    if not same(computed.total_weight, expected.total_weight):
        out.append(f"total weight: sheet {computed.total_weight!r} python {expected.total_weight}")
    if computed.grade != expected.grade:
        out.append(f"grade: sheet {computed.grade!r} python {expected.grade}")
    return out


def spent(record: SelfEvaluation, share: str) -> SelfEvaluation:
    """The record with only ``share`` of its budget spent (its total row and 当年财政拨款)."""
    copy = dataclasses.replace(record, funds=copy_funds(record.funds))
    for row in (copy.funds.total, copy.funds.current_year_appropriation):
        if row.annual_budget is not None:
            row.executed = float((Decimal(str(row.annual_budget)) * Decimal(share)).quantize(Decimal("0.01")))
    return copy


def copy_funds(funds: Funds) -> Funds:
    return Funds(**{name: dataclasses.replace(row) for name, row in funds.rows().items()})
