"""Consolidate a collection of returned forms into one summary workbook.

The job, in three steps:

1. **Discover** every file under the given paths (folders recursively, in name
   order).  Workbooks (.xlsx/.xlsm/.xls/.ods) are read; Office lock files
   (``~$x.xlsx``) and other files are listed as skipped; files named explicitly
   are read whatever their type (record JSON included).
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
ignored); a goal table's 申报单位 stands for its 实施单位.  When a project is
found more than once, the **newest** version is kept: the one whose file has
the latest modification time; between files modified at the same time, the one
later in path order; within one file, the later sheet.  Every other version is
listed as superseded, with a ``superseded`` finding naming the file that
replaced it.  Forms without a project name are never merged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import pickle
import stat
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final, Literal

from sheetperf.errors import FormNotFoundError, InputError, SheetperfError
from sheetperf.io.sources import JSON_SUFFIXES, WORKBOOK_SUFFIXES, GoalTables, load_goal_tables, load_records
from sheetperf.model.memo import BatchCache
from sheetperf.model.record import GoalTable, Monitoring, Record, SelfEvaluation, indicators_of
from sheetperf.rules.choose import AUTO, AutoProfile, ProfileSource, profile_source, resolve
from sheetperf.rules.parsing import LEVEL_TEXT, parse_memory
from sheetperf.rules.profiles import Profile
from sheetperf.services.workers import Outcome, WorkerPool, default_jobs
from sheetperf.vocab.labels import (
    CONSOLIDATE_MESSAGES,
    FILE_STATUS_LABELS,
    FORM_SHORT_TITLES,
    RULE_TITLES,
    SCORING_RULE_LABELS,
    SEVERITY_LABELS,
    SUMMARY_SHEETS,
)

MSG: Final = CONSOLIDATE_MESSAGES
#: Seconds one file may take before its worker is killed and the file reported failed.
DEFAULT_TIME_LIMIT: Final = 120.0
LOCK_PREFIX: Final = "~$"

Status = Literal["ok", "failed", "no_form", "superseded", "skipped"]
Kind = Literal["read", "lock", "other", "missing", "special"]
ProjectKey = tuple[str, str, str, str, str]


# --- discovery ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputFile:
    """A file of the collection, in discovery order (the path as text: a ``Path`` costs
    several times its string, and a collection may hold hundreds of thousands of files)."""

    path: str
    kind: Kind
    mtime_ns: int = 0
    explicit: bool = False


def _classify(file: Path, explicit: bool) -> InputFile:
    path = str(file)
    try:
        info = file.stat()
    except FileNotFoundError:
        return InputFile(path, "missing", explicit=explicit)
    except OSError:
        return InputFile(path, "special", explicit=explicit)
    if not stat.S_ISREG(info.st_mode):
        return InputFile(path, "special", info.st_mtime_ns, explicit)
    suffix = file.suffix.lower()
    if file.name.startswith(LOCK_PREFIX) and suffix in WORKBOOK_SUFFIXES:
        return InputFile(path, "lock", info.st_mtime_ns, explicit)
    if explicit or suffix in WORKBOOK_SUFFIXES:
        return InputFile(path, "read", info.st_mtime_ns, explicit)
    return InputFile(path, "other", info.st_mtime_ns, explicit)


def discover(paths: Iterable[str | Path]) -> list[InputFile]:
    """Every file under ``paths``: folders walked recursively in name order, each file once.

    Hidden folders (``.git``) are not entered.
    """
    roots = [Path(p) for p in paths]
    # A file named explicitly is read whatever its type, even when a folder given
    # before it holds it too.
    named = {_identity(p) for p in roots if not p.is_dir()}
    seen: set[str] = set()
    found: list[InputFile] = []

    def add(path: Path, explicit: bool) -> None:
        identity = _identity(path)
        if identity in seen:
            return
        seen.add(identity)
        found.append(_classify(path, explicit or identity in named))

    for root in roots:
        if root.is_dir():
            for folder, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    add(Path(folder) / name, explicit=False)
        else:
            add(root, explicit=True)
    return found


def _identity(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path.absolute())


# --- what a worker sends back ----------------------------------------------------------------


@dataclass(frozen=True)
class FormKey:
    """Enough of one form for the parent to decide which version of a project to keep."""

    key: ProjectKey | None
    sheet: str
    project_name: str


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
    """(form, year, 主管部门, 实施单位, 项目名称), folded; None without a project name."""
    name = _fold(record.project_name)
    if not name:
        return None
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

    if isinstance(record, SelfEvaluation):
        result = result if result is not None else score_form(record, profile, cache=settings.cache)  # scored above
        funds = record.funds
        project = [
            file, sheet, FORM_SHORT_TITLES[record.form], record.year,
            record.department, record.implementing_unit, None, record.project_name,
            _num(funds.total.initial_budget), _num(funds.total.annual_budget), _num(funds.total.executed),
            _num(funds.total.execution_rate),
            _num(funds.current_year_appropriation.annual_budget), _num(funds.current_year_appropriation.executed),
            _num(funds.carryover.annual_budget), _num(funds.carryover.executed),
            _num(funds.other.annual_budget), _num(funds.other.executed),
            None,
            _num(result.execution_rate), _num(funds.total.score), _num(result.budget_score),
            len(record.indicators), _num(record.total_score), _num(result.total_score),
            (record.grade or "").strip() or None, result.grade, profile.name,
            severities["error"], severities["warning"], severities["notice"],
        ]  # fmt: skip
        scores = result.indicators
        department = (
            record.department.strip(),
            _num(funds.total.annual_budget),
            _num(funds.total.executed),
            _num(result.total_score),
            result.grade,
        )
    elif isinstance(record, Monitoring):
        funds_m = record.funds
        project = [
            file, sheet, FORM_SHORT_TITLES[record.form], record.year,
            record.department, record.implementing_unit, None, record.project_name,
            _num(funds_m.total.initial_budget), None, _num(funds_m.total.executed), _num(funds_m.total.execution_rate),
            None, _num(funds_m.current_year_appropriation.executed), None, _num(funds_m.carryover.executed),
            None, _num(funds_m.other.executed),
            None, None, None, None, len(record.indicators), None, None, None, None, profile.name,
            severities["error"], severities["warning"], severities["notice"],
        ]  # fmt: skip
        scores = []
        department = None
    else:
        project = [
            file, sheet, FORM_SHORT_TITLES[record.form], record.year,
            None, None, record.applicant_unit, record.project_name,
            None, None, None, None, None, None, None, None, None, None,
            _num(record.budget_yuan.get("current_year")),
            None, None, None, len(record.indicators), None, None, None, None, profile.name,
            severities["error"], severities["warning"], severities["notice"],
        ]  # fmt: skip
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
    path = Path(name)
    entry = FileEntry(index, name, "ok")
    started = time.perf_counter()
    try:
        entry.size, entry.sha256 = _hash(path)
    except OSError as exc:
        entry.status, entry.reason = "failed", MSG["unexpected"].format(detail=exc.strerror or exc)
        return entry, b""
    if kind == "lock":
        entry.status, entry.reason = "skipped", MSG["lock_file"]
        return entry, b""
    if kind == "other":
        why = (
            MSG["json_in_folder"]
            if path.suffix.lower() in JSON_SUFFIXES
            else MSG["not_workbook"].format(suffix=path.suffix or "无扩展名")
        )
        entry.status, entry.reason = "skipped", why
        return entry, b""
    rows: list[FormRows] = []
    try:
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            from sheetperf.io.reader import read_workbook_report

            report = read_workbook_report(path, settings.cache)
            records, entry.notes = report.records, list(dict.fromkeys(report.notices))
        else:
            records = load_records(path)
        for record in records:
            rows.append(form_rows(record, settings, name))
            entry.forms.append(FormKey(project_key(record), record.provenance.sheet or "", record.project_name))
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
    entry.seconds = time.perf_counter() - started
    return entry, pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL) if rows else b""


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

    @property
    def errors(self) -> int:
        return self.severities["error"]


Progress = Callable[[int, int], None]


def _parent_entry(index: int, item: InputFile, status: Status, reason: str) -> FileEntry:
    """An entry made without a worker: a missing file, a timeout, a crashed worker."""
    entry = FileEntry(index, str(item.path), status, reason, mtime_ns=item.mtime_ns)
    if item.kind not in ("missing", "special"):
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
    handler: Callable[[Settings, tuple[int, str, Kind]], tuple[FileEntry, bytes]] = analyse_file,
) -> ConsolidationReport:
    """Consolidate every form under ``paths`` into the summary workbook ``output``.

    ``progress(done, total)`` is called as files finish.  ``handler`` is the function a
    worker runs on each file (tests replace it to simulate hangs and crashes).  Raises
    :class:`SheetperfError` only for unusable arguments (rules profile, goal tables, an
    output folder that does not exist); unreadable inputs are listed, never raised.
    ``profile``: a rules profile (or its name), or ``auto`` (the default): each form is scored
    with the profile its own statements agree with, named in the 规则配置 column.
    """
    started = time.perf_counter()
    output = Path(output)
    csv_path = Path(csv_dir) if csv_dir is not None else None
    if not output.parent.is_dir():
        raise InputError(MSG["output_folder_missing"], file=str(output))
    rules = profile if isinstance(profile, Profile | AutoProfile) else profile_source(profile)
    goal_set = load_goal_tables(goals) if goals else GoalTables(())
    if goals and not goal_set.tables:
        problems = goal_set.problems()
        raise InputError(MSG["no_goal_tables"] + ("：" + "；".join(problems[:3]) if problems else ""))
    settings = Settings(rules, goal_set.tables)
    inputs = _without_outputs(discover(paths), output, csv_path)
    total = len(inputs)

    held: list[_Held | None] = [None] * total
    names: dict[str, str] = {}  # one copy of each sheet name
    with tempfile.TemporaryFile(prefix="sheetperf-spool-") as spool:

        def keep(entry: FileEntry, blob: bytes) -> None:
            offset = spool.tell()
            spool.write(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
            middle = spool.tell()
            spool.write(blob)
            held[entry.index] = _Held.of(entry, offset, middle - offset, len(blob), names)

        for index, item in enumerate(inputs):
            if item.kind == "missing":
                keep(_parent_entry(index, item, "failed", MSG["missing"]), b"")
            elif item.kind == "special":
                keep(_parent_entry(index, item, "skipped", MSG["not_regular"]), b"")
        to_read = [index for index, item in enumerate(inputs) if item.kind not in ("missing", "special")]
        tasks = ((index, (index, inputs[index].path, inputs[index].kind)) for index in to_read)
        done = total - len(to_read)
        if progress:
            progress(done, total)
        workers_started = 0
        if to_read:
            workers = max(1, min(jobs or default_jobs(), len(to_read)))
            pool: WorkerPool[Settings, tuple[int, str, Kind], tuple[FileEntry, bytes]]
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
            final, inputs, spool, output, csv_path, rules.default if isinstance(rules, AutoProfile) else rules
        )
    report.seconds = time.perf_counter() - started
    report.read_seconds = read_done - started
    report.write_seconds = report.seconds - report.read_seconds
    report.workers_started = workers_started
    report.goal_problems = goal_set.problems()
    return report


def _without_outputs(inputs: list[InputFile], output: Path, csv_dir: Path | None) -> list[InputFile]:
    """The inputs less this run's own outputs (a previous summary in the folder consolidated).

    The summary may replace a previous sheetperf summary found in a folder, never an
    input: a file named as input, or a workbook that is not a summary, is refused.
    """
    from sheetperf.services.summary import TABLE_KEYS

    ours = {_identity(output)}
    if csv_dir is not None:
        ours |= {
            _identity(csv_dir / f"{SUMMARY_SHEETS[k]}{suffix}") for k in TABLE_KEYS for suffix in (".csv", ".parquet")
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
    """A workbook this module wrote: its sheet list names 文件清单."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("xl/workbook.xml")
            if info.file_size > 1 << 20:
                return False
            return SUMMARY_SHEETS["files"] in archive.read(info).decode("utf-8", "replace")
    except Exception:  # a probe: whatever keeps the zip from opening says "not our summary"
        return False


