"""Scoring rules of the self-evaluation form, in pure Python.

Every rule here has a twin Excel formula in :mod:`sheetperf.forms.formulas`; a test
recalculates templates in LibreOffice and checks that both give the same
figures.  Arithmetic is done in :mod:`decimal` and rounded the way Excel rounds
(:func:`excel_round`) so the two never differ by 0.01.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Final

from sheetperf.model.record import FUND_ROWS, FundRow, Indicator, Number, SelfEvaluation
from sheetperf.rules.parsing import ActualKind, Level, TargetKind, parse_actual, parse_number, parse_target
from sheetperf.rules.profiles import Profile

ZERO: Final = Decimal(0)
HUNDRED: Final = Decimal(100)
HALF_CENT: Final = Decimal("0.005")


def excel_round(value: Decimal, places: int = 2) -> Decimal:
    """Round like Excel's ROUND: 15 significant digits first, then half away from zero."""
    if value.is_zero():
        return Decimal(0).quantize(Decimal(1).scaleb(-places))
    with localcontext() as ctx:
        ctx.prec = 15
        ctx.rounding = ROUND_HALF_EVEN
        fifteen = +value
    if fifteen.adjusted() >= 15:  # 15 significant digits hold no cents to round (and 1E+30 has
        return fifteen  # more digits than quantize may give: InvalidOperation, found by fuzzing)
    return fifteen.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def to_decimal(value: Number | str | None) -> Decimal | None:
    return parse_number(value)


class Rule(StrEnum):
    """Which rule scored an indicator."""

    POSITIVE = "positive"
    REVERSE = "reverse"
    RANGE = "range"
    QUALITATIVE = "qualitative"
    NOT_APPLICABLE = "not_applicable"
    UNSCORED = "unscored"


@dataclass(frozen=True)
class IndicatorScore:
    name: str
    rule: Rule
    weight: Decimal | None
    score: Decimal | None
    level: Level | None = None
    over_completion: bool = False
    # Why an indicator could not be scored (a Chinese phrase for people), else "".
    reason: str = ""

    @property
    def needs_deviation(self) -> bool:
        if self.rule is Rule.NOT_APPLICABLE or self.weight is None or self.score is None:
            return False
        return self.score < self.weight or self.over_completion


@dataclass(frozen=True)
class FundScore:
    row: str
    execution_rate: Decimal | None
    # The interval a stated rate may fall in, given amounts rounded to two decimals.
    rate_low: Decimal | None = None
    rate_high: Decimal | None = None


