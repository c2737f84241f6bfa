"""Reading a JSON Schema as the comparison needs it, across drafts 4, 7 and 2020-12.

A schema is looked at through a ``Node``: its value, the document it lives in (so ``$ref``
resolves against the right file) and its JSON pointer there. ``Views`` turns a node into its
*effective* schema: ``true`` becomes ``{}``, a ``$ref`` is followed (siblings of the ``$ref``
are merged in, as 2019-09+ validates them), and an ``allOf`` whose branches can be merged
without loss is folded into one schema. Effective schemas are cached by the identity of the
node they came from, so recursive schemas reach the same objects again and the comparison's
memo of visited pairs stops the recursion.

The helpers below read one aspect each: JSON types, enum values, bounds, array items.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple, TypeGuard

from unlockstep.core.documents import Document, Resolver, escape, join, json_type

#: Keywords that never change which instances are valid.
ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "id",
        "$comment",
        "$anchor",
        "$defs",
        "definitions",
        "title",
        "description",
        "default",
        "examples",
        "example",
        "deprecated",
        "readOnly",
        "writeOnly",
        "nullable",
        "discriminator",
        "xml",
        "externalDocs",
    }
)

TRUE: dict[str, Any] = {}


class Node(NamedTuple):
    """A schema value, the document it lives in and its JSON pointer there (a named tuple:
    the walk makes many of these, and a tuple is the cheapest immutable record to build)."""

    value: Any
    doc: Document
    ptr: str

    def child(self, *tokens: str | int) -> Node:
        value, ptr = self.value, self.ptr
        for t in tokens:
            value = value[t]
            ptr = f"{ptr}/{escape(t) if type(t) is str else t}"
        return Node(value, self.doc, ptr)

    def member(self, keyword: str, name: str) -> Node:
        """``child(keyword, name)`` for a keyword that needs no escaping (the hot path)."""
        return Node(self.value[keyword][name], self.doc, f"{self.ptr}/{keyword}/{escape(name)}")

    def sub(self, value: Any, *tokens: str | int) -> Node:
        """A node for ``value`` (possibly a default) at ``tokens`` below this one."""
        return Node(value, self.doc, join(self.ptr, *tokens))


class Views:
    """Effective schemas for the nodes of one side (old or new) of a comparison."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._cache: dict[tuple[int, int], tuple[Any, Node]] = {}

    def effective(self, node: Node) -> Node:
        value = node.value
        if value is True:
            return Node(TRUE, node.doc, node.ptr)
        if not isinstance(value, dict) or ("$ref" not in value and "allOf" not in value):
            return node
        key = (id(value), id(node.doc))
        hit = self._cache.get(key)
        if hit is not None:
            return hit[1]
        self._cache[key] = (value, node)  # a reference cycle through allOf stops here
        result = self._compute(node)
        self._cache[key] = (value, result)
        return result

    def _compute(self, node: Node) -> Node:
        value = node.value
        if isinstance(value.get("$ref"), str):
            target = self.resolver.deref(value, node.doc, node.ptr)
            resolved = self.effective(Node(target.value, target.document, target.pointer))
            siblings = {k: v for k, v in value.items() if k != "$ref" and k not in ANNOTATIONS}
            if not siblings:
                return resolved
            if resolved.doc is node.doc and isinstance(resolved.value, dict):
                merged = merge(resolved.value, siblings)
                if merged is not None:
                    return self.effective(Node(merged, node.doc, node.ptr))
            return resolved
        branches = value.get("allOf")
        if isinstance(branches, list) and branches:
            merged = {k: v for k, v in value.items() if k != "allOf"}
            rest: list[Any] = []
            for i, _ in enumerate(branches):
                branch = self.effective(node.child("allOf", i))
                attempt = (
                    merge(merged, branch.value)
                    if branch.doc is node.doc and isinstance(branch.value, dict)
                    else None
                )
                if attempt is None:
                    rest.append(branches[i])
                else:
                    merged = attempt
            if rest:
                if len(rest) == len(branches):
                    return node
                merged["allOf"] = rest
            return Node(merged, node.doc, node.ptr)
        return node


def canon(value: Any) -> str:
    """A key under which JSON-equal values are equal (1 == 1.0, key order ignored)."""
    return json.dumps(_norm(value), sort_keys=True, separators=(",", ":"))


