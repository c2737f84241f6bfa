"""fractional puts each key where flagd does: testbed vectors for both algorithms."""

import copy
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unlockstep.core.flags import FlagEngine, Reason, parse_flag_set
from unlockstep.core.flags.jsonlogic import compile_rule
from unlockstep.core.flags.murmur3 import murmur3_32
from unlockstep.core.flags.operators import flagd_operators

from .fixtures import FRACTIONAL_FLAGS, document


class Key(str):
    """A str subclass, as some hosts pass for identifiers."""


def engine(bucketing: str) -> FlagEngine:
    return FlagEngine(parse_flag_set(document(FRACTIONAL_FLAGS, bucketing)))


# flagd testbed targeting.feature: @fractional-v2 (flagd's string algorithm) and
# @fractional-v3 (the CBOR-keyed algorithm of openfeature-flagd-core 2.x).
NAME_ROWS = [
    ("fractional-flag", "jack", "hearts", "diamonds"),
    ("fractional-flag", "queen", "spades", "diamonds"),
    ("fractional-flag", "ten", "clubs", "clubs"),
    ("fractional-flag", "nine", "diamonds", "clubs"),
    ("fractional-flag", "3", "clubs", "spades"),
    ("fractional-flag-A-shared-seed", "seven", "hearts", "hearts"),
    ("fractional-flag-A-shared-seed", "eight", "diamonds", "hearts"),
    ("fractional-flag-A-shared-seed", "nine", "clubs", "diamonds"),
    ("fractional-flag-A-shared-seed", "two", "spades", "diamonds"),
]


@pytest.mark.parametrize(("key", "name", "flagd", "cbor"), NAME_ROWS)
def test_bucketing_by_an_expression_matches_the_flagd_testbed(
    key: str, name: str, flagd: str, cbor: str
) -> None:
    context = {"user": {"name": name}}
    assert engine("flagd").evaluate(key, "fallback", context).value == flagd
    assert engine("cbor").evaluate(key, "fallback", context).value == cbor


@pytest.mark.parametrize(
    ("targeting_key", "flagd", "cbor"),
    [("jon@company.com", "heads", "tails"), ("jane@company.com", "tails", "tails")],
)
def test_shorthand_buckets_by_flag_key_and_targeting_key(
    targeting_key: str, flagd: str, cbor: str
) -> None:
    context = {"targetingKey": targeting_key}
    shorthand = "fractional-flag-shorthand"
    assert engine("flagd").evaluate(shorthand, "fallback", context).value == flagd
    assert engine("cbor").evaluate(shorthand, "fallback", context).value == cbor


@pytest.mark.parametrize(
    ("key", "variant"),
    [
        ("ejOoVL", "lower"),
        ("bY9fO-", "lower"),
        ("SI7p-", "lower"),
        ("6LvT0", "upper"),
        ("ceQdGm", "upper"),
    ],
)
def test_hash_edge_keys_land_on_the_right_side_of_a_50_50_split(key: str, variant: str) -> None:
    result = engine("flagd").evaluate(
        "fractional-hash-edge-flag", "fallback", {"targetingKey": key}
    )
    assert (result.value, result.reason) == (variant, Reason.SPLIT)


@pytest.mark.parametrize(
    ("targeting_key", "tier", "expected"),
    [
        ("jon@company.com", "premium", "premium"),
        ("jon@company.com", "basic", "standard"),
        ("user1", "premium", "standard"),
        ("user1", "basic", "standard"),
    ],
)
def test_a_bucket_variant_can_be_an_expression(
    targeting_key: str, tier: str, expected: str
) -> None:
    context: dict[str, Any] = {"targetingKey": targeting_key, "tier": tier}
    assert engine("flagd").evaluate("fractional-nested-if-flag", "x", context).value == expected


@pytest.mark.parametrize(("tier", "expected"), [("premium", "red"), ("basic", "blue")])
def test_a_bucket_weight_can_be_an_expression(tier: str, expected: str) -> None:
    for targeting_key in ("jon@company.com", "user1"):
        context = {"targetingKey": targeting_key, "tier": tier}
        assert (
            engine("flagd").evaluate("fractional-nested-weight-flag", "x", context).value
            == expected
        )


def test_shorthand_without_a_targeting_key_serves_the_default_variant() -> None:
    result = engine("flagd").evaluate("fractional-flag-shorthand", "fallback", {})
    assert (result.value, result.variant, result.reason) == ("draw", "draw", Reason.DEFAULT)


def test_the_same_user_gets_a_different_bucket_under_the_other_algorithm() -> None:
    context = {"targetingKey": "jon@company.com"}
    shorthand = "fractional-flag-shorthand"
    assert engine("flagd").evaluate(shorthand, "", context).value != (
        engine("cbor").evaluate(shorthand, "", context).value
    )


