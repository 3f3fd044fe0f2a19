"""Text import: published disclosures (text extracted from PDF forms) back into records."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CASES_DIR, REGIONAL_DIR, SEEDS_DIR, needs_shared
from sheetperf.cli import main
from sheetperf.errors import InputError
from sheetperf.io.importtext import (
    ImportResult,
    decode_text,
    implausible,
    import_files,
    import_text,
)
from sheetperf.io.locate import norm
from sheetperf.model.evidence import LineRef
from sheetperf.model.record import GoalTable, Indicator, SelfEvaluation, record_to_dict
from sheetperf.services.importing import workbook_file_names
from sheetperf.vocab.form_labels import FORM_LABELS, TRADITIONAL_FOLD

SEED_SELF = SEEDS_DIR / "000_a2b032ae4d4f1a39.txt"
SEED_GOAL = SEEDS_DIR / "004_b7751ed169681352.txt"
CASES = sorted(CASES_DIR.glob("*.json"))
# Editorial keys of the cases: not in the published text (see the module docstring).
EDITORIAL = ("slug", "note")


def _expected(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in EDITORIAL:
        data.pop(key, None)
    return data


def _by_name(result: ImportResult) -> dict[str, dict[str, Any]]:
    return {r.project_name: record_to_dict(r) for r in result.records}


@pytest.fixture(scope="module")
def seed_result() -> ImportResult:
    return import_files([SEED_SELF, SEED_GOAL])


# --- the seeds --------------------------------------------------------------------------------


@needs_shared
def test_seeds_hold_seven_forms_and_no_problems(seed_result: ImportResult) -> None:
    assert [r.form for r in seed_result.records] == ["self_evaluation"] * 6 + ["goal_table"]
    assert seed_result.problems == []


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
@needs_shared
def test_seed_form_equals_case(seed_result: ImportResult, case: Path) -> None:
    expected = _expected(case)
    got = _by_name(seed_result)[expected["project_name"]]
    assert got == expected


@needs_shared
def test_seed_provenance_names_file_and_lines(seed_result: ImportResult) -> None:
    first, goal = seed_result.records[0], seed_result.records[-1]
    assert first.provenance.file == str(SEED_SELF)
    assert first.provenance.evidence.text is not None and goal.provenance.evidence.text is not None
    lines = first.provenance.evidence.text.lines
    assert lines["project_name"] == LineRef(file=str(SEED_SELF), line=7)
    assert lines["goal_actual"].line == 15
    assert lines["indicators[5]"].line == 22
    assert goal.provenance.evidence.text.lines["texts.safeguards"] == LineRef(file=str(SEED_GOAL), line=12)


# --- what other extractors do to the same text ---------------------------------------------------

_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ":": "：", "%": "％", "=": "＝", ">": "＞", "<": "＜", ".": "．"})
_FULL_WIDTH.update({ord(str(d)): chr(0xFF10 + d) for d in range(10)})


def _full_width(text: str) -> str:
    """Full-width punctuation and digits in labels, amounts, targets and actuals (short cells)."""
    out = []
    for line in text.split("\n"):
        cells = [
            c.translate(_FULL_WIDTH) if len(c) < 25 and "<p>" not in c and not re.search(r"\d{4}-\d\d", c) else c
            for c in line.split("\t")
        ]
        out.append("\t".join(cells))
    return "\n".join(out)


def _spaces(text: str) -> str:
    """Columns as runs of spaces (pdftotext -layout style): empty cells vanish."""
    return text.replace("\t", "   ")


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


ALTERATIONS = {
    "spaces_instead_of_tabs": lambda t: _spaces(t).encode("utf-8"),
    "windows_line_ends": lambda t: _crlf(t).encode("utf-8"),
    "full_width_punctuation": lambda t: _full_width(t).encode("utf-8"),
    "utf8_bom": lambda t: t.encode("utf-8-sig"),
    "gb18030": lambda t: t.encode("gb18030"),
    "utf16": lambda t: t.encode("utf-16"),
    "page_numbers_and_form_feeds": lambda t: t.replace("\n\n", "\n\n- 3 -\n\f").encode("utf-8"),
    "all_at_once": lambda t: _crlf(_spaces(_full_width(t))).encode("gb18030"),
}


@pytest.mark.parametrize("alteration", ALTERATIONS, ids=list(ALTERATIONS))
@needs_shared
def test_altered_seeds_import_the_same_records(seed_result: ImportResult, alteration: str, tmp_path: Path) -> None:
    paths = []
    for seed in (SEED_SELF, SEED_GOAL):
        path = tmp_path / seed.name
        path.write_bytes(ALTERATIONS[alteration](seed.read_text(encoding="utf-8")))
        paths.append(path)
    result = import_files(paths)
    assert [record_to_dict(r) for r in result.records] == [record_to_dict(r) for r in seed_result.records]
    assert result.problems == []


# Split points: inside the long text of the third form, and inside the goal table's long texts.
SPLITS = {"self_evaluation_goal_text": (SEED_SELF, 63), "goal_table_long_text": (SEED_GOAL, 12)}


@pytest.mark.parametrize("split", SPLITS, ids=list(SPLITS))
@needs_shared
def test_form_split_across_two_files(seed_result: ImportResult, split: str, tmp_path: Path) -> None:
    seed, at = SPLITS[split]
    lines = seed.read_text(encoding="utf-8").split("\n")
    first, second = tmp_path / "part1.txt", tmp_path / "part2.txt"
    first.write_text("\n".join(lines[:at]), encoding="utf-8")
    second.write_text("\n".join(lines[at + 1 :]), encoding="utf-8")  # the page break line goes
    result = import_files([first, second])
    expected = [record_to_dict(r) for r in seed_result.records if r.provenance.file == str(seed)]
    assert [record_to_dict(r) for r in result.records] == expected
    assert result.problems == []
    spanning = [r for r in result.records if r.provenance.evidence.text and len(r.provenance.evidence.text.files) == 2]
    assert len(spanning) == 1


# --- tolerance, one quirk at a time ------------------------------------------------------------

HEAD = (
    "财政项目支出绩效自评表\n(2024 年度)\n"
    "项目名称\t\t示例项目\n主管部门\t\t某委员会\t\t实施单位\t\t某中心\n"
    "项目资金 (万元)\t\t年初预算数\t全年预算数\t全年执行数\t分数\t执行率(%)\t得分\n"
    "\t年度资金总额:\t10.00\t10.00\t9.00\t10.00\t90.00\t9.00\n"
    "\t其中: 当年财政拨款\t10.00\t10.00\t9.00\t-\t90.00\t-\n"
    "年度总体目标\t预期目标\t\t\t实际完成情况\n\t完成工作。\t\t\t已完成。\n"
    "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因分析及改进措施\n"
)


def _one(text: str) -> tuple[SelfEvaluation, ImportResult]:
    result = import_text(text, source="t.txt")
    assert len(result.records) == 1
    record = result.records[0]
    assert isinstance(record, SelfEvaluation)
    return record, result


def test_header_funds_and_goal_texts() -> None:
    record, result = _one(
        HEAD + "产出指标\t数量指标\t场次\t=1(场)\t1.00(场)\t90.00\t90.00\t\n总分\t\t\t\t\t100.00\t99.00\n"
    )
    assert (record.year, record.project_name, record.department, record.implementing_unit) == (
        2024,
        "示例项目",
        "某委员会",
        "某中心",
    )
    assert record.funds.total.executed == 9.0 and record.funds.total.score == 9.0
    assert record.funds.current_year_appropriation.weight is None
    assert (record.goal_expected, record.goal_actual) == ("完成工作。", "已完成。")
    assert (record.total_weight, record.total_score, record.grade) == (100.0, 99.0, None)
    assert result.problems == []


def test_label_broken_across_rows_and_page_break() -> None:
    rows = (
        "效益指标\t社会效益指标\t影响\t促进发展\t达成指标\t30.00\t30.00\t\n"
        "满意度指\t服务对象\t甲满意度\t≥98(%)\t100.00(%)\t30.00\t30.00\t\n"
        "\n"
        "标\t满意 度指\t乙满意度\t≥98(%)\t100.00(%)\t30.00\t30.00\t\n"
    )
    record, _ = _one(HEAD + rows)
    assert [(i.level1, i.level2) for i in record.indicators] == [
        ("效益指标", "社会效益指标"),
        ("满意度指标", "服务对象满意度指标"),
        ("满意度指标", "服务对象满意度指标"),
    ]


@pytest.mark.parametrize("spaces", [False, True], ids=["tabs", "spaces"])
def test_row_continued_after_page_break(spaces: bool) -> None:
    rows = (
        "产出指标\t时效\t报告及时性\t第三季度\t部分达成指\t10.00\t7.50\t根据实际情况，年度\n"
        "\n"
        "\t指标\t\t\t标并具有一定效果\t\t\t报告在第四季度完成。\n"
        "\t质量指标\t报告质量\t合格\t达成指标\t80.00\t80.00\t\n"
    )
    text = HEAD + rows
    record, result = _one(_spaces(text) if spaces else text)
    first, second = record.indicators
    assert (first.level2, first.actual, first.deviation) == (
        "时效指标",
        "部分达成指标并具有一定效果",
        "根据实际情况，年度报告在第四季度完成。",
    )
    assert (second.level1, second.level2) == ("产出指标", "质量指标")
    assert result.problems == []


def test_shifted_row_keeps_carried_levels_and_scores_dash() -> None:
    rows = (
        "产出指标\t时效指标\t甲及时性\t第三季度\t达成指标\t45.00\t45.00\t\n"
        "乙及时性\t\t第二、三季度\t达成指标\t45.00\t45.00\t\t\n"
        "\t\t丙（不适用）\t=1(次)\t不适用\t0.00\t-\t\n"
    )
    record, _ = _one(HEAD + rows)
    assert [(i.level1, i.level2, i.name, i.target) for i in record.indicators[:2]] == [
        ("产出指标", "时效指标", "甲及时性", "第三季度"),
        ("产出指标", "时效指标", "乙及时性", "第二、三季度"),
    ]
    assert record.indicators[2].score is None and record.indicators[2].actual == "不适用"


def test_header_repeated_and_broken_after_page_break() -> None:
    rows = (
        "产出指标\t数量指标\t甲\t=1(场)\t1.00(场)\t45.00\t45.00\t\n"
        "\n第 2 页\n"
        "一级\t二级\t三级\t年度指\t实际完\t分值\t得分\t偏差原因分析\n"
        "指标\t指标\t指标\t标值\t成值\t\t\t及改进措施\n"
        "\t\t乙\t=2(场)\t2.00(场)\t45.00\t45.00\t\n"
    )
    record, result = _one(HEAD + rows)
    assert [(i.level1, i.level2, i.name) for i in record.indicators] == [
        ("产出指标", "数量指标", "甲"),
        ("产出指标", "数量指标", "乙"),
    ]
    assert result.problems == []


def test_text_continued_after_page_break_joins_the_cut_paragraph() -> None:
    text = HEAD.replace(
        "\t完成工作。\t\t\t已完成。\n",
        "\t<p>完成工作。</p>\t\t\t<p>第一段。</p> <p>第二段被</p>\n\n\t\t\t\t<p>分页截断。</p> <p>第三段。</p>\n",
    )
    record, _ = _one(text + "产出指标\t数量指标\t甲\t=1(场)\t1.00(场)\t90.00\t90.00\t\n")
    assert record.goal_expected == "完成工作。"
    assert record.goal_actual == "第一段。\n第二段被分页截断。\n第三段。"


def test_unplaceable_lines_are_reported_with_line_numbers() -> None:
    text = (
        "上海市某单位 2023 年度决算公开\n"
        + HEAD
        + "产出指标\t数量指标\t甲\t=1(场)\t1.00(场)\t90.00\t90.00\t\n"
        + "\t\t\t\t\t\t\t\n"
        + "注：本表数据为初步统计。\n"
        + "总分\t\t\t\t\t100.00\t99.00\n评分等级\t优\n"
        + "填表人：张三\n"
    )
    record, result = _one(text)
    assert len(record.indicators) == 1
    assert [(p.line, p.code) for p in result.problems] == [
        (1, "outside_form"),
        (14, "unplaced_row"),
        (17, "after_form"),
    ]
    assert result.problems[0].message().startswith("t.txt:1: ")
    assert "填表人：张三" in result.problems[2].message()


def test_fragment_that_continues_nothing_is_reported() -> None:
    rows = "产出指标\t数量指标\t甲\t=1(场)\t1.00(场)\t90.00\t90.00\t\n多出来的文字\n"
    _, result = _one(_spaces(HEAD + rows))
    assert [(p.line, p.code, p.text) for p in result.problems] == [(12, "unplaced_fragment", "多出来的文字")]


def test_title_without_form_is_reported_not_imported() -> None:
    result = import_text("关于印发财政项目支出绩效自评表的通知\n正文……\n", source="n.txt")
    assert result.records == []
    assert [p.code for p in result.problems] == ["empty_form", "unplaced_row"]


def test_forms_without_title_or_grade_are_still_separated() -> None:
    form = HEAD.split("\n", 2)[2] + "产出指标\t数量指标\t甲\t=1(场)\t1.00(场)\t90.00\t90.00\t\n"
    result = import_text(form + form.replace("示例项目", "第二个项目"))
    assert [r.project_name for r in result.records] == ["示例项目", "第二个项目"]
    assert all(len(r.indicators) == 1 for r in result.records)


def test_goal_table_label_value_cells_and_budget() -> None:
    text = (
        "财政项目支出绩效目标表\n(2021年度)\n申报单位名称：某中心\n"
        "项目名称：\t某项目\t项目类别：\t经常性\n"
        "项目概况：\t<p>第一句</p>\n\n进行中。\n"
        "本项目上年度市级财政资金使用情况\n"
        "项目总预算（元）：\t1,200\t项目当年预算（元）：\t1,000.50\n"
        "2021年绩效目标\n一级目标\t二级目标\t三级目标\t指标目标值\n"
        "产出目标\t数量\t次数\t>=2次\n\t质量\t合格率\t＞＝９０％\n\t\t覆盖率\t>=1次，人数不少于１００人\n"
    )
    result = import_text(text)
    record = result.records[0]
    assert isinstance(record, GoalTable)
    assert (record.year, record.applicant_unit, record.project_name, record.project_category) == (
        2021,
        "某中心",
        "某项目",
        "经常性",
    )
    assert record.texts == {"overview": "第一句进行中。"}
    assert record.budget_yuan == {"project_total": 1200, "current_year": 1000.5}
    assert [(i.level2, i.target) for i in record.indicators] == [
        ("数量", ">=2次"),
        ("质量", ">=90%"),
        ("质量", ">=1次，人数不少于100人"),
    ]
    assert result.problems == []


# --- decoding -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("项目名称".encode("utf-8-sig"), "项目名称"),
        ("项目名称".encode("gb18030"), "项目名称"),
        ("项目名称".encode("utf-16"), "项目名称"),
    ],
    ids=["utf8_bom", "gb18030", "utf16"],
)
def test_decode_text(data: bytes, text: str) -> None:
    assert decode_text(data) == text


def test_decode_refuses_binary() -> None:
    with pytest.raises(InputError, match="二进制"):
        decode_text(b"PK\x03\x04\x00\x00", file="x.txt")


# --- a property: any form written out in the published layout reads back ------------------------

_CJK_WORDS = st.text(alphabet="项目技术市场登记管理合同服务交流推广培训评审完成质量", min_size=2, max_size=12)
_TARGETS = st.sampled_from(["=1(场)", ">95(%)", "≥98.00(%)", "≤5(%)", "第三季度", "12 月", "促进了技术市场的繁荣发展"])
_LEVELS = {
    "产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
    "效益指标": ["社会效益指标", "可持续影响指标"],
    "满意度指标": ["服务对象满意度指标"],
}


@st.composite
def _self_evaluations(draw: st.DrawFn) -> SelfEvaluation:
    indicators = []
    for level1, level2s in _LEVELS.items():
        for level2 in draw(st.lists(st.sampled_from(level2s), min_size=1, max_size=2, unique=True)):
            for _ in range(draw(st.integers(1, 3))):
                weight = draw(st.integers(1, 30))
                indicators.append(
                    Indicator(
                        level1=level1,
                        level2=level2,
                        name=draw(_CJK_WORDS),
                        target=draw(_TARGETS),
                        actual=draw(st.sampled_from(["达成指标", "部分达成指标并具有一定效果", "98.00(%)"])),
                        weight=float(weight),
                        score=float(draw(st.integers(0, weight))),
                        deviation=draw(st.sampled_from(["", "原因已说明。"])),
                    )
                )
    record = SelfEvaluation(
        year=draw(st.integers(2015, 2030)),
        department=draw(_CJK_WORDS),
        implementing_unit=draw(_CJK_WORDS),
        project_name=draw(_CJK_WORDS),
        goal_expected=draw(_CJK_WORDS) + "。",
        goal_actual=draw(_CJK_WORDS) + "。",
        indicators=indicators,
        total_weight=100.0,
        # the total re-adds its parts (a total that does not is reported: test_a_total_that_does_not_readd)
        total_score=10.0 + sum(i.score or 0 for i in indicators),
        grade=draw(st.sampled_from(["优", "良", "中", "差"])),
    )
    money = [float(draw(st.integers(0, 10_000))) / 100 for _ in range(3)]
    record.funds.total.initial_budget, record.funds.total.annual_budget, record.funds.total.executed = money
    record.funds.total.execution_rate, record.funds.total.weight, record.funds.total.score = 100.0, 10.0, 10.0
    return record


def _render(record: SelfEvaluation) -> str:
    """The record as the published PDF text shows it: level labels only on the first row of a group."""
    total = record.funds.total
    lines = [
        "财政项目支出绩效自评表",
        "",
        f"({record.year} 年度)",
        f"项目名称\t\t{record.project_name}",
        f"主管部门\t\t{record.department}\t\t实施单位\t\t{record.implementing_unit}",
        "项目资金 (万元)\t\t年初预算数\t全年预算数\t全年执行数\t分数\t执行率(%)\t得分",
        f"\t年度资金总额:\t{total.initial_budget:.2f}\t{total.annual_budget:.2f}\t{total.executed:.2f}"
        f"\t{total.weight:.2f}\t{total.execution_rate:.2f}\t{total.score:.2f}",
        "年度 总体 目标\t预期目标\t\t\t实际完成情况",
        f"\t{record.goal_expected}\t\t\t{record.goal_actual}",
        "一级 指标\t二级 指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因分析及改进措施",
    ]
    previous = ("", "")
    for ind in record.indicators:
        level1 = ind.level1 if ind.level1 != previous[0] else ""
        level2 = ind.level2 if (ind.level1, ind.level2) != previous else ""
        previous = (ind.level1, ind.level2)
        lines.append(
            f"{level1}\t{level2}\t{ind.name}\t{ind.target}\t{ind.actual}\t{ind.weight:.2f}\t{ind.score:.2f}"
            f"\t{ind.deviation}"
        )
    lines += [f"总分\t\t\t\t\t{record.total_weight:.2f}\t{record.total_score:.2f}", f"评分等级\t\t{record.grade}", ""]
    return "\n".join(lines)


@settings(max_examples=40, deadline=None)
@given(records=st.lists(_self_evaluations(), min_size=1, max_size=3), spaces=st.booleans())
def test_rendered_forms_read_back(records: list[SelfEvaluation], spaces: bool) -> None:
    text = "\n".join(_render(r) for r in records)
    result = import_text(_spaces(text) if spaces else text)
    assert [record_to_dict(r) for r in result.records] == [record_to_dict(r) for r in records]
    assert result.problems == []


# --- output file names --------------------------------------------------------------------------

_WINDOWS_FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)}


@given(st.lists(st.text(max_size=120), min_size=1, max_size=8))
def test_workbook_file_names_are_safe_and_unique(names: list[str]) -> None:
    records = [SelfEvaluation(year=2023, project_name=n) for n in names]
    out = workbook_file_names(records)
    assert len({n.casefold() for n in out}) == len(out)
    for name in out:
        assert name.endswith(".xlsx") and not (set(name) & _WINDOWS_FORBIDDEN)
        assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
        assert len(name) <= 100


@pytest.mark.parametrize(
    ("name", "expected"),
    [("技术/合同:登记?", "2023-技术_合同_登记.xlsx"), ("", "2023-财政项目支出绩效自评表.xlsx")],
    ids=["separators", "empty"],
)
def test_workbook_file_name_examples(name: str, expected: str) -> None:
    assert workbook_file_names([SelfEvaluation(year=2023, project_name=name)]) == [expected]


def test_duplicate_names_get_a_suffix() -> None:
    records = [SelfEvaluation(year=2023, project_name="同名"), SelfEvaluation(year=2023, project_name="同名")]
    assert workbook_file_names(records) == ["2023-同名.xlsx", "2023-同名-2.xlsx"]


# --- the command --------------------------------------------------------------------------------


@needs_shared
def test_cli_json_prints_the_records() -> None:
    result = CliRunner().invoke(main, ["import-text", str(SEED_SELF), str(SEED_GOAL), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    cases = {c["project_name"]: c for c in map(_expected, CASES)}
    assert len(data) == 7
    assert all(item == cases[item["project_name"]] for item in data)


@needs_shared
def test_cli_provenance(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["import-text", str(SEED_GOAL), "--provenance"])
    assert json.loads(result.stdout)[0]["source"]["file"] == str(SEED_GOAL)


def test_cli_reports_problems_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "form.txt"
    path.write_text(
        "前言文字\n" + HEAD + "产出指标\t数量指标\t甲\t=1(场)\t1.00(场)\t90.00\t90.00\t\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["import-text", str(path)])
    assert result.exit_code == 0
    assert f"{path}:1: 不属于任何表单的文字，未导入：前言文字" in result.stderr
    assert json.loads(result.stdout)[0]["project_name"] == "示例项目"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--json", "-o", "out"], "--json 与 -o 只能选一个"),
        ([], "未找到任何绩效自评表或绩效目标表"),
    ],
    ids=["json_and_output", "no_forms"],
)
def test_cli_refuses(tmp_path: Path, args: list[str], message: str) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("没有表单的文字\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import-text", str(path), *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["import-text", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "无法读取文件" in result.stderr and "nope.txt" in result.stderr


# --- workbooks ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_workbooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("imported")
    result = CliRunner().invoke(main, ["import-text", str(SEED_SELF), str(SEED_GOAL), "-o", str(out)])
    return out, result


@needs_shared
def test_cli_writes_one_workbook_per_form(seed_workbooks: tuple[Path, Any], seed_result: ImportResult) -> None:
    out, result = seed_workbooks
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(workbook_file_names(seed_result.records))
    assert "共导入 7 张表单" in result.stdout
    assert "错误" not in result.stdout  # no finding of severity error
    assert "绩效目标表!D30" in result.stdout  # a finding placed on the written workbook's cell


@needs_shared
def test_written_workbooks_read_back_the_imported_inputs(
    seed_workbooks: tuple[Path, Any], seed_result: ImportResult
) -> None:
    from sheetperf.io.reader import read_workbook

    out, _ = seed_workbooks
    names = workbook_file_names(seed_result.records)
    for record, name in zip(seed_result.records, names, strict=True):
        (back,) = read_workbook(out / name)
        assert back.project_name == record.project_name
        got = [(i.level1, i.level2, i.name, i.target, i.actual or "", i.weight) for i in back.indicators]
        want = [(i.level1, i.level2, i.name, i.target, i.actual or "", i.weight) for i in record.indicators]
        assert got == want


@needs_shared
@pytest.mark.libreoffice
def test_written_workbooks_recalculated_in_libreoffice_validate_without_errors(
    seed_workbooks: tuple[Path, Any], seed_result: ImportResult, tmp_path: Path
) -> None:
    """The real spreadsheet engine computes the published scores, and the result validates."""
    from sheetperf.checks.validation import validate_record
    from sheetperf.io.reader import read_workbook
    from sheetperf.io.recalc import RecalcError, recalculate, soffice
    from sheetperf.rules.profiles import get_profile

    try:
        soffice()
    except RecalcError:
        pytest.skip("LibreOffice is not installed")
    out, _ = seed_workbooks
    names = workbook_file_names(seed_result.records)
    computed = recalculate([out / n for n in names], tmp_path)  # one soffice run for all seven
    profile = get_profile("shanghai")
    for record, path in zip(seed_result.records, computed, strict=True):
        (back,) = read_workbook(path)
        errors = [f for f in validate_record(back, profile, file=str(path)) if f.severity == "error"]
        assert errors == []
        if isinstance(record, SelfEvaluation):
            assert isinstance(back, SelfEvaluation)
            assert [i.score for i in back.indicators] == [i.score for i in record.indicators]
            assert (back.total_score, back.grade, back.funds.total.score) == (
                record.total_score,
                record.grade,
                record.funds.total.score,
            )


def test_numbers_one_space_apart_are_separate_cells_without_tabs() -> None:
    rows = "产出指标    数量指标    甲    =1(场)    1.00(场)    90.00 90.00\n"
    record, result = _one(_spaces(HEAD) + rows)
    assert (record.indicators[0].weight, record.indicators[0].score) == (90.0, 90.0)
    assert result.problems == []


# --- real disclosures of other regions: import what can be placed, refuse the rest ------------------


REGIONAL_TEXTS = sorted(REGIONAL_DIR.glob("*.txt")) if REGIONAL_DIR.is_dir() else []

_SPLIT_TARGET_TEXT = "\n".join(
    [
        "2020年度项目支出绩效自评表",
        "项目名称\t\t卫片执法补助经费",
        "主管部门\t\t丽江市自然资源和规划局\t\t实施单位\t\t丽江市古城区自然资源局",
        "项目资金（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分",
        "\t年度资金总额\t7.29\t7.29\t7.29\t10.00\t100%\t10.00",
        "一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\t实际完成值\t分值\t得分\t偏差原因分析及改进措施",
        "产出指标\t数量指标\t卫片执法补助经费\t﹦\t72890\t元\t72890\t10.00\t10.00",
        "\t质量指标\t项目验收合格率\t═\t100\t%\t100%\t20.00\t20.00",
        "效益指标\t社会效益指标\t违法行为责停率\t≥\t95\t%\t96%\t30.00\t30.00",
        "\t\t违法用地整改到位率\t\t90\t%\t92%\t30.00\t30.00",
        "总分\t\t\t\t\t\t\t100.00\t100.00",
        "评分等级\t\t优",
    ]
)


def test_split_target_columns_are_joined_as_written() -> None:
    """指标性质 | 指标值 | 度量单位 by their tab columns: joined as the workbook reader joins them."""
    result = import_text(_SPLIT_TARGET_TEXT, source="split.txt")
    [record] = result.records
    assert isinstance(record, SelfEvaluation)
    assert [i.target for i in record.indicators] == ["﹦72890元", "═100%", "≥95%", "90%"]
    assert [(i.level1, i.level2, i.name) for i in record.indicators][1] == ("产出指标", "质量指标", "项目验收合格率")
    assert record.funds.total.execution_rate == 100.0
    assert result.problems == [] and result.refused == []


def test_shifted_columns_are_refused_never_emitted(tmp_path: Path) -> None:
    """The issue's Yunnan case: without the columns, level 1 would be the name, level 2 the operator,
    the name the number and the target the unit: the form is refused with its reasons, exit 1."""
    path = tmp_path / "flattened.txt"
    path.write_text(_SPLIT_TARGET_TEXT.replace("\t", "   "), encoding="utf-8")
    result = import_files([path])
    assert result.records == []
    [refusal] = result.refused
    assert "一级指标“卫片执法补助经费”不是指标类别" in refusal.reasons[0]
    run = CliRunner().invoke(main, ["import-text", str(path), "--json"])
    assert run.exit_code == 1
    assert run.stdout == ""
    assert "栏目无法确定对应关系，未导入" in run.stderr and f"{path}:1" in run.stderr


def test_a_unit_polluted_with_a_label_is_refused() -> None:
    record = SelfEvaluation(project_name="卫片执法", implementing_unit="丽江市古城区自然资源局 项目资金 (元)")
    assert any("含有表头文字" in reason for reason in implausible(record))


def test_a_total_that_does_not_readd_is_reported() -> None:
    text = _SPLIT_TARGET_TEXT.replace("总分\t\t\t\t\t\t\t100.00\t100.00", "总分\t\t\t\t\t\t\t100.00\t95.00")
    result = import_text(text, source="total.txt")
    assert len(result.records) == 1
    assert [(p.code, p.line) for p in result.problems] == [("total_mismatch", 11)]


@needs_shared
@pytest.mark.parametrize("path", REGIONAL_TEXTS, ids=[p.stem for p in REGIONAL_TEXTS])
def test_every_regional_text_imports_plausibly_or_is_refused(path: Path) -> None:
    """Every published text of ../shared/regional: the records it gives are plausible, what it could
    not place is reported, and a text with no placeable form exits non-zero with the reason."""
    result = import_files([path])
    for record in result.records:
        assert implausible(record) == ()
    # every line's words went into a record or are reported (a row of a |-text spans several lines)
    imported = json.dumps([record_to_dict(r) for r in result.records], ensure_ascii=False)
    reported = " ".join(p.text for p in result.problems)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", line)  # pinyin a page store inserted
        for cell in line.split("|"):
            words = cell.strip().replace("★", "").removesuffix("%")  # 100% is the rate 100.0
            if words and not _form_label(words):
                folded = words.translate(TRADITIONAL_FOLD)  # categories are recorded in simplified characters
                if re.fullmatch(r"\d+(?:\.\d+)?", words):
                    folded = json.dumps(float(words))  # 9.00 is the number 9.0
                assert words[:4] in imported or folded[:4] in imported or words[:8] in reported, (number, line)
    run = CliRunner().invoke(main, ["import-text", str(path), "--json"])
    if result.records and not result.refused:
        assert run.exit_code == 0
    else:
        assert run.exit_code in (1, 2)
        assert "错误：" in run.stderr


_LABEL_KEYS = {norm(s) for fields in FORM_LABELS.values() for spellings in fields.values() for s in spellings}


def _form_label(text: str) -> bool:
    """A form's title or one of its labels: consumed by the form, not a value of the record."""
    text = text.translate(TRADITIONAL_FOLD)
    bare = re.sub(r"[(（][^()（）]*[)）]", "", text)
    headings = ("自评表", "目标表", "绩效指标", "绩效目标")  # titles and section headings
    return any(h in text for h in headings) or norm(text) in _LABEL_KEYS or norm(bare) in _LABEL_KEYS


