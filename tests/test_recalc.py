"""A real engine computes the same numbers: templates recalculated in LibreOffice vs scoring.py.

Every test batches its workbooks into one soffice invocation (sheetperf.io.recalc).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import SELF_EVALUATION_PATHS
from sheetperf.forms.layout import Kind, Role, get_layout
from sheetperf.io.recalc import recalculate
from sheetperf.io.writer import write_template
from sheetperf.model.record import FundRow, Funds, Indicator, SelfEvaluation, load_records_json
from sheetperf.rules.parsing import LEVEL_TEXT, Level, TargetKind, parse_actual, parse_target
from sheetperf.rules.profiles import Profile, get_profile
from sheetperf.rules.scoring import score_form

pytestmark = pytest.mark.libreoffice

SHANGHAI = get_profile("shanghai")
LINEAR = dataclasses.replace(
    get_profile("national"), name="linear-test", reverse_rule="linear", rescale_not_applicable=False
)


# --------------------------------------------------------------------------------------------
# Filling and reading


def fill_local(template: Path | Any, record: SelfEvaluation, out: Path, *, inputs_only: bool) -> None:
    """Write a record into a template's cells by the layout (openpyxl; strings stay strings).

    ``template`` is a path or an already loaded openpyxl workbook (reused between records:
    every indicator row is rewritten or cleared).  A number in ``extra["_cell_number"]`` is
    typed into the actual cell as a number.
    """
    book = openpyxl.load_workbook(template) if isinstance(template, Path) else template
    layout = get_layout("self_evaluation", _capacity(book))
    sheet = book[layout.sheet_name]

    def put(row: int, col: int, value: Any) -> None:
        cell = sheet.cell(row + 1, col + 1)
        if value is None or value == "":
            cell.value = None
            return
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # never let "=1(场)" become a formula

    for item in layout.record_fields:
        if item.kind is Kind.FORMULA or item.role is Role.FIXED:
            continue
        if inputs_only and item.role is not Role.INPUT:
            continue
        value: Any = record
        for part in item.path.split("."):
            value = getattr(value, part, None)
        put(item.row, item.col, value)
    for index in range(layout.table.capacity):
        indicator = record.indicators[index] if index < len(record.indicators) else None
        for column in layout.table.columns:
            if column.kind is Kind.FORMULA or (inputs_only and column.role is not Role.INPUT):
                continue
            value = getattr(indicator, column.key) if indicator is not None else None
            if indicator is not None and column.key == "actual" and "_cell_number" in indicator.extra:
                value = indicator.extra["_cell_number"]
            put(layout.table.row(index), column.col, value)
    book.save(out)


def _capacity(book: Any) -> int:
    sheet = book["_sheetperf"]
    values = {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(1, sheet.max_row + 1)}
    return int(values["capacity"])


def fill_prefilled(template: Path, record: SelfEvaluation, out: Path) -> None:
    """The project's filler when present, else the local openpyxl fill."""
    try:
        from sheetperf.io.filler import fill_workbook
    except ImportError:  # pragma: no cover
        fill_local(template, record, out, inputs_only=True)
    else:
        fill_workbook(template, record, out)


def cell_value(sheet: Any, row: int, col: int) -> Any:
    value = sheet.cell(row + 1, col + 1).value
    return None if value == "" else value


@dataclasses.dataclass
class Computed:
    rates: dict[str, Any]
    budget_score: Any
    scores: list[Any]
    total_weight: Any
    total_score: Any
    grade: Any
    helpers: list[dict[str, Any]]


def read_computed(path: Path, count: int) -> Computed:
    book = openpyxl.load_workbook(path, data_only=True)
    capacity = _capacity(book)
    layout = get_layout("self_evaluation", capacity)
    sheet = book[layout.sheet_name]

    def field(path_: str) -> Any:
        item = layout.field(path_)
        return cell_value(sheet, item.row, item.col)

    table = layout.table
    return Computed(
        rates={row: field(f"funds.{row}.execution_rate") for row in Funds().rows()},
        budget_score=field("funds.total.score"),
        scores=[cell_value(sheet, table.row(i), table.column("score").col) for i in range(count)],
        total_weight=field("total_weight"),
        total_score=field("total_score"),
        grade=field("grade"),
        helpers=[{h.key: cell_value(sheet, table.row(i), h.col) for h in table.helpers} for i in range(capacity)],
    )


def same(sheet_value: Any, expected: Decimal | None) -> bool:
    if expected is None:
        return sheet_value is None
    if not isinstance(sheet_value, (int, float)) or isinstance(sheet_value, bool):
        return False
    return abs(Decimal(repr(float(sheet_value))) - expected) < Decimal("0.000001")


