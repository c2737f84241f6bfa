"""Every reason and error code, flagd's way."""

from typing import Any

import pytest

from unlockstep.core.flags import ErrorCode, FlagEngine, Reason, parse_flag_set

from .fixtures import BOOL, document, flag

FLAGS: dict[str, Any] = {
    "static-on": flag(BOOL, "on"),
    "empty-targeting": flag(BOOL, "on", {}),
    "no-default": flag(BOOL, None),
    "no-default-targeted": flag(BOOL, None, {"if": [{"==": [{"var": "tenant"}, "a"]}, "on", None]}),
    "disabled": {**flag(BOOL, "on"), "state": "DISABLED"},
    "tenant-list": flag(BOOL, "off", {"if": [{"in": [{"var": "tenant"}, ["a", "b"]]}, "on", None]}),
    "boolean-result": flag(BOOL, "off", {"==": [{"var": "tenant"}, "a"]}),
    "unknown-variant": flag(BOOL, "off", {"if": [True, "maybe", None]}),
    "bad-default": flag(BOOL, "maybe"),
    "bad-operator": flag(BOOL, "off", {"nope": [1]}),
    "raises": flag(BOOL, "off", {"substr": [{"var": "x"}, "not-a-number"]}),
    "ints": flag({"one": 1, "two": 2}, "one"),
    "floats": flag({"half": 0.5}, "half"),
    "objects": flag({"cfg": {"a": 1}}, "cfg"),
    "zero": flag({"zero": 0, "empty": "", "false": False}, "zero"),
    "empty-string": flag({"empty": ""}, "empty"),
    "false-value": flag({"false": False}, "false"),
    "split": flag({"a": "a", "b": "b"}, "a", {"fractional": [["a", 50], ["b", 50]]}),
    "flag-key": flag(
        BOOL, "off", {"if": [{"==": [{"var": "$flagd.flagKey"}, "flag-key"]}, "on", "off"]}
    ),
    "timestamp": flag(
        BOOL, "off", {"if": [{">": [{"var": "$flagd.timestamp"}, 1_700_000_000]}, "on", "off"]}
    ),
    "kill": flag(BOOL, "on", metadata={"type": "ops", "killSwitch": True}),
    "child": flag(BOOL, "on", metadata={"prerequisites": "kill"}),
    "orphan": flag(BOOL, "on", metadata={"prerequisites": "missing"}),
    "ref": flag(BOOL, "off", {"if": [{"$ref": "tenant-a"}, "on", "off"]}),
    "ref-missing": flag(BOOL, "off", {"if": [{"$ref": "nowhere"}, "on", "off"]}),
}
EVALUATORS = {"tenant-a": {"==": [{"var": "tenant"}, "a"]}}


@pytest.fixture(scope="module")
def engine() -> FlagEngine:
    return FlagEngine(parse_flag_set(document(FLAGS, **{"$evaluators": EVALUATORS})))


