"""Prerequisites folded into plain flagd (``for_flagd``): flagd's own evaluator
(``openfeature-flagd-core``) on the folded set gives the value and variant unlockstep's engine
gives on the original, in every context."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unlockstep.core.flags import FlagEngine, for_flagd, killed, parse_flag_set, unfoldable

core = pytest.importorskip("openfeature.contrib.tools.flagd.core")
from openfeature.evaluation_context import EvaluationContext  # noqa: E402

SANDBOX = {"in": [{"var": "tenantId"}, ["t-sandbox"]]}


def _flag(
    default: str | None = "off", targeting: Any = None, prerequisites: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "state": "ENABLED",
        "variants": {"on": True, "off": False},
        "defaultVariant": default,
    }
    if targeting is not None:
        body["targeting"] = targeting
    if prerequisites is not None:
        body["metadata"] = {"prerequisites": prerequisites}
    return body


def _document(parents: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"bucketing": "cbor"},
        "$evaluators": {"segment.sandbox": SANDBOX},
        "flags": {**parents, "child": child},
    }


def _agree(document: dict[str, Any], contexts: list[dict[str, Any]]) -> None:
    ours = FlagEngine(parse_flag_set(document))
    oracle = core.FlagdCore()
    oracle.set_flags(copy.deepcopy(for_flagd(document)))
    for context in contexts:
        for key in document["flags"]:
            for default in (True, False):
                got = ours.evaluate(key, default, context)
                try:
                    answer = oracle.resolve_boolean_value(
                        key, default, EvaluationContext(context.get("targetingKey"), context)
                    )
                    expected = (answer.value, answer.variant)
                except Exception:  # flagd-core raises where a provider answers the default
                    expected = (default, None)
                assert expected == (got.value, got.variant), (
                    key, context, default,
                )  # fmt: skip


CONTEXTS = [
    {},
    {"targetingKey": "a", "tenantId": "t-sandbox", "region": "eu"},
    {"targetingKey": "b", "tenantId": "t-1", "region": "eu"},
    {"targetingKey": "c", "tenantId": "t-1", "region": "us"},
]

PARENTS = {
    "constant on": _flag("on"),
    "constant off": _flag("off"),
    "no default variant": _flag(None),
    "disabled": {**_flag("on"), "state": "DISABLED"},
    "killed": killed(_flag("on", {"if": [SANDBOX, "off", "on"]})),
    "targeted": _flag("off", {"if": [{"$ref": "segment.sandbox"}, "on", None]}),
    "targeted without default": _flag(None, {"if": [SANDBOX, "on", None]}),
    "targeted to a missing variant": _flag("on", {"if": [SANDBOX, "nope", None]}),
}

EU = {"if": [{"in": [{"var": "region"}, ["eu"]]}, "on", None]}
CHILDREN = {
    "constant": _flag("on", prerequisites="parent"),
    "targeted": _flag("off", EU, prerequisites="parent"),
    "split": _flag("off", {"fractional": [["on", 50], ["off", 50]]}, prerequisites="parent"),
    "no default": _flag(None, EU, prerequisites="parent"),
}


@pytest.mark.parametrize("parent", sorted(PARENTS))
@pytest.mark.parametrize("child", sorted(CHILDREN))
def test_a_folded_child_serves_what_unlocksteps_engine_serves(parent: str, child: str) -> None:
    _agree(_document({"parent": PARENTS[parent]}, CHILDREN[child]), CONTEXTS)


def test_two_prerequisites_are_both_conditions() -> None:
    document = _document(
        {"p1": PARENTS["targeted"], "p2": _flag("off", EU)}, _flag("on", prerequisites="p1, p2")
    )
    _agree(document, CONTEXTS)
    assert "and" in for_flagd(document)["flags"]["child"]["targeting"]["if"][0]


def test_a_parent_that_buckets_is_left_out_and_named() -> None:
    document = _document(
        {"parent": _flag("off", {"fractional": [["on", 50], ["off", 50]]})},
        _flag("on", prerequisites="parent"),
    )
    assert for_flagd(document)["flags"]["child"] == document["flags"]["child"]
    assert unfoldable(document) == ["child"]


def test_a_set_without_prerequisites_is_unchanged() -> None:
    document = _document({"parent": PARENTS["targeted"]}, _flag("on"))
    assert for_flagd(document) == document


@settings(max_examples=60, deadline=None)
@given(
    parent=st.sampled_from(sorted(PARENTS)),
    child=st.sampled_from(sorted(CHILDREN)),
    tenant=st.sampled_from(["t-sandbox", "t-1", None]),
    region=st.sampled_from(["eu", "us", None]),
    key=st.text(min_size=1, max_size=8),
)
def test_any_context_agrees(
    parent: str, child: str, tenant: str | None, region: str | None, key: str
) -> None:
    context: dict[str, Any] = {"targetingKey": key}
    if tenant is not None:
        context["tenantId"] = tenant
    if region is not None:
        context["region"] = region
    _agree(_document({"parent": PARENTS[parent]}, CHILDREN[child]), [context])
