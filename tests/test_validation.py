from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from handbuilt import Options, build_goal_table, build_self_evaluation
from planting import Put, plant

from conftest import CASES_DIR, load_case
from sheetperf.checks.validation import FINDING_COLUMNS, findings_frame, has_errors, validate_record
from sheetperf.forms.layout import META_KEYS, get_layout
from sheetperf.model.a1 import to_a1
from sheetperf.model.record import record_from_dict
from sheetperf.rules.profiles import get_profile

SHANGHAI = get_profile("shanghai")
HETONG = "self_evaluation-2023-hetong-dengji-guanlifei"
JIAOLIU = "self_evaluation-2023-jiaoliu-tuiguang"
Mutation = Callable[[dict[str, Any]], None]


def test_published_forms_have_no_errors(case_path: Path) -> None:
    findings = validate_record(record_from_dict(load_case(case_path)), SHANGHAI)
    assert not has_errors(findings), [f.message for f in findings if f.severity == "error"]


def test_published_rate_from_rounded_amounts_passes() -> None:
    """67.75/68.34 gives 99.14 from the printed figures; the published 99.13 must pass."""
    case = load_case(CASES_DIR / f"{HETONG}.json")
    assert case["funds"]["total"]["execution_rate"] == 99.13
    findings = validate_record(record_from_dict(case), SHANGHAI)
    assert not [f for f in findings if f.rule == "execution_rate"]


