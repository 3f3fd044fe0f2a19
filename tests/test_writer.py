"""The template writer: cells, guard rails, metadata, determinism, and the template command."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import CASES_DIR, SELF_EVALUATION_PATHS
from sheetperf.cli import main
from sheetperf.errors import InputError
from sheetperf.forms.layout import LAYOUT_VERSION, fingerprint, get_layout
from sheetperf.io.reader import read_workbook
from sheetperf.io.recalc import recalculate
from sheetperf.io.writer import (
    META_SHEET,
    YEAR_PLACEHOLDER,
    blank_fit_pages,
    column_points,
    goal_to_self_evaluation,
    locked_groups,
    page_scales,
    text_height,
    write_template,
)
from sheetperf.model.a1 import to_a1
from sheetperf.model.record import GoalTable, SelfEvaluation, load_records_json
from sheetperf.vocab.text import display_width

GOAL_PATH = CASES_DIR / "goal_table-2020-neihan-jianshe.json"
HETONG = CASES_DIR / "self_evaluation-2023-hetong-dengji-guanlifei.json"


def meta(path: Path) -> dict[str, Any]:
    book = openpyxl.load_workbook(path)
    sheet = book[META_SHEET]
    assert sheet.sheet_state == "veryHidden"
    return {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(1, sheet.max_row + 1)}


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/worksheets/sheet1.xml").decode("utf-8")


@pytest.fixture(scope="module")
def prefilled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SelfEvaluation]:
    record = load_records_json(HETONG)[0]
    assert isinstance(record, SelfEvaluation)
    path = write_template(tmp_path_factory.mktemp("w") / "pre.xlsx", "self_evaluation", record=record)
    return path, record


def test_prefilled_template_holds_the_definitions_and_locks_them(prefilled: tuple[Path, SelfEvaluation]) -> None:
    path, record = prefilled
    layout = get_layout("self_evaluation", len(record.indicators))
    sheet = openpyxl.load_workbook(path)[layout.sheet_name]
    assert sheet.protection.sheet
    assert sheet[layout.field("project_name").a1].value == record.project_name
    assert sheet[layout.field("year").a1].value == 2023
    for index, indicator in enumerate(record.indicators):
        target = sheet[layout.table.a1(index, "target")]
        assert target.value == indicator.target and target.data_type == "s"
        assert target.protection.locked
        weight = sheet[layout.table.a1(index, "weight")]
        assert weight.value == indicator.weight and weight.protection.locked
        actual = sheet[layout.table.a1(index, "actual")]
        assert actual.value is None and not actual.protection.locked
    assert not sheet[layout.field("funds.total.executed").a1].protection.locked
    # Level-1 labels are merged down their groups.
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert f"A13:A{13 + 12 - 1}" in merged  # 12 产出指标 rows


def test_text_is_never_a_formula_and_formulas_have_empty_cached_values(
    prefilled: tuple[Path, SelfEvaluation],
) -> None:
    path, _ = prefilled
    xml = sheet_xml(path)
    assert "<f>30(" not in xml and "<f>=30" not in xml  # the target =30(人次) is a shared string
    formulas = xml.count("<f>")
    assert formulas > 18 * 40
    assert xml.count("<v></v>") == formulas  # no placeholder 0
    with zipfile.ZipFile(path) as zf:
        assert "=30(人次)" in zf.read("xl/sharedStrings.xml").decode("utf-8")


def test_metadata_and_fingerprint(prefilled: tuple[Path, SelfEvaluation]) -> None:
    path, record = prefilled
    values = meta(path)
    assert values["form"] == "self_evaluation"
    assert values["layout_version"] == LAYOUT_VERSION
    assert values["profile"] == "shanghai"
    assert values["capacity"] == str(len(record.indicators))
    assert values["locked"] == "project,indicators,weights"
    assert values["fingerprint"] == fingerprint(record, ("project", "indicators", "weights"))
    book = openpyxl.load_workbook(path)
    names = set(book.defined_names)
    assert {"SP_project_name", "SP_ind_001_target", "SP_ind_018_score", "SP_meta_fingerprint"} <= names
    assert {"SP_list_level1", "SP_list_level2", "SP_list_levels"} <= names
    assert book.sheetnames[:2] == ["绩效自评表", "填表说明"]


def test_guard_rails(prefilled: tuple[Path, SelfEvaluation]) -> None:
    path, _ = prefilled
    sheet = openpyxl.load_workbook(path)["绩效自评表"]
    validations = sheet.data_validations.dataValidation
    sources = {v.formula1 for v in validations if v.type == "list"}
    assert "SP_list_levels" in sources
    assert any(v.type == "decimal" for v in validations)
    assert all(v.promptTitle for v in validations if v.type in ("decimal", "list"))
    rules = [r.formula[0] for rng in sheet.conditional_formatting for r in rng.rules]
    assert any(f.startswith("AND(TRIM(H13)") for f in rules)
    assert any("<>100" in f for f in rules)
    assert sheet.print_title_rows == "$12:$12"
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "portrait"
    assert sheet.column_dimensions["K"].hidden


def test_blank_template_has_30_input_rows(tmp_path: Path) -> None:
    path = write_template(tmp_path / "blank.xlsx", "self-evaluation")
    layout = get_layout("self_evaluation")
    sheet = openpyxl.load_workbook(path)[layout.sheet_name]
    assert layout.table.capacity == 30
    for key in ("level1", "target", "weight", "actual"):
        assert not sheet[layout.table.a1(29, key)].protection.locked
    assert sheet[layout.table.a1(29, "score")].protection.locked
    assert meta(path)["locked"] in ("", None)
    sources = {v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"}
    assert {"SP_list_level1", "SP_list_level2"} <= sources


def test_output_is_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = load_records_json(HETONG)[0]
    a = write_template(tmp_path / "a.xlsx", "self_evaluation", record=record)
    b = write_template(tmp_path / "b.xlsx", "self_evaluation", record=record)
    assert a.read_bytes() == b.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    c = write_template(tmp_path / "c.xlsx", "self_evaluation", record=record)
    assert c.read_bytes() != a.read_bytes()
    with zipfile.ZipFile(c) as zf:
        assert "2023-11-14T22:13:20Z" in zf.read("docProps/core.xml").decode()


def test_goal_table_prefills_a_self_evaluation(tmp_path: Path) -> None:
    goal = load_records_json(GOAL_PATH)[0]
    assert isinstance(goal, GoalTable)
    record = goal_to_self_evaluation(goal)
    assert len(record.indicators) == len(goal.indicators) == 71
    assert locked_groups(record) == ("project", "indicators")  # no weights in the goal table
    path = write_template(tmp_path / "se.xlsx", "self_evaluation", record=goal)
    layout = get_layout("self_evaluation", 71)
    sheet = openpyxl.load_workbook(path)[layout.sheet_name]
    assert sheet[layout.table.a1(16, "target")].value == "150-200项"
    assert not sheet[layout.table.a1(16, "weight")].protection.locked


def test_goal_table_template(tmp_path: Path) -> None:
    goal = load_records_json(GOAL_PATH)[0]
    path = write_template(tmp_path / "goal.xlsx", "goal_table", record=goal)
    layout = get_layout("goal_table", 71)
    sheet = openpyxl.load_workbook(path)[layout.sheet_name]
    assert sheet[layout.field("applicant_unit").a1].value == "上海市教育委员会科技发展中心"
    assert sheet[layout.table.a1(0, "target")].value == ">=90%"
    assert sheet[layout.field("goal_heading").a1].value.startswith("=IF(ISNUMBER(A2)")
    with pytest.raises(InputError):
        write_template(tmp_path / "x.xlsx", "goal_table", record=load_records_json(HETONG)[0])


def test_password_is_optional(tmp_path: Path) -> None:
    plain = write_template(tmp_path / "p.xlsx", "self_evaluation")
    locked = write_template(tmp_path / "l.xlsx", "self_evaluation", password="secret")
    assert "password=" not in sheet_xml(plain).split("<sheetProtection", 1)[1].split(">", 1)[0]
    assert "password=" in sheet_xml(locked).split("<sheetProtection", 1)[1].split(">", 1)[0]


@pytest.mark.parametrize(
    ("text", "width", "at_least"),
    [("", 10, 20), ("短", 10, 20), ("很" * 60, 20, 60)],
    ids=["empty", "short", "wraps"],
)
def test_row_heights_fit_text(text: str, width: float, at_least: float) -> None:
    assert text_height(text, width, minimum=20) >= at_least


@pytest.mark.parametrize("path", SELF_EVALUATION_PATHS, ids=[p.stem for p in SELF_EVALUATION_PATHS])
def test_cli_template_from_record(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    result = CliRunner().invoke(main, ["template", "self-evaluation", "--from", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert meta(out)["locked"].startswith("project,indicators")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["template", "goal-table", "--from", str(HETONG)], "绩效目标表不能由自评表生成"),
        (["template", "self-evaluation", "--year", "1800"], "年度应为"),
        (["template", "self-evaluation", "--from", "missing.json"], "文件不存在"),
        (["template", "self-evaluation", "--profile", "nowhere"], "未知的规则配置"),
    ],
    ids=["goal-from-self", "bad-year", "missing-file", "bad-profile"],
)
def test_cli_bad_input_exits_2_with_one_chinese_line(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.output


def test_cli_blank_templates(tmp_path: Path) -> None:
    for form in ("self-evaluation", "goal-table"):
        out = tmp_path / f"{form}.xlsx"
        result = CliRunner().invoke(main, ["template", form, "--year", "2024", "-o", str(out)])
        assert result.exit_code == 0, result.output
        sheet = openpyxl.load_workbook(out).worksheets[0]
        assert sheet["A2"].value == 2024


# --------------------------------------------------------------------------------------------
# How the forms look and print


def _fit(sheet: Any) -> tuple[int, int]:
    """Fit to (wide, tall) pages; an absent attribute is OOXML's default, 1."""
    setup = sheet.page_setup
    return (1 if setup.fitToWidth is None else setup.fitToWidth, 1 if setup.fitToHeight is None else setup.fitToHeight)


