"""Consumer expectations: what one consumer version uses of a provider's contract.

The YAML format (``expectation: 1``) is small on purpose::

    expectation: 1
    kind: http                      # http | event
    reader: tolerant                # tolerant (default) | strict
    operations:                     # http only
      - method: GET
        path: /cases/{caseId}/summary          # template; parameter names do not matter
        parameters: [query.include, header.X-Tenant]
        request: [reason, details.note]        # body fields sent
        responses:
          "200": [caseId, status, {field: risk.level, type: string, enum: [LOW, HIGH]}]
    events:                         # event only
      - type: CaseEscalated
        versions: [1, 2]
        fields: [eventId, payload.reason]
    readerSchema: <.avsc or .proto text>  # event only: the consumer's own Avro/Protobuf schema
    readerMessage: cases.v1.CaseEscalated   # Protobuf: the message read (default: the only one)

A field is a dotted path (``payload.items[].id``) or a JSON pointer (``/payload/items/*/id``);
both normalise to a pointer where ``*`` stands for "every array item". A field may carry the
``type`` it is read as and, for strict readers, the ``enum`` values it understands. A strict
reader rejects what it does not know: for it the listed fields are the whole set it accepts.

Parsing never touches files: adapters hand in the already-loaded value and a source name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from unlockstep.core.documents import escape, split
from unlockstep.errors import InvalidInput

KINDS = ("http", "event")
READERS = ("tolerant", "strict")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
PARAMETER_PLACES = ("path", "query", "header", "cookie")
JSON_TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")


@dataclass(frozen=True)
class FieldUse:
    """One field sent or read, as a JSON pointer (``*`` = every array item)."""

    pointer: str
    type: str | None = None
    enum: tuple[Any, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.pointer}
        if self.type:
            out["type"] = self.type
        if self.enum is not None:
            out["enum"] = list(self.enum)
        return out


@dataclass(frozen=True)
class Parameter:
    place: str
    name: str

    def __str__(self) -> str:
        return f"{self.place}.{self.name}"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parameters: tuple[Parameter, ...] = ()
    request: tuple[FieldUse, ...] = ()
    responses: tuple[tuple[str, tuple[FieldUse, ...]], ...] = ()
    matchers: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method.upper(), "path": self.path}
        if self.parameters:
            out["parameters"] = [str(p) for p in self.parameters]
        if self.request:
            out["request"] = [f.to_dict() for f in self.request]
        if self.responses:
            out["responses"] = {s: [f.to_dict() for f in fs] for s, fs in self.responses}
        if self.matchers:
            out["matchers"] = list(self.matchers)
        return out


@dataclass(frozen=True)
class EventUse:
    type: str
    versions: tuple[str, ...] = ()
    fields: tuple[FieldUse, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.versions:
            out["versions"] = list(self.versions)
        if self.fields:
            out["fields"] = [f.to_dict() for f in self.fields]
        return out


@dataclass(frozen=True)
class Expectation:
    kind: str
    reader: str = "tolerant"
    operations: tuple[Operation, ...] = ()
    events: tuple[EventUse, ...] = ()
    source: str = "yaml"
    notes: tuple[str, ...] = field(default=())
    #: the consumer's own schema for Avro or Protobuf events (as text), which the replay
    #: check resolves against every retained writer schema
    reader_schema: str | None = None
    reader_message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The normalised form: stored, returned by the API, and parsed back by ``parse``."""
        out: dict[str, Any] = {"expectation": 1, "kind": self.kind, "reader": self.reader}
        if self.operations:
            out["operations"] = [o.to_dict() for o in self.operations]
        if self.events:
            out["events"] = [e.to_dict() for e in self.events]
        if self.reader_schema is not None:
            out["readerSchema"] = self.reader_schema
        if self.reader_message is not None:
            out["readerMessage"] = self.reader_message
        out["source"] = self.source
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    def fields_read(self) -> list[tuple[str, str]]:
        """Every (element, pointer) this expectation reads: ``GET /x 200`` or event type."""
        out: list[tuple[str, str]] = []
        for op in self.operations:
            for status, fields in op.responses:
                out += [(f"{op.label} {status}", f.pointer) for f in fields]
        for ev in self.events:
            out += [(ev.type, f.pointer) for f in ev.fields]
        return out


_DOTTED_PART = re.compile(r"^([^\[\]]*)((?:\[\])*)$")


