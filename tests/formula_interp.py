"""A tiny spreadsheet formula interpreter for tests: the sheet without LibreOffice.

It reads formula text as the templates write it and computes it the way Excel and LibreOffice
do, in binary floating point: ``ROUND`` takes 15 significant digits and rounds half away from
zero, comparisons treat numbers equal within 2^-48 relative (LibreOffice's ``approxEqual``), a
division by zero is ``#DIV/0!``, text in arithmetic is converted or ``#VALUE!``, an empty cell
is 0 or "" as its neighbour needs, errors propagate except out of an ``IF`` branch not taken,
and references to text are skipped by SUM, COUNT, MIN, MAX, AND and OR.  Only the functions of
``sheetperf.rules.expr.PORTABLE_FUNCTIONS`` exist; any other name is an error, so a template
formula outside the whitelist fails here too.

It shares no code with sheetperf's evaluator (that one is decimal and reads expression trees;
this one is floating point and reads text), so the two agreeing on the rendered formulas is
evidence that the renderer wrote what the rule says.  LibreOffice (tests/test_recalc.py)
remains the conformance test of both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from sheetperf.rules.expr import PORTABLE_FUNCTIONS


class Blank:
    def __repr__(self) -> str:
        return "BLANK"


BLANK = Blank()


@dataclass(frozen=True)
class Err:
    code: str


DIV0, VALUE, NUM, NAME, REF = Err("#DIV/0!"), Err("#VALUE!"), Err("#NUM!"), Err("#NAME?"), Err("#REF!")


class FormulaSyntaxError(Exception):
    pass


# --- Tokens and parse tree ---------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"]|"")*")
  | (?P<range>\$?[A-Z]{1,3}\$?\d+:\$?[A-Z]{1,3}\$?\d+)
  | (?P<cell>\$?[A-Z]{1,3}\$?\d+)(?![A-Za-z0-9_(])
  | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>(),])
    )""",
    re.X,
)


def tokenize(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FormulaSyntaxError(f"cannot read {text[pos:pos + 20]!r}")
        kind = match.lastgroup
        assert kind is not None
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


_BINARY = {"=": 1, "<>": 1, "<": 1, "<=": 1, ">": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FormulaSyntaxError("unexpected end")
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        _, got = self.take()
        if got != value:
            raise FormulaSyntaxError(f"expected {value!r}, got {got!r}")

    def expression(self, floor: int = 0) -> Any:
        left = self.unary()
        while True:
            token = self.peek()
            if token is None or token[0] != "op" or token[1] not in _BINARY:
                return left
            level = _BINARY[token[1]]
            if level < floor:
                return left
            self.take()
            right = self.expression(level + 1)
            left = ("bin", token[1], left, right)

    def unary(self) -> Any:
        token = self.peek()
        if token == ("op", "-"):
            self.take()
            return ("neg", self.unary())
        if token == ("op", "+"):
            self.take()
            return self.unary()
        return self.primary()

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == "number":
            return ("num", float(value))
        if kind == "string":
            return ("str", value[1:-1].replace('""', '"'))
        if kind == "cell":
            return ("cell", value.replace("$", ""))
        if kind == "range":
            first, last = value.replace("$", "").split(":")
            return ("range", first, last)
        if kind == "op" and value == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if kind == "name":
            upper = value.upper()
            if self.peek() == ("op", "("):
                self.take()
                args = []
                if self.peek() != ("op", ")"):
                    while True:
                        args.append(self.expression())
                        if self.peek() == ("op", ","):
                            self.take()
                            continue
                        break
                self.expect(")")
                return ("call", upper, tuple(args))
            if upper in ("TRUE", "FALSE"):
                return ("bool", upper == "TRUE")
        raise FormulaSyntaxError(f"unexpected {value!r}")


@lru_cache(maxsize=1 << 14)  # a template repeats the same formulas row after row
def parse(text: str) -> Any:
    parser = _Parser(tokenize(text.removeprefix("=")))
    tree = parser.expression()
    if parser.peek() is not None:
        raise FormulaSyntaxError(f"trailing {parser.peek()!r}")
    return tree


# --- Values ------------------------------------------------------------------------------------

_NUMERIC = re.compile(r"^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$")


def excel_round(x: float, places: int) -> float:
    if x == 0 or not math.isfinite(x):
        return 0.0 if x == 0 else x
    fifteen = Decimal(f"{x:.15g}")
    quantum = Decimal(1).scaleb(-places)
    return float(fifteen.quantize(quantum, rounding=ROUND_HALF_UP))


def to_number(v: Any) -> Any:
    if isinstance(v, Err):
        return v
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, float):
        return v
    if v is BLANK:
        return 0.0
    if isinstance(v, str) and _NUMERIC.match(v):
        return float(v)
    return VALUE


def to_text(v: Any) -> Any:
    if isinstance(v, Err):
        return v
    if v is BLANK:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.15g}"
    return v


