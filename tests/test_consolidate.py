"""Consolidation: every file accounted for, one row per project, never fatal, never a formula."""

from __future__ import annotations

import copy
import csv
import faulthandler
import hashlib
import os
import shutil
import signal
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from handbuilt import Options, build_goal_table, build_self_evaluation
from openpyxl import Workbook, load_workbook

from conftest import GOAL_TABLE_PATHS, REPO, SELF_EVALUATION_PATHS, load_case
from sheetperf.cli import main
from sheetperf.errors import OutputError
from sheetperf.io.filler import fill_workbook
from sheetperf.io.writer import write_template
from sheetperf.model.record import record_from_dict
from sheetperf.services import summary
from sheetperf.services.consolidate import (
    FileEntry,
    Kind,
    Settings,
    analyse_file,
    consolidate,
    discover,
)
from sheetperf.services.workers import WorkerPool
from sheetperf.vocab.labels import FILE_STATUS_LABELS, SUMMARY_SHEETS

SELF_CASES = [load_case(p) for p in SELF_EVALUATION_PATHS]
GOAL_CASE = load_case(GOAL_TABLE_PATHS[0])
LAYOUTS = [
    Options(),
    Options(row0=3, col0=2, banner_rows=("附件2", "2023 年度项目支出绩效自评")),
    Options(levels="repeated", fullwidth_labels=True),
    Options(levels="once", number_formats=True),
    Options(separate_deviation=True),
    Options(spaced_labels=True, col0=4),
]
OK, FAILED, NO_FORM, SUPERSEDED, SKIPPED = (
    FILE_STATUS_LABELS[k] for k in ("ok", "failed", "no_form", "superseded", "skipped")
)


@pytest.fixture(scope="module")
def blank_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A blank self-evaluation template; the goal table's (71 indicators) pre-filled from its record."""
    folder = tmp_path_factory.mktemp("templates")
    return {
        "self_evaluation": write_template(folder / "self_evaluation.xlsx", "self_evaluation"),
        "goal_table": write_template(folder / "goal_table.xlsx", "goal_table", record=record_from_dict(GOAL_CASE)),
    }


def fill_form(path: Path, case: dict[str, Any], templates: dict[str, Path], *, mtime: float | None = None) -> Path:
    """A form the way sheetperf ships it: the blank template, filled with the record."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fill_workbook(templates[case["form"]], record_from_dict(case), path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def save_form(
    path: Path,
    case: dict[str, Any],
    opts: Options | None = None,
    *,
    mtime: float | None = None,
    extra_sheet: str | None = None,
) -> Path:
    """A form built by hand with openpyxl (offsets, label styles and quirks of ``opts``)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if case["form"] == "self_evaluation":
        ws.title = "自评表"
        build_self_evaluation(ws, case, opts or Options())
    else:
        ws.title = "目标表"
        build_goal_table(ws, case, opts or Options())
    if extra_sheet:
        wb.create_sheet(extra_sheet).append(["请按说明填写"])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def sheet_rows(path: Path, key: str) -> list[dict[str, Any]]:
    """A summary sheet as dicts keyed by its Chinese headers."""
    wb = load_workbook(path, read_only=True)
    rows = list(wb[SUMMARY_SHEETS[key]].iter_rows(values_only=True))
    wb.close()
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory, blank_templates: dict[str, Path]) -> dict[str, Any]:
    """Good forms in department folders (sheetperf's filled templates and hand-built
    workbooks), every kind of bad file, and a resubmission."""
    root = tmp_path_factory.mktemp("collection")
    base = time.time() - 86_400
    good = []
    for i, (case, opts) in enumerate(zip(SELF_CASES, LAYOUTS, strict=True)):
        path = root / f"dept{i % 2}" / f"{case['slug']}.xlsx"
        if i % 2 == 0:
            good.append(fill_form(path, case, blank_templates, mtime=base + i))
        else:
            extra = "填表说明" if i == 3 else None
            good.append(save_form(path, case, opts, mtime=base + i, extra_sheet=extra))
    good.append(fill_form(root / "goals" / "goal.xlsx", GOAL_CASE, blank_templates, mtime=base))
    # the resubmission: same project, corrected later; it sorts *before* the first version
    resubmitted = copy.deepcopy(SELF_CASES[0])
    resubmitted["indicators"][0]["deviation"] = "补充说明：已按要求整改"
    newer = save_form(root / "a-late" / "resubmitted.xlsx", resubmitted, Options(row0=2), mtime=base + 3600)
    corrupt = root / "dept0" / "corrupt.xlsx"
    corrupt.write_bytes(good[1].read_bytes()[:1500])
    text_as_xlsx = root / "dept1" / "text.xlsx"
    text_as_xlsx.write_text("项目名称,金额\n", encoding="utf-8")
    notes = root / "readme.txt"
    notes.write_text("说明", encoding="utf-8")
    lock = root / "dept0" / "~$corrupt.xlsx"
    lock.write_bytes(b"\x00" * 165)
    no_form = root / "dept1" / "no-form.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "联系人"
    ws.append(["姓名", "电话"])
    ws.append(["张三", "12345"])
    wb.save(no_form)
    hidden = root / ".git" / "HEAD.xlsx"
    hidden.parent.mkdir()
    hidden.write_text("not scanned")
    inputs = [p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]
    hashes = {p: sha256(p) for p in inputs}
    out = root.parent / f"{root.name}-summary.xlsx"
    report = consolidate([root], out, jobs=2, csv_dir=root.parent / f"{root.name}-csv")
    return {
        "root": root,
        "out": out,
        "report": report,
        "inputs": inputs,
        "hashes": hashes,
        "good": good,
        "newer": newer,
        "first_version": good[0],
        "statuses": {
            corrupt: FAILED,
            text_as_xlsx: FAILED,
            notes: SKIPPED,
            lock: SKIPPED,
            no_form: NO_FORM,
            good[0]: SUPERSEDED,
            newer: OK,
            **{p: OK for p in good[1:]},
        },
    }


