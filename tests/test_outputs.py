"""Outputs are never lost (issue 18, the writing side).

Every file sheetperf writes goes through :mod:`sheetperf.io.atomic`: a full disk, a full
``$TMPDIR``, xlsxwriter's ``FileCreateError`` leave the previous file whole and nothing
beside it; a missing input, a file sheetperf did not write, a read-only file, a file open
in Excel or LibreOffice, a wrong suffix, a second run on the same file are refused before
anything is written; sheetperf's own outputs in an input folder are skipped; workers die
with the command; SIGKILL, SIGTERM and SIGINT at any moment of a 1,000-file run leave the
previous summary intact and nothing behind.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from conftest import REPO
from sheetperf.cli import main
from sheetperf.io.atomic import TEMP_PREFIX, OutputLock
from sheetperf.services.consolidate import consolidate
from sheetperf.vocab.labels import SUMMARY_SHEETS
from sheetperf.xlsx.limits import MAX_CELL_CHARS
from sheetperf.xlsx.marker import mark_xlsxwriter, output_kind, read_marker, unmarked_summary

# A zip file object a failed write on the full disk dropped is closed by the garbage collector
# during a later test of this module, and its last flush is reported as "unraisable": expected.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def _collect_dropped_files() -> Iterator[None]:
    """Collect what a failed write dropped before the test ends, so its warning stays here."""
    yield
    gc.collect()

RECORDS = REPO / "samples" / "records"
#: The sample workbooks that have their record beside them (the seven published forms).
SAMPLES = sorted(p for p in (REPO / "samples").glob("*.xlsx") if (RECORDS / f"{p.stem}.json").exists())
CJK = re.compile(r"[\u4e00-\u9fff]")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def files(folder: Path) -> list[str]:
    return [p for p in tree(folder) if (folder / p).is_file()]


def one_chinese_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert CJK.search(lines[0]) and "Traceback" not in result.output and "Error:" not in result.stderr, lines[0]
    return lines[0]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``$TMPDIR`` of the run: a folder of the test's own, checked empty afterwards."""
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for sample in SAMPLES[:3]:
        shutil.copy(sample, folder / sample.name)
    return folder


@contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs for the full disk ({done.stderr.decode(errors='replace').strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with _tmpfs(tmp_path / "disk", "512k") as disk:
        yield disk


def fill_up(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte (only ever a small tmpfs of the test)."""
    fs = os.statvfs(folder)
    assert fs.f_blocks * fs.f_frsize <= 4 * 2**20, "refusing to fill a file system that is not the test's small tmpfs"
    fd = os.open(folder / "padding", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


# --- 1, 2, 7, 8: one atomic writer; a full disk is one Chinese line and exit 2 ----------------


def _distribute(tmp_path: Path) -> Path:
    if (tmp_path / "dist" / "manifest.csv").exists():
        return tmp_path / "dist" / "manifest.csv"
    result = CliRunner().invoke(
        main, ["distribute", str(REPO / "samples" / "roster.csv"), "-o", str(tmp_path / "dist"), "--year", "2024"]
    )
    assert result.exit_code == 0, result.output
    return tmp_path / "dist" / "manifest.csv"


# Each writer: (the output's name, the command writing it into a folder).
WRITERS: dict[str, tuple[str, Callable[[Path, Path, Path], list[str]]]] = {
    "summary": ("汇总.xlsx", lambda inp, out, tmp: ["consolidate", str(inp), "-o", str(out), "--jobs", "1"]),
    "summary-csv": (
        "tables",
        lambda inp, out, tmp: ["consolidate", str(inp), "-o", str(tmp / "s.xlsx"), "--csv", str(out)],
    ),
    "html-report": ("报告.html", lambda inp, out, tmp: ["validate", str(inp), "--html", str(out)]),
    "annotated": ("批注", lambda inp, out, tmp: ["validate", str(inp), "--annotate", str(out)]),
    "status": ("交回.xlsx", lambda inp, out, tmp: ["status", str(_distribute(tmp)), str(inp), "--xlsx", str(out)]),
    "read-csv": ("csv", lambda inp, out, tmp: ["read", str(inp), "--csv", str(out)]),
    "template": ("模板.xlsx", lambda inp, out, tmp: ["template", "self-evaluation", "-o", str(out), "--force"]),
    "fill": (
        "填写.xlsx",
        lambda inp, out, tmp: [
            "fill",
            str(SAMPLES[1]),
            str(RECORDS / f"{SAMPLES[1].stem}.json"),
            "-o",
            str(out),
            "--force",
        ],
    ),
}


@pytest.mark.parametrize("writer", list(WRITERS), ids=list(WRITERS))
def test_full_disk_keeps_the_previous_output(
    writer: str, forms: Path, tmp_path: Path, small_disk: Path, scratch: Path
) -> None:
    name, command = WRITERS[writer]
    first = tmp_path / "first"
    first.mkdir()
    done = CliRunner().invoke(main, command(forms, first / name, tmp_path))
    assert done.exit_code in (0, 1), done.output
    previous = first / name
    if previous.is_dir():
        shutil.copytree(previous, small_disk / name)
    else:
        shutil.copy(previous, small_disk / name)
    before = {p: digest(small_disk / p) for p in files(small_disk)}
    fill_up(small_disk)
    result = CliRunner().invoke(main, command(forms, small_disk / name, tmp_path))
    assert result.exit_code == 2, result.output
    line = [line for line in result.stderr.splitlines() if "磁盘空间不足" in line]
    assert line, result.stderr
    assert "Traceback" not in result.output and "Errno" not in result.output
    assert {p: digest(small_disk / p) for p in before} == before
    assert files(small_disk) == sorted([*before, "padding"])  # no temporary file beside the output
    assert tree(scratch) == []  # nor in $TMPDIR


def test_full_tmpdir_is_one_line(forms: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "汇总.xlsx"
    consolidate([forms], out, jobs=1)
    before = digest(out)
    with _tmpfs(tmp_path / "fulltmp", "64k") as full:
        fill_up(full)
        monkeypatch.setenv("TMPDIR", str(full))
        monkeypatch.setattr(tempfile, "tempdir", str(full))
        result = CliRunner().invoke(main, ["consolidate", str(forms), "-o", str(out), "--jobs", "1"])
        assert result.exit_code == 2, (result.output, result.exc_info and traceback.format_exception(*result.exc_info))
        line = one_chinese_line(result)
        assert "临时文件夹" in line and "TMPDIR" in line and "磁盘空间不足" in line
        assert tree(full) == ["padding"]
    assert digest(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_xlsxwriter_file_create_error_is_one_line(
    forms: Path, tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xlsxwriter.exceptions import FileCreateError
    from xlsxwriter.workbook import Workbook

    out = tmp_path / "out" / "汇总.xlsx"
    out.parent.mkdir()
    consolidate([forms], out, jobs=1)
    before = digest(out)

    def refuse(self: Any) -> None:
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(Workbook, "_store_workbook", refuse)
    result = CliRunner().invoke(main, ["consolidate", str(forms), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 2, result.output
    assert "磁盘空间不足" in one_chinese_line(result)
    assert digest(out) == before
    assert tree(out.parent) == ["汇总.xlsx"]
    assert tree(scratch) == []


# --- 3: an input that can't be found is exit 2 before anything is written ---------------------


@pytest.mark.parametrize("strict", [False, True], ids=["plain", "strict"])
def test_typo_in_the_input_keeps_the_summary(forms: Path, tmp_path: Path, strict: bool) -> None:
    out = tmp_path / "汇总.xlsx"
    consolidate([forms], out, jobs=1)
    before = digest(out)
    args = ["consolidate", str(tmp_path / "回扑"), "-o", str(out), *(["--strict"] if strict else [])]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    line = one_chinese_line(result)
    assert "回扑" in line and "没有写出任何文件" in line
    assert digest(out) == before


def test_missing_input_writes_no_report(forms: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["validate", str(forms), str(tmp_path / "nope.xlsx"), "--html", str(report)])
    assert result.exit_code == 2
    assert "nope.xlsx" in one_chinese_line(result)
    assert not report.exists()


# --- 4: what is at the output path is not overwritten silently ------------------------------


def _other_return(out: Path) -> None:
    shutil.copy(SAMPLES[0], out)


def _docx(out: Path) -> None:
    out.write_bytes(b"PK\x03\x04 a word document")


def _user_sheet(out: Path) -> None:
    consolidate([REPO / "samples"], out, jobs=1)
    wb = load_workbook(out)
    wb.create_sheet("我的备注")
    wb.save(out)


def _read_only(out: Path) -> None:
    consolidate([REPO / "samples"], out, jobs=1)
    out.chmod(0o444)


def _open_in_excel(out: Path) -> None:
    consolidate([REPO / "samples"], out, jobs=1)
    out.with_name(f"~${out.name}").write_bytes(b"owner")


def _open_in_libreoffice(out: Path) -> None:
    consolidate([REPO / "samples"], out, jobs=1)
    out.with_name(f".~lock.{out.name}#").write_text("user,host", encoding="utf-8")


def _status_workbook(out: Path) -> None:
    from sheetperf.services.distribute import write_table_workbook

    write_table_workbook(out, [("交回情况", ["项目"], [["甲"]])], kind="status")


REFUSALS = {
    "other-department-return": (_other_return, "汇总.xlsx", "不是 sheetperf 写出的汇总工作簿"),
    "docx-name": (lambda out: None, "汇总.docx", "文件名应以 .xlsx 结尾"),
    "csv-name": (lambda out: None, "summary.csv", "文件名应以 .xlsx 结尾"),
    "docx-content": (_docx, "汇总.xlsx", "不是 sheetperf 写出的汇总工作簿"),
    "user-added-sheet": (_user_sheet, "汇总.xlsx", "工作表已被改动"),
    "read-only": (_read_only, "汇总.xlsx", "文件为只读"),
    "open-in-excel": (_open_in_excel, "汇总.xlsx", "Excel 或 WPS 中打开"),
    "open-in-libreoffice": (_open_in_libreoffice, "汇总.xlsx", "LibreOffice 中打开"),
    "a-status-workbook": (_status_workbook, "汇总.xlsx", "是 sheetperf 写出的交回情况工作簿"),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_output_refused(case: str, forms: Path, tmp_path: Path) -> None:
    prepare, name, reason = REFUSALS[case]
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / name
    prepare(out)
    before = {p: digest(folder / p) for p in tree(folder)}
    result = CliRunner().invoke(main, ["consolidate", str(forms), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 2, result.output
    assert reason in one_chinese_line(result)
    assert {p: digest(folder / p) for p in tree(folder)} == before


def test_a_csv_table_open_in_excel_is_refused(forms: Path, tmp_path: Path) -> None:
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / f"~${SUMMARY_SHEETS['projects']}.csv").write_bytes(b"owner")
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(forms), "-o", str(out), "--csv", str(tables)])
    assert result.exit_code == 2
    assert "Excel 或 WPS 中打开" in one_chinese_line(result)
    assert not out.exists() and tree(tables) == [f"~${SUMMARY_SHEETS['projects']}.csv"]


def test_force_replaces_a_file_sheetperf_did_not_write(forms: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    _other_return(out)
    result = CliRunner().invoke(main, ["consolidate", str(forms), "-o", str(out), "--jobs", "1", "--force"])
    assert result.exit_code == 0, result.output
    assert output_kind(out) == "summary"


def test_a_previous_summary_is_replaced(forms: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    consolidate([REPO / "samples"], out, jobs=1)
    result = CliRunner().invoke(main, ["consolidate", str(forms), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert load_workbook(out, read_only=True)[SUMMARY_SHEETS["projects"]].max_row == 1 + len(SAMPLES[:3])


@pytest.mark.parametrize(
    ("command", "existing", "reason"),
    [
        (["template", "self-evaluation"], "模板.xlsx", "文件已存在"),
        (["validate", "{forms}", "--html"], "报告.html", "不是 sheetperf 写出的HTML 校验报告"),
    ],
    ids=["template", "html-report"],
)
def test_other_writers_refuse_a_file_they_did_not_write(
    command: list[str], existing: str, reason: str, forms: Path, tmp_path: Path
) -> None:
    out = tmp_path / existing
    out.write_bytes(b"someone's file")
    args = [a.replace("{forms}", str(forms)) for a in command]
    flag = [] if "--html" in args else ["-o"]
    result = CliRunner().invoke(main, [*args, *flag, str(out)])
    assert result.exit_code == 2, result.output
    assert reason in one_chinese_line(result)
    assert out.read_bytes() == b"someone's file"


@pytest.mark.skipif(not (REPO.parent / "shared" / "seeds").is_dir(), reason="the published texts (../shared) are not here")
def test_import_text_does_not_replace_a_file_it_did_not_write(tmp_path: Path) -> None:
    seed = REPO.parent / "shared" / "seeds" / "000_a2b032ae4d4f1a39.txt"
    out = tmp_path / "imported"
    first = CliRunner().invoke(main, ["import-text", str(seed), "-o", str(out)])
    assert first.exit_code in (0, 1), first.output
    made = sorted(out.iterdir())[0]
    made.write_bytes(b"a department's own workbook")
    again = CliRunner().invoke(main, ["import-text", str(seed), "-o", str(out)])
    assert again.exit_code == 2
    assert "文件已存在" in one_chinese_line(again)
    assert made.read_bytes() == b"a department's own workbook"
    forced = CliRunner().invoke(main, ["import-text", str(seed), "-o", str(out), "--force"])
    assert forced.exit_code in (0, 1), forced.output


def test_html_report_is_marked_and_replaced(forms: Path, tmp_path: Path) -> None:
    out = tmp_path / "报告.html"
    for _ in range(2):
        result = CliRunner().invoke(main, ["validate", str(forms), "--html", str(out)])
        assert result.exit_code in (0, 1), result.output
    assert 'name="sheetperf-output"' in out.read_text(encoding="utf-8")[:2000]


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv to drop capabilities"
)
def test_read_only_folder_without_override_rights(forms: Path, tmp_path: Path) -> None:
    """Root without CAP_DAC_OVERRIDE (how the issue was found) meets a folder it may not write."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    caps = "-dac_override,-dac_read_search"
    command = [sys.executable, "-m", "sheetperf.cli", "consolidate", str(forms), "-o", str(locked / "s.xlsx")]
    done = subprocess.run(
        ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *command],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)},
        timeout=120,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    if "Operation not permitted" in stderr and "setpriv" in stderr:
        pytest.skip(f"setpriv cannot drop capabilities here: {stderr.strip()}")
    assert done.returncode == 2, stderr
    assert "没有读取或写入权限" in stderr and "Traceback" not in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert list(locked.iterdir()) == []


# --- 5: sheetperf's own outputs in an input folder are skipped, never read as forms ------------


def test_own_outputs_in_the_folder_are_skipped(forms: Path, tmp_path: Path) -> None:
    consolidate([REPO / "samples"], forms / "去年汇总.xlsx", jobs=1)  # an older summary under another name
    _status_workbook(forms / "交回情况.xlsx")
    annotated = CliRunner().invoke(main, ["validate", str(forms / SAMPLES[0].name), "--annotate", str(forms / "批注")])
    assert annotated.exit_code in (0, 1), annotated.output
    assert output_kind(forms / "去年汇总.xlsx") == "summary"
    assert output_kind(next((forms / "批注").iterdir())) == "annotated"
    assert output_kind(forms / SAMPLES[0].name) is None  # a template-made form is a form
    out = tmp_path / "汇总.xlsx"
    report = consolidate([forms], out, jobs=1)
    assert report.projects == 3
    assert report.statuses["own_output"] == 3
    files = list(load_workbook(out, read_only=True)[SUMMARY_SHEETS["files"]].iter_rows(min_row=2, values_only=True))
    skipped = {Path(str(row[0])).name: row[1] for row in files if row[1] != "成功"}
    assert set(skipped.values()) == {"已跳过（sheetperf 输出）"}, skipped
    assert len(skipped) == 3


@pytest.mark.parametrize("command", [["read", "--json"], ["validate", "--json"]], ids=["read", "validate"])
def test_read_and_validate_skip_own_outputs_in_a_folder(forms: Path, command: list[str]) -> None:
    """A summary in the folder is no form for ``read`` and ``validate`` either: listed with the reason."""
    consolidate([REPO / "samples"], forms / "去年汇总.xlsx", jobs=1)
    result = CliRunner().invoke(main, [command[0], str(forms), *command[1:]])
    assert result.exit_code in (0, 1), result.output
    rows = json.loads(result.stdout)  # read: records; validate: findings
    files = {Path(str(row.get("file") or row.get("source", {}).get("file"))).name for row in rows}
    assert "去年汇总.xlsx" not in files, files
    if command[0] == "read":
        assert len(files) == 3, files  # the three forms, not the summary's sheets
    assert "去年汇总.xlsx" in result.stderr and "sheetperf 写出的汇总工作簿" in result.stderr


def test_a_temporary_left_by_a_killed_run_is_not_a_return(forms: Path, tmp_path: Path) -> None:
    (forms / f"{TEMP_PREFIX}0badc0de-汇总.xlsx").write_bytes(b"")  # left by an older version or a killed janitor
    (forms / ".~汇总-k3j2l1.xlsx").write_bytes(b"")
    report = consolidate([forms], tmp_path / "汇总.xlsx", jobs=1)
    assert report.statuses["own_output"] == 2 and report.statuses["failed"] == 0, report.statuses


def test_marker_reads_only_what_it_needs(tmp_path: Path) -> None:
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK\x03\x04" + b"\0" * 1000)  # a broken zip reads as "no marker"
    assert read_marker(big) is None
    assert read_marker(tmp_path / "missing.xlsx") is None


def _workbook(path: Path, sheets: list[str], *, marked: bool = False) -> Path:
    """A workbook with these sheets; marked as a summary, or unmarked as summaries were before marks."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    for name in sheets:
        book.add_worksheet(name)
    if marked:
        mark_xlsxwriter(book, "summary", sheets)
    book.close()
    return path


#: case → (sheets, marked, may be replaced by a summary (io.atomic), recognised as no input (consolidate))
LEGACY_SUMMARIES: dict[str, tuple[list[str], bool, bool, bool]] = {
    "old-summary": (list(SUMMARY_SHEETS.values()), False, True, True),
    "files-sheet-among-others": ([SUMMARY_SHEETS["files"], "我的表"], False, False, True),
    "a-form": (["绩效自评表"], False, False, False),
    "marked-summary": (list(SUMMARY_SHEETS.values()), True, False, True),
}


@pytest.mark.parametrize("case", list(LEGACY_SUMMARIES), ids=list(LEGACY_SUMMARIES))
def test_summaries_from_before_marks(case: str, tmp_path: Path) -> None:
    """The two probes of an unmarked summary keep their rules: a summary may replace exactly the
    old summary sheets; consolidate takes any workbook naming 文件清单 for a summary, not an input."""
    from sheetperf.io.atomic import _legacy_summary
    from sheetperf.services.consolidate import _is_summary

    sheets, marked, replaceable, summary = LEGACY_SUMMARIES[case]
    path = _workbook(tmp_path / "汇总.xlsx", sheets, marked=marked)
    assert _legacy_summary(path) is replaceable
    assert _is_summary(path) is summary
    assert unmarked_summary(path, lambda names: names == sheets) is not marked


def test_an_unreadable_workbook_is_no_summary(tmp_path: Path) -> None:
    broken = tmp_path / "汇总.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\0" * 1000)
    assert unmarked_summary(broken, lambda names: True) is False
    assert unmarked_summary(tmp_path / "missing.xlsx", lambda names: True) is False


# --- 6: workers die with the command -----------------------------------------------------------

_POOL_SCRIPT = """
import sys, time
from sheetperf.services.workers import WorkerPool

def hang(state, task):
    time.sleep(600)

def init(arg):
    return None

with WorkerPool(hang, init=init, jobs=2, time_limit=600) as pool:
    iterator = pool.map_unordered([(0, 0), (1, 1)])
    import threading
    def report():
        time.sleep(1.0)
        print(" ".join(str(s.process.pid) for s in pool._slots), flush=True)
    threading.Thread(target=report, daemon=True).start()
    for _ in iterator:
        pass
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_workers_die_with_the_parent(sig: signal.Signals, tmp_path: Path) -> None:
    script = tmp_path / "pool.py"
    script.write_text(_POOL_SCRIPT, encoding="utf-8")
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        start_new_session=True,
    )
    try:
        assert parent.stdout is not None
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
        os.kill(parent.pid, sig)
        parent.wait(timeout=10)
        assert _gone_within(workers, 5.0), [pid for pid in workers if _alive(pid)]
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)