def to_logical(v: Any) -> Any:
    if isinstance(v, Err) or isinstance(v, bool):
        return v
    if isinstance(v, float):
        return v != 0
    if v is BLANK:
        return False
    return VALUE


def approx_equal(a: float, b: float) -> bool:
    if a == b:
        return True
    return abs(a - b) <= max(abs(a), abs(b)) * 2.0**-48


def compare(a: Any, b: Any) -> Any:
    if isinstance(a, Err):
        return a
    if isinstance(b, Err):
        return b
    if a is BLANK:
        a = "" if isinstance(b, str) else False if isinstance(b, bool) else 0.0
    if b is BLANK:
        b = "" if isinstance(a, str) else False if isinstance(a, bool) else 0.0

    def rank(v: Any) -> int:
        return 2 if isinstance(v, bool) else 1 if isinstance(v, str) else 0

    ra, rb = rank(a), rank(b)
    if ra != rb:
        return (ra > rb) - (ra < rb)
    if isinstance(a, str):
        x, y = a.lower(), b.lower()
        return (x > y) - (x < y)
    if isinstance(a, bool):
        return (a > b) - (a < b)
    if approx_equal(a, b):
        return 0
    return -1 if a < b else 1


# --- The sheet ---------------------------------------------------------------------------------


def split_cell(ref: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]{1,3})(\d+)", ref)
    assert match, ref
    col = 0
    for ch in match.group(1):
        col = col * 26 + ord(ch) - 64
    return int(match.group(2)), col


