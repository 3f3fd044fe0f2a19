from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import CASES_DIR, load_case
from sheetperf.model import record_from_dict
from sheetperf.profiles import get_profile
from sheetperf.validation import FINDING_COLUMNS, findings_frame, has_errors, validate_record

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
    ("weight-times-percentage", JIAOLIU, _both(_set("indicators[1].score", 19.6), _set("indicators[1].deviation", "按完成比例计分")), "indicators[1].score", "indicator_score"),
    ("wrong-total", HETONG, _set("total_score", 97.24), "total_score", "total_score"),
    ("wrong-grade", HETONG, _set("grade", "良"), "grade", "grade"),
    ("missing-deviation", HETONG, _set("indicators[0].deviation", ""), "indicators[0].deviation", "deviation_missing"),
    ("qualitative-outside-band", HETONG, _set("indicators[9].score", 4), "indicators[9].score", "qualitative_band"),
    ("partial-given-full-marks", JIAOLIU, _both(_set("indicators[2].actual", "部分达成指标并具有一定效果"), _set("indicators[2].deviation", "延期")), "indicators[2].score", "qualitative_band"),
    ("reverse-missed-full-marks", HETONG, _set("indicators[4].actual", "8.00(%)"), "indicators[4].score", "indicator_score"),
    ("weights-not-100", JIAOLIU, _set("indicators[0].weight", 25), "total_weight", "weight_total"),
    ("execution-rate-mismatch", HETONG, _set("funds.total.executed", 60.0), "funds.total.execution_rate", "execution_rate"),
    ("budget-score-mismatch", HETONG, _set("funds.total.score", 10.0), "funds.total.score", "budget_score"),
    ("funds-total-not-sum", JIAOLIU, _set("funds.total.annual_budget", 0.0), "funds.total.annual_budget", "funds_sum"),
    ("actual-written-as-word", JIAOLIU, _set("indicators[0].actual", "完成"), "indicators[0].actual", "actual_is_word"),
    ("score-over-weight", JIAOLIU, _set("indicators[1].score", 25), "indicators[1].score", "score_over_weight"),
    ("missing-project-name", JIAOLIU, _set("project_name", " "), "project_name", "required_field"),
]


@pytest.mark.parametrize(("name", "case", "mutate", "field", "rule"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_planted_mistake_is_an_error_on_its_field(name: str, case: str, mutate: Mutation, field: str, rule: str) -> None:
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
