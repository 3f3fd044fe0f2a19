"""Returns in every format, unit by unit: the .ods reader, the .xls record scan, numbers typed as
text, and the checks that no empty input passes (the LibreOffice round trip is tests/test_returns.py)."""

from __future__ import annotations

import copy
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import SAMPLE_RECORDS, load_case
from sheetperf.checks.validation import validate_record
from sheetperf.cli import main
from sheetperf.errors import InputError, UnsafeInputError
from sheetperf.io.reader import _parse_amount, read_workbook, read_workbook_report
from sheetperf.model.evidence import NumberText, TemplateIdentity
from sheetperf.model.record import CellRef, SelfEvaluation, record_from_dict
from sheetperf.rules.profiles import get_profile
from sheetperf.vocab.text import os_reason
from sheetperf.vocab.units import convert
from sheetperf.xlsx.biff import BiffError, read_biff, workbook_stream
from sheetperf.xlsx.ods import excel_formula, read_ods

SHANGHAI = get_profile("shanghai")
JIAOYI = SAMPLE_RECORDS / "self_evaluation-2023-jiaoyi-zhishu.json"


# --- ODF formulas in Excel's syntax -------------------------------------------------------------


@pytest.mark.parametrize(
    ("odf", "excel"),
    [
        ('of:=IF([.E6]="";"";[.E6]*2)', '=IF(E6="","",E6*2)'),
        ("of:=ROUND([.$E$6]/[.D6]*100;2)", "=ROUND($E$6/D6*100,2)"),
        ("of:=SUM([.G13:.G18])", "=SUM(G13:G18)"),
        ("of:=COUNTIF([$'下拉选项'.$A$1:.$A$5];[.E13])", "=COUNTIF('下拉选项'!$A$1:$A$5,E13)"),
        ("of:=[$Sheet2.B3]", "=Sheet2!B3"),
        ('of:=IF([.A1]="a;b";"[.x]";1)', '=IF(A1="a;b","[.x]",1)'),
        ('of:=LEN("say ""hi"";")', '=LEN("say ""hi"";")'),
        ("of:=COM.MICROSOFT.IFERROR([.A1];0)", "=IFERROR(A1,0)"),
        ("msoxl:=IF(A1>0,1,0)", "=IF(A1>0,1,0)"),
        ("of:=[.#REF!]", "=#REF!"),
    ],
    ids=["blank-test", "absolute", "range", "quoted-sheet", "plain-sheet", "strings-kept", "escaped-quote",
         "namespaced-function", "excel-syntax", "ref-error"],
)  # fmt: skip
def test_odf_formula_in_excel_syntax(odf: str, excel: str) -> None:
    assert excel_formula(odf) == excel


# --- the .ods reader on hand-made documents -----------------------------------------------------

_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
 xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0">
<office:automatic-styles>
 <number:number-style style:name="N2"><number:number number:decimal-places="2" number:min-decimal-places="2" number:min-integer-digits="1"/></number:number-style>
 <number:number-style style:name="N3"><number:number number:decimal-places="2" number:min-decimal-places="2" number:min-integer-digits="1"/><number:text>(%)</number:text></number:number-style>
 <number:percentage-style style:name="N4"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>
 <number:number-style style:name="N5"><number:number number:decimal-places="0" number:min-integer-digits="1" number:grouping="true"/></number:number-style>
 <style:style style:name="ce1" style:family="table-cell" style:data-style-name="N2"/>
 <style:style style:name="ce2" style:family="table-cell" style:data-style-name="N3"/>
 <style:style style:name="ce3" style:family="table-cell" style:data-style-name="N4"/>
 <style:style style:name="ce4" style:family="table-cell" style:data-style-name="N5"/>
 <style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>
</office:automatic-styles>
<office:body><office:spreadsheet>
{tables}
<table:named-expressions><table:named-range table:name="SP_x" table:base-cell-address="$Sheet1.$A$1" table:cell-range-address="$Sheet1.$B$2:.$C$2"/></table:named-expressions>
</office:spreadsheet></office:body></office:document-content>"""

_TABLES = """<table:table table:name="Sheet1">
 <table:table-column table:number-columns-repeated="5"/>
 <table:table-row><table:table-cell office:value-type="string"><text:p>项目<text:s text:c="2"/>名称</text:p><text:p>第二行</text:p></table:table-cell>
  <table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="2" office:value-type="string"><text:p>合并</text:p></table:table-cell><table:covered-table-cell/></table:table-row>
 <table:table-row><table:table-cell table:style-name="ce1" office:value-type="float" office:value="98"/>
  <table:covered-table-cell table:number-columns-repeated="2"/>
  <table:table-cell table:style-name="ce2" office:value-type="float" office:value="98"/>
  <table:table-cell table:style-name="ce3" office:value-type="percentage" office:value="0.981"/></table:table-row>
 <table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="5"/></table:table-row>
 <table:table-row><table:table-cell table:formula="of:=1/0" office:value-type="float" office:value="0" calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>
  <table:table-cell table:formula="of:=IF(1;&quot;&quot;;1)"><text:p/></table:table-cell>
  <table:table-cell table:style-name="ce4" office:value-type="float" office:value="5535000"/></table:table-row>
