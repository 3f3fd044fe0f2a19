"""Scoring a self-evaluation form in Python: the declared rules of :mod:`sheetperf.rules.rulebook`, evaluated.

No rule is written here.  This module parses a record's targets and actuals into the inputs
the declarations read (the same values the sheet's helper columns compute), evaluates each
declaration with :func:`sheetperf.rules.expr.evaluate` (decimal arithmetic, Excel's
rounding), and says which kind of rule scored an indicator and, when none could, why.
The template's formulas are the same declarations rendered (:mod:`sheetperf.forms.formulas`),
so Python and the workbook give the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Final

from sheetperf.model.memo import BatchCache
from sheetperf.model.record import FUND_ROWS, FundRow, Indicator, Number, SelfEvaluation
from sheetperf.rules import rulebook as rb
from sheetperf.rules.expr import Binding, Env, Value, evaluate, excel_round
from sheetperf.rules.parsing import (
    TARGET_CODES,
    ActualKind,
    Level,
    ParsedActual,
    ParsedTarget,
    ParseMemory,
    TargetKind,
    actual_code,
    parse_actual,
    parse_memory,
    parse_number,
    parse_target,
)
from sheetperf.rules.profiles import Profile
from sheetperf.vocab.labels import UNSCORED_REASONS

ZERO: Final = Decimal(0)
HUNDRED: Final = Decimal(100)
#: Amounts are printed with two decimals: a printed amount stands for any within half a cent.
HALF_CENT: Final = Decimal("0.005")


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
    #: The profile's deduction for a target set too low (目标设定偏低) was applied.
    deducted: bool = False
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
    #: 总分: the sum of the rounded scores, capped by the execution rate where the profile caps it.
    total_score: Decimal = ZERO
    grade: str = ""
    #: The sum before any cap, and the cap that applied (None: none did).
    raw_total: Decimal = ZERO
    total_cap: Decimal | None = None
    #: Decimal places of the scores (the profile's ``decimals``).
    decimals: int = 2

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


def _number(value: Value) -> Decimal | None:
    """A rule's result as a figure: None for "" (nothing to compute)."""
    return value if isinstance(value, Decimal) else None


def _flag(value: Value) -> bool:
    return isinstance(value, Decimal) and not value.is_zero()


def _funds_env(executed: Decimal | None, budget: Decimal | None, weight: Decimal) -> Env:
    return {rb.EXECUTED: executed, rb.BUDGET: budget, rb.BUDGET_WEIGHT: weight}


def execution_rate(executed: Decimal | None, budget: Decimal | None, profile: Profile | None = None) -> Decimal | None:
    """执行率(%) = 全年执行数 / 全年预算数 × 100, two decimals; 0 for an empty row."""
    book = _book(profile)
    return _number(evaluate(book.execution_rate, _funds_env(executed, budget, ZERO)))


def budget_score(
    executed: Decimal | None, budget: Decimal | None, weight: Decimal, profile: Profile | None = None
) -> Decimal | None:
    """min(执行率/100, 1) × weight, from the unrounded rate, in the profile's decimals."""
    return _number(evaluate(_book(profile).budget_score, _funds_env(executed, budget, weight)))


def _book(profile: Profile | None) -> rb.RuleBook:
    if profile is None:
        from sheetperf.rules.profiles import get_profile

        profile = get_profile()
    return profile.rules


def _bounds(executed: Decimal, budget: Decimal) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
    """Amounts that print as ``executed`` and ``budget`` giving the lowest and the highest ratio:
    (executed, budget) of the lowest, then of the highest."""
    low_budget = budget + HALF_CENT
    high_budget = budget - HALF_CENT
    if high_budget <= 0:
        return None
    return max(executed - HALF_CENT, ZERO), low_budget, executed + HALF_CENT, high_budget


def fund_score(row_name: str, row: FundRow, profile: Profile | None = None) -> FundScore:
    book = _book(profile)
    executed, budget = to_decimal(row.executed), to_decimal(row.annual_budget)
    rate = _number(evaluate(book.execution_rate, _funds_env(executed, budget, ZERO)))
    if rate is None or executed is None or budget is None:
        return FundScore(row_name, rate)
    bounds = _bounds(executed, budget)
    if bounds is None:
        return FundScore(row_name, rate, rate, rate)
    e_low, b_low, e_high, b_high = bounds
    low = _number(evaluate(book.execution_rate, _funds_env(e_low, b_low, ZERO)))
    high = _number(evaluate(book.execution_rate, _funds_env(e_high, b_high, ZERO)))
    return FundScore(row_name, rate, low, high)


