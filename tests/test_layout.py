"""The declared layouts: positions, names, validation of specs, fingerprints."""

from __future__ import annotations

import json
import re

import pytest

from conftest import CASES_DIR
from sheetperf.errors import SpecError
from sheetperf.forms.layout import (
    BLANK_CAPACITY,
    LOCK_GROUPS,
    Kind,
    Role,
    build_layout,
    field_name,
    fingerprint,
    get_layout,
    group_spans,
    indicator_name,
    layout_for,
    locked_content,
    parse_indicator_name,
    spec_of,
)
from sheetperf.model.record import FUND_COLUMNS, FUND_ROWS, GOAL_BUDGET, GOAL_TEXTS, load_records_json

EXCEL_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]{0,254}$")


@pytest.mark.parametrize(
    ("path", "ref"),
    [
        ("project_name", "C3:H3"),
        ("department", "C4:E4"),
        ("implementing_unit", "G4:H4"),
        ("funds.total.initial_budget", "C6"),
        ("funds.total.executed", "E6"),
        ("funds.total.weight", "F6"),
        ("funds.total.execution_rate", "G6"),
        ("funds.total.score", "H6"),
        ("funds.other.executed", "E9"),
        ("funds.carryover.execution_rate", "G8"),
        ("goal_expected", "B11:E11"),
        ("goal_actual", "F11:H11"),
        ("year", "A2:H2"),
        ("total_weight", "F43"),
        ("total_score", "G43"),
        ("grade", "C44:H44"),
    ],
    ids=lambda v: str(v),
)
def test_self_evaluation_cells_match_the_official_form(path: str, ref: str) -> None:
    assert get_layout("self_evaluation").field(path).ref == ref


def test_self_evaluation_table_and_footer_follow_capacity() -> None:
    layout = get_layout("self_evaluation", 6)
    table = layout.table
    assert (table.header_row, table.first_row, table.capacity) == (11, 12, 6)
    assert [c.key for c in table.columns] == [
        "level1",
        "level2",
        "name",
        "target",
        "actual",
        "weight",
        "score",
        "deviation",
    ]
    assert table.a1(0, "target") == "D13"
    assert table.a1(5, "score") == "G18"
    assert layout.field("total_score").a1 == "G19"
    assert layout.field("grade").a1 == "C20"
    assert layout.print_area == (0, 0, 19, 7)
    with pytest.raises(IndexError):
        table.row(6)


def test_every_record_field_of_a_self_evaluation_has_a_cell() -> None:
    layout = get_layout("self_evaluation")
    for row in FUND_ROWS:
        for column in FUND_COLUMNS:
            assert layout.has_field(f"funds.{row}.{column}")
    for path in ("project_name", "department", "implementing_unit", "goal_expected", "goal_actual", "year"):
        assert layout.field(path).kind in (Kind.TEXT, Kind.YEAR)


def test_goal_table_fields() -> None:
    layout = get_layout("goal-table", 71)
    for key in GOAL_TEXTS:
        assert layout.field(f"texts.{key}").last_col == 3
    for key in GOAL_BUDGET:
        assert layout.field(f"budget_yuan.{key}").kind is Kind.NUMBER
    assert layout.field("applicant_unit").ref == "B3:D3"
    assert layout.table.first_row == 17
    assert layout.table.keys == ("level1", "level2", "name", "target")
    assert layout.last_row == 17 + 71 - 1


