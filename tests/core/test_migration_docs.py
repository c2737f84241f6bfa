"""docs/migrations.md documents every rule id the classifier and the table kind can report."""

from __future__ import annotations

import re
from pathlib import Path

from unlockstep.core.migrations import _table as table
from unlockstep.core.migrations._rules import RULES

DOC = (Path(__file__).parents[2] / "docs" / "migrations.md").read_text()


def test_every_migration_rule_is_documented_with_its_squawk_equivalent() -> None:
    for rule in RULES.values():
        row = next((line for line in DOC.splitlines() if line.startswith(f"| `{rule.id}` |")), None)
        assert row is not None, f"{rule.id} missing from docs/migrations.md"
        assert f"| {rule.family} | {rule.level.value} | {rule.breaks.value} |" in row
        if rule.squawk:
            assert f"`{rule.squawk}`" in row


def test_every_table_rule_is_documented() -> None:
    source = Path(table.__file__).read_text()
    rules = set(re.findall(r'"((?:table|column|required|primary|unique|check)-[a-z-]+)"', source))
    assert rules  # the loop below checks something
    for rule in rules:
        assert f"`{rule}`" in DOC, rule