def test_every_file_is_accounted_for(collection: dict[str, Any]) -> None:
    files = sheet_rows(collection["out"], "files")
    listed = {row["文件"]: row for row in files}
    assert len(listed) == len(files) == len(collection["inputs"])
    assert set(listed) == {str(p) for p in collection["inputs"]}
    for path, status in collection["statuses"].items():
        row = listed[str(path)]
        assert row["状态"] == status, (path, row)
        if status != OK:
            assert row["原因"], row
        assert row["SHA-256"] == collection["hashes"][path]
        assert row["大小(字节)"] == path.stat().st_size
    assert "损坏" in listed[str(collection["root"] / "dept0" / "corrupt.xlsx")]["原因"]
    assert "工作表「填表说明」中没有找到表单" in listed[str(collection["good"][3])]["附注"]
    assert "锁定文件" in listed[str(collection["root"] / "dept0" / "~$corrupt.xlsx")]["原因"]
    assert str(collection["newer"]) in listed[str(collection["first_version"])]["原因"]


def test_each_project_appears_once(collection: dict[str, Any]) -> None:
    projects = sheet_rows(collection["out"], "projects")
    names = [row["项目名称"] for row in projects]
    assert sorted(names) == sorted([c["project_name"] for c in SELF_CASES] + [GOAL_CASE["project_name"]])
    kept = next(r for r in projects if r["项目名称"] == SELF_CASES[0]["project_name"])
    assert kept["文件"] == str(collection["newer"])
    assert kept["总分（重算）"] == pytest.approx(SELF_CASES[0]["total_score"], abs=0.005)
    report = collection["report"]
    assert report.projects == 7 and report.superseded_forms == 1 and report.forms == 8


def test_superseded_version_has_a_finding(collection: dict[str, Any]) -> None:
    findings = sheet_rows(collection["out"], "findings")
    superseded = [f for f in findings if f["规则代码"] == "superseded"]
    assert len(superseded) == 1
    assert superseded[0]["文件"] == str(collection["first_version"])
    assert str(collection["newer"]) in superseded[0]["说明"]
    # the old version's own findings are not reported; the kept one's are
    assert {f["文件"] for f in findings if f["规则代码"] != "superseded"} <= {
        str(p) for p in collection["good"][1:]
    } | {str(collection["newer"])}


def test_indicators_match_the_kept_forms(collection: dict[str, Any]) -> None:
    indicators = sheet_rows(collection["out"], "indicators")
    expected = sum(len(c["indicators"]) for c in SELF_CASES) + len(GOAL_CASE["indicators"])
    assert len(indicators) == expected
    first = [r for r in indicators if r["项目名称"] == SELF_CASES[0]["project_name"]]
    assert {r["文件"] for r in first} == {str(collection["newer"])}
    for row, ind in zip(first, SELF_CASES[0]["indicators"], strict=True):
        assert row["三级指标"] == ind["name"]
        assert row["得分（重算）"] == pytest.approx(ind["score"], abs=0.005)