</table:table>
<table:table table:name="Hidden" table:style-name="ta2"><table:table-row><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"""


def make_ods(path: Path, tables: str = _TABLES, content: str | None = None) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content if content is not None else _CONTENT.replace("{tables}", tables))
    path.write_bytes(buffer.getvalue())
    return path


def test_ods_cells_formats_merges_names(tmp_path: Path) -> None:
    from sheetperf.xlsx.book import format_number

    book = read_ods(make_ods(tmp_path / "a.ods"))
    sheet, hidden = book.grids
    cells = sheet.cells
    assert cells[(0, 0)].value == "项目  名称\n第二行"
    assert (0, 1, 1, 2) in sheet.merges
    shown = {rc: format_number(c.value, c.fmt) for rc, c in cells.items() if isinstance(c.value, float)}
    assert shown[(1, 0)] == "98.00"
    assert shown[(1, 3)] == "98.00(%)"
    assert shown[(1, 4)] == "98.1%"
    assert shown[(1000002, 2)] == "5,535,000"
    error = cells[(1000002, 0)]
    assert (error.value, error.error, error.formula) == ("#DIV/0!", True, "=1/0")
    assert cells[(1000002, 1)].value == ""  # a formula's empty text result is a result
    assert hidden.hidden and not sheet.hidden
    assert book.defined_names == {"SP_x": "Sheet1!$B$2:$C$2"}


def test_ods_with_a_doctype_is_refused(tmp_path: Path) -> None:
    content = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + _CONTENT.split("?>", 1)[1].replace("{tables}", "")
    with pytest.raises(UnsafeInputError, match="DOCTYPE"):
        read_ods(make_ods(tmp_path / "bomb.ods", content=content))


def test_ods_repeated_cells_past_the_limit_are_refused(tmp_path: Path) -> None:
    row = '<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="16000" office:value-type="float" office:value="1"/></table:table-row>'
    with pytest.raises(UnsafeInputError, match="单元格超过"):
        read_ods(make_ods(tmp_path / "wide.ods", tables=f'<table:table table:name="S">{row}</table:table>'))


def test_ods_without_content_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(InputError, match=r"content\.xml"):
        read_workbook(path)


# --- the .xls record scan -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 4000],
    ids=["empty", "zero-header", "all-ones"],
)
def test_broken_compound_files_are_biff_errors(data: bytes) -> None:
    with pytest.raises(BiffError):
        workbook_stream(data)


@pytest.mark.libreoffice
def test_an_xls_whose_records_cannot_be_scanned(libreoffice_xls: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the BIFF scan (a file calamine reads but the scan refuses): the values are read, the
    template is still found through its metadata sheet and its layout, and one notice says what
    was not read."""
    import sheetperf.xlsx.biff as biff

    def refuse(path: object) -> None:
        raise BiffError("damaged")

    monkeypatch.setattr(biff, "read_biff", refuse)
    report = read_workbook_report(libreoffice_xls)
    [record] = report.records
    assert record.year == 2023 and record.project_name == "上海技术交易指数体系构建及验证"
    assert record.provenance.evidence.method == "defined_names"  # the layout's cells
    assert record.provenance.evidence.template is not None
    assert [n for n in report.notices if "未能读取这个 .xls 文件中的公式" in n] != []
    assert not [n for n in report.notices if "_sheetperf" in n or "填表说明" in n]