def reference_bucket(data: bytes, names: list[str], ws: list[int]) -> str:
    """flagd's bucketing written out independently: hash, scale, walk the weights."""
    point = (murmur3_32(data) * sum(ws)) >> 32
    end = 0
    for name, weight in zip(names, ws, strict=True):
        end += weight
        if point < end:
            return name
    raise AssertionError("the point is always below the total")


def split_engine(flag_key: str, ws: list[int], bucketing: str) -> tuple[FlagEngine, list[str]]:
    names = [f"v{i}" for i in range(len(ws))]
    doc = {
        "metadata": {"bucketing": bucketing},
        "flags": {
            flag_key: {
                "state": "ENABLED",
                "variants": {name: name for name in names},
                "defaultVariant": names[0],
                "targeting": {"fractional": [[n, w] for n, w in zip(names, ws, strict=True)]},
            }
        },
    }
    return FlagEngine(parse_flag_set(doc)), names


weights = st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=5).filter(
    lambda ws: sum(ws) > 0
)


@settings(max_examples=200, deadline=None)
@given(flag_key=st.text(min_size=1, max_size=12), targeting_key=st.text(max_size=24), ws=weights)
def test_shorthand_buckets_are_flagds_formula_zero_weights_included(
    flag_key: str, targeting_key: str, ws: list[int]
) -> None:
    context = {"targetingKey": targeting_key}
    ours, names = split_engine(flag_key, ws, "flagd")
    expected = reference_bucket((flag_key + targeting_key).encode(), names, ws)
    assert ours.evaluate(flag_key, "x", context).variant == expected
    ours, names = split_engine(flag_key, ws, "cbor")
    got = ours.evaluate(flag_key, "x", context)
    if targeting_key:
        expected = reference_bucket(cbor2.dumps([flag_key, targeting_key]), names, ws)
        assert got.variant == expected
    else:  # the CBOR algorithm has no bucketing value without a key
        assert got.reason == Reason.DEFAULT


@pytest.mark.parametrize("bucketing", ["flagd", "cbor"])
@pytest.mark.parametrize("targeting_key", [7, ["a"], None, Key("user-1")])
def test_fractional_buckets_only_a_plain_string_targeting_key(
    bucketing: str, targeting_key: Any
) -> None:
    rule = compile_rule({"fractional": [["a", 1], ["b", 1]]}, "f", flagd_operators(bucketing))
    got = rule({"targetingKey": targeting_key})
    if isinstance(targeting_key, str):  # a str subclass takes the general path, same answer
        assert got == rule({"targetingKey": str(targeting_key)}) and got in ("a", "b")
    else:
        assert got is None


def fraction_targets(variants: list[Any]) -> dict[str, Any]:
    """``fractional`` as a condition: its buckets hold booleans, numbers or null."""
    return {"fractional": [[variant, 50] for variant in variants]}


@pytest.mark.parametrize("bucketing", ["flagd", "cbor"])
@pytest.mark.parametrize("variants", [[True, False], [1, 2], [1.5, None], [None, "b"]])
def test_fractional_buckets_may_hold_booleans_numbers_and_null(
    bucketing: str, variants: list[Any]
) -> None:
    ops = flagd_operators(bucketing)
    scalar = compile_rule(fraction_targets(variants), "f", ops)
    named = compile_rule(fraction_targets(["first", "second"]), "f", ops)
    for key in ("user-1", "user-2", "user-3", "user-4", "user-5", "user-6"):
        picked = named({"targetingKey": key})
        assert scalar({"targetingKey": key}) == variants[["first", "second"].index(picked)]


@pytest.mark.parametrize("bucketing", ["flagd", "cbor"])
@pytest.mark.parametrize("weight", [50.5, 50.0, True, "50"])
def test_a_weight_that_is_not_an_integer_makes_the_split_invalid_as_in_flagd(
    bucketing: str, weight: Any
) -> None:
    core = pytest.importorskip("openfeature.contrib.tools.flagd.core")
    targeting = {"fractional": [["on", weight], ["off", 50]]}
    flags = {"f": {"state": "ENABLED", "variants": {"on": "on", "off": "off"},
                   "defaultVariant": "off", "targeting": targeting}}  # fmt: skip
    oracle = core.FlagdCore()
    oracle.set_flags({"flags": copy.deepcopy(flags)})
    from openfeature.evaluation_context import EvaluationContext

    expected = oracle.resolve_string_value("f", "x", EvaluationContext("user-1"))
    got = FlagEngine(parse_flag_set(document(flags, bucketing))).evaluate(
        "f", "x", {"targetingKey": "user-1"}
    )
    assert (expected.reason, got.reason) == ("DEFAULT", Reason.DEFAULT)
    assert got.value == expected.value == "off"
