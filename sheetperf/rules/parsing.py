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
from typing import Any, Final

from sheetperf.model.memo import BatchCache, Memo
from sheetperf.vocab import words


class Operator(StrEnum):
    EQ = words.EQ
    GT = words.GT
    GE = words.GE
    LT = words.LT
    LE = words.LE

    @property
    def reverse(self) -> bool:
        """True for ≤ and <: smaller actual values are better."""
        return self.value in words.REVERSE_OPERATORS


class TargetKind(StrEnum):
    QUANTITATIVE = "quantitative"
    RANGE = "range"
    QUALITATIVE = "qualitative"
    EMPTY = "empty"


class Level(StrEnum):
    """The three achievement levels of a qualitative indicator."""

    ACHIEVED = words.ACHIEVED
    PARTIAL = words.PARTIAL
    NOT_ACHIEVED = words.NOT_ACHIEVED


class ActualKind(StrEnum):
    NUMBER = "number"
    LEVEL = "level"
    NOT_APPLICABLE = "not_applicable"
    TEXT = "text"
    EMPTY = "empty"


#: Codes of each kind of target and actual in the sheet's helper columns (``t_kind``,
#: ``a_kind``); the declared rules (:mod:`sheetperf.rules.rulebook`) compare with them.
TARGET_CODES: Final[dict[TargetKind, str]] = {
    TargetKind.QUANTITATIVE: "Q",
    TargetKind.RANGE: "R",
    TargetKind.QUALITATIVE: "L",
    TargetKind.EMPTY: "",
}
ACTUAL_CODES: Final[dict[ActualKind, str]] = {
    ActualKind.NUMBER: "N",
    ActualKind.NOT_APPLICABLE: "NA",
    ActualKind.TEXT: "T",
    ActualKind.EMPTY: "E",
}
LEVEL_CODES: Final[dict[Level, str]] = {Level.ACHIEVED: "A", Level.PARTIAL: "P", Level.NOT_ACHIEVED: "X"}

# Spellings of each operator after NFKC folding, in the order they are tried.
_OPERATORS: Final[tuple[tuple[str, Operator], ...]] = tuple((s, Operator(op)) for s, op in words.OPERATOR_SPELLINGS)


def _chars(text: str) -> str:
    """``text`` as the members of a regular-expression character class."""
    return "".join(re.escape(ch) for ch in text)


def _either(options: tuple[str, ...]) -> str:
    return "(?:" + "|".join(re.escape(o) for o in options) + ")"


_NUMBER = rf"[{_chars(''.join(words.SIGNS))}]?(?:\d{{1,3}}(?:{re.escape(words.THOUSANDS_SEPARATOR)}\d{{3}})+|\d+)(?:{re.escape(words.DECIMAL_POINT)}\d+)?"
_UNIT = rf"[^\d\s{_chars(words.UNIT_EXCLUDED)}]{{0,{words.MAX_BARE_UNIT}}}?"
_OPEN, _CLOSE = re.escape(words.UNIT_OPEN), re.escape(words.UNIT_CLOSE)
_BRACKET_UNIT = rf"{_OPEN}\s*(?P<punit>[^{_chars(words.UNIT_OPEN + words.UNIT_CLOSE)}]{{0,{words.MAX_BRACKET_UNIT}}})\s*{_CLOSE}"
_QUANT_RE = re.compile(rf"^(?P<num>{_NUMBER})\s*(?:{_BRACKET_UNIT}|(?P<unit>{_UNIT}))\s*{_either(words.SUFFIXES)}?$")
_RANGE_RE = re.compile(
    rf"^(?P<low>{_NUMBER})\s*(?P<lunit>{re.escape(words.PERCENT)}?)\s*{_either(words.RANGE_SEPARATORS)}\s*(?P<high>{_NUMBER})\s*"
    rf"(?:{_BRACKET_UNIT}|(?P<unit>{_UNIT}))$"
)
_SPACE_RE = re.compile(r"\s+")
_TIME_UNITS: Final[frozenset[str]] = frozenset(words.TIME_UNITS)
_EMPTY_MARKS: Final[frozenset[str]] = frozenset(words.EMPTY_MARKS)
_NOT_APPLICABLE: Final[frozenset[str]] = frozenset(words.NOT_APPLICABLE_WORDS)
_ACHIEVED: Final[frozenset[str]] = frozenset(words.ACHIEVED_SPELLINGS)

