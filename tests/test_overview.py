"""总览: the first sheet of the summary, checked against the summary's own tables."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from sheetperf.services.consolidate import consolidate
from sheetperf.services.overview import TOP
from sheetperf.vocab.labels import OVERVIEW_LABELS as L
from sheetperf.vocab.labels import RATE_BANDS, SUMMARY_SHEETS

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("overview") / "summary.xlsx"
    consolidate([SAMPLES], out, jobs=1)
    return out


@pytest.fixture(scope="module")
def book(summary: Path) -> Any:
    return openpyxl.load_workbook(summary)


def _rows(ws: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def _block(ws: Any, title: str) -> list[tuple[Any, ...]]:
    """The rows of the table headed ``title`` (its cells from that column on, up to a blank)."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == title:
                out, r = [], cell.row + 2
                while ws.cell(r, cell.column).value not in (None, ""):
                    out.append(tuple(ws.cell(r, cell.column + i).value for i in range(4)))
                    r += 1
                return out
    raise AssertionError(title)


def test_overview_is_the_first_sheet_and_prints_on_one_page(book: Any) -> None:
    ws = book.worksheets[0]
    assert ws.title == SUMMARY_SHEETS["overview"]
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) in ((1, 1), (None, None))
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.orientation == "landscape"


def test_overview_counts_agree_with_the_tables(book: Any) -> None:
    ws = book.worksheets[0]
    pairs = {r[0]: r[1] for r in _rows(ws) if isinstance(r[0], str) and len(r) > 1}
    files = _rows(book[SUMMARY_SHEETS["files"]])[1:]
    projects = _rows(book[SUMMARY_SHEETS["projects"]])
    header, projects = projects[0], projects[1:]
    findings = _rows(book[SUMMARY_SHEETS["findings"]])[1:]
    assert pairs[L["files"]] == len(files) == 15
    assert pairs[L["projects"]] == len(projects) == 7
    assert pairs[L["of_which"].format(form="绩效自评表")] == 6
    severity = Counter(r[7] for r in findings)
    assert (pairs["错误"], pairs["警告"], pairs["提示"]) == (severity["错误"], severity["警告"], severity["提示"])

    grades = dict(_block(ws, L["grades_title"])[i][:2] for i in range(4))
    grade_col = header.index("评分等级（重算）")
    assert grades == {g: sum(1 for p in projects if p[grade_col] == g) for g in ("优", "良", "中", "差")}
    bands = [r[:2] for r in _block(ws, L["rates_title"])]
    assert [b[0] for b in bands] == [label for _, label in RATE_BANDS] and sum(b[1] for b in bands) == 6

    lowest = _block(ws, L["lowest_title"])
    score_col = header.index("总分（重算）")
    scores = sorted(p[score_col] for p in projects if isinstance(p[score_col], float | int))
    assert [r[2] for r in lowest] == scores[:TOP]

    rules = _block(ws, L["rules_title"])
    assert sum(r[2] for r in rules) == len(findings)
    assert [r[2] for r in rules] == sorted((r[2] for r in rules), reverse=True)


def test_count_charts_step_by_whole_numbers(summary: Path) -> None:
    """The grade-distribution chart counted projects in steps of 0.5; every count axis now
    steps by a whole number with no decimals (the average-score chart is not a count)."""
    import re
    import zipfile

    with zipfile.ZipFile(summary) as archive:
        charts = [archive.read(n).decode() for n in sorted(archive.namelist()) if n.startswith("xl/charts/chart")]
    counts = [c for c in charts if "项目数" in c]
    assert len(counts) == 3  # 总览: grades, execution rates; 主管部门统计: grades
    for chart in counts:
        step = re.search(r'<c:majorUnit val="([\d.]+)"/>', chart)
        assert step and float(step.group(1)).is_integer(), step
        assert 'formatCode="0"' in chart


def test_an_empty_collection_still_has_an_overview(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    out = tmp_path / "summary.xlsx"
    report = consolidate([tmp_path / "in"], out, jobs=1)
    assert report.files == 0
    ws = openpyxl.load_workbook(out).worksheets[0]
    pairs = {r[0]: r[1] for r in _rows(ws) if isinstance(r[0], str) and len(r) > 1}
    assert pairs[L["files"]] == 0 and pairs[L["projects"]] == 0
