"""Distribute one template per project to every department, and list them in a manifest.

The finance bureau sends goal tables out at the start of the year and pre-filled
self-evaluations at its end.  :func:`read_roster` turns a CSV/XLSX roster (or a
folder of filled goal tables) into :class:`RosterEntry` rows; :func:`distribute`
writes one workbook per project into one folder per 主管部门 under safe, unique
file names and records every file in ``manifest.csv`` / ``manifest.xlsx`` with
its form id and template fingerprint, which :mod:`sheetperf.services.status` later
compares the returns against.

Safety: every name that comes from the roster passes :func:`safe_name` (no path
separators, no ``..``, nothing Windows forbids, length-limited) and every built
path is checked to resolve inside the output folder before anything is written.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

from sheetperf.errors import InputError, SheetperfError, UnsafeInputError, shown
from sheetperf.io.atomic import Staging, atomic_open, atomic_path
from sheetperf.io.csvcells import guard_cell, unguard_cell
from sheetperf.io.names import UniqueNames, safe_name
from sheetperf.io.sources import JSON_SUFFIXES, WORKBOOK_SUFFIXES
from sheetperf.model.memo import BatchCache
from sheetperf.model.record import FormKind, GoalTable, Indicator, Monitoring, Number, Record, SelfEvaluation
from sheetperf.rules.parsing import normalize_text
from sheetperf.rules.profiles import Profile
from sheetperf.vocab import words
from sheetperf.vocab.intake import ROSTER_MESSAGES, ROSTER_TOTAL_WORDS, shown_suffix
from sheetperf.vocab.labels import (
    BRACKETED,
    CLAUSE_SEP,
    FORM_TITLES,
    LIST_SEP,
    MANIFEST_HEADERS,
    MANIFEST_SHEET,
    READER_MESSAGES,
    ROSTER_HEADERS,
    WEIGHT_SOURCE_LABELS,
)
from sheetperf.vocab.labels import (
    DISTRIBUTE_MESSAGES as MSG,
)
from sheetperf.vocab.text import display_width, os_reason
from sheetperf.xlsx.marker import OutputKind, mark_xlsxwriter

MANIFEST_CSV: Final = "manifest.csv"
MANIFEST_XLSX: Final = "manifest.xlsx"
RECORD_SUFFIXES: Final = JSON_SUFFIXES | WORKBOOK_SUFFIXES
FORMS: Final[tuple[FormKind, ...]] = ("self_evaluation", "goal_table", "monitoring")


def inside(root: Path, relative: str | Path) -> Path:
    """``root / relative`` resolved, refusing any path that leaves ``root``."""
    base = root.resolve()
    target = (base / relative).resolve()
    if target == base or not target.is_relative_to(base):
        raise UnsafeInputError(MSG["outside_outdir"].format(path=str(relative)), file=str(root))
    return target


# --- the roster ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterEntry:
    """One project to send a template for."""

    line: int
    """Row number in the roster (the header is row 1); 0 for a folder roster."""
    year: int | None
    department: str
    implementing_unit: str
    project_name: str
    source: Path | None = None
    """The project's filled goal table (or record JSON), if the roster names one."""
    weights: str = ""
    """Weights as the roster writes them: per indicator ``20;10;15`` or per level-1 ``产出指标:50;…``."""
    record: Record | None = field(default=None, compare=False)
    """The goal table already read (folder rosters)."""


_NOTE_RE: Final = re.compile(r"[(（][^)）]*[)）]$")


def _header_key(text: Any) -> str:
    key = normalize_text(text).casefold()
    key = _NOTE_RE.sub("", key)
    return re.sub(r"[\s_\-]", "", key)


