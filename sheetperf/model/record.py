"""The form record: a typed model of both forms.

The JSON of a record is exactly the shape of ``shared/cases/*.json``; loading and
dumping is lossless (unknown keys are kept in ``extra`` and written back in
place, numbers keep their int/float type).  Provenance (file, sheet and cell of
each field) travels beside the data in :class:`Provenance` and is emitted only
on request.

Regional forms carry more than the Shanghai layout; those keys are typed too and
written only when a form has them (so a Shanghai record's JSON is unchanged):

* self-evaluation ``texts`` (:data:`SELF_TEXTS`: 其他需要说明事项 ``other_matters``,
  评价结论 ``conclusion``, 存在问题 ``problems``, 改进措施 ``measures``, the form-level
  偏差大或目标未完成原因分析 ``deviation_analysis``), ``filing_unit`` / ``filing_date``
  (ISO ``2021-04-22``), the ticked ``project_category`` / ``project_attribute`` /
  ``project_type``, ``indicator_points`` (年度绩效目标(80分) → 80) and ``level1_points``
  (``产出指标(50分)`` → ``{"产出指标": 50}``; a printed range ``成本指标(0-20)分`` → ``[0, 20]``);
* an indicator's ``measures`` (a separate 改进措施 column);
* ``funds.special_account`` (财政专户管理资金), a fund row like the others;
* a goal table's ``department`` and ``level1_points``, and in its ``budget_yuan`` the
  optional ``current_year_appropriation`` / ``current_year_other`` (:data:`GOAL_BUDGET_EXTRA`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, TypeAlias, TypeVar

from sheetperf.errors import InputError
from sheetperf.model.evidence import Evidence
from sheetperf.vocab.labels import RECORD_MESSAGES as MSG
from sheetperf.vocab.text import os_reason

Number: TypeAlias = int | float
FormKind = Literal["self_evaluation", "goal_table", "monitoring"]

FUND_ROWS: tuple[str, ...] = ("total", "current_year_appropriation", "carryover", "other")
#: Fund rows only some regions print (Sichuan's 财政专户管理资金), written only when present.
OPTIONAL_FUND_ROWS: tuple[str, ...] = ("special_account",)
FUND_COLUMNS: tuple[str, ...] = ("initial_budget", "annual_budget", "executed", "execution_rate")
GOAL_TEXTS: tuple[str, ...] = (
    "overview",
    "basis",
    "necessity",
    "safeguards",
    "implementation_plan",
    "objectives",
)
GOAL_BUDGET: tuple[str, ...] = (
    "project_total",
    "current_year",
    "prior_year_same_project",
    "prior_year_same_project_executed",
)
#: Budget lines of goal tables that split the year's money (财政拨款 / 其他资金), in 元.
GOAL_BUDGET_EXTRA: tuple[str, ...] = ("current_year_appropriation", "current_year_other")
#: Form-level texts of a self-evaluation besides its goal texts (rows below the indicator table).
SELF_TEXTS: tuple[str, ...] = ("other_matters", "conclusion", "problems", "measures", "deviation_analysis")
#: Columns of a monitoring form's funds rows: 年初预算数, 1–N月执行数, 1–N月执行率, 全年预计执行数, 说明.
MONITORING_FUND_COLUMNS: tuple[str, ...] = ("initial_budget", "executed", "execution_rate", "forecast")
#: The header keys the self-evaluation and the monitoring form share (after the year).
HEAD_KEYS: tuple[str, ...] = ("department", "implementing_unit", "slug", "project_name")
#: A level-1 category's points: a number, or the range ``[low, high]`` a form prints.
Points: TypeAlias = "Number | list[Number]"


@dataclass(frozen=True)
class CellRef:
    """Where a field was read from."""

    sheet: str
    cell: str


@dataclass
class Provenance:
    """The source of a record: its file and the cell of each field path."""

    file: str | None = None
    sheet: str | None = None
    cells: dict[str, CellRef] = field(default_factory=dict)
    # What the reader saw beside the values (formulas, template identity, hazards, lines).
    evidence: Evidence = field(default_factory=Evidence)

    def cell_of(self, path: str) -> CellRef | None:
        return self.cells.get(path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "cells": {k: f"{v.sheet}!{v.cell}" for k, v in self.cells.items()},
        }


def _pop_number(data: dict[str, Any], key: str) -> Number | None:
    value = data.pop(key, None)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):  # JSON's 1e400 is inf
            raise InputError(MSG["not_finite"].format(key=key, value=value))
        return value
    raise InputError(MSG["not_number"].format(key=key, value=value))


def _put(out: dict[str, Any], key: str, value: Any, present: set[str]) -> None:
    """Write a key when it has a value or was present in the source."""
    if value is not None or key in present:
        out[key] = value


def _pop_text(data: dict[str, Any], key: str) -> str | None:
    value = data.pop(key, None)
    return None if value is None else _text(value)


def _pop_points(data: dict[str, Any], key: str) -> dict[str, Points]:
    """``level1_points``: category → points, or → ``[low, high]``."""
    raw = data.pop(key, None) or {}
    if not isinstance(raw, dict):
        raise InputError(MSG["not_points_table"].format(key=key, raw=raw))
    out: dict[str, Points] = {}
    for name, value in raw.items():
        if isinstance(value, list):
            if len(value) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value):
                raise InputError(MSG["bad_points"].format(key=key, name=name, value=value))
            out[str(name)] = [value[0], value[1]]
        else:
            label = f"{key}.{name}"
            number = _pop_number({label: value}, label)
            if number is None:
                raise InputError(MSG["bad_points"].format(key=key, name=name, value=value))
            out[str(name)] = number
    return out


def _pop_texts(data: dict[str, Any], key: str) -> dict[str, str]:
    raw = data.pop(key, None) or {}
    if not isinstance(raw, dict):
        raise InputError(MSG["not_object"].format(key=key, raw=raw))
    return {str(k): _text(v) for k, v in raw.items()}


def _pop_fields(
    data: dict[str, Any],
    *,
    numbers: tuple[str, ...] = (),
    texts: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The named fields popped from ``data``: numbers and notes None when absent, texts ``""``."""
    values: dict[str, Any] = {key: _pop_number(data, key) for key in numbers}
    values.update((key, _text(data.pop(key, ""))) for key in texts)
    values.update((key, _pop_text(data, key)) for key in notes)
    return values


