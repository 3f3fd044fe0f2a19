"""What real collection folders hold (issue 18, the input side): every path met accounted for,
never a crash, nothing silently left out; archives; content before extension; which
resubmission wins; rosters as people keep them."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import REPO, SELF_EVALUATION_PATHS, load_case
from sheetperf.cli import main
from sheetperf.errors import InputError
from sheetperf.rules.choose import AUTO, profile_source
from sheetperf.services.consolidate import Settings, analyse_file, consolidate
from sheetperf.vocab.labels import FILE_STATUS_LABELS, SUMMARY_SHEETS

SAMPLE = REPO / "samples" / "self_evaluation-2023-jiaoyi-zhishu.xlsx"
GOAL_SAMPLE = REPO / "samples" / "goal_table-2020-neihan-jianshe.xlsx"
OTHER_SAMPLE = REPO / "samples" / "self_evaluation-2023-tongji-fenxi.xlsx"
OK, FAILED, SKIPPED, SUPERSEDED = (FILE_STATUS_LABELS[k] for k in ("ok", "failed", "skipped", "superseded"))
GBK_NAME = os.fsdecode("报送".encode("gbk") + b".xlsx")  # a name copied from a Windows share
GBK_SHOWN = r"\xb1\xa8\xcb\xcd.xlsx"
AUTO_PROFILE = profile_source(AUTO)


def files_sheet(path: Path) -> dict[str, dict[str, Any]]:
    """文件清单 of a summary, keyed by the file column."""
    wb = load_workbook(path, read_only=True)
    rows = list(wb[SUMMARY_SHEETS["files"]].iter_rows(values_only=True))
    wb.close()
    header = rows[0]
    return {str(row[0]): dict(zip(header, row, strict=True)) for row in rows[1:]}


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own (a hang is a failure, not a stuck suite)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "sheetperf.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
        errors="strict",  # the output must be text: raw bytes of a GBK name are a failure
    )


def as_nobody(work: Callable[[], Any], warm: Callable[[], Any]) -> Any:
    """``work()`` run in a forked child as the unprivileged user 65534 (root reads every
    folder whatever its permissions); its result comes back pickled.  ``warm()`` runs first as
    root, so that every module the work imports lazily is loaded before the child can no longer
    read the interpreter's folders."""
    if os.geteuid() != 0:
        return work()  # already unprivileged: permissions hold as they are
    if not hasattr(os, "fork"):
        pytest.skip("no fork() on this platform: the unprivileged run needs one")
    warm()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            payload = pickle.dumps(("ok", work()))
        except BaseException as exc:
            payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as handle:
        data = handle.read()
    os.waitpid(pid, 0)
    state, value = pickle.loads(data)
    if state == "error" and value.startswith("PermissionError") and "setuid" in value:
        pytest.skip(f"cannot become an unprivileged user here: {value}")
    assert state == "ok", value
    return value


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder the unprivileged user can reach (pytest's own tmp folder is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="sheetperf-intake-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        for sub in folder.rglob("*"):
            if sub.is_dir() and not sub.is_symlink():
                sub.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def deep_folder(base: Path, depth: int = 18) -> str:
    """A chain of folders whose path is longer than PATH_MAX (made relative, one level at a time)."""
    name = "深" * 80  # 240 bytes of UTF-8
    fd = os.open(base, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        handle = os.open("返回.xlsx", os.O_CREAT | os.O_WRONLY, dir_fd=fd)
        os.write(handle, SAMPLE.read_bytes())
        os.close(handle)
    finally:
        os.close(fd)
    return str(base / "/".join([name] * depth))


def awkward_roster(path: Path) -> Path:
    """A roster as people keep it: instructions on the first sheet, a title above the header,
    主管部门 merged down over its projects, years typed as dates (one a bare serial), a 合计 row."""
    from openpyxl import Workbook

    wb = Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = "填表说明"
    notes.append(["请按下表填写本单位项目"])
    ws = wb.create_sheet("名册")
    ws.append(["2024年度项目绩效自评名册"])
    ws.append([])
    ws.append(["年度", "主管部门", "实施单位", "项目名称"])
    ws.append([dt.datetime(2024, 1, 1), "上海市科委", "单位甲", "项目一"])
    ws.append([45292, None, "单位乙", "项目二"])
    ws.append([2024, "上海市教委", "单位丙", "项目三"])
    ws.append(["合计", None, None, None])
    ws["A4"].number_format = "yyyy-mm-dd"
    ws.merge_cells("B4:B5")
    wb.save(path)
    return path


ROSTER_EXPECTED = [
    (2024, "上海市科委", "单位甲", "项目一"),
    (2024, "上海市科委", "单位乙", "项目二"),
    (2024, "上海市教委", "单位丙", "项目三"),
]


# --- 1. every path walk: links, loops, names, FIFOs, long paths ---------------------------------


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One folder holding every case, consolidated once."""
    root = tmp_path_factory.mktemp("walk")
    folder = root / "in"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(SAMPLE, folder / "a.xlsx")
    shutil.copy(OTHER_SAMPLE, folder / "sub" / "b.xlsx")
    (folder / GBK_NAME).write_bytes(SAMPLE.read_bytes())
    (folder / "loop").mkdir()
    os.symlink("self", folder / "loop" / "self")
    secret = root / "outside"
    secret.mkdir()
    shutil.copy(SAMPLE, secret / "secret.xlsx")
    os.symlink(secret / "secret.xlsx", folder / "passwd.xlsx")
    os.symlink(secret, folder / "outside-folder")
    os.symlink(folder / "sub", folder / "sub-link")
    os.symlink(folder / "gone.xlsx", folder / "broken.xlsx")
    os.mkfifo(folder / "pipe.xlsx")
    deep = deep_folder(folder)
    out = root / "summary.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(out), "--strict"])
    return {"folder": folder, "result": result, "files": files_sheet(out), "deep": deep, "out": out}


WALK_CASES = [
    ("self-loop", "loop/self", FAILED, "链接循环"),
    ("gbk-name", GBK_SHOWN, OK, ""),
    ("link-to-file-outside", "passwd.xlsx", SKIPPED, "给定文件夹之外"),
    ("link-to-folder-outside", "outside-folder", SKIPPED, "给定文件夹之外"),
    ("link-to-folder-inside", "sub-link", SKIPPED, "已按其原位置读取"),
    ("broken-link", "broken.xlsx", FAILED, "不存在"),
    ("fifo", "pipe.xlsx", SKIPPED, "命名管道"),
]


@pytest.mark.parametrize(("relative", "status", "reason"), [c[1:] for c in WALK_CASES], ids=[c[0] for c in WALK_CASES])
def test_every_path_met_is_listed_in_the_file_list(
    hostile_folder: dict[str, Any], relative: str, status: str, reason: str
) -> None:
    files = hostile_folder["files"]
    row = files[f"{hostile_folder['folder']}/{relative}"]
    assert row["状态"] == status
    assert reason in (row["原因"] or "")


def test_the_walk_ends_in_a_summary_not_a_traceback(hostile_folder: dict[str, Any]) -> None:
    result = hostile_folder["result"]
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1  # --strict: the loop, the broken link and the long path failed
    assert "Traceback" not in result.output and "RuntimeError" not in result.stderr
    assert any(name.endswith(GBK_SHOWN) for name in hostile_folder["files"])
    assert not any("secret" in name for name in hostile_folder["files"])  # never read through the link


def test_a_path_beyond_path_max_is_listed_as_failed(hostile_folder: dict[str, Any]) -> None:
    deep = [row for name, row in hostile_folder["files"].items() if name.startswith(hostile_folder["deep"][:300])]
    assert deep, "the deep folder is not listed"
    assert all(row["状态"] == FAILED and "路径过长" in row["原因"] for row in deep)


RECORD_JSON = REPO / "samples" / "records" / "self_evaluation-2023-jiaoyi-zhishu.json"
FIFO_COMMANDS = [
    ("read", ["read", "{fifo}"]),
    ("score", ["score", "{fifo}"]),
    ("validate", ["validate", "{fifo}"]),
    ("validate-goals", ["validate", str(SAMPLE), "--goals", "{fifo}"]),
    ("fill-template", ["fill", "{fifo}", str(RECORD_JSON), "-o", "{tmp}/out.xlsx"]),
    ("fill-record", ["fill", str(SAMPLE), "{fifo}", "-o", "{tmp}/out.xlsx"]),
    ("template-from", ["template", "self-evaluation", "--from", "{fifo}", "-o", "{tmp}/t.xlsx"]),
    ("distribute-roster", ["distribute", "{fifo}", "-o", "{tmp}/out"]),
    ("import-text", ["import-text", "{fifo}"]),
]


@pytest.mark.parametrize("args", [c[1] for c in FIFO_COMMANDS], ids=[c[0] for c in FIFO_COMMANDS])
def test_a_fifo_named_is_refused_without_opening(tmp_path: Path, args: list[str]) -> None:
    pipe = tmp_path / "pipe.xlsx"
    os.mkfifo(pipe)
    result = cli(*(a.format(fifo=pipe, tmp=tmp_path) for a in args), timeout=60)  # opening it would block forever
    assert result.returncode == 2, result.stderr
    assert "命名管道" in result.stderr and "Traceback" not in result.stderr


GBK_COMMANDS = [
    ("read-table", ["read", "{folder}"], None),
    ("read-csv", ["read", "{folder}", "--csv", "{tmp}/csv"], "csv/projects.csv"),
    ("score", ["score", "{file}"], None),
    ("validate-html-annotate", ["validate", "{folder}", "--html", "{tmp}/r.html", "--annotate", "{tmp}/ann"], "r.html"),
    ("validate-json", ["validate", "{folder}", "--json"], None),
]


@pytest.mark.parametrize(("args", "written"), [c[1:] for c in GBK_COMMANDS], ids=[c[0] for c in GBK_COMMANDS])
def test_names_in_gbk_bytes_are_shown_escaped(tmp_path: Path, args: list[str], written: str | None) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / GBK_NAME).write_bytes(SAMPLE.read_bytes())
    command = [a.format(folder=folder, tmp=tmp_path, file=folder / GBK_NAME) for a in args]
    result = cli(*command)  # decoded strictly: raw bytes of the name in the output are a failure
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    if written is not None:
        assert GBK_SHOWN in (tmp_path / written).read_text(encoding="utf-8-sig")
    elif args[-1] != "--json":
        assert GBK_SHOWN in result.stdout + result.stderr


def test_an_unreadable_folder_is_failed_in_the_file_list(shared_tmp: Path) -> None:
    folder = shared_tmp / "in"
    (folder / "locked").mkdir(parents=True)
    shutil.copy(SAMPLE, folder / "a.xlsx")
    shutil.copy(OTHER_SAMPLE, folder / "locked" / "b.xlsx")
    (folder / "locked").chmod(0o000)
    shutil.copy(SAMPLE, folder / "unreadable.xlsx")
    (folder / "unreadable.xlsx").chmod(0o000)
    out = shared_tmp / "summary.xlsx"

    def run() -> dict[str, dict[str, Any]]:
        consolidate([folder], out, jobs=1)
        return files_sheet(out)

    def warm() -> None:
        (shared_tmp / "warm").mkdir()
        shutil.copy(SAMPLE, shared_tmp / "warm" / "a.xlsx")
        consolidate([shared_tmp / "warm"], shared_tmp / "warm.xlsx", jobs=1)
        files_sheet(shared_tmp / "warm.xlsx")
        analyse_file(Settings(AUTO_PROFILE), (0, str(SAMPLE), "read"))  # what the workers import

    files = as_nobody(run, warm)
    row = files[str(folder / "locked")]
    assert row["状态"] == FAILED and "没有读取或写入权限" in row["原因"]
    assert files[str(folder / "a.xlsx")]["状态"] == OK, files[str(folder / "a.xlsx")]["原因"]
    unreadable = files[str(folder / "unreadable.xlsx")]
    assert unreadable["状态"] == FAILED and "没有读取或写入权限" in unreadable["原因"]


def test_status_lists_an_unreadable_folder_instead_of_calling_its_project_missing(shared_tmp: Path) -> None:
    from sheetperf.services.distribute import ManifestRow
    from sheetperf.services.status import collect_status, status_text

    case = load_case(SELF_EVALUATION_PATHS[0])
    row = ManifestRow(
        form_id="f-1",
        form="self_evaluation",
        year=case["year"],
        department=case["department"],
        implementing_unit=case["implementing_unit"],
        project_name=case["project_name"],
        path="x.xlsx",
        fingerprint="",
        locked="",
        weights_source="none",
    )
    folder = shared_tmp / "returns"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "r.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    (folder / "locked").chmod(0o000)

    def run() -> tuple[list[tuple[str, str, str]], str]:
        report = collect_status([row], [folder])
        return [(o.file, o.state, o.reason) for o in report.others], status_text(report)

    def warm() -> None:
        collect_status([row], [SELF_EVALUATION_PATHS[0]])

    others, text = as_nobody(run, warm)
    assert (str(folder / "locked"), "unreadable") in [(f, s) for f, s, _ in others]
    assert "可能被列为未交回" in text


# --- 2. archives -------------------------------------------------------------------------------


def windows_zip(path: Path, members: dict[str, bytes]) -> Path:
    """A zip as Windows' own tool writes it: names in GBK bytes, no UTF-8 flag."""
    placeholders = {f"M{i:0{len(n.encode('gbk')) - 1}d}": n for i, n in enumerate(members)}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for placeholder, name in placeholders.items():
            zf.writestr(placeholder, members[name])
    data = path.read_bytes()
    for placeholder, name in placeholders.items():
        assert len(placeholder) == len(name.encode("gbk"))
        data = data.replace(placeholder.encode("ascii"), name.encode("gbk"))
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def archive_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("zips")
    folder = root / "in"
    folder.mkdir()
    windows_zip(
        folder / "报送.zip",
        {"内涵建设.xlsx": GOAL_SAMPLE.read_bytes(), "说明.docx": b"not a workbook", "子包.zip": b"PK\x05\x06" + bytes(18)},
    )
    with zipfile.ZipFile(folder / "traversal.zip", "w") as zf:
        zf.writestr("../../逃逸.xlsx", SAMPLE.read_bytes())
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("炸弹.xlsx", bytes(300 * 2**20))  # 300 MB of zeros in ~300 KB
    (folder / "broken.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    (folder / "报送.rar").write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(64))
    (folder / "报送.7z").write_bytes(b"7z\xbc\xaf\x27\x1c" + bytes(64))
    out = root / "summary.xlsx"
    strict = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(out), "--strict"])
    return {"folder": folder, "files": files_sheet(out), "strict": strict}


ARCHIVE_CASES = [
    ("gbk-member-read", "报送.zip!内涵建设.xlsx", OK, ""),
    ("other-member-listed", "报送.zip!说明.docx", SKIPPED, ".docx"),
    ("nested-archive", "报送.zip!子包.zip", FAILED, "压缩包中的压缩包"),
    ("path-traversal", "traversal.zip!../../逃逸.xlsx", FAILED, "路径不安全"),
    ("bomb", "bomb.zip", FAILED, "压缩"),
    ("broken", "broken.zip", FAILED, "文件已损坏"),
    ("rar", "报送.rar", FAILED, "请解压"),
    ("7z", "报送.7z", FAILED, "请解压"),
]


@pytest.mark.parametrize(("relative", "status", "reason"), [c[1:] for c in ARCHIVE_CASES], ids=[c[0] for c in ARCHIVE_CASES])
def test_archive_members_are_listed_one_by_one(archive_run: dict[str, Any], relative: str, status: str, reason: str) -> None:
    row = archive_run["files"][f"{archive_run['folder']}/{relative}"]
    assert row["状态"] == status, row
    assert reason in (row["原因"] or "")


def test_an_archive_that_cannot_be_opened_counts_for_strict(archive_run: dict[str, Any]) -> None:
    result = archive_run["strict"]
    assert result.exit_code == 1
    assert "broken.zip" in result.stderr and "报送.rar" in result.stderr
    assert not (archive_run["folder"].parent / "逃逸.xlsx").exists()


# --- 3. content, not the extension; encrypted workbooks -----------------------------------------


def encrypted(source: Path, target: Path, password: str) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with source.open("rb") as handle, target.open("wb") as out:
        OOXMLFile(handle).encrypt(password, out)
    return target


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample form and the awkward roster saved by LibreOffice as .xls and .ods (two runs
    of soffice for every file at once)."""
    folder = tmp_path_factory.mktemp("converted")
    shutil.copy(SAMPLE, folder / "form.xlsx")
    awkward_roster(folder / "roster.xlsx")
    for target in ("xls", "ods"):
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation=file://{folder}/lo", "--convert-to", target,
             "--outdir", str(folder), str(folder / "form.xlsx"), str(folder / "roster.xlsx")],
            check=True, capture_output=True, timeout=240,
        )  # fmt: skip
    return {p.name: p for p in folder.iterdir() if p.is_file()}


CONTENT_CASES = [
    ("xls-named-xlsx", "form.xls", "form.xlsx"),
    ("ods-named-xlsx", "form.ods", "form.xlsx"),
    ("wps-et", "form.xls", "form.et"),
]


@pytest.mark.libreoffice
@pytest.mark.parametrize(("source", "name"), [c[1:] for c in CONTENT_CASES], ids=[c[0] for c in CONTENT_CASES])
def test_a_workbook_is_read_by_its_content_in_a_folder_and_when_named(
    converted: dict[str, Path], tmp_path: Path, source: str, name: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(converted[source], folder / name)
    for named in (folder, folder / name):
        out = tmp_path / "summary.xlsx"
        result = CliRunner().invoke(main, ["consolidate", str(named), "-o", str(out), "--strict"])
        assert result.exit_code == 0, result.output
        assert files_sheet(out)[str(folder / name)]["状态"] == OK
    read = CliRunner().invoke(main, ["read", str(folder / name)])
    assert read.exit_code == 0, read.stderr


def test_a_workbook_under_another_extension_is_read_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "自评表.dat")
    (folder / "说明.dat").write_text("not a workbook", encoding="utf-8")
    out = tmp_path / "summary.xlsx"
    assert CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(out)]).exit_code == 0
    files = files_sheet(out)
    assert files[str(folder / "自评表.dat")]["状态"] == OK
    assert files[str(folder / "说明.dat")]["状态"] == SKIPPED


ENCRYPTION_CASES = [
    ("excel-default-password", "VelvetSweatshop", 0, "默认密码"),
    ("user-password", "secret", 2, "设置了打开密码"),
]


@pytest.mark.parametrize(("password", "exit_code", "message"), [c[1:] for c in ENCRYPTION_CASES], ids=[c[0] for c in ENCRYPTION_CASES])
def test_encrypted_workbooks(tmp_path: Path, password: str, exit_code: int, message: str) -> None:
    book = encrypted(SAMPLE, tmp_path / "加密.xlsx", password)
    result = CliRunner().invoke(main, ["read", str(book)])
    assert result.exit_code == exit_code, result.stderr
    assert message in result.stderr
    out = tmp_path / "summary.xlsx"
    CliRunner().invoke(main, ["consolidate", str(book), "-o", str(out)])
    row = files_sheet(out)[str(book)]
    assert row["状态"] == (OK if exit_code == 0 else FAILED)


def test_fill_on_an_encrypted_template_says_so(tmp_path: Path) -> None:
    template = encrypted(SAMPLE, tmp_path / "模板.xlsx", "secret")
    record = REPO / "samples" / "records" / "self_evaluation-2023-jiaoyi-zhishu.json"
    result = CliRunner().invoke(main, ["fill", str(template), str(record), "-o", str(tmp_path / "out.xlsx")])
    assert result.exit_code == 2
    assert "打开密码" in result.stderr and "损坏" not in result.stderr


# --- 4. which resubmission wins ------------------------------------------------------------------


def with_saved_time(source: Path, target: Path, saved: str) -> Path:
    """A copy of the workbook whose document properties say it was saved at ``saved``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + saved.encode(), data)
            zout.writestr(info, data)
    return target


