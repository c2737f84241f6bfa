"""The JSON Schema engine's rules, one named pair of schemas per rule (old -> new)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from unlockstep.core.compat._model import Breaks, Level, Location, Mode, Policy, Source, check
from unlockstep.core.compat._rules import RULES
from unlockstep.core.documents._load import Document, Resolver, load_document
from unlockstep.core.jsonschema import _engine as jsonschema
from unlockstep.core.jsonschema._engine import compare_schemas

W, R, B = Breaks.WRITERS, Breaks.READERS, Breaks.BOTH
BACKWARD = frozenset({W, B})


def resolver(schema: Any, name: str = "schema.json") -> Resolver:
    return Resolver(load_document(Source(json.dumps(schema, indent=1), name)))


def diff(old: Any, new: Any, **kwargs: Any) -> dict[str, tuple[Level, Breaks]]:
    changes = compare_schemas(
        old, new, old_resolver=resolver(old), new_resolver=resolver(new), **kwargs
    )
    return {c.rule: (c.level, c.breaks) for c in changes}


def obj(props: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props, **extra}
    if required:
        out["required"] = required
    return out


S, INT, NUM = {"type": "string"}, {"type": "integer"}, {"type": "number"}
BRK, WARN, INFO = Level.BREAKING, Level.WARNING, Level.INFO

# name: (old, new, rule, level, breaks) under the default LENIENT policy, BACKWARD side.
CASES: dict[str, tuple[Any, Any, str, Level, Breaks]] = {
    "removing_a_property_from_a_closed_model_rejects_old_data": (
        obj({"a": S, "b": S}, additionalProperties=False),
        obj({"a": S}, additionalProperties=False),
        "property-removed",
        BRK,
        W,
    ),
    "removing_a_property_from_an_open_model_only_surprises_readers": (
        obj({"a": S, "b": S}),
        obj({"a": S}),
        "property-removed",
        WARN,
        R,
    ),
    "adding_a_required_property_rejects_old_data": (
        obj({"a": S}),
        obj({"a": S, "b": S}, ["b"]),
        "required-property-added",
        BRK,
        W,
    ),
    "making_an_optional_property_required_rejects_old_data": (
        obj({"a": S}),
        obj({"a": S}, ["a"]),
        "property-became-required",
        BRK,
        W,
    ),
    "making_a_required_property_optional_warns_readers": (
        obj({"a": S}, ["a"]),
        obj({"a": S}),
        "property-became-optional",
        WARN,
        R,
    ),
    "adding_a_property_to_a_closed_model_is_a_warning_for_tolerant_readers": (
        obj({"a": S}, additionalProperties=False),
        obj({"a": S, "b": S}, additionalProperties=False),
        "property-added",
        WARN,
        R,
    ),
    "adding_a_property_to_an_open_model_is_unprovable_and_lenient_warns": (
        obj({"a": S}),
        obj({"a": S, "b": S}),
        "property-added-to-open-model",
        WARN,
        W,
    ),
    "adding_a_property_that_narrows_a_partially_open_model_breaks": (
        obj({"a": S}, additionalProperties=NUM),
        obj({"a": S, "b": INT}, additionalProperties=NUM),
        "property-added",
        BRK,
        W,
    ),
    "closing_the_content_model_rejects_old_extra_properties": (
        obj({"a": S}),
        obj({"a": S}, additionalProperties=False),
        "content-model-closed",
        BRK,
        W,
    ),
    "opening_the_content_model_warns_strict_readers": (
        obj({"a": S}, additionalProperties=False),
        obj({"a": S}),
        "content-model-opened",
        WARN,
        R,
    ),
    "integer_to_number_widens": (INT, NUM, "type-widened", WARN, R),
    "number_to_integer_narrows": (NUM, INT, "type-narrowed", BRK, W),
    "string_to_number_changes_type": (S, NUM, "type-changed", BRK, B),
    "a_type_list_gaining_a_type_widens": (S, {"type": ["string", "null"]}, "type-widened", WARN, R),
    "nullable_true_widens_like_a_null_type": (
        S,
        {"type": "string", "nullable": True},
        "type-widened",
        WARN,
        R,
    ),
    "removing_an_enum_value_rejects_old_data": (
        {"enum": ["a", "b"]},
        {"enum": ["a"]},
        "enum-value-removed",
        BRK,
        W,
    ),
    "adding_an_enum_value_warns_readers": (
        {"enum": ["a"]},
        {"enum": ["a", "b"]},
        "enum-value-added",
        WARN,
        R,
    ),
    "const_to_an_enum_of_two_adds_a_value": (
        {"const": "a"},
        {"enum": ["a", "b"]},
        "enum-value-added",
        WARN,
        R,
    ),
    "adding_an_enum_constraint_narrows": (
        S,
        {"type": "string", "enum": ["a"]},
        "enum-constraint-added",
        BRK,
        W,
    ),
    "decreasing_max_length_narrows": (
        {"type": "string", "maxLength": 10},
        {"type": "string", "maxLength": 5},
        "max-length-decreased",
        BRK,
        W,
    ),
    "increasing_max_length_widens": (
        {"type": "string", "maxLength": 5},
        {"type": "string", "maxLength": 10},
        "max-length-increased",
        WARN,
        R,
    ),
    "adding_min_length_narrows": (
        S,
        {"type": "string", "minLength": 1},
        "min-length-added",
        BRK,
        W,
    ),
    "raising_minimum_narrows": (
        {**NUM, "minimum": 1},
        {**NUM, "minimum": 2},
        "minimum-increased",
        BRK,
        W,
    ),
    "exclusive_minimum_at_the_same_value_narrows": (
        {**NUM, "minimum": 1},
        {**NUM, "exclusiveMinimum": 1},
        "minimum-increased",
        BRK,
        W,
    ),
    "draft4_exclusive_maximum_relaxed_to_inclusive_widens": (
        {**NUM, "maximum": 5, "exclusiveMaximum": True},
        {**NUM, "maximum": 5},
        "maximum-increased",
        WARN,
        R,
    ),
    "multiple_of_a_divisor_relaxes": (
        {**NUM, "multipleOf": 10},
        {**NUM, "multipleOf": 5},
        "multiple-of-relaxed",
        WARN,
        R,
    ),
    "multiple_of_a_multiple_tightens": (
        {**NUM, "multipleOf": 0.5},
        {**NUM, "multipleOf": 1.5},
        "multiple-of-tightened",
        BRK,
        W,
    ),
    "unrelated_multiple_of_breaks_both": (
        {**NUM, "multipleOf": 7},
        {**NUM, "multipleOf": 13},
        "multiple-of-changed",
        BRK,
        B,
    ),
    "changing_a_pattern_breaks_both": (
        {**S, "pattern": "^a"},
        {**S, "pattern": "^b"},
        "pattern-changed",
        BRK,
        B,
    ),
    "adding_a_format_narrows": (S, {**S, "format": "date"}, "format-added", BRK, W),
    "lowering_max_items_narrows": (
        {"type": "array", "maxItems": 5},
        {"type": "array", "maxItems": 3},
        "max-items-decreased",
        BRK,
        W,
    ),
    "requiring_unique_items_narrows": (
        {"type": "array"},
        {"type": "array", "uniqueItems": True},
        "unique-items-added",
        BRK,
        W,
    ),
    "array_item_type_change_is_found_under_items": (
        {"type": "array", "items": S},
        {"type": "array", "items": NUM},
        "type-changed",
        BRK,
        B,
    ),
    "2020_prefix_items_compare_by_position": (
        {"type": "array", "prefixItems": [S, INT]},
        {"type": "array", "prefixItems": [S, NUM]},
        "type-widened",
        WARN,
        R,
    ),
    "removing_an_any_of_branch_that_old_data_used_breaks": (
        {"anyOf": [S, INT]},
        {"anyOf": [S]},
        "any-of-branch-removed",
        BRK,
        W,
    ),
    "adding_an_any_of_branch_warns_readers": (
        {"anyOf": [S]},
        {"anyOf": [S, INT]},
        "any-of-branch-added",
        WARN,
        R,
    ),
    "adding_a_one_of_branch_is_unprovable_and_lenient_warns": (
        {"oneOf": [S]},
        {"oneOf": [S, INT]},
        "one-of-branch-added",
        WARN,
        B,
    ),
    "wrapping_in_one_of_with_null_only_adds_null": (
        S,
        {"oneOf": [{"type": "null"}, S]},
        "type-widened",
        WARN,
        R,
    ),
    "wrapping_in_one_of_with_null_still_compares_the_wrapped_schema": (
        {**S, "enum": ["a", "b"]},
        {"oneOf": [{"type": "null"}, {**S, "enum": ["a"]}]},
        "enum-value-removed",
        BRK,
        W,
    ),
    "wrapping_in_a_one_of_of_overlapping_branches_rejects_old_data": (
        obj({"a": S, "b": S}, ["a", "b"]),
        {"oneOf": [obj({"a": S, "b": S}, ["a"]), obj({"a": S, "b": S}, ["b"])]},
        "wrapped-in-one-of",
        BRK,
        B,
    ),
    "any_of_to_one_of_rejects_data_matching_two_branches": (
        {"anyOf": [S, {"maxLength": 3}]},
        {"oneOf": [S, {"maxLength": 3}]},
        "any-of-became-one-of",
        BRK,
        W,
    ),
    "adding_an_all_of_branch_narrows": (
        {"allOf": [{"anyOf": [S, INT]}]},
        {"allOf": [{"anyOf": [S, INT]}, {"anyOf": [S, {"type": "boolean"}]}]},
        "all-of-branch-added",
        BRK,
        W,
    ),
    "adding_not_narrows": (S, {**S, "not": {"const": "x"}}, "not-added", BRK, W),
    "changing_an_if_breaks_both": (
        {"if": {"required": ["a"]}, "then": S},
        {"if": {"required": ["b"]}, "then": S},
        "condition-changed",
        BRK,
        B,
    ),
    "a_changed_default_is_information": (
        {**S, "default": "a"},
        {**S, "default": "b"},
        "default-changed",
        INFO,
        Breaks.NONE,
    ),
    "deprecating_is_information": (S, {**S, "deprecated": True}, "deprecated", INFO, Breaks.NONE),
    "a_false_schema_accepts_nothing": (
        obj({"a": S}),
        obj({"a": False}),
        "schema-disallowed",
        BRK,
        W,
    ),
    "adding_a_dependent_requirement_narrows": (
        {"dependentRequired": {"a": ["b"]}},
        {"dependentRequired": {"a": ["b", "c"]}},
        "dependent-required-added",
        BRK,
        W,
    ),
    "no_longer_deprecating_is_information": (
        {**S, "deprecated": True},
        S,
        "deprecation-removed",
        INFO,
        Breaks.NONE,
    ),
    "marking_read_only_is_information": (
        S,
        {**S, "readOnly": True},
        "read-only-added",
        INFO,
        Breaks.NONE,
    ),
    "unmarking_write_only_is_information": (
        {**S, "writeOnly": True},
        S,
        "write-only-removed",
        INFO,
        Breaks.NONE,
    ),
    "adding_a_content_schema_rejects_old_content": (
        {**S, "contentMediaType": "application/json"},
        {**S, "contentMediaType": "application/json", "contentSchema": INT},
        "content-schema-added",
        BRK,
        W,
    ),
    "removing_a_content_schema_only_surprises_readers": (
        {**S, "contentSchema": INT},
        S,
        "content-schema-removed",
        WARN,
        R,
    ),
    "a_content_schema_is_compared_like_any_schema": (
        {**S, "contentSchema": obj({"a": S})},
        {**S, "contentSchema": obj({"a": S}, ["a"])},
        "property-became-required",
        BRK,
        W,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule(name: str) -> None:
    old, new, rule, level, breaks = CASES[name]
    found = diff(old, new)
    assert rule in found, f"{name}: expected {rule}, got {found}"
    assert found[rule] == (level, breaks)
    assert rule in RULES


def test_every_case_names_a_declared_rule_and_most_rules_have_a_case() -> None:
    covered = {case[2] for case in CASES.values()}
    jsonschema_rules = {r.id for r in RULES.values() if r.kind == "jsonschema"}
    assert covered <= jsonschema_rules
    assert len(covered) >= 35


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("identical", obj({"a": S}, ["a"]), obj({"a": S}, ["a"])),
        (
            "reordered_required",
            obj({"a": S, "b": S}, ["a", "b"]),
            obj({"a": S, "b": S}, ["b", "a"]),
        ),
        ("reordered_enum", {"enum": [1, 2]}, {"enum": [2, 1]}),
        ("int_and_float_enum", {"enum": [1]}, {"enum": [1.0]}),
        ("title_and_description", {**S, "title": "x"}, {**S, "description": "y"}),
        ("ref_inlined", {"$defs": {"A": S}, "$ref": "#/$defs/A"}, S),
        ("all_of_reordered", {"allOf": [S, {"maxLength": 3}]}, {"allOf": [{"maxLength": 3}, S]}),
        ("true_and_empty", True, {}),
    ],
)
def test_equivalent_schemas_have_no_changes(name: str, old: Any, new: Any) -> None:
    assert diff(old, new) == {}, name


def test_strict_policy_makes_unprovable_changes_breaking() -> None:
    found = diff(obj({"a": S}), obj({"a": S, "b": S}), policy=Policy.STRICT)
    assert found["property-added-to-open-model"] == (BRK, W)


def test_strict_reader_makes_a_new_enum_value_breaking_for_responses() -> None:
    readers = frozenset({R, B})
    tolerant = diff({"enum": ["a"]}, {"enum": ["a", "b"]}, breaking_for=readers)
    strict = diff({"enum": ["a"]}, {"enum": ["a", "b"]}, breaking_for=readers, strict_reader=True)
    assert tolerant["enum-value-added"][0] is WARN
    assert strict["enum-value-added"][0] is BRK


def test_rule_prefix_and_subject_are_applied() -> None:
    old, new = obj({"a": S}, ["a"]), obj({})
    changes = compare_schemas(
        old,
        new,
        old_resolver=resolver(old),
        new_resolver=resolver(new),
        rule_prefix="request-",
        subject="POST /cases",
        pointer="",
    )
    assert {c.rule for c in changes} == {"request-property-removed"}
    assert changes[0].location.subject == "POST /cases"


def test_changes_carry_the_file_and_line_of_the_new_document() -> None:
    old, new = obj({"a": S}), obj({"a": NUM})
    changes = compare_schemas(
        old, new, old_resolver=resolver(old), new_resolver=resolver(new, "new.json")
    )
    (change,) = changes
    assert change.location.file == "new.json"
    assert change.location.pointer == "/properties/a"
    assert change.location.line is not None and change.location.line > 1


RECURSIVE_OLD = {
    "$defs": {
        "Node": obj({"name": S, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}})
    },
    "$ref": "#/$defs/Node",
}
RECURSIVE_NEW = {
    "$defs": {
        "Node": obj(
            {
                "name": {**S, "maxLength": 5},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
            }
        )
    },
    "$ref": "#/$defs/Node",
}


def test_recursive_schemas_terminate_and_report_the_change_once() -> None:
    found = compare_schemas(
        RECURSIVE_OLD,
        RECURSIVE_NEW,
        old_resolver=resolver(RECURSIVE_OLD),
        new_resolver=resolver(RECURSIVE_NEW),
    )
    assert [c.rule for c in found] == ["max-length-added"]
    assert found[0].location.pointer == "/$defs/Node/properties/name/maxLength"


def test_a_recursive_schema_is_compatible_with_itself() -> None:
    assert diff(RECURSIVE_OLD, RECURSIVE_OLD) == {}


def test_refs_to_relative_files_are_followed() -> None:
    files = {"common.json": json.dumps({"Id": {"type": "string", "maxLength": 5}})}
    old_doc = load_document(Source(json.dumps(obj({"id": S})), "old.json"))
    new_source = Source(
        json.dumps(obj({"id": {"$ref": "common.json#/Id"}})),
        "dir/new.json",
        read_relative=files.__getitem__,
    )
    new_doc = load_document(new_source)
    changes = compare_schemas(
        old_doc.data, new_doc.data, old_resolver=Resolver(old_doc), new_resolver=Resolver(new_doc)
    )
    assert [(c.rule, c.location.file) for c in changes] == [("max-length-added", "dir/common.json")]


def test_engine_is_registered_and_diff_is_the_backward_view() -> None:
    engine = jsonschema.ENGINE
    old = engine.parse(Source(json.dumps(obj({"a": S})), "a.json"))
    new = engine.parse(Source(json.dumps(obj({"a": S}, ["a"])), "b.json"))
    assert not check(engine, new, [("1", old)], Mode.BACKWARD).compatible
    assert check(engine, new, [("1", old)], Mode.FORWARD).compatible
    assert not check(engine, new, [("1", old)], Mode.FULL).compatible
    assert check(engine, new, [("1", old)], Mode.NONE).compatible


def test_sniff_prefers_json_schema_documents_and_leaves_openapi_alone() -> None:
    engine = jsonschema.ENGINE
    assert engine.sniff(
        Source('{"$schema": "https://json-schema.org/draft/2020-12/schema"}', "x.json")
    )
    assert not engine.sniff(Source('{"openapi": "3.1.0", "paths": {}}', "x.json"))
    assert not engine.sniff(Source("asyncapi: 3.0.0\n", "x.yaml"))


def expandable(name: str) -> dict[str, Any]:
    """Stripe's shape: a field is an id string or the expanded object, which links back."""
    return {"anyOf": [{"type": "string", "maxLength": 5000}, {"$ref": f"#/$defs/{name}"}]}


