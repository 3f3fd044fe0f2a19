"""Hostile workbooks: bombs refused fast and small, quirks found by fuzzing, hazards reported.

The bombs are read in a child process that reports its own peak RSS (``VmHWM``, which,
unlike ``ru_maxrss``, does not carry over the pytest process the child was forked from)
and the time the read took (imports excluded); other children (LibreOffice in other
tests) never count.  The bounds are the issue's: under 2 s and 200 MB.
"""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from mutants import (
    SAMPLES,
    _deflated_zeros,
    _zeros_crc,
    billion_laughs,
    member_bomb,
    raw_zip,
    rezip,
    unzip,
)

from sheetperf.checks.validation import validate_record
from sheetperf.errors import InputError, SheetperfError, UnsafeInputError
from sheetperf.io.filler import fill_workbook
from sheetperf.io.reader import read_workbook, read_workbook_report
from sheetperf.model.record import load_records_json
from sheetperf.rules.profiles import get_profile
from sheetperf.services.consolidate import consolidate
from sheetperf.vocab.labels import HAZARD_TITLES, RULE_TITLES
from sheetperf.xlsx.hazards import is_dde_formula, scan_workbook
from sheetperf.xlsx.limits import LIMITS, MAX_MERGES, MAX_XML_TAGS

SAMPLE = SAMPLES / "self_evaluation-2023-jiaoyi-zhishu.xlsx"
SAMPLE_RECORD = SAMPLES / "records" / "self_evaluation-2023-jiaoyi-zhishu.json"
SECONDS = 2.0
MEGABYTES = 200.0

_CHILD = """
import json, resource, sys, time
from sheetperf.errors import SheetperfError
from sheetperf.io.reader import read_workbook_report
began = time.perf_counter()
try:
    report = read_workbook_report(sys.argv[1])
    outcome, message = "read", f"{len(report.records)} form(s); " + " / ".join(report.notices)
except SheetperfError as exc:
    outcome, message = "rejected", str(exc)
seconds = time.perf_counter() - began
# VmHWM: this program's own peak (ru_maxrss would also count the pytest process it was forked from)
try:
    with open("/proc/self/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"outcome": outcome, "message": message, "seconds": seconds, "rss_mb": rss}))
"""