@pytest.mark.parametrize("form", ["self_evaluation", "goal_table"])
def test_defined_names_are_valid_and_unique(form: str) -> None:
    layout = get_layout(form)
    names = layout.defined_names()
    assert all(EXCEL_NAME.match(n) for n in names)
    # No name may look like a cell reference (A1 or R1C1).
    assert not any(re.fullmatch(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*", n) for n in names)
    assert f"SP_ind_{BLANK_CAPACITY:03d}_name" in names
    project = layout.field("project_name")
    assert names["SP_project_name"].startswith(f"'{layout.sheet_name}'!${project.a1[0]}$")
    assert len({v for k, v in names.items() if k.startswith("SP_ind_0")}) == sum(
        1 for k in names if k.startswith("SP_ind_0")
    )


def test_name_helpers_round_trip() -> None:
    assert field_name("funds.total.executed") == "SP_funds_total_executed"
    assert indicator_name(11, "score") == "SP_ind_012_score"
    assert parse_indicator_name("SP_ind_012_score") == (11, "score")
    assert parse_indicator_name("SP_project_name") is None


def test_locate_any_record_path() -> None:
    layout = get_layout("self_evaluation", 18)
    assert layout.locate("indicators[3].weight") == (15, 5)
    assert layout.locate("funds.total.score") == (5, 7)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s.update(colour="red"), "colour"),
        (lambda s: s["fields"]["project_name"].update(colour="red"), "colour"),
        (lambda s: s["table"]["columns"]["name"].update(width=3), "width"),
        (lambda s: s["fields"]["project_name"].update(kind="picture"), "picture"),
        (lambda s: s["fields"]["project_name"].update(cell="A3"), "A3"),
        (lambda s: s["footer"].update(extra=[]), "extra"),
        (lambda s: s["fields"]["goal_actual"].update(valign="bottom"), "bottom"),
        (lambda s: s["table"]["columns"]["deviation"].update(valign="middle"), "middle"),
        (lambda s: s.update(page_breaks=[500]), "page_breaks"),
    ],
    ids=["top", "field", "column", "bad-kind", "overlap", "footer", "field-valign", "column-valign", "page-break"],
)
def test_unknown_keys_and_conflicts_raise_spec_error(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    spec = spec_of("self_evaluation")
    mutate(spec)
    with pytest.raises(SpecError, match=message):
        build_layout(spec)


def test_presentation_is_declared_with_the_layout() -> None:
    goal = get_layout("goal_table")
    assert goal.page_breaks == (goal.field("goal_heading").row,)  # the goal block starts a page
    assert {f.path for f in goal.fields if f.valign == "top"} == {f"texts.{k}" for k in GOAL_TEXTS}
    self_evaluation = get_layout("self_evaluation")
    assert self_evaluation.page_breaks == ()
    assert {f.path for f in self_evaluation.fields if f.valign == "top"} == {"goal_expected", "goal_actual"}
    assert [c.key for c in self_evaluation.table.columns if c.valign == "top"] == ["deviation"]


def test_unknown_form_and_field() -> None:
    with pytest.raises(SpecError, match="goal_table"):
        get_layout("budget")
    with pytest.raises(SpecError, match="project_name"):
        get_layout("self_evaluation").field("project")
    with pytest.raises(SpecError):
        get_layout("self_evaluation", 0)


def test_roles() -> None:
    layout = get_layout("self_evaluation")
    assert layout.field("funds.total.executed").role is Role.INPUT
    assert layout.field("funds.total.weight").role is Role.FIXED
    assert layout.table.column("target").role is Role.DEFINITION
    assert layout.table.column("score").role is Role.FORMULA
    assert all(h.role is Role.FORMULA for h in layout.table.helpers)
    assert min(h.col for h in layout.table.helpers) > layout.ncols


@pytest.mark.parametrize(
    ("values", "parents", "spans"),
    [
        (["a", "a", "b"], None, [(0, 1), (2, 2)]),
        (["x", "x", "x"], ["p", "q", "q"], [(0, 0), (1, 2)]),
        (["", ""], None, [(0, 0), (1, 1)]),
        ([], None, []),
    ],
    ids=["runs", "parents", "empty-values", "none"],
)
def test_group_spans(values: list[str], parents: list[str] | None, spans: list[tuple[int, int]]) -> None:
    assert group_spans(values, parents) == spans


def test_fingerprint_covers_only_the_locked_content() -> None:
    path = CASES_DIR / "self_evaluation-2023-jiaoliu-tuiguang.json"
    record = load_records_json(path)[0]
    base = fingerprint(record, LOCK_GROUPS)
    assert re.fullmatch(r"[0-9a-f]{64}", base)
    # Inputs do not change it.
    changed = load_records_json(path)[0]
    changed.indicators[0].actual = "0.00(场)"
    changed.funds.total.executed = 0.5
    assert fingerprint(changed, LOCK_GROUPS) == base
    # A locked target does.
    changed.indicators[0].target = "=2(场)"
    assert fingerprint(changed, LOCK_GROUPS) != base
    # Weights count only when locked; 20 and 20.0 are the same weight.
    changed = load_records_json(path)[0]
    changed.indicators[0].weight = 20.0
    assert fingerprint(changed, LOCK_GROUPS) == base
    changed.indicators[0].weight = 21
    assert fingerprint(changed, ("project", "indicators")) == fingerprint(record, ("project", "indicators"))
    assert json.dumps(locked_content(record, ()), ensure_ascii=False) == ('{"form": "self_evaluation", "locked": []}')
    with pytest.raises(SpecError, match="funds"):
        fingerprint(record, ("funds",))


def test_layout_for_record_has_room_for_its_indicators() -> None:
    path = CASES_DIR / "self_evaluation-2023-hetong-dengji-guanlifei.json"
    record = load_records_json(path)[0]
    assert layout_for(record).table.capacity == 18
    assert layout_for(None, "self_evaluation").table.capacity == BLANK_CAPACITY
