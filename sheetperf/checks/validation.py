"""Validation of a record against its own recomputation.

Findings are data: one :class:`Finding` per problem with stable rule codes
(``labels.RULE_TITLES`` lists them); :func:`findings_frame` turns them into the
fixed-column DataFrame every view (CLI table, JSON, HTML) is made from.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, TypeVar

from sheetperf.errors import SheetperfError
from sheetperf.forms.formulas import form_formulas, goal_heading_formula, monitoring_formulas
from sheetperf.forms.layout import (
    LAYOUT_VERSION,
    Layout,
    decode_digests,
    decode_locked_values,
    fingerprint,
    get_layout,
    locked_digests,
    normalize_form,
)
from sheetperf.model.a1 import from_a1
from sheetperf.model.evidence import TemplateIdentity
from sheetperf.model.finding import FINDING_COLUMNS, SEVERITY_ORDER, Finding, Severity
from sheetperf.model.memo import BatchCache, Memo, ensure
from sheetperf.model.record import (
    FUND_COLUMNS,
    FUND_ROWS,
    GOAL_TEXTS,
    CellRef,
    GoalTable,
    Indicator,
    Monitoring,
    Record,
    SelfEvaluation,
    indicators_of,
)
from sheetperf.rules.monitoring import monitor_form, possibility_kind
from sheetperf.rules.parsing import (
    ActualKind,
    ParsedTarget,
    ParseMemory,
    TargetKind,
    normalize_text,
    parse_actual,
    parse_memory,
    parse_target,
)
from sheetperf.rules.profiles import Profile, get_profile
from sheetperf.rules.scoring import (
    HUNDRED,
    ZERO,
    FormScore,
    IndicatorScore,
    Rule,
    excel_round,
    score_form,
    to_decimal,
    total_cap,
)
from sheetperf.vocab import units, words
from sheetperf.vocab.labels import DRIFT_WORDS, FIELD_LABELS, field_label
from sheetperf.vocab.labels import MONITORING_MESSAGES as MMSG
from sheetperf.vocab.labels import VALIDATION_MESSAGES as VMSG

if TYPE_CHECKING:
    import pandas as pd

# A stated rate or weight equal to the recomputed one within half a cent is right (two decimals);
# a stated score within half a unit of its last place (Profile.tolerance: the profile's decimals).
TOLERANCE: Final = Decimal("0.005")
# Sums of up to four figures each rounded to two decimals.
SUM_TOLERANCE: Final = Decimal("0.02")


def _fmt(value: Decimal | float | int | None) -> str:
    if value is None:
        return VMSG["empty_value"]
    return f"{Decimal(str(value)):.2f}"


def _plain(value: Decimal) -> str:
    """A setting as people write it: 80, 1.5 (no trailing zeros)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _json(value: Any) -> Any:
    """A JSON-friendly stated/expected value."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _differs(stated: Decimal, expected: Decimal, tolerance: Decimal = TOLERANCE) -> bool:
    return abs(stated - expected) > tolerance


class _Collector:
    """Builds findings for one record, resolving each field to its cell."""

    def __init__(self, record: Record, file: str | None, parse: ParseMemory | None = None) -> None:
        self.record = record
        self.file = file if file is not None else record.provenance.file
        self.parse = parse if parse is not None else ParseMemory()
        self.findings: list[Finding] = []
        evidence = record.provenance.evidence
        unknown = set(evidence.uncalculated)
        if evidence.error_cells:  # an error value (reported as error_value) is no missing figure either
            sheet = record.provenance.sheet
            unknown.update(
                path
                for path, ref in record.provenance.cells.items()
                if ref.sheet == sheet and ref.cell in evidence.error_cells
            )
        self._uncalculated = frozenset(unknown)

    def uncalculated(self, path: str) -> bool:
        """A formula cell no spreadsheet program has calculated, or one holding an error value:
        its value is not missing, only unknown."""
        return path in self._uncalculated

    def add(
        self,
        field: str,
        rule: str,
        severity: Severity,
        message: str,
        *,
        stated: Any = None,
        expected: Any = None,
        at: str | tuple[str, ...] | None = None,
        where: CellRef | None = None,
        detail: Any = None,
    ) -> None:
        """Record a finding on ``field``; ``at`` names the field(s) whose cell locates it
        when ``field`` itself has no cell (a dropped indicator belongs where it was);
        ``where`` gives the cell outright (a cell that is no record field)."""
        ref = where or self.record.provenance.cell_of(field)
        fallbacks = (at,) if isinstance(at, str) else (at or ())
        for other in fallbacks:
            if ref is not None:
                break
            ref = self.record.provenance.cell_of(other)
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
                detail=detail,
            )
        )


#: Header fields a form must carry, with the severity of leaving each empty.  Without the
#: project name, the department or the applicant a returned form cannot be filed at all.
REQUIRED_FIELDS: Final[dict[str, tuple[tuple[str, Severity], ...]]] = {
    "self_evaluation": (("project_name", "error"), ("department", "error"), ("implementing_unit", "error")),
    "goal_table": (
        ("applicant_unit", "error"),
        ("project_name", "error"),
        ("project_category", "warning"),
        ("planned_start", "warning"),
        ("planned_end", "warning"),
        ("performance_type", "warning"),
    ),
    "monitoring": (("project_name", "error"), ("department", "warning"), ("implementing_unit", "error")),
}


@dataclass(frozen=True)
class _Shape:
    """What the form prints, as far as validation needs it (a record from JSON prints everything
    it has: a key it lacks is a value left empty, not a column the form does not have)."""

    #: The form has no per-indicator weight column (Wuhan style): weights are missing, not empty.
    weights_printed: bool = True
    #: The deviation is one form-level text (偏差大或目标未完成原因分析), not a column per indicator.
    form_level_deviation: bool = False
    #: The form prints a grade (a 评分等级 row, or a grade beside 总分).
    grade_printed: bool = True


def _shape(record: SelfEvaluation) -> _Shape:
    evidence = record.provenance.evidence
    by_labels = evidence.method == "labels"
    columns = evidence.indicator_columns
    if by_labels and columns:
        weights = "weight" in columns
        per_indicator = "deviation" in columns or "reason" in columns
    else:
        weights = not record.indicators or any(i.weight is not None for i in record.indicators)
        per_indicator = any((i.deviation or "").strip() for i in record.indicators)
    form_level = "deviation_analysis" in record.texts and not per_indicator
    grade = not by_labels or "grade" in record.provenance.cells
    return _Shape(weights, form_level, grade)


def _check_required(c: _Collector, record: Record) -> None:
    for name, severity in REQUIRED_FIELDS[record.form]:
        if not str(getattr(record, name) or "").strip():
            c.add(name, "required_field", severity, VMSG["required_field"].format(label=FIELD_LABELS[name]))


#: Inputs a department must give in a returned self-evaluation (beside each indicator's actual).
REQUIRED_INPUTS: Final[dict[str, tuple[str, ...]]] = {
    "self_evaluation": ("funds.total.annual_budget", "funds.total.executed", "goal_actual"),
    "goal_table": tuple(f"texts.{key}" for key in GOAL_TEXTS),
    "monitoring": ("funds.total.initial_budget", "funds.total.executed", "funds.total.forecast"),
}


def _cell_text(record: Record, path: str) -> str:
    ref = record.provenance.cell_of(path)
    return ref.cell if ref is not None else "—"


def _expected_here(record: Record, path: str) -> bool:
    """A field the form has a cell for (a record from JSON has none: every field counts)."""
    return not record.provenance.cells or record.provenance.cell_of(path) is not None


def is_untouched(record: Record) -> bool:
    """True for a form whose every input is empty: a template sent back as it was distributed."""
    if record.provenance.evidence.number_texts:
        return False
    if isinstance(record, SelfEvaluation):
        # budgets may come pre-filled (distribute writes the goal table's); execution is the department's
        amounts = (row.executed for row in record.funds.rows().values())
        return (
            all(value is None for value in amounts)
            and not record.goal_actual.strip()
            and all(not (ind.actual or "").strip() and not (ind.deviation or "").strip() for ind in record.indicators)
        )
    if isinstance(record, Monitoring):
        # the budget may come pre-filled (distribute writes the goal table's); the rest is the department's
        return (
            all(row.executed is None and row.forecast is None for row in record.funds.rows().values())
            and not record.goal_progress.strip()
            and all(
                not (ind.progress.strip() or ind.forecast.strip() or ind.possibility.strip())
                for ind in record.indicators
            )
        )
    if isinstance(record, GoalTable):
        return (
            all(not str(text).strip() for text in record.texts.values())
            and all(value is None for value in record.budget_yuan.values())
            and not record.indicators
        )
    return False


def _check_inputs(c: _Collector, record: Record) -> None:
    """Every input the department must give and left empty, at its cell; every number cell
    holding text: converted (a notice) or not a number (an error)."""
    number_texts = record.provenance.evidence.number_texts
    for path, typed in number_texts.items():
        label = _path_label(path)
        cell = _cell_text(record, path)
        if typed.value is None:
            unit = _unit_of(path, record)
            message = (
                VMSG["not_a_number_unit"].format(label=label, cell=cell, unit=unit, text=typed.text, written=typed.unit)
                if typed.unit
                else VMSG["not_a_number"].format(label=label, cell=cell, text=typed.text)
            )
            c.add(path, "not_a_number", "error", message, stated=typed.text)
        else:
            shown = _plain_number(typed.value)
            c.add(
                path,
                "number_as_text",
                "notice",
                # in a template the sheet's own formulas skip text: its scores differ until it is retyped
                VMSG[
                    "number_as_text" if record.provenance.evidence.template is not None else "number_as_text_plain"
                ].format(label=label, cell=cell, text=typed.text, value=shown, unit=_unit_of(path, record)),
                stated=typed.text,
                expected=typed.value,
            )
    for path in REQUIRED_INPUTS[record.form]:
        if path in number_texts or c.uncalculated(path) or not _expected_here(record, path):
            continue
        if _value_at(record, path) in (None, "") or not str(_value_at(record, path)).strip():
            c.add(
                path,
                "input_missing",
                "error",
                VMSG["input_missing"].format(label=_path_label(path), cell=_cell_text(record, path)),
                at=("project_name",),
            )
    if isinstance(record, SelfEvaluation):
        # a funding row begun and left half-empty: its budget without its execution, or the reverse
        for name, row in record.funds.rows().items():
            if name == "total":
                continue
            for given, missing in (("annual_budget", "executed"), ("executed", "annual_budget")):
                path = f"funds.{name}.{missing}"
                if (
                    getattr(row, given) is not None
                    and getattr(row, missing) is None
                    and path not in number_texts
                    and not c.uncalculated(path)
                    and record.provenance.cell_of(path) is not None
                ):
                    c.add(
                        path,
                        "input_missing",
                        "error",
                        VMSG["input_missing"].format(label=_path_label(path), cell=_cell_text(record, path)),
                    )
        for index, ind in enumerate(record.indicators):
            path = f"indicators[{index}].actual"
            if (ind.actual or "").strip() or c.uncalculated(path):
                continue
            c.add(
                path,
                "input_missing",
                "error",
                VMSG["input_missing_indicator"].format(n=index + 1, name=ind.name, label=FIELD_LABELS["actual"]),
                at=(f"indicators[{index}].name",),
            )


def _unit_of(path: str, record: Record) -> str:
    """The unit of a number field as the form shows it."""
    if path.startswith("budget_yuan."):
        return units.YUAN
    if path.endswith(".execution_rate"):
        return units.PERCENT
    if path.startswith("funds."):
        return units.WAN_YUAN
    return units.POINTS


def _plain_number(value: float) -> str:
    text = format(Decimal(repr(value)).normalize(), "f")
    return text


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
                VMSG["rate_wrong"].format(
                    label=label,
                    stated=_fmt(stated),
                    executed=_fmt(row.executed),
                    annual_budget=_fmt(row.annual_budget),
                    execution_rate=_fmt(computed.execution_rate),
                ),
                stated=stated,
                expected=computed.execution_rate,
            )
    for column in FUND_COLUMNS[:3]:
        total = to_decimal(getattr(funds.total, column))
        parts = [to_decimal(getattr(r, column)) for name, r in funds.rows().items() if name != "total"]
        if total is None or any(p is None for p in parts):
            continue
        part_sum = sum((p for p in parts if p is not None), ZERO)
        if _differs(total, part_sum, SUM_TOLERANCE):
            c.add(
                f"funds.total.{column}",
                "funds_sum",
                "error",
                VMSG["funds_sum"].format(label=FIELD_LABELS[column], total=_fmt(total), part_sum=_fmt(part_sum)),
                stated=total,
                expected=part_sum,
            )
    rate = result.execution_rate
    stated_score = to_decimal(funds.total.score)
    if (
        stated_score is not None
        and stated_score != 0
        and (funds.total.executed is None or funds.total.annual_budget is None)
    ):
        empty = "、".join(FIELD_LABELS[k] for k in ("annual_budget", "executed") if getattr(funds.total, k) is None)
        c.add(
            "funds.total.score",
            "score_without_inputs",
            "error",
            VMSG["score_without_inputs"].format(stated_score=_fmt(stated_score), empty=empty),
            stated=stated_score,
        )
    elif stated_score is not None and result.budget_score is not None:
        low = result.budget_score_low if result.budget_score_low is not None else result.budget_score
        high = result.budget_score_high if result.budget_score_high is not None else result.budget_score
        if stated_score < low - profile.tolerance or stated_score > high + profile.tolerance:
            c.add(
                "funds.total.score",
                "budget_score",
                "error",
                VMSG["budget_score_wrong"].format(
                    stated_score=_fmt(stated_score), rate=_fmt(rate), budget_score=_fmt(result.budget_score)
                )
                if rate is not None
                else VMSG["budget_score_no_rate"].format(
                    stated_score=_fmt(stated_score), budget_score=_fmt(result.budget_score)
                ),
                stated=stated_score,
                expected=result.budget_score,
            )
    if rate is not None and rate > HUNDRED:
        c.add(
            "funds.total.execution_rate",
            "budget_over_100",
            "notice",
            VMSG["budget_over_100"].format(rate=_fmt(rate)),
            stated=to_decimal(funds.total.execution_rate),
            expected=rate,
        )
    threshold = profile.budget_deviation_below
    if threshold > 0 and rate is not None and rate < threshold and not funds.total.extra.get("deviation"):
        c.add(
            "funds.total.execution_rate",
            "budget_deviation_missing",
            "warning",
            VMSG["budget_deviation_missing"].format(rate=_fmt(rate), threshold=_fmt(threshold), title=profile.title),
            stated=rate,
            expected=threshold,
        )


def _band_text(score: IndicatorScore, profile: Profile) -> str:
    assert score.level is not None and score.weight is not None
    band = profile.bands[score.level]
    low = excel_round(score.weight * band.low / HUNDRED, profile.decimals)
    high = excel_round(score.weight * band.high / HUNDRED, profile.decimals)
    closing = "]" if band.high_inclusive else ")"
    return f"[{low}, {high}{closing}"


def _check_level2(c: _Collector, path: str, who: str, ind: Indicator, allowed: Collection[str]) -> None:
    """A level-2 category its level-1 does not hold (``allowed``, the profile's framework): a notice."""
    if ind.level2 and ind.level2 not in allowed:
        c.add(
            f"{path}.level2",
            "unknown_category",
            "notice",
            VMSG["level2_outside"].format(who=who, level2=ind.level2, level1=ind.level1),
            stated=ind.level2,
        )


def _check_indicator(
    c: _Collector, index: int, record: SelfEvaluation, score: IndicatorScore, profile: Profile, shape: _Shape
) -> None:
    ind = record.indicators[index]
    path = f"indicators[{index}]"
    who = VMSG["who"].format(index=index + 1, name=ind.name)
    stated = to_decimal(ind.score)
    weight = score.weight
    target, actual = c.parse.target(ind.target), c.parse.actual(ind.actual)

    framework = profile.framework
    if ind.level1 and ind.level1 not in framework:
        c.add(
            f"{path}.level1",
            "unknown_category",
            "notice",
            VMSG["unknown_category"].format(who=who, level1=ind.level1, title=profile.title),
            stated=ind.level1,
        )
    elif ind.level1:
        _check_level2(c, path, who, ind, framework.get(ind.level1, ()))

    if score.rule is Rule.NOT_APPLICABLE:
        return
    if stated is not None and weight is not None and (stated > weight + profile.tolerance or stated < 0):
        c.add(
            f"{path}.score",
            "score_over_weight",
            "error",
            VMSG["score_over_weight"].format(who=who, stated=_fmt(stated), weight=_fmt(weight)),
            stated=stated,
            expected=weight,
        )
    elif score.rule is Rule.QUALITATIVE and stated is not None:
        assert score.level is not None and weight is not None
        if not _in_band(stated, score, profile):
            c.add(
                f"{path}.score",
                "qualitative_band",
                "error",
                VMSG["qualitative_band"].format(
                    who=who, text=actual.text.strip(), score=_band_text(score, profile), stated=_fmt(stated)
                ),
                stated=stated,
                expected=_band_text(score, profile),
            )
    elif score.rule in (Rule.POSITIVE, Rule.REVERSE, Rule.RANGE) and stated is not None and score.score is not None:
        if _differs(stated, score.score, profile.tolerance):
            detail = ""
            if score.rule is Rule.REVERSE and weight is not None and stated >= weight and score.score < weight:
                detail = VMSG["reverse_full_marks"]
            elif score.deducted and profile.over_target is not None:
                detail = VMSG["over_target_deducted"].format(
                    ratio=_plain(profile.over_target.ratio * HUNDRED), deduct=_plain(profile.over_target.deduct)
                )
            c.add(
                f"{path}.score",
                "indicator_score",
                "error",
                VMSG["indicator_score"].format(
                    who=who,
                    stated=_fmt(stated),
                    target=ind.target.strip(),
                    actual=(ind.actual or "").strip(),
                    score=_fmt(score.score),
                    detail=detail,
                ),
                stated=stated,
                expected=score.score,
            )
    if score.rule is Rule.UNSCORED and weight is None and not shape.weights_printed:
        pass  # no weight column on the form: the score cannot be checked alone (see weights_not_printed)
    elif score.rule is Rule.UNSCORED:
        if target.is_numeric and actual.kind is ActualKind.TEXT:
            c.add(
                f"{path}.actual",
                "actual_is_word",
                "error",
                VMSG["actual_is_word"].format(who=who, target=ind.target.strip(), text=actual.text.strip()),
                stated=actual.text,
            )
        elif (
            stated is not None
            and stated != 0
            and (actual.kind is ActualKind.EMPTY or weight is None or target.kind is TargetKind.EMPTY)
        ):
            empty = "、".join(
                FIELD_LABELS[key]
                for key, missing in (
                    ("target", target.kind is TargetKind.EMPTY),
                    ("actual", actual.kind is ActualKind.EMPTY),
                    ("weight", weight is None),
                )
                if missing
            )
            c.add(
                f"{path}.score",
                "score_without_inputs",
                "error",
                VMSG["indicator_without_inputs"].format(who=who, stated=_fmt(stated), empty=empty),
                stated=stated,
                expected=None,
            )
        elif stated is not None:
            c.add(
                f"{path}.score",
                "unscorable",
                "warning",
                VMSG["unscorable"].format(who=who, stated=_fmt(stated), reason=score.reason),
                stated=stated,
            )
    elif stated is None and score.score is not None and not c.uncalculated(f"{path}.score"):
        c.add(
            f"{path}.score",
            "score_missing",
            "warning",
            VMSG["score_missing"].format(who=who, score=_fmt(score.score)),
            expected=score.score,
        )
    if actual.kind is ActualKind.LEVEL and target.kind in (TargetKind.QUANTITATIVE, TargetKind.RANGE):
        c.add(
            f"{path}.actual",
            "level_for_quantitative",
            "notice",
            VMSG["level_for_quantitative"].format(who=who, target=ind.target.strip()),
            stated=actual.text,
        )

    if shape.form_level_deviation:
        return  # one deviation text for the form (_check_form_deviation)
    has_reason = bool((ind.deviation or "").strip())
    below = weight is not None and any(v is not None and v < weight - profile.tolerance for v in (stated, score.score))
    if below and not has_reason:
        if stated is not None and score.score is not None and _differs(stated, score.score, profile.tolerance):
            message = VMSG["deviation_missing_both"].format(
                who=who, stated=_fmt(stated), expected=_fmt(score.score), weight=_fmt(weight)
            )
        else:
            shown = stated if stated is not None else score.score
            message = VMSG["deviation_missing"].format(who=who, shown=_fmt(shown), weight=_fmt(weight))
        c.add(
            f"{path}.deviation",
            "deviation_missing",
            "error",
            message,
            stated=ind.deviation or "",
            expected=VMSG["deviation_expected"],
        )
    elif score.over_completion and not has_reason:
        c.add(
            f"{path}.deviation",
            "over_completion",
            "warning",
            VMSG["over_completion"].format(
                who=who,
                actual=(ind.actual or "").strip(),
                target=ind.target.strip(),
                over_completion_ratio=profile.over_completion_ratio * 100,
            ),
            stated=ind.deviation or "",
        )


def _in_band(stated: Decimal, score: IndicatorScore, profile: Profile) -> bool:
    """Whether a stated qualitative score lies in its achievement level's band."""
    if score.level is None or score.weight is None:
        return False
    band = profile.bands[score.level]
    weight = score.weight
    if weight <= 0:
        return band.contains(ZERO)
    if band.contains(excel_round(stated / weight * HUNDRED, 6)):
        return True
    return _band_edge(stated, weight, band.low, band.high, band.high_inclusive, profile.decimals)


def _band_edge(
    stated: Decimal, weight: Decimal, low: Decimal, high: Decimal, high_inclusive: bool, places: int = 2
) -> bool:
    """A score rounded to ``places`` decimals sits inside the band within rounding."""
    low_score = excel_round(weight * low / HUNDRED, places)
    high_score = excel_round(weight * high / HUNDRED, places)
    if stated == low_score:
        return True
    return high_inclusive and stated == high_score


def accepted_total(
    record: SelfEvaluation, result: FormScore, profile: Profile, *, stated_unchecked: bool = False
) -> Decimal:
    """The total with each stated part kept where its rule accepts it, else recomputed.

    Recomputation gives each qualitative indicator its level's default share; a stated
    score elsewhere in the band is the evaluator's judgment and stands.  ``stated_unchecked``
    (a form without a weight column): a stated score no rule can check stands too.
    """
    parts: list[Decimal] = []
    budget = to_decimal(record.funds.total.score)
    low, high = result.budget_score_low, result.budget_score_high
    tolerance = profile.tolerance
    if budget is not None and low is not None and high is not None and low - tolerance <= budget <= high + tolerance:
        parts.append(budget)
    else:
        parts.append(result.budget_score or ZERO)
    for ind, score in zip(record.indicators, result.indicators, strict=True):
        stated = to_decimal(ind.score)
        if score.rule is Rule.QUALITATIVE and stated is not None and _in_band(stated, score, profile):
            parts.append(stated)
        elif stated_unchecked and score.weight is None and stated is not None:
            parts.append(stated)
        else:
            parts.append(score.score or ZERO)
    return excel_round(sum(parts, ZERO), profile.decimals)


def _cap_at(result: FormScore, profile: Profile) -> tuple[Decimal | None, Decimal | None]:
    """The cap on the total at the highest execution rate the printed amounts can give (a stated
    total is held to the most lenient cap), and the rate threshold it belongs to."""
    if not profile.total_caps:
        return None, None
    fund = result.funds["total"]
    rate = fund.rate_high if fund.rate_high is not None else fund.execution_rate
    cap = total_cap(profile, rate)
    below = next((c.below for c in profile.total_caps if c.max == cap), None)
    return cap, below


def _check_totals(c: _Collector, record: SelfEvaluation, result: FormScore, profile: Profile, shape: _Shape) -> None:
    if not shape.weights_printed:
        scored = sum(1 for i in record.indicators if i.score is not None)
        c.add(
            "indicators",
            "weights_not_printed",
            "notice",
            VMSG["weights_not_printed"].format(scored=scored),
        )
    stated_weight = to_decimal(record.total_weight)
    if stated_weight is not None and _differs(stated_weight, result.total_weight):
        c.add(
            "total_weight",
            "total_weight",
            "error",
            VMSG["total_weight_sum"].format(stated_weight=_fmt(stated_weight), total_weight=_fmt(result.total_weight)),
            stated=stated_weight,
            expected=result.total_weight,
        )
    if shape.weights_printed and _differs(result.total_weight, profile.total_weight):
        c.add(
            "total_weight",
            "weight_total",
            "error",
            VMSG["weight_total"].format(
                total_weight=_fmt(result.total_weight), total_weight2=_fmt(profile.total_weight)
            ),
            stated=result.total_weight,
            expected=profile.total_weight,
        )

    # The stated total must add up its stated parts; a wrong part is reported on its own cell.
    parts: list[Decimal] = []
    budget_part = to_decimal(record.funds.total.score)
    parts.append(budget_part if budget_part is not None else (result.budget_score or ZERO))
    for ind, score in zip(record.indicators, result.indicators, strict=True):
        stated = to_decimal(ind.score)
        if score.rule is Rule.NOT_APPLICABLE:
            continue
        parts.append(stated if stated is not None else (score.score or ZERO))
    part_sum = excel_round(sum(parts, ZERO), profile.decimals)
    cap, below = _cap_at(result, profile)
    capped = min(part_sum, cap) if cap is not None else part_sum
    stated_total = to_decimal(record.total_score)
    if stated_total is None:
        if not c.uncalculated("total_score"):
            c.add(
                "total_score",
                "required_field",
                "warning",
                VMSG["total_missing"].format(total_score=_fmt(result.total_score)),
                expected=result.total_score,
            )
    elif cap is not None and below is not None and stated_total > cap + profile.tolerance:
        c.add(
            "total_score",
            "total_cap",
            "error",
            VMSG["total_cap"].format(
                stated=_fmt(stated_total),
                rate=_fmt(result.execution_rate),
                below=_plain(below),
                profile=profile.title,
                cap=_fmt(cap),
            ),
            stated=stated_total,
            expected=cap,
        )
    elif _differs(stated_total, capped, profile.tolerance):
        limit = (
            VMSG["total_capped"].format(below=_plain(below), cap=_fmt(cap))
            if cap is not None and below is not None
            else ""
        )
        c.add(
            "total_score",
            "total_score",
            "error",
            VMSG["total_wrong"].format(
                stated_total=_fmt(stated_total),
                part_sum=_fmt(part_sum),
                limit=limit,
                total_score=_fmt(result.total_score),
            ),
            stated=stated_total,
            expected=capped,
        )
    # The grade follows the total an evaluator may state: a qualitative score anywhere in its
    # level's band is a judgment, not a mistake, so it counts as stated; a wrong part counts as recomputed.
    accepted = accepted_total(record, result, profile, stated_unchecked=not shape.weights_printed)
    if cap is not None:
        accepted = min(accepted, cap)
    expected_grade = profile.grade_for(accepted)
    grade = (record.grade or "").strip()
    if not grade:
        if not c.uncalculated("grade") and shape.grade_printed:
            c.add(
                "grade",
                "required_field",
                "warning",
                VMSG["grade_missing"].format(accepted=_fmt(accepted), expected_grade=expected_grade),
                expected=expected_grade,
            )
    elif grade != expected_grade:
        c.add(
            "grade",
            "grade",
            "error",
            VMSG["grade_wrong"].format(grade=grade, accepted=_fmt(accepted), expected_grade=expected_grade),
            stated=grade,
            expected=expected_grade,
        )

    if not shape.weights_printed:
        return  # no weights to split (the printed level-1 points are checked by _check_points)
    split: dict[str, Decimal] = {}
    for ind in record.indicators:
        split[ind.level1] = split.get(ind.level1, ZERO) + (to_decimal(ind.weight) or ZERO)
    for level1, guide in profile.level1_split.items():
        actual = split.get(level1, ZERO)
        if actual != guide:
            first = next((i for i, ind in enumerate(record.indicators) if ind.level1 == level1), None)
            at = (f"indicators[{first}].level1", f"indicators[{first}].weight") if first is not None else ()
            c.add(
                "indicators",
                "level1_split",
                "notice",
                VMSG["level1_split"].format(level1=level1, actual=_fmt(actual), guide=_fmt(guide)),
                stated=actual,
                expected=guide,
                at=(*at, "total_weight", "indicators[0].level1", "project_name"),
            )


def _missed(ind: Any, score: IndicatorScore, tolerance: Decimal = TOLERANCE) -> bool:
    """The indicator fell short of (or far over) its target: by its score when weighted (within the
    profile's rounding, ``tolerance``), else by its values."""
    stated = to_decimal(ind.score)
    if score.weight is not None:
        below = any(v is not None and v < score.weight - tolerance for v in (stated, score.score))
        return below or score.over_completion
    target, actual = parse_target(ind.target), parse_actual(ind.actual)
    if actual.kind is ActualKind.LEVEL:
        return actual.level is not None and actual.level.value != "achieved"
    if target.kind is TargetKind.QUANTITATIVE and actual.kind is ActualKind.NUMBER:
        assert target.number is not None and actual.number is not None
        return actual.number > target.number if target.reverse else actual.number < target.number
    return False


def _check_form_deviation(c: _Collector, record: SelfEvaluation, result: FormScore, shape: _Shape) -> None:
    """One deviation text for the whole form (偏差大或目标未完成原因分析): due when any indicator fell short."""
    if not shape.form_level_deviation or record.texts.get("deviation_analysis", "").strip():
        return
    short = [
        VMSG["indicator_short"].format(k=k + 1, name=ind.name)
        for k, (ind, score) in enumerate(zip(record.indicators, result.indicators, strict=True))
        if score.rule is not Rule.NOT_APPLICABLE and _missed(ind, score, Decimal(5).scaleb(-(result.decimals + 1)))
    ]
    if short:
        shown = "、".join(short[:3]) + (VMSG["more_items"].format(short=len(short)) if len(short) > 3 else "")
        c.add(
            "texts.deviation_analysis",
            "deviation_missing",
            "error",
            VMSG["form_deviation_missing"].format(shown=shown, label=FIELD_LABELS["texts.deviation_analysis"]),
            stated="",
            expected=FIELD_LABELS["texts.deviation_analysis"],
        )


def _points_range(points: Any) -> tuple[Decimal, Decimal]:
    if isinstance(points, list):
        return Decimal(str(points[0])), Decimal(str(points[1]))
    value = Decimal(str(points))
    return value, value


def _check_points(c: _Collector, record: SelfEvaluation, result: FormScore, profile: Profile) -> None:
    """Points a form prints in its labels: 产出指标(50分) against the weights (or scores) of its group,
    年度绩效目标(80分) against the level-1 points and the budget's."""
    for name, points in record.level1_points.items():
        low, high = _points_range(points)
        group = [(ind, s) for ind, s in zip(record.indicators, result.indicators, strict=True) if ind.level1 == name]
        weights = [to_decimal(ind.weight) for ind, _ in group]
        shown = _fmt(high) if low == high else f"{_fmt(low)}–{_fmt(high)}"
        if not group:
            continue
        if all(w is not None for w in weights):
            stated = sum((w for w in weights if w is not None), ZERO)
            wrong = stated < low - TOLERANCE or stated > high + TOLERANCE
            message = VMSG["level1_points"].format(name=name, shown=shown, total=_fmt(stated))
        else:
            stated = sum((to_decimal(ind.score) or ZERO for ind, _ in group), ZERO)
            wrong = stated > high + TOLERANCE
            message = VMSG["level1_scores"].format(name=name, shown=shown, scores=_fmt(stated))
        if wrong:
            c.add(f"level1_points.{name}", "level1_points", "error", message, stated=stated, expected=shown)
    if record.indicator_points is None:
        return
    indicator_points = Decimal(str(record.indicator_points))
    level_sum = sum((_points_range(p)[1] for p in record.level1_points.values()), ZERO)
    budget = result.budget_weight
    if record.level1_points and all(not isinstance(p, list) for p in record.level1_points.values()):
        if _differs(level_sum, indicator_points):
            c.add(
                "indicator_points",
                "indicator_points",
                "error",
                VMSG["level1_points_sum"].format(indicator_points=_fmt(indicator_points), level_sum=_fmt(level_sum)),
                stated=level_sum,
                expected=indicator_points,
            )
    if _differs(budget + indicator_points, profile.total_weight):
        c.add(
            "indicator_points",
            "indicator_points",
            "error",
            VMSG["indicator_points"].format(
                budget=_fmt(budget), indicator_points=_fmt(indicator_points), total_weight=_fmt(profile.total_weight)
            ),
            stated=budget + indicator_points,
            expected=profile.total_weight,
        )


def validate_record(
    record: Record,
    profile: Profile,
    *,
    file: str | None = None,
    scored: FormScore | None = None,
    cache: BatchCache | None = None,
) -> list[Finding]:
    """Every finding for one record, errors first.

    ``scored``: ``score_form(record, profile)`` when the caller has it already (consolidation
    scores each form for its summary row too).  ``cache``: the batch's memory (a template's
    expected formulas are built once per layout and profile).
    """
    c = _Collector(record, file, parse_memory(cache))
    result: FormScore | None = None
    if isinstance(record, SelfEvaluation):
        result = scored if scored is not None else score_form(record, profile, cache=cache)
    if is_untouched(record):
        # a template returned as it went out: one finding, not one per empty cell
        if isinstance(record, Monitoring):
            what = MMSG["form_empty_what"]
        else:
            what = VMSG["form_empty_what_self" if isinstance(record, SelfEvaluation) else "form_empty_what_goal"]
        first = ("funds.total.executed", "indicators[0].actual", "goal_actual", "texts.overview", "project_name")
        c.add("form", "form_empty", "error", VMSG["form_empty"].format(what=what), at=first)
    else:
        _check_required(c, record)
        _check_inputs(c, record)
        if isinstance(record, SelfEvaluation):
            assert result is not None
            if not record.indicators:
                c.add("indicators", "no_indicators", "error", VMSG["goal_no_indicators"], at=("project_name",))
            shape = _shape(record)
            _check_funds(c, record, result, profile)
            for index, score in enumerate(result.indicators):
                _check_indicator(c, index, record, score, profile, shape)
            _check_totals(c, record, result, profile, shape)
            _check_form_deviation(c, record, result, shape)
            _check_points(c, record, result, profile)
        elif isinstance(record, GoalTable):
            _check_goal_table(c, record, profile)
        elif isinstance(record, Monitoring):
            _check_monitoring(c, record, profile)
        _mark_formula_results(c, record)
        _check_error_values(c, record)
    _check_template(c, record, profile, ensure(cache).part(CheckMemory), result)
    from sheetperf.xlsx.hazards import hazard_findings  # macros, external links, DDE (issue 8)

    c.findings.extend(hazard_findings(record, c.file))
    return sorted(c.findings, key=lambda f: SEVERITY_ORDER[f.severity])


# --- Workbook rules: what only a workbook can get wrong ------------------------------------
#
# They read the evidence a reader records beside the data (``record.provenance.evidence``,
# :class:`sheetperf.model.evidence.Evidence`): the formula behind each field, formula cells
# without a result, error values, every formula of a template's sheet and the template's
# identity.  A record from JSON has none.

#: Rules that compare a stated figure with its recomputation.  When the stated figure is
#: the result of a formula in the workbook, the finding becomes ``cached_value``.
_RECOMPUTED: Final = frozenset(
    {
        "execution_rate",
        "budget_score",
        "indicator_score",
        "qualitative_band",
        "score_over_weight",
        "total_weight",
        "total_score",
        "total_cap",
        "grade",
    }
)
_A1: Final = re.compile(r"^([A-Z]{1,3})(\d+)$")
_STRING_LITERAL: Final = re.compile(r'("(?:[^"]|"")*")')


def _a1_order(a1: str) -> tuple[int, int]:
    match = _A1.match(a1)
    if not match:
        return (0, 0)
    letters = match.group(1)
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(match.group(2)), col


def _mark_formula_results(c: _Collector, record: Record) -> None:
    """A wrong figure that a formula computed: the formula or its saved result is wrong, not the typing."""
    formulas = record.provenance.evidence.formulas
    if not formulas:
        return
    for i, f in enumerate(c.findings):
        formula = formulas.get(f.field)
        if f.rule in _RECOMPUTED and formula is not None and f.stated is not None:
            shown = formula if len(formula) <= 60 else formula[:57] + "..."
            what = (
                VMSG["formula_with_text"].format(shown=shown) if formula else VMSG["formula_plain"]
            )  # an .xls formula's text is not read
            c.findings[i] = replace(
                f,
                rule="cached_value",
                message=VMSG["cached_value"].format(message=f.message, what=what),
            )


def _check_error_values(c: _Collector, record: Record) -> None:
    errors = record.provenance.evidence.error_cells
    sheet = record.provenance.sheet
    if not errors or not sheet:
        return
    paths: dict[str, str] = {}
    for path, ref in record.provenance.cells.items():
        if ref.sheet == sheet:
            paths.setdefault(ref.cell, path)
    template = record.provenance.evidence.template is not None
    helper_rows: dict[int, list[str]] = {}
    for a1 in sorted(errors, key=_a1_order):
        found = paths.get(a1)
        if template and not found:
            # a template's hidden helper cells: one finding a row (they fail together)
            helper_rows.setdefault(_a1_order(a1)[0], []).append(a1)
            continue
        label = f"（{_path_label(found)}）" if found else ""
        c.add(
            found or f"cell:{a1}",
            "error_value",
            "error",
            VMSG["error_value"].format(a1=a1, label=label, errors=errors[a1]),
            stated=errors[a1],
            where=CellRef(sheet, a1),
        )
    for cells in helper_rows.values():
        shown = "、".join(cells[:3]) + ("…" if len(cells) > 3 else "")
        c.add(
            f"cell:{cells[0]}",
            "error_value",
            "error",
            VMSG["helper_errors"].format(count=len(cells), cells=shown, error=errors[cells[0]]),
            stated=errors[cells[0]],
            where=CellRef(sheet, cells[0]),
            detail={"cells": cells},
        )


def _path_label(path: str) -> str:
    return field_label(path)


def formula_key(text: str) -> str:
    """A formula folded for comparison: no leading ``=``, no spaces, ``$`` or ``_xlfn.``
    prefixes, upper case — all outside string literals, which are kept as written."""
    body = text.strip().removeprefix("=")
    pieces = _STRING_LITERAL.split(body)
    return "".join(piece if index % 2 else _fold_code(piece) for index, piece in enumerate(pieces))


def _fold_code(code: str) -> str:
    code = re.sub(r"\s+", "", code).upper().replace("_XLFN.", "").replace("_XLWS.", "").replace("$", "")
    # LibreOffice writes the constants TRUE/FALSE back as the functions TRUE()/FALSE().
    return re.sub(r"\b(TRUE|FALSE)\(\)", r"\1", code)


def _difference(actual: str, expected: str, context: int = 24) -> tuple[str, str]:
    """The two formulas shown around their first difference (formulas run to thousands of characters)."""
    a = actual if actual.startswith("=") else "=" + actual
    b = expected
    if len(a) <= 80 and len(b) <= 80:
        return a, b
    start = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    lo = max(start - context, 0)

    def cut(text: str) -> str:
        piece = text[lo : start + context]
        return ("…" if lo > 0 else "") + piece + ("…" if start + context < len(text) else "")

    return cut(a), cut(b)


def _template_profile(meta: TemplateIdentity, profile: Profile) -> Profile:
    """The profile the template was written with (its formulas follow it), else the given one."""
    name = meta.profile
    if not name or name == profile.name:
        return profile
    try:
        return get_profile(name)
    except SheetperfError:
        return profile


def _template_form(meta: TemplateIdentity) -> str | None:
    """The form a template's metadata names; None when it names none (a tampered or damaged sheet)."""
    try:
        return normalize_form(meta.form)
    except SheetperfError:
        return None


def _check_template(
    c: _Collector, record: Record, profile: Profile, memory: CheckMemory, result: FormScore | None = None
) -> None:
    meta = record.provenance.evidence.template
    sheet = record.provenance.sheet
    if meta is None or not sheet or _template_form(meta) != record.form:
        return
    version = meta.layout_version
    if version != LAYOUT_VERSION:
        c.add(
            "template.layout_version",
            "layout_version",
            "warning",
            VMSG["layout_version"].format(version=version or VMSG["unknown_version"], layout_version=LAYOUT_VERSION),
            stated=version,
            expected=LAYOUT_VERSION,
            where=CellRef(sheet, "A1"),
        )
        return
    try:
        layout = get_layout(record.form, meta.capacity)
    except SheetperfError:
        return
    _check_fingerprint(c, record, meta)
    _check_formulas(c, record, layout, _template_profile(meta, profile), sheet, memory, result)


def _check_fingerprint(c: _Collector, record: Record, meta: TemplateIdentity) -> None:
    locked = list(meta.locked)
    expected = meta.fingerprint
    if not locked or not expected:
        return
    try:
        actual = fingerprint(record, locked, record.form)
    except SheetperfError:
        return
    if actual == expected:
        return
    changed = _changed_locked_fields(record, locked, meta.cell_digests)
    if changed:
        distributed = decode_locked_values(meta.locked_values)
        for path in changed:
            shown = _value_at(record, path)
            now = _fmt_any(shown) if shown not in (None, "") else VMSG["blank"]
            if path in distributed:
                was = distributed[path]
                message = VMSG["locked_changed_was"].format(
                    label=_path_label(path), was=_fmt_any(was) if was not in (None, "") else VMSG["blank"], now=now
                )
            else:
                was = None
                message = VMSG["locked_changed"].format(label=_path_label(path), now=now)
            c.add(path, "locked_content_changed", "error", message, stated=shown, expected=was, at=("project_name",))
        return
    what = {
        "project": VMSG["locked_project"],
        "indicators": VMSG["locked_indicators"],
        "weights": VMSG["locked_weights"],
    }
    covered = "、".join(what.get(g, g) for g in locked)
    c.add(
        "template.fingerprint",
        "locked_content_changed",
        "error",
        VMSG["locked_content_changed"].format(covered=covered, actual=actual[:12], expected=expected[:12]),
        stated=actual[:12],
        expected=expected[:12],
        at=("project_name", "indicators[0].name") if "project" in locked else ("indicators[0].name", "project_name"),
    )


def _changed_locked_fields(record: Record, locked: list[str], stored: str) -> list[str]:
    """Record paths whose locked content differs from the digests the template was written with."""
    expected = decode_digests(stored)
    if not expected:
        return []
    try:
        actual = locked_digests(record, locked, record.form)
    except SheetperfError:
        return []
    paths = [p for p in actual if expected.get(p) != actual[p]]
    # Rows the template had and the read form lacks point at the table's last row read.
    paths += [p for p in expected if p not in actual]
    return paths


_Expected = tuple[str, tuple[int, int], str | None, str, int | None]
_EXPECTED_LIMIT: Final = 64
_FORMULA_KEY_LIMIT: Final = 1 << 16


class CheckMemory:
    """What the workbook checks remember between forms (a part of the batch's
    :class:`~sheetperf.model.memo.BatchCache`): a template carries ~40 formulas per indicator row
    and a batch validates thousands of forms of the same few layouts, whose formula texts recur."""

    __slots__ = ("expected", "formula_keys")

    def __init__(self) -> None:
        self.expected: Memo[tuple[str, int, str, str], _TemplateFormulas] = Memo(_EXPECTED_LIMIT)
        self.formula_keys: Memo[str, str] = Memo(_FORMULA_KEY_LIMIT)

    def formula_key(self, text: str) -> str:
        found = self.formula_keys.get(text)
        return found if found is not None else self.formula_keys.put(text, formula_key(text))

    def expected_formulas(self, layout: Layout, profile: Profile) -> _TemplateFormulas:
        """Every formula cell of a template; keyed by what the formulas depend on (the profile by content)."""
        key = (layout.form, layout.table.capacity, layout.version, repr(profile))
        found = self.expected.get(key)
        if found is None:
            rows = _build_expected_formulas(layout, profile)
            found = self.expected.put(key, _TemplateFormulas(rows, {rc: formula for _, rc, _, formula, _ in rows}))
        return found


@dataclass(frozen=True)
class _TemplateFormulas:
    #: ``(A1, (row, col), record path or None, formula, indicator index or None)`` of each cell.
    rows: list[_Expected]
    #: The same as (row, col) → formula: all of a form's formulas compared as one table.
    by_cell: dict[tuple[int, int], str]


def _build_expected_formulas(layout: Layout, profile: Profile) -> list[_Expected]:
    out: list[tuple[str, str | None, str, int | None]] = []
    if layout.form == "self_evaluation":
        built = form_formulas(layout, profile)  # CheckMemory remembers what is built from it
        for path, formula in built.fields.items():
            out.append((layout.field(path).a1, None if path.startswith("calc.") else path, formula, None))
        table = layout.table
        for index in range(table.capacity):
            for key, formula in built.row(index, layout).items():
                row_path = f"indicators[{index}].{key}" if key in table.keys else None
                out.append((table.a1(index, key), row_path, formula, index))
    elif layout.form == "monitoring":
        built = monitoring_formulas(layout, profile)
        for path, formula in built.fields.items():
            out.append((layout.field(path).a1, path, formula, None))
        table = layout.table
        for index in range(table.capacity):
            for key, formula in built.row(index, layout).items():
                out.append((table.a1(index, key), None, formula, index))
    elif layout.has_field("goal_heading"):
        out.append((layout.field("goal_heading").a1, None, goal_heading_formula(layout), None))
    return [(a1, from_a1(a1), path, formula, index) for a1, path, formula, index in out]


def _value_at(record: Record, path: str) -> Any:
    match = re.match(r"^indicators\[(\d+)\]\.(\w+)$", path)
    node: Any = record
    if match:
        index = int(match.group(1))
        if index >= len(record.indicators):
            return None
        node, path = record.indicators[index], match.group(2)
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
        if node is None:
            return None
    return node


def _figure(record: Record, path: str | None, result: FormScore | None) -> Any:
    """What the template's formula at ``path`` gives for this form's inputs (None when it is
    no figure of the record: a hidden helper cell)."""
    if path is None or result is None:
        return None
    match = re.match(r"^indicators\[(\d+)\]\.score$", path)
    if match:
        index = int(match.group(1))
        return result.indicators[index].score if index < len(result.indicators) else None
    match = re.match(r"^funds\.(\w+)\.execution_rate$", path)
    if match:
        fund = result.funds.get(match.group(1))
        return fund.execution_rate if fund is not None else None
    figures: dict[str, Any] = {
        "funds.total.score": result.budget_score,
        "total_score": result.total_score,
        "total_weight": result.total_weight,
        "grade": result.grade or None,
    }
    return figures.get(path)


def _check_formulas(
    c: _Collector,
    record: Record,
    layout: Layout,
    profile: Profile,
    sheet: str,
    memory: CheckMemory,
    result: FormScore | None = None,
) -> None:
    """Every formula a template carries must still be there, as written."""
    from sheetperf.xlsx.biff import FORMULA_NOT_READ, NA_FORMULA

    evidence = record.provenance.evidence
    cells = evidence.formula_cells
    expected = memory.expected_formulas(layout, profile)
    if cells is not None and expected.by_cell.items() <= cells.items():
        return  # every formula stands as written (the common case, ~1,200 of them): one comparison
    by_path = evidence.formulas
    helpers_flagged: set[int] = set()
    lost: list[str] = []
    unread = 0
    for a1, rc, path, formula, index in expected.rows:
        if cells is not None:
            actual = cells.get(rc)
        elif path is not None and path in record.provenance.cells:
            actual = by_path.get(path)
        else:
            continue  # without the sheet's formula cells only record fields can be checked
        if actual is not None and (actual == formula or memory.formula_key(actual) == memory.formula_key(formula)):
            continue
        if actual == FORMULA_NOT_READ:
            unread += 1  # a formula is there; its text is not read from this format (.xls)
            continue
        if actual == NA_FORMULA:
            lost.append(a1)  # what a format that could not hold the formula wrote instead
            continue
        if path is None and index is not None:
            # The hidden helper columns of one row: one finding for the row, on its first changed cell.
            if index in helpers_flagged:
                continue
            helpers_flagged.add(index)
        label = (
            _path_label(path)
            if path
            else (VMSG["helper_column"].format(index=index + 1) if index is not None else VMSG["helper_cell"])
        )
        if actual is None:
            stated = _value_at(record, path) if path else None
            now = (
                VMSG["overwritten_typed"].format(value=_fmt_any(stated))
                if stated not in (None, "")
                else VMSG["overwritten_blank"]
            )
            figure = _figure(record, path, result)
            message = (
                VMSG["formula_overwritten_figure"].format(label=label, cell=a1, figure=_fmt_any(figure), now=now)
                if figure is not None
                else VMSG["formula_overwritten"].format(label=label, cell=a1, now=now)
            )
            c.add(
                path or f"cell:{a1}",
                "formula_overwritten",
                "error",
                message,
                stated=stated,
                expected=_json(figure),
                where=CellRef(sheet, a1),
                detail={"formula": formula},
            )
        else:
            c.add(
                path or f"cell:{a1}",
                "formula_changed",
                "error",
                VMSG["formula_changed"].format(*_difference(actual, formula), label=label, a1=a1),
                stated=actual if actual.startswith("=") else "=" + actual,
                expected=formula,
                where=CellRef(sheet, a1),
            )
    if lost:
        first = sorted(lost, key=_a1_order)
        shown = "、".join(first[:3]) + ("…" if len(first) > 3 else "")
        c.add(
            "template.formulas",
            "formula_lost",
            "error",
            VMSG["formula_lost"].format(count=len(lost), cells=shown),
            stated=NA_FORMULA,
            where=CellRef(sheet, first[0]),
            detail={"cells": first},
        )
    if unread:
        c.add(
            "template.formulas",
            "formulas_not_checked",
            "notice",
            VMSG["formulas_not_checked"],
            at=("total_score", "project_name"),
        )


def _fmt_any(value: Any) -> str:
    """A stated value in a message: a figure to two decimals, a text in one pair of quotes."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return _fmt(value)
    return f"“{value}”"


# --- Goal tables -------------------------------------------------------------------------

# A target that starts with a comparison is meant to be a number.
_COMPARISON_START: Final = tuple(spelling for spelling, _ in words.OPERATOR_SPELLINGS)
_PLACEHOLDER: Final = re.compile(r"[*＊]{1,}|[×xX]{2,}")


def _level1_key(name: str) -> str:
    return re.sub(r"\s+", "", normalize_text(name))


def current_level1(name: str, profile: Profile) -> str | None:
    """The profile's level-1 category a goal table's level-1 name stands for, or None.

    Exact names first, then the older names of :data:`words.LEGACY_LEVEL1`, then the same
    word with or without the suffix 指标/目标 (``满意度`` → ``满意度指标``).
    """
    key = _level1_key(name)
    if key in profile.framework:
        return key
    if key in words.LEGACY_LEVEL1:
        return words.LEGACY_LEVEL1[key]
    stem = key.removesuffix(words.INDICATOR_SUFFIX).removesuffix(words.GOAL_SUFFIX)
    for category in profile.framework:
        if stem and stem == category.removesuffix(words.INDICATOR_SUFFIX):
            return category
    return None


def _check_goal_table(c: _Collector, record: GoalTable, profile: Profile) -> None:
    if not record.indicators:
        c.add("indicators", "no_indicators", "error", VMSG["goal_no_indicators"], at=("project_name",))
        return
    present: set[str] = set()
    noted: set[str] = set()
    for index, ind in enumerate(record.indicators):
        path = f"indicators[{index}]"
        who = VMSG["who"].format(index=index + 1, name=ind.name)
        level1 = _level1_key(ind.level1)
        category = current_level1(ind.level1, profile)
        if category is not None:
            present.add(category)
        if level1 and level1 not in noted:
            noted.add(level1)
            if category is None and level1 not in words.LEGACY_LEVEL1:
                c.add(
                    f"{path}.level1",
                    "unknown_category",
                    "notice",
                    VMSG["goal_unknown_category"].format(level1=ind.level1, title=profile.title, who=who),
                    stated=ind.level1,
                )
            elif level1 not in profile.framework:
                meaning = VMSG["legacy_means"].format(category=category) if category else VMSG["legacy_no_match"]
                c.add(
                    f"{path}.level1",
                    "legacy_category",
                    "notice",
                    VMSG["legacy_category"].format(level1=ind.level1, meaning=meaning),
                    stated=ind.level1,
                    expected=category,
                )
        if level1 in profile.framework:
            _check_level2(c, path, who, ind, profile.framework[level1])
        if not ind.name.strip():
            c.add(f"{path}.name", "required_field", "error", VMSG["name_missing"].format(index=index + 1))
        _check_goal_target(c, path, who, ind.target)
    for category in profile.goal_required_level1:
        if category not in present:
            c.add(
                "indicators",
                "goal_category_missing",
                "error",
                VMSG["goal_category_missing"].format(category=category, title=profile.title),
                expected=category,
                at=("indicators[0].level1", "indicators[0].name"),
            )


def _check_goal_target(c: _Collector, path: str, who: str, text: str) -> None:
    target = parse_target(text)
    if target.kind is TargetKind.EMPTY:
        c.add(f"{path}.target", "target_missing", "error", VMSG["target_missing"].format(who=who))
        return
    rule: str
    severity: Severity
    if _PLACEHOLDER.search(text):
        rule, severity = "target_placeholder", "error"
    elif target.kind is TargetKind.QUALITATIVE and normalize_text(text).startswith(_COMPARISON_START):
        rule, severity = "target_unparseable", "warning"
    elif target.is_numeric and not target.unit:
        rule, severity = "target_no_unit", "warning"
    else:
        return
    c.add(f"{path}.target", rule, severity, VMSG[rule].format(who=who, text=text.strip()), stated=text)


# --- The monitoring form (issue 17) ---------------------------------------------------------


def _check_monitoring(c: _Collector, record: Monitoring, profile: Profile) -> None:
    """执行率 and 时间进度 recomputed, the progress flag and the lag behind time, forecasts above the
    budget without a note, and the deviation analysis and measures a possibility other than 确定能 needs."""
    result = monitor_form(record, profile)
    n = result.period
    for name in FUND_ROWS:
        row = getattr(record.funds, name)
        path = f"funds.{name}.execution_rate"
        stated, expected = to_decimal(row.execution_rate), result.rates[name]
        if stated is not None and expected is not None and _differs(stated, expected) and not c.uncalculated(path):
            c.add(
                path,
                "monitoring_rate",
                "error",
                MMSG["rate"].format(
                    row=_path_label(f"funds.{name}"),
                    n=n,
                    stated=_fmt(stated),
                    executed=_fmt(to_decimal(row.executed)),
                    budget=_fmt(to_decimal(row.initial_budget)),
                    expected=_fmt(expected),
                ),
                stated=stated,
                expected=expected,
            )
        forecast, budget = to_decimal(row.forecast), to_decimal(row.initial_budget)
        if forecast is not None and budget is not None and forecast - budget > TOLERANCE and not (row.note or "").strip():
            c.add(
                f"funds.{name}.forecast",
                "monitoring_forecast_over_budget",
                "warning",
                MMSG["forecast_over_budget"].format(
                    row=_path_label(f"funds.{name}"), forecast=_fmt(forecast), budget=_fmt(budget)
                ),
                stated=forecast,
                expected=budget,
            )
    stated_time = to_decimal(record.time_progress)
    if stated_time is not None and _differs(stated_time, result.time_progress) and not c.uncalculated("time_progress"):
        c.add(
            "time_progress",
            "monitoring_time_progress",
            "error",
            MMSG["time_progress"].format(stated=_fmt(stated_time), n=n, expected=_fmt(result.time_progress)),
            stated=stated_time,
            expected=result.time_progress,
        )
    flag = (record.progress_flag or "").strip()
    if flag and result.flag and flag != result.flag and not c.uncalculated("progress_flag"):
        c.add(
            "progress_flag",
            "monitoring_flag",
            "error",
            MMSG["flag"].format(
                stated=flag, rate=_fmt(result.rate), time=_fmt(result.time_progress), expected=result.flag
            ),
            stated=flag,
            expected=result.flag,
        )
    if result.lagging and result.gap is not None:
        c.add(
            "funds.total.execution_rate",
            "monitoring_lag",
            "warning",
            MMSG["lag"].format(
                n=n,
                rate=_fmt(result.rate),
                time=_fmt(result.time_progress),
                gap=_fmt(result.gap),
                threshold=_plain(profile.monitoring.lag_threshold),
            ),
            stated=result.rate,
            expected=result.time_progress,
        )
    allowed = profile.monitoring.possibility
    for index, ind in enumerate(record.indicators):
        prefix = f"indicators[{index}]"
        kind = possibility_kind(ind.possibility)
        if kind == "":
            c.add(
                f"{prefix}.possibility",
                "monitoring_possibility_missing",
                "error",
                MMSG["possibility_missing"].format(n=index + 1, name=ind.name),
                at=(f"{prefix}.name",),
            )
            continue
        if kind == "unknown" and ind.possibility.strip() not in allowed:
            c.add(
                f"{prefix}.possibility",
                "monitoring_possibility_unknown",
                "warning",
                MMSG["possibility_unknown"].format(
                    n=index + 1, name=ind.name, possibility=ind.possibility.strip(), allowed=words.LIST_SEPARATOR.join(allowed)
                ),
                stated=ind.possibility,
            )
        if kind == "on_track" or not (kind in ("likely", "impossible") or result.reason_required[index]):
            continue
        missing = []
        if not ind.deviation.strip() and not ind.reasons:
            missing.append(("deviation", MMSG["deviation_or_reasons"]))
        if not ind.measures.strip():
            missing.append(("measures", MMSG["measures"]))
        if missing:
            c.add(
                f"{prefix}.{missing[0][0]}",
                "monitoring_reason_missing",
                "error",
                MMSG["reason_missing"].format(
                    n=index + 1,
                    name=ind.name,
                    possibility=ind.possibility.strip(),
                    missing=MMSG["and"].join(text for _, text in missing),
                ),
                stated=ind.possibility,
                at=(f"{prefix}.possibility",),
            )


def validate_records(records: Iterable[Record], profile: Profile) -> list[Finding]:
    findings: list[Finding] = []
    for record in records:
        findings.extend(validate_record(record, profile))
    return findings


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """The findings as a DataFrame with the fixed columns of :data:`FINDING_COLUMNS`."""
    import pandas as pd  # only for this frame: checking a form (a consolidation's worker) needs no pandas

    rows = [f.to_dict() for f in findings]
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    return frame.astype({"field": "string", "rule": "string", "severity": "string", "message": "string"})


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


# --- Goal drift: a self-evaluation against its project's goal table -----------------------

_F = TypeVar("_F", GoalTable, Monitoring)
_NAME_PUNCTUATION: Final = re.compile(r"[\s\"'“”‘’《》〈〉「」『』()（）\[\]【】·.,，。:：;；、_\-—–/]+")


def project_key(name: str) -> str:
    """A project name folded for matching: full-width forms, spaces and punctuation ignored."""
    return _NAME_PUNCTUATION.sub("", normalize_text(name)).lower()


def indicator_key(name: str) -> str:
    """A level-3 indicator name folded the same way."""
    return project_key(name)


@dataclass(frozen=True)
class GoalMatch:
    """The goal table a self-evaluation is judged against, or why there is none."""

    goal: GoalTable | None
    candidates: tuple[GoalTable, ...] = ()


def _same_project(record: SelfEvaluation | Monitoring, forms: Sequence[_F]) -> tuple[_F, ...]:
    """The forms of the same project: same normalised project name, then the same year
    and the same unit (申报单位 or 实施单位 = 实施单位 or 主管部门) where both forms state them."""
    key = project_key(record.project_name)
    if not key:
        return ()
    same = [g for g in forms if project_key(g.project_name) == key]
    if record.year is not None:
        same = [g for g in same if g.year is None or g.year == record.year]
    units = {project_key(u) for u in (record.implementing_unit, record.department) if u.strip()}
    if len(same) > 1 and units:

        def unit_of(form: GoalTable | Monitoring) -> str:
            return form.applicant_unit if isinstance(form, GoalTable) else form.implementing_unit

        by_unit = [g for g in same if project_key(unit_of(g)) in units]
        same = by_unit or same
    return tuple(same)


def match_goal_table(record: SelfEvaluation | Monitoring, goal_tables: Sequence[GoalTable]) -> GoalMatch:
    """The goal table of the same project (:func:`_same_project`), or the candidates when not one."""
    same = _same_project(record, goal_tables)
    if len(same) == 1:
        return GoalMatch(same[0], same)
    return GoalMatch(None, same)


def _unit_key(unit: str) -> str:
    return re.sub(r"\s+", "", normalize_text(unit))


def _target_change(stated: ParsedTarget, expected: ParsedTarget) -> str | None:
    """``"target"``, ``"unit"`` or None: how a self-evaluation's target departs from the goal's."""
    if stated.is_numeric and expected.is_numeric:
        same_value = (
            stated.kind == expected.kind
            and stated.operator == expected.operator
            and stated.number == expected.number
            and stated.low == expected.low
            and stated.high == expected.high
        )
        if not same_value:
            return "target"
        return None if _unit_key(stated.unit) == _unit_key(expected.unit) else "unit"
    if indicator_key(stated.text) != indicator_key(expected.text):
        return "target"
    return None


def _goal_where(goal: GoalTable | Monitoring, path: str) -> str:
    ref = goal.provenance.cell_of(path)
    return f"{ref.sheet}!{ref.cell}" if ref else ""


def validate_goal_drift(
    self_evaluation: SelfEvaluation | Monitoring, goal_table: GoalTable | Monitoring, *, file: str | None = None
) -> list[Finding]:
    """Indicators dropped from or added to the goal table, targets and units changed.

    Indicators are paired by their level-3 name (folded by :func:`indicator_key`; repeated
    names pair in order).  Findings point at the self-evaluation's cells; a dropped indicator
    is located at the row where it would have been.  The same holds for a monitoring form against its
    goal table, and for a self-evaluation against the project's monitoring return (``goal_table`` a
    :class:`Monitoring`: the indicators and targets it carried at mid-year).
    """
    c = _Collector(self_evaluation, file)
    word, source_word = DRIFT_WORDS[self_evaluation.form], DRIFT_WORDS[goal_table.form]
    se_indicators, goal_indicators = indicators_of(self_evaluation), indicators_of(goal_table)
    goal_name = goal_table.provenance.file or goal_table.project_name
    se_rows: dict[str, list[int]] = {}
    for index, ind in enumerate(se_indicators):
        se_rows.setdefault(indicator_key(ind.name), []).append(index)
    paired: dict[int, int] = {}  # goal index → self-evaluation index
    for g_index, goal in enumerate(goal_indicators):
        rows = se_rows.get(indicator_key(goal.name))
        if rows:
            paired[g_index] = rows.pop(0)
    matched_se = set(paired.values())
    last = len(se_indicators) - 1

    for g_index, goal in enumerate(goal_indicators):
        if g_index in paired:
            continue
        following = [paired[k] for k in range(g_index + 1, len(goal_indicators)) if k in paired]
        near = following[0] if following else last
        where = _goal_where(goal_table, f"indicators[{g_index}].name")
        c.add(
            "indicators",
            "goal_indicator_dropped",
            "error",
            VMSG["goal_indicator_dropped"].format(
                goal_name=goal_name,
                source=source_word,
                form=word,
                where=" " + where if where else "",
                name=goal.name,
                level1=goal.level1,
                level2=goal.level2,
                target=goal.target.strip(),
            ),
            stated=None,
            expected=goal.name,
            at=(f"indicators[{near}].name",) if near >= 0 else None,
        )
    for index, ind in enumerate(se_indicators):
        if index in matched_se:
            continue
        c.add(
            f"indicators[{index}].name",
            "goal_indicator_added",
            "error",
            VMSG["goal_indicator_added"].format(index=index + 1, name=ind.name, goal_name=goal_name, source=source_word, form=word[:2]),
            stated=ind.name,
            expected=None,
        )
    for g_index, index in sorted(paired.items(), key=lambda kv: kv[1]):
        goal, ind = goal_indicators[g_index], se_indicators[index]
        who = VMSG["who"].format(index=index + 1, name=ind.name)
        where = _goal_where(goal_table, f"indicators[{g_index}].target")
        source = VMSG["goal_source"].format(source=source_word, where="（" + where + "）" if where else "")
        change = _target_change(parse_target(ind.target), parse_target(goal.target))
        if change == "target":
            c.add(
                f"indicators[{index}].target",
                "goal_target_changed",
                "error",
                VMSG["goal_target_changed"].format(
                    who=who, target=ind.target.strip(), source=source, target2=goal.target.strip()
                ),
                stated=ind.target,
                expected=goal.target,
            )
        elif change == "unit":
            stated_unit, goal_unit = parse_target(ind.target).unit, parse_target(goal.target).unit
            c.add(
                f"indicators[{index}].target",
                "goal_unit_changed",
                "error",
                VMSG["goal_unit_changed"].format(
                    who=who,
                    stated_unit=stated_unit,
                    source=source,
                    goal_unit=goal_unit,
                    target=ind.target.strip(),
                    target2=goal.target.strip(),
                ),
                stated=ind.target,
                expected=goal.target,
            )
        stated_weight, goal_weight = to_decimal(ind.weight), to_decimal(goal.weight)
        if goal_weight is not None and stated_weight is not None and _differs(stated_weight, goal_weight):
            c.add(
                f"indicators[{index}].weight",
                "goal_weight_changed",
                "warning",
                VMSG["goal_weight_changed"].format(
                    who=who, stated_weight=_fmt(stated_weight), source=source, goal_weight=_fmt(goal_weight)
                ),
                stated=stated_weight,
                expected=goal_weight,
            )
    return sorted(c.findings, key=lambda f: SEVERITY_ORDER[f.severity])


def validate_against_goals(
    record: SelfEvaluation | Monitoring, goal_tables: Sequence[GoalTable], *, file: str | None = None
) -> list[Finding]:
    """Match ``record`` to its goal table among ``goal_tables`` and report the drift.

    No goal table of the same project is a warning (the goal tables given may cover only
    some projects); several equally good ones is a warning naming them.
    """
    match = match_goal_table(record, goal_tables)
    if match.goal is not None:
        return validate_goal_drift(record, match.goal, file=file)
    c = _Collector(record, file)
    if match.candidates:
        names = "、".join(g.provenance.file or g.project_name for g in match.candidates)
        c.add(
            "project_name",
            "goal_ambiguous",
            "warning",
            VMSG["goal_ambiguous"].format(candidates=len(match.candidates), names=names),
            stated=record.project_name,
        )
    else:
        c.add(
            "project_name",
            "goal_missing",
            "warning",
            VMSG["goal_missing"].format(project_name=record.project_name, year=record.year or VMSG["year_missing"]),
            stated=record.project_name,
        )
    return c.findings


# --- The year connected: a self-evaluation against the project's monitoring return (issue 17) ---


def validate_against_monitoring(
    record: SelfEvaluation, returns: Sequence[Monitoring], profile: Profile, *, file: str | None = None
) -> list[Finding]:
    """Drift between the project's monitoring return and its self-evaluation (indicators dropped or
    added, targets changed since mid-year), and an indicator forecast 不可能 at mid-year that the
    self-evaluation scores full marks: a warning.  No monitoring return of the project: nothing
    (monitoring returns may cover some projects only)."""
    same = _same_project(record, returns)
    if len(same) != 1:
        return []
    monitoring = same[0]
    c = _Collector(record, file)
    c.findings.extend(validate_goal_drift(record, monitoring, file=file))
    scored = score_form(record, profile)
    by_name: dict[str, list[int]] = {}
    for index, ind in enumerate(record.indicators):
        by_name.setdefault(indicator_key(ind.name), []).append(index)
    source = monitoring.provenance.file or monitoring.project_name
    for m_index, forecast in enumerate(monitoring.indicators):
        rows = by_name.get(indicator_key(forecast.name))
        if not rows:
            continue
        index = rows.pop(0)
        if possibility_kind(forecast.possibility) != "impossible" or index >= len(scored.indicators):
            continue
        result, ind = scored.indicators[index], record.indicators[index]
        score = to_decimal(ind.score) if ind.score is not None else result.score
        full = result.weight if result.weight is not None else to_decimal(ind.weight)
        if score is None or full is None or score < full - TOLERANCE or full <= ZERO:
            continue
        where = _goal_where(monitoring, f"indicators[{m_index}].possibility")
        c.add(
            f"indicators[{index}].score",
            "monitoring_forecast_impossible",
            "warning",
            MMSG["forecast_impossible"].format(
                n=index + 1,
                name=ind.name,
                source=f"{source} {where}".strip(),
                possibility=forecast.possibility.strip(),
                score=_fmt(score),
            ),
            stated=score,
            expected=forecast.possibility,
            at=(f"indicators[{index}].actual", f"indicators[{index}].name"),
        )
    return sorted(c.findings, key=lambda f: SEVERITY_ORDER[f.severity])
