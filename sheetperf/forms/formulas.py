"""Excel formulas of the self-evaluation form, built as strings from the layout and a rules profile.

Every rule here is the twin of one in :mod:`sheetperf.rules.scoring`; ``tests/test_recalc.py``
recalculates generated workbooks in LibreOffice and checks both give the same figures.
No Excel library is imported: this module only builds strings.

Functions used exist in Excel 2007/2010, WPS and LibreOffice: IF, AND, OR, NOT, LEFT,
MID, RIGHT, LEN, FIND, SUBSTITUTE, TRIM, EXACT, VALUE, ISNUMBER, ISERROR, IFERROR,
ROUND, MIN, MAX, SUM, SUMIF, COUNT, N.  No array constants, no LET/XLOOKUP/IFS/
TEXTJOIN, no dynamic arrays, nesting below Excel's 64 levels, every formula below
8,192 characters.

How a target typed as text is parsed in the sheet (hidden helper columns, one
per key of ``layout.table.helpers``), mirroring :func:`sheetperf.parsing.parse_target`:

1. ``t_norm``: full-width forms folded (``０-９ ．，（）％＜＞＝＋－～；／``, the small
   forms ``﹙﹚﹪﹤﹥﹦﹢﹣﹐﹔``, ``㎡ ² ³``, ``ｎＮａＡ``), tabs, line breaks,
   no-break and ideographic spaces made spaces, runs of spaces collapsed (TRIM).
2. ``t_oplen``/``t_op``: the operator spelling at the start, checked in the order of
   :data:`sheetperf.parsing._OPERATORS` (``>=``, ``≥``, ``不低于``, ``=`` ...).
3. ``t_rest``: the rest without spaces; ``t_s1`` without a leading sign; ``t_len`` the
   run of ``0-9 . ,`` it starts with; ``t_num`` that run without trailing dots;
   ``t_ok`` whether it is a number as Python accepts it (thousands separators in
   groups of three, one decimal point); ``t_val`` its value (integer digits and
   decimals joined, divided by a power of ten: no locale-dependent VALUE of "1.5");
   ``t_u`` what follows; ``t_uok`` whether that is a unit (``(…)`` of at most 16
   characters, or at most 12 characters free of digits and ``,;、()<>=≥≤``, each
   optionally followed by 以上/以下/以内); ``t_unit`` the unit itself.
4. A range (``150-200项``, no operator): ``r_rest`` after the low number, an optional
   ``%`` and one of ``- ~ 至 到 — –``; ``h_*`` the high number; ``r_ok``.
5. ``t_kind``: ``Q`` quantitative (not a date such as ``12 月`` without operator),
   ``R`` range, ``L`` qualitative, ``""`` empty; ``t_goal``, ``t_high``, ``t_rev``.

The actual (``a_*``) is a number cell, or text parsed the same way after the
empty marks (``- — /``), not-applicable words and the achievement levels
(``a_kind``: ``N`` number, ``A``/``P``/``X`` achieved/partial/not achieved, ``NA``,
``E`` empty, ``T`` other text).  ``na``, ``ew`` (weight after the not-applicable
rescale) and ``over`` (over-completion, for the deviation highlight) follow.

Known differences with the Python parser, all exotic spellings (tests document
them): more than five thousands separators, more than three trailing dots after a
number, and compatibility characters other than the ones folded above (NFKC maps
e.g. ``①`` to ``1``; the sheet keeps it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from sheetperf.errors import SpecError
from sheetperf.forms.layout import Layout
from sheetperf.model.a1 import col_letter, to_a1
from sheetperf.rules.parsing import _OPERATORS, LEVEL_TEXT, Level, Operator
from sheetperf.rules.profiles import Profile
from sheetperf.vocab import labels

ROW: Final = "§"  # placeholder for the 1-based row number in a row template

# NFKC folding the sheet reproduces (character → replacement).
_FOLD: Final[tuple[tuple[str, str], ...]] = (
    *((chr(0xFF10 + i), str(i)) for i in range(10)),
    *zip("＋－．，（）％＜＞＝～；／", "+-.,()%<>=~;/", strict=True),
    *zip("﹙﹚﹪﹤﹥﹦﹢﹣﹐﹔", "()%<>=+-,;", strict=True),
    *zip("ｎＮａＡ", "nNaA", strict=True),
    ("㎡", "m2"),
    ("²", "2"),
    ("³", "3"),
)
# Whitespace made a plain space (Python: NFKC then \s+ → " ").
_SPACES: Final[tuple[str, ...]] = ("CHAR(9)", "CHAR(10)", "CHAR(13)", '"\u00a0"', '"\u3000"', '"\u2002"', '"\u2003"')
_NUMBER_CHARS: Final = "0123456789.,"
# Characters a unit may not contain (parsing._UNIT) once full-width forms are folded.
_UNIT_EXCLUDED: Final = "0123456789,;、()<>=≥≤"
_SUFFIXES: Final = ("以上", "以下", "以内")
_RANGE_SEPARATORS: Final = ("-", "~", "至", "到", "—", "–")
_TIME_UNITS: Final = ("月", "月份", "月底", "月末", "日", "号", "季度", "年", "年底", "周", "月前", "月底前")
_EMPTY_MARKS: Final = ("", "-", "—", "/")
_NOT_APPLICABLE: Final = ("不适用", "不涉及", "无此项", "n/a", "na", "N/A")
_NOT_ACHIEVED_PREFIXES: Final = ("未达成", "未能达成", "未完全达成", "未能完全达成", "未达到")
_PARTIAL_PREFIXES: Final = ("部分达成", "部分达到")
_ACHIEVED: Final = tuple(
    [f"{a}达成{y}{s}" for a in ("", "已") for y in ("", "年度") for s in ("", "指标", "目标")]
    + [
        f"{a}{q}达到{y}{s}"
        for a in ("", "已")
        for q in ("", "全部")
        for y in ("", "年度")
        for s in ("", "指标", "目标")
    ]
)
MAX_TEXT: Final = 9999


def q(text: str) -> str:
    """A string literal for a formula."""
    return '"' + text.replace('"', '""') + '"'


def _num(value: Decimal | int | float) -> str:
    text = format(Decimal(str(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _any_equal(expr: str, values: tuple[str, ...]) -> str:
    return "OR(" + ",".join(f"{expr}={q(v)}" for v in values) + ")"


def _any_exact(expr: str, values: tuple[str, ...]) -> str:
    return "OR(" + ",".join(f"EXACT({expr},{q(v)})" for v in values) + ")"


def _any_prefix(expr: str, values: tuple[str, ...]) -> str:
    return "OR(" + ",".join(f"LEFT({expr},{len(v)})={q(v)}" for v in values) + ")"


def _substitute_all(expr: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for old, new in pairs:
        old_lit = old if old.startswith("CHAR(") or old.startswith('"') else q(old)
        expr = f"SUBSTITUTE({expr},{old_lit},{q(new)})"
    return expr


def fold(expr: str) -> str:
    """Full-width forms folded and every kind of whitespace made a space."""
    return _substitute_all(_substitute_all(expr, _FOLD), tuple((s, " ") for s in _SPACES))


def _operator_chain(expr: str, result: Callable[[str, Operator], str], default: str) -> str:
    out = default
    for spelling, operator in reversed(_OPERATORS):
        out = f"IF(LEFT({expr},{len(spelling)})={q(spelling)},{result(spelling, operator)},{out})"
    return out


def _strip_chars(expr: str, chars: str) -> str:
    return _substitute_all(expr, tuple((c, "") for c in chars))


def _suffix(u: str) -> str:
    return _any_equal(f"RIGHT({u},2)", _SUFFIXES)


@dataclass(frozen=True)
class _Refs:
    """Relative references of one indicator row (``ROW`` stands for its number)."""

    cols: dict[str, str]

    def __call__(self, key: str) -> str:
        return f"{self.cols[key]}{ROW}"


def _number_block(r: _Refs, p: str, src: str) -> dict[str, str]:
    """Formulas of the ``{p}_s1 … {p}_u`` helpers: a number at the start of ``src``."""
    s1, run, n, u = r(f"{p}_s1"), r(f"{p}_len"), r(f"{p}_num"), f"{p}_u"
    spaced = _substitute_all(s1, tuple((c, " ") for c in _NUMBER_CHARS))
    ip = f'LEFT({n},FIND(".",{n}&".")-1)'
    frac = f'MID({n},FIND(".",{n}&".")+1,{MAX_TEXT})'
    length = f"LEN({ip})"
    commas = f'({length}-LEN(SUBSTITUTE({ip},",","")))'
    groups = ",".join(f'OR({commas}<{k},MID({ip},MAX(1,{length}-{4 * k - 1}),1)=",")' for k in range(1, 6))
    grouping = f"OR({commas}=0,AND({length}-4*{commas}>=1,{length}-4*{commas}<=3,{commas}<=5,{groups}))"
    dot_trim = (
        f'IF({run}<1,0,IF(MID({s1},{run},1)<>".",0,IF({run}<2,1,IF(MID({s1},{run}-1,1)<>".",1,'
        f'IF({run}<3,2,IF(MID({s1},{run}-2,1)<>".",2,3))))))'
    )
    return {
        f"{p}_s1": f'IF(OR(LEFT({src},1)="-",LEFT({src},1)="+"),MID({src},2,{MAX_TEXT}),{src})',
        f"{p}_len": f'IF(TRIM({spaced})="",LEN({spaced}),FIND(LEFT(TRIM({spaced}),1),{spaced})-1)',
        f"{p}_num": f"LEFT({s1},{run}-{dot_trim})",
        f"{p}_ok": (
            f'AND(LEN({n})>0,ISNUMBER(FIND(LEFT({n},1),"0123456789")),'
            f'LEN({n})-LEN(SUBSTITUTE({n},".",""))<=1,RIGHT({n},1)<>".",'
            f'ISERROR(FIND(",",MID({n},FIND(".",{n}&"."),{MAX_TEXT}))),{grouping})'
        ),
        f"{p}_val": (
            f'IF({r(f"{p}_ok")},IF(LEFT({src},1)="-",-1,1)*VALUE(SUBSTITUTE({ip},",","")&{frac})/10^LEN({frac}),"")'
        ),
        u: f"MID({s1},LEN({n})+1,{MAX_TEXT})",
    }


def _unit_ok(u: str) -> str:
    """Python's ``_QUANT_RE`` tail: ``(unit)`` or a plain unit, then 以上/以下/以内."""
    plain = f"AND(LEN({u})=LEN({_strip_chars(u, _UNIT_EXCLUDED)}),OR(LEN({u})<=12,AND(LEN({u})<=14,{_suffix(u)})))"
    p = f'FIND(")",{u})'
    inner = f"MID({u},2,{p}-2)"
    tail = f"MID({u},{p}+1,{MAX_TEXT})"
    paren = (
        f'IFERROR(AND(LEFT({u},1)="(",LEN({inner})<=16,ISERROR(FIND("(",{inner})),'
        f'OR({tail}="",{_any_equal(tail, _SUFFIXES)})),FALSE)'
    )
    return f"OR({plain},{paren})"


