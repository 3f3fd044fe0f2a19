"""The declared rules, rendered into a template, compute what Python computes — without LibreOffice.

Every formula of a template (parsing helpers and the rendered rules) is evaluated by the tiny
formula interpreter of tests/formula_interp.py over the cells a department fills, and the
figures are compared with ``score_form`` under the same profile: the seven published forms
and generated records, for every shipped profile and the profile files of tests/profiles/.
LibreOffice stays the conformance test (tests/test_recalc.py).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, SAMPLE_RECORDS
from formula_interp import Sheet
from generators import Computed, collect, mismatches, python_view, self_evaluations, spent
from sheetperf.forms.formulas import form_formulas
from sheetperf.forms.layout import Kind, Layout, Role, get_layout
from sheetperf.model.record import Funds, SelfEvaluation, load_records_json
from sheetperf.rules.expr import PORTABLE_FUNCTIONS
from sheetperf.rules.profiles import Profile, available_profiles, get_profile
from sheetperf.rules.rulebook import RuleBook
from sheetperf.rules.scoring import score_form, total_cap

PROFILE_FILES = sorted((REPO / "tests" / "profiles").glob("*.toml"))
PROFILES = [*available_profiles(), *(str(p) for p in PROFILE_FILES)]
PROFILE_IDS = [Path(p).stem for p in PROFILES]


def sheet_for(record: SelfEvaluation, profile: Profile) -> tuple[Sheet, Layout]:
    """A template of ``record``'s size, filled with its inputs, as the interpreter's sheet."""
    layout = get_layout("self_evaluation", max(1, len(record.indicators)))
    built = form_formulas(layout, profile)
    values: dict[str, Any] = {}
    for item in layout.record_fields:
        if item.kind is Kind.FORMULA:
            continue
        value: Any = record
        for part in item.path.split("."):
            value = getattr(value, part, None)
        if item.role is Role.FIXED and item.path == "funds.total.weight" and value is None:
            value = float(profile.budget_weight)  # the writer's fixed weight cell
        values[item.a1] = value
    table = layout.table
    formulas: dict[str, str] = {}
    for index, indicator in enumerate(record.indicators):
        for column in table.columns:
            if column.kind is Kind.FORMULA:
                continue
            value = getattr(indicator, column.key)
            if column.key == "actual" and "_cell_number" in indicator.extra:
                value = indicator.extra["_cell_number"]
            values[table.a1(index, column.key)] = value
        formulas |= {table.a1(index, key): text for key, text in built.row(index, layout).items()}
    formulas |= {layout.field(path).a1: text for path, text in built.fields.items()}
    return Sheet(values, formulas), layout


def computed(sheet: Sheet, layout: Layout, count: int) -> Computed:
    def shown(a1: str) -> Any:
        value = sheet.value(a1)
        return None if value == "" else value

    table = layout.table
    return Computed(
        rates={row: shown(layout.field(f"funds.{row}.execution_rate").a1) for row in Funds().rows()},
        budget_score=shown(layout.field("funds.total.score").a1),
        scores=[shown(table.a1(i, "score")) for i in range(count)],
        total_weight=shown(layout.field("total_weight").a1),
        total_score=shown(layout.field("total_score").a1),
        grade=shown(layout.field("grade").a1),
        helpers=[],
    )


def _places(value: Any) -> int:
    return max(0, -Decimal(repr(value)).normalize().as_tuple().exponent) if isinstance(value, float) else 0  # type: ignore[operator]


SAMPLES = sorted(SAMPLE_RECORDS.glob("self_evaluation-*.json"))


def published() -> list[tuple[str, SelfEvaluation]]:
    """The six published self-evaluations as printed, and with 75 % and 65 % of the budget spent."""
    out = []
    for path in SAMPLES:
        [record] = load_records_json(path)
        assert isinstance(record, SelfEvaluation)
        out += [(path.stem, record), (f"{path.stem}@75%", spent(record, "0.75")), (f"{path.stem}@65%", spent(record, "0.65"))]
    return out


@pytest.mark.parametrize("name", PROFILES, ids=PROFILE_IDS)
def test_published_forms_compute_the_same_in_the_sheet(name: str) -> None:
    profile = get_profile(name)
    problems = []
    capped = 0
    for label, record in published():
        sheet, layout = sheet_for(record, profile)
        got = computed(sheet, layout, len(record.indicators))
        problems += [f"{label}: {m}" for m in mismatches(record, got, profile)]
        for score in [got.budget_score, *got.scores, got.total_score]:
            assert _places(score) <= profile.decimals, (label, score)
        assert sheet.functions_used <= PORTABLE_FUNCTIONS
        capped += score_form(record, profile).total_cap is not None
    assert len(SAMPLES) == 6
    assert problems == []
    assert (capped > 0) == bool(profile.total_caps)  # totals of 90 and more at 75 % spent are capped


@pytest.mark.parametrize("name", PROFILES, ids=PROFILE_IDS)
def test_generated_records_compute_the_same_in_the_sheet(name: str) -> None:
    profile = get_profile(name)
    problems: list[str] = []
    rules: dict[str, int] = {}
    capped = deducted = 0
    for n, record in enumerate(collect(self_evaluations(), 60)):
        view = python_view(record)
        sheet, layout = sheet_for(record, profile)
        problems += [f"#{n}: {m}" for m in mismatches(view, computed(sheet, layout, len(record.indicators)), profile)]
        result = score_form(view, profile)
        capped += total_cap(profile, result.execution_rate) is not None
        deducted += sum(s.deducted for s in result.indicators)
        for s in result.indicators:
            rules[s.rule.value] = rules.get(s.rule.value, 0) + 1
    assert problems == [], "\n".join(problems[:20])
    assert set(rules) >= {"positive", "reverse", "range", "qualitative", "not_applicable"}, rules
    if profile.total_caps:
        assert capped > 0  # the generator reached rates under the caps
    if profile.over_target is not None:
        assert deducted > 0  # and the deduction


#: The cell (form field or row key) each declared rule fills.  over_target is the deduction's
#: condition: Python reads it as a flag, the sheet has it inside the score formula.
RULE_CELLS = {
    "execution_rate": "funds.total.execution_rate",
    "budget_score": "funds.total.score",
    "na": "row:na",
    "weight_sum": "calc.weight_sum",
    "kept_weight": "calc.kept_weight",
    "na_count": "calc.na_count",
    "effective_weight": "row:ew",
    "over_completion": "row:over",
    "score": "row:score",
    "total_weight": "total_weight",
    "raw_total": "calc.raw_total",
    "total_cap": "calc.total_cap",
    "total": "total_score",
    "grade": "grade",
}


def test_every_declared_rule_fills_a_cell_of_the_template() -> None:
    """No rule only Python evaluates: each rule of the RuleBook is the formula of a template cell."""
    rules = {f.name for f in dataclasses.fields(RuleBook)} - {"decimals", "over_target"}
    assert rules == set(RULE_CELLS)
    layout = get_layout("self_evaluation", 3)
    profile = get_profile(str(REPO / "tests" / "profiles" / "caps_deduction.toml"))
    built = form_formulas(layout, profile)
    for rule, cell in RULE_CELLS.items():
        formula = built.row_templates[cell[4:]] if cell.startswith("row:") else built.fields[cell]
        assert formula.strip("=") and "IFERROR" not in formula, rule
    # The profile's settings are in the formulas: caps, the deduction (the weight less 20 %), integer rounding.
    assert built.fields["calc.total_cap"].count("<") == 3 and ",89," in built.fields["calc.total_cap"]
    assert "*0.8" in built.row_templates["score"] and ",0)" in built.row_templates["score"]