CASES = [
    # name, key, default, context, value, variant, reason, error code
    ("static flag", "static-on", False, {}, True, "on", Reason.STATIC, None),
    ("empty targeting is static", "empty-targeting", False, {}, True, "on", Reason.STATIC, None),
    ("no default variant", "no-default", False, {}, False, None, Reason.DEFAULT, None),
    (
        "no default, rule misses",
        "no-default-targeted",
        True,
        {"tenant": "z"},
        True,
        None,
        Reason.DEFAULT,
        None,
    ),
    (
        "no default, rule hits",
        "no-default-targeted",
        False,
        {"tenant": "a"},
        True,
        "on",
        Reason.TARGETING_MATCH,
        None,
    ),
    ("disabled", "disabled", False, {}, False, None, Reason.DISABLED, None),
    (
        "tenant in list",
        "tenant-list",
        False,
        {"tenant": "b"},
        True,
        "on",
        Reason.TARGETING_MATCH,
        None,
    ),
    (
        "tenant not in list",
        "tenant-list",
        True,
        {"tenant": "z"},
        False,
        "off",
        Reason.DEFAULT,
        None,
    ),
    ("missing attribute", "tenant-list", True, {}, False, "off", Reason.DEFAULT, None),
    (
        "boolean result names a variant",
        "boolean-result",
        True,
        {"tenant": "z"},
        True,
        None,
        Reason.ERROR,
        ErrorCode.GENERAL,
    ),
    ("unknown variant", "unknown-variant", True, {}, True, None, Reason.ERROR, ErrorCode.GENERAL),
    ("default not a variant", "bad-default", True, {}, True, None, Reason.ERROR, ErrorCode.GENERAL),
    (
        "rule does not compile",
        "bad-operator",
        True,
        {},
        True,
        None,
        Reason.ERROR,
        ErrorCode.PARSE_ERROR,
    ),
    ("rule raises", "raises", True, {"x": "abc"}, True, None, Reason.ERROR, ErrorCode.GENERAL),
    ("flag not found", "nope", "d", {}, "d", None, Reason.ERROR, ErrorCode.FLAG_NOT_FOUND),
    (
        "bool asked as string",
        "static-on",
        "d",
        {},
        "d",
        None,
        Reason.ERROR,
        ErrorCode.TYPE_MISMATCH,
    ),
    ("int asked as bool", "ints", False, {}, False, None, Reason.ERROR, ErrorCode.TYPE_MISMATCH),
    ("int served as float", "ints", 0.0, {}, 1.0, "one", Reason.STATIC, None),
    ("float asked as int", "floats", 0, {}, 0, None, Reason.ERROR, ErrorCode.TYPE_MISMATCH),
    ("object", "objects", {}, {}, {"a": 1}, "cfg", Reason.STATIC, None),
    ("zero value int", "zero", 7, {}, 0, "zero", Reason.STATIC, None),
    ("zero value string", "empty-string", "x", {}, "", "empty", Reason.STATIC, None),
    ("zero value bool", "false-value", True, {}, False, "false", Reason.STATIC, None),
    ("fractional is a split", "split", "", {"targetingKey": "u"}, "a", "a", Reason.SPLIT, None),
    ("$flagd.flagKey", "flag-key", False, {}, True, "on", Reason.TARGETING_MATCH, None),
    ("$flagd.timestamp", "timestamp", False, {}, True, "on", Reason.TARGETING_MATCH, None),
    (
        "$ref to an evaluator",
        "ref",
        False,
        {"tenant": "a"},
        True,
        "on",
        Reason.TARGETING_MATCH,
        None,
    ),
    ("$ref to nothing", "ref-missing", True, {}, True, None, Reason.ERROR, ErrorCode.PARSE_ERROR),
    ("prerequisite on", "child", False, {}, True, "on", Reason.STATIC, None),
    ("prerequisite missing", "orphan", False, {}, False, None, Reason.DISABLED, None),
    (
        "targetingKey not a string",
        "static-on",
        False,
        {"targetingKey": 5},
        False,
        None,
        Reason.ERROR,
        ErrorCode.INVALID_CONTEXT,
    ),
]


