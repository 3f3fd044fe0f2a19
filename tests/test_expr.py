"""The rule language: Excel's semantics in Python, portable formula text, and the two agreeing.

The agreement is checked without LibreOffice: an expression is evaluated by
:func:`sheetperf.rules.expr.evaluate` (decimal) and, rendered to formula text, by the
floating-point interpreter of tests/formula_interp.py, for generated expressions and for
every declared rule of every profile with generated inputs.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from formula_interp import BLANK as I_BLANK
from formula_interp import Err, evaluate_formula
from sheetperf.errors import SpecError
from sheetperf.rules import expr as x
from sheetperf.rules import rulebook as rb
from sheetperf.rules.expr import (
    AND,
    COUNT,
    EMPTY,
    IF,
    ISERROR,
    ISNUMBER,
    MAX,
    MIN,
    NOT,
    OR,
    ROUND,
    SUM,
    SUMIF,
    Call,
    Expr,
    N,
    cells,
    check_portable,
    eq,
    evaluate,
    ge,
    gt,
    le,
    lt,
    ne,
    ref,
    to_formula,
)
from sheetperf.rules.profiles import available_profiles, get_profile

D = Decimal


# --- Excel's semantics in Python -------------------------------------------------------------------

SEMANTICS = [
    (x.Num(D(1)) / 0, {}, x.DIV0),
    (ref("a") / ref("b"), {"a": D(3), "b": None}, x.DIV0),  # an empty cell is 0
    (ref("a") + 1, {"a": None}, D(1)),
    (ref("a") + 1, {"a": "2"}, D(3)),  # numeric text converts
    (ref("a") + 1, {"a": "abc"}, x.VALUE_ERROR),
    (EMPTY + 1, {}, x.VALUE_ERROR),  # "" is text, not 0
    (ISNUMBER(EMPTY), {}, False),
    (ISNUMBER(ref("a")), {"a": None}, False),
    (ISERROR(x.Num(D(1)) / 0), {}, True),
    (IF(gt(1, 0), 5, x.Num(D(1)) / 0), {}, D(5)),  # the branch not taken is not evaluated
    (IF(gt(0, 1), 5, x.Num(D(1)) / 0), {}, x.DIV0),
    (ROUND(D("2.675"), 2), {}, D("2.68")),  # half away from zero
    (ROUND(D("-2.675"), 2), {}, D("-2.68")),
    (ROUND(D("16.2") / 20 * D("4.5"), 2), {}, D("3.65")),
    (ROUND(D("0.0049999999999999999"), 2), {}, D("0.01")),  # 15 significant digits first
    (ROUND(D("1.25"), 1), {}, D("1.3")),
    (ROUND(D("2.5"), 0), {}, D("3")),
    (eq(x.Num(D(1)) / 3 * 3, 1), {}, True),  # numbers within 2^-48 compare equal, as in Excel
    (eq("ab", "AB"), {}, True),  # text compares without case
    (gt("a", 5), {}, True),  # text sorts after numbers
    (eq(ref("a"), ""), {"a": None}, True),  # an empty cell equals ""
    (eq(ref("a"), 0), {"a": None}, True),  # and 0
    (SUM(cells("r")), {"r": [D(1), "x", None, True, D(2)]}, D(3)),  # a range: numbers only
    (COUNT(cells("r")), {"r": [D(1), "x", None, D(2)]}, D(2)),
    (COUNT(ref("a"), cells("r")), {"a": "", "r": [D(1)]}, D(1)),  # referenced text is not counted
    (MIN(ref("a"), 5), {"a": None}, D(5)),  # a referenced empty cell is skipped
    (MAX(cells("r")), {"r": ["x", None]}, D(0)),
    (SUMIF(cells("k"), 1, cells("r")), {"k": [D(1), D(0), D(1)], "r": [D(2), D(3), D(4)]}, D(6)),
    (N(ref("a")), {"a": "text"}, D(0)),
    (AND(ref("a"), True), {"a": "text"}, True),  # referenced text is skipped by AND
    (AND(EMPTY, True), {}, x.VALUE_ERROR),  # computed text is not
    (NOT(ref("a")), {"a": None}, True),
    (-ref("a"), {"a": D(2)}, D(-2)),
    (ref("a"), {"a": None}, D(0)),  # a formula showing an empty cell shows 0
]


@pytest.mark.parametrize(("rule", "env", "expected"), SEMANTICS, ids=[str(i) for i in range(len(SEMANTICS))])
def test_python_evaluation_follows_excel(rule: Expr, env: dict[str, Any], expected: Any) -> None:
    got = evaluate(rule, env)
    assert type(got) is type(expected) and got == expected
    # ... and the interpreter, reading the rendered text, agrees.
    refs = {"a": "A1", "b": "B1", "r": "C1:C5", "k": "D1:D5"}
    assert same_value(got, interpret(rule, env, refs)), to_formula(rule, refs)


# --- Rendering -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (ref("a") - (ref("b") - ref("c")), "=A1-(B1-C1)"),
        ((ref("a") - ref("b")) - ref("c"), "=A1-B1-C1"),
        (ref("a") / (ref("b") * ref("c")), "=A1/(B1*C1)"),
        ((ref("a") + ref("b")) * ref("c"), "=(A1+B1)*C1"),
        (ref("a") * -1, "=A1*(-1)"),
        (-(ref("a") + ref("b")), "=-(A1+B1)"),
        (eq(ref("a") + 1, ref("b")), "=A1+1=B1"),
        (IF(ge(ref("a"), D("1.50")), 'say "hi"', EMPTY), '=IF(A1>=1.5,"say ""hi""","")'),
    ],
    ids=["minus-right", "minus-left", "div-right", "sum-times", "negative-literal", "negate", "compare", "quote"],
)
def test_rendering_keeps_meaning(rule: Expr, text: str) -> None:
    assert to_formula(rule, {"a": "A1", "b": "B1", "c": "C1"}) == text


