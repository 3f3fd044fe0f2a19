"""The monitoring form's declared rules (:func:`sheetperf.rules.rulebook.monitoring_rules`) evaluated for a record.

The template's formulas are the same declarations rendered for Excel
(:mod:`sheetperf.forms.formulas`), so what this module computes is what LibreOffice, Excel or WPS
show in a monitoring template: each funding row's 1–N月执行率, the 时间进度 of the period, the
进度预警 flag, and which indicators need a deviation analysis and measures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sheetperf.model.record import FUND_ROWS, Monitoring
from sheetperf.rules import rulebook as rb
from sheetperf.rules.expr import Value, evaluate
from sheetperf.rules.parsing import normalize_text, parse_number
from sheetperf.rules.profiles import Profile
from sheetperf.vocab import words


@dataclass(frozen=True)
class MonitoringResult:
    """What a monitoring form's formulas compute."""

    #: 1–N月执行率 of each funding row (None without amounts).
    rates: dict[str, Decimal | None]
    period: int
    time_progress: Decimal
    #: True when the total row's rate trails the time by more than the threshold; None when unknown.
    lagging: bool | None
    #: 滞后 / 正常, "" when unknown.
    flag: str
    #: Per indicator: the chosen possibility needs the deviation analysis and the measures.
    reason_required: tuple[bool, ...]

    @property
    def rate(self) -> Decimal | None:
        """The total row's rate."""
        return self.rates.get("total")

    @property
    def gap(self) -> Decimal | None:
        """Percentage points the rate trails the time (negative: ahead)."""
        return None if self.rate is None else self.time_progress - self.rate


def _number(value: Value) -> Decimal | None:
    return value if isinstance(value, Decimal) else None


def possibility_kind(text: str) -> str:
    """``on_track`` / ``likely`` / ``impossible`` / ``""`` (empty) / ``unknown`` for a 完成目标可能性 as written."""
    word = normalize_text(text).replace(" ", "")
    if not word:
        return ""
    for kind, spellings in (
        ("impossible", words.POSSIBILITY_IMPOSSIBLE),
        ("likely", words.POSSIBILITY_LIKELY),
        ("on_track", words.POSSIBILITY_ON_TRACK),
    ):
        if word in spellings:
            return kind
    return "unknown"


def period_of(record: Monitoring, profile: Profile) -> int:
    """The months the form reports on: the form's own, else the profile's."""
    return record.period if record.period is not None else profile.monitoring.period


def monitor_form(record: Monitoring, profile: Profile) -> MonitoringResult:
    """Evaluate the monitoring rules for ``record`` under ``profile``."""
    rules = rb.monitoring_rules(profile)
    rates: dict[str, Decimal | None] = {}
    for name in FUND_ROWS:
        row = getattr(record.funds, name)
        env = {rb.EXECUTED: parse_number(row.executed), rb.BUDGET: parse_number(row.initial_budget)}
        rates[name] = _number(evaluate(rules.execution_rate, env))
    period = period_of(record, profile)
    time = _number(evaluate(rules.time_progress, {rb.PERIOD: Decimal(period)}))
    assert time is not None
    env2 = {rb.RATE: rates["total"], rb.TIME_PROGRESS: time}
    lag = evaluate(rules.lag, env2)
    flag = evaluate(rules.flag, env2)
    required = tuple(
        evaluate(rules.reason_required, {rb.POSSIBILITY: ind.possibility.strip()}) == Decimal(1)
        for ind in record.indicators
    )
    return MonitoringResult(
        rates=rates,
        period=period,
        time_progress=time,
        lagging=None if not isinstance(lag, Decimal) else lag == 1,
        flag=flag if isinstance(flag, str) else "",
        reason_required=required,
    )


__all__ = ["MonitoringResult", "monitor_form", "period_of", "possibility_kind"]
