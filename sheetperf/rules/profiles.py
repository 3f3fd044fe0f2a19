"""Rules profiles: every scoring rule that differs between regions, kept as data.

A profile is a TOML file in ``sheetperf/rules/profiles/`` (or any path given to
``--profile``).  ``inherits`` names a profile whose settings it starts from;
tables are merged key by key, arrays (``grades``, ``total_caps``) and ``level1_split`` replaced.
Every key and value is checked: an unknown key or a bad value is a :class:`ProfileError`
naming the file, the key and what is allowed.  The rules themselves are declared once in
:mod:`sheetperf.rules.rulebook`, parameterised by a :class:`Profile`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from sheetperf.errors import ProfileError
from sheetperf.rules.parsing import Level
from sheetperf.vocab.labels import PROFILE_MESSAGES as MSG
from sheetperf.vocab.text import os_reason

if TYPE_CHECKING:
    from sheetperf.rules.rulebook import RuleBook

DEFAULT_PROFILE: Final = "shanghai"

#: Top-level keys of a profile file.
KEYS: Final[tuple[str, ...]] = (
    "name",
    "title",
    "inherits",
    "budget_weight",
    "indicator_weight",
    "level1_split",
    "reverse_rule",
    "over_completion_ratio",
    "over_target",
    "budget_deviation_below",
    "rescale_not_applicable",
    "decimals",
    "qualitative",
    "total_caps",
    "grades",
    "framework",
    "goal_table",
)
_BAND_KEYS: Final = ("low", "high", "default", "high_inclusive")
_GRADE_KEYS: Final = ("name", "min")
_CAP_KEYS: Final = ("below", "max")
_OVER_TARGET_KEYS: Final = ("ratio", "deduct")
_GOAL_TABLE_KEYS: Final = ("required_level1",)
REVERSE_RULES: Final = ("ratio", "linear")
DECIMALS: Final = (0, 1, 2)
HUNDRED: Final = Decimal(100)


@dataclass(frozen=True)
class Band:
    """Share of the weight (percent) allowed for one achievement level: [low, high) or [low, high]."""

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
class TotalCap:
    """A total is at most ``max`` when the execution rate (%) of the funds total row is below ``below``."""

    below: Decimal
    max: Decimal


@dataclass(frozen=True)
class OverTarget:
    """目标设定偏低: an actual at or above ``ratio`` × a positive target scores the weight less ``deduct`` %."""

    ratio: Decimal
    deduct: Decimal


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
    #: Caps on the total by execution rate, lowest threshold first.
    total_caps: tuple[TotalCap, ...] = ()
    #: The deduction for a target set too low; None = off.
    over_target: OverTarget | None = None
    #: Where it was read from, and the profiles it inherits from (nearest first).
    source: str = ""
    inherits: tuple[str, ...] = ()

    @property
    def total_weight(self) -> Decimal:
        return self.budget_weight + self.indicator_weight

    @property
    def tolerance(self) -> Decimal:
        """Half a unit of the last decimal place of a score (0.005 at two decimals, 0.5 at none)."""
        return Decimal(5).scaleb(-(self.decimals + 1))

    @cached_property
    def rules(self) -> RuleBook:
        """The declared rules under this profile (:func:`sheetperf.rules.rulebook.rulebook`), built once per profile."""
        from sheetperf.rules.rulebook import rulebook

        return rulebook(self)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the built rules (their compiled closures do not pickle; a worker process
        started by spawn rebuilds them on first use)."""
        state = dict(self.__dict__)
        state.pop("rules", None)
        return state

    def grade_for(self, total: Decimal) -> str:
        """The grade of a total, by the declared grade rule (:attr:`RuleBook.grade`)."""
        from sheetperf.rules.expr import evaluate
        from sheetperf.rules.rulebook import TOTAL

        grade = evaluate(self.rules.grade, {TOTAL: total})
        return grade if isinstance(grade, str) else ""


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
            raise ProfileError(MSG["unreadable"].format(detail=os_reason(exc)), file=str(path)) from exc
        except UnicodeDecodeError as exc:
            raise ProfileError(MSG["encoding"], file=str(path)) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError(MSG["syntax"].format(detail=exc), file=str(path)) from exc
    resource = resources.files("sheetperf.rules") / "profiles" / f"{source}.toml"
    if not resource.is_file():
        raise ProfileError(MSG["unknown_profile"].format(name=source, available=", ".join(available_profiles())))
    return tomllib.loads(resource.read_text(encoding="utf-8")), f"{source}.toml"


def _raw(source: str, seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], tuple[str, ...], str]:
    """The merged settings of ``source``, the names it inherits from (nearest first) and where it was read."""
    if source in seen:
        raise ProfileError(MSG["cycle"].format(chain=MSG["chain_sep"].join((*seen, source))))
    data, where = _read(source)
    _check_keys(where, "", data, KEYS)
    parent = data.get("inherits")
    if parent is None:
        return data, (), where
    if not isinstance(parent, str) or not parent:
        raise ProfileError(MSG["bad_text"].format(where=where, key="inherits", value=parent))
    base, lineage, _ = _raw(parent, (*seen, source))
    merged = _merge(base, {k: v for k, v in data.items() if k != "inherits"})
    return merged, (str(base.get("name", parent)), *lineage), where


