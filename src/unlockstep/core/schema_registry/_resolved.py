"""An Avro schema with its references inlined (``?format=resolved``): each named type from a
referenced schema is written out where it is first used and named after that, as one
self-contained schema a tool without registry access can read."""

from __future__ import annotations

import json
from typing import Any

from unlockstep.errors import InvalidInput

_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_NAMED = frozenset({"record", "error", "enum", "fixed"})


def resolved_avro(text: str, referenced: dict[str, str]) -> str:
    """``text`` with every type named in ``referenced`` (full name -> the text of the schema
    that defines it) inlined at its first use."""
    inliner = _Inliner(referenced)
    return json.dumps(inliner.walk(json.loads(text), ""), separators=(",", ":"))


class _Inliner:
    def __init__(self, referenced: dict[str, str]) -> None:
        self.referenced = referenced
        self.defined: set[str] = set()
        self.reading: set[str] = set()

    def walk(self, node: Any, namespace: str) -> Any:
        if isinstance(node, str):
            return self.name(node, namespace)
        if isinstance(node, list):
            return [self.walk(branch, namespace) for branch in node]
        if not isinstance(node, dict):
            return node
        kind = node.get("type")
        if kind in _NAMED and isinstance(node.get("name"), str):
            full, inner = _full_name(node["name"], node.get("namespace", namespace))
            self.defined.add(full)
            if kind in ("record", "error") and isinstance(node.get("fields"), list):
                fields = [self.field(f, inner) for f in node["fields"]]
                return {**node, "fields": fields}
            return node
        if kind == "array" and "items" in node:
            return {**node, "items": self.walk(node["items"], namespace)}
        if kind == "map" and "values" in node:
            return {**node, "values": self.walk(node["values"], namespace)}
        return {**node, "type": self.walk(kind, namespace)}

    def field(self, field: Any, namespace: str) -> Any:
        if isinstance(field, dict) and "type" in field:
            return {**field, "type": self.walk(field["type"], namespace)}
        return field

    def name(self, name: str, namespace: str) -> Any:
        if name in _PRIMITIVES:
            return name
        full, _ = _full_name(name, namespace)
        candidates = [full] if full == name else [full, name]  # as the Avro engine looks up
        if any(c in self.defined for c in candidates):
            return name
        full = next((c for c in candidates if c in self.referenced), "")
        if not full:
            return name  # the parser's to refuse
        if full in self.reading:
            raise InvalidInput(f"references of {full!r} lead back to it", where="references")
        self.reading.add(full)
        try:
            inlined = self.walk(json.loads(self.referenced[full]), "")
        finally:
            self.reading.discard(full)
        if _in_no_namespace(inlined) and namespace:
            inlined = {**inlined, "namespace": ""}  # not the enclosing type's namespace
        return inlined


def _full_name(name: str, namespace: Any) -> tuple[str, str]:
    """(full name, the namespace its fields' names are read in)."""
    if "." in name:
        return name, name.rsplit(".", 1)[0]
    space = namespace if isinstance(namespace, str) else ""
    return (f"{space}.{name}" if space else name), space


def _in_no_namespace(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and "namespace" not in node
        and isinstance(node.get("name"), str)
        and "." not in node["name"]
    )
