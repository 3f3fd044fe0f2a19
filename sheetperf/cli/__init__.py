"""Command-line interface: a thin click layer over the library."""

from __future__ import annotations

import json
import re
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import click

from sheetperf.errors import Interrupted, SheetperfError
from sheetperf.errors import shown as escaped
from sheetperf.model.record import Record, SelfEvaluation
from sheetperf.rules.choose import AUTO, ProfileSource, profile_source, resolve
from sheetperf.rules.profiles import DEFAULT_PROFILE, Profile, get_profile
from sheetperf.version import __version__
from sheetperf.vocab.help import COMMAND_HELP, HELP
from sheetperf.vocab.labels import CLI_MESSAGES, CLI_USAGE_MESSAGES, OUTPUT_MESSAGES, READER_MESSAGES
from sheetperf.vocab.text import mend_surrogates, os_reason

#: Exit codes: 1 an error a user can fix in the forms, 2 input that can't be used.
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


#: Exit status after SIGINT / SIGTERM (128 + the signal, as shells report it).
EXIT_INTERRUPTED = 128 + signal.SIGINT


def _stop(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def _usage_text(exc: click.UsageError) -> str:
    """click's usage error, in Chinese (its English never reaches a user)."""
    m = CLI_USAGE_MESSAGES
    if isinstance(exc, click.NoSuchOption):
        text = m["no_such_option"].format(name=exc.option_name)
        if exc.possibilities:
            text += m["did_you_mean"].format(names="、".join(sorted(exc.possibilities)))
    elif isinstance(exc, click.MissingParameter):
        param = exc.param
        name = param.get_error_hint(exc.ctx) if param is not None and exc.ctx is not None else ""
        name = name.replace("'", "")
        is_option = isinstance(param, click.Option)
        text = m["missing_option" if is_option else "missing_argument"].format(name=name)
    elif isinstance(exc, click.BadParameter):
        param = exc.param
        hint = param.get_error_hint(exc.ctx) if param is not None and exc.ctx is not None else exc.param_hint
        name = str(hint or "").replace("'", "")
        detail = _detail(exc.message)
        text = m["bad_value"].format(name=name, detail=detail) if detail else m["bad_value_plain"].format(name=name)
    elif isinstance(exc, click.BadOptionUsage) and "requires an argument" in exc.message:
        text = m["needs_value"].format(name=exc.option_name)
    else:
        text = _generic_usage(exc.message)
    if exc.ctx is not None:
        text += m["see_help"].format(command=exc.ctx.command_path)
    return text


_DETAILS: Final = (
    (re.compile(r"^'(?P<value>.*)' is not a valid integer(?: range)?\.?$", re.S), "not_integer"),
    (re.compile(r"^'(?P<value>.*)' is not a valid float(?: range)?\.?$", re.S), "not_number"),
    (re.compile(r"^'(?P<value>.*)' is not (?:one of )?(?P<choices>.*?)\.?$", re.S), "not_choice"),
    (re.compile(r"^(?P<value>\S+) is not in the range (?P<range>.*?)\.?$", re.S), "out_of_range"),
    (re.compile(r"^(?:File|Directory|Path) '(?P<value>.*)' does not exist\.?$", re.S), "path_missing"),
    (re.compile(r"^(?:File|Directory|Path) '(?P<value>.*)' is a directory\.?$", re.S), "path_is_folder"),
    (re.compile(r"^(?:File|Directory|Path) '(?P<value>.*)' is a file\.?$", re.S), "path_is_file"),
    (re.compile(r"^(?:File|Directory|Path) '(?P<value>.*)' is not readable\.?$", re.S), "path_unreadable"),
)


def _detail(message: str) -> str:
    for pattern, key in _DETAILS:
        match = pattern.match(message.strip())
        if match:
            values = {k: v.replace("'", "") for k, v in match.groupdict().items()}
            return CLI_USAGE_MESSAGES[key].format(**values)
    return ""


def _generic_usage(message: str) -> str:
    m = CLI_USAGE_MESSAGES
    extra = re.match(r"^Got unexpected extra arguments? \((?P<args>.*)\)$", message.strip())
    if extra:
        return m["extra_arguments"].format(args=extra.group("args"))
    command = re.match(r"^No such command '(?P<name>.*)'\.?$", message.strip())
    if command:
        return m["no_such_command"].format(name=command.group("name"))
    return m["usage"].format(detail=_detail(message) or message)


class SheetperfGroup(click.Group):
    """The command group: click's errors in Chinese on one line, SIGTERM handled like Ctrl-C
    (the run stops, temporary files are removed, 已中断 and exit 130/143)."""

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        standalone = extra.pop("standalone_mode", True)
        if not standalone:
            return super().main(args, prog_name, standalone_mode=False, **extra)
        previous = signal.getsignal(signal.SIGTERM)
        try:
            signal.signal(signal.SIGTERM, _stop)
        except ValueError:  # not the main thread: leave signals alone
            previous = None
        try:
            try:
                code = super().main(args, prog_name, standalone_mode=False, **extra)
            except click.UsageError as exc:
                fail(_usage_text(exc))
                sys.exit(exc.exit_code)
            except click.ClickException as exc:
                fail(exc.format_message())
                sys.exit(exc.exit_code)
            except (click.Abort, KeyboardInterrupt) as exc:
                cause = exc if isinstance(exc, Interrupted) else exc.__cause__ or exc.__context__
                signum = cause.signum if isinstance(cause, Interrupted) else signal.SIGINT
                click.echo(OUTPUT_MESSAGES["interrupted"], err=True)
                sys.exit(128 + signum)
            sys.exit(code if isinstance(code, int) else 0)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


@click.group(cls=SheetperfGroup, context_settings={"help_option_names": ["-h", "--help"]}, help=COMMAND_HELP["main"])
@click.version_option(__version__, prog_name="sheetperf")
def main() -> None:
    """The sheetperf command line: each command a thin layer over a library entry point."""


def shown(path: object) -> str:
    """A path as printed: control characters and undecodable bytes escaped (one line, printable)."""
    return escaped(str(path))


def fail(message: str) -> None:
    """Print a one-line error to stderr (the caller decides the exit code); control characters
    in file names are shown escaped, so that the message stays one line."""
    click.echo(escaped(f"{CLI_MESSAGES['error_prefix']}：{message}"), err=True)


@contextmanager
def exit_on_bad_input() -> Iterator[None]:
    """Runs its body; a :class:`SheetperfError` raised there is printed as one line and exits with
    2 (an input, an output or a setting the user can fix)."""
    try:
        yield
    except SheetperfError as exc:
        fail(str(exc))
        sys.exit(EXIT_BAD_INPUT)


def load_profile(name: str) -> Profile:
    with exit_on_bad_input():
        return get_profile(name)


def load_profile_source(name: str) -> ProfileSource:
    """A rules profile, or ``auto``: each form's chosen from what it states (rules.choose)."""
    with exit_on_bad_input():
        return profile_source(name)


def outputs_allowed(
    inputs: Sequence[Path], outputs: Sequence[tuple[Path | None, str, tuple[str, ...]]], force: bool
) -> None:
    """Before anything is read or written: every input exists, every output may be written
    (io.atomic.check_output); else one line and exit 2."""
    from sheetperf.io.atomic import check_inputs, check_output

    with exit_on_bad_input():
        check_inputs(inputs)
        for path, kind, suffixes in outputs:
            if path is not None:
                check_output(path, kind, suffixes=suffixes, force=force)


class InputTracker:
    """Loads each input file, reporting the ones that can't be used and going on."""

    def __init__(self) -> None:
        self.failed: list[Path] = []
        self.reasons: dict[Path, str] = {}

    def records(self, paths: Sequence[Path]) -> Iterator[tuple[Path, Record]]:
        from sheetperf.io.sources import load_records
        from sheetperf.model.memo import BatchCache

        cache = BatchCache()  # the files of one command are one batch
        for path in paths:
            try:
                loaded = load_records(path, cache)
            except SheetperfError as exc:
                fail(str(exc))
                self.failed.append(path)
                self.reasons[path] = str(exc).removeprefix(f"{shown(str(path))}: ")
                continue
            for record in loaded:
                yield path, record


profile_option = click.option("--profile", default=DEFAULT_PROFILE, show_default=True, help=HELP["profile"])
#: ``read`` and ``consolidate`` summarise forms of many regions: each form's own rules by default.
auto_profile_option = click.option("--profile", default=AUTO, show_default=True, help=HELP["profile"])
goals_option = click.option(
    "--goals",
    "goal_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help=HELP["goals"],
)
period_option = click.option(
    "--period",
    type=click.IntRange(1, 12),
    default=None,
    help=HELP["period"],
)
json_option = click.option("--json", "as_json", is_flag=True, help=HELP["json"])
force_option = click.option(
    "--force", is_flag=True, help=HELP["force"]
)
files_argument = click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))


