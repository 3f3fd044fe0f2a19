"""A real LibreOffice "department" fills a distributed template and saves it as .xlsx, .ods and .xls.

The department (tests/lo_department.py, driven through tests/department.py) types as a person
types, chooses from the dropdowns, pastes text, deletes a cell and types over a score formula after
unprotecting the sheet.  What LibreOffice saved is checked with openpyxl and python-calamine, not
with sheetperf's reader.  One LibreOffice run per test (or per module fixture).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from department import cells, have_department, run_department
from python_calamine import CalamineWorkbook

from conftest import SAMPLE_RECORDS
from sheetperf.cli import main

pytestmark = pytest.mark.libreoffice


@pytest.fixture(autouse=True, scope="module")
def _department_available() -> None:
    """LibreOffice with Python-UNO is a test dependency (.ci/run installs it): its absence fails."""
    reason = have_department()
    if reason is not None:
        pytest.fail(f"{reason}; install it as .ci/run does, or deselect with -m 'not libreoffice'", pytrace=False)


SHEET = "绩效自评表"
RECORD = SAMPLE_RECORDS / "self_evaluation-2023-jiaoyi-zhishu.json"
GOAL_EXPECTED = "完成“上海技术交易指数体系”构建工作，并完成指数应用模型的搭建。"
GOAL_ACTUAL = "目前已全部完成。\n一是完成了《上海技术交易指数体系构建研究报告》。\n二是形成分析报告。"
DEVIATION = "根据实际情况，年度报告在第四季度完成。"
FORMATS = ("xlsx", "ods", "xls")
SCORES = ["G13", "G14", "G15", "G16", "G17", "G18"]

# What the department enters into the pre-filled template (rows 13-18: the six indicators of
# 上海技术交易指数体系构建及验证; amounts in 万元 in C6:E9).
TYPED_NUMBERS = {"C6": 35.0, "D6": 35.0, "E6": 35.0, "C7": 35.0, "D7": 35.0, "E7": 35.0, "C8": 0.0}
TYPED_TEXT = {"E13": "1.00(份)", "E18": "100.00(%)"}
CHOSEN = {"E14": "达成指标", "E15": "部分达成指标并具有一定效果", "E16": "达成指标", "E17": "达成指标"}
PASTED = {"B11": GOAL_EXPECTED, "F11": GOAL_ACTUAL, "H15": DEVIATION}
OVERWRITTEN_SCORE = ("G15", 8.0)  # the department types 8 over the formula (its rule gives 7.5)
EXPECTED_SCORES = {"G13": 20.0, "G14": 20.0, "G15": 8.0, "G16": 15.0, "G17": 15.0, "G18": 10.0}
EXPECTED_TOTAL = 98.0  # 10 (budget execution) + 88


def make_template(folder: Path, *, record: Path | None = RECORD) -> Path:
    """A self-evaluation template from the sheetperf CLI (pre-filled from ``record``, or blank)."""
    out = folder / ("template.xlsx" if record else "blank.xlsx")
    args = ["template", "self-evaluation", "-o", str(out)]
    if record is not None:
        args[2:2] = ["--from", str(record)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return out


def column_row(address: str) -> tuple[int, int]:
    """'E13' → (4, 12), zero-based."""
    match = re.fullmatch(r"([A-Z]+)([0-9]+)", address)
    assert match, address
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return column - 1, int(match.group(2)) - 1


def calamine_values(path: Path, sheet: str, addresses: list[str]) -> dict[str, Any]:
    """Cell values as python-calamine reads them from the saved file (cached values of formulas)."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    values: dict[str, Any] = {}
    for address in addresses:
        column, row = column_row(address)
        value = rows[row][column] if row < len(rows) and column < len(rows[row]) else ""
        values[address] = None if value == "" else value
    return values


def openpyxl_values(path: Path, sheet: str, addresses: list[str]) -> dict[str, Any]:
    """Cell values (formula texts for formulas) as openpyxl reads them from the saved .xlsx."""
    book = openpyxl.load_workbook(path)
    return {address: book[sheet][address].value for address in addresses}


