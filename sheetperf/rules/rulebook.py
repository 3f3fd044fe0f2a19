"""Every scoring rule of the self-evaluation form, declared once, parameterised by a profile.

Each rule is an expression of :mod:`sheetperf.rules.expr` over named inputs.  Two backends
read the same declaration: :mod:`sheetperf.rules.scoring` evaluates it in Python for a record,
and :mod:`sheetperf.forms.formulas` renders it into the template's cells, binding each input
name to a cell (most are the hidden helper columns of the same name).  There is no second
copy of a rule anywhere: a change here changes ``sheetperf score`` and the workbook together.

Inputs of one indicator row (the helper columns that parse the target and actual text):

* ``t_kind``: :data:`~sheetperf.rules.parsing.TARGET_CODES` (``Q`` quantitative, ``R`` range,
  ``L`` qualitative, ``""`` empty); ``t_goal`` the target number (a range's low end),
  ``t_high`` a range's high end (else ``t_goal``), ``t_rev`` TRUE for a ≤/< target;
* ``a_kind``: :data:`~sheetperf.rules.parsing.ACTUAL_CODES`/``LEVEL_CODES`` (``N`` number,
  ``A``/``P``/``X`` achieved/partly/not, ``NA``, ``E`` empty, ``T`` text); ``a_value`` the number;
* ``weight`` (the stated weight), ``na`` (1 when not applicable), ``ew`` (the weight after
  the not-applicable rescale).

Inputs of the form: ``executed``, ``budget``, ``budget_weight`` of the funds total row; the
ranges ``weights``, ``na_flags`` and ``scores`` of the indicator table; ``weight_sum``,
``kept_weight``, ``na_count``, ``budget_score``, ``rate`` (the total row's execution rate),
``raw_total``, ``total_cap`` and ``total`` — cells the rules below fill.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from sheetperf.rules.expr import (
    AND,
    COUNT,
    EMPTY,
    IF,
    ISNUMBER,
    MAX,
    MIN,
    NOT,
    OR,
    ROUND,
    SUM,
    SUMIF,
    Expr,
    N,
    Num,
    Text,
    cells,
    eq,
    ge,
    gt,
    le,
    lt,
    ne,
    ref,
)
from sheetperf.rules.parsing import ACTUAL_CODES, LEVEL_CODES, TARGET_CODES, ActualKind, Level, TargetKind
from sheetperf.rules.profiles import Profile
from sheetperf.vocab.labels import PROGRESS_FLAGS

#: Execution rates and weights keep two decimals whatever a profile's scores keep.
RATE_DECIMALS: Final = 2
WEIGHT_DECIMALS: Final = 2
HUNDRED: Final = Decimal(100)
#: LibreOffice's ROUND to 0 places rounds the binary value as it stands (2.4/3.2*10 is
#: 7.499999999999999: 7), while Excel, and LibreOffice's own ROUND to 1 or more places, first
#: take 15 significant digits (7.5: 8).  A rule rounding to whole points therefore rounds to this
#: many places first, which every program does alike (measured in LibreOffice 7.4).
INTEGER_GUARD: Final = 10

# Input names (indicator row; most are helper columns of the same key).
T_KIND, T_GOAL, T_HIGH, T_REV = "t_kind", "t_goal", "t_high", "t_rev"
A_KIND, A_VALUE = "a_kind", "a_value"
WEIGHT, NA, EW = "weight", "na", "ew"
# Input names (form).
EXECUTED, BUDGET, BUDGET_WEIGHT = "executed", "budget", "budget_weight"
WEIGHTS, NA_FLAGS, SCORES = "weights", "na_flags", "scores"
WEIGHT_SUM, KEPT_WEIGHT, NA_COUNT = "weight_sum", "kept_weight", "na_count"
BUDGET_SCORE, RATE, RAW_TOTAL, TOTAL_CAP, TOTAL = "budget_score", "rate", "raw_total", "total_cap", "total"

_Q, _R = TARGET_CODES[TargetKind.QUANTITATIVE], TARGET_CODES[TargetKind.RANGE]
_NUMBER, _NOT_APPLICABLE = ACTUAL_CODES[ActualKind.NUMBER], ACTUAL_CODES[ActualKind.NOT_APPLICABLE]
_ACHIEVED, _PARTIAL, _NOT_ACHIEVED = (LEVEL_CODES[level] for level in Level)


@dataclass(frozen=True)
class RuleBook:
    """The declared rules under one profile (see the module docstring for the inputs)."""

    decimals: int
    #: 执行率(%) of one funding row (executed, budget): two decimals; "" without amounts.
    execution_rate: Expr
    #: 预算执行得分 (executed, budget, budget_weight).
    budget_score: Expr
    #: 1 for a not-applicable row (a_kind).
    na: Expr
    #: Sums the not-applicable rescale needs (weights, na_flags).
    weight_sum: Expr
    kept_weight: Expr
    na_count: Expr
    #: The weight a row is scored against (weight, na, weight_sum, kept_weight, na_count).
    effective_weight: Expr
    #: 1 when a positive target is over-completed: full marks, but a deviation reason is due.
    over_completion: Expr
    #: 1 when the profile's deduction for a target set too low applies to a row (0 when it has none).
    over_target: Expr
    #: The score of one indicator row, rounded to the profile's decimals; "" when unscored.
    score: Expr
    #: 总分值 (budget_weight, weights).
    total_weight: Expr
    #: The sum of the rounded scores (budget_score, scores), before any cap.
    raw_total: Expr
    #: The most a total may be at this execution rate (rate); "" when no cap applies.
    total_cap: Expr
    #: 总分: the raw total, capped (raw_total, total_cap).
    total: Expr
    #: 评分等级 (total).
    grade: Expr


def _round(value: Expr, places: int) -> Expr:
    """ROUND to ``places``; to whole points through :data:`INTEGER_GUARD` places first."""
    if places == 0:
        return ROUND(ROUND(value, INTEGER_GUARD), 0)
    return ROUND(value, places)


def _share(profile: Profile) -> Expr:
    """The default share (%) of the weight of an achievement level (a_kind)."""
    kind, bands = ref(A_KIND), profile.bands
    return IF(
        eq(kind, _ACHIEVED),
        bands[Level.ACHIEVED].default,
        IF(eq(kind, _PARTIAL), bands[Level.PARTIAL].default, bands[Level.NOT_ACHIEVED].default),
    )


def _over_target_hit(profile: Profile) -> Expr | None:
    """目标设定偏低, for a row whose actual meets its positive target: the actual at or above
    ratio × the target (a range's high end).  None when the profile deducts nothing."""
    rule = profile.over_target
    if rule is None:
        return None
    h = ref(T_HIGH)
    return AND(gt(h, 0), ge(ref(A_VALUE), h * rule.ratio))


def _quantitative(profile: Profile) -> Expr:
    """The unrounded score of a quantitative row (a_kind N, t_kind Q or R)."""
    v, g, ew = ref(A_VALUE), ref(T_GOAL), ref(EW)
    if profile.reverse_rule == "ratio":
        # 权重 × A/B, never above the weight (the Hubei forms print the cap).
        missed_reverse = MIN(ew, ew * (g / v))
    else:
        missed_reverse = MAX(ew * (1 - (v - g) / g), 0)
    full: Expr = ew
    hit = _over_target_hit(profile)
    if hit is not None and profile.over_target is not None:
        full = IF(hit, ew * ((HUNDRED - profile.over_target.deduct) / HUNDRED), ew)
    reverse = IF(le(v, g), ew, IF(le(g, 0), 0, missed_reverse))
    positive = IF(ge(v, g), full, IF(gt(g, 0), MAX(ew * (v / g), 0), 0))
    return IF(ref(T_REV), reverse, positive)


def grade_rule(profile: Profile) -> Expr:
    """评分等级 from the total (input ``total``): nested IF over the profile's grades, lower bounds inclusive."""
    total = ref(TOTAL)
    grades = profile.grades  # highest minimum first
    chain: Expr = Text(grades[-1].name)
    for grade in reversed(grades[:-1]):
        chain = IF(ge(total, grade.min), grade.name, chain)
    return IF(ISNUMBER(total), chain, EMPTY)


def cap_rule(profile: Profile) -> Expr:
    """The most a total may be at the execution rate (input ``rate``): the cap of the lowest threshold
    the rate is below (thresholds are checked lowest first; a lower threshold never has a higher cap)."""
    rate = ref(RATE)
    chain: Expr = EMPTY
    for cap in reversed(profile.total_caps):
        chain = IF(AND(ISNUMBER(rate), lt(rate, cap.below)), cap.max, chain)
    return chain


def execution_rate_rule() -> Expr:
    """执行率(%) of one funding row (inputs ``executed``, ``budget``): two decimals; "" without amounts."""
    e, b = ref(EXECUTED), ref(BUDGET)
    amounts = AND(ISNUMBER(e), ISNUMBER(b))
    return IF(NOT(amounts), EMPTY, IF(eq(b, 0), IF(eq(e, 0), 0, EMPTY), ROUND(e / b * 100, RATE_DECIMALS)))


def rulebook(profile: Profile) -> RuleBook:
    """Every rule under ``profile``."""
    d = profile.decimals
    e, b, bw = ref(EXECUTED), ref(BUDGET), ref(BUDGET_WEIGHT)
    amounts = AND(ISNUMBER(e), ISNUMBER(b))
    execution_rate = execution_rate_rule()
    budget_score = IF(NOT(amounts), EMPTY, IF(le(b, 0), 0, _round(MIN(MAX(e / b, 0), 1) * bw, d)))

    kind, target_kind, ew, w = ref(A_KIND), ref(T_KIND), ref(EW), ref(WEIGHT)
    weights, na_flags = cells(WEIGHTS), cells(NA_FLAGS)
    na = IF(eq(kind, _NOT_APPLICABLE), 1, 0)
    weight_sum = SUM(weights)
    kept_weight = SUM(weights) - SUMIF(na_flags, 1, weights)
    na_count = SUM(na_flags)
    if profile.rescale_not_applicable:
        # The applicable rows share the weight of those left out, keeping the same total.
        rescale = AND(gt(ref(NA_COUNT), 0), gt(ref(KEPT_WEIGHT), 0), eq(ref(NA), 0))
        effective_weight = IF(NOT(ISNUMBER(w)), EMPTY, IF(rescale, w * (ref(WEIGHT_SUM) / ref(KEPT_WEIGHT)), w))
    else:
        effective_weight = IF(ISNUMBER(w), w, EMPTY)

    v, g, h = ref(A_VALUE), ref(T_GOAL), ref(T_HIGH)
    numeric_target = OR(eq(target_kind, _Q), eq(target_kind, _R))
    over_completion = IF(
        AND(eq(kind, _NUMBER), numeric_target, NOT(ref(T_REV)), ISNUMBER(ew)),
        IF(ge(v, g), IF(gt(h, 0), IF(ge(v, h * profile.over_completion_ratio), 1, 0), 0), 0),
        0,
    )
    # Both flags look at a met positive target only (a number against a Q/R target, not reverse).
    met_positive = AND(eq(kind, _NUMBER), numeric_target, NOT(ref(T_REV)), ISNUMBER(ew))
    hit = _over_target_hit(profile)
    over_target: Expr = Num(Decimal(0)) if hit is None else IF(met_positive, IF(ge(v, g), IF(hit, 1, 0), 0), 0)
    level = OR(eq(kind, _ACHIEVED), eq(kind, _PARTIAL), eq(kind, _NOT_ACHIEVED))
    score = IF(
        OR(eq(kind, _NOT_APPLICABLE), NOT(ISNUMBER(ew))),
        EMPTY,
        IF(
            level,
            _round(ew * _share(profile) / 100, d),
            IF(OR(ne(kind, _NUMBER), NOT(numeric_target)), EMPTY, _round(_quantitative(profile), d)),
        ),
    )

    total_weight = IF(eq(COUNT(weights), 0), EMPTY, ROUND(bw + SUM(weights), WEIGHT_DECIMALS))
    budget, scores = ref(BUDGET_SCORE), cells(SCORES)
    raw_total = IF(eq(COUNT(budget, scores), 0), EMPTY, _round(N(budget) + SUM(scores), d))
    raw, cap = ref(RAW_TOTAL), ref(TOTAL_CAP)
    total = IF(ISNUMBER(raw), IF(ISNUMBER(cap), MIN(raw, cap), raw), EMPTY)
    return RuleBook(
        decimals=d,
        execution_rate=execution_rate,
        budget_score=budget_score,
        na=na,
        weight_sum=weight_sum,
        kept_weight=kept_weight,
        na_count=na_count,
        effective_weight=effective_weight,
        over_completion=over_completion,
        over_target=over_target,
        score=score,
        total_weight=total_weight,
        raw_total=raw_total,
        total_cap=cap_rule(profile),
        total=total,
        grade=grade_rule(profile),
    )


# --- The monitoring form (issue 17) -------------------------------------------------------------
# Inputs: ``executed``/``budget`` (1–N月执行数 and 年初预算数 of a funding row), ``period`` (N),
# ``rate`` (the total row's 1–N月执行率), ``time_progress`` (时间进度), ``possibility`` (完成目标可能性).
PERIOD, TIME_PROGRESS, POSSIBILITY = "period", "time_progress", "possibility"
MONTHS: Final = 12


@dataclass(frozen=True)
class MonitoringRules:
    """The declared rules of the monitoring form under one profile."""

    #: 1–N月执行率(%) of one funding row (executed, budget): the self-evaluation's rate rule.
    execution_rate: Expr
    #: 时间进度(%) = N / 12 × 100, two decimals (period).
    time_progress: Expr
    #: 1 when the rate trails the time by more than the profile's threshold, 0 when not, "" unknown (rate, time_progress).
    lag: Expr
    #: 进度预警: the lag as the form shows it, 滞后 / 正常 (rate, time_progress).
    flag: Expr
    #: 1 when the possibility chosen needs the deviation analysis and the measures (possibility).
    reason_required: Expr


def monitoring_rules(profile: Profile) -> MonitoringRules:
    """The monitoring form's rules under ``profile`` (its ``[monitoring]`` settings)."""
    settings = profile.monitoring
    period, rate, time = ref(PERIOD), ref(RATE), ref(TIME_PROGRESS)
    time_progress = IF(ISNUMBER(period), ROUND(period / MONTHS * 100, RATE_DECIMALS), EMPTY)
    known = AND(ISNUMBER(rate), ISNUMBER(time))
    behind = gt(time - rate, settings.lag_threshold)
    lag = IF(known, IF(behind, 1, 0), EMPTY)
    flag = IF(known, IF(behind, PROGRESS_FLAGS["lagging"], PROGRESS_FLAGS["normal"]), EMPTY)
    choice = ref(POSSIBILITY)
    reason_required = IF(AND(ne(choice, EMPTY), ne(choice, settings.possibility[0])), 1, 0)
    return MonitoringRules(execution_rate_rule(), time_progress, lag, flag, reason_required)


__all__ = [
    "RATE_DECIMALS",
    "WEIGHT_DECIMALS",
    "MonitoringRules",
    "RuleBook",
    "cap_rule",
    "execution_rate_rule",
    "grade_rule",
    "monitoring_rules",
    "rulebook",
]
