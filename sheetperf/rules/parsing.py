"""Parsing what people actually type into target and actual cells.

Targets: ``=1(场)``, ``>95(%)``, ``≥98.00(%)``, ``>=90%``, ``≤5(%)``, ``＜3``,
full-width ``（）％＞＝``, ``5,535,000``, ``150-200项``, ``=10(月)``, or plain text.
Actuals: a number with its unit, one of the three achievement levels, or text.

Nothing here raises on any input: what cannot be parsed stays text and is
treated as qualitative.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final


class Operator(StrEnum):
    EQ = "="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="

    @property
    def reverse(self) -> bool:
        """True for ≤ and <: smaller actual values are better."""
        return self in (Operator.LT, Operator.LE)


class TargetKind(StrEnum):
    QUANTITATIVE = "quantitative"
    RANGE = "range"
    QUALITATIVE = "qualitative"
    EMPTY = "empty"


class Level(StrEnum):
    """The three achievement levels of a qualitative indicator."""

    ACHIEVED = "achieved"
    PARTIAL = "partial"
    NOT_ACHIEVED = "not_achieved"


class ActualKind(StrEnum):
    NUMBER = "number"
    LEVEL = "level"
    NOT_APPLICABLE = "not_applicable"
    TEXT = "text"
    EMPTY = "empty"


# Spellings of each operator after NFKC folding; longest first.
_OPERATORS: Final[tuple[tuple[str, Operator], ...]] = (
    (">=", Operator.GE),
    ("=>", Operator.GE),
    ("<=", Operator.LE),
    ("=<", Operator.LE),
    ("==", Operator.EQ),
    ("═", Operator.EQ),  # U+2550, typed for = in Yunnan's forms
    ("≥", Operator.GE),
    ("≧", Operator.GE),
    ("⩾", Operator.GE),
    ("≤", Operator.LE),
    ("≦", Operator.LE),
    ("⩽", Operator.LE),
    ("不低于", Operator.GE),
    ("不少于", Operator.GE),
    ("大于等于", Operator.GE),
    ("大于或等于", Operator.GE),
    ("不高于", Operator.LE),
    ("不超过", Operator.LE),
    ("不多于", Operator.LE),
    ("小于等于", Operator.LE),
    ("小于或等于", Operator.LE),
    ("大于", Operator.GT),
    ("小于", Operator.LT),
    ("低于", Operator.LT),
    ("等于", Operator.EQ),
    (">", Operator.GT),
    ("<", Operator.LT),
    ("=", Operator.EQ),
)

_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_UNIT = r"[^\d\s,，;；、()<>=≥≤]{0,12}?"
_QUANT_RE = re.compile(
    rf"^(?P<num>{_NUMBER})\s*(?:\(\s*(?P<punit>[^()]{{0,16}})\s*\)|(?P<unit>{_UNIT}))\s*(?:以上|以下|以内)?$"
)
_RANGE_RE = re.compile(
    rf"^(?P<low>{_NUMBER})\s*(?P<lunit>%?)\s*(?:-|~|至|到|—|–)\s*(?P<high>{_NUMBER})\s*"
    rf"(?:\(\s*(?P<punit>[^()]{{0,16}})\s*\)|(?P<unit>{_UNIT}))$"
)
_SPACE_RE = re.compile(r"\s+")
_TIME_UNITS: Final[frozenset[str]] = frozenset(
    {"月", "月份", "月底", "月末", "日", "号", "季度", "年", "年底", "周", "月前", "月底前"}
)

# Achievement levels: variants people type, checked most specific first.
_LEVEL_PATTERNS: Final[tuple[tuple[re.Pattern[str], Level], ...]] = (
    (re.compile(r"^未(?:能)?(?:完全)?达成"), Level.NOT_ACHIEVED),
    (re.compile(r"^未达到"), Level.NOT_ACHIEVED),
    (re.compile(r"^部分达成"), Level.PARTIAL),
    (re.compile(r"^部分达到"), Level.PARTIAL),
    (re.compile(r"^(?:已)?达成(?:年度|预期)?(?:指标|目标)?$"), Level.ACHIEVED),
    (re.compile(r"^(?:已)?(?:全部)?达到(?:年度|预期)?(?:指标|目标)?$"), Level.ACHIEVED),
)
_NOT_APPLICABLE: Final[frozenset[str]] = frozenset({"不适用", "不涉及", "无此项", "n/a", "na", "N/A"})

#: The official wording of each level, as the dropdown of a template offers it.
LEVEL_TEXT: Final[dict[Level, str]] = {
    Level.ACHIEVED: "达成指标",
    Level.PARTIAL: "部分达成指标并具有一定效果",
    Level.NOT_ACHIEVED: "未达成指标且效果较差",
}


def normalize_text(value: Any) -> str:
    """Fold full-width forms, strip spaces and stray whitespace.

    NFKC turns ``（）％＞＝１２`` into their ASCII forms; spaces inside numbers and
    around operators carry no meaning in these forms.
    """
    if value is None:
        return ""
    return _normalized(value if type(value) is str else str(value))


# The texts of a batch recur (labels, units, 是/否, the same targets in every copy of a
# form): the pure parsers below remember them.  Their results are immutable.
_CACHED: Final = 1 << 15


@lru_cache(maxsize=_CACHED)
def _normalized(text: str) -> str:
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def _compact(text: str) -> str:
    return _SPACE_RE.sub("", text)


@lru_cache(maxsize=_CACHED)
def to_decimal(text: str) -> Decimal | None:
    """A number as people write it (``5,535,000``, `` 98.5 ``), or None."""
    cleaned = _compact(normalize_text(text)).replace(",", "")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


@dataclass(frozen=True)
class ParsedTarget:
    text: str
    kind: TargetKind
    operator: Operator | None = None
    number: Decimal | None = None
    unit: str = ""
    low: Decimal | None = None
    high: Decimal | None = None

    @property
    def reverse(self) -> bool:
        return self.operator is not None and self.operator.reverse

    @property
    def is_numeric(self) -> bool:
        return self.kind in (TargetKind.QUANTITATIVE, TargetKind.RANGE)


@dataclass(frozen=True)
class ParsedActual:
    text: str
    kind: ActualKind
    number: Decimal | None = None
    unit: str = ""
    level: Level | None = None


def _split_operator(text: str) -> tuple[Operator | None, str]:
    for spelling, operator in _OPERATORS:
        if text.startswith(spelling):
            return operator, text[len(spelling) :].strip()
    return None, text


def parse_operator(value: Any) -> Operator | None:
    """The comparison a cell holds on its own (``≥``, ``大于等于``), or None (``定性``)."""
    operator, rest = _split_operator(_compact(normalize_text(value)))
    return operator if operator is not None and not rest else None


def _unit(match: re.Match[str]) -> str:
    unit = match.group("punit")
    if unit is None:
        unit = match.group("unit") or ""
    return unit.strip()


def parse_target(value: Any) -> ParsedTarget:
    """Parse a 年度指标值; never raises."""
    return _parse_target("" if value is None else value if type(value) is str else str(value))


@lru_cache(maxsize=_CACHED)
def _parse_target(raw: str) -> ParsedTarget:
    text = normalize_text(raw)
    if not text:
        return ParsedTarget(raw, TargetKind.EMPTY)
    operator, rest = _split_operator(text)
    rest_compact = _compact(rest)
    match = _QUANT_RE.match(rest_compact)
    if match:
        number = to_decimal(match.group("num"))
        if number is not None:
            unit = _unit(match)
            # "12 月" with no operator is a date, scored as a qualitative target.
            if operator is not None or unit not in _TIME_UNITS:
                return ParsedTarget(raw, TargetKind.QUANTITATIVE, operator or Operator.EQ, number, unit)
    if operator is None:
        match = _RANGE_RE.match(rest_compact)
        if match:
            low, high = to_decimal(match.group("low")), to_decimal(match.group("high"))
            if low is not None and high is not None and low <= high:
                unit = _unit(match) or match.group("lunit")
                return ParsedTarget(raw, TargetKind.RANGE, Operator.GE, low, unit, low, high)
    return ParsedTarget(raw, TargetKind.QUALITATIVE)


def parse_level(value: Any) -> Level | None:
    """The achievement level named by a text, or None."""
    text = _compact(normalize_text(value))
    for pattern, level in _LEVEL_PATTERNS:
        if pattern.search(text):
            return level
    return None


def parse_actual(value: Any) -> ParsedActual:
    """Parse a 实际完成值; never raises."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raw = repr(value)
        number = to_decimal(raw)
        if number is not None:
            return ParsedActual(raw, ActualKind.NUMBER, number)
    return _parse_actual_text("" if value is None else value if type(value) is str else str(value))


@lru_cache(maxsize=_CACHED)
def _parse_actual_text(raw: str) -> ParsedActual:
    text = normalize_text(raw)
    compact = _compact(text)
    if not compact or compact in {"-", "—", "/"}:
        return ParsedActual(raw, ActualKind.EMPTY)
    if compact in _NOT_APPLICABLE:
        return ParsedActual(raw, ActualKind.NOT_APPLICABLE)
    level = parse_level(compact)
    if level is not None:
        return ParsedActual(raw, ActualKind.LEVEL, level=level)
    _, rest = _split_operator(compact)
    match = _QUANT_RE.match(rest)
    if match:
        number = to_decimal(match.group("num"))
        if number is not None:
            return ParsedActual(raw, ActualKind.NUMBER, number, _unit(match))
    return ParsedActual(raw, ActualKind.TEXT)


def parse_number(value: Any) -> Decimal | None:
    """A plain amount or weight (``1.00``, ``５,５３５,０００``, `` 4 ``); None when not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return to_decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return to_decimal("" if value is None else str(value))
