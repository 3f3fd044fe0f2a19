"""Consolidate a collection of returned forms into one summary workbook.

The job, in three steps:

1. **Discover** every file under the given paths (folders recursively, in name
   order, through :func:`sheetperf.io.walk.walk`).  Workbooks (.xlsx/.xlsm/.xls/.et/.ods,
   or any file whose bytes are a workbook's) are read, and each workbook inside a .zip
   (:mod:`sheetperf.io.archives`); Office lock files (``~$x.xlsx``) and other files are
   listed as skipped; links, unreadable folders and FIFOs are listed with their reason;
   files named explicitly are read whatever their type (record JSON included).
2. **Read** each file in a worker process (:mod:`sheetperf.services.workers`): hash it,
   read its forms, score and validate each one and reduce it to compact rows in
   the column order of :mod:`sheetperf.services.summary`.  A file that can't be read,
   hangs past the time limit or kills its worker is a *failed* file with a
   reason; the run goes on.  Rows are spooled to a temporary file as they
   arrive, so only one small entry per file stays in memory.
3. **Write** the summary from the spool in input order, keeping one version of
   each project.

A project is identified by (form, year, 主管部门, 实施单位, 项目名称), each folded
the way goal drift matches names (full-width forms, spaces and punctuation
ignored); a goal table's 申报单位 stands for its 实施单位; a return of a
distributed template is known by its form id (and project name).  When a project
is found more than once, the **newest** version is kept: the one the workbook
itself says was saved last (:mod:`sheetperf.io.saved`), then the file modified
last, then the name later in natural order (``_v10`` after ``_v2``); within one
file, the later sheet.  Every other version is
listed as superseded, with a ``superseded`` finding naming the file that
replaced it.  Forms without a project name are never merged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import math
import os
import pickle
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final, Literal

from sheetperf.errors import FormNotFoundError, InputError, OutputError, SheetperfError, shown
from sheetperf.io.archives import ARCHIVE_SUFFIXES, content_kind, extracted, list_members, shown_member
from sheetperf.io.atomic import OutputLock, check_inputs, check_output, kind_label, lock_file_of
from sheetperf.io.saved import natural_key, saved_ns
from sheetperf.io.sources import (
    JSON_SUFFIXES,
    WORKBOOK_CONTENT,
    WORKBOOK_SUFFIXES,
    GoalTables,
    load_goal_tables,
    load_records,
)
from sheetperf.io.walk import FAILED_KINDS, Walked, identity, walk
from sheetperf.model.memo import BatchCache
from sheetperf.model.record import FUND_ROWS, GoalTable, Monitoring, Record, SelfEvaluation, indicators_of
from sheetperf.rules.choose import AUTO, AutoProfile, ProfileSource, profile_source, resolve
from sheetperf.rules.parsing import LEVEL_TEXT, parse_memory
from sheetperf.rules.profiles import Profile
from sheetperf.services.columns import PROJECT_COLUMNS, row_of
from sheetperf.services.distribute import MANIFEST_CSV, MANIFEST_XLSX, ManifestRow, read_manifest
from sheetperf.services.status import ManifestMatcher, ProjectStatus, record_identity
from sheetperf.services.tally import Tally
from sheetperf.services.workers import Outcome, WorkerPool, default_jobs
from sheetperf.vocab.intake import RESUBMISSION_MESSAGES as RESUBMIT
from sheetperf.vocab.intake import shown_suffix
from sheetperf.vocab.labels import (
    BRACKETED,
    CLAUSE_SEP,
    CONSOLIDATE_MESSAGES,
    FILE_STATUS_LABELS,
    FORM_SHORT_TITLES,
    LABELLED,
    LIST_SEP,
    OUTPUT_MESSAGES,
    RETURN_STATUS_LABELS,
    RULE_TITLES,
    SCORING_RULE_LABELS,
    SEVERITY_LABELS,
    SUMMARY_SHEETS,
)
from sheetperf.vocab.text import os_reason
from sheetperf.xlsx.marker import output_kind, unmarked_summary

MSG: Final = CONSOLIDATE_MESSAGES
#: Seconds one file may take before its worker is killed and the file reported failed.
DEFAULT_TIME_LIMIT: Final = 120.0
LOCK_PREFIX: Final = "~$"

Status = Literal["ok", "failed", "no_form", "superseded", "skipped", "own_output"]
#: read: a file to read; lock/other: skipped; missing: a named file that is not there; special: a
#: FIFO or device (never opened); refused: a folder or link that can't be read (failed, with its
#: reason); left: a link or hidden folder not followed (skipped, with its reason).
#: member: a workbook inside an archive (``报送.zip!内涵建设.xlsx``).
Kind = Literal["read", "lock", "other", "missing", "special", "refused", "left", "member"]
#: Separates an archive's path, a member's raw name and its decoded name in a worker's task.
_TASK_SEP: Final = "\0"
ProjectKey = tuple[str, str, str, str, str]
#: Marks a project key made from a template's form id (never a year).
FORM_ID_KEY: Final = "#form-id"


# --- discovery ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputFile:
    """A file of the collection, in discovery order (the path as text: a ``Path`` costs
    several times its string, and a collection may hold hundreds of thousands of files)."""

    path: str
    kind: Kind
    mtime_ns: int = 0
    explicit: bool = False
    #: Why the file is not read (refused, left, special).
    reason: str = ""
    #: A member of the archive at ``path``: its raw name in the zip and its decoded name.
    member: str = ""
    member_name: str = ""

    @property
    def shown(self) -> str:
        """The path as it may be printed and written (bytes that are no UTF-8 escaped)."""
        return shown_member(self.path, self.member_name) if self.member_name else shown(self.path)

    @property
    def task_name(self) -> str:
        """What a worker is told: the path, or the archive, member and its name."""
        if self.kind == "member":
            return _TASK_SEP.join((self.path, self.member, self.member_name))
        return self.path


def _classify(found: Walked) -> InputFile:
    path, explicit, mtime = found.path, found.explicit, found.mtime_ns
    if found.kind == "missing":
        return InputFile(path, "missing", explicit=explicit)
    if found.kind == "special":
        return InputFile(path, "special", mtime, explicit, found.reason)
    if found.kind in FAILED_KINDS:
        return InputFile(path, "refused", mtime, explicit, found.reason)
    if found.kind in ("linked", "outside", "ours"):
        return InputFile(path, "left", mtime, explicit, found.reason)
    suffix = os.path.splitext(path)[1].lower()
    if found.kind == "lock" and suffix in WORKBOOK_SUFFIXES:
        return InputFile(path, "lock", mtime, explicit)
    if explicit or suffix in WORKBOOK_SUFFIXES:
        return InputFile(path, "read", mtime, explicit)
    return InputFile(path, "other", mtime, explicit)


def _by_content(item: InputFile) -> list[InputFile]:
    """A file whose extension is no workbook's: what its bytes say (an archive's members, a
    workbook under another name, or something else)."""
    suffix = os.path.splitext(item.path)[1].lower()
    if item.kind not in ("read", "other") or suffix in WORKBOOK_SUFFIXES or suffix in JSON_SUFFIXES:
        return [item]
    kind = content_kind(item.path)
    if kind in WORKBOOK_CONTENT:
        return [replace(item, kind="read")]
    if kind not in ("zip", "7z", "rar") and suffix not in ARCHIVE_SUFFIXES:
        return [item]
    try:
        members = list_members(item.path)
    except SheetperfError as exc:
        return [replace(item, kind="refused", reason=_reason(exc))]
    states: dict[str, Kind] = {"read": "member", "failed": "refused", "skipped": "left"}
    return [
        replace(
            item,
            kind=states[m.state],
            reason=m.reason,
            member=m.raw,
            member_name=m.name,
            mtime_ns=m.mtime_ns or item.mtime_ns,
        )
        for m in members
    ]


def discover(paths: Iterable[str | Path]) -> list[InputFile]:
    """Every file under ``paths``: folders walked recursively in name order, each file once
    (:func:`sheetperf.io.walk.walk`: links, unreadable folders, FIFOs and hidden folders are
    listed with their reason, never dropped and never followed outside the folders given);
    the workbooks inside an archive each listed on their own (:mod:`sheetperf.io.archives`)."""
    return [item for found in walk(paths) for item in _by_content(_classify(found))]


def _identity(path: Path) -> str:
    return identity(str(path))


# --- what a worker sends back ----------------------------------------------------------------


@dataclass(frozen=True)
class FormKey:
    """Enough of one form for the parent to decide which version of a project to keep."""

    key: ProjectKey | None
    sheet: str
    project_name: str
    #: Bit i set: column i of 项目汇总 holds a value (columns empty for every kept form are left out).
    filled: int = 0
    #: (form id, normalised form/year/unit/name): what a distribution manifest is matched by.
    identity: tuple[str, Any] = ("", None)


@dataclass
class FileEntry:
    """One row of 文件清单, plus the keys of the forms the file holds."""

    index: int
    path: str
    status: Status
    reason: str = ""
    size: int | None = None
    sha256: str | None = None
    mtime_ns: int = 0
    #: When the workbook says it was last saved (its document properties), ns; 0 when unknown.
    saved_ns: int = 0
    forms: list[FormKey] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class FormRows:
    """The rows one form contributes to the summary (plain Python values)."""

    project: list[Any]
    indicators: list[list[Any]]
    findings: list[list[Any]]
    name_cell: str | None
    # Findings of the form by severity: error, warning, notice.
    counts: tuple[int, int, int]
    # (department, annual budget, executed, recomputed total, recomputed grade) for self-evaluations.
    department: tuple[str, float | None, float | None, float | None, str] | None
    # A monitoring return's row of 监控汇总 (without its possibility counts) and its indicators'
    # possibilities by kind (on_track, likely, impossible, other).
    monitoring: MonitoringRow | None = None


@dataclass(frozen=True)
class MonitoringRow:
    """What 监控汇总 shows of one monitoring return."""

    cells: tuple[Any, ...]
    counts: tuple[int, int, int, int]
    lagging: bool
    gap: float | None

    def row(self, errors: int, warnings: int) -> list[Any]:
        return [*self.cells, *self.counts, errors, warnings]

    def order(self) -> tuple[int, float, str]:
        """Lagging first, the farthest behind first, then by name."""
        return (0 if self.lagging else 1, -(self.gap if self.gap is not None else -1e9), str(self.cells[2]))


def monitoring_row(record: Monitoring, profile: Profile, file: str) -> MonitoringRow:
    """The 监控汇总 row of a monitoring return: rate against time recomputed, possibilities counted."""
    from sheetperf.rules.monitoring import monitor_form, possibility_kind

    result = monitor_form(record, profile)
    kinds = Counter(possibility_kind(ind.possibility) for ind in record.indicators)
    other = len(record.indicators) - kinds["on_track"] - kinds["likely"] - kinds["impossible"]
    total = record.funds.total
    cells = (
        record.department, record.implementing_unit, record.project_name, file, result.period,
        _num(total.initial_budget), _num(total.executed), _num(total.forecast), _num(result.rate),
        _num(result.time_progress), _num(result.gap), result.flag or None, len(record.indicators),
    )  # fmt: skip
    counts = (kinds["on_track"], kinds["likely"], kinds["impossible"], other)
    gap = None if result.gap is None else float(result.gap)
    return MonitoringRow(cells, counts, bool(result.lagging), gap)


# --- the worker ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What every worker needs, sent once when it starts, and the memory of its batch."""

    #: A rules profile, or AutoProfile: each form's chosen from what it states (named in 项目汇总).
    profile: ProfileSource
    goal_tables: tuple[GoalTable, ...] = ()
    cache: BatchCache = field(default_factory=BatchCache, compare=False)


