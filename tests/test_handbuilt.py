"""Workbooks built by hand (openpyxl directly, never sheetperf's writer), one per quirk.

Each test builds the published forms (../shared/cases) the way a department copies
them from Word/PDF into Excel, with one quirk, and reads them back to the case record.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from handbuilt import Options, build_goal_table, build_self_evaluation, split_target
from openpyxl import Workbook

from conftest import GOAL_TABLE_PATHS, SELF_EVALUATION_PATHS, load_case
from sheetperf.io.reader import read_workbook, read_workbook_report
from sheetperf.model.record import record_to_dict

SELF_CASES = [load_case(p) for p in SELF_EVALUATION_PATHS]
SELF_IDS = [p.stem.removeprefix("self_evaluation-") for p in SELF_EVALUATION_PATHS]
GOAL_CASES = [load_case(p) for p in GOAL_TABLE_PATHS]
#: Not on the form: the curators' slug and note.
NOT_ON_FORM = ("slug", "note")


def expected(case: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(case)
    for key in NOT_ON_FORM:
        out.pop(key, None)
    return out


def as_read(path: Path) -> list[dict[str, Any]]:
    return [record_to_dict(r) for r in read_workbook(path)]


def save_self_evaluation(path: Path, case: dict[str, Any], opts: Options, title: str = "自评表") -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    build_self_evaluation(ws, case, opts)
    wb.save(path)
    return path


SELF_QUIRKS: dict[str, Options] = {
    "published_layout": Options(),
    "merged_level_labels": Options(levels="merged"),
    "repeated_level_labels": Options(levels="repeated"),
    "level_labels_written_once": Options(levels="once"),
    "banner_rows_offset": Options(
        row0=3, col0=3, banner_rows=("附件2", "上海市技术市场管理办公室 2023 年度项目支出绩效自评")
    ),
    "labels_with_spaces": Options(spaced_labels=True),
    "fullwidth_punctuation_labels": Options(fullwidth_labels=True),
    "numbers_as_text": Options(numbers_as_text=True),
    "fullwidth_digits": Options(fullwidth_digits=True),
    "stray_spaces": Options(numbers_as_text=True, stray_spaces=True),
    "number_formats": Options(number_formats=True),
    "rows_inserted_in_indicator_table": Options(inserted_blank_rows=True),
    "total_rows_after_gap": Options(gap_rows_before_total=2),
    "adjusted_budget_label": Options(adjusted_budget_label=True),
    "benyear_appropriation_label": Options(benyear_label=True),
    "split_target_columns": Options(split_target=True),
    "everything_at_once": Options(
        row0=5,
        col0=2,
        banner_rows=("附件",),
        levels="once",
        spaced_labels=True,
        fullwidth_labels=True,
        fullwidth_digits=True,
        number_formats=True,
        inserted_blank_rows=True,
        gap_rows_before_total=1,
    ),
}


def joined_as_written(case: dict[str, Any]) -> dict[str, Any]:
    """The record of a form whose targets are split over 指标性质 | 指标值 | 度量单位: the parts
    joined as written (``≥`` + ``98`` + ``%`` → ``≥98%``), the reader's one rule for split targets."""
    out = copy.deepcopy(case)
    for ind in out["indicators"]:
        ind["target"] = "".join(split_target(ind["target"]))
    return out


@pytest.mark.parametrize("quirk", list(SELF_QUIRKS), ids=list(SELF_QUIRKS))
@pytest.mark.parametrize("case", SELF_CASES, ids=SELF_IDS)
def test_self_evaluation_quirk_reads_back(tmp_path: Path, quirk: str, case: dict[str, Any]) -> None:
    path = save_self_evaluation(tmp_path / f"{quirk}.xlsx", case, SELF_QUIRKS[quirk])
    want = expected(case)
    assert as_read(path) == [joined_as_written(want) if SELF_QUIRKS[quirk].split_target else want]