class _Row(Protocol):
    """A row of a table in a form (a fund row, an indicator): what it keeps of its source."""

    extra: dict[str, Any]
    present: set[str]


_R = TypeVar("_R", bound=_Row)


def _row_from_dict(
    make: Callable[..., _R],
    data: dict[str, Any],
    *,
    numbers: tuple[str, ...] = (),
    texts: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
) -> _R:
    """A row of the named fields of ``data`` (:func:`_pop_fields`); the keys it does not name are
    kept as the row's extra, the keys the source had as its ``present``."""
    rest = dict(data)
    row = make(**_pop_fields(rest, numbers=numbers, texts=texts, notes=notes))
    row.extra, row.present = rest, set(data)
    return row


def _row_to_dict(row: _Row, always: tuple[str, ...], when_present: tuple[str, ...]) -> dict[str, Any]:
    """A row as JSON: the fields ``always`` written, then those written when they have a value or the
    source had them, then the keys the source had besides."""
    out: dict[str, Any] = {key: getattr(row, key) for key in always}
    for key in when_present:
        _put(out, key, getattr(row, key), row.present)
    out.update(row.extra)
    return out


def _pop_int(data: dict[str, Any], key: str) -> int | None:
    value = data.pop(key, None)
    return None if value is None else int(value)


def _pop_head(data: dict[str, Any]) -> dict[str, Any]:
    """What the self-evaluation's and the monitoring form's header hold: year, 主管部门, 实施单位, slug
    and 项目名称."""
    data.pop("form", None)
    return {
        "year": _pop_int(data, "year"),
        "slug": data.pop("slug", None),
        **_pop_fields(data, texts=("department", "implementing_unit", "project_name")),
    }


