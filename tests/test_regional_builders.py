"""The regional builders themselves (``regional.py``), not sheetperf's reader.

Each variant must produce a workbook openpyxl opens, with every ``cells`` entry holding its
expected value; every clean self-evaluation must be internally consistent under the rules of its
profile; a planted variant must differ from the clean one exactly at the planted cell, and the
planted mistake must be one the rules catch.

Consistency is recomputed with ``sheetperf.scoring.score_form`` for the profiles sheetperf has
(``national``, ``sichuan``, ...) and with :func:`hubei` for the 20-point budget family, which has
no profile yet.  Runs without LibreOffice and without ``../shared``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import regional
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.worksheet.worksheet import Worksheet
from regional import PLANT_KINDS, PLANTS, VARIANTS, Built, plant_target, resolve

from sheetperf.model.record import SelfEvaluation, record_from_dict, record_to_dict
from sheetperf.rules.parsing import ActualKind, Level, TargetKind, parse_actual, parse_target
from sheetperf.rules.profiles import Band, get_profile
from sheetperf.rules.scoring import Rule, excel_round, execution_rate, score_form

VARIANT_IDS = list(VARIANTS)
SELF_EVALUATIONS = [v for v in VARIANT_IDS if v != "chongqing_goal_table"]
CLEAN = [v for v in SELF_EVALUATIONS if v not in regional.NOT_CLEAN]
PLANTED = [(variant, kind) for variant in VARIANT_IDS for kind in PLANTS[variant]]
#: Which form of a workbook ``plant=`` changes.
PLANTED_FORM = {"two_forms_one_sheet": 1}


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Built]:
    """Build a variant once per module (clean or planted)."""
    cache: dict[tuple[str, str | None], Built] = {}

    def get(variant: str, plant: str | None = None) -> Built:
        key = (variant, plant)
        if key not in cache:
            folder = tmp_path_factory.mktemp(f"{variant}-{plant or 'clean'}")
            cache[key] = regional.build(variant, folder, plant=plant)
        return cache[key]

    return get


# --- reading a cell the way the record means it --------------------------------------------------

_PREFIX = re.compile(r"^\[(\d+)\]\.")
_AMOUNT_PATH = re.compile(r"^funds\.\w+\.(initial_budget|annual_budget|executed)$")
_POINTS = re.compile(r"\((\d+)\s*分\)")
_RANGE_POINTS = re.compile(r"\((\d+)-(\d+)\)分")
#: ★ markers and ≥**人-style placeholders, in parentheses or bare at the end of a name.
_MARKS = re.compile(r"★|\([≥≤<>]=?\*\*[^)]*\)|[≥≤<>]=?\*\*\S*$")


def split_key(key: str) -> tuple[int, str]:
    """``[1].grade`` → (1, "grade"); a key without a prefix belongs to the first form."""
    match = _PREFIX.match(key)
    return (int(match.group(1)), key[match.end() :]) if match else (0, key)


def _decimal(value: float) -> Decimal:
    return Decimal(format(value, ".15g"))


def shown(cell: Cell | MergedCell) -> str:
    """What the cell shows: numbers through their format (0.00, 0%, 0.00%, General)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    assert isinstance(value, int | float), f"{cell.coordinate} holds {value!r}"
    fmt = cell.number_format
    decimals = len(fmt.partition(".")[2].rstrip("%")) if "." in fmt else 0
    if "%" in fmt:
        return f"{_decimal(value) * 100:.{decimals}f}%"
    if fmt != "General":
        return f"{_decimal(value):.{decimals}f}"
    number = _decimal(value)
    return str(int(number)) if number == number.to_integral_value() else str(number)


def number_in(cell: Cell | MergedCell, path: str, unit: str) -> Decimal:
    """The number a record holds for this cell: rates in percent, amounts in 万元 (budget_yuan in 元)."""
    value = cell.value
    if isinstance(value, int | float):
        number = _decimal(value)
        if "%" in cell.number_format:
            number *= 100
    else:
        assert isinstance(value, str), f"{path}: empty cell"
        text = value.strip()
        match = re.fullmatch(r"(\d+(?:\.\d+)?)(万元|元|%)?", text) or _POINTS.search(text)
        assert match, f"{path}: {text!r} holds no number"
        number = Decimal(match.group(1))
    if _AMOUNT_PATH.match(path) and unit == "元":
        number /= 10000
    if path.startswith("budget_yuan.") and unit == "万元":
        number *= 10000
    return number


