"""flagd's custom operators and the JsonLogic built-ins, as the flagd testbed states them."""

from typing import Any

import pytest

from unlockstep.core.flags import FlagEngine, parse_flag_set
from unlockstep.core.flags.jsonlogic import RuleError, compile_rule
from unlockstep.core.flags.operators import flagd_operators, parse_semver


def rule_value(rule: Any, context: dict[str, Any] | None = None) -> Any:
    return compile_rule(rule, "flag", flagd_operators())(context or {})


def version_flag(targeting: Any) -> FlagEngine:
    variants = {
        n: n for n in ("equal", "greater", "lesser", "none", "match", "no-match", "major", "minor")
    }
    doc = {
        "flags": {
            "v": {
                "state": "ENABLED",
                "variants": variants,
                "defaultVariant": "none",
                "targeting": targeting,
            }
        }
    }
    return FlagEngine(parse_flag_set(doc))


NUMERIC = version_flag({
    "if": [
        {"sem_ver": [{"var": "version"}, "=", "2.0.0"]}, "equal",
        {"if": [{"sem_ver": [{"var": "version"}, ">", "2.0.0"]}, "greater",
                {"if": [{"sem_ver": [{"var": "version"}, "<", "2.0.0"]}, "lesser", None]}]},
    ]
})  # fmt: skip


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("2.0.0", "equal"),
        ("2.1.0", "greater"),
        ("1.9.0", "lesser"),
        ("2.0.0-alpha", "lesser"),
        ("2.0.0.0", "none"),
    ],
)
def test_sem_ver_orders_versions_and_prereleases_sort_first(version: str, expected: str) -> None:
    assert NUMERIC.evaluate("v", "fallback", {"version": version}).value == expected


SEMANTIC = version_flag({
    "if": [
        {"sem_ver": [{"var": "version"}, "~", "3.0.0"]}, "minor",
        {"if": [{"sem_ver": [{"var": "version"}, "^", "3.0.0"]}, "major", None]},
    ]
})  # fmt: skip


@pytest.mark.parametrize(
    ("version", "expected"), [("3.0.1", "minor"), ("3.1.0", "major"), ("4.0.0", "none")]
)
def test_sem_ver_caret_and_tilde(version: str, expected: str) -> None:
    assert SEMANTIC.evaluate("v", "fallback", {"version": version}).value == expected


MATCH_1 = version_flag(
    {"if": [{"sem_ver": [{"var": "version"}, "^", "1.0.0"]}, "match", "no-match"]}
)


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.0.0", "match"), ("v1.0.0", "match"), ("V1.0.0", "match"), ("1.0", "match"), ("1", "match"),
     (1, "match"), (1.0, "match"), (1.2, "match"), ("1.0.0+build", "match"), ("2.0.0", "no-match")],
)  # fmt: skip
def test_sem_ver_accepts_v_prefixes_partial_versions_and_numbers(
    version: Any, expected: str
) -> None:
    assert MATCH_1.evaluate("v", "fallback", {"version": version}).value == expected


def test_build_metadata_does_not_change_precedence() -> None:
    assert parse_semver("1.0.0+a") == parse_semver("1.0.0+b")


def test_prerelease_identifiers_compare_numerically_then_lexically() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
               "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]  # fmt: skip
    keys = [parse_semver(v) for v in ordered]
    assert keys == sorted(keys)  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("rule", "context", "expected"),
    [
        ({"starts_with": [{"var": "id"}, "abc"]}, {"id": "abcdef"}, True),
        ({"ends_with": [{"var": "id"}, "xyz"]}, {"id": "uvwxyz"}, True),
        ({"starts_with": [{"var": "id"}, "abc"]}, {"id": 3}, None),
        ({"ends_with": ["a"]}, {}, None),
        ({"var": "a.b.0"}, {"a": {"b": ["x"]}}, "x"),
        ({"var": ["missing", "dflt"]}, {}, "dflt"),
        ({"and": [1, "", 2]}, {}, ""),
        ({"or": [0, [], "x"]}, {}, "x"),
        ({"!": [[]]}, {}, True),
        ({"==": [1, "1"]}, {}, True),
        ({"===": [1, "1"]}, {}, False),
        ({"<": [1, {"var": "x"}, 3]}, {"x": 2}, True),
        ({"in": ["b", "abc"]}, {}, True),
        ({"cat": ["a", 1, None]}, {}, "a1null"),
        ({"substr": ["unlockstep", -4]}, {}, "step"),
        ({"missing": ["a", "b"]}, {"a": 1}, ["b"]),
        ({"some": [[1, 2], {">": [{"var": ""}, 1]}]}, {}, True),
        ({"merge": [[1], 2]}, {}, [1, 2]),
        ({"if": [False, "a", False, "b", "c"]}, {}, "c"),
        ({"if": [{"var": "x"}, "a", "b"]}, {"x": 0}, "b"),
        ({"if": [{"var": "x"}, "a", "b"]}, {"x": []}, "b"),
        ({"if": [{"var": "x"}, "a", "b"]}, {"x": ""}, "b"),
        ({"if": [{"var": "x"}, "a", "b"]}, {"x": float("nan")}, "b"),
        ({"if": [{"var": "x"}, "a", "b"]}, {"x": "0"}, "a"),
        ({"if": [{"var": "x"}, "a", "b"]}, {"x": {}}, "a"),
        ({"if": [{"var": "x"}, "a"]}, {}, None),
        ({"if": [{"var": "x"}, ["l"], 2]}, {"x": True}, ["l"]),
        ({"if": [{"var": "x"}, "a", {"var": "y"}]}, {"y": "from-y"}, "from-y"),
        ({"in": [{"var": "x"}, ["a", 1]]}, {"x": "a"}, True),
        ({"in": [{"var": ["x"]}, ["a", 1]]}, {"x": 1}, True),
        ({"in": [{"var": "x"}, ["a", 1]]}, {"x": ["a"]}, False),
        ({"in": [{"var": "x"}, ["a", None]]}, {}, True),
        ({"in": [{"var": "x.y"}, ["a"]]}, {"x": {"y": "a"}}, True),
        ({"in": [{"var": ["x", "a"]}, ["a"]]}, {}, True),
        (
            {"some": [{"var": "items"}, {"in": [{"var": "t"}, ["a"]]}]},
            {"items": [{"t": "a"}], "t": "z"},
            True,
        ),
        (
            {"some": [{"var": "items"}, {"in": [{"var": "t"}, ["a"]]}]},
            {"items": [{"t": "z"}], "t": "a"},
            False,
        ),
    ],
)
def test_json_logic_semantics(rule: Any, context: dict[str, Any], expected: Any) -> None:
    assert rule_value(rule, context) == expected


def test_an_unknown_operator_fails_at_compile_time_with_a_pointer() -> None:
    with pytest.raises(RuleError) as caught:
        compile_rule({"if": [{"frobnicate": []}, "a", "b"]}, "flag", flagd_operators())
    assert caught.value.pointer == "/if/0/frobnicate"
