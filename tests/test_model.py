from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import load_case
from sheetperf.errors import InputError
from sheetperf.model.record import GoalTable, SelfEvaluation, load_records_json, record_from_dict, record_to_dict


def test_case_round_trip_is_lossless(case_path: Path) -> None:
    data = load_case(case_path)
    record = record_from_dict(data)
    dumped = record_to_dict(record)
    assert dumped == data
    # Same key order and number types: the JSON text is the same.
    assert json.dumps(dumped, ensure_ascii=False) == json.dumps(data, ensure_ascii=False)


def test_case_types(case_path: Path) -> None:
    record = load_records_json(case_path)[0]
    assert isinstance(record, (SelfEvaluation, GoalTable))
    assert record.provenance.file == str(case_path)
    assert record.indicators


def test_unknown_keys_are_kept() -> None:
    data = {
        "form": "self_evaluation",
        "year": 2024,
        "project_name": "x",
        "region": "四川",
        "indicators": [{"name": "a", "unit": "人"}],
    }
    dumped = record_to_dict(record_from_dict(data))
    assert dumped["region"] == "四川"
    assert dumped["indicators"][0]["unit"] == "人"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"form": "report"}, "未知的表单类型"),
        ({"form": "self_evaluation", "total_score": "九十"}, "total_score"),
        ([1, 2], "JSON 对象"),
    ],
    ids=["unknown-form", "text-number", "not-object"],
)
def test_bad_records(data: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        record_from_dict(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [("{", "JSON 格式错误"), (b"\xff\xfe\x00", "UTF-8"), ('[{"form": "x"}]', "第 1 条记录")],
    ids=["truncated", "binary", "bad-item"],
)
def test_bad_json_files(tmp_path: Path, content: str | bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        load_records_json(path)
    assert str(path) in str(info.value)


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
amounts = st.one_of(st.none(), st.integers(0, 10**6), st.floats(0, 1e6, allow_nan=False).map(lambda x: round(x, 2)))
indicator = st.fixed_dictionaries(
    {
        "level1": texts,
        "level2": texts,
        "name": texts,
        "target": texts,
        "actual": texts,
        "weight": st.integers(0, 100),
        "score": st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 2)),
        "deviation": texts,
    }
)
fund_row = st.fixed_dictionaries(
    {"initial_budget": amounts, "annual_budget": amounts, "executed": amounts, "execution_rate": amounts}
)
self_evaluations = st.fixed_dictionaries(
    {
        "form": st.just("self_evaluation"),
        "year": st.integers(2000, 2100),
        "department": texts,
        "implementing_unit": texts,
        "slug": texts,
        "project_name": texts,
        "funds": st.fixed_dictionaries(
            {
                "total": fund_row.map(lambda r: {**r, "weight": 10.0, "score": 9.5}),
                "current_year_appropriation": fund_row,
                "carryover": fund_row,
                "other": fund_row,
            }
        ),
        "goal_expected": texts,
        "goal_actual": texts,
        "indicators": st.lists(indicator, max_size=8),
        "total_weight": amounts,
        "total_score": amounts,
        "grade": st.sampled_from(["优", "良", "中", "差"]),
    }
)
goal_tables = st.fixed_dictionaries(
    {
        "form": st.just("goal_table"),
        "slug": texts,
        "year": st.integers(2000, 2100),
        "applicant_unit": texts,
        "project_name": texts,
        "project_category": texts,
        "planned_start": texts,
        "planned_end": texts,
        "government_procurement": st.sampled_from(["是", "否"]),
        "performance_type": texts,
        "budget_yuan": st.fixed_dictionaries(
            {
                k: st.integers(0, 10**9)
                for k in (
                    "project_total",
                    "current_year",
                    "prior_year_same_project",
                    "prior_year_same_project_executed",
                )
            }
        ),
        "texts": st.fixed_dictionaries(
            {k: texts for k in ("overview", "basis", "necessity", "safeguards", "implementation_plan", "objectives")}
        ),
        "indicators": st.lists(
            st.fixed_dictionaries({"level1": texts, "level2": texts, "name": texts, "target": texts}), max_size=8
        ),
    }
)


@settings(max_examples=150)
@given(st.one_of(self_evaluations, goal_tables))
def test_generated_record_round_trip(data: dict[str, Any]) -> None:
    dumped = record_to_dict(record_from_dict(data))
    assert dumped == data
    assert json.loads(json.dumps(dumped)) == json.loads(json.dumps(data))