def mismatches(record: SelfEvaluation, computed: Computed, profile: Profile) -> list[str]:
    expected = score_form(record, profile)
    out = []
    for row, fund in expected.funds.items():
        if not same(computed.rates[row], fund.execution_rate):
            out.append(f"rate {row}: sheet {computed.rates[row]!r} python {fund.execution_rate}")
    if not same(computed.budget_score, expected.budget_score):
        out.append(f"budget score: sheet {computed.budget_score!r} python {expected.budget_score}")
    for i, (got, want) in enumerate(zip(computed.scores, expected.indicators, strict=True)):
        if not same(got, want.score):
            ind = record.indicators[i]
            out.append(f"indicator {i} {ind.target!r}/{ind.actual!r}/{ind.weight}: sheet {got!r} python {want.score}")
    if not same(computed.total_score, expected.total_score):
        out.append(f"total: sheet {computed.total_score!r} python {expected.total_score}")
    if not same(computed.total_weight, expected.total_weight):
        out.append(f"total weight: sheet {computed.total_weight!r} python {expected.total_weight}")
    if computed.grade != expected.grade:
        out.append(f"grade: sheet {computed.grade!r} python {expected.grade}")
    return out


# --------------------------------------------------------------------------------------------
# The six published forms


def test_published_forms_recalculate_to_their_published_scores(tmp_path: Path) -> None:
    records = [load_records_json(p)[0] for p in SELF_EVALUATION_PATHS]
    assert len(records) == 6
    filled = []
    for record in records:
        assert isinstance(record, SelfEvaluation)
        template = write_template(tmp_path / f"t-{record.slug}.xlsx", "self_evaluation", record=record)
        out = tmp_path / "filled" / f"{record.slug}.xlsx"
        out.parent.mkdir(exist_ok=True)
        fill_prefilled(template, record, out)
        filled.append(out)
    results = recalculate(filled, tmp_path / "recalc")
    for record, path in zip(records, results, strict=True):
        assert isinstance(record, SelfEvaluation)
        got = read_computed(path, len(record.indicators))
        assert got.scores == [pytest.approx(i.score) for i in record.indicators], record.slug
        assert got.budget_score == pytest.approx(record.funds.total.score), record.slug
        # The published rate was computed from unrounded amounts (67.75/68.34 prints 99.13, the
        # printed figures give 99.14): the sheet gives Python's figure, the published one is in its bounds.
        fund = score_form(record, SHANGHAI).funds["total"]
        assert fund.rate_low is not None and fund.rate_high is not None
        assert fund.rate_low <= Decimal(str(record.funds.total.execution_rate)) <= fund.rate_high
        assert got.total_score == pytest.approx(record.total_score), record.slug
        assert got.total_weight == pytest.approx(record.total_weight), record.slug
        assert got.grade == record.grade, record.slug
        assert mismatches(record, got, SHANGHAI) == []


# --------------------------------------------------------------------------------------------
# Generated records, typed into blank templates (targets as text)

_UNITS = ["(%)", "(人次)", "(场)", "(万元)", "%", "项", "次", "", "(份)", "个", "人次以上"]
_OPS_POSITIVE = ["=", ">", "≥", ">=", "＞", "大于", "不少于", "＝"]
_OPS_REVERSE = ["≤", "<", "<=", "＜", "不超过"]
_QUALITATIVE = ["第三季度", "12 月", "促进了技术市场的繁荣发展", "及时", "=1次，50个学校", "≥**人次"]
_LEVEL_WORDS = [*LEVEL_TEXT.values(), "达成年度指标", "部分达成", "未达成"]


def _amount(draw: st.DrawFn, low: int = 0, high: int = 200_000) -> float:
    cents = draw(st.integers(low, high))
    return cents / 100


def _number_text(value: Decimal, draw: st.DrawFn) -> str:
    places = draw(st.sampled_from([0, 1, 2]))
    text = f"{value:.{places}f}"
    if value >= 1000 and draw(st.booleans()):
        whole, _, frac = text.partition(".")
        text = f"{int(whole):,}" + (f".{frac}" if frac else "")
    return text


