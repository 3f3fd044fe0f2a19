"""Forms of every region read back exactly, by label and by shape (``sheetperf.io.locate`` + the reader).

The workbooks are built in the tests by ``regional.py`` (openpyxl, merged cells as people
merge them), each with the record a reader must produce; the clean ones validate without an
error under the profile they follow, and a planted mistake is an error at its cell.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import regional
from regional import PLANTS, VARIANTS, Built

from sheetperf.checks.validation import validate_record
from sheetperf.io.locate import is_template_leftover, norm, points_of, strip_points
from sheetperf.io.reader import clean_name, read_workbook
from sheetperf.model.record import record_to_dict
from sheetperf.rules.profiles import available_profiles, get_profile
from sheetperf.vocab.form_labels import FORM_LABELS

VARIANT_IDS = list(VARIANTS)
PLANTED = [(variant, kind) for variant in VARIANT_IDS for kind in PLANTS[variant]]
PLANTED_FORM = {"two_forms_one_sheet": 1}


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Built]:
    cache: dict[tuple[str, str | None], Built] = {}

    def get(variant: str, plant: str | None = None) -> Built:
        if (variant, plant) not in cache:
            folder = tmp_path_factory.mktemp(f"{variant}-{plant or 'clean'}")
            cache[(variant, plant)] = regional.build(variant, folder, plant=plant)
        return cache[(variant, plant)]

    return get


def profile_of(built: Built) -> str:
    if built.profile not in available_profiles():
        pytest.skip(f"the {built.profile} profile is not shipped yet (branch rules)")
    return built.profile


@pytest.mark.parametrize("variant", VARIANT_IDS, ids=VARIANT_IDS)
def test_regional_layout_reads_back_exactly(build: Callable[..., Built], variant: str) -> None:
    built = build(variant)
    assert [record_to_dict(r) for r in read_workbook(built.path)] == built.expected


@pytest.mark.parametrize("variant", VARIANT_IDS, ids=VARIANT_IDS)
def test_every_field_comes_from_its_cell(build: Callable[..., Built], variant: str) -> None:
    """The provenance of each field is the cell the builder wrote it to (a split target: its first part)."""
    built = build(variant)
    records = read_workbook(built.path)
    several = len(records) > 1
    checked = 0
    for key, ref in built.cells.items():
        if key in ("planted", "funds_unit") or key.endswith(".funds_unit"):
            continue
        form, path = (int(key[1]), key.split(".", 1)[1]) if several else (0, key)
        cell = records[form].provenance.cell_of(path)
        if cell is None:
            continue  # a field the reader reads beside another (both ends of 项目期限)
        first = ref.split(":")[0]
        if path.endswith(".target") and ":" in ref:
            assert cell.cell in {c for c in _span(ref)}, key
        else:
            assert cell.cell == first, key
        checked += 1
    assert checked >= 20


def _span(ref: str) -> list[str]:
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import range_boundaries

    c1, r1, c2, r2 = range_boundaries(ref)
    return [f"{get_column_letter(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def test_amounts_in_yuan_are_converted_and_the_unit_kept(build: Callable[..., Built]) -> None:
    [record] = read_workbook(build("lijiang_yuan").path)
    assert record.funds.total.executed == 7.289
    assert record.provenance.evidence.funds_unit == "元"
    [record] = read_workbook(build("lijiang").path)
    assert record.provenance.evidence.funds_unit == "万元"


def test_amounts_typed_with_their_unit_are_numbers(build: Callable[..., Built]) -> None:
    [record] = read_workbook(build("jiangxi").path)
    assert record.funds.total.annual_budget == 620.82
    assert record.provenance.evidence.amount_units["funds.total.annual_budget"] == "万元"


def test_a_split_target_self_evaluation_is_not_read_as_a_goal_table(build: Callable[..., Built]) -> None:
    """The issue's first report: a two-row header with 指标性质 | 指标值 | 度量单位 read as a goal table."""
    [record] = read_workbook(build("lijiang").path)
    assert record.form == "self_evaluation"
    assert [i.target for i in record.indicators][:4] == ["﹦72890元", "≧120个", "﹦100%", "═100%"]


def test_the_wuhan_rules_note_is_kept_as_evidence(build: Callable[..., Built]) -> None:
    [record] = read_workbook(build("wuhan_changjiang_jinbu").path)
    [note] = record.provenance.evidence.notes
    assert "100%-80%" in note and "得分=权重*B/A" in note


@pytest.mark.parametrize("variant", [v for v in VARIANT_IDS if v not in regional.NOT_CLEAN], ids=str)
def test_clean_regional_forms_validate_without_errors(build: Callable[..., Built], variant: str) -> None:
    built = build(variant)
    profile = get_profile(profile_of(built))
    findings = [f for r in read_workbook(built.path) for f in validate_record(r, profile, file=str(built.path))]
    assert [(f.rule, f.cell, f.message) for f in findings if f.severity == "error"] == []
    assert not [f for f in findings if f.rule == "score_without_inputs"]


