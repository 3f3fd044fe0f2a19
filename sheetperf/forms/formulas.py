"""Excel formulas of the self-evaluation form, built from the layout, the vocabulary and the declared rules.

Two kinds of formula, both plain strings (no Excel library is imported here):

* the **scoring formulas** — 执行率, 预算执行得分, the not-applicable rescale, each indicator's
  score and over-completion flag, 总分值, the total (capped where the profile caps it) and
  the grade — are the declarations of :mod:`sheetperf.rules.rulebook` rendered by
  :func:`sheetperf.rules.expr.to_formula`, each input bound to its cell.  Python
  (:mod:`sheetperf.rules.scoring`) evaluates the very same declarations.
* the **parsing helpers** — hidden columns that read the target and actual text the way
  :mod:`sheetperf.rules.parsing` does — are written here, from the word lists of
  :mod:`sheetperf.vocab.words` that the Python parser uses too.

Every formula uses only :data:`sheetperf.rules.expr.PORTABLE_FUNCTIONS` (present in Excel
97–2003, LibreOffice and WPS; no IFERROR — LibreOffice saves it to .xls as =NA()), no array
constants, nesting below Excel's 64 levels and at most 8,192 characters; :func:`form_formulas`
checks each one.

How a target typed as text is parsed in the sheet (hidden helper columns, one
per key of ``layout.table.helpers``), mirroring :func:`sheetperf.rules.parsing.parse_target`:

1. ``t_norm``: full-width forms folded (:data:`~sheetperf.vocab.words.FULLWIDTH_FOLDS`),
   whitespace (:data:`~sheetperf.vocab.words.SPACES`) made spaces, runs of spaces collapsed (TRIM).
2. ``t_oplen``/``t_op``: the operator spelling at the start, checked in the order of
   :data:`~sheetperf.vocab.words.OPERATOR_SPELLINGS` (``>=``, ``≥``, ``不低于``, ``=`` ...).
3. ``t_rest``: the rest without spaces; ``t_s1`` without a leading sign; ``t_len`` the
   run of digits, points and separators it starts with; ``t_num`` that run without trailing
   points; ``t_ok`` whether it is a number as Python accepts it (thousands separators in
   groups of three, one decimal point); ``t_val`` its value (integer digits and
   decimals joined, divided by a power of ten: no locale-dependent VALUE of "1.5");
   ``t_u`` what follows; ``t_uok`` whether that is a unit (a bracketed one of at most
   :data:`~sheetperf.vocab.words.MAX_BRACKET_UNIT` characters, or a bare one of at most
   :data:`~sheetperf.vocab.words.MAX_BARE_UNIT` free of :data:`~sheetperf.vocab.words.UNIT_EXCLUDED`,
   each optionally followed by a :data:`~sheetperf.vocab.words.SUFFIXES` word); ``t_unit`` the unit itself.
4. A range (``150-200项``, no operator): ``r_rest`` after the low number, an optional
   ``%`` and one of :data:`~sheetperf.vocab.words.RANGE_SEPARATORS`; ``h_*`` the high number; ``r_ok``.
5. ``t_kind``: :data:`~sheetperf.rules.parsing.TARGET_CODES` (not a date such as ``12 月``
   without operator: :data:`~sheetperf.vocab.words.TIME_UNITS`); ``t_goal``, ``t_high``, ``t_rev``.

The actual (``a_*``) is a number cell, or text parsed the same way after the
empty marks, not-applicable words and the achievement levels
(``a_kind``: :data:`~sheetperf.rules.parsing.ACTUAL_CODES` and ``LEVEL_CODES``).
``na``, ``ew`` (weight after the not-applicable rescale), ``over`` (over-completion, for
the deviation highlight) and ``score`` are declared rules.

Known differences with the Python parser, all exotic spellings (tests document
them): more than five thousands separators, more than three trailing dots after a
number, and compatibility characters other than the folded ones (NFKC maps
e.g. ``①`` to ``1``; the sheet keeps it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from sheetperf.errors import SpecError
from sheetperf.forms.layout import Layout
from sheetperf.model.a1 import col_letter, to_a1
from sheetperf.model.memo import BatchCache, Memo
from sheetperf.model.record import FUND_ROWS
from sheetperf.rules import rulebook as rb
from sheetperf.rules.expr import (
    MAX_ARGUMENTS,
    Expr,
    check_limits,
    check_portable,
    number_literal,
    quote,
    to_formula,
)
from sheetperf.rules.parsing import (
    ACTUAL_CODES,
    LEVEL_CODES,
    LEVEL_TEXT,
    TARGET_CODES,
    ActualKind,
    Level,
    Operator,
    TargetKind,
)
from sheetperf.rules.profiles import Profile
from sheetperf.vocab import labels, words

ROW: Final = "\x00"  # placeholder for the 1-based row number in a row template
MAX_TEXT: Final = 9999

_T = {kind: quote(code) for kind, code in TARGET_CODES.items()}
_A = {kind: quote(code) for kind, code in ACTUAL_CODES.items()}
_L = {level: quote(code) for level, code in LEVEL_CODES.items()}
_REVERSE: Final = tuple(Operator(op) for op in words.REVERSE_OPERATORS)
# Whitespace as formula text: control characters as CHAR(n), others as literals.
_SPACES: Final = tuple(f"CHAR({ord(c)})" if ord(c) < 32 else quote(c) for c in words.SPACES)


def q(text: str) -> str:
    """A string literal for a formula."""
    return quote(text)


def _or(tests: list[str]) -> str:
    """OR of the tests, nested so that no call has more than Excel 97–2003's 30 arguments."""
    while len(tests) > MAX_ARGUMENTS:
        tests = [_or(tests[i : i + MAX_ARGUMENTS]) for i in range(0, len(tests), MAX_ARGUMENTS)]
    return "OR(" + ",".join(tests) + ")"


