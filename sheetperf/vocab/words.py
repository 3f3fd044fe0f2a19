"""The words and marks people type into the forms, and the constants their parsing needs: one list each.

The Python parser (:mod:`sheetperf.rules.parsing`) and the sheet's helper formulas
(:mod:`sheetperf.forms.formulas`) both read their word lists from here, and so do the reader
and the text importer where they need one; no module keeps a copy.  ``tests/test_words.py``
fails when a Chinese literal or a tuple of these words appears in the rules or the formula
builder.

Everything is compared after the normalisation both sides apply: full-width forms folded
(Python: NFKC; the sheet: :data:`FULLWIDTH_FOLDS`), whitespace made a space
(:data:`SPACES`), and spaces removed where a target or an actual is matched.
"""

from __future__ import annotations

from typing import Final

# --- Comparison operators -------------------------------------------------------------------

#: The canonical operators (the values of :class:`sheetperf.rules.parsing.Operator`).
EQ: Final = "="
GT: Final = ">"
GE: Final = ">="
LT: Final = "<"
LE: Final = "<="
#: Operators that make a target reverse (smaller actual values are better).
REVERSE_OPERATORS: Final[tuple[str, ...]] = (LT, LE)

#: Spellings of each operator at the start of a target, after full-width folding, each with
#: its canonical operator.  Checked in this order (a longer spelling before its prefix).
OPERATOR_SPELLINGS: Final[tuple[tuple[str, str], ...]] = (
    (">=", GE),
    ("=>", GE),
    ("<=", LE),
    ("=<", LE),
    ("==", EQ),
    ("═", EQ),  # U+2550, typed for = in Yunnan's forms
    ("≥", GE),
    ("≧", GE),
    ("⩾", GE),
    ("≤", LE),
    ("≦", LE),
    ("⩽", LE),
    ("不低于", GE),
    ("不少于", GE),
    ("大于等于", GE),
    ("大于或等于", GE),
    ("不高于", LE),
    ("不超过", LE),
    ("不多于", LE),
    ("小于等于", LE),
    ("小于或等于", LE),
    ("大于", GT),
    ("小于", LT),
    ("低于", LT),
    ("等于", EQ),
    (">", GT),
    ("<", LT),
    ("=", EQ),
)

# --- Numbers and units ------------------------------------------------------------------------

DIGITS: Final = "0123456789"
DECIMAL_POINT: Final = "."
THOUSANDS_SEPARATOR: Final = ","
SIGNS: Final[tuple[str, ...]] = ("-", "+")
PERCENT: Final = "%"
#: A unit in brackets: ``98(%)``, ``=30(人次)``.
UNIT_OPEN: Final = "("
UNIT_CLOSE: Final = ")"
#: Longest unit written in brackets, and written bare (``人次``), in characters.
MAX_BRACKET_UNIT: Final = 16
MAX_BARE_UNIT: Final = 12
#: Characters a bare unit never contains (besides whitespace): digits, separators, brackets, operators.
UNIT_EXCLUDED: Final = DIGITS + ",;、()<>=≥≤"
#: Words that may follow a number and its unit: ``50人次以上``, ``12月以内``.
SUFFIXES: Final[tuple[str, ...]] = ("以上", "以下", "以内")
#: What separates the two ends of a range target: ``150-200项``, ``5~10次``, ``3至5天``.
RANGE_SEPARATORS: Final[tuple[str, ...]] = ("-", "~", "至", "到", "—", "–")
#: Units that make a bare number a date rather than a quantity (``12 月`` is qualitative;
#: ``=12(月)``, with an operator, stays quantitative).
TIME_UNITS: Final[tuple[str, ...]] = ("月", "月份", "月底", "月末", "日", "号", "季度", "年", "年底", "周", "月前", "月底前")

#: The colon between a label and its value, as typed (项目名称：X, 项目名称:X).
COLONS: Final[tuple[str, ...]] = (":", "：")

# --- Dates and years -------------------------------------------------------------------------

#: The marks of a date written in Chinese (2024年1月1日): year, month, day.
DATE_MARKS: Final[tuple[str, str, str]] = ("年", "月", "日")
#: The budget year as a label or a year line names it: 2023 年度.
FISCAL_YEAR: Final = "年度"
#: Words a year number is written with, the longer first (2024年度, 2024年): a roster's year
#: column, the year line under a form's title.
YEAR_WORDS: Final[tuple[str, ...]] = (FISCAL_YEAR, DATE_MARKS[0])
#: What separates the two dates of a period (项目期限 2022-01-01至2022-12-31): the range
#: separators but the hyphen, which a date holds itself (it separates only with spaces around
#: it), and the full-width tilde, since a period is split as typed.
PERIOD_SEPARATORS: Final[tuple[str, ...]] = (*(s for s in RANGE_SEPARATORS if s != "-"), "～")
#: The Chinese numerals a blank template numbers its rows with (指标一, 指标二, …).
CHINESE_NUMERALS: Final = "一二三四五六七八九十"

# --- Actual values ----------------------------------------------------------------------------

#: An actual cell holding only one of these is empty.
EMPTY_MARKS: Final[tuple[str, ...]] = ("", "-", "—", "/")
#: An actual cell holding exactly one of these (case as written) marks the indicator not applicable.
NOT_APPLICABLE_WORDS: Final[tuple[str, ...]] = ("不适用", "不涉及", "无此项", "n/a", "na", "N/A")
#: The not-applicable choice a template's dropdown offers.
NOT_APPLICABLE_CHOICE: Final = NOT_APPLICABLE_WORDS[0]
#: An amount cell holding only one of these is empty, not a wrongly typed number (the reader).
AMOUNT_BLANKS: Final[tuple[str, ...]] = ("", "-", "—", "–", "－", "——", "/", "／", "\\", "无")