def test_inputs_are_not_modified(collection: dict[str, Any]) -> None:
    for path, digest in collection["hashes"].items():
        assert sha256(path) == digest, path
    assert not [p for p in collection["root"].parent.glob(".~*")], "temporary files left behind"


def test_summary_workbook_structure(collection: dict[str, Any]) -> None:
    wb = load_workbook(collection["out"])
    assert wb.sheetnames == [SUMMARY_SHEETS["overview"], *(SUMMARY_SHEETS[k] for k in summary.TABLE_KEYS)]
    for ws in wb.worksheets[1:]:
        assert ws.freeze_panes == ("C2" if ws.title == SUMMARY_SHEETS["projects"] else "A2"), ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    projects = wb[SUMMARY_SHEETS["projects"]]
    header = [c.value for c in projects[1]]
    assert header[:6] == ["主管部门", "项目名称", "总分（重算）", "评分等级（重算）", "执行率(%)（重算）", "错误数"]
    assert header[-2:] == ["文件", "工作表"]
    budget_col = header.index("全年预算数(万元)") + 1
    assert projects.cell(2, budget_col).number_format == "#,##0.00"
    departments = wb[SUMMARY_SHEETS["departments"]]
    rows = list(departments.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][0] == SELF_CASES[0]["department"] and rows[0][1] == 6
    budget = sum(c["funds"]["total"]["annual_budget"] for c in SELF_CASES)
    assert rows[0][2] == pytest.approx(budget)
    assert sum(rows[0][7:]) == 6
    with zipfile.ZipFile(collection["out"]) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 4  # 总览: grades and execution rates; 主管部门统计: grades and average scores


def test_csv_tables_have_bom_and_same_rows(collection: dict[str, Any]) -> None:
    folder = collection["root"].parent / f"{collection['root'].name}-csv"
    for key in summary.TABLE_KEYS:
        path = folder / f"{SUMMARY_SHEETS[key]}.csv"
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        assert len(rows) - 1 == len(sheet_rows(collection["out"], key)), key


def test_text_never_becomes_a_formula(tmp_path: Path) -> None:
    case = copy.deepcopy(SELF_CASES[1])
    case["project_name"] = '=HYPERLINK("http://example.com","点我")'
    case["department"] = "+1+2"
    case["indicators"][0]["name"] = "@SUM(A1:A2)"
    case["indicators"][0]["deviation"] = "-2+3"
    save_form(tmp_path / "in" / "evil.xlsx", case)
    out = tmp_path / "summary.xlsx"
    consolidate([tmp_path / "in"], out, jobs=1, csv_dir=tmp_path / "csv")
    wb = load_workbook(out)
    texts = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts[cell.value] = cell.data_type
    assert texts[case["project_name"]] == "s" and texts["@SUM(A1:A2)"] == "s"
    with (tmp_path / "csv" / f"{SUMMARY_SHEETS['projects']}.csv").open(encoding="utf-8-sig") as handle:
        body = handle.read()
    assert "'=HYPERLINK" in body and "'+1+2" in body


# --- newest wins --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mtimes", "kept"),
    [((100, 200), "b"), ((200, 100), "a"), ((100, 100), "b")],
    ids=["later-file-is-newer", "earlier-file-is-newer", "tie-later-path-wins"],
)
def test_newest_version_is_kept(tmp_path: Path, mtimes: tuple[int, int], kept: str) -> None:
    base = time.time() - 10_000
    # one workbook copied: the same saved time inside, so the file times decide
    saved = save_form(tmp_path / "saved.xlsx", SELF_CASES[2])
    (tmp_path / "in").mkdir()
    for name, offset in zip("ab", mtimes, strict=True):
        target = shutil.copy(saved, tmp_path / "in" / f"{name}.xlsx")
        os.utime(target, (base + offset, base + offset))
    out = tmp_path / "s.xlsx"
    report = consolidate([tmp_path / "in"], out, jobs=1)
    projects = sheet_rows(out, "projects")
    assert [Path(r["文件"]).stem for r in projects] == [kept]
    files = {Path(r["文件"]).stem: r["状态"] for r in sheet_rows(out, "files")}
    assert files == {kept: OK, ("a" if kept == "b" else "b"): SUPERSEDED}
    assert report.superseded_forms == 1