@pytest.fixture(scope="module")
def libreoffice_xls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 交易指数 sample saved as .xls by LibreOffice."""
    import subprocess

    folder = tmp_path_factory.mktemp("xls")
    source = Path(__file__).resolve().parents[1] / "samples" / "self_evaluation-2023-jiaoyi-zhishu.xlsx"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{folder}/lo", "--convert-to", "xls",
         "--outdir", str(folder), str(source)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    return folder / "self_evaluation-2023-jiaoyi-zhishu.xls"


@pytest.mark.libreoffice
def test_xls_records_give_formulas_names_and_formats(libreoffice_xls: Path) -> None:
    book = read_biff(libreoffice_xls)
    form = book.sheets[0]
    assert form.name == "绩效自评表"
    assert book.defined_names["SP_project_name"] == "'绩效自评表'!$C$3:$H$3"
    assert (12, 6) in form.formulas  # G13, a score
    assert form.formats[(5, 6)] == "0.00"  # H6's neighbour G6: the execution rate
    [record] = read_workbook(libreoffice_xls)
    evidence = record.provenance.evidence
    assert evidence.format == "xls" and evidence.template is not None and evidence.template.form_id == ""
    assert record.year == 2023 and evidence.method == "defined_names"


# --- numbers as people type them ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [
        ("1.42万元", "1.42", "万元"),
        ("80 万元", "80", "万元"),
        ("1,420,000元", "1420000", "元"),
        ("98%", "98", "%"),
        ("１２．５", "12.5", ""),
        ("100分", "100", "分"),
        ("５,５３５,０００", "5535000", ""),
    ],
    ids=["wan-yuan", "spaced", "yuan-grouped", "percent", "full-width", "points", "full-width-grouped"],
)
def test_amount_as_typed(text: str, number: str, unit: str) -> None:
    assert _parse_amount(text) == (Decimal(number), unit)


@pytest.mark.parametrize("text", ["完成", "-", "约一百万", "1.2.3万元", "万元"], ids=["word", "dash", "words", "two-points", "unit-only"])
def test_no_amount(text: str) -> None:
    assert _parse_amount(text) is None


@pytest.mark.parametrize(
    ("value", "written", "column", "expected"),
    [
        ("1.42", "万元", "万元", "1.42"),
        ("1420000", "元", "万元", "142"),
        ("80", "万元", "元", "800000"),
        ("98", "%", "%", "98"),
        ("98", "%", "万元", None),
        ("20", "分", "万元", None),
        ("3", "", "元", "3"),
    ],
    ids=["same", "yuan-to-wan", "wan-to-yuan", "percent", "percent-in-money", "points-in-money", "no-unit"],
)
def test_unit_conversion(value: str, written: str, column: str, expected: str | None) -> None:
    converted = convert(Decimal(value), written, column)
    assert (None if converted is None else converted.normalize()) == (None if expected is None else Decimal(expected).normalize())


def test_os_errors_are_told_in_chinese() -> None:
    assert os_reason(IsADirectoryError(21, "Is a directory")) == "这是一个文件夹，不是文件"
    assert "Errno" not in os_reason(OSError(99999, "Strange"))


# --- nothing empty passes -----------------------------------------------------------------------


def jiaoyi() -> dict[str, Any]:
    return copy.deepcopy(load_case(JIAOYI))


def with_cells(data: dict[str, Any]) -> SelfEvaluation:
    """The record with the template's cells (a workbook read), so findings carry them."""
    from sheetperf.forms.layout import get_layout

    record = record_from_dict(data)
    assert isinstance(record, SelfEvaluation)
    layout = get_layout("self_evaluation", len(record.indicators))
    paths = ["project_name", "goal_actual", "total_weight", "total_score", "grade"]
    paths += [f"funds.{r}.{c}" for r in ("total", "current_year_appropriation", "carryover", "other")
              for c in ("initial_budget", "annual_budget", "executed", "execution_rate")]  # fmt: skip
    for path in paths:
        record.provenance.cells[path] = CellRef("绩效自评表", layout.field(path).a1)
    for index in range(len(record.indicators)):
        for key in ("level1", "name", "target", "actual", "weight", "score", "deviation"):
            record.provenance.cells[f"indicators[{index}].{key}"] = CellRef("绩效自评表", layout.table.a1(index, key))
    return record


def test_empty_inputs_are_errors_at_their_cells() -> None:
    data = jiaoyi()
    data["funds"]["total"]["executed"] = None
    data["funds"]["current_year_appropriation"]["executed"] = None
    data["indicators"][3]["actual"] = ""
    data["goal_actual"] = ""
    findings = validate_record(with_cells(data), SHANGHAI)
    missing = {f.cell for f in findings if f.rule == "input_missing" and f.severity == "error"}
    assert missing == {"E6", "E7", "E16", "F11"}


def test_an_untouched_form_is_one_finding() -> None:
    data = jiaoyi()
    for row in data["funds"].values():
        row.update(executed=None, execution_rate=None, score=None)
    for ind in data["indicators"]:
        ind.update(actual="", deviation="", score=None)
    data.update(goal_actual="", total_score=None, grade=None)
    findings = validate_record(with_cells(data), SHANGHAI)
    assert [(f.rule, f.cell) for f in findings if f.severity == "error"] == [("form_empty", "E6")]


