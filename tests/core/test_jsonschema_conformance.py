"""Apicurio Registry's JSON Schema compatibility cases (``tests/conformance``).

A case's ``compatibility`` maps to our BACKWARD and FORWARD checks (see the corpus README):
``backward`` -> BACKWARD passes and FORWARD fails, ``both`` -> both pass, ``none`` -> both fail.
Apicurio judges provable inclusion, which is our STRICT policy; the cases where we disagree
on purpose are listed below with the reason (and in ``docs/conformance.md``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests import conformance
from unlockstep.core.compat._model import Mode, Policy, Source, check
from unlockstep.core.jsonschema import _engine as jsonschema

pytestmark = pytest.mark.slow  # ~290 cases: the quick mode leaves them to CI
CORPUS = conformance.corpus("apicurio-jsonschema") / "compatibility-test-data.json"
CASES = [t for t in json.loads(CORPUS.read_text())["tests"] if t.get("enabled", True)]

#: index -> (policy, what we answer, why). Everything else must agree exactly.
DISAGREE = {
    (117, Policy.STRICT): (
        "none",
        "oneOf [string, maxLength 5] -> [string, maxLength 10]: a 7-character string matched"
        " one branch before and matches both after, so oneOf rejects it; STRICT reports it",
    ),
    (119, Policy.STRICT): (
        "none",
        "oneOf [string] -> [string, maxLength 5]: any short string now matches two branches"
        " and is rejected; STRICT reports the new oneOf branch as breaking both ways",
    ),
    (36, Policy.LENIENT): (
        "both",
        "removing an optional property from an open model: LENIENT accepts the reverse"
        " (declaring it in an open model) as safe in practice",
    ),
    (52, Policy.LENIENT): ("both", "as 36, for a patternProperties entry"),
    (54, Policy.LENIENT): ("both", "as 36, for a property inside a dependency schema"),
    (136, Policy.LENIENT): ("both", "as 36"),
}


def verdict(case: dict[str, Any], policy: Policy) -> str:
    engine = jsonschema.ENGINE
    old = engine.parse(Source(json.dumps(case["original"]), "original.json"))
    new = engine.parse(Source(json.dumps(case["updated"]), "updated.json"))
    backward = check(engine, new, [("original", old)], Mode.BACKWARD, policy).compatible
    forward = check(engine, new, [("original", old)], Mode.FORWARD, policy).compatible
    if backward and forward:
        return "both"
    if backward:
        return "backward"
    return "forward" if forward else "none"


@pytest.mark.parametrize("policy", [Policy.STRICT, Policy.LENIENT], ids=str)
@pytest.mark.parametrize("index", range(len(CASES)))
def test_apicurio_case(index: int, policy: Policy) -> None:
    case = CASES[index]
    expected, why = DISAGREE.get((index, policy), (case["compatibility"], ""))
    assert verdict(case, policy) == expected, f"{case['id']} {why}"


def test_agreement_figures() -> None:
    """The figures quoted in docs/conformance.md."""
    agree = {
        policy: sum(verdict(c, policy) == c["compatibility"] for c in CASES)
        for policy in (Policy.STRICT, Policy.LENIENT)
    }
    assert len(CASES) == 145
    assert agree == {Policy.STRICT: 143, Policy.LENIENT: 141}