_HEADER_LOOKUP: Final[dict[str, str]] = {
    _header_key(alias): fieldname for fieldname, aliases in ROSTER_HEADERS.items() for alias in aliases
}
_REQUIRED: Final = ("department", "implementing_unit", "project_name")


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(MSG["roster_encoding"], file=str(path))
    # the header may stand below a title line: the delimiter is the one the early lines use most
    head = text.split("\n", _HEADER_SEARCH_ROWS)[:_HEADER_SEARCH_ROWS]
    delimiter = max((",", "\t", ";"), key=lambda d: max(line.count(d) for line in head))
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _cell_text(value: Any, fmt: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and fmt is not None:
        from sheetperf.xlsx.book import excel_serial_to_datetime, is_date_format

        if is_date_format(fmt):  # a year typed as a date (2024-01-01 shown as a date)
            try:
                return excel_serial_to_datetime(value).strftime("%Y-%m-%d")
            except (ValueError, OverflowError):
                return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _grid_rows(grid: Any) -> list[list[str]]:
    """A sheet's cells as rows of text, each merged range filled with its first cell's value
    (主管部门 merged down over its projects belongs to each of them)."""
    from sheetperf.xlsx.limits import WHOLE_MERGE_CELLS

    if not grid.cells:
        return []
    height = max(r for r, _ in grid.cells) + 1
    width = max(c for _, c in grid.cells) + 1
    rows = [[""] * width for _ in range(height)]
    for (r, c), cell in grid.cells.items():
        rows[r][c] = "" if cell.error else _cell_text(cell.value, cell.fmt)
    for r1, c1, r2, c2 in grid.merges:
        if (r2 - r1 + 1) * (c2 - c1 + 1) > WHOLE_MERGE_CELLS or r1 >= height or c1 >= width:
            continue
        value = rows[r1][c1]
        for r in range(r1, min(r2, height - 1) + 1):
            for c in range(c1, min(c2, width - 1) + 1):
                if not rows[r][c]:
                    rows[r][c] = value
    return rows


def _workbook_tables(path: Path) -> list[list[list[str]]]:
    """Every visible sheet of a workbook roster (any format, by content) as rows, then the hidden ones."""
    from sheetperf.io.reader import read_grids

    grids = read_grids(path)
    ordered = [g for g in grids if not g.hidden] + [g for g in grids if g.hidden]
    return [_grid_rows(g) for g in ordered]


def read_tables(path: Path) -> list[list[list[str]]]:
    """The sheets of a roster: one table for a CSV (UTF-8, UTF-8 with BOM or GB18030), every
    sheet for a workbook (.xlsx/.xlsm/.xls/.et/.ods, recognised by its bytes)."""
    from sheetperf.io.archives import content_kind
    from sheetperf.io.sources import WORKBOOK_CONTENT
    from sheetperf.io.walk import ensure_regular

    ensure_regular(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return [_csv_rows(path)]
        if suffix in WORKBOOK_SUFFIXES or content_kind(path) in WORKBOOK_CONTENT:
            return _workbook_tables(path)
    except OSError as exc:
        raise InputError(READER_MESSAGES["unreadable"].format(detail=os_reason(exc)), file=str(path)) from exc
    raise InputError(MSG["roster_type"].format(suffix=shown_suffix(suffix, bracketed=True)), file=str(path))


def read_table(path: Path) -> list[list[str]]:
    """The rows of a CSV (UTF-8, UTF-8 with BOM or GB18030) or the first sheet of a workbook."""
    tables = read_tables(path)
    return next((t for t in tables if t), [])


def map_headers(header: Sequence[str], path: Path) -> dict[str, int]:
    """Field → column index from a roster's header row; unknown columns are ignored."""
    found: dict[str, int] = {}
    for index, text in enumerate(header):
        fieldname = _HEADER_LOOKUP.get(_header_key(text))
        if fieldname is None:
            continue
        if fieldname in found:
            raise InputError(
                MSG["roster_duplicate_header"].format(
                    first=header[found[fieldname]], second=text, field=ROSTER_HEADERS[fieldname][0]
                ),
                file=str(path),
            )
        found[fieldname] = index
    missing = [ROSTER_HEADERS[f][0] for f in _REQUIRED if f not in found]
    if missing:
        allowed = LIST_SEP.join(aliases[0] for aliases in ROSTER_HEADERS.values())
        raise InputError(MSG["roster_no_header"].format(missing=LIST_SEP.join(missing), allowed=allowed), file=str(path))
    return found


#: Excel serial numbers of 1990-01-01 and 2099-12-31: a year typed into a date cell and read
#: without its format (45292 is 2024-01-01).
_SERIAL_YEARS: Final = (32874, 73050)


def _year(text: str, line: int, path: Path) -> int | None:
    text = normalize_text(text)
    for suffix in words.YEAR_WORDS:
        text = text.removesuffix(suffix)
    if not text:
        return None
    if re.fullmatch(r"\d{4}(\.0+)?", text):
        return int(float(text))
    year_mark, month_mark, day_mark = words.DATE_MARKS
    dated = re.fullmatch(rf"(\d{{4}})[-/.{year_mark}]\d{{1,2}}[-/.{month_mark}]\d{{1,2}}{day_mark}?(?:[ T].*)?", text)
    if dated:
        return int(dated.group(1))
    if re.fullmatch(r"\d{5}(\.0+)?", text) and _SERIAL_YEARS[0] <= float(text) <= _SERIAL_YEARS[1]:
        from sheetperf.xlsx.book import excel_serial_to_datetime

        return excel_serial_to_datetime(float(text)).year
    raise InputError(MSG["roster_year"].format(row=line, value=text), file=str(path))


def read_roster(path: str | Path, *, year: int | None = None) -> list[RosterEntry]:
    """The projects a roster lists: a CSV/XLSX file, or a folder of filled goal tables.

    ``year`` fills rows that give none.  Relative goal-table paths are resolved
    against the roster's folder.  Raises :class:`InputError` naming the row.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(MSG["roster_missing"], file=str(path))
    if path.is_dir():
        return roster_from_folder(path, year=year)
    rows, first = _roster_table(read_tables(path), path)
    columns = map_headers(rows[first], path)
    entries: list[RosterEntry] = []
    for index in range(first + 1, len(rows)):
        row, offset = rows[index], index + 1  # the row number the user sees
        # Values are kept as written (only trimmed): a project's name is not ours to fold.
        values = {f: row[i].strip() if i < len(row) else "" for f, i in columns.items()}
        if not any(values.values()) or _total_row(row, values):
            continue
        for required in _REQUIRED:
            if not values[required]:
                raise InputError(
                    MSG["roster_required"].format(row=offset, column=ROSTER_HEADERS[required][0]), file=str(path)
                )
        source = None
        if values.get("source"):
            source = Path(values["source"])
            if not source.is_absolute():
                source = path.parent / source
            if not source.is_file():
                raise InputError(
                    MSG["roster_source_missing"].format(row=offset, value=values["source"]), file=str(path)
                )
        entries.append(
            RosterEntry(
                line=offset,
                year=_year(values.get("year", ""), offset, path) or year,
                department=values["department"],
                implementing_unit=values["implementing_unit"],
                project_name=values["project_name"],
                source=source,
                weights=values.get("weights", ""),
            )
        )
    if not entries:
        raise InputError(MSG["roster_empty"], file=str(path))
    refuse_duplicates([(e.line, e.year, e.department, e.implementing_unit, e.project_name) for e in entries], path)
    return entries


#: Rows above a roster's header searched for it (a title, a date line, a note).
_HEADER_SEARCH_ROWS: Final = 30


def _header_fields(row: Sequence[str]) -> set[str]:
    return {f for f in (_HEADER_LOOKUP.get(_header_key(text)) for text in row) if f is not None}


def _roster_table(tables: Sequence[list[list[str]]], path: Path) -> tuple[list[list[str]], int]:
    """The first sheet that has the roster's headers and the index of the header row (title
    rows above it are allowed); without one anywhere, the first non-empty row of the first
    non-empty sheet (map_headers then names the missing columns)."""
    for rows in tables:
        for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
            if set(_REQUIRED) <= _header_fields(row):
                return rows, index
    for rows in tables:
        for index, row in enumerate(rows):
            if any(cell.strip() for cell in row):
                return rows, index
    raise InputError(MSG["roster_empty"], file=str(path))


_SPACE_OR_COLON_RE: Final = re.compile(r"[\s" + re.escape("".join(words.COLONS)) + "]")


def _total_row(row: Sequence[str], values: Mapping[str, str]) -> bool:
    """A 合计 / 小计 row: a cell that is only that word, and no project of its own."""
    words = {normalize_text(w) for w in ROSTER_TOTAL_WORDS}
    marked = any(_SPACE_OR_COLON_RE.sub("", normalize_text(cell)) in words for cell in row if cell)
    project = _SPACE_OR_COLON_RE.sub("", normalize_text(values.get("project_name", "")))
    return marked and (not project or project in words)


def refuse_duplicates(rows: Sequence[tuple[int | str, int | None, str, str, str]], path: Path | None) -> None:
    """The one rule for a roster or manifest listing a project twice (same year, 主管部门, 实施单位
    and 项目名称, folded as consolidate folds them): refused, with the rows named, so that
    distribute, status and consolidate can never count it differently."""
    from sheetperf.checks.validation import project_key as fold

    lines: dict[tuple[str, str, str, str], list[str]] = {}
    names: dict[tuple[str, str, str, str], str] = {}
    for line, year, department, unit, project in rows:
        key = ("" if year is None else str(year), fold(department), fold(unit), fold(project))
        where = ROSTER_MESSAGES["row"].format(row=line) if isinstance(line, int) else line
        lines.setdefault(key, []).append(where)
        names.setdefault(key, project)
    twice = [(key, found) for key, found in lines.items() if len(found) > 1]
    if twice:
        listed = CLAUSE_SEP.join(
            ROSTER_MESSAGES["duplicate_row"].format(rows=LIST_SEP.join(found), project=names[key])
            for key, found in twice[:10]
        )
        raise InputError(ROSTER_MESSAGES["duplicate_rows"].format(rows=listed), file=None if path is None else str(path))


def record_files(folder: Path) -> list[Path]:
    """Every record file under ``folder`` (workbooks and JSON), skipping manifests and lock files
    (walked by :func:`sheetperf.io.walk.walk`: links are not followed, loops never hang)."""
    from sheetperf.io.walk import walk

    found = [
        Path(item.path)
        for item in walk([folder])
        if item.kind == "file"
        and Path(item.path).suffix.lower() in RECORD_SUFFIXES
        and Path(item.path).name.lower() != MANIFEST_XLSX
    ]
    return sorted(found)


def roster_from_folder(folder: Path, *, year: int | None = None) -> list[RosterEntry]:
    """One entry per filled goal table in ``folder``.

    The 主管部门 is the first sub-folder the file lies in (the layout distribute writes
    and returns usually keep); a file directly in ``folder`` takes its 申报单位.
    Files that are not goal tables are reported, never silently dropped.
    """
    from sheetperf.io.sources import load_records

    entries: list[RosterEntry] = []
    problems: list[str] = []
    for file in record_files(folder):
        try:
            records = load_records(file)
        except SheetperfError as exc:
            problems.append(str(exc))
            continue
        relative = file.relative_to(folder)
        for record in records:
            if not isinstance(record, GoalTable):
                problems.append(f"{file}: " + MSG["folder_not_goal_table"].format(form=FORM_TITLES[record.form]))
                continue
            department = relative.parts[0] if len(relative.parts) > 1 else ""
            entries.append(
                RosterEntry(
                    line=0,
                    year=record.year or year,
                    department=department or record.applicant_unit,
                    implementing_unit=record.applicant_unit,
                    project_name=record.project_name,
                    source=file,
                    record=record,
                )
            )
    if problems:
        raise InputError(CLAUSE_SEP.join(problems))
    if not entries:
        raise InputError(MSG["folder_empty"], file=str(folder))
    return entries


# --- weights ---------------------------------------------------------------------------------

_CENT: Final = Fraction(1, 100)
_WEIGHT_SPLIT_RE: Final = re.compile(r"[;,，；、|\s]+")
_PAIR_RE: Final = re.compile(r"^(?P<name>[^:=]+?)\s*[:=]\s*(?P<value>[-+]?\d+(?:\.\d+)?)$")


def parse_weights(text: str) -> list[Decimal] | dict[str, Decimal] | None:
    """A roster's weights: a list (one per indicator) or a level-1 mapping; None when empty.

    ``20;10;15`` → ``[20, 10, 15]``; ``产出指标:50；效益指标:30`` → ``{"产出指标": 50, …}``.
    Raises ValueError when the text is neither.
    """
    text = normalize_text(text)
    if not text:
        return None
    parts = [p for p in _WEIGHT_SPLIT_RE.split(text) if p]
    if all(re.fullmatch(r"\d+(?:\.\d+)?", p) for p in parts):
        return [Decimal(p) for p in parts]
    pairs: dict[str, Decimal] = {}
    for part in re.split(r"[;,，；、|]+", text):
        part = part.strip()
        if not part:
            continue
        match = _PAIR_RE.match(part)
        if match is None or match["name"].strip() in pairs:
            raise ValueError(part)
        pairs[match["name"].strip()] = Decimal(match["value"])
    return pairs


def allocate_cents(exact: Sequence[Fraction], total: Fraction) -> list[Decimal]:
    """Round shares to cents so they add up to ``total`` exactly (largest remainder).

    Each share is floored to a cent; the cents left over go to the largest
    remainders, earlier indicators first on ties.
    """
    floors = [(share / _CENT).__floor__() for share in exact]
    left = int(total / _CENT) - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] / _CENT - floors[i]), i))
    for i in order[: max(left, 0)]:
        floors[i] += 1
    return [Decimal(cents) / 100 for cents in floors]


def spread_within_level1(level1s: Sequence[str], shares: Mapping[str, Fraction]) -> list[Fraction]:
    """Each level-1 category's share split evenly among its indicators."""
    counts = Counter(level1s)
    return [shares[name] / counts[name] for name in level1s]


def profile_split_weights(level1s: Sequence[str], profile: Profile) -> list[Decimal]:
    """Weights from the profile's level-1 split, summing to its indicator weight.

    Categories the split names take their share; a category it does not name (an
    older or regional label) takes the mean share of the named ones present, or an
    equal share when none is named; the shares are then scaled so that they add up
    to ``profile.indicator_weight``, and split evenly within each category.
    """
    if not level1s:
        return []
    total = Fraction(profile.indicator_weight)
    groups = list(dict.fromkeys(level1s))
    split = {k: Fraction(v) for k, v in profile.level1_split.items() if v > 0}
    known = [g for g in groups if g in split]
    fallback = sum((split[g] for g in known), Fraction(0)) / len(known) if known else Fraction(1)
    raw = {g: split.get(g, fallback) for g in groups}
    scale = total / sum(raw.values())
    shares = {g: raw[g] * scale for g in groups}
    return allocate_cents(spread_within_level1(level1s, shares), total)


def _number(value: Decimal) -> Number:
    return int(value) if value == value.to_integral_value() else float(value)


# --- building the template records -----------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """The record a template is written from, and where its weights came from."""

    record: Record
    weights_source: str
    notices: tuple[str, ...] = ()


def _load_source(entry: RosterEntry, roster: Path | None) -> Record | None:
    if entry.record is not None:
        return entry.record
    if entry.source is None:
        return None
    from sheetperf.io.sources import load_records

    where = str(roster) if roster else None
    try:
        records = load_records(entry.source)
    except SheetperfError as exc:
        raise InputError(MSG["roster_source_unreadable"].format(row=entry.line, detail=exc), file=where) from exc
    if len(records) != 1:
        raise InputError(
            MSG["roster_source_count"].format(row=entry.line, value=entry.source, count=len(records)), file=where
        )
    return records[0]


def _weights_from_roster(entry: RosterEntry, indicators: Sequence[Indicator], roster: Path | None) -> list[Decimal]:
    where = str(roster) if roster else None
    try:
        spec = parse_weights(entry.weights)
    except ValueError as exc:
        raise InputError(MSG["weights_syntax"].format(row=entry.line, value=entry.weights), file=where) from exc
    if not indicators:
        raise InputError(MSG["weights_no_indicators"].format(row=entry.line), file=where)
    if isinstance(spec, list):
        if len(spec) != len(indicators):
            raise InputError(
                MSG["weights_count"].format(row=entry.line, given=len(spec), count=len(indicators)), file=where
            )
        return spec
    assert spec is not None
    level1s = [ind.level1 for ind in indicators]
    for name in spec:
        if name not in level1s:
            raise InputError(MSG["weights_level1_unknown"].format(row=entry.line, name=name), file=where)
    for name in dict.fromkeys(level1s):
        if name not in spec:
            raise InputError(MSG["weights_level1_missing"].format(row=entry.line, name=name), file=where)
    shares = {k: Fraction(v) for k, v in spec.items()}
    return allocate_cents(spread_within_level1(level1s, shares), sum(shares.values(), Fraction(0)))


def _indicator_for_template(ind: Indicator, weight: Decimal | None) -> Indicator:
    return Indicator(
        level1=ind.level1,
        level2=ind.level2,
        name=ind.name,
        target=ind.target,
        weight=None if weight is None else _number(weight),
    )


def prepare_record(
    entry: RosterEntry,
    form: FormKind,
    profile: Profile,
    *,
    roster: Path | None = None,
    period: int | None = None,
) -> Prepared:
    """The record a project's template is pre-filled from.

    A monitoring form takes the project's goal table (indicators, targets, objectives, budget) and
    reports on months 1–``period`` (default: the profile's ``[monitoring] period``).

    A goal table template carries the project information only.  A
    self-evaluation also takes the indicators and targets of the project's goal
    table (or record), and the weights from, in this order: the roster, the goal
    table (when every indicator has one), the profile's level-1 split.
    """
    if form == "goal_table":
        goal = GoalTable(year=entry.year, applicant_unit=entry.implementing_unit, project_name=entry.project_name)
        return Prepared(goal, "none")
    from sheetperf.io.writer import goal_to_monitoring, monitoring_to_self_evaluation

    source = _load_source(entry, roster)
    if form == "monitoring":
        # The goal table's indicators and targets, its objectives and budget; no weights on this form.
        monitoring = goal_to_monitoring(source) if isinstance(source, GoalTable) else Monitoring()
        monitoring.year = entry.year if entry.year is not None else monitoring.year
        monitoring.department = entry.department
        monitoring.implementing_unit = entry.implementing_unit
        monitoring.project_name = entry.project_name
        monitoring.period = period or profile.monitoring.period
        return Prepared(monitoring, "none")
    if isinstance(source, Monitoring):  # a monitoring return: the self-evaluation takes over its indicators
        source = monitoring_to_self_evaluation(source)
    indicators = [i for i in source.indicators if isinstance(i, Indicator)] if source is not None else []
    record = SelfEvaluation(
        year=entry.year if entry.year is not None else (source.year if source is not None else None),
        department=entry.department,
        implementing_unit=entry.implementing_unit,
        project_name=entry.project_name,
    )
    record.funds.total.weight = _number(profile.budget_weight)
    notices: list[str] = []
    if isinstance(source, GoalTable):
        record.goal_expected = source.texts.get("objectives", "")
        current = source.budget_yuan.get("current_year")
        if current is not None:
            # The goal table states yuan, the self-evaluation 万元 (two decimals).
            record.funds.total.initial_budget = _number((Decimal(str(current)) / 10000).quantize(Decimal("0.01")))
    elif isinstance(source, SelfEvaluation):
        record.goal_expected = source.goal_expected
        for name, row in source.funds.rows().items():
            target = getattr(record.funds, name)
            target.initial_budget = row.initial_budget
            target.annual_budget = row.annual_budget
    weights: list[Decimal] | None
    if entry.weights:
        weights, origin = _weights_from_roster(entry, indicators, roster), "roster"
    elif indicators and all(ind.weight is not None for ind in indicators):
        weights = [Decimal(str(ind.weight)) for ind in indicators]
        origin = "goal_table" if isinstance(source, GoalTable) else "record"
    elif indicators:
        if any(ind.weight is not None for ind in indicators):
            notices.append(MSG["partial_goal_weights"].format(project=entry.project_name))
        weights, origin = profile_split_weights([ind.level1 for ind in indicators], profile), "profile_split"
    else:
        weights, origin = None, "none"
    record.indicators = [
        _indicator_for_template(ind, None if weights is None else weights[i]) for i, ind in enumerate(indicators)
    ]
    if weights is not None:
        record.total_weight = _number(profile.budget_weight + sum(weights, Decimal(0)))
    return Prepared(record, origin, tuple(notices))


# --- the manifest ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ManifestRow:
    """One distributed file."""

    form_id: str
    form: str
    year: int | None
    department: str
    implementing_unit: str
    project_name: str
    path: str
    """Relative to the manifest's folder, with ``/`` separators."""
    fingerprint: str
    """sha256 of the locked content (:func:`sheetperf.layout.fingerprint`) as written."""
    locked: str
    """The groups the template locked, comma-separated (``project,indicators,weights``)."""
    weights_source: str
    source: str = ""

    @property
    def locked_groups(self) -> tuple[str, ...]:
        return tuple(g for g in self.locked.split(",") if g)

    def cells(self) -> list[str]:
        return [
            WEIGHT_SOURCE_LABELS.get(self.weights_source, self.weights_source)
            if name == "weights_source"
            else FORM_TITLES.get(self.form, self.form)
            if name == "form"
            else _cell_text(getattr(self, name))
            for name in MANIFEST_FIELDS
        ]


MANIFEST_FIELDS: Final[tuple[str, ...]] = tuple(f.name for f in fields(ManifestRow))
assert set(MANIFEST_FIELDS) == set(MANIFEST_HEADERS), "every manifest column needs a header in labels.py"


def write_manifest(rows: Sequence[ManifestRow], folder: Path) -> tuple[Path, Path]:
    """Write ``manifest.csv`` (UTF-8 with BOM, for Excel) and ``manifest.xlsx``."""
    headers = [MANIFEST_HEADERS[name] for name in MANIFEST_FIELDS]
    table = [row.cells() for row in rows]
    csv_path = inside(folder, MANIFEST_CSV)
    with atomic_open(csv_path, "csv", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows([[guard_cell(cell) for cell in cells] for cells in table])
    xlsx_path = inside(folder, MANIFEST_XLSX)
    write_table_workbook(xlsx_path, [(MANIFEST_SHEET, headers, table)], kind="manifest")
    return csv_path, xlsx_path


def write_table_workbook(
    path: Path, sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str | int]]]], *, kind: OutputKind = "manifest"
) -> Path:
    """A plain workbook of tables: text through ``write_string`` (never a formula), counts as
    numbers; each sheet printed by :func:`sheetperf.io.tables.print_setup`; marked as
    sheetperf's ``kind`` of output and written atomically."""
    with atomic_path(path, kind) as temp:
        _table_workbook(temp, sheets, kind)
    return path


