"""status: matching returned files to the manifest of a distribution."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SELF_EVALUATION_PATHS, load_case
from sheetperf.cli import main
from sheetperf.distribute import ManifestRow, write_manifest
from sheetperf.layout import LOCK_GROUPS, fingerprint
from sheetperf.model import SelfEvaluation, record_from_dict
from sheetperf.status import collect_status, status_for_manifest, status_text, write_status_xlsx

LOCKED = ",".join(LOCK_GROUPS)


def _cases() -> list[dict[str, object]]:
    return [load_case(p) for p in SELF_EVALUATION_PATHS]


def _manifest(cases: list[dict[str, object]]) -> list[ManifestRow]:
    rows = []
    for i, case in enumerate(cases):
        record = record_from_dict(case)
        assert isinstance(record, SelfEvaluation)
        rows.append(
            ManifestRow(
                form_id=f"form-{i}",
                form="self_evaluation",
                year=record.year,
                department=record.department,
                implementing_unit=record.implementing_unit,
                project_name=record.project_name,
                path=f"{record.department}/{i}.xlsx",
                fingerprint=fingerprint(record, LOCK_GROUPS),
                locked=LOCKED,
                weights_source="goal_table",
            )
        )
    return rows


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def returns(tmp_path: Path) -> tuple[list[ManifestRow], Path]:
    """Six projects: 0 returned, 1 returned twice, 2 with a changed target, 3 missing,
    4 returned with only its results filled, 5 missing; plus a stray record and a broken file."""
    cases = _cases()
    rows = _manifest(cases)
    folder = tmp_path / "交回"
    _write(folder / "a" / "0.json", cases[0])
    _write(folder / "a" / "1.json", cases[1])
    _write(folder / "b" / "1-again.json", cases[1])
    changed = json.loads(json.dumps(cases[2]))
    changed["indicators"][0]["target"] = "=999(场)"
    _write(folder / "2.json", changed)
    filled = json.loads(json.dumps(cases[4]))
    filled["indicators"][0]["actual"] = "0(场)"
    filled["indicators"][0]["deviation"] = "疫情影响"
    _write(folder / "4.json", filled)
    stray = json.loads(json.dumps(cases[0]))
    stray["project_name"] = "名单以外的项目"
    _write(folder / "stray.json", stray)
    (folder / "broken.xlsx").write_bytes(b"not a workbook")
    (folder / "~$0.xlsx").write_bytes(b"lock file of an open workbook")
    (folder / "说明.docx").write_bytes(b"a Word file returned instead of the workbook")
    return rows, folder


def test_collect_status_classifies_every_project(returns: tuple[list[ManifestRow], Path]) -> None:
    rows, folder = returns
    report = collect_status(rows, [folder])
    states = [p.states for p in report.projects]
    assert states == [["returned"], ["duplicate"], ["tampered"], ["missing"], ["returned"], ["missing"]]
    assert [(o.state, Path(o.file).name) for o in report.others] == [
        ("unreadable", "broken.xlsx"),
        ("unknown", "stray.json"),
        ("unknown", "说明.docx"),
    ]
    assert "不是 Excel/WPS 工作簿" in report.others[0].reason or "损坏" in report.others[0].reason
    assert {k: report.count(k) for k in ("returned", "missing", "duplicate", "tampered", "unknown", "unreadable")} == {
        "returned": 4,
        "missing": 2,
        "duplicate": 1,
        "tampered": 1,
        "unknown": 2,
        "unreadable": 1,
    }
    assert report.projects[2].tampered_files == [str(folder / "2.json")]


def test_same_file_named_twice_counts_once(returns: tuple[list[ManifestRow], Path]) -> None:
    rows, folder = returns
    report = collect_status(rows, [folder / "a" / "0.json", folder / "a" / "0.json", folder / "a"])
    assert [len(p.files) for p in report.projects] == [1, 1, 0, 0, 0, 0]


def test_namesakes_are_taken_in_manifest_order(tmp_path: Path) -> None:
    case = _cases()[0]
    rows = _manifest([case, case])
    one = _write(tmp_path / "one.json", case)
    report = collect_status(rows, [one])
    assert [p.state for p in report.projects] == ["returned", "missing"]
    two = _write(tmp_path / "two.json", case)
    report = collect_status(rows, [one, two])
    assert [p.state for p in report.projects] == ["returned", "returned"]


def test_a_changed_project_name_is_unknown_without_a_form_id(tmp_path: Path) -> None:
    case = _cases()[0]
    rows = _manifest([case])
    renamed = dict(case, project_name="改过的名称")
    report = collect_status(rows, [_write(tmp_path / "r.json", renamed)])
    assert report.projects[0].state == "missing"
    assert [o.state for o in report.others] == ["unknown"]


def test_missing_path_is_reported(tmp_path: Path) -> None:
    report = collect_status(_manifest(_cases()[:1]), [tmp_path / "nowhere"])
    assert [(o.state, o.reason) for o in report.others] == [("unreadable", "路径不存在")]


def test_status_text_and_workbook(returns: tuple[list[ManifestRow], Path], tmp_path: Path) -> None:
    rows, folder = returns
    report = collect_status(rows, [folder])
    text = status_text(report)
    lines = text.splitlines()
    assert lines[0] == "各项目交回情况"
    assert lines[3].startswith("锁定内容被改动") and lines[4].startswith("重复交回")
    assert "其他文件" in text and "stray.json" in text and "说明.docx" in text
    assert lines[-1] == "共 6 个项目：已交回 4，未交回 2，重复交回 1，锁定内容被改动 1；不属于任何项目的文件 2 个，无法读取的文件 1 个"
    out = write_status_xlsx(report, tmp_path / "交回情况.xlsx")
    from sheetperf.xlsx import open_xlsx

    with open_xlsx(out) as book:
        assert book.sheet_names == ["交回情况", "其他文件"]
        grid = book.grid(0)
        assert grid.cells[(0, 0)].value == "状态" and grid.cells[(1, 0)].value == "锁定内容被改动"
        assert len({r for r, _ in grid.cells}) == 7


def test_status_command(returns: tuple[list[ManifestRow], Path], tmp_path: Path) -> None:
    rows, folder = returns
    out = tmp_path / "分发"
    out.mkdir()
    csv_path, _ = write_manifest(rows, out)
    result = CliRunner().invoke(main, ["status", str(csv_path), str(folder), "--xlsx", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 0, result.output
    assert "未交回 2，重复交回 1，锁定内容被改动 1" in result.stdout
    assert (tmp_path / "s.xlsx").is_file()
    # The manifest's own folder can be named too: the manifest files are not returns.
    assert status_for_manifest(csv_path, [out]).others == []


def test_status_command_bad_manifest_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["status", str(tmp_path / "manifest.csv"), str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：") and "分发清单不存在" in result.stderr
