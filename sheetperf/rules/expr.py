"""A small expression language for scoring rules: declared once, evaluated in Python, rendered for Excel.

A rule is a tree of :class:`Expr` nodes built with the functions below (``IF``, ``AND``,
``ROUND``, comparisons, ``+ - * /`` on nodes).  Two backends read the same tree:

* :func:`evaluate` computes it in Python with :mod:`decimal` and Excel's semantics: ``ROUND``
  takes 15 significant digits and then rounds half away from zero
  (:func:`excel_round`); a division by zero is ``#DIV/0!``; text in arithmetic is converted
  when it is a number and is ``#VALUE!`` otherwise; errors propagate through arithmetic,
  comparisons and function arguments but not out of an ``IF`` branch not taken; ``ISNUMBER``
  and ``ISERROR`` look at a value without propagating; numbers within 2^-48 of each other
  (relative) compare equal, as in LibreOffice and Excel; an empty cell is 0 in arithmetic, ""
  beside text and is skipped by ``SUM``/``COUNT``/``MIN``/``MAX``/``AND``/``OR`` when passed
  by reference (an :func:`ref` or :func:`cells` argument), as Excel skips text there too.
* :func:`to_formula` turns it into formula text, given the cell (or helper-cell) reference of
  each named input, using only :data:`PORTABLE_FUNCTIONS` — functions present in Excel 97–2003
  (BIFF8), ODF/LibreOffice and WPS.  Anything else raises :class:`~sheetperf.errors.SpecError`;
  :func:`check_portable` applies the same whitelist to formula text built elsewhere.  In
  particular there is no ``IFERROR`` (Excel 2007): LibreOffice saves it to .xls as ``=NA()``.

Named inputs are :func:`ref` (one value: a cell) and :func:`cells` (a list of values: a range).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Final, TypeAlias

from sheetperf.errors import SpecError

# --- Values -----------------------------------------------------------------------------------


class _Blank:
    """An empty cell (what an input bound to None holds)."""

    _instance: _Blank | None = None

    def __new__(cls) -> _Blank:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "BLANK"


BLANK: Final = _Blank()


@dataclass(frozen=True)
class XlError:
    """An error value such as ``#DIV/0!``."""

    code: str

    def __str__(self) -> str:
        return self.code


DIV0: Final = XlError("#DIV/0!")
VALUE_ERROR: Final = XlError("#VALUE!")
NUM_ERROR: Final = XlError("#NUM!")

Value: TypeAlias = Decimal | str | bool | _Blank | XlError
#: What an input is bound to: a value, None (an empty cell) or a list of them (a range).
Binding: TypeAlias = "Value | Sequence[Value | None] | None"
Env: TypeAlias = Mapping[str, Binding]

#: Arithmetic precision: far beyond a double's 15–17 digits, so that :func:`excel_round`, which
#: first takes 15 significant digits as Excel does, sees the same number Excel sees.
_CONTEXT: Final = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])


def excel_round(value: Decimal, places: int = 2) -> Decimal:
    """Round like Excel's ROUND: 15 significant digits first, then half away from zero."""
    if value.is_zero():
        return Decimal(0).quantize(Decimal(1).scaleb(-places))
    with localcontext() as ctx:
        ctx.prec = 15
        ctx.rounding = ROUND_HALF_EVEN
        fifteen = +value
    if fifteen.adjusted() >= 15:  # 15 significant digits hold no cents to round (and 1E+30 has
        return fifteen  # more digits than quantize may give: InvalidOperation, found by fuzzing)
    return fifteen.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# --- Nodes ------------------------------------------------------------------------------------