def test_mutually_recursive_any_of_expansions_terminate_with_the_change_reported() -> None:
    def doc(max_len: int) -> dict[str, Any]:
        defs = {
            name: obj(
                {
                    "id": {"type": "string", "maxLength": max_len},
                    **{other: expandable(other) for other in ("A", "B", "C") if other != name},
                }
            )
            for name in ("A", "B", "C")
        }
        return {"$defs": defs, "$ref": "#/$defs/A"}

    old, new = doc(10), doc(5)
    found = compare_schemas(old, new, old_resolver=resolver(old), new_resolver=resolver(new))
    assert {c.rule for c in found} == {"max-length-decreased"}
    assert diff(old, old) == {}


def test_a_very_deep_schema_stops_with_information_instead_of_overflowing() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(200):
        deep = obj({"x": deep})
    changed = json.loads(json.dumps(deep).replace('"string"', '"integer"'))
    found = diff(deep, changed)
    assert found["comparison-depth-reached"] == (INFO, Breaks.NONE)


# Two "operations" reaching one changed, recursive component: what a caller comparing many
# schemas of the same two documents (an OpenAPI description) sees with shared resolvers.
SHARED_OLD = {
    "properties": {
        "a": {"$ref": "#/$defs/Item"},
        "b": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
        "c": {"anyOf": [{"$ref": "#/$defs/Item"}, {"type": "string"}]},
    },
    "$defs": {
        "Item": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "note": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
            },
            "additionalProperties": False,
        }
    },
}
SHARED_NEW = json.loads(json.dumps(SHARED_OLD))
del SHARED_NEW["$defs"]["Item"]["properties"]["note"]
SHARED_NEW["$defs"]["Item"]["properties"]["id"]["maxLength"] = 36
SHARED_NEW["properties"]["c"]["anyOf"].append({"type": "integer"})


