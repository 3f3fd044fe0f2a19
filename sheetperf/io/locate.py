"""Find a form in a sheet by its labels and its shape, not by coordinates or region names.

Departments copy the published Word/PDF form into Excel by hand, and every province prints
it a little differently: the form lands at any offset, under banner rows, with labels
spaced or in full-width punctuation (``一级 指标``, ``项目资金（万元）``, ``年度资金总额：``),
labels of its own (权重, 完成值, 调整后预算数, 实施单位(盖章)), points printed in labels
(``产出指标(50分)``, ``预算执行情况(万元)(20分)``), the target split over 指标性质 | 指标值 |
度量单位 under a two-row header, level labels merged, repeated or written once, rows inserted,
template rows left in (``指标1:``, ``……``), texts and signature rows below the table, several
forms on one sheet.  Labels are matched after :func:`norm` (NFKC, no spaces, no punctuation;
a trailing parenthesis and printed points tried off) against :data:`LABELS` — the vocabulary's
:data:`~sheetperf.vocab.form_labels.FORM_LABELS`, the one declaration of every label spelling
that the text importer uses too — and values are found relative to their labels.

The result of locating is a :class:`Located`: for every field path of the record
(``project_name``, ``funds.total.executed``, ``indicators[3].score``, ``texts.conclusion``,
``level1_points.产出指标``) the cell(s) holding it, how to read it (:attr:`Loc.join`), and the
unit the amounts are written in.  Turning those cells into typed values is the reader's job
(:mod:`sheetperf.io.reader`), shared with the defined-name path for sheetperf's own templates.
Nothing here imports an Excel library: it works on a :class:`~sheetperf.xlsx.book.Grid`
whoever filled it (lxml engine or calamine).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, Literal

from sheetperf.model.memo import Memo
from sheetperf.model.record import FUND_COLUMNS, FUND_ROWS, GOAL_BUDGET, GOAL_TEXTS, MONITORING_FUND_COLUMNS, GoalTable
from sheetperf.vocab import form_labels as V
from sheetperf.vocab import words
from sheetperf.vocab.text import CJK_LABEL_CHARS
from sheetperf.vocab.units import POINTS, WAN_YUAN, YUAN
from sheetperf.xlsx.book import Cell, Grid
from sheetperf.xlsx.limits import WHOLE_MERGE_CELLS

FormKind = Literal["self_evaluation", "goal_table", "monitoring"]

# --- the label declaration -------------------------------------------------------------------
# Every spelling is compared after norm(): full-width folded, spaces and punctuation removed,
# so 项目资金（万元） == 项目资金 (万元) == 项目资金(万元) → "项目资金万元".

#: The label table (``group → field → spellings``): the vocabulary's, shared with import-text.
LABELS: Final[dict[str, dict[str, tuple[str, ...]]]] = V.FORM_LABELS

_OPTIONAL_PREFIXES: Final = V.OF_WHICH
#: The colon between a label and its value (``项目名称：X``).
COLON_RE: Final = re.compile("[" + re.escape("".join(words.COLONS)) + "]")
_YEAR_RE: Final = re.compile(rf"(?<!\d)((?:19|20)\d{{2}})\s*{re.escape(words.DATE_MARKS[0])}")
_CJK_GAP_RE: Final = re.compile(rf"(?<=[{CJK_LABEL_CHARS}])\s+(?=[{CJK_LABEL_CHARS}])")
_POINTS: Final = re.escape(POINTS)
_POINTS_RANGE: Final = re.escape("".join((*words.RANGE_SEPARATORS, "～")))
#: Printed points: ``(50分)``, ``（20 分）``, and a range ``(0-20)分``.
_POINTS_RE: Final = re.compile(
    rf"[(（]\s*(?P<one>\d+(?:\.\d+)?)\s*{_POINTS}\s*[)）]"
    rf"|[(（]\s*(?P<low>\d+(?:\.\d+)?)\s*[{_POINTS_RANGE}]\s*(?P<high>\d+(?:\.\d+)?)\s*[)）]\s*{_POINTS}"
)
#: A parenthesis ending a label: ``(A)``, ``(万元)``, ``(全年执行数/全年预算数)``, ``(盖章)``.
_TRAILING_PAREN_RE: Final = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")
#: Strings longer than this are values, never labels (saves normalising long texts).
MAX_LABEL_CHARS: Final = 40


def _dropped(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PZ"


@lru_cache(maxsize=1)
def _drop_table() -> dict[int, None]:
    """``str.translate`` table deleting every whitespace and punctuation character of the BMP
    (built once, ~15 ms: a form's first read meets a few hundred labels)."""
    return {code: None for code in range(0x10000) if _dropped(chr(code))}


def norm(text: str) -> str:
    """Label key: NFKC, no whitespace, no punctuation (``一级 指标`` → ``一级指标``)."""
    folded = unicodedata.normalize("NFKC", text)
    if folded.isascii() or max(folded) <= "\uffff":
        key = folded.translate(_drop_table())
    else:  # beyond the BMP: character by character
        key = "".join(ch for ch in folded if not _dropped(ch))
    for prefix in _OPTIONAL_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :]
    return key


def squash_label(text: str) -> str:
    """A level label as written, minus the line breaks/spaces a wrapped cell puts between CJK characters."""
    return _CJK_GAP_RE.sub("", text.strip())


Points = float | tuple[float, float]


