"""The template writer: cells, guard rails, metadata, determinism, and the template command."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import CASES_DIR, SELF_EVALUATION_PATHS
from sheetperf.cli import main
from sheetperf.errors import InputError
from sheetperf.layout import LAYOUT_VERSION, fingerprint, get_layout
from sheetperf.model import GoalTable, SelfEvaluation, load_records_json
from sheetperf.writer import META_SHEET, goal_to_self_evaluation, locked_groups, text_height, write_template

GOAL_PATH = CASES_DIR / "goal_table-2020-neihan-jianshe.json"
HETONG = CASES_DIR / "self_evaluation-2023-hetong-dengji-guanlifei.json"


def meta(path: Path) -> dict[str, Any]:
    book = openpyxl.load_workbook(path)
    sheet = book[META_SHEET]
    assert sheet.sheet_state == "veryHidden"
    return {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(1, sheet.max_row + 1)}


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/worksheets/sheet1.xml").decode("utf-8")


@pytest.fixture(scope="module")
def prefilled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SelfEvaluation]:
    record = load_records_json(HETONG)[0]
    assert isinstance(record, SelfEvaluation)
    path = write_template(tmp_path_factory.mktemp("w") / "pre.xlsx", "self_evaluation", record=record)
    return path, record


def test_prefilled_template_holds_the_definitions_and_locks_them(prefilled: tuple[Path, SelfEvaluation]) -> None:
    path, record = prefilled
    layout = get_layout("self_evaluation", len(record.indicators))
    sheet = openpyxl.load_workbook(path)[layout.sheet_name]
    assert sheet.protection.sheet
    assert sheet[layout.field("project_name").a1].value == record.project_name
    assert sheet[layout.field("year").a1].value == 2023
    for index, indicator in enumerate(record.indicators):
        target = sheet[layout.table.a1(index, "target")]
        assert target.value == indicator.target and target.data_type == "s"
        assert target.protection.locked
        weight = sheet[layout.table.a1(index, "weight")]
        assert weight.value == indicator.weight and weight.protection.locked
        actual = sheet[layout.table.a1(index, "actual")]
        assert actual.value is None and not actual.protection.locked
    assert not sheet[layout.field("funds.total.executed").a1].protection.locked
    # Level-1 labels are merged down their groups.
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert f"A13:A{13 + 12 - 1}" in merged  # 12 产出指标 rows


def test_text_is_never_a_formula_and_formulas_have_empty_cached_values(
    prefilled: tuple[Path, SelfEvaluation],
) -> None:
    path, _ = prefilled
    xml = sheet_xml(path)
    assert "<f>30(" not in xml and "<f>=30" not in xml  # the target =30(人次) is a shared string
    formulas = xml.count("<f>")
    assert formulas > 18 * 40
    assert xml.count("<v></v>") == formulas  # no placeholder 0
    with zipfile.ZipFile(path) as zf:
        assert "=30(人次)" in zf.read("xl/sharedStrings.xml").decode("utf-8")


def test_metadata_and_fingerprint(prefilled: tuple[Path, SelfEvaluation]) -> None:
    path, record = prefilled
    values = meta(path)
    assert values["form"] == "self_evaluation"
    assert values["layout_version"] == LAYOUT_VERSION
    assert values["profile"] == "shanghai"
    assert values["capacity"] == str(len(record.indicators))
    assert values["locked"] == "project,indicators,weights"
    assert values["fingerprint"] == fingerprint(record, ("project", "indicators", "weights"))
    book = openpyxl.load_workbook(path)
    names = set(book.defined_names)
    assert {"SP_project_name", "SP_ind_001_target", "SP_ind_018_score", "SP_meta_fingerprint"} <= names
    assert {"SP_list_level1", "SP_list_level2", "SP_list_levels"} <= names
    assert book.sheetnames[:2] == ["绩效自评表", "填表说明"]


def test_guard_rails(prefilled: tuple[Path, SelfEvaluation]) -> None:
    path, _ = prefilled
    sheet = openpyxl.load_workbook(path)["绩效自评表"]
    validations = sheet.data_validations.dataValidation
    sources = {v.formula1 for v in validations if v.type == "list"}
    assert "SP_list_levels" in sources
    assert any(v.type == "decimal" for v in validations)
    assert all(v.promptTitle for v in validations if v.type in ("decimal", "list"))
    rules = [r.formula[0] for rng in sheet.conditional_formatting for r in rng.rules]
    assert any(f.startswith("AND(TRIM(H13)") for f in rules)
    assert any("<>100" in f for f in rules)
    assert sheet.print_title_rows == "$12:$12"
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "portrait"
    assert sheet.column_dimensions["K"].hidden


def test_blank_template_has_30_input_rows(tmp_path: Path) -> None:
    path = write_template(tmp_path / "blank.xlsx", "self-evaluation")
    layout = get_layout("self_evaluation")
    sheet = openpyxl.load_workbook(path)[layout.sheet_name]
    assert layout.table.capacity == 30
    for key in ("level1", "target", "weight", "actual"):
        assert not sheet[layout.table.a1(29, key)].protection.locked
    assert sheet[layout.table.a1(29, "score")].protection.locked
    assert meta(path)["locked"] in ("", None)
    sources = {v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"}
    assert {"SP_list_level1", "SP_list_level2"} <= sources


def test_output_is_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = load_records_json(HETONG)[0]
    a = write_template(tmp_path / "a.xlsx", "self_evaluation", record=record)
    b = write_template(tmp_path / "b.xlsx", "self_evaluation", record=record)
    assert a.read_bytes() == b.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    c = write_template(tmp_path / "c.xlsx", "self_evaluation", record=record)
    assert c.read_bytes() != a.read_bytes()
    with zipfile.ZipFile(c) as zf:
        assert "2023-11-14T22:13:20Z" in zf.read("docProps/core.xml").decode()


def test_goal_table_prefills_a_self_evaluation(tmp_path: Path) -> None:
    goal = load_records_json(GOAL_PATH)[0]
    assert isinstance(goal, GoalTable)
    record = goal_to_self_evaluation(goal)
    assert len(record.indicators) == len(goal.indicators) == 71
    assert locked_groups(record) == ("project", "indicators")  # no weights in the goal table
    path = write_template(tmp_path / "se.xlsx", "self_evaluation", record=goal)
    layout = get_layout("self_evaluation", 71)
    sheet = openpyxl.load_workbook(path)[layout.sheet_name]
    assert sheet[layout.table.a1(16, "target")].value == "150-200项"
    assert not sheet[layout.table.a1(16, "weight")].protection.locked


def test_goal_table_template(tmp_path: Path) -> None:
    goal = load_records_json(GOAL_PATH)[0]
    path = write_template(tmp_path / "goal.xlsx", "goal_table", record=goal)
    layout = get_layout("goal_table", 71)
    sheet = openpyxl.load_workbook(path)[layout.sheet_name]
    assert sheet[layout.field("applicant_unit").a1].value == "上海市教育委员会科技发展中心"
    assert sheet[layout.table.a1(0, "target")].value == ">=90%"
    assert sheet[layout.field("goal_heading").a1].value.startswith("=IF(ISNUMBER(A2)")
    with pytest.raises(InputError):
        write_template(tmp_path / "x.xlsx", "goal_table", record=load_records_json(HETONG)[0])


def test_password_is_optional(tmp_path: Path) -> None:
    plain = write_template(tmp_path / "p.xlsx", "self_evaluation")
    locked = write_template(tmp_path / "l.xlsx", "self_evaluation", password="secret")
    assert "password=" not in sheet_xml(plain).split("<sheetProtection", 1)[1].split(">", 1)[0]
    assert "password=" in sheet_xml(locked).split("<sheetProtection", 1)[1].split(">", 1)[0]


@pytest.mark.parametrize(
    ("text", "width", "at_least"),
    [("", 10, 20), ("短", 10, 20), ("很" * 60, 20, 60)],
    ids=["empty", "short", "wraps"],
)
def test_row_heights_fit_text(text: str, width: float, at_least: float) -> None:
    assert text_height(text, width, minimum=20) >= at_least


@pytest.mark.parametrize("path", SELF_EVALUATION_PATHS, ids=[p.stem for p in SELF_EVALUATION_PATHS])
def test_cli_template_from_record(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    result = CliRunner().invoke(main, ["template", "self-evaluation", "--from", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert meta(out)["locked"].startswith("project,indicators")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["template", "goal-table", "--from", str(HETONG)], "绩效目标表不能由自评表生成"),
        (["template", "self-evaluation", "--year", "1800"], "年度应为"),
        (["template", "self-evaluation", "--from", "missing.json"], "文件不存在"),
        (["template", "self-evaluation", "--profile", "nowhere"], "未知的规则配置"),
    ],
    ids=["goal-from-self", "bad-year", "missing-file", "bad-profile"],
)
def test_cli_bad_input_exits_2_with_one_chinese_line(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.output


def test_cli_blank_templates(tmp_path: Path) -> None:
    for form in ("self-evaluation", "goal-table"):
        out = tmp_path / f"{form}.xlsx"
        result = CliRunner().invoke(main, ["template", form, "--year", "2024", "-o", str(out)])
        assert result.exit_code == 0, result.output
        sheet = openpyxl.load_workbook(out).worksheets[0]
        assert sheet["A2"].value == 2024