def _shared_diff(
    old_resolver: Resolver, new_resolver: Resolver, name: str, policy: Policy
) -> list[tuple[str, str, str, int | None]]:
    changes = compare_schemas(
        SHARED_OLD["properties"][name],
        SHARED_NEW["properties"][name],
        old_resolver=old_resolver,
        new_resolver=new_resolver,
        policy=policy,
        pointer=f"/properties/{name}",
    )
    return [(c.rule, c.level.value, c.location.pointer, c.location.line) for c in changes]


def test_comparisons_sharing_resolvers_report_what_fresh_resolvers_report() -> None:
    old, new = resolver(SHARED_OLD), resolver(SHARED_NEW)
    for policy in (Policy.LENIENT, Policy.STRICT, Policy.LENIENT):
        for name in ("a", "b", "c", "a"):
            fresh = _shared_diff(resolver(SHARED_OLD), resolver(SHARED_NEW), name, policy)
            assert _shared_diff(old, new, name, policy) == fresh, (policy, name)


def test_a_shared_component_is_reported_for_every_schema_that_reaches_it() -> None:
    old, new = resolver(SHARED_OLD), resolver(SHARED_NEW)
    rules = [{rule for rule, *_ in _shared_diff(old, new, n, Policy.LENIENT)} for n in "abc"]
    assert all({"property-removed", "max-length-added"} <= found for found in rules)