def points_of(text: str) -> Points | None:
    """The points a label prints: ``产出指标(50分)`` → 50.0, ``成本指标(0-20)分`` → (0.0, 20.0)."""
    if POINTS not in text:
        return None
    match = _POINTS_RE.search(unicodedata.normalize("NFKC", text))
    if match is None:
        return None
    if match.group("one") is not None:
        return float(match.group("one"))
    return float(match.group("low")), float(match.group("high"))


def strip_points(text: str) -> str:
    """A label without its printed points: ``产出指标(50分)`` → ``产出指标``."""
    if POINTS not in text:
        return squash_label(text)
    folded = unicodedata.normalize("NFKC", text)
    if _POINTS_RE.search(folded) is None:
        return squash_label(text)
    return squash_label(_POINTS_RE.sub("", folded))


def _invert(group: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for field_name, spellings in LABELS[group].items():
        for spelling in spellings:
            out.setdefault(norm(spelling), field_name)
    return out


_KEYS: Final[dict[str, dict[str, str]]] = {group: _invert(group) for group in LABELS}
#: The label keys of each field's spellings, per group (what :meth:`SheetIndex.find` looks up).
_SPELLING_KEYS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    group: {name: tuple(dict.fromkeys(norm(s) for s in spellings)) for name, spellings in fields.items()}
    for group, fields in LABELS.items()
}
_ACTUAL_TEXT_KEY: Final = norm(LABELS["goal_block"]["goal_actual"][0])
_LABEL_KEY_LIMIT: Final = 1 << 15
_DEFINED_REF_LIMIT: Final = 1 << 16


class LocateMemory:
    """What locating forms remembers between workbooks (a part of the batch's
    :class:`~sheetperf.model.memo.BatchCache`): labels recur in every form copied from the same
    Word form, defined names in every copy of a template."""

    __slots__ = ("defined_refs", "indicator_names", "label_keys")

    def __init__(self) -> None:
        self.label_keys: Memo[str, tuple[str, str]] = Memo(_LABEL_KEY_LIMIT)
        self.defined_refs: Memo[str, tuple[str, int, int] | None] = Memo(_DEFINED_REF_LIMIT)
        self.indicator_names: Memo[str, tuple[int, str] | None] = Memo(_DEFINED_REF_LIMIT)


ALL_LABEL_KEYS: Final[frozenset[str]] = frozenset(k for keys in _KEYS.values() for k in keys)
#: Labels of the parts of a form that are not its indicator table: a row holding one in a label
#: position ends the table (总分, 其他需要说明事项, 评价结论, 填表人, 备注, the next form's title).
_END_GROUPS: Final = ("closing", "closing_texts", "signature", "filing", "titles")
_END_KEYS: Final[frozenset[str]] = frozenset(k for g in _END_GROUPS for k in _KEYS[g])
#: Labels that start another form's header: the closing rows of a form end before them.
_HEADER_KEYS: Final[frozenset[str]] = frozenset(
    {*_KEYS["titles"], *_KEYS["self_evaluation_header"], *_KEYS["goal_table_header"], *_KEYS["funds_block"]}
)
_STOP_KEYS: Final[frozenset[str]] = frozenset(
    {*_KEYS["closing"], *_KEYS["titles"], *_KEYS["self_evaluation_header"], *_KEYS["goal_table_header"]}
)
#: Keys of the indicator header that say the row above a level-1 header row belongs to it.
_UPPER_HEADER_KEYS: Final = frozenset({"target", "actual", "deviation", "reason", "measures", "value", "unit"})


# --- the located form ------------------------------------------------------------------------

Join = Literal["", "target", "lines", "points", "tick", "date", "period_start", "period_end"]


@dataclass(frozen=True)
class Loc:
    """Where a field's value is: one cell, or several joined (a split target or deviation).

    ``inline`` marks a value written after the label's colon in the same cell
    (``申报单位名称：上海市…``).  ``join`` tells how to read the value: parts joined as a
    target or as lines; the points a label prints (``points``); the ticked option of a tick
    row (``tick``); a date (``date``); either end of a period ``2022-01-01至2022-12-31``.
    """

    row: int
    col: int
    inline: bool = False
    parts: tuple[tuple[int, int], ...] = ()
    join: Join = ""
    # What each part is, for a split target: "operator", "value", "unit".
    part_keys: tuple[str, ...] = ()


@dataclass
class Located:
    """A form found in a sheet: the cell of every field path, and what the layout showed."""

    kind: FormKind
    sheet: str
    fields: dict[str, Loc] = field(default_factory=dict)
    indicator_count: int = 0
    #: The unit the funds block is written in ("万元", "元"; "" when not said).
    funds_unit: str = ""
    #: Amount paths whose label names another unit than the block's (path → "元"/"万元").
    units: dict[str, str] = field(default_factory=dict)
    #: Zero-based column of each indicator-table key.
    indicator_columns: dict[str, int] = field(default_factory=dict)
    #: Cells of notes below the form (备注: the scoring rules some regions print).
    notes: list[Loc] = field(default_factory=list)
    method: Literal["labels", "defined_names"] = "labels"
    #: A monitoring form's N of 1–N月, as its labels print it (None when they do not).
    period: int | None = None


# --- an index over one sheet -------------------------------------------------------------------


@dataclass
class _Hit:
    row: int
    col: int
    inline: str  # text after the label's colon, "" when none