@pytest.mark.parametrize("function", ["IFERROR", "IFS", "SWITCH", "TEXTJOIN", "CONCAT", "XLOOKUP", "LET", "NA"])
def test_functions_outside_the_whitelist_are_refused(function: str) -> None:
    with pytest.raises(SpecError, match=function):
        to_formula(Call(function, (ref("a"),)), {"a": "A1"})
    with pytest.raises(SpecError, match=function):
        check_portable(f"=IF(A1>0,{function}(A1,0),0)")
    check_portable('=IF(A1>0,"IFERROR(",0)')  # inside a text literal it is text


def test_an_input_without_a_cell_is_refused() -> None:
    with pytest.raises(SpecError, match="missing"):
        to_formula(ref("missing") + 1, {})


# --- Python and the formula text agree on generated expressions -----------------------------------

INPUTS = ("a", "b", "c", "d")
REFS = {"a": "A1", "b": "B1", "c": "C1", "d": "D1", "r": "E1:E4"}
NUMBERS = [D(v) for v in ("0", "1", "2", "2.5", "0.1", "0.3", "3", "100", "7.25", "-4", "1.005", "2.675", "0.2")]
VALUES: list[Any] = [*NUMBERS, None, "", "x", "3", True, False]

numbers = st.sampled_from(NUMBERS).map(lambda v: x.Num(v))
inputs = st.sampled_from(INPUTS).map(ref)
texts = st.sampled_from(["", "a", "A", "3"]).map(lambda v: x.Text(v))


def _number_expr(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), children, children).map(lambda t: x.Op(t[0], t[1], t[2])),
        children.map(lambda e: -e),
        st.lists(children, min_size=1, max_size=3).map(lambda a: MIN(*a)),
        st.lists(children, min_size=1, max_size=3).map(lambda a: MAX(*a)),
        st.tuples(children, st.integers(0, 2)).map(lambda t: ROUND(t[0], t[1])),
        st.tuples(_logical(children), children, children).map(lambda t: IF(*t)),
        children.map(N),
        st.just(SUM(cells("r"))),
        st.just(COUNT(cells("r"))),
    )


