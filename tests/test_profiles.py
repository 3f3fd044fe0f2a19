from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetperf.cli import main
from sheetperf.cli.views import profile_settings
from sheetperf.errors import ProfileError
from sheetperf.rules.parsing import Level
from sheetperf.rules.profiles import KEYS, available_profiles, get_profile
from sheetperf.vocab.text import display_width


def test_named_profiles_load() -> None:
    names = available_profiles()
    assert {"national", "shanghai"} <= set(names)
    for name in names:
        profile = get_profile(name)
        assert profile.total_weight == Decimal(100)


def test_shanghai_defaults_match_seeds() -> None:
    profile = get_profile("shanghai")
    assert profile.bands[Level.ACHIEVED].default == 100
    assert profile.bands[Level.PARTIAL].default == 75


@pytest.mark.parametrize(
    ("total", "grade"),
    [("90", "优"), ("89.99", "良"), ("80", "良"), ("79.99", "中"), ("60", "中"), ("59.99", "差"), ("0", "差")],
    ids=lambda v: str(v),
)
def test_grade_lower_bounds_inclusive(total: str, grade: str) -> None:
    assert get_profile("national").grade_for(Decimal(total)) == grade


def test_profile_from_file_inherits(tmp_path: Path) -> None:
    path = tmp_path / "strict.toml"
    path.write_text('name = "strict"\ninherits = "national"\nreverse_rule = "linear"\n', encoding="utf-8")
    profile = get_profile(str(path))
    assert profile.reverse_rule == "linear"
    assert profile.bands == get_profile("national").bands


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('name = "x"\ninherits = "national"\ncolour = 1\n', "未知的设置 colour"),
        ('name = "x"\ninherits = "national"\nreverse_rule = "cubic"\n', "reverse_rule"),
        ('name = "x"\n', "缺少设置"),
        ("name = ", "格式错误"),
    ],
    ids=["unknown-key", "bad-rule", "missing", "syntax"],
)
def test_bad_profiles(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        get_profile(str(path))


def test_unknown_profile_name() -> None:
    with pytest.raises(ProfileError, match="未知的规则配置"):
        get_profile("atlantis")


# --- Settings of the rules, checked ----------------------------------------------------------------

PROFILE_DIR = Path(__file__).parent / "profiles"


def _write(tmp_path: Path, body: str, name: str = "p.toml") -> str:
    path = tmp_path / name
    head = 'name = "p"\n' if body.startswith("inherits") else 'name = "p"\ninherits = "national"\n'
    path.write_text(head + body, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("decimals = 3\n", r"decimals.*0、1、2"),
        ('decimals = "2"\n', r"decimals.*0、1、2"),
        ("budget_weight = -5\n", r"budget_weight 为 -5"),
        ('budget_weight = "20"\n', "budget_weight 应为数字"),
        ("budget_weight = 0\nindicator_weight = 0\n", "之和应大于 0"),
        ("over_completion_ratio = 0.5\n", "over_completion_ratio 为 0.5"),
        ("rescale_not_applicable = 1\n", "rescale_not_applicable 应为 true 或 false"),
        ("[over_target]\nratio = 1.5\n", "缺少设置 over_target.deduct"),
        ("[over_target]\nratio = 1.5\ndeduct = 120\n", "over_target.deduct 为 120"),
        ("[over_target]\nratio = 0.9\ndeduct = 20\n", "over_target.ratio 为 0.9"),
        ("[over_target]\nratio = 1.5\ndeduct = 20\nfloor = 1\n", "未知的设置 over_target.floor"),
        ("[[total_caps]]\nbelow = 80\n", r"缺少设置 total_caps\[0\].max"),
        ("[[total_caps]]\nbelow = 80\nmax = 150\n", r"total_caps\[0\].max 为 150"),
        ("[[total_caps]]\nbelow = 80\nmax = 89\nabove = 1\n", r"未知的设置 total_caps\[0\].above"),
        ("[[total_caps]]\nbelow = 80\nmax = 69\n[[total_caps]]\nbelow = 60\nmax = 79\n", "below 越低 max 不能越高"),
        ("total_caps = { below = 80, max = 89 }\n", "total_caps 应为数组"),
        ("[qualitative]\npartial = { low = 80, high = 60, default = 70 }\n", "下限 80 应小于上限 60"),
        ("[qualitative]\npartial = { low = 50, high = 80, default = 80 }\n", r"默认值 80 不在区间 \[50, 80\)"),
        ("[qualitative]\npartial = { low = 50, high = 80, default = 65, upper = 1 }\n", "未知的设置 qualitative.partial.upper"),
        ("[qualitative]\npartial = { low = 50, high = 80, default = 80, high_inclusive = true }\n", None),
        ("[qualitative]\ngood = { low = 50, high = 80, default = 65 }\n", "未知的设置 qualitative.good"),
        ('[[grades]]\nname = "优"\nmin = 90\n[[grades]]\nname = "优"\nmin = 0\n', "重复"),
        ("grades = []\n", "至少应有一个评分等级"),
        ('[goal_table]\nrequired = ["产出指标"]\n', "未知的设置 goal_table.required"),
        ("inherits = 5\n", "inherits 应为非空文字"),
    ],
    ids=[
        "decimals-3", "decimals-text", "negative-weight", "weight-text", "no-total", "over-ratio-low",
        "rescale-not-bool", "over-target-missing", "over-target-deduct", "over-target-ratio",
        "over-target-unknown", "cap-missing", "cap-over-total", "cap-unknown", "caps-order", "caps-table",
        "band-order", "band-default", "band-unknown", "band-inclusive-ok", "level-unknown", "grades-repeat",
        "grades-empty", "goal-table-unknown", "inherits-number",
    ],
)  # fmt: skip
def test_settings_are_checked(tmp_path: Path, body: str, message: str | None) -> None:
    path = _write(tmp_path, body)
    if message is None:
        assert get_profile(path).bands[Level.PARTIAL].high_inclusive
        return
    with pytest.raises(ProfileError, match=message) as info:
        get_profile(path)
    assert "p.toml" in str(info.value) and "\n" not in str(info.value)


