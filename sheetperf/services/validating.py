"""Validating a set of files: the library entry point behind ``sheetperf validate``.

:func:`validate_files` reads every workbook and record JSON under the paths given, validates
each form (and checks it against its goal table when goal tables are given) and returns the
findings with the files that could not be used, each with its one-line reason.  The command
line only prints what it returns and writes the report and the annotated copies through
:func:`write_report` and :func:`annotate`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sheetperf.checks.validation import has_errors, validate_against_goals, validate_record
from sheetperf.errors import InputError, SheetperfError, shown
from sheetperf.io.sources import load_goal_tables, load_records, walk_inputs
from sheetperf.model.finding import SEVERITY_ORDER, Finding
from sheetperf.model.memo import BatchCache, ensure
from sheetperf.model.record import Record, SelfEvaluation
from sheetperf.rules.choose import AutoProfile, ProfileChoice, ProfileSource, resolve
from sheetperf.vocab.labels import ANNOTATE_MESSAGES, READER_MESSAGES

if TYPE_CHECKING:
    from sheetperf.io.annotate import Annotated


@dataclass(frozen=True)
class CheckedForm:
    """One form of one file and its findings, errors first."""

    path: Path
    record: Record
    findings: list[Finding]
    #: The rules profile the form was validated with, and why (``--profile auto`` chooses per form).
    choice: ProfileChoice | None = None


@dataclass
class ValidationRun:
    """What validating a set of files found."""

    inputs: list[Path] = field(default_factory=list)
    forms: list[CheckedForm] = field(default_factory=list)
    #: Files that could not be used → the reason (one line, without the file's name).
    failed: dict[Path, str] = field(default_factory=dict)
    #: Files given as goal tables that hold other forms (one message each).
    goal_notes: list[str] = field(default_factory=list)
    #: Files found in the folders given that are no workbook or record JSON → why they were left out.
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for form in self.forms for f in form.findings]

    @property
    def has_errors(self) -> bool:
        return has_errors(self.findings)

    @property
    def readable(self) -> list[Path]:
        return [p for p in self.inputs if p not in self.failed]


def validate_files(
    paths: Iterable[str | Path],
    profile: ProfileSource,
    *,
    goal_paths: Sequence[str | Path] = (),
    cache: BatchCache | None = None,
    on_form: Callable[[CheckedForm], None] | None = None,
    on_failure: Callable[[Path, str], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
) -> ValidationRun:
    """Validate every form under ``paths`` (files, or folders of workbooks and record JSON).

    ``goal_paths``: goal tables (workbooks, record JSON, folders) each self-evaluation is checked
    against; an unreadable one is a failure like any input, and none at all is an
    :class:`InputError`.  ``on_form``, ``on_failure`` and ``on_notice`` are told as each form
    is validated, each file fails (with the message naming the file) and each goal file turns
    out to hold other forms, so a caller can show progress; everything is also in the
    returned :class:`ValidationRun`.  ``profile``: a rules profile, or :class:`AutoProfile`
    to choose each form's from what it states (each :class:`CheckedForm` names its choice).
    """
    cache = ensure(cache)
    run = ValidationRun()

    def failed(path: Path, message: str) -> None:
        run.failed[path] = message.removeprefix(f"{shown(str(path))}: ")
        if on_failure is not None:
            on_failure(path, message)

    goal_tables = load_goal_tables(goal_paths) if goal_paths else None
    if goal_tables is not None:
        for path, message in goal_tables.unreadable:
            failed(path, message)
        for note in goal_tables.not_goal_tables:
            run.goal_notes.append(note)
            if on_notice is not None:
                on_notice(note)
        if not goal_tables.tables and not run.failed:
            raise InputError(ANNOTATE_MESSAGES["goals_none"])
    walked = walk_inputs(paths)
    run.inputs, run.skipped = walked.files, walked.skipped
    for path, reason in run.skipped:
        if on_notice is not None:
            on_notice(READER_MESSAGES["skipped_file"].format(path=shown(str(path)), reason=reason))
    for path, reason in walked.failed:
        failed(path, f"{shown(str(path))}: {reason}")
    for path in run.inputs:
        try:
            records = load_records(path, cache)
        except SheetperfError as exc:
            failed(path, str(exc))
            continue
        for record in records:
            choice = resolve(profile, record)
            found = validate_record(record, choice.profile, file=shown(str(path)), cache=cache)
            if goal_tables is not None and isinstance(record, SelfEvaluation):
                found = sorted(
                    [*found, *validate_against_goals(record, goal_tables.tables, file=shown(str(path)))],
                    key=lambda f: SEVERITY_ORDER[f.severity],
                )
            checked = CheckedForm(path, record, found, choice)
            run.forms.append(checked)
            if on_form is not None:
                on_form(checked)
    return run


def write_report(run: ValidationRun, path: str | Path, profile: ProfileSource) -> Path:
    """The HTML report of a run (every form, its findings and its rules profile, and the files that failed)."""
    from sheetperf.io.report import FormEntry, write_html
    from sheetperf.vocab.labels import PROFILE_CHOICE_MESSAGES

    entries = [
        FormEntry.of(
            form.record, form.findings, shown(str(form.path)), profile=form.choice.describe() if form.choice else ""
        )
        for form in run.forms
    ]
    failed = [(shown(str(p)), reason) for p, reason in run.failed.items()]
    title = PROFILE_CHOICE_MESSAGES["auto_title"] if isinstance(profile, AutoProfile) else profile.title
    return write_html(path, entries, failed=failed, profile_title=title)


def annotate(run: ValidationRun, out_dir: str | Path, *, force: bool = False) -> list[Annotated]:
    """Annotated copies of the run's readable workbooks (see :func:`sheetperf.io.annotate.annotate_files`)."""
    from sheetperf.io.annotate import annotate_files

    return annotate_files(run.findings, out_dir, sources=run.readable, force=force)


__all__ = ["CheckedForm", "ValidationRun", "annotate", "validate_files", "write_report"]
