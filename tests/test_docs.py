"""The README documents every command, and its set-up matches what CI runs."""

from __future__ import annotations

import re

import pytest

from conftest import REPO
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