@pytest.mark.parametrize(("variant", "plant"), PLANTED, ids=[f"{v}-{p}" for v, p in PLANTED])
def test_planted_mistake_is_an_error_at_its_cell(build: Callable[..., Built], variant: str, plant: str) -> None:
    built = build(variant, plant)
    # each form under the profile its builder names (the 20-point forms: hubei); a profile that
    # is not shipped falls back to national
    profile = get_profile(built.profile if built.profile in available_profiles() else "national")
    records = read_workbook(built.path)
    record = records[PLANTED_FORM.get(variant, 0)]
    findings = validate_record(record, profile, file=str(built.path))
    at_cell = [f for f in findings if f.severity == "error" and f.cell == built.cells["planted"]]
    assert at_cell, [(f.rule, f.cell) for f in findings if f.severity == "error"]
    # the other form of the sheet stays clean
    for k, other in enumerate(records):
        if k != PLANTED_FORM.get(variant, 0):
            assert not [f for f in validate_record(other, profile) if f.severity == "error"]


def test_the_published_wuhan_form_keeps_its_own_mistakes(build: Callable[..., Built]) -> None:
    built = build("wuhan_fuwu_maoyi_published")
    profile = get_profile(profile_of(built))
    [record] = read_workbook(built.path)
    errors = {(f.rule, f.cell) for f in validate_record(record, profile) if f.severity == "error"}
    assert errors == {("total_score", built.cells["total_score"]), ("indicator_points", built.cells["indicator_points"])}


def test_a_form_without_weights_gets_one_notice_not_nine_errors(build: Callable[..., Built]) -> None:
    built = build("wuhan_changjiang_jinbu_no_weights")
    [record] = read_workbook(built.path)
    findings = validate_record(record, get_profile("national"))
    assert [f.rule for f in findings if f.rule == "weights_not_printed"] == ["weights_not_printed"]
    assert not [f for f in findings if f.rule in ("score_without_inputs", "weight_total")]
    assert all(i.weight is None for i in record.indicators)


# --- helpers, table-tested -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "points", "name"),
    [
        ("产出指标(50分)", 50.0, "产出指标"),
        ("效益指标（30 分）", 30.0, "效益指标"),
        ("成本指标(0-20)分", (0.0, 20.0), "成本指标"),
        ("产出指标", None, "产出指标"),
        ("年度绩效目标(80分)", 80.0, "年度绩效目标"),
    ],
    ids=["points", "full-width", "range", "none", "indicators"],
)
def test_points_in_labels(text: str, points: Any, name: str) -> None:
    assert points_of(text) == points
    assert strip_points(text) == name


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("★★★农村低保发放人数(按月平均)(≥**人)", "农村低保发放人数(按月平均)"),
        ("★农村低保标准(≥**元/人·月)", "农村低保标准"),
        ("扶贫临时救助标准(<**元/户·年)——一户年最高5300元", "扶贫临时救助标准——一户年最高5300元"),
        ("★★★受益建档立卡贫困人口数≥**人", "受益建档立卡贫困人口数"),
        ("补助村(社区)数量", "补助村(社区)数量"),
    ],
    ids=["stars-placeholder", "unit-placeholder", "reverse-placeholder", "bare-placeholder", "untouched"],
)
def test_template_marks_leave_indicator_names(name: str, clean: str) -> None:
    assert clean_name(name) == clean


@pytest.mark.parametrize(
    ("text", "leftover"),
    [("指标1:", True), ("指标2：", True), ("……", True), ("...", True), ("指标名称", False), ("质量指标", False)],
)
def test_template_leftovers(text: str, leftover: bool) -> None:
    assert is_template_leftover(text) is leftover


def test_label_spellings_of_the_provinces_are_one_table() -> None:
    """The reader's LABELS is the vocabulary's table; the issue's labels are all in it."""
    from sheetperf.io import locate

    assert locate.LABELS is FORM_LABELS
    keys = {norm(s) for fields in FORM_LABELS.values() for spellings in fields.values() for s in spellings}
    for label in ("实施单位(盖章)", "权重", "完成值", "调整后预算数", "财政专户管理资金", "年初设定目标", "实施单位名称", "指标名称"):
        assert norm(label) in keys, label


def test_several_forms_on_one_sheet_are_two_records(build: Callable[..., Built], tmp_path: Path) -> None:
    built = build("two_forms_one_sheet")
    records = read_workbook(built.path)
    assert [r.grade for r in records] == ["优", "良"]
    assert records[1].provenance.cell_of("project_name") is not None
