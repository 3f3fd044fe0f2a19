from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conftest import load_case
from sheetperf.model.record import Indicator, SelfEvaluation, load_records_json
from sheetperf.rules.profiles import Profile, get_profile
from sheetperf.rules.scoring import Rule, budget_score, excel_round, execution_rate, score_form, score_indicator

SHANGHAI = get_profile("shanghai")
NATIONAL = get_profile("national")


def test_published_scores(self_evaluation_path: Path) -> None:
    case = load_case(self_evaluation_path)
    record = load_records_json(self_evaluation_path)[0]
    assert isinstance(record, SelfEvaluation)
    result = score_form(record, SHANGHAI)
    assert abs(float(result.budget_score or 0) - case["funds"]["total"]["score"]) < 0.005
    for computed, published in zip(result.indicators, case["indicators"], strict=True):
        assert computed.score is not None
        assert abs(float(computed.score) - published["score"]) < 0.005, published["name"]
    assert abs(float(result.total_score) - case["total_score"]) < 0.005
    assert abs(float(result.total_weight) - case["total_weight"]) < 0.005
    assert result.grade == case["grade"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("16.2") / 20 * Decimal("4.5"), "3.65"),  # 3.6449999999999996 as a float; Excel gives 3.65
        (Decimal("2.675"), "2.68"),  # Python's round(2.675, 2) gives 2.67
        (Decimal("-2.675"), "-2.68"),
        (Decimal("1.3333333333"), "1.33"),
        (Decimal("0.0049999999999999999"), "0.01"),  # 15 significant digits first, like Excel
        (Decimal(0), "0.00"),
    ],
    ids=["binary-float-half", "half-up", "negative", "repeating", "fifteen-digits", "zero"],
)
def test_excel_round(value: Decimal, expected: str) -> None:
    assert excel_round(value) == Decimal(expected)


def test_execution_rate_and_budget_score() -> None:
    assert execution_rate(Decimal("67.75"), Decimal("68.34")) == Decimal("99.14")
    assert budget_score(Decimal("67.75"), Decimal("68.34"), Decimal(10)) == Decimal("9.91")
    assert budget_score(Decimal(12), Decimal(10), Decimal(10)) == Decimal("10.00")
    assert execution_rate(Decimal(0), Decimal(0)) == Decimal("0.00")
    assert execution_rate(None, Decimal(5)) is None


RULE_CASES = [
    ("=30(人次)", "10.00(人次)", 4, "1.33", Rule.POSITIVE, NATIONAL),
    (">95(%)", "98.00(%)", 20, "20.00", Rule.POSITIVE, NATIONAL),
    ("≥98(%)", "49(%)", 20, "10.00", Rule.POSITIVE, NATIONAL),
    ("≥20", "16.2", 4.5, "3.65", Rule.POSITIVE, NATIONAL),
    ("=0(次)", "0", 5, "5.00", Rule.POSITIVE, NATIONAL),
    ("≤5(%)", "0.00(%)", 4, "4.00", Rule.REVERSE, NATIONAL),
    ("≤5(%)", "10(%)", 4, "2.00", Rule.REVERSE, NATIONAL),
    ("≤0(%)", "1(%)", 4, "0.00", Rule.REVERSE, NATIONAL),
    ("150-200项", "120项", 10, "8.00", Rule.RANGE, NATIONAL),
    ("150-200项", "180项", 10, "10.00", Rule.RANGE, NATIONAL),
    ("第三季度", "达成指标", 4, "4.00", Rule.QUALITATIVE, SHANGHAI),
    ("第二、三季度", "部分达成指标并具有一定效果", 4, "3.00", Rule.QUALITATIVE, SHANGHAI),
    ("第三季度", "部分达成指标并具有一定效果", 10, "7.50", Rule.QUALITATIVE, SHANGHAI),
    ("第三季度", "未达成指标且效果较差", 10, "3.00", Rule.QUALITATIVE, SHANGHAI),
]


@pytest.mark.parametrize(
    ("target", "actual", "weight", "expected", "rule", "profile"),
    RULE_CASES,
    ids=[f"{c[0]}|{c[1]}" for c in RULE_CASES],
)
def test_score_indicator(target: str, actual: str, weight: float, expected: str, rule: Rule, profile: object) -> None:
    result = score_indicator(Indicator(target=target, actual=actual, weight=weight), profile)  # type: ignore[arg-type]
    assert result.rule is rule
    assert result.score == Decimal(expected)