def _table_workbook(
    path: Path, sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str | int]]]], kind: OutputKind
) -> None:
    import xlsxwriter

    from sheetperf.io.tables import print_setup
    from sheetperf.io.writer import text_height, write_text

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True})
    try:
        mark_xlsxwriter(book, kind, [name for name, _, _ in sheets])
        bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        top = book.add_format({"valign": "top"})
        for name, headers, rows in sheets:
            sheet = book.add_worksheet(name)
            widths = [max(8, display_width(h)) for h in headers]
            for row in rows:
                for col, value in enumerate(row):
                    if not isinstance(value, int):
                        widths[col] = min(max(widths[col], display_width(value)), 40)
            widths = [w + 2 for w in widths]
            for col, text in enumerate(headers):
                write_text(sheet, 0, col, text, bold)
            for r, row in enumerate(rows, start=1):
                height = 15.0
                for col, value in enumerate(row):
                    if isinstance(value, int):
                        sheet.write_number(r, col, value, top)
                        continue
                    write_text(sheet, r, col, value, wrap)
                    height = max(height, text_height(value, widths[col] * 0.8, minimum=15.0))
                if height > 20:  # more than one line: no program fits the row on opening
                    sheet.set_row(r, height)
            for col, width in enumerate(widths):
                sheet.set_column(col, col, width)
            sheet.freeze_panes(1, 0)
            if rows:
                sheet.autofilter(0, 0, len(rows), len(headers) - 1)
            print_setup(sheet, widths)
    finally:
        book.close()