class SheetIndex:
    """Lookups over a grid: label hits, merges, the non-empty columns of each row."""

    def __init__(self, grid: Grid, *, labels: bool = True, memory: LocateMemory | None = None) -> None:
        self.grid = grid
        cells = grid.cells
        self.cells = cells
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        self.merge_end: dict[tuple[int, int], tuple[int, int]] = {}
        for r1, c1, r2, c2 in grid.merges:
            self.merge_end[(r1, c1)] = (r2, c2)
            if (r2 - r1 + 1) * (c2 - c1 + 1) > WHOLE_MERGE_CELLS:
                continue  # a whole-column merge: only its anchor matters here
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != (r1, c1):
                        self.anchor[(r, c)] = (r1, c1)
        self.row_cols: dict[int, list[int]] = {}
        self.hits: dict[str, list[_Hit]] = {}
        self.keys: dict[tuple[int, int], str] = {}
        self.rows: list[int] = []
        self.max_row = -1
        if not labels:  # merges and cells only (a template read by its defined names)
            return
        known = (memory if memory is not None else LocateMemory()).label_keys
        for (r, c), cell in sorted(cells.items()):
            self.row_cols.setdefault(r, []).append(c)
            value = cell.value
            if not isinstance(value, str) or cell.error:
                continue
            found = known.get(value)
            key, inline = found if found is not None else known.put(value, _label_key(value))
            if key:
                self.keys[(r, c)] = key
                self.hits.setdefault(key, []).append(_Hit(r, c, inline))
        self.rows = sorted(self.row_cols)
        self.max_row = self.rows[-1] if self.rows else -1

    def find(self, group: str, name: str, top: int = 0, bottom: int | None = None) -> list[_Hit]:
        """Hits of a field's labels within rows [top, bottom], in sheet order."""
        bottom = self.max_row if bottom is None else bottom
        out: list[_Hit] = []
        for key in _SPELLING_KEYS[group][name]:
            for hit in self.hits.get(key, ()):
                if top <= hit.row <= bottom:
                    out.append(hit)
        out.sort(key=lambda h: (h.row, h.col))
        return out

    def key_group(self, row: int, col: int, group: str) -> str | None:
        key = self.keys.get((row, col))
        return _KEYS[group].get(key) if key is not None else None

    def end_col(self, row: int, col: int) -> int:
        end = self.merge_end.get((row, col))
        return end[1] if end else col

    def end_row(self, row: int, col: int) -> int:
        end = self.merge_end.get((row, col))
        return end[0] if end else row

    def right_of(self, row: int, col: int) -> Loc:
        """The value cell right of a label: the first non-empty cell, unless another label comes first."""
        start = self.end_col(row, col) + 1
        cols = self.row_cols.get(row, [])
        for c in cols[bisect_right(cols, start - 1) :]:
            if self.keys.get((row, c)) in _STOP_KEYS or ((row, c) in self.keys and self._is_label(row, c)):
                return Loc(row, start)
            return Loc(row, c)
        return Loc(row, start)

    def _is_label(self, row: int, col: int) -> bool:
        key = self.keys[(row, col)]
        return key in ALL_LABEL_KEYS and not _KEYS["indicator_columns"].get(key)

    def below(self, row: int, col: int) -> Loc:
        """The value cell under a header label (past the label's own merge)."""
        r = self.end_row(row, col) + 1
        return Loc(r, col)

    def source(self, row: int, col: int) -> tuple[int, int]:
        """The cell that shows what (row, col) shows: the merge anchor when merged."""
        return self.anchor.get((row, col), (row, col))

    def has_value(self, row: int, col: int) -> bool:
        return (row, col) in self.cells

    def cell(self, row: int, col: int) -> Cell | None:
        return self.cells.get((row, col))

    def text(self, row: int, col: int) -> str:
        """The text a cell holds ("" for numbers and empty cells)."""
        cell = self.cells.get((row, col))
        return cell.value.strip() if cell is not None and isinstance(cell.value, str) else ""


def _lookup(text: str) -> str:
    """The label key of a short text: as written, then without printed points and trailing parentheses."""
    key = norm(text)
    if key in ALL_LABEL_KEYS:
        return key
    stripped = _POINTS_RE.sub("", unicodedata.normalize("NFKC", text))
    while True:
        key = norm(stripped)
        if key in ALL_LABEL_KEYS:
            return key
        shorter = _TRAILING_PAREN_RE.sub("", stripped)
        if shorter == stripped or not shorter.strip():
            return ""
        stripped = shorter


def _label_key(value: str) -> tuple[str, str]:
    """The label key of a cell and the text after its colon (``项目名称：X`` → 项目名称, X)."""
    if len(value) <= MAX_LABEL_CHARS:
        key = _lookup(value)
        if key:
            return key, ""
    match = COLON_RE.search(value, 0, MAX_LABEL_CHARS)
    if match:
        key = _lookup(value[: match.start()])
        if key:
            return key, value[match.end() :].strip()
    return "", ""


# --- template leftovers and marks ------------------------------------------------------------

_FILLER_CHARS: Final = frozenset("".join(V.TEMPLATE_FILLERS) + ".。…⋯—-－ ")
_NUMBERED_RE: Final = re.compile(rf"^{V.TEMPLATE_NAME_PREFIX}\s*[0-9{words.CHINESE_NUMERALS}]+\s*[:：.、]?$")


def is_template_leftover(text: str) -> bool:
    """A row a blank template prints and a department left in: ``指标1:``, ``……``."""
    if not text or (text[0] not in _FILLER_CHARS and not text.lstrip().startswith(V.TEMPLATE_NAME_PREFIX)):
        return False  # the common case, decided without normalising
    folded = unicodedata.normalize("NFKC", text).strip()
    return bool(folded) and (all(ch in _FILLER_CHARS for ch in folded) or bool(_NUMBERED_RE.match(folded)))


