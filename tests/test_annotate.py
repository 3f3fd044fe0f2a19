"""Annotated copies: flagged cells filled and commented, originals untouched, names kept inside DIR."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from handbuilt import Options, build_self_evaluation

from conftest import CASES_DIR, load_case
from sheetperf.cli import main
from sheetperf.io.annotate import FILLS, annotate_files, annotate_workbook, output_path
from sheetperf.io.names import safe_stem
from sheetperf.model.finding import Finding

HETONG = CASES_DIR / "self_evaluation-2023-hetong-dengji-guanlifei.json"


def _workbook(path: Path, mutate: bool = True) -> Path:
    case = copy.deepcopy(load_case(HETONG))
    if mutate:
        case["indicators"][0]["score"] = 4
        case["grade"] = "良"
        case["indicators"][0]["deviation"] = ""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "自评表"
    build_self_evaluation(ws, case, Options())
    wb.save(path)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_annotated_copy_has_a_comment_on_each_flagged_cell(tmp_path: Path) -> None:
    source = _workbook(tmp_path / "合同登记管理费.xlsx")
    before = _digest(source)
    out = tmp_path / "checked"
    result = CliRunner().invoke(main, ["validate", str(source), "--json", "--annotate", str(out)])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)
    flagged = {f["cell"]: f for f in findings if f["cell"]}
    assert {"G13", "C32", "H13"} <= set(flagged)  # score, grade, missing deviation
    assert _digest(source) == before  # the original is never touched
    copies = list(out.iterdir())
    assert [p.name for p in copies] == ["合同登记管理费-校验批注.xlsx"]
    ws = openpyxl.load_workbook(copies[0])["自评表"]
    for cell, finding in flagged.items():
        comment = ws[cell].comment
        assert comment is not None, cell
        assert finding["message"] in comment.text
        assert ws[cell].fill.fgColor.rgb.endswith(FILLS[finding["severity"]])
    commented = {c.coordinate for row in ws.iter_rows() for c in row if c.comment is not None}
    assert commented == set(flagged)  # nothing else is marked
    assert ws["C3"].value == load_case(HETONG)["project_name"]  # content kept


def test_findings_inside_merged_ranges_and_without_cell(tmp_path: Path) -> None:
    source = _workbook(tmp_path / "a.xlsx", mutate=False)
    base = dict(file=str(source), field="x", rule="required_field", stated=None, expected=None)
    findings = [
        Finding(sheet="自评表", cell="E3", severity="error", message="合并区域内", **base),  # type: ignore[arg-type]
        Finding(sheet="自评表", cell="C3", severity="warning", message="同一单元格第二条", **base),  # type: ignore[arg-type]
        Finding(sheet="自评表", cell=None, severity="notice", message="表级问题", **base),  # type: ignore[arg-type]
        Finding(sheet="别的表", cell="A1", severity="error", message="不存在的表", **base),  # type: ignore[arg-type]
    ]
    out = tmp_path / "a-out.xlsx"
    assert annotate_workbook(source, findings, out) == 2
    ws = openpyxl.load_workbook(out)["自评表"]
    assert ws["C3"].comment is not None
    text = ws["C3"].comment.text
    assert text.index("合并区域内") < text.index("同一单元格第二条")  # errors first
    assert ws["C3"].fill.fgColor.rgb.endswith(FILLS["error"])
    assert ws["A1"].comment is not None and "表级问题" in ws["A1"].comment.text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("a/b", "b"),
        ("a\\b", "b"),
        ("CON", "_CON"),
        ("项目:1?", "项目_1"),
        ("..", "workbook"),
        (" 交流推广. ", "交流推广"),
    ],
    ids=["dotdot", "slash", "backslash", "reserved", "forbidden", "only-dots", "trailing"],
)
def test_safe_stem(name: str, expected: str) -> None:
    assert safe_stem(name, fallback="workbook") == expected


def test_output_names_unique_and_inside_dir(tmp_path: Path) -> None:
    taken: set[str] = set()
    names = [
        output_path(Path(p), tmp_path, taken) for p in ("x/报告.xlsx", "y/报告.xlsx", "z/报告.XLSM", "../../报告.xlsx")
    ]
    assert len({n.name for n in names}) == 4
    assert all(n.parent == tmp_path and n.suffix == ".xlsx" for n in names)


def test_same_name_in_two_folders_and_unannotatable_types(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = _workbook(tmp_path / "a" / "表.xlsx")
    two = _workbook(tmp_path / "b" / "表.xlsx")
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0")
    flag = dict(
        field="grade",
        rule="grade",
        severity="error",
        stated="良",
        expected="优",
        message="m",
        sheet="自评表",
        cell="C32",
    )
    findings = [Finding(file=str(p), **flag) for p in (one, two, legacy)]  # type: ignore[arg-type]
    results = annotate_files(findings, tmp_path / "out")
    written = [r for r in results if r.output is not None]
    assert sorted(r.output.name for r in written if r.output) == ["表-校验批注-2.xlsx", "表-校验批注.xlsx"]
    skipped = [r for r in results if r.output is None]
    assert [r.source for r in skipped] == [legacy] and ".xls" in skipped[0].skipped


def _without_content_types(source: Path, target: Path) -> Path:
    """A workbook sheetperf reads but openpyxl cannot open (no [Content_Types].xml)."""
    from mutants import rezip, unzip

    target.write_bytes(rezip([(n, b) for n, b in unzip(source.read_bytes()) if n != "[Content_Types].xml"]))
    return target


def _huge_merge(source: Path, target: Path) -> Path:
    """A merged A1:Z100000 beside the form: 2.6 million cells to openpyxl (gigabytes), none to the reader."""
    from mutants import rezip, unzip

    members = []
    for name, body in unzip(source.read_bytes()):
        if name == "xl/worksheets/sheet1.xml" and b"<mergeCells" in body:
            body = body.replace(
                b"<mergeCells", b'<mergeCells><mergeCell ref="AA1:AZ100000"/></mergeCells><mergeCells', 1
            )
        elif name == "xl/worksheets/sheet1.xml":
            body = body.replace(
                b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="AA1:AZ100000"/></mergeCells>', 1
            )
        members.append((name, body))
    target.write_bytes(rezip(members))
    return target


@pytest.mark.parametrize("breakage", ["openpyxl_cannot_open", "too_many_cells_for_openpyxl"])
def test_a_workbook_without_a_copy_never_stops_the_others(tmp_path: Path, breakage: str) -> None:
    """openpyxl raised on workbooks the reader reads (or built millions of merged cells): the CLI
    showed a traceback and no other copy was written. Now that file is skipped with its reason."""
    import time

    good = _workbook(tmp_path / "合同登记管理费.xlsx")
    make = _without_content_types if breakage == "openpyxl_cannot_open" else _huge_merge
    broken = make(_workbook(tmp_path / "src.xlsx"), tmp_path / "损坏.xlsx")
    (tmp_path / "src.xlsx").unlink()
    out = tmp_path / "checked"
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["validate", str(good), str(broken), "--json", "--annotate", str(out)])
    assert time.perf_counter() - started < 30
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output  # the findings decide, as without --annotate
    assert [p.name for p in out.iterdir()] == ["合同登记管理费-校验批注.xlsx"]
    skipped = [line for line in result.stderr.splitlines() if line.startswith(str(broken))]
    assert len(skipped) == 1 and ("openpyxl" in skipped[0] or "MAX_ANNOTATE_CELLS" in skipped[0])


def test_no_copy_for_a_workbook_without_findings(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1] / "samples"
    clean, flagged = root / "self_evaluation-2023-jiaoyi-zhishu.xlsx", _workbook(tmp_path / "合同登记管理费.xlsx")
    out = tmp_path / "checked"
    result = CliRunner().invoke(main, ["validate", str(clean), str(flagged), "--annotate", str(out)])
    assert result.exit_code == 1, result.output
    assert [p.name for p in out.iterdir()] == ["合同登记管理费-校验批注.xlsx"]
    assert f"{clean}：未发现问题，不生成批注副本" in result.stderr


@pytest.mark.parametrize(
    ("text", "lines"),
    [("短", 1), ("【错误】" + "评" * 196, 6), ("一\n二\n三", 3)],
    ids=["short", "196-characters", "three-lines"],
)
def test_comment_box_fits_its_text(text: str, lines: int) -> None:
    from sheetperf.io.annotate import COMMENT_LINE_PX, COMMENT_MAX_WIDTH, COMMENT_MIN_WIDTH, comment_size

    width, height = comment_size(text)
    assert COMMENT_MIN_WIDTH <= width <= COMMENT_MAX_WIDTH
    assert height >= lines * COMMENT_LINE_PX  # every line has its room
    assert height <= (lines + 1) * COMMENT_LINE_PX + 16  # and not much more


def test_comment_boxes_sit_beside_their_cells_and_the_copy_prints(tmp_path: Path) -> None:
    """openpyxl put every box at one spot (LibreOffice showing all comments stacked them)."""
    import re
    import zipfile

    source = _workbook(tmp_path / "合同登记管理费.xlsx")
    out = tmp_path / "checked"
    CliRunner().invoke(main, ["validate", str(source), "--annotate", str(out)])
    [copy_path] = list(out.iterdir())
    with zipfile.ZipFile(copy_path) as archive:
        vml = next(archive.read(n).decode() for n in archive.namelist() if n.endswith(".vml"))
    places = re.findall(r"margin-left:([\d.]+)pt;margin-top:([\d.]+)pt", vml)
    anchors = re.findall(r"<\w+:Anchor>([^<]+)</\w+:Anchor>", vml)
    assert len(places) >= 3 and len(set(places)) == len(places)
    assert len(anchors) == len(places)
    ws = openpyxl.load_workbook(copy_path)["自评表"]
    assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows == "$1:$1"  # a hand-built form had none
