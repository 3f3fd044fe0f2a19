"""Import published disclosures: the text of released PDF forms, back into records.

Self-evaluations and goal tables are published as PDFs; tools such as pdftotext,
PyMuPDF or a government portal's own converter turn them into text that keeps the
rows but loses the grid.  This module reads that text into
:class:`~sheetperf.model.record.SelfEvaluation` and :class:`~sheetperf.model.record.GoalTable`
records without any Excel library.

The parser anchors on the form's own labels (the one label table of the vocabulary,
:data:`sheetperf.vocab.form_labels.FORM_LABELS`, which the workbook reader uses too),
never on line numbers, and is
tolerant of what extraction does to a table:

- cells separated by tabs, or by runs of two or more spaces (empty cells lost);
- a label broken by spaces (``一级 指标``) or across rows (``满意度指`` / ``标``);
- a row broken across a page break: the continuation row holds only the tails of
  some cells (``部分达成指`` / ``标并具有一定效果``) and is merged into the row above;
- merged level-1/level-2 cells printed once and carried down, also over page breaks;
- rows whose columns shifted (empty level cells dropped): an indicator row is read
  from its right end, anchored on the two numbers weight and score;
- long texts in ``<p>`` paragraphs, continued after a page break;
- Windows line ends, a byte-order mark, GB18030 files, full-width digits and signs.

Whatever cannot be placed is returned as an :class:`ImportProblem` with its file
and line number: nothing is dropped silently.  ``slug`` and a goal table's
``note`` are editorial and not in the published text, so they stay ``None``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from sheetperf.errors import InputError, SheetperfError, UnsafeInputError
from sheetperf.io.locate import points_of, strip_points
from sheetperf.io.reader import clean_name
from sheetperf.model.evidence import Evidence, LineRef, TextSource
from sheetperf.model.record import (
    FUND_COLUMNS,
    FUND_ROWS,
    GOAL_BUDGET,
    GOAL_TEXTS,
    FormKind,
    FundRow,
    Funds,
    GoalTable,
    Indicator,
    Provenance,
    Record,
    indicators_of,
)
from sheetperf.model.record import SelfEvaluation as _SelfEvaluation
from sheetperf.rules.parsing import (
    LEVEL_TEXT,
    ActualKind,
    TargetKind,
    parse_actual,
    parse_number,
    parse_operator,
    parse_target,
)
from sheetperf.vocab import form_labels as V
from sheetperf.vocab import labels as L
from sheetperf.vocab import words
from sheetperf.vocab.text import os_reason

if TYPE_CHECKING:  # pragma: no cover
    pass

#: Refuse text files larger than this: a form's text is a few hundred kilobytes at most.
MAX_TEXT_BYTES: Final = 64 * 1024 * 1024

__all__ = [
    "ImportProblem",
    "ImportResult",
    "decode_text",
    "import_files",
    "import_text",
]


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ImportProblem:
    """A line (or part of one) that could not be placed, or was placed and needs checking."""

    file: str | None
    line: int
    text: str
    code: str

    @property
    def reason(self) -> str:
        return L.IMPORT_PROBLEMS[self.code]

    def message(self) -> str:
        where = f"{self.file}:{self.line}" if self.file else f"第 {self.line} 行"
        text = self.text if len(self.text) <= 60 else self.text[:57] + "…"
        return f"{where}: {self.reason}：{text}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "code": self.code, "reason": self.reason, "text": self.text}


@dataclass(frozen=True)
class Refusal:
    """A form found in the text but not returned: its fields could not be placed with certainty."""

    file: str | None
    line: int
    project_name: str
    reasons: tuple[str, ...]

    def message(self) -> str:
        where = f"{self.file}:{self.line}" if self.file else f"第 {self.line} 行"
        shown = "；".join(self.reasons[:3]) + (f"（另有 {len(self.reasons) - 3} 处）" if len(self.reasons) > 3 else "")
        return L.IMPORT_MESSAGES["refused"].format(where=where, project=self.project_name or "—", reasons=shown)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "project_name": self.project_name, "reasons": list(self.reasons)}


@dataclass
class ImportResult:
    """The records found, in the order of the text, the problems met on the way, and the forms
    refused because their rows could not be placed with certainty (never returned with fields
    misplaced)."""

    records: list[Record] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Reading files


def decode_text(data: bytes, *, file: str | None = None) -> str:
    """Decode extracted text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(L.IMPORT_MESSAGES["decode"], file=file) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise InputError(L.IMPORT_MESSAGES["decode"], file=file) from exc
    if "\x00" in text:
        raise InputError(L.IMPORT_MESSAGES["binary"], file=file)
    return text


def _read_file(path: Path) -> str:
    from sheetperf.io.walk import ensure_regular

    ensure_regular(path)
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise UnsafeInputError(
                L.IMPORT_MESSAGES["too_large"].format(limit=MAX_TEXT_BYTES // (1024 * 1024)), file=str(path)
            )
        data = path.read_bytes()
    except OSError as exc:
        reason = os_reason(exc)
        raise InputError(L.IMPORT_MESSAGES["unreadable"].format(reason=reason), file=str(path)) from exc
    return decode_text(data, file=str(path))


def import_files(paths: Iterable[str | Path]) -> ImportResult:
    """Read text files in order, as one document: a form may run on from one file into the next."""
    lines: list[_Line] = []
    for path in paths:
        path = Path(path)
        lines.extend(_split_lines(_read_file(path), str(path)))
    return _parse(lines)


def import_text(text: str, *, source: str | None = None) -> ImportResult:
    """Every form in ``text``; ``source`` names the file in provenance and problems."""
    return _parse(_split_lines(text, source))


# ---------------------------------------------------------------------------------------------
# Lines and cells

_TAG_RE: Final = re.compile(r"<\s*/?\s*(?:p|br|div|span)\b[^>]*>", re.IGNORECASE)
_PARA_RE: Final = re.compile(r"<\s*/?\s*(?:p|br|div)\b[^>]*>", re.IGNORECASE)
_WS_RE: Final = re.compile(r"\s+")
# Separators when a text has no tabs: runs of two or more (ideographic) spaces.
_SPACES_SEP: Final = re.compile(r"[ \u00a0\u3000]{2,}|\u3000")
# CJK characters and punctuation; full-width digits and letters (FF10–FF5A) are not among them.
_CJK: Final = (
    "\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uffef“”‘’"
)
# A space PDF extraction left inside a narrow cell where the line wrapped: between two CJK characters.
_CJK_SPACE_RE: Final = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_PLAIN_NUMBER_RE: Final = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _key(text: str) -> str:
    """A cell as a label: tags removed, full-width and traditional characters folded, no spaces,
    no trailing colon."""
    key = _WS_RE.sub("", _fold(_TAG_RE.sub("", text))).translate(V.TRADITIONAL_FOLD)
    return key.rstrip(":")


@dataclass(frozen=True)
class _Cell:
    text: str
    col: int | None  # the tab column; None when the text had no tabs

    @property
    def key(self) -> str:
        return _key(self.text)


@dataclass(frozen=True)
class _Line:
    file: str | None
    number: int
    raw: str
    cells: tuple[_Cell, ...]

    @property
    def positional(self) -> bool:
        return bool(self.cells) and self.cells[0].col is not None

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.cells]

    @property
    def text(self) -> str:
        return " | ".join(c.text for c in self.cells)


_PIPE: Final = "|"


def _pipe_text(lines: list[str]) -> bool:
    """A web page's table stored as text: cells separated (or ended) by ``|``, tabs absent."""
    filled = [line.strip() for line in lines if line.strip()]
    return bool(filled) and sum(1 for line in filled if _PIPE in line) >= 0.6 * len(filled)


