"""The HTML report: a standalone, escaped Chinese page that opens in headless Chromium."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from handbuilt import Options, build_goal_table, build_self_evaluation
from lxml import html as lxml_html

from conftest import CASES_DIR, load_case
from sheetperf.checks.validation import Finding, validate_record
from sheetperf.cli import main
from sheetperf.io.report import FormEntry, field_label, render_html
from sheetperf.model.record import record_from_dict
from sheetperf.rules.profiles import get_profile
from sheetperf.vocab.labels import REPORT_LABELS, RULE_EXPLANATIONS

HETONG = CASES_DIR / "self_evaluation-2023-hetong-dengji-guanlifei.json"
JIAOLIU = CASES_DIR / "self_evaluation-2023-jiaoliu-tuiguang.json"
GOAL = next(CASES_DIR.glob("goal_table*.json"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _finding(message: str, severity: str = "error", **kw: object) -> Finding:
    base: dict[str, object] = dict(
        file="a.xlsx",
        sheet="自评表",
        cell="G13",
        field="indicators[0].score",
        rule="indicator_score",
        severity=severity,
        stated=4.0,
        expected=1.33,
        message=message,
    )
    base.update(kw)
    return Finding(**base)  # type: ignore[arg-type]


def test_report_escapes_user_text_and_loads_nothing() -> None:
    record = record_from_dict(load_case(JIAOLIU))
    record.project_name = "<script>alert(1)</script>项目"
    entry = FormEntry.of(record, [_finding("<img src=x onerror=alert(1)>")], "<b>a</b>.xlsx")
    page = render_html([entry])
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;项目" in page
    tree = lxml_html.fromstring(page)
    assert not tree.xpath("//script | //img | //link | //iframe | //object | //*[@src]")
    assert not re.search(r"https?://|url\(", page)  # standalone: no external resources


def test_report_counts_groups_and_explains() -> None:
    wrong = copy.deepcopy(load_case(HETONG))
    wrong["grade"] = "良"
    wrong["indicators"][0]["score"] = 4
    findings = validate_record(record_from_dict(wrong), get_profile("shanghai"), file="b.xlsx")
    clean = record_from_dict(load_case(JIAOLIU))
    entries = [
        FormEntry.of(record_from_dict(wrong), findings, "b.xlsx"),
        FormEntry.of(clean, validate_record(clean, get_profile("shanghai")), "c.json"),
    ]
    tree = lxml_html.fromstring(render_html(entries, failed=[("broken.xlsx", "文件已损坏")], profile_title="上海市"))
    errors = sum(1 for f in findings if f.severity == "error")
    assert tree.get_element_by_id("count-error").text_content() == str(errors)
    assert [h.text_content() for h in tree.xpath("//section[@class='file']/header/h2")] == ["b.xlsx", "c.json"]
    rows = tree.xpath("//section[@id='file-1']//tbody/tr")
    assert len(rows) == len(findings)
    grade_row = next(r for r in rows if "grade" in r.text_content())
    cells = [td.text_content() for td in grade_row.xpath("td")]
    assert cells[3:5] == ["良", "优"]  # stated, expected
    assert RULE_EXPLANATIONS["grade"] in cells[5]
    assert REPORT_LABELS["no_findings"] in tree.xpath("//section[@id='file-2']")[0].text_content()
    assert "broken.xlsx" in tree.xpath("//section[@class='failed']")[0].text_content()


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("indicators[3].score", "第 4 项指标·得分"),
        ("funds.total.executed", "年度资金总额·全年执行数"),
        ("grade", "评分等级"),
        ("indicators", "绩效指标"),
    ],
    ids=["indicator", "funds", "plain", "table"],
)
def test_field_label(path: str, label: str) -> None:
    assert field_label(path) == label


def build_folder_with_mistakes(folder: Path) -> None:
    """Hand-built workbooks (openpyxl directly) with planted mistakes, a clean one, a goal table and a broken file."""

    def save(case: dict[str, object], name: str, goal: bool = False) -> None:
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "绩效目标表" if goal else "自评表"
        (build_goal_table if goal else build_self_evaluation)(ws, case, Options())  # type: ignore[arg-type]
        wb.save(folder / name)

    a = copy.deepcopy(load_case(HETONG))
    a["indicators"][0]["score"] = 4
    a["grade"] = "良"
    save(a, "合同登记管理费.xlsx")
    b = copy.deepcopy(load_case(JIAOLIU))
    b["indicators"][0]["actual"] = "完成"
    save(b, "交流推广 <自评>.xlsx")
    save(load_case(CASES_DIR / "self_evaluation-2023-tongji-fenxi.json"), "统计分析.xlsx")
    save(load_case(GOAL), "内涵建设目标表.xlsx", goal=True)
    (folder / "坏文件.xlsx").write_bytes(b"not a workbook")


def chromium(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                *extra,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def console_messages(stderr: str) -> list[str]:
    """Console output Chromium logs with --enable-logging (console.*, uncaught exceptions)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.chromium
def test_report_of_a_folder_opens_in_chromium_without_console_errors(tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    build_folder_with_mistakes(folder)
    report = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["validate", str(folder), "--json", "--html", str(report)])
    assert result.exit_code == 2, result.output  # the broken file: exit code as without --html
    errors = [f for f in json.loads(result.stdout) if f["severity"] == "error"]
    assert {(Path(f["file"]).name, f["cell"], f["rule"]) for f in errors} >= {
        ("合同登记管理费.xlsx", "G13", "indicator_score"),
        ("合同登记管理费.xlsx", "C32", "grade"),
        ("交流推广 <自评>.xlsx", "E13", "actual_is_word"),
    }
    assert report.is_file()

    # The check can fail: a page with a script error is caught.
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><p>x</p><script>console.error("boom"); missing();</script>', encoding="utf-8")
    assert len(console_messages(chromium(bad.as_uri(), "--dump-dom").stderr)) == 2

    shot = tmp_path / "report.png"
    run = chromium(report.as_uri(), "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_messages(run.stderr) == []
    dom = lxml_html.fromstring(run.stdout)
    assert dom.get_element_by_id("count-error").text_content() == str(len(errors))
    assert len(dom.xpath("//section[@class='file']")) == 4
    run = chromium(report.as_uri(), f"--screenshot={shot}", "--window-size=1280,1600")
    assert console_messages(run.stderr) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