@main.command(help=COMMAND_HELP["score"])
@files_argument
@profile_option
@json_option
def score(files: tuple[Path, ...], profile: str, as_json: bool) -> None:
    """Recompute each self-evaluation's execution rates, scores, total and grade."""
    from sheetperf.cli.views import score_table
    from sheetperf.rules.scoring import score_form

    rules = load_profile_source(profile)
    tracker = InputTracker()
    results = []
    for path, record in tracker.records(files):
        if not isinstance(record, SelfEvaluation):
            key = "monitoring_not_scored" if record.form == "monitoring" else "goal_table_not_scored"
            click.echo(f"{shown(path)}：{record.project_name}：{CLI_MESSAGES[key]}", err=True)
            continue
        choice = resolve(rules, record)
        result = score_form(record, choice.profile)
        results.append({**result.to_dict(), "profile": choice.profile.name})
        if not as_json:
            click.echo(f"{shown(path)}\n{choice.describe()}\n{score_table(result)}\n")
    if as_json:
        click.echo(mend_surrogates(json.dumps(results, ensure_ascii=False, indent=2)))
    if tracker.failed:
        sys.exit(EXIT_BAD_INPUT)


@main.command(help=COMMAND_HELP["validate"])
@files_argument
@profile_option
@json_option
@goals_option
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help=HELP["html"],
)
@click.option(
    "--annotate",
    "annotate_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help=HELP["annotate"],
)
@force_option
def validate(
    files: tuple[Path, ...],
    profile: str,
    as_json: bool,
    goal_paths: tuple[Path, ...],
    html_path: Path | None,
    annotate_dir: Path | None,
    force: bool,
) -> None:
    """Check every stated figure of each form against its recomputation."""
    from sheetperf.cli.views import findings_summary, findings_table
    from sheetperf.services.validating import CheckedForm, annotate, validate_files, write_report
    from sheetperf.vocab.labels import ANNOTATE_MESSAGES

    rules = load_profile_source(profile)
    if html_path is not None or annotate_dir is not None:
        outputs_allowed(files, [(html_path, "report", (".html", ".htm"))], force)

    def show(form: CheckedForm) -> None:
        if not as_json:
            body = findings_table(form.findings) if form.findings else CLI_MESSAGES["no_findings"]
            named = form.choice.describe() if form.choice is not None else ""
            click.echo(f"{shown(form.path)}：{form.record.project_name}\n{named}\n{body}\n")

    with exit_on_bad_input():
        run = validate_files(
            files,
            rules,
            goal_paths=goal_paths,
            on_form=show,
            on_failure=lambda _, message: fail(message),
            on_notice=lambda message: click.echo(message, err=True),
        )
    findings = run.findings
    if as_json:
        rows = [
            {**f.to_dict(), "profile": form.choice.profile.name if form.choice is not None else None}
            for form in run.forms
            for f in form.findings
        ]
        click.echo(mend_surrogates(json.dumps(rows, ensure_ascii=False, indent=2)))
    else:
        click.echo(CLI_MESSAGES["findings_summary"].format(summary=findings_summary(findings)))
    if html_path is not None:
        with exit_on_bad_input():
            write_report(run, html_path, rules)
        click.echo(ANNOTATE_MESSAGES["html_written"].format(path=html_path), err=True)
    if annotate_dir is not None:
        try:
            results = annotate(run, annotate_dir, force=force)
        except (OSError, SheetperfError) as exc:
            fail(
                ANNOTATE_MESSAGES["cannot_write"].format(
                    path=annotate_dir, detail=os_reason(exc) if isinstance(exc, OSError) else exc
                )
            )
            sys.exit(EXIT_BAD_INPUT)
        for done in results:
            if done.output is None:
                click.echo(f"{shown(done.source)}：{done.skipped}", err=True)
            else:
                click.echo(ANNOTATE_MESSAGES["written"].format(path=shown(str(done.output)), cells=done.cells), err=True)
    if run.failed:
        sys.exit(EXIT_BAD_INPUT)
    if run.has_errors:
        sys.exit(EXIT_FINDINGS)


@main.command(help=COMMAND_HELP["template"])
@click.argument("form", type=click.Choice(["self-evaluation", "goal-table", "monitoring"]))
@click.option("--year", type=int, help=HELP["year"])
@period_option
@profile_option
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path),
    help=HELP["from"],
)
@click.option("--password", default=None, help=HELP["password"])
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help=HELP["template_output"])
@force_option
def template(
    form: str,
    year: int | None,
    period: int | None,
    profile: str,
    source: Path | None,
    password: str | None,
    output: Path,
    force: bool,
) -> None:
    """Write a blank or pre-filled template that scores itself."""
    from sheetperf.io.writer import write_template
    from sheetperf.vocab.labels import TEMPLATE_MESSAGES

    rules = load_profile(profile)
    outputs_allowed([source] if source is not None else [], [(output, "template", (".xlsx",))], force)
    with exit_on_bad_input():
        record = None
        if source is not None:
            from sheetperf.io.sources import load_records

            records = load_records(source)
            if not records:
                raise SheetperfError(TEMPLATE_MESSAGES["no_record"], file=str(source))
            if len(records) > 1:
                click.echo(f"{source}：{TEMPLATE_MESSAGES['many_records'].format(count=len(records))}", err=True)
            record = records[0]
        write_template(output, form, record=record, year=year, profile=rules, password=password, period=period)
    click.echo(TEMPLATE_MESSAGES["written"].format(path=output), err=True)