# --------------------------------------------------------------------------------------------
# The department fills the pre-filled template once; the tests look at what it saved.


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("department")
    template = make_template(folder)
    saved = {fmt: folder / f"returned.{fmt}" for fmt in FORMATS}
    actions: list[dict[str, Any]] = []
    for address, number in TYPED_NUMBERS.items():
        actions.append({"do": "type", "sheet": SHEET, "cell": address, "text": f"{number:g}"})
    # A Stop validity rule (decimal ≥ 0) refuses text in an amount cell, as in LibreOffice.
    actions.append({"do": "type", "sheet": SHEET, "cell": "E9", "text": "1.42万元", "expect": "rejected"})
    actions += [{"do": "type", "sheet": SHEET, "cell": a, "text": t} for a, t in TYPED_TEXT.items()]
    actions += [{"do": "choose", "sheet": SHEET, "cell": a, "text": t} for a, t in CHOSEN.items()]
    actions += [{"do": "paste_text", "sheet": SHEET, "cell": a, "text": t} for a, t in PASTED.items()]
    actions += [
        {"do": "type", "sheet": SHEET, "cell": "H13", "text": "无"},
        {"do": "clear", "sheet": SHEET, "cell": "H13"},
        {"do": "unprotect", "sheet": SHEET},
        {"do": "type", "sheet": SHEET, "cell": OVERWRITTEN_SCORE[0], "text": f"{OVERWRITTEN_SCORE[1]:g}"},
        {"do": "recalculate"},
        {"do": "read", "sheet": SHEET, "cells": [*SCORES, "H6", "G19", "C20"]},
    ]
    actions += [{"do": "save_as", "path": str(path), "format": fmt} for fmt, path in saved.items()]
    jobs: list[dict[str, Any]] = [{"file": str(template), "actions": actions}]
    for path in saved.values():  # reopen what was saved, recalculate, read the scores
        jobs.append(
            {
                "file": str(path),
                "actions": [
                    {"do": "recalculate"},
                    {"do": "read", "sheet": SHEET, "cells": [*SCORES, "H6", "G19", "C20", "C6", "E14", "H15"]},
                    {"do": "find_errors"},
                    {"do": "inspect"},
                ],
            }
        )
    results = run_department(jobs, folder)
    return {
        "template": template,
        "saved": saved,
        "edit": results[0],
        "reopened": dict(zip(FORMATS, results[1:], strict=True)),
    }