def _bordered_cells(path: Path) -> set[str]:
    """Cells of the form sheet whose style has a border on all four sides (from the XML itself)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as zf:
        styles = etree.fromstring(zf.read("xl/styles.xml"))
        sheet = etree.fromstring(zf.read("xl/worksheets/sheet1.xml"))
    full = {
        i
        for i, border in enumerate(styles.find("m:borders", ns))
        if all(
            border.find(f"m:{side}", ns) is not None and border.find(f"m:{side}", ns).get("style")
            for side in ("left", "right", "top", "bottom")
        )
    }
    xfs = [int(xf.get("borderId", "0")) for xf in styles.find("m:cellXfs", ns)]
    return {c.get("r") for c in sheet.iter(f"{{{ns['m']}}}c") if xfs[int(c.get("s", "0"))] in full}


def _label_pixels(text: str) -> int:
    """Excel's width of a one-line text at the form font: 14 px a wide character, 7 px others."""
    return sum(14 if display_width(ch) == 2 else 7 for ch in text)


@pytest.mark.parametrize("form", ["self_evaluation", "goal_table"])
def test_every_label_line_fits_its_cell(form: str) -> None:
    layout = get_layout(form)
    for label in layout.labels:
        if label.style == "title":
            continue
        pixels = sum(column_points(layout.col_widths[c]) / 0.75 for c in range(label.col, label.last_col + 1))
        height = sum(layout.row_heights.get(r, 15) for r in range(label.row, label.last_row + 1))
        lines = label.text.split("\n")
        for line in lines:
            assert _label_pixels(line) <= pixels - 4, f"{label.ref} {line!r} needs a wider column"
        assert height >= 14 * len(lines) + 4, f"{label.ref} {label.text!r} needs a taller row"