# --- locating ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    """An indicator table's header: its first and last rows, the level-1 row, the column map."""

    first: int
    level1_row: int
    last: int
    columns: dict[str, int]


def locate_forms(grid: Grid, memory: LocateMemory | None = None) -> list[Located]:
    """Every form in a sheet, top to bottom (usually one)."""
    index = SheetIndex(grid, memory=memory)
    tables = _indicator_headers(index)
    forms: list[Located] = []
    top = 0
    for k, header in enumerate(tables):
        next_first = tables[k + 1].first if k + 1 < len(tables) else None
        located, end = _locate_one(index, top, header, next_first)
        forms.append(located)
        top = end + 1
    return forms


def _indicator_headers(index: SheetIndex) -> list[_Header]:
    """Rows holding an indicator table header, with the row above or below when the header has two."""
    found: list[_Header] = []
    level1_rows = sorted({h.row for h in index.find("indicator_columns", "level1")})
    for row in level1_rows:
        if found and row <= found[-1].last:
            continue
        columns = _header_columns(index, row)
        first = last = row
        # two rows: wide headers over the level-1 row (绩效指标 | 年度指标值 over 指标性质 | 指标值 | …)
        above = _header_columns(index, row - 1) if row > 0 and (not found or row - 1 > found[-1].last) else {}
        if above and "level1" not in above and _UPPER_HEADER_KEYS & set(above):
            for key, col in above.items():
                columns.setdefault(key, col)
            first = row - 1
        # or sub-headers under a merged 年度指标值 / 偏差原因 (Sichuan and others)
        below = _header_columns(index, row + 1)
        if below and "level1" not in below:
            for key, col in below.items():
                columns[key] = col
            last = row + 1
        else:
            last = max(index.end_row(row, c) for c in columns.values()) if columns else row
        if "operator" in columns and "target" in columns:
            # 指标性质 | 指标值 | 度量单位: the "target" column is only the number
            columns["value"] = columns.pop("target")
        for r in range(first, last + 1):  # the monitoring form's reasons (and choices) ticked under their heading
            for col in index.row_cols.get(r, ()):
                for group, prefix in (("monitoring_reason_ticks", "reason_tick"), ("monitoring_possibility_ticks", "possibility_tick")):
                    tick = index.key_group(r, col, group)
                    if tick is not None:
                        columns.setdefault(f"{prefix}.{tick}", col)
        if "level1" in columns and ("name" in columns or "target" in columns or "value" in columns):
            found.append(_Header(first, row, last, columns))
    return found


def _header_columns(index: SheetIndex, row: int) -> dict[str, int]:
    columns: dict[str, int] = {}
    for col in index.row_cols.get(row, ()):
        name = index.key_group(row, col, "indicator_columns")
        if name is None:
            continue
        if name == "actual" and index.keys.get((row, col)) == _ACTUAL_TEXT_KEY and "actual" in columns:
            continue
        columns.setdefault(name, col)
    return columns


def _locate_one(index: SheetIndex, top: int, header: _Header, next_first: int | None) -> tuple[Located, int]:
    columns = header.columns
    kind: FormKind
    if "possibility" in columns or "forecast" in columns or any(k.startswith("possibility_tick.") for k in columns):
        kind = "monitoring"
    else:
        kind = "self_evaluation" if ("actual" in columns or "score" in columns) else "goal_table"
    located = Located(kind, index.grid.name)
    fields = located.fields
    bottom = (next_first - 1) if next_first is not None else index.max_row
    end = _indicator_rows(index, located, columns, header.last + 1, bottom)
    _points(index, located, header)
    above = header.first - 1
    closing_bottom = _closing_bottom(index, end, bottom)
    if kind == "monitoring":
        first_field = _header_fields(index, fields, "self_evaluation_header", top, above, "")
        _monitoring_funds(index, located, top, above)
        _goal_texts(index, fields, top, above)
        hits = index.find("monitoring_goal", "goal_progress", top, above)
        if hits:
            fields["goal_progress"] = index.below(hits[0].row, hits[0].col)
            located.period = located.period or _period_in(index.text(hits[0].row, hits[0].col))
        if "progress" in columns:
            located.period = located.period or _period_in(index.text(header.level1_row, columns["progress"]))
    elif kind == "self_evaluation":
        first_field = _header_fields(index, fields, "self_evaluation_header", top, above, "")
        for name in ("project_category", "project_attribute", "project_type"):
            if name in fields:
                loc = fields[name]
                fields[name] = Loc(loc.row, loc.col, inline=loc.inline, join="tick")
        _funds(index, located, top, above)
        _goal_texts(index, fields, top, above)
        end = max(end, _closing(index, located, columns, end, closing_bottom))
        _filing(index, located, top, closing_bottom)
    else:
        first_field = _header_fields(index, fields, "goal_table_header", top, above, "")
        period = fields.pop("period", None)
        if period is not None:
            fields.setdefault("planned_start", Loc(period.row, period.col, period.inline, join="period_start"))
            fields.setdefault("planned_end", Loc(period.row, period.col, period.inline, join="period_end"))
        texts_first = _header_fields(index, fields, "goal_table_texts", top, above, "texts.")
        budget_first = _header_fields(index, fields, "goal_table_budget", top, above, "budget_yuan.")
        _goal_funds(index, located, top, above)
        first_field = min(first_field, texts_first, budget_first)
    _year(index, located, top, first_field if first_field <= above else above, above)
    return located, end