def read_in_child(path: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _deflate(data: bytes) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return comp.compress(data) + comp.flush()


def forty_two(layers: int = 4, fanout: int = 16, leaf_mb: int = 1024) -> bytes:
    """42.zip's shape: ``fanout`` zips of ``fanout`` zips ... of ``fanout`` members of ``leaf_mb`` MB
    each (16⁴ GB = 64 TB inflated at the defaults), a few hundred kilobytes on disk."""
    blob = raw_zip(
        [(f"{i}.xml", _deflated_zeros(leaf_mb), leaf_mb * 2**20, _zeros_crc(min(leaf_mb, 8)), 8) for i in range(fanout)]
    )
    for layer in range(layers - 1):
        packed = _deflate(blob)
        blob = raw_zip([(f"lib{layer}-{i}.zip", packed, len(blob), zlib.crc32(blob), 8) for i in range(fanout)])
    return blob


def nested_bomb_workbook(where: str) -> bytes:
    """The 42.zip-style bomb inside a real filled form: as its first sheet, or as an embedded object."""
    bomb = forty_two(layers=3)
    members = unzip(SAMPLE.read_bytes())
    if where == "sheet":
        members = [(n, bomb if n == "xl/worksheets/sheet1.xml" else b) for n, b in members]
    else:
        members.append(("xl/embeddings/oleObject1.bin", bomb))
    return rezip(members)


BOMBS = {
    "42zip_as_xlsx": (lambda: forty_two(), "rejected", "不是有效的 .xlsx"),
    "42zip_as_first_sheet": (lambda: nested_bomb_workbook("sheet"), "rejected", "不是有效的 XML"),
    "42zip_embedded_never_inflated": (lambda: nested_bomb_workbook("embedding"), "read", "1 form(s)"),
    "1gb_member": (lambda: member_bomb(SAMPLE.read_bytes(), 1024, lie=False), "rejected", "1024 MB"),
    "1gb_member_lying_directory": (
        lambda: member_bomb(SAMPLE.read_bytes(), 1024, lie=True),
        "rejected",
        "已损坏",
    ),  # zipfile stops at the declared size: CRC fails
    "billion_laughs_shared_strings": (lambda: billion_laughs(SAMPLE.read_bytes()), "rejected", "XML 炸弹"),
    "billion_laughs_behind_comment_utf16": (
        lambda: billion_laughs(SAMPLE.read_bytes(), hidden=True),
        "rejected",
        "XML 炸弹",
    ),
}


@pytest.mark.parametrize("name", list(BOMBS), ids=list(BOMBS))
def test_bomb_refused_in_under_2s_and_200mb(name: str, tmp_path: Path) -> None:
    make, expected, words = BOMBS[name]
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(make())
    result = read_in_child(path)
    assert result["outcome"] == expected, result
    message = str(result["message"])
    assert words in message and "\n" not in message
    if expected == "rejected":
        assert message.startswith(f"{path}: ")
    assert float(result["seconds"]) < SECONDS, result  # type: ignore[arg-type]
    assert float(result["rss_mb"]) < MEGABYTES, result  # type: ignore[arg-type]


def test_42zip_inflates_to_terabytes_yet_is_small_on_disk() -> None:
    """The nested bomb really is one: what its directories declare, layer by layer."""
    data = forty_two()
    assert len(data) < 2 * 2**20
    total, blob = 1, data
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        total *= len(zf.infolist())
        inner = zf.read(zf.infolist()[0])
    with zipfile.ZipFile(io.BytesIO(inner)) as zf:
        total *= len(zf.infolist())
    assert total == 16 * 16  # two of four layers opened; each leaf member declares 1 GB
    assert 16**4 * 2**30 > 60 * 2**40


# --- quirks found by the fuzz run (each once an uncaught exception, a traceback or a hang) -----------


def _sheet_mutated(tmp_path: Path, old: bytes, new: bytes, name: str = "x.xlsx") -> Path:
    members = unzip(SAMPLE.read_bytes())
    out = []
    for n, body in members:
        if n == "xl/worksheets/sheet1.xml":
            assert old in body
            body = body.replace(old, new, 1)
        out.append((n, body))
    path = tmp_path / name
    path.write_bytes(rezip(out))
    return path


def _raise_one_line(path: Path, error: type[SheetperfError], words: str) -> None:
    with pytest.raises(error) as info:
        read_workbook(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and words in message and "\n" not in message


def test_flipped_byte_in_deflate_stream_is_corrupt_file_not_zlib_error(tmp_path: Path) -> None:
    """zipfile lets zlib.error out of a damaged deflate stream (it is no BadZipFile)."""
    data = bytearray(SAMPLE.read_bytes())
    with zipfile.ZipFile(SAMPLE) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in (40, 41, 42, 43):  # a few bytes into the stream: the Huffman tables
        data[start + offset] ^= 0xFF
    path = tmp_path / "flipped.xlsx"
    path.write_bytes(bytes(data))
    _raise_one_line(path, InputError, "已损坏")


def test_member_with_encryption_flag_is_one_line_not_runtime_error(tmp_path: Path) -> None:
    """A member flagged as encrypted makes zipfile raise RuntimeError('password required')."""
    data = bytearray(SAMPLE.read_bytes())
    with zipfile.ZipFile(SAMPLE) as zf:
        info = zf.getinfo("xl/workbook.xml")
    central = data.find(b"PK\x01\x02" + bytes(data[data.find(b"PK\x01\x02") + 4 : data.find(b"PK\x01\x02") + 6]))
    while central >= 0:
        name_len = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_len] == b"xl/workbook.xml":
            data[central + 8] |= 1
            break
        central = data.find(b"PK\x01\x02", central + 4)
    data[info.header_offset + 6] |= 1
    path = tmp_path / "flagged.xlsx"
    path.write_bytes(bytes(data))
    _raise_one_line(path, InputError, "已加密")


def test_unknown_zip_version_is_one_line_everywhere(tmp_path: Path) -> None:
    """A flipped 'version needed to extract' in the zip directory: zipfile raises
    NotImplementedError('zip file version 14.8') while reading the directory (fuzz seed 11, #545)."""
    data = bytearray(SAMPLE.read_bytes())
    central = data.find(b"PK\x01\x02")
    data[central + 6 : central + 8] = (148).to_bytes(2, "little")
    path = tmp_path / "version.xlsx"
    path.write_bytes(bytes(data))
    _raise_one_line(path, InputError, "文件已损坏")
    with pytest.raises(InputError) as info:
        fill_workbook(path, load_records_json(SAMPLE_RECORD)[0], tmp_path / "out.xlsx")
    assert str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)
    report = consolidate([path], tmp_path / "summary.xlsx", jobs=1)
    assert report.statuses["failed"] == 1 and "文件已损坏" in report.failed[0][1]