def _check_keys(where: str, prefix: str, data: Any, allowed: tuple[str, ...]) -> None:
    if not isinstance(data, dict):
        raise ProfileError(MSG["not_table"].format(where=where, key=prefix.rstrip(".") or MSG["top_level"]))
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ProfileError(
            MSG["unknown_key"].format(
                where=where, keys=", ".join(prefix + k for k in unknown), allowed=", ".join(prefix + k for k in allowed)
            )
        )


class _Reader:
    """Typed access to one profile's merged settings, each error naming the file and the key."""

    def __init__(self, data: dict[str, Any], where: str) -> None:
        self.data = data
        self.where = where

    def need(self, table: dict[str, Any], key: str, path: str) -> Any:
        if key not in table:
            raise ProfileError(MSG["missing"].format(where=self.where, name=self.data.get("name"), key=path))
        return table[key]

    def number(self, value: Any, key: str, low: Decimal | None = None, high: Decimal | None = None) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ProfileError(MSG["not_number"].format(where=self.where, key=key, value=value))
        try:
            number = Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - TOML numbers are finite or inf/nan
            number = Decimal("NaN")
        if not number.is_finite() or (low is not None and number < low) or (high is not None and number > high):
            bounds = MSG["at_least"] if high is None else MSG["between"]
            shown = bounds.format(low=_plain(low or Decimal(0)), high=_plain(high or Decimal(0)))
            raise ProfileError(MSG["out_of_range"].format(where=self.where, key=key, value=value, range=shown))
        return number

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ProfileError(MSG["bad_text"].format(where=self.where, key=key, value=value))
        return value

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise ProfileError(MSG["not_bool"].format(where=self.where, key=key, value=value))
        return value

    def choice(self, value: Any, key: str, allowed: tuple[Any, ...]) -> Any:
        if isinstance(value, bool) or value not in allowed:
            raise ProfileError(
                MSG["bad_choice"].format(
                    where=self.where, key=key, value=value, allowed=MSG["list_sep"].join(str(a) for a in allowed)
                )
            )
        return value

    def array(self, value: Any, key: str) -> list[Any]:
        if not isinstance(value, list):
            raise ProfileError(MSG["not_array"].format(where=self.where, key=key))
        return value


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _bands(r: _Reader, data: dict[str, Any]) -> dict[Level, Band]:
    spec = r.need(data, "qualitative", "qualitative")
    _check_keys(r.where, "qualitative.", spec, tuple(level.value for level in Level))
    bands: dict[Level, Band] = {}
    for level in Level:
        key = f"qualitative.{level.value}"
        item = r.need(spec, level.value, key)
        _check_keys(r.where, key + ".", item, _BAND_KEYS)
        low = r.number(r.need(item, "low", f"{key}.low"), f"{key}.low", Decimal(0), HUNDRED)
        high = r.number(r.need(item, "high", f"{key}.high"), f"{key}.high", Decimal(0), HUNDRED)
        inclusive = r.boolean(item.get("high_inclusive", level is Level.ACHIEVED), f"{key}.high_inclusive")
        default = r.number(r.need(item, "default", f"{key}.default"), f"{key}.default", Decimal(0), HUNDRED)
        band = Band(low, high, default, inclusive)
        if low >= high:
            raise ProfileError(MSG["band_order"].format(where=r.where, key=key, low=_plain(low), high=_plain(high)))
        if not band.contains(default):
            raise ProfileError(
                MSG["band_default"].format(
                    where=r.where, key=key, default=_plain(default), band=_band_text(band)
                )
            )
        bands[level] = band
    return bands


def _band_text(band: Band) -> str:
    return f"[{_plain(band.low)}, {_plain(band.high)}{']' if band.high_inclusive else ')'}"


def _grades(r: _Reader, data: dict[str, Any]) -> tuple[Grade, ...]:
    items = r.array(r.need(data, "grades", "grades"), "grades")
    grades: list[Grade] = []
    for n, item in enumerate(items):
        key = f"grades[{n}]"
        _check_keys(r.where, key + ".", item, _GRADE_KEYS)
        name = r.text(r.need(item, "name", f"{key}.name"), f"{key}.name")
        grades.append(Grade(name, r.number(r.need(item, "min", f"{key}.min"), f"{key}.min", Decimal(0))))
    if not grades:
        raise ProfileError(MSG["no_grades"].format(where=r.where))
    names = [g.name for g in grades]
    mins = [g.min for g in grades]
    if len(set(names)) != len(names) or len(set(mins)) != len(mins):
        raise ProfileError(MSG["grades_repeat"].format(where=r.where))
    return tuple(sorted(grades, key=lambda g: g.min, reverse=True))