def _header_fields(index: SheetIndex, fields: dict[str, Loc], group: str, top: int, bottom: int, prefix: str) -> int:
    """Label → value pairs; returns the first row holding one of them."""
    first = bottom + 1
    for name in LABELS[group]:
        hits = index.find(group, name, top, bottom)
        if not hits:
            continue
        hit = hits[0]
        first = min(first, hit.row)
        if hit.inline:
            fields[prefix + name] = Loc(hit.row, hit.col, inline=True)
        else:
            fields[prefix + name] = index.right_of(hit.row, hit.col)
    return first


def _block_unit(index: SheetIndex, top: int, bottom: int) -> tuple[str, _Hit | None]:
    """The unit the funds block's label names (万元 by default) and the label."""
    blocks = index.find("funds_block", "block", top, bottom)
    if not blocks:
        return WAN_YUAN, None
    text = unicodedata.normalize("NFKC", index.text(blocks[0].row, blocks[0].col))
    return _unit_in(text) or WAN_YUAN, blocks[0]


def _unit_in(text: str) -> str:
    """万元 or 元 when a label names it in parentheses (``(元)``, ``（万元）``), else ""."""
    if YUAN not in text:
        return ""
    for unit in V.AMOUNT_UNITS:
        if f"({unit})" in unicodedata.normalize("NFKC", text).replace(" ", ""):
            return unit
    return ""


_FUND_VALUE_KEYS: Final = frozenset({"initial_budget", "annual_budget", "executed", "execution_rate"})


def _funds(index: SheetIndex, located: Located, top: int, bottom: int) -> None:
    """The funds block: the header row of its columns, the rows by their labels, the unit."""
    header_row = None
    columns: dict[str, int] = {}
    candidates = sorted(
        {h.row for name in ("annual_budget", "executed") for h in index.find("funds_columns", name, top, bottom)}
    )
    for r in candidates:
        found: dict[str, int] = {}
        for col in index.row_cols.get(r, ()):
            name = index.key_group(r, col, "funds_columns")
            if name is not None:
                found.setdefault(name, col)
        if len(_FUND_VALUE_KEYS & set(found)) >= 2 and ({"annual_budget", "executed"} & set(found)):
            header_row, columns = r, found
            break
    if header_row is None:
        return
    unit, block = _block_unit(index, top, header_row)
    located.funds_unit = unit
    column_units = {name: _unit_in(index.text(header_row, col)) for name, col in columns.items()}
    first_value_col = min(columns.values())
    rows_seen: set[str] = set()
    goal_rows = [h.row for h in index.find("goal_block", "block", header_row + 1, bottom)]
    last_row = min(header_row + 8, bottom, goal_rows[0] - 1 if goal_rows else bottom)  # the goal block follows
    for r in range(header_row + 1, last_row + 1):
        for c in range(first_value_col):
            src = index.source(r, c)
            key = index.keys.get(src)
            name = _KEYS["funds_rows"].get(key) if key is not None else None
            if name is None or name in rows_seen:
                continue
            rows_seen.add(name)
            for col_name, col in columns.items():
                path = f"funds.{name}.{col_name}"
                located.fields[path] = Loc(r, col)
                if column_units.get(col_name) and col_name in ("initial_budget", "annual_budget", "executed"):
                    located.units[path] = column_units[col_name]
            break
    if block is not None and "weight" not in columns and "total" in rows_seen:
        # 预算执行情况(万元)(20分): the budget's points printed in the block's label
        if points_of(index.text(block.row, block.col)) is not None:
            located.fields["funds.total.weight"] = Loc(block.row, block.col, join="points")


_PERIOD_RE: Final = re.compile(V.PERIOD_PATTERN)


def _period_in(text: str) -> int | None:
    """The N a monitoring label prints (``1-6月执行数`` → 6), None when it prints none."""
    match = _PERIOD_RE.search(unicodedata.normalize("NFKC", text))
    if match is None:
        return None
    n = int(match.group(1))
    return n if 1 <= n <= 12 else None


def _monitoring_funds(index: SheetIndex, located: Located, top: int, bottom: int) -> None:
    """A monitoring form's funds block: 年初预算数 | 1-N月执行数 | 1-N月执行率 | 全年预计执行数 (| 偏差说明)."""
    group = "monitoring_funds_columns"
    for r in sorted({h.row for h in index.find(group, "executed", top, bottom)}):
        columns: dict[str, int] = {}
        for col in index.row_cols.get(r, ()):
            name = index.key_group(r, col, group)
            if name is not None:
                columns.setdefault(name, col)
        if "initial_budget" in columns:
            break
    else:
        return
    unit, _ = _block_unit(index, top, r)
    located.funds_unit = unit
    located.period = _period_in(index.text(r, columns["executed"]))
    first_value_col = min(columns.values())
    goal_rows = [h.row for h in index.find("goal_block", "block", r + 1, bottom)]
    last_row = min(r + 8, bottom, goal_rows[0] - 1 if goal_rows else bottom)
    seen: set[str] = set()
    for row in range(r + 1, last_row + 1):
        for c in range(first_value_col):
            key = index.keys.get(index.source(row, c))
            name = _KEYS["funds_rows"].get(key) if key is not None else None
            if name is None or name in seen or name not in FUND_ROWS:
                continue
            seen.add(name)
            for col_name, col in columns.items():
                located.fields[f"funds.{name}.{col_name}"] = Loc(row, col)
            break