@needs_shared
def test_a_text_with_one_cell_a_line_imports() -> None:
    """Anhui 濉溪 (one cell a line, ``|`` after each, rows ended by lines of pipes, 分值 before the
    target): every indicator in its place, ★ and (≥**人) taken off, the points of the level-1 labels kept."""
    result = import_files([REGIONAL_DIR / "suixi-2019-linshi-jiuzhu.txt"])
    [record] = result.records
    assert isinstance(record, SelfEvaluation)
    assert (record.year, record.project_name, record.department) == (2019, "临时救助", "[155]濉溪县民政局")
    assert (record.funds.total.annual_budget, record.funds.total.executed, record.funds.total.score) == (30, 30, 10)
    assert record.level1_points == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    first = record.indicators[0]
    assert (first.level1, first.level2, first.name, first.weight, first.target, first.actual, first.score) == (
        "产出指标",
        "数量指标",
        "农村低保发放人数(按月平均)",
        5,
        ">=21933人",
        "21980人",
        5,
    )
    assert record.indicators[3].deviation == "特困人员实行动态管理"
    assert [i.name for i in record.indicators][-2:] == ["受益建档立卡贫困人口数", "受助对象满意度"]
    assert [p.line for p in result.problems] == [1, 150]  # the source note, and the excerpt's cut-off cell



