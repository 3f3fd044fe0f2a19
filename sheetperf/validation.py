"""Validation of a record against its own recomputation.

Findings are data: one :class:`Finding` per problem with stable rule codes
(``labels.RULE_TITLES`` lists them); :func:`findings_frame` turns them into the
fixed-column DataFrame every view (CLI table, JSON, HTML) is made from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Final, Literal

import pandas as pd

from sheetperf.labels import FIELD_LABELS
from sheetperf.model import FUND_COLUMNS, GoalTable, Record, SelfEvaluation
from sheetperf.parsing import ActualKind, TargetKind, parse_actual, parse_target
from sheetperf.profiles import Profile
from sheetperf.scoring import (
    HUNDRED,
    ZERO,
    FormScore,
    IndicatorScore,
    Rule,
    excel_round,
    score_form,
    to_decimal,
)

Severity = Literal["error", "warning", "notice"]
SEVERITY_ORDER: Final[dict[str, int]] = {"error": 0, "warning": 1, "notice": 2}
FINDING_COLUMNS: Final[tuple[str, ...]] = (
    "file",
    "sheet",
    "cell",
    "field",
    "rule",
    "severity",
    "stated",
    "expected",
    "message",
)
# A stated figure equal to the recomputed one within half a cent is right.
TOLERANCE: Final = Decimal("0.005")
# Sums of up to four figures each rounded to two decimals.
SUM_TOLERANCE: Final = Decimal("0.02")


@dataclass(frozen=True)
class Finding:
    file: str | None
    sheet: str | None
    cell: str | None
    field: str
    rule: str
    severity: Severity
    stated: Any
    expected: Any
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fmt(value: Decimal | float | int | None) -> str:
    if value is None:
        return "（空）"
    return f"{Decimal(str(value)):.2f}"


def _json(value: Any) -> Any:
    """A JSON-friendly stated/expected value."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _differs(stated: Decimal, expected: Decimal, tolerance: Decimal = TOLERANCE) -> bool:
    return abs(stated - expected) > tolerance


class _Collector:
    """Builds findings for one record, resolving each field to its cell."""

    def __init__(self, record: Record, file: str | None) -> None:
        self.record = record
        self.file = file if file is not None else record.provenance.file
        self.findings: list[Finding] = []

    def add(
        self,
        field: str,
        rule: str,
        severity: Severity,
        message: str,
        *,
        stated: Any = None,
        expected: Any = None,
    ) -> None:
        ref = self.record.provenance.cell_of(field)
        self.findings.append(
            Finding(
                file=self.file,
                sheet=ref.sheet if ref else None,
                cell=ref.cell if ref else None,
                field=field,
                rule=rule,
                severity=severity,
                stated=_json(stated),
                expected=_json(expected),
                message=message,
            )
        )


def _check_required(c: _Collector, record: Record) -> None:
    fields = (
        ("project_name", "department", "implementing_unit")
        if isinstance(record, SelfEvaluation)
        else ("applicant_unit", "project_name")
    )
    for name in fields:
        if not str(getattr(record, name) or "").strip():
            severity: Severity = "error" if name == "project_name" else "warning"
            c.add(name, "required_field", severity, f"{FIELD_LABELS[name]}未填写")


