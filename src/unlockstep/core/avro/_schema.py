"""Avro schemas (``.avsc``) parsed into a compact graph the compatibility walk can use.

Named types (records, enums, fixed) are single objects shared by every reference to them, so a
recursive record is a cycle in the graph and the walk memoises pairs by identity. Names follow
the specification: a dotted name carries its namespace, otherwise ``namespace`` or the
enclosing namespace applies; aliases are made full relative to the type's namespace.

A named type defined in another schema (a schema registry's reference, named by the type's
full name) is read through ``Source.read_relative``: given the full name, it returns the text
of the schema that defines it, whose named types then join this document's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from unlockstep.core.compat import Source
from unlockstep.core.documents import Document, load_document
from unlockstep.errors import ParseError

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED = frozenset({"record", "error", "enum", "fixed"})


@dataclass(eq=False, slots=True)
class Primitive:
    type: str
    logical: str | None = None
    props: dict[str, Any] = field(default_factory=dict)  # logical-type parameters
    fp: str | None = None  # canonical text; equal fp means nothing differs

    @property
    def label(self) -> str:
        return f"{self.type} ({self.logical})" if self.logical else self.type


@dataclass(eq=False, slots=True)
class Array:
    items: Schema
    type: str = "array"
    label: str = "array"
    fp: str | None = None  # canonical text; equal fp means nothing differs


@dataclass(eq=False, slots=True)
class Map:
    values: Schema
    type: str = "map"
    label: str = "map"
    fp: str | None = None  # canonical text; equal fp means nothing differs


@dataclass(eq=False, slots=True)
class Union:
    branches: list[Schema]
    type: str = "union"
    label: str = "union"
    fp: str | None = None  # canonical text; equal fp means nothing differs


@dataclass(eq=False, slots=True)
class Field:
    name: str
    type: Schema
    has_default: bool
    default: Any
    aliases: tuple[str, ...]
    index: int


@dataclass(eq=False, slots=True)
class Named:
    """A record, enum or fixed; ``type`` says which."""

    type: str
    name: str
    fullname: str
    aliases: frozenset[str]
    fields: list[Field] = field(default_factory=list)
    by_name: dict[str, Field] = field(default_factory=dict)
    symbols: tuple[str, ...] = ()
    enum_default: str | None = None
    size: int = 0
    logical: str | None = None
    props: dict[str, Any] = field(default_factory=dict)
    fp: str | None = None

    @property
    def label(self) -> str:
        return f"{self.type} {self.fullname}"


Schema = Primitive | Array | Map | Union | Named


@dataclass(frozen=True, slots=True)
class AvroDocument:
    root: Schema
    filename: str
    names: dict[str, Named]
    text: str = ""
    _lines: dict[str, int | None] = field(default_factory=dict, repr=False)
    _index: list[Document] = field(default_factory=list, repr=False)

    def line_of(self, pointer: str) -> int | None:
        """The line of ``pointer`` in the source text, looked up on first use and kept."""
        if pointer in self._lines:
            return self._lines[pointer]
        if not self._index:
            self._index.append(Document(None, Source(self.text, self.filename), "json"))
        line = self._index[0].line_of(pointer) if self.text else None
        self._lines[pointer] = line
        return line


def parse_text(
    text: str, filename: str = "<input>", read_relative: Callable[[str], str] | None = None
) -> AvroDocument:
    if not text.lstrip().startswith(("{", "[", '"')):
        raise ParseError(
            "not valid JSON: an Avro schema is a JSON object, array or string",
            where=f"{filename}:1",
            hint="an .avsc file is a JSON document",
        )
    raw = load_document(Source(text, filename)).data  # size, depth, duplicate names
    parser = _Parser(filename, read_relative)
    root = parser.schema(raw, "", "")
    _fingerprint(root, set(), {})
    return AvroDocument(root=root, filename=filename, names=parser.names, text=text)


def _fingerprint(node: Schema, stack: set[int], done: dict[int, str | None]) -> str | None:
    """Canonical text of ``node`` with every named type expanded, or None when it is (or
    contains) a recursive type: those are always walked."""
    key = id(node)
    if key in done:
        return done[key]
    if key in stack:
        return None
    stack.add(key)
    fp: str | None
    if isinstance(node, Primitive):
        fp = node.type if not node.logical else repr((node.type, node.logical, node.props))
    elif isinstance(node, Array):
        inner = _fingerprint(node.items, stack, done)
        fp = None if inner is None else f"[a {inner}]"
    elif isinstance(node, Map):
        inner = _fingerprint(node.values, stack, done)
        fp = None if inner is None else f"[m {inner}]"
    elif isinstance(node, Union):
        branches = [_fingerprint(b, stack, done) for b in node.branches]
        known = [b for b in branches if b is not None]
        fp = "[u " + ",".join(known) + "]" if len(known) == len(branches) else None
    else:
        head = repr(
            (
                node.type,
                node.fullname,
                sorted(node.aliases),
                node.symbols,
                node.enum_default,
                node.size,
                node.logical,
                sorted(node.props.items()),
            )
        )
        parts: list[str] = []
        for f in node.fields:
            inner = _fingerprint(f.type, stack, done)
            if inner is None:
                break
            default = json.dumps(f.default, sort_keys=True) if f.has_default else "-"
            parts.append(f"{f.name}{f.aliases}{default}{inner}")
        complete = len(parts) == len(node.fields)
        fp = f"[n {head} {' '.join(parts)}]" if complete else None
    stack.discard(key)
    node.fp = fp
    done[key] = fp
    return fp


_LOGICAL_PARAMS = ("precision", "scale")


class _Parser:
    def __init__(self, filename: str, read: Callable[[str], str] | None = None) -> None:
        self.filename = filename
        self.names: dict[str, Named] = {}
        self.read = read
        self.reading: set[str] = set()

    def fail(self, message: str, pointer: str, hint: str | None = None) -> ParseError:
        return ParseError(message, where=f"{self.filename}#{pointer or '/'}", hint=hint)

    def schema(self, raw: Any, namespace: str, pointer: str) -> Schema:
        if isinstance(raw, str):
            return self.reference(raw, namespace, pointer)
        if isinstance(raw, list):
            branches = [self.schema(b, namespace, f"{pointer}/{i}") for i, b in enumerate(raw)]
            if any(isinstance(b, Union) for b in branches):
                raise self.fail("a union may not directly contain another union", pointer)
            return Union(branches)
        if not isinstance(raw, dict):
            raise self.fail(
                f"expected a type name, object or array, found {json.dumps(raw)}",
                pointer,
            )
        kind = raw.get("type")
        if kind is None:
            raise self.fail("schema object has no 'type'", pointer)
        if not isinstance(kind, str):
            return self.schema(kind, namespace, f"{pointer}/type")
        if kind in PRIMITIVES:
            logical = raw.get("logicalType")
            props = {k: raw[k] for k in _LOGICAL_PARAMS if k in raw}
            return Primitive(kind, logical if isinstance(logical, str) else None, props)
        if kind == "array":
            if "items" not in raw:
                raise self.fail("array schema has no 'items'", pointer)
            return Array(self.schema(raw["items"], namespace, f"{pointer}/items"))
        if kind == "map":
            if "values" not in raw:
                raise self.fail("map schema has no 'values'", pointer)
            return Map(self.schema(raw["values"], namespace, f"{pointer}/values"))
        if kind in NAMED:
            return self.named(raw, kind, namespace, pointer)
        return self.reference(kind, namespace, f"{pointer}/type")

    def reference(self, name: str, namespace: str, pointer: str) -> Schema:
        if name in PRIMITIVES:
            return Primitive(name)
        candidates = [name] if "." in name else [f"{namespace}.{name}" if namespace else name]
        if "." not in name and namespace:
            candidates.append(name)
        for candidate in candidates:
            if candidate in self.names:
                return self.names[candidate]
        for candidate in candidates:
            if self.read is not None and candidate not in self.reading:
                found = self.external(candidate)
                if found is not None:
                    return found
        raise self.fail(
            f"unknown type {name!r}",
            pointer,
            hint="define a named type before it is used, or check the namespace",
        )

    def external(self, fullname: str) -> Named | None:
        """The named type ``fullname`` from the schema that defines it (``read``)."""
        assert self.read is not None
        try:
            text = self.read(fullname)
        except (ParseError, OSError, KeyError):
            return None
        self.reading.add(fullname)
        outer, self.filename = self.filename, fullname
        try:
            self.schema(load_document(Source(text, fullname)).data, "", "")
        finally:
            self.filename = outer
            self.reading.discard(fullname)
        return self.names.get(fullname)

    def named(self, raw: dict[str, Any], kind: str, namespace: str, pointer: str) -> Named:
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise self.fail(f"{kind} schema needs a 'name'", pointer)
        if "." in name:
            own_ns, _, short = name.rpartition(".")
        else:
            ns = raw.get("namespace")
            own_ns = ns if isinstance(ns, str) else namespace
            short = name
        fullname = f"{own_ns}.{short}" if own_ns else short
        if fullname in self.names:
            raise self.fail(f"type {fullname!r} is defined twice", pointer)
        aliases = frozenset(
            a if "." in a or not own_ns else f"{own_ns}.{a}" for a in _strings(raw.get("aliases"))
        )
        node = Named(
            type="record" if kind == "error" else kind,
            name=short,
            fullname=fullname,
            aliases=aliases,
        )
        logical = raw.get("logicalType")
        node.logical = logical if isinstance(logical, str) else None
        node.props = {k: raw[k] for k in _LOGICAL_PARAMS if k in raw}
        self.names[fullname] = node
        if node.type == "record":
            self.fields(node, raw, own_ns, pointer)
        elif kind == "enum":
            symbols = raw.get("symbols")
            if not isinstance(symbols, list) or not all(isinstance(s, str) for s in symbols):
                raise self.fail("enum 'symbols' must be a list of strings", f"{pointer}/symbols")
            node.symbols = tuple(symbols)
            default = raw.get("default")
            node.enum_default = default if isinstance(default, str) else None
        else:
            size = raw.get("size")
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise self.fail("fixed 'size' must be a non-negative integer", f"{pointer}/size")
            node.size = size
        return node

    def fields(self, node: Named, raw: dict[str, Any], namespace: str, pointer: str) -> None:
        raw_fields = raw.get("fields")
        if not isinstance(raw_fields, list):
            raise self.fail("record 'fields' must be a list", f"{pointer}/fields")
        for i, raw_field in enumerate(raw_fields):
            where = f"{pointer}/fields/{i}"
            if not isinstance(raw_field, dict) or not isinstance(raw_field.get("name"), str):
                raise self.fail("a field must be an object with a 'name'", where)
            if "type" not in raw_field:
                raise self.fail(f"field {raw_field['name']!r} has no 'type'", where)
            name = raw_field["name"]
            if name in node.by_name:
                raise self.fail(f"field {name!r} appears twice in {node.fullname}", where)
            f = Field(
                name=name,
                type=self.schema(raw_field["type"], namespace, f"{where}/type"),
                has_default="default" in raw_field,
                default=raw_field.get("default"),
                aliases=tuple(_strings(raw_field.get("aliases"))),
                index=i,
            )
            node.fields.append(f)
            node.by_name[name] = f


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []
