"""Command-line interface: a thin click layer over the library."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from sheetperf import __version__
from sheetperf.errors import SheetperfError
from sheetperf.labels import CLI_MESSAGES
from sheetperf.model import GoalTable, Record, SelfEvaluation
from sheetperf.profiles import DEFAULT_PROFILE, Profile, get_profile

#: Exit codes: 1 an error a user can fix in the forms, 2 input that can't be used.
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheetperf")
def main() -> None:
    """sheetperf：财政项目支出绩效自评表与绩效目标表的 Excel 生成、读取、校验与汇总。"""


def fail(message: str) -> None:
    """Print a one-line error to stderr (the caller decides the exit code)."""
    click.echo(f"{CLI_MESSAGES['error_prefix']}：{message}", err=True)


def load_profile(name: str) -> Profile:
    try:
        return get_profile(name)
    except SheetperfError as exc:
        fail(str(exc))
        sys.exit(EXIT_BAD_INPUT)


class InputTracker:
    """Loads each input file, reporting the ones that can't be used and going on."""

    def __init__(self) -> None:
        self.failed: list[Path] = []
        self.reasons: dict[Path, str] = {}

    def records(self, paths: Sequence[Path]) -> Iterator[tuple[Path, Record]]:
        from sheetperf.sources import load_records

        for path in paths:
            try:
                loaded = load_records(path)
            except SheetperfError as exc:
                fail(str(exc))
                self.failed.append(path)
                self.reasons[path] = str(exc).removeprefix(f"{path}: ")
                continue
            for record in loaded:
                yield path, record


profile_option = click.option(
    "--profile",
    default=DEFAULT_PROFILE,
    show_default=True,
    help="评分规则配置：national、shanghai、sichuan、guangxi，或 .toml 文件路径。",
)
json_option = click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
files_argument = click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))


@main.command()
@files_argument
@profile_option
@json_option
def score(files: tuple[Path, ...], profile: str, as_json: bool) -> None:
    """重新计算每张自评表的执行率、各项得分、总分和评分等级。

    FILE 为记录 JSON 或工作簿。

    \b
    示例：
        sheetperf score samples/records/self_evaluation-2023-jiaoliu-tuiguang.json
        sheetperf score samples/*.xlsx --json
    """
    from sheetperf.scoring import score_form
    from sheetperf.views import score_table

    rules = load_profile(profile)
    tracker = InputTracker()
    results = []
    for path, record in tracker.records(files):
        if not isinstance(record, SelfEvaluation):
            click.echo(f"{path}：{record.project_name}：{CLI_MESSAGES['goal_table_not_scored']}", err=True)
            continue
        result = score_form(record, rules)
        results.append(result.to_dict())
        if not as_json:
            click.echo(f"{path}\n{score_table(result)}\n")
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    if tracker.failed:
        sys.exit(EXIT_BAD_INPUT)


def expand_inputs(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a folder stands for the forms in it (recursively, Office lock files skipped)."""
    from sheetperf.sources import JSON_SUFFIXES, WORKBOOK_SUFFIXES

    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in JSON_SUFFIXES | WORKBOOK_SUFFIXES and not p.name.startswith("~$")
            )
            out.extend(found)
        else:
            out.append(path)
    return out


def load_goal_tables(paths: Sequence[Path], tracker: InputTracker) -> list[GoalTable]:
    from sheetperf.labels import ANNOTATE_MESSAGES

    goals: list[GoalTable] = []
    for path, record in tracker.records(expand_inputs(paths)):
        if isinstance(record, GoalTable):
            goals.append(record)
        else:
            click.echo(ANNOTATE_MESSAGES["goals_not_goal_table"].format(path=path, name=record.project_name), err=True)
    return goals


@main.command()
@files_argument
@profile_option
@json_option
@click.option(
    "--goals",
    "goal_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="绩效目标表（工作簿、记录 JSON 或文件夹；可重复）：逐项核对自评表的指标和目标值是否与之一致。",
)
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), help="写出 HTML 校验报告（单个文件，可离线打开）。")
@click.option(
    "--annotate",
    "annotate_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="把每个工作簿的批注副本写入该文件夹：出错单元格标色并附批注；原文件不动。",
)
def validate(
    files: tuple[Path, ...],
    profile: str,
    as_json: bool,
    goal_paths: tuple[Path, ...],
    html_path: Path | None,
    annotate_dir: Path | None,
) -> None:
    """把每张表的填报数字与重新计算的结果逐项核对，指出出错的单元格。

    FILE 为工作簿、记录 JSON 或文件夹。退出码：0 没有错误；1 有错误；2 有文件无法使用。

    \b
    示例：
        sheetperf validate samples/*.xlsx
        sheetperf validate form.xlsx --profile national --json
        sheetperf validate returned/ --goals goals/ --html report.html --annotate checked/
    """
    from sheetperf.labels import ANNOTATE_MESSAGES
    from sheetperf.validation import SEVERITY_ORDER, has_errors, validate_against_goals, validate_record
    from sheetperf.views import findings_summary, findings_table

    rules = load_profile(profile)
    tracker = InputTracker()
    goal_tables = load_goal_tables(goal_paths, tracker) if goal_paths else []
    if goal_paths and not goal_tables and not tracker.failed:
        fail(ANNOTATE_MESSAGES["goals_none"])
        sys.exit(EXIT_BAD_INPUT)
    findings = []
    entries = []
    inputs = expand_inputs(files)
    for path, record in tracker.records(inputs):
        found = validate_record(record, rules, file=str(path))
        if goal_paths and isinstance(record, SelfEvaluation):
            found = sorted([*found, *validate_against_goals(record, goal_tables, file=str(path))], key=lambda f: SEVERITY_ORDER[f.severity])
        findings.extend(found)
        if html_path is not None:
            from sheetperf.report import FormEntry

            entries.append(FormEntry.of(record, found, str(path)))
        if not as_json:
            title = f"{path}：{record.project_name}"
            body = findings_table(found) if found else CLI_MESSAGES["no_findings"]
            click.echo(f"{title}\n{body}\n")
    if as_json:
        click.echo(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        click.echo(CLI_MESSAGES["findings_summary"].format(summary=findings_summary(findings)))
    if html_path is not None:
        from sheetperf.report import write_html

        failed = [(str(p), tracker.reasons.get(p, "")) for p in tracker.failed]
        try:
            write_html(html_path, entries, failed=failed, profile_title=rules.title)
        except OSError as exc:
            fail(ANNOTATE_MESSAGES["cannot_write"].format(path=html_path, detail=exc.strerror))
            sys.exit(EXIT_BAD_INPUT)
        click.echo(ANNOTATE_MESSAGES["html_written"].format(path=html_path), err=True)
    if annotate_dir is not None:
        from sheetperf.annotate import annotate_files

        readable = [p for p in inputs if p not in tracker.failed]
        try:
            results = annotate_files(findings, annotate_dir, sources=readable)
        except (OSError, SheetperfError) as exc:
            fail(ANNOTATE_MESSAGES["cannot_write"].format(path=annotate_dir, detail=getattr(exc, "strerror", None) or exc))
            sys.exit(EXIT_BAD_INPUT)
        for done in results:
            if done.output is None:
                click.echo(f"{done.source}：{done.skipped}", err=True)
            else:
                click.echo(ANNOTATE_MESSAGES["written"].format(path=done.output, cells=done.cells), err=True)
    if tracker.failed:
        sys.exit(EXIT_BAD_INPUT)
    if has_errors(findings):
        sys.exit(EXIT_FINDINGS)