def test_blank_year_line_shows_the_official_placeholder(tmp_path: Path) -> None:
    path = write_template(tmp_path / "blank.xlsx", "self_evaluation")
    layout = get_layout("self_evaluation")
    cell = openpyxl.load_workbook(path)[layout.sheet_name][layout.field("year").a1]
    assert cell.value == YEAR_PLACEHOLDER and not cell.protection.locked
    sections = cell.number_format.split(";")
    assert len(sections) == 4 and "年度" in sections[0] and "年度" in sections[3] and "@" in sections[3]
    (record,) = read_workbook(path)
    assert record.year is None  # the placeholder is not a year
    dated = write_template(tmp_path / "dated.xlsx", "goal_table", year=2024)
    goal = get_layout("goal_table")
    assert openpyxl.load_workbook(dated)[goal.sheet_name][goal.field("year").a1].value == 2024


@pytest.mark.parametrize(
    ("form", "record_path", "fit_height", "breaks"),
    [
        ("self_evaluation", None, 1, []),  # a blank self-evaluation on one page
        ("self_evaluation", HETONG, 0, []),  # a filled one as long as its text, header repeated
        ("goal_table", None, 0, [16]),  # the goal block starts page 2, which it fits at page width
        ("goal_table", GOAL_PATH, 0, [16]),
    ],
    ids=["self-blank", "self-prefilled", "goal-blank", "goal-prefilled"],
)
def test_print_setup(form: str, record_path: Path | None, fit_height: int, breaks: list[int], tmp_path: Path) -> None:
    record = load_records_json(record_path)[0] if record_path else None
    path = write_template(tmp_path / "t.xlsx", form, record=record)
    layout = get_layout(form, max(1, len(record.indicators)) if record else None)
    sheet = openpyxl.load_workbook(path)[layout.sheet_name]
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert _fit(sheet) == (1, fit_height)
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "portrait"
    assert sheet.print_options.horizontalCentered
    assert sheet.print_title_rows == f"${layout.table.header_row + 1}:${layout.table.header_row + 1}"
    expected = [layout.field("goal_heading").row] if breaks else []  # Excel's id: the row above the break
    assert [b.id for b in sheet.row_breaks.brk] == expected == [r for r in layout.page_breaks]
    last = to_a1(layout.last_row, layout.ncols - 1)
    assert sheet.print_area in (
        f"'{layout.sheet_name}'!$A$1:${last[0]}${last[1:]}",
        f"{layout.sheet_name}!$A$1:${last[0]}${last[1:]}",
    )


