"""Find a form in a sheet by its labels, not by coordinates.

Departments copy the published Word/PDF form into Excel by hand: the form lands
at any offset, under banner rows, with labels spaced or in full-width
punctuation (``一级 指标``, ``项目资金（万元）``, ``年度资金总额：``), level labels
merged, repeated or written once, rows inserted.  Labels are therefore matched
after :func:`norm` (NFKC, no spaces, no punctuation) against the synonym lists
of :data:`LABELS` — the single declaration of every label spelling the reader
accepts — and values are found relative to their labels.

The result of locating is a :class:`Located`: for every field path of the
record (``project_name``, ``funds.total.executed``, ``indicators[3].score``) the
cell(s) holding it.  Turning those cells into typed values is the reader's job
(:mod:`sheetperf.io.reader`), shared with the defined-name path for sheetperf's
own templates.  Nothing here imports an Excel library: it works on a
:class:`~sheetperf.xlsx.book.Grid` whoever filled it (lxml engine or calamine).
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
from sheetperf.model.record import FUND_COLUMNS, FUND_ROWS, GOAL_BUDGET, GOAL_TEXTS
from sheetperf.xlsx.book import Cell, Grid
from sheetperf.xlsx.limits import WHOLE_MERGE_CELLS

FormKind = Literal["self_evaluation", "goal_table"]

# --- the label declaration -------------------------------------------------------------------
# Every spelling below is compared after norm(): full-width folded, spaces and punctuation
# removed, so 项目资金（万元） == 项目资金 (万元) == 项目资金(万元) → "项目资金万元".

LABELS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    # label → value pairs above the self-evaluation's tables
    "self_evaluation_header": {
        "project_name": ("项目名称",),
        "department": ("主管部门", "主管部门及代码", "主管单位"),
        "implementing_unit": ("实施单位", "项目实施单位", "实施单位及代码"),
    },
    # the funds block: its row label, column headers and row labels
    "funds_block": {
        "block": ("项目资金万元", "项目资金元", "项目资金", "资金情况万元", "资金情况"),
    },
    "funds_columns": {
        "initial_budget": ("年初预算数", "年初预算"),
        "annual_budget": ("全年预算数", "调整后预算数", "全年预算", "调整后预算"),
        "executed": ("全年执行数", "执行数", "全年实际执行数"),
        "weight": ("分数", "分值", "权重"),
        "execution_rate": ("执行率", "预算执行率"),
        "score": ("得分",),
    },
    "funds_rows": {
        "total": ("年度资金总额", "资金总额"),
        "current_year_appropriation": ("当年财政拨款", "本年财政拨款", "财政拨款"),
        "carryover": ("上年结转资金", "上年结转"),
        "other": ("其他资金",),
    },
    "goal_block": {
        "block": ("年度总体目标", "总体目标"),
        "goal_expected": ("预期目标",),
        "goal_actual": ("实际完成情况",),
    },
    # the indicator table's column headers (both forms)
    "indicator_columns": {
        "level1": ("一级指标", "一级目标"),
        "level2": ("二级指标", "二级目标"),
        "name": ("三级指标", "三级目标", "三级指标名称"),
        "target": ("年度指标值", "指标目标值", "年度目标值", "目标值", "指标值"),
        "actual": ("实际完成值", "全年实际值", "实际值", "实际完成情况"),
        "weight": ("分值", "权重", "指标分值"),
        "score": ("得分", "自评得分"),
        "deviation": ("偏差原因分析及改进措施", "偏差原因分析及改进", "偏差原因及改进措施", "未完成原因分析"),
        "reason": ("原因分析", "偏差原因分析", "偏差原因"),
        "fix": ("改进措施",),
        "operator": ("指标性质",),
        "unit": ("度量单位", "计量单位"),
    },
    "closing": {
        "total": ("总分", "合计"),
        "grade": ("评分等级", "自评等级"),
    },
    # label → value pairs of the goal table (the value may follow a colon in the same cell)
    "goal_table_header": {
        "applicant_unit": ("申报单位名称", "申报单位"),
        "project_name": ("项目名称",),
        "project_category": ("项目类别",),
        "planned_start": ("计划开始日期",),
        "planned_end": ("计划完成日期",),
        "government_procurement": ("是否含有政府购买服务",),
        "performance_type": ("绩效类型",),
    },
    "goal_table_texts": {
        "overview": ("项目概况",),
        "basis": ("立项依据",),
        "necessity": ("项目设立的必要性",),
        "safeguards": ("保证项目实施的制度措施",),
        "implementation_plan": ("项目实施计划",),
        "objectives": ("总目标及阶段性目标",),
    },
    "goal_table_budget": {
        "project_total": ("项目总预算元", "项目总预算"),
        "current_year": ("项目当年预算元", "项目当年预算"),
        "prior_year_same_project": ("同名项目上年预算额元", "同名项目上年预算额"),
        "prior_year_same_project_executed": ("同名项目上年预算执行数元", "同名项目上年预算执行数"),
    },
    "titles": {
        "self_evaluation": ("财政项目支出绩效自评表", "项目支出绩效自评表", "绩效自评表"),
        "goal_table": ("财政项目支出绩效目标表", "项目支出绩效目标表", "绩效目标表"),
    },
}

_OPTIONAL_PREFIXES: Final = ("其中",)
_COLON_RE: Final = re.compile(r"[:：]")
_YEAR_RE: Final = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_CJK_GAP_RE: Final = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")
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
_ACTUAL_TEXT_KEY: Final = norm("实际完成情况")
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
_STOP_KEYS: Final[frozenset[str]] = frozenset(
    {*_KEYS["closing"], *_KEYS["titles"], *_KEYS["self_evaluation_header"], *_KEYS["goal_table_header"]}
)


# --- the located form ------------------------------------------------------------------------


@dataclass(frozen=True)
class Loc:
    """Where a field's value is: one cell, or several joined (a split target or deviation).

    ``inline`` marks a value written after the label's colon in the same cell
    (``申报单位名称：上海市…``).  ``join`` tells how parts combine.
    """

    row: int
    col: int
    inline: bool = False
    parts: tuple[tuple[int, int], ...] = ()
    join: Literal["", "target", "lines"] = ""
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
    #: Zero-based column of each indicator-table key.
    indicator_columns: dict[str, int] = field(default_factory=dict)
    method: Literal["labels", "defined_names"] = "labels"


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


def _label_key(value: str) -> tuple[str, str]:
    """The label key of a cell and the text after its colon (``项目名称：X`` → 项目名称, X)."""
    if len(value) <= MAX_LABEL_CHARS:
        key = norm(value)
        if key in ALL_LABEL_KEYS:
            return key, ""
    match = _COLON_RE.search(value, 0, MAX_LABEL_CHARS)
    if match:
        key = norm(value[: match.start()])
        if key in ALL_LABEL_KEYS:
            return key, value[match.end() :].strip()
    return "", ""


# --- locating ---------------------------------------------------------------------------------


def locate_forms(grid: Grid, memory: LocateMemory | None = None) -> list[Located]:
    """Every form in a sheet, top to bottom (usually one)."""
    index = SheetIndex(grid, memory=memory)
    tables = _indicator_headers(index)
    forms: list[Located] = []
    top = 0
    for k, (header_row, columns, last_header_row) in enumerate(tables):
        next_header = tables[k + 1][0] if k + 1 < len(tables) else None
        located, end = _locate_one(index, top, header_row, last_header_row, columns, next_header)
        forms.append(located)
        top = end + 1
    return forms


def _indicator_headers(index: SheetIndex) -> list[tuple[int, dict[str, int], int]]:
    """Rows holding an indicator table header: (row, column map, last header row)."""
    found: list[tuple[int, dict[str, int], int]] = []
    level1_rows = sorted({h.row for h in index.find("indicator_columns", "level1")})
    for row in level1_rows:
        if found and row <= found[-1][2]:
            continue
        columns = _header_columns(index, row)
        last = row
        # a two-row header: sub-headers under a merged 年度指标值 / 偏差原因 (Sichuan and others)
        below = _header_columns(index, row + 1)
        if below and "level1" not in below:
            for key, col in below.items():
                columns[key] = col
            last = row + 1
        else:
            last = max(index.end_row(row, c) for c in columns.values()) if columns else row
        if "level1" in columns and ("name" in columns or "target" in columns):
            found.append((row, columns, last))
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
    if "operator" in columns and "target" in columns:
        # 指标性质 | 指标值 | 度量单位: the "target" column is only the number
        columns["value"] = columns.pop("target")
    return columns


def _locate_one(
    index: SheetIndex,
    top: int,
    header_row: int,
    last_header_row: int,
    columns: dict[str, int],
    next_header: int | None,
) -> tuple[Located, int]:
    kind: FormKind = "self_evaluation" if ("actual" in columns or "score" in columns) else "goal_table"
    located = Located(kind, index.grid.name)
    fields = located.fields
    bottom = (next_header - 1) if next_header is not None else index.max_row
    end = _indicator_rows(index, located, columns, last_header_row + 1, bottom)
    above = header_row - 1
    if kind == "self_evaluation":
        first_field = _header_fields(index, fields, "self_evaluation_header", top, above, "")
        _funds(index, located, top, above)
        _goal_texts(index, fields, top, above)
        end = max(end, _closing(index, located, columns, end, bottom))
    else:
        first_field = _header_fields(index, fields, "goal_table_header", top, above, "")
        texts_first = _header_fields(index, fields, "goal_table_texts", top, above, "texts.")
        budget_first = _header_fields(index, fields, "goal_table_budget", top, above, "budget_yuan.")
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


def _funds(index: SheetIndex, located: Located, top: int, bottom: int) -> None:
    hits = index.find("funds_columns", "initial_budget", top, bottom)
    if not hits:
        return
    header_row = hits[0].row
    columns: dict[str, int] = {}
    for col in index.row_cols.get(header_row, ()):
        name = index.key_group(header_row, col, "funds_columns")
        if name is not None:
            columns.setdefault(name, col)
    unit = "万元"
    blocks = index.find("funds_block", "block", top, header_row)
    if blocks:
        key = index.keys.get((blocks[0].row, blocks[0].col), "")
        if key.endswith("元") and not key.endswith("万元"):
            unit = "元"
    located.funds_unit = unit
    first_value_col = min(columns.values())
    rows_seen: set[str] = set()
    for r in range(index.end_row(header_row, first_value_col) + 1, min(header_row + 8, bottom) + 1):
        for c in index.row_cols.get(r, ()):
            if c >= first_value_col:
                break
            name = index.key_group(r, c, "funds_rows")
            if name is None or name in rows_seen:
                continue
            rows_seen.add(name)
            for col_name, col in columns.items():
                located.fields[f"funds.{name}.{col_name}"] = Loc(r, col)
            break


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
                ):
                    located.fields["year"] = Loc(r, c)
                    return
                if isinstance(value, float) and 1990 <= value <= 2100 and value.is_integer():
                    key = index.keys.get((r, c - 1), "")
                    if key.endswith("年度"):
                        located.fields["year"] = Loc(r, c)
                        return


def year_of(text: str) -> int | None:
    match = _YEAR_RE.search(unicodedata.normalize("NFKC", text))
    return int(match.group(1)) if match else None


def _indicator_rows(index: SheetIndex, located: Located, columns: dict[str, int], start: int, bottom: int) -> int:
    """Walk the indicator table from ``start`` to its first closing label; returns the last row used."""
    table_first = min(columns.values())
    table_last = max(columns.values())
    rows: list[tuple[int, dict[str, int]]] = []
    for r in index.rows[bisect_right(index.rows, start - 1) :]:
        if r > bottom:
            break
        if any(table_first <= c <= table_last and index.keys.get((r, c)) in _STOP_KEYS for c in index.row_cols[r]):
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
    formula cells (a template's score column) never make a row.  With ``level_rows``
    (a template's named rows) a level label written in the row itself counts too.
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
        prefix = f"indicators[{count}]."
        for level in ("level1", "level2"):
            src_cell = carried[level]
            if src_cell is not None:
                fields[prefix + level] = Loc(*src_cell)
            elif level in columns:
                fields[prefix + level] = Loc(r, columns[level])
        for key in ("name", "actual", "weight", "score"):
            if key in columns:
                fields[prefix + key] = Loc(*index.source(r, columns[key]))
        if "operator" in columns:
            target_keys = tuple(k for k in ("operator", "value", "unit") if k in columns)
            parts = tuple((r, columns[k]) for k in target_keys)
            first = columns["value"] if "value" in columns else columns["operator"]
            fields[prefix + "target"] = Loc(r, first, parts=parts, join="target", part_keys=target_keys)
        elif "target" in columns:
            fields[prefix + "target"] = Loc(*index.source(r, columns["target"]))
        if "deviation" in columns:
            fields[prefix + "deviation"] = Loc(*index.source(r, columns["deviation"]))
        elif "reason" in columns or "fix" in columns:
            parts = tuple((r, columns[k]) for k in ("reason", "fix") if k in columns)
            fields[prefix + "deviation"] = Loc(parts[0][0], parts[0][1], parts=parts, join="lines")
        count += 1
        last_used = r
    located.indicator_count = count
    return last_used


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


def _closing(index: SheetIndex, located: Located, columns: dict[str, int], start: int, bottom: int) -> int:
    """总分 and 评分等级 rows wherever they follow the table."""
    end = start
    fields = located.fields
    totals = index.find("closing", "total", start + 1, bottom)
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
    grades = index.find("closing", "grade", start + 1, bottom)
    if grades:
        hit = grades[0]
        end = max(end, hit.row)
        fields["grade"] = Loc(hit.row, hit.col, inline=True) if hit.inline else index.right_of(hit.row, hit.col)
    return end


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
        "applicant_unit",
        "project_name",
        "project_category",
        "planned_start",
        "planned_end",
        "government_procurement",
        "performance_type",
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
    if field_name("goal_expected") in refs:
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
    located.funds_unit = "万元"
    return located


__all__ = [
    "LABELS",
    "Loc",
    "Located",
    "SheetIndex",
    "locate_by_defined_names",
    "locate_forms",
    "norm",
    "parse_defined_ref",
    "refs_by_sheet",
    "squash_label",
    "walk_indicator_rows",
    "year_of",
]