def test_amounts_in_yuan_are_recorded_in_wanyuan() -> None:
    """项目资金（元）, or 元 typed in the cells: converted to 万元, the unit kept in the evidence."""
    text = "\n".join(
        [
            "项目支出绩效自评表",
            "项目名称\t\t卫片执法补助经费",
            "主管部门\t\t丽江市自然资源和规划局\t\t实施单位\t\t丽江市古城区自然资源局",
            "项目资金（元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分",
            "\t年度资金总额\t72890\t72890\t72890\t10.00\t100%\t10.00",
            "\t其中：当年财政拨款\t72890元\t72890元\t72890元\t\t100%",
            "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因分析及改进措施",
            "产出指标\t数量指标\t卫片执法补助经费\t=72890元\t72890\t90.00\t90.00",
            "总分\t\t\t\t\t100.00\t100.00",
        ]
    )
    result = import_text(text, source="yuan.txt")
    [record] = result.records
    assert isinstance(record, SelfEvaluation)
    assert (record.funds.total.executed, record.funds.current_year_appropriation.annual_budget) == (7.289, 7.289)
    assert record.provenance.evidence.funds_unit == "元"
    assert record.provenance.evidence.amount_units["funds.current_year_appropriation.executed"] == "元"
    assert result.problems == []


def test_a_goal_table_with_department_period_and_ranges() -> None:
    """Chongqing-style goal table text: 主管部门, 项目期限 in one cell, level-1 weight ranges."""
    text = "\n".join(
        [
            "项目支出绩效目标表",
            "（2022年度）",
            "项目名称\t\t2022年社区居家养老服务中心运营补助资金",
            "主管部门\t\t重庆市渝北区民政局\t\t实施单位\t\t重庆市渝北区养老服务指导中心",
            "项目期限\t\t2022-01-01至2022-12-31",
            "项目年度目标\t\t对全区45个社区居家养老服务中心给予运营补助。",
            "一级指标\t二级指标\t三级指标\t指标值\t分值",
            "成本指标(0-20)分\t经济成本指标\t社区养老服务中心运营补助标准\t≤10万元/个·年\t10",
            "产出指标(40-50)分\t数量指标\t补助社区养老服务中心数量\t≥45个\t15",
        ]
    )
    result = import_text(text, source="cq.txt")
    [record] = result.records
    assert isinstance(record, GoalTable)
    assert (record.department, record.applicant_unit) == ("重庆市渝北区民政局", "重庆市渝北区养老服务指导中心")
    assert (record.planned_start, record.planned_end) == ("2022-01-01", "2022-12-31")
    assert record.level1_points == {"成本指标": [0, 20], "产出指标": [40, 50]}
    assert [i.level1 for i in record.indicators] == ["成本指标", "产出指标"]
    assert result.problems == []


