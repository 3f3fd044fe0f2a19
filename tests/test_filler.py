"""Filling templates: inputs land in the layout's cells, nothing else in the workbook changes."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from sheetperf.cli import main
from sheetperf.errors import InputError
from sheetperf.forms.layout import Kind, Role, get_layout
from sheetperf.io.filler import fill_workbook, plan_writes, read_template_info
from sheetperf.io.writer import write_template
from sheetperf.model.record import (
    FUND_ROWS,
    GOAL_TEXTS,
    FundRow,
    Funds,
    GoalTable,
    Indicator,
    SelfEvaluation,
    load_records_json,
)
from sheetperf.xlsx.book import open_xlsx

ROOT = Path(__file__).resolve().parents[1]
RECORDS = sorted((ROOT / "samples" / "records").glob("*.json"))
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _record(name: str) -> Any:
    return load_records_json(ROOT / "samples" / "records" / name)[0]


@pytest.fixture(scope="module")
def blanks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("blank")
    return {form: write_template(folder / f"{form}.xlsx", form) for form in ("self_evaluation", "goal_table")}


@pytest.fixture(scope="module")
def prefilled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    folder = tmp_path_factory.mktemp("prefilled")
    out = {}
    for path in RECORDS:
        record = load_records_json(path)[0]
        out[path.stem] = (write_template(folder / f"{path.stem}.xlsx", record.form, record=record), record)
    return out


# --------------------------------------------------------------------------------------------
# What a workbook holds besides the input values, as openpyxl sees it.


def _structure(path: Path) -> dict[str, Any]:
    wb = openpyxl.load_workbook(path)
    sheets: dict[str, Any] = {}
    for ws in wb.worksheets:
        formulas = {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.data_type == "f"}
        sheets[ws.title] = {
            "state": ws.sheet_state,
            "protected": bool(ws.protection.sheet),
            "password": ws.protection.password,
            "validations": sorted(
                (str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.prompt)
                for dv in ws.data_validations.dataValidation
            ),
            "conditional": sorted(
                (str(rng.sqref), tuple(tuple(r.formula or ()) for r in rules))
                for rng, rules in ws.conditional_formatting._cf_rules.items()
            ),
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "print_area": ws.print_area,
            "print_titles": ws.print_title_rows,
            "orientation": ws.page_setup.orientation,
            "paper": ws.page_setup.paperSize,
            "fit_width": ws.page_setup.fitToWidth,
            "fit_height": ws.page_setup.fitToHeight,
            "centered": ws.print_options.horizontalCentered,
            "columns": sorted((k, v.width, v.hidden) for k, v in ws.column_dimensions.items()),
            "formulas": formulas,
            "locked_cells": sorted(
                c.coordinate for row in ws.iter_rows() for c in row if c.has_style and not c.protection.locked
            ),
        }
    names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    return {"sheets": sheets, "names": names, "order": wb.sheetnames}


def _cached_formula_values(path: Path) -> list[str]:
    """Cached values of formula cells in every sheet (all must be empty)."""
    found = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                root = etree.fromstring(zf.read(name))
                for cell in root.iter(M + "c"):
                    if cell.find(M + "f") is not None:
                        v = cell.find(M + "v")
                        if v is not None and v.text:
                            found.append(f"{name}!{cell.get('r')}={v.text}")
    return found


@pytest.mark.parametrize("stem", [p.stem for p in RECORDS], ids=[p.stem for p in RECORDS])
def test_fill_prefilled_keeps_everything_but_inputs(
    prefilled: dict[str, tuple[Path, Any]], stem: str, tmp_path: Path
) -> None:
    template, record = prefilled[stem]
    out = fill_workbook(template, record, tmp_path / "filled.xlsx")
    assert _structure(out) == _structure(template)
    assert _cached_formula_values(out) == []
    with zipfile.ZipFile(template) as a, zipfile.ZipFile(out) as b:
        assert a.namelist() == b.namelist()
        changed = {n for n in a.namelist() if a.read(n) != b.read(n)}
        assert [i.date_time for i in a.infolist()] == [i.date_time for i in b.infolist()]
        if "xl/styles.xml" in changed:
            # A text too long for Excel's tallest row gets a format with a smaller font: formats
            # are only added, every one the template had stays as it was.
            before, after = etree.fromstring(a.read("xl/styles.xml")), etree.fromstring(b.read("xl/styles.xml"))
            for part in ("fonts", "cellXfs"):
                old, new = before.find(M + part), after.find(M + part)
                assert len(new) > len(old) and [etree.tostring(e) for e in new[: len(old)]] == [
                    etree.tostring(e) for e in old
                ]
    assert changed <= {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"}
    assert "xl/worksheets/sheet1.xml" in changed


@pytest.mark.parametrize("form", ["self_evaluation", "goal_table"], ids=["self_evaluation", "goal_table"])
def test_fill_blank_keeps_everything_but_inputs(blanks: dict[str, Path], form: str, tmp_path: Path) -> None:
    record = _small_record(form)
    out = fill_workbook(blanks[form], record, tmp_path / "filled.xlsx")
    assert _structure(out) == _structure(blanks[form])
    assert _cached_formula_values(out) == []


def _small_record(form: str) -> Any:
    if form == "goal_table":
        record = _record("goal_table-2020-neihan-jianshe.json")
        record.indicators = record.indicators[:30]
        return record
    return _record("self_evaluation-2023-hetong-dengji-guanlifei.json")


# --------------------------------------------------------------------------------------------
# Reading back what was written


def _read_inputs(path: Path, record: Any) -> dict[str, Any]:
    """Every writable cell's value, by record path, via openpyxl (an independent reader)."""
    with open_xlsx(path) as book:
        info = read_template_info(book)
    layout = info.layout
    ws = openpyxl.load_workbook(path)[layout.sheet_name]
    out: dict[str, Any] = {}
    for write in plan_writes(layout, info, record):
        cell = ws.cell(write.row + 1, write.col + 1)
        assert cell.data_type != "f", f"{cell.coordinate} became a formula"
        out[write.path] = cell.value
    return out