#: The official wording of each level, as the dropdown of a template offers it.
LEVEL_TEXT: Final[dict[Level, str]] = {Level(key): text for key, text in words.LEVEL_OFFICIAL.items()}


def normalize_text(value: Any) -> str:
    """Fold full-width forms, strip spaces and stray whitespace.

    NFKC turns ``（）％＞＝１２`` into their ASCII forms; spaces inside numbers and
    around operators carry no meaning in these forms.
    """
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    return _SPACE_RE.sub(words.SPACE, unicodedata.normalize("NFKC", text)).strip()


def _compact(text: str) -> str:
    return _SPACE_RE.sub("", text)


def to_decimal(text: str) -> Decimal | None:
    """A number as people write it (``5,535,000``, `` 98.5 ``), or None."""
    cleaned = _compact(normalize_text(text)).replace(words.THOUSANDS_SEPARATOR, "")
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
    """The achievement level named by a text, or None (not achieved first, then partly, then achieved)."""
    text = _compact(normalize_text(value))
    if text.startswith(words.NOT_ACHIEVED_PREFIXES):
        return Level.NOT_ACHIEVED
    if text.startswith(words.PARTIAL_PREFIXES):
        return Level.PARTIAL
    if text in _ACHIEVED:
        return Level.ACHIEVED
    return None


def actual_code(actual: ParsedActual) -> str:
    """The ``a_kind`` code of a parsed actual: a level's own code, else its kind's."""
    if actual.kind is ActualKind.LEVEL and actual.level is not None:
        return LEVEL_CODES[actual.level]
    return ACTUAL_CODES[actual.kind]


def parse_actual(value: Any) -> ParsedActual:
    """Parse a 实际完成值; never raises."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raw = repr(value)
        number = to_decimal(raw)
        if number is not None:
            return ParsedActual(raw, ActualKind.NUMBER, number)
    return _parse_actual_text("" if value is None else value if type(value) is str else str(value))


def _parse_actual_text(raw: str) -> ParsedActual:
    text = normalize_text(raw)
    compact = _compact(text)
    if compact in _EMPTY_MARKS:
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


class ParseMemory:
    """The parsed targets and actuals of a batch, a :class:`~sheetperf.model.memo.BatchCache` part.

    The texts of a batch recur (是/否, 100%, the same targets in every copy of a form), and
    scoring and validation parse each several times; the results are immutable.
    """

    __slots__ = ("actuals", "targets")

    LIMIT: Final = 1 << 15

    def __init__(self) -> None:
        self.targets: Memo[object, ParsedTarget] = Memo(self.LIMIT)
        self.actuals: Memo[object, ParsedActual] = Memo(self.LIMIT)

    def target(self, value: Any) -> ParsedTarget:
        """:func:`parse_target`, remembered."""
        key = (type(value), value)
        found = self.targets.get(key)
        return found if found is not None else self.targets.put(key, parse_target(value))

    def actual(self, value: Any) -> ParsedActual:
        """:func:`parse_actual`, remembered (keyed by type too: ``1`` and ``True`` differ)."""
        key = (type(value), value)
        found = self.actuals.get(key)
        return found if found is not None else self.actuals.put(key, parse_actual(value))


def parse_memory(cache: BatchCache | None) -> ParseMemory:
    """The batch's :class:`ParseMemory`, or a fresh one for a single form."""
    return cache.part(ParseMemory) if cache is not None else ParseMemory()
