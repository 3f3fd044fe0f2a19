"""CLI tests for score and validate, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CASES_DIR, SELF_EVALUATION_PATHS, load_case
from sheetperf.cli import main

HETONG = CASES_DIR / "self_evaluation-2023-hetong-dengji-guanlifei.json"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_score_json_gives_published_figures(runner: CliRunner) -> None:
    result = runner.invoke(main, ["score", "--json", *map(str, SELF_EVALUATION_PATHS)])
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    assert len(scored) == len(SELF_EVALUATION_PATHS)
    for item, path in zip(scored, SELF_EVALUATION_PATHS, strict=True):
        case = load_case(path)
        assert set(item) == {
            "project_name",
            "execution_rate",
            "budget_score",
            "indicators",
            "total_weight",
            "total_score",
            "grade",
            "profile",
        }
        assert item["profile"] == "shanghai"  # the default, named in every result
        assert item["project_name"] == case["project_name"]
        assert abs(item["budget_score"] - case["funds"]["total"]["score"]) < 0.005
        assert [i["name"] for i in item["indicators"]] == [i["name"] for i in case["indicators"]]
        for got, published in zip(item["indicators"], case["indicators"], strict=True):
            assert abs(got["score"] - published["score"]) < 0.005
        assert abs(item["total_score"] - case["total_score"]) < 0.005
        assert item["grade"] == case["grade"]


def test_score_table_is_chinese(runner: CliRunner) -> None:
    result = runner.invoke(main, ["score", str(HETONG)])
    assert result.exit_code == 0
    assert "预算执行" in result.output and "96.24" in result.output and "评分等级：优" in result.output


def test_score_skips_goal_tables_with_a_message(runner: CliRunner) -> None:
    goal = next(CASES_DIR.glob("goal_table*.json"))
    result = runner.invoke(main, ["score", "--json", str(goal)])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert "绩效目标表不计分" in result.stderr


def test_validate_published_forms_exit_0(runner: CliRunner) -> None:
    paths = sorted(map(str, CASES_DIR.glob("*.json")))
    result = runner.invoke(main, ["validate", *paths])
    assert result.exit_code == 0, result.output
    assert "错误 0 项" in result.output


def test_validate_error_exit_1_with_json(runner: CliRunner, tmp_path: Path) -> None:
    data = load_case(HETONG)
    data["grade"] = "良"
    path = tmp_path / "wrong_grade.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(main, ["validate", "--json", str(path)])
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    grade = [f for f in findings if f["rule"] == "grade"]
    assert grade == [
        {
            "file": str(path),
            "sheet": None,
            "cell": None,
            "field": "grade",
            "rule": "grade",
            "severity": "error",
            "stated": "良",
            "expected": "优",
            "message": "评分等级填写为“良”，按核定的总分 96.24 应为“优”",
            "profile": "shanghai",
        }
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.json", None, "文件不存在"),
        ("broken.json", "{", "JSON 格式错误"),
        ("notes.txt", "hello", "不支持的文件类型"),
    ],
    ids=["missing", "broken-json", "wrong-type"],
)
def test_unusable_input_exit_2_one_line(
    runner: CliRunner, tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    for command in ("score", "validate"):
        result = runner.invoke(main, [command, str(path), str(HETONG)])
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0] and str(path) in lines[0]
        assert "Traceback" not in result.output
        assert "技术合同登记管理费" in result.stdout  # the good file is still processed


def test_unknown_profile_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(main, ["score", "--profile", "atlantis", str(HETONG)])
    assert result.exit_code == 2
    assert "未知的规则配置" in result.stderr