def text_in(ws: Worksheet, ref: str, path: str) -> Any:
    """The text (or figure) a record holds for this cell, by the representation rules of ``regional``."""
    if ":" in ref:  # a target split over 指标性质 | 指标值 | 度量单位, joined as written
        return "".join(shown(cell) for row in ws[ref] for cell in row)
    text = shown(ws[ref])
    leaf = path.rsplit(".", 1)[-1]
    if path == "year":
        match = re.search(r"(\d{4})\s*年", text)
        assert match, f"no year in {text!r}"
        return int(match.group(1))
    if path.startswith("level1_points."):
        if match := _RANGE_POINTS.search(text):
            return [int(match.group(1)), int(match.group(2))]
        match = _POINTS.search(text)
        assert match, f"no points in {text!r}"
        return int(match.group(1))
    if path == "indicator_points":
        match = _POINTS.search(text)
        assert match, f"no points in {text!r}"
        return int(match.group(1))
    if leaf == "level1":
        return _RANGE_POINTS.sub("", _POINTS.sub("", text))
    if leaf == "name":
        return _MARKS.sub("", text)
    if path == "filing_unit":
        return re.split(r"[:：]", text, maxsplit=1)[1].strip()
    if path == "filing_date":
        match = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
        assert match, f"no date in {text!r}"
        return f"{match.group(1)}-{int(match.group(2)):02d}-{int(match.group(3)):02d}"
    if path in ("planned_start", "planned_end"):  # 项目期限 in one cell: start至end
        start, end = text.split("至")
        return start.strip() if path == "planned_start" else end.strip()
    if path in ("project_category", "project_attribute", "project_type"):
        ticked = re.findall(r"\d、([^□☑　]+)☑", text)
        assert len(ticked) == 1, f"one option ticked in {text!r}"
        return ticked[0]
    return text


def unit_of(built: Built, ws: Worksheet, form: int) -> str:
    """万元 or 元, as the form's funds label names it (万元 when the form has no funds block)."""
    key = f"[{form}].funds_unit" if f"[{form}].funds_unit" in built.cells else "funds_unit"
    if key not in built.cells:
        return "万元"
    label = shown(ws[built.cells[key]])
    return "万元" if "万元" in label else "元"


def leaves(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) of a record; a list of numbers (a points range) is one leaf."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for index, item in enumerate(value):
            yield from leaves(item, f"{prefix}[{index}]")
    else:
        yield prefix, value


# --- the rules, recomputed -------------------------------------------------------------------------

#: Spellings the parser once did not know (═ for =; 达成 / 部分达成 / 未达成预期指标): the reader's
#: work taught it them, so recomputation now reads every record as written.
_OPERATOR_SPELLINGS: dict[str, str] = {}
_LEVEL_WORDS: dict[str, str] = {}