def _pipe_lines(lines: list[str], file: str | None) -> list[_Line]:
    """Rows of a ``|`` text, each cell in its column: ``X |`` is a cell, a lone ``|`` an empty one,
    a line of pipes ends a row; a row may be broken over many lines (one cell a line).  After an
    indicator header the rows are cut at the header's width, as the page's rows were."""
    out: list[_Line] = []
    row: list[tuple[int, str]] = []
    width = 0

    def flush() -> None:
        nonlocal row, width
        if row and any(text for _, text in row):
            cells = tuple(_Cell(text, col) for col, (_, text) in enumerate(row) if text)
            line = _Line(file, row[0][0], " | ".join(text for _, text in row), cells)
            if not width and _Table.header_roles(line) is not None:
                width = len(row)
            out.append(line)
        row = []

    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if _PIPE not in line:  # a line of its own (a title)
            flush()
            out.append(_Line(file, number, raw, (_Cell(line, None),)))
            continue
        if not line.strip(_PIPE):  # only pipes
            if len(line) >= 2 and not width:
                flush()
                continue
            parts = [""] if len(line) == 1 else [""] * (len(line) - 1)
        else:
            parts = [p.strip() for p in line.split(_PIPE)]
            if line.endswith(_PIPE):
                parts = parts[:-1]
            if line.startswith(_PIPE) and line.count(_PIPE) >= 3:
                # a whole row on its line (| a | b | c |): the cells of a merged label are not written
                flush()
                row = [(number, part) for part in parts]
                flush()
                continue
        for part in parts:
            if width and len(row) >= width:
                flush()
            row.append((number, part))
            if not width and len(row) > 1 and _is_header_row(row) and not _header_label(part):
                # the header ended with the cell before: this one starts the first row
                last = row.pop()
                flush()
                row = [last]
    flush()
    return out


def _header_label(text: str) -> bool:
    return bool(text) and _table_role(_key(text)) is not None


def _is_header_row(row: list[tuple[int, str]]) -> bool:
    return sum(1 for _, text in row if _header_label(text)) >= 3


#: Pinyin a page store put after a character: ``項(xiàng)目`` → ``項目``.
_PINYIN_RE: Final = re.compile(rf"(?<=[\u4e00-\u9fff])\([{V.PINYIN_MARKS}]{{1,8}}\)")


def _split_lines(text: str, file: str | None) -> list[_Line]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "(" in text:
        text = _PINYIN_RE.sub("", text)
    if "\t" not in text and _pipe_text(text.split("\n")):
        return _pipe_lines(text.split("\n"), file)
    positional = "\t" in text
    out: list[_Line] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.replace("\f", "").replace("\v", "")
        cells: list[_Cell] = []
        if positional:
            for col, part in enumerate(raw.split("\t")):
                if part.strip():
                    cells.append(_Cell(part.strip(), col))
        else:
            for part in _SPACES_SEP.split(raw.strip()):
                tokens = part.split()
                # Narrow columns leave one space between numbers (weight and score: "20.00 20.00").
                if len(tokens) > 1 and all(_is_plain_number(t) or _is_dash(t) for t in tokens):
                    cells.extend(_Cell(t, None) for t in tokens)
                elif part.strip():
                    cells.append(_Cell(part.strip(), None))
        out.append(_Line(file, number, raw, tuple(cells)))
    return out


# ---------------------------------------------------------------------------------------------
# Text of cells


def _paragraphs(raw: str) -> list[str]:
    """The paragraphs of a long-text cell: split at <p>/<br> tags, entities decoded."""
    parts = (html.unescape(p).strip() for p in _PARA_RE.split(raw))
    return [p for p in parts if p]


def _table_text(raw: str) -> str:
    """A short table cell: tags removed, spaces from line wrapping between CJK characters removed."""
    text = "".join(_paragraphs(raw))
    text = _WS_RE.sub(" ", text).strip()
    return _CJK_SPACE_RE.sub("", text)


def _label_text(raw: str) -> str:
    """A level label: no spaces, full-width and traditional characters folded (產出指標 → 产出指标)."""
    return _WS_RE.sub("", _fold(html.unescape(_TAG_RE.sub("", raw)))).translate(V.TRADITIONAL_FOLD)


_SENTENCE_END: Final = "。！？!?…"
_CLOSERS: Final = "”’」』\"')）]】"


def _open_text(text: str) -> bool:
    """True when a text breaks off mid-sentence: its continuation joins without a new paragraph."""
    stripped = text.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] not in _SENTENCE_END


def _join(head: str, tail: str) -> str:
    if head and tail and head[-1].isascii() and head[-1].isalnum() and tail[0].isascii() and tail[0].isalnum():
        return f"{head} {tail}"
    return head + tail


class _Text:
    """A long text built from the cells of one or more rows."""

    def __init__(self) -> None:
        self.paras: list[str] = []

    def add(self, raw: str) -> None:
        paras = _paragraphs(raw)
        if not paras:
            return
        if self.paras and _open_text(self.paras[-1]):
            self.paras[-1] = _join(self.paras[-1], paras[0])
            paras = paras[1:]
        self.paras.extend(paras)

    @property
    def empty(self) -> bool:
        return not self.paras

    @property
    def open(self) -> bool:
        return bool(self.paras) and _open_text(self.paras[-1])

    def value(self) -> str:
        return "\n".join(self.paras)


def _number(text: str) -> Decimal | None:
    cleaned = _table_text(text)
    if cleaned.endswith("分"):
        cleaned = cleaned[:-1]
    return parse_number(cleaned)


def _is_plain_number(text: str) -> bool:
    cleaned = _WS_RE.sub("", _fold(text))
    if cleaned.endswith("分"):
        cleaned = cleaned[:-1]
    return bool(_PLAIN_NUMBER_RE.match(cleaned))


def _is_dash(text: str) -> bool:
    return _key(text) in {"-", "—", "–", "--", "/", "－", "——"} or _key(text) == ""


