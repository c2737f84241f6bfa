"""Properties checked against an oracle: the ``jsonschema`` validator.

- When the engine says the new schema is BACKWARD-compatible under STRICT policy, every
  instance generated from the old schema (hypothesis-jsonschema) validates under the new one.
- Every schema is compatible with itself (also through a ``$ref`` indirection, so the walk
  runs instead of the equality shortcut).

Schema pairs are an old schema from a small grammar and a new one made by a few mutations of
it, so that both compatible and incompatible pairs are common.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import jsonschema as oracle
import pytest
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis_jsonschema import from_schema

from unlockstep.core.compat._model import Level, Policy, Source
from unlockstep.core.documents._load import Resolver, load_document
from unlockstep.core.jsonschema._engine import compare_schemas

NAMES = ["a", "b", "c", "d"]
PATTERNS = ["^[a-z]*$", "^x", "[0-9]"]
SCALARS = ["string", "integer", "number", "boolean", "null"]


def leaf(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(SCALARS))
    schema: dict[str, Any] = {"type": kind}
    if kind == "string":
        if draw(st.booleans()):
            schema["maxLength"] = draw(st.integers(2, 6))
        if draw(st.booleans()):
            schema["minLength"] = draw(st.integers(0, 2))
        if draw(st.integers(0, 4)) == 0:
            schema["pattern"] = draw(st.sampled_from(PATTERNS))
        elif draw(st.integers(0, 3)) == 0:
            schema["enum"] = draw(
                st.lists(
                    st.sampled_from(["x", "y", "z", "xy"]), min_size=1, max_size=3, unique=True
                )
            )
    elif kind in ("integer", "number"):
        if draw(st.booleans()):
            schema["minimum"] = draw(st.integers(-5, 5))
        if draw(st.booleans()):
            schema["maximum"] = schema.get("minimum", 0) + draw(st.integers(4, 10))
        if draw(st.integers(0, 3)) == 0:
            schema["multipleOf"] = draw(st.sampled_from([1, 2, 3, 4, 0.5]))
    return schema


@st.composite
def schemas(draw: st.DrawFn, depth: int = 2) -> dict[str, Any]:
    roll = draw(st.integers(0, 5)) if depth > 0 else 0
    if roll <= 2:
        return leaf(draw)
    if roll == 3:
        items = draw(schemas(depth - 1))
        schema: dict[str, Any] = {"type": "array", "items": items}
        if draw(st.booleans()):
            schema["maxItems"] = draw(st.integers(0, 4))
        if draw(st.integers(0, 3)) == 0:
            schema["uniqueItems"] = True
        return schema
    if roll == 4:
        return {"anyOf": [draw(schemas(depth - 1)) for _ in range(draw(st.integers(1, 3)))]}
    names = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
    schema = {"type": "object", "properties": {n: draw(schemas(depth - 1)) for n in names}}
    required = [n for n in names if draw(st.booleans())]
    if required:
        schema["required"] = required
    closed = draw(st.integers(0, 2))
    if closed == 1:
        schema["additionalProperties"] = False
    elif closed == 2 and draw(st.booleans()):
        schema["additionalProperties"] = leaf(draw)
    return schema


def subschemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found = [schema]
    for child in schema.get("properties", {}).values():
        found += subschemas(child)
    if isinstance(schema.get("items"), dict):
        found += subschemas(schema["items"])
    for branch in schema.get("anyOf", []):
        found += subschemas(branch)
    return found


def mutate(draw: st.DrawFn, schema: dict[str, Any]) -> None:
    target = draw(st.sampled_from(subschemas(schema)))
    op = draw(st.integers(0, 11))
    numeric = ["minimum", "maximum", "minLength", "maxLength", "maxItems", "multipleOf"]
    if op == 0:
        target["type"] = draw(st.sampled_from(SCALARS))
    elif op == 1:
        target.pop("type", None)
    elif op == 2:
        key = draw(st.sampled_from(numeric))
        if key in target:
            del target[key]
        else:
            target[key] = draw(st.integers(1, 6))
    elif op == 3:
        key = draw(st.sampled_from([k for k in numeric if k != "multipleOf"]))
        if key in target:
            target[key] = max(0, target[key] + draw(st.sampled_from([-2, -1, 1, 2])))
    elif op == 4 and "properties" in target:
        name = draw(st.sampled_from(NAMES))
        if name in target["properties"]:
            del target["properties"][name]
            if name in target.get("required", []):
                target["required"].remove(name)
                if not target["required"]:
                    del target["required"]
        else:
            target["properties"][name] = leaf(draw)
    elif op == 5 and target.get("properties"):
        name = draw(st.sampled_from(sorted(target["properties"])))
        required = target.setdefault("required", [])
        if name in required:
            required.remove(name)
        else:
            required.append(name)
        if not required:
            del target["required"]
    elif op == 6 and target.get("type") == "object":
        choice = draw(st.integers(0, 2))
        if choice == 0:
            target.pop("additionalProperties", None)
        elif choice == 1:
            target["additionalProperties"] = False
        else:
            target["additionalProperties"] = leaf(draw)
    elif op == 7 and "enum" in target:
        value = draw(st.sampled_from(["x", "y", "z", "xy", "w"]))
        if value in target["enum"] and len(target["enum"]) > 1:
            target["enum"].remove(value)
        elif value not in target["enum"]:
            target["enum"].append(value)
    elif op == 8:
        inner = copy.deepcopy(target)
        target.clear()
        target["anyOf"] = [inner, leaf(draw)]
    elif op == 9 and "anyOf" in target and len(target["anyOf"]) > 1:
        target["anyOf"].pop(draw(st.integers(0, len(target["anyOf"]) - 1)))
    elif op == 10 and target.get("type") == "string":
        if "pattern" in target:
            del target["pattern"]
        else:
            target["pattern"] = draw(st.sampled_from(PATTERNS))
    elif op == 11 and target.get("type") == "array":
        target["uniqueItems"] = not target.get("uniqueItems", False)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    old = draw(schemas())
    new = copy.deepcopy(old)
    for _ in range(draw(st.integers(1, 3))):
        mutate(draw, new)
    return old, new


def backward_compatible(old: Any, new: Any, policy: Policy = Policy.STRICT) -> bool:
    changes = compare_schemas(
        old,
        new,
        old_resolver=Resolver(load_document(Source(json.dumps(old), "old.json"))),
        new_resolver=Resolver(load_document(Source(json.dumps(new), "new.json"))),
        policy=policy,
    )
    return not any(c.level is Level.BREAKING for c in changes)


ORACLE = settings(
    max_examples=int(os.environ.get("ORACLE_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


@ORACLE
@given(pair=pairs(), data=st.data())
def test_when_backward_compatible_every_old_instance_validates_under_new(
    pair: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject
) -> None:
    old, new = pair
    assume(backward_compatible(old, new))
    validator = oracle.Draft7Validator(new)
    for _ in range(4):
        try:
            instance = data.draw(from_schema(old), label="instance of old")
        except InvalidArgument:  # an unsatisfiable old schema has no instances
            reject()
        errors = [e.message for e in validator.iter_errors(instance)]
        assert not errors, f"old instance {instance!r} rejected by new: {errors}"


@ORACLE
@given(schema=schemas(depth=3))
def test_every_schema_is_compatible_with_itself(schema: dict[str, Any]) -> None:
    wrapped = {"$defs": {"S": schema}, "$ref": "#/$defs/S"}
    assert backward_compatible(schema, copy.deepcopy(schema))
    changes = compare_schemas(
        wrapped,
        copy.deepcopy(wrapped),
        old_resolver=Resolver(load_document(Source(json.dumps(wrapped), "old.json"))),
        new_resolver=Resolver(load_document(Source(json.dumps(wrapped), "new.json"))),
    )
    assert changes == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # Widenings that must stay compatible under STRICT.
        ({"type": "integer", "maximum": 3}, {"type": "number", "maximum": 3}),
        ({"anyOf": [{"type": "string"}]}, {"anyOf": [{"type": "string"}, {"type": "null"}]}),
    ],
)
def test_known_pairs_are_backward_compatible(old: Any, new: Any) -> None:
    assert backward_compatible(old, new)