@main.command(help=COMMAND_HELP["fill"])
@click.argument("template", type=click.Path(path_type=Path))
@click.argument("record", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help=HELP["filled_output"])
@force_option
def fill(template: Path, record: Path, output: Path, force: bool) -> None:
    """Put one record's inputs into a sheetperf template."""
    from sheetperf.io.filler import fill_workbook
    from sheetperf.io.sources import load_records
    from sheetperf.vocab.labels import FILL_MESSAGES

    with exit_on_bad_input():
        if output.resolve() == template.resolve():
            raise SheetperfError(FILL_MESSAGES["same_file"].format(path=output))
    written_as = template.suffix.lower() if template.suffix.lower() in (".xlsx", ".xlsm") else ".xlsx"
    outputs_allowed([template, record], [(output, "filled", (written_as,))], force)
    try:
        records = load_records(record)
        if not records:
            raise SheetperfError(FILL_MESSAGES["no_records"], file=str(record))
        if len(records) > 1:
            raise SheetperfError(FILL_MESSAGES["several_records"].format(count=len(records)), file=str(record))
        fill_workbook(template, records[0], output)
    except SheetperfError as exc:
        fail(str(exc))
        sys.exit(EXIT_BAD_INPUT)
    except OSError as exc:
        fail(FILL_MESSAGES["cannot_write"].format(path=exc.filename or output, detail=os_reason(exc)))
        sys.exit(EXIT_BAD_INPUT)
    click.echo(FILL_MESSAGES["written"].format(path=output), err=True)


# --- distribute / status (sheetperf.services.distribute, sheetperf.services.status) ----------------------------


