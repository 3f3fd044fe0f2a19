"""status: matching returned files to the manifest of a distribution."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import SELF_EVALUATION_PATHS, load_case
from sheetperf.cli import main
from sheetperf.forms.layout import LOCK_GROUPS, fingerprint
from sheetperf.model.record import SelfEvaluation, record_from_dict
from sheetperf.services.distribute import ManifestRow, write_manifest
from sheetperf.services.status import (
    collect_status,
    project_rows,
    status_for_manifest,
    status_text,
    write_status_xlsx,
)
from sheetperf.vocab.labels import RETURN_STATUS_LABELS, SUMMARY_SHEETS

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
    assert (
        lines[-1]
        == "共 6 个项目：已交回 4，未交回 2，重复交回 1，锁定内容被改动 1；不属于任何项目的文件 2 个，无法读取的文件 1 个"
    )
    out = write_status_xlsx(report, tmp_path / "交回情况.xlsx")
    from sheetperf.xlsx.book import open_xlsx

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


# --- end to end: roster → distribute → returns → status → consolidate -------------------------

E2E_PROJECTS = 50
E2E_RETURNED = 40
TAMPERED, TWICE = 5, 7


def _e2e_goal(i: int) -> dict[str, object]:
    return {
        "form": "goal_table",
        "year": 2024,
        "applicant_unit": f"实施单位{i % 7}",
        "project_name": f"项目{i:02d}",
        "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "name": "举办培训", "target": f"={i + 1}(场)"},
            {"level1": "效益指标", "level2": "社会效益指标", "name": "服务水平", "target": "有所提升"},
            {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "满意度", "target": "≥90(%)"},
        ],
    }


def _e2e_roster(tmp_path: Path) -> Path:
    goals = tmp_path / "goals"
    lines = ["年度,主管部门,实施单位,项目名称,绩效目标表,分值"]
    for i in range(E2E_PROJECTS):
        goal = _e2e_goal(i)
        _write(goals / f"{i:02d}.json", goal)
        weights = "50;20;20" if i % 3 == 0 else ""
        lines.append(
            f"2024,主管部门{i % 5},{goal['applicant_unit']},{goal['project_name']},goals/{i:02d}.json,{weights}"
        )
    roster = tmp_path / "名册.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return roster


def _tamper_target(path: Path, old: str, new: str) -> None:
    """Change a target in a filled workbook the way a user who lifted the protection would."""
    import shutil
    import zipfile

    source = path.with_suffix(".orig")
    shutil.move(path, source)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/sharedStrings.xml":
                assert f">{old}<".encode() in data
                data = data.replace(f">{old}<".encode(), f">{new}<".encode())
            zout.writestr(info, data)
    source.unlink()


def test_end_to_end_distribute_fill_status_consolidate(tmp_path: Path) -> None:
    import shutil

    import xlsxwriter

    from sheetperf.io.filler import fill_workbook
    from sheetperf.rules.profiles import get_profile
    from sheetperf.services.consolidate import consolidate
    from sheetperf.services.distribute import prepare_record, read_manifest, read_roster

    roster = _e2e_roster(tmp_path)
    out = tmp_path / "分发"
    runner = CliRunner()
    result = runner.invoke(main, ["distribute", str(roster), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "已生成 50 份财政项目支出绩效自评表，分属 5 个主管部门" in result.stdout
    assert "33 个项目的名册和目标表都没有给出指标分值" in result.stderr
    manifest = read_manifest(out / "manifest.csv")
    assert len(manifest) == E2E_PROJECTS
    assert len({row.path for row in manifest}) == E2E_PROJECTS
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.xlsx") if p.name != "manifest.xlsx") == sorted(
        row.path for row in manifest
    )

    # 40 departments answer: results filled into the template they were sent.
    rules = get_profile("shanghai")
    entries = read_roster(roster)
    returns = tmp_path / "交回"
    for entry, row in list(zip(entries, manifest, strict=True))[:E2E_RETURNED]:
        record = prepare_record(entry, "self_evaluation", rules, roster=roster).record
        assert isinstance(record, SelfEvaluation)
        record.funds.total.annual_budget = 100
        record.funds.total.executed = 95
        record.indicators[0].actual = record.indicators[0].target.lstrip("=")
        record.indicators[1].actual = "达成指标"
        record.indicators[2].actual = "95(%)"
        target = returns / row.path
        target.parent.mkdir(parents=True, exist_ok=True)
        fill_workbook(out / row.path, record, target)
    _tamper_target(returns / manifest[TAMPERED].path, f"={TAMPERED + 1}(场)", f"={TAMPERED + 1}0(场)")
    (returns / "又交一次").mkdir()
    shutil.copy(returns / manifest[TWICE].path, returns / "又交一次" / "副本.xlsx")
    book = xlsxwriter.Workbook(str(returns / "交回说明.xlsx"))
    book.add_worksheet("说明").write_string(0, 0, "我单位项目均已按时完成。")
    book.close()

    xlsx = tmp_path / "交回情况.xlsx"
    result = runner.invoke(main, ["status", str(out / "manifest.csv"), str(returns), "--xlsx", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert (
        "共 50 个项目：已交回 40，未交回 10，重复交回 1，锁定内容被改动 1；不属于任何项目的文件 1 个，无法读取的文件 0 个"
        in result.stdout
    )
    report = status_for_manifest(out / "manifest.csv", [returns])
    by_state = {
        s: [i for i, p in enumerate(report.projects) if s in p.states] for s in ("missing", "duplicate", "tampered")
    }
    assert by_state == {
        "missing": list(range(E2E_RETURNED, E2E_PROJECTS)),
        "duplicate": [TWICE],
        "tampered": [TAMPERED],
    }
    assert [Path(o.file).name for o in report.others] == ["交回说明.xlsx"]
    assert xlsx.is_file()

    summary = consolidate([returns], tmp_path / "汇总.xlsx", profile=rules, jobs=2)
    assert summary.projects == E2E_RETURNED
    assert summary.missing is None

    # consolidate --manifest: exactly the projects status lists as 未交回, the same stray file.
    summary_path = tmp_path / "汇总-清单.xlsx"
    result = runner.invoke(
        main,
        ["consolidate", str(returns), "-o", str(summary_path), "--manifest", str(out / "manifest.csv"), "--jobs", "2"],
    )
    assert result.exit_code == 0, result.output
    assert "未交回 10 个项目（见「未交回」表）；不属于分发清单中任何项目的文件 1 个" in result.stdout
    status_missing = [
        (r[1], r[2], r[3], r[6]) for r in project_rows(report) if r[0] == RETURN_STATUS_LABELS["missing"]
    ]
    book = openpyxl.load_workbook(summary_path, read_only=True)
    missing_rows = [tuple(r) for r in book[SUMMARY_SHEETS["missing"]].iter_rows(min_row=2, values_only=True)]
    assert sorted(missing_rows) == sorted(status_missing) and len(missing_rows) == E2E_PROJECTS - E2E_RETURNED
    files = list(book[SUMMARY_SHEETS["files"]].iter_rows(values_only=True))
    match = files[0].index("分发清单")
    unknown = [Path(str(r[0])).name for r in files[1:] if r[match] == RETURN_STATUS_LABELS["unknown"]]
    assert unknown == [Path(o.file).name for o in report.others]
    overview = {
        r[0]: r[1] for r in book[SUMMARY_SHEETS["overview"]].iter_rows(values_only=True) if r[0] and len(r) > 1
    }
    assert overview["未交回项目数"] == 10 and overview["分发项目数"] == E2E_PROJECTS
    book.close()


@pytest.mark.libreoffice
def test_returns_saved_by_libreoffice_keep_their_identity(tmp_path: Path) -> None:
    """A department opens the workbook in a real spreadsheet program and saves it: still the
    same project and untouched; a changed target is still caught.  One soffice run."""
    from sheetperf.io.filler import fill_workbook
    from sheetperf.io.recalc import recalculate
    from sheetperf.rules.profiles import get_profile
    from sheetperf.services.distribute import distribute, prepare_record, read_roster

    lines = ["年度,主管部门,实施单位,项目名称,绩效目标表"]
    for i in range(2):
        goal = _e2e_goal(i)
        # Three output indicators: the level-1 split gives 16.67/16.67/16.66, numbers a
        # spreadsheet program must write back exactly for the fingerprint to hold.
        goal["indicators"] = [  # type: ignore[operator]
            {"level1": "产出指标", "level2": "质量指标", "name": f"合格率{n}", "target": f"≥9{n}(%)"} for n in range(2)
        ] + goal["indicators"]
        _write(tmp_path / f"g{i}.json", goal)
        lines.append(f"2024,部门,{goal['applicant_unit']},{goal['project_name']},g{i}.json")
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rules = get_profile("shanghai")
    entries = read_roster(roster)
    result = distribute(entries, tmp_path / "out", profile=rules, roster=roster)
    filled = []
    for i, (entry, row) in enumerate(zip(entries, result.rows, strict=True)):
        record = prepare_record(entry, "self_evaluation", rules, roster=roster).record
        assert [ind.weight for ind in record.indicators] == [16.67, 16.67, 16.66, 30, 10]
        record.indicators[2].actual = "1(场)"
        filled.append(fill_workbook(tmp_path / "out" / row.path, record, tmp_path / f"filled{i}.xlsx"))
    _tamper_target(filled[1], "=2(场)", "=3(场)")
    saved = recalculate(filled, tmp_path / "交回")
    report = collect_status(result.rows, saved)
    assert [p.states for p in report.projects] == [["returned"], ["tampered"]]
    from sheetperf.io.sources import load_records

    (record,) = load_records(saved[0])
    assert record.provenance.evidence.template.form_id == result.rows[0].form_id  # kept by LibreOffice
    assert report.others == []