def test_new_settings_read() -> None:
    profile = get_profile(str(PROFILE_DIR / "caps_deduction.toml"))
    assert profile.decimals == 0 and profile.tolerance == Decimal("0.5")
    assert [(c.below, c.max) for c in profile.total_caps] == [(60, 69), (70, 79), (80, 89)]  # lowest first
    assert profile.over_target is not None and (profile.over_target.ratio, profile.over_target.deduct) == (
        Decimal("1.5"),
        Decimal(20),
    )
    assert profile.inherits == ("shanghai", "national")
    example = get_profile(str(PROFILE_DIR / "example.toml"))
    assert example.decimals == 1 and example.tolerance == Decimal("0.05") and example.over_target is None


def test_a_child_can_switch_off_what_its_parent_sets(tmp_path: Path) -> None:
    parent = tmp_path / "parent.toml"
    parent.write_text((PROFILE_DIR / "caps_deduction.toml").read_text(encoding="utf-8"), encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text(
        f'name = "child"\ninherits = "{parent}"\ntotal_caps = []\n[over_target]\ndeduct = 0\n', encoding="utf-8"
    )
    profile = get_profile(str(child))
    assert profile.total_caps == () and profile.over_target is None and profile.decimals == 0


def test_hubei_profile() -> None:
    hubei = get_profile("hubei")
    assert hubei.title == "湖北省（武汉等）"
    assert (hubei.budget_weight, hubei.indicator_weight, hubei.total_weight) == (20, 80, 100)
    assert hubei.level1_split == {"产出指标": Decimal(48), "效益指标": Decimal(32)}
    assert sum(hubei.level1_split.values()) == hubei.indicator_weight
    bands = {level: (b.low, b.high, b.high_inclusive) for level, b in hubei.bands.items()}
    assert bands == {
        Level.ACHIEVED: (80, 100, True),
        Level.PARTIAL: (50, 80, False),
        Level.NOT_ACHIEVED: (0, 50, False),
    }
    assert hubei.reverse_rule == "ratio" and hubei.inherits == ("national",)


def test_every_key_of_a_profile_is_documented_in_the_national_file() -> None:
    text = (Path(__file__).parents[1] / "sheetperf" / "rules" / "profiles" / "national.toml").read_text(encoding="utf-8")
    for key in KEYS:
        assert re.search(rf"^#?\s*\[*{key}\b", text, flags=re.M), key
    assert "high_inclusive" in text


def test_profiles_command_lists_the_shipped_profiles() -> None:
    result = CliRunner().invoke(main, ["profiles"])
    assert result.exit_code == 0
    for name in available_profiles():
        assert re.search(rf"^{name}\s+{re.escape(get_profile(name).title)}", result.output, flags=re.M), name
    assert "上海市（默认）" in result.output


@pytest.mark.parametrize("name", ["hubei", str(PROFILE_DIR / "caps_deduction.toml")], ids=["hubei", "file"])
def test_profiles_show_prints_every_setting(name: str) -> None:
    result = CliRunner().invoke(main, ["profiles", "show", name])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    labels = [line.split()[0] for line in lines if not line.startswith(" ")]
    assert labels == [label for label, _ in profile_settings(get_profile(name))]
    starts = {display_width(line) - display_width(line.lstrip(" ")) for line in lines if line.startswith(" ")}
    value_columns = {
        display_width(line[: len(line) - len(line[len(line.split()[0]) :].lstrip(" "))]) for line in lines if not line.startswith(" ")
    }
    assert len(value_columns) == 1 and starts <= value_columns  # values aligned in one column


def test_profiles_show_of_the_caps_profile_names_its_rules() -> None:
    result = CliRunner().invoke(main, ["profiles", "show", str(PROFILE_DIR / "caps_deduction.toml")])
    out = result.output
    assert "执行率低于 60% 时总分最高 69 分" in out and "执行率低于 80% 时总分最高 89 分" in out
    assert "实际值达到正向目标值的 1.5 倍及以上，扣分值的 20%" in out
    assert "0 位（整数）" in out and "继承自" in out and "shanghai、national" in out


def test_profiles_show_refuses_an_unknown_profile(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["profiles", "show", "atlantis"])
    assert result.exit_code == 2 and "未知的规则配置 'atlantis'" in result.output
    bad = _write(tmp_path, "decimals = 7\n")
    result = CliRunner().invoke(main, ["profiles", "show", bad])
    assert result.exit_code == 2 and "decimals" in result.output and "Traceback" not in result.output


def test_readme_example_profile_is_the_tested_file() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    assert (PROFILE_DIR / "example.toml").read_text(encoding="utf-8") in blocks


def test_a_profile_with_its_rules_built_pickles() -> None:
    """Worker processes started by spawn receive the profile pickled."""
    import pickle

    profile = get_profile(str(PROFILE_DIR / "caps_deduction.toml"))
    assert profile.grade_for(Decimal(95)) == "优"  # builds and compiles the rules
    copy = pickle.loads(pickle.dumps(profile))
    assert copy == profile and copy.grade_for(Decimal(79)) == "中" and copy.rules.decimals == 0
