"""Choosing the rules profile a form follows from what the form itself states (``--profile auto``).

Regions print the settings that matter on the form: the budget execution's points
(``预算执行情况(万元)(20分)``, a 分值 of 20 beside 年度资金总额), the indicators' points
(``年度绩效目标(80分)``), the qualitative bands in a note (``100%-80%、80%-50%、50%-0%``).
:func:`choose_profile` compares those statements with every shipped profile and takes the one
that agrees with all of them, preferring the default; a sheetperf template names its own
profile.  The choice carries its reason in Chinese, so a report can say per form which
profile was used and why.  Nothing here looks at region names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from sheetperf.errors import SheetperfError
from sheetperf.model.record import Record, SelfEvaluation
from sheetperf.rules.parsing import Level, parse_number
from sheetperf.rules.profiles import DEFAULT_PROFILE, Profile, available_profiles, get_profile
from sheetperf.vocab import words
from sheetperf.vocab.labels import PROFILE_CHOICE_MESSAGES as MSG

#: The value of ``--profile`` that chooses per form.
AUTO: Final = "auto"

#: A band printed in a note: ``100%-80%``, ``80%－50%``, ``50%~0%`` (matched after NFKC folding,
#: separated as a range target is: words.RANGE_SEPARATORS).
_BAND_RE: Final = re.compile(
    rf"(\d{{1,3}})\s*%\s*(?:{'|'.join(re.escape(s) for s in words.RANGE_SEPARATORS)})\s*(\d{{1,3}})\s*%"
)


@dataclass(frozen=True)
class StatedRules:
    """What a form states about its scoring rules (None where it says nothing)."""

    budget_weight: Decimal | None = None
    indicator_weight: Decimal | None = None
    #: The lower edges of the qualitative bands printed in a note, highest first (80, 50, 0).
    band_lows: tuple[Decimal, ...] | None = None
    #: The profile a sheetperf template was made with.
    template_profile: str = ""

    @property
    def empty(self) -> bool:
        return (
            self.budget_weight is None
            and self.indicator_weight is None
            and self.band_lows is None
            and not self.template_profile
        )

    def describe(self) -> str:
        """The statements in words (for the reason of a choice)."""
        parts: list[str] = []
        if self.budget_weight is not None:
            parts.append(MSG["stated_budget"].format(points=_points(self.budget_weight)))
        if self.indicator_weight is not None:
            parts.append(MSG["stated_indicators"].format(points=_points(self.indicator_weight)))
        if self.band_lows is not None:
            parts.append(MSG["stated_bands"].format(bands="/".join(_points(b) for b in self.band_lows)))
        return MSG["stated_sep"].join(parts)


def _points(value: Decimal) -> str:
    return f"{value.normalize():f}"


def stated_rules(record: Record) -> StatedRules:
    """What ``record`` states about its rules: printed points, printed bands, a template's profile."""
    evidence = record.provenance.evidence
    template = evidence.template.profile if evidence.template is not None else ""
    if not isinstance(record, SelfEvaluation):
        return StatedRules(template_profile=template)
    budget = parse_number(record.funds.total.weight) if record.funds.total.weight is not None else None
    indicators = parse_number(record.indicator_points) if record.indicator_points is not None else None
    return StatedRules(budget, indicators, printed_bands(evidence.notes), template)


def printed_bands(notes: list[str]) -> tuple[Decimal, ...] | None:
    """The lower edges of three qualitative bands printed in a note (``100%-80%、80%-50%、50%-0%``)."""
    for note in notes:
        pairs = _BAND_RE.findall(unicodedata.normalize("NFKC", note))
        edges = sorted({min(int(a), int(b)) for a, b in pairs}, reverse=True)
        if len(pairs) >= 3 and len(edges) >= 3:
            return tuple(Decimal(edge) for edge in edges[:3])
    return None


def _agrees(profile: Profile, stated: StatedRules) -> bool:
    if stated.budget_weight is not None and profile.budget_weight != stated.budget_weight:
        return False
    if stated.indicator_weight is not None and profile.indicator_weight != stated.indicator_weight:
        return False
    if stated.band_lows is not None:
        lows = tuple(profile.bands[level].low for level in (Level.ACHIEVED, Level.PARTIAL, Level.NOT_ACHIEVED))
        if lows != stated.band_lows:
            return False
    return True


@dataclass(frozen=True)
class ProfileChoice:
    """The profile a form is scored and validated with, and why (Chinese, for people)."""

    profile: Profile
    reason: str
    #: True when the choice was made from the form (``--profile auto``), not given by the user.
    automatic: bool = False

    def describe(self) -> str:
        """``hubei（湖北省）：表中预算执行为 20 分`` — how a report names the profile."""
        head = MSG["profile"].format(name=self.profile.name, title=self.profile.title)
        return MSG["profile_reason"].format(head=head, reason=self.reason) if self.reason else head


@dataclass
class AutoProfile:
    """``--profile auto``: choose per form from what it states, else ``default``."""

    default: Profile = field(default_factory=lambda: get_profile(DEFAULT_PROFILE))
    #: Every shipped profile, loaded once (a broken one is left out).
    candidates: tuple[Profile, ...] = ()

    def __post_init__(self) -> None:
        if not self.candidates:
            loaded: list[Profile] = []
            for name in available_profiles():
                try:
                    loaded.append(get_profile(name))
                except SheetperfError:
                    continue
            self.candidates = tuple(loaded)

    def choose(self, record: Record) -> ProfileChoice:
        return choose_profile(record, self.default, self.candidates)


ProfileSource = Profile | AutoProfile


def choose_profile(record: Record, default: Profile, candidates: tuple[Profile, ...]) -> ProfileChoice:
    """The profile that agrees with everything ``record`` states, preferring ``default``, then
    ``national``, then the others by name; ``default`` with the reason when none agrees."""
    stated = stated_rules(record)
    if stated.template_profile:
        for profile in (default, *candidates):
            if profile.name == stated.template_profile:
                return ProfileChoice(profile, MSG["template"], automatic=True)
    if stated.budget_weight is None and stated.indicator_weight is None and stated.band_lows is None:
        return ProfileChoice(default, MSG["nothing_stated"], automatic=True)
    if _agrees(default, stated):
        return ProfileChoice(default, MSG["agrees"].format(stated=stated.describe()), automatic=True)
    agreeing = sorted((p for p in candidates if _agrees(p, stated)), key=lambda p: (p.name != "national", p.name))
    if agreeing:
        return ProfileChoice(agreeing[0], MSG["agrees"].format(stated=stated.describe()), automatic=True)
    return ProfileChoice(default, MSG["none_agrees"].format(stated=stated.describe()), automatic=True)


def resolve(source: ProfileSource, record: Record) -> ProfileChoice:
    """The profile for one form: the one given, or the one ``--profile auto`` chooses."""
    if isinstance(source, AutoProfile):
        return source.choose(record)
    return ProfileChoice(source, MSG["given"])


def profile_source(name: str) -> ProfileSource:
    """``auto`` or a profile name / TOML path (raises :class:`~sheetperf.errors.ProfileError`)."""
    if name == AUTO:
        return AutoProfile()
    return get_profile(name)


__all__ = [
    "AUTO",
    "AutoProfile",
    "ProfileChoice",
    "ProfileSource",
    "StatedRules",
    "choose_profile",
    "printed_bands",
    "profile_source",
    "resolve",
    "stated_rules",
]
