"""No injection out: text from returned workbooks never becomes a formula or markup in any output.

Seven filled sheetperf workbooks (template + fill, as offices return them) carry a
hostile project name each and hostile deviation reasons.  The summary workbook holds
them as strings, the CSVs neutralise them with a leading ``'``, the HTML report escapes
them, and annotated copies and distributed templates stay inside their output folder.
"""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from sheetperf.cli import main
from sheetperf.io.filler import fill_workbook
from sheetperf.io.reader import read_workbook
from sheetperf.io.writer import write_template
from sheetperf.model.record import SelfEvaluation, load_records_json
from sheetperf.services.consolidate import consolidate

REPO = Path(__file__).resolve().parents[1]
RECORD = REPO / "samples" / "records" / "self_evaluation-2023-jiaoyi-zhishu.json"

#: What a spreadsheet would run, or a browser would render, if written as is.
HOSTILE = {
    "hyperlink": '=HYPERLINK("http://x","y")',
    "dde": "=cmd|' /C calc'!A0",
    "at": "@SUM(1)",
    "plus": "+1+1",
    "minus": "-2+3",
    "tab": "\t=1+1",
    "markup": "<script>alert(1)</script>",
    # xlsxwriter copies a text shaped like its own rich-string XML (<r>…</r>) into the sheet
    # unescaped: this one would close its cell and add a formula cell beside it.
    "rich_string_markup": '<r><t>x</t></r></is></c><c r="B1"><f>HYPERLINK("http://x","y")</f><v>0</v></c>'
    '<c r="C1" t="inlineStr"><is><r><t>y</t></r>',
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MARKUP = frozenset({"markup", "rich_string_markup"})


def _hostile_record(text: str) -> SelfEvaluation:
    record = load_records_json(RECORD)[0]
    assert isinstance(record, SelfEvaluation)
    values = list(HOSTILE.values())
    indicators = [replace(ind, deviation=values[i % len(values)]) for i, ind in enumerate(record.indicators)]
    return replace(record, project_name=text, indicators=indicators)


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One filled workbook per hostile text (as its project name), all in one folder."""
    folder = tmp_path_factory.mktemp("returned")
    work = tmp_path_factory.mktemp("templates")
    for key, text in HOSTILE.items():
        record = _hostile_record(text)
        template = work / f"{key}.xlsx"
        write_template(template, "self_evaluation", record=record)
        fill_workbook(template, record, folder / f"{key}.xlsx")
    return folder


def test_hostile_text_is_stored_as_text_in_the_filled_workbooks(returned: Path) -> None:
    for key, text in HOSTILE.items():
        records = read_workbook(returned / f"{key}.xlsx")
        assert records[0].project_name == text.strip()
        wb = load_workbook(returned / f"{key}.xlsx")
        cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == text]
        assert cells, key
        assert all(c.data_type == "s" for c in cells), key


def _numeric(text: str) -> bool:
    try:
        return not math.isnan(float(text))
    except ValueError:
        return False


def test_consolidated_summary_and_csv_keep_hostile_text_plain(returned: Path, tmp_path: Path) -> None:
    out = tmp_path / "summary.xlsx"
    csv_dir = tmp_path / "csv"
    report = consolidate([returned], out, csv_dir=csv_dir, jobs=1)
    assert not report.failed
    wb = load_workbook(out)
    seen: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    for key, text in HOSTILE.items():
                        if text.strip() in cell.value:
                            assert cell.data_type == "s"
                            seen.add(key)
    assert seen == set(HOSTILE), f"missing from the summary: {set(HOSTILE) - seen}"

    csv_seen: set[str] = set()
    files = sorted(csv_dir.glob("*.csv"))
    assert files
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for field in row:
                    assert not field.startswith(FORMULA_STARTS) or _numeric(field), f"{path.name}: {field!r}"
                    for key, text in HOSTILE.items():
                        if field == ("'" + text.strip() if key not in MARKUP else text):
                            csv_seen.add(key)
    # markup is no formula: CSV keeps it as it is (the HTML report escapes it)
    assert csv_seen == set(HOSTILE), f"not neutralised (or not found) in CSV: {set(HOSTILE) - csv_seen}"


def test_html_report_escapes_and_annotated_copies_stay_in_their_folder(returned: Path, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    annotated = tmp_path / "annotated"
    before = {p for p in tmp_path.parent.rglob("*")}
    result = CliRunner().invoke(
        main,
        [
            "validate",
            *sorted(str(p) for p in returned.glob("*.xlsx")),
            "--html",
            str(html),
            "--annotate",
            str(annotated),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    page = html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '=HYPERLINK("http://x","y")' not in page  # the quotes are escaped too
    created = {p for p in tmp_path.parent.rglob("*")} - before
    assert created and all(p == html or p == annotated or annotated in p.parents for p in created), created
    for copy in annotated.glob("*.xlsx"):
        wb = load_workbook(copy)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and any(t.strip() in cell.value for t in HOSTILE.values()):
                        assert cell.data_type == "s", f"{copy.name} {ws.title}!{cell.coordinate}"


def test_annotate_output_name_never_leaves_the_folder(tmp_path: Path) -> None:
    from sheetperf.io.annotate import output_path

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    taken: set[str] = set()
    for name in [
        "../../etc/passwd.xlsx",
        "..\\..\\evil.xlsx",
        "=cmd|' calc'!A0.xlsx",
        "CON.xlsx",
        ".xlsx",
        "/abs/x.xlsx",
    ]:
        out = output_path(Path(name), out_dir, taken)
        assert out.resolve().parent == out_dir.resolve(), name


HOSTILE_NAMES = ["../../逃逸", "..", "=cmd|' /C calc'!A0", "CON", "a/b\\c", "/etc/passwd", "\u202eexe.xlsx", "x" * 400]


def test_distribute_names_stay_in_the_output_folder_and_manifest_is_plain(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    with roster.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["年度", "主管部门", "实施单位", "项目名称"])
        for i, name in enumerate(HOSTILE_NAMES):
            writer.writerow([2024, HOSTILE_NAMES[-1 - i], f"单位{i}", name])
    outdir = tmp_path / "dist" / "out"
    outdir.parent.mkdir()
    before = set(tmp_path.rglob("*"))
    result = CliRunner().invoke(main, ["distribute", str(roster), "-o", str(outdir), "--year", "2024"])
    assert result.exit_code == 0, result.output
    created = set(tmp_path.rglob("*")) - before
    assert created
    for path in created:
        assert path == outdir or outdir.resolve() in path.resolve().parents, path
    templates = [p for p in created if p.is_file() and p.suffix == ".xlsx" and p.name != "manifest.xlsx"]
    assert len(templates) == len(HOSTILE_NAMES), sorted(str(p.relative_to(outdir)) for p in templates)
    with (outdir / "manifest.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            for field in row:
                assert not field.startswith(FORMULA_STARTS) or _numeric(field), field
    wb = load_workbook(outdir / "manifest.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"manifest.xlsx {cell.coordinate}: {cell.value!r}"
    # the project names themselves survive, as text, inside the templates
    names = {read_workbook(p)[0].project_name for p in templates}
    assert "=cmd|' /C calc'!A0" in names


@pytest.mark.parametrize("key", sorted(HOSTILE), ids=sorted(HOSTILE))
def test_plain_table_workbooks_keep_hostile_text_plain(key: str, tmp_path: Path) -> None:
    """distribute's roster and manifest tables (xlsxwriter, like the summary)."""
    from sheetperf.services.distribute import write_table_workbook

    text = HOSTILE[key]
    path = write_table_workbook(tmp_path / "t.xlsx", [("表", ["名称", text], [[text, "x"]])])
    ws = load_workbook(path).worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert [c.value for c in cells] == ["名称", text, text, "x"]
    assert all(c.data_type == "s" for c in cells)
    assert len(ws["B"]) == 2 and ws.max_column == 2  # nothing added beside the text