@main.command(help=COMMAND_HELP["distribute"])
@click.argument("roster", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--outdir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help=HELP["outdir"],
)
@click.option(
    "--form",
    type=click.Choice(["self-evaluation", "goal-table", "monitoring"]),
    default="self-evaluation",
    show_default=True,
    help=HELP["distribute_form"],
)
@click.option("--year", type=int, help=HELP["roster_year"])
@period_option
@profile_option
def distribute(roster: Path, outdir: Path, form: str, year: int | None, period: int | None, profile: str) -> None:
    """One template per project of a roster, a folder per department, and the manifest."""
    from sheetperf.model.record import FormKind
    from sheetperf.services import distribute as dist
    from sheetperf.vocab.labels import DISTRIBUTE_MESSAGES, FORM_TITLES, SEVERITY_LABELS

    rules = load_profile(profile)
    form_keys: dict[str, FormKind] = {
        "self-evaluation": "self_evaluation",
        "goal-table": "goal_table",
        "monitoring": "monitoring",
    }
    form_key = form_keys[form]
    with exit_on_bad_input():
        entries = dist.read_roster(roster, year=year)
        result = dist.distribute(
            entries, outdir, form=form_key, profile=rules, roster=None if roster.is_dir() else roster, period=period
        )
    for notice in result.notices:
        click.echo(f"{SEVERITY_LABELS['notice']}：{notice}", err=True)
    click.echo(
        DISTRIBUTE_MESSAGES["summary"].format(
            count=len(result.rows),
            form=FORM_TITLES[form_key],
            departments=len({row.department for row in result.rows}),
            manifest=result.manifest_csv,
        )
    )


@main.command(help=COMMAND_HELP["status"])
@click.argument("manifest", type=click.Path(path_type=Path))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--xlsx", "xlsx_path", type=click.Path(path_type=Path, dir_okay=False), help=HELP["status_xlsx"]
)
@force_option
def status(manifest: Path, paths: tuple[Path, ...], xlsx_path: Path | None, force: bool) -> None:
    """Which projects of a distribution manifest came back."""
    from sheetperf.io.atomic import OutputLock
    from sheetperf.services.status import status_for_manifest, status_text, write_status_xlsx
    from sheetperf.vocab.labels import STATUS_MESSAGES

    if xlsx_path is not None:
        outputs_allowed([manifest, *paths], [(xlsx_path, "status", (".xlsx",))], force)
    with exit_on_bad_input():
        report = status_for_manifest(manifest, list(paths))
    click.echo(status_text(report))
    if xlsx_path is not None:
        with exit_on_bad_input():
            with OutputLock([xlsx_path]):
                write_status_xlsx(report, xlsx_path)
        click.echo(STATUS_MESSAGES["xlsx_written"].format(path=xlsx_path))


# --- import-text (sheetperf.io.importtext) ------------------------------------------------------


@main.command("import-text", help=COMMAND_HELP["import_text"])
@files_argument
@json_option
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help=HELP["import_outdir"],
)
@profile_option
@click.option("--provenance", is_flag=True, help=HELP["provenance"])
@force_option
def import_text(
    files: tuple[Path, ...], as_json: bool, out_dir: Path | None, profile: str, provenance: bool, force: bool
) -> None:
    """Forms published as text, into filled sheetperf workbooks."""
    from sheetperf.io.importtext import import_files
    from sheetperf.model.record import dump_records_json
    from sheetperf.vocab.labels import IMPORT_MESSAGES

    if as_json and out_dir is not None:
        raise click.UsageError(IMPORT_MESSAGES["json_and_output"])
    with exit_on_bad_input():
        result = import_files(files)
    if result.problems:
        click.echo(IMPORT_MESSAGES["problems"].format(count=len(result.problems)), err=True)
        for problem in result.problems:
            click.echo(f"  {problem.message()}", err=True)
    for refusal in result.refused:
        fail(refusal.message())
    if not result.records:
        if result.refused:
            sys.exit(EXIT_FINDINGS)
        fail(IMPORT_MESSAGES["no_forms"])
        sys.exit(EXIT_BAD_INPUT)
    if out_dir is None:
        click.echo(dump_records_json(result.records, provenance=provenance))
        if result.refused:
            sys.exit(EXIT_FINDINGS)
        return
    from sheetperf.checks.validation import has_errors
    from sheetperf.cli.views import findings_table
    from sheetperf.services.importing import write_workbooks

    rules = load_profile_source(profile)
    try:
        written = write_workbooks(result.records, out_dir, rules, force=force)
    except SheetperfError as exc:
        fail(str(exc))
        sys.exit(EXIT_BAD_INPUT)
    except OSError as exc:
        fail(f"{exc.filename or out_dir}: {os_reason(exc)}")
        sys.exit(EXIT_BAD_INPUT)
    findings = []
    for path, found in written:
        findings.extend(found)
        click.echo(IMPORT_MESSAGES["written"].format(path=path))
        click.echo(findings_table(found) if found else IMPORT_MESSAGES["no_findings"])
        click.echo("")
    click.echo(IMPORT_MESSAGES["imported"].format(count=len(written)))
    if has_errors(findings) or result.refused:
        sys.exit(EXIT_FINDINGS)