def _norm(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def types_of(schema: dict[str, Any]) -> frozenset[str] | None:
    """The JSON types a schema allows, or None for "any" (enum/const values count)."""
    declared = schema.get("type")
    if isinstance(declared, str):
        result = {declared}
    elif isinstance(declared, list) and all(isinstance(t, str) for t in declared):
        result = set(declared)
    else:
        values = enum_values(schema)
        if values is None:
            return None
        return frozenset(json_type(v) for v in values.values())
    if schema.get("nullable") is True:
        result.add("null")
    return frozenset(result)


def covered(json_type_name: str, types: frozenset[str] | None) -> bool:
    if types is None or json_type_name in types:
        return True
    return json_type_name == "integer" and "number" in types


def may_be(json_type_name: str, types: frozenset[str] | None) -> bool:
    """Whether a value of this type can be valid (``number`` keywords also bind integers)."""
    if types is None or json_type_name in types:
        return True
    if json_type_name == "number":
        return "integer" in types
    return False


def enum_values(schema: dict[str, Any]) -> dict[str, Any] | None:
    """``enum`` and ``const`` as canonical key -> value; None when neither is present."""
    values: dict[str, Any] | None = None
    if isinstance(schema.get("enum"), list):
        values = {canon(v): v for v in schema["enum"]}
    if "const" in schema:
        const = {canon(schema["const"]): schema["const"]}
        values = const if values is None else {k: v for k, v in const.items() if k in values}
    return values


def lower_bound(schema: dict[str, Any], key: str, exclusive_key: str) -> tuple[float, int] | None:
    """A lower bound as ``(value, 1 if exclusive else 0)``; bigger is tighter."""
    bound: tuple[float, int] | None = None
    m, ex = schema.get(key), schema.get(exclusive_key)
    if _num(m):
        bound = (m, 1 if ex is True else 0)
    if _num(ex) and (bound is None or (ex, 1) > bound):
        bound = (ex, 1)
    return bound


def upper_bound(schema: dict[str, Any], key: str, exclusive_key: str) -> tuple[float, int] | None:
    """An upper bound as ``(-value, 1 if exclusive else 0)`` so that bigger is tighter."""
    bound: tuple[float, int] | None = None
    m, ex = schema.get(key), schema.get(exclusive_key)
    if _num(m):
        bound = (-m, 1 if ex is True else 0)
    if _num(ex) and (bound is None or (-ex, 1) > bound):
        bound = (-ex, 1)
    return bound


def _num(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def items_shape(node: Node) -> tuple[list[Node], Node]:
    """An array schema's positional item schemas and the schema for the items after them."""
    value = node.value
    if isinstance(value.get("prefixItems"), list):
        prefix = [node.child("prefixItems", i) for i in range(len(value["prefixItems"]))]
        rest = node.child("items") if "items" in value else node.sub(TRUE, "items")
        return prefix, rest
    items = value.get("items")
    if isinstance(items, list):
        prefix = [node.child("items", i) for i in range(len(items))]
        extra = node.child("additionalItems") if "additionalItems" in value else None
        return prefix, extra or node.sub(TRUE, "additionalItems")
    if "items" in value:
        return [], node.child("items")
    return [], node.sub(TRUE, "items")


def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any] | None:
    """The conjunction of two schemas as one schema, or None when it cannot be written
    without loss (then the caller keeps the ``allOf``)."""
    out = dict(a)
    for key, value in b.items():
        if key not in out or key in ANNOTATIONS:
            out.setdefault(key, value)
            continue
        mine = out[key]
        if canon(mine) == canon(value):
            continue
        combined = _merge_keyword(key, mine, value, a, b)
        if combined is None:
            return None
        out[key] = combined
    return out


_TIGHTER_MAX = {"minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum"}
_TIGHTER_MIN = {"maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum"}


def _merge_keyword(key: str, x: Any, y: Any, a: dict[str, Any], b: dict[str, Any]) -> Any:
    if key in _TIGHTER_MAX and _num(x) and _num(y):
        return max(x, y)
    if key in _TIGHTER_MIN and _num(x) and _num(y):
        return min(x, y)
    if key == "required" and isinstance(x, list) and isinstance(y, list):
        return list(dict.fromkeys([*x, *y]))
    if key == "properties" and isinstance(x, dict) and isinstance(y, dict):
        merged = dict(x)
        for name, schema in y.items():
            if name in merged and canon(merged[name]) != canon(schema):
                merged[name] = {"allOf": [merged[name], schema]}
            else:
                merged[name] = schema
        return merged
    if key == "type":
        tx, ty = types_of({"type": x}), types_of({"type": y})
        if tx is None or ty is None:
            return None
        both = {t for t in tx if covered(t, ty)} | {t for t in ty if covered(t, tx)}
        return sorted(both) if both else None
    if key == "enum" and isinstance(x, list) and isinstance(y, list):
        keys = {canon(v) for v in y}
        return [v for v in x if canon(v) in keys]
    if key == "allOf" and isinstance(x, list) and isinstance(y, list):
        return [*x, *y]
    return None