def to_pointer(text: str, where: str) -> str:
    """``a.b[].c`` or ``/a/b/*/c`` → ``/a/b/*/c``; ``$`` and empty mean the whole body."""
    text = text.strip()
    if text in ("", "$", "/"):
        return ""
    if text.startswith("$."):
        text = text[2:]
    if text.startswith("/"):
        return text.rstrip("/")
    parts: list[str] = []
    for piece in text.split("."):
        match = _DOTTED_PART.match(piece)
        if not match or (not match.group(1) and not match.group(2)):
            raise InvalidInput(
                f"cannot read field path {text!r}",
                where=where,
                hint="write a dotted path like payload.items[].id or a JSON pointer",
            )
        if match.group(1):
            parts.append(escape(match.group(1)))
        parts += ["*"] * (len(match.group(2)) // 2)
    return "/" + "/".join(parts)


def pointer_parts(pointer: str) -> list[str]:
    return split(pointer)


def template_shape(path: str) -> str:
    """Path templates compared by shape: ``/cases/{id}`` and ``/cases/{caseId}`` agree."""
    return re.sub(r"\{[^}/]*\}", "{}", path.rstrip("/") or "/")


def _field(value: Any, where: str) -> FieldUse:
    if isinstance(value, str):
        return FieldUse(to_pointer(value, where))
    if isinstance(value, Mapping) and isinstance(value.get("field"), str):
        kind = value.get("type")
        if kind is not None and kind not in JSON_TYPES:
            raise InvalidInput(
                f"unknown type {kind!r}", where=where, hint=f"use one of {', '.join(JSON_TYPES)}"
            )
        enum = value.get("enum")
        if enum is not None and not isinstance(enum, list):
            raise InvalidInput("enum must be a list of values", where=where)
        return FieldUse(
            to_pointer(value["field"], where), kind, tuple(enum) if enum is not None else None
        )
    raise InvalidInput(
        "a field is a path string or a mapping with 'field' (and optional type, enum)",
        where=where,
    )


def _fields(value: Any, where: str) -> tuple[FieldUse, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidInput("expected a list of fields", where=where)
    found = {_field(item, f"{where}/{i}") for i, item in enumerate(value)}
    return tuple(sorted(found, key=lambda f: f.pointer))


def _parameter(value: Any, where: str) -> Parameter:
    if isinstance(value, Mapping):
        place, name = value.get("in"), value.get("name")
    elif isinstance(value, str) and "." in value:
        place, _, name = value.partition(".")
    else:
        place, name = None, None
    if place not in PARAMETER_PLACES or not isinstance(name, str) or not name:
        raise InvalidInput(
            f"cannot read parameter {value!r}",
            where=where,
            hint="write query.name, header.Name, path.id or cookie.name",
        )
    return Parameter(str(place), name.lower() if place == "header" else name)


def _operation(value: Any, where: str) -> Operation:
    if not isinstance(value, Mapping):
        raise InvalidInput("an operation is a mapping with method and path", where=where)
    method = str(value.get("method", "")).lower()
    if method not in METHODS:
        raise InvalidInput(f"unknown HTTP method {value.get('method')!r}", where=f"{where}/method")
    path = value.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidInput("path must be a template starting with /", where=f"{where}/path")
    params = value.get("parameters") or []
    if not isinstance(params, list):
        raise InvalidInput("parameters must be a list", where=f"{where}/parameters")
    responses = value.get("responses") or {}
    if not isinstance(responses, Mapping):
        raise InvalidInput(
            "responses maps a status (200, 2XX, default) to fields read",
            where=f"{where}/responses",
        )
    return Operation(
        method=method,
        path=path,
        parameters=tuple(
            sorted(
                {_parameter(p, f"{where}/parameters/{i}") for i, p in enumerate(params)},
                key=str,
            )
        ),
        request=_fields(value.get("request"), f"{where}/request"),
        responses=tuple(
            (str(status).upper(), _fields(fields, f"{where}/responses/{status}"))
            for status, fields in sorted(responses.items(), key=lambda kv: str(kv[0]))
        ),
        matchers=tuple(str(m) for m in value.get("matchers") or ()),
    )


def _event(value: Any, where: str) -> EventUse:
    if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):
        raise InvalidInput("an event is a mapping with a type", where=where)
    versions = value.get("versions") or []
    if not isinstance(versions, list):
        versions = [versions]
    return EventUse(
        type=value["type"],
        versions=tuple(str(v) for v in versions),
        fields=_fields(value.get("fields"), f"{where}/fields"),
    )


def parse(data: Any, source: str = "expectation") -> Expectation:
    """Read the YAML format (already loaded) into an :class:`Expectation`."""
    if not isinstance(data, Mapping) or data.get("expectation") != 1:
        raise InvalidInput(
            "not an unlockstep expectation",
            where=source,
            hint="start the file with 'expectation: 1' (or publish a Pact JSON file)",
        )
    kind = data.get("kind")
    if kind not in KINDS:
        raise InvalidInput(f"kind must be http or event, not {kind!r}", where=f"{source}#/kind")
    reader = data.get("reader", "tolerant")
    if reader not in READERS:
        raise InvalidInput(
            f"reader must be tolerant or strict, not {reader!r}", where=f"{source}#/reader"
        )
    operations = data.get("operations") or []
    events = data.get("events") or []
    if not isinstance(operations, Sequence) or not isinstance(events, Sequence):
        raise InvalidInput("operations and events are lists", where=source)
    if kind == "http" and not operations:
        raise InvalidInput("an http expectation lists the operations it calls", where=source)
    if kind == "event" and not events:
        raise InvalidInput("an event expectation lists the events it consumes", where=source)
    return Expectation(
        kind=kind,
        reader=reader,
        operations=tuple(
            _operation(op, f"{source}#/operations/{i}") for i, op in enumerate(operations)
        ),
        events=tuple(_event(ev, f"{source}#/events/{i}") for i, ev in enumerate(events)),
        source=str(data.get("source", "yaml")),
        notes=tuple(str(n) for n in data.get("notes") or ()),
        reader_schema=_reader_schema(data.get("readerSchema"), kind, f"{source}#/readerSchema"),
        reader_message=_optional_text(data.get("readerMessage"), f"{source}#/readerMessage"),
    )


def _reader_schema(value: Any, kind: str, where: str) -> str | None:
    """The consumer's Avro or Protobuf schema as text: a string as written, an Avro schema
    written inline in YAML as its JSON."""
    if value is None:
        return None
    if kind != "event":
        raise InvalidInput("only an event expectation has a readerSchema", where=where)
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, (Mapping, list)):
        return json.dumps(value, indent=2)
    raise InvalidInput(
        "readerSchema is the consumer's Avro schema (JSON text or inline) or .proto text",
        where=where,
    )


def _optional_text(value: Any, where: str) -> str | None:
    if value is None or (isinstance(value, str) and value.strip()):
        return value
    raise InvalidInput("expected a non-empty string", where=where)