def _check_funds(c: _Collector, record: SelfEvaluation, result: FormScore, profile: Profile) -> None:
    funds = record.funds
    for name, row in funds.rows().items():
        computed = result.funds[name]
        stated = to_decimal(row.execution_rate)
        label = FIELD_LABELS[f"funds.{name}"]
        if stated is None or computed.execution_rate is None:
            continue
        low = computed.rate_low if computed.rate_low is not None else computed.execution_rate
        high = computed.rate_high if computed.rate_high is not None else computed.execution_rate
        if stated < low - TOLERANCE or stated > high + TOLERANCE:
            c.add(
                f"funds.{name}.execution_rate",
                "execution_rate",
                "error",
                f"{label}执行率填写为 {_fmt(stated)}%，按全年执行数 {_fmt(row.executed)} ÷ 全年预算数 "
                f"{_fmt(row.annual_budget)} 应为 {_fmt(computed.execution_rate)}%",
                stated=stated,
                expected=computed.execution_rate,
            )
    for column in FUND_COLUMNS[:3]:
        total = to_decimal(getattr(funds.total, column))
        parts = [to_decimal(getattr(r, column)) for r in (funds.current_year_appropriation, funds.carryover, funds.other)]
        if total is None or any(p is None for p in parts):
            continue
        part_sum = sum((p for p in parts if p is not None), ZERO)
        if _differs(total, part_sum, SUM_TOLERANCE):
            c.add(
                f"funds.total.{column}",
                "funds_sum",
                "error",
                f"年度资金总额的{FIELD_LABELS[column]}为 {_fmt(total)}，其中各项合计为 {_fmt(part_sum)}",
                stated=total,
                expected=part_sum,
            )
    rate = result.execution_rate
    stated_score = to_decimal(funds.total.score)
    if stated_score is not None and result.budget_score is not None:
        low = result.budget_score_low if result.budget_score_low is not None else result.budget_score
        high = result.budget_score_high if result.budget_score_high is not None else result.budget_score
        if stated_score < low - TOLERANCE or stated_score > high + TOLERANCE:
            c.add(
                "funds.total.score",
                "budget_score",
                "error",
                f"预算执行得分填写为 {_fmt(stated_score)}，按执行率 {_fmt(rate)}% 应为 {_fmt(result.budget_score)}",
                stated=stated_score,
                expected=result.budget_score,
            )
    if rate is not None and rate > HUNDRED:
        c.add(
            "funds.total.execution_rate",
            "budget_over_100",
            "notice",
            f"执行率 {_fmt(rate)}% 超过 100%，预算执行按满分计，请核实执行数",
            stated=to_decimal(funds.total.execution_rate),
            expected=rate,
        )
    threshold = profile.budget_deviation_below
    if threshold > 0 and rate is not None and rate < threshold and not funds.total.extra.get("deviation"):
        c.add(
            "funds.total.execution_rate",
            "budget_deviation_missing",
            "warning",
            f"执行率 {_fmt(rate)}% 低于 {_fmt(threshold)}%（{profile.title}规则），应说明偏差原因",
            stated=rate,
            expected=threshold,
        )


def _band_text(score: IndicatorScore, profile: Profile) -> str:
    assert score.level is not None and score.weight is not None
    band = profile.bands[score.level]
    low = excel_round(score.weight * band.low / HUNDRED)
    high = excel_round(score.weight * band.high / HUNDRED)
    closing = "]" if band.high_inclusive else ")"
    return f"[{low}, {high}{closing}"


