"""Plain-text views for the terminal: tables of scores and findings, in Chinese."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sheetperf.model.finding import Finding
from sheetperf.rules.parsing import Level
from sheetperf.rules.profiles import Profile
from sheetperf.rules.scoring import FormScore
from sheetperf.vocab.labels import (
    BRACKETED,
    CLI_MESSAGES,
    INSTRUCTION_PARTS,
    LABELLED,
    PROFILE_LABELS,
    PROFILE_VALUES,
    SEVERITY_LABELS,
    TABLE_HEADERS,
)
from sheetperf.vocab.text import display_width, text_table


def _num(value: object, places: int = 2) -> str:
    return "" if value is None else f"{value:.{places}f}" if not isinstance(value, str) else value


def score_table(result: FormScore) -> str:
    """One form's recomputed figures (scores in the profile's decimals, weights and rates in two)."""
    h, d = TABLE_HEADERS, result.decimals
    rows: list[list[Any]] = [[h["budget"], _num(result.budget_weight), _num(result.budget_score, d)]]
    for ind in result.indicators:
        score = h["not_applicable"] if ind.rule.value == "not_applicable" else _num(ind.score, d)
        if ind.score is None and ind.reason:
            score = BRACKETED.format(text="—", detail=ind.reason)
        rows.append([ind.name, _num(ind.weight), score])
    rows.append([h["total"], _num(result.total_weight), _num(result.total_score, d)])
    head = (
        LABELLED.format(label=h["project"], text=result.project_name)
        + "\n"
        + LABELLED.format(label=h["execution_rate"], text=f"{_num(result.execution_rate)}%")
        + "    "
        + LABELLED.format(label=h["grade"], text=result.grade)
        + "\n"
    )
    return head + text_table([h["item"], h["weight"], h["score"]], rows, right=(1, 2))


def findings_table(findings: Sequence[Finding]) -> str:
    h = TABLE_HEADERS
    rows = [
        [
            SEVERITY_LABELS[f.severity],
            f"{f.sheet}!{f.cell}" if f.sheet and f.cell else f.field,
            f.rule,
            f.message,
        ]
        for f in findings
    ]
    return text_table([h["severity"], h["location"], h["rule"], h["message"]], rows)


def findings_summary(findings: Sequence[Finding]) -> str:
    return severity_counts(Counter(f.severity for f in findings))


def severity_counts(counts: Mapping[str, int]) -> str:
    """错误 N 项，警告 N 项，提示 N 项: every severity, in its order, zeros included."""
    return CLI_MESSAGES["findings_count_sep"].join(
        CLI_MESSAGES["findings_count"].format(severity=label, count=counts.get(key, 0))
        for key, label in SEVERITY_LABELS.items()
    )


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def profile_settings(profile: Profile) -> list[tuple[str, list[str]]]:
    """Every setting of a profile as (Chinese label, lines of its value), in the order of a profile file."""
    v, parts = PROFILE_VALUES, INSTRUCTION_PARTS
    pts = v["points"]
    watch = profile.monitoring

    def band(level: Level) -> str:
        b = profile.bands[level]
        shown = parts["band_inclusive" if b.high_inclusive else "band_exclusive"].format(
            low=_plain(b.low), high=_plain(b.high)
        )
        return v["band"].format(band=shown, default=_plain(b.default))

    rule = profile.over_target
    out: list[tuple[str, list[str]]] = [
        ("name", [profile.name]),
        ("title", [profile.title]),
        ("source", [profile.source]),
        ("inherits", [v["list_sep"].join(profile.inherits) or v["none"]]),
        ("budget_weight", [pts.format(value=_plain(profile.budget_weight))]),
        ("indicator_weight", [pts.format(value=_plain(profile.indicator_weight))]),
        ("total_weight", [pts.format(value=_plain(profile.total_weight))]),
        (
            "level1_split",
            [v["sep"].join(f"{k} {_plain(w)}" for k, w in profile.level1_split.items()) or v["none"]],
        ),
        (
            "decimals",
            [v["decimals"].format(value=profile.decimals, example=v[f"decimals_example_{profile.decimals}"])],
        ),
        ("reverse_rule", [v[f"reverse_{profile.reverse_rule}"]]),
        ("over_completion_ratio", [v["over_completion"].format(ratio=_plain(profile.over_completion_ratio))]),
        (
            "over_target",
            [v["over_target"].format(ratio=_plain(rule.ratio), deduct=_plain(rule.deduct)) if rule else v["off"]],
        ),
        (
            "budget_deviation_below",
            [
                v["budget_deviation"].format(value=_plain(profile.budget_deviation_below))
                if profile.budget_deviation_below > 0
                else v["off"]
            ],
        ),
        ("rescale_not_applicable", [v["rescale_on" if profile.rescale_not_applicable else "rescale_off"]]),
        *((f"qualitative.{level.value}", [band(level)]) for level in Level),
        (
            "total_caps",
            [v["cap"].format(below=_plain(c.below), max=_plain(c.max)) for c in profile.total_caps] or [v["off"]],
        ),
        ("grades", [v["sep"].join(v["grade"].format(name=g.name, min=_plain(g.min)) for g in profile.grades)]),
        (
            "framework",
            [v["category"].format(level1=k, level2=v["list_sep"].join(c)) for k, c in profile.framework.items()],
        ),
        ("goal_table", [v["list_sep"].join(profile.goal_required_level1) or v["none"]]),
        (
            "monitoring.period",
            [v["period"].format(n=watch.period, time=_plain((Decimal(watch.period) * 100 / 12).quantize(Decimal("0.01"))))],
        ),
        ("monitoring.lag_threshold", [v["lag_threshold"].format(value=_plain(watch.lag_threshold))]),
        ("monitoring.possibility", [v["list_sep"].join(watch.possibility)]),
        ("monitoring.reasons", [v["list_sep"].join(watch.reasons)]),
    ]
    return [(PROFILE_LABELS[key], lines) for key, lines in out]


def profile_text(profile: Profile) -> str:
    """``sheetperf profiles show``: one setting a line, values aligned after the labels."""
    settings = profile_settings(profile)
    width = max(display_width(label) for label, _ in settings)
    lines = []
    for label, values in settings:
        for n, value in enumerate(values):
            shown = label if n == 0 else ""
            lines.append(shown + " " * (width - display_width(shown) + 2) + value)
    return "\n".join(lines)