def for_todays_parser(record: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(record)
    for ind in out["indicators"]:
        for spelling, operator in _OPERATOR_SPELLINGS.items():
            ind["target"] = ind["target"].replace(spelling, operator)
        if ind["actual"] in _LEVEL_WORDS:
            ind["actual"] = _LEVEL_WORDS[ind["actual"]]
    return out


@dataclass
class Recomputed:
    """What the rules give for a record's inputs."""

    rates: dict[str, Decimal | None]
    budget_score: Decimal | None
    # per indicator: (rule, recomputed score or None, level, over-completion)
    indicators: list[tuple[str, Decimal | None, Level | None, bool]]
    bands: dict[Level, Band]
    grade_for: Callable[[Decimal], str]


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _rates(record: dict[str, Any]) -> dict[str, Decimal | None]:
    return {
        name: execution_rate(_dec(row["executed"]), _dec(row["annual_budget"])) for name, row in record["funds"].items()
    }


def national_type(record: dict[str, Any], profile_name: str) -> Recomputed:
    """Recomputed by sheetperf (``score_form``) under one of its profiles."""
    profile = get_profile(profile_name)
    form = record_from_dict(for_todays_parser(record))
    assert isinstance(form, SelfEvaluation)
    result = score_form(form, profile)
    quantitative = (Rule.POSITIVE, Rule.REVERSE, Rule.RANGE)
    return Recomputed(
        rates=_rates(record),  # every row, 财政专户管理资金 too; the total row is score_form's own
        budget_score=result.budget_score,
        indicators=[
            (s.rule.value, s.score if s.rule in quantitative else None, s.level, s.over_completion)
            for s in result.indicators
        ],
        bands=profile.bands,
        grade_for=profile.grade_for,
    )


#: The Hubei/Wuhan family's printed rules (wuhan-style-rules-1wenmi.txt): budget execution worth
#: ``funds.total.weight`` (20) × min(执行率, 1); indicators worth 80; positive targets (≥, =, none)
#: weight × B/A, reverse targets (≤, <) weight × A/B, both capped at the weight; qualitative
#: 达成 / 部分达成 / 未达成预期指标 in the bands [80, 100], [50, 80), [0, 50) of the weight;
#: two decimals, Excel's rounding.  No over-completion rule; grades (when a form prints one) 90/80/60.
HUBEI_BANDS = {
    Level.ACHIEVED: Band(Decimal(80), Decimal(100), Decimal(100), True),
    Level.PARTIAL: Band(Decimal(50), Decimal(80), Decimal(65), False),
    Level.NOT_ACHIEVED: Band(Decimal(0), Decimal(50), Decimal(25), False),
}


def hubei(record: dict[str, Any]) -> Recomputed:
    """The 20-point budget family's rules, implemented here until sheetperf has the profile."""
    total = record["funds"]["total"]
    executed, budget, weight = _dec(total["executed"]), _dec(total["annual_budget"]), _dec(total["weight"])
    budget_score = None
    if executed is not None and budget is not None and weight is not None and budget > 0:
        budget_score = excel_round(min(executed / budget, Decimal(1)) * weight)
    indicators: list[tuple[str, Decimal | None, Level | None, bool]] = []
    for ind in for_todays_parser(record)["indicators"]:
        target, actual, w = parse_target(ind["target"]), parse_actual(ind["actual"]), _dec(ind["weight"])
        if actual.kind is ActualKind.LEVEL:
            indicators.append(("qualitative", None, actual.level, False))
        elif target.kind is TargetKind.QUANTITATIVE and actual.kind is ActualKind.NUMBER:
            assert target.number is not None and actual.number is not None
            a, b = target.number, actual.number
            rule = "reverse" if target.reverse else "positive"
            score = None
            if w is not None:
                ratio = (a / b if b > 0 else Decimal(1)) if target.reverse else (b / a if a > 0 else Decimal(1))
                score = excel_round(min(w * ratio, w))
            indicators.append((rule, score, None, False))
        else:  # a qualitative actual written as a description: the rules give no band
            indicators.append(("unscored", None, None, False))
    national = get_profile("national")
    return Recomputed(_rates(record), budget_score, indicators, HUBEI_BANDS, national.grade_for)


def missed(indicator: dict[str, Any]) -> bool:
    """The actual falls short of the target (a number on the wrong side, or a level below 达成)."""
    [ind] = for_todays_parser({"indicators": [indicator]})["indicators"]
    target, actual = parse_target(ind["target"]), parse_actual(ind["actual"])
    if actual.kind is ActualKind.LEVEL:
        return actual.level is not Level.ACHIEVED
    if target.kind is not TargetKind.QUANTITATIVE or actual.kind is not ActualKind.NUMBER:
        return False
    assert target.number is not None and actual.number is not None
    return actual.number > target.number if target.reverse else actual.number < target.number


def problems(record: dict[str, Any], profile: str) -> list[tuple[str, str]]:
    """(path, what is wrong) for every stated figure the rules do not give."""
    found: list[tuple[str, str]] = []
    rules = hubei(record) if profile == "hubei" else national_type(record, profile)
    funds = record["funds"]
    for name, row in funds.items():
        stated, recomputed = _dec(row["execution_rate"]), rules.rates[name]
        if stated is not None and recomputed is not None and stated != recomputed:
            found.append((f"funds.{name}.execution_rate", f"stated {stated}, recomputed {recomputed}"))
    budget_score = _dec(funds["total"].get("score"))
    if budget_score != rules.budget_score:
        found.append(("funds.total.score", f"stated {budget_score}, recomputed {rules.budget_score}"))

    texts = record.get("texts", {})
    form_level_deviation = "deviation_analysis" in texts
    needs_form_deviation = False
    for k, (ind, (rule, score, level, over)) in enumerate(zip(record["indicators"], rules.indicators, strict=True)):
        w, s = _dec(ind["weight"]), _dec(ind["score"])
        assert s is not None, f"indicators[{k}] has no score"
        if w is None:  # no weight printed: whether the target was missed still says a deviation is due
            needs_form_deviation |= form_level_deviation and missed(ind)
            continue
        if s > w:
            found.append((f"indicators[{k}].score", f"{s} over the weight {w}"))
        if score is not None and s != score:
            found.append((f"indicators[{k}].score", f"stated {s}, the {rule} rule gives {score}"))
        if level is not None and not rules.bands[level].contains(s / w * 100):
            found.append((f"indicators[{k}].score", f"{s} of {w} is outside the band of {level.value}"))
        if rule == "unscored" and level is None and profile != "hubei":
            found.append((f"indicators[{k}].actual", f"the rules cannot score {ind['actual']!r}"))
        if s < w or over:
            if form_level_deviation:
                needs_form_deviation = True
            elif not ind["deviation"]:
                found.append((f"indicators[{k}].deviation", f"{s} of {w} (over-completion: {over}) unexplained"))
    if needs_form_deviation and not texts["deviation_analysis"]:
        found.append(("texts.deviation_analysis", "indicators below their weight, no deviation analysis"))

    weights = [_dec(i["weight"]) for i in record["indicators"]]
    scores = [Decimal(str(i["score"])) for i in record["indicators"]]
    budget_weight = _dec(funds["total"].get("weight")) or Decimal(0)
    if record["total_weight"] is not None:
        assert all(w is not None for w in weights)
        parts = budget_weight + sum(w for w in weights if w is not None)
        if _dec(record["total_weight"]) != parts or parts != 100:
            found.append(("total_weight", f"stated {record['total_weight']}, parts add to {parts}"))
    total = _dec(record["total_score"])
    parts = (budget_score or Decimal(0)) + sum(scores)
    if total != parts:
        found.append(("total_score", f"stated {total}, parts add to {parts}"))
    if record["grade"] is not None and total is not None and rules.grade_for(total) != record["grade"]:
        found.append(("grade", f"{record['grade']} for {total}, the rules say {rules.grade_for(total)}"))

    points = record.get("level1_points", {})
    for name, allowed in points.items():
        group = [k for k, i in enumerate(record["indicators"]) if i["level1"] == name]
        low, high = (
            (Decimal(allowed[0]), Decimal(allowed[1])) if isinstance(allowed, list) else (None, Decimal(allowed))
        )
        if all(weights[k] is not None for k in group):
            weight_sum = sum(weights[k] or 0 for k in group)
            if (low is None and weight_sum != high) or (low is not None and not low <= weight_sum <= high):
                found.append((f"level1_points.{name}", f"weights add to {weight_sum}"))
        elif sum(scores[k] for k in group) > high:
            found.append((f"level1_points.{name}", "scores add to more than the points"))
    if "indicator_points" in record:
        level_sum = sum(Decimal(p) for p in points.values())
        if level_sum != record["indicator_points"] or budget_weight + record["indicator_points"] != 100:
            found.append(("indicator_points", f"level-1 points add to {level_sum}, budget {budget_weight}"))
    return found


# --- the tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANT_IDS, ids=VARIANT_IDS)
def test_workbook_opens_with_merged_cells(build: Callable[..., Built], variant: str) -> None:
    built = build(variant)
    wb = load_workbook(built.path)
    assert wb.sheetnames == [built.sheet]
    ws = wb[built.sheet]
    assert ws.merged_cells.ranges, "the form's labels are merged as a person merges them"
    assert built.profile in ("national", "shanghai", "sichuan", "hubei")
    assert built.notes


@pytest.mark.parametrize("variant", VARIANT_IDS, ids=VARIANT_IDS)
def test_expected_records_are_in_the_model_shape(build: Callable[..., Built], variant: str) -> None:
    """Loading and dumping an expected record changes nothing: the reader's output shape, keys in order."""
    for record in build(variant).expected:
        again = record_to_dict(record_from_dict(record))
        assert again == record
        assert list(again) == list(record)


def assert_cells_hold_expected(built: Built) -> None:
    """Every ``cells`` entry points at a cell holding the expected value (through openpyxl)."""
    ws = load_workbook(built.path)[built.sheet]
    units = {form: unit_of(built, ws, form) for form in range(len(built.expected))}
    for key, ref in built.cells.items():
        form, path = split_key(key)
        if path == "funds_unit":
            assert units[form] in shown(ws[ref]), f"{key} at {ref} names the amounts' unit"
            continue
        if path == "planted":
            assert ref in {r for k, r in built.cells.items() if k != "planted"}, "the planted cell is a field's"
            continue
        want = resolve(built.expected[form], path)
        where = f"{key} at {ref}"
        if (
            isinstance(want, int | float)
            and not isinstance(want, bool)
            and path not in ("year", "indicator_points")
            and not path.startswith("level1_points.")
        ):
            assert number_in(ws[ref], path, units[form]) == Decimal(str(want)), where
        else:
            assert text_in(ws, ref, path) == want, where


@pytest.mark.parametrize("variant", VARIANT_IDS, ids=VARIANT_IDS)
def test_every_cell_holds_its_expected_value(build: Callable[..., Built], variant: str) -> None:
    assert_cells_hold_expected(build(variant))


@pytest.mark.parametrize("variant", VARIANT_IDS, ids=VARIANT_IDS)
def test_every_field_has_its_cell(build: Callable[..., Built], variant: str) -> None:
    """Every figure and text of the expected records was put somewhere the cells map names."""
    built = build(variant)
    several = len(built.expected) > 1
    for form, record in enumerate(built.expected):
        for path, value in leaves(record):
            if path == "form" or value is None or value == "":
                continue
            key = f"[{form}].{path}" if several else path
            assert key in built.cells, f"{key} = {value!r} has no cell"


@pytest.mark.parametrize("variant", CLEAN, ids=CLEAN)
def test_clean_forms_are_consistent_under_their_profile(build: Callable[..., Built], variant: str) -> None:
    built = build(variant)
    for record in built.expected:
        assert problems(record, built.profile) == []


def test_published_wuhan_form_keeps_its_own_mistakes(build: Callable[..., Built]) -> None:
    """As published: 总分 100 without the 20-point budget score; 产出 60 + 效益 40 under 80 points."""
    built = build("wuhan_fuwu_maoyi_published")
    [record] = built.expected
    assert [path for path, _ in problems(record, "hubei")] == ["total_score", "indicator_points"]
    assert [i["score"] for i in record["indicators"]] == [10, 10, 10, 10, 10, 10, 20, 20]
    assert all(i["weight"] is None for i in record["indicators"])


@pytest.mark.parametrize("variant", VARIANT_IDS, ids=VARIANT_IDS)
def test_plant_table_matches_what_each_form_has(build: Callable[..., Built], variant: str) -> None:
    built = build(variant)
    record = built.expected[PLANTED_FORM.get(variant, 0)]
    if variant in regional.NOT_CLEAN:
        assert PLANTS[variant] == ()
        return
    possible = tuple(kind for kind in PLANT_KINDS if plant_target(record, kind) is not None)
    assert PLANTS[variant] == possible


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    return {path: repr(value) for path, value in leaves(record)}


def _values(ws: Worksheet) -> dict[str, tuple[Any, str]]:
    return {
        cell.coordinate: (cell.value, cell.number_format)
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    }


@pytest.mark.parametrize(("variant", "plant"), PLANTED, ids=[f"{v}-{p}" for v, p in PLANTED])
def test_planted_mistake_is_at_its_cell_only(build: Callable[..., Built], variant: str, plant: str) -> None:
    clean, planted = build(variant), build(variant, plant)
    ref = planted.cells["planted"]
    # the workbooks differ in that cell only
    before = _values(load_workbook(clean.path)[clean.sheet])
    after = _values(load_workbook(planted.path)[planted.sheet])
    changed = {a1 for a1 in before.keys() | after.keys() if before.get(a1) != after.get(a1)}
    assert changed == {ref}
    # the records differ at one path, the one the planted cell holds
    form = PLANTED_FORM.get(variant, 0)
    old, new = _flat(clean.expected[form]), _flat(planted.expected[form])
    differing = [path for path in old if old[path] != new[path]]
    assert len(differing) == 1
    prefix = f"[{form}]." if len(clean.expected) > 1 else ""
    assert planted.cells[prefix + differing[0]] == ref
    assert [r for k, r in enumerate(planted.expected) if k != form] == [
        r for k, r in enumerate(clean.expected) if k != form
    ]
    # the same cells map, plus the planted key; and the rules catch the mistake at that path
    assert {k: v for k, v in planted.cells.items() if k != "planted"} == clean.cells
    assert differing[0] in [path for path, _ in problems(planted.expected[form], planted.profile)]
    assert plant in planted.notes
    assert_cells_hold_expected(planted)


def test_a_mistake_a_form_has_no_place_for_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="wrong_grade"):
        regional.build_wuhan(tmp_path, plant="wrong_grade")
    with pytest.raises(ValueError, match="missing_deviation"):
        regional.build_wuhan(tmp_path, plant="missing_deviation")
    with pytest.raises(ValueError, match="unknown plant"):
        regional.build_national(tmp_path, plant="typo")
    with pytest.raises(ValueError):
        regional.build_wuhan(tmp_path, published=True, plant="total_not_readded")