def _record_to_dict(record: Record, **as_json: Any) -> dict[str, Any]:
    """A record as JSON: its ``KEYS`` in order, an ``OPTIONAL`` one only when it has a value or the
    source had it; the values ``as_json`` gives (funds, indicators) for theirs, tables copied; then
    the extra keys; the source's key order kept."""
    values: dict[str, Any] = {}
    for key in record.KEYS:
        value = as_json[key] if key in as_json else getattr(record, key)
        if key in record.OPTIONAL and (value is None or value == {}) and key not in record.order:
            continue
        values[key] = dict(value) if isinstance(value, dict) else value
    values.update(record.extra)
    return _ordered(values, record.order)


@dataclass
class FundRow:
    """One funding row (年度资金总额, 当年财政拨款, 上年结转资金, 其他资金)."""

    initial_budget: Number | None = None
    annual_budget: Number | None = None
    executed: Number | None = None
    execution_rate: Number | None = None
    weight: Number | None = None
    score: Number | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    present: set[str] = field(default_factory=set, repr=False, compare=False)

    #: Every field is a number, written when it has one or the source had the key.
    NUMBERS: ClassVar[tuple[str, ...]] = (*FUND_COLUMNS, "weight", "score")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FundRow:
        return _row_from_dict(cls, data, numbers=cls.NUMBERS)

    def to_dict(self) -> dict[str, Any]:
        return _row_to_dict(self, (), self.NUMBERS)


def _pop_rows(data: dict[str, Any], row: Callable[[dict[str, Any]], _R]) -> dict[str, _R]:
    """The four fund rows every form has, popped from a funds block."""
    return {name: row(data.pop(name, {}) or {}) for name in FUND_ROWS}


def _rows_to_dict(rows: dict[str, FundRow] | dict[str, MonitoringFundRow], extra: dict[str, Any]) -> dict[str, Any]:
    """A funds block as JSON: each row's dict, then the keys the source had besides."""
    out: dict[str, Any] = {name: row.to_dict() for name, row in rows.items()}
    out.update(extra)
    return out