def row_inputs(target: ParsedTarget, actual: ParsedActual, weight: Decimal | None) -> dict[str, Binding]:
    """The inputs of an indicator row, as the sheet's helper columns compute them from the same text."""
    numeric = target.kind in (TargetKind.QUANTITATIVE, TargetKind.RANGE)
    goal: Value = target.number if numeric and target.number is not None else ""
    high: Value = target.high if target.kind is TargetKind.RANGE and target.high is not None else goal
    value: Value = actual.number if actual.kind is ActualKind.NUMBER and actual.number is not None else ""
    return {
        rb.T_KIND: TARGET_CODES[target.kind],
        rb.T_GOAL: goal,
        rb.T_HIGH: high,
        rb.T_REV: target.kind is TargetKind.QUANTITATIVE and target.reverse,
        rb.A_KIND: actual_code(actual),
        rb.A_VALUE: value,
        rb.WEIGHT: weight,
    }


def _rule_of(target: ParsedTarget, actual: ParsedActual, weight: Decimal | None) -> tuple[Rule, str]:
    """Which rule applies to a row, or why none can (the sheet leaves such a score empty)."""
    if actual.kind is ActualKind.NOT_APPLICABLE:
        return Rule.NOT_APPLICABLE, ""
    if weight is None:
        return Rule.UNSCORED, UNSCORED_REASONS["no_weight"]
    if actual.kind is ActualKind.LEVEL:
        return Rule.QUALITATIVE, ""
    if actual.kind is ActualKind.EMPTY:
        return Rule.UNSCORED, UNSCORED_REASONS["no_actual"]
    if not target.is_numeric:
        return Rule.UNSCORED, UNSCORED_REASONS["needs_level"]
    if actual.kind is not ActualKind.NUMBER or actual.number is None:
        return Rule.UNSCORED, UNSCORED_REASONS["not_a_number"]
    if target.kind is TargetKind.QUANTITATIVE and target.reverse:
        return Rule.REVERSE, ""
    return (Rule.RANGE if target.kind is TargetKind.RANGE else Rule.POSITIVE), ""


def _score_row(
    book: rb.RuleBook, name: str, target: ParsedTarget, actual: ParsedActual, env: Env, weight: Decimal | None
) -> IndicatorScore:
    """One row scored against ``weight`` (its effective weight)."""
    row = {**env, rb.EW: weight}
    rule, reason = _rule_of(target, actual, weight)
    if rule is Rule.NOT_APPLICABLE:
        return IndicatorScore(name, rule, weight, None)
    if rule is Rule.UNSCORED:
        return IndicatorScore(name, rule, weight, None, reason=reason)
    return IndicatorScore(
        name,
        rule,
        weight,
        _number(evaluate(book.score, row)),
        level=actual.level if rule is Rule.QUALITATIVE else None,
        over_completion=_flag(evaluate(book.over_completion, row)),
        deducted=_flag(evaluate(book.over_target, row)),
    )


def score_indicator(
    indicator: Indicator, profile: Profile, weight: Decimal | None = None, *, book: rb.RuleBook | None = None
) -> IndicatorScore:
    """Score one indicator with the rules of ``profile``.

    ``weight`` overrides the stated weight (used when not-applicable rows are
    left out and the others rescaled).
    """
    target, actual = parse_target(indicator.target), parse_actual(indicator.actual)
    stated = to_decimal(indicator.weight)
    env = row_inputs(target, actual, stated)
    return _score_row(book or profile.rules, indicator.name, target, actual, env, weight if weight is not None else stated)


def _table_env(book: rb.RuleBook, rows: Sequence[dict[str, Binding]]) -> dict[str, Binding]:
    """The sums over the indicator table the effective weights need (the sheet's hidden total-row cells)."""
    for row in rows:
        row[rb.NA] = evaluate(book.na, row)
    table: dict[str, Binding] = {
        rb.WEIGHTS: [_cell(r[rb.WEIGHT]) for r in rows],
        rb.NA_FLAGS: [_cell(r[rb.NA]) for r in rows],
    }
    table[rb.WEIGHT_SUM] = evaluate(book.weight_sum, table)
    table[rb.KEPT_WEIGHT] = evaluate(book.kept_weight, table)
    table[rb.NA_COUNT] = evaluate(book.na_count, table)
    return table


def _cell(value: Binding) -> Value | None:
    assert not isinstance(value, (list, tuple))
    return value  # type: ignore[return-value]