@dataclass(slots=True)
class _Held:
    """What the parent keeps of a file while the others are read: its place in the spool and
    enough to choose between versions of a project (a few hundred bytes, whatever the file)."""

    mtime_ns: int
    offset: int
    entry_length: int
    rows_length: int
    keys: tuple[bytes | None, ...]
    sheets: tuple[str, ...]

    @classmethod
    def of(cls, entry: FileEntry, offset: int, entry_length: int, rows_length: int, names: dict[str, str]) -> _Held:
        keys = tuple(
            None if f.key is None else hashlib.blake2b(repr(f.key).encode(), digest_size=16).digest()
            for f in entry.forms
        )
        sheets = tuple(names.setdefault(f.sheet, f.sheet) for f in entry.forms)
        return cls(entry.mtime_ns, offset, entry_length, rows_length, keys, sheets)

    def read(self, spool: IO[bytes]) -> tuple[FileEntry, list[FormRows]]:
        spool.seek(self.offset)
        entry: FileEntry = pickle.loads(spool.read(self.entry_length))
        rows: list[FormRows] = pickle.loads(spool.read(self.rows_length)) if self.rows_length else []
        return entry, rows


def _winners(held: Sequence[_Held]) -> dict[bytes, tuple[int, int]]:
    """For each project key, the (file index, form position) of the version to keep."""
    best: dict[bytes, tuple[tuple[int, int, int], tuple[int, int]]] = {}
    for index, item in enumerate(held):
        for position, key in enumerate(item.keys):
            if key is None:
                continue
            rank = (item.mtime_ns, index, position)
            current = best.get(key)
            if current is None or rank > current[0]:
                best[key] = (rank, (index, position))
    return {key: where for key, (_, where) in best.items()}


