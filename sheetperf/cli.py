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
from sheetperf.model import Record, SelfEvaluation
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

    def records(self, paths: Sequence[Path]) -> Iterator[tuple[Path, Record]]:
        from sheetperf.sources import load_records

        for path in paths:
            try:
                loaded = load_records(path)
            except SheetperfError as exc:
                fail(str(exc))
                self.failed.append(path)
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


@main.command()
@files_argument
@profile_option
@json_option
def validate(files: tuple[Path, ...], profile: str, as_json: bool) -> None:
    """把每张表的填报数字与重新计算的结果逐项核对，指出出错的单元格。

    退出码：0 没有错误；1 有错误；2 有文件无法使用。

    \b
    示例：
        sheetperf validate samples/*.xlsx
        sheetperf validate form.xlsx --profile national --json
    """
    from sheetperf.validation import has_errors, validate_record
    from sheetperf.views import findings_summary, findings_table

    rules = load_profile(profile)
    tracker = InputTracker()
    findings = []
    for path, record in tracker.records(files):
        found = validate_record(record, rules, file=str(path))
        findings.extend(found)
        if not as_json:
            title = f"{path}：{record.project_name}"
            body = findings_table(found) if found else CLI_MESSAGES["no_findings"]
            click.echo(f"{title}\n{body}\n")
    if as_json:
        click.echo(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        click.echo(CLI_MESSAGES["findings_summary"].format(summary=findings_summary(findings)))
    if tracker.failed:
        sys.exit(EXIT_BAD_INPUT)
    if has_errors(findings):
        sys.exit(EXIT_FINDINGS)