def set_mtime(path: Path, when: str) -> None:
    stamp = dt.datetime.fromisoformat(when).timestamp()
    os.utime(path, (stamp, stamp))


RESUBMISSION_CASES = [
    # (files: name → (saved time inside, file time)), the one kept
    ("saved-time-beats-a-2031-file-time", {"新.xlsx": ("2024-05-01T10:00:00Z", "2024-05-01"), "旧.xlsx": ("2024-03-01T10:00:00Z", "2031-01-01")}, "新.xlsx"),
    ("saved-time-beats-cp-r-order", {"a-新.xlsx": ("2024-05-01T10:00:00Z", "2024-06-01"), "b-旧.xlsx": ("2024-03-01T10:00:00Z", "2024-06-01")}, "a-新.xlsx"),
    ("file-time-when-saved-times-agree", {"a.xlsx": ("2024-05-01T10:00:00Z", "2024-06-02"), "b.xlsx": ("2024-05-01T10:00:00Z", "2024-06-01")}, "a.xlsx"),
    ("v10-after-v2", {"回执_v10.xlsx": ("2024-05-01T10:00:00Z", "2024-06-01"), "回执_v2.xlsx": ("2024-05-01T10:00:00Z", "2024-06-01")}, "回执_v10.xlsx"),
    ("copy-1-after-the-original", {"回执(1).xlsx": ("2024-05-01T10:00:00Z", "2024-06-01"), "回执.xlsx": ("2024-05-01T10:00:00Z", "2024-06-01")}, "回执(1).xlsx"),
]