@dataclass
class Funds:
    total: FundRow = field(default_factory=FundRow)
    current_year_appropriation: FundRow = field(default_factory=FundRow)
    carryover: FundRow = field(default_factory=FundRow)
    other: FundRow = field(default_factory=FundRow)
    #: 财政专户管理资金 (Sichuan), None when the form has no such row.
    special_account: FundRow | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Funds:
        data = dict(data)
        rows = _pop_rows(data, FundRow.from_dict)
        special = data.pop("special_account", None)
        return cls(**rows, special_account=None if special is None else FundRow.from_dict(special), extra=data)

    def rows(self) -> dict[str, FundRow]:
        """Every fund row the form has: the four of every form, then the optional ones present."""
        out: dict[str, FundRow] = {name: getattr(self, name) for name in FUND_ROWS}
        for name in OPTIONAL_FUND_ROWS:
            row = getattr(self, name)
            if row is not None:
                out[name] = row
        return out

    def to_dict(self) -> dict[str, Any]:
        return _rows_to_dict(self.rows(), self.extra)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Indicator:
    """One row of the indicator table (绩效指标).

    ``actual``, ``score`` and ``deviation`` belong to the self-evaluation; a goal
    table's indicator has a target and, in some regions, a weight.
    """

    level1: str = ""
    level2: str = ""
    name: str = ""
    target: str = ""
    actual: str | None = None
    weight: Number | None = None
    score: Number | None = None
    deviation: str | None = None
    #: 改进措施 written in a column of its own (Sichuan); None when the form has none.
    measures: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    present: set[str] = field(default_factory=set, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Indicator:
        return _row_from_dict(
            cls,
            data,
            texts=("level1", "level2", "name", "target"),
            notes=("actual", "deviation", "measures"),
            numbers=("weight", "score"),
        )

    def to_dict(self, form: FormKind = "self_evaluation") -> dict[str, Any]:
        out: dict[str, Any] = {
            "level1": self.level1,
            "level2": self.level2,
            "name": self.name,
            "target": self.target,
        }
        if form == "self_evaluation":
            out["actual"] = self.actual if self.actual is not None else ""
            out["weight"] = self.weight
            out["score"] = self.score
            out["deviation"] = self.deviation if self.deviation is not None else ""
        else:
            for key in ("actual", "weight", "score", "deviation"):
                _put(out, key, getattr(self, key), self.present)
        if self.measures is not None:
            out["measures"] = self.measures
        out.update(self.extra)
        return out


@dataclass
class SelfEvaluation:
    """财政项目支出绩效自评表."""

    year: int | None = None
    department: str = ""
    implementing_unit: str = ""
    project_name: str = ""
    slug: str | None = None
    funds: Funds = field(default_factory=Funds)
    goal_expected: str = ""
    goal_actual: str = ""
    indicators: list[Indicator] = field(default_factory=list)
    total_weight: Number | None = None
    total_score: Number | None = None
    grade: str | None = None
    # What regional forms print besides (written only when the form has it; see the module doc).
    filing_unit: str | None = None
    filing_date: str | None = None
    project_category: str | None = None
    project_attribute: str | None = None
    project_type: str | None = None
    indicator_points: Number | None = None
    level1_points: dict[str, Points] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance, compare=False, repr=False)
    order: list[str] = field(default_factory=list, repr=False, compare=False)

    form: Literal["self_evaluation"] = "self_evaluation"

    #: The regional keys, in the order they are written after ``grade``.
    REGIONAL_KEYS = (
        "filing_unit",
        "filing_date",
        "project_category",
        "project_attribute",
        "project_type",
        "indicator_points",
        "level1_points",
        "texts",
    )

    #: The keys of its JSON, in order.
    KEYS = ("form", "year", *HEAD_KEYS, "funds", "goal_expected", "goal_actual", "indicators", "total_weight",
            "total_score", "grade", *REGIONAL_KEYS)
    #: The keys written only when they have a value or the source had them.
    OPTIONAL = ("slug", *REGIONAL_KEYS)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SelfEvaluation:
        rest = dict(data)
        record = cls(
            **_pop_head(rest),
            **_pop_fields(
                rest,
                texts=("goal_expected", "goal_actual"),
                numbers=("total_weight", "total_score", "indicator_points"),
                notes=("filing_unit", "filing_date", "project_category", "project_attribute", "project_type"),
            ),
            funds=Funds.from_dict(rest.pop("funds", {}) or {}),
            indicators=[Indicator.from_dict(i) for i in rest.pop("indicators", []) or []],
            grade=rest.pop("grade", None),
            level1_points=_pop_points(rest, "level1_points"),
            texts=_pop_texts(rest, "texts"),
        )
        record.extra, record.order = rest, list(data)
        return record

    def to_dict(self) -> dict[str, Any]:
        indicators = [i.to_dict("self_evaluation") for i in self.indicators]
        return _record_to_dict(self, funds=self.funds.to_dict(), indicators=indicators)


@dataclass
class GoalTable:
    """财政项目支出绩效目标表."""

    year: int | None = None
    applicant_unit: str = ""
    project_name: str = ""
    project_category: str = ""
    planned_start: str = ""
    planned_end: str = ""
    government_procurement: str = ""
    performance_type: str = ""
    slug: str | None = None
    budget_yuan: dict[str, Number | None] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    note: str | None = None
    indicators: list[Indicator] = field(default_factory=list)
    #: 主管部门, where a goal table prints one (None otherwise).
    department: str | None = None
    level1_points: dict[str, Points] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance, compare=False, repr=False)
    order: list[str] = field(default_factory=list, repr=False, compare=False)

    form: Literal["goal_table"] = "goal_table"

    HEADER_KEYS = (
        "applicant_unit",
        "project_name",
        "project_category",
        "planned_start",
        "planned_end",
        "government_procurement",
        "performance_type",
    )

    #: The keys of its JSON, in order.
    KEYS = ("form", "slug", "year", *HEADER_KEYS, "budget_yuan", "texts", "note", "indicators", "department",
            "level1_points")
    #: The keys written only when they have a value or the source had them.
    OPTIONAL = ("slug", "note", "department", "level1_points")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GoalTable:
        rest = dict(data)
        rest.pop("form", None)
        budget_raw = rest.pop("budget_yuan", {}) or {}
        budget: dict[str, Number | None] = {}
        for key, value in budget_raw.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise InputError(MSG["budget_not_number"].format(key=key, value=value))
            budget[key] = value
        header: dict[str, Any] = {key: _text(rest.pop(key, "")) for key in cls.HEADER_KEYS}
        record = cls(
            **header,
            year=_pop_int(rest, "year"),
            slug=rest.pop("slug", None),
            budget_yuan=budget,
            texts={k: _text(v) for k, v in (rest.pop("texts", {}) or {}).items()},
            note=rest.pop("note", None),
            indicators=[Indicator.from_dict(i) for i in rest.pop("indicators", []) or []],
            department=_pop_text(rest, "department"),
            level1_points=_pop_points(rest, "level1_points"),
        )
        record.extra, record.order = rest, list(data)
        return record

    def to_dict(self) -> dict[str, Any]:
        return _record_to_dict(self, indicators=[i.to_dict("goal_table") for i in self.indicators])


