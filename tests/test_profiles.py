from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sheetperf.errors import ProfileError
from sheetperf.rules.parsing import Level
from sheetperf.rules.profiles import available_profiles, get_profile


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
