"""The monitoring form (项目支出绩效目标执行监控表): layout, profile settings, rules, template, fill, read,
validation, and LibreOffice computing what Python computes."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import partial
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from monitoring_forms import Return, build_huangshi, build_national, filled, goal_table, published_case

from sheetperf.checks.validation import validate_against_goals, validate_record
from sheetperf.cli import main
from sheetperf.errors import ProfileError
from sheetperf.forms.layout import get_layout
from sheetperf.io.filler import fill_workbook
from sheetperf.io.reader import read_workbook
from sheetperf.io.writer import write_template
from sheetperf.model.record import Monitoring, dump_records_json, record_from_dict
from sheetperf.rules.monitoring import monitor_form, possibility_kind
from sheetperf.rules.profiles import get_profile

SHANGHAI = get_profile("shanghai")
HUBEI = get_profile("hubei")


def prefilled(tmp_path: Path, *, period: int = 6, name: str = "t.xlsx") -> tuple[Path, Monitoring]:
    """A monitoring template pre-filled from the test goal table, and its record as read back."""
    path = write_template(tmp_path / name, "monitoring", record=goal_table(), period=period)
    [record] = read_workbook(path)
    assert isinstance(record, Monitoring)
    return path, record


def fill(tmp_path: Path, how: Return, *, name: str = "filled.xlsx", period: int = 6) -> tuple[Path, Monitoring]:
    template, record = prefilled(tmp_path, period=period, name=f"t-{name}")
    want = filled(record, how)
    out = fill_workbook(template, want, tmp_path / name)
    return out, want


# --- layout, profile, rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("period", [6, 7, 12], ids=["huangshi-6", "national-7", "year-12"])
def test_period_changes_the_labels_never_a_cell(period: int) -> None:
    layout = get_layout("monitoring", 4, period)
    texts = {label.text for label in layout.labels}
    assert f"1-{period}月执行数" in texts and f"1-{period}月执行率(%)" in texts
    assert layout.table.column("progress").header == f"1-{period}月执行情况"
    assert layout.defined_names() == get_layout("monitoring", 4, 7).defined_names()


@pytest.mark.parametrize(
    ("profile", "period", "last"),
    [("national", 7, "完全不可能"), ("shanghai", 7, "完全不可能"), ("hubei", 6, "不可能")],
    ids=["national", "shanghai-inherits", "hubei-huangshi"],
)
def test_profiles_carry_the_monitoring_settings(profile: str, period: int, last: str) -> None:
    settings = get_profile(profile).monitoring
    assert (settings.period, settings.possibility[0], settings.possibility[-1]) == (period, "确定能", last)
    assert settings.lag_threshold == Decimal(15)
    assert "硬件条件保障" in settings.reasons


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("[monitoring]\nperiod = 13\n", "monitoring.period"),
        ("[monitoring]\nlag = 5\n", "monitoring.lag"),
        ('[monitoring]\npossibility = ["确定能"]\n', "monitoring.possibility"),
    ],
    ids=["period-13", "unknown-key", "one-choice"],
)
def test_bad_monitoring_settings_name_the_key(tmp_path: Path, body: str, key: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'name = "bad"\ninherits = "national"\n{body}', encoding="utf-8")
    with pytest.raises(ProfileError, match=key.replace(".", r"\.")):
        get_profile(str(path))


@pytest.mark.parametrize(
    ("executed", "budget", "period", "rate", "time", "flag"),
    [
        (50, 100, 6, "50.00", "50.00", "正常"),
        (34.99, 100, 6, "34.99", "50.00", "滞后"),  # 15.01 points behind
        (35, 100, 6, "35.00", "50.00", "正常"),  # exactly the threshold: not beyond it
        (40, 100, 7, "40.00", "58.33", "滞后"),
        (0, 0, 7, "0", "58.33", "滞后"),
        (None, 100, 7, None, "58.33", ""),
    ],
    ids=["on-time", "just-behind", "at-threshold", "national-behind", "no-money-spent", "not-filled"],
)
def test_rates_time_and_flag_from_the_declared_rules(
    executed: float | None, budget: float, period: int, rate: str | None, time: str, flag: str
) -> None:
    record = Monitoring(period=period)
    record.funds.total.executed, record.funds.total.initial_budget = executed, budget
    result = monitor_form(record, SHANGHAI)
    assert result.rate == (None if rate is None else Decimal(rate))
    assert (result.time_progress, result.flag) == (Decimal(time), flag)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("确定能", "on_track"), ("有可能", "likely"), ("不可能", "impossible"), ("完全不可能", "impossible"),
     (" 有 可能 ", "likely"), ("", ""), ("大概", "unknown")],
    ids=["sure", "likely", "impossible", "national-impossible", "spaced", "empty", "other"],
)  # fmt: skip
def test_possibility_words(text: str, kind: str) -> None:
    assert possibility_kind(text) == kind


def test_record_json_round_trip_keeps_every_key() -> None:
    data = {
        "form": "monitoring",
        "year": 2024,
        "period": 6,
        "department": "市民政局",
        "implementing_unit": "市民政服务中心",
        "project_name": "社区养老服务补助",
        "funds": {
            name: {"initial_budget": 10, "executed": 4, "execution_rate": 40.0, "forecast": 10, "note": ""}
            for name in ("total", "current_year_appropriation", "carryover", "other")
        },
        "goal_expected": "a",
        "goal_progress": "b",
        "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "name": "n", "target": "≥1(次)", "progress": "1(次)",
             "forecast": "2(次)", "possibility": "有可能", "reasons": ["经费保障", "其他"], "deviation": "d",
             "measures": "m", "note": ""}
        ],
        "time_progress": 50.0,
        "progress_flag": "正常",
    }  # fmt: skip
    assert record_from_dict(data).to_dict() == data


# --- template, fill, read ---------------------------------------------------------------------------------


def test_template_from_a_goal_table_locks_the_goals_and_offers_the_lists(tmp_path: Path) -> None:
    path, record = prefilled(tmp_path)
    goal = goal_table()
    assert (record.project_name, record.implementing_unit, record.year, record.period) == (
        goal.project_name,
        goal.applicant_unit,
        2024,
        6,
    )
    assert [(i.name, i.target) for i in record.indicators] == [(i.name, i.target) for i in goal.indicators]
    assert record.goal_expected == goal.texts["objectives"]
    assert record.funds.total.initial_budget == 100  # 1,000,000 元, an input written for the department
    identity = record.provenance.evidence.template
    assert identity is not None and identity.form == "monitoring" and identity.locked == ("project", "indicators")
    book = openpyxl.load_workbook(path)
    ws = book["绩效监控表"]
    layout = get_layout("monitoring", 4, 6)
    assert ws["D5"].value == "1-6月执行数" and ws["I2"].value == 6
    assert ws.protection.sheet
    assert ws[layout.table.a1(0, "target")].protection.locked
    assert not ws[layout.table.a1(0, "possibility")].protection.locked
    sources = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert {"SP_list_possibility", "SP_list_reasons"} <= sources
    lists = book["下拉选项"]
    assert [c.value for c in lists["D"] if c.value] == list(SHANGHAI.monitoring.possibility)
    assert [c.value for c in lists["E"] if c.value] == list(SHANGHAI.monitoring.reasons)
    assert ws[layout.field("progress_flag").a1].value.startswith("=IF(AND(ISNUMBER(E6)")


def test_filled_template_reads_back_what_was_filled(tmp_path: Path) -> None:
    out, want = fill(tmp_path, Return(30, 100, ("确定能", "有可能", "确定能", "不可能")))
    [got] = read_workbook(out)
    assert isinstance(got, Monitoring)
    strip = {"execution_rate", "time_progress", "progress_flag"}  # formulas without a cached value

    def view(record: Monitoring) -> dict[str, object]:
        data = record.to_dict()
        for row in data["funds"].values():
            row.pop("execution_rate")
            row["note"] = row.get("note") or ""
            for key in ("initial_budget", "executed", "forecast"):
                row[key] = None if row[key] is None else float(row[key])
        return {k: v for k, v in data.items() if k not in strip}

    assert view(got) == view(want)
    assert got.indicators[1].reasons == ["经费保障"]


def test_cli_template_fill_read(tmp_path: Path) -> None:
    runner = CliRunner()
    goal_json = tmp_path / "goal.json"
    goal_json.write_text(dump_records_json([goal_table()]), encoding="utf-8")
    template = tmp_path / "监控表.xlsx"
    result = runner.invoke(
        main, ["template", "monitoring", "--from", str(goal_json), "--period", "6", "-o", str(template)]
    )
    assert result.exit_code == 0, result.output
    [record] = read_workbook(template)
    assert isinstance(record, Monitoring)
    record_json = tmp_path / "return.json"
    record_json.write_text(dump_records_json([filled(record, Return(40, 100, ("确定能",) * 4))]), encoding="utf-8")
    out = tmp_path / "filled.xlsx"
    result = runner.invoke(main, ["fill", str(template), str(record_json), "-o", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["read", str(out), "--json"])
    assert result.exit_code == 0, result.output
    [data] = json.loads(result.stdout)
    assert (data["form"], data["period"], data["funds"]["total"]["executed"]) == ("monitoring", 6, 40)
    result = runner.invoke(main, ["template", "monitoring", "--period", "13", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "13" in result.output


def test_self_evaluation_cannot_prefill_a_monitoring_form(tmp_path: Path) -> None:
    runner = CliRunner()
    se = tmp_path / "se.json"
    se.write_text(json.dumps({"form": "self_evaluation", "project_name": "x"}, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(main, ["template", "monitoring", "--from", str(se), "-o", str(tmp_path / "m.xlsx")])
    assert result.exit_code == 2
    assert "监控表只能由绩效目标表或监控表生成" in result.output


# --- validation: planted mistakes, each at its cell -------------------------------------------------------


def _plant(path: Path, out: Path, cells: dict[str, object]) -> Path:
    """Overwrite cells of a filled workbook with openpyxl (strings stay strings)."""
    book = openpyxl.load_workbook(path)
    ws = book["绩效监控表"]
    for a1, value in cells.items():
        ws[a1].value = value
        if isinstance(value, str):
            ws[a1].data_type = "s"
    book.save(out)
    return out


CLEAN = Return(45, 100, ("确定能", "有可能", "确定能", "确定能"))
_LAYOUT = get_layout("monitoring", 4, 6)
PLANTED = {
    # 有可能 with neither reasons nor analysis nor measures
    "possibility-without-reason": (
        {_LAYOUT.table.a1(1, "reasons"): None, _LAYOUT.table.a1(1, "deviation"): None,
         _LAYOUT.table.a1(1, "measures"): None},
        "monitoring_reason_missing", "error", _LAYOUT.table.a1(1, "deviation"),
    ),
    # a rate typed over the formula that does not re-compute from 45 / 100
    "rate-does-not-recompute": (
        {_LAYOUT.field("funds.total.execution_rate").a1: 54.0},
        "monitoring_rate", "error", _LAYOUT.field("funds.total.execution_rate").a1,
    ),
    # 全年预计执行数 above 年初预算数 and no note
    "forecast-above-budget": (
        {_LAYOUT.field("funds.total.forecast").a1: 120.0},
        "monitoring_forecast_over_budget", "warning", _LAYOUT.field("funds.total.forecast").a1,
    ),
    # the rate trailing time (50 %) by more than 15 points
    "lagging": (
        {_LAYOUT.field("funds.total.executed").a1: 20.0},
        "monitoring_lag", "warning", _LAYOUT.field("funds.total.execution_rate").a1,
    ),
    # a target changed from the goal table (the sheet unprotected and retyped)
    "target-changed": (
        {_LAYOUT.table.a1(0, "target"): "≥1000(人次)"},
        "goal_target_changed", "error", _LAYOUT.table.a1(0, "target"),
    ),
}  # fmt: skip


def _findings(path: Path) -> list[tuple[str, str, str | None]]:
    [record] = read_workbook(path)
    found = validate_record(record, HUBEI)
    assert isinstance(record, Monitoring)
    found += validate_against_goals(record, [goal_table()])
    return [(f.rule, f.severity, f.cell) for f in found]


def test_clean_return_has_no_finding(tmp_path: Path) -> None:
    out, _ = fill(tmp_path, CLEAN)
    # a return no spreadsheet program opened: its formulas hold no results, nothing is compared
    assert [f for f in _findings(out) if f[0] != "required_field"] == []


@pytest.mark.parametrize("case", list(PLANTED), ids=list(PLANTED))
def test_planted_mistake_is_found_at_its_cell(tmp_path: Path, case: str) -> None:
    cells, rule, severity, cell = PLANTED[case]
    out, _ = fill(tmp_path, CLEAN)
    planted = _plant(out, tmp_path / f"{case}.xlsx", cells)
    found = _findings(planted)
    assert (rule, severity, cell) in found, found


def test_validate_cli_reports_a_planted_mistake_and_exits_1(tmp_path: Path) -> None:
    out, _ = fill(tmp_path, CLEAN)
    cells, _, _, cell = PLANTED["possibility-without-reason"]
    planted = _plant(out, tmp_path / "bad.xlsx", cells)
    result = CliRunner().invoke(main, ["validate", str(planted), "--profile", "hubei", "--json"])
    assert result.exit_code == 1, result.output
    rows = json.loads(result.stdout)
    assert any(r["rule"] == "monitoring_reason_missing" and r["cell"] == cell for r in rows)


# --- LibreOffice computes what Python computes -----------------------------------------------------------


@pytest.mark.libreoffice
def test_libreoffice_computes_the_rates_and_flags_python_computes(tmp_path: Path) -> None:
    from sheetperf.io.recalc import recalculate

    returns = {
        "on-time": Return(55, 100, ("确定能",) * 4),
        "lagging": Return(20.5, 100, ("确定能", "有可能", "不可能", "确定能")),
        "at-threshold": Return(35, 100, ("确定能",) * 4),
        "national-7": Return(43.33, 100, ("确定能",) * 4),
        # 33.335 % is 33.33499… as a double: Excel's and Python's ROUND take 15 digits first (33.34)
        "awkward-rounding": Return(33.335, 100, ("确定能",) * 4),
    }
    paths: list[Path] = []
    wants: dict[str, Monitoring] = {}
    for name, how in returns.items():
        period = 7 if name == "national-7" else 6
        out, want = fill(tmp_path, how, name=f"{name}.xlsx", period=period)
        paths.append(out)
        wants[name] = want
    blank_prefilled, _ = prefilled(tmp_path, name="prefilled.xlsx")
    paths.append(blank_prefilled)
    outputs = recalculate(paths, tmp_path / "lo")
    layout = get_layout("monitoring", 4)
    for name, output in zip([*returns, "prefilled"], outputs, strict=True):
        [got] = read_workbook(output)
        assert isinstance(got, Monitoring)
        expected = monitor_form(got, SHANGHAI)
        for row in ("total", "current_year_appropriation", "carryover", "other"):
            stated = getattr(got.funds, row).execution_rate
            assert (None if stated is None else Decimal(str(stated))) == expected.rates[row], (name, row)
        assert Decimal(str(got.time_progress)) == expected.time_progress, name
        assert (got.progress_flag or "") == expected.flag, name
        sheet = openpyxl.load_workbook(output, data_only=True)["绩效监控表"]
        need = [sheet[layout.table.a1(i, "need")].value for i in range(len(got.indicators))]
        assert need == [1 if r else 0 for r in expected.reason_required], name
        if name != "prefilled":
            assert got.indicators[1].possibility == wants[name].indicators[1].possibility
    lagging = next(read_workbook(o)[0] for o in outputs if o.stem == "lagging")
    assert lagging.progress_flag == "滞后"
    awkward = next(read_workbook(o)[0] for o in outputs if o.stem == "awkward-rounding")
    assert isinstance(awkward, Monitoring) and awkward.funds.total.execution_rate == 33.34
    # a clean return, its figures calculated by a spreadsheet program: every one compared, none wrong
    [on_time] = read_workbook(next(o for o in outputs if o.stem == "on-time"))
    assert [f.rule for f in validate_record(on_time, SHANGHAI) if f.rule != "required_field"] == []


# --- hand-built forms in the published layouts -------------------------------------------------------------

BUILDERS = {
    "huangshi-1-6": ("huangshi", build_huangshi),
    "national-1-7": ("national", build_national),
    "national-possibility-ticked": ("national", partial(build_national, possibility_ticks=True)),
}


@pytest.mark.parametrize("layout", list(BUILDERS), ids=list(BUILDERS))
def test_hand_built_form_reads_back_exactly(tmp_path: Path, layout: str) -> None:
    name, build = BUILDERS[layout]
    case = published_case(name)
    book = openpyxl.Workbook()
    build(book.active, case)
    path = tmp_path / f"{layout}.xlsx"
    book.save(path)
    [record] = read_workbook(path)
    assert isinstance(record, Monitoring)
    assert json.loads(json.dumps(record.to_dict())) == case
    assert record.provenance.evidence.method == "labels"
    # its cells are where the form prints them: the findings point at them
    possibility = record.provenance.cell_of("indicators[3].possibility")
    assert possibility is not None and possibility.cell == {"huangshi-1-6": "G16", "national-1-7": "L17"}.get(
        layout,
        "N17",  # the ticked 完全不可能
    )


@pytest.mark.parametrize("layout", list(BUILDERS), ids=list(BUILDERS))
def test_hand_built_form_validates_by_its_own_period(tmp_path: Path, layout: str) -> None:
    name, build = BUILDERS[layout]
    case = published_case(name)
    case["indicators"][1]["deviation"] = ""
    case["indicators"][1]["reasons"] = []
    case["indicators"][1]["measures"] = ""
    book = openpyxl.Workbook()
    build(book.active, case)
    book.save(tmp_path / "form.xlsx")
    [record] = read_workbook(tmp_path / "form.xlsx")
    found = {(f.rule, f.cell) for f in validate_record(record, SHANGHAI)}
    lag = ("monitoring_lag", "E6")  # 40.5 % against 50.00 % (1-6月) or 58.33 % (1-7月): > 15 points only at 7
    assert (lag in found) == (name == "national")
    deviation_cell = {"huangshi-1-6": "H14", "national-1-7": "M15"}.get(layout, "O15")
    assert ("monitoring_reason_missing", deviation_cell) in found
    # the national form notes its forecast above the budget; 黄石's has no column to note it in
    assert (("monitoring_forecast_over_budget", "F6") in found) == (name == "huangshi")


# --- the year connected: roster → monitoring → returns → status → 监控汇总 → self-evaluations ---------------

PROJECTS = (
    # (主管部门, 实施单位, 项目名称, what the department returns)
    ("市民政局", "市民政服务中心", "社区养老服务补助", Return(48, 100, ("确定能",) * 4)),
    ("市民政局", "市救助管理站", "临时救助", Return(20, 100, ("确定能", "有可能", "确定能", "确定能"))),
    ("市卫健委", "市疾控中心", "疫苗冷链运维", Return(10, 100, ("确定能", "确定能", "不可能", "有可能"))),
)


def _roster(folder: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    lines = ["年度,主管部门,实施单位,项目名称,绩效目标表"]
    lines += [f"2024,{d},{u},{p},{s}" for d, u, p, s in rows]
    path = folder / "roster.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_year_end_to_end(tmp_path: Path) -> None:
    runner = CliRunner()
    start = tmp_path / "start"
    start.mkdir()
    rows = []
    for department, unit, project, _ in PROJECTS:
        goal = start / f"{project}.json"
        goal.write_text(dump_records_json([goal_table(project, unit)]), encoding="utf-8")
        rows.append((department, unit, project, goal.name))
    roster = _roster(start, rows)

    # 1. the bureau sends the monitoring forms out: the national rules, months 1-6 (--period)
    sent = tmp_path / "sent"
    result = runner.invoke(
        main,
        ["distribute", str(roster), "-o", str(sent), "--form", "monitoring", "--profile", "national", "--period", "6"],
    )
    assert result.exit_code == 0, result.output
    manifest = sent / "manifest.csv"
    forms = sorted(sent.glob("*/*.xlsx"))
    assert len(forms) == 3

    # 2. the departments fill them in: two lag behind time, one forecasts 不可能
    returned = tmp_path / "returned"
    returned.mkdir()
    by_project = {project: how for _, _, project, how in PROJECTS}
    for form in forms:
        [record] = read_workbook(form)
        assert isinstance(record, Monitoring)
        assert record.period == 6 and record.funds.total.initial_budget == 100
        assert record.department in {"市民政局", "市卫健委"}
        fill_workbook(form, filled(record, by_project[record.project_name]), returned / form.name)

    # 3. status: every project returned
    result = runner.invoke(main, ["status", str(manifest), str(returned)])
    assert result.exit_code == 0, result.output
    assert "3" in result.output

    # 4. consolidate: 监控汇总, one row per project, the lagging ones first (farthest behind first)
    summary = tmp_path / "summary.xlsx"
    result = runner.invoke(
        main, ["consolidate", str(returned), "-o", str(summary), "--profile", "national", "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(summary)["监控汇总"]
    header, *table = list(sheet.iter_rows(values_only=True))
    col = {name: header.index(name) for name in header}
    names = [row[col["项目名称"]] for row in table]
    assert names == ["疫苗冷链运维", "临时救助", "社区养老服务补助"]
    assert [row[col["进度预警（重算）"]] for row in table] == ["滞后", "滞后", "正常"]
    assert [row[col["执行率(%)（重算）"]] for row in table] == [10, 20, 48]
    assert [row[col["时间进度(%)"]] for row in table] == [50, 50, 50]
    # the department wrote 不可能; the national list says 完全不可能: the same choice, counted there
    assert [(row[col["确定能（项）"]], row[col["有可能（项）"]], row[col["完全不可能（项）"]]) for row in table] == [
        (2, 1, 1),
        (3, 1, 0),
        (4, 0, 0),
    ]

    # 5. the self-evaluations go out pre-filled from the monitoring returns
    by_name = {read_workbook(p)[0].project_name: p for p in returned.glob("*.xlsx")}
    year_end = tmp_path / "year_end"
    year_end.mkdir()
    roster2 = _roster(year_end, [(d, u, p, str(by_name[p])) for d, u, p, _ in PROJECTS])
    sent2 = tmp_path / "sent2"
    result = runner.invoke(main, ["distribute", str(roster2), "-o", str(sent2), "--profile", "hubei"])
    assert result.exit_code == 0, result.output
    evaluations = sorted(sent2.glob("*/*.xlsx"))
    assert len(evaluations) == 3
    for path in evaluations:
        [evaluation] = read_workbook(path)
        assert evaluation.form == "self_evaluation"
        [source] = read_workbook(by_name[evaluation.project_name])
        assert [(i.name, i.target) for i in evaluation.indicators] == [(i.name, i.target) for i in source.indicators]
        assert evaluation.funds.total.initial_budget == 100
        assert evaluation.provenance.evidence.template is not None
        assert "indicators" in evaluation.provenance.evidence.template.locked


def test_template_self_evaluation_from_a_monitoring_return(tmp_path: Path) -> None:
    out, _ = fill(tmp_path, Return(45, 100, ("确定能",) * 4))
    template = tmp_path / "自评表.xlsx"
    result = CliRunner().invoke(main, ["template", "self-evaluation", "--from", str(out), "-o", str(template)])
    assert result.exit_code == 0, result.output
    [evaluation] = read_workbook(template)
    goal = goal_table()
    assert evaluation.form == "self_evaluation"
    assert (evaluation.project_name, evaluation.implementing_unit) == (goal.project_name, goal.applicant_unit)
    assert [(i.level1, i.name, i.target) for i in evaluation.indicators] == [
        (i.level1, i.name, i.target) for i in goal.indicators
    ]


def test_validate_goals_connects_the_year(tmp_path: Path) -> None:
    """Drift between any two of goal table, monitoring return and self-evaluation, and an indicator
    forecast 不可能 at mid-year that the self-evaluation scores full marks."""
    from sheetperf.model.record import Indicator, SelfEvaluation

    out, monitoring = fill(tmp_path, Return(45, 100, ("确定能", "确定能", "确定能", "不可能")))
    goal = goal_table()
    goal_json = tmp_path / "goal.json"
    goal_json.write_text(dump_records_json([goal]), encoding="utf-8")
    evaluation = SelfEvaluation(
        year=2024, department="市民政局", implementing_unit=goal.applicant_unit, project_name=goal.project_name,
        goal_expected="a", goal_actual="b",
        indicators=[
            Indicator(level1="产出指标", level2="数量指标", name="服务老人人次", target="≥1200(人次)", actual="1300(人次)", weight=30),
            Indicator(level1="产出指标", level2="质量指标", name="服务合格率", target="≥96(%)", actual="97(%)", weight=20),
            Indicator(level1="满意度指标", level2="服务对象满意度指标", name="老人满意度", target="≥90(%)", actual="95(%)", weight=20),
            Indicator(level1="效益指标", level2="社会效益指标", name="新增指标", target="提升", actual="达成指标", weight=20),
        ],
    )  # fmt: skip
    evaluation.funds.total.annual_budget, evaluation.funds.total.executed, evaluation.funds.total.weight = 100, 95, 10
    se_json = tmp_path / "se.json"
    se_json.write_text(dump_records_json([evaluation]), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["validate", str(se_json), "--goals", str(out), "--json"])
    rows = json.loads(result.stdout)
    rules = {(r["rule"], r["field"]) for r in rows}
    assert ("goal_target_changed", "indicators[1].target") in rules  # ≥95(%) at mid-year, ≥96(%) now
    assert ("goal_indicator_added", "indicators[3].name") in rules
    assert ("goal_indicator_dropped", "indicators") in rules  # 居家养老服务水平
    assert ("monitoring_forecast_impossible", "indicators[2].score") in rules  # 不可能 at mid-year, full marks now
    assert any("监控表" in r["message"] for r in rows if r["rule"] == "goal_target_changed")
    # the monitoring return against the goal table: no drift; against a changed goal table: drift
    result = runner.invoke(main, ["validate", str(out), "--goals", str(goal_json), "--json"])
    assert not [r for r in json.loads(result.stdout) if r["rule"].startswith("goal_")]
    goal.indicators[0].target = "≥1500(人次)"
    goal_json.write_text(dump_records_json([goal]), encoding="utf-8")
    result = runner.invoke(main, ["validate", str(out), "--goals", str(goal_json), "--json"])
    changed = [r for r in json.loads(result.stdout) if r["rule"] == "goal_target_changed"]
    assert [r["cell"] for r in changed] == [_LAYOUT.table.a1(0, "target")]
    assert monitoring.indicators[3].possibility == "不可能"


# --- the shipped sample -----------------------------------------------------------------------------------


def test_sample_is_made_for_the_published_goal_tables_project() -> None:
    from conftest import REPO, SAMPLE_RECORDS
    from sheetperf.model.record import load_records_json
    from sheetperf.services import artifacts

    sample = REPO / "samples" / "monitoring-2020-neihan-jianshe.xlsx"
    assert "samples/monitoring-2020-neihan-jianshe.xlsx" in {str(a.path) for a in artifacts.artifacts(REPO)}
    [goal] = load_records_json(SAMPLE_RECORDS / "goal_table-2020-neihan-jianshe.json")
    [record] = read_workbook(sample)
    assert isinstance(record, Monitoring) and record.project_name == "内涵建设经费" and record.period == 7
    assert [(i.level1, i.name, i.target) for i in record.indicators] == [
        (i.level1, i.name, i.target) for i in goal.indicators
    ]
    assert record.funds.total.initial_budget == 553.5  # the goal table's 5,535,000 元
    assert validate_against_goals(record, [goal]) == []
    found = validate_record(record, SHANGHAI)
    assert [f for f in found if f.severity == "error"] == []
    kinds = [possibility_kind(i.possibility) for i in record.indicators]
    assert (kinds.count("likely"), kinds.count("impossible")) == (2, 1)
    assert (REPO / "docs" / "monitoring-2020-neihan-jianshe-1.png").read_bytes()[:4] == b"\x89PNG"


def test_score_skips_a_monitoring_form_and_profiles_show_its_settings(tmp_path: Path) -> None:
    out, _ = fill(tmp_path, CLEAN)
    runner = CliRunner()
    result = runner.invoke(main, ["score", str(out)])
    assert result.exit_code == 0 and "绩效监控表不计分" in result.output
    result = runner.invoke(main, ["profiles", "show", "hubei"])
    assert "1-6 月（时间进度 50%）" in result.output and "确定能、有可能、不可能" in result.output


def test_read_frames_carry_the_mid_year_figures(tmp_path: Path) -> None:
    from sheetperf.io.frames import to_frames

    out, _ = fill(tmp_path, CLEAN)
    frames = to_frames(read_workbook(out))
    [project] = frames["projects"].to_dict("records")
    assert (project["form"], project["total_initial_budget"], project["total_executed"]) == ("monitoring", 100, 45)
    assert list(frames["indicators"]["actual"]) == ["完成一半", "93(%)", "完成一半", "93(%)"]


def test_consolidate_holds_monitoring_returns_to_their_goal_tables(tmp_path: Path) -> None:
    out, _ = fill(tmp_path, CLEAN)
    folder = tmp_path / "in"
    folder.mkdir()
    cells, rule, _, cell = PLANTED["target-changed"]
    _plant(out, folder / "changed.xlsx", cells)
    goal_json = tmp_path / "goal.json"
    goal_json.write_text(dump_records_json([goal_table()]), encoding="utf-8")
    summary = tmp_path / "s.xlsx"
    result = CliRunner().invoke(
        main, ["consolidate", str(folder), "-o", str(summary), "--goals", str(goal_json), "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    header, *rows = list(openpyxl.load_workbook(summary)["校验问题"].iter_rows(values_only=True))
    found = {(row[header.index("规则代码")], row[header.index("单元格")]) for row in rows}
    assert (rule, cell) in found