def cell_name(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


class Sheet:
    """Cells by A1 name: numbers (float), text, or formulas (text starting with "=" given as formulas)."""

    def __init__(self, values: Mapping[str, Any] | None = None, formulas: Mapping[str, str] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self.formulas: dict[str, Any] = {k: parse(v) for k, v in (formulas or {}).items()}
        self.cache: dict[str, Any] = {}
        self.functions_used: set[str] = set()

    def get(self, name: str) -> Any:
        if name in self.cache:
            return self.cache[name]
        if name in self.formulas:
            self.cache[name] = None  # a cycle reads as #REF!
            value = self.eval(self.formulas[name])
            if value is BLANK:
                value = 0.0
            self.cache[name] = value
            return value
        value = self.values.get(name)
        if value is None:  # an empty cell ("" is what a formula shows empty: text)
            return BLANK
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return value

    def value(self, name: str) -> Any:
        v = self.get(name)
        return REF if v is None else v

    def range(self, first: str, last: str) -> list[Any]:
        r1, c1 = split_cell(first)
        r2, c2 = split_cell(last)
        return [self.value(cell_name(r, c)) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]

    # -- evaluation
    def eval(self, node: Any) -> Any:
        kind = node[0]
        if kind in ("num", "str", "bool"):
            return node[1]
        if kind == "cell":
            return self.value(node[1])
        if kind == "range":
            raise FormulaSyntaxError("a range outside a function")
        if kind == "neg":
            x = to_number(self.eval(node[1]))
            return x if isinstance(x, Err) else -x
        if kind == "bin":
            return self.binary(node[1], self.eval(node[2]), self.eval(node[3]))
        if kind == "call":
            name, args = node[1], node[2]
            self.functions_used.add(name)
            if name not in PORTABLE_FUNCTIONS:
                return NAME
            return _FUNCTIONS[name](self, args)
        raise FormulaSyntaxError(kind)

    def binary(self, op: str, a: Any, b: Any) -> Any:
        if op == "&":
            x, y = to_text(a), to_text(b)
            if isinstance(x, Err):
                return x
            if isinstance(y, Err):
                return y
            return x + y
        if op in ("=", "<>", "<", "<=", ">", ">="):
            order = compare(a, b)
            if isinstance(order, Err):
                return order
            return {"=": order == 0, "<>": order != 0, "<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[op]
        x, y = to_number(a), to_number(b)
        if isinstance(x, Err):
            return x
        if isinstance(y, Err):
            return y
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            return DIV0 if y == 0 else x / y
        if op == "^":
            try:
                return float(x**y)
            except (OverflowError, ZeroDivisionError):
                return NUM
        raise FormulaSyntaxError(op)

    def values_of(self, args: tuple[Any, ...]) -> list[tuple[Any, bool]]:
        out: list[tuple[Any, bool]] = []
        for arg in args:
            if arg[0] == "range":
                out.extend((v, True) for v in self.range(arg[1], arg[2]))
            else:
                out.append((self.eval(arg), arg[0] == "cell"))
        return out


def _numbers(sheet: Sheet, args: tuple[Any, ...]) -> Any:
    out = []
    for v, by_ref in sheet.values_of(args):
        if isinstance(v, Err):
            return v
        if by_ref:
            if isinstance(v, float):
                out.append(v)
            continue
        n = to_number(v)
        if isinstance(n, Err):
            return n
        out.append(n)
    return out


def _logicals(sheet: Sheet, args: tuple[Any, ...]) -> Any:
    out = []
    for v, by_ref in sheet.values_of(args):
        if isinstance(v, Err):
            return v
        if v is BLANK or (by_ref and isinstance(v, str)):
            continue
        b = to_logical(v)
        if isinstance(b, Err):
            return b
        out.append(b)
    return out if out else VALUE


def _text_args(sheet: Sheet, args: tuple[Any, ...]) -> list[Any]:
    return [sheet.eval(a) for a in args]


def _int_arg(v: Any) -> Any:
    n = to_number(v)
    return n if isinstance(n, Err) else int(n)


def f_if(s: Sheet, a: tuple[Any, ...]) -> Any:
    test = to_logical(s.eval(a[0]))
    if isinstance(test, Err):
        return test
    if test:
        return s.eval(a[1])
    return s.eval(a[2]) if len(a) > 2 else False


def f_and(s: Sheet, a: tuple[Any, ...]) -> Any:
    v = _logicals(s, a)
    return v if isinstance(v, Err) else all(v)


def f_or(s: Sheet, a: tuple[Any, ...]) -> Any:
    v = _logicals(s, a)
    return v if isinstance(v, Err) else any(v)


def f_not(s: Sheet, a: tuple[Any, ...]) -> Any:
    v = to_logical(s.eval(a[0]))
    return v if isinstance(v, Err) else not v


def f_min(s: Sheet, a: tuple[Any, ...]) -> Any:
    v = _numbers(s, a)
    return v if isinstance(v, Err) else (min(v) if v else 0.0)


def f_max(s: Sheet, a: tuple[Any, ...]) -> Any:
    v = _numbers(s, a)
    return v if isinstance(v, Err) else (max(v) if v else 0.0)


def f_sum(s: Sheet, a: tuple[Any, ...]) -> Any:
    v = _numbers(s, a)
    return v if isinstance(v, Err) else sum(v, 0.0)


def f_count(s: Sheet, a: tuple[Any, ...]) -> Any:
    return float(sum(1 for v, by_ref in s.values_of(a) if isinstance(v, float) or (not by_ref and isinstance(v, bool))))


def _area(s: Sheet, node: Any) -> list[Any]:
    """A range argument: a range, or one cell (a one-row table's range is written as its cell)."""
    if node[0] == "range":
        return s.range(node[1], node[2])
    if node[0] == "cell":
        return [s.value(node[1])]
    raise FormulaSyntaxError("a range argument expected")


def f_sumif(s: Sheet, a: tuple[Any, ...]) -> Any:
    keys, values = _area(s, a[0]), _area(s, a[2])
    wanted = to_number(s.eval(a[1]))
    total = 0.0
    for k, v in zip(keys, values, strict=True):
        if isinstance(k, float) and approx_equal(k, wanted):
            if isinstance(v, Err):
                return v
            if isinstance(v, float):
                total += v
    return total


def f_round(s: Sheet, a: tuple[Any, ...]) -> Any:
    x, places = to_number(s.eval(a[0])), _int_arg(s.eval(a[1]))
    if isinstance(x, Err):
        return x
    if isinstance(places, Err):
        return places
    return excel_round(x, places)


def f_isnumber(s: Sheet, a: tuple[Any, ...]) -> Any:
    return isinstance(s.eval(a[0]), float)


def f_iserror(s: Sheet, a: tuple[Any, ...]) -> Any:
    return isinstance(s.eval(a[0]), Err)


def f_n(s: Sheet, a: tuple[Any, ...]) -> Any:
    v = s.eval(a[0])
    if isinstance(v, (float, Err)):
        return v
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return 0.0


def _texts(s: Sheet, a: tuple[Any, ...]) -> Any:
    out = []
    for v in _text_args(s, a):
        if isinstance(v, Err):
            return v
        out.append(v)
    return out


def f_left(s: Sheet, a: tuple[Any, ...]) -> Any:
    vals = _texts(s, a)
    if isinstance(vals, Err):
        return vals
    text = to_text(vals[0])
    n = _int_arg(vals[1]) if len(vals) > 1 else 1
    if isinstance(n, Err) or n < 0:
        return VALUE
    return text[:n]


def f_right(s: Sheet, a: tuple[Any, ...]) -> Any:
    vals = _texts(s, a)
    if isinstance(vals, Err):
        return vals
    text = to_text(vals[0])
    n = _int_arg(vals[1]) if len(vals) > 1 else 1
    if isinstance(n, Err) or n < 0:
        return VALUE
    return text[len(text) - n :] if n else ""


def f_mid(s: Sheet, a: tuple[Any, ...]) -> Any:
    vals = _texts(s, a)
    if isinstance(vals, Err):
        return vals
    text, start, n = to_text(vals[0]), _int_arg(vals[1]), _int_arg(vals[2])
    if isinstance(start, Err) or isinstance(n, Err) or start < 1 or n < 0:
        return VALUE
    return text[start - 1 : start - 1 + n]


def f_len(s: Sheet, a: tuple[Any, ...]) -> Any:
    v = s.eval(a[0])
    return v if isinstance(v, Err) else float(len(to_text(v)))


def f_find(s: Sheet, a: tuple[Any, ...]) -> Any:
    vals = _texts(s, a)
    if isinstance(vals, Err):
        return vals
    needle, hay = to_text(vals[0]), to_text(vals[1])
    start = _int_arg(vals[2]) if len(vals) > 2 else 1
    if isinstance(start, Err) or start < 1 or start > len(hay) + 1:
        return VALUE
    found = hay.find(needle, start - 1)
    return VALUE if found < 0 else float(found + 1)


def f_substitute(s: Sheet, a: tuple[Any, ...]) -> Any:
    vals = _texts(s, a)
    if isinstance(vals, Err):
        return vals
    text, old, new = (to_text(v) for v in vals[:3])
    return text if old == "" else text.replace(old, new)


def f_trim(s: Sheet, a: tuple[Any, ...]) -> Any:
    v = s.eval(a[0])
    return v if isinstance(v, Err) else re.sub(" +", " ", to_text(v).strip(" "))


def f_exact(s: Sheet, a: tuple[Any, ...]) -> Any:
    vals = _texts(s, a)
    return vals if isinstance(vals, Err) else to_text(vals[0]) == to_text(vals[1])


def f_value(s: Sheet, a: tuple[Any, ...]) -> Any:
    v = s.eval(a[0])
    if isinstance(v, (Err, float)):
        return v
    text = to_text(v)
    return float(text) if _NUMERIC.match(text) else VALUE


def f_char(s: Sheet, a: tuple[Any, ...]) -> Any:
    n = _int_arg(s.eval(a[0]))
    return n if isinstance(n, Err) else chr(n)


_FUNCTIONS: dict[str, Callable[[Sheet, tuple[Any, ...]], Any]] = {
    "IF": f_if,
    "AND": f_and,
    "OR": f_or,
    "NOT": f_not,
    "MIN": f_min,
    "MAX": f_max,
    "SUM": f_sum,
    "COUNT": f_count,
    "SUMIF": f_sumif,
    "ROUND": f_round,
    "ISNUMBER": f_isnumber,
    "ISERROR": f_iserror,
    "N": f_n,
    "LEFT": f_left,
    "RIGHT": f_right,
    "MID": f_mid,
    "LEN": f_len,
    "FIND": f_find,
    "SUBSTITUTE": f_substitute,
    "TRIM": f_trim,
    "EXACT": f_exact,
    "VALUE": f_value,
    "CHAR": f_char,
}
assert set(_FUNCTIONS) == set(PORTABLE_FUNCTIONS), set(_FUNCTIONS) ^ set(PORTABLE_FUNCTIONS)


def evaluate_formula(text: str, cells: Mapping[str, Any] | None = None) -> Any:
    """The value of one formula over ``cells`` (A1 name → number, text, or None for empty)."""
    sheet = Sheet(cells)
    value = sheet.eval(parse(text))
    return 0.0 if value is BLANK else value
