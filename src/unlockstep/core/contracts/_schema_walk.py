"""Finding a field in a JSON Schema the way a reader or writer meets it.

Provider documents are plain parsed values; ``$ref`` inside the same document
(``#/components/schemas/X``) is followed here, so verification works on a document straight
from YAML as well as on one already resolved by the document loader. ``allOf`` is merged;
``oneOf``/``anyOf`` count a field present when any branch has it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from unlockstep.core.compat import Source
from unlockstep.core.documents import Document, join, json_type
from unlockstep.core.documents import Resolver as RefResolver
from unlockstep.errors import ParseError

_MAX_REF_DEPTH = 32


class Resolver:
    """A provider document's schemas as a reader or writer meets them. References are followed
    by the one ``$ref`` resolver (``documents.Resolver``: pointers, ``$id``/``$anchor``); one
    that does not resolve here reads as an empty schema (the registry refused broken ones when
    the document was published)."""

    def __init__(self, document: Any) -> None:
        self.document = document
        root = Document(data=document, source=Source("", "<provider contract>"), syntax="json")
        self._refs = RefResolver(root)

    def deref(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            if seen > _MAX_REF_DEPTH:
                return {}
            try:
                schema = self._refs.resolve(schema["$ref"], self._refs.root).value
            except ParseError:
                return {}
            seen += 1
        return schema

    def merged(self, schema: Any) -> dict[str, Any]:
        """The schema with ``$ref`` followed and ``allOf`` folded in. Keywords beside a
        ``$ref`` (OpenAPI 3.1, JSON Schema 2019+: ``deprecated: true``, ``x-sunset``) apply
        too: they are laid over the target."""
        if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and len(schema) > 1:
            target = self.merged({"$ref": schema["$ref"]})
            return _overlay(target, self.merged({k: v for k, v in schema.items() if k != "$ref"}))
        schema = self.deref(schema)
        if not isinstance(schema, Mapping):
            return {}
        if "allOf" not in schema:
            return dict(schema)
        out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        properties = dict(out.get("properties") or {})
        required = list(out.get("required") or [])
        for part in schema.get("allOf") or []:
            sub = self.merged(part)
            properties.update(sub.get("properties") or {})
            required += sub.get("required") or []
            for key in ("type", "enum", "additionalProperties", "items", "nullable", *_NOTES):
                if key in sub and key not in out:
                    out[key] = sub[key]
        if properties:
            out["properties"] = properties
        if required:
            out["required"] = sorted(set(required))
        return out

    def branches(self, schema: Any) -> Iterator[dict[str, Any]]:
        """The schema itself and, for oneOf/anyOf, each alternative (merged)."""
        base = self.merged(schema)
        alternatives = (base.get("oneOf") or []) + (base.get("anyOf") or [])
        if not alternatives:
            yield base
            return
        for alt in alternatives:
            merged = self.merged(alt)
            props = {**(base.get("properties") or {}), **(merged.get("properties") or {})}
            if props:
                merged["properties"] = props
            yield merged


#: annotations an ``allOf`` part or a ``$ref`` sibling adds to a schema (``allOf: [{$ref},
#: {deprecated: true}]`` is OpenAPI 3.0's way of deprecating a referenced property)
_NOTES = ("deprecated", "x-sunset", "x-sunset-date", "description", "title")


def _overlay(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = {**base, **{k: v for k, v in over.items() if k not in ("properties", "required")}}
    properties = {**(base.get("properties") or {}), **(over.get("properties") or {})}
    required = {*(base.get("required") or ()), *(over.get("required") or ())}
    if properties:
        out["properties"] = properties
    if required:
        out["required"] = sorted(required, key=str)
    return out


@dataclass(frozen=True)
class Found:
    """Where a pointer led: the schema there, whether every step was required, and the open
    object that swallowed it (``additionalProperties``) if the field is not declared."""

    schema: dict[str, Any] | None
    required: bool
    closed: bool = False  # not found, and the object forbids unknown properties


def lookup(resolver: Resolver, schema: Any, parts: list[str]) -> Found:
    if not parts:
        return Found(resolver.merged(schema), True)
    head, rest = parts[0], parts[1:]
    closed = False
    for branch in resolver.branches(schema):
        if head == "*":
            items = branch.get("items")
            if items is None and _types(branch) & {"array"} == set():
                continue
            found = lookup(resolver, items if items is not None else {}, rest)
            if found.schema is not None:
                return found
            closed = closed or found.closed
            continue
        props = branch.get("properties") or {}
        if head in props:
            found = lookup(resolver, props[head], rest)
            if found.schema is not None:
                return Found(
                    found.schema, found.required and head in (branch.get("required") or ())
                )
            closed = closed or found.closed
            continue
        extra = branch.get("additionalProperties")
        if isinstance(extra, Mapping) and extra:
            found = lookup(resolver, extra, rest)
            if found.schema is not None:
                return Found(found.schema, False)
        if extra is False or branch.get("unevaluatedProperties") is False:
            closed = True
    return Found(None, False, closed)


def _types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        out = {kind}
    elif isinstance(kind, list):
        out = {str(k) for k in kind}
    else:
        out = set()
    if schema.get("nullable") is True:
        out.add("null")
    if "const" in schema and not out:
        out.add(json_type(schema["const"]))
    return out


def types_of(schema: Mapping[str, Any]) -> set[str]:
    return _types(schema)


def enum_of(schema: Mapping[str, Any]) -> list[Any] | None:
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return None


def property_names(resolver: Resolver, schema: Any) -> set[str]:
    names: set[str] = set()
    for branch in resolver.branches(schema):
        names |= set(branch.get("properties") or {})
    return names


def leaf_pointers(resolver: Resolver, schema: Any, prefix: str = "", depth: int = 0) -> list[str]:
    """Every declared field under a schema (objects and arrays walked, depth-limited)."""
    if depth > 12:
        return []
    out: list[str] = []
    for branch in resolver.branches(schema):
        for name, sub in (branch.get("properties") or {}).items():
            pointer = join(prefix, name)
            out.append(pointer)
            out += leaf_pointers(resolver, sub, pointer, depth + 1)
        if branch.get("items") is not None:
            out += leaf_pointers(resolver, branch["items"], f"{prefix}/*", depth + 1)
    return sorted(set(out))


def read_type_fits(reads_as: str, produced: set[str]) -> bool:
    """Can a reader expecting ``reads_as`` read a value the schema allows as ``produced``?"""
    if not produced:
        return True
    values = produced - {"null"}
    if not values:
        return reads_as == "null"
    if reads_as == "number":
        return values <= {"number", "integer"}
    return values <= {reads_as}


def send_type_fits(sends_as: str, accepted: set[str]) -> bool:
    """Does a provider accepting ``accepted`` take a value the consumer sends as ``sends_as``?"""
    if not accepted:
        return True
    if sends_as == "integer" and "number" in accepted:
        return True
    return sends_as in accepted
