"""The documentation stays true: CI runs the README's test command, every command is documented."""

from __future__ import annotations

import re

import pytest

from advisor.cli import COMMANDS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    commands = [line for line in README.splitlines() if line.startswith("python3 -m venv") and "pytest" in line]
    assert len(commands) == 1
    assert commands[0] in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_documented_in_the_readme(command: str) -> None:
    assert re.search(rf"`advisor {command}\b", README), command


def test_the_rule_authors_guide_covers_every_effect_and_operator() -> None:
    from advisor.knowledge.models import VALUE_OPERATORS

    guide = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    for word in ("supports", "weakens", "excludes", "selects_variant", "warns", *VALUE_OPERATORS):
        assert f"`{word}" in guide or f"{word}:" in guide, word
