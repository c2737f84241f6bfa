"""allOf/anyOf/oneOf branch lists that changed inside request and response schemas (what
oasdiff reports as the list change itself, beside the engine's judgement)."""

from __future__ import annotations

from typing import Any

from unlockstep.core.openapi._composition import composition_changes, uses_compositions

ROOT: dict[str, Any] = {
    "c": {
        "Dog": {"type": "object", "properties": {"name": {"type": "string"}}},
        "Cat": {"type": "object", "properties": {"name": {"type": "string"}}},
    }
}
DOG, CAT = {"$ref": "#/c/Dog"}, {"$ref": "#/c/Cat"}


def _changes(old: Any, new: Any, old_root: Any = ROOT, new_root: Any = ROOT) -> list[Any]:
    found = composition_changes(
        old, new, old_root=old_root, new_root=new_root, pointer="/s", seen=set()
    )
    return [(c.name, c.pointer, c.side) for c in found]


def test_a_branch_added_to_a_body_list_is_one_finding_at_the_body() -> None:
    assert _changes({"oneOf": [DOG]}, {"oneOf": [DOG, CAT]}) == [("one-of-added", "/s", "new")]
    assert _changes({"anyOf": [DOG, CAT]}, {"anyOf": [DOG]}) == [("any-of-removed", "/s", "old")]


def test_branches_are_matched_by_reference_not_by_position() -> None:
    assert _changes({"allOf": [DOG, CAT]}, {"allOf": [CAT, DOG]}) == []


def test_an_inline_branch_edited_in_place_is_left_to_the_engine() -> None:
    old = {"anyOf": [DOG, {"type": "string", "maxLength": 5}]}
    new = {"anyOf": [DOG, {"type": "string", "maxLength": 9}]}
    assert _changes(old, new) == []
    assert _changes({"anyOf": [DOG]}, {"anyOf": [DOG, {"type": "null"}]}) == [
        ("any-of-added", "/s", "new")
    ]


def test_an_all_of_branch_with_annotations_only_is_named_apart() -> None:
    note = {"title": "a note", "description": "no validation effect"}
    assert _changes({"allOf": [DOG]}, {"allOf": [DOG, note]}) == [
        ("all-of-added-annotation-only", "/s", "new")
    ]


def test_a_list_inside_a_referenced_component_is_found_at_the_component() -> None:
    old_root = {"c": {**ROOT["c"], "Pet": {"properties": {"kind": {"oneOf": [DOG]}}}}}
    new_root = {"c": {**ROOT["c"], "Pet": {"properties": {"kind": {"oneOf": [DOG, CAT]}}}}}
    schema = {"$ref": "#/c/Pet"}
    assert _changes(schema, schema, old_root, new_root) == [
        ("one-of-added", "/c/Pet/properties/kind", "new")
    ]


def test_a_shared_component_is_walked_once_per_comparison() -> None:
    old_root = {"c": {"Pet": {"oneOf": [DOG]}, **ROOT["c"]}}
    new_root = {"c": {"Pet": {"oneOf": [DOG, CAT]}, **ROOT["c"]}}
    seen: set[Any] = set()
    pet = {"$ref": "#/c/Pet"}
    first = composition_changes(
        pet, pet, old_root=old_root, new_root=new_root, pointer="/a", seen=seen
    )
    again = composition_changes(
        pet, pet, old_root=old_root, new_root=new_root, pointer="/b", seen=seen
    )
    assert [c.name for c in first] == ["one-of-added"] and again == []


def test_a_recursive_schema_is_walked_once() -> None:
    root = {"c": {"Node": {"anyOf": [{"type": "null"}, {"$ref": "#/c/Node"}]}}}
    assert _changes({"$ref": "#/c/Node"}, {"$ref": "#/c/Node"}, root, root) == []


def test_documents_without_a_composition_skip_the_walk() -> None:
    assert not uses_compositions({"paths": {"/a": {"get": {}}}, "c": ROOT["c"]})
    assert uses_compositions({"c": {"Pet": {"oneOf": [DOG]}}})