def _caps(r: _Reader, data: dict[str, Any], total: Decimal) -> tuple[TotalCap, ...]:
    caps: list[TotalCap] = []
    for n, item in enumerate(r.array(data.get("total_caps", []), "total_caps")):
        key = f"total_caps[{n}]"
        _check_keys(r.where, key + ".", item, _CAP_KEYS)
        below = r.number(r.need(item, "below", f"{key}.below"), f"{key}.below", Decimal(0), HUNDRED)
        cap = r.number(r.need(item, "max", f"{key}.max"), f"{key}.max", Decimal(0), total)
        caps.append(TotalCap(below, cap))
    caps.sort(key=lambda c: c.below)
    for lower, upper in pairwise(caps):
        if lower.below == upper.below or lower.max > upper.max:
            raise ProfileError(MSG["caps_order"].format(where=r.where))
    return tuple(caps)


def _over_target(r: _Reader, data: dict[str, Any]) -> OverTarget | None:
    spec = data.get("over_target")
    if spec is None:
        return None
    _check_keys(r.where, "over_target.", spec, _OVER_TARGET_KEYS)
    ratio = r.number(r.need(spec, "ratio", "over_target.ratio"), "over_target.ratio", Decimal(1))
    deduct = r.number(r.need(spec, "deduct", "over_target.deduct"), "over_target.deduct", Decimal(0), HUNDRED)
    return OverTarget(ratio, deduct) if deduct > 0 else None


def _build(data: dict[str, Any], where: str, lineage: tuple[str, ...]) -> Profile:
    r = _Reader(data, where)
    name = r.text(r.need(data, "name", "name"), "name")
    budget_weight = r.number(r.need(data, "budget_weight", "budget_weight"), "budget_weight", Decimal(0))
    indicator_weight = r.number(r.need(data, "indicator_weight", "indicator_weight"), "indicator_weight", Decimal(0))
    total = budget_weight + indicator_weight
    if total <= 0:
        raise ProfileError(MSG["no_total"].format(where=where))
    split_spec = r.need(data, "level1_split", "level1_split")
    if not isinstance(split_spec, dict):
        raise ProfileError(MSG["not_table"].format(where=where, key="level1_split"))
    split = {str(k): r.number(v, f"level1_split.{k}", Decimal(0), total) for k, v in split_spec.items()}
    framework_spec = r.need(data, "framework", "framework")
    if not isinstance(framework_spec, dict):
        raise ProfileError(MSG["not_table"].format(where=where, key="framework"))
    framework = {
        str(k): tuple(r.text(x, f"framework.{k}") for x in r.array(v, f"framework.{k}"))
        for k, v in framework_spec.items()
    }
    goal_spec = data.get("goal_table", {})
    _check_keys(where, "goal_table.", goal_spec, _GOAL_TABLE_KEYS)
    required = tuple(
        r.text(x, "goal_table.required_level1")
        for x in r.array(goal_spec.get("required_level1", []), "goal_table.required_level1")
    )
    return Profile(
        name=name,
        title=r.text(data.get("title", name), "title"),
        budget_weight=budget_weight,
        indicator_weight=indicator_weight,
        level1_split=split,
        reverse_rule=r.choice(r.need(data, "reverse_rule", "reverse_rule"), "reverse_rule", REVERSE_RULES),
        over_completion_ratio=r.number(
            r.need(data, "over_completion_ratio", "over_completion_ratio"), "over_completion_ratio", Decimal(1)
        ),
        budget_deviation_below=r.number(
            r.need(data, "budget_deviation_below", "budget_deviation_below"),
            "budget_deviation_below",
            Decimal(0),
            HUNDRED,
        ),
        rescale_not_applicable=r.boolean(
            r.need(data, "rescale_not_applicable", "rescale_not_applicable"), "rescale_not_applicable"
        ),
        decimals=int(r.choice(r.need(data, "decimals", "decimals"), "decimals", DECIMALS)),
        bands=_bands(r, data),
        grades=_grades(r, data),
        framework=framework,
        goal_required_level1=required,
        total_caps=_caps(r, data, total),
        over_target=_over_target(r, data),
        source=where,
        inherits=lineage,
    )


def get_profile(name: str = DEFAULT_PROFILE) -> Profile:
    """Load a profile by name (``shanghai``) or by the path of a TOML file.

    A file given by path is read on every call (the user may have just changed it); a shipped
    profile is package data, built once per process.
    """
    if name.endswith(".toml") or Path(name).is_file():
        data, lineage, where = _raw(name)
        return _build(data, where, lineage)
    return _shipped_profile(name)


@cache  # keyed by shipped names only: a constant of the package, not a cache of input
def _shipped_profile(name: str) -> Profile:
    data, lineage, where = _raw(name)
    return _build(data, where, lineage)


def available_profiles() -> list[str]:
    folder = resources.files("sheetperf.rules") / "profiles"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


__all__ = [
    "DEFAULT_PROFILE",
    "KEYS",
    "Band",
    "Grade",
    "OverTarget",
    "Profile",
    "TotalCap",
    "available_profiles",
    "get_profile",
]