def test_libreoffice_scores_the_filled_form_before_saving(filled: dict[str, Any]) -> None:
    edit = filled["edit"]
    read = cells(edit)
    assert {a: read[a]["value"] for a in SCORES} == EXPECTED_SCORES
    assert read["G15"]["type"] == "VALUE"  # the formula was typed over
    assert read["G13"]["type"] == "FORMULA" and read["G13"]["error"] == 0
    assert read["H6"]["value"] == 10.0
    assert read["G19"]["value"] == EXPECTED_TOTAL
    assert read["C20"]["string"] == "优"
    assert edit["notes"] == [f"{SHEET}!E9: '1.42万元' rejected by the validity rule (STOP)"]
    assert [s["format"] for s in edit["saved"]] == list(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_saved_file_holds_what_was_typed_chosen_and_pasted(filled: dict[str, Any], fmt: str) -> None:
    path = filled["saved"][fmt]
    addresses = [*TYPED_NUMBERS, *TYPED_TEXT, *CHOSEN, *PASTED, "E9", "H13", "C9", OVERWRITTEN_SCORE[0]]
    values = calamine_values(path, SHEET, addresses)
    for address, number in TYPED_NUMBERS.items():
        assert isinstance(values[address], float | int) and not isinstance(values[address], bool), (address, values)
        assert values[address] == number, address
    for address, text in {**TYPED_TEXT, **CHOSEN, **PASTED}.items():
        assert values[address] == text, address
    assert values["E9"] is None  # the rejected entry
    assert values["H13"] is None  # typed, then deleted
    assert values["C9"] is None  # never touched
    assert values[OVERWRITTEN_SCORE[0]] == OVERWRITTEN_SCORE[1]


def test_saved_xlsx_keeps_types_formats_validation_and_protection(filled: dict[str, Any]) -> None:
    path = filled["saved"]["xlsx"]
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET]
    for address, number in TYPED_NUMBERS.items():
        assert sheet[address].data_type == "n" and sheet[address].value == number, address
        assert sheet[address].number_format == "0.00", address
    for address, text in {**TYPED_TEXT, **CHOSEN, **PASTED}.items():
        assert sheet[address].data_type == "s" and sheet[address].value == text, address
    assert sheet["E13"].number_format == "@"  # the input cell's text format survives typing
    score_cell, score = OVERWRITTEN_SCORE
    assert sheet[score_cell].data_type == "n" and sheet[score_cell].value == score
    assert str(sheet["G13"].value).startswith("=IF(")  # the other scores are still formulas
    assert not sheet.protection.sheet  # unprotected by the department ...
    assert all(book[name].protection.sheet for name in ("填表说明", "下拉选项", "_sheetperf"))  # ... the others not
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"}
    assert lists == {"E13:E18": "SP_list_levels"}
    assert "SP_list_levels" in book.defined_names and "SP_total_score" in book.defined_names
    states = {ws.title: ws.sheet_state for ws in book.worksheets}
    # LibreOffice knows no "very hidden": the metadata sheet comes back merely hidden.
    assert states == {SHEET: "visible", "填表说明": "visible", "下拉选项": "hidden", "_sheetperf": "hidden"}
    cached = openpyxl.load_workbook(path, data_only=True)[SHEET]
    assert cached["G19"].value == EXPECTED_TOTAL and cached["C20"].value == "优"


@pytest.mark.parametrize("fmt", FORMATS)
def test_saved_file_keeps_sheets_names_and_rules_for_libreoffice(filled: dict[str, Any], fmt: str) -> None:
    reopened = filled["reopened"][fmt]
    [inspection] = reopened["inspections"]
    sheets = {s["name"]: (s["visible"], s["protected"]) for s in inspection["sheets"]}
    assert sheets == {
        SHEET: (True, False),
        "填表说明": (True, True),
        "下拉选项": (False, True),
        "_sheetperf": (False, True),
    }
    names = inspection["named_ranges"]
    assert names["SP_list_levels"] == "$下拉选项.$C$1:$C$4"
    assert names["SP_total_score"] == f"${SHEET}.$G$19"
    read = cells(reopened)
    rule = read["E14"]["validation"]
    assert rule["type"] == "LIST" and rule["choices"] == [
        "达成指标",
        "部分达成指标并具有一定效果",
        "未达成指标且效果较差",
        "不适用",
    ]
    assert read["C6"]["format"] == "0.00" and read["C6"]["validation"]["error_style"] == "STOP"
    assert read["E14"]["format"] == "@" and not read["E14"]["locked"]
    assert read["H15"]["string"] == DEVIATION


@pytest.mark.parametrize(
    "fmt",
    [
        "xlsx",
        "ods",
        pytest.param(
            "xls",
            marks=pytest.mark.xfail(
                strict=True,
                reason="BIFF8 allows 30 function arguments: LibreOffice writes the level formula of column AS "
                "(an OR of 36 comparisons) as =NA(), so every score formula is #N/A after recalculation",
            ),
        ),
    ],
)
def test_reopened_and_recalculated_file_gives_the_scores(filled: dict[str, Any], fmt: str) -> None:
    reopened = filled["reopened"][fmt]
    read = cells(reopened)
    assert read[OVERWRITTEN_SCORE[0]]["value"] == OVERWRITTEN_SCORE[1]
    assert read["C6"]["type"] == "VALUE" and read["C6"]["value"] == 35.0
    assert read["E14"]["type"] == "TEXT" and read["E14"]["string"] == "达成指标"
    assert reopened["errors"] == [[]], reopened["errors"][0][:5]
    assert {a: read[a]["value"] for a in SCORES} == EXPECTED_SCORES
    assert read["G19"]["value"] == EXPECTED_TOTAL and read["C20"]["string"] == "优"