@dataclass
class MonitoringFundRow:
    """One funding row of a monitoring form: budget, executed so far, its rate, the year's forecast."""

    initial_budget: Number | None = None
    executed: Number | None = None
    execution_rate: Number | None = None
    forecast: Number | None = None
    #: 说明: why the forecast departs from the budget (required when it is above it).
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    present: set[str] = field(default_factory=set, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MonitoringFundRow:
        return _row_from_dict(cls, data, numbers=MONITORING_FUND_COLUMNS, notes=("note",))

    def to_dict(self) -> dict[str, Any]:
        return _row_to_dict(self, MONITORING_FUND_COLUMNS, ("note",))


@dataclass
class MonitoringFunds:
    total: MonitoringFundRow = field(default_factory=MonitoringFundRow)
    current_year_appropriation: MonitoringFundRow = field(default_factory=MonitoringFundRow)
    carryover: MonitoringFundRow = field(default_factory=MonitoringFundRow)
    other: MonitoringFundRow = field(default_factory=MonitoringFundRow)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MonitoringFunds:
        data = dict(data)
        rows = _pop_rows(data, MonitoringFundRow.from_dict)
        return cls(**rows, extra=data)

    def rows(self) -> dict[str, MonitoringFundRow]:
        return {name: getattr(self, name) for name in FUND_ROWS}

    def to_dict(self) -> dict[str, Any]:
        return _rows_to_dict(self.rows(), self.extra)


def _pop_list(data: dict[str, Any], key: str) -> list[str]:
    raw = data.pop(key, None)
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw] if raw.strip() else []
    if not isinstance(raw, list):
        raise InputError(MSG["not_text_list"].format(key=key, raw=raw))
    return [_text(item) for item in raw if _text(item).strip()]


@dataclass
class MonitoringIndicator:
    """One indicator row of the monitoring form: the goal table's definition and the mid-year state."""

    level1: str = ""
    level2: str = ""
    name: str = ""
    target: str = ""
    #: 1–N月执行情况 (完成值 so far).
    progress: str = ""
    #: 全年预计完成情况.
    forecast: str = ""
    #: 完成目标可能性 (确定能 / 有可能 / 不可能 …, the profile's list).
    possibility: str = ""
    #: 偏差原因 ticked or chosen (经费保障, 制度保障, …: the profile's list).
    reasons: list[str] = field(default_factory=list)
    #: 偏差原因分析 (text).
    deviation: str = ""
    #: 相关建议或举措 (拟采取的措施).
    measures: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    KEYS = ("level1", "level2", "name", "target", "progress", "forecast", "possibility", "reasons", "deviation",
            "measures", "note")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MonitoringIndicator:
        data = dict(data)
        texts: dict[str, Any] = {key: _text(data.pop(key, "")) for key in cls.KEYS if key != "reasons"}
        ind = cls(**texts, reasons=_pop_list(data, "reasons"))
        ind.extra = data
        return ind

    # What the tables that list indicators of every form read (frames, the summary workbook):
    # the value so far stands for the actual; a monitoring form has no weights or scores.
    @property
    def actual(self) -> str:
        return self.progress

    @property
    def weight(self) -> Number | None:
        return None

    @property
    def score(self) -> Number | None:
        return None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {key: getattr(self, key) for key in self.KEYS}
        out["reasons"] = list(self.reasons)
        out.update(self.extra)
        return out