@main.command(help=COMMAND_HELP["consolidate"])
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False), help=HELP["summary_output"]
)
@click.option("--jobs", type=click.IntRange(min=1), default=None, help=HELP["jobs"])
@goals_option
@auto_profile_option
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help=HELP["consolidate_csv"],
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=120.0,
    show_default=True,
    help=HELP["timeout"],
)
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help=HELP["manifest"],
)
@click.option("--quiet", is_flag=True, help=HELP["quiet"])
@click.option("--strict", is_flag=True, help=HELP["strict"])
@force_option
def consolidate(
    paths: tuple[Path, ...],
    output: Path,
    jobs: int | None,
    goal_paths: tuple[Path, ...],
    profile: str,
    csv_dir: Path | None,
    manifest: Path | None,
    timeout: float,
    quiet: bool,
    strict: bool,
    force: bool,
) -> None:
    """A collection of returned forms into one summary workbook."""
    from sheetperf.cli.views import severity_counts
    from sheetperf.services import consolidate as consolidation
    from sheetperf.vocab.intake import RESUBMISSION_MESSAGES
    from sheetperf.vocab.labels import CONSOLIDATE_MESSAGES, FILE_STATUS_LABELS, SUMMARY_SHEETS

    rules = load_profile_source(profile)
    show_bar = not quiet and sys.stderr.isatty()
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if not show_bar or total == 0:
            return
        if bar is None:
            bar = click.progressbar(
                length=total, file=sys.stderr, label=CONSOLIDATE_MESSAGES["progress"], show_pos=True
            )
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        report = consolidation.consolidate(
            paths,
            output,
            profile=rules,
            goals=goal_paths,
            jobs=jobs,
            time_limit=timeout,
            csv_dir=csv_dir,
            progress=progress,
            force=force,
            manifest=manifest,
        )
    except SheetperfError as exc:
        fail(str(exc))
        sys.exit(EXIT_BAD_INPUT)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for message in report.goal_problems:
        click.echo(message, err=True)
    for path, reason in report.failed:
        click.echo(escaped(f"{path}：{reason}"), err=True)
    if not quiet:
        sep = CLI_MESSAGES["findings_count_sep"]
        statuses = sep.join(
            f"{label} {report.statuses[key]}" for key, label in FILE_STATUS_LABELS.items() if report.statuses[key]
        )
        findings = severity_counts(report.severities)
        click.echo(
            CONSOLIDATE_MESSAGES["summary_line"].format(
                files=report.files, statuses=statuses or "—", projects=report.projects, findings=findings
            )
            + (f"；{RESUBMISSION_MESSAGES['line'].format(count=report.resubmitted)}" if report.resubmitted else "")
        )
        if report.missing is not None:
            click.echo(
                CONSOLIDATE_MESSAGES["missing_line"].format(
                    missing=len(report.missing), unknown=report.not_in_manifest, sheet=SUMMARY_SHEETS["missing"]
                )
            )
        for written in report.outputs:
            click.echo(CONSOLIDATE_MESSAGES["written"].format(path=shown(written)))
    if strict and (report.failed or report.errors):
        sys.exit(EXIT_FINDINGS)