def _set(path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.replace("]", "").replace("[", ".").split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        for m in mutations:
            m(data)

    return mutate


MISTAKES: list[tuple[str, str, Mutation, str, str]] = [
    ("inflated-quantitative-score", HETONG, _set("indicators[0].score", 4), "indicators[0].score", "indicator_score"),
    (
        "weight-times-percentage",
        JIAOLIU,
        _both(_set("indicators[1].score", 19.6), _set("indicators[1].deviation", "按完成比例计分")),
        "indicators[1].score",
        "indicator_score",
    ),
    ("wrong-total", HETONG, _set("total_score", 97.24), "total_score", "total_score"),
    ("wrong-grade", HETONG, _set("grade", "良"), "grade", "grade"),
    ("missing-deviation", HETONG, _set("indicators[0].deviation", ""), "indicators[0].deviation", "deviation_missing"),
    ("qualitative-outside-band", HETONG, _set("indicators[9].score", 4), "indicators[9].score", "qualitative_band"),
    (
        "partial-given-full-marks",
        JIAOLIU,
        _both(_set("indicators[2].actual", "部分达成指标并具有一定效果"), _set("indicators[2].deviation", "延期")),
        "indicators[2].score",
        "qualitative_band",
    ),
    (
        "reverse-missed-full-marks",
        HETONG,
        _set("indicators[4].actual", "8.00(%)"),
        "indicators[4].score",
        "indicator_score",
    ),
    ("weights-not-100", JIAOLIU, _set("indicators[0].weight", 25), "total_weight", "weight_total"),
    (
        "execution-rate-mismatch",
        HETONG,
        _set("funds.total.executed", 60.0),
        "funds.total.execution_rate",
        "execution_rate",
    ),
    ("budget-score-mismatch", HETONG, _set("funds.total.score", 10.0), "funds.total.score", "budget_score"),
    ("funds-total-not-sum", JIAOLIU, _set("funds.total.annual_budget", 0.0), "funds.total.annual_budget", "funds_sum"),
    ("actual-written-as-word", JIAOLIU, _set("indicators[0].actual", "完成"), "indicators[0].actual", "actual_is_word"),
    ("score-over-weight", JIAOLIU, _set("indicators[1].score", 25), "indicators[1].score", "score_over_weight"),
    ("missing-project-name", JIAOLIU, _set("project_name", " "), "project_name", "required_field"),
]


@pytest.mark.parametrize(("name", "case", "mutate", "field", "rule"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_planted_mistake_is_an_error_on_its_field(
    name: str, case: str, mutate: Mutation, field: str, rule: str
) -> None:
    data = copy.deepcopy(load_case(CASES_DIR / f"{case}.json"))
    mutate(data)
    findings = validate_record(record_from_dict(data), SHANGHAI)
    hits = [f for f in findings if f.field == field and f.rule == rule]
    assert hits, [(f.field, f.rule, f.message) for f in findings]
    assert hits[0].severity == "error"
    assert hits[0].message  # Chinese text for the finance officer
    assert hits[0].sheet is None and hits[0].cell is None  # a JSON record has no cells


def test_over_completion_without_reason_is_a_warning() -> None:
    data = copy.deepcopy(load_case(CASES_DIR / f"{JIAOLIU}.json"))
    data["indicators"][0]["actual"] = "2.00(场)"
    findings = validate_record(record_from_dict(data), SHANGHAI)
    hits = [f for f in findings if f.rule == "over_completion"]
    assert [(h.field, h.severity) for h in hits] == [("indicators[0].deviation", "warning")]


def test_split_other_than_guidance_is_a_notice() -> None:
    findings = validate_record(record_from_dict(load_case(CASES_DIR / f"{HETONG}.json")), SHANGHAI)
    split = [f for f in findings if f.rule == "level1_split"]
    assert split and all(f.severity == "notice" for f in split)


def test_budget_deviation_threshold_is_a_profile_setting() -> None:
    data = copy.deepcopy(load_case(CASES_DIR / f"{JIAOLIU}.json"))
    for row in ("total", "current_year_appropriation"):
        data["funds"][row].update(executed=0.8, execution_rate=80.0)
    data["funds"]["total"]["score"] = 8.0
    data["total_score"] = 98.0
    record = record_from_dict(data)
    assert not [f for f in validate_record(record, SHANGHAI) if f.rule == "budget_deviation_missing"]
    sichuan = [f for f in validate_record(record, get_profile("sichuan")) if f.rule == "budget_deviation_missing"]
    assert sichuan and sichuan[0].field == "funds.total.execution_rate"


def test_findings_frame_has_fixed_columns() -> None:
    data = copy.deepcopy(load_case(CASES_DIR / f"{HETONG}.json"))
    data["grade"] = "差"
    frame = findings_frame(validate_record(record_from_dict(data), SHANGHAI))
    assert tuple(frame.columns) == FINDING_COLUMNS
    assert "grade" in set(frame["rule"])
    empty = findings_frame([])
    assert tuple(empty.columns) == FINDING_COLUMNS and empty.empty


# --- Goal tables (issue 7) and goal drift (issue 5) ----------------------------------------

GOAL_CASE = next(CASES_DIR.glob("goal_table*.json"))


def goal_from(case: dict[str, Any]) -> dict[str, Any]:
    """The goal table a self-evaluation was set against: same project, year, unit, indicators."""
    return {
        "form": "goal_table",
        "year": case["year"],
        "applicant_unit": case["implementing_unit"],
        "project_name": case["project_name"],
        "project_category": "经常性专项业务费",
        "planned_start": f"{case['year']}-01-01",
        "planned_end": f"{case['year']}-12-31",
        "government_procurement": "否",
        "performance_type": "事业/专业类",
        "budget_yuan": {
            "project_total": 10000,
            "current_year": 10000,
            "prior_year_same_project": 0,
            "prior_year_same_project_executed": 0,
        },
        "texts": {
            key: "……" for key in ("overview", "basis", "necessity", "safeguards", "implementation_plan", "objectives")
        },
        "indicators": [{k: ind[k] for k in ("level1", "level2", "name", "target")} for ind in case["indicators"]],
    }


def test_published_goal_table_old_categories_are_notices_not_errors() -> None:
    findings = validate_record(record_from_dict(load_case(GOAL_CASE)), SHANGHAI)
    assert not has_errors(findings)
    legacy = {f.stated: f.expected for f in findings if f.rule == "legacy_category"}
    assert legacy == {
        "投入与管理": None,
        "产出目标": "产出指标",
        "效果目标": "效益指标",
        "影响力目标": "效益指标",
        "满意度": "满意度指标",
    }
    unknown = [f for f in findings if f.rule == "unknown_category"]
    assert [(f.field, f.stated, f.severity) for f in unknown] == [("indicators[38].level1", "质量", "notice")]
    compound = [f.field for f in findings if f.rule == "target_unparseable"]
    assert compound == ["indicators[12].target", "indicators[14].target", "indicators[19].target"]


GOAL_MISTAKES: list[tuple[str, Mutation, str, str, str]] = [
    (
        "no-satisfaction-indicator",
        lambda d: d.update(indicators=[i for i in d["indicators"] if i["level1"] != "满意度"]),
        "indicators",
        "goal_category_missing",
        "error",
    ),
    ("empty-target", _set("indicators[8].target", ""), "indicators[8].target", "target_missing", "error"),
    (
        "placeholder-target",
        _set("indicators[8].target", "≥**项"),
        "indicators[8].target",
        "target_placeholder",
        "error",
    ),
    ("target-without-unit", _set("indicators[8].target", "=144"), "indicators[8].target", "target_no_unit", "warning"),
    ("missing-applicant", _set("applicant_unit", ""), "applicant_unit", "required_field", "error"),
    ("missing-category", _set("project_category", ""), "project_category", "required_field", "warning"),
    ("unknown-level1", _set("indicators[0].level1", "其他指标"), "indicators[0].level1", "unknown_category", "notice"),
]


@pytest.mark.parametrize(
    ("name", "mutate", "field", "rule", "severity"), GOAL_MISTAKES, ids=[m[0] for m in GOAL_MISTAKES]
)
def test_goal_table_checks(name: str, mutate: Mutation, field: str, rule: str, severity: str) -> None:
    data = copy.deepcopy(load_case(GOAL_CASE))
    mutate(data)
    findings = validate_record(record_from_dict(data), SHANGHAI)
    hits = [(f.field, f.severity) for f in findings if f.rule == rule]
    assert (field, severity) in hits, [(f.field, f.rule) for f in findings]


def test_goal_table_in_current_names_has_no_category_notes() -> None:
    data = goal_from(load_case(CASES_DIR / f"{JIAOLIU}.json"))
    findings = validate_record(record_from_dict(data), SHANGHAI)
    assert findings == [], [f.message for f in findings]


def _drift(case: str, mutate: Mutation, on_goal: bool = False) -> list[Any]:
    from sheetperf.checks.validation import validate_goal_drift

    data = copy.deepcopy(load_case(CASES_DIR / f"{case}.json"))
    goal = goal_from(data)
    mutate(goal if on_goal else data)
    se, gt = record_from_dict(data), record_from_dict(goal)
    assert se.form == "self_evaluation" and gt.form == "goal_table"
    return validate_goal_drift(se, gt)  # type: ignore[arg-type]


def test_goal_drift_none_for_the_forms_own_goal_table(self_evaluation_path: Path) -> None:
    assert _drift(self_evaluation_path.stem, lambda d: None) == []


def test_goal_drift_same_target_other_spelling_is_no_drift() -> None:
    assert load_case(CASES_DIR / f"{HETONG}.json")["indicators"][0]["target"] == "=30(人次)"
    assert _drift(HETONG, _set("indicators[0].target", "＝ ３０ 人次"), on_goal=True) == []


DRIFT: list[tuple[str, Mutation, bool, str, str, Any, Any]] = [
    (
        "target-raised",
        _set("indicators[0].target", "=3(场)"),
        False,
        "indicators[0].target",
        "goal_target_changed",
        "=3(场)",
        None,
    ),
    (
        "operator-changed",
        _set("indicators[1].target", "≥95(%)"),
        False,
        "indicators[1].target",
        "goal_target_changed",
        "≥95(%)",
        None,
    ),
    (
        "unit-changed",
        _set("indicators[0].target", "=1(次)"),
        False,
        "indicators[0].target",
        "goal_unit_changed",
        "=1(次)",
        None,
    ),
    (
        "qualitative-reworded",
        _set("indicators[3].target", "基本完成"),
        False,
        "indicators[3].target",
        "goal_target_changed",
        "基本完成",
        None,
    ),
    (
        "indicator-renamed",
        _set("indicators[2].name", "新增的指标"),
        False,
        "indicators[2].name",
        "goal_indicator_added",
        "新增的指标",
        None,
    ),
    (
        "indicator-dropped",
        lambda d: d["indicators"].pop(3),
        False,
        "indicators",
        "goal_indicator_dropped",
        None,
        "__goal3__",
    ),
]


@pytest.mark.parametrize(
    ("name", "mutate", "on_goal", "field", "rule", "stated", "expected"), DRIFT, ids=[d[0] for d in DRIFT]
)
def test_goal_drift_is_an_error_with_both_values(
    name: str, mutate: Mutation, on_goal: bool, field: str, rule: str, stated: Any, expected: Any
) -> None:
    case = load_case(CASES_DIR / f"{JIAOLIU}.json")
    findings = _drift(JIAOLIU, mutate, on_goal)
    hits = [f for f in findings if f.rule == rule]
    assert len(hits) == 1, [(f.field, f.rule) for f in findings]
    hit = hits[0]
    assert (hit.field, hit.severity, hit.stated) == (field, "error", stated)
    index = int(field[11:].split("]")[0]) if field.startswith("indicators[") else 3
    if expected == "__goal3__":
        assert hit.expected == case["indicators"][3]["name"]
    elif rule != "goal_indicator_added":
        assert hit.expected == case["indicators"][index]["target"]
    assert case["indicators"][index]["name"] in hit.message or rule == "goal_indicator_added"


def test_goal_drift_points_at_the_self_evaluation_cells() -> None:
    from sheetperf.checks.validation import validate_goal_drift
    from sheetperf.model.record import CellRef

    data = load_case(CASES_DIR / f"{JIAOLIU}.json")
    goal = goal_from(data)
    goal["indicators"][1]["target"] = "≥99(%)"
    goal["indicators"].insert(
        1, {"level1": "产出指标", "level2": "数量指标", "name": "培训人次", "target": "=100(人次)"}
    )
    del goal["indicators"][0]
    se = record_from_dict(data)
    for i in range(len(data["indicators"])):
        se.provenance.cells[f"indicators[{i}].target"] = CellRef("自评表", f"D{13 + i}")
        se.provenance.cells[f"indicators[{i}].name"] = CellRef("自评表", f"C{13 + i}")
    findings = validate_goal_drift(se, record_from_dict(goal), file="x.xlsx")  # type: ignore[arg-type]
    located = {f.rule: (f.sheet, f.cell) for f in findings}
    assert located["goal_target_changed"] == ("自评表", "D14")
    assert located["goal_indicator_dropped"] == ("自评表", "C14")  # where the dropped row belonged
    assert located["goal_indicator_added"] == ("自评表", "C13")


def test_match_goal_table_by_name_year_and_unit() -> None:
    from sheetperf.checks.validation import match_goal_table, validate_against_goals
    from sheetperf.model.record import GoalTable, SelfEvaluation

    se = record_from_dict(load_case(CASES_DIR / f"{JIAOLIU}.json"))
    assert isinstance(se, SelfEvaluation)

    def goal(name: str, year: int | None, unit: str) -> GoalTable:
        g = record_from_dict(
            goal_from(load_case(CASES_DIR / f"{JIAOLIU}.json"))
            | {"project_name": name, "year": year, "applicant_unit": unit}
        )
        assert isinstance(g, GoalTable)
        return g

    right = goal("上海市技术合同登记管理 交流推广", 2023, se.implementing_unit)
    last_year = goal(se.project_name, 2022, se.implementing_unit)
    other_unit = goal(se.project_name, 2023, "别的单位")
    other = goal("别的项目", 2023, se.implementing_unit)
    assert match_goal_table(se, [last_year, other, right, other_unit]).goal is right
    assert match_goal_table(se, [last_year, other]).goal is None
    missing = validate_against_goals(se, [other])
    assert [(f.rule, f.severity, f.field) for f in missing] == [("goal_missing", "warning", "project_name")]
    twin = goal(se.project_name, 2023, se.implementing_unit)
    ambiguous = validate_against_goals(se, [right, twin])
    assert [f.rule for f in ambiguous] == ["goal_ambiguous"]


def test_every_rule_code_has_a_title_and_an_explanation() -> None:
    import re as _re

    from sheetperf.checks import validation
    from sheetperf.vocab import labels

    source = Path(validation.__file__).read_text(encoding="utf-8")
    codes = set(_re.findall(r'\.add\(\s*(?:f?"[^"]*"|[a-z_]+),\s*"([a-z0-9_]+)"', source))
    assert {"grade", "goal_target_changed", "target_missing"} <= codes
    assert codes <= set(labels.RULE_TITLES), codes - set(labels.RULE_TITLES)
    assert set(labels.RULE_TITLES) == set(labels.RULE_EXPLANATIONS)


def test_cli_validate_goals(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from sheetperf.cli import main

    case = load_case(CASES_DIR / f"{JIAOLIU}.json")
    goals = tmp_path / "goals"
    goals.mkdir()
    goal = goal_from(case)
    goal["indicators"][1]["target"] = "≥99(%)"
    (goals / "交流推广-目标表.json").write_text(json.dumps(goal, ensure_ascii=False), encoding="utf-8")
    (goals / "另一个项目.json").write_text(
        json.dumps(goal_from(load_case(CASES_DIR / f"{HETONG}.json")), ensure_ascii=False), encoding="utf-8"
    )
    se = CASES_DIR / f"{JIAOLIU}.json"
    runner = CliRunner()
    result = runner.invoke(main, ["validate", str(se), "--goals", str(goals), "--json"])
    assert result.exit_code == 1, result.output
    drift = [f for f in json.loads(result.stdout) if f["rule"].startswith("goal_")]
    assert [(f["rule"], f["field"], f["stated"], f["expected"]) for f in drift] == [
        ("goal_target_changed", "indicators[1].target", ">95(%)", "≥99(%)")
    ]
    # Without --goals nothing about goals; a self-evaluation given as --goals is ignored with a message.
    plain = runner.invoke(main, ["validate", str(se), "--json"])
    assert plain.exit_code == 0 and "goal_" not in plain.stdout
    only_se = runner.invoke(main, ["validate", str(se), "--goals", str(se)])
    assert only_se.exit_code == 2
    assert "不是绩效目标表" in only_se.stderr and "没有绩效目标表" in only_se.stderr
    # No goal table of this project among those given: a warning, exit 0.
    other = runner.invoke(main, ["validate", str(se), "--goals", str(goals / "另一个项目.json"), "--json"])
    assert other.exit_code == 0
    assert [f["rule"] for f in json.loads(other.stdout) if f["rule"].startswith("goal_")] == ["goal_missing"]


# --- Workbook rules: one planted mistake per rule, in a sheetperf workbook and a hand-built one ----
#
# "sheetperf": a template pre-filled from the published record (locked project, indicators,
# weights), filled by the filler with the (mutated) record's inputs; formulas uncalculated
# unless the plant needs a saved result (then LibreOffice recalculated it, all files in one
# run).  "handbuilt": openpyxl directly (tests/handbuilt.py), stated figures typed in.
# Cells are named independently of the reader: the declared layout for sheetperf workbooks,
# the published form's coordinates (DOMAIN.md) for hand-built ones.

Layout = str  # "sheetperf" | "handbuilt"
LAYOUTS: tuple[Layout, ...] = ("sheetperf", "handbuilt")
_HANDBUILT_FUND_ROWS = {"total": 6, "current_year_appropriation": 7, "carryover": 8, "other": 9}
_HANDBUILT_FUND_COLS = {
    "initial_budget": "C",
    "annual_budget": "D",
    "executed": "E",
    "weight": "F",
    "execution_rate": "G",
    "score": "H",
}
_HANDBUILT_IND_COLS = dict(
    zip(("level1", "level2", "name", "target", "actual", "weight", "score", "deviation"), "ABCDEFGH", strict=True)
)
_HANDBUILT_HEAD = {"project_name": "C3", "department": "C4", "implementing_unit": "G4"}


def cell_for(layout: Layout, case: dict[str, Any], path: str) -> str:
    """Where ``path`` lives: the declared layout (sheetperf) or the published form (hand-built)."""
    n = len(case["indicators"])
    if layout == "sheetperf":
        return to_a1(*get_layout(case["form"], n).locate(path))
    if path.startswith("indicators["):
        index, key = int(path[11 : path.index("]")]), path.split(".")[-1]
        return f"{_HANDBUILT_IND_COLS[key]}{13 + index}"
    if path.startswith("funds."):
        _, row, col = path.split(".")
        return f"{_HANDBUILT_FUND_COLS[col]}{_HANDBUILT_FUND_ROWS[row]}"
    if path in ("total_weight", "total_score"):
        return f"{'F' if path == 'total_weight' else 'G'}{13 + n}"
    if path == "grade":
        return f"C{14 + n}"
    return _HANDBUILT_HEAD[path]


def sheet_for(layout: Layout, case: dict[str, Any]) -> str:
    return (
        get_layout(case["form"]).sheet_name
        if layout == "sheetperf"
        else "自评表"
        if case["form"] == "self_evaluation"
        else "绩效目标表"
    )


def write_form(
    layout: Layout, case: dict[str, Any], original: dict[str, Any], out: Path, *, formulas: bool = False
) -> Path:
    """The workbook of ``case``; a sheetperf template is pre-filled from ``original`` (what was distributed)."""
    if layout == "sheetperf":
        from sheetperf.io.filler import fill_workbook
        from sheetperf.io.writer import write_template

        template = write_template(
            out.with_name(out.stem + "-template.xlsx"), case["form"], record=record_from_dict(original)
        )
        return fill_workbook(template, record_from_dict(case), out)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_for(layout, case)
    if case["form"] == "self_evaluation":
        build_self_evaluation(ws, case, Options(formulas="cached" if formulas else "none"))
    else:
        build_goal_table(ws, case, Options())
    wb.save(out)
    return out


@dataclasses.dataclass(frozen=True)
class Planted:
    """One mistake: how the record's inputs change, which cells are overwritten afterwards, where it must be found."""

    name: str
    rule: str
    field: str
    case: str = JIAOLIU
    mutate: Callable[[dict[str, Any]], None] | None = None
    cells: Callable[[Layout, dict[str, Any]], dict[str, Put]] | None = None
    layouts: tuple[Layout, ...] = LAYOUTS
    recalculated: bool = False  # needs saved formula results (LibreOffice)
    severity: str = "error"
    meta: dict[str, Put] | None = None  # cells of a sheetperf template's metadata sheet


def _at(path: str, put: Put) -> Callable[[Layout, dict[str, Any]], dict[str, Put]]:
    return lambda layout, case: {cell_for(layout, case, path): put}


def _typed_over_formula(path: str, value: float) -> Callable[[Layout, dict[str, Any]], dict[str, Put]]:
    """A number typed into a score cell: over the template's formula, or over the typed figure."""
    return _at(path, Put(number=value))


PLANTED: list[Planted] = [
    Planted(
        "funds-total-not-sum", "funds_sum", "funds.total.annual_budget", mutate=_set("funds.total.annual_budget", 0.0)
    ),
    Planted(
        "score-with-empty-actual",
        "score_without_inputs",
        "indicators[1].score",
        mutate=_set("indicators[1].actual", ""),
        cells=_typed_over_formula("indicators[1].score", 20),
    ),
    Planted(
        "actual-written-as-word", "actual_is_word", "indicators[0].actual", mutate=_set("indicators[0].actual", "完成")
    ),
    Planted(
        "error-value",
        "error_value",
        "indicators[1].deviation",
        cells=_at("indicators[1].deviation", Put(error="#REF!")),
    ),
    Planted(
        "missing-implementing-unit",
        "required_field",
        "implementing_unit",
        cells=_at("implementing_unit", Put(clear=True)),
    ),
    Planted(
        "missing-deviation",
        "deviation_missing",
        "indicators[0].deviation",
        case=HETONG,
        mutate=_set("indicators[0].deviation", ""),
    ),
    Planted(
        "inflated-score",
        "indicator_score",
        "indicators[0].score",
        case=HETONG,
        cells=_typed_over_formula("indicators[0].score", 4),
    ),
    Planted(
        "weight-times-percentage",
        "indicator_score",
        "indicators[1].score",
        mutate=_both(_set("indicators[1].actual", "90.00(%)"), _set("indicators[1].deviation", "参与率未达标")),
        cells=_typed_over_formula("indicators[1].score", 18),
    ),
    Planted(
        "partial-given-full-marks",
        "qualitative_band",
        "indicators[2].score",
        mutate=_both(
            _set("indicators[2].actual", "部分达成指标并具有一定效果"), _set("indicators[2].deviation", "延期")
        ),
        cells=_typed_over_formula("indicators[2].score", 10),
    ),
    Planted(
        "execution-rate",
        "execution_rate",
        "funds.total.execution_rate",
        cells=_typed_over_formula("funds.total.execution_rate", 90),
    ),
    Planted(
        "budget-score",
        "budget_score",
        "funds.total.score",
        case=HETONG,
        cells=_typed_over_formula("funds.total.score", 10),
    ),
    Planted("wrong-total", "total_score", "total_score", cells=_typed_over_formula("total_score", 90)),
    Planted("wrong-grade", "grade", "grade", cells=_at("grade", Put(text="良"))),
    Planted(
        "unknown-level2",
        "unknown_category",
        "indicators[0].level2",
        cells=_at("indicators[0].level2", Put(text="数量")),
        severity="notice",
    ),
    # Template rules: only a sheetperf workbook carries formulas, locked content and metadata to check.
    Planted(
        "formula-overwritten",
        "formula_overwritten",
        "indicators[1].score",
        cells=_typed_over_formula("indicators[1].score", 20),
        layouts=("sheetperf",),
    ),
    Planted(
        "formula-changed",
        "formula_changed",
        "indicators[1].score",
        cells=lambda layout, case: {cell_for(layout, case, "indicators[1].score"): Put(formula="=F14")},
        layouts=("sheetperf",),
    ),
    Planted(
        "locked-target-changed",
        "locked_content_changed",
        "indicators[1].target",
        cells=_at("indicators[1].target", Put(text=">90(%)")),
        layouts=("sheetperf",),
    ),
    Planted(
        "older-layout-version",
        "layout_version",
        "template.layout_version",
        meta={f"B{META_KEYS.index('layout_version') + 1}": Put(text="0")},
        layouts=("sheetperf",),
        severity="warning",
    ),
    # A saved formula result that disagrees with recomputation (the workbook was saved by a spreadsheet program).
    Planted(
        "stale-score-result",
        "cached_value",
        "indicators[1].score",
        recalculated=True,
        layouts=("sheetperf",),
        cells=lambda layout, case: {},
    ),
    Planted(
        "stale-total-result",
        "cached_value",
        "total_score",
        recalculated=True,
        layouts=("handbuilt",),
        cells=lambda layout, case: {},
    ),
]
PLANT_CASES = [
    pytest.param(p, layout, id=f"{p.name}-{layout}", marks=[pytest.mark.libreoffice] if p.recalculated else [])
    for p in PLANTED
    for layout in p.layouts
]


def _stale(layout: Layout, planted: Planted, case: dict[str, Any], recalculated: Path) -> Path:
    """Overwrite one saved formula result in a recalculated workbook, keeping its formula."""
    from sheetperf.io.reader import read_workbook

    record = read_workbook(recalculated)[0]
    a1 = cell_for(layout, case, planted.field)
    formula = record.provenance.evidence.formulas[planted.field]
    stale = plant(
        recalculated,
        recalculated.with_name(f"stale-{layout}.xlsx"),
        sheet_for(layout, case),
        {a1: Put(formula=formula, cached=19.6 if "indicators" in planted.field else 90.0)},
        trust_cache=True,
    )
    return stale


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The published forms and the bases of the stale-result plants, recalculated in one LibreOffice run."""
    from sheetperf.io.recalc import recalculate

    folder = tmp_path_factory.mktemp("recalc-in")
    sources: list[Path] = []
    for path in CASE_PATHS_ALL:
        case = load_case(path)
        sources.append(write_form("sheetperf", case, case, folder / f"sheetperf-{path.stem}.xlsx"))
    jiaoliu = load_case(CASES_DIR / f"{JIAOLIU}.json")
    sources.append(write_form("handbuilt", jiaoliu, jiaoliu, folder / "handbuilt-formulas.xlsx", formulas=True))
    outputs = recalculate(sources, tmp_path_factory.mktemp("recalc-out"))
    return {p.stem: p for p in outputs}


CASE_PATHS_ALL = sorted(CASES_DIR.glob("*.json"))


@pytest.mark.parametrize(("planted", "layout"), PLANT_CASES)
def test_planted_mistake_found_at_its_cell(
    planted: Planted, layout: Layout, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from sheetperf.io.reader import read_workbook

    original = load_case(CASES_DIR / f"{planted.case}.json")
    case = copy.deepcopy(original)
    if planted.mutate:
        planted.mutate(case)
    if planted.recalculated:
        bases: dict[str, Path] = request.getfixturevalue("recalculated")
        base = bases[f"sheetperf-{planted.case}" if layout == "sheetperf" else "handbuilt-formulas"]
        workbook = _stale(layout, planted, case, base)
    else:
        workbook = write_form(layout, case, original, tmp_path / f"{planted.name}.xlsx")
        cells = planted.cells(layout, case) if planted.cells else {}
        others = {"_sheetperf": planted.meta} if planted.meta else None
        if cells or others:
            workbook = plant(
                workbook, tmp_path / f"{planted.name}-planted.xlsx", sheet_for(layout, case), cells, sheets=others
            )
    records = read_workbook(workbook)
    assert len(records) == 1
    findings = validate_record(records[0], SHANGHAI, file=str(workbook))
    expected_cell = (
        "A1"
        if planted.field == "template.layout_version"
        else cell_for(layout, case, "project_name" if planted.field == "template.fingerprint" else planted.field)
    )
    hits = [f for f in findings if f.rule == planted.rule]
    assert hits, [(f.cell, f.rule, f.message) for f in findings]
    assert (hits[0].sheet, hits[0].cell, hits[0].severity) == (
        sheet_for(layout, case),
        expected_cell,
        planted.severity,
    ), hits[0]
    assert hits[0].message


def test_every_workbook_rule_is_planted_in_both_layouts_where_it_applies() -> None:
    planted = {(p.rule, layout) for p in PLANTED for layout in p.layouts}
    for rule in (
        "funds_sum",
        "score_without_inputs",
        "actual_is_word",
        "cached_value",
        "error_value",
        "required_field",
        "unknown_category",
    ):
        assert {(rule, "sheetperf"), (rule, "handbuilt")} <= planted, rule
    for rule in ("formula_overwritten", "formula_changed", "locked_content_changed", "layout_version"):
        assert (rule, "sheetperf") in planted, rule


@pytest.mark.parametrize("error", ["#DIV/0!", "#VALUE!", "#REF!", "#NAME?"])
def test_every_error_value_anywhere_in_the_form(error: str, tmp_path: Path) -> None:
    from sheetperf.io.reader import read_workbook

    case = load_case(CASES_DIR / f"{JIAOLIU}.json")
    base = write_form("handbuilt", case, case, tmp_path / "base.xlsx")
    # A formula cell of the funds block and a label cell that is no field of the record.
    workbook = plant(
        base,
        tmp_path / "err.xlsx",
        "自评表",
        {"G7": Put(formula="=E7/0", cached=error), "B12": Put(error=error)},
        trust_cache=True,
    )
    workbook = plant(workbook, tmp_path / "err2.xlsx", "自评表", {"G7": Put(error=error)})
    findings = validate_record(read_workbook(workbook)[0], SHANGHAI)
    found = {(f.cell, f.stated) for f in findings if f.rule == "error_value" and f.severity == "error"}
    assert found == {("G7", error), ("B12", error)}


def test_published_forms_as_sheetperf_workbooks_have_no_errors(case_path: Path, tmp_path: Path) -> None:
    from sheetperf.io.reader import read_workbook

    case = load_case(case_path)
    records = read_workbook(write_form("sheetperf", case, case, tmp_path / "form.xlsx"))
    findings = validate_record(records[0], SHANGHAI)
    assert not has_errors(findings), [(f.cell, f.rule, f.message) for f in findings if f.severity == "error"]
    assert not [f for f in findings if f.rule.startswith(("formula_", "locked_", "layout_"))]


@pytest.mark.libreoffice
def test_published_forms_recalculated_by_libreoffice_have_no_errors(recalculated: dict[str, Path]) -> None:
    """Every formula of the template is intact after LibreOffice saved it, and every result agrees."""
    from sheetperf.io.reader import read_workbook

    for path in CASE_PATHS_ALL:
        record = read_workbook(recalculated[f"sheetperf-{path.stem}"])[0]
        assert not record.provenance.evidence.uncalculated
        findings = validate_record(record, SHANGHAI)
        assert not has_errors(findings), (
            path.stem,
            [(f.cell, f.rule, f.message) for f in findings if f.severity == "error"],
        )
        if record.form == "self_evaluation":
            assert record.total_score == load_case(path)["total_score"]


@pytest.mark.parametrize(
    "options",
    [
        Options(),
        Options(levels="repeated", numbers_as_text=True),
        Options(formulas="uncached", number_formats=True),
        Options(row0=3, col0=2, banner_rows=("附件2",)),
    ],
    ids=["plain", "repeated-text-numbers", "formulas-formats", "offset-banner"],
)
def test_published_forms_hand_built_have_no_errors(case_path: Path, options: Options, tmp_path: Path) -> None:
    from sheetperf.io.reader import read_workbook

    case = load_case(case_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    (build_self_evaluation if case["form"] == "self_evaluation" else build_goal_table)(ws, case, options)
    wb.save(tmp_path / "form.xlsx")
    findings = validate_record(read_workbook(tmp_path / "form.xlsx")[0], SHANGHAI)
    assert not has_errors(findings), [(f.cell, f.rule, f.message) for f in findings if f.severity == "error"]


@pytest.mark.parametrize("goal_layout", ["sheetperf", "handbuilt"])
def test_cli_goal_drift_between_workbooks(goal_layout: Layout, tmp_path: Path) -> None:
    """A hand-built self-evaluation against a goal-table workbook: the changed target at its cell, both values."""
    import json

    from click.testing import CliRunner

    from sheetperf.cli import main

    case = load_case(CASES_DIR / f"{JIAOLIU}.json")
    goal = goal_from(case)
    goal_book = write_form(goal_layout, goal, goal, tmp_path / "goal.xlsx")
    changed = copy.deepcopy(case)
    changed["indicators"][1]["target"] = ">90(%)"
    form = write_form("handbuilt", changed, changed, tmp_path / "self.xlsx")
    result = CliRunner().invoke(main, ["validate", str(form), "--goals", str(goal_book), "--json"])
    assert result.exit_code == 1, result.output
    drift = [f for f in json.loads(result.stdout) if f["rule"].startswith("goal_")]
    assert [(f["rule"], f["cell"], f["stated"], f["expected"]) for f in drift] == [
        ("goal_target_changed", "D14", ">90(%)", ">95(%)")
    ]
    goal_cell = (
        cell_for("sheetperf", goal, "indicators[1].target") if goal_layout == "sheetperf" else "D19"
    )  # title, year, 4 header, 6 text, 4 budget rows, heading, header: row 18 is the first
    assert goal_cell in drift[0]["message"]


def test_grade_follows_a_qualitative_score_inside_its_band() -> None:
    """A partial level scored 7.90 of 10 (band 60–80%) is the evaluator's call, and so is the grade it gives."""
    data = copy.deepcopy(load_case(CASES_DIR / f"{JIAOLIU}.json"))
    # 产出 quality target missed on purpose so the total sits near the 90 line.
    data["indicators"][1].update(actual="80.75(%)", score=17.0, deviation="参与率偏低")
    data["indicators"][3].update(actual="部分达成指标并具有一定效果", score=11.9, deviation="覆盖不足")
    data["indicators"][4].update(actual="部分达成指标并具有一定效果", score=11.1, deviation="覆盖不足")
    # 90.00 with the stated judgments; the band defaults (75%) would give 89.50, a 良.
    data["total_score"] = 90.0
    data["grade"] = "优"
    findings = validate_record(record_from_dict(data), SHANGHAI)
    assert not has_errors(findings), [(f.rule, f.message) for f in findings if f.severity == "error"]
    data["grade"] = "良"
    wrong = [f for f in validate_record(record_from_dict(data), SHANGHAI) if f.rule == "grade"]
    assert [(f.stated, f.expected) for f in wrong] == [("良", "优")]