@pytest.mark.parametrize(
    ("key", "default", "context", "value", "variant", "reason", "code"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_outcome(
    engine: FlagEngine, key: str, default: Any, context: dict[str, Any], value: Any,
    variant: str | None, reason: Reason, code: ErrorCode | None,
) -> None:  # fmt: skip
    result = engine.evaluate(key, default, context)
    assert (result.value, result.variant, result.reason, result.error_code) == (
        value, variant, reason, code,
    )  # fmt: skip


def test_a_context_that_is_not_an_object_is_invalid(engine: FlagEngine) -> None:
    result = engine.evaluate("static-on", False, ["not", "a", "mapping"])  # type: ignore[arg-type]
    assert result.error_code == ErrorCode.INVALID_CONTEXT


def test_a_kill_switch_turned_off_disables_its_children() -> None:
    flags = dict(FLAGS)
    flags["kill"] = {**FLAGS["kill"], "state": "DISABLED"}
    engine = FlagEngine(parse_flag_set(document(flags)))
    assert engine.evaluate("child", False).reason == Reason.DISABLED


def test_a_kill_switch_serving_false_disables_its_children() -> None:
    flags = dict(FLAGS)
    flags["kill"] = {**FLAGS["kill"], "defaultVariant": "off"}
    engine = FlagEngine(parse_flag_set(document(flags)))
    assert (engine.evaluate("child", False).value, engine.evaluate("child", False).reason) == (
        False, Reason.DISABLED,
    )  # fmt: skip


def test_strict_engines_report_a_missing_targeting_key_for_fractional() -> None:
    engine = FlagEngine(parse_flag_set(document(FLAGS)), strict_targeting_key=True)
    result = engine.evaluate("split", "d", {})
    assert (result.value, result.error_code) == ("d", ErrorCode.TARGETING_KEY_MISSING)


def test_metadata_merges_flag_set_then_flag(engine: FlagEngine) -> None:
    doc = document({"k": flag(BOOL, "on", metadata={"owner": "team-a"})})
    doc["metadata"] = {"flagSetId": "s", "owner": "platform"}
    result = FlagEngine(parse_flag_set(doc)).evaluate("k", False)
    assert result.metadata == {"flagSetId": "s", "owner": "team-a"}


def test_environment_overrides_replace_state_and_targeting() -> None:
    doc = document({"k": flag(BOOL, "on")})
    doc["environments"] = {"prod": {"flags": {"k": {"state": "DISABLED"}}}}
    assert (
        FlagEngine(parse_flag_set(doc, environment="prod")).evaluate("k", False).reason
        == Reason.DISABLED
    )
    assert FlagEngine(parse_flag_set(doc, environment="dev")).evaluate("k", False).value is True


def test_evaluate_all_resolves_every_flag_without_a_type(engine: FlagEngine) -> None:
    results = engine.evaluate_all({"tenant": "a"})
    assert set(results) == set(FLAGS)
    assert results["ints"].value == 1


def test_a_null_targeting_key_is_no_targeting_key(engine: FlagEngine) -> None:
    result = engine.evaluate("split", "d", {"targetingKey": None})
    assert (result.value, result.reason) == ("a", Reason.DEFAULT)


def test_a_killed_flag_serves_its_false_variant_whatever_the_callers_default() -> None:
    from unlockstep.core.flags.definition import killed

    body = flag(BOOL, "off", {"if": [True, "on", None]})
    after = killed(body)
    engine = FlagEngine(parse_flag_set(document({"k": after})))
    result = engine.evaluate("k", True, {"targetingKey": "u"})
    assert (result.value, result.variant, result.reason) == (False, "off", Reason.STATIC)
    assert killed(after) == after


def test_a_killed_flag_without_a_false_variant_is_disabled() -> None:
    from unlockstep.core.flags.definition import killed

    assert killed(flag({"a": "a"}, "a"))["state"] == "DISABLED"


def test_dependents_are_the_flags_naming_it_as_prerequisite() -> None:
    from unlockstep.core.flags.definition import dependents

    assert dependents(FLAGS, "kill") == ["child"]


def test_a_separate_targeting_key_stands_for_the_one_in_the_context(engine: FlagEngine) -> None:
    for key in ("split", "tenant-list", "static-on", "child"):
        merged = engine.evaluate(key, "d", {"tenant": "a", "targetingKey": "user-1"})
        apart = engine.evaluate(key, "d", {"tenant": "a"}, targeting_key="user-1")
        assert apart == merged


def test_a_separate_targeting_key_wins_over_one_in_the_attributes(engine: FlagEngine) -> None:
    apart = engine.evaluate("split", "d", {"targetingKey": 5}, targeting_key="user-1")
    assert apart == engine.evaluate("split", "d", {"targetingKey": "user-1"})


def test_a_separate_targeting_key_that_is_not_a_string_is_invalid(engine: FlagEngine) -> None:
    for key in ("split", "static-on"):
        result = engine.evaluate(key, "d", {}, targeting_key=5)  # type: ignore[arg-type]
        assert (result.value, result.error_code) == ("d", ErrorCode.INVALID_CONTEXT)


def test_an_integer_variant_asked_for_as_a_float_is_a_float(engine: FlagEngine) -> None:
    result = engine.evaluate("ints", 0.0)
    assert (result.value, type(result.value), result.variant) == (1.0, float, "one")
    assert engine.evaluate("ints", 0).value == 1 and type(engine.evaluate("ints", 0).value) is int


@pytest.mark.parametrize(
    ("key", "default", "context"),
    [
        ("static-on", False, {}),
        ("tenant-list", False, {"tenant": "a"}),
        ("tenant-list", False, {"tenant": "z"}),
        ("split", "x", {"targetingKey": "user-1"}),
        ("ints", 0, {}),
        ("ints", 0.0, {}),
        ("ints", None, {}),
        ("objects", {}, {}),
    ],
)
def test_a_served_variant_is_one_precomputed_answer_listed_by_served(
    engine: FlagEngine, key: str, default: Any, context: dict[str, Any]
) -> None:
    # Adapters (the SDK provider) key their own per-answer objects on these.
    first, again = engine.evaluate(key, default, context), engine.evaluate(key, default, context)
    assert first is again
    assert any(r is first and k == key for k, r in engine.served())


def test_a_miss_is_not_a_precomputed_answer(engine: FlagEngine) -> None:
    served = {id(r) for _, r in engine.served()}
    for key, default in (("nope", False), ("disabled", False), ("ints", "s"), ("raises", False)):
        assert id(engine.evaluate(key, default, {"x": "a"})) not in served