@main.command(help=COMMAND_HELP["read"])
@files_argument
@click.option("--json", "as_json", is_flag=True, help=HELP["read_json"])
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=HELP["read_csv"],
)
@auto_profile_option
def read(files: tuple[Path, ...], as_json: bool, csv_dir: Path | None, profile: str) -> None:
    """Every form of the workbooks, as records."""
    from sheetperf.io.frames import to_frames, write_csv
    from sheetperf.io.reader import read_workbook_report
    from sheetperf.io.sources import walk_inputs
    from sheetperf.model.memo import BatchCache
    from sheetperf.model.record import load_records_json, record_to_dict
    from sheetperf.vocab.labels import FORM_TITLES, FRAME_COLUMN_LABELS, SEVERITY_LABELS
    from sheetperf.vocab.text import text_table

    rules = load_profile_source(profile)
    if csv_dir is not None:
        outputs_allowed(files, [], False)
    records: list[Record] = []
    failed = 0
    cache = BatchCache()
    found = walk_inputs(files)
    inputs, skipped = found.files, found.skipped
    for skipped_path, reason in skipped:
        click.echo(READER_MESSAGES["skipped_file"].format(path=shown(skipped_path), reason=reason), err=True)
    for failed_path, reason in found.failed:
        fail(f"{shown(failed_path)}: {reason}")
        failed += 1
    for path in inputs:
        try:
            if path.suffix.lower() == ".json":
                loaded, notices = load_records_json(path), []
            else:
                report = read_workbook_report(path, cache)
                loaded, notices = report.records, report.notices
        except SheetperfError as exc:
            fail(str(exc))
            failed += 1
            continue
        except OSError as exc:
            fail(f"{shown(str(path))}: {READER_MESSAGES['unreadable'].format(detail=os_reason(exc))}")
            failed += 1
            continue
        for notice in notices:
            click.echo(f"{SEVERITY_LABELS['notice']}：{shown(path)}: {notice}", err=True)
        records.extend(loaded)
    if as_json:
        click.echo(
            mend_surrogates(
                json.dumps([record_to_dict(r, provenance=True) for r in records], ensure_ascii=False, indent=2)
            )
        )
    if csv_dir is not None:
        with exit_on_bad_input():
            csv_files = write_csv(to_frames(records), csv_dir)
        for written in csv_files:
            click.echo(str(written), err=as_json)
    if not as_json and csv_dir is None and records:
        h = FRAME_COLUMN_LABELS
        rows = [
            [
                r.provenance.file or "",
                r.provenance.sheet or "",
                FORM_TITLES.get(r.form, r.form),
                r.project_name,
                len(r.indicators),
                "" if not isinstance(r, SelfEvaluation) or r.total_score is None else f"{r.total_score:.2f}",
                r.grade or "" if isinstance(r, SelfEvaluation) else "",
                resolve(rules, r).profile.name if isinstance(r, SelfEvaluation) else "",
            ]
            for r in records
        ]
        headers = [
            h["file"],
            h["sheet"],
            h["form"],
            h["project_name"],
            h["indicator_count"],
            h["total_score"],
            h["grade"],
            h["profile"],
        ]
        click.echo(text_table(headers, rows, right=(4, 5)))
    if not as_json:
        click.echo(
            READER_MESSAGES["read_summary"].format(forms=len(records), files=len(inputs) + len(found.failed) - failed),
            err=True,
        )
    if skipped:
        click.echo(READER_MESSAGES["skipped_files"].format(count=len(skipped)), err=True)
    if failed:
        click.echo(READER_MESSAGES["failed_files"].format(count=failed), err=True)
        sys.exit(EXIT_BAD_INPUT)


@main.group(invoke_without_command=True, help=COMMAND_HELP["profiles"])
@click.pass_context
def profiles(ctx: click.Context) -> None:
    """The shipped rules profiles; ``profiles show`` prints one."""
    if ctx.invoked_subcommand is not None:
        return
    from sheetperf.rules.profiles import available_profiles
    from sheetperf.vocab.labels import PROFILE_LABELS, PROFILE_VALUES
    from sheetperf.vocab.text import text_table

    rows = []
    for name in available_profiles():
        rules = load_profile(name)
        rows.append([name, rules.title + (PROFILE_VALUES["default_mark"] if name == DEFAULT_PROFILE else "")])
    click.echo(PROFILE_VALUES["listing_title"])
    click.echo(text_table([PROFILE_LABELS["name"], PROFILE_LABELS["title"]], rows))


@profiles.command("show", help=COMMAND_HELP["profiles_show"])
@click.argument("profile")
def profiles_show(profile: str) -> None:
    """Every setting of one rules profile."""
    from sheetperf.cli.views import profile_text

    click.echo(profile_text(load_profile(profile)))