def _logical(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    comparisons = st.tuples(st.sampled_from([eq, ne, lt, le, gt, ge]), children, children).map(lambda t: t[0](t[1], t[2]))
    return st.one_of(comparisons, children.map(ISNUMBER), children.map(ISERROR))


expressions = st.recursive(
    st.one_of(numbers, inputs, texts),
    lambda children: st.one_of(
        _number_expr(children),
        _logical(children),
        st.lists(_logical(children), min_size=1, max_size=3).map(lambda a: AND(*a)),
        st.lists(_logical(children), min_size=1, max_size=3).map(lambda a: OR(*a)),
        _logical(children).map(NOT),
    ),
    max_leaves=12,
)
environments = st.fixed_dictionaries(
    {name: st.sampled_from(VALUES) for name in INPUTS}
    | {"r": st.lists(st.sampled_from([*NUMBERS, None, "x"]), min_size=4, max_size=4)}
)


def _cell(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def interpret(rule: Expr, env: dict[str, Any], refs: dict[str, str]) -> Any:
    """The rendered formula, computed by the interpreter over cells holding ``env``."""
    cells_: dict[str, Any] = {}
    for name, ref_ in refs.items():
        value = env.get(name)
        if ":" in ref_:
            column, first = ref_[0], int(ref_.split(":")[0][1:])
            for i, v in enumerate(value or []):
                cells_[f"{column}{first + i}"] = _cell(v)
        else:
            cells_[ref_] = _cell(value)
    return evaluate_formula(to_formula(rule, refs), cells_)


def same_value(python: Any, sheet: Any) -> bool:
    if isinstance(python, x.XlError):
        return isinstance(sheet, Err) and sheet.code == python.code
    if isinstance(python, bool) or isinstance(sheet, bool):
        return python is sheet
    if isinstance(python, str):
        return python == sheet
    if isinstance(python, Decimal):
        if not isinstance(sheet, float) or not math.isfinite(sheet):
            return False
        expected = float(python)
        return sheet == expected or abs(sheet - expected) <= 1e-9 * max(1.0, abs(expected))
    return python is x.BLANK and sheet is I_BLANK


@settings(max_examples=600, deadline=None, derandomize=True)
@given(expressions, environments)
def test_generated_expressions_agree_with_their_rendering(rule: Expr, env: dict[str, Any]) -> None:
    python = evaluate(rule, env)
    sheet = interpret(rule, env, REFS)
    assert same_value(python, sheet), (to_formula(rule, REFS), env, python, sheet)


# --- ... and on every declared rule of every profile -------------------------------------------------

PROFILE_FILES = sorted((REPO / "tests" / "profiles").glob("*.toml"))
PROFILE_NAMES = [*available_profiles(), *(str(p) for p in PROFILE_FILES)]

ROW_ENV = st.fixed_dictionaries(
    {
        rb.T_KIND: st.sampled_from(["Q", "R", "L", ""]),
        rb.T_GOAL: st.sampled_from([D(0), D(5), D("0.1"), D(98), D(150), ""]),
        rb.T_HIGH: st.sampled_from([D(0), D(5), D(200), ""]),
        rb.T_REV: st.booleans(),
        rb.A_KIND: st.sampled_from(["N", "A", "P", "X", "NA", "E", "T"]),
        rb.A_VALUE: st.sampled_from([D(0), D(3), D("0.15"), D("7.5"), D(100), D(300), D(-1), ""]),
        rb.WEIGHT: st.sampled_from([D(10), D("4.5"), D("2.25"), D(0), None]),
        rb.NA: st.sampled_from([D(0), D(1)]),
        rb.EW: st.sampled_from([D(10), D("4.5"), D("13.333333333333"), D(0), ""]),
        rb.WEIGHT_SUM: st.sampled_from([D(90), D(0)]),
        rb.KEPT_WEIGHT: st.sampled_from([D(80), D(0)]),
        rb.NA_COUNT: st.sampled_from([D(0), D(1)]),
        rb.EXECUTED: st.sampled_from([D("67.75"), D(0), D(120), D("-1"), None]),
        rb.BUDGET: st.sampled_from([D("68.34"), D(0), D(100), None]),
        rb.BUDGET_WEIGHT: st.sampled_from([D(10), D(20)]),
        rb.BUDGET_SCORE: st.sampled_from([D("9.91"), D(0), ""]),
        rb.RATE: st.sampled_from([D("99.14"), D("79.99"), D(80), D("59.5"), D("69.99"), ""]),
        rb.RAW_TOTAL: st.sampled_from([D("96.24"), D("88.5"), D(60), ""]),
        rb.TOTAL_CAP: st.sampled_from([D(89), D(69), ""]),
        rb.TOTAL: st.sampled_from([D(90), D("89.99"), D(80), D("59.9"), D(0), ""]),
        rb.WEIGHTS: st.lists(st.sampled_from([D(10), D("4.5"), None]), min_size=3, max_size=3),
        rb.NA_FLAGS: st.lists(st.sampled_from([D(0), D(1)]), min_size=3, max_size=3),
        rb.SCORES: st.lists(st.sampled_from([D("1.33"), D(20), ""]), min_size=3, max_size=3),
    }
)
RULE_REFS = {
    **{name: f"{col}1" for name, col in zip(
        [rb.T_KIND, rb.T_GOAL, rb.T_HIGH, rb.T_REV, rb.A_KIND, rb.A_VALUE, rb.WEIGHT, rb.NA, rb.EW, rb.WEIGHT_SUM,
         rb.KEPT_WEIGHT, rb.NA_COUNT, rb.EXECUTED, rb.BUDGET, rb.BUDGET_WEIGHT, rb.BUDGET_SCORE, rb.RATE,
         rb.RAW_TOTAL, rb.TOTAL_CAP, rb.TOTAL],
        "ABCDEFGHIJKLMNOPQRST",
        strict=True,
    )},
    rb.WEIGHTS: "U1:U3",
    rb.NA_FLAGS: "V1:V3",
    rb.SCORES: "W1:W3",
}  # fmt: skip


@pytest.mark.parametrize("name", PROFILE_NAMES, ids=[Path(p).stem for p in PROFILE_NAMES])
@settings(max_examples=120, deadline=None, derandomize=True)
@given(env=ROW_ENV)
def test_declared_rules_agree_with_their_rendering(name: str, env: dict[str, Any]) -> None:
    book = get_profile(name).rules
    for field in (
        "execution_rate", "budget_score", "na", "weight_sum", "kept_weight", "na_count", "effective_weight",
        "over_completion", "over_target", "score", "total_weight", "raw_total", "total_cap", "total", "grade",
    ):  # fmt: skip
        rule = getattr(book, field)
        python = evaluate(rule, env)
        sheet = interpret(rule, env, RULE_REFS)
        assert same_value(python, sheet), (field, to_formula(rule, RULE_REFS), python, sheet)