def test_separate_reason_and_improvement_columns(tmp_path: Path) -> None:
    """原因分析 | 改进措施 in columns of their own: the reason is the deviation, the measures its ``measures``."""
    case = expected(SELF_CASES[0])
    case["indicators"][0]["deviation"] = "专家评审人次减少。\n下一年度按实际需求编制预算。"
    path = save_self_evaluation(tmp_path / "separate_deviation_columns.xlsx", case, Options(separate_deviation=True))
    want = copy.deepcopy(case)
    for ind in want["indicators"]:
        ind["deviation"], _, ind["measures"] = ind["deviation"].partition("\n")
    assert want["indicators"][0]["measures"] == "下一年度按实际需求编制预算。"
    assert as_read(path) == [want]


def test_split_target_columns_keep_qualitative_targets(tmp_path: Path) -> None:
    case = next(c for c in SELF_CASES if any(i["target"] == "第三季度" for i in c["indicators"]))
    record = read_workbook(save_self_evaluation(tmp_path / "sichuan.xlsx", case, Options(split_target=True)))[0]
    targets = [i.target for i in record.indicators]
    assert targets == [i["target"] for i in joined_as_written(case)["indicators"]]
    assert "第三季度" in targets


def test_number_formats_read_as_shown(tmp_path: Path) -> None:
    case = SELF_CASES[0]
    path = save_self_evaluation(tmp_path / "number_formats.xlsx", case, Options(number_formats=True))
    record = read_workbook(path)[0]
    assert record.indicators[0].actual == case["indicators"][0]["actual"]
    cell = record.provenance.cell_of("indicators[0].actual")
    assert cell is not None
    # the cell holds a number, the record the text the form shows
    from openpyxl import load_workbook

    ws = load_workbook(path)["自评表"]
    assert isinstance(ws[cell.cell].value, float | int)
    assert ws[cell.cell].number_format.endswith('"(%)"') or '"(' in ws[cell.cell].number_format


def test_execution_rate_stored_as_fraction_reads_as_percent(tmp_path: Path) -> None:
    case = next(c for c in SELF_CASES if c["funds"]["total"]["execution_rate"] == 99.13)
    record = read_workbook(save_self_evaluation(tmp_path / "rate.xlsx", case, Options(number_formats=True)))[0]
    assert record.funds.total.execution_rate == 99.13


def test_formula_without_cached_value_reads_as_missing_not_zero(tmp_path: Path) -> None:
    case = SELF_CASES[0]
    path = save_self_evaluation(tmp_path / "formula_without_cached_value.xlsx", case, Options(formulas="uncached"))
    report = read_workbook_report(path)
    record = report.records[0]
    assert record.funds.total.execution_rate is None
    assert record.total_weight is None and record.total_score is None
    formulas = record.provenance.evidence.formulas
    assert formulas["funds.total.execution_rate"].startswith("=IF(")
    assert formulas["total_score"].startswith("=")
    assert set(record.provenance.evidence.uncalculated) == {"funds.total.execution_rate", "total_weight", "total_score"}
    assert any("公式" in n for n in report.notices)
    # everything else is read as usual
    want = expected(case)
    got = record_to_dict(record)
    for key in ("total_weight", "total_score"):
        want.pop(key)
        got.pop(key)
    want["funds"]["total"].pop("execution_rate")
    got["funds"]["total"].pop("execution_rate")
    assert got == want


@pytest.mark.libreoffice
def test_formula_with_cached_value_keeps_both(converted: dict[str, Path]) -> None:
    """The formula workbook after LibreOffice saved it: cached results and formula texts both kept."""
    case = SELF_CASES[1]  # rates of 100%: recomputing gives the printed figures exactly
    report = read_workbook_report(converted["xlsx"] / "formulas.xlsx")
    record = report.records[0]
    assert record_to_dict(record) == expected(case)
    formulas = record.provenance.evidence.formulas
    assert formulas["funds.total.execution_rate"].startswith("=IF(")
    assert formulas["total_score"].startswith("=")
    assert not record.provenance.evidence.uncalculated
    assert not any("公式" in n for n in report.notices)