def test_a_self_evaluation_without_title_is_not_taken_for_a_goal_table() -> None:
    """主管部门 and 实施单位 are labels of both forms: without a title they start a self-evaluation."""
    result = import_text(_SPLIT_TARGET_TEXT.split("\n", 1)[1], source="untitled.txt")
    assert [r.form for r in result.records] == ["self_evaluation"]


_TWO_ROW_PIPE_TEXT = "\n".join(
    [
        "| 2020年度项目支出绩效自评表 |",
        "| 项目名称 | 2020年省级自然资源卫片执法补助经费 |",
        "| 主管部门 | 丽江市自然资源和规划局 | 实施单位 | 丽江市古城区自然资源局 |",
        "| 项目资金(万元) | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |",
        "| 年度资金总额 | 7.29 | 7.29 | 7.29 | 10.00 | 100% | 10.00 |",
        "| 绩效指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施 |",
        "| 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 |",
        "| 产出指标 | 数量指标 | 卫片执法补助经费 | ﹦ | 72890 | 元 | 72890 | 10.00 | 10.00 | |",
        "| 质量指标 | 项目验收合格率 | ﹦ | 100 | % | 100 | 20 | 20 | |",
        "| 效益指标 | 社会效益指标 | 违法行为责停率 | ≥ | 95 | % | 95 | 30.00 | 30.00 | |",
        "| 满意度指标 | 服务对象满意度指标 | 满意度 | ≥ | 95 | % | 95 | 30.00 | 30.00 |",
        "| 总分 | 100.00 | 100.00 | 优 |",
    ]
)


