"""The codebase's own rules, checked like any other behaviour: strict typing and lint."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys

import pytest

from conftest import REPO


def test_mypy_strict_is_clean(tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = tmp_path_factory.mktemp("mypy-cache")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff")
    assert ruff, "ruff is a test dependency: pip install -e '.[test]'"
    result = subprocess.run(
        [ruff, "check", "sheetperf", "tests", "benchmarks"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_is_typed() -> None:
    assert (REPO / "sheetperf" / "py.typed").is_file()


def test_import_layers_are_kept() -> None:
    """cli → services → checks | io → forms | xlsx → rules → model → vocab → errors (pyproject.toml)."""
    lint = shutil.which("lint-imports")
    assert lint, "import-linter is a test dependency: pip install -e '.[test]'"
    result = subprocess.run([lint], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


#: Functions memoised for the life of the process.  Each computes a constant of the package
#: (a table built from Unicode data, the shipped profiles and layouts), never anything read
#: from a user's input: a batch's memory is a BatchCache passed down (sheetperf/model/memo.py).
LAZY_CONSTANTS = {
    ("io/locate.py", "_drop_table"),
    ("io/importtext.py", "_known_categories"),
    ("forms/layout.py", "get_layout"),
    ("rules/profiles.py", "_shipped_profile"),
}


def _module_state(tree: ast.Module, relative: str) -> list[str]:
    found = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name in {"lru_cache", "cache"} and (relative, node.name) not in LAZY_CONSTANTS:
                    found.append(f"{relative}:{node.lineno} {node.name} is memoised at module level")
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        empty_container = isinstance(value, (ast.Dict, ast.List, ast.Set)) and not (
            getattr(value, "keys", None) or getattr(value, "elts", None)
        )
        empty_call = (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id in {"dict", "list", "set", "OrderedDict", "defaultdict"}
        )
        if empty_container or empty_call:
            found.append(f"{relative}:{node.lineno} starts an empty mutable container at module level")
    return found


def _per_module(check: str, *, skip: str = "") -> dict[str, list[str]]:
    """``check`` (a function of this file: a module's tree and its path in the package → what it
    finds) over every module of sheetperf/ but the sub-package ``skip``, module by module.

    The scan runs in a fresh interpreter: CPython 3.11's ast.parse can fail with "AST
    constructor recursion depth mismatch" after an earlier test has hit a RecursionError.
    """
    script = (
        f"import ast, json, sys; sys.path.insert(0, 'tests'); from test_quality import {check}; "
        "from pathlib import Path; p = Path('sheetperf'); "
        f"print(json.dumps({{f.relative_to(p).as_posix(): {check}(ast.parse(f.read_text(encoding='utf-8')), "
        f"f.relative_to(p).as_posix()) for f in sorted(p.rglob('*.py')) if f.relative_to(p).parts[0] != {skip!r}}}))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found


def test_no_module_level_caches() -> None:
    """What a batch remembers lives in a BatchCache, not in module globals (issue 15)."""
    assert [hit for hits in _per_module("_module_state").values() for hit in hits] == []


def test_module_state_check_finds_a_cache() -> None:
    planted = ast.parse("import functools\n_SEEN = {}\n@functools.lru_cache\ndef f(x):\n    return x\n")
    assert len(_module_state(planted, "x.py")) == 2


#: Modules allowed to hold Chinese string constants outside ``sheetperf/vocab/``, each with why.
CJK_ALLOWED: set[str] = set()  # none today; an entry says why its module may
#: CJK ideographs: the unified block, extension A and the compatibility ideographs.
_CJK_CHARS = ("\u3400", "\u4dbf"), ("\u4e00", "\u9fff"), ("\uf900", "\ufaff")


def _has_cjk(text: str) -> bool:
    return any(low <= ch <= high for ch in text for low, high in _CJK_CHARS)


def _cjk_constants(tree: ast.Module, relative: str) -> list[str]:
    """Every string constant holding a CJK character, docstrings (and any other bare string
    statement, such as an attribute's docstring) excepted."""
    bare = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    return [
        f"{relative}:{node.lineno} {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in bare
        and _has_cjk(node.value)
    ]


def test_no_chinese_outside_the_vocabulary() -> None:
    """Every Chinese word people type and every Chinese message lives in sheetperf/vocab/ (issue 15)."""
    found = _per_module("_cjk_constants", skip="vocab")
    assert [hit for module, hits in found.items() if module not in CJK_ALLOWED for hit in hits] == []
    assert sorted(m for m in CJK_ALLOWED if not found.get(m)) == [], "moved: take the module off CJK_ALLOWED"


@pytest.mark.parametrize(
    ("source", "count"),
    [
        ('"""模块说明"""\nX = "万元"\n', 1),
        ('def f():\n    """函数说明"""\n    return f"第 {1} 行"\n', 2),
        ('X = 1\n"""属性说明"""\nY = r"\\u4e00"\n', 0),
        ('import re\nR = re.compile("[\\u4e00-\\u9fff]")\n', 1),
        ('X = "（%）"\n', 0),
    ],
    ids=["constant", "f-string", "docstrings-and-escaped-source", "escaped-ideograph", "punctuation-only"],
)
def test_cjk_check_finds_chinese_constants(source: str, count: int) -> None:
    assert len(_cjk_constants(ast.parse(source), "x.py")) == count


def test_checking_a_form_imports_no_pandas() -> None:
    """A consolidation's worker reads, scores and checks forms without pandas (issue 15: each
    worker started would import it again), and the command preloads what the worker needs."""
    code = (
        "import sys\n"
        "from sheetperf.services import consolidate as c\n"
        "from sheetperf.rules.choose import profile_source\n"
        "c.preload_worker_modules()\n"
        "before = set(sys.modules)\n"
        "s = c.init_worker(c.Settings(profile=profile_source('auto')))\n"
        f"entry, blob = c.analyse_file(s, (0, {str(REPO / 'samples' / 'self_evaluation-2023-jiaoyi-zhishu.xlsx')!r}, 'read'))\n"
        "assert entry.status == 'ok' and blob, entry\n"
        "heavy = [m for m in ('pandas', 'numpy', 'pyarrow', 'openpyxl', 'xlsxwriter') if m in sys.modules]\n"
        "late = sorted(m for m in set(sys.modules) - before if m.startswith('sheetperf.'))\n"
        "print(heavy, late)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] []", done.stdout