@st.composite
def indicators(draw: st.DrawFn) -> Indicator:
    kind = draw(st.sampled_from(["positive", "reverse", "range", "qualitative", "not_applicable", "level"]))
    weight = draw(st.sampled_from([Decimal(w) for w in ("20", "15", "10", "4", "3", "4.5", "2.25", "0", "7.5")]))
    goal = Decimal(draw(st.sampled_from([0, 1, 3, 5, 30, 95, 98, 100, 365, 5500, 12000]))) + Decimal(
        draw(st.sampled_from(["0", "0.5", "0.25"]))
    )
    unit = draw(st.sampled_from(_UNITS))
    if kind in ("positive", "reverse"):
        op = draw(st.sampled_from(_OPS_POSITIVE if kind == "positive" else _OPS_REVERSE))
        space = draw(st.sampled_from(["", " "]))
        target = f"{op}{space}{_number_text(goal, draw)}{unit}"
    elif kind == "range":
        high = goal + Decimal(draw(st.sampled_from([0, 1, 50])))
        target = f"{_number_text(goal, draw)}{draw(st.sampled_from(['-', '~', '至']))}{high}{draw(st.sampled_from(['项', '次', '']))}"
    else:
        target = draw(st.sampled_from(_QUALITATIVE))
    if kind == "not_applicable":
        actual: str | float = draw(st.sampled_from(["不适用", "不涉及"]))
    elif kind in ("qualitative", "level") or draw(st.integers(0, 9)) == 0:
        actual = draw(st.sampled_from(_LEVEL_WORDS))
    else:
        factor = draw(st.sampled_from(["0", "0.5", "0.9", "1", "1.2", "1.5", "0.333", "2"]))
        value = (goal * Decimal(factor)).quantize(Decimal("0.01")) if goal else Decimal(draw(st.integers(0, 3)))
        style = draw(st.sampled_from(["unit", "number", "plain"]))
        if style == "number":
            actual = float(value)
        elif style == "plain":
            actual = f"{value}"
        else:
            actual = f"{value:.2f}{unit if unit.startswith('(') else '(' + (unit or '项') + ')'}"
    return Indicator(
        level1=draw(st.sampled_from(["产出指标", "效益指标", "满意度指标"])),
        level2="数量指标",
        name=f"指标{draw(st.integers(1, 999))}",
        target=target,
        actual=str(actual) if isinstance(actual, str) else None,
        weight=float(weight),
        extra={"_number_actual": actual} if not isinstance(actual, str) else {},
    )


@st.composite
def self_evaluations(draw: st.DrawFn) -> SelfEvaluation:
    inds = draw(st.lists(indicators(), min_size=1, max_size=12))
    for ind in inds:  # a number typed into the actual cell (not text)
        number = ind.extra.pop("_number_actual", None)
        if number is not None:
            ind.actual = None
            ind.extra["_cell_number"] = number
    budget = _amount(draw)
    executed = draw(st.sampled_from([budget, 0.0, _amount(draw), round(budget * 0.9913, 2)]))
    funds = Funds(
        total=FundRow(initial_budget=budget, annual_budget=budget, executed=executed),
        current_year_appropriation=FundRow(initial_budget=budget, annual_budget=budget, executed=executed),
        carryover=FundRow(initial_budget=0.0, annual_budget=0.0, executed=draw(st.sampled_from([0.0, 1.0]))),
        other=FundRow(initial_budget=0.0, annual_budget=_amount(draw, 0, 500), executed=_amount(draw, 0, 500)),
    )
    return SelfEvaluation(
        year=2023,
        department="主管部门",
        implementing_unit="实施单位",
        project_name="项目",
        funds=funds,
        indicators=inds,
    )


def _python_view(record: SelfEvaluation) -> SelfEvaluation:
    """The record as Python scores it: a number typed into a cell is a number actual."""
    copy = dataclasses.replace(record, indicators=[dataclasses.replace(i) for i in record.indicators])
    for ind in copy.indicators:
        if "_cell_number" in ind.extra:
            ind.actual = repr(ind.extra["_cell_number"])
    return copy


RECORDS_PER_PROFILE = 100