@pytest.mark.parametrize(
    "row",
    ["ZZZZ99999999999", "inf", "Ａ１", "-5", "0", "1048577"],
    ids=["letters", "inf", "fullwidth", "negative", "zero", "past_excel"],
)
def test_row_number_that_is_no_row_is_one_line_not_value_error(tmp_path: Path, row: str) -> None:
    path = _sheet_mutated(tmp_path, b'<row r="3"', f'<row r="{row}"'.encode())
    _raise_one_line(path, InputError, "无效的行号")


@pytest.mark.parametrize(
    "ref", ["XFD1048577", "XFE1", "A99999999999999999999"], ids=["row_past_excel", "col_past_excel", "huge_row"]
)
def test_cell_reference_beyond_excel_sheet_refused(tmp_path: Path, ref: str) -> None:
    path = _sheet_mutated(tmp_path, b'r="A1"', f'r="{ref}"'.encode())
    with pytest.raises(InputError) as info:
        read_workbook(path)
    message = str(info.value)
    assert "\n" not in message and any(
        w in message for w in ("超出 Excel 工作表范围", "无效的行号", "无效的单元格地址")
    )


def test_libxml2_message_with_newline_stays_on_one_line(tmp_path: Path) -> None:
    """libxml2 ends 'Char 0x0 out of allowed range' with a newline inside the message."""
    path = _sheet_mutated(tmp_path, b"<sheetData>", b"<sheetData>&#0;")
    _raise_one_line(path, InputError, "不是有效的 XML")


def test_many_merges_refused_before_the_locator_expands_them(tmp_path: Path) -> None:
    """200,000 merged 100×100 blocks once made the locator build a two-billion-entry map (a hang)."""
    merges = b"".join(b'<mergeCell ref="A%d:CV%d"/>' % (r * 100 + 1, r * 100 + 100) for r in range(MAX_MERGES + 1))
    path = _sheet_mutated(tmp_path, b"<mergeCells", b"<mergeCells>" + merges + b"</mergeCells><mergeCells")
    _raise_one_line(path, UnsafeInputError, "合并")


def test_merged_area_cap_counts_cells_the_locator_would_expand(tmp_path: Path) -> None:
    merges = b"".join(b'<mergeCell ref="A%d:CV%d"/>' % (r * 100 + 1, r * 100 + 100) for r in range(60))
    path = _sheet_mutated(tmp_path, b"<mergeCells", b"<mergeCells>" + merges + b"</mergeCells><mergeCells")
    _raise_one_line(path, UnsafeInputError, "MAX_MERGED_CELLS")


