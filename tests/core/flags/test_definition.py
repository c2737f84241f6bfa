"""Parsing a flag set: one bad flag is named with its real cause and the rest still load."""

import datetime as dt
from typing import Any

import pytest

from unlockstep.core.flags import ErrorCode, FlagEngine, Reason, parse_flag_set
from unlockstep.core.flags.lint import lint
from unlockstep.errors import ParseError

GOOD: dict[str, Any] = {"state": "ENABLED", "variants": {"on": True, "off": False},
                        "defaultVariant": "on"}  # fmt: skip
DOCUMENT: dict[str, Any] = {
    "$evaluators": {"segment.tenant.pilot": {"in": [{"var": "tenantId"}, ["t-1"]]}},
    "flags": {
        "good": GOOD,
        "bad-state": {**GOOD, "state": "ON"},
        "bad-ref": {**GOOD, "targeting": {"if": [{"$ref": "segment.tenant.pliot"}, "on", "off"]}},
    },
}


def test_a_bad_flag_is_set_aside_with_its_cause_and_the_rest_loads() -> None:
    parsed = parse_flag_set(DOCUMENT, source="f.json")
    assert set(parsed.flags) == {"good"}
    assert set(parsed.invalid) == {"bad-state", "bad-ref"}
    state = parsed.invalid["bad-state"].problem
    assert (state.rule, state.where) == ("definition", "f.json#/flags/bad-state/state")


def test_an_undefined_evaluator_is_named_instead_of_blaming_ref() -> None:
    problem = parse_flag_set(DOCUMENT).invalid["bad-ref"].problem
    assert problem.rule == "targeting"
    assert "'segment.tenant.pliot'" in problem.message
    assert "segment.tenant.pilot" in problem.message  # what is defined, to spot the typo
    assert "unknown operator" not in problem.message


def test_the_engine_serves_a_bad_flag_as_parse_error_and_the_others_normally() -> None:
    engine = FlagEngine(parse_flag_set(DOCUMENT))
    bad = engine.evaluate("bad-state", False)
    assert (bad.value, bad.reason, bad.error_code) == (False, Reason.ERROR, ErrorCode.PARSE_ERROR)
    assert engine.evaluate("good", False).value is True
    assert set(engine.evaluate_all()) == {"good", "bad-state", "bad-ref"}


def test_lint_names_every_bad_flag() -> None:
    findings = {(f.flag, f.rule) for f in lint(parse_flag_set(DOCUMENT), dt.date.min)}
    assert {("bad-state", "definition"), ("bad-ref", "targeting")} <= findings


def test_a_broken_document_is_still_refused_whole() -> None:
    with pytest.raises(ParseError):
        parse_flag_set({"flags": []})
