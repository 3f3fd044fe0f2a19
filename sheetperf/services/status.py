"""Which projects of a distribution have come back, twice, changed, or not at all.

:func:`collect_status` reads every returned file, matches each form to a row of
the manifest :mod:`sheetperf.services.distribute` wrote, and recomputes the fingerprint
of the locked content of what was read (project information, indicators,
targets, weights) to compare it with the fingerprint the manifest recorded when
the template was written: a difference means the locked content was changed.

Matching: by the form id the template carries in its metadata sheet when the
returned workbook still has it; otherwise by form, year, 主管部门, 实施单位 and
项目名称 (two projects of the same name are taken in manifest order).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from sheetperf.errors import FormNotFoundError, SheetperfError, shown
from sheetperf.forms.layout import fingerprint
from sheetperf.model.record import GoalTable, Record
from sheetperf.rules.parsing import normalize_text
from sheetperf.services.distribute import (
    MANIFEST_CSV,
    MANIFEST_XLSX,
    RECORD_SUFFIXES,
    ManifestRow,
    read_manifest,
    write_table_workbook,
)
from sheetperf.vocab.intake import WALK_MESSAGES
from sheetperf.vocab.labels import CLAUSE_SEP, LIST_SEP, RETURN_STATUS_LABELS, STATUS_HEADERS
from sheetperf.vocab.labels import STATUS_MESSAGES as MSG

ProjectState = Literal["returned", "missing", "duplicate", "tampered"]
OtherState = Literal["unknown", "unreadable"]
#: (form, year, 实施单位, 项目名称), normalised: how a form without its form id is matched.
MatchKey = tuple[str, int | None, str, str]
#: Order of the project table: what needs a phone call first.
STATE_ORDER: Final[tuple[ProjectState, ...]] = ("tampered", "duplicate", "missing", "returned")


@dataclass
class ProjectStatus:
    """One project of the manifest and the files that came back for it."""

    row: ManifestRow
    files: list[str] = field(default_factory=list)
    tampered_files: list[str] = field(default_factory=list)

    @property
    def returned(self) -> bool:
        return bool(self.files)

    @property
    def duplicate(self) -> bool:
        return len(self.files) > 1

    @property
    def tampered(self) -> bool:
        return bool(self.tampered_files)

    @property
    def state(self) -> ProjectState:
        """The most urgent state (a project returned twice and changed is 'tampered')."""
        if self.tampered:
            return "tampered"
        if self.duplicate:
            return "duplicate"
        return "returned" if self.files else "missing"

    @property
    def states(self) -> list[ProjectState]:
        """Every state that applies: a project can be both returned twice and changed."""
        out: list[ProjectState] = [s for s in ("tampered", "duplicate") if getattr(self, s)]
        return out or [self.state]


@dataclass(frozen=True)
class OtherFile:
    """A file that belongs to no project of the manifest, or could not be read."""

    file: str
    state: OtherState
    reason: str


@dataclass
class StatusReport:
    projects: list[ProjectStatus]
    others: list[OtherFile]

    def count(self, state: str) -> int:
        if state in ("unknown", "unreadable"):
            return sum(1 for o in self.others if o.state == state)
        if state == "returned":
            return sum(1 for p in self.projects if p.returned)
        return sum(1 for p in self.projects if state in p.states)

    def summary(self) -> str:
        return MSG["summary"].format(
            total=len(self.projects),
            returned=self.count("returned"),
            missing=self.count("missing"),
            duplicate=self.count("duplicate"),
            tampered=self.count("tampered"),
            unknown=self.count("unknown"),
            unreadable=self.count("unreadable"),
        )


def _key(form: str, year: int | None, unit: str, project: str) -> MatchKey:
    return (form, year, normalize_text(unit), normalize_text(project))


def _record_key(record: Record) -> MatchKey:
    unit = record.applicant_unit if isinstance(record, GoalTable) else record.implementing_unit
    return _key(record.form, record.year, unit, record.project_name)


def _reason(exc: SheetperfError, file: Path) -> str:
    return str(exc).removeprefix(f"{shown(str(file))}: ")


def _form_id(record: Record) -> str:
    """The form id of the template a record was read from (the reader's template identity)."""
    template = record.provenance.evidence.template
    return template.form_id if template is not None else ""


def record_identity(record: Record) -> tuple[str, MatchKey]:
    """What a returned form is matched by: the form id its template carries, and
    (form, year, 实施单位, 项目名称) normalised."""
    return _form_id(record), _record_key(record)


class ManifestMatcher:
    """Which project of a manifest a returned form belongs to — the one matching that
    ``status`` and ``consolidate --manifest`` both use.

    By the form id when the form still carries it; otherwise by form, year, 实施单位
    and 项目名称, namesakes taken in manifest order (the first whose ``files`` is
    still empty: the caller appends each matched file to the project it gets).
    """

    def __init__(self, projects: Sequence[ProjectStatus]) -> None:
        self.projects = list(projects)
        self._by_id = {p.row.form_id: p for p in projects if p.row.form_id}
        self._by_key: dict[MatchKey, list[ProjectStatus]] = {}
        for p in projects:
            key = _key(p.row.form, p.row.year, p.row.implementing_unit, p.row.project_name)
            self._by_key.setdefault(key, []).append(p)

    def match(self, form_id: str, key: MatchKey) -> ProjectStatus | None:
        project = self._by_id.get(form_id) if form_id else None
        if project is None:
            candidates = self._by_key.get(key, [])
            project = next((c for c in candidates if not c.files), candidates[0] if candidates else None)
        return project


def returned_files(paths: Iterable[Path], *, exclude: Iterable[Path] = ()) -> tuple[list[Path], list[OtherFile]]:
    """The files named and those in the folders named, once each, minus ``exclude``; and what
    could not be read or was not followed (unreadable folders, links, FIFOs), each listed.

    Lock and hidden files are no one's return and are left out; anything else a department
    put there (a PDF or a Word file instead of the workbook) is returned and has to show."""
    from sheetperf.io.sources import own_output
    from sheetperf.io.walk import identity, walk

    skip = {identity(str(p)) for p in exclude}
    files: list[Path] = []
    problems: list[OtherFile] = []
    for found in walk(paths, skip=own_output):
        if found.kind == "missing":
            problems.append(OtherFile(found.shown, "unreadable", MSG["path_missing"]))
        elif found.kind in ("lock", "hidden") and not found.explicit:
            continue
        elif found.kind in ("file", "lock", "hidden"):
            if identity(found.path) not in skip:
                files.append(Path(found.path))
        elif found.kind == "ours":  # a summary, status workbook or annotated copy: no one's return
            if identity(found.path) not in skip:
                problems.append(OtherFile(found.shown, "unknown", found.reason))
        elif found.kind != "linked":  # a link inside the folders: its target is read at its place
            problems.append(OtherFile(found.shown, "unreadable", found.reason))
    return files, problems


def collect_status(
    manifest: Sequence[ManifestRow], paths: Sequence[Path], *, exclude: Iterable[Path] = ()
) -> StatusReport:
    """Match every returned file to the manifest; see the module docstring."""
    from sheetperf.io.archives import ARCHIVE_SUFFIXES, content_kind, extracted, list_members, shown_member
    from sheetperf.io.sources import load_records
    from sheetperf.model.memo import BatchCache

    cache = BatchCache()
    projects = [ProjectStatus(row) for row in manifest]
    matcher = ManifestMatcher(projects)
    files, others = returned_files(paths, exclude=exclude)

    def match(name: str, file: Path, suffix: str) -> None:
        """Match the forms of ``file`` (shown as ``name``) to the manifest."""
        try:
            records = load_records(file, cache)
        except FormNotFoundError as exc:  # a workbook, but no form in it
            others.append(OtherFile(name, "unknown", _reason(exc, file)))
            return
        except SheetperfError as exc:
            if suffix in RECORD_SUFFIXES:
                others.append(OtherFile(name, "unreadable", _reason(exc, file)))
            else:
                shown_suffix = suffix or WALK_MESSAGES["no_suffix"]
                others.append(OtherFile(name, "unknown", MSG["not_a_form_file"].format(suffix=shown_suffix)))
            return
        matched_any = False
        for record in records:
            project = matcher.match(*record_identity(record))
            if project is None:
                continue
            matched_any = True
            project.files.append(name)
            if fingerprint(record, project.row.locked_groups, project.row.form) != project.row.fingerprint:
                project.tampered_files.append(name)
        if not matched_any:
            others.append(OtherFile(name, "unknown", MSG["no_match"]))

    for file in files:
        suffix = file.suffix.lower()
        if suffix in RECORD_SUFFIXES or (suffix not in ARCHIVE_SUFFIXES and content_kind(file) not in ("zip", "7z", "rar")):
            match(shown(str(file)), file, suffix)
            continue
        # returns inside an archive, as departments email them: each member on its own
        try:
            members = list_members(file)
        except SheetperfError as exc:
            others.append(OtherFile(shown(str(file)), "unreadable", _reason(exc, file)))
            continue
        for member in members:
            name = shown_member(str(file), member.name)
            if member.state != "read":
                state: OtherState = "unreadable" if member.state == "failed" else "unknown"
                others.append(OtherFile(name, state, member.reason))
                continue
            try:
                with extracted(file, member.raw, member.name) as (inflated, _):
                    match(name, inflated, Path(member.name).suffix.lower())
            except SheetperfError as exc:
                others.append(OtherFile(name, "unreadable", _reason(exc, file)))
    return StatusReport(projects, others)


def status_for_manifest(manifest_path: Path, paths: Sequence[Path]) -> StatusReport:
    """:func:`collect_status` with the manifest read from ``manifest_path`` (its files are skipped)."""
    rows = read_manifest(manifest_path)
    folder = manifest_path.parent
    return collect_status(rows, paths, exclude=[manifest_path, folder / MANIFEST_CSV, folder / MANIFEST_XLSX])


# --- views ------------------------------------------------------------------------------------

PROJECT_COLUMNS: Final = ("status", "department", "implementing_unit", "project_name", "count", "files", "path")
OTHER_COLUMNS: Final = ("status", "file", "reason")


def _state_text(project: ProjectStatus) -> str:
    return LIST_SEP.join(RETURN_STATUS_LABELS[s] for s in project.states)


def project_rows(report: StatusReport) -> list[list[str | int]]:
    """The project table, most urgent first, then in manifest order."""
    ordered = sorted(enumerate(report.projects), key=lambda item: (STATE_ORDER.index(item[1].state), item[0]))
    return [
        [
            _state_text(p),
            p.row.department,
            p.row.implementing_unit,
            p.row.project_name,
            len(p.files),
            CLAUSE_SEP.join(p.files),
            p.row.path,
        ]
        for _, p in ordered
    ]


def other_rows(report: StatusReport) -> list[list[str]]:
    return [[RETURN_STATUS_LABELS[o.state], o.file, o.reason] for o in report.others]


def status_text(report: StatusReport, *, all_projects: bool = True) -> str:
    """The terminal view: the project table, the other files, the summary line."""
    from sheetperf.vocab.text import text_table

    rows = project_rows(report)
    if not all_projects:
        rows = [r for r, p in zip(rows, _ordered(report), strict=True) if p.state != "returned"]
    parts = [
        MSG["projects_title"],
        text_table([STATUS_HEADERS[c] for c in PROJECT_COLUMNS[:5]], [r[:5] for r in rows], right=(4,)),
    ]
    if report.others:
        parts += ["", MSG["unknown_title"], text_table([STATUS_HEADERS[c] for c in OTHER_COLUMNS], other_rows(report))]
    parts.append("")
    unreadable = report.count("unreadable")
    if unreadable and report.count("missing"):
        parts.append(WALK_MESSAGES["folders_unreadable"].format(count=unreadable))
    parts.append(report.summary())
    return "\n".join(parts)


def _ordered(report: StatusReport) -> list[ProjectStatus]:
    return [p for _, p in sorted(enumerate(report.projects), key=lambda i: (STATE_ORDER.index(i[1].state), i[0]))]


def write_status_xlsx(report: StatusReport, path: Path) -> Path:
    """The status as a workbook: one sheet of projects, one of other files."""
    return write_table_workbook(
        path,
        [
            (MSG["sheet_projects"], [STATUS_HEADERS[c] for c in PROJECT_COLUMNS], project_rows(report)),
            (MSG["sheet_unknown"], [STATUS_HEADERS[c] for c in OTHER_COLUMNS], other_rows(report)),
        ],
        kind="status",
    )


__all__: Final = [
    "ManifestMatcher",
    "OtherFile",
    "ProjectStatus",
    "StatusReport",
    "collect_status",
    "record_identity",
    "returned_files",
    "status_for_manifest",
    "status_text",
    "write_status_xlsx",
]