def test_many_rows_refused_by_markup_count_before_parsing(tmp_path: Path) -> None:
    """300,000 extra rows once took minutes to locate; the markup count refuses them unparsed."""
    rows = b"".join(b'<row r="%d"/>' % r for r in range(MAX_XML_TAGS + 1))  # varied: no ratio alarm first
    path = _sheet_mutated(tmp_path, b"</sheetData>", rows + b"</sheetData>")
    _raise_one_line(path, UnsafeInputError, "MAX_XML_TAGS")


def test_doctype_after_a_long_comment_is_refused(tmp_path: Path) -> None:
    """B's guard looked at the first 4 KB only; a comment can push the DOCTYPE past it."""
    members = unzip(SAMPLE.read_bytes())
    body = dict(members)["xl/sharedStrings.xml"]
    body = body.replace(b"?>", b"?><!--" + b"x" * 10_000 + b'--><!DOCTYPE sst [<!ENTITY e "x">]>', 1)
    path = tmp_path / "late-doctype.xlsx"
    path.write_bytes(rezip([(n, body if n == "xl/sharedStrings.xml" else b) for n, b in members]))
    _raise_one_line(path, UnsafeInputError, "DOCTYPE")


def test_every_limit_is_named_in_limits_module() -> None:
    import sheetperf.xlsx.book as xlsx

    for name, value in LIMITS.items():
        assert value > 0
        if hasattr(xlsx, name):  # the reader uses the very same settings
            assert getattr(xlsx, name) == value


# --- hazards: macros, external links, DDE --------------------------------------------------------


def _with_members(
    tmp_path: Path, extra: dict[str, bytes], name: str, sheet_edit: tuple[bytes, bytes] | None = None
) -> Path:
    members = unzip(SAMPLE.read_bytes())
    if sheet_edit is not None:
        members = [(n, b.replace(*sheet_edit, 1) if n == "xl/worksheets/sheet1.xml" else b) for n, b in members]
    members += list(extra.items())
    path = tmp_path / name
    path.write_bytes(rezip(members))
    return path


_EXTERNAL = {
    "xl/externalLinks/externalLink1.xml": b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1"/></externalLink>',
    "xl/externalLinks/_rels/externalLink1.xml.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
    b'Target="file:///C:/budget/2023.xlsx" TargetMode="External"/></Relationships>',
}
_DDE_LINK = {
    "xl/externalLinks/externalLink2.xml": b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<ddeLink ddeService="cmd" ddeTopic="/C calc"><ddeItems><ddeItem name="A0" advise="1"/></ddeItems></ddeLink></externalLink>'
}

