"""to_frames: typed columns, one row per form / per indicator, parsed targets and actuals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from handbuilt import build_goal_table, build_self_evaluation
from openpyxl import Workbook

from conftest import CASE_PATHS, load_case
from sheetperf.io.csvcells import neutralize
from sheetperf.io.frames import INDICATOR_COLUMNS, PROJECT_COLUMNS, chinese_columns, to_frames
from sheetperf.io.reader import read_workbook
from sheetperf.model.record import Record, record_from_dict
from sheetperf.vocab.labels import FRAME_COLUMN_LABELS

CASES = [load_case(p) for p in CASE_PATHS]


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[Record]:
    """All seven published forms, read back from one hand-built workbook."""
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    for k, case in enumerate(CASES):
        ws = wb.create_sheet(f"表{k + 1}")
        (build_self_evaluation if case["form"] == "self_evaluation" else build_goal_table)(ws, case)
    path = tmp_path_factory.mktemp("frames") / "all.xlsx"
    wb.save(path)
    return read_workbook(path)


def test_one_row_per_form_and_per_indicator(records: list[Record]) -> None:
    frames = to_frames(records)
    projects, indicators = frames["projects"], frames["indicators"]
    assert list(projects["project_name"]) == [c["project_name"] for c in CASES]
    assert len(indicators) == sum(len(c["indicators"]) for c in CASES)
    counts = indicators.groupby("form_id").size().to_dict()
    assert counts == {k: len(c["indicators"]) for k, c in enumerate(CASES)}
    assert list(projects["indicator_count"]) == [len(c["indicators"]) for c in CASES]
    # every indicator is keyed to its form: file, sheet and form id agree
    merged = indicators.merge(projects[["form_id", "sheet"]], on="form_id", suffixes=("", "_form"))
    assert (merged["sheet"] == merged["sheet_form"]).all()


def test_columns_and_dtypes_are_fixed(records: list[Record]) -> None:
    frames = to_frames(records)
    assert dict(frames["projects"].dtypes.astype(str)) == PROJECT_COLUMNS
    assert dict(frames["indicators"].dtypes.astype(str)) == INDICATOR_COLUMNS
    empty = to_frames([])
    assert list(empty["projects"].columns) == list(PROJECT_COLUMNS)
    assert dict(empty["indicators"].dtypes.astype(str)) == INDICATOR_COLUMNS


def test_every_column_has_a_chinese_label() -> None:
    missing = [c for c in (*PROJECT_COLUMNS, *INDICATOR_COLUMNS) if c not in FRAME_COLUMN_LABELS]
    assert missing == []
    frame = chinese_columns(to_frames([])["projects"])
    assert frame.columns[0] == FRAME_COLUMN_LABELS["form_id"]


def test_targets_and_actuals_are_parsed(records: list[Record]) -> None:
    ind = to_frames(records)["indicators"]
    first = ind[(ind["name"] == "组织疑难合同专家评审")].iloc[0]
    assert first["target_kind"] == "quantitative" and first["target_operator"] == "="
    assert first["target_value"] == 30 and first["target_unit"] == "人次"
    assert first["actual_kind"] == "number" and first["actual_value"] == 10 and first["actual_unit"] == "人次"
    assert first["weight"] == 4 and first["score"] == 1.33
    assert first["cell"] == "C13"
    partial = ind[ind["actual"] == "部分达成指标并具有一定效果"]
    assert set(partial["actual_level"]) == {"partial"}
    goal = ind[ind["form"] == "goal_table"]
    assert goal["actual"].isna().all() and goal["score"].isna().all()
    assert "range" in set(goal["target_kind"])


def test_fund_figures_and_budget_in_yuan(records: list[Record]) -> None:
    projects = to_frames(records)["projects"].set_index("project_name")
    row = projects.loc["技术合同登记管理费"]
    assert row["total_executed"] == 67.75 and row["total_execution_rate"] == 99.13
    assert row["budget_score"] == 9.91 and row["total_score"] == 96.24 and row["grade"] == "优"
    goal = projects.loc["内涵建设经费"]
    assert goal["budget_project_total_yuan"] == 5535000
    assert pd.isna(goal["total_score"])


def test_frames_from_json_records_without_provenance() -> None:
    frames = to_frames([record_from_dict(c) for c in CASES])
    assert frames["projects"]["file"].isna().all()
    assert len(frames["indicators"]) == sum(len(c["indicators"]) for c in CASES)


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("＝1", "'＝1"),
        ("  =1+1", "'  =1+1"),
        ("\u3000+1", "'\u3000+1"),
        ("达成指标", "达成指标"),
        (" 达成", " 达成"),
        (3.5, 3.5),
    ],
    ids=[
        "equals",
        "plus",
        "minus",
        "at",
        "tab",
        "fullwidth_equals",
        "spaces_then_equals",
        "ideographic_space_then_plus",
        "text",
        "spaced_text",
        "number",
    ],
)
def test_neutralize_formula_starts(value: object, safe: object) -> None:
    assert neutralize(value) == safe


def test_chinese_columns_keep_data(tmp_path: Path, records: list[Record]) -> None:
    frame = chinese_columns(to_frames(records)["indicators"])
    assert FRAME_COLUMN_LABELS["target"] in frame.columns
    assert len(frame) == len(to_frames(records)["indicators"])