def _range_unit_ok(u: str) -> str:
    plain = f"AND(LEN({u})=LEN({_strip_chars(u, _UNIT_EXCLUDED)}),LEN({u})<=12)"
    inner = f"MID({u},2,LEN({u})-2)"
    paren = (
        f'IFERROR(AND(LEFT({u},1)="(",RIGHT({u},1)=")",LEN({u})>=2,LEN({u})-2<=16,'
        f'ISERROR(FIND("(",{inner})),ISERROR(FIND(")",{inner}))),FALSE)'
    )
    return f"OR({plain},{paren})"


def _row_templates(layout: Layout, profile: Profile) -> dict[str, str]:
    """Formula of every helper key and of ``score`` for one row, with ``ROW`` placeholders."""
    table = layout.table
    cols = {c.key: col_letter(c.col) for c in (*table.columns, *table.helpers)}
    r = _Refs(cols)
    target, actual, weight = r("target"), r("actual"), r("weight")
    f: dict[str, str] = {}
    # -- target
    f["t_norm"] = f"TRIM({fold(target + '&' + q(''))})"
    n = r("t_norm")
    f["t_oplen"] = _operator_chain(n, lambda s, _: str(len(s)), "0")
    f["t_op"] = _operator_chain(n, lambda _, op: q(op.value), q(""))
    f["t_rest"] = f'SUBSTITUTE(MID({n},{r("t_oplen")}+1,{MAX_TEXT})," ","")'
    f.update(_number_block(r, "t", r("t_rest")))
    u = r("t_u")
    f["t_uok"] = _unit_ok(u)
    f["t_unit"] = (
        f'IF(LEFT({u},1)="(",IFERROR(MID({u},2,FIND(")",{u})-2),""),'
        f"IF(AND(LEN({u})>=2,{_suffix(u)}),LEFT({u},LEN({u})-2),{u}))"
    )
    # -- range: low number (t_*), optional %, separator, high number (h_*)
    u2 = f'IF(LEFT({u},1)="%",MID({u},2,{MAX_TEXT}),{u})'
    f["r_rest"] = f'IF({_any_equal(f"LEFT({u2},1)", _RANGE_SEPARATORS)},MID({u2},2,{MAX_TEXT}),"#")'
    f.update(_number_block(r, "h", r("r_rest")))
    f["r_ok"] = (
        f'AND({r("t_op")}="",{r("t_ok")},{r("h_ok")},{_range_unit_ok(r("h_u"))},'
        f"IF(AND({r('t_ok')},{r('h_ok')}),{r('t_val')}<={r('h_val')},FALSE))"
    )
    f["t_kind"] = (
        f'IF({n}="","",IF(AND({r("t_ok")},{r("t_uok")},OR({r("t_op")}<>"",NOT({_any_equal(r("t_unit"), _TIME_UNITS)}))),'
        f'"Q",IF({r("r_ok")},"R","L")))'
    )
    kind = r("t_kind")
    f["t_goal"] = f'IF(OR({kind}="Q",{kind}="R"),{r("t_val")},"")'
    f["t_high"] = f'IF({kind}="R",{r("h_val")},{r("t_goal")})'
    f["t_rev"] = f'AND({kind}="Q",OR({r("t_op")}="<",{r("t_op")}="<="))'
    # -- actual
    f["a_norm"] = f'IF(ISNUMBER({actual}),"",SUBSTITUTE({fold(actual + "&" + q(""))}," ",""))'
    a = r("a_norm")
    f["a_oplen"] = _operator_chain(a, lambda s, _: str(len(s)), "0")
    f["a_rest"] = f"MID({a},{r('a_oplen')}+1,{MAX_TEXT})"
    f.update(_number_block(r, "a", r("a_rest")))
    f["a_uok"] = _unit_ok(r("a_u"))
    f["a_kind"] = (
        f'IF(ISNUMBER({actual}),"N",IF({_any_equal(a, _EMPTY_MARKS)},"E",'
        f'IF({_any_exact(a, _NOT_APPLICABLE)},"NA",IF({_any_prefix(a, _NOT_ACHIEVED_PREFIXES)},"X",'
        f'IF({_any_prefix(a, _PARTIAL_PREFIXES)},"P",IF({_any_equal(a, _ACHIEVED)},"A",'
        f'IF(AND({r("a_ok")},{r("a_uok")}),"N","T")))))))'
    )
    f["a_value"] = f"IF(ISNUMBER({actual}),{actual},{r('a_val')})"
    # -- scoring
    calc = {key: layout.field(f"calc.{key}").a1 for key in ("weight_sum", "kept_weight", "na_count")}
    calc = {k: _absolute(v) for k, v in calc.items()}
    f["na"] = f'IF({r("a_kind")}="NA",1,0)'
    if profile.rescale_not_applicable:
        f["ew"] = (
            f'IF(NOT(ISNUMBER({weight})),"",IF(AND({calc["na_count"]}>0,{calc["kept_weight"]}>0),'
            f"{weight}*({calc['weight_sum']}/{calc['kept_weight']}),{weight}))"
        )
    else:
        f["ew"] = f'IF(ISNUMBER({weight}),{weight},"")'
    ak, ew, v, g = r("a_kind"), r("ew"), r("a_value"), r("t_goal")
    ratio = _num(profile.over_completion_ratio)
    f["over"] = (
        f'IF(AND({ak}="N",OR({kind}="Q",{kind}="R"),NOT({r("t_rev")}),ISNUMBER({ew})),'
        f"IF({v}>={g},IF({r('t_high')}>0,IF({v}>={r('t_high')}*{ratio},1,0),0),0),0)"
    )
    bands = profile.bands
    default = (
        f'IF({ak}="A",{_num(bands[Level.ACHIEVED].default)},'
        f'IF({ak}="P",{_num(bands[Level.PARTIAL].default)},{_num(bands[Level.NOT_ACHIEVED].default)}))'
    )
    if profile.reverse_rule == "ratio":
        missed_reverse = f"{ew}*({g}/{v})"
    else:
        missed_reverse = f"MAX({ew}*(1-({v}-{g})/{g}),0)"
    raw = (
        f"IF({r('t_rev')},IF({v}<={g},{ew},IF({g}<=0,0,{missed_reverse})),"
        f"IF({v}>={g},{ew},IF({g}>0,MAX({ew}*({v}/{g}),0),0)))"
    )
    f["score"] = (
        f'IF(OR({ak}="NA",NOT(ISNUMBER({ew}))),"",'
        f'IF(OR({ak}="A",{ak}="P",{ak}="X"),ROUND({ew}*{default}/100,2),'
        f'IF(OR({ak}<>"N",AND({kind}<>"Q",{kind}<>"R")),"",ROUND({raw},2))))'
    )
    missing = set(cols) - set(f) - {"level1", "level2", "name", "target", "actual", "weight", "deviation"}
    extra = set(f) - set(cols)
    if missing or extra:
        raise SpecError(f"formulas and layout disagree: missing {sorted(missing)}, unknown {sorted(extra)}")
    return f


