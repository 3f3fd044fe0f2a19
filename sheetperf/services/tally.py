"""Money and scores summed over projects: one accumulator for 总览 and 主管部门统计.

The execution rate of a group is that of its sums, over the projects that state both the
budget and the executed amount; the average is of the recomputed totals that exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


def decimal_of(value: Any) -> Decimal | None:
    """A figure of a summary row as an exact decimal (its shortest repr), None when no number."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value if isinstance(value, Decimal) else Decimal(repr(value))
    return None


@dataclass
class Tally:
    budget: Decimal = Decimal(0)
    executed: Decimal = Decimal(0)
    rate_budget: Decimal = Decimal(0)
    rate_executed: Decimal = Decimal(0)
    score_sum: Decimal = Decimal(0)
    scored: int = 0

    def add(self, budget: Any, executed: Any, score: Any) -> None:
        """One project's 全年预算数, 全年执行数 and recomputed total (numbers or None)."""
        b, e, s = decimal_of(budget), decimal_of(executed), decimal_of(score)
        if b is not None:
            self.budget += b
        if e is not None:
            self.executed += e
        if b is not None and e is not None:
            self.rate_budget += b
            self.rate_executed += e
        if s is not None:
            self.score_sum += s
            self.scored += 1

    def execution_rate(self) -> Decimal | None:
        from sheetperf.rules.scoring import execution_rate

        return execution_rate(self.rate_executed, self.rate_budget) if self.rate_budget else None

    def average_score(self) -> Decimal | None:
        from sheetperf.rules.scoring import excel_round

        return excel_round(self.score_sum / self.scored) if self.scored else None


__all__ = ["Tally", "decimal_of"]