def _expected_inputs(path: Path, record: Any) -> dict[str, Any]:
    with open_xlsx(path) as book:
        info = read_template_info(book)
    return {w.path: w.value for w in plan_writes(info.layout, info, record)}


def test_prefilled_inputs_read_back(prefilled: dict[str, tuple[Path, Any]], tmp_path: Path) -> None:
    for stem, (template, record) in prefilled.items():
        out = fill_workbook(template, record, tmp_path / f"{stem}.xlsx")
        got = _read_inputs(out, record)
        assert got == _expected_inputs(template, record), stem
        # the record's actual values and deviation reasons are all there, as typed
        if isinstance(record, SelfEvaluation):
            for index, indicator in enumerate(record.indicators):
                assert got[f"indicators[{index}].actual"] == (indicator.actual or None)
                assert got[f"indicators[{index}].deviation"] == (indicator.deviation or None)
            assert got["funds.total.executed"] == record.funds.total.executed


def test_writes_cover_inputs_only_for_prefilled(prefilled: dict[str, tuple[Path, Any]]) -> None:
    template, record = prefilled["self_evaluation-2023-jiaoyi-zhishu"]
    with open_xlsx(template) as book:
        info = read_template_info(book)
    keys = {w.path.rsplit(".", 1)[-1] for w in plan_writes(info.layout, info, record)}
    assert info.locked == {"project", "indicators", "weights"}
    assert keys == {
        "initial_budget",
        "annual_budget",
        "executed",
        "goal_expected",
        "goal_actual",
        "actual",
        "deviation",
    }