# --- representation decisions, pinned ------------------------------------------------------------------


def test_lijiang_targets_are_joined_as_written(build: Callable[..., Built]) -> None:
    built = build("lijiang")
    [record] = built.expected
    assert [i["target"] for i in record["indicators"]] == [
        "﹦72890元",
        "≧120个",
        "﹦100%",
        "═100%",
        "≥95%",
        "90%",
        "≥95%",
    ]
    assert [i["actual"] for i in record["indicators"]] == ["72890", "108", "100%", "100%", "96%", "92%", "95"]
    assert "生态效益指标" not in [i["level2"] for i in record["indicators"]]
    assert record["indicators"][-1]["level2"] == "服务对象满意度指标等"
    assert list(record["texts"]) == ["other_matters"]
    ws = load_workbook(built.path)[built.sheet]
    # the grade sits right of the total score, and no cell says 评分等级
    total, grade = ws[built.cells["total_score"]], ws[built.cells["grade"]]
    assert (grade.row, grade.column) == (total.row, total.column + 1)
    assert not any(cell.value == "评分等级" for row in ws.iter_rows() for cell in row)
    # the empty 生态效益指标 row: its level-2 label, nothing else
    [eco] = [cell for row in ws.iter_rows() for cell in row if cell.value == "生态效益指标"]
    assert all(ws.cell(eco.row, col).value is None for col in range(3, 11))