def init_worker(settings: Settings) -> Settings:
    """Each worker remembers what its own files share (rows, labels, formulas)."""
    return replace(settings, cache=BatchCache())


#: What a worker imports to read, score and check a form: imported by the command before its
#: workers are forked, so each worker (and each one replacing another) starts with them
#: instead of importing them again (~0.3 s a worker).
WORKER_MODULES: Final = (
    "sheetperf.io.reader",
    "sheetperf.checks.validation",
    "sheetperf.rules.scoring",
    "sheetperf.rules.monitoring",
    "sheetperf.xlsx.biff",
)


def preload_worker_modules() -> None:
    for name in WORKER_MODULES:
        importlib.import_module(name)


def _num(value: Any) -> float | None:
    """A figure for a number cell; None for no figure, or one no spreadsheet can hold (1E+400)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value if abs(value) < 1e308 else None
    return None


def _fold(text: Any) -> str:
    from sheetperf.checks.validation import project_key

    return project_key("" if text is None else str(text))


def project_key(record: Record) -> ProjectKey | None:
    """(form, year, 主管部门, 实施单位, 项目名称), folded; None without a project name.

    A return of a distributed template carries its form id: (form, id, project name) is then
    the key, so a resubmission that corrects a header field (the 实施单位) is the same project,
    while a template copied to fill in another project is not."""
    name = _fold(record.project_name)
    if not name:
        return None
    template = record.provenance.evidence.template
    if template is not None and template.form_id:
        return (record.form, FORM_ID_KEY, template.form_id, "", name)
    year = "" if record.year is None else str(record.year)
    if isinstance(record, (SelfEvaluation, Monitoring)):
        return (record.form, year, _fold(record.department), _fold(record.implementing_unit), name)
    return (record.form, year, "", _fold(record.applicant_unit), name)


def _finding_row(finding: Any, project_name: str) -> list[Any]:
    stated, expected = finding.stated, finding.expected
    return [
        finding.file,
        finding.sheet,
        finding.cell,
        project_name,
        finding.field,
        finding.rule,
        RULE_TITLES.get(finding.rule, ""),
        SEVERITY_LABELS.get(finding.severity, finding.severity),
        stated if isinstance(stated, (int, float, str)) or stated is None else str(stated),
        expected if isinstance(expected, (int, float, str)) or expected is None else str(expected),
        finding.message,
    ]


def form_rows(record: Record, settings: Settings, file: str) -> FormRows:
    """Score, validate and flatten one form into its summary rows."""
    from sheetperf.checks.validation import validate_against_goals, validate_record
    from sheetperf.rules.scoring import score_form

    choice = resolve(settings.profile, record)
    profile = choice.profile
    prov = record.provenance
    sheet = prov.sheet or ""
    result = score_form(record, profile, cache=settings.cache) if isinstance(record, SelfEvaluation) else None
    findings = validate_record(record, profile, file=file, scored=result, cache=settings.cache)
    if settings.goal_tables and isinstance(record, (SelfEvaluation, Monitoring)):
        findings += validate_against_goals(record, settings.goal_tables, file=file)
    severities = Counter(f.severity for f in findings)
    name_ref = prov.cell_of("project_name")
    finding_rows = [_finding_row(f, record.project_name) for f in findings]
    indicator_rows: list[list[Any]] = []
    # What the project row of every form holds.
    shared = {
        "file": file, "sheet": sheet, "form": FORM_SHORT_TITLES[record.form], "year": record.year,
        "project_name": record.project_name, "indicator_count": len(record.indicators), "profile": profile.name,
        "errors": severities["error"], "warnings": severities["warning"], "notices": severities["notice"],
    }  # fmt: skip

    if isinstance(record, SelfEvaluation):
        result = result if result is not None else score_form(record, profile, cache=settings.cache)  # scored above
        funds = record.funds
        project = row_of(PROJECT_COLUMNS, {
            **shared, **_units_and_execution(record),
            **{f"{name}_annual_budget": _num(getattr(funds, name).annual_budget) for name in FUND_ROWS},
            "recomputed_execution_rate": _num(result.execution_rate),
            "budget_score": _num(funds.total.score), "recomputed_budget_score": _num(result.budget_score),
            "total_score": _num(record.total_score), "recomputed_total_score": _num(result.total_score),
            "grade": (record.grade or "").strip() or None, "recomputed_grade": result.grade,
        })  # fmt: skip
        scores = result.indicators
        department = (
            record.department.strip(),
            _num(funds.total.annual_budget),
            _num(funds.total.executed),
            _num(result.total_score),
            result.grade,
        )
    elif isinstance(record, Monitoring):
        project = row_of(PROJECT_COLUMNS, {**shared, **_units_and_execution(record)})
        scores = []
        department = None
    else:
        project = row_of(PROJECT_COLUMNS, {
            **shared,
            "applicant_unit": record.applicant_unit,
            "budget_current_year_yuan": _num(record.budget_yuan.get("current_year")),
        })  # fmt: skip
        scores = []
        department = None
    owner = record.department if isinstance(record, (SelfEvaluation, Monitoring)) else record.applicant_unit
    parse = parse_memory(settings.cache)
    for position, ind in enumerate(indicators_of(record)):
        target, actual = parse.target(ind.target), parse.actual(ind.actual)
        score = scores[position] if position < len(scores) else None
        ref = prov.cell_of(f"indicators[{position}].name")
        indicator_rows.append(
            [
                file, ref.sheet if ref else sheet, ref.cell if ref else None, owner, record.project_name,
                position + 1, ind.level1, ind.level2, ind.name, ind.target,
                target.operator.value if target.operator is not None else None,
                _num(target.number), target.unit or None,
                ind.actual, _num(actual.number), actual.unit or None,
                LEVEL_TEXT[actual.level] if actual.level is not None else None,
                _num(ind.weight), _num(ind.score),
                _num(score.score) if score is not None else None,
                SCORING_RULE_LABELS.get(score.rule.value, score.rule.value) if score is not None else None,
                ind.deviation,
            ]
        )  # fmt: skip
    counts = (severities["error"], severities["warning"], severities["notice"])
    watched = monitoring_row(record, profile, file) if isinstance(record, Monitoring) else None
    return FormRows(
        project, indicator_rows, finding_rows, name_ref.cell if name_ref else None, counts, department, watched
    )


def _units_and_execution(record: SelfEvaluation | Monitoring) -> dict[str, Any]:
    """主管部门, 实施单位 and what the self-evaluation and the monitoring form both state of their
    funds: the total's initial budget and execution rate, each row's executed amount."""
    funds = record.funds
    return {
        "department": record.department,
        "implementing_unit": record.implementing_unit,
        "total_initial_budget": _num(funds.total.initial_budget),
        "total_execution_rate": _num(funds.total.execution_rate),
        **{f"{name}_executed": _num(getattr(funds, name).executed) for name in FUND_ROWS},
    }


def filled_columns(row: Sequence[Any]) -> int:
    """The bit mask of the columns of ``row`` that hold a value."""
    mask = 0
    for index, value in enumerate(row):
        if value is not None and value != "":
            mask |= 1 << index
    return mask


def _hash(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _reason(exc: SheetperfError) -> str:
    """The message without the file name (文件清单 has its own file column)."""
    return str(exc.args[0]) if exc.args else str(exc)


def analyse_file(settings: Settings, task: tuple[int, str, Kind]) -> tuple[FileEntry, bytes]:
    """Read one file in a worker: its 文件清单 entry and its pickled :class:`FormRows`."""
    index, name, kind = task
    if kind == "member":
        return _analyse_member(settings, index, *name.split(_TASK_SEP))
    path = Path(name)
    entry = FileEntry(index, shown(name), "ok")
    started = time.perf_counter()
    try:
        entry.size, entry.sha256 = _hash(path)
    except OSError as exc:
        entry.status, entry.reason = "failed", MSG["unexpected"].format(detail=os_reason(exc))
        return entry, b""
    if kind == "lock":
        entry.status, entry.reason = "skipped", MSG["lock_file"]
        return entry, b""
    if kind == "read" and path.name.startswith(".~") and not path.name.startswith(".~lock."):
        # A temporary file of a sheetperf run that was killed with its clean-up (or of an older version).
        entry.status, entry.reason = "own_output", OUTPUT_MESSAGES["temporary_skipped"]
        return entry, b""
    if kind == "other":
        why = (
            MSG["json_in_folder"]
            if path.suffix.lower() in JSON_SUFFIXES
            else MSG["not_workbook"].format(suffix=shown_suffix(path.suffix))
        )
        entry.status, entry.reason = "skipped", why
        return entry, b""
    # An older summary (or status workbook, annotated copy) in the folder is told by the reader,
    # which has the file open anyway.
    blob = _read_forms(settings, path, entry, workbook=path.suffix.lower() not in JSON_SUFFIXES, skip_outputs=True)
    entry.seconds = time.perf_counter() - started
    return entry, blob


def _analyse_member(settings: Settings, index: int, archive: str, raw: str, name: str) -> tuple[FileEntry, bytes]:
    """A workbook inside an archive, inflated under the workbook limits into a temporary file."""
    entry = FileEntry(index, shown_member(archive, name), "ok")
    started = time.perf_counter()
    try:
        with extracted(archive, raw, name) as (path, data):
            entry.size, entry.sha256 = len(data), hashlib.sha256(data).hexdigest()
            blob = _read_forms(settings, path, entry, workbook=True)
    except SheetperfError as exc:
        entry.status, entry.reason, blob = "failed", _reason(exc), b""
    except OSError as exc:
        entry.status, entry.reason, blob = "failed", MSG["unexpected"].format(detail=os_reason(exc)), b""
    entry.seconds = time.perf_counter() - started
    return entry, blob


def _read_forms(
    settings: Settings, path: Path, entry: FileEntry, *, workbook: bool, skip_outputs: bool = False
) -> bytes:
    """Read, score and validate the forms of ``path`` into ``entry`` and the pickled rows."""
    rows: list[FormRows] = []
    try:
        if workbook:
            from sheetperf.io.reader import read_workbook_report

            report = read_workbook_report(path, settings.cache, skip_outputs=skip_outputs)
            if report.output is not None:
                entry.status = "own_output"
                entry.reason = OUTPUT_MESSAGES["output_skipped"].format(kind=kind_label(report.output))
                return b""
            records, entry.notes = report.records, list(dict.fromkeys(report.notices))
            entry.saved_ns = report.saved_ns if report.saved_ns is not None else saved_ns(path)
        else:
            records = load_records(path)
        for record in records:
            record.provenance.file = entry.path
            rows.append(form_rows(record, settings, entry.path))
            entry.forms.append(
                FormKey(
                    project_key(record),
                    record.provenance.sheet or "",
                    record.project_name,
                    filled_columns(rows[-1].project),
                    record_identity(record),
                )
            )
    except FormNotFoundError as exc:
        entry.status, entry.reason = "no_form", _reason(exc)
    except InputError as exc:
        entry.status, entry.reason = "failed", _reason(exc)
    except SheetperfError as exc:
        entry.status, entry.reason = "failed", _reason(exc)
    except Exception as exc:  # a reader bug on one file must not stop the collection
        entry.status, entry.reason = "failed", MSG["internal"].format(detail=f"{type(exc).__name__}: {exc}")
    else:
        if not rows:
            entry.status = "no_form"
    if entry.status != "ok":
        rows, entry.forms = [], []
    return pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL) if rows else b""


# --- the run -------------------------------------------------------------------------------


@dataclass
class ConsolidationReport:
    """What a consolidation did; the CLI prints it."""

    outputs: list[Path]
    files: int
    statuses: Counter[str]
    forms: int
    projects: int
    superseded_forms: int
    severities: Counter[str]
    failed: list[tuple[str, str]]
    seconds: float
    workers_started: int = 0
    # Of ``seconds``: reading the files (workers) and writing the summary (this process).
    read_seconds: float = 0.0
    write_seconds: float = 0.0
    # --goals files that could not be used (unreadable, or not goal tables), one message each.
    goal_problems: list[str] = field(default_factory=list)
    #: Projects returned more than once (one version kept, the others superseded).
    resubmitted: int = 0
    # With a manifest: its projects no file came back for (manifest order), and the files
    # belonging to no project of it.
    missing: list[ManifestRow] | None = None
    not_in_manifest: int = 0

    @property
    def errors(self) -> int:
        return self.severities["error"]


Progress = Callable[[int, int], None]


def _parent_entry(index: int, item: InputFile, status: Status, reason: str) -> FileEntry:
    """An entry made without a worker: a missing file, a timeout, a crashed worker."""
    entry = FileEntry(index, item.shown, status, reason, mtime_ns=item.mtime_ns)
    if item.kind in ("read", "lock", "other"):  # never open a link that leads outside, or a FIFO
        try:
            entry.size, entry.sha256 = _hash(Path(item.path))
        except OSError:
            pass
    return entry


def _failure_reason(outcome: Outcome[Any]) -> str:
    if outcome.failure == "timeout":
        return MSG["timeout"].format(seconds=outcome.detail)
    if outcome.failure == "crashed":
        return MSG["crashed"].format(detail=outcome.detail)
    return MSG["internal"].format(detail=outcome.detail)


def consolidate(
    paths: Sequence[str | Path],
    output: str | Path,
    *,
    profile: str | ProfileSource = AUTO,
    goals: Sequence[str | Path] = (),
    jobs: int | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    csv_dir: str | Path | None = None,
    progress: Progress | None = None,
    manifest: str | Path | None = None,
    handler: Callable[[Settings, tuple[int, str, Kind]], tuple[FileEntry, bytes]] = analyse_file,
    force: bool = False,
) -> ConsolidationReport:
    """Consolidate every form under ``paths`` into the summary workbook ``output``.

    ``progress(done, total)`` is called as files finish.  ``handler`` is the function a
    worker runs on each file (tests replace it to simulate hangs and crashes).  Raises
    :class:`SheetperfError` only for unusable arguments (rules profile, goal tables, an
    output folder that does not exist); unreadable inputs are listed, never raised.
    ``profile``: a rules profile (or its name), or ``auto`` (the default): each form is scored
    with the profile its own statements agree with, named in the 规则配置 column.

    Before anything is read: every input must exist, and ``output`` must be a place a summary
    may be written (:func:`~sheetperf.io.atomic.check_output`; ``force`` replaces a file
    sheetperf did not write); a second run writing the same summary is refused while this
    one runs.

    ``manifest``: the ``manifest.csv``/``.xlsx`` ``distribute`` wrote: the projects no file came
    back for are listed in 未交回 and counted in 总览, and 文件清单 says of each file whether it
    belongs to a project of the manifest (matched as ``status`` matches).
    """
    output = Path(output)
    check_inputs([*paths, *goals, *([manifest] if manifest is not None else [])])
    if not output.parent.is_dir():
        raise InputError(MSG["output_folder_missing"], file=str(output))
    if any(_identity(Path(p)) == _identity(output) for p in paths):
        raise InputError(MSG["output_is_input"], file=str(output))
    check_output(output, "summary", suffixes=(".xlsx",), force=force)
    if csv_dir is not None:  # the tables have fixed names in a folder of their own; one may be open
        from sheetperf.services.summary import TABLE_KEYS

        for key in TABLE_KEYS:
            table = Path(csv_dir) / f"{SUMMARY_SHEETS[key]}.csv"
            lock = lock_file_of(table)
            if lock is not None:
                raise OutputError(OUTPUT_MESSAGES[lock[1]].format(lock=lock[0].name), file=str(table))
    with OutputLock([output]):
        return _consolidate(
            paths, output, profile=profile, goals=goals, jobs=jobs, time_limit=time_limit, csv_dir=csv_dir,
            progress=progress, manifest=manifest, handler=handler,
        )  # fmt: skip


def _consolidate(
    paths: Sequence[str | Path],
    output: Path,
    *,
    profile: str | ProfileSource,
    goals: Sequence[str | Path],
    jobs: int | None,
    time_limit: float,
    csv_dir: str | Path | None,
    progress: Progress | None,
    manifest: str | Path | None,
    handler: Callable[[Settings, tuple[int, str, Kind]], tuple[FileEntry, bytes]],
) -> ConsolidationReport:
    started = time.perf_counter()
    csv_path = Path(csv_dir) if csv_dir is not None else None
    rules = profile if isinstance(profile, Profile | AutoProfile) else profile_source(profile)
    goal_set = load_goal_tables(goals) if goals else GoalTables(())
    if goals and not goal_set.tables:
        problems = goal_set.problems()
        shown = LABELLED.format(label=MSG["no_goal_tables"], text=CLAUSE_SEP.join(problems[:3]))
        raise InputError(shown if problems else MSG["no_goal_tables"])
    settings = Settings(rules, goal_set.tables)
    manifest_rows: list[ManifestRow] | None = None
    inputs = _without_outputs(discover(paths), output, csv_path)
    if manifest is not None:
        manifest_path = Path(manifest)
        manifest_rows = read_manifest(manifest_path)
        folder = manifest_path.parent
        own = {_identity(p) for p in (manifest_path, folder / MANIFEST_CSV, folder / MANIFEST_XLSX)}
        inputs = [item for item in inputs if _identity(Path(item.path)) not in own]
    total = len(inputs)

    held: list[_Held | None] = [None] * total
    names: dict[str, str] = {}  # one copy of each sheet name
    with _spool() as spool:

        def keep(entry: FileEntry, blob: bytes) -> None:
            offset = spool.tell()
            try:
                spool.write(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
                middle = spool.tell()
                spool.write(blob)
            except OSError as exc:  # $TMPDIR full
                raise _spool_failure(exc) from exc
            held[entry.index] = _Held.of(entry, offset, middle - offset, len(blob), names)

        for index, item in enumerate(inputs):
            if item.kind == "missing":
                keep(_parent_entry(index, item, "failed", MSG["missing"]), b"")
            elif item.kind == "refused":
                keep(_parent_entry(index, item, "failed", item.reason), b"")
            elif item.kind in ("special", "left"):
                keep(_parent_entry(index, item, "skipped", item.reason or MSG["not_regular"]), b"")
        to_read = [index for index, item in enumerate(inputs) if item.kind in ("read", "lock", "other", "member")]
        tasks = ((index, (index, inputs[index].task_name, inputs[index].kind)) for index in to_read)
        done = total - len(to_read)
        if progress:
            progress(done, total)
        workers_started = 0
        if to_read:
            workers = max(1, min(jobs or default_jobs(), len(to_read)))
            pool: WorkerPool[Settings, tuple[int, str, Kind], tuple[FileEntry, bytes]]
            preload_worker_modules()
            with WorkerPool(handler, init=init_worker, init_arg=settings, jobs=workers, time_limit=time_limit) as pool:
                for outcome in pool.map_unordered(tasks):
                    item = inputs[outcome.index]
                    if outcome.result is not None:
                        entry, blob = outcome.result
                        entry.mtime_ns = item.mtime_ns
                    else:
                        entry, blob = _parent_entry(outcome.index, item, "failed", _failure_reason(outcome)), b""
                        entry.seconds = outcome.seconds
                    keep(entry, blob)
                    done += 1
                    if progress:
                        progress(done, total)
                workers_started = pool.started_workers
        final = [h for h in held if h is not None]
        assert len(final) == total
        read_done = time.perf_counter()
        report = _write_summary(
            final,
            inputs,
            spool,
            output,
            csv_path,
            rules.default if isinstance(rules, AutoProfile) else rules,
            manifest_rows,
        )
    report.seconds = time.perf_counter() - started
    report.read_seconds = read_done - started
    report.write_seconds = report.seconds - report.read_seconds
    report.workers_started = workers_started
    report.goal_problems = goal_set.problems()
    return report


@contextmanager
def _spool() -> Iterator[IO[bytes]]:
    """The rows of every file as they arrive (an unnamed file in $TMPDIR: gone when the command is)."""
    try:
        spool = tempfile.TemporaryFile(prefix="sheetperf-spool-", buffering=0)  # a full disk fails the write itself
    except OSError as exc:
        raise _spool_failure(exc) from exc
    with spool:
        yield spool


def _spool_failure(exc: OSError) -> OutputError:
    return OutputError(OUTPUT_MESSAGES["scratch_failed"].format(folder=tempfile.gettempdir(), reason=os_reason(exc)))


def _without_outputs(inputs: list[InputFile], output: Path, csv_dir: Path | None) -> list[InputFile]:
    """The inputs less this run's own outputs (a previous summary in the folder consolidated).

    The summary may replace a previous sheetperf summary found in a folder, never an
    input: a file named as input, or a workbook that is not a summary, is refused.
    """
    from sheetperf.services.summary import ALL_TABLE_KEYS

    ours = {_identity(output)}
    if csv_dir is not None:
        ours |= {
            _identity(csv_dir / f"{SUMMARY_SHEETS[k]}{suffix}")
            for k in ALL_TABLE_KEYS
            for suffix in (".csv", ".parquet")
        }
    kept: list[InputFile] = []
    for item in inputs:
        identity = _identity(Path(item.path))
        if identity not in ours:
            kept.append(item)
        elif identity == _identity(output) and (
            item.explicit or (item.kind == "read" and not _is_summary(Path(item.path)))
        ):
            raise InputError(MSG["output_is_input"], file=str(output))
    return kept


def _is_summary(path: Path) -> bool:
    """A workbook this module wrote: marked as a summary, or (before outputs were marked)
    its sheet list names 文件清单."""
    return output_kind(path) == "summary" or unmarked_summary(path, lambda names: SUMMARY_SHEETS["files"] in names)


@dataclass(slots=True)
class _Held:
    """What the parent keeps of a file while the others are read: its place in the spool and
    enough to choose between versions of a project (a few hundred bytes, whatever the file)."""

    mtime_ns: int
    saved_ns: int
    offset: int
    entry_length: int
    rows_length: int
    keys: tuple[bytes | None, ...]
    sheets: tuple[str, ...]
    filled: tuple[int, ...] = ()

    @classmethod
    def of(cls, entry: FileEntry, offset: int, entry_length: int, rows_length: int, names: dict[str, str]) -> _Held:
        keys = tuple(
            None if f.key is None else hashlib.blake2b(repr(f.key).encode(), digest_size=16).digest()
            for f in entry.forms
        )
        sheets = tuple(names.setdefault(f.sheet, f.sheet) for f in entry.forms)
        filled = tuple(f.filled for f in entry.forms)
        return cls(entry.mtime_ns, entry.saved_ns, offset, entry_length, rows_length, keys, sheets, filled)

    def entry(self, spool: IO[bytes]) -> FileEntry:
        spool.seek(self.offset)
        entry: FileEntry = pickle.loads(spool.read(self.entry_length))
        return entry

    def read(self, spool: IO[bytes]) -> tuple[FileEntry, list[FormRows]]:
        spool.seek(self.offset)
        entry: FileEntry = pickle.loads(spool.read(self.entry_length))
        rows: list[FormRows] = pickle.loads(spool.read(self.rows_length)) if self.rows_length else []
        return entry, rows


Rank = tuple[int, int, tuple[tuple[int, int, str], ...], int]


def _rank(item: _Held, name: str, position: int) -> Rank:
    """Newest first by the workbook's own saved time, then the file's time, then the name in
    natural order (``_v10`` after ``_v2``, ``回执(1)`` after ``回执``), then the later sheet."""
    return (item.saved_ns, item.mtime_ns, natural_key(os.path.splitext(name)[0]), position)


def _winners(held: Sequence[_Held], names: Sequence[str]) -> dict[bytes, tuple[int, int]]:
    """For each project key, the (file index, form position) of the version to keep."""
    best: dict[bytes, tuple[Rank, tuple[int, int]]] = {}
    for index, item in enumerate(held):
        for position, key in enumerate(item.keys):
            if key is None:
                continue
            rank = _rank(item, names[index], position)
            current = best.get(key)
            if current is None or rank > current[0]:
                best[key] = (rank, (index, position))
    return {key: where for key, (_, where) in best.items()}


def _why(winner: _Held, loser: _Held) -> str:
    """Why ``winner`` was kept over ``loser`` (文件清单, one phrase)."""
    if winner.saved_ns != loser.saved_ns and winner.saved_ns:
        return RESUBMIT["why_saved"].format(time=_modified(winner.saved_ns))
    if winner.mtime_ns != loser.mtime_ns:
        return RESUBMIT["why_mtime"].format(time=_modified(winner.mtime_ns))
    return RESUBMIT["why_order"]


@dataclass
class _Department:
    projects: int = 0
    money: Tally = field(default_factory=Tally)
    grades: Counter[str] = field(default_factory=Counter)
    errors: int = 0

    def add(self, budget: float | None, executed: float | None, score: float | None, grade: str, errors: int) -> None:
        self.projects += 1
        self.errors += errors
        self.money.add(budget, executed, score)
        if grade:
            self.grades[grade] += 1

    def row(self, name: str, grades: Sequence[str]) -> list[Any]:
        from sheetperf.rules.scoring import excel_round

        return [
            name,
            self.projects,
            float(excel_round(self.money.budget)),
            float(excel_round(self.money.executed)),
            _num(self.money.execution_rate()),
            _num(self.money.average_score()),
            self.errors,
            *(self.grades[g] for g in grades),
        ]


def _modified(mtime_ns: int) -> str:
    if not mtime_ns:
        return ""
    return dt.datetime.fromtimestamp(mtime_ns / 1e9).strftime("%Y-%m-%d %H:%M:%S")


def _shown_project_columns(held: Sequence[_Held], winners: dict[bytes, tuple[int, int]]) -> list[int]:
    """The 项目汇总 columns some kept form fills (all of them for an empty collection)."""
    mask = 0
    for index, item in enumerate(held):
        for position, filled in enumerate(item.filled):
            digest = item.keys[position]
            if digest is None or winners.get(digest) == (index, position):
                mask |= filled
    if not mask:
        return list(range(len(PROJECT_COLUMNS)))
    return [i for i in range(len(PROJECT_COLUMNS)) if mask >> i & 1]


def _match_manifest(
    held: Sequence[_Held], inputs: Sequence[InputFile], spool: IO[bytes], projects: Sequence[ProjectStatus]
) -> set[int]:
    """Match every form of the collection to the manifest's projects (status's matcher, files in
    the order status reads them); the indexes of the files that matched a project."""
    matcher = ManifestMatcher(projects)
    matched: set[int] = set()
    for index in sorted(range(len(held)), key=lambda i: Path(inputs[i].path)):
        entry = held[index].entry(spool)
        for form in entry.forms:
            project = matcher.match(*form.identity)
            if project is not None:
                project.files.append(entry.path)
                matched.add(index)
    return matched


def _possibility_columns(profile: Profile) -> tuple[str, str, str]:
    """The count columns of 监控汇总: the profile's words for on track, likely and impossible."""
    words = profile.monitoring.possibility
    return words[0], words[1], words[-1]