def _escaped_ref_pair() -> tuple[str, str]:
    def text(max_length: int) -> str:
        return json.dumps(
            {
                "properties": {
                    "a": {"$ref": "#/$defs/Id"},
                    "b": {"type": "string"},
                },
                "$defs": {"Id": {"type": "string", "maxLength": max_length}},
            }
        ).replace('"$ref"', '"\\u0024ref"')  # the only $ref is spelt with an escape

    return text(10), text(5)


def test_a_ref_spelt_with_escapes_is_still_followed() -> None:
    old_text, new_text = _escaped_ref_pair()
    old, new = load_document(Source(old_text, "o.json")), load_document(Source(new_text, "n.json"))
    found = compare_schemas(
        old.data, new.data, old_resolver=Resolver(old), new_resolver=Resolver(new)
    )
    assert [c.rule for c in found] == ["max-length-decreased"]
    assert found[0].location.pointer == "/$defs/Id/maxLength"


def test_schemas_without_source_text_still_follow_their_refs() -> None:
    old = {"properties": {"a": {"$ref": "#/$defs/Id"}}, "$defs": {"Id": {"maxLength": 10}}}
    new = {"properties": {"a": {"$ref": "#/$defs/Id"}}, "$defs": {"Id": {"maxLength": 5}}}
    old_doc = Document(data=old, source=Source("", "old"), syntax="yaml")
    new_doc = Document(data=new, source=Source("", "new"), syntax="yaml")
    found = compare_schemas(
        old["properties"]["a"],
        new["properties"]["a"],
        old_resolver=Resolver(old_doc),
        new_resolver=Resolver(new_doc),
        pointer="/properties/a",
    )
    assert [c.rule for c in found] == ["max-length-decreased"]