def test_blank_template_gets_definitions_too(blanks: dict[str, Path], tmp_path: Path) -> None:
    record = _record("self_evaluation-2023-hetong-dengji-guanlifei.json")
    out = fill_workbook(blanks["self_evaluation"], record, tmp_path / "f.xlsx")
    got = _read_inputs(out, record)
    assert got["project_name"] == record.project_name
    assert got["year"] == record.year
    assert got["indicators[0].target"] == record.indicators[0].target
    assert got["indicators[0].weight"] == record.indicators[0].weight
    # rows after the record's indicators stay empty
    assert got[f"indicators[{len(record.indicators)}].name"] is None


def test_stated_scores_are_not_written(prefilled: dict[str, tuple[Path, Any]], tmp_path: Path) -> None:
    template, record = prefilled["self_evaluation-2023-hetong-dengji-guanlifei"]
    record = dataclasses.replace(record, total_score=12345.0, grade="差")
    record.indicators = [dataclasses.replace(i, score=999.0) for i in record.indicators]
    out = fill_workbook(template, record, tmp_path / "f.xlsx")
    layout = get_layout("self_evaluation", len(record.indicators))
    ws = openpyxl.load_workbook(out)[layout.sheet_name]
    for path in ("total_score", "grade", "indicators[0].score", "funds.total.score"):
        row, col = layout.locate(path)
        assert ws.cell(row + 1, col + 1).data_type == "f", path


@pytest.mark.parametrize(
    "text",
    ["=30(人次)", "=SUM(A1:A3)", "=1+1", "+1", "-1", "@x", "_x0041_ literal", "  spaced  ", "line\nbreak"],
    ids=["target", "sum", "arith", "plus", "minus", "at", "escape", "spaces", "newline"],
)
def test_text_stays_text(blanks: dict[str, Path], tmp_path: Path, text: str) -> None:
    record = SelfEvaluation(
        project_name=text,
        goal_expected=text,
        indicators=[
            Indicator(
                level1="产出指标", level2="数量指标", name=text, target=text, actual=text, weight=10, deviation=text
            )
        ],
    )
    out = fill_workbook(blanks["self_evaluation"], record, tmp_path / "f.xlsx")
    got = _read_inputs(out, record)
    for path in (
        "project_name",
        "goal_expected",
        "indicators[0].name",
        "indicators[0].target",
        "indicators[0].actual",
        "indicators[0].deviation",
    ):
        assert got[path] == text, path
    # and in the XML: a shared string, never an <f>
    layout = get_layout("self_evaluation")
    with zipfile.ZipFile(out) as zf:
        root = etree.fromstring(zf.read("xl/worksheets/sheet1.xml"))
    ref = layout.table.a1(0, "target")
    cell = next(c for c in root.iter(M + "c") if c.get("r") == ref)
    assert cell.get("t") == "s" and cell.find(M + "f") is None