@dataclass
class Monitoring:
    """项目支出绩效目标执行监控表 (the mid-year monitoring form)."""

    year: int | None = None
    #: N of 1–N月: the months the form reports on.
    period: int | None = None
    department: str = ""
    implementing_unit: str = ""
    project_name: str = ""
    slug: str | None = None
    funds: MonitoringFunds = field(default_factory=MonitoringFunds)
    #: 年度总体目标 and its 1–N月执行情况.
    goal_expected: str = ""
    goal_progress: str = ""
    indicators: list[MonitoringIndicator] = field(default_factory=list)
    #: 时间进度(%) and the progress flag (滞后 / 正常) the form states.
    time_progress: Number | None = None
    progress_flag: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance, compare=False, repr=False)
    order: list[str] = field(default_factory=list, repr=False, compare=False)

    form: Literal["monitoring"] = "monitoring"

    #: The keys of its JSON, in order.
    KEYS = ("form", "year", "period", *HEAD_KEYS, "funds", "goal_expected", "goal_progress", "indicators",
            "time_progress", "progress_flag")
    #: The keys written only when they have a value or the source had them.
    OPTIONAL = ("slug",)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Monitoring:
        rest = dict(data)
        record = cls(
            **_pop_head(rest),
            **_pop_fields(
                rest, texts=("goal_expected", "goal_progress"), numbers=("time_progress",), notes=("progress_flag",)
            ),
            period=_pop_int(rest, "period"),
            funds=MonitoringFunds.from_dict(rest.pop("funds", {}) or {}),
            indicators=[MonitoringIndicator.from_dict(i) for i in rest.pop("indicators", []) or []],
        )
        record.extra, record.order = rest, list(data)
        return record

    def to_dict(self) -> dict[str, Any]:
        indicators = [i.to_dict() for i in self.indicators]
        return _record_to_dict(self, funds=self.funds.to_dict(), indicators=indicators)


Record: TypeAlias = SelfEvaluation | GoalTable | Monitoring


def indicators_of(record: Record) -> list[Indicator | MonitoringIndicator]:
    """A record's indicator rows, whichever form (the typed view of ``record.indicators``)."""
    return list(record.indicators)


def _ordered(values: dict[str, Any], order: list[str]) -> dict[str, Any]:
    """Keep the key order of the source; new keys follow in their natural order."""
    out = {key: values[key] for key in order if key in values}
    out.update((key, value) for key, value in values.items() if key not in out)
    return out


def record_from_dict(data: dict[str, Any]) -> Record:
    """Build a record from its JSON object, dispatching on ``form``."""
    if not isinstance(data, dict):
        raise InputError(MSG["not_json_object"])
    form = data.get("form")
    if form == "self_evaluation":
        return SelfEvaluation.from_dict(data)
    if form == "goal_table":
        return GoalTable.from_dict(data)
    if form == "monitoring":
        return Monitoring.from_dict(data)
    raise InputError(MSG["unknown_form"].format(form=form))


def record_to_dict(record: Record, *, provenance: bool = False) -> dict[str, Any]:
    out = record.to_dict()
    if provenance and (record.provenance.file or record.provenance.cells):
        out["source"] = record.provenance.to_dict()
    return out


def load_records_json(path: str | Path) -> list[Record]:
    """Read a JSON file holding one record or a list of records."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(MSG["not_utf8"], file=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            MSG["json_syntax"].format(lineno=exc.lineno, colno=exc.colno, msg=exc.msg), file=str(path)
        ) from exc
    except OSError as exc:
        raise InputError(MSG["unreadable"].format(strerror=os_reason(exc)), file=str(path)) from exc
    items = data if isinstance(data, list) else [data]
    records: list[Record] = []
    for index, item in enumerate(items):
        try:
            record = record_from_dict(item)
        except InputError as exc:
            where = MSG["record_number"].format(index=index + 1) if isinstance(data, list) else ""
            raise InputError(f"{where}{exc}", file=str(path)) from exc
        record.provenance.file = str(path)
        records.append(record)
    return records


def dump_records_json(records: list[Record], *, provenance: bool = False) -> str:
    return json.dumps([record_to_dict(r, provenance=provenance) for r in records], ensure_ascii=False, indent=2)