def _absolute(a1: str) -> str:
    letters = "".join(ch for ch in a1 if ch.isalpha())
    return f"${letters}${a1[len(letters) :]}"


def _profile_key(profile: Profile) -> tuple[object, ...]:
    return (
        profile.name,
        profile.reverse_rule,
        profile.over_completion_ratio,
        profile.rescale_not_applicable,
        profile.budget_weight,
        tuple((level, band.default) for level, band in profile.bands.items()),
        tuple((g.name, g.min) for g in profile.grades),
    )


_CACHE: dict[tuple[object, ...], FormFormulas] = {}


@dataclass(frozen=True)
class FormFormulas:
    """All formulas of one layout under one profile."""

    row_templates: dict[str, str]  # key → formula with ROW placeholders
    fields: dict[str, str]  # field path → formula

    def row(self, index: int, layout: Layout) -> dict[str, str]:
        """``{key: "=…"}`` for indicator ``index`` (zero-based): helpers and ``score``."""
        number = str(layout.table.row(index) + 1)
        return {key: "=" + text.replace(ROW, number) for key, text in self.row_templates.items()}


def form_formulas(layout: Layout, profile: Profile) -> FormFormulas:
    """Formulas of a self-evaluation layout (cached per capacity and profile)."""
    if layout.form != "self_evaluation":
        raise SpecError(f"{layout.form} 表没有计分公式")
    key = (layout.form, layout.table.capacity, layout.version, _profile_key(profile))
    cached = _CACHE.get(key)
    if cached is None:
        cached = FormFormulas(_row_templates(layout, profile), _field_formulas(layout, profile))
        _CACHE[key] = cached
    return cached