def test_a_changed_definition_is_found_through_properties_that_did_not_change() -> None:
    def schema(max_length: int) -> dict[str, Any]:
        return obj(
            {"id": {"$ref": "#/$defs/Id"}, "name": S, "tags": {"items": {"$ref": "#/$defs/Id"}}},
            **{"$defs": {"Id": {"type": "string", "maxLength": max_length}}},
        )

    found = compare_schemas(
        schema(10), schema(5), old_resolver=resolver(schema(10)), new_resolver=resolver(schema(5))
    )
    assert [(c.rule, c.location.pointer) for c in found] == [
        ("max-length-decreased", "/$defs/Id/maxLength")
    ]
    same = compare_schemas(
        schema(10), schema(10), old_resolver=resolver(schema(10)), new_resolver=resolver(schema(10))
    )
    assert same == []


def test_a_changes_line_is_found_only_when_it_is_read() -> None:
    asked: list[str] = []

    def find_line(pointer: str) -> int:
        asked.append(pointer)
        return 7

    location = Location(pointer="/properties/a", file="s.json", find_line=find_line)
    assert asked == []
    assert location.line == 7 and location.line == 7
    assert asked == ["/properties/a"]  # once, then kept
    assert location == Location(pointer="/properties/a", file="s.json", line=7)
    assert str(location) == "s.json:7: /properties/a"


def test_a_changed_condition_still_compares_then_and_else() -> None:
    # data meeting both conditions meets `then` on both sides: its narrowing is reported too
    old = {"if": {"required": ["a"]}, "then": {**NUM, "minimum": 0}}
    new = {"if": {"required": ["b"]}, "then": {**NUM, "minimum": 5}}
    found = diff(old, new)
    assert found["condition-changed"] == (BRK, B)
    assert found["minimum-increased"] == (BRK, W)