_HEADER_FIELDS: Final[dict[str, str]] = {header: name for name, header in MANIFEST_HEADERS.items()}
_WEIGHT_SOURCES: Final[dict[str, str]] = {label: key for key, label in WEIGHT_SOURCE_LABELS.items()}
_FORM_KEYS: Final[dict[str, str]] = {title: key for key, title in FORM_TITLES.items()}


def read_manifest(path: str | Path) -> list[ManifestRow]:
    """The rows of a ``manifest.csv`` or ``manifest.xlsx`` written by :func:`write_manifest`."""
    from sheetperf.vocab.labels import STATUS_MESSAGES

    path = Path(path)
    if not path.is_file():
        raise InputError(STATUS_MESSAGES["manifest_missing"], file=str(path))
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(
            STATUS_MESSAGES["manifest_type"].format(suffix=shown_suffix(path.suffix, bracketed=True)), file=str(path)
        )
    rows = read_table(path)
    if not rows:
        raise InputError(STATUS_MESSAGES["manifest_empty"], file=str(path))
    header = [normalize_text(h) for h in rows[0]]
    columns = {_HEADER_FIELDS[h]: i for i, h in enumerate(header) if h in _HEADER_FIELDS}
    missing = [MANIFEST_HEADERS[f] for f in MANIFEST_FIELDS if f not in columns and f != "source"]
    if missing:
        raise InputError(STATUS_MESSAGES["manifest_columns"].format(missing=LIST_SEP.join(missing)), file=str(path))
    out: list[ManifestRow] = []
    lines: list[int] = []
    for line, row in enumerate(rows[1:], start=2):
        values = {f: unguard_cell(row[i]) if i < len(row) else "" for f, i in columns.items()}
        if not any(values.values()):
            continue
        try:
            year = int(values["year"]) if values["year"].strip() else None
        except ValueError as exc:
            detail = MSG["roster_year"].format(row=line, value=values["year"])
            raise InputError(STATUS_MESSAGES["manifest_row"].format(row=line, detail=detail), file=str(path)) from exc
        out.append(
            ManifestRow(
                form_id=values["form_id"],
                form=_FORM_KEYS.get(values["form"], values["form"]),
                year=year,
                department=values["department"],
                implementing_unit=values["implementing_unit"],
                project_name=values["project_name"],
                path=values["path"],
                fingerprint=values["fingerprint"],
                locked=values["locked"],
                weights_source=_WEIGHT_SOURCES.get(values["weights_source"], values["weights_source"]),
                source=values.get("source", ""),
            )
        )
        lines.append(line)
    if not out:
        raise InputError(STATUS_MESSAGES["manifest_empty"], file=str(path))
    refuse_duplicates(
        [(n, r.year, r.department, r.implementing_unit, r.project_name) for n, r in zip(lines, out, strict=True)], path
    )
    return out


