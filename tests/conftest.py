"""Shared fixtures: the published cases (samples/records, a verified copy of ../shared/cases).

The suite runs without ../shared: the seven published forms are shipped as
``samples/records/*.json`` (tests/test_artifacts.py checks they equal ../shared/cases
whenever ../shared is beside the checkout, as it is in CI).  Tests that need what only
../shared holds — the published texts in ``seeds/`` and ``regional/`` — are marked
:data:`needs_shared` and skip with that reason without it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS_DIR = SHARED / "seeds"
REGIONAL_DIR = SHARED / "regional"
SAMPLE_RECORDS = REPO / "samples" / "records"
CASES_DIR = SAMPLE_RECORDS
HAVE_SHARED = SEEDS_DIR.is_dir()

#: For tests that read the published texts only ../shared holds.
needs_shared = pytest.mark.skipif(not HAVE_SHARED, reason="../shared (published texts) is not beside the checkout")

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


#: Programs a marked test needs: marker → (executables, Debian package).
_PROGRAMS = {
    "libreoffice": (("soffice",), "libreoffice-calc"),
    "chromium": (("chromium", "chromium-browser"), "chromium"),
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``libreoffice`` or ``chromium`` fails, not skips, where the program is missing:
    CI installs it (.ci/run), so a missing install step must show.  ``-m "not libreoffice"``
    deselects those tests where the program is not wanted."""
    for marker, (names, package) in _PROGRAMS.items():
        if item.get_closest_marker(marker) is not None and not any(shutil.which(n) for n in names):
            pytest.fail(
                f"{names[0]} is not installed: apt-get install {package} (see README), or run pytest -m 'not {marker}'",
                pytrace=False,
            )