def test_blank_self_evaluation_fits_one_page_by_the_layout_heights() -> None:
    layout = get_layout("self_evaluation")
    by_width, by_height = page_scales(layout, layout.row_heights)
    assert 0.6 < by_height < by_width  # height binds: fitted to one page tall, not shrunk below ~60%
    assert blank_fit_pages(layout, layout.row_heights) == 1
    goal = get_layout("goal_table")
    assert blank_fit_pages(goal, goal.row_heights) is None  # two pages, each fits at page width


def test_long_text_is_top_aligned_and_borders_are_everywhere(tmp_path: Path) -> None:
    path = write_template(tmp_path / "blank.xlsx", "self_evaluation")
    layout = get_layout("self_evaluation")
    sheet = openpyxl.load_workbook(path)[layout.sheet_name]
    for key in ("goal_expected", "goal_actual"):
        assert sheet[layout.field(key).a1].alignment.vertical == "top"
    assert sheet[layout.table.a1(0, "deviation")].alignment.vertical == "top"
    assert sheet[layout.table.a1(0, "name")].alignment.vertical == "center"
    bordered = _bordered_cells(path)
    for row in range(2, layout.last_row + 1):  # every cell below the title and year line
        for col in range(layout.ncols):
            assert to_a1(row, col) in bordered
    goal = get_layout("goal_table")
    goal_path = write_template(tmp_path / "goal.xlsx", "goal_table")
    goal_sheet = openpyxl.load_workbook(goal_path)[goal.sheet_name]
    assert goal_sheet[goal.field("texts.overview").a1].alignment.vertical == "top"


def test_instructions_wrap_within_the_page_width(tmp_path: Path) -> None:
    path = write_template(tmp_path / "blank.xlsx", "goal_table")
    sheet = openpyxl.load_workbook(path)["填表说明"]
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and _fit(sheet) == (1, 0)
    width = column_points(sheet.column_dimensions["A"].width - 0.71) + 0.6 * 72 * 2
    assert width <= 8.27 * 72
    for row in range(2, sheet.max_row + 1):
        assert sheet.cell(row, 1).alignment.wrap_text


@pytest.mark.libreoffice
def test_blank_forms_print_on_their_pages_in_libreoffice(tmp_path: Path) -> None:
    """One soffice run: the blank self-evaluation on one page (with 总分 and 评分等级), the blank
    goal table's indicator block on page 2, and a long form repeating its indicator header."""
    assert shutil.which("pdftotext"), "pdftotext is a test dependency (poppler-utils, installed by .ci/run)"
    goal = load_records_json(GOAL_PATH)[0]  # 71 indicators: a self-evaluation of several pages
    books = [
        write_template(tmp_path / "self_blank.xlsx", "self_evaluation"),
        write_template(tmp_path / "goal_blank.xlsx", "goal_table"),
        write_template(tmp_path / "long.xlsx", "self_evaluation", record=goal),
    ]
    pdfs = {p.stem: p for p in recalculate(books, tmp_path / "pdf", to="pdf")}

    def page(stem: str, number: int) -> str:
        args = ["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(pdfs[stem]), "-"]
        text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        return "".join(text.split())

    first = page("self_blank", 1)
    assert "财政项目支出绩效自评表" in first and "(年度)" in first and "总分" in first and "评分等级" in first
    assert "填表说明" in page("self_blank", 2)  # the form took one page
    goal_1, goal_2 = page("goal_blank", 1), page("goal_blank", 2)
    assert "同名项目上年预算执行数" in goal_1 and "一级目标" not in goal_1
    assert goal_2.startswith("绩效目标一级目标二级目标三级目标指标目标值")
    assert "填表说明" in page("goal_blank", 3)
    header = "一级指标二级指标三级指标年度指标值实际完成值分值得分偏差原因分析及改进措施"
    long_1, long_2 = page("long", 1), page("long", 2)
    assert header in long_1 and "评分等级" not in long_1
    assert header in long_2  # the indicator header repeats on the next printed page