def collect(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """``count`` examples of ``strategy``, generated by hypothesis (no shrinking: the
    assertions below print every mismatching input)."""
    found: list[Any] = []

    @settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def gather(value: Any) -> None:
        found.append(value)

    gather()
    return found


def test_generated_records_score_the_same_in_libreoffice(tmp_path: Path) -> None:
    tmp = tmp_path
    jobs: list[tuple[SelfEvaluation, Profile, Path]] = []
    (tmp / "filled").mkdir()
    for profile in (SHANGHAI, LINEAR):
        template = write_template(tmp / f"blank-{profile.name}.xlsx", "self_evaluation", profile=profile)
        book = openpyxl.load_workbook(template)
        for n, record in enumerate(collect(self_evaluations(), RECORDS_PER_PROFILE)):
            out = tmp / "filled" / f"{profile.name}-{n:03d}.xlsx"
            fill_local(book, record, out, inputs_only=False)
            jobs.append((record, profile, out))
    results = recalculate([j[2] for j in jobs], tmp / "recalc")
    problems = []
    kinds: dict[str, int] = {}
    for (record, profile, _), path in zip(jobs, results, strict=True):
        view = _python_view(record)
        computed = read_computed(path, len(record.indicators))
        problems += [f"{path.name}: {m}" for m in mismatches(view, computed, profile)]
        for score in score_form(view, profile).indicators:
            kinds[score.rule.value] = kinds.get(score.rule.value, 0) + 1
    assert len(jobs) >= 200
    assert problems == []
    # The generator reached every rule.
    assert set(kinds) >= {"positive", "reverse", "range", "qualitative", "not_applicable"}, kinds


# --------------------------------------------------------------------------------------------
# The sheet parses targets and actuals as parsing.py does


_TARGET_SPELLINGS = [
    "=1(场)",
    ">95(%)",
    "≥98(%)",
    "≤5(%)",
    "=60.00(万元)",
    "=10(月)",
    ">=90%",
    "≥**人次",
    "（≥）98％",
    "＞３",
    "5,535,000",
    "=5,535,000元",
    "150-200项",
    "5-10次",
    "2-3次",
    "8-10次",
    "第三季度",
    "12 月",
    "12月以内",
    "不低于 95%",
    "大于等于3次",
    "小于5",
    "低于 2%",
    "≤2.00(%)",
    "=370.00(份)",
    "> = 5",
    "=1次，50个学校",
    ">=1次，人数不少于100人",
    "=50人次以上，培训场次不少于二次",
    ">1万字",
    "合规",
    "",
    "   ",
    "≥8000㎡",
    "≥8000m²",
    "=-5",
    "+5项",
    "5.项",
    "5..项",
    "1,2345",
    "1234,567",
    "12,345,",
    "5.-10",
    "150 - 200 项",
    "0-0",
    "10-5项",
    "3%-5%",
    "≥ 98 %",
    "=30(人次)",
    "=0",
    "<=0(%)",
    "≥1,000.5(元)",
    "≥(%)",
    "=1(一二三四五六七八九十一二三四五六七)",
    "=1(一二三四五六七八九十一二三四五六)",
    "=1一二三四五六七八九十一二",
    "=1一二三四五六七八九十一二三",
    "=1一二三四五六七八九十一二以上",
    "12季度",
    "=12季度",
    "3年底",
    "5周",
    "150-200(项)",
    "1.5-2.5",
    "～",
    "≧5",
    "⩽5",
    "=>5",
    "=<5",
    "==5",
    "不多于3次",
    "大于或等于 7",
    "等于10",
    "≥98\n(%)",
    "≥98\u3000%",
    "≥９８．５％",
    "5,000-6,000人",
]
_ACTUAL_SPELLINGS = [
    "1.00(场)",
    "98.00(%)",
    "达成指标",
    "达成年度指标",
    "部分达成指标并具有一定效果",
    "未达成指标且效果较差",
    "已达成",
    "全部达到",
    "已全部达到年度目标",
    "未能完全达成",
    "未达到",
    "部分达到",
    "达成了",
    "完成",
    "不适用",
    "不涉及",
    "无此项",
    "n/a",
    "N/A",
    "NA",
    "na",
    "Na",
    "ｎ／ａ",
    "-",
    "—",
    "/",
    "",
    " ",
    "≥99%",
    "100",
    "1,234.5份",
    "0",
    "0.00(%)",
    "5..项",
    "12 月",
    "三次",
    "１００％",
    "达 成 指 标",
]


def _parse_jobs(tmp: Path, targets: list[str], actuals: list[str]) -> tuple[list[Path], int]:
    layout = get_layout("self_evaluation")
    template = write_template(tmp / "blank.xlsx", "self_evaluation")
    pairs = list(zip(targets, actuals, strict=True))
    paths = []
    for start in range(0, len(pairs), layout.table.capacity):
        book = openpyxl.load_workbook(template)
        sheet = book[layout.sheet_name]
        for offset, (target, actual) in enumerate(pairs[start : start + layout.table.capacity]):
            row = layout.table.row(offset) + 1
            for key, text in (("target", target), ("actual", actual)):
                cell = sheet.cell(row, layout.table.column(key).col + 1)
                cell.value = text or None
                if text:
                    cell.data_type = "s"
        out = tmp / f"parse-{start:04d}.xlsx"
        book.save(out)
        paths.append(out)
    return paths, layout.table.capacity


_SHEET_KIND = {"Q": TargetKind.QUANTITATIVE, "R": TargetKind.RANGE, "L": TargetKind.QUALITATIVE, None: TargetKind.EMPTY}
_ACTUAL_KIND = {
    "N": "number",
    "A": "level",
    "P": "level",
    "X": "level",
    "NA": "not_applicable",
    "E": "empty",
    "T": "text",
}
_LEVEL_OF = {"A": Level.ACHIEVED, "P": Level.PARTIAL, "X": Level.NOT_ACHIEVED}

_target_texts = st.one_of(
    st.sampled_from(_TARGET_SPELLINGS),
    st.builds(
        lambda op, sp, num, unit: f"{op}{sp}{num}{unit}",
        st.sampled_from(["", "=", ">", "≥", ">=", "<", "≤", "<=", "不低于", "＝", "＜", "大于"]),
        st.sampled_from(["", " "]),
        st.from_regex(r"[-+]?([0-9]{1,3}(,[0-9]{3}){0,2}|[0-9]{1,6})(\.[0-9]{1,3})?\.{0,2}", fullmatch=True),
        st.sampled_from(
            ["", "%", "(%)", "项", "(人次)", "月", "季度", "人次以上", "-200项", "~9", "(a(b))", "；", "、次"]
        ),
    ),
    st.text(alphabet="0123456789.,-~%()=<>≥≤项月年 ", max_size=10),
)
_actual_texts = st.one_of(
    st.sampled_from(_ACTUAL_SPELLINGS),
    st.from_regex(r"[-+]?[0-9]{1,4}(\.[0-9]{1,2})?(\(%\)|%|项|\(人次\))?", fullmatch=True),
    st.text(alphabet="0123456789.,%()达成未部分指标不适用 ", max_size=8),
)


def test_sheet_parses_targets_and_actuals_like_python(tmp_path: Path) -> None:
    tmp = tmp_path
    extra = 150
    targets = _TARGET_SPELLINGS + collect(_target_texts, extra)
    actuals = (_ACTUAL_SPELLINGS * 10)[: len(_TARGET_SPELLINGS)] + collect(_actual_texts, extra)
    actuals = (actuals + _ACTUAL_SPELLINGS * 10)[: len(targets)]
    targets = [t.replace("\x00", "") for t in targets]
    paths, capacity = _parse_jobs(tmp, targets, actuals)
    results = recalculate(paths, tmp / "recalc")
    problems = []
    for n, (target, actual) in enumerate(zip(targets, actuals, strict=True)):
        book_index, offset = divmod(n, capacity)
        helpers = read_computed(results[book_index], 0).helpers[offset]
        parsed = parse_target(target)
        sheet_kind = _SHEET_KIND[helpers["t_kind"]]
        if sheet_kind is not parsed.kind:
            problems.append(f"target {target!r}: sheet {sheet_kind} python {parsed.kind}")
        elif parsed.is_numeric:
            assert parsed.number is not None
            if not same(helpers["t_goal"], parsed.number):
                problems.append(f"target {target!r}: sheet goal {helpers['t_goal']!r} python {parsed.number}")
            if parsed.kind is TargetKind.QUANTITATIVE and (helpers["t_op"] or "=") != parsed.operator:
                problems.append(f"target {target!r}: sheet op {helpers['t_op']!r} python {parsed.operator}")
            if parsed.high is not None and not same(helpers["t_high"], parsed.high):
                problems.append(f"target {target!r}: sheet high {helpers['t_high']!r} python {parsed.high}")
        got = parse_actual(actual)
        kind = _ACTUAL_KIND[helpers["a_kind"]]
        if kind != got.kind.value:
            problems.append(f"actual {actual!r}: sheet {kind} python {got.kind.value}")
        elif kind == "number" and not same(helpers["a_value"], got.number):
            problems.append(f"actual {actual!r}: sheet {helpers['a_value']!r} python {got.number}")
        elif kind == "level" and _LEVEL_OF[helpers["a_kind"]] is not got.level:
            problems.append(f"actual {actual!r}: sheet {helpers['a_kind']} python {got.level}")
    assert problems == [], "\n".join(problems)


def test_blank_template_scores_nothing_until_filled(tmp_path: Path) -> None:
    template = write_template(tmp_path / "blank.xlsx", "self_evaluation")
    [path] = recalculate([template], tmp_path / "recalc")
    got = read_computed(path, 30)
    assert got.scores == [None] * 30
    assert (got.total_score, got.total_weight, got.grade, got.budget_score) == (None, None, None, None)
    assert all(h["t_kind"] is None and h["a_kind"] == "E" for h in got.helpers)