def test_xlsxwriter_placeholder_results_are_not_read_as_zero(tmp_path: Path) -> None:
    """xlsxwriter stores 0 as every formula's result and asks for a full recalculation on open."""
    path = tmp_path / "xlsxwriter_formulas.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("自评表")
    header = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    for c, h in enumerate(header):
        ws.write_string(0, c, h)
    for c, value in enumerate(["产出指标", "数量指标", "培训场次", "≥3(次)", "3.00(次)"]):
        ws.write_string(1, c, value)
    ws.write_number(1, 5, 4)
    ws.write_formula(1, 6, "=F2")  # stored with the placeholder result 0
    ws.write_string(2, 0, "总分")
    ws.write_formula(2, 6, "=SUM(G2:G2)", None, 4)  # even a stated result is stale until recalculated
    wb.close()
    record = read_workbook(path)[0]
    assert record.indicators[0].score is None
    assert record.total_score is None
    assert record.provenance.evidence.formulas == {"indicators[0].score": "=F2", "total_score": "=SUM(G2:G2)"}
    assert record.provenance.evidence.uncalculated == ["indicators[0].score", "total_score"]


def test_every_sheet_is_read_and_sheets_without_form_are_named(tmp_path: Path) -> None:
    wb = Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = "填表说明"
    notes["A1"] = "请按附件格式填写，金额单位为万元。"
    for k, case in enumerate(SELF_CASES[:3]):
        build_self_evaluation(wb.create_sheet(f"项目{k + 1}"), case, Options(row0=1 + k, col0=1 + k))
    build_goal_table(wb.create_sheet("目标表"), GOAL_CASES[0])
    wb.create_sheet("空白")
    path = tmp_path / "department.xlsx"
    wb.save(path)
    report = read_workbook_report(path)
    assert [record_to_dict(r) for r in report.records] == [expected(c) for c in (*SELF_CASES[:3], GOAL_CASES[0])]
    assert [r.provenance.sheet for r in report.records] == ["项目1", "项目2", "项目3", "目标表"]
    assert report.skipped_sheets == ["填表说明", "空白"]
    assert any("填表说明" in n for n in report.notices)


