"""distribute: roster reading, safe names, weights, the manifest, and the command."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from conftest import GOAL_TABLE_PATHS, load_case
from sheetperf.cli import main
from sheetperf.errors import InputError, UnsafeInputError
from sheetperf.io.csvcells import guard_cell, unguard_cell
from sheetperf.io.names import WINDOWS_FORBIDDEN, WINDOWS_RESERVED, UniqueNames, name_key, safe_name
from sheetperf.model.record import GoalTable, SelfEvaluation
from sheetperf.rules.profiles import get_profile
from sheetperf.services.distribute import (
    MANIFEST_CSV,
    MANIFEST_XLSX,
    ManifestRow,
    RosterEntry,
    allocate_cents,
    inside,
    parse_weights,
    prepare_record,
    profile_split_weights,
    read_manifest,
    read_roster,
    write_manifest,
)

GOAL_CASE = GOAL_TABLE_PATHS[0]
SHANGHAI = get_profile("shanghai")


def _is_safe(name: str) -> bool:
    return (
        bool(name)
        and not any(ch in WINDOWS_FORBIDDEN or ord(ch) < 32 for ch in name)
        and ".." not in name
        and not name.endswith((".", " "))
        and not name.startswith((".", " "))
        and name.split(".")[0].rstrip(" ").upper() not in WINDOWS_RESERVED
        and len(name.encode("utf-8")) <= 180
    )


# --- safe names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("上海市技术市场管理办公室", "上海市技术市场管理办公室"),
        ("../../etc/passwd", "etc_passwd"),
        ("a/b", "a_b"),
        ("a\\b", "a_b"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("LPT9", "_LPT9"),
        ("COM1 .xlsx", "_COM1 .xlsx"),
        ("CONSOLE", "CONSOLE"),
        ("项目:1?", "项目_1"),
        ('<>:"|?*', "未命名"),
        ("  项目. ", "项目"),
        ("...", "未命名"),
        ("", "未命名"),
        ("a\tb\nc", "a b c"),
        ("项目\u202e名称", "项目_名称"),
        ("ａｂｃ（全角）", "ａｂｃ（全角）"),
    ],
    ids=[
        "chinese-kept",
        "dot-dot-traversal",
        "slash",
        "backslash",
        "reserved-con",
        "reserved-with-extension",
        "reserved-lpt9",
        "reserved-trailing-space",
        "not-reserved-prefix",
        "colon-question",
        "only-forbidden",
        "trailing-dot-space",
        "only-dots",
        "empty",
        "whitespace-controls",
        "bidi-override",
        "full-width-kept",
    ],
)
def test_safe_name(text: str, expected: str) -> None:
    assert safe_name(text) == expected
    assert _is_safe(safe_name(text))


def test_safe_name_length_limit_counts_bytes() -> None:
    name = safe_name("绩" * 200)
    assert len(name) == 60 and len(name.encode()) == 180
    assert len(safe_name("x" * 500)) == 60


@given(st.text(max_size=300))
def test_safe_name_is_always_safe(text: str) -> None:
    assert _is_safe(safe_name(text))


@given(st.lists(st.text(max_size=80), max_size=30))
def test_unique_names_are_distinct_case_insensitively(texts: list[str]) -> None:
    names = UniqueNames()
    claimed = [names.claim(safe_name(t), ".xlsx") for t in texts]
    assert len({name_key(n) for n in claimed}) == len(claimed)
    assert all(_is_safe(n) for n in claimed)


def test_unique_names_number_the_namesakes() -> None:
    names = UniqueNames(["manifest.csv"])
    assert [names.claim(s, ".xlsx") for s in ("项目", "项目", "Ab", "aB")] == [
        "项目.xlsx",
        "项目_2.xlsx",
        "Ab.xlsx",
        "aB_2.xlsx",
    ]
    assert names.claim("MANIFEST", ".csv") == "MANIFEST_2.csv"


def test_inside_refuses_paths_leaving_the_folder(tmp_path: Path) -> None:
    assert inside(tmp_path, "部门/项目.xlsx") == tmp_path.resolve() / "部门" / "项目.xlsx"
    for bad in ("../x.xlsx", "/etc/passwd", "部门/../../x", "."):
        with pytest.raises(UnsafeInputError):
            inside(tmp_path, bad)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (tmp_path / "link").symlink_to(outside)
    with pytest.raises(UnsafeInputError):
        inside(tmp_path, "link/x.xlsx")


# --- CSV cells -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "guarded"),
    [("=1+1", "'=1+1"), ("+86", "'+86"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("项目", "项目"), ("'=x", "''=x")],
    ids=["equals", "plus", "minus", "at", "plain", "quoted-formula"],
)
def test_guard_cell(value: str, guarded: str) -> None:
    assert guard_cell(value) == guarded
    assert unguard_cell(guarded) == value


@given(st.text(max_size=20))
def test_guard_cell_round_trip(value: str) -> None:
    guarded = guard_cell(value)
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
    assert unguard_cell(guarded) == value


# --- weights ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("20;10;15", [Decimal(20), Decimal(10), Decimal(15)]),
        ("20，10、15.5", [Decimal(20), Decimal(10), Decimal("15.5")]),
        (
            "产出指标:50；效益指标：30;满意度指标=10",
            {"产出指标": Decimal(50), "效益指标": Decimal(30), "满意度指标": Decimal(10)},
        ),
    ],
    ids=["empty", "per-indicator", "chinese-separators", "per-level1"],
)
def test_parse_weights(text: str, expected: object) -> None:
    assert parse_weights(text) == expected


@pytest.mark.parametrize(
    "text", ["abc", "产出指标 50", "产出指标:50;产出指标:40", "20;x"], ids=["word", "no-colon", "twice", "mixed"]
)
def test_parse_weights_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_weights(text)


def test_allocate_cents_sums_exactly() -> None:
    thirds = [Fraction(50, 3)] * 3
    assert allocate_cents(thirds, Fraction(50)) == [Decimal("16.67"), Decimal("16.67"), Decimal("16.66")]


@given(
    st.lists(st.sampled_from(["产出指标", "效益指标", "满意度指标", "成本指标", "投入与管理"]), min_size=1, max_size=40)
)
def test_profile_split_weights_add_up_to_the_indicator_weight(level1s: list[str]) -> None:
    weights = profile_split_weights(level1s, SHANGHAI)
    assert len(weights) == len(level1s)
    assert sum(weights) == SHANGHAI.indicator_weight
    assert all(w == w.quantize(Decimal("0.01")) and w >= 0 for w in weights)


def test_profile_split_weights_follow_the_split() -> None:
    level1s = ["产出指标"] * 4 + ["效益指标"] * 2 + ["满意度指标"]
    weights = profile_split_weights(level1s, SHANGHAI)
    assert weights == [Decimal("12.5")] * 4 + [Decimal(15)] * 2 + [Decimal(10)]


# --- the roster ------------------------------------------------------------------------------

ROSTER_ROWS = [
    ["年度", "主管部门", "实施单位", "项目名称", "备注"],
    ["2024", "市教委", "科技发展中心", "内涵建设经费", "x"],
    ["", "市科委", "技术市场管理办公室", "交流推广", ""],
    ["", "", "", "", ""],
]


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"], ids=["utf8", "utf8-bom", "gb18030"])
def test_read_roster_csv_encodings(tmp_path: Path, encoding: str) -> None:
    entries = read_roster(_write_csv(tmp_path / "roster.csv", ROSTER_ROWS, encoding), year=2023)
    assert [(e.line, e.year, e.department, e.implementing_unit, e.project_name) for e in entries] == [
        (2, 2024, "市教委", "科技发展中心", "内涵建设经费"),
        (3, 2023, "市科委", "技术市场管理办公室", "交流推广"),
    ]


def test_read_roster_english_headers_and_tabs(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("Year\tDepartment\tUnit\tProject\n2024年\tA\tB\tC\n", encoding="utf-8")
    (entry,) = read_roster(path)
    assert (entry.year, entry.department, entry.implementing_unit, entry.project_name) == (2024, "A", "B", "C")


def test_read_roster_xlsx(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "名册.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate(ROSTER_ROWS[:2]):
        for c, value in enumerate(row):
            if r and c == 0:
                sheet.write_number(r, c, int(value))
            else:
                sheet.write_string(r, c, value)
    book.close()
    (entry,) = read_roster(path)
    assert (entry.year, entry.project_name) == (2024, "内涵建设经费")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["年度", "主管部门", "项目名称"], ["2024", "A", "C"]], "名册第 1 行缺少列 实施单位"),
        ([["主管部门", "实施单位", "项目名称"], ["A", "", "C"]], "名册第 2 行的「实施单位」为空"),
        (
            [["年度", "主管部门", "实施单位", "项目名称"], ["二〇二四", "A", "B", "C"]],
            "名册第 2 行的年度「二〇二四」不是年份",
        ),
        ([["项目名称", "项目", "主管部门", "实施单位"], ["C", "C", "A", "B"]], "都表示项目名称"),
        ([["主管部门", "实施单位", "项目名称"]], "名册中没有项目"),
        (
            [["主管部门", "实施单位", "项目名称", "绩效目标表"], ["A", "B", "C", "nowhere.json"]],
            "目标表文件「nowhere.json」不存在",
        ),
    ],
    ids=["missing-column", "empty-cell", "bad-year", "duplicate-column", "no-rows", "missing-source"],
)
def test_read_roster_errors_name_row_and_column(tmp_path: Path, rows: list[list[str]], message: str) -> None:
    with pytest.raises(InputError) as info:
        read_roster(_write_csv(tmp_path / "roster.csv", rows))
    assert message in str(info.value) and "roster.csv" in str(info.value)


def test_read_roster_refuses_other_encodings_and_types(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xff\xfe\x00\xd8\x00")
    with pytest.raises(InputError, match="UTF-8 或 GB18030"):
        read_roster(path)
    other = tmp_path / "roster.txt"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"不支持的名册类型 \.txt"):
        read_roster(other)


# --- pre-filled records ----------------------------------------------------------------------


def _entry(**kw: object) -> RosterEntry:
    values: dict[str, object] = {
        "line": 2,
        "year": 2020,
        "department": "市教委",
        "implementing_unit": "科技发展中心",
        "project_name": "内涵建设经费",
        "source": GOAL_CASE,
    }
    values.update(kw)
    return RosterEntry(**values)  # type: ignore[arg-type]


def test_prepare_self_evaluation_from_goal_table_spreads_weights() -> None:
    goal = load_case(GOAL_CASE)
    prep = prepare_record(_entry(), "self_evaluation", SHANGHAI)
    record = prep.record
    assert isinstance(record, SelfEvaluation) and prep.weights_source == "profile_split"
    assert [(i.level1, i.level2, i.name, i.target) for i in record.indicators] == [
        (i["level1"], i["level2"], i["name"], i["target"]) for i in goal["indicators"]
    ]
    assert sum(Decimal(str(i.weight)) for i in record.indicators) == 90
    assert record.total_weight == 100 and record.funds.total.weight == 10
    assert record.funds.total.initial_budget == 553.5  # 5,535,000 元 → 万元
    assert all(i.actual is None and i.score is None for i in record.indicators)


def test_prepare_takes_roster_weights_per_level1() -> None:
    goal = GoalTable.from_dict(
        {
            "form": "goal_table",
            "indicators": [
                {"level1": "产出指标", "level2": "数量指标", "name": "a", "target": "=1(场)"},
                {"level1": "产出指标", "level2": "质量指标", "name": "b", "target": ">95(%)"},
                {"level1": "效益指标", "level2": "社会效益指标", "name": "c", "target": "促进"},
            ],
        }
    )
    prep = prepare_record(
        _entry(source=None, record=goal, weights="产出指标:60;效益指标:30"), "self_evaluation", SHANGHAI
    )
    assert prep.weights_source == "roster"
    assert [i.weight for i in prep.record.indicators] == [30, 30, 30]
    listed = prepare_record(_entry(source=None, record=goal, weights="50;20;20"), "self_evaluation", SHANGHAI)
    assert [i.weight for i in listed.record.indicators] == [50, 20, 20]
    with pytest.raises(InputError, match="名册第 2 行给出 2 个分值，而目标表有 3 项指标"):
        prepare_record(_entry(source=None, record=goal, weights="50;40"), "self_evaluation", SHANGHAI)
    with pytest.raises(InputError, match="没有给出一级指标「效益指标」的分值"):
        prepare_record(_entry(source=None, record=goal, weights="产出指标:90"), "self_evaluation", SHANGHAI)


def test_prepare_takes_goal_table_weights_when_all_are_given() -> None:
    data = {
        "form": "goal_table",
        "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "name": "a", "target": "=1(场)", "weight": 60},
            {"level1": "效益指标", "level2": "社会效益指标", "name": "c", "target": "促进", "weight": 30},
        ],
    }
    prep = prepare_record(_entry(source=None, record=GoalTable.from_dict(data)), "self_evaluation", SHANGHAI)
    assert prep.weights_source == "goal_table" and [i.weight for i in prep.record.indicators] == [60, 30]
    data["indicators"][1]["weight"] = None  # type: ignore[index]
    partial = prepare_record(_entry(source=None, record=GoalTable.from_dict(data)), "self_evaluation", SHANGHAI)
    assert partial.weights_source == "profile_split" and partial.notices


def test_prepare_goal_table_carries_project_info_only() -> None:
    prep = prepare_record(_entry(), "goal_table", SHANGHAI)
    assert isinstance(prep.record, GoalTable)
    assert (prep.record.year, prep.record.applicant_unit, prep.record.project_name) == (
        2020,
        "科技发展中心",
        "内涵建设经费",
    )
    assert prep.record.indicators == []


# --- the manifest ----------------------------------------------------------------------------


def _manifest_rows() -> list[ManifestRow]:
    return [
        ManifestRow(
            form_id=f"id-{i}",
            form="self_evaluation",
            year=2024,
            department='=HYPERLINK("http://x")' if i == 0 else "市教委",
            implementing_unit="-单位",
            project_name=f"项目{i}",
            path=f"市教委/项目{i}.xlsx",
            fingerprint="ab" * 32,
            locked="project,indicators,weights",
            weights_source="profile_split",
            source="",
        )
        for i in range(3)
    ]


@pytest.mark.parametrize("name", [MANIFEST_CSV, MANIFEST_XLSX], ids=["csv", "xlsx"])
def test_manifest_round_trip(tmp_path: Path, name: str) -> None:
    rows = _manifest_rows()
    write_manifest(rows, tmp_path)
    assert read_manifest(tmp_path / name) == rows


def test_manifest_csv_is_excel_friendly(tmp_path: Path) -> None:
    csv_path, _ = write_manifest(_manifest_rows(), tmp_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("表单编号,表单类型,年度,主管部门")
    assert "'=HYPERLINK" in text and ",'-单位," in text and "按一级指标比例分配" in text


def test_manifest_xlsx_holds_no_formula(tmp_path: Path) -> None:
    import zipfile

    _, xlsx_path = write_manifest(_manifest_rows(), tmp_path)
    with zipfile.ZipFile(xlsx_path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet


def test_read_manifest_errors(tmp_path: Path) -> None:
    bad = _write_csv(tmp_path / "manifest.csv", [["项目名称"], ["x"]])
    with pytest.raises(InputError, match="分发清单缺少列 表单编号"):
        read_manifest(bad)
    with pytest.raises(InputError, match="分发清单不存在"):
        read_manifest(tmp_path / "none.csv")
    wrong = tmp_path / "manifest.json"
    wrong.write_text(json.dumps({}), encoding="utf-8")
    with pytest.raises(InputError, match="分发清单应为"):
        read_manifest(wrong)


# --- the command -----------------------------------------------------------------------------


def test_distribute_bad_roster_exit_2(tmp_path: Path) -> None:
    roster = _write_csv(tmp_path / "roster.csv", [["项目名称"], ["x"]])
    result = CliRunner().invoke(main, ["distribute", str(roster), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "错误：" in result.stderr and "缺少列 主管部门、实施单位" in result.stderr
    assert not (tmp_path / "out").exists()


# --- whole distributions ---------------------------------------------------------------------

HOSTILE = [
    ("../..", "单位", "../../etc/passwd"),
    ("主管部门", "单位", "a/b"),
    ("主管部门", "CON", "CON"),
    ("主管部门", "单位", "项目:1?"),
    ("主管部门", "单位", "同名项目"),
    ("主管部门", "单位二", "同名项目"),
    ("主管部门", "单位", "同名项目二."),
    ("主管部门", "单位", "ＣＯＮ"),
    ("NUL", "AUX", '=HYPERLINK("http://x")'),
    ("C:\\Windows", "单位", "/absolute"),
]


def _small_goal(name: str) -> dict[str, object]:
    return {
        "form": "goal_table",
        "year": 2024,
        "project_name": name,
        "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "name": "举办培训", "target": "=2(场)"},
            {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "满意度", "target": "≥90(%)"},
        ],
    }


def test_hostile_names_stay_inside_outdir_and_distinct(tmp_path: Path) -> None:
    rows = [["年度", "主管部门", "实施单位", "项目名称", "绩效目标表"]]
    for i, (department, unit, name) in enumerate(HOSTILE):
        (tmp_path / f"g{i}.json").write_text(json.dumps(_small_goal(name), ensure_ascii=False), encoding="utf-8")
        rows.append(["2024", department, unit, name, f"g{i}.json"])
    roster = _write_csv(tmp_path / "roster.csv", rows)
    out = tmp_path / "deep" / "out"
    result = CliRunner().invoke(main, ["distribute", str(roster), "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = sorted(p for p in tmp_path.rglob("*.xlsx"))
    assert all(p.resolve().is_relative_to(out.resolve()) for p in written)
    templates = [p for p in written if p.name != MANIFEST_XLSX]
    assert len(templates) == len(HOSTILE)
    assert len({name_key(p.relative_to(out).as_posix()) for p in templates}) == len(HOSTILE)
    for path in templates:
        assert all(_is_safe(part) for part in path.relative_to(out).parts)
    manifest = read_manifest(out / MANIFEST_CSV)
    assert [(r.department, r.implementing_unit, r.project_name) for r in manifest] == HOSTILE
    assert sorted(r.path for r in manifest) == sorted(p.relative_to(out).as_posix() for p in templates)
    assert len({r.form_id for r in manifest}) == len(HOSTILE)
    from sheetperf.io.reader import read_workbook

    (record,) = read_workbook(out / manifest[0].path)
    assert record.project_name == "../../etc/passwd"  # the form keeps the name as written
    assert record.provenance.evidence.template.form_id == manifest[0].form_id


def test_distribute_refuses_to_overwrite_a_distribution(tmp_path: Path) -> None:
    (tmp_path / "g.json").write_text(json.dumps(_small_goal("项目"), ensure_ascii=False), encoding="utf-8")
    roster = _write_csv(
        tmp_path / "roster.csv", [["主管部门", "实施单位", "项目名称", "绩效目标表"], ["A", "B", "项目", "g.json"]]
    )
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["distribute", str(roster), "-o", str(out)]).exit_code == 0
    again = CliRunner().invoke(main, ["distribute", str(roster), "-o", str(out)])
    assert again.exit_code == 2 and "输出文件夹中已有分发清单 manifest.csv" in again.stderr


def test_distribute_goal_tables_blank_with_project_info(tmp_path: Path) -> None:
    from sheetperf.io.reader import read_workbook

    roster = _write_csv(tmp_path / "roster.csv", ROSTER_ROWS)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["distribute", str(roster), "-o", str(out), "--form", "goal-table", "--year", "2025"]
    )
    assert result.exit_code == 0, result.output
    assert "已生成 2 份财政项目支出绩效目标表" in result.stdout
    manifest = read_manifest(out / MANIFEST_CSV)
    assert [(r.form, r.year, r.path) for r in manifest] == [
        ("goal_table", 2024, "市教委/内涵建设经费（科技发展中心）.xlsx"),
        ("goal_table", 2025, "市科委/交流推广（技术市场管理办公室）.xlsx"),
    ]
    (record,) = read_workbook(out / manifest[1].path)
    assert isinstance(record, GoalTable)
    assert (record.year, record.applicant_unit, record.project_name) == (2025, "技术市场管理办公室", "交流推广")
    assert record.provenance.evidence.template.capacity == 30  # every indicator row left open


def test_distribute_from_a_folder_of_goal_tables(tmp_path: Path) -> None:
    goals = tmp_path / "目标表"
    (goals / "市教委").mkdir(parents=True)
    (goals / "市教委" / "a.json").write_text(json.dumps(_small_goal("甲项目"), ensure_ascii=False), encoding="utf-8")
    loose = dict(_small_goal("乙项目"), applicant_unit="乙单位")
    (goals / "b.json").write_text(json.dumps(loose, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["distribute", str(goals), "-o", str(out)])
    assert result.exit_code == 0, result.output
    manifest = read_manifest(out / MANIFEST_CSV)
    assert sorted((r.department, r.project_name, r.weights_source) for r in manifest) == [
        ("乙单位", "乙项目", "profile_split"),
        ("市教委", "甲项目", "profile_split"),
    ]
    assert "按规则配置「shanghai」的一级指标比例" in result.stderr