def test_lijiang_yuan_amounts_are_recorded_in_wanyuan(build: Callable[..., Built]) -> None:
    built = build("lijiang_yuan")
    [record] = built.expected
    ws = load_workbook(built.path)[built.sheet]
    assert ws[built.cells["funds_unit"]].value == "项目资金（元）"
    assert ws[built.cells["funds.total.executed"]].value == 72890
    assert record["funds"]["total"]["executed"] == 7.289


def test_suixi_names_lose_markers_and_placeholders_only(build: Callable[..., Built]) -> None:
    [record] = build("suixi").expected
    names = [i["name"] for i in record["indicators"]]
    assert not any("★" in n or "**" in n for n in names)
    assert names[1] == "其中:农村低保对象中建档立卡贫困人口数量(按月平均)"
    assert names[7] == "扶贫临时救助标准——一户年最高5300元"
    assert names[8] == "受益建档立卡贫困人口数"
    assert record["level1_points"] == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert record["funds"]["current_year_appropriation"] == {
        "initial_budget": None,
        "annual_budget": 30.0,
        "executed": 30.0,
        "execution_rate": 100.0,
        "weight": 10.0,
        "score": 10.0,
    }


def test_tangxi_keeps_the_zero_total_row(build: Callable[..., Built]) -> None:
    built = build("tangxi")
    [record] = built.expected
    assert record["funds"]["total"] == {
        "initial_budget": 0.0,
        "annual_budget": 0.0,
        "executed": 0.0,
        "execution_rate": 0.0,
        "weight": 10.0,
        "score": 0.0,
    }
    assert record["funds"]["current_year_appropriation"]["executed"] == 132.912
    assert record["department"] == "219-池州市贵池区棠溪镇人民政府"
    assert "flag" in built.notes