def test_several_forms_stacked_on_one_sheet(tmp_path: Path) -> None:
    """Like the published PDF: the forms one under another on a single sheet."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "汇总"
    row = 1
    for case in SELF_CASES:
        build_self_evaluation(ws, case, Options(row0=row))
        row = ws.max_row + 3
    path = tmp_path / "stacked_forms.xlsx"
    wb.save(path)
    assert as_read(path) == [expected(c) for c in SELF_CASES]


GOAL_QUIRKS: dict[str, Options] = {
    "published_layout": Options(),
    "level_labels_written_once": Options(levels="once"),
    "repeated_level_labels": Options(levels="repeated"),
    "banner_rows_offset": Options(row0=4, col0=2, banner_rows=("附件1",)),
    "labels_with_spaces": Options(spaced_labels=True),
    "budget_as_text_with_thousands_separators": Options(numbers_as_text=True),
    "rows_inserted_in_indicator_table": Options(inserted_blank_rows=True),
}


@pytest.mark.parametrize("quirk", list(GOAL_QUIRKS), ids=list(GOAL_QUIRKS))
def test_goal_table_quirk_reads_back(tmp_path: Path, quirk: str) -> None:
    case = GOAL_CASES[0]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "绩效目标表"
    build_goal_table(ws, case, GOAL_QUIRKS[quirk])
    path = tmp_path / f"goal_{quirk}.xlsx"
    wb.save(path)
    assert as_read(path) == [expected(case)]


def test_goal_table_keeps_odd_level_labels_as_written(tmp_path: Path) -> None:
    case = GOAL_CASES[0]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    build_goal_table(ws, case)
    wb.save(tmp_path / "goal.xlsx")
    record = read_workbook(tmp_path / "goal.xlsx")[0]
    assert ("质量", "时效") in {(i.level1, i.level2) for i in record.indicators}
    applicant = record.provenance.cell_of("applicant_unit")
    assert applicant is not None and applicant.cell == "A3"  # the value follows the label's colon


def test_xlsm_is_read_for_values_only(tmp_path: Path) -> None:
    source = save_self_evaluation(tmp_path / "form.xlsx", SELF_CASES[1], Options())
    target = tmp_path / "form_with_macros.xlsm"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            zout.writestr(item, data)
        zout.writestr("xl/vbaProject.bin", b'\xd0\xcf\x11\xe0 Attribute VB_Name = "Module1"\nSub AutoOpen()\nEnd Sub')
    assert as_read(target) == [expected(SELF_CASES[1])]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The published layout of every case saved as .xls and .ods by LibreOffice (one soffice run)."""
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice (soffice) is required for the .xls/.ods tests")
    folder = tmp_path_factory.mktemp("converted")
    sources = []
    for name, case in zip(SELF_IDS, SELF_CASES, strict=True):
        sources.append(save_self_evaluation(folder / f"{name}.xlsx", case, Options(levels="once")))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    build_goal_table(ws, GOAL_CASES[0])
    wb.save(folder / "goal.xlsx")
    sources.append(folder / "goal.xlsx")
    recalc = folder / "recalc_source"
    recalc.mkdir()
    save_self_evaluation(recalc / "formulas.xlsx", SELF_CASES[1], Options(formulas="uncached"))
    out: dict[str, Path] = {}
    jobs = {"xls": sources, "ods": sources, "xlsx": [recalc / "formulas.xlsx"]}
    for fmt, files in jobs.items():
        target = folder / fmt
        target.mkdir()
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{folder}/lo",
                "--convert-to",
                fmt,
                "--outdir",
                str(target),
                *map(str, files),
            ],
            check=True,
            capture_output=True,
            timeout=240,
        )
        out[fmt] = target
    return out


@pytest.mark.parametrize("fmt", ["xls", "ods"])
@pytest.mark.libreoffice
def test_xls_and_ods_read_to_the_same_records(converted: dict[str, Path], fmt: str) -> None:
    for name, case in zip(SELF_IDS, SELF_CASES, strict=True):
        report = read_workbook_report(converted[fmt] / f"{name}.{fmt}")
        assert [record_to_dict(r) for r in report.records] == [expected(case)], name
        # both formats keep number formats and the reader uses them: no notice says otherwise
        assert not any("数字格式" in n for n in report.notices), report.notices
    assert as_read(converted[fmt] / f"goal.{fmt}") == [expected(GOAL_CASES[0])]


def test_split_target_columns_with_a_qualitative_nature(tmp_path: Path) -> None:
    """Sichuan's 指标性质 | 指标值 | 度量单位: ≥ joins the number, 定性 is not part of the target."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    rows: list[list[object]] = [
        ["财政项目支出绩效自评表"],
        ["项目名称", None, "农村道路养护"],
        ["主管部门", None, "某县交通运输局", None, None, "实施单位", "某县公路所"],
        ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, "年度资金总额", 50, 50, 40, 10, 80, 8],
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "指标性质",
            "指标值",
            "度量单位",
            "实际完成值",
            "分值",
            "得分",
            "原因分析",
            "改进措施",
        ],
        ["产出指标", "数量指标", "养护里程", "≥", 100, "公里", 90, 30, 27, "部分路段延期", "加快进度"],
        ["效益指标", "社会效益指标", "群众出行便利", "定性", "明显改善", None, "达成年度指标", 20, 20, None, None],
        ["总分", None, None, None, None, None, None, 100, 95],
    ]
    for row in rows:
        ws.append(row)
    path = tmp_path / "split_target_nature.xlsx"
    wb.save(path)
    [record] = read_workbook(path)
    assert [i.target for i in record.indicators] == ["≥100公里", "明显改善"]
    assert record.indicators[0].deviation == "部分路段延期"
    assert record.indicators[0].measures == "加快进度"