def _as_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _int_or_float(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _as_int_or_float(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


# Full-width forms of digits, letters and the signs of a value; Chinese punctuation (，、；：。) stays.
_VALUE_FOLD: Final = str.maketrans(
    {
        **{chr(0xFF10 + i): chr(0x30 + i) for i in range(10)},
        **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
        **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
        **{fw: ascii_ for fw, ascii_ in zip("（）％＝＞＜＋－．／～", "()%=><+-./~", strict=True)},
        "\u3000": " ",
    }
)


def _fold_value(text: str) -> str:
    return text.translate(_VALUE_FOLD)


def _canonical_target(text: str) -> str:
    """A target with full-width digits and signs folded (``＝１（场）`` → ``=1(场)``), words as written."""
    folded = _fold_value(text)
    nfkc = _WS_RE.sub(" ", _fold(folded)).strip()
    if parse_target(nfkc).kind in (TargetKind.QUANTITATIVE, TargetKind.RANGE):
        return nfkc
    return folded


def _canonical_actual(text: str) -> str:
    folded = _fold_value(text)
    nfkc = _WS_RE.sub(" ", _fold(folded)).strip()
    if parse_actual(nfkc).kind is ActualKind.NUMBER:
        return nfkc
    return folded


# ---------------------------------------------------------------------------------------------
# Vocabulary


def _variants(label: str) -> set[str]:
    """A label compared as a key, with and without its unit in parentheses."""
    key = _key(label)
    return {key, re.sub(r"\([^()]*\)$", "", key)} - {""}


#: Where each field the importer places is declared in the vocabulary's one label table
#: (:data:`~sheetperf.vocab.form_labels.FORM_LABELS`, the workbook reader's table too):
#: importer path → (group, field).
_LABEL_SOURCES: Final[dict[str, tuple[str, str]]] = {
    **{key: ("self_evaluation_header", key) for key in ("project_name", "department", "implementing_unit")},
    **{key: ("goal_table_header", key) for key in (*GoalTable.HEADER_KEYS, "department", "period")},
    **{f"texts.{key}": ("goal_table_texts", key) for key in GOAL_TEXTS},
    **{f"budget_yuan.{key}": ("goal_table_budget", key) for key in GOAL_BUDGET},
    **{f"funds.{row}": ("funds_rows", row) for row in FUND_ROWS},
    **{key: ("funds_columns", key) for key in (*FUND_COLUMNS, "weight", "score")},
    "funds": ("funds_block", "block"),
    "goal": ("goal_block", "block"),
    "goal_expected": ("goal_block", "goal_expected"),
    "goal_actual": ("goal_block", "goal_actual"),
    "total_score": ("closing", "total"),
    "grade": ("closing", "grade"),
}
#: Indicator-table roles: each column header of the vocabulary's table → the role it fills here.
_TABLE_SOURCES: Final[dict[str, str]] = {
    "level1": "level1",
    "level2": "level2",
    "name": "name",
    "target": "target",
    "actual": "actual",
    "weight": "weight",
    "score": "score",
    "deviation": "deviation",
    "reason": "deviation",
    "measures": "deviation",
    # a target split over 指标性质 | 指标值 | 度量单位: joined as written (﹦ + 100 + % → ﹦100%)
    "operator": "operator",
    "unit": "unit",
}


def _lookup(paths: Iterable[str]) -> dict[str, str]:
    """Map every spelling of the labels of ``paths`` to the path."""
    out: dict[str, str] = {}
    for path in paths:
        group, name = _LABEL_SOURCES[path]
        for spelling in V.FORM_LABELS[group][name]:
            for key in _variants(spelling):
                out.setdefault(key, path)
    return out


def _table_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, role in _TABLE_SOURCES.items():
        for spelling in V.FORM_LABELS["indicator_columns"][name]:
            for key in _variants(spelling):
                out.setdefault(key, role)
    return out


_SELF_HEADER: Final = _lookup(("project_name", "department", "implementing_unit"))
_GOAL_HEADER: Final = _lookup(
    (
        *GoalTable.HEADER_KEYS,
        "department",
        "period",
        *(f"texts.{k}" for k in GOAL_TEXTS),
        *(f"budget_yuan.{k}" for k in GOAL_BUDGET),
    )
)
#: The goal table's labels a self-evaluation does not print (实施单位 and 主管部门 are both's): what
#: makes a text without a title a goal table.
_GOAL_HEADER_ONLY: Final = {key: path for key, path in _GOAL_HEADER.items() if key not in _SELF_HEADER}
_FUND_ROWS: Final = _lookup(f"funds.{row}" for row in FUND_ROWS)
_FUND_COLUMNS: Final = _lookup((*FUND_COLUMNS, "weight", "score"))
_FUND_BLOCK: Final = _lookup(("funds",))
_GOAL_LABELS: Final = _lookup(("goal", "goal_expected", "goal_actual"))
_TABLE_ROLES: Final[tuple[str, ...]] = ("level1", "level2", "name", "target", "actual", "weight", "score", "deviation")
_TABLE_HEADER: Final = _table_lookup()
_TOTAL: Final = _lookup(("total_score",))
_GRADE: Final = _lookup(("grade",))
#: The row label of the goal block (年度总体目标); extraction may split it over two rows.
_GOAL_BLOCK: Final = _key(V.FORM_LABELS["goal_block"]["block"][0])


_YUAN: Final = "元"
_YUAN_PER_WAN: Final = Decimal(V.AMOUNT_UNITS["万元"])


def _label_unit(key: str) -> str:
    """万元 or 元 when a label names its unit in parentheses (``项目资金(元)``), else ""."""
    for unit in V.AMOUNT_UNITS:
        if f"({unit})" in key:
            return unit
    return ""


def _amount_unit(text: str) -> str:
    """The unit an amount cell is typed with (``620.82万元`` → 万元), else ""."""
    folded = _fold(text).strip()
    for unit in V.AMOUNT_UNITS:  # 万元 before 元
        if folded.endswith(unit) and _number(folded[: -len(unit)]) is not None:
            return unit
    return ""


def _variant_lookup(key: str, table: dict[str, str]) -> str | None:
    """A label looked up as written, then without a trailing parenthesis (``全年预算数(A)``)."""
    found = table.get(key)
    if found is None:
        for variant in _variants(key):
            found = table.get(variant)
            if found is not None:
                break
    return found


def _table_role(key: str) -> str | None:
    """The column a header cell names; a header cut short (``一级``, ``年度指``) names it too."""
    if key in _TABLE_HEADER:
        return _TABLE_HEADER[key]
    if len(key) >= 2:
        for label, role in _TABLE_HEADER.items():
            if label.startswith(key):
                return role
    return None


def _is_header_fragment(key: str) -> bool:
    """A piece of a table header broken across lines (``指标``, ``标值``, ``及改进措施``)."""
    return bool(key) and any(key in label for label in _TABLE_HEADER)


@lru_cache(maxsize=1)
def _known_categories() -> tuple[frozenset[str], frozenset[str], dict[str, frozenset[str]]]:
    """Level-1 names, level-2 names and level-2 names per level 1, from every rules profile."""
    from sheetperf.rules.profiles import available_profiles, get_profile

    level1: set[str] = set(L.IMPORT_KNOWN_LEVEL1)
    level2: set[str] = set(L.IMPORT_KNOWN_LEVEL2)
    children: dict[str, set[str]] = {}
    for name in available_profiles():
        try:
            profile = get_profile(name)
        except SheetperfError:  # a broken profile file must not stop an import
            continue
        for parent, kids in profile.framework.items():
            level1.add(parent)
            level2.update(kids)
            children.setdefault(parent, set()).update(kids)
    return frozenset(level1), frozenset(level2), {k: frozenset(v) for k, v in children.items()}


def _all_categories() -> frozenset[str]:
    level1, level2, _ = _known_categories()
    return level1 | level2


_LABEL_ENDS: Final = (L.FIELD_LABELS["level1"][-2:], L.FIELD_LABELS["goal_expected"][-2:])  # 指标, 目标
_CUT_LABEL: Final = _LABEL_ENDS[0][0]  # 指: a label cut inside 指标


def _label_open(text: str) -> bool:
    """True when a level label looks cut short and the next piece may continue it."""
    if not text:
        return False
    if text.endswith(_CUT_LABEL):
        return True
    known = _all_categories()
    if text in known and not any(k != text and k.startswith(text) for k in known):
        return False
    return any(k != text and k.startswith(text) for k in known)


def _continues(current: str, piece: str) -> bool:
    """Whether ``piece`` is the rest of the level label ``current`` (``满意度指`` + ``标``)."""
    if not current or not piece:
        return False
    if current.endswith(_CUT_LABEL):
        return True
    if piece in _LABEL_ENDS and not current.endswith(_LABEL_ENDS):
        return True
    joined = current + piece
    return _label_open(current) and any(k.startswith(joined) for k in _all_categories())


#: Longer than this, a cell in a level column is not a category name.
_MAX_LABEL: Final = 20


def _is_note(key: str) -> bool:
    """A footnote under a table (注：…, 填表说明…), which continues no cell."""
    return key.startswith(L.IMPORT_NOTE_WORDS)


def _finish_label(text: str) -> str:
    """A label cut inside 指标 whose last character never made it onto the page."""
    if text.endswith(_CUT_LABEL):
        return text + _LABEL_ENDS[0][1]
    return text


_LEVEL_SPELLINGS: Final = frozenset({*LEVEL_TEXT.values(), *words.LEVEL_VARIANTS})


def _actual_complete(text: str) -> bool:
    if not text:
        return True
    return text in _LEVEL_SPELLINGS or parse_actual(_fold(text)).kind in (
        ActualKind.NUMBER,
        ActualKind.NOT_APPLICABLE,
        ActualKind.EMPTY,
    )


def _title_kind(line: _Line) -> FormKind | None:
    key = "".join(line.keys)
    if not key or len(key) > 40 or any(word in key for word in L.IMPORT_OTHER_FORMS):
        return None
    if any(k in _SELF_HEADER or k in _GOAL_HEADER for k in line.keys):
        return None  # 项目名称 | …绩效自评表: a project named after its form, not a title
    for kind, title_words in L.IMPORT_TITLE_WORDS.items():
        if any(word in key for word in title_words):
            return "self_evaluation" if kind == "self_evaluation" else "goal_table"
    return None


_YEAR_RE: Final = re.compile(r"^\(?(\d{4})(?:" + "|".join(map(re.escape, L.IMPORT_YEAR_WORDS)) + r")?\)?$")
_YEAR_IN_RE: Final = re.compile(r"(\d{4})(?:" + "|".join(map(re.escape, L.IMPORT_YEAR_WORDS)) + ")")


def _year_line(line: _Line) -> int | None:
    if len(line.cells) != 1:
        return None
    match = _YEAR_RE.match(line.cells[0].key)
    return int(match.group(1)) if match and 1990 <= int(match.group(1)) <= 2100 else None


def _year_in(line: _Line) -> int | None:
    match = _YEAR_IN_RE.search("".join(line.keys))
    return int(match.group(1)) if match and 1990 <= int(match.group(1)) <= 2100 else None


_P_ON, _P_PAGE, _P_OF = L.IMPORT_PAGE_WORDS
_PAGE_RE: Final = re.compile(
    rf"^(?:[-—–]*\d{{1,4}}[-—–]*|{_P_ON}\d+{_P_PAGE}(?:[,，/]?{_P_OF}\d+{_P_PAGE})?|\d+/\d+|"
    rf"{_P_OF}\d+{_P_PAGE}{_P_ON}\d+{_P_PAGE})$"
)


def _page_furniture(line: _Line) -> bool:
    """A page number left between rows by the extraction."""
    return len(line.cells) == 1 and bool(_PAGE_RE.match(line.cells[0].key))


def _is_heading(key: str) -> bool:
    return key.endswith(L.IMPORT_HEADING_ENDINGS) and len(key) <= 30


def _split_label(cell: _Cell, table: dict[str, str]) -> tuple[str, str] | None:
    """A cell holding ``label：value`` (``申报单位名称：上海市…``)."""
    match = re.search("[:：]", cell.text)
    if match is None or match.start() == 0:
        return None
    index = match.start()
    path = table.get(_key(cell.text[:index]))
    if path is None:
        return None
    return path, cell.text[index + 1 :].strip()


_Pairs = list[tuple[str, list[_Cell]]]


def _label_pairs(line: _Line, table: dict[str, str]) -> tuple[_Pairs, list[_Cell]] | None:
    """The label/value pairs of a header row, and cells before the first label; None without labels."""
    pairs: _Pairs = []
    orphans: list[_Cell] = []
    for cell in line.cells:
        path = table.get(cell.key)
        if path is not None:
            pairs.append((path, []))
            continue
        split = _split_label(cell, table)
        if split is not None:
            pairs.append((split[0], [_Cell(split[1], cell.col)] if split[1] else []))
        elif pairs:
            pairs[-1][1].append(cell)
        else:
            orphans.append(cell)
    return (pairs, orphans) if pairs else None


# ---------------------------------------------------------------------------------------------
# Indicator table


class _Group:
    """A merged level-1 or level-2 cell: its text may arrive in pieces over several rows."""

    def __init__(self, piece: str) -> None:
        self.text = piece

    def add(self, piece: str) -> None:
        self.text += piece

    def value(self) -> str:
        return _finish_label(self.text)


@dataclass
class _Row:
    line: _Line
    level1: _Group | None
    level2: _Group | None
    name: str = ""
    target: str = ""
    actual: str = ""
    weight: Decimal | None = None
    score: Decimal | None = None
    deviation: str = ""
    #: The target was joined from split columns, as written (not folded to canonical signs).
    split: bool = False


class _Table:
    """The indicator table of either form, read row by row."""

    def __init__(self, builder: _Builder, *, scored: bool) -> None:
        self.builder = builder
        self.scored = scored
        self.cols: dict[str, int] = {}
        self.level1: _Group | None = None
        self.level2: _Group | None = None
        self.rows: list[_Row] = []
        self.after_header = False
        self._fresh = False  # the last level-1 piece began a new group

    # -- header
    @staticmethod
    def header_roles(line: _Line) -> dict[str, int] | None:
        roles: dict[str, int] = {}
        for index, cell in enumerate(line.cells):
            role = _table_role(cell.key)
            if role is not None and role not in roles:
                roles[role] = cell.col if cell.col is not None else index
        if len(roles) >= 3 and ("level1" in roles or "name" in roles):
            return roles
        return None

    @staticmethod
    def upper_roles(line: _Line) -> list[str] | None:
        """The first row of a two-row header (绩效指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | …):
        three table headers or more and no level or name; the roles in order."""
        roles = [r for r in (_table_role(c.key) for c in line.cells) if r is not None]
        if len(roles) >= 3 and not {"level1", "level2", "name"} & set(roles):
            return list(dict.fromkeys(roles))
        return None

    def header(self, line: _Line, upper: list[str] | None = None) -> None:
        roles = self.header_roles(line) or {}
        if upper and line.positional and "target" in upper:
            # the headers after the split target stand over the columns after the lower row's last one
            following = [r for r in upper[upper.index("target") + 1 :] if r not in roles]
            last = max(roles.values(), default=-1)
            for offset, role in enumerate(following, start=1):
                roles[role] = last + offset
        if line.positional:
            self.cols = roles
        self.after_header = True

    def feed(self, line: _Line) -> bool:
        if self.header_roles(line) is not None:
            self.header(line)  # a header repeated after a page break
            return True
        if self.after_header and all(_is_header_fragment(k) for k in line.keys):
            return True  # the rest of a header broken across lines
        self.after_header = False
        cells = list(line.cells)
        if self.scored:
            if self.by_columns and line.positional and self._placeable(cells) and self._split_row(line, cells):
                return True
            anchor = self._anchor(cells)
            if anchor is not None:
                self._scored_row(line, cells, anchor)
                return True
        elif len(cells) >= 2:
            self._goal_row(line, cells)
            return True
        return self._continuation(line, cells)

    # -- rows
    @staticmethod
    def _anchor(cells: list[_Cell]) -> int | None:
        """Index of the weight: the last pair of plain numbers (weight, score; a dash for no score)."""
        for index in range(len(cells) - 2, -1, -1):
            score = cells[index + 1].text
            if _is_plain_number(cells[index].text) and (_is_plain_number(score) or _is_dash(score)):
                return index
        return None

    @property
    def by_columns(self) -> bool:
        """Rows are placed by their columns, not read from the right: the target is split over
        指标性质 | 指标值 | 度量单位, or 分值 comes before the target (Anhui)."""
        cols = self.cols
        split = "operator" in cols and "unit" in cols and "target" in cols
        weight_first = "weight" in cols and "target" in cols and cols["weight"] < cols["target"]
        return split or weight_first

    def _row_roles(self, cells: list[_Cell]) -> list[str] | None:
        """Each cell's column, as written or shifted right: a page that drops the cells a merged
        level label covers writes the row's first cells further left (``| 质量指标 | 合格率 | ﹦ |…``).
        A placement counts when the weight and score columns hold numbers and the name is text."""
        by_col = {col: role for role, col in self.cols.items()}
        for shift in (0, 1, 2):
            roles = [by_col.get(c.col + shift) if c.col is not None else None for c in cells]
            if any(role is None for role in roles):
                continue
            placed = {role: c.text for role, c in zip(roles, cells, strict=True) if role is not None}
            numbers = [placed[k] for k in ("weight", "score") if k in placed]
            if not numbers or not all(_is_plain_number(t) or _is_dash(t) for t in numbers):
                continue
            if "name" in placed and _bare(placed["name"]):
                continue
            return [str(role) for role in roles]
        return None

    def _split_row(self, line: _Line, cells: list[_Cell]) -> bool:
        """A row placed by its columns (tab- or ``|``-separated text keeps them); a split target
        joined as written.  False when a cell falls in no column."""
        roles = self._row_roles(cells)
        if roles is None:
            return False
        values = {str(role): _table_text(c.text) for role, c in zip(roles, cells, strict=True)}
        row = _Row(line, None, None, split="operator" in self.cols)
        operator = values.get("operator", "")
        prefix = operator if parse_operator(operator) is not None else ""
        row.target = prefix + values.get("target", "") + values.get("unit", "") if values.get("target") else operator
        row.name, row.actual = values.get("name", ""), values.get("actual", "")
        row.weight, row.score = _number(values.get("weight", "")), _number(values.get("score", ""))
        row.deviation = values.get("deviation", "")
        labels = [c for role, c in zip(roles, cells, strict=True) if role in ("level1", "level2")]
        if len(labels) == 1 and roles[cells.index(labels[0])] == "level2":
            self._set_level2(_label_text(labels[0].text), fresh=False)
            row.level1, row.level2 = self.level1, self.level2
        else:
            self._labels(line, labels, row)
        self.rows.append(row)
        return True

    def _placeable(self, cells: list[_Cell]) -> bool:
        """A row of the table rather than the tail of one: it has a name and a weight or score."""
        by_col = {col: role for role, col in self.cols.items()}
        roles = {by_col.get(c.col) for c in cells if c.col is not None}
        return "name" in roles and bool(roles & {"weight", "score"})

    def _scored_row(self, line: _Line, cells: list[_Cell], anchor: int) -> None:
        if self.by_columns and line.positional and self._split_row(line, cells):
            return
        before = cells[:anchor]
        row = _Row(line, None, None)
        row.weight = _number(cells[anchor].text)
        row.score = None if _is_dash(cells[anchor + 1].text) else _number(cells[anchor + 1].text)
        row.deviation = "\n".join(t for t in (_table_text(c.text) for c in cells[anchor + 2 :]) if t)
        labels: list[_Cell]
        if len(before) >= 3:
            row.actual, row.target, row.name = (_table_text(c.text) for c in reversed(before[-3:]))
            labels = before[:-3]
        else:
            self.builder.problem(line, "short_row")
            fields = ["actual", "target", "name"]
            for cell in reversed(before):
                setattr(row, fields.pop(0), _table_text(cell.text))
            labels = []
        self._labels(line, labels, row)
        self.rows.append(row)

    def _goal_row(self, line: _Line, cells: list[_Cell]) -> None:
        row = _Row(line, None, None)
        if "weight" in self.cols or self.builder.goal_weights:
            if len(cells) >= 3 and _is_plain_number(cells[-1].text):
                row.weight = _number(cells[-1].text)
                cells = cells[:-1]
        row.target, row.name = _table_text(cells[-1].text), _table_text(cells[-2].text)
        self._labels(line, cells[:-2], row)
        self.rows.append(row)

    def _labels(self, line: _Line, cells: list[_Cell], row: _Row) -> None:
        if len(cells) > 2:
            for cell in cells[:-2]:
                self.builder.problem(line, "extra_cells", cell.text)
            cells = cells[-2:]
        if len(cells) == 2:
            self._set_level1(_label_text(cells[0].text))
            self._set_level2(_label_text(cells[1].text), fresh=self._fresh)
        elif len(cells) == 1:
            piece = _label_text(cells[0].text)
            if self._single_is_level1(cells[0], piece):
                self._set_level1(piece)
                if self._fresh:
                    self.level2 = None
            else:
                self._set_level2(piece, fresh=False)
        row.level1, row.level2 = self.level1, self.level2

    def _set_level1(self, piece: str) -> None:
        if self.level1 is not None and _continues(self.level1.text, piece):
            self.level1.add(piece)
            self._fresh = False
        else:
            self.level1 = _Group(piece)
            self._fresh = True

    def _set_level2(self, piece: str, *, fresh: bool) -> None:
        if not fresh and self.level2 is not None and _continues(self.level2.text, piece):
            self.level2.add(piece)
        else:
            self.level2 = _Group(piece)

    def _single_is_level1(self, cell: _Cell, piece: str) -> bool:
        """One label cell on a row: level 1 or level 2? Its column says; else the vocabulary."""
        if cell.col is not None and "level1" in self.cols and "level2" in self.cols:
            if cell.col == self.cols["level1"]:
                return True
            if cell.col == self.cols["level2"]:
                return False
        if self.level2 is not None and _continues(self.level2.text, piece):
            return False
        if self.level1 is not None and _continues(self.level1.text, piece):
            return True
        level1, level2, children = _known_categories()
        current = self.level1.text if self.level1 is not None else ""
        if piece in children.get(current, frozenset()):
            return False
        # Level 1 only for a name that is nothing else (满意度 is both: level 2 under 满意度).
        return piece in level1 and piece not in level2 and not any(k.startswith(piece) for k in level2)

    # -- continuation rows
    def _open_fields(self, row: _Row) -> list[str]:
        out: list[str] = []
        if row.level1 is not None and _label_open(row.level1.text):
            out.append("level1")
        if row.level2 is not None and _label_open(row.level2.text):
            out.append("level2")
        if not self.scored:
            out.append("target")
        if row.actual and not _actual_complete(row.actual):
            out.append("actual")
        if row.deviation and _open_text(row.deviation):
            out.append("deviation")
        return out

    def _continuation(self, line: _Line, cells: list[_Cell]) -> bool:
        """A row with no numbers: the tails of the cells of the row above, cut by a page break."""
        if not self.rows or _is_note(_key(cells[0].text)):
            return False
        row = self.rows[-1]
        placed: list[tuple[str, _Cell]] = []
        if line.positional and self.cols:
            by_col = {col: role for role, col in self.cols.items()}
            roles = [by_col.get(c.col) if c.col is not None else None for c in cells]
            if all(r is not None and r not in ("weight", "score", "operator", "unit") for r in roles):
                placed = [(str(r), c) for r, c in zip(roles, cells, strict=True)]
        if not placed:
            open_fields = self._open_fields(row)
            order = ["level1", "level2", "name", "target", "actual", "deviation"]
            start = 0
            for cell in cells:
                piece = _label_text(cell.text)
                chosen = None
                for name in open_fields:
                    if order.index(name) < start:
                        continue
                    if name in ("level1", "level2"):
                        group = row.level1 if name == "level1" else row.level2
                        if group is None or not _continues(group.text, piece):
                            continue
                    chosen = name
                    break
                if chosen is None:
                    self.builder.problem(line, "unplaced_fragment", cell.text)
                    continue
                start = order.index(chosen) + 1  # one piece per cell, left to right
                placed.append((chosen, cell))
        for role, cell in placed:
            if role in ("level1", "level2"):
                piece = _label_text(cell.text)
                group = row.level1 if role == "level1" else row.level2
                if group is not None and _continues(group.text, piece):
                    group.add(piece)
                elif len(piece) > _MAX_LABEL or _is_note(piece):
                    self.builder.problem(line, "unplaced_fragment", cell.text)
                elif role == "level1":
                    self._set_level1(piece)
                    self.level2 = None
                else:
                    self._set_level2(piece, fresh=True)
            else:
                setattr(row, role, _join(getattr(row, role), _table_text(cell.text)))
        return True

    # -- result
    def level1_points(self) -> dict[str, int | float | list[int | float]]:
        """Points printed in level-1 labels (``产出指标(50分)`` → 50)."""
        out: dict[str, int | float | list[int | float]] = {}
        for row in self.rows:
            if row.level1 is None:
                continue
            points = points_of(row.level1.value())
            if points is not None:
                name = strip_points(row.level1.value())
                if isinstance(points, tuple):
                    out.setdefault(name, [_int_or_float(points[0]), _int_or_float(points[1])])
                else:
                    out.setdefault(name, _int_or_float(points))
        return out

    def indicators(self) -> list[Indicator]:
        out: list[Indicator] = []
        for row in self.rows:
            ind = Indicator(
                level1=strip_points(row.level1.value()) if row.level1 else "",
                level2=row.level2.value() if row.level2 else "",
                name=clean_name(row.name),
                target=row.target if row.split else _canonical_target(row.target),
            )
            if self.scored:
                ind.actual = _canonical_actual(row.actual)
                ind.weight = _as_float(row.weight)
                ind.score = _as_float(row.score)
                ind.deviation = row.deviation
            elif row.weight is not None:
                ind.weight = _as_float(row.weight)
            out.append(ind)
        return out


# ---------------------------------------------------------------------------------------------
# Forms


_R = TypeVar("_R", bound=Record)


class _Builder:
    kind: FormKind
    goal_weights = False
    #: The indicator table (every form has one; the subclass makes it).
    table: _Table

    def __init__(self, first: _Line, problems: list[ImportProblem]) -> None:
        self.first = first
        self.problems = problems
        self.year: int | None = None
        self.header: dict[str, str] = {}
        self.lines: dict[str, LineRef] = {}
        self.finished = False

    def problem(self, line: _Line, code: str, text: str | None = None) -> None:
        self.problems.append(ImportProblem(line.file, line.number, line.text if text is None else text, code))

    def note(self, path: str, line: _Line) -> None:
        self.lines.setdefault(path, LineRef(line.file or "", line.number))

    def provenance(self) -> Provenance:
        files = sorted({v.file for v in self.lines.values() if v.file})
        evidence = Evidence(method="text", text=TextSource(files, self.first.number, dict(self.lines)))
        evidence.funds_unit = getattr(self, "funds_unit", "")
        evidence.amount_units = dict(getattr(self, "amount_units", {}))
        return Provenance(file=self.first.file, evidence=evidence)

    def sourced(self, record: _R) -> _R:
        """``record`` with its provenance: the lines its fields and each indicator row came from."""
        for index, row in enumerate(self.table.rows):
            self.note(f"indicators[{index}]", row.line)
        record.provenance = self.provenance()
        return record

    def has_rows(self) -> bool:
        return False

    def repeats_header(self, line: _Line) -> bool:
        """A header label this form already has: the next form began without a title."""
        raise NotImplementedError

    def feed(self, line: _Line) -> bool:
        raise NotImplementedError

    def build(self) -> Record:
        raise NotImplementedError


class _SelfEvaluationBuilder(_Builder):
    kind: FormKind = "self_evaluation"

    def __init__(self, first: _Line, problems: list[ImportProblem]) -> None:
        super().__init__(first, problems)
        self.last_header: str | None = None
        self.last_header_col: int | None = None
        self.fund_columns: list[str] = [*FUND_COLUMNS[:3], "weight", "execution_rate", "score"]
        self.fund_cols: dict[int | None, str] = {}
        self.upper_header: list[str] | None = None
        #: The unit the funds are written in (项目资金（元）: 元), "" until a label says; records hold 万元.
        self.funds_unit = ""
        self.amount_units: dict[str, str] = {}
        self.funds: dict[str, FundRow] = {}
        self.section: Literal["header", "funds", "goal", "table", "totals"] = "header"
        self.goal_col: int | None = None
        self.expected = _Text()
        self.actual = _Text()
        self.table = _Table(self, scored=True)
        self.total_weight: float | None = None
        self.total_score: float | None = None
        self.grade: str | None = None

    def has_rows(self) -> bool:
        return bool(self.table.rows)

    def repeats_header(self, line: _Line) -> bool:
        pairs = _label_pairs(line, _SELF_HEADER)
        return pairs is not None and any(path in self.header for path, _ in pairs[0])

    def feed(self, line: _Line) -> bool:
        keys = line.keys
        if self.section in ("header", "funds"):
            if self._fund_header(line) or self._fund_row(line):
                return True
            pairs = _label_pairs(line, _SELF_HEADER)
            if pairs is not None:
                self._header(line, *pairs)
                return True
        if self.section != "table" and self._goal_header(line):
            return True
        if self.section != "totals" and _Table.header_roles(line) is not None:
            self.section = "table"
            self.table.header(line, self.upper_header)
            return True
        if self.section not in ("table", "totals") and _Table.upper_roles(line) is not None:
            self.upper_header = _Table.upper_roles(line)  # the first of a two-row header
            return True
        for index, key in enumerate(keys):
            if key in _TOTAL and self.section in ("table", "totals"):
                numbers = [_number(c.text) for c in line.cells[index + 1 :] if _is_plain_number(c.text)]
                self.total_weight = _as_float(numbers[0]) if numbers else None
                self.total_score = _as_float(numbers[1]) if len(numbers) > 1 else None
                self.note("total_score", line)
                self.section = "totals"
                # the grade printed beside the total, without a 评分等级 label (Yunnan)
                beside = [_label_text(c.text) for c in line.cells[index + 1 :] if not _is_plain_number(c.text)]
                if beside and beside[0] in V.GRADE_WORDS:
                    self.grade = beside[0]
                    self.note("grade", line)
                return True
            if key in _GRADE:
                rest = [_label_text(c.text) for c in line.cells[index + 1 :]]
                self.grade = next((r for r in rest if r), None)
                self.note("grade", line)
                self.finished = True
                return True
        if self.section == "goal":
            return self._goal_row(line)
        if self.section == "table":
            return self.table.feed(line)
        if self._wrapped_header(line):
            return True
        return False

    def _wrapped_header(self, line: _Line) -> bool:
        """A long project or unit name wrapped onto the next line, under its value's column."""
        if self.section != "header" or self.last_header is None or len(line.cells) != 1:
            return False
        cell = line.cells[0]
        if re.search("[:：]", cell.text) or (cell.col is not None and cell.col != self.last_header_col):
            return False
        self.header[self.last_header] = _join(self.header[self.last_header], _table_text(cell.text))
        return True

    def _header(self, line: _Line, pairs: _Pairs, orphans: list[_Cell]) -> None:
        for cell in orphans:
            self.problem(line, "unplaced_row", cell.text)
        for path, values in pairs:
            value = "".join(_table_text(v.text) for v in values)
            self.header[path] = _join(self.header.get(path, ""), value)
            self.last_header = path
            self.last_header_col = values[-1].col if values else None
            self.note(path, line)

    def _fund_header(self, line: _Line) -> bool:
        found = [(cell, _variant_lookup(cell.key, _FUND_COLUMNS)) for cell in line.cells]
        columns = [(cell, path) for cell, path in found if path is not None]
        if len(columns) < 3:
            return False
        self.fund_columns = [path for _, path in columns]
        for cell in line.cells:  # 项目资金（元）, 全年预算数(元): the block's or a column's unit
            unit = _label_unit(cell.key)
            if unit and (cell.key in _FUND_BLOCK or _variant_lookup(cell.key, _FUND_BLOCK) or not self.funds_unit):
                self.funds_unit = unit
        # tab- or |-separated text keeps the columns: a row's values are placed by them
        self.fund_cols = {cell.col: path for cell, path in columns} if line.positional else {}
        self.section = "funds"
        return True

    def _fund_row(self, line: _Line) -> bool:
        for index, cell in enumerate(line.cells):
            key = cell.key
            if key.startswith(L.IMPORT_OF_WHICH):
                key = key[len(L.IMPORT_OF_WHICH) :].lstrip(":")
            path = _FUND_ROWS.get(key)
            if path is None:
                continue
            values = [c.text for c in line.cells[index + 1 :]]
            placed: list[tuple[str, str]]
            value_cells = line.cells[index + 1 :]
            if self.fund_cols and line.positional and all(c.col in self.fund_cols for c in value_cells):
                # every value under a column header: placed by its column (cells left empty skipped)
                placed = [(self.fund_cols[c.col], c.text) for c in value_cells]
            else:
                if len(values) != len(self.fund_columns):
                    self.problem(line, "fund_values")
                placed = list(zip(self.fund_columns, values, strict=False))
            fund = FundRow()
            for column, text in placed:
                if _is_dash(text):
                    continue  # "-": no weight or score on the 其中 rows
                number = _number(text)
                unit = self.funds_unit
                if number is None and column == "execution_rate" and _fold(text).strip().endswith("%"):
                    number = _number(_fold(text).strip()[:-1])  # 100%: the rate in percent
                elif number is None and column in FUND_COLUMNS[:3]:
                    written = _amount_unit(text)  # 620.82万元, 72890元: the cell says its unit
                    if written:
                        number, unit = _number(_fold(text).strip()[: -len(written)]), written
                        self.amount_units[f"{path}.{column}"] = written
                if number is None:
                    self.problem(line, "not_a_number", text)
                    continue
                if column in FUND_COLUMNS[:3] and unit == _YUAN:
                    number = number / _YUAN_PER_WAN  # records hold 万元
                setattr(fund, column, float(number))
            self.funds[path.removeprefix("funds.")] = fund
            self.note(path, line)
            self.section = "funds"
            return True
        return False

    def _goal_header(self, line: _Line) -> bool:
        keys = line.keys
        roles = [_GOAL_LABELS.get(k) for k in keys]
        if not any(r in ("goal_expected", "goal_actual") for r in roles):
            return False
        if not all(r is not None or k in _GOAL_BLOCK for r, k in zip(roles, keys, strict=True)):
            return False
        for cell, role in zip(line.cells, roles, strict=True):
            if role == "goal_actual" and cell.col is not None:
                self.goal_col = cell.col
        self.section = "goal"
        return True

    def _goal_row(self, line: _Line) -> bool:
        cells = list(line.cells)
        while cells and cells[0].key and cells[0].key in _GOAL_BLOCK and len(cells[0].text) < 10:
            cells.pop(0)  # the row label, or a piece of it (年度 / 总体目标)
        if not cells:
            return True
        cols = [c.col for c in cells]
        straddles = self.goal_col is not None and all(c is not None for c in cols)
        # by column when the row reaches the actual's column; a row whose label cell was not written
        # (a web page drops it) starts further left: its two texts are then expected and actual
        if straddles and self.goal_col is not None and (len(cells) == 1 or max(c or 0 for c in cols) >= self.goal_col):
            for cell in cells:
                target = self.actual if cell.col is not None and cell.col >= self.goal_col else self.expected
                self._add_goal(target, cell.text, line)
        elif len(cells) >= 2:
            self._add_goal(self.expected, cells[0].text, line)
            for cell in cells[1:]:
                self._add_goal(self.actual, cell.text, line)
        elif self.expected.empty:
            self._add_goal(self.expected, cells[0].text, line)
        elif self.actual.open or not self.expected.open:
            self._add_goal(self.actual, cells[0].text, line)
        else:
            self._add_goal(self.expected, cells[0].text, line)
        return True

    def _add_goal(self, text: _Text, raw: str, line: _Line) -> None:
        text.add(raw)
        self.note("goal_actual" if text is self.actual else "goal_expected", line)

    def build(self) -> Record:
        record = _SelfEvaluation(
            year=self.year,
            department=self.header.get("department", ""),
            implementing_unit=self.header.get("implementing_unit", ""),
            project_name=self.header.get("project_name", ""),
            funds=Funds(
                total=self.funds.get("total", FundRow()),
                current_year_appropriation=self.funds.get("current_year_appropriation", FundRow()),
                carryover=self.funds.get("carryover", FundRow()),
                other=self.funds.get("other", FundRow()),
            ),
            goal_expected=self.expected.value(),
            goal_actual=self.actual.value(),
            indicators=self.table.indicators(),
            total_weight=self.total_weight,
            total_score=self.total_score,
            grade=self.grade,
            level1_points=self.table.level1_points(),
        )
        return self.sourced(record)


class _GoalTableBuilder(_Builder):
    kind: FormKind = "goal_table"

    def __init__(self, first: _Line, problems: list[ImportProblem]) -> None:
        super().__init__(first, problems)
        self.texts: dict[str, _Text] = {}
        self.budget: dict[str, int | float | None] = {}
        self.last: str | None = None
        self.table = _Table(self, scored=False)
        self.in_table = False

    def has_rows(self) -> bool:
        return bool(self.table.rows)

    def repeats_header(self, line: _Line) -> bool:
        pairs = _label_pairs(line, _GOAL_HEADER)
        if pairs is None:
            return False
        return any(path in self.header or path in self.texts or path in self.budget for path, _ in pairs[0])

    def feed(self, line: _Line) -> bool:
        roles = _Table.header_roles(line)
        if roles is not None:
            self.in_table = True
            self.goal_weights = "weight" in roles
            self.table.header(line)
            return True
        if self.in_table:
            return self.table.feed(line)
        pairs = _label_pairs(line, _GOAL_HEADER)
        if pairs is not None:
            for cell in pairs[1]:
                self.problem(line, "unplaced_row", cell.text)
            for path, values in pairs[0]:
                self._field(path, values, line)
            return True
        keys = line.keys
        if len(keys) == 1 and (_is_heading(keys[0]) or (_year_in(line) is not None and len(keys[0]) <= 12)):
            return True  # a section heading (本项目上年度市级财政资金使用情况, 2020年绩效目标)
        if self.last is not None and self.last.startswith("texts."):
            if (
                len(keys) == 1
                and len(keys[0]) <= 20
                and not _open_text(self.texts[self.last].value())
                and (not any(ch in keys[0] for ch in "，,。；;、"))
            ):
                self.problem(line, "unknown_heading")
                return True
            for cell in line.cells:
                self.texts[self.last].add(cell.text)
            return True
        return False

    def _field(self, path: str, values: list[_Cell], line: _Line) -> None:
        self.note(path, line)
        self.last = path
        if path.startswith("texts."):
            text = self.texts.setdefault(path, _Text())
            for value in values:
                text.add(value.text)
        elif path.startswith("budget_yuan."):
            number = None
            for value in values:
                number = _number(value.text)
                if number is None:
                    self.problem(line, "not_a_number", value.text)
            self.budget[path] = _as_int_or_float(number)
        else:
            self.header[path] = "".join(_table_text(v.text) for v in values)

    def build(self) -> Record:
        record = GoalTable(
            year=self.year,
            budget_yuan={k.removeprefix("budget_yuan."): v for k, v in self.budget.items()},
            texts={k.removeprefix("texts."): t.value() for k, t in self.texts.items()},
            indicators=self.table.indicators(),
            level1_points=self.table.level1_points(),
        )
        for key in GoalTable.HEADER_KEYS:
            setattr(record, key, self.header.get(key, ""))
        if "department" in self.header:
            record.department = self.header["department"]
        if "period" in self.header:  # 项目期限 2022-01-01至2022-12-31
            parts = re.split(r"\s*(?:至|到|~|～)\s*", self.header["period"].strip(), maxsplit=1)
            start, end = (*parts, "")[:2]
            record.planned_start = record.planned_start or start
            record.planned_end = record.planned_end or end
        return self.sourced(record)


def _new_builder(kind: FormKind, line: _Line, problems: list[ImportProblem]) -> _Builder:
    if kind == "self_evaluation":
        return _SelfEvaluationBuilder(line, problems)
    return _GoalTableBuilder(line, problems)


def _implicit_kind(line: _Line) -> FormKind | None:
    """A form whose title was not extracted starts at its first header label."""
    goal = _label_pairs(line, _GOAL_HEADER_ONLY)
    if goal is not None and any(path != "project_name" for path, _ in goal[0]):
        return "goal_table"
    if _label_pairs(line, _SELF_HEADER) is not None:
        return "self_evaluation"
    return None


def _parse(lines: Sequence[_Line]) -> ImportResult:
    problems: list[ImportProblem] = []
    records: list[Record] = []
    builder: _Builder | None = None
    pending: tuple[FormKind, int | None] | None = None  # a title met inside an unfinished form

    def finish() -> None:
        nonlocal builder
        if builder is not None:
            if builder.lines or builder.has_rows():
                records.append(builder.build())
            else:  # a title, or a line that mentions one, with no form under it
                builder.problem(builder.first, "empty_form")
        builder = None

    for line in lines:
        if not line.cells or _page_furniture(line):
            continue
        kind = _title_kind(line)
        if kind is not None:
            if builder is None or builder.finished or builder.kind != kind:
                finish()
                builder = _new_builder(kind, line, problems)
                builder.year = _year_in(line)
                pending = None
            elif not builder.lines and not builder.has_rows():
                builder.year = builder.year or _year_in(line)  # the title again, with the year: (2019年度)
            else:
                pending = (kind, _year_in(line))  # a repeated page title, or the next form
            continue
        year = _year_line(line)
        if year is not None:
            if pending is not None:
                pending = (pending[0], year)
                continue
            if builder is not None and builder.year is None:
                builder.year = year
                continue
        if builder is None or builder.finished:
            implicit = _implicit_kind(line)
            if implicit is None:
                code = "after_form" if builder is not None else "outside_form"
                problems.append(ImportProblem(line.file, line.number, line.text, code))
                continue
            finish()
            builder = _new_builder(implicit, line, problems)
        elif builder.repeats_header(line):
            kind_next, year_next = pending if pending is not None else (builder.kind, None)
            finish()
            builder = _new_builder(kind_next, line, problems)
            builder.year = year_next
        pending = None
        if not builder.feed(line):
            builder.problem(line, "unplaced_row")
    finish()
    kept: list[Record] = []
    refused: list[Refusal] = []
    for record in records:
        reasons = implausible(record)
        text = record.provenance.evidence.text
        if reasons:
            refused.append(Refusal(record.provenance.file, text.line if text else 0, record.project_name, reasons))
            continue
        kept.append(record)
        mismatch = _total_mismatch(record)
        if mismatch is not None and text is not None:
            where = text.lines.get("total_score")
            problems.append(
                ImportProblem(
                    where.file if where else record.provenance.file,
                    where.line if where else text.line,
                    mismatch,
                    "total_mismatch",
                )
            )
    file_order = {file: index for index, file in enumerate(dict.fromkeys(line.file for line in lines))}
    problems.sort(key=lambda p: (file_order.get(p.file, 0), p.line))
    return ImportResult(kept, problems, refused)


# ---------------------------------------------------------------------------------------------
# Plausibility: a record whose fields look misplaced is refused, never returned

_OPERATOR_CHARS: Final = frozenset("<>=≥≤≧≦＜＞＝﹦═")
_CATEGORY_ENDINGS: Final = ("指标", "目标", "效益", "满意度", "成本", "管理", "质量", "数量", "时效")


def _label_like(text: str) -> bool:
    """A level name: known to a framework, or a short text of words ending like a category."""
    if text in _all_categories():
        return True
    folded = _fold(text)
    return (
        0 < len(folded) <= _MAX_LABEL
        and not any(ch.isdigit() or ch in _OPERATOR_CHARS for ch in folded)
        and folded.endswith(_CATEGORY_ENDINGS)
    )


def _bare(text: str) -> bool:
    """A cell holding only a number, an operator or a unit: a piece of a target, never a name."""
    folded = _WS_RE.sub("", _fold(text))
    if not folded:
        return False
    if _PLAIN_NUMBER_RE.match(folded) or all(ch in _OPERATOR_CHARS for ch in folded):
        return True
    return len(folded) <= 2 and not any("\u4e00" <= ch <= "\u9fff" for ch in folded[:1]) and not folded.isalpha()


def implausible(record: Record) -> tuple[str, ...]:
    """Why a record's fields look misplaced (Chinese, one reason each); empty when it is plausible.

    Level-1 and level-2 names must be categories (known to a framework, or category-like
    words), names must not be bare numbers or operators, targets must parse or be text,
    header fields must not hold the form's own labels.
    """
    msg = L.IMPORT_REFUSALS
    reasons: list[str] = []
    for k, ind in enumerate(indicators_of(record), start=1):
        for level in ("level1", "level2"):
            value = getattr(ind, level)
            if value and not _label_like(value):
                reasons.append(msg[level].format(n=k, value=value))
        if not ind.name.strip():
            reasons.append(msg["no_name"].format(n=k))
        elif _bare(ind.name):
            reasons.append(msg["bare_name"].format(n=k, value=ind.name))
        target = ind.target.strip()
        if target and _bare(target) and parse_target(_fold(target)).kind is not TargetKind.QUANTITATIVE:
            reasons.append(msg["bare_target"].format(n=k, value=target))
    header = ("project_name", "department", "implementing_unit", "applicant_unit")
    labels = {key for key in (*_FUND_BLOCK, *_FUND_COLUMNS, *_TABLE_HEADER) if len(key) >= 4}
    for name in header:
        value = getattr(record, name, None)
        if isinstance(value, str) and value:
            key = _key(value)
            found = next((label for label in labels if label in key), None)
            if found is not None:
                reasons.append(msg["label_in_value"].format(field=L.FIELD_LABELS[name], value=value, label=found))
    return tuple(reasons)


def _total_mismatch(record: Record) -> str | None:
    """The stated total against the sum of the stated scores, when it does not re-add within rounding."""
    if not isinstance(record, _SelfEvaluation) or record.total_score is None:
        return None
    parts = [record.funds.total.score, *(i.score for i in record.indicators)]
    if any(p is None for p in parts):
        return None
    total = sum((Decimal(str(p)) for p in parts if p is not None), Decimal(0))
    stated = Decimal(str(record.total_score))
    if abs(total - stated) <= Decimal("0.01") * len(parts):
        return None
    return L.IMPORT_REFUSALS["total"].format(stated=stated, parts=total)