@pytest.mark.parametrize(("files", "kept"), [c[1:] for c in RESUBMISSION_CASES], ids=[c[0] for c in RESUBMISSION_CASES])
def test_the_newest_resubmission_by_what_the_workbook_says(
    tmp_path: Path, files: dict[str, tuple[str, str]], kept: str
) -> None:
    folder = tmp_path / "in"
    for name, (saved, mtime) in files.items():
        set_mtime(with_saved_time(SAMPLE, folder / name, saved), mtime)
    out = tmp_path / "summary.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    listed = files_sheet(out)
    assert listed[str(folder / kept)]["状态"] == OK
    assert "保留" in listed[str(folder / kept)]["附注"]  # the choice, in 文件清单
    (other,) = [name for name in files if name != kept]
    assert listed[str(folder / other)]["状态"] == SUPERSEDED
    assert "重复交回 1 个项目" in result.stdout  # and in the summary line


def test_a_corrected_header_with_the_same_form_id_is_the_same_project(tmp_path: Path) -> None:
    from sheetperf.model.record import record_from_dict
    from sheetperf.rules.profiles import get_profile
    from sheetperf.services.distribute import write_project_template

    case = load_case(SELF_EVALUATION_PATHS[0])
    folder = tmp_path / "in"
    folder.mkdir()
    for name, unit in (("第一次.xlsx", case["implementing_unit"]), ("更正实施单位.xlsx", "更正后的实施单位")):
        record = record_from_dict({**case, "implementing_unit": unit})
        write_project_template(folder / name, "self_evaluation", record, get_profile("shanghai"), form_id="f-42")
    report = consolidate([folder], tmp_path / "summary.xlsx", jobs=1)
    assert report.projects == 1 and report.superseded_forms == 1


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ["form.xlsx", "form.xls", "form.ods"], ids=["xlsx", "xls", "ods"])
def test_the_saved_time_is_read_from_every_format(converted: dict[str, Path], name: str) -> None:
    from sheetperf.io.saved import saved_time

    when = saved_time(converted[name])
    assert when is not None and when.year >= 2024