def test_reopened_xls_is_readable_and_its_errors_are_the_level_formulas(filled: dict[str, Any]) -> None:
    """The .xls reopens with every input and the typed score intact; the errors it shows all
    come from column AS (=NA() since the export) and the formulas that depend on it."""
    reopened = filled["reopened"]["xls"]
    read = cells(reopened)
    assert read["C6"]["value"] == 35.0 and read["E14"]["string"] == "达成指标" and read["H15"]["string"] == DEVIATION
    assert read[OVERWRITTEN_SCORE[0]]["value"] == OVERWRITTEN_SCORE[1]
    assert read["H6"]["value"] == 10.0  # budget execution has no level formula
    [errors] = reopened["errors"]
    assert {e["error_text"] for e in errors} == {"#N/A"}
    assert {e["cell"] for e in errors if e["cell"].startswith("AS")} == {f"AS{r}" for r in range(13, 19)}
    assert all(e["formula"] == "=NA()" for e in errors if e["cell"].startswith("AS"))
    columns = {re.sub(r"[0-9]", "", e["cell"]) for e in errors}
    assert columns == {"AS", "AU", "AV", "AW", "M", "G"}


# --------------------------------------------------------------------------------------------
# "type" is keyboard entry; "paste_text" is a literal string


def test_type_goes_through_input_recognition_and_paste_text_does_not(tmp_path: Path) -> None:
    template = make_template(tmp_path)
    out = tmp_path / "typed.xlsx"
    typed = {
        "J30": "98",
        "J31": "98%",
        "J32": "1.42万元",
        "J33": "=1+1",
        "J34": "2024",
        "J35": "2024/1/5",  # a date in the zh-CN locale the department uses
        "J36": "'98",  # the apostrophe forces text, as in Calc
        "E13": "98",  # an input cell formatted as text (@): what is typed stays text
    }
    pasted = {"J37": "=1+1", "J38": "98"}
    clipboard = {"J39": "98", "J40": "=1+1"}
    actions: list[dict[str, Any]] = [{"do": "unprotect", "sheet": SHEET}]
    actions += [{"do": "type", "sheet": SHEET, "cell": a, "text": t} for a, t in typed.items()]
    actions += [{"do": "paste_text", "sheet": SHEET, "cell": a, "text": t} for a, t in pasted.items()]
    actions += [{"do": "paste_clipboard", "sheet": SHEET, "cell": a, "text": t} for a, t in clipboard.items()]
    actions += [
        {"do": "read", "sheet": SHEET, "cells": [*typed, *pasted, *clipboard]},
        {"do": "save_as", "path": str(out), "format": "xlsx"},
    ]
    [job] = run_department([{"file": str(template), "actions": actions}], tmp_path)
    read = cells(job)

    def kind(address: str) -> tuple[str, str, float]:
        return read[address]["type"], read[address]["string"], read[address]["value"]

    assert kind("J30") == ("VALUE", "98", 98.0)
    assert kind("J31") == ("VALUE", "98.00%", 0.98) and "PERCENT" in read["J31"]["format_kinds"]
    assert kind("J32") == ("TEXT", "1.42万元", 0.0)
    assert kind("J33") == ("FORMULA", "2", 2.0) and read["J33"]["formula"] == "=1+1"
    assert kind("J34") == ("VALUE", "2024", 2024.0)
    assert read["J35"]["type"] == "VALUE" and "DATE" in read["J35"]["format_kinds"]
    assert kind("J36") == ("TEXT", "98", 0.0)
    assert kind("E13") == ("TEXT", "98", 0.0)
    assert kind("J37") == ("TEXT", "=1+1", 0.0)
    assert kind("J38") == ("TEXT", "98", 0.0)
    # LibreOffice's own Ctrl+V of one line of plain text interprets it like typing.
    assert kind("J39") == ("VALUE", "98", 98.0)
    assert kind("J40") == ("FORMULA", "2", 2.0)

    sheet = openpyxl.load_workbook(out)[SHEET]
    assert sheet["J30"].value == 98 and sheet["J30"].data_type == "n"
    assert sheet["J31"].value == 0.98 and sheet["J31"].number_format.endswith("%")
    assert sheet["J32"].value == "1.42万元" and sheet["J32"].data_type == "s"
    assert sheet["J33"].value == "=1+1" and sheet["J33"].data_type == "f"
    assert sheet["J34"].value == 2024 and sheet["J34"].data_type == "n"
    assert sheet["J35"].value == datetime.datetime(2024, 1, 5)
    assert sheet["J36"].value == "98" and sheet["J36"].data_type == "s"
    assert sheet["E13"].value == "98" and sheet["E13"].data_type == "s"
    assert sheet["J37"].data_type == "s" and sheet["J37"].value == "=1+1"
    assert sheet["J38"].data_type == "s" and sheet["J38"].value == "98"
    cached = calamine_values(out, SHEET, ["J33", "J37"])
    assert cached == {"J33": 2.0, "J37": "=1+1"}