def _goal_funds(index: SheetIndex, located: Located, top: int, bottom: int) -> None:
    """A goal table's money by source (年度资金总额 / 其中：财政拨款 / 其他资金), recorded in 元."""
    unit, block = _block_unit(index, top, bottom)
    if block is None:
        return
    for name in LABELS["goal_table_funds"]:
        hits = [h for h in index.find("goal_table_funds", name, block.row, bottom) if h.col > block.col]
        if hits and f"budget_yuan.{name}" not in located.fields:
            path = f"budget_yuan.{name}"
            located.fields[path] = index.right_of(hits[0].row, hits[0].col)
            located.units[path] = unit


def _goal_texts(index: SheetIndex, fields: dict[str, Loc], top: int, bottom: int) -> None:
    for name in ("goal_expected", "goal_actual"):
        hits = index.find("goal_block", name, top, bottom)
        if hits:
            fields[name] = index.below(hits[0].row, hits[0].col)
    if "goal_expected" not in fields:
        hits = index.find("goal_block", "block", top, bottom)
        if hits:
            fields["goal_expected"] = index.right_of(hits[0].row, hits[0].col)


def _year(index: SheetIndex, located: Located, top: int, first_field: int, above: int) -> None:
    """The form's year: from the title area (``(2023 年度)``), else any ``2020年…`` line above the table."""
    for bottom in (first_field - 1, above):
        for r in index.rows[bisect_right(index.rows, top - 1) :]:
            if r > bottom:
                break
            for c in index.row_cols[r]:
                value = index.cells[(r, c)].value
                if (
                    isinstance(value, str)
                    and len(value) <= MAX_LABEL_CHARS
                    and _YEAR_RE.search(unicodedata.normalize("NFKC", value))
                    and index.keys.get((r, c)) not in _KEYS["filing"]
                ):
                    located.fields["year"] = Loc(r, c)
                    return
                if isinstance(value, float) and 1990 <= value <= 2100 and value.is_integer():
                    key = index.keys.get((r, c - 1), "")
                    if key.endswith(words.FISCAL_YEAR):
                        located.fields["year"] = Loc(r, c)
                        return


def year_of(text: str) -> int | None:
    match = _YEAR_RE.search(unicodedata.normalize("NFKC", text))
    return int(match.group(1)) if match else None


def _ends_table(index: SheetIndex, row: int, label_col: int) -> bool:
    """A row that is not an indicator: a closing, text, signature or title label in a label position."""
    for c in index.row_cols.get(row, ()):
        if c > label_col:
            break
        if index.keys.get((row, c)) in _END_KEYS or index.keys.get((row, c)) in _STOP_KEYS:
            return True
    return False


def _indicator_rows(index: SheetIndex, located: Located, columns: dict[str, int], start: int, bottom: int) -> int:
    """Walk the indicator table from ``start`` to its first closing label; returns the last row used."""
    label_col = columns.get("name", min(columns.values()))
    rows: list[tuple[int, dict[str, int]]] = []
    for r in index.rows[bisect_right(index.rows, start - 1) :]:
        if r > bottom or _ends_table(index, r, label_col):
            break
        rows.append((r, columns))
    located.indicator_columns = dict(columns)
    return walk_indicator_rows(index, located, rows, start - 1)


def walk_indicator_rows(
    index: SheetIndex,
    located: Located,
    rows: Iterable[tuple[int, dict[str, int]]],
    last_used: int = -1,
    *,
    level_rows: bool = False,
) -> int:
    """Record the cells of each non-empty indicator row; returns the last row used.

    Level labels are taken where written, from their merge anchor, or carried
    down from the last one written (forms write them once and leave the cells
    below blank).  A row counts when a cell someone types into holds a value:
    formula cells (a template's score column) never make a row, nor does a template
    row left in (``指标1:``, ``……`` with nothing else filled in) or a row of level labels
    only (an empty 生态效益指标 row).  With ``level_rows`` (a template's named rows) a level
    label written in the row itself counts too.
    """
    fields = located.fields
    carried: dict[str, tuple[int, int] | None] = {"level1": None, "level2": None}
    count = 0
    for r, columns in rows:
        for level in ("level1", "level2"):
            col = columns.get(level)
            if col is None:
                continue
            src = index.source(r, col)
            cell = index.cells.get(src)
            if cell is not None and cell.value not in (None, "") and carried[level] != src:
                carried[level] = src
                if level == "level1" and "level2" in columns:
                    # a new level-1 group starts its level 2 afresh unless one is written
                    carried["level2"] = None
        keys = columns if level_rows else [k for k in columns if k not in ("level1", "level2")]
        if not any(_typed_value(index, r, columns[k]) for k in keys):
            continue  # an empty row (inserted, or a blank template row)
        if (
            not level_rows
            and "name" in columns
            and is_template_leftover(_shown_text(index, r, columns["name"]))
            and not any(_typed_value(index, r, columns[k]) for k in keys if k != "name")
        ):
            continue  # 指标1:, …… left in from the blank template
        prefix = f"indicators[{count}]."
        for level in ("level1", "level2"):
            src_cell = carried[level]
            if src_cell is not None:
                fields[prefix + level] = Loc(*src_cell)
            elif level in columns:
                fields[prefix + level] = Loc(r, columns[level])
        for key in ("name", "actual", "weight", "score", "measures", "progress", "forecast", "possibility", "reasons",
                    "note"):  # fmt: skip
            if key in columns:
                fields[prefix + key] = Loc(*index.source(r, columns[key]))
        for key, col in columns.items():
            if key.startswith(("reason_tick.", "possibility_tick.")):
                fields[prefix + key] = Loc(r, col)
        if "operator" in columns:
            target_keys = tuple(k for k in ("operator", "value", "unit") if k in columns)
            parts = tuple((r, columns[k]) for k in target_keys)
            first = columns["value"] if "value" in columns else columns["operator"]
            fields[prefix + "target"] = Loc(r, first, parts=parts, join="target", part_keys=target_keys)
        elif "target" in columns:
            fields[prefix + "target"] = Loc(*index.source(r, columns["target"]))
        if "deviation" in columns:
            fields[prefix + "deviation"] = Loc(*index.source(r, columns["deviation"]))
        elif "reason" in columns:
            fields[prefix + "deviation"] = Loc(*index.source(r, columns["reason"]))
        count += 1
        last_used = r
    located.indicator_count = count
    return last_used