def test_reverse_linear_rule(tmp_path: Path) -> None:
    path = tmp_path / "linear.toml"
    path.write_text('name = "linear"\ninherits = "national"\nreverse_rule = "linear"\n', encoding="utf-8")
    profile = get_profile(str(path))
    ind = Indicator(target="≤5(%)", actual="7(%)", weight=10)
    assert score_indicator(ind, profile).score == Decimal("6.00")  # 10 × (1 − 2/5)
    assert score_indicator(Indicator(target="≤5(%)", actual="20(%)", weight=10), profile).score == Decimal("0.00")


def test_over_completion_flag() -> None:
    over = score_indicator(Indicator(target="≥10(场)", actual="12(场)", weight=5), NATIONAL)
    assert over.over_completion and over.score == 5 and over.needs_deviation
    just = score_indicator(Indicator(target="≥10(场)", actual="11.9(场)", weight=5), NATIONAL)
    assert not just.over_completion
    guangxi = score_indicator(Indicator(target="≥10(场)", actual="12(场)", weight=5), get_profile("guangxi"))
    assert not guangxi.over_completion


def test_not_applicable_rescales() -> None:
    record = SelfEvaluation(
        indicators=[
            Indicator(level1="产出指标", target="=1(场)", actual="1(场)", weight=30),
            Indicator(level1="产出指标", target="=1(场)", actual="不适用", weight=30),
            Indicator(level1="效益指标", target="=2(场)", actual="1(场)", weight=30),
        ]
    )
    result = score_form(record, NATIONAL)
    scores = [s.score for s in result.indicators]
    assert scores == [Decimal("45.00"), None, Decimal("22.50")]
    assert result.indicators[1].rule is Rule.NOT_APPLICABLE


def test_unscorable_quantitative_actual() -> None:
    result = score_indicator(Indicator(target="≥98(%)", actual="完成", weight=10), NATIONAL)
    assert result.rule is Rule.UNSCORED and result.score is None and result.reason


numbers = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)
weights = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
operators = st.sampled_from(["=", "≥", ">", "≤", "<"])


@given(operators, numbers, numbers, weights)
def test_score_within_weight(op: str, target: Decimal, actual: Decimal, weight: Decimal) -> None:
    result = score_indicator(
        Indicator(target=f"{op}{target}(%)", actual=f"{actual}(%)", weight=float(weight)), NATIONAL
    )
    assert result.score is not None
    assert Decimal(0) <= result.score <= excel_round(weight)


@given(st.sampled_from(["=", "≥", ">"]), numbers, numbers, numbers, weights)
def test_positive_scores_grow_with_actual(op: str, target: Decimal, a: Decimal, b: Decimal, weight: Decimal) -> None:
    low, high = sorted((a, b))
    s_low = score_indicator(Indicator(target=f"{op}{target}", actual=str(low), weight=float(weight)), NATIONAL).score
    s_high = score_indicator(Indicator(target=f"{op}{target}", actual=str(high), weight=float(weight)), NATIONAL).score
    assert s_low is not None and s_high is not None and s_low <= s_high


@given(st.sampled_from(["≤", "<"]), numbers, numbers, numbers, weights, st.sampled_from(["shanghai", "guangxi"]))
def test_reverse_scores_shrink_with_actual(
    op: str, target: Decimal, a: Decimal, b: Decimal, weight: Decimal, name: str
) -> None:
    assume(a != b)
    low, high = sorted((a, b))
    profile = get_profile(name)
    s_low = score_indicator(Indicator(target=f"{op}{target}", actual=str(low), weight=float(weight)), profile).score
    s_high = score_indicator(Indicator(target=f"{op}{target}", actual=str(high), weight=float(weight)), profile).score
    assert s_low is not None and s_high is not None and s_low >= s_high


# --- Profile settings: decimals, budget weight, bands, caps, the over-target deduction ---------------

PROFILES = Path(__file__).parent / "profiles"
EXAMPLE = get_profile(str(PROFILES / "example.toml"))  # one decimal, cap 89 below 80 %
CAPS = get_profile(str(PROFILES / "caps_deduction.toml"))  # integers, caps 89/79/69, deduction 20 % at 150 %
W20 = get_profile(str(PROFILES / "weight20_linear.toml"))


@pytest.mark.parametrize(
    ("profile", "indicator", "expected"),
    [
        (SHANGHAI, Indicator(target="=30(人次)", actual="10(人次)", weight=4), "1.33"),
        (EXAMPLE, Indicator(target="=30(人次)", actual="10(人次)", weight=4), "1.3"),
        (CAPS, Indicator(target="=30(人次)", actual="10(人次)", weight=4), "1"),
        (EXAMPLE, Indicator(target="≥20", actual="16.25", weight=3), "2.4"),  # 2.4375
        (EXAMPLE, Indicator(target="≥20", actual="16.2", weight=4.5), "3.6"),  # 3.645 → 3.6
        (CAPS, Indicator(target="≥20", actual="16.2", weight=4.5), "4"),
        (CAPS, Indicator(target="第三季度", actual="部分达成指标并具有一定效果", weight=10), "8"),  # 7.5 → 8
    ],
    ids=["two", "one", "none", "one-down", "one-half-down", "none-up", "none-qualitative"],
)
def test_scores_keep_the_profile_decimals(profile: Profile, indicator: Indicator, expected: str) -> None:
    score = score_indicator(indicator, profile).score
    assert score == Decimal(expected) and str(score) == expected