KEYBOARD_INPUTS = [
    "98",
    "98%",
    "1.42万元",
    "=1+1",
    "2024",
    "1,234.5",
    "(5)",
    "1e3",
    "-5",
    "2024-1-5",
    "2024/1/5",
    "2024年1月5日",
    "12:30",
    "TRUE",
    "'98",
    " 98",
    "¥100",
    "0.1+0.2",
    "达成指标",
]


def test_type_gives_what_real_key_presses_give(tmp_path: Path) -> None:
    """Each input is typed with ``type`` into column J and with real key events (the UI-test
    robot's TYPE + RETURN) into column L of a visible window; the cells come out the same.  So do
    an amount cell (0.00), a text-formatted input cell (@) and a Stop validity rule.  AutoCorrect
    acts only on key presses: "1/2" becomes "½" there."""
    template = make_template(tmp_path)
    actions: list[dict[str, Any]] = [{"do": "unprotect", "sheet": SHEET}]
    pairs: list[tuple[str, str]] = []
    for row, text in enumerate(KEYBOARD_INPUTS, 30):
        actions.append({"do": "type", "sheet": SHEET, "cell": f"J{row}", "text": text})
        actions.append({"do": "keys", "sheet": SHEET, "cell": f"L{row}", "text": text})
        pairs.append((f"J{row}", f"L{row}"))
    actions += [
        {"do": "type", "sheet": SHEET, "cell": "C6", "text": "98%"},
        {"do": "keys", "sheet": SHEET, "cell": "C7", "text": "98%"},
        {"do": "type", "sheet": SHEET, "cell": "E13", "text": "98"},
        {"do": "keys", "sheet": SHEET, "cell": "E14", "text": "98"},
        {"do": "type", "sheet": SHEET, "cell": "C8", "text": "1.42万元", "expect": "rejected"},
        {"do": "keys", "sheet": SHEET, "cell": "D8", "text": "1.42万元"},
        {"do": "type", "sheet": SHEET, "cell": "J60", "text": "1/2"},
        {"do": "keys", "sheet": SHEET, "cell": "L60", "text": "1/2"},
    ]
    pairs += [("C6", "C7"), ("E13", "E14"), ("C8", "D8")]
    actions.append({"do": "read", "sheet": SHEET, "cells": [a for pair in pairs for a in pair] + ["J60", "L60"]})
    [job] = run_department([{"file": str(template), "visible": True, "actions": actions}], tmp_path)
    read = cells(job)

    def outcome(address: str) -> tuple[Any, ...]:
        c = read[address]
        return c["type"], c["string"], c["value"], c["formula"], c["format"], c["format_kinds"]

    differing = {(typed, pressed): (outcome(typed), outcome(pressed)) for typed, pressed in pairs}
    differing = {k: v for k, v in differing.items() if v[0] != v[1]}
    assert differing == {}
    assert outcome("C6")[:3] == ("VALUE", "0.98", 0.98)  # the amount cell keeps its 0.00 format
    assert outcome("E13")[:2] == ("TEXT", "98")
    assert outcome("C8")[0] == "EMPTY"  # refused by the Stop rule either way
    assert read["J60"]["type"] == "VALUE" and "DATE" in read["J60"]["format_kinds"]
    assert (read["L60"]["type"], read["L60"]["string"]) == ("TEXT", "½")  # AutoCorrect


