"""Discriminator changes inside request and response schemas (an OpenAPI keyword the JSON
Schema engine does not see)."""

from __future__ import annotations

from typing import Any

from unlockstep.core.openapi._discriminator import discriminator_changes

PETS = {
    "oneOf": [{"$ref": "#/c/Dog"}, {"$ref": "#/c/Cat"}],
    "discriminator": {"propertyName": "petType", "mapping": {"dog": "#/c/Dog", "cat": "#/c/Cat"}},
}
ROOT: dict[str, Any] = {"c": {"Dog": {"type": "object"}, "Cat": {"type": "object"}}}


def _changes(old: Any, new: Any, old_root: Any = ROOT, new_root: Any = ROOT) -> list[Any]:
    found = discriminator_changes(old, new, old_root=old_root, new_root=new_root, pointer="/s")
    return [(c.name, c.at_root, c.pointer) for c in found]


def test_a_discriminator_added_to_the_body_is_named_per_body() -> None:
    plain = {"oneOf": PETS["oneOf"]}
    assert _changes(plain, PETS) == [("discriminator-added", True, "/s")]
    assert _changes(PETS, plain) == [("discriminator-removed", True, "/s")]


def test_mapping_changes_are_one_finding_per_kind() -> None:
    mapping = {"dogs": "#/c/Dog", "cat": "#/c/Other"}
    new = {**PETS, "discriminator": {"propertyName": "kind", "mapping": mapping}}
    assert [name for name, _, _ in _changes(PETS, new)] == [
        "discriminator-property-name-changed",
        "discriminator-mapping-added",
        "discriminator-mapping-deleted",
        "discriminator-mapping-changed",
    ]


def test_a_discriminator_inside_a_referenced_branch_is_a_property_finding() -> None:
    nested = {"type": "object", "properties": {"breed": PETS}}
    old_root = {"c": {**ROOT["c"], "Dog": {"type": "object", "properties": {"breed": {}}}}}
    new_root = {"c": {**ROOT["c"], "Dog": nested}}
    schema = {"oneOf": [{"$ref": "#/c/Dog"}]}
    assert _changes(schema, schema, old_root, new_root) == [
        ("discriminator-added", False, "/c/Dog/properties/breed")
    ]


def test_a_recursive_schema_is_walked_once() -> None:
    root = {"c": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/c/Node"}}}}}
    assert _changes({"$ref": "#/c/Node"}, {"$ref": "#/c/Node"}, root, root) == []