def test_fill_is_deterministic_and_refill_replaces(blanks: dict[str, Path], tmp_path: Path) -> None:
    first = _record("self_evaluation-2023-hetong-dengji-guanlifei.json")
    second = _record("self_evaluation-2023-jiaoyi-zhishu.json")
    a = fill_workbook(blanks["self_evaluation"], second, tmp_path / "a.xlsx")
    b = fill_workbook(blanks["self_evaluation"], second, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    over = fill_workbook(
        fill_workbook(blanks["self_evaluation"], first, tmp_path / "c.xlsx"), second, tmp_path / "d.xlsx"
    )
    # the longer first record's rows are cleared: same values as filling the blank directly
    assert _read_inputs(over, second) == _read_inputs(a, second)
    assert openpyxl.load_workbook(over).active.max_row == openpyxl.load_workbook(a).active.max_row


def test_long_text_grows_its_row(prefilled: dict[str, tuple[Path, Any]], tmp_path: Path) -> None:
    template, record = prefilled["self_evaluation-2023-jiaoyi-zhishu"]
    out = fill_workbook(template, record, tmp_path / "f.xlsx")
    layout = get_layout("self_evaluation", len(record.indicators))
    row = layout.field("goal_actual").row + 1
    before = openpyxl.load_workbook(template).active.row_dimensions[row].height
    after = openpyxl.load_workbook(out).active.row_dimensions[row].height
    assert after > before


# --------------------------------------------------------------------------------------------
# Refusals


def test_refuses_a_plain_workbook(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目名称"
    wb.save(path)
    with pytest.raises(InputError, match="不是 sheetperf 生成的模板"):
        fill_workbook(path, SelfEvaluation(), tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_refuses_a_non_zip(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(InputError):
        fill_workbook(path, SelfEvaluation(), tmp_path / "out.xlsx")


def test_refuses_the_other_form(blanks: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(InputError, match="模板是财政项目支出绩效目标表，记录是财政项目支出绩效自评表"):
        fill_workbook(blanks["goal_table"], SelfEvaluation(), tmp_path / "out.xlsx")


def test_refuses_too_many_indicators(blanks: dict[str, Path], tmp_path: Path) -> None:
    record = SelfEvaluation(indicators=[Indicator(name=f"n{i}") for i in range(31)])
    with pytest.raises(InputError, match="31 项指标，模板只有 30 行"):
        fill_workbook(blanks["self_evaluation"], record, tmp_path / "out.xlsx")


def test_refuses_another_projects_record(prefilled: dict[str, tuple[Path, Any]], tmp_path: Path) -> None:
    template, record = prefilled["self_evaluation-2023-jiaoyi-zhishu"]
    other = _record("self_evaluation-2023-jiaoyi-zhishu.json")
    other.indicators[2].target = "≥99(%)"
    layout = get_layout("self_evaluation", len(record.indicators))
    with pytest.raises(InputError) as info:
        fill_workbook(template, other, tmp_path / "out.xlsx")
    message = str(info.value)
    assert layout.table.a1(2, "target") in message and "第 3 项指标的年度指标值" in message and "≥99(%)" in message
    other = _record("self_evaluation-2023-tongji-fenxi.json")
    cell = layout.field("project_name").a1
    with pytest.raises(
        InputError, match=f"{cell}（项目名称）已锁定为「上海技术交易指数体系构建及验证」，记录中为「技术市场统计分析」"
    ):
        fill_workbook(template, other, tmp_path / "out.xlsx")


def test_refuses_control_characters(blanks: dict[str, Path], tmp_path: Path) -> None:
    record = SelfEvaluation(goal_expected="a\x01b")
    with pytest.raises(InputError, match="预期目标 含有工作簿无法保存的控制字符 U\\+0001"):
        fill_workbook(blanks["self_evaluation"], record, tmp_path / "out.xlsx")


def test_refuses_a_template_with_a_formula_in_an_input_cell(blanks: dict[str, Path], tmp_path: Path) -> None:
    layout = get_layout("self_evaluation")
    wb_path = tmp_path / "tampered.xlsx"
    with zipfile.ZipFile(blanks["self_evaluation"]) as zin, zipfile.ZipFile(wb_path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                ref = layout.field("funds.total.executed").a1
                root = etree.fromstring(data)
                cell = next(c for c in root.iter(M + "c") if c.get("r") == ref)
                etree.SubElement(cell, M + "f").text = "1+1"
                data = etree.tostring(root)
            zout.writestr(item, data)
    record = SelfEvaluation(funds=Funds(total=FundRow(executed=1.0)))
    with pytest.raises(InputError, match=f"{layout.field('funds.total.executed').a1}.*公式单元格"):
        fill_workbook(wb_path, record, tmp_path / "out.xlsx")


# --------------------------------------------------------------------------------------------
# Property: fill, then read the input cells back, equals the record's inputs.

_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from("=\n\t_x0041"),
    max_size=40,
)
_amount = st.none() | st.integers(-(10**9), 10**9) | st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)


@st.composite
def _self_evaluations(draw: st.DrawFn) -> SelfEvaluation:
    indicators = [
        Indicator(
            level1=draw(_text),
            level2=draw(_text),
            name=draw(_text),
            target=draw(_text),
            actual=draw(st.none() | _text),
            weight=draw(_amount),
            deviation=draw(st.none() | _text),
            score=draw(_amount),
        )
        for _ in range(draw(st.integers(0, 30)))
    ]
    funds = Funds(
        **{
            row: FundRow(initial_budget=draw(_amount), annual_budget=draw(_amount), executed=draw(_amount))
            for row in FUND_ROWS
        }
    )
    return SelfEvaluation(
        year=draw(st.none() | st.integers(2000, 2100)),
        department=draw(_text),
        implementing_unit=draw(_text),
        project_name=draw(_text),
        funds=funds,
        goal_expected=draw(_text),
        goal_actual=draw(_text),
        indicators=indicators,
    )


def _record_inputs(record: SelfEvaluation) -> dict[str, Any]:
    """The record's writable values, straight from the record (not through plan_writes)."""
    layout = get_layout("self_evaluation")
    out: dict[str, Any] = {}

    def norm(kind: Kind, value: Any) -> Any:
        if kind in (Kind.TEXT, Kind.LEVEL):
            return value or None
        return value

    for item in layout.record_fields:
        if item.role in (Role.INPUT, Role.DEFINITION):
            value: Any = record
            for part in item.path.split("."):
                value = getattr(value, part)
            out[item.path] = norm(item.kind, value)
    for index in range(layout.table.capacity):
        indicator = record.indicators[index] if index < len(record.indicators) else None
        for column in layout.table.columns:
            if column.role in (Role.INPUT, Role.DEFINITION):
                value = getattr(indicator, column.key) if indicator is not None else None
                out[f"indicators[{index}].{column.key}"] = norm(column.kind, value)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=_self_evaluations())
def test_fill_then_read_back_equals_inputs(blanks: dict[str, Path], tmp_path: Path, record: SelfEvaluation) -> None:
    out = fill_workbook(blanks["self_evaluation"], record, tmp_path / "h.xlsx")
    got = _read_inputs(out, record)
    expected = _record_inputs(record)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=0, abs=0), key  # repr round-trips a float exactly
        else:
            assert got[key] == value, key


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.fixed_dictionaries({k: _text for k in GOAL_TEXTS}), total=_amount)
def test_goal_table_texts_read_back(blanks: dict[str, Path], tmp_path: Path, texts: dict[str, str], total: Any) -> None:
    record = GoalTable(texts=texts, budget_yuan={"project_total": total})
    out = fill_workbook(blanks["goal_table"], record, tmp_path / "g.xlsx")
    got = _read_inputs(out, record)
    for key in GOAL_TEXTS:
        assert got[f"texts.{key}"] == (texts[key] or None)
    assert got["budget_yuan.project_total"] == total


# --------------------------------------------------------------------------------------------
# CLI


def test_cli_fill(prefilled: dict[str, tuple[Path, Any]], tmp_path: Path) -> None:
    template, _ = prefilled["self_evaluation-2023-jiaoliu-tuiguang"]
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(
        main,
        [
            "fill",
            str(template),
            str(ROOT / "samples/records/self_evaluation-2023-jiaoliu-tuiguang.json"),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and "已填写" in result.output


def test_cli_fill_several_records(blanks: dict[str, Path], tmp_path: Path) -> None:
    both = tmp_path / "two.json"
    both.write_text(
        json.dumps([json.loads(p.read_text(encoding="utf-8")) for p in RECORDS[1:3]], ensure_ascii=False),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["fill", str(blanks["self_evaluation"]), str(both), "-o", str(tmp_path / "o.xlsx")]
    )
    assert result.exit_code == 2
    assert "含有 2 条记录" in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "o.xlsx").exists()


@pytest.mark.parametrize(
    ("case", "needle"),
    [("not_template", "不是 sheetperf 生成的模板"), ("missing_record", "文件不存在"), ("wrong_form", "模板是")],
    ids=["not_template", "missing_record", "wrong_form"],
)
def test_cli_fill_bad_input(blanks: dict[str, Path], tmp_path: Path, case: str, needle: str) -> None:
    record = str(ROOT / "samples/records/self_evaluation-2023-jiaoliu-tuiguang.json")
    template = str(blanks["self_evaluation"])
    if case == "not_template":
        plain = tmp_path / "plain.xlsx"
        openpyxl.Workbook().save(plain)
        template = str(plain)
    elif case == "missing_record":
        record = str(tmp_path / "nope.json")
    else:
        template = str(blanks["goal_table"])
    result = CliRunner().invoke(main, ["fill", template, record, "-o", str(tmp_path / "o.xlsx")])
    assert result.exit_code == 2
    assert needle in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


# --- printed whole --------------------------------------------------------------------------------


def _printed(text: str) -> str:
    """Text as pdftotext gives it back, compared without line breaks, spaces and width forms."""
    import re
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.libreoffice
def test_longest_published_texts_print_whole(tmp_path: Path) -> None:
    """The form with the longest published texts (合同登记管理费: a 实际完成情况 of 960 characters,
    longer than Excel's tallest row holds at the form's font), filled as ``fill`` and ``import-text``
    write it, printed through LibreOffice: every character of the 实际完成情况, of each deviation
    reason and of each achievement level is on the page.  One soffice run for three print areas."""
    import subprocess

    from sheetperf.io.writer import FONT_SIZE
    from sheetperf.model.a1 import to_a1
    from sheetperf.services.artifacts import to_pdf

    record = load_records_json(ROOT / "samples" / "records" / "self_evaluation-2023-hetong-dengji-guanlifei.json")[0]
    assert isinstance(record, SelfEvaluation)
    template = write_template(tmp_path / "t.xlsx", "self_evaluation", record=record)
    filled = fill_workbook(template, record, tmp_path / "filled.xlsx")
    layout = get_layout("self_evaluation", len(record.indicators))
    goal = layout.field("goal_actual")
    last = len(record.indicators) - 1
    areas = {
        "goal_actual": f"{to_a1(goal.row, goal.col)}:{to_a1(goal.last_row, goal.last_col)}",
        "deviation": f"{layout.table.a1(0, 'deviation')}:{layout.table.a1(last, 'deviation')}",
        "actual": f"{layout.table.a1(0, 'actual')}:{layout.table.a1(last, 'actual')}",
    }
    books = []
    for name, area in areas.items():
        book = openpyxl.load_workbook(filled)
        for ws in book.worksheets:
            if ws.title != layout.sheet_name:
                ws.sheet_state = "hidden"
        book[layout.sheet_name].print_area = area
        book.save(tmp_path / f"{name}.xlsx")
        books.append(tmp_path / f"{name}.xlsx")
    pdfs = {p.stem: p for p in to_pdf(books, tmp_path / "pdf")}
    printed = {
        name: _printed(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
        for name, pdf in pdfs.items()
    }
    assert _printed(record.goal_actual) in printed["goal_actual"]
    deviations = [i.deviation for i in record.indicators if i.deviation]
    actuals = [i.actual for i in record.indicators if i.actual and not i.actual[0].isdigit()]
    assert deviations and "部分达成指标并具有一定效果" in actuals
    for text in deviations:
        assert _printed(text) in printed["deviation"], text
    for text in actuals:
        assert _printed(text) in printed["actual"], text
    # Only the text too long for the tallest row got a smaller font.
    sheet = openpyxl.load_workbook(filled)[layout.sheet_name]
    assert sheet[to_a1(goal.row, goal.col)].font.sz < FONT_SIZE
    assert sheet[layout.table.a1(0, "deviation")].font.sz == FONT_SIZE
