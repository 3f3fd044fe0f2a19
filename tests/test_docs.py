"""The README documents every command, and its set-up matches what CI runs."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from conftest import HAVE_SHARED, REPO
from sheetperf.cli import main

README = (REPO / "README.md").read_text(encoding="utf-8")
CI_RUN = (REPO / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(main.commands), ids=str)
def test_every_command_is_in_the_readme(command: str) -> None:
    assert re.search(rf"sheetperf {re.escape(command)}\b", README), f"README does not show `sheetperf {command}`"


@pytest.mark.parametrize("command", sorted(main.commands), ids=str)
def test_every_command_help_ends_with_an_example(command: str) -> None:
    help_text = main.commands[command].help or ""
    assert "示例" in help_text, f"`sheetperf {command} --help` shows no example"


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    test_command = "python -m pytest"
    assert any(block.strip() == test_command for block in blocks), "README shows the test command on its own"
    assert CI_RUN.strip().splitlines()[-1] == test_command
    assert 'pip install -q -e ".[test]"' in CI_RUN and 'pip install -e ".[test]"' in README


def test_readme_apt_packages_are_installed_by_ci() -> None:
    match = re.search(r"apt-get install -y --no-install-recommends ([^\n]+)", README)
    assert match, "README lists the Debian packages"
    for package in match.group(1).split():
        assert package in CI_RUN, f"{package} is in the README but .ci/run does not install it"


# --- the README's Python examples run as doctests ------------------------------------------------

_EXAMPLES = [
    (README.count("\n", 0, match.start()) + 2, match.group(1))
    for match in re.finditer(r"```python\n(.*?)```", README, flags=re.S)
    if ">>>" in match.group(1)
]


@pytest.mark.parametrize(("line", "example"), _EXAMPLES, ids=[f"README-line-{line}" for line, _ in _EXAMPLES])
def test_readme_python_example_runs(line: int, example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each ``>>>`` block of the README, run as written from a checkout-like folder (outputs go to tmp)."""
    if "../shared" in example and not HAVE_SHARED:
        pytest.skip("the example reads ../shared, which is not beside the checkout")
    root = tmp_path / "sheetperf"
    root.mkdir()
    (root / "samples").symlink_to(REPO / "samples")
    (tmp_path / "shared").symlink_to(REPO.parent / "shared")
    monkeypatch.chdir(root)
    test = doctest.DocTestParser().get_doctest(example, {}, f"README.md:{line}", "README.md", line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)
