"""How the workbooks sheetperf writes print (io/tables.py), and the summary on paper.

The fast tests read the print setup back with openpyxl.  The LibreOffice test renders the
summary of the seven samples and of a generated 200-project collection to PDF in one soffice
run and reads the pages with poppler: each page's header names its sheet (``&A``), so the
pages of every sheet are counted; every page of a table must show the first and the last
column's header (one sheet-width wide, header rows repeated).
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from sheetperf.io.tables import print_setup, print_setup_openpyxl
from sheetperf.services.columns import PROJECT_COLUMNS
from sheetperf.services.consolidate import consolidate
from sheetperf.services.distribute import write_table_workbook
from sheetperf.services.summary import integer_step
from sheetperf.vocab.labels import PRINT_LABELS, SUMMARY_SHEETS

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def _setup(path: Path, sheet: str) -> Any:
    ws = openpyxl.load_workbook(path)[sheet]
    return ws


@pytest.mark.parametrize(
    ("widths", "orientation"),
    [([10, 20, 30], "portrait"), ([30] * 5, "landscape")],
    ids=["narrow-portrait", "wide-landscape"],
)
def test_print_setup_fits_one_page_wide(tmp_path: Path, widths: list[float], orientation: str) -> None:
    path = tmp_path / "t.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("表")
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, f"列{col}")
    print_setup(sheet, widths)
    book.close()
    ws = _setup(path, "表")
    assert ws.page_setup.orientation == orientation
    assert ws.page_setup.paperSize == 9
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 is the default, left out
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    assert "&A" in str(ws.oddHeader.center.text)
    assert PRINT_LABELS["footer"] in str(ws.oddFooter.center.text)


def test_status_and_manifest_workbooks_print_and_count_as_numbers(tmp_path: Path) -> None:
    files = "；".join(f"交回/第{i}次交回的内涵建设经费.xlsx" for i in range(4))  # longer than the widest column
    rows: list[list[str | int]] = [["未交回", "甲", 0, ""], ["重复交回", "乙", 4, files]]
    headers = ["状态", "项目名称", "交回份数", "交回文件"]
    path = write_table_workbook(tmp_path / "s.xlsx", [("交回情况", headers, rows)])
    ws = _setup(path, "交回情况")
    assert ws["C2"].value == 0 and ws["C2"].data_type == "n"
    assert ws.row_dimensions[2].height is None and ws.row_dimensions[3].height > 40  # the long text wraps, shown whole
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.fitToHeight == 0


@pytest.mark.parametrize("own", [True, False], ids=["keeps-its-own-setup", "gets-the-table-setup"])
def test_openpyxl_setup_keeps_a_sheets_own_print_setup(own: bool) -> None:
    ws = openpyxl.Workbook().active
    assert ws is not None
    ws.append(["项目", "说明"])
    if own:
        ws.print_area = "A1:B1"
        ws.page_setup.orientation = "portrait"
    print_setup_openpyxl(ws)
    assert (ws.print_title_rows is None) == own
    assert (ws.page_setup.fitToWidth == 1) != own


@pytest.mark.parametrize(
    ("peak", "step"), [(0, 1), (3, 1), (8, 1), (9, 2), (16, 2), (17, 5), (40, 5), (41, 10), (200, 50)],
    ids=["none", "few", "eight", "nine", "sixteen", "seventeen", "forty", "forty-one", "two-hundred"],
)  # fmt: skip
def test_count_axes_step_by_whole_numbers(peak: int, step: int) -> None:
    assert integer_step(peak) == step


def test_project_summary_leaves_out_columns_no_form_fills(tmp_path: Path) -> None:
    """Self-evaluations only: the goal-table columns (申报单位名称, 项目当年预算) are left out of
    the sheet, not of the CSV."""
    inputs = sorted(SAMPLES.glob("self_evaluation-*.xlsx"))[:2]
    out = tmp_path / "summary.xlsx"
    consolidate(inputs, out, jobs=1, csv_dir=tmp_path / "csv")
    header = [c.value for c in openpyxl.load_workbook(out, read_only=True)[SUMMARY_SHEETS["projects"]][1]]
    assert "申报单位名称" not in header and "项目当年预算(元)" not in header
    assert header[:2] == ["主管部门", "项目名称"]
    csv_header = (
        (tmp_path / "csv" / f"{SUMMARY_SHEETS['projects']}.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    )
    assert csv_header.split(",") == [c.label for c in PROJECT_COLUMNS]


# --- on paper (LibreOffice → PDF → poppler) -----------------------------------------------------


def generated_collection(count: int) -> list[dict[str, Any]]:
    """``count`` self-evaluations from the six samples: 13 departments, execution from 45 % to
    110 %, some indicators short of their targets (grades spread)."""
    cases = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((SAMPLES / "records").glob("self_evaluation-*.json"))
    ]
    out = []
    for i in range(count):
        record = copy.deepcopy(cases[i % len(cases)])
        record.pop("slug", None)
        record["project_name"] = f"{record['project_name']}（第{i + 1:03d}号）"
        record["department"] = f"第{i % 13 + 1}主管部门"
        record["implementing_unit"] = f"第{i % 13 + 1}主管部门第{i % 5 + 1}中心"
        total = record["funds"]["total"]
        total["executed"] = round(total["annual_budget"] * (0.45 + (i % 14) * 0.05), 2)
        if i % 10 == 0:
            first = record["indicators"][0]
            first["actual"] = "未达成指标且效果较差" if "指标" in str(first["actual"]) else "0"
        out.append(record)
    return out


def pages_by_sheet(pdf: Path) -> dict[str, list[str]]:
    """The text of every page, by the sheet its page header names (its first line)."""
    count = int(
        next(
            line.split()[-1]
            for line in subprocess.run(
                ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
            ).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    pages: dict[str, list[str]] = {}
    for number in range(1, count + 1):
        text = subprocess.run(
            ["pdftotext", "-layout", "-f", str(number), "-l", str(number), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        first = next(line.strip() for line in text.splitlines() if line.strip())
        pages.setdefault(first, []).append(text)
    return pages


def _headers(path: Path) -> dict[str, tuple[str, str]]:
    """The first and last column header of every table sheet."""
    book = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for ws in book.worksheets[1:]:
        row = [c.value for c in next(ws.iter_rows(max_row=1))]
        out[ws.title] = (str(row[0]), str(row[-1]))
    book.close()
    return out


@pytest.mark.libreoffice
@pytest.mark.slow
def test_summary_prints_sheet_width_pages_with_repeated_headers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sheetperf.services.artifacts import to_pdf

    samples = tmp_path / "samples.xlsx"
    consolidate([SAMPLES], samples, jobs=1)
    records = tmp_path / "collection" / "records.json"
    records.parent.mkdir()
    records.write_text(json.dumps(generated_collection(200), ensure_ascii=False), encoding="utf-8")
    collection = tmp_path / "collection200.xlsx"
    monkeypatch.chdir(tmp_path)  # the file column as a user sees it (a relative path), not pytest's long one
    report = consolidate([Path("collection") / "records.json"], collection, jobs=1)
    assert report.projects == 200
    assert shutil.which("pdfinfo") and shutil.which("pdftotext")
    pdfs = {p.stem: p for p in to_pdf([samples, collection], tmp_path / "pdf")}

    counts = {}
    for stem, path in ((samples.stem, samples), (collection.stem, collection)):
        pages = pages_by_sheet(pdfs[stem])
        counts[stem] = Counter({sheet: len(texts) for sheet, texts in pages.items()})
        assert set(pages) == set(openpyxl.load_workbook(path, read_only=True).sheetnames), stem
        assert len(pages[SUMMARY_SHEETS["overview"]]) == 1, stem
        for sheet, (first, last) in _headers(path).items():
            for number, text in enumerate(pages[sheet], 1):
                # One sheet-width wide with the header repeated: every page shows the first and the last column.
                assert first in text and last in text, (stem, sheet, number)
        assert "第 1 页" in pages[SUMMARY_SHEETS["projects"]][0]
    sample_pages = counts[samples.stem]
    assert sample_pages[SUMMARY_SHEETS["projects"]] <= 2, sample_pages
    assert sample_pages[SUMMARY_SHEETS["departments"]] <= 2, sample_pages
    overview = pages_by_sheet(pdfs[samples.stem])[SUMMARY_SHEETS["overview"]][0]
    for label in ("评分等级分布", "执行率分布", "错误最多的主管部门", "得分最低的项目", "问题按规则"):
        assert label in overview
    print(dict(counts[samples.stem]), dict(counts[collection.stem]))


def test_goal_tables_only_summary_freezes_through_the_name(tmp_path: Path) -> None:
    out = tmp_path / "summary.xlsx"
    consolidate([SAMPLES / "goal_table-2020-neihan-jianshe.xlsx"], out, jobs=1)
    ws = openpyxl.load_workbook(out)[SUMMARY_SHEETS["projects"]]
    header = [c.value for c in ws[1]]
    assert "主管部门" not in header and header[0] == "项目名称" and "总分（重算）" not in header
    assert ws.freeze_panes == "B2"
