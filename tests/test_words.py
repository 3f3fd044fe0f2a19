"""One vocabulary: every word list the sheet's formulas use is the one the Python parser uses.

The rules and the formula builder hold no word of their own — no Chinese literal, no tuple of
operator spellings, levels or marks — only names from sheetperf.vocab.words (and labels for
what people read).  The folds the sheet applies are what NFKC does; the spellings each level
has parse to that level.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from pathlib import Path

import pytest

from conftest import REPO
from sheetperf.forms import formulas
from sheetperf.io import importtext, reader
from sheetperf.rules import parsing
from sheetperf.rules.parsing import ActualKind, Level, Operator, parse_actual, parse_level, parse_target
from sheetperf.vocab import words

#: Modules that must hold no word of the vocabulary of their own.
GUARDED = sorted([REPO / "sheetperf" / "forms" / "formulas.py", *(REPO / "sheetperf" / "rules").glob("*.py")])
WORD_LISTS = {
    name: value
    for name, value in vars(words).items()
    if name.isupper() and isinstance(value, (tuple, dict, str)) and not name.startswith("_")
}


def _vocabulary() -> set[str]:
    out: set[str] = set()
    for value in WORD_LISTS.values():
        items = value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, tuple):
                out.update(i for i in item if isinstance(i, str))
            elif isinstance(item, str):
                out.add(item)
    return {w for w in out if w}


def _docstrings(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _strings(path: Path) -> list[tuple[int, str, ast.AST]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return [
        (node.lineno, node.value, parents.get(id(node), tree))
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    ]


def scan(path: Path) -> list[str]:
    """Words written outside the vocabulary: a non-ASCII literal (docstrings aside), or a tuple, list
    or set holding two or more words of the vocabulary.  (Dict keys are not scanned: the tables of
    Excel's own grammar in rules/expr.py share characters such as "=" and "-" with the vocabulary.)"""
    vocabulary = _vocabulary()
    problems = []
    collections: dict[int, list[str]] = {}
    for line, text, parent in _strings(path):
        if re.search(r"[^\x00-\x7f]", text):
            problems.append(f"{path.name}:{line}: non-ASCII literal {text!r} (words.py or labels.py holds it)")
        if isinstance(parent, (ast.Tuple, ast.List, ast.Set)) and text in vocabulary:
            collections.setdefault(id(parent), []).append(f"{line}:{text!r}")
    for found in collections.values():
        if len(found) >= 2:
            problems.append(f"{path.name}: a collection of vocabulary words {found} (use sheetperf.vocab.words)")
    return problems


@pytest.mark.parametrize("path", GUARDED, ids=lambda p: p.name)
def test_no_word_of_the_vocabulary_is_written_outside_it(path: Path) -> None:
    assert scan(path) == []


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The scan can fail: a copied word list and a Chinese message are found, a docstring is not."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        '"""文档可以写中文。"""\nEMPTY = ("n/a", "na")\nOPS = [">=", "≥"]\nMESSAGE = "分值未填写"\n', encoding="utf-8"
    )
    problems = scan(bad)
    assert len(problems) == 4, problems  # ≥ and 分值未填写 are non-ASCII; two collections of words
    assert not any("文档" in p for p in problems)


def test_formulas_and_parser_read_the_same_lists() -> None:
    """Names the formula builder takes from words are the ones the parser takes (or folds NFKC already does)."""
    used_by = {module: _words_used(Path(module.__file__ or "")) for module in (formulas, parsing)}
    sheet_only = used_by[formulas] - used_by[parsing]
    # The sheet spells out what NFKC and \\s do in Python; both are checked below.
    assert sheet_only <= {"FULLWIDTH_FOLDS", "SPACES", "SPACE", "DIGITS"}, sheet_only
    assert {"OPERATOR_SPELLINGS", "TIME_UNITS", "SUFFIXES", "RANGE_SEPARATORS", "EMPTY_MARKS"} <= used_by[formulas]
    assert {"NOT_APPLICABLE_WORDS", "NOT_ACHIEVED_PREFIXES", "PARTIAL_PREFIXES", "ACHIEVED_SPELLINGS"} <= used_by[formulas]
    assert used_by[formulas] & used_by[parsing] >= {"OPERATOR_SPELLINGS", "NOT_APPLICABLE_WORDS", "UNIT_EXCLUDED"}


def _words_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "words"
    }


@pytest.mark.parametrize(("char", "folded"), words.FULLWIDTH_FOLDS, ids=lambda v: f"U+{ord(v[0]):04X}" if v else "")
def test_sheet_folds_are_what_nfkc_does(char: str, folded: str) -> None:
    assert unicodedata.normalize("NFKC", char) == folded


@pytest.mark.parametrize("char", words.SPACES, ids=lambda c: f"U+{ord(c):04X}")
def test_sheet_spaces_are_python_whitespace(char: str) -> None:
    assert re.fullmatch(r"\s", unicodedata.normalize("NFKC", char))


def test_parser_objects_are_the_vocabulary() -> None:
    assert [(s, op.value) for s, op in parsing._OPERATORS] == list(words.OPERATOR_SPELLINGS)
    assert parsing._TIME_UNITS == frozenset(words.TIME_UNITS)
    assert parsing._NOT_APPLICABLE == frozenset(words.NOT_APPLICABLE_WORDS)
    assert parsing._EMPTY_MARKS == frozenset(words.EMPTY_MARKS)
    assert {level.value: text for level, text in parsing.LEVEL_TEXT.items()} == words.LEVEL_OFFICIAL
    assert {op.value for op in Operator if op.reverse} == set(words.REVERSE_OPERATORS)
    assert reader._NOT_APPLICABLE == frozenset(words.AMOUNT_BLANKS)
    assert frozenset(words.LEVEL_VARIANTS) <= importtext._LEVEL_SPELLINGS


@pytest.mark.parametrize(
    ("text", "level"),
    [
        *((t, Level(k)) for k, t in words.LEVEL_OFFICIAL.items()),
        *((t, Level.ACHIEVED) for t in words.ACHIEVED_SPELLINGS),
        *((t + "指标", Level.PARTIAL) for t in words.PARTIAL_PREFIXES),
        *((t + "指标", Level.NOT_ACHIEVED) for t in words.NOT_ACHIEVED_PREFIXES),
    ],
    ids=str,
)
def test_each_spelling_names_its_level(text: str, level: Level) -> None:
    assert parse_level(text) is level
    assert parse_actual(text).kind is ActualKind.LEVEL


@pytest.mark.parametrize("text", words.LEVEL_VARIANTS, ids=str)
def test_importer_spellings_are_levels(text: str) -> None:
    assert parse_level(text) is not None


@pytest.mark.parametrize(("spelling", "operator"), words.OPERATOR_SPELLINGS, ids=lambda v: str(v))
def test_each_operator_spelling_parses(spelling: str, operator: str) -> None:
    assert parse_target(f"{spelling}5(次)").operator == Operator(operator)


@pytest.mark.parametrize("word", words.NOT_APPLICABLE_WORDS, ids=str)
def test_not_applicable_words(word: str) -> None:
    assert parse_actual(word).kind is ActualKind.NOT_APPLICABLE


@pytest.mark.parametrize("unit", words.TIME_UNITS, ids=str)
def test_a_bare_number_with_a_time_unit_is_a_date(unit: str) -> None:
    assert parse_target(f"12{unit}").kind.value == "qualitative"
    assert parse_target(f"=12{unit}").kind.value == "quantitative"


def test_every_validation_message_is_used() -> None:
    """The vocabulary holds the findings' wording; an entry no module uses is a leftover."""
    from conftest import REPO
    from sheetperf.vocab.labels import VALIDATION_MESSAGES

    code = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "sheetperf").rglob("*.py") if "vocab" not in p.parts)
    unused = [key for key in VALIDATION_MESSAGES if f'"{key}"' not in code]
    assert unused == []