def _check_indicator(c: _Collector, index: int, record: SelfEvaluation, score: IndicatorScore, profile: Profile) -> None:
    ind = record.indicators[index]
    path = f"indicators[{index}]"
    who = f"第 {index + 1} 项指标“{ind.name}”"
    stated = to_decimal(ind.score)
    weight = score.weight
    target, actual = parse_target(ind.target), parse_actual(ind.actual)

    framework = profile.framework
    if ind.level1 and ind.level1 not in framework:
        c.add(f"{path}.level1", "unknown_category", "notice", f"{who}的一级指标“{ind.level1}”不在{profile.title}规则的指标体系内", stated=ind.level1)
    elif ind.level1 and ind.level2 and ind.level2 not in framework.get(ind.level1, ()):
        c.add(f"{path}.level2", "unknown_category", "notice", f"{who}的二级指标“{ind.level2}”不属于一级指标“{ind.level1}”", stated=ind.level2)

    if score.rule is Rule.NOT_APPLICABLE:
        return
    if stated is not None and weight is not None and (stated > weight + TOLERANCE or stated < 0):
        c.add(f"{path}.score", "score_over_weight", "error", f"{who}得分 {_fmt(stated)} 超出 0–{_fmt(weight)} 的范围", stated=stated, expected=weight)
    elif score.rule is Rule.QUALITATIVE and stated is not None:
        assert score.level is not None and weight is not None
        band = profile.bands[score.level]
        percent = stated / weight * HUNDRED if weight > 0 else ZERO
        inside = band.contains(excel_round(percent, 6)) or (weight > 0 and _band_edge(stated, weight, band.low, band.high, band.high_inclusive))
        if not inside:
            c.add(
                f"{path}.score",
                "qualitative_band",
                "error",
                f"{who}实际完成为“{actual.text.strip()}”，得分应在 {_band_text(score, profile)} 内，填写为 {_fmt(stated)}",
                stated=stated,
                expected=_band_text(score, profile),
            )
    elif score.rule in (Rule.POSITIVE, Rule.REVERSE, Rule.RANGE) and stated is not None and score.score is not None:
        if _differs(stated, score.score):
            detail = ""
            if score.rule is Rule.REVERSE and weight is not None and stated >= weight and score.score < weight:
                detail = "（反向指标未达到目标却给了满分）"
            c.add(
                f"{path}.score",
                "indicator_score",
                "error",
                f"{who}得分填写为 {_fmt(stated)}，按年度指标值 {ind.target.strip()} 与实际完成值 {(ind.actual or '').strip()} 应为 {_fmt(score.score)}{detail}",
                stated=stated,
                expected=score.score,
            )
    if score.rule is Rule.UNSCORED:
        if target.is_numeric and actual.kind is ActualKind.TEXT:
            c.add(f"{path}.actual", "actual_is_word", "error", f"{who}为定量指标（{ind.target.strip()}），实际完成值却填写为“{actual.text.strip()}”，请填写数值", stated=actual.text)
        elif stated is not None:
            c.add(f"{path}.score", "unscorable", "warning", f"{who}填写了得分 {_fmt(stated)}，但{score.reason}，无法核对", stated=stated)
    elif stated is None and score.score is not None:
        c.add(f"{path}.score", "score_missing", "warning", f"{who}得分未填写，按规则应为 {_fmt(score.score)}", expected=score.score)
    if actual.kind is ActualKind.LEVEL and target.kind in (TargetKind.QUANTITATIVE, TargetKind.RANGE):
        c.add(f"{path}.actual", "level_for_quantitative", "notice", f"{who}年度指标值为定量（{ind.target.strip()}），实际完成值填写的是达成等级", stated=actual.text)

    has_reason = bool((ind.deviation or "").strip())
    below = weight is not None and any(v is not None and v < weight - TOLERANCE for v in (stated, score.score))
    if below and not has_reason:
        shown = stated if stated is not None else score.score
        c.add(f"{path}.deviation", "deviation_missing", "error", f"{who}得分 {_fmt(shown)} 低于分值 {_fmt(weight)}，须填写偏差原因分析及改进措施", stated=ind.deviation or "", expected="偏差原因分析及改进措施")
    elif score.over_completion and not has_reason:
        c.add(f"{path}.deviation", "over_completion", "warning", f"{who}实际完成值 {(ind.actual or '').strip()} 达到目标 {ind.target.strip()} 的 {profile.over_completion_ratio * 100:.0f}% 以上，须说明原因", stated=ind.deviation or "")


def _band_edge(stated: Decimal, weight: Decimal, low: Decimal, high: Decimal, high_inclusive: bool) -> bool:
    """A score rounded to two decimals sits inside the band within rounding."""
    low_score = excel_round(weight * low / HUNDRED)
    high_score = excel_round(weight * high / HUNDRED)
    if stated == low_score:
        return True
    return high_inclusive and stated == high_score