@dataclass
class _Department:
    projects: int = 0
    budget: Decimal = Decimal(0)
    executed: Decimal = Decimal(0)
    rate_budget: Decimal = Decimal(0)
    rate_executed: Decimal = Decimal(0)
    score_sum: Decimal = Decimal(0)
    scored: int = 0
    grades: Counter[str] = field(default_factory=Counter)

    def add(self, budget: float | None, executed: float | None, score: float | None, grade: str) -> None:
        self.projects += 1
        if budget is not None:
            self.budget += Decimal(repr(budget))
        if executed is not None:
            self.executed += Decimal(repr(executed))
        if budget is not None and executed is not None:
            self.rate_budget += Decimal(repr(budget))
            self.rate_executed += Decimal(repr(executed))
        if score is not None:
            self.score_sum += Decimal(repr(score))
            self.scored += 1
        if grade:
            self.grades[grade] += 1

    def row(self, name: str, grades: Sequence[str]) -> list[Any]:
        from sheetperf.rules.scoring import excel_round, execution_rate

        rate = execution_rate(self.rate_executed, self.rate_budget) if self.rate_budget else None
        average = excel_round(self.score_sum / self.scored) if self.scored else None
        return [
            name,
            self.projects,
            float(excel_round(self.budget)),
            float(excel_round(self.executed)),
            _num(rate),
            _num(average),
            *(self.grades[g] for g in grades),
        ]