# --- 17: a second run writing the same file is refused ----------------------------------------


def test_second_run_on_the_same_output_is_refused(forms: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    consolidate([forms], out, jobs=1)
    before = digest(out)
    with OutputLock([out]):  # what the first run holds while it runs
        result = CliRunner().invoke(main, ["consolidate", str(forms), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 2
    assert "另一个 sheetperf 正在写出这个文件" in one_chinese_line(result)
    assert digest(out) == before
    again = CliRunner().invoke(main, ["consolidate", str(forms), "-o", str(out), "--jobs", "1"])
    assert again.exit_code == 0, again.output


# --- 15: text beyond Excel's 32,767 characters ------------------------------------------------


def _long_record(tmp_path: Path) -> Path:
    data = json.loads((RECORDS / f"{SAMPLES[1].stem}.json").read_text(encoding="utf-8"))
    data["indicators"][0]["deviation"] = "偏" * 40_000
    path = tmp_path / "long.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_fill_refuses_text_longer_than_a_cell(tmp_path: Path) -> None:
    out = tmp_path / "f.xlsx"
    result = CliRunner().invoke(main, ["fill", str(SAMPLES[1]), str(_long_record(tmp_path)), "-o", str(out)])
    assert result.exit_code == 2
    line = one_chinese_line(result)
    assert re.search(r"单元格 [A-Z]+\d+", line) and "40000" in line and "32767" in line, line
    assert not out.exists()


def test_summary_says_where_text_was_cut(tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    consolidate([_long_record(tmp_path)], out, jobs=1, csv_dir=tmp_path / "csv")
    wb = load_workbook(out, read_only=True)
    cells = [c for row in wb[SUMMARY_SHEETS["indicators"]].iter_rows(values_only=True) for c in row]
    cut = [c for c in cells if isinstance(c, str) and c.startswith("偏偏")]
    assert len(cut) == 1 and len(cut[0]) <= MAX_CELL_CHARS and "已截断" in cut[0] and "40000" in cut[0]
    findings = list(wb[SUMMARY_SHEETS["findings"]].iter_rows(min_row=2, values_only=True))
    assert [row for row in findings if row[5] == "text_truncated"], findings
    csv_text = (tmp_path / "csv" / f"{SUMMARY_SHEETS['indicators']}.csv").read_text(encoding="utf-8-sig")
    assert "偏" * 40_000 in csv_text  # the CSV keeps the whole text


# --- 16: messages in Chinese, on one line ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["consolidate", "in", "-o"], "选项 -o 需要一个值"),
        (["consolidate", "--jobs", "abc", "in", "-o", "s.xlsx"], "「abc」不是整数"),
        (["consolidate", "--jobs", "0", "in", "-o", "s.xlsx"], "不在允许的范围"),
        (["consolidate", "--bogus", "in"], "没有选项 --bogus"),
        (["consolidate"], "缺少参数"),
        (["consolidate", "in"], "缺少选项 -o"),
        (["template", "report", "-o", "t.xlsx"], "不是可选的值"),
        (["nothing"], "没有命令 nothing"),
    ],
    ids=["needs-value", "not-integer", "out-of-range", "no-such-option", "missing-argument", "missing-option",
         "bad-choice", "no-such-command"],
)  # fmt: skip
def test_usage_errors_in_chinese(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    line = one_chinese_line(result)
    assert expected in line and line.startswith("错误：") and "Usage" not in result.output


def test_newline_in_a_file_name_stays_on_one_line(forms: Path, tmp_path: Path) -> None:
    (forms / "坏\n文件.xlsx").write_bytes(b"not a workbook")
    result = CliRunner().invoke(main, ["consolidate", str(forms), "-o", str(tmp_path / "s.xlsx"), "--quiet"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.stderr.splitlines() if "文件.xlsx" in line]
    assert "坏\\n文件.xlsx" in line


# --- acceptance: signals at several moments of a 1,000-file consolidation ----------------------


def _session_processes(sid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text(encoding="ascii").rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_signals_during_a_1000_file_consolidation(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(1000):
        shutil.copy(SAMPLES[n % len(SAMPLES)], folder / f"回执-{n:04d}.xlsx")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "汇总.xlsx"
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(scratch)}
    command = [sys.executable, "-m", "sheetperf.cli", "consolidate", str(folder), "-o", str(out), "--jobs", "2"]
    started = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    full = time.monotonic() - started
    before = digest(out)
    # Moments: a fraction of a full run (reading), or "writing": as soon as the summary's
    # temporary file appears beside it (the summary is being written).
    moments: list[tuple[signal.Signals, float | str]] = [
        (signal.SIGKILL, 0.2), (signal.SIGKILL, 0.6), (signal.SIGKILL, "writing"),
        (signal.SIGTERM, 0.4), (signal.SIGTERM, "writing"),
        (signal.SIGINT, 0.5), (signal.SIGINT, "writing"),
    ]  # fmt: skip
    killed = 0
    for sig, moment in moments:
        run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        if moment == "writing":
            deadline = time.monotonic() + 3 * full
            while not [p for p in out_dir.iterdir() if p.name.startswith(TEMP_PREFIX)]:
                assert time.monotonic() < deadline and run.poll() is None, "the summary was never being written"
                time.sleep(0.005)
        else:
            assert isinstance(moment, float)
            time.sleep(full * moment)
        # Ctrl-C reaches the whole foreground group; kill and timeout signal the command alone.
        if sig == signal.SIGINT:
            os.killpg(run.pid, sig)
        else:
            os.kill(run.pid, sig)
        _, err = run.communicate(timeout=60)
        # After a SIGKILL the janitor (a process of its own session) removes the temporaries.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (_session_processes(run.pid) or len(tree(out_dir)) > 1 or tree(scratch)):
            time.sleep(0.05)
        assert _session_processes(run.pid) == [], (sig, moment)
        what = f"{signal.Signals(sig).name} at {moment}: rc {run.returncode}, {err.decode(errors='replace')}"
        if run.returncode == 0:  # finished before the signal: a fresh summary, as it should be
            before = digest(out)
            continue
        killed += 1
        assert digest(out) == before, what
        assert tree(out_dir) == ["汇总.xlsx"], what
        assert tree(scratch) == [], what
        if sig != signal.SIGKILL:
            assert run.returncode == 128 + sig, what
            text = err.decode("utf-8", "replace")
            assert "已中断" in text and "Aborted" not in text and "Traceback" not in text, what
    assert killed >= 6  # at most one run (a reading moment on a fast machine) may finish first


# --- the mark survives a spreadsheet program's save ------------------------------------------


@pytest.mark.libreoffice
def test_the_mark_survives_a_libreoffice_save(forms: Path, tmp_path: Path) -> None:
    from sheetperf.io.recalc import recalculate

    made = tmp_path / "made"
    made.mkdir()
    consolidate([forms], made / "汇总.xlsx", jobs=1)
    _status_workbook(made / "交回情况.xlsx")
    saved = recalculate([made / "汇总.xlsx", made / "交回情况.xlsx"], tmp_path / "saved")
    kinds = {p.name: read_marker(p) for p in saved}
    assert {name: m.kind if m else None for name, m in kinds.items()} == {
        "汇总.xlsx": "summary",
        "交回情况.xlsx": "status",
    }
    assert not any(m.sheets_changed for m in kinds.values() if m is not None)
    # A summary saved by LibreOffice is still ours: replaced without --force, skipped inside a folder.
    summary = tmp_path / "saved" / "汇总.xlsx"
    shutil.copy(summary, forms / "去年汇总.xlsx")
    result = CliRunner().invoke(main, ["consolidate", str(forms), "-o", str(summary), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "已跳过（sheetperf 输出） 1" in result.stdout


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("坏\n文件.xlsx", "坏\\n文件.xlsx"),
        ("a\rb\x1bc", "a\\rb\\x1bc"),
        ("段\u2028落", "段\\u2028落"),
        (os.fsdecode(b"\xbb\xe3\xd7\xdc.xlsx"), "\\xbb\\xe3\\xd7\\xdc.xlsx"),  # 汇总 in GBK
        ("正常的名字.xlsx", "正常的名字.xlsx"),
    ],
    ids=["newline", "carriage-return-escape", "line-separator", "gbk-bytes", "plain"],
)
def test_names_are_shown_on_one_printable_line(text: str, shown: str) -> None:
    from sheetperf.errors import shown as escaped

    assert escaped(text) == shown
    assert escaped(text).encode("utf-8")  # printable: no lone surrogates left


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EROFS, errno.EDQUOT, errno.ENOENT], ids=str)
def test_os_errors_are_said_in_chinese(code: int) -> None:
    from sheetperf.vocab.text import os_reason

    assert CJK.search(os_reason(OSError(code, os.strerror(code))))


def test_a_name_in_gbk_bytes_reaches_every_output(tmp_path: Path) -> None:
    """A file name copied from a Windows share (GBK, not UTF-8) is written escaped, never a crash."""
    folder = tmp_path / "in"
    folder.mkdir()
    gbk = Path(os.fsdecode(bytes(folder) + b"/\xbb\xe3\xd7\xdc.xlsx"))  # 汇总.xlsx in GBK
    shutil.copy(SAMPLES[1], gbk)
    out = tmp_path / "汇总.xlsx"
    runs = [
        ["consolidate", str(folder), "-o", str(out), "--csv", str(tmp_path / "tables")],
        ["read", str(folder), "--csv", str(tmp_path / "csv")],
        ["validate", str(folder), "--html", str(tmp_path / "r.html")],
        ["read", str(folder), "--json"],
    ]
    for args in runs:
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (0, 1), (args, result.output)
        assert "\\xbb\\xe3\\xd7\\xdc.xlsx" in result.output + result.stderr or args[0] != "read", args
    files = [row[0] for row in load_workbook(out, read_only=True)[SUMMARY_SHEETS["files"]].iter_rows(values_only=True)]
    assert any(str(f).endswith("\\xbb\\xe3\\xd7\\xdc.xlsx") for f in files), files
    assert "\\xbb\\xe3\\xd7\\xdc.xlsx" in (tmp_path / "csv" / "projects.csv").read_text(encoding="utf-8-sig")
    assert "\\xbb\\xe3\\xd7\\xdc.xlsx" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_a_signal_right_after_the_temporary_is_created_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C between the system call that creates the temporary file and the next line (the
    moment the signal test's "writing" aims at): the file is removed, not forgotten."""
    from sheetperf.io import atomic

    real_open = os.open

    def open_then_interrupted(path: Any, *args: Any, **kwargs: Any) -> int:
        fd = real_open(path, *args, **kwargs)
        if not os.path.basename(path).startswith(TEMP_PREFIX):
            return fd  # the janitor's start (subprocess opens /dev/null)
        os.close(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "open", open_then_interrupted)
    staging = atomic.Staging("summary", tmp_path / "汇总.xlsx")
    with pytest.raises(KeyboardInterrupt):
        staging.file(tmp_path / "汇总.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_a_temporary_name_taken_by_another_run_is_left_to_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sheetperf.io import atomic

    names = iter(["aaaaaaaa", "bbbbbbbb"])
    monkeypatch.setattr(atomic.secrets, "token_hex", lambda _: next(names))
    theirs = tmp_path / f"{TEMP_PREFIX}aaaaaaaa-汇总.xlsx"
    theirs.write_bytes(b"another run's summary")
    staging = atomic.Staging("summary", tmp_path / "汇总.xlsx")
    ours = staging.file(tmp_path / "汇总.xlsx")
    assert ours.name == f"{TEMP_PREFIX}bbbbbbbb-汇总.xlsx"
    staging.abort()
    assert [p.name for p in tmp_path.iterdir()] == [theirs.name]