# --- 5. rosters ----------------------------------------------------------------------------------


def roster_entries(path: Path) -> list[tuple[int | None, str, str, str]]:
    from sheetperf.services.distribute import read_roster

    return [(e.year, e.department, e.implementing_unit, e.project_name) for e in read_roster(path)]


def test_a_roster_as_people_keep_it(tmp_path: Path) -> None:
    assert roster_entries(awkward_roster(tmp_path / "名册.xlsx")) == ROSTER_EXPECTED


@pytest.mark.libreoffice
@pytest.mark.parametrize(("source", "name"), [("roster.xls", "名册.xls"), ("roster.xls", "名册.et"), ("roster.ods", "名册.ods")], ids=["xls", "et", "ods"])
def test_a_roster_in_every_format(converted: dict[str, Path], tmp_path: Path, source: str, name: str) -> None:
    roster = shutil.copy(converted[source], tmp_path / name)
    assert roster_entries(Path(roster)) == ROSTER_EXPECTED


@pytest.mark.parametrize("delimiter", [",", "\t", ";"], ids=["comma", "tab", "semicolon"])
def test_a_title_row_above_a_csv_header(tmp_path: Path, delimiter: str) -> None:
    roster = tmp_path / "名册.csv"
    rows = [["2024年度名册"], [], ["年度", "主管部门", "实施单位", "项目名称"], ["2024", "部门", "单位", "项目"], ["合计", "", "", ""]]
    roster.write_text("\n".join(delimiter.join(row) for row in rows) + "\n", encoding="gb18030")
    assert roster_entries(roster) == [(2024, "部门", "单位", "项目")]


