"""Units people write after a number in a form's number cells, and what each is worth.

One word list for every module that reads or checks an amount typed as text
(``1.42万元``, ``1,420,000元``, ``98%``, ``20分``): the reader converts such a text to the
unit of its column, the validator names the unit in its messages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from sheetperf.vocab import words

#: The units a form's amounts are printed in: 元 (a goal table's budget), 万元 (funds blocks).
YUAN: Final = "元"
WAN_YUAN: Final = "万元"
#: Money units and their value in 元.
MONEY_UNITS: Final[dict[str, Decimal]] = {
    YUAN: Decimal(1),
    "千元": Decimal(1000),
    WAN_YUAN: Decimal(10_000),
    "百万元": Decimal(1_000_000),
    "亿元": Decimal(100_000_000),
}
#: The unit of a rate column (执行率): the percent sign a target is typed with.
PERCENT: Final = words.PERCENT
#: The unit of a weight or score column (分值, 得分).
POINTS: Final = "分"
#: Every unit a number cell may carry, longest first (``万元`` before ``元``).
ALL_UNITS: Final[tuple[str, ...]] = tuple(sorted((*MONEY_UNITS, PERCENT, POINTS), key=len, reverse=True))


def convert(value: Decimal, written: str, column: str) -> Decimal | None:
    """``value`` written in unit ``written`` (empty: none) as a number in the column's unit;
    None when the two units do not convert (``98%`` in a 万元 column)."""
    if not written or written == column:
        return value
    if written in MONEY_UNITS and column in MONEY_UNITS:
        return value * MONEY_UNITS[written] / MONEY_UNITS[column]
    return None


__all__ = ["ALL_UNITS", "MONEY_UNITS", "PERCENT", "POINTS", "WAN_YUAN", "YUAN", "convert"]
