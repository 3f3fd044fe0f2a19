"""Shared fixtures: the published cases in ../shared beside the checkout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CASES_DIR = SHARED / "cases"
SEEDS_DIR = SHARED / "seeds"
SAMPLE_RECORDS = REPO / "samples" / "records"

if not CASES_DIR.is_dir():  # CI has ../shared beside the checkout; without it nothing is tested.
    raise RuntimeError(f"../shared/cases not found at {CASES_DIR}: clone the repository beside shared/")

CASE_PATHS = sorted(CASES_DIR.glob("*.json"))
SELF_EVALUATION_PATHS = [p for p in CASE_PATHS if p.name.startswith("self_evaluation")]
GOAL_TABLE_PATHS = [p for p in CASE_PATHS if p.name.startswith("goal_table")]


def load_case(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(params=CASE_PATHS, ids=[p.stem for p in CASE_PATHS])
def case_path(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


@pytest.fixture(params=SELF_EVALUATION_PATHS, ids=[p.stem for p in SELF_EVALUATION_PATHS])
def self_evaluation_path(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path