def duplicate_roster(folder: Path) -> Path:
    roster = folder / "名册.csv"
    rows = ["年度,主管部门,实施单位,项目名称", "2024,部门,单位,项目甲", "2024,部门,单位,项目乙", "2024,部门,单位,项目甲", "2024,部门,单位 ,项目甲"]
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return roster


def test_duplicate_roster_rows_are_refused_by_distribute(tmp_path: Path) -> None:
    out = tmp_path / "分发"
    result = CliRunner().invoke(main, ["distribute", str(duplicate_roster(tmp_path)), "-o", str(out)])
    assert result.exit_code == 2
    assert "第 2 行、第 4 行、第 5 行「项目甲」" in result.stderr
    assert not out.exists()  # nothing written


def test_a_manifest_listing_a_project_twice_is_refused_by_status(tmp_path: Path) -> None:
    from sheetperf.rules.profiles import get_profile
    from sheetperf.services.distribute import distribute, read_manifest, read_roster

    roster = tmp_path / "名册.csv"
    roster.write_text("年度,主管部门,实施单位,项目名称\n2024,部门,单位,项目甲\n2024,部门,单位,项目乙\n", encoding="utf-8")
    result = distribute(read_roster(roster), tmp_path / "分发", form="goal_table", profile=get_profile("national"))
    manifest = result.manifest_csv
    lines = manifest.read_text(encoding="utf-8-sig").splitlines()
    manifest.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8-sig")  # an older, duplicated row
    with pytest.raises(InputError, match="第 2 行、第 4 行「项目甲」"):
        read_manifest(manifest)
    status = CliRunner().invoke(main, ["status", str(manifest), str(tmp_path / "分发")])
    assert status.exit_code == 2 and "重复的项目行" in status.stderr