def _rows(
    book: rb.RuleBook, indicators: Sequence[Indicator], memory: ParseMemory
) -> list[tuple[ParsedTarget, ParsedActual, dict[str, Binding]]]:
    out = []
    for ind in indicators:
        target, actual = memory.target(ind.target), memory.actual(ind.actual)
        out.append((target, actual, row_inputs(target, actual, to_decimal(ind.weight))))
    return out


def _effective(book: rb.RuleBook, rows: Sequence[dict[str, Binding]]) -> list[Decimal | None]:
    table = _table_env(book, rows)
    return [_number(evaluate(book.effective_weight, {**table, **row})) for row in rows]


def effective_weights(indicators: list[Indicator], profile: Profile) -> list[Decimal | None]:
    """Stated weights, rescaled over the applicable rows when some are not applicable."""
    book = profile.rules
    return _effective(book, [row for _, _, row in _rows(book, indicators, ParseMemory())])


def score_form(record: SelfEvaluation, profile: Profile, *, cache: BatchCache | None = None) -> FormScore:
    """Recompute every figure of a self-evaluation form from its inputs.

    ``cache``: the batch's memory (parsed targets and actuals recur between forms).
    """
    book = profile.rules
    funds = {name: fund_score(name, row, profile) for name, row in record.funds.rows().items()}
    total_row = record.funds.total
    budget_weight = to_decimal(total_row.weight)
    if budget_weight is None:
        budget_weight = profile.budget_weight
    executed, budget = to_decimal(total_row.executed), to_decimal(total_row.annual_budget)
    b_value = evaluate(book.budget_score, _funds_env(executed, budget, budget_weight))
    b_score = _number(b_value)
    b_low = b_high = b_score
    if executed is not None and budget is not None:
        bounds = _bounds(executed, budget)
        if bounds is not None:
            b_low = _number(evaluate(book.budget_score, _funds_env(bounds[0], bounds[1], budget_weight)))
            b_high = _number(evaluate(book.budget_score, _funds_env(bounds[2], bounds[3], budget_weight)))

    rows = _rows(book, record.indicators, parse_memory(cache))
    weights = _effective(book, [row for _, _, row in rows])
    scores = [
        _score_row(book, ind.name, target, actual, row, weight)
        for (target, actual, row), ind, weight in zip(rows, record.indicators, weights, strict=True)
    ]
    totals: dict[str, Binding] = {
        rb.BUDGET_WEIGHT: budget_weight,
        rb.WEIGHTS: [row[rb.WEIGHT] for _, _, row in rows],  # type: ignore[misc]
        rb.BUDGET_SCORE: b_value,
        rb.SCORES: ["" if s.score is None else s.score for s in scores],
        rb.RATE: funds["total"].execution_rate,
    }
    total_weight = _number(evaluate(book.total_weight, totals))
    raw = totals[rb.RAW_TOTAL] = _number(evaluate(book.raw_total, totals))
    cap = totals[rb.TOTAL_CAP] = _number(evaluate(book.total_cap, totals))
    total = _number(evaluate(book.total, totals))
    # A form with nothing scored at all (the sheet shows its total empty) totals 0.
    total_score = total if total is not None else excel_round(ZERO, book.decimals)
    grade = evaluate(book.grade, {rb.TOTAL: total_score})
    return FormScore(
        project_name=record.project_name,
        funds=funds,
        budget_weight=budget_weight,
        budget_score=b_score,
        budget_score_low=b_low,
        budget_score_high=b_high,
        indicators=scores,
        # No weight stated anywhere (the sheet shows it empty): the budget weight alone.
        total_weight=total_weight if total_weight is not None else excel_round(budget_weight, rb.WEIGHT_DECIMALS),
        total_score=total_score,
        grade=grade if isinstance(grade, str) else "",
        raw_total=raw if raw is not None else total_score,
        total_cap=cap if raw is not None and cap is not None and cap < raw else None,
        decimals=book.decimals,
    )


def total_cap(profile: Profile, rate: Decimal | None) -> Decimal | None:
    """The most a total may be at execution rate ``rate`` (%) under ``profile``; None without a cap."""
    return _number(evaluate(profile.rules.total_cap, {rb.RATE: rate}))


__all__ = [
    "FUND_ROWS",
    "FormScore",
    "FundScore",
    "IndicatorScore",
    "Rule",
    "budget_score",
    "effective_weights",
    "excel_round",
    "execution_rate",
    "row_inputs",
    "score_form",
    "score_indicator",
    "total_cap",
]