def _field_formulas(layout: Layout, profile: Profile) -> dict[str, str]:
    table = layout.table
    out: dict[str, str] = {}
    for row in ("total", "current_year_appropriation", "carryover", "other"):
        e = layout.field(f"funds.{row}.executed").a1
        b = layout.field(f"funds.{row}.annual_budget").a1
        out[f"funds.{row}.execution_rate"] = (
            f'=IF(OR(NOT(ISNUMBER({e})),NOT(ISNUMBER({b}))),"",IF({b}=0,IF({e}=0,0,""),ROUND({e}/{b}*100,2)))'
        )
    e, b = layout.field("funds.total.executed").a1, layout.field("funds.total.annual_budget").a1
    w = layout.field("funds.total.weight").a1
    budget_score = layout.field("funds.total.score").a1
    out["funds.total.score"] = (
        f'=IF(OR(NOT(ISNUMBER({e})),NOT(ISNUMBER({b}))),"",IF({b}<=0,0,ROUND(MIN(MAX({e}/{b},0),1)*{w},2)))'
    )
    weights = table.column_range("weight")
    scores = table.column_range("score")
    na = table.column_range("na")
    out["calc.weight_sum"] = f"=SUM({weights})"
    out["calc.kept_weight"] = f"=SUM({weights})-SUMIF({na},1,{weights})"
    out["calc.na_count"] = f"=SUM({na})"
    out["total_weight"] = f'=IF(COUNT({weights})=0,"",ROUND({w}+SUM({weights}),2))'
    out["total_score"] = f'=IF(COUNT({budget_score},{scores})=0,"",ROUND(N({budget_score})+SUM({scores}),2))'
    total = layout.field("total_score").a1
    grades = profile.grades
    chain = q(grades[-1].name)
    for grade in reversed(grades[:-1]):
        chain = f"IF({total}>={_num(grade.min)},{q(grade.name)},{chain})"
    out["grade"] = f'=IF(ISNUMBER({total}),{chain},"")'
    return out


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
    return f"=AND(ISNUMBER({cell}),{cell}<>{_num(profile.total_weight)})"


def level_list() -> tuple[str, ...]:
    """The achievement levels a dropdown offers, in the official wording."""
    return tuple(LEVEL_TEXT[level] for level in Level)


def check_limits(text: str) -> None:
    """Excel's limits on one formula: 8,192 characters, 64 nesting levels."""
    if len(text) > 8192:
        raise SpecError(f"formula longer than 8192 characters ({len(text)})")
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
    if deepest > 64:
        raise SpecError(f"formula nested {deepest} levels deep (Excel allows 64)")


__all__ = [
    "ROW",
    "FormFormulas",
    "check_limits",
    "deviation_missing_rule",
    "fold",
    "form_formulas",
    "goal_heading_formula",
    "level_list",
    "q",
    "weight_total_rule",
]