# --- distribute ------------------------------------------------------------------------------


@dataclass
class Distribution:
    """What :func:`distribute` wrote, and what it has to tell the user."""

    rows: list[ManifestRow]
    manifest_csv: Path
    manifest_xlsx: Path
    notices: list[str]


def _file_stem(entry: RosterEntry) -> str:
    name = safe_name(entry.project_name, max_chars=40)
    unit = safe_name(entry.implementing_unit, max_chars=18)
    return safe_name(BRACKETED.format(text=name, detail=unit)) if entry.implementing_unit else name


def _list(names: Sequence[str], limit: int = 10) -> str:
    shown = LIST_SEP.join(names[:limit])
    return shown + (MSG["list_more"].format(count=len(names)) if len(names) > limit else "")


def distribute(
    entries: Sequence[RosterEntry],
    outdir: str | Path,
    *,
    form: FormKind = "self_evaluation",
    profile: Profile,
    roster: Path | None = None,
    period: int | None = None,
) -> Distribution:
    """Write one template per entry into ``outdir/<主管部门>/`` and the manifest.

    Every record is prepared (and every roster problem raised) before the first
    file is written, so a bad roster leaves no half-filled folder behind.
    """
    if form not in FORMS:
        raise InputError(MSG["unknown_form"].format(form=repr(form)))
    outdir = Path(outdir)
    for name in (MANIFEST_CSV, MANIFEST_XLSX):
        if (outdir / name).exists():
            raise InputError(MSG["outdir_has_manifest"].format(name=name), file=str(outdir))
    refuse_duplicates(
        [
            (e.line if e.line else shown(str(e.source or "")), e.year, e.department, e.implementing_unit, e.project_name)
            for e in entries
        ],
        roster,
    )
    prepared = [prepare_record(entry, form, profile, roster=roster, period=period) for entry in entries]
    outdir.mkdir(parents=True, exist_ok=True)
    folders = UniqueNames([MANIFEST_CSV, MANIFEST_XLSX])
    department_folder: dict[str, str] = {}
    files_in: dict[str, UniqueNames] = {}
    rows: list[ManifestRow] = []
    notices: list[str] = []
    cache = BatchCache()
    for entry, prep in zip(entries, prepared, strict=True):
        notices.extend(prep.notices)
        if entry.department not in department_folder:
            folder = folders.claim(safe_name(entry.department))
            department_folder[entry.department] = folder
            files_in[folder] = UniqueNames()
        folder = department_folder[entry.department]
        filename = files_in[folder].claim(_file_stem(entry), ".xlsx")
        relative = f"{folder}/{filename}"
        inside(outdir, folder).mkdir(exist_ok=True)
        target = inside(outdir, relative)  # after mkdir: a symlink planted as the folder is caught
        form_id = uuid.uuid4().hex
        locked, fingerprint = write_project_template(target, form, prep.record, profile, form_id=form_id, cache=cache)
        rows.append(
            ManifestRow(
                form_id=form_id,
                form=form,
                year=prep.record.year,
                department=entry.department,
                implementing_unit=entry.implementing_unit,
                project_name=entry.project_name,
                path=relative,
                fingerprint=fingerprint,
                locked=locked,
                weights_source=prep.weights_source,
                source="" if entry.source is None else str(entry.source),
            )
        )
    spread = [row.project_name for row in rows if row.weights_source == "profile_split"]
    if spread:
        split = LIST_SEP.join(f"{k} {v}" for k, v in profile.level1_split.items())
        notices.append(
            MSG["weights_spread"].format(count=len(spread), profile=profile.name, split=split, projects=_list(spread))
        )
    if form == "self_evaluation":
        bare = [row.project_name for row in rows if row.weights_source == "none"]
        if bare:
            notices.append(MSG["no_goal_table"].format(count=len(bare), projects=_list(bare)))
    write_manifest(rows, outdir)
    return Distribution(rows, outdir / MANIFEST_CSV, outdir / MANIFEST_XLSX, notices)