# --------------------------------------------------------------------------------------------
# What a person cannot do fails clearly; LibreOffice never outlives the run


def test_typing_into_a_locked_score_needs_the_sheet_unprotected(tmp_path: Path) -> None:
    template = make_template(tmp_path)
    jobs = [{"file": str(template), "actions": [{"do": "type", "sheet": SHEET, "cell": "G13", "text": "20"}]}]
    with pytest.raises(AssertionError) as failure:
        run_department(jobs, tmp_path)
    message = str(failure.value)
    assert "exit 1): lo_department: job 1 (template.xlsx), action 1 (type 绩效自评表!G13): " in message
    assert "is locked on a protected sheet" in message and "unprotect the sheet first" in message


def test_choosing_a_value_the_dropdown_does_not_offer_fails(tmp_path: Path) -> None:
    template = make_template(tmp_path)
    actions = [
        {"do": "choose", "sheet": 0, "cell": "E14", "text": "达成指标"},
        {"do": "choose", "sheet": 0, "cell": "E15", "text": "基本达成"},
    ]
    with pytest.raises(AssertionError, match=r"action 2 \(choose 0!E15\): '基本达成' is not offered .*'达成指标'"):
        run_department([{"file": str(template), "actions": actions}], tmp_path)


def test_blank_template_dropdowns_and_warning_rules(tmp_path: Path) -> None:
    """The blank template's level-1 column offers the national categories; a value outside the
    list is accepted after the Warning (as when OK is clicked) and noted."""
    blank = make_template(tmp_path, record=None)
    actions = [
        {"do": "choose", "sheet": SHEET, "cell": "A13", "text": "产出指标"},
        {"do": "type", "sheet": SHEET, "cell": "A14", "text": "投入与管理"},
        {"do": "type", "sheet": SHEET, "cell": "F13", "text": "-5", "expect": "rejected"},
        {"do": "read", "sheet": SHEET, "cells": ["A13", "A14", "F13"]},
    ]
    [job] = run_department([{"file": str(blank), "actions": actions}], tmp_path)
    read = cells(job)
    assert read["A13"]["validation"]["choices"] == ["产出指标", "效益指标", "满意度指标", "成本指标"]
    assert read["A13"]["string"] == "产出指标"
    assert read["A14"]["string"] == "投入与管理" and read["A14"]["validation"]["error_style"] == "WARNING"
    assert read["F13"]["type"] == "EMPTY"
    assert job["notes"] == [
        f"{SHEET}!A14: '投入与管理' breaks the validity rule (WARNING), accepted with OK",
        f"{SHEET}!F13: '-5' rejected by the validity rule (STOP)",
    ]


def test_timeout_stops_libreoffice(tmp_path: Path) -> None:
    template = make_template(tmp_path)
    jobs = [{"file": str(template), "actions": [{"do": "recalculate"}]}]
    with pytest.raises(AssertionError, match=r"exit 3\): .*timed out after 0.3 s"):
        run_department(jobs, tmp_path, timeout=0.3)  # run_department also checks no soffice is left


def test_bad_jobs_are_refused_before_libreoffice_starts(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match=r"exit 2\): .*job 1: needs an absolute 'file'"):
        run_department([{"file": "relative.xlsx"}], tmp_path)
    with pytest.raises(AssertionError, match=r"unknown action 'press'"):
        run_department([{"file": str(tmp_path / "x.xlsx"), "actions": [{"do": "press"}]}], tmp_path)
