"""The rule catalogue and the generated docs/rules.md."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from unlockstep.core.compat._model import Breaks, Level, Policy
from unlockstep.core.compat._rules import RULES, Rule, level_for

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "rules.md"
_spec = importlib.util.spec_from_file_location("rules_doc", ROOT / "scripts" / "rules_doc.py")
assert _spec is not None and _spec.loader is not None
rules_doc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rules_doc)
markdown_table = rules_doc.markdown_table
WRITERS = frozenset({Breaks.WRITERS, Breaks.BOTH})


def test_docs_rules_md_is_current() -> None:
    assert DOC.read_text() == markdown_table(), (
        "docs/rules.md is stale: run `python scripts/rules_doc.py > docs/rules.md`"
    )


def test_every_json_schema_rule_id_is_kebab_case_and_has_a_suggestion() -> None:
    # (The Protobuf engine keeps buf's own rule ids, so only ours are checked for style.)
    for rule in (r for r in RULES.values() if r.kind == "jsonschema"):
        assert rule.id == rule.id.lower() and " " not in rule.id and "_" not in rule.id
        assert rule.summary
        if rule.breaks is not Breaks.NONE:
            assert rule.suggestion, rule.id


def test_levels_follow_the_protected_side_and_the_rule_flags() -> None:
    plain = Rule("x", "t", Breaks.WRITERS, "s")
    tolerable = Rule("y", "t", Breaks.READERS, "s", tolerable=True)
    unprovable = Rule("z", "t", Breaks.WRITERS, "s", unprovable=True)
    lenient, strict = Policy.LENIENT, Policy.STRICT
    assert level_for(plain, Breaks.WRITERS, breaking_for=WRITERS, policy=lenient) is Level.BREAKING
    assert level_for(plain, Breaks.READERS, breaking_for=WRITERS, policy=lenient) is Level.WARNING
    assert level_for(plain, Breaks.NONE, breaking_for=WRITERS, policy=lenient) is Level.INFO
    readers = frozenset({Breaks.READERS, Breaks.BOTH})
    assert (
        level_for(tolerable, Breaks.READERS, breaking_for=readers, policy=strict) is Level.WARNING
    )
    assert (
        level_for(
            tolerable, Breaks.READERS, breaking_for=readers, policy=strict, strict_reader=True
        )
        is Level.BREAKING
    )
    assert (
        level_for(unprovable, Breaks.WRITERS, breaking_for=WRITERS, policy=lenient) is Level.WARNING
    )
    assert (
        level_for(unprovable, Breaks.WRITERS, breaking_for=WRITERS, policy=strict) is Level.BREAKING
    )


def test_a_fixed_level_holds_whoever_is_protected_but_hurting_nobody_is_information() -> None:
    fixed = Rule("f", "t", Breaks.READERS, "s", level=Level.WARNING)
    for breaking_for in (WRITERS, frozenset({Breaks.READERS})):
        assert (
            level_for(fixed, Breaks.READERS, breaking_for=breaking_for, policy=Policy.STRICT)
            is Level.WARNING
        )
    assert level_for(fixed, Breaks.NONE, breaking_for=WRITERS, policy=Policy.LENIENT) is Level.INFO
    by_nature = Rule("g", "t", Breaks.NONE, "s", level=Level.BREAKING)  # e.g. a failing migration
    assert (
        level_for(by_nature, Breaks.NONE, breaking_for=WRITERS, policy=Policy.LENIENT)
        is Level.BREAKING
    )


def test_an_uncatalogued_id_is_judged_conservatively_not_raised() -> None:
    from unlockstep.core.compat import judge

    assert judge("no-such-rule", Breaks.WRITERS, policy=Policy.LENIENT) is Level.BREAKING
    assert judge("no-such-rule", Breaks.NONE, policy=Policy.LENIENT) is Level.INFO