def write_project_template(
    target: Path, form: FormKind, record: Record, profile: Profile, *, form_id: str, cache: BatchCache | None = None
) -> tuple[str, str]:
    """Write one project's template; returns its locked groups and fingerprint as written.

    A self-evaluation with indicators is written pre-filled (project, indicators,
    targets and weights locked).  A goal table, or a self-evaluation without a goal
    table, is written blank, so that every indicator row stays open to the
    department.  The filler then writes what the department would otherwise type
    (project information of a blank template, 年初预算数, 预期目标).  The locked groups
    and fingerprint are read back from the file itself.
    """
    from sheetperf.io.filler import fill_workbook, read_template_info
    from sheetperf.io.writer import write_template
    from sheetperf.xlsx.book import open_xlsx

    with Staging("template", target) as staging:  # a scratch folder the janitor removes after a kill
        tmp = staging.scratch()
        if record.indicators:
            template = write_template(
                Path(tmp) / "t.xlsx",
                form,
                record=record,
                year=record.year,
                profile=profile,
                form_id=form_id,
                cache=cache,
            )
        else:
            template = write_template(
                Path(tmp) / "t.xlsx", form, year=record.year, profile=profile, form_id=form_id, cache=cache
            )
        fill_workbook(template, record, target)
        staging.clean_scratch()
    with open_xlsx(target) as book:
        info = read_template_info(book)
    return ",".join(sorted(info.locked)), info.fingerprint