def test_a_goal_table_needs_its_texts() -> None:
    data = copy.deepcopy(load_case(SAMPLE_RECORDS / "goal_table-2020-neihan-jianshe.json"))
    data["texts"]["basis"] = ""
    findings = validate_record(record_from_dict(data), SHANGHAI)
    assert [(f.rule, f.field) for f in findings if f.severity == "error"] == [("input_missing", "texts.basis")]


def test_number_texts_are_findings_at_their_cells() -> None:
    record = with_cells(jiaoyi())
    evidence = record.provenance.evidence
    evidence.number_texts["funds.total.executed"] = NumberText("35万元", 35.0, "万元")
    evidence.number_texts["funds.carryover.annual_budget"] = NumberText("待定", None, "")
    findings = {f.rule: f for f in validate_record(record, SHANGHAI) if f.rule in ("number_as_text", "not_a_number")}
    assert (findings["number_as_text"].cell, findings["number_as_text"].severity) == ("E6", "notice")
    assert "“35万元”" in findings["number_as_text"].message and "35（万元）" in findings["number_as_text"].message
    assert (findings["not_a_number"].cell, findings["not_a_number"].severity) == ("D8", "error")


# --- messages -----------------------------------------------------------------------------------


def test_deviation_message_shows_stated_and_recomputed() -> None:
    data = jiaoyi()
    data["indicators"][0].update(actual="0.50(份)", score=20, deviation="")  # =1.00(份): 0.5 gives 10
    findings = validate_record(with_cells(data), SHANGHAI)
    [deviation] = [f for f in findings if f.rule == "deviation_missing"]
    assert "填写为 20.00（按规则应为 10.00），低于分值 20.00" in deviation.message


def test_level1_split_has_a_cell() -> None:
    """信息化运维 splits 60/30/0: each category's note at its first indicator, 满意度 (none) at the total weight."""
    data = copy.deepcopy(load_case(SAMPLE_RECORDS / "self_evaluation-2023-xinxihua-yunwei.json"))
    findings = validate_record(with_cells(data), SHANGHAI)
    split = {f.message.split("分值")[0]: f.cell for f in findings if f.rule == "level1_split"}
    assert split == {"产出指标": "A13", "满意度指标": "F16"}, split


def test_changed_locked_target_names_the_distributed_value() -> None:
    from sheetperf.forms.layout import encode_digests, encode_locked_values, fingerprint, locked_digests

    original = with_cells(jiaoyi())
    locked = ["project", "indicators", "weights"]
    identity = TemplateIdentity(
        form="self_evaluation", layout_version="", capacity=len(original.indicators), locked=tuple(locked),
        fingerprint=fingerprint(original, locked), cell_digests=encode_digests(locked_digests(original, locked)),
        locked_values=encode_locked_values(original, locked),
    )  # fmt: skip
    from sheetperf.forms.layout import LAYOUT_VERSION

    data = jiaoyi()
    data["indicators"][5]["target"] = "≥150(家)"
    changed = with_cells(data)
    changed.provenance.sheet = "绩效自评表"
    changed.provenance.evidence.template = TemplateIdentity(**{**identity.__dict__, "layout_version": LAYOUT_VERSION})
    [finding] = [f for f in validate_record(changed, SHANGHAI) if f.rule == "locked_content_changed"]
    assert finding.cell == "D18"
    assert "下发时为“≥98.00(%)”，现为“≥150(家)”" in finding.message
    assert "““" not in finding.message


# --- read takes folders -------------------------------------------------------------------------


def test_read_a_folder_lists_what_it_skips(tmp_path: Path) -> None:
    import shutil

    root = Path(__file__).resolve().parents[1]
    shutil.copy(root / "samples" / "self_evaluation-2023-jiaoyi-zhishu.xlsx", tmp_path / "a.xlsx")
    (tmp_path / "说明.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "~$a.xlsx").write_bytes(b"lock")
    result = CliRunner().invoke(main, ["read", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "说明.docx：不是工作簿或记录 JSON（.docx），已跳过" in result.stderr
    assert "锁定文件" in result.stderr
    assert "共读取 1 张表单（1 个文件）" in result.stderr
    assert "Is a directory" not in result.output


def test_a_calamine_panic_is_a_one_line_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """python-calamine turns a Rust panic on a corrupt .xls into PanicException, a BaseException
    (seen on mutated returns: "range end index 58887 out of range for slice of length 7"): it is
    the file's fault, refused in one line like any unreadable workbook, never a traceback."""
    import python_calamine

    class PanicException(BaseException):  # what pyo3 raises
        pass

    def panic(path: str) -> None:
        raise PanicException("range end index 58887 out of range for slice of length 7")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", panic)
    path = tmp_path / "corrupt.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    with pytest.raises(InputError, match="无法读取工作簿"):
        read_workbook(path)