def _shown_text(index: SheetIndex, row: int, col: int) -> str:
    cell = index.cells.get(index.source(row, col))
    return cell.value if cell is not None and isinstance(cell.value, str) else ""


def _every_row(index: SheetIndex, located: Located, rows: list[tuple[int, dict[str, int]]]) -> None:
    """Each named row is an indicator: every key at its own cell (level labels at their merge anchor)."""
    for position, (r, columns) in enumerate(rows):
        for key, col in columns.items():
            located.fields[f"indicators[{position}].{key}"] = Loc(*index.source(r, col))
    located.indicator_count = len(rows)


def _typed_value(index: SheetIndex, row: int, col: int) -> bool:
    """True when the cell (or its same-row merge anchor) holds a value someone typed (not a formula)."""
    src = index.source(row, col)
    if src[0] != row:
        return False
    cell = index.cells.get(src)
    return cell is not None and cell.formula is None and cell.value not in (None, "")


def _points(index: SheetIndex, located: Located, header: _Header) -> None:
    """Points printed in level-1 labels (``产出指标(50分)``) and over the table (``年度绩效目标(80分)``)."""
    fields = located.fields
    seen: set[tuple[int, int]] = set()
    for k in range(located.indicator_count):
        loc = fields.get(f"indicators[{k}].level1")
        if loc is None or (loc.row, loc.col) in seen:
            continue
        seen.add((loc.row, loc.col))
        text = index.text(loc.row, loc.col)
        if points_of(text) is not None:
            fields.setdefault(f"level1_points.{strip_points(text)}", Loc(loc.row, loc.col, join="points"))
    level1_col = header.columns.get("level1")
    if level1_col is None or located.indicator_count == 0:
        return
    for c in range(level1_col):
        src = index.source(header.last + 1, c)
        if src[0] > header.last:
            continue  # a cell of the rows, not a label spanning the table
        points = points_of(index.text(*src))
        if points is not None and not isinstance(points, tuple):
            fields["indicator_points"] = Loc(src[0], src[1], join="points")
            return


def _closing_bottom(index: SheetIndex, end: int, bottom: int) -> int:
    """The last row the closing rows of a form may use: before the next form's title or header."""
    for r in index.rows[bisect_right(index.rows, end) :]:
        if r > bottom:
            break
        if any(index.keys.get((r, c)) in _HEADER_KEYS for c in index.row_cols[r]):
            return r - 1
    return bottom


def _closing(index: SheetIndex, located: Located, columns: dict[str, int], start: int, bottom: int) -> int:
    """总分, the grade (labelled, or printed beside the total), the texts and notes below the table."""
    end = start
    fields = located.fields
    totals = index.find("closing", "total", start + 1, bottom)
    score_at: tuple[int, int] | None = None
    if totals:
        hit = totals[0]
        end = max(end, hit.row)
        label_end = index.end_col(hit.row, hit.col)
        weight_col = columns.get("weight")
        score_col = columns.get("score")
        if weight_col is not None and weight_col > label_end:
            fields["total_weight"] = Loc(hit.row, weight_col)
        if score_col is not None and score_col > label_end:
            fields["total_score"] = Loc(hit.row, score_col)
        if "total_weight" not in fields or "total_score" not in fields:
            numbers = [c for c in index.row_cols.get(hit.row, ()) if c > label_end]
            if len(numbers) >= 2:
                fields.setdefault("total_weight", Loc(hit.row, numbers[0]))
                fields.setdefault("total_score", Loc(hit.row, numbers[1]))
            elif numbers:
                fields.setdefault("total_score", Loc(hit.row, numbers[0]))
        if "total_score" in fields:
            score_at = (fields["total_score"].row, fields["total_score"].col)
    grades = index.find("closing", "grade", start + 1, bottom)
    if grades:
        hit = grades[0]
        end = max(end, hit.row)
        fields["grade"] = Loc(hit.row, hit.col, inline=True) if hit.inline else index.right_of(hit.row, hit.col)
    elif score_at is not None:
        # the grade printed right of the total score, without a label (Yunnan)
        row, col = score_at
        for c in index.row_cols.get(row, ()):
            if c > index.end_col(row, col) and index.text(row, c) in V.GRADE_WORDS:
                fields["grade"] = Loc(row, c)
                break
    for name in LABELS["closing_texts"]:
        hits = index.find("closing_texts", name, start + 1, bottom)
        if hits:
            hit = hits[0]
            end = max(end, hit.row)
            fields[f"texts.{name}"] = (
                Loc(hit.row, hit.col, inline=True) if hit.inline else index.right_of(hit.row, hit.col)
            )
    for name in LABELS["signature"]:
        for hit in index.find("signature", name, start + 1, bottom):
            end = max(end, hit.row)
            if name == "notes":
                located.notes.append(
                    Loc(hit.row, hit.col, inline=True) if hit.inline else index.right_of(hit.row, hit.col)
                )
    return end


