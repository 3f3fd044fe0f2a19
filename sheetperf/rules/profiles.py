"""Rules profiles: every scoring rule that differs between regions, kept as data.

A profile is a TOML file in ``sheetperf/profiles/`` (or any path given to
``--profile``).  ``inherits`` names a profile whose settings it starts from;
tables are merged key by key, arrays replaced.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

from sheetperf.errors import ProfileError
from sheetperf.rules.parsing import Level

DEFAULT_PROFILE: Final = "shanghai"

_KEYS: Final[frozenset[str]] = frozenset(
    {
        "name",
        "title",
        "inherits",
        "budget_weight",
        "indicator_weight",
        "level1_split",
        "reverse_rule",
        "over_completion_ratio",
        "budget_deviation_below",
        "rescale_not_applicable",
        "decimals",
        "qualitative",
        "grades",
        "framework",
        "goal_table",
    }
)
_BAND_KEYS: Final[frozenset[str]] = frozenset({"low", "high", "default"})


@dataclass(frozen=True)
class Band:
    """Share of the weight (percent) allowed for one achievement level."""

    low: Decimal
    high: Decimal
    default: Decimal
    high_inclusive: bool

    def contains(self, percent: Decimal) -> bool:
        if percent < self.low:
            return False
        return percent <= self.high if self.high_inclusive else percent < self.high


@dataclass(frozen=True)
class Grade:
    name: str
    min: Decimal


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    budget_weight: Decimal
    indicator_weight: Decimal
    level1_split: dict[str, Decimal]
    reverse_rule: Literal["ratio", "linear"]
    over_completion_ratio: Decimal
    budget_deviation_below: Decimal
    rescale_not_applicable: bool
    decimals: int
    bands: dict[Level, Band]
    grades: tuple[Grade, ...]
    framework: dict[str, tuple[str, ...]]
    goal_required_level1: tuple[str, ...]

    @property
    def total_weight(self) -> Decimal:
        return self.budget_weight + self.indicator_weight

    def grade_for(self, total: Decimal) -> str:
        for grade in self.grades:
            if total >= grade.min:
                return grade.name
        return self.grades[-1].name


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "level1_split":
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read(source: str) -> tuple[dict[str, Any], str]:
    path = Path(source)
    if source.endswith(".toml") or path.is_file():
        try:
            return tomllib.loads(path.read_text(encoding="utf-8")), str(path)
        except OSError as exc:
            raise ProfileError(f"无法读取规则配置文件：{exc.strerror}", file=str(path)) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError(f"规则配置文件格式错误：{exc}", file=str(path)) from exc
    resource = resources.files("sheetperf.rules") / "profiles" / f"{source}.toml"
    if not resource.is_file():
        raise ProfileError(f"未知的规则配置 {source!r}；可用：{', '.join(available_profiles())}，或给出 .toml 文件路径")
    return tomllib.loads(resource.read_text(encoding="utf-8")), f"{source}.toml"


def _raw(source: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    if source in seen:
        raise ProfileError(f"规则配置循环继承：{' → '.join((*seen, source))}")
    data, where = _read(source)
    unknown = set(data) - _KEYS
    if unknown:
        raise ProfileError(f"{where}: 未知的设置 {', '.join(sorted(unknown))}；允许的设置：{', '.join(sorted(_KEYS))}")
    parent = data.get("inherits")
    if parent:
        return _merge(_raw(str(parent), (*seen, source)), {k: v for k, v in data.items() if k != "inherits"})
    return data


def _dec(value: Any, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ProfileError(f"规则配置项 {key} 应为数字，实为 {value!r}")
    return Decimal(str(value))


def _build(data: dict[str, Any]) -> Profile:
    try:
        bands: dict[Level, Band] = {}
        for level in Level:
            spec = data["qualitative"][level.value]
            unknown = set(spec) - _BAND_KEYS
            if unknown:
                raise ProfileError(f"qualitative.{level.value}: 未知的设置 {', '.join(sorted(unknown))}")
            band = Band(
                low=_dec(spec["low"], "low"),
                high=_dec(spec["high"], "high"),
                default=_dec(spec["default"], "default"),
                high_inclusive=level is Level.ACHIEVED,
            )
            if not band.contains(band.default):
                raise ProfileError(f"qualitative.{level.value}: 默认值 {band.default} 不在区间内")
            bands[level] = band
        grades = tuple(
            sorted(
                (Grade(str(g["name"]), _dec(g["min"], "grades.min")) for g in data["grades"]),
                key=lambda g: g.min,
                reverse=True,
            )
        )
        reverse_rule = data["reverse_rule"]
        if reverse_rule not in ("ratio", "linear"):
            raise ProfileError(f"reverse_rule 应为 ratio 或 linear，实为 {reverse_rule!r}")
        return Profile(
            name=str(data["name"]),
            title=str(data.get("title", data["name"])),
            budget_weight=_dec(data["budget_weight"], "budget_weight"),
            indicator_weight=_dec(data["indicator_weight"], "indicator_weight"),
            level1_split={k: _dec(v, "level1_split") for k, v in data["level1_split"].items()},
            reverse_rule=reverse_rule,
            over_completion_ratio=_dec(data["over_completion_ratio"], "over_completion_ratio"),
            budget_deviation_below=_dec(data["budget_deviation_below"], "budget_deviation_below"),
            rescale_not_applicable=bool(data["rescale_not_applicable"]),
            decimals=int(data["decimals"]),
            bands=bands,
            grades=grades,
            framework={k: tuple(v) for k, v in data["framework"].items()},
            goal_required_level1=tuple(data.get("goal_table", {}).get("required_level1", ())),
        )
    except KeyError as exc:
        raise ProfileError(f"规则配置 {data.get('name')!r} 缺少设置 {exc.args[0]}") from exc


@lru_cache(maxsize=32)
def get_profile(name: str = DEFAULT_PROFILE) -> Profile:
    """Load a profile by name (``shanghai``) or by the path of a TOML file."""
    return _build(_raw(name))


def available_profiles() -> list[str]:
    folder = resources.files("sheetperf.rules") / "profiles"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))