def test_hebei_template_rows_are_not_indicators(build: Callable[..., Built]) -> None:
    built = build("hebei")
    [record] = built.expected
    ws = load_workbook(built.path)[built.sheet]
    leftovers = [cell.value for row in ws.iter_rows() for cell in row if cell.value in ("指标1:", "指标2:", "……")]
    assert leftovers == ["……", "指标1:", "指标2:", "……"]
    assert len(record["indicators"]) == 8
    assert "经济效益指标" not in [i["level2"] for i in record["indicators"]]


def test_jiangxi_amounts_are_text_with_their_unit(build: Callable[..., Built]) -> None:
    built = build("jiangxi")
    ws = load_workbook(built.path)[built.sheet]
    amounts = {k: ws[ref].value for k, ref in built.cells.items() if _AMOUNT_PATH.match(k)}
    assert len(amounts) == 12
    assert all(isinstance(v, str) and v.endswith("万元") for v in amounts.values())
    assert amounts["funds.total.annual_budget"] == "620.82万元"


def test_sichuan_rows_columns_and_block_below(build: Callable[..., Built]) -> None:
    [record] = build("sichuan").expected
    assert list(record["funds"]) == ["total", "current_year_appropriation", "carryover", "other", "special_account"]
    assert record["funds"]["carryover"] == {
        "initial_budget": None,
        "annual_budget": None,
        "executed": None,
        "execution_rate": None,
    }
    assert list(record["texts"]) == ["conclusion", "problems", "measures"]
    assert all("measures" in i for i in record["indicators"])
    assert record["indicators"][0]["measures"] == "加强项目前期论证，及时调整年度实施计划。"