class Expr:
    """A node of a rule.  ``+ - * /`` and unary ``-`` build arithmetic; comparisons are functions."""

    __slots__ = ()

    def __add__(self, other: Operand) -> Expr:
        return Op("+", self, lift(other))

    def __radd__(self, other: Operand) -> Expr:
        return Op("+", lift(other), self)

    def __sub__(self, other: Operand) -> Expr:
        return Op("-", self, lift(other))

    def __rsub__(self, other: Operand) -> Expr:
        return Op("-", lift(other), self)

    def __mul__(self, other: Operand) -> Expr:
        return Op("*", self, lift(other))

    def __rmul__(self, other: Operand) -> Expr:
        return Op("*", lift(other), self)

    def __truediv__(self, other: Operand) -> Expr:
        return Op("/", self, lift(other))

    def __rtruediv__(self, other: Operand) -> Expr:
        return Op("/", lift(other), self)

    def __neg__(self) -> Expr:
        return Neg(self)


Operand: TypeAlias = "Expr | Decimal | int | str | bool"


@dataclass(frozen=True, eq=False)
class Num(Expr):
    value: Decimal


@dataclass(frozen=True, eq=False)
class Text(Expr):
    value: str


@dataclass(frozen=True, eq=False)
class Bool(Expr):
    value: bool


@dataclass(frozen=True, eq=False)
class Ref(Expr):
    """A named input holding one value (a cell in the sheet)."""

    name: str


@dataclass(frozen=True, eq=False)
class Cells(Expr):
    """A named input holding a list of values (a range in the sheet); an argument of SUM, COUNT, SUMIF."""

    name: str