def test_a_pipe_page_with_a_two_row_header_imports() -> None:
    """A web page's table as text (the Yunnan layout): | between cells, the cells a merged level
    label covers not written, 实际完成值/分值/得分 on the header row above 指标性质 | 指标值 | 度量单位."""
    result = import_text(_TWO_ROW_PIPE_TEXT, source="page.txt")
    assert result.problems == [] and result.refused == []
    [record] = result.records
    assert isinstance(record, SelfEvaluation)
    assert [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in record.indicators] == [
        ("产出指标", "数量指标", "卫片执法补助经费", "﹦72890元", "72890", 10.0, 10.0),
        ("产出指标", "质量指标", "项目验收合格率", "﹦100%", "100", 20.0, 20.0),
        ("效益指标", "社会效益指标", "违法行为责停率", "≥95%", "95", 30.0, 30.0),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥95%", "95", 30.0, 30.0),
    ]
    assert (record.total_score, record.grade, record.funds.total.execution_rate) == (100.0, "优", 100.0)


@needs_shared
def test_a_traditional_character_page_with_pinyin_imports() -> None:
    """Yunnan 丽江 as a page store served it: traditional characters, pinyin after some of them, | cells,
    the target split over three columns under a two-row header.  Labels and categories are
    matched through the vocabulary's traditional forms; names are kept as written."""
    result = import_files([REGIONAL_DIR / "lijiang-2020-weipian-zhifa.txt"])
    [record] = result.records
    assert isinstance(record, SelfEvaluation)
    assert (record.year, record.department) == (2020, "麗江市自然資源和規劃局")
    assert (record.goal_expected, record.goal_actual) == ("自然資源衛片執法補助經費", "自然資源衛片執法補助經費")
    assert record.funds.total.annual_budget == 7.29 and record.funds.total.score == 10
    assert [(i.level1, i.level2, i.target, i.weight, i.score) for i in record.indicators] == [
        ("产出指标", "数量指标", "﹦72890元", 10.0, 9.0),
        ("产出指标", "质量指标", "﹦100%", 20.0, 19.0),
        ("产出指标", "时效指标", "﹦100%", 20.0, 19.0),
        ("效益指标", "社会效益指标", "≥95%", 30.0, 27.0),
        ("满意度指标", "服务对象满意度指标", "≥95%", 10.0, None),
    ]
    assert record.indicators[0].name == "衛片執法補助經費"
    # the source note; 100% under 分值 in a row that left its 分值 cell out is reported, not placed
    assert [(p.line, p.code) for p in result.problems] == [(1, "outside_form"), (11, "not_a_number")]