def _check_totals(c: _Collector, record: SelfEvaluation, result: FormScore, profile: Profile) -> None:
    stated_weight = to_decimal(record.total_weight)
    if stated_weight is not None and _differs(stated_weight, result.total_weight):
        c.add("total_weight", "total_weight", "error", f"总分值填写为 {_fmt(stated_weight)}，各项分值合计为 {_fmt(result.total_weight)}", stated=stated_weight, expected=result.total_weight)
    if _differs(result.total_weight, profile.total_weight):
        c.add("total_weight", "weight_total", "error", f"预算执行与各指标分值合计为 {_fmt(result.total_weight)}，应为 {_fmt(profile.total_weight)}", stated=result.total_weight, expected=profile.total_weight)

    # The stated total must add up its stated parts; a wrong part is reported on its own cell.
    parts: list[Decimal] = []
    budget_part = to_decimal(record.funds.total.score)
    parts.append(budget_part if budget_part is not None else (result.budget_score or ZERO))
    for ind, score in zip(record.indicators, result.indicators, strict=True):
        stated = to_decimal(ind.score)
        if score.rule is Rule.NOT_APPLICABLE:
            continue
        parts.append(stated if stated is not None else (score.score or ZERO))
    part_sum = excel_round(sum(parts, ZERO))
    stated_total = to_decimal(record.total_score)
    if stated_total is None:
        c.add("total_score", "required_field", "warning", f"总分未填写，按规则应为 {_fmt(result.total_score)}", expected=result.total_score)
    elif _differs(stated_total, part_sum):
        c.add("total_score", "total_score", "error", f"总分填写为 {_fmt(stated_total)}，各项得分合计为 {_fmt(part_sum)}（重新计算为 {_fmt(result.total_score)}）", stated=stated_total, expected=part_sum)
    grade = (record.grade or "").strip()
    if not grade:
        c.add("grade", "required_field", "warning", f"评分等级未填写，按总分 {_fmt(result.total_score)} 应为“{result.grade}”", expected=result.grade)
    elif grade != result.grade:
        c.add("grade", "grade", "error", f"评分等级填写为“{grade}”，按重新计算的总分 {_fmt(result.total_score)} 应为“{result.grade}”", stated=grade, expected=result.grade)

    split: dict[str, Decimal] = {}
    for ind in record.indicators:
        split[ind.level1] = split.get(ind.level1, ZERO) + (to_decimal(ind.weight) or ZERO)
    for level1, guide in profile.level1_split.items():
        actual = split.get(level1, ZERO)
        if actual != guide:
            c.add("indicators", "level1_split", "notice", f"{level1}分值合计为 {_fmt(actual)}，指导比例为 {_fmt(guide)}", stated=actual, expected=guide)


def validate_record(record: Record, profile: Profile, *, file: str | None = None) -> list[Finding]:
    """Every finding for one record, errors first."""
    c = _Collector(record, file)
    _check_required(c, record)
    if isinstance(record, SelfEvaluation):
        if not record.indicators:
            c.add("indicators", "no_indicators", "error", "自评表没有任何绩效指标")
        result = score_form(record, profile)
        _check_funds(c, record, result, profile)
        for index, score in enumerate(result.indicators):
            _check_indicator(c, index, record, score, profile)
        _check_totals(c, record, result, profile)
    elif isinstance(record, GoalTable):
        _check_goal_table(c, record, profile)
    return sorted(c.findings, key=lambda f: SEVERITY_ORDER[f.severity])


def _check_goal_table(c: _Collector, record: GoalTable, profile: Profile) -> None:
    if not record.indicators:
        c.add("indicators", "no_indicators", "error", "绩效目标表没有任何绩效指标")


def validate_records(records: Iterable[Record], profile: Profile) -> list[Finding]:
    findings: list[Finding] = []
    for record in records:
        findings.extend(validate_record(record, profile))
    return findings


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """The findings as a DataFrame with the fixed columns of :data:`FINDING_COLUMNS`."""
    rows = [f.to_dict() for f in findings]
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    return frame.astype({"field": "string", "rule": "string", "severity": "string", "message": "string"})


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
