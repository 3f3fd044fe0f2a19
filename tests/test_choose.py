"""--profile auto: the profile a form states (``sheetperf.rules.choose``), and the commands that name it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import regional
from click.testing import CliRunner

from conftest import SELF_EVALUATION_PATHS
from sheetperf.cli import main
from sheetperf.io.reader import read_workbook
from sheetperf.model.record import SelfEvaluation, load_records_json
from sheetperf.rules.choose import AutoProfile, ProfileChoice, printed_bands, resolve, stated_rules
from sheetperf.rules.profiles import available_profiles, get_profile

TWENTY_POINT = [p for p in available_profiles() if get_profile(p).budget_weight == 20]


def test_printed_bands_are_read_from_the_note() -> None:
    note = "3.定性指标计分原则：…分别按照该指标对应分值区间100%-80%（≥80%）、80%-50%（≥50%，<80%）、50%-0%（<50%）合理确定分值。"
    assert printed_bands([note]) == (Decimal(80), Decimal(50), Decimal(0))
    assert printed_bands(["备注：预算数为调整后财政资金总额"]) is None


def test_a_ten_point_form_gets_the_default(tmp_path: Path) -> None:
    built = regional.build("lijiang", tmp_path)
    [record] = read_workbook(built.path)
    choice = AutoProfile().choose(record)
    assert choice.profile.name == "shanghai"
    assert choice.automatic
    assert choice.reason == "与表中所列规则一致（预算执行 10 分）"


def test_a_record_that_states_nothing_gets_the_default() -> None:
    [record] = load_records_json(SELF_EVALUATION_PATHS[0])
    record.funds.total.weight = None
    choice = AutoProfile(default=get_profile("national")).choose(record)
    assert (choice.profile.name, choice.reason) == ("national", "表中未列出评分规则，按默认规则配置")


def test_a_twenty_point_form_states_its_family(tmp_path: Path) -> None:
    built = regional.build("wuhan_changjiang_jinbu", tmp_path)
    [record] = read_workbook(built.path)
    stated = stated_rules(record)
    assert stated.budget_weight == 20
    assert stated.indicator_weight == 80
    assert stated.band_lows == (Decimal(80), Decimal(50), Decimal(0))
    choice = AutoProfile().choose(record)
    if TWENTY_POINT:
        assert choice.profile.budget_weight == 20
        assert "预算执行 20 分" in choice.reason
    else:  # no 20-point profile shipped: the default, and the reason says so
        assert choice.profile.name == "shanghai"
        assert "没有与表中所列规则" in choice.reason


def test_a_template_names_its_own_profile() -> None:
    [record] = read_workbook(Path(__file__).parent.parent / "samples" / "self_evaluation-2023-jiaoyi-zhishu.xlsx")
    assert record.provenance.evidence.template is not None
    choice = AutoProfile().choose(record)
    assert choice.profile.name == record.provenance.evidence.template.profile


def test_a_given_profile_is_named_as_given() -> None:
    [record] = load_records_json(SELF_EVALUATION_PATHS[0])
    choice = resolve(get_profile("national"), record)
    assert choice == ProfileChoice(get_profile("national"), "按 --profile 选项（未给出时为默认规则配置）")
    assert choice.describe() == "规则配置 national（全国通用）：按 --profile 选项（未给出时为默认规则配置）"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_validate_names_the_profile_of_every_form(runner: CliRunner, tmp_path: Path) -> None:
    lijiang = regional.build("lijiang", tmp_path).path
    result = runner.invoke(main, ["validate", "--profile", "auto", str(lijiang), str(SELF_EVALUATION_PATHS[0])])
    assert result.exit_code == 0, result.output
    assert result.output.count("规则配置 shanghai（上海市）") == 2
    result = runner.invoke(main, ["validate", "--json", "--profile", "national", str(lijiang)])
    findings = json.loads(result.stdout)
    assert findings and {f["profile"] for f in findings} == {"national"}


def test_validate_html_names_the_profile(runner: CliRunner, tmp_path: Path) -> None:
    built = regional.build("wuhan_changjiang_jinbu", tmp_path)
    report = tmp_path / "report.html"
    runner.invoke(main, ["validate", "--profile", "auto", str(built.path), "--html", str(report)])
    page = report.read_text(encoding="utf-8")
    assert "规则配置 " in page and "预算执行 20 分" in page


def test_read_table_names_the_profile(runner: CliRunner, tmp_path: Path) -> None:
    built = regional.build("national", tmp_path)
    result = runner.invoke(main, ["read", str(built.path)])
    assert result.exit_code == 0, result.output
    assert "规则配置" in result.output and "shanghai" in result.output


def test_an_unknown_profile_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", "--profile", "nowhere", str(SELF_EVALUATION_PATHS[0])])
    assert result.exit_code == 2
    assert "未知的规则配置" in result.stderr


def test_the_records_choose_independently() -> None:
    records = [r for p in SELF_EVALUATION_PATHS for r in load_records_json(p)]
    assert all(isinstance(r, SelfEvaluation) for r in records)
    assert {AutoProfile().choose(r).profile.name for r in records} == {"shanghai"}
