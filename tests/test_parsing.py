from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetperf.rules.parsing import (
    ActualKind,
    Level,
    Operator,
    TargetKind,
    parse_actual,
    parse_level,
    parse_number,
    parse_target,
)

TARGETS = [
    ("=1(场)", TargetKind.QUANTITATIVE, Operator.EQ, "1", "场"),
    (">95(%)", TargetKind.QUANTITATIVE, Operator.GT, "95", "%"),
    ("≥98.00(%)", TargetKind.QUANTITATIVE, Operator.GE, "98.00", "%"),
    (">=90%", TargetKind.QUANTITATIVE, Operator.GE, "90", "%"),
    ("≤5(%)", TargetKind.QUANTITATIVE, Operator.LE, "5", "%"),
    ("＜3", TargetKind.QUANTITATIVE, Operator.LT, "3", ""),
    ("＞＝９０（％）", TargetKind.QUANTITATIVE, Operator.GE, "90", "%"),
    ("=60.00(万元)", TargetKind.QUANTITATIVE, Operator.EQ, "60.00", "万元"),
    (" = 60.00 ( 万元 ) ", TargetKind.QUANTITATIVE, Operator.EQ, "60.00", "万元"),
    ("5,535,000", TargetKind.QUANTITATIVE, Operator.EQ, "5535000", ""),
    ("=10(月)", TargetKind.QUANTITATIVE, Operator.EQ, "10", "月"),
    (">1万字", TargetKind.QUANTITATIVE, Operator.GT, "1", "万字"),
    ("不低于95%", TargetKind.QUANTITATIVE, Operator.GE, "95", "%"),
    ("150-200项", TargetKind.RANGE, Operator.GE, "150", "项"),
    ("5-10次", TargetKind.RANGE, Operator.GE, "5", "次"),
    (">=1次，人数不少于100人", TargetKind.QUALITATIVE, None, None, ""),
    ("≥**人次", TargetKind.QUALITATIVE, None, None, ""),
    ("第三季度", TargetKind.QUALITATIVE, None, None, ""),
    ("12 月", TargetKind.QUALITATIVE, None, None, ""),
    ("合规", TargetKind.QUALITATIVE, None, None, ""),
    ("", TargetKind.EMPTY, None, None, ""),
]


@pytest.mark.parametrize(
    ("text", "kind", "operator", "number", "unit"), TARGETS, ids=[t[0] or "empty" for t in TARGETS]
)
def test_parse_target(text: str, kind: TargetKind, operator: Operator | None, number: str | None, unit: str) -> None:
    parsed = parse_target(text)
    assert parsed.kind is kind
    assert parsed.operator == operator
    assert parsed.number == (Decimal(number) if number is not None else None)
    assert parsed.unit == unit
    assert parsed.text == text


def test_range_bounds() -> None:
    parsed = parse_target("150-200项")
    assert (parsed.low, parsed.high) == (Decimal(150), Decimal(200))


LEVELS = [
    ("达成指标", Level.ACHIEVED),
    ("达成年度指标", Level.ACHIEVED),
    (" 达成 指标 ", Level.ACHIEVED),
    ("部分达成指标并具有一定效果", Level.PARTIAL),
    ("部分达成年度指标并具有一定效果", Level.PARTIAL),
    ("未达成指标且效果较差", Level.NOT_ACHIEVED),
    ("未达成年度指标且效果较差", Level.NOT_ACHIEVED),
    ("完成", None),
    ("98.00(%)", None),
]


@pytest.mark.parametrize(("text", "level"), LEVELS, ids=[t[0] for t in LEVELS])
def test_parse_level(text: str, level: Level | None) -> None:
    assert parse_level(text) is level


ACTUALS = [
    ("98.00(%)", ActualKind.NUMBER, "98.00", "%"),
    ("10.00(人次)", ActualKind.NUMBER, "10.00", "人次"),
    (" 1 0.00 (人次) ", ActualKind.NUMBER, "10.00", "人次"),
    ("１００％", ActualKind.NUMBER, "100", "%"),
    ("达成指标", ActualKind.LEVEL, None, ""),
    ("完成", ActualKind.TEXT, None, ""),
    ("不适用", ActualKind.NOT_APPLICABLE, None, ""),
    ("-", ActualKind.EMPTY, None, ""),
    ("", ActualKind.EMPTY, None, ""),
]


@pytest.mark.parametrize(("text", "kind", "number", "unit"), ACTUALS, ids=[a[0] or "empty" for a in ACTUALS])
def test_parse_actual(text: str, kind: ActualKind, number: str | None, unit: str) -> None:
    parsed = parse_actual(text)
    assert parsed.kind is kind
    assert parsed.number == (Decimal(number) if number is not None else None)
    assert parsed.unit == unit


def test_parse_actual_number_value() -> None:
    assert parse_actual(98.5).number == Decimal("98.5")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.00", "1.00"), (" 5,535,000 ", "5535000"), ("５３５", "535"), ("abc", None), ("", None), ("NaN", None)],
    ids=["plain", "thousands", "full-width", "text", "empty", "nan"],
)
def test_parse_number(text: str, expected: str | None) -> None:
    assert parse_number(text) == (Decimal(expected) if expected is not None else None)


@given(st.text())
def test_parsing_never_raises(text: str) -> None:
    target = parse_target(text)
    actual = parse_actual(text)
    assert target.text == text
    assert actual.text == text
    parse_number(text)
