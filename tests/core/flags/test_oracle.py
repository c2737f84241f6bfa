"""Live oracle: openfeature-flagd-core 2.x (the Python flagd provider's evaluator) and our
engine give the same variant for generated keys, weights and tenants (CBOR bucketing)."""

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

core = pytest.importorskip("openfeature.contrib.tools.flagd.core")
from openfeature.evaluation_context import EvaluationContext  # noqa: E402

from unlockstep.core.flags import FlagEngine, Reason, parse_flag_set  # noqa: E402

keys = st.text(min_size=1, max_size=24)
weights = st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=5).filter(
    lambda ws: sum(ws) > 0
)


def both(document: dict[str, Any]) -> tuple[FlagEngine, Any]:
    oracle = core.FlagdCore()
    oracle.set_flags(copy.deepcopy(document))  # it edits the document it is given
    return FlagEngine(parse_flag_set(document)), oracle


def split_document(flag_key: str, ws: list[int], explicit: bool) -> dict[str, Any]:
    names = [f"v{i}" for i in range(len(ws))]
    buckets = [[name, w] for name, w in zip(names, ws, strict=True)]
    args = [{"var": "user"}, *buckets] if explicit else buckets
    return {
        "metadata": {"bucketing": "cbor"},
        "flags": {
            flag_key: {
                "state": "ENABLED",
                "variants": {name: name for name in names},
                "defaultVariant": names[0],
                "targeting": {"fractional": args},
            }
        },
    }


@settings(max_examples=150, deadline=None)
@given(flag_key=keys, targeting_key=keys, ws=weights)
def test_shorthand_fractional_agrees_with_flagd_core(
    flag_key: str, targeting_key: str, ws: list[int]
) -> None:
    ours, oracle = both(split_document(flag_key, ws, explicit=False))
    expected = oracle.resolve_string_value(flag_key, "x", EvaluationContext(targeting_key))
    got = ours.evaluate(flag_key, "x", {"targetingKey": targeting_key})
    assert got.variant == expected.variant


bucket_values = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False),
    st.lists(st.text(max_size=4), max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(value=bucket_values, ws=weights)
def test_explicit_bucketing_values_agree_with_flagd_core(value: Any, ws: list[int]) -> None:
    ours, oracle = both(split_document("f", ws, explicit=True))
    expected = oracle.resolve_string_value("f", "x", EvaluationContext("t", {"user": value}))
    got = ours.evaluate("f", "x", {"targetingKey": "t", "user": value})
    assert got.variant == expected.variant


TENANT_DOC = {
    "flags": {
        "tenant": {
            "state": "ENABLED",
            "variants": {"on": True, "off": False},
            "defaultVariant": "off",
            "targeting": {"if": [{"in": [{"var": "tenant"}, ["t1", "t2", "t3"]]}, "on", None]},
        }
    }
}


@settings(max_examples=100, deadline=None)
@given(tenant=st.sampled_from(["t1", "t2", "t3", "t4", "", "T1"]) | st.text(max_size=4))
def test_tenant_lists_agree_with_flagd_core(tenant: str) -> None:
    ours, oracle = both(TENANT_DOC)
    expected = oracle.resolve_boolean_value(
        "tenant", False, EvaluationContext(None, {"tenant": tenant})
    )
    got = ours.evaluate("tenant", False, {"tenant": tenant})
    assert (got.value, got.variant, str(got.reason)) == (
        expected.value, expected.variant, str(expected.reason.value),
    )  # fmt: skip
    assert got.reason in (Reason.TARGETING_MATCH, Reason.DEFAULT)