def _write_summary(
    held: Sequence[_Held],
    inputs: Sequence[InputFile],
    spool: IO[bytes],
    output: Path,
    csv_dir: Path | None,
    profile: Profile,
    manifest: Sequence[ManifestRow] | None = None,
) -> ConsolidationReport:
    """Stream every kept form's rows and every file's row from the spool into the summary."""
    from sheetperf.services.overview import Overview
    from sheetperf.services.summary import SummaryWriter

    names = [item.shown for item in inputs]
    winners = _winners(held, names)
    replaced: dict[int, dict[int, None]] = {}  # winner file → the files it replaced
    versions: Counter[bytes] = Counter()
    for index, item in enumerate(held):
        for digest in item.keys:
            if digest is not None:
                versions[digest] += 1
            where = winners.get(digest) if digest is not None else None
            if where is not None and where[0] != index:
                replaced.setdefault(where[0], {})[index] = None
    grades = [g.name for g in profile.grades]
    departments: dict[str, _Department] = {}
    watched: list[tuple[MonitoringRow, tuple[int, int, int]]] = []
    severities: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    failed: list[tuple[str, str]] = []
    superseded_total = forms_total = 0
    overview = Overview(profile.name, grades, FORM_SHORT_TITLES["self_evaluation"], MSG["no_department"])
    projects = [ProjectStatus(row) for row in manifest] if manifest is not None else []
    matched = _match_manifest(held, inputs, spool, projects) if manifest is not None else set()
    try:
        writer = SummaryWriter(
            output,
            grades=grades,
            csv_dir=csv_dir,
            shown_projects=_shown_project_columns(held, winners),
            manifest=manifest is not None,
            possibilities=_possibility_columns(profile),
        )
    except OSError as exc:
        raise OutputError(MSG["cannot_write"].format(detail=os_reason(exc)), file=str(output)) from exc
    with writer:
        for index, item in enumerate(held):
            entry, forms = item.read(spool)
            kept = 0
            replaced_by: list[str] = []
            for position, (key, rows) in enumerate(zip(entry.forms, forms, strict=True)):
                forms_total += 1
                digest = item.keys[position]
                where = winners.get(digest) if digest is not None else None
                if where is not None and where != (index, position):
                    newer = inputs[where[0]].shown
                    superseded_total += 1
                    replaced_by.append(newer)
                    message = MSG["superseded_finding"].format(
                        project=key.project_name, newer=newer, sheet=held[where[0]].sheets[where[1]]
                    )
                    writer.add(
                        "findings",
                        [entry.path, key.sheet, rows.name_cell, key.project_name, "project_name", "superseded",
                         RULE_TITLES["superseded"], SEVERITY_LABELS["notice"], None, newer, message],
                    )  # fmt: skip
                    overview.add_rule(RULE_TITLES["superseded"], "notice")
                    severities["notice"] += 1
                    continue
                kept += 1
                writer.add("projects", rows.project)
                overview.add_project(rows.project)
                for row in rows.indicators:
                    writer.add("indicators", row)
                for row in rows.findings:
                    writer.add("findings", row)
                    overview.add_finding(row)
                severities.update(dict(zip(("error", "warning", "notice"), rows.counts, strict=True)))
                if rows.department is not None:
                    name, budget, executed, score, grade = rows.department
                    departments.setdefault(name, _Department()).add(budget, executed, score, grade, rows.counts[0])
                if rows.monitoring is not None:
                    watched.append((rows.monitoring, rows.counts))
            reason = entry.reason
            if replaced_by:
                if kept == 0:
                    entry.status = "superseded"
                template = "superseded_file" if kept == 0 else "superseded_some"
                reason = MSG[template].format(count=len(replaced_by), newer=LIST_SEP.join(dict.fromkeys(replaced_by)))
                first = winners[next(d for d in item.keys if d is not None and winners[d][0] != index)][0]
                reason = BRACKETED.format(text=reason, detail=_why(held[first], item))
            notes = list(entry.notes)
            if index in replaced:
                losers = list(replaced[index])
                notes.insert(
                    0,
                    RESUBMIT["kept_because"].format(
                        why=_why(item, held[losers[0]]), others=LIST_SEP.join(names[i] for i in losers)
                    ),
                )
            statuses[entry.status] += 1
            if entry.status == "failed":
                failed.append((entry.path, entry.reason))
            match = []
            if manifest is not None:
                match = [RETURN_STATUS_LABELS["returned" if index in matched else "unknown"]]
            writer.add(
                "files",
                [entry.path, FILE_STATUS_LABELS[entry.status], reason or None, len(entry.forms), kept,
                 entry.size, entry.sha256, _modified(entry.mtime_ns), CLAUSE_SEP.join(notes) or None, *match],
            )  # fmt: skip
        for name in sorted(departments):
            writer.add("departments", departments[name].row(name or MSG["no_department"], grades))
        for seen, (errors, warnings, _) in sorted(watched, key=lambda item: item[0].order()):
            writer.add("monitoring", seen.row(errors, warnings))
        missing = [p for p in projects if not p.files]
        for project in missing:
            given = project.row
            writer.add("missing", [given.department, given.implementing_unit, given.project_name, given.path])
        overview.files = len(held)
        overview.statuses = statuses
        overview.forms = forms_total
        overview.superseded = superseded_total
        overview.severities = severities
        if manifest is not None:
            overview.distributed = len(projects)
            overview.missing = len(missing)
            overview.not_in_manifest = len(held) - len(matched)
        try:
            outputs = writer.close(overview)
        except OSError as exc:
            raise OutputError(MSG["cannot_write"].format(detail=os_reason(exc)), file=str(output)) from exc
    return ConsolidationReport(
        outputs=outputs,
        files=len(held),
        statuses=statuses,
        forms=forms_total,
        projects=forms_total - superseded_total,
        superseded_forms=superseded_total,
        resubmitted=sum(1 for count in versions.values() if count > 1),
        severities=severities,
        failed=failed,
        seconds=0.0,
        missing=[p.row for p in missing] if manifest is not None else None,
        not_in_manifest=len(held) - len(matched) if manifest is not None else 0,
    )