# --- 6. messages: names with control characters ---------------------------------------------------

CONTROL_NAMES = [
    ("newline", "坏\n名.xlsx", r"坏\n名.xlsx"),
    ("terminal-escape", "红\x1b[31m字.xlsx", r"红\x1b[31m字.xlsx"),
    ("right-to-left-override", "报\u202exslx.送.xlsx", r"报\u202exslx.送.xlsx"),
]


@pytest.mark.parametrize(("name", "escaped"), [c[1:] for c in CONTROL_NAMES], ids=[c[0] for c in CONTROL_NAMES])
def test_a_name_with_control_characters_is_escaped_on_one_line(tmp_path: Path, name: str, escaped: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / name).write_bytes(b"PK\x03\x04 broken")
    out = tmp_path / "summary.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    (line,) = [text for text in result.stderr.splitlines() if escaped in text]
    assert "文件已损坏" in line  # the reason on the same line as the name
    assert name not in result.stderr
    assert files_sheet(out)[f"{folder}/{escaped}"]["状态"] == FAILED
    read = CliRunner().invoke(main, ["read", str(folder / name)])
    assert read.exit_code == 2 and escaped in read.stderr and name not in read.stderr


def test_status_opens_returns_inside_a_zip(tmp_path: Path) -> None:
    from sheetperf.rules.profiles import get_profile
    from sheetperf.services.distribute import distribute, read_roster
    from sheetperf.services.status import status_for_manifest

    roster = tmp_path / "名册.csv"
    roster.write_text("年度,主管部门,实施单位,项目名称\n2024,部门,单位,项目甲\n2024,部门,单位,项目乙\n", encoding="utf-8")
    result = distribute(read_roster(roster), tmp_path / "分发", form="goal_table", profile=get_profile("national"))
    returns = tmp_path / "交回"
    returns.mkdir()
    first = tmp_path / "分发" / result.rows[0].path
    windows_zip(returns / "报送.zip", {"项目甲.xlsx": first.read_bytes(), "说明.txt": b"x"})
    report = status_for_manifest(result.manifest_csv, [returns])
    states = {p.row.project_name: p.state for p in report.projects}
    assert states == {"项目甲": "returned", "项目乙": "missing"}
    assert report.projects[0].files == [f"{returns}/报送.zip!项目甲.xlsx"]
    assert [(o.file, o.state) for o in report.others] == [(f"{returns}/报送.zip!说明.txt", "unknown")]