def _modified(mtime_ns: int) -> str:
    if not mtime_ns:
        return ""
    return dt.datetime.fromtimestamp(mtime_ns / 1e9).strftime("%Y-%m-%d %H:%M:%S")


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
) -> ConsolidationReport:
    """Stream every kept form's rows and every file's row from the spool into the summary."""
    from sheetperf.services.summary import SummaryWriter

    winners = _winners(held)
    grades = [g.name for g in profile.grades]
    departments: dict[str, _Department] = {}
    watched: list[tuple[MonitoringRow, tuple[int, int, int]]] = []
    severities: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    failed: list[tuple[str, str]] = []
    superseded_total = forms_total = 0
    try:
        writer = SummaryWriter(
            output, grades=grades, csv_dir=csv_dir, possibilities=_possibility_columns(profile)
        )
    except OSError as exc:
        raise InputError(MSG["cannot_write"].format(detail=exc.strerror or exc), file=str(output)) from exc
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
                    newer = inputs[where[0]].path
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
                    severities["notice"] += 1
                    continue
                kept += 1
                writer.add("projects", rows.project)
                for row in rows.indicators:
                    writer.add("indicators", row)
                for row in rows.findings:
                    writer.add("findings", row)
                severities.update(dict(zip(("error", "warning", "notice"), rows.counts, strict=True)))
                if rows.department is not None:
                    name, budget, executed, score, grade = rows.department
                    departments.setdefault(name, _Department()).add(budget, executed, score, grade)
                if rows.monitoring is not None:
                    watched.append((rows.monitoring, rows.counts))
            reason = entry.reason
            if replaced_by:
                if kept == 0:
                    entry.status = "superseded"
                template = "superseded_file" if kept == 0 else "superseded_some"
                reason = MSG[template].format(count=len(replaced_by), newer="、".join(dict.fromkeys(replaced_by)))
            statuses[entry.status] += 1
            if entry.status == "failed":
                failed.append((entry.path, entry.reason))
            writer.add(
                "files",
                [entry.path, FILE_STATUS_LABELS[entry.status], reason or None, len(entry.forms), kept,
                 entry.size, entry.sha256, _modified(entry.mtime_ns), "；".join(entry.notes) or None],
            )  # fmt: skip
        for name in sorted(departments):
            writer.add("departments", departments[name].row(name or MSG["no_department"], grades))
        for seen, (errors, warnings, _) in sorted(watched, key=lambda item: item[0].order()):
            writer.add("monitoring", seen.row(errors, warnings))
        try:
            outputs = writer.close()
        except OSError as exc:
            raise InputError(MSG["cannot_write"].format(detail=exc.strerror or exc), file=str(output)) from exc
    return ConsolidationReport(
        outputs=outputs,
        files=len(held),
        statuses=statuses,
        forms=forms_total,
        projects=forms_total - superseded_total,
        superseded_forms=superseded_total,
        severities=severities,
        failed=failed,
        seconds=0.0,
    )