def test_budget_score_and_total_follow_decimals_and_budget_weight() -> None:
    assert budget_score(Decimal("67.75"), Decimal("68.34"), Decimal(10), EXAMPLE) == Decimal("9.9")
    assert budget_score(Decimal("67.75"), Decimal("68.34"), Decimal(20), W20) == Decimal("19.83")
    record = load_records_json(Path(__file__).parents[1] / "samples" / "records" / "self_evaluation-2023-hetong-dengji-guanlifei.json")[0]
    assert isinstance(record, SelfEvaluation)
    one = score_form(record, EXAMPLE)
    assert str(one.total_score) == "96.0" and one.decimals == 1  # national bands: 部分达成 70 % of 4 = 2.8
    assert one.total_score == sum((s.score or Decimal(0) for s in one.indicators), one.budget_score or Decimal(0))
    assert all(s.score is None or -s.score.as_tuple().exponent <= 1 for s in one.indicators)  # type: ignore[operator]


def test_total_is_capped_by_the_execution_rate() -> None:
    record = SelfEvaluation(indicators=[Indicator(level1="产出指标", target="≥1(次)", actual="1(次)", weight=90)])
    record.funds.total.annual_budget, record.funds.total.weight = 100.0, 10.0
    for executed, raw, total, cap, grade in [
        (100.0, 100, 100, None, "优"),
        (80.0, 98, 98, None, "优"),  # 80.00 % is not below 80
        (79.99, 98, 89, 89, "良"),
        (75.0, 98, 89, 89, "良"),
        (65.0, 97, 79, 79, "中"),  # 6.5 rounds up to 7
        (50.0, 95, 69, 69, "中"),
    ]:
        record.funds.total.executed = executed
        result = score_form(record, CAPS)
        assert (result.raw_total, result.total_score, result.total_cap, result.grade) == (raw, total, cap, grade), executed
    national = score_form(record, NATIONAL)  # no caps: the raw total
    assert national.total_score == national.raw_total and national.total_cap is None


def test_a_target_set_too_low_is_scored_down() -> None:
    met = score_indicator(Indicator(target="≥10(场)", actual="14.9(场)", weight=10), CAPS)
    assert met.score == 10 and not met.deducted and met.over_completion
    low = score_indicator(Indicator(target="≥10(场)", actual="15(场)", weight=10), CAPS)  # 150 % exactly
    assert low.score == 8 and low.deducted and low.needs_deviation
    ranged = score_indicator(Indicator(target="5-10次", actual="15次", weight=10), CAPS)  # 150 % of the high end
    assert ranged.score == 8 and ranged.deducted
    reverse = score_indicator(Indicator(target="≤10(%)", actual="1(%)", weight=10), CAPS)  # reverse: never
    assert reverse.score == 10 and not reverse.deducted
    assert score_indicator(Indicator(target="≥10(场)", actual="30(场)", weight=10), SHANGHAI).score == 10  # off


def test_qualitative_defaults_follow_the_bands() -> None:
    hubei = get_profile("hubei")
    scores = [
        score_indicator(Indicator(target="及时", actual=text, weight=10), hubei).score
        for text in ("达成指标", "部分达成指标并具有一定效果", "未达成指标且效果较差")
    ]
    assert scores == [Decimal(10), Decimal("6.5"), Decimal("2.5")]
    assert score_indicator(Indicator(target="及时", actual="部分达成", weight=10), W20).score == Decimal("6.5")


@given(numbers, numbers, weights, st.sampled_from(["shanghai", "hubei", str(PROFILES / "example.toml")]))
def test_reverse_ratio_never_exceeds_the_weight(target: Decimal, actual: Decimal, weight: Decimal, name: str) -> None:
    profile = get_profile(name)
    assert profile.reverse_rule == "ratio"
    score = score_indicator(Indicator(target=f"≤{target}", actual=str(actual), weight=float(weight)), profile).score
    assert score is not None and Decimal(0) <= score <= excel_round(weight, profile.decimals)
    if actual > target > 0:
        assert score == excel_round(weight * target / actual, profile.decimals)