HAZARDS = {
    "macro_present": ({"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512}, None, "notice"),
    "external_link": (_EXTERNAL, None, "warning"),
    "dde_link": (_DDE_LINK, None, "error"),
    "dde_formula": (
        {},
        (b"<sheetData>", b'<sheetData><row r="999"><c r="J999"><f>cmd|\' /C calc\'!A0</f><v>0</v></c></row>'),
        "error",
    ),
    "embedded_object": (
        {
            "xl/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
            "xl/activeX/activeX1.xml": b"<ax/>",
        },
        None,
        "warning",
    ),
}


@pytest.mark.parametrize("rule", list(HAZARDS), ids=list(HAZARDS))
def test_hazard_is_read_past_reported_and_never_run(tmp_path: Path, rule: str) -> None:
    extra, edit, severity = HAZARDS[rule]
    if edit is not None:
        assert edit[0] in dict(unzip(SAMPLE.read_bytes()))["xl/worksheets/sheet1.xml"]
    path = _with_members(tmp_path, extra, f"{rule}.xlsx", edit)
    report = read_workbook_report(path)
    assert len(report.records) == 1  # the form is still read
    found = [h for h in scan_workbook(path) if h.rule == rule] if edit is None else []
    assert edit is not None or found
    findings = [f for f in validate_record(report.records[0], get_profile("shanghai")) if f.rule == rule]
    assert len(findings) == 1 and findings[0].severity == severity
    assert rule in RULE_TITLES and RULE_TITLES[rule] == HAZARD_TITLES[rule]
    assert any(findings[0].message == n for n in report.notices)
    if rule == "external_link":
        assert "file:///C:/budget/2023.xlsx" in findings[0].message
    if rule == "dde_link":
        assert "cmd|/C calc" in findings[0].message
    if rule == "dde_formula":
        assert (findings[0].sheet, findings[0].cell) == ("绩效自评表", "J999")
    if rule == "embedded_object":
        assert "2 个嵌入对象" in findings[0].message and "xl/embeddings/oleObject1.bin" in findings[0].message


def test_shipped_samples_carry_no_hazards() -> None:
    """No false alarm on sheetperf's own templates (their helper formulas use no '|')."""
    for path in sorted(SAMPLES.glob("*.xlsx")):
        report = read_workbook_report(path)
        assert not report.records[0].provenance.evidence.hazards, path.name


@pytest.mark.parametrize(
    ("formula", "dde"),
    [
        ("=cmd|' /C calc'!A0", True),
        ("=msexcel|'\\..\\..\\windows\\system32\\cmd.exe /c calc'!''", True),
        ('=DDEAUTO("cmd","/c calc")', True),
        ('=dde ("x")', True),
        ('=IF(A1="a|b",1,0)', False),
        ("=SUM(A1:A3)", False),
        ('=HYPERLINK("http://x","y")', False),
    ],
    ids=["cmd_pipe", "msexcel_path", "ddeauto", "dde_lowercase", "pipe_in_string", "sum", "hyperlink"],
)
def test_dde_formula_detection(formula: str, dde: bool) -> None:
    assert is_dde_formula(formula) is dde


@pytest.mark.parametrize("form", ["", "数量指标", "self_evaluation\x00"], ids=["empty", "a_label", "nul"])
def test_template_metadata_naming_no_form_is_not_a_crash(form: str) -> None:
    """Fuzz #240/#1621 (swapped zip members): the metadata sheet's form cell held another
    sheet's text, and validation raised SpecError('未知的表单') without naming the file."""
    record = read_workbook(SAMPLE)[0]
    assert record.provenance.evidence.template is not None
    record.provenance.evidence.template = dataclasses.replace(record.provenance.evidence.template, form=form)
    findings = validate_record(record, get_profile("shanghai"))
    assert all(f.rule != "layout_version" for f in findings)  # not checked as a template at all


def _strings_mutated(tmp_path: Path, old: bytes, new: bytes) -> Path:
    members = [(n, b.replace(old, new, 1) if n == "xl/sharedStrings.xml" else b) for n, b in unzip(SAMPLE.read_bytes())]
    assert any(n == "xl/sharedStrings.xml" and new in b for n, b in members)
    path = tmp_path / "escaped.xlsx"
    path.write_bytes(rezip(members))
    return path


def test_excel_escape_of_a_lone_surrogate_is_kept_as_text(tmp_path: Path) -> None:
    """``_xD800_`` in a shared string once became a lone surrogate, and the fingerprint's UTF-8
    encoding crashed validation (fuzz seed 14, #817). A pair still decodes to its character."""
    name = load_records_json(SAMPLE_RECORD)[0].project_name.encode()
    path = _strings_mutated(tmp_path, name, name + b"_x0000__xD800__xFFFF__xD83D__xDE00_")
    record = read_workbook(path)[0]
    assert record.project_name.endswith("\x00_xD800_\uffff\U0001f600")
    findings = validate_record(record, get_profile("shanghai"))
    assert any(f.rule == "locked_content_changed" for f in findings)  # the locked name was changed


@pytest.mark.parametrize("row", [b"1\n2", b"1&#10;2", b"1\r\n2"], ids=["newline", "reference", "crlf"])
def test_row_number_with_a_line_break_gives_a_one_line_message(tmp_path: Path, row: bytes) -> None:
    """A flipped byte made a row number span two lines, and the refusal with it (fuzz seed 14, #4804)."""
    path = _sheet_mutated(tmp_path, b'<row r="1"', b'<row r="' + row + b'"')
    _raise_one_line(path, InputError, "无效的行号")


def test_error_messages_are_one_line_whatever_they_quote() -> None:
    error = InputError("工作表「第一\n第二\r\n第三\u2028」中有无效的行号", file="a.xlsx")
    assert str(error) == "a.xlsx: 工作表「第一 第二 第三 」中有无效的行号"


@pytest.mark.parametrize(
    "text",
    ["1E+30", "123456789012345678901234567890.5", "-" + "9" * 40],
    ids=["exponent", "thirty_digits", "forty_nines"],
)
def test_huge_figures_round_without_decimal_errors(text: str) -> None:
    """quantize() raised InvalidOperation past 28 digits and stopped validation (fuzz seeds 17, 18, 20)."""
    from decimal import Decimal

    from sheetperf.rules.scoring import excel_round

    value = Decimal(text)
    assert abs(excel_round(value) - value) <= abs(value) * Decimal("1e-14")  # 15 significant digits kept


def test_figure_no_spreadsheet_can_hold_never_stops_a_consolidation(tmp_path: Path) -> None:
    """A 400-digit actual (and target) made the summary writer raise on inf: the whole run failed."""
    import json

    data = json.loads(SAMPLE_RECORD.read_text(encoding="utf-8"))
    data = data[0] if isinstance(data, list) else data
    data["indicators"][0]["actual"] = "1" + "0" * 400
    data["indicators"][1]["target"] = "≥1" + "0" * 400 + "(项)"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "huge.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = consolidate([folder / "huge.json"], tmp_path / "summary.xlsx", jobs=1)
    assert report.statuses["ok"] == 1 and report.projects == 1
    from openpyxl import load_workbook

    rows = list(load_workbook(tmp_path / "summary.xlsx")["指标明细"].iter_rows(values_only=True))
    header, first = rows[0], rows[1]
    assert first[header.index("实际完成值")] == "1" + "0" * 400  # the text as written is kept


def test_json_number_beyond_float_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "inf.json"
    path.write_text(
        '{"form": "self_evaluation", "project_name": "x", "indicators": [{"name": "n", "weight": 1e400}]}',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="weight 应为有限的数字"):
        load_records_json(path)


def test_number_field_beyond_float_reads_as_missing() -> None:
    """A budget typed with 400 digits is no figure a spreadsheet holds: missing (with a notice), not inf."""
    from sheetperf.io.reader import _parse_amount

    assert _parse_amount("1" + "0" * 400) is None
    assert _parse_amount("５,５３５,０００") == (Decimal(5535000), "")  # (number, unit written)


@pytest.mark.parametrize("stored", [b"1e400", b"nan"], ids=["overflow", "nan"])
def test_stored_number_no_spreadsheet_holds_reads_as_missing(tmp_path: Path, stored: bytes) -> None:
    """A weight stored as <v>1e400</v> read as inf, and the record refused it without naming the
    file (fuzz seed 18, #538): missing, with a notice naming the cell."""
    path = _sheet_mutated(tmp_path, b'<c r="F13" s="6"><v>20</v></c>', b'<c r="F13" s="6"><v>' + stored + b"</v></c>")
    report = read_workbook_report(path)
    assert report.records[0].indicators[0].weight is None
    assert any("F13" in notice for notice in report.notices)
    validate_record(report.records[0], get_profile("shanghai"))


@pytest.mark.parametrize("stored", [b"1e400", b"nan"], ids=["overflow", "nan"])
def test_year_stored_as_no_number_reads_as_missing(tmp_path: Path, stored: bytes) -> None:
    """int(inf) raised OverflowError out of the reader (fuzz seed 29, #953 and #4819)."""
    path = _sheet_mutated(tmp_path, b'<c r="A2" s="2"><v>2023</v></c>', b'<c r="A2" s="2"><v>' + stored + b"</v></c>")
    record = read_workbook(path)[0]
    assert record.year is None
    validate_record(record, get_profile("shanghai"))