def _filing(index: SheetIndex, located: Located, top: int, bottom: int) -> None:
    """单位名称 and 填报日期, above the form or in its signature rows."""
    for name in LABELS["filing"]:
        hits = index.find("filing", name, top, bottom)
        if hits:
            hit = hits[0]
            loc = Loc(hit.row, hit.col, inline=True) if hit.inline else index.right_of(hit.row, hit.col)
            if name == "filing_date":
                loc = Loc(loc.row, loc.col, loc.inline, join="date")
            located.fields[name] = loc


# --- sheetperf's own templates: defined names ------------------------------------------------

_DEFINED_REF_RE: Final = re.compile(
    r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$"
)


def parse_defined_ref(text: str) -> tuple[str, int, int] | None:
    """``'绩效自评表'!$C$3:$H$3`` → ('绩效自评表', 2, 2): the sheet and top-left cell; None otherwise."""
    match = _DEFINED_REF_RE.match(text.strip())
    if match is None:
        return None
    sheet = match.group(1).replace("''", "'") if match.group(1) is not None else match.group(2)
    from sheetperf.model.a1 import col_index

    try:
        return sheet, int(match.group(4)) - 1, col_index(match.group(3))
    except ValueError:
        return None


def _record_paths(form: FormKind) -> tuple[str, ...]:
    if form == "monitoring":
        funds = tuple(f"funds.{row}.{col}" for row in FUND_ROWS for col in (*MONITORING_FUND_COLUMNS, "note"))
        return (
            "year",
            "period",
            "project_name",
            "department",
            "implementing_unit",
            *funds,
            "goal_expected",
            "goal_progress",
            "time_progress",
            "progress_flag",
        )
    if form == "self_evaluation":
        funds = tuple(f"funds.{row}.{col}" for row in FUND_ROWS for col in (*FUND_COLUMNS, "weight", "score"))
        return (
            "year",
            "project_name",
            "department",
            "implementing_unit",
            *funds,
            "goal_expected",
            "goal_actual",
            "total_weight",
            "total_score",
            "grade",
        )
    return (
        "year",
        *GoalTable.HEADER_KEYS,
        *(f"texts.{k}" for k in GOAL_TEXTS),
        *(f"budget_yuan.{k}" for k in GOAL_BUDGET),
    )


def refs_by_sheet(names: dict[str, str], memory: LocateMemory | None = None) -> dict[str, dict[str, tuple[int, int]]]:
    """sheetperf's defined names (``SP_…``) grouped by the sheet they point into:
    sheet → name → zero-based (row, col) of the top-left cell.  Parsed once per workbook."""
    known = (memory if memory is not None else LocateMemory()).defined_refs
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for name, text in names.items():
        if name.startswith("SP_"):
            parsed = known.get(text)
            if parsed is None:
                parsed = known.put(text, parse_defined_ref(text))
            if parsed is not None:
                out.setdefault(parsed[0], {})[name] = (parsed[1], parsed[2])
    return out


def locate_by_defined_names(
    grid: Grid, refs: dict[str, tuple[int, int]], *, every_row: bool = False, memory: LocateMemory | None = None
) -> Located | None:
    """A sheetperf template found through its defined names (see :mod:`sheetperf.forms.layout`).

    ``refs`` maps this sheet's defined names to their cells (workbook-level names plus the
    sheet's own, as Excel makes them when a sheet is copied; :func:`refs_by_sheet`).  Names
    follow the rows a user inserts, so they are trusted over the layout's coordinates; the
    layout is used for its naming scheme only.  None when this sheet holds no named form.

    ``every_row``: the template was pre-filled (its indicators locked), so each named
    row is an indicator even where the department left it empty; in a blank template
    empty rows are skipped.
    """
    from sheetperf.forms.layout import field_name, parse_indicator_name

    form: FormKind
    if field_name("goal_progress") in refs:
        form = "monitoring"
    elif field_name("goal_expected") in refs:
        form = "self_evaluation"
    elif field_name("texts.overview") in refs:
        form = "goal_table"
    else:
        return None
    located = Located(form, grid.name, method="defined_names")
    for path in _record_paths(form):
        where = refs.get(field_name(path))
        if where is not None:
            located.fields[path] = Loc(*where)
    known = (memory if memory is not None else LocateMemory()).indicator_names
    table: dict[int, dict[str, tuple[int, int]]] = {}
    for name, where in refs.items():
        parsed_name = known.get(name)
        if parsed_name is None:
            parsed_name = known.put(name, parse_indicator_name(name))
        if parsed_name is not None:
            table.setdefault(parsed_name[0], {})[parsed_name[1]] = where
    index = SheetIndex(grid, labels=False)
    rows: list[tuple[int, dict[str, int]]] = []
    for position in sorted(table):
        cells = table[position]
        row = min(r for r, _ in cells.values())
        rows.append((row, {key: c for key, (_, c) in cells.items()}))
    if every_row:
        located.indicator_columns = dict(rows[0][1]) if rows else {}
        _every_row(index, located, rows)
    else:
        walk_indicator_rows(index, located, rows, level_rows=True)
    located.funds_unit = WAN_YUAN
    return located


__all__ = [
    "COLON_RE",
    "LABELS",
    "Loc",
    "Located",
    "SheetIndex",
    "is_template_leftover",
    "locate_by_defined_names",
    "locate_forms",
    "norm",
    "parse_defined_ref",
    "points_of",
    "refs_by_sheet",
    "squash_label",
    "strip_points",
    "walk_indicator_rows",
    "year_of",
]