@dataclass
class FormScore:
    """Recomputed figures of one self-evaluation form."""

    project_name: str
    funds: dict[str, FundScore]
    budget_weight: Decimal
    budget_score: Decimal | None
    budget_score_low: Decimal | None
    budget_score_high: Decimal | None
    indicators: list[IndicatorScore] = field(default_factory=list)
    total_weight: Decimal = ZERO
    total_score: Decimal = ZERO
    grade: str = ""

    @property
    def execution_rate(self) -> Decimal | None:
        return self.funds["total"].execution_rate

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of ``sheetperf score --json``."""
        return {
            "project_name": self.project_name,
            "execution_rate": _num(self.execution_rate),
            "budget_score": _num(self.budget_score),
            "indicators": [{"name": i.name, "score": _num(i.score)} for i in self.indicators],
            "total_weight": _num(self.total_weight),
            "total_score": _num(self.total_score),
            "grade": self.grade,
        }


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _ratio(executed: Decimal, budget: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 28
        return executed / budget


def execution_rate(executed: Decimal | None, budget: Decimal | None) -> Decimal | None:
    """执行率(%) = 全年执行数 / 全年预算数 × 100, two decimals; 0 for an empty row."""
    if executed is None or budget is None:
        return None
    if budget.is_zero():
        return excel_round(ZERO) if executed.is_zero() else None
    return excel_round(_ratio(executed, budget) * HUNDRED)


def budget_score(executed: Decimal | None, budget: Decimal | None, weight: Decimal) -> Decimal | None:
    """min(执行率/100, 1) × weight, from the unrounded rate."""
    if executed is None or budget is None:
        return None
    if budget <= 0:
        return excel_round(ZERO)
    return excel_round(min(max(_ratio(executed, budget), ZERO), Decimal(1)) * weight)


def _bounds(executed: Decimal, budget: Decimal) -> tuple[Decimal, Decimal] | None:
    """Extreme ratios of amounts that print as ``executed`` and ``budget``."""
    low_budget = budget + HALF_CENT
    high_budget = budget - HALF_CENT
    if high_budget <= 0:
        return None
    low = _ratio(max(executed - HALF_CENT, ZERO), low_budget)
    high = _ratio(executed + HALF_CENT, high_budget)
    return low, high


def fund_score(row_name: str, row: FundRow) -> FundScore:
    executed, budget = to_decimal(row.executed), to_decimal(row.annual_budget)
    rate = execution_rate(executed, budget)
    if rate is None or executed is None or budget is None:
        return FundScore(row_name, rate)
    bounds = _bounds(executed, budget)
    if bounds is None:
        return FundScore(row_name, rate, rate, rate)
    low, high = bounds
    return FundScore(row_name, rate, excel_round(low * HUNDRED), excel_round(high * HUNDRED))


def score_indicator(indicator: Indicator, profile: Profile, weight: Decimal | None = None) -> IndicatorScore:
    """Score one indicator with the rules of ``profile``.

    ``weight`` overrides the stated weight (used when not-applicable rows are
    left out and the others rescaled).
    """
    if weight is None:
        weight = to_decimal(indicator.weight)
    target = parse_target(indicator.target)
    actual = parse_actual(indicator.actual)
    name = indicator.name
    if actual.kind is ActualKind.NOT_APPLICABLE:
        return IndicatorScore(name, Rule.NOT_APPLICABLE, weight, None)
    if weight is None:
        return IndicatorScore(name, Rule.UNSCORED, None, None, reason="分值未填写")
    if actual.kind is ActualKind.LEVEL:
        assert actual.level is not None
        band = profile.bands[actual.level]
        score = excel_round(weight * band.default / HUNDRED)
        return IndicatorScore(name, Rule.QUALITATIVE, weight, score, level=actual.level)
    if actual.kind is ActualKind.EMPTY:
        return IndicatorScore(name, Rule.UNSCORED, weight, None, reason="实际完成值未填写")
    if not target.is_numeric:
        return IndicatorScore(name, Rule.UNSCORED, weight, None, reason="定性指标应选择达成等级")
    if actual.kind is not ActualKind.NUMBER or actual.number is None:
        return IndicatorScore(name, Rule.UNSCORED, weight, None, reason="定量指标的实际完成值不是数字")
    assert target.number is not None
    value, goal = actual.number, target.number
    over = False
    if target.reverse:
        rule = Rule.REVERSE
        if value <= goal:
            raw = weight
        elif goal <= 0:
            raw = ZERO
        elif profile.reverse_rule == "ratio":
            raw = weight * _ratio(goal, value)
        else:
            raw = max(weight * (1 - _ratio(value - goal, goal)), ZERO)
    else:
        rule = Rule.RANGE if target.kind is TargetKind.RANGE else Rule.POSITIVE
        if value >= goal:
            raw = weight
            reference = target.high if target.high is not None else goal
            over = reference > 0 and value >= reference * profile.over_completion_ratio
        else:
            raw = max(weight * _ratio(value, goal), ZERO) if goal > 0 else ZERO
    return IndicatorScore(name, rule, weight, excel_round(raw), over_completion=over)


def effective_weights(indicators: list[Indicator], profile: Profile) -> list[Decimal | None]:
    """Stated weights, rescaled over the applicable rows when some are not applicable."""
    weights = [to_decimal(i.weight) for i in indicators]
    applicable = [parse_actual(i.actual).kind is not ActualKind.NOT_APPLICABLE for i in indicators]
    if all(applicable) or not profile.rescale_not_applicable:
        return weights
    total = sum((w for w in weights if w is not None), ZERO)
    kept = sum((w for w, ok in zip(weights, applicable, strict=True) if ok and w is not None), ZERO)
    if kept <= 0:
        return weights
    return [w if w is None or not ok else w * _ratio(total, kept) for w, ok in zip(weights, applicable, strict=True)]


def score_form(record: SelfEvaluation, profile: Profile) -> FormScore:
    """Recompute every figure of a self-evaluation form from its inputs."""
    funds = {name: fund_score(name, row) for name, row in record.funds.rows().items()}
    total_row = record.funds.total
    budget_weight = to_decimal(total_row.weight)
    if budget_weight is None:
        budget_weight = profile.budget_weight
    executed, budget = to_decimal(total_row.executed), to_decimal(total_row.annual_budget)
    b_score = budget_score(executed, budget, budget_weight)
    b_low = b_high = b_score
    if executed is not None and budget is not None:
        bounds = _bounds(executed, budget)
        if bounds is not None:
            one = Decimal(1)
            b_low = excel_round(min(bounds[0], one) * budget_weight)
            b_high = excel_round(min(bounds[1], one) * budget_weight)
    weights = effective_weights(record.indicators, profile)
    scores = [score_indicator(ind, profile, w) for ind, w in zip(record.indicators, weights, strict=True)]
    indicator_weight = sum((to_decimal(i.weight) or ZERO for i in record.indicators), ZERO)
    total_weight = budget_weight + indicator_weight
    total = (b_score or ZERO) + sum((s.score or ZERO for s in scores), ZERO)
    total = excel_round(total)
    return FormScore(
        project_name=record.project_name,
        funds=funds,
        budget_weight=budget_weight,
        budget_score=b_score,
        budget_score_low=b_low,
        budget_score_high=b_high,
        indicators=scores,
        total_weight=excel_round(total_weight),
        total_score=total,
        grade=profile.grade_for(total),
    )


__all__ = [
    "FUND_ROWS",
    "FormScore",
    "FundScore",
    "IndicatorScore",
    "Rule",
    "budget_score",
    "excel_round",
    "execution_rate",
    "score_form",
    "score_indicator",
]