@pytest.mark.parametrize("variant", ["wuhan_fuwu_maoyi_no_weights", "wuhan_changjiang_jinbu_no_weights"])
def test_wuhan_without_a_weight_column_has_null_weights(build: Callable[..., Built], variant: str) -> None:
    built = build(variant)
    [record] = built.expected
    assert all(i["weight"] is None for i in record["indicators"])
    assert record["total_weight"] is None
    assert record["funds"]["total"]["weight"] == 20
    ws = load_workbook(built.path)[built.sheet]
    assert not any(cell.value == "权重" for row in ws.iter_rows() for cell in row)


def test_hubei_bands_differ_from_the_national_ones(build: Callable[..., Built]) -> None:
    """55 % for 部分达成预期指标 is inside Hubei's band and outside the national one."""
    [record] = build("wuhan_changjiang_jinbu").expected
    assert problems(record, "hubei") == []
    assert ("indicators[6].score", "5.5 of 10 is outside the band of partial") in problems(record, "national")


def test_two_forms_have_prefixed_cells_below_each_other(build: Callable[..., Built]) -> None:
    built = build("two_forms_one_sheet")
    assert [r["grade"] for r in built.expected] == ["优", "良"]
    assert all(split_key(k)[1] != k for k in built.cells)
    ws = load_workbook(built.path)[built.sheet]
    first_end = ws[built.cells["[0].grade"]].row
    assert all(cell.value is None for cell in ws[first_end + 1])
    assert ws.cell(first_end + 2, 1).value == "项目支出绩效自评表"
    assert ws[built.cells["[1].year"]].row == first_end + 3


def test_chongqing_goal_table_ranges_and_budget(build: Callable[..., Built]) -> None:
    built = build("chongqing_goal_table")
    [record] = built.expected
    assert record["level1_points"]["成本指标"] == [0, 20]
    assert record["indicators"][0]["level1"] == "成本指标"
    assert record["budget_yuan"]["current_year"] == 4500000
    ws = load_workbook(built.path)[built.sheet]
    assert ws[built.cells["level1_points.产出指标"]].value == "产出指标(40-50)分"
    for name, (low, high) in record["level1_points"].items():
        weight = sum(i["weight"] for i in record["indicators"] if i["level1"] == name)
        assert low <= weight <= high
    assert sum(i["weight"] for i in record["indicators"]) == 100