@dataclass(frozen=True, eq=False)
class Op(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class Neg(Expr):
    operand: Expr


@dataclass(frozen=True, eq=False)
class Call(Expr):
    fn: str
    args: tuple[Expr, ...]


def lift(value: Operand) -> Expr:
    """A Python constant as a node (Expr passes through)."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool):
        return Bool(value)
    if isinstance(value, (int, Decimal)):
        return Num(Decimal(value))
    if isinstance(value, str):
        return Text(value)
    raise SpecError(f"no rule constant for {value!r}")


def ref(name: str) -> Ref:
    return Ref(name)


def cells(name: str) -> Cells:
    return Cells(name)


#: The empty result ("" in a cell): what a rule gives when there is nothing to compute.
EMPTY: Final = Text("")

#: Excel's operators and their precedence (higher binds tighter).
_PRECEDENCE: Final[dict[str, int]] = {"=": 1, "<>": 1, "<": 1, "<=": 1, ">": 1, ">=": 1, "+": 3, "-": 3, "*": 4, "/": 4}
_COMPARISONS: Final = frozenset(op for op, level in _PRECEDENCE.items() if level == 1)
_ARITHMETIC: Final = frozenset(_PRECEDENCE) - _COMPARISONS


def eq(a: Operand, b: Operand) -> Expr:
    return Op("=", lift(a), lift(b))


def ne(a: Operand, b: Operand) -> Expr:
    return Op("<>", lift(a), lift(b))


def lt(a: Operand, b: Operand) -> Expr:
    return Op("<", lift(a), lift(b))


def le(a: Operand, b: Operand) -> Expr:
    return Op("<=", lift(a), lift(b))


def gt(a: Operand, b: Operand) -> Expr:
    return Op(">", lift(a), lift(b))


def ge(a: Operand, b: Operand) -> Expr:
    return Op(">=", lift(a), lift(b))


def _call(fn: str, *args: Operand) -> Call:
    spec = _FUNCTIONS[fn]
    if not spec.min_args <= len(args) <= spec.max_args:
        raise SpecError(f"{fn} takes {spec.min_args}-{spec.max_args} arguments, not {len(args)}")
    return Call(fn, tuple(lift(a) for a in args))


def IF(condition: Operand, then: Operand, otherwise: Operand) -> Call:
    return _call("IF", condition, then, otherwise)


def AND(*args: Operand) -> Call:
    return _call("AND", *args)


def OR(*args: Operand) -> Call:
    return _call("OR", *args)


def NOT(arg: Operand) -> Call:
    return _call("NOT", arg)


def MIN(*args: Operand) -> Call:
    return _call("MIN", *args)


def MAX(*args: Operand) -> Call:
    return _call("MAX", *args)


def ROUND(value: Operand, places: Operand) -> Call:
    return _call("ROUND", value, places)


def ISNUMBER(arg: Operand) -> Call:
    return _call("ISNUMBER", arg)


def ISERROR(arg: Operand) -> Call:
    return _call("ISERROR", arg)


def SUM(*args: Operand) -> Call:
    return _call("SUM", *args)


def COUNT(*args: Operand) -> Call:
    return _call("COUNT", *args)


def SUMIF(criteria_range: Cells, criterion: Operand, sum_range: Cells) -> Call:
    return _call("SUMIF", criteria_range, criterion, sum_range)


def N(arg: Operand) -> Call:
    return _call("N", arg)


def inputs_of(expr: Expr) -> set[str]:
    """The names of every input a rule reads."""
    if isinstance(expr, (Ref, Cells)):
        return {expr.name}
    if isinstance(expr, Op):
        return inputs_of(expr.left) | inputs_of(expr.right)
    if isinstance(expr, Neg):
        return inputs_of(expr.operand)
    if isinstance(expr, Call):
        return set().union(*(inputs_of(a) for a in expr.args)) if expr.args else set()
    return set()


# --- Python evaluation ------------------------------------------------------------------------

_NUMBER_TEXT: Final = re.compile(r"^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$")


def _number(value: Value) -> Decimal | XlError:
    """A value in arithmetic: Excel's implicit conversion."""
    if type(value) is Decimal:
        return value
    if isinstance(value, XlError):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if value is BLANK:
        return Decimal(0)
    assert isinstance(value, str)
    if _NUMBER_TEXT.match(value):
        return Decimal(value.strip())
    return VALUE_ERROR


def _logical(value: Value) -> bool | XlError:
    """A value as a condition: numbers are true unless 0, an empty cell is false, text is #VALUE!."""
    if value is True or value is False:
        return value
    if isinstance(value, Decimal):
        return not value.is_zero()
    if isinstance(value, XlError):
        return value
    if value is BLANK:
        return False
    return VALUE_ERROR


def _rank(value: Value) -> int:
    """Excel orders numbers before text before logical values."""
    if isinstance(value, bool):
        return 2
    if isinstance(value, str):
        return 1
    return 0


def _order(a: Value, b: Value) -> int | XlError:
    """-1, 0 or 1 as Excel compares two values."""
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return _numeric_order(a, b)  # type: ignore[arg-type]
    if ta is str and tb is str:
        x, y = a.lower(), b.lower()  # type: ignore[union-attr]  # Excel compares text without regard to case
        return (x > y) - (x < y)
    if isinstance(a, XlError):
        return a
    if isinstance(b, XlError):
        return b
    if a is BLANK:
        a = _blank_like(b)
    if b is BLANK:
        b = _blank_like(a)
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return (ra > rb) - (ra < rb)
    if isinstance(a, str) and isinstance(b, str):
        x, y = a.lower(), b.lower()
        return (x > y) - (x < y)
    x2, y2 = _number(a), _number(b)
    assert isinstance(x2, Decimal) and isinstance(y2, Decimal)
    return _numeric_order(x2, y2)


#: Numbers this close (relative) compare equal, as in LibreOffice (rtl::math::approxEqual) and
#: Excel: 1/3*3 = 1 there, and decimal arithmetic must not say otherwise.
_EQUAL_WITHIN: Final = Decimal(2) ** -48


def _numeric_order(a: Decimal, b: Decimal) -> int:
    if a == b:
        return 0
    if abs(a - b) <= max(abs(a), abs(b)) * _EQUAL_WITHIN:
        return 0
    return -1 if a < b else 1


_COMPARE: Final[dict[str, Callable[[int], bool]]] = {
    "=": lambda order: order == 0,
    "<>": lambda order: order != 0,
    "<": lambda order: order < 0,
    "<=": lambda order: order <= 0,
    ">": lambda order: order > 0,
    ">=": lambda order: order >= 0,
}


def _blank_like(other: Value) -> Value:
    if isinstance(other, str):
        return ""
    if isinstance(other, bool):
        return False
    return Decimal(0)


def _arithmetic(op: str, a: Value, b: Value) -> Value:
    x, y = _number(a), _number(b)
    if isinstance(x, XlError):
        return x
    if isinstance(y, XlError):
        return y
    try:
        if op == "+":
            return _CONTEXT.add(x, y)
        if op == "-":
            return _CONTEXT.subtract(x, y)
        if op == "*":
            return _CONTEXT.multiply(x, y)
        if y.is_zero():
            return DIV0
        return _CONTEXT.divide(x, y)
    except (Overflow, InvalidOperation):
        return NUM_ERROR


Run: TypeAlias = Callable[[Env], Value]


@dataclass(frozen=True)
class _Function:
    min_args: int
    max_args: int
    #: Builds the closure of a call from its argument nodes (functions see the nodes: IF stays
    #: lazy, and the aggregates tell a reference from a computed value, as Excel does).
    build: Callable[[tuple[Expr, ...]], Run]


def compiled(node: Expr) -> Run:
    """The closure that evaluates a node, built on first use and kept on the (immutable) node."""
    run = node.__dict__.get("_run")
    if run is None:
        run = _compile(node)
        object.__setattr__(node, "_run", run)
    return run


def _compile(node: Expr) -> Run:
    if isinstance(node, (Num, Text, Bool)):
        constant: Value = node.value
        return lambda env: constant
    if isinstance(node, Ref):
        name = node.name
        return lambda env: _input(env, name)
    if isinstance(node, Cells):
        raise SpecError(f"range {node.name} is only an argument of SUM, COUNT, SUMIF")
    if isinstance(node, Op):
        left, right, op = compiled(node.left), compiled(node.right), node.op
        if op in _ARITHMETIC:
            return lambda env: _arithmetic(op, left(env), right(env))
        test = _COMPARE[op]

        def compare(env: Env) -> Value:
            order = _order(left(env), right(env))
            return order if isinstance(order, XlError) else test(order)

        return compare
    if isinstance(node, Neg):
        operand = compiled(node.operand)

        def negate(env: Env) -> Value:
            x = _number(operand(env))
            return x if isinstance(x, XlError) else _CONTEXT.minus(x)

        return negate
    if isinstance(node, Call):
        return _FUNCTIONS[node.fn].build(node.args)
    raise SpecError(f"unknown rule node {node!r}")


def _input(env: Env, name: str) -> Value:
    try:
        value = env[name]
    except KeyError:
        raise SpecError(f"rule input {name} not given") from None
    if type(value) is Decimal or type(value) is str:
        return value
    if isinstance(value, (list, tuple)):
        raise SpecError(f"input {name} is a range: only an argument of SUM, COUNT, SUMIF")
    return _as_value(value)


def _as_value(value: object) -> Value:
    """An input as a value: None is an empty cell, Python numbers are decimals."""
    if value is None:
        return BLANK
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not isinstance(value, (Decimal, str, bool, _Blank, XlError)):
        raise SpecError(f"no rule value for {value!r}")
    return value


def _range(env: Env, name: str) -> list[Value]:
    values = env.get(name)
    if not isinstance(values, (list, tuple)):
        raise SpecError(f"range input {name} not given")
    return [_as_value(value) for value in values]


#: How an argument is read: ("range", name), ("ref", closure) or ("value", closure).
_Arg: TypeAlias = tuple[str, str | Run]


def _args(nodes: tuple[Expr, ...]) -> tuple[_Arg, ...]:
    out: list[_Arg] = []
    for node in nodes:
        if isinstance(node, Cells):
            out.append(("range", node.name))
        else:
            out.append(("ref" if isinstance(node, Ref) else "value", compiled(node)))
    return tuple(out)


def _referenced(args: tuple[_Arg, ...], env: Env) -> list[tuple[Value, bool]]:
    """Each argument's values and whether they came by reference (a cell or a range)."""
    out: list[tuple[Value, bool]] = []
    for how, what in args:
        if how == "range":
            assert isinstance(what, str)
            out.extend((value, True) for value in _range(env, what))
        else:
            assert callable(what)
            out.append((what(env), how == "ref"))
    return out


def _numbers(args: tuple[_Arg, ...], env: Env) -> list[Decimal] | XlError:
    """The numbers MIN, MAX and SUM take: referenced text, logical values and empty cells are skipped;
    a computed value is converted (text that is no number is #VALUE!)."""
    out: list[Decimal] = []
    for value, by_reference in _referenced(args, env):
        if isinstance(value, XlError):
            return value
        if by_reference:
            if isinstance(value, Decimal):
                out.append(value)
            continue
        number = _number(value)
        if isinstance(number, XlError):
            return number
        out.append(number)
    return out


def _logicals(args: tuple[_Arg, ...], env: Env) -> list[bool] | XlError:
    out: list[bool] = []
    for value, by_reference in _referenced(args, env):
        if value is True or value is False:
            out.append(value)
            continue
        if isinstance(value, XlError):
            return value
        if value is BLANK or (by_reference and isinstance(value, str)):
            continue
        logical = _logical(value)
        if isinstance(logical, XlError):
            return logical
        out.append(logical)
    return out if out else VALUE_ERROR


def _if(nodes: tuple[Expr, ...]) -> Run:
    condition, then, otherwise = (compiled(n) for n in nodes)

    def run(env: Env) -> Value:
        test = _logical(condition(env))
        if isinstance(test, XlError):
            return test
        return then(env) if test else otherwise(env)

    return run


def _and(nodes: tuple[Expr, ...]) -> Run:
    args = _args(nodes)

    def run(env: Env) -> Value:
        values = _logicals(args, env)
        return values if isinstance(values, XlError) else all(values)

    return run


def _or(nodes: tuple[Expr, ...]) -> Run:
    args = _args(nodes)

    def run(env: Env) -> Value:
        values = _logicals(args, env)
        return values if isinstance(values, XlError) else any(values)

    return run


def _not(nodes: tuple[Expr, ...]) -> Run:
    arg = compiled(nodes[0])

    def run(env: Env) -> Value:
        value = _logical(arg(env))
        return value if isinstance(value, XlError) else not value

    return run


def _extreme(pick: Callable[[list[Decimal]], Decimal]) -> Callable[[tuple[Expr, ...]], Run]:
    def build(nodes: tuple[Expr, ...]) -> Run:
        args = _args(nodes)

        def run(env: Env) -> Value:
            values = _numbers(args, env)
            if isinstance(values, XlError):
                return values
            return pick(values) if values else Decimal(0)

        return run

    return build


def _sum(nodes: tuple[Expr, ...]) -> Run:
    args = _args(nodes)

    def run(env: Env) -> Value:
        values = _numbers(args, env)
        if isinstance(values, XlError):
            return values
        total = Decimal(0)
        for value in values:
            total = _CONTEXT.add(total, value)
        return total

    return run


def _count(nodes: tuple[Expr, ...]) -> Run:
    args = _args(nodes)

    def run(env: Env) -> Value:
        count = 0
        for value, by_reference in _referenced(args, env):
            if isinstance(value, Decimal) or (not by_reference and isinstance(value, bool)):
                count += 1
        return Decimal(count)

    return run


def _sumif(nodes: tuple[Expr, ...]) -> Run:
    keys_node, criterion_node, values_node = nodes
    if not isinstance(keys_node, Cells) or not isinstance(values_node, Cells):
        raise SpecError("the first and third arguments of SUMIF are ranges")
    keys_name, values_name, criterion = keys_node.name, values_node.name, compiled(criterion_node)

    def run(env: Env) -> Value:
        keys, values = _range(env, keys_name), _range(env, values_name)
        wanted = criterion(env)
        if isinstance(wanted, XlError):
            return wanted
        if not isinstance(wanted, Decimal):
            raise SpecError("SUMIF takes a number as its criterion")
        if len(keys) != len(values):
            raise SpecError("the ranges of SUMIF differ in size")
        total = Decimal(0)
        for key, value in zip(keys, values, strict=True):
            if isinstance(key, Decimal) and key == wanted:
                if isinstance(value, XlError):
                    return value
                if isinstance(value, Decimal):
                    total = _CONTEXT.add(total, value)
        return total

    return run


def _round(nodes: tuple[Expr, ...]) -> Run:
    value_of, places_of = compiled(nodes[0]), compiled(nodes[1])

    def run(env: Env) -> Value:
        value, places = _number(value_of(env)), _number(places_of(env))
        if isinstance(value, XlError):
            return value
        if isinstance(places, XlError):
            return places
        return excel_round(value, int(places))  # int() truncates towards zero, as Excel does

    return run


def _isnumber(nodes: tuple[Expr, ...]) -> Run:
    arg = compiled(nodes[0])
    return lambda env: isinstance(arg(env), Decimal)


def _iserror(nodes: tuple[Expr, ...]) -> Run:
    arg = compiled(nodes[0])
    return lambda env: isinstance(arg(env), XlError)


def _n(nodes: tuple[Expr, ...]) -> Run:
    arg = compiled(nodes[0])

    def run(env: Env) -> Value:
        value = arg(env)
        if isinstance(value, (Decimal, XlError)):
            return value
        if isinstance(value, bool):
            return Decimal(int(value))
        return Decimal(0)

    return run


#: Excel 97–2003 (BIFF8) allows 30 arguments per function; LibreOffice saves a call with more
#: to .xls as =NA() (as it does IFERROR).
MAX_ARGUMENTS: Final = 30
_MANY: Final = MAX_ARGUMENTS
_FUNCTIONS: Final[dict[str, _Function]] = {
    "IF": _Function(3, 3, _if),
    "AND": _Function(1, _MANY, _and),
    "OR": _Function(1, _MANY, _or),
    "NOT": _Function(1, 1, _not),
    "MIN": _Function(1, _MANY, _extreme(min)),
    "MAX": _Function(1, _MANY, _extreme(max)),
    "SUM": _Function(1, _MANY, _sum),
    "COUNT": _Function(1, _MANY, _count),
    "SUMIF": _Function(3, 3, _sumif),
    "ROUND": _Function(2, 2, _round),
    "ISNUMBER": _Function(1, 1, _isnumber),
    "ISERROR": _Function(1, 1, _iserror),
    "N": _Function(1, 1, _n),
}


def evaluate(expr: Expr, env: Env) -> Value:
    """The value of a rule for the given inputs (``None`` = an empty cell; a list = a range)."""
    value = compiled(expr)(env)
    return Decimal(0) if value is BLANK else value  # "=A1" shows 0 for an empty A1


# --- Excel rendering --------------------------------------------------------------------------

#: Functions present in Excel 97–2003 (BIFF8), ODF OpenFormula (LibreOffice) and WPS alike: the
#: only ones a template may use.  IFERROR, IFS, SWITCH, CONCAT, TEXTJOIN, XLOOKUP, LET are not.
PORTABLE_FUNCTIONS: Final[frozenset[str]] = frozenset(
    {
        *_FUNCTIONS,
        "CHAR",
        "EXACT",
        "FIND",
        "LEFT",
        "LEN",
        "MID",
        "RIGHT",
        "SUBSTITUTE",
        "TRIM",
        "VALUE",
    }
)
#: Excel's limits on one formula: characters, nesting levels of functions, a text literal.
MAX_FORMULA_LENGTH: Final = 8192
MAX_NESTING: Final = 64
MAX_LITERAL: Final = 255

_ATOM: Final = 9


def quote(text: str) -> str:
    """A text literal for a formula."""
    if len(text) > MAX_LITERAL:
        raise SpecError(f"a text literal longer than {MAX_LITERAL} characters: {text[:20]!r}")
    return '"' + text.replace('"', '""') + '"'


def number_literal(value: Decimal | int) -> str:
    """A number as a formula writes it: plain digits, no exponent, no trailing zeros."""
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("", "-0"):
        text = "0"
    return text


def _render(node: Expr, refs: Mapping[str, str]) -> tuple[str, int]:
    """Formula text of a node and its precedence (for parentheses)."""
    if isinstance(node, Num):
        text = number_literal(node.value)
        return (f"({text})", _ATOM) if text.startswith("-") else (text, _ATOM)
    if isinstance(node, Text):
        return quote(node.value), _ATOM
    if isinstance(node, Bool):
        return ("TRUE" if node.value else "FALSE"), _ATOM
    if isinstance(node, (Ref, Cells)):
        if node.name not in refs:
            raise SpecError(f"rule input {node.name} has no cell")
        return refs[node.name], _ATOM
    if isinstance(node, Op):
        own = _PRECEDENCE[node.op]
        left, lp = _render(node.left, refs)
        right, rp = _render(node.right, refs)
        if lp < own:
            left = f"({left})"
        if rp <= own:
            right = f"({right})"
        return f"{left}{node.op}{right}", own
    if isinstance(node, Neg):
        inner, ip = _render(node.operand, refs)
        return ("-" + inner if ip == _ATOM and not inner.startswith("(") else f"-({inner})"), _ATOM
    if isinstance(node, Call):
        if node.fn not in PORTABLE_FUNCTIONS:
            raise SpecError(f"{node.fn} is not a function Excel 97-2003, LibreOffice and WPS share")
        return f"{node.fn}({','.join(_render(a, refs)[0] for a in node.args)})", _ATOM
    raise SpecError(f"unknown rule node {node!r}")


def to_formula(expr: Expr, refs: Mapping[str, str]) -> str:
    """``=…``: the formula of a rule, each input replaced by its cell reference in ``refs``."""
    text = "=" + _render(expr, refs)[0]
    check_limits(text)
    return text


_STRING: Final = re.compile(r'"(?:[^"]|"")*"')
_FUNCTION_NAME: Final = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(")


def functions_in(text: str) -> set[str]:
    """Names of the functions a formula calls (string literals skipped)."""
    return {name.upper() for name in _FUNCTION_NAME.findall(_STRING.sub('""', text))}


def check_portable(text: str) -> None:
    """Raise SpecError when a formula calls a function outside :data:`PORTABLE_FUNCTIONS`, or one
    with more than :data:`MAX_ARGUMENTS` arguments."""
    foreign = sorted(functions_in(text) - PORTABLE_FUNCTIONS)
    if foreign:
        raise SpecError(f"formula calls {', '.join(foreign)}: not functions Excel 97-2003, LibreOffice and WPS share")
    most = max_arguments(text)
    if most > MAX_ARGUMENTS:
        raise SpecError(f"a function call with {most} arguments: Excel 97-2003 takes {MAX_ARGUMENTS}")


def max_arguments(text: str) -> int:
    """The most arguments any call (or bracket) of a formula has, string literals skipped."""
    code = _STRING.sub('""', text)
    counts: list[int] = []
    most = 0
    previous = ""
    for ch in code:
        if ch == "(":
            counts.append(0)
        elif ch == ")" and counts:
            found = counts.pop() + (0 if previous == "(" else 1)
            most = max(most, found)
        elif ch == "," and counts:
            counts[-1] += 1
        if not ch.isspace():
            previous = ch
    return most


def check_limits(text: str) -> None:
    """Excel's limits on one formula: 8,192 characters, 64 nesting levels."""
    if len(text) > MAX_FORMULA_LENGTH:
        raise SpecError(f"formula longer than {MAX_FORMULA_LENGTH} characters ({len(text)})")
    depth = deepest = 0
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif not quoted and ch == ")":
            depth -= 1
    if deepest > MAX_NESTING:
        raise SpecError(f"formula nested {deepest} levels deep (Excel allows {MAX_NESTING})")


__all__ = [
    "BLANK",
    "DIV0",
    "EMPTY",
    "MAX_ARGUMENTS",
    "NUM_ERROR",
    "PORTABLE_FUNCTIONS",
    "VALUE_ERROR",
    "Binding",
    "Cells",
    "Env",
    "Expr",
    "Ref",
    "Value",
    "XlError",
    "cells",
    "check_limits",
    "check_portable",
    "evaluate",
    "excel_round",
    "functions_in",
    "inputs_of",
    "max_arguments",
    "number_literal",
    "quote",
    "ref",
    "to_formula",
]