def _any_equal(expr: str, values: tuple[str, ...]) -> str:
    return _or([f"{expr}={q(v)}" for v in values])


def _any_exact(expr: str, values: tuple[str, ...]) -> str:
    return _or([f"EXACT({expr},{q(v)})" for v in values])


def _any_prefix(expr: str, values: tuple[str, ...]) -> str:
    return _or([f"LEFT({expr},{len(v)})={q(v)}" for v in values])


def _substitute_all(expr: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """SUBSTITUTE each (old, new) in turn; ``old`` is a character, or formula text (CHAR(9), a literal)."""
    for old, new in pairs:
        old_lit = old if old.startswith("CHAR(") or old.startswith('"') else q(old)
        expr = f"SUBSTITUTE({expr},{old_lit},{q(new)})"
    return expr


def fold(expr: str) -> str:
    """Full-width forms folded and every kind of whitespace made a space."""
    return _substitute_all(_substitute_all(expr, words.FULLWIDTH_FOLDS), tuple((s, words.SPACE) for s in _SPACES))


def _operator_chain(expr: str, result: Callable[[str, Operator], str], default: str) -> str:
    out = default
    for spelling, op in reversed(words.OPERATOR_SPELLINGS):
        operator = Operator(op)
        out = f"IF(LEFT({expr},{len(spelling)})={q(spelling)},{result(spelling, operator)},{out})"
    return out


def _strip_chars(expr: str, chars: str) -> str:
    return _substitute_all(expr, tuple((c, "") for c in chars))


def _suffix(u: str) -> str:
    """The unit ends in 以上/以下/以内 (the suffixes are two characters each)."""
    return _any_equal(f"RIGHT({u},{_SUFFIX_LEN})", words.SUFFIXES)


_SUFFIX_LEN: Final = len(words.SUFFIXES[0])
if any(len(s) != _SUFFIX_LEN for s in words.SUFFIXES):  # pragma: no cover - a vocabulary change
    raise SpecError("the sheet cuts suffixes of one length: words.SUFFIXES differ in length")


@dataclass(frozen=True)
class _Refs:
    """Relative references of one indicator row (``ROW`` stands for its number)."""

    cols: dict[str, str]

    def __call__(self, key: str) -> str:
        return f"{self.cols[key]}{ROW}"


_DOT, _SEP = q(words.DECIMAL_POINT), q(words.THOUSANDS_SEPARATOR)
_MINUS, _PLUS = (q(sign) for sign in words.SIGNS)
_OPEN, _CLOSE, _PERCENT = q(words.UNIT_OPEN), q(words.UNIT_CLOSE), q(words.PERCENT)
_NUMBER_CHARS: Final = words.DIGITS + words.DECIMAL_POINT + words.THOUSANDS_SEPARATOR
#: Groups of three digits the sheet checks between thousands separators (Python: any number).
_MAX_GROUPS: Final = 5


def _number_block(r: _Refs, p: str, src: str) -> dict[str, str]:
    """Formulas of the ``{p}_s1 … {p}_u`` helpers: a number at the start of ``src``."""
    s1, run, n, u = r(f"{p}_s1"), r(f"{p}_len"), r(f"{p}_num"), f"{p}_u"
    spaced = _substitute_all(s1, tuple((c, words.SPACE) for c in _NUMBER_CHARS))
    ip = f"LEFT({n},FIND({_DOT},{n}&{_DOT})-1)"
    frac = f"MID({n},FIND({_DOT},{n}&{_DOT})+1,{MAX_TEXT})"
    length = f"LEN({ip})"
    commas = f'({length}-LEN(SUBSTITUTE({ip},{_SEP},"")))'
    groups = ",".join(
        f"OR({commas}<{k},MID({ip},MAX(1,{length}-{4 * k - 1}),1)={_SEP})" for k in range(1, _MAX_GROUPS + 1)
    )
    grouping = f"OR({commas}=0,AND({length}-4*{commas}>=1,{length}-4*{commas}<=3,{commas}<={_MAX_GROUPS},{groups}))"
    dot_trim = (
        f"IF({run}<1,0,IF(MID({s1},{run},1)<>{_DOT},0,IF({run}<2,1,IF(MID({s1},{run}-1,1)<>{_DOT},1,"
        f"IF({run}<3,2,IF(MID({s1},{run}-2,1)<>{_DOT},2,3))))))"
    )
    return {
        f"{p}_s1": f"IF(OR(LEFT({src},1)={_MINUS},LEFT({src},1)={_PLUS}),MID({src},2,{MAX_TEXT}),{src})",
        f"{p}_len": f'IF(TRIM({spaced})="",LEN({spaced}),FIND(LEFT(TRIM({spaced}),1),{spaced})-1)',
        f"{p}_num": f"LEFT({s1},{run}-{dot_trim})",
        f"{p}_ok": (
            f"AND(LEN({n})>0,ISNUMBER(FIND(LEFT({n},1),{q(words.DIGITS)})),"
            f'LEN({n})-LEN(SUBSTITUTE({n},{_DOT},""))<=1,RIGHT({n},1)<>{_DOT},'
            f"ISERROR(FIND({_SEP},MID({n},FIND({_DOT},{n}&{_DOT}),{MAX_TEXT}))),{grouping})"
        ),
        f"{p}_val": (
            f'IF({r(f"{p}_ok")},IF(LEFT({src},1)={_MINUS},-1,1)*VALUE(SUBSTITUTE({ip},{_SEP},"")&{frac})/10^LEN({frac}),"")'
        ),
        u: f"MID({s1},LEN({n})+1,{MAX_TEXT})",
    }


def _bare_unit(u: str) -> str:
    """``u`` holds none of the characters a bare unit may not contain."""
    return f"LEN({u})=LEN({_strip_chars(u, words.UNIT_EXCLUDED)})"


def _unit_ok(u: str) -> str:
    """Python's ``_QUANT_RE`` tail: ``(unit)`` or a bare unit, then an optional 以上/以下/以内."""
    bare, suffixed = words.MAX_BARE_UNIT, words.MAX_BARE_UNIT + _SUFFIX_LEN
    plain = f"AND({_bare_unit(u)},OR(LEN({u})<={bare},AND(LEN({u})<={suffixed},{_suffix(u)})))"
    p = f"FIND({_CLOSE},{u})"
    inner = f"MID({u},2,{p}-2)"
    tail = f"MID({u},{p}+1,{MAX_TEXT})"
    # No closing bracket: FIND is an error, so it is tested first (IF is lazy; AND is not).
    paren = (
        f"IF(LEFT({u},1)<>{_OPEN},FALSE,IF(ISERROR({p}),FALSE,AND(LEN({inner})<={words.MAX_BRACKET_UNIT},"
        f'ISERROR(FIND({_OPEN},{inner})),OR({tail}="",{_any_equal(tail, words.SUFFIXES)}))))'
    )
    return f"OR({plain},{paren})"


def _range_unit_ok(u: str) -> str:
    plain = f"AND({_bare_unit(u)},LEN({u})<={words.MAX_BARE_UNIT})"
    inner = f"MID({u},2,LEN({u})-2)"
    paren = (
        f"IF(LEN({u})<2,FALSE,AND(LEFT({u},1)={_OPEN},RIGHT({u},1)={_CLOSE},LEN({u})-2<={words.MAX_BRACKET_UNIT},"
        f"ISERROR(FIND({_OPEN},{inner})),ISERROR(FIND({_CLOSE},{inner}))))"
    )
    return f"OR({plain},{paren})"


def _parsing_templates(r: _Refs) -> dict[str, str]:
    """Formulas of the helper columns that parse the target and the actual, with ``ROW`` placeholders."""
    target, actual = r("target"), r("actual")
    f: dict[str, str] = {}
    # -- target
    f["t_norm"] = f"TRIM({fold(target + '&' + q(''))})"
    n = r("t_norm")
    f["t_oplen"] = _operator_chain(n, lambda s, _: str(len(s)), "0")
    f["t_op"] = _operator_chain(n, lambda _, op: q(op.value), q(""))
    f["t_rest"] = f'SUBSTITUTE(MID({n},{r("t_oplen")}+1,{MAX_TEXT}),{q(words.SPACE)},"")'
    f.update(_number_block(r, "t", r("t_rest")))
    u = r("t_u")
    f["t_uok"] = _unit_ok(u)
    f["t_unit"] = (
        f'IF(LEFT({u},1)={_OPEN},IF(ISERROR(FIND({_CLOSE},{u})),"",MID({u},2,FIND({_CLOSE},{u})-2)),'
        f"IF(AND(LEN({u})>={_SUFFIX_LEN},{_suffix(u)}),LEFT({u},LEN({u})-{_SUFFIX_LEN}),{u}))"
    )
    # -- range: low number (t_*), optional %, separator, high number (h_*)
    u2 = f"IF(LEFT({u},1)={_PERCENT},MID({u},2,{MAX_TEXT}),{u})"
    f["r_rest"] = f'IF({_any_equal(f"LEFT({u2},1)", words.RANGE_SEPARATORS)},MID({u2},2,{MAX_TEXT}),"#")'
    if any(len(sep) != 1 for sep in words.RANGE_SEPARATORS):  # pragma: no cover - a vocabulary change
        raise SpecError("the sheet reads one-character range separators only")
    f.update(_number_block(r, "h", r("r_rest")))
    f["r_ok"] = (
        f'AND({r("t_op")}="",{r("t_ok")},{r("h_ok")},{_range_unit_ok(r("h_u"))},'
        f"IF(AND({r('t_ok')},{r('h_ok')}),{r('t_val')}<={r('h_val')},FALSE))"
    )
    f["t_kind"] = (
        f'IF({n}="",{_T[TargetKind.EMPTY]},IF(AND({r("t_ok")},{r("t_uok")},'
        f'OR({r("t_op")}<>"",NOT({_any_equal(r("t_unit"), words.TIME_UNITS)}))),'
        f"{_T[TargetKind.QUANTITATIVE]},IF({r('r_ok')},{_T[TargetKind.RANGE]},{_T[TargetKind.QUALITATIVE]})))"
    )
    kind = r("t_kind")
    numeric = f"OR({kind}={_T[TargetKind.QUANTITATIVE]},{kind}={_T[TargetKind.RANGE]})"
    f["t_goal"] = f'IF({numeric},{r("t_val")},"")'
    f["t_high"] = f'IF({kind}={_T[TargetKind.RANGE]},{r("h_val")},{r("t_goal")})'
    reverse = ",".join(f'{r("t_op")}={q(op.value)}' for op in _REVERSE)
    f["t_rev"] = f"AND({kind}={_T[TargetKind.QUANTITATIVE]},OR({reverse}))"
    # -- actual
    f["a_norm"] = f'IF(ISNUMBER({actual}),"",SUBSTITUTE({fold(actual + "&" + q(""))},{q(words.SPACE)},""))'
    a = r("a_norm")
    f["a_oplen"] = _operator_chain(a, lambda s, _: str(len(s)), "0")
    f["a_rest"] = f"MID({a},{r('a_oplen')}+1,{MAX_TEXT})"
    f.update(_number_block(r, "a", r("a_rest")))
    f["a_uok"] = _unit_ok(r("a_u"))
    number = _A[ActualKind.NUMBER]
    f["a_kind"] = (
        f"IF(ISNUMBER({actual}),{number},IF({_any_equal(a, words.EMPTY_MARKS)},{_A[ActualKind.EMPTY]},"
        f"IF({_any_exact(a, words.NOT_APPLICABLE_WORDS)},{_A[ActualKind.NOT_APPLICABLE]},"
        f"IF({_any_prefix(a, words.NOT_ACHIEVED_PREFIXES)},{_L[Level.NOT_ACHIEVED]},"
        f"IF({_any_prefix(a, words.PARTIAL_PREFIXES)},{_L[Level.PARTIAL]},"
        f"IF({_any_equal(a, words.ACHIEVED_SPELLINGS)},{_L[Level.ACHIEVED]},"
        f"IF(AND({r('a_ok')},{r('a_uok')}),{number},{_A[ActualKind.TEXT]})))))))"
    )
    f["a_value"] = f"IF(ISNUMBER({actual}),{actual},{r('a_val')})"
    return f


#: Helper keys the declared rules fill, and the rule of each.
_RULE_KEYS: Final[dict[str, Callable[[rb.RuleBook], Expr]]] = {
    "na": lambda book: book.na,
    "ew": lambda book: book.effective_weight,
    "over": lambda book: book.over_completion,
    "score": lambda book: book.score,
}
#: Row inputs of the rules that are columns of the same key.
_ROW_INPUTS: Final = (rb.T_KIND, rb.T_GOAL, rb.T_HIGH, rb.T_REV, rb.A_KIND, rb.A_VALUE, rb.WEIGHT, rb.NA, rb.EW)


def _row_templates(layout: Layout, book: rb.RuleBook) -> dict[str, str]:
    """Formula of every helper key and of ``score`` for one row, with ``ROW`` placeholders."""
    table = layout.table
    cols = {c.key: col_letter(c.col) for c in (*table.columns, *table.helpers)}
    r = _Refs(cols)
    f = _parsing_templates(r)
    refs = {name: r(name) for name in _ROW_INPUTS}
    refs |= {
        rb.WEIGHT_SUM: _absolute(layout.field("calc.weight_sum").a1),
        rb.KEPT_WEIGHT: _absolute(layout.field("calc.kept_weight").a1),
        rb.NA_COUNT: _absolute(layout.field("calc.na_count").a1),
    }
    for key, rule in _RULE_KEYS.items():
        f[key] = to_formula(rule(book), refs).removeprefix("=")
    missing = set(cols) - set(f) - {"level1", "level2", "name", "target", "actual", "weight", "deviation"}
    extra = set(f) - set(cols)
    if missing or extra:
        raise SpecError(f"formulas and layout disagree: missing {sorted(missing)}, unknown {sorted(extra)}")
    return f


def _absolute(a1: str) -> str:
    letters = "".join(ch for ch in a1 if ch.isalpha())
    return f"${letters}${a1[len(letters) :]}"


def _field_formulas(layout: Layout, book: rb.RuleBook) -> dict[str, str]:
    """Formulas of the form's computed fields (and the hidden sums of the total row)."""
    table = layout.table

    def at(path: str) -> str:
        return layout.field(path).a1

    out = _rate_formulas(layout, book.execution_rate, "annual_budget")
    funds = {
        rb.EXECUTED: at("funds.total.executed"),
        rb.BUDGET: at("funds.total.annual_budget"),
        rb.BUDGET_WEIGHT: at("funds.total.weight"),
    }
    ranges = {
        rb.WEIGHTS: table.column_range("weight"),
        rb.NA_FLAGS: table.column_range("na"),
        rb.SCORES: table.column_range("score"),
    }
    out["funds.total.score"] = to_formula(book.budget_score, funds)
    out["calc.weight_sum"] = to_formula(book.weight_sum, ranges)
    out["calc.kept_weight"] = to_formula(book.kept_weight, ranges)
    out["calc.na_count"] = to_formula(book.na_count, ranges)
    out["total_weight"] = to_formula(book.total_weight, ranges | funds)
    out["calc.raw_total"] = to_formula(book.raw_total, ranges | {rb.BUDGET_SCORE: at("funds.total.score")})
    out["calc.total_cap"] = to_formula(book.total_cap, {rb.RATE: at("funds.total.execution_rate")})
    out["total_score"] = to_formula(book.total, {rb.RAW_TOTAL: at("calc.raw_total"), rb.TOTAL_CAP: at("calc.total_cap")})
    out["grade"] = to_formula(book.grade, {rb.TOTAL: at("total_score")})
    return out


def _profile_key(profile: Profile) -> str:
    """Everything of a profile the formulas may depend on (every setting, to be safe)."""
    return repr(profile)


@dataclass(frozen=True)
class FormFormulas:
    """All formulas of one layout under one profile."""

    row_templates: dict[str, str]  # key → formula with ROW placeholders
    fields: dict[str, str]  # field path → formula

    def row(self, index: int, layout: Layout) -> dict[str, str]:
        """``{key: "=…"}`` for indicator ``index`` (zero-based): helpers and ``score``."""
        number = str(layout.table.row(index) + 1)
        return {key: "=" + text.replace(ROW, number) for key, text in self.row_templates.items()}


class FormulaMemory:
    """Formulas built per layout and profile, a :class:`~sheetperf.model.memo.BatchCache` part
    (``distribute`` writes hundreds of templates of a few layouts; building one takes milliseconds)."""

    __slots__ = ("built",)

    def __init__(self) -> None:
        self.built: Memo[tuple[object, ...], FormFormulas] = Memo(64)


def form_formulas(layout: Layout, profile: Profile, cache: BatchCache | None = None) -> FormFormulas:
    """Formulas of a self-evaluation layout, each checked to be portable; remembered in ``cache``
    per capacity and profile."""
    if layout.form != "self_evaluation":
        raise SpecError(f"a {layout.form} form has no scoring formulas")
    key = (layout.form, layout.table.capacity, layout.version, _profile_key(profile))
    memory = cache.part(FormulaMemory).built if cache is not None else None
    found = memory.get(key) if memory is not None else None
    if found is not None:
        return found
    book = profile.rules
    rows, fields = _row_templates(layout, book), _field_formulas(layout, book)
    _check(rows, fields)
    built = FormFormulas(rows, fields)
    return memory.put(key, built) if memory is not None else built


def monitoring_formulas(layout: Layout, profile: Profile) -> FormFormulas:
    """Formulas of a monitoring layout: each funding row's 1–N月执行率, 时间进度, 进度预警 and the hidden
    ``need`` column (a deviation analysis and measures are due), all from
    :func:`sheetperf.rules.rulebook.monitoring_rules`; checked to be portable."""
    if layout.form != "monitoring":
        raise SpecError(f"a {layout.form} form has no monitoring formulas")
    book = rb.monitoring_rules(profile)
    table = layout.table

    def at(path: str) -> str:
        return layout.field(path).a1

    fields = _rate_formulas(layout, book.execution_rate, "initial_budget")
    fields["time_progress"] = to_formula(book.time_progress, {rb.PERIOD: at("period")})
    progress = {rb.RATE: at("funds.total.execution_rate"), rb.TIME_PROGRESS: at("time_progress")}
    fields["progress_flag"] = to_formula(book.flag, progress)
    r = _Refs({c.key: col_letter(c.col) for c in (*table.columns, *table.helpers)})
    rows = {"need": to_formula(book.reason_required, {rb.POSSIBILITY: r("possibility")}).removeprefix("=")}
    _check(rows, fields)
    return FormFormulas(rows, fields)


def _rate_formulas(layout: Layout, rate: Expr, budget: str) -> dict[str, str]:
    """Each funding row's 执行率: its executed amount over its ``budget`` column (the self-evaluation's
    全年预算数, the monitoring form's 年初预算数)."""
    out: dict[str, str] = {}
    for row in FUND_ROWS:
        executed, budgeted = layout.field(f"funds.{row}.executed"), layout.field(f"funds.{row}.{budget}")
        refs = {rb.EXECUTED: executed.a1, rb.BUDGET: budgeted.a1}
        out[f"funds.{row}.execution_rate"] = to_formula(rate, refs)
    return out


def _check(rows: dict[str, str], fields: dict[str, str]) -> None:
    """Every formula of a form portable and within Excel's limits (row templates are kept without ``=``)."""
    for text in (*rows.values(), *fields.values()):
        formula = text if text.startswith("=") else "=" + text
        check_portable(formula)
        check_limits(formula)


def reason_missing_rule(layout: Layout, index: int, key: str) -> str:
    """Conditional-format formula for a monitoring row's ``key`` cell (deviation or measures): empty
    although the possibility chosen needs it (the hidden ``need`` column)."""
    table = layout.table
    row = table.row(index)
    return f'=AND({to_a1(row, table.column("need").col)}=1,TRIM({to_a1(row, table.column(key).col)})="")'


def forecast_note_rule(layout: Layout, row: str) -> str:
    """Conditional-format formula for a funding row's note: 全年预计执行数 above 年初预算数 and no note."""
    budget, forecast = layout.field(f"funds.{row}.initial_budget").a1, layout.field(f"funds.{row}.forecast").a1
    note = layout.field(f"funds.{row}.note").a1
    return f'=AND(ISNUMBER({forecast}),ISNUMBER({budget}),{forecast}>{budget},TRIM({note})="")'


def lag_rule(layout: Layout) -> str:
    """Conditional-format formula for the progress flag: lagging."""
    flag = layout.field("progress_flag").a1
    return f"={flag}={q(labels.PROGRESS_FLAGS['lagging'])}"


def goal_heading_formula(layout: Layout) -> str:
    """``2020年绩效目标`` from the year cell, ``绩效目标`` while it is empty."""
    year = layout.field("year").a1
    return f"=IF(ISNUMBER({year}),{year}&{q(labels.GOAL_HEADING_SUFFIX)},{q(labels.FORM_TEXTS['goal_heading'])})"


def deviation_missing_rule(layout: Layout, index: int) -> str:
    """Conditional-format formula for the deviation cell of indicator ``index``.

    True where the reason is empty although the score is below the (effective)
    weight or the target is over-completed: :attr:`IndicatorScore.needs_deviation`.
    """
    table = layout.table
    row = table.row(index)

    def ref(key: str) -> str:
        return to_a1(row, table.column(key).col)

    return (
        f'=AND(TRIM({ref("deviation")})="",OR(AND(ISNUMBER({ref("score")}),ISNUMBER({ref("ew")}),'
        f"{ref('score')}<{ref('ew')}),{ref('over')}=1))"
    )


def weight_total_rule(layout: Layout, profile: Profile) -> str:
    """Conditional-format formula for the total weight cell: weights entered, total ≠ profile total."""
    cell = layout.field("total_weight").a1
    return f"=AND(ISNUMBER({cell}),{cell}<>{number_literal(profile.total_weight)})"


def level_list() -> tuple[str, ...]:
    """The achievement levels a dropdown offers, in the official wording."""
    return tuple(LEVEL_TEXT[level] for level in Level)


def refs_of(layout: Layout) -> Mapping[str, str]:
    """The cell of each form-level input of the declared rules (for tests and tools)."""
    return {
        rb.EXECUTED: layout.field("funds.total.executed").a1,
        rb.BUDGET: layout.field("funds.total.annual_budget").a1,
        rb.BUDGET_WEIGHT: layout.field("funds.total.weight").a1,
        rb.RATE: layout.field("funds.total.execution_rate").a1,
        rb.TOTAL: layout.field("total_score").a1,
    }


__all__ = [
    "ROW",
    "FormFormulas",
    "check_limits",
    "deviation_missing_rule",
    "fold",
    "forecast_note_rule",
    "form_formulas",
    "goal_heading_formula",
    "lag_rule",
    "level_list",
    "monitoring_formulas",
    "q",
    "reason_missing_rule",
    "weight_total_rule",
]