def test_forms_without_project_name_are_never_merged(tmp_path: Path) -> None:
    case = copy.deepcopy(SELF_CASES[3])
    case["project_name"] = ""
    save_form(tmp_path / "in" / "a.xlsx", case)
    save_form(tmp_path / "in" / "b.xlsx", case)
    report = consolidate([tmp_path / "in"], tmp_path / "s.xlsx", jobs=1)
    assert report.projects == 2 and report.superseded_forms == 0


# --- hangs and crashes --------------------------------------------------------------------


def misbehaving(settings: Settings, task: tuple[int, str, Kind]) -> tuple[FileEntry, bytes]:
    """The real worker, except on files named to hang or to crash their process."""
    name = Path(task[1]).name
    if name.startswith("hang"):
        time.sleep(600)
    if name.startswith("segfault"):
        faulthandler.disable()  # pytest's traceback dump would only add noise
        os.kill(os.getpid(), signal.SIGSEGV)
    if name.startswith("exit"):
        os._exit(3)
    if name.startswith("bug"):
        raise RuntimeError("boom")
    return analyse_file(settings, task)


def test_hung_and_crashed_workers_are_reported_not_fatal(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    good = [save_form(folder / f"ok{i}.xlsx", case) for i, case in enumerate(SELF_CASES[:4])]
    for name in ("hang.xlsx", "segfault.xlsx", "exit.xlsx"):
        shutil.copy(good[0], folder / name)
    out = tmp_path / "s.xlsx"
    started = time.monotonic()
    report = consolidate([folder], out, jobs=2, time_limit=1.5, handler=misbehaving)
    assert time.monotonic() - started < 30
    files = {Path(r["文件"]).name: r for r in sheet_rows(out, "files")}
    assert files["hang.xlsx"]["状态"] == FAILED and "1.5 秒" in files["hang.xlsx"]["原因"]
    assert files["segfault.xlsx"]["状态"] == FAILED and "SIGSEGV" in files["segfault.xlsx"]["原因"]
    assert files["exit.xlsx"]["状态"] == FAILED and "异常退出（3）" in files["exit.xlsx"]["原因"]
    for name in ("hang.xlsx", "segfault.xlsx", "exit.xlsx"):
        assert files[name]["SHA-256"] == sha256(good[0])  # hashed by the parent
    assert all(files[p.name]["状态"] in (OK, SUPERSEDED) for p in good)
    assert report.statuses["failed"] == 3
    assert report.workers_started >= 2 + 3  # every lost worker was replaced


def test_pool_reports_handler_errors_and_recycles_workers() -> None:
    with WorkerPool(_square, init=_init, init_arg=10, jobs=2, time_limit=30, recycle_after=3) as pool:
        outcomes = list(pool.map_unordered((i, i) for i in range(12)))
        started = pool.started_workers
    results = {o.index: o for o in outcomes}
    assert sorted(results) == list(range(12))
    assert results[5].failure == "error" and "ValueError" in results[5].detail
    assert all(results[i].result == 10 + i * i for i in range(12) if i != 5)
    assert started >= 2 + 12 // 3 - 1


def _init(offset: int) -> int:
    return offset


def _square(offset: int, value: int) -> int:
    if value == 5:
        raise ValueError("five")
    if value == -1:
        time.sleep(600)
    if value == -2:
        os._exit(3)
    return offset + value * value


@pytest.mark.parametrize(
    ("jobs", "order"),
    [(1, [1, -1, 2, 3, -2, 4, 6]), (1, [-2, 1, -1, 2]), (2, [-1, -1, 1, 2, 3, -2, 4])],
    ids=["one-worker", "lost-first", "two-workers"],
)
def test_tasks_queued_behind_a_hung_or_crashed_task_run_on_the_next_worker(jobs: int, order: list[int]) -> None:
    """A worker holds the next task while it runs one: a hang or a crash fails its own task only."""
    with WorkerPool(_square, init=_init, init_arg=10, jobs=jobs, time_limit=1.0) as pool:
        outcomes = {o.index: o for o in pool.map_unordered(enumerate(order))}
    assert sorted(outcomes) == list(range(len(order)))
    for index, value in enumerate(order):
        outcome = outcomes[index]
        if value == -1:
            assert outcome.failure == "timeout", outcome
        elif value == -2:
            assert outcome.failure == "crashed" and outcome.detail == "3", outcome
        else:
            assert outcome.failure is None and outcome.result == 10 + value * value, outcome


# --- discovery ----------------------------------------------------------------------------


def test_discover_kinds_order_and_exclusions(tmp_path: Path) -> None:
    for rel in ("b/2.xlsx", "b/1.ods", "a/x.xls", "a/~$x.xlsx", "a/y.json", ".hidden/z.xlsx", "out.xlsx", "m.xlsm"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    found = discover([tmp_path, tmp_path / "a" / "y.json", tmp_path / "missing.xlsx"])
    rel = [(str(Path(f.path).relative_to(tmp_path)), f.kind) for f in found]
    assert rel == [
        ("m.xlsm", "read"),
        ("out.xlsx", "read"),
        ("a/x.xls", "read"),
        ("a/y.json", "read"),  # named explicitly
        ("a/~$x.xlsx", "lock"),
        ("b/1.ods", "read"),
        ("b/2.xlsx", "read"),
        ("missing.xlsx", "missing"),
    ]


# --- outputs ------------------------------------------------------------------------------


def test_failed_write_leaves_previous_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_form(tmp_path / "in" / "a.xlsx", SELF_CASES[0])
    out = tmp_path / "summary.xlsx"
    out.write_bytes(b"previous")

    def broken(self: Any, row: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(summary._Table, "add", broken)
    with pytest.raises(OutputError, match="磁盘空间不足"):
        consolidate([tmp_path / "in"], out, jobs=1, force=True)  # "previous" is not a summary
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "summary.xlsx"]


def test_parquet_written_when_pyarrow_is_installed(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    save_form(tmp_path / "in" / "a.xlsx", SELF_CASES[0])
    consolidate([tmp_path / "in"], tmp_path / "s.xlsx", jobs=1, csv_dir=tmp_path / "t")
    table = pq.read_table(tmp_path / "t" / f"{SUMMARY_SHEETS['indicators']}.parquet")
    assert table.num_rows == len(SELF_CASES[0]["indicators"])


# --- the command --------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    save_form(folder / "a.xlsx", SELF_CASES[0])
    save_form(folder / "b.xlsx", SELF_CASES[1])
    return folder


def test_cli_writes_summary_exit_0(small: Path, tmp_path: Path) -> None:
    (small / "broken.xlsx").write_text("x")
    result = CliRunner().invoke(main, ["consolidate", str(small), "-o", str(tmp_path / "s.xlsx"), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "共 3 个文件（成功 2，失败 1）；汇总 2 个项目" in result.stdout
    assert f"已写出 {tmp_path / 's.xlsx'}" in result.stdout
    assert f"{small / 'broken.xlsx'}：不是 Excel/WPS 工作簿" in result.stderr
    assert "汇总" not in result.stderr  # no progress bar when stderr is not a terminal


def test_cli_strict_exit_1_on_failed_file(small: Path, tmp_path: Path) -> None:
    args = ["consolidate", str(small), "-o", str(tmp_path / "s.xlsx"), "--strict", "--quiet"]
    assert CliRunner().invoke(main, args).exit_code == 0
    (small / "broken.xlsx").write_text("x")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.stdout == ""


def test_cli_strict_exit_1_on_error_finding(tmp_path: Path) -> None:
    case = copy.deepcopy(SELF_CASES[0])
    case["grade"] = "差"
    save_form(tmp_path / "in" / "a.xlsx", case)
    result = CliRunner().invoke(main, ["consolidate", str(tmp_path / "in"), "-o", str(tmp_path / "s.xlsx"), "--strict"])
    assert result.exit_code == 1
    assert "错误 1 项" in result.stdout
    assert (tmp_path / "s.xlsx").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--profile", "atlantis"], "atlantis"),
        (["--goals", "nowhere"], "文件不存在"),
    ],
    ids=["unknown-profile", "missing-goals"],
)
def test_cli_unusable_arguments_exit_2(small: Path, tmp_path: Path, extra: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["consolidate", str(small), "-o", str(tmp_path / "s.xlsx"), *extra])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "s.xlsx").exists()


def test_cli_missing_output_folder_exit_2(small: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["consolidate", str(small), "-o", str(tmp_path / "no" / "s.xlsx")])
    assert result.exit_code == 2
    assert "汇总文件所在的文件夹不存在" in result.stderr


@pytest.mark.parametrize("given", ["file", "folder_with_a_broken_neighbour"])
def test_cli_goals_report_drift(tmp_path: Path, given: str) -> None:
    """Goal tables as a record file, or as a folder of them (JSON found recursively, as
    ``validate --goals`` finds them) beside a file that can't be read: listed, the rest used."""
    case = copy.deepcopy(SELF_CASES[0])
    goal = {
        "form": "goal_table",
        "year": case["year"],
        "applicant_unit": case["implementing_unit"],
        "project_name": case["project_name"],
        "indicators": [
            {"level1": i["level1"], "level2": i["level2"], "name": i["name"], "target": i["target"]}
            for i in case["indicators"]
        ],
    }
    goal["indicators"][0]["target"] = "=99(场)"
    import json

    goals = tmp_path / "goals" / "2023"
    goals.mkdir(parents=True)
    (goals / "goal.json").write_text(json.dumps(goal, ensure_ascii=False), encoding="utf-8")
    (goals / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    save_form(tmp_path / "in" / "a.xlsx", case)
    out = tmp_path / "s.xlsx"
    argument = goals / "goal.json" if given == "file" else tmp_path / "goals"
    result = CliRunner().invoke(main, ["consolidate", str(tmp_path / "in"), "-o", str(out), "--goals", str(argument)])
    assert result.exit_code == 0, result.output
    rules = [f["规则代码"] for f in sheet_rows(out, "findings")]
    assert "goal_target_changed" in rules
    assert ("broken.xlsx" in result.stderr) == (given != "file")


def test_cli_output_inside_input_folder_is_not_an_input(small: Path) -> None:
    out = small / "summary.xlsx"
    runner = CliRunner()
    assert runner.invoke(main, ["consolidate", str(small), "-o", str(out)]).exit_code == 0
    result = runner.invoke(main, ["consolidate", str(small), "-o", str(out)])
    assert result.exit_code == 0
    assert "共 2 个文件" in result.stdout


def test_readme_main_command_on_the_samples(tmp_path: Path) -> None:
    samples = REPO / "samples"
    out = tmp_path / "summary.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(samples), "-o", str(out)])
    assert result.exit_code == 0, result.output
    workbooks = sorted(samples.glob("*.xlsx"))
    files = {row["文件"]: row["状态"] for row in sheet_rows(out, "files")}
    assert set(files) == {str(p) for p in samples.rglob("*") if p.is_file()}
    assert all(files[str(p)] == OK for p in workbooks)
    projects = sheet_rows(out, "projects")
    assert len(projects) == len(workbooks) == 8  # the seven published forms and the monitoring sample
    by_name = {row["项目名称"]: row for row in projects}
    for case in SELF_CASES:
        assert by_name[case["project_name"]]["总分（重算）"] == pytest.approx(case["total_score"], abs=0.005)
        assert by_name[case["project_name"]]["评分等级（重算）"] == case["grade"]


@pytest.mark.parametrize("where", ["named-as-input", "form-in-scanned-folder"])
def test_output_never_overwrites_an_input(small: Path, tmp_path: Path, where: str) -> None:
    target = small / "a.xlsx"
    before = sha256(target)
    args = ["consolidate", str(small), "-o", str(target)]
    if where == "named-as-input":
        args = ["consolidate", str(target), str(small / "b.xlsx"), "-o", str(target)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "不是 sheetperf 写出的汇总工作簿" in result.stderr or "汇总文件不能覆盖输入的工作簿" in result.stderr
    forced = CliRunner().invoke(main, [*args, "--force"])  # --force replaces other files, never an input
    assert forced.exit_code == 2
    assert "汇总文件不能覆盖输入的工作簿" in forced.stderr
    assert sha256(target) == before


def test_progress_reports_every_file(small: Path, tmp_path: Path) -> None:
    (small / "notes.txt").write_text("x")
    calls: list[tuple[int, int]] = []
    os.mkfifo(small / "pipe.xlsx")
    consolidate(
        [small],
        tmp_path / "s.xlsx",
        jobs=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[0] == (1, 4)  # the FIFO is settled before any worker starts
    assert calls[-1] == (4, 4)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