# --- Achievement levels -----------------------------------------------------------------------

#: Level keys (the values of :class:`sheetperf.rules.parsing.Level`).
ACHIEVED: Final = "achieved"
PARTIAL: Final = "partial"
NOT_ACHIEVED: Final = "not_achieved"

#: The official wording of each level, as the dropdown of a template offers it.
LEVEL_OFFICIAL: Final[dict[str, str]] = {
    ACHIEVED: "达成指标",
    PARTIAL: "部分达成指标并具有一定效果",
    NOT_ACHIEVED: "未达成指标且效果较差",
}
#: An actual starting with one of these (spaces removed) is not achieved; checked first.
NOT_ACHIEVED_PREFIXES: Final[tuple[str, ...]] = ("未达成", "未能达成", "未完全达成", "未能完全达成", "未达到")
#: An actual starting with one of these is partly achieved; checked second.
PARTIAL_PREFIXES: Final[tuple[str, ...]] = ("部分达成", "部分达到")
#: An actual that is exactly one of these is achieved (已达成, 全部达到年度目标, 达成预期指标, ...).
ACHIEVED_SPELLINGS: Final[tuple[str, ...]] = tuple(
    [f"{a}达成{y}{s}" for a in ("", "已") for y in ("", "年度", "预期") for s in ("", "指标", "目标")]
    + [
        f"{a}{q}达到{y}{s}"
        for a in ("", "已")
        for q in ("", "全部")
        for y in ("", "年度", "预期")
        for s in ("", "指标", "目标")
    ]
)
#: Complete spellings of a level seen in published forms besides the official ones (a text
#: importer takes an actual cell ending in one of these as complete, not cut by a line break).
LEVEL_VARIANTS: Final[tuple[str, ...]] = (
    "达成年度指标",
    "部分达成年度指标并具有一定效果",
    "未达成年度指标且效果较差",
    "达成目标",
    "已达成",
    # the wording of several provinces (Anhui, Hubei): 达成 / 部分达成 / 未达成预期指标
    "达成预期指标",
    "部分达成预期指标",
    "未达成预期指标",
)

# --- Normalisation the sheet reproduces ------------------------------------------------------

#: Full-width and compatibility characters the sheet folds (character → replacement); each
#: is what NFKC makes of it, so the sheet and :func:`sheetperf.rules.parsing.normalize_text` agree.
FULLWIDTH_FOLDS: Final[tuple[tuple[str, str], ...]] = (
    *((chr(0xFF10 + i), str(i)) for i in range(10)),
    *zip("＋－．，（）％＜＞＝～；／", "+-.,()%<>=~;/", strict=True),
    *zip("﹙﹚﹪﹤﹥﹦﹢﹣﹐﹔", "()%<>=+-,;", strict=True),
    *zip("ｎＮａＡ", "nNaA", strict=True),
    ("㎡", "m2"),
    ("²", "2"),
    ("³", "3"),
)
#: Every character that is an operator on its own (``≥``, ``＜``, ``═``): the one-character
#: spellings of :data:`OPERATOR_SPELLINGS` and the full-width forms folding to ``<``, ``>`` or ``=``
#: (a table cell holding only these is a piece of a target; a placeholder target ``≥**`` starts so).
OPERATOR_MARKS: Final[frozenset[str]] = frozenset(
    [spelling for spelling, _ in OPERATOR_SPELLINGS if len(spelling) == 1]
    + [char for char, folded in FULLWIDTH_FOLDS if folded in (LT, GT, EQ)]
)
#: Whitespace the sheet makes a plain space (Python: every ``\\s`` after NFKC).
SPACES: Final[tuple[str, ...]] = ("\t", "\n", "\r", "\u00a0", "\u3000", "\u2002", "\u2003")
SPACE: Final = " "
#: Level-1 names of the older goal-table framework (the 2020 Shanghai table: 投入与管理,
#: 产出目标, 效果目标, 影响力目标, 满意度) and the current category each one stands for.
#: 投入与管理 has no counterpart (it became the budget-execution part of the self-evaluation).
#: A table written in the older set still satisfies the required categories; each old name
#: is noted once so the department can move to the current names.
LEGACY_LEVEL1: Final[dict[str, str | None]] = {
    "产出目标": "产出指标",
    "效果目标": "效益指标",
    "效益目标": "效益指标",
    "影响力目标": "效益指标",
    "满意度": "满意度指标",
    "满意度目标": "满意度指标",
    "投入与管理": None,
    "投入和管理": None,
}
#: The suffixes a level-1 name is written with or without (``满意度`` = ``满意度指标``).
INDICATOR_SUFFIX: Final = "指标"
GOAL_SUFFIX: Final = "目标"

# --- The monitoring form's choices (issue 17) ----------------------------------------------------

#: 完成目标可能性 as forms print it: the goal will be met, may be met, will not be met (the national
#: template's 完全不可能 is the last).  A profile's ``[monitoring] possibility`` list is what a template
#: offers; these words say what each choice means wherever it is read.
POSSIBILITY_ON_TRACK: Final[tuple[str, ...]] = ("确定能", "能")
POSSIBILITY_LIKELY: Final[tuple[str, ...]] = ("有可能", "可能")
POSSIBILITY_IMPOSSIBLE: Final[tuple[str, ...]] = ("不可能", "完全不可能")
#: 偏差原因分析 categories the national template ticks.
REASON_CATEGORIES: Final[tuple[str, ...]] = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")
#: How several ticked reasons are written in one cell.
LIST_SEPARATOR: Final = "、"
