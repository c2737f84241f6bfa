"""docs/policies.md embeds the built-in rule table generated from the code."""

from __future__ import annotations

from pathlib import Path

from unlockstep.core.policies import rules_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "policies.md"


def test_the_documented_builtin_rules_are_the_real_ones() -> None:
    text = DOC.read_text()
    start = text.index("-->\n", text.index("<!-- generated from")) + 4
    end = text.index("<!-- end of generated table -->")
    assert text[start:end] == rules_markdown(), (
        "regenerate the table: python -c 'from unlockstep.core.policies import rules_markdown; "
        "print(rules_markdown(), end="
        ")'"
    )