DAMAGED_CASES = [
    ("broken-zip", "坏.xlsx", b"PK\x03\x04" + b"junk" * 10, "不是 zip 格式"),
    ("broken-cfb", "坏.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"garbage" * 80, "文件可能已损坏"),
    ("zip-named-to-read", "报送.zip", None, "请用 consolidate 或 status"),
]


@pytest.mark.parametrize(("name", "data", "message"), [c[1:] for c in DAMAGED_CASES], ids=[c[0] for c in DAMAGED_CASES])
def test_what_the_libraries_say_reaches_users_in_chinese(tmp_path: Path, name: str, data: bytes | None, message: str) -> None:
    path = tmp_path / name
    if data is None:
        windows_zip(path, {"内涵建设.xlsx": GOAL_SAMPLE.read_bytes()})
    else:
        path.write_bytes(data)
    result = CliRunner().invoke(main, ["read", str(path)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", result.stderr.replace(str(tmp_path), "")), result.stderr


@pytest.mark.parametrize(
    "paths",
    [["a", "a"], ["a", "a/b"], ["a/b", "a"], ["a/b/x.xlsx", "a"]],
    ids=["same-folder-twice", "nested-after", "nested-before", "file-and-its-folder"],
)
def test_every_file_once_however_the_paths_overlap(tmp_path: Path, paths: list[str]) -> None:
    from sheetperf.io.walk import walk

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.xlsx").write_bytes(b"x")
    (tmp_path / "a" / "y.xlsx").write_bytes(b"y")
    found = walk([tmp_path / p for p in paths])
    assert sorted(Path(w.path).name for w in found) == ["x.xlsx", "y.xlsx"]
    assert all(w.explicit == (w.path.endswith("x.xlsx") and paths[0].endswith(".xlsx")) for w in found)


# --- the helpers, held to their word -------------------------------------------------------------


@given(st.text())
def test_shown_text_is_always_one_encodable_line(text: str) -> None:
    from sheetperf.errors import shown

    out = shown(text)
    out.encode("utf-8")  # never "surrogates not allowed"
    assert len(out.splitlines()) <= 1
    assert shown(out) == out  # what it produced has nothing left to escape


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=2, max_size=2, unique=True))
def test_natural_order_of_numbered_names(numbers: list[int]) -> None:
    from sheetperf.io.saved import natural_key

    low, high = sorted(numbers)
    assert natural_key(f"回执_v{low}") < natural_key(f"回执_v{high}")
    assert natural_key("回执") < natural_key(f"回执({low})")


@pytest.mark.libreoffice
@pytest.mark.parametrize(("source", "kind"), [("form.ods", "ODS"), ("form.xls", "XLS")], ids=["ods-named-xlsx", "xls-named-xlsx"])
def test_fill_names_what_the_template_is(converted: dict[str, Path], tmp_path: Path, source: str, kind: str) -> None:
    template = Path(shutil.copy(converted[source], tmp_path / "模板.xlsx"))
    result = CliRunner().invoke(main, ["fill", str(template), str(RECORD_JSON), "-o", str(tmp_path / "out.xlsx")])
    assert result.exit_code == 2
    assert f"模板的内容是 {kind} 工作簿" in result.stderr


@pytest.mark.parametrize("command", ["read", "validate", "status"], ids=["read", "validate", "status"])
def test_sheetperf_outputs_in_a_folder_are_never_read_as_forms(tmp_path: Path, command: str) -> None:
    from sheetperf.rules.profiles import get_profile
    from sheetperf.services.distribute import distribute, read_roster

    roster = tmp_path / "名册.csv"
    roster.write_text("年度,主管部门,实施单位,项目名称\n2024,部门,单位,项目甲\n", encoding="utf-8")
    result = distribute(read_roster(roster), tmp_path / "分发", form="goal_table", profile=get_profile("national"))
    folder = tmp_path / "交回"
    folder.mkdir()
    shutil.copy(tmp_path / "分发" / result.rows[0].path, folder / "项目甲.xlsx")
    # an annotated copy written into the returns folder: a form inside, but sheetperf's own output
    annotated = CliRunner().invoke(main, ["validate", str(folder / "项目甲.xlsx"), "--annotate", str(folder)])
    assert annotated.exit_code in (0, 1), annotated.output
    (copy,) = [p for p in folder.iterdir() if p.name != "项目甲.xlsx"]
    args = [str(result.manifest_csv), str(folder)] if command == "status" else [str(folder)]
    run = CliRunner().invoke(main, [command, *args])
    assert "sheetperf 输出" in run.output + run.stderr
    if command == "status":
        assert "重复交回" not in run.output.splitlines()[3]  # the project came back once
        assert "已交回 1" in run.output
    else:
        assert copy.name not in run.output.replace(f"{copy}：已跳过", "")
