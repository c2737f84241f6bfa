"""What a proposed contract changes for the consumers that use it.

An *element* is something a consumer can depend on, named in the provider document's own
terms: an operation (``GET /cases/{}/summary``), a response field under a status
(``GET /cases/{}/summary 200`` + ``/escalation/reason``), an event type, or a field of its
payload. ``elements(document)`` lists what a document offers; ``reads(expectation,
document)`` what one expectation uses of it (parents of a field read count as read).
Removed elements nobody reads are safe to remove; the evidence is the set of expectations
considered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unlockstep.core.contracts._expectations import Expectation, pointer_parts, template_shape
from unlockstep.core.contracts._schema_walk import Resolver, enum_of, leaf_pointers, lookup
from unlockstep.core.contracts._verification import (
    HTTP_METHODS,
    match_path,
    media_schema,
    message_names,
    messages_of,
    parameters,
    response_for,
)

Element = tuple[str, str]  # (operation/status or event type, field pointer or "")


def _operations(document: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    resolver = Resolver(document)
    out = []
    for template, item in (document.get("paths") or {}).items():
        item = resolver.deref(item) or {}
        for method, op in item.items():
            if method in HTTP_METHODS and isinstance(op, Mapping):
                out.append((str(template), method, op))
    return out


def _event_payloads(document: Mapping[str, Any]) -> list[tuple[str, frozenset[str], Any]]:
    """(the event's one name, every name it answers to, its payload) per message: a message
    is one event however many names it has (key, ``name``, ``title``, its ``eventType``)."""
    resolver = Resolver(document)
    if "asyncapi" not in document:
        return [("*", frozenset({"*"}), document)]
    out: dict[str, tuple[str, frozenset[str], Any]] = {}
    for key, message in messages_of(resolver, document):
        names = frozenset(message_names(resolver, key, message))
        name = event_name(resolver, key, message)
        if name not in out:
            out[name] = (name, names, message.get("payload") or {})
        else:
            out[name] = (name, out[name][1] | names, out[name][2])
    return list(out.values())


def event_name(resolver: Resolver, key: str, message: Mapping[str, Any]) -> str:
    """The name an event goes by in impact reports: the type it carries on the wire (its
    ``x-event-type`` or single ``eventType`` value), else its ``name``, else its key. Never
    its ``title``, which is prose."""
    if message.get("x-event-type"):
        return str(message["x-event-type"])
    payload = resolver.merged(message.get("payload") or {})
    values = enum_of(resolver.merged((payload.get("properties") or {}).get("eventType") or {}))
    if values and len(values) == 1:
        return str(values[0])
    return str(message.get("name") or key)


def _event_named(document: Mapping[str, Any], wanted: str) -> tuple[str, Any] | None:
    """(the event's one name, its payload) for a name a consumer uses, if it is published."""
    for name, names, payload in _event_payloads(document):
        if wanted in names or name == "*":
            return name, payload
    return None


def elements(document: Any) -> set[Element]:
    if not isinstance(document, Mapping):
        return set()
    resolver = Resolver(document)
    found: set[Element] = set()
    for template, method, op in _operations(document):
        label = f"{method.upper()} {template_shape(template)}"
        found.add((label, ""))
        for status, response in (op.get("responses") or {}).items():
            _, schema = media_schema(resolver, response)
            found.add((f"{label} {str(status).upper()}", ""))
            for pointer in leaf_pointers(resolver, schema or {}):
                found.add((f"{label} {str(status).upper()}", pointer))
    for name, _, payload in _event_payloads(document):
        found.add((name, ""))
        for pointer in leaf_pointers(resolver, payload):
            found.add((name, pointer))
    return found


def _with_parents(pointer: str) -> set[str]:
    parts = pointer_parts(pointer)
    return {"/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)}


def reads(expectation: Expectation, document: Any) -> set[Element]:
    """The elements of ``document`` this expectation uses."""
    if not isinstance(document, Mapping):
        return set()
    resolver = Resolver(document)
    used: set[Element] = set()
    paths = document.get("paths") or {}
    for op in expectation.operations:
        template = match_path(paths, op.path)
        if template is None:
            continue
        label = f"{op.method.upper()} {template_shape(template)}"
        used.add((label, ""))
        responses = ((resolver.deref(paths[template]) or {}).get(op.method) or {}).get(
            "responses"
        ) or {}
        for status, fields in op.responses:
            match = response_for(responses, status)
            key = match[0] if match else status
            used.add((f"{label} {key}", ""))
            for f in fields:
                used |= {(f"{label} {key}", p) for p in _with_parents(f.pointer)}
    for ev in expectation.events:
        event = _event_named(document, ev.type)
        name = event[0] if event else ev.type
        used.add((name, ""))
        for f in ev.fields:
            used |= {(name, p) for p in _with_parents(f.pointer)}
    return used


def deprecated_uses(expectation: Expectation, document: Any) -> list[dict[str, Any]]:
    """Deprecated operations, parameters and fields (sent or read) the expectation uses,
    with their sunset dates."""
    if not isinstance(document, Mapping):
        return []
    resolver = Resolver(document)
    out: list[dict[str, Any]] = []
    paths = document.get("paths") or {}
    for op in expectation.operations:
        template = match_path(paths, op.path)
        if template is None:
            continue
        operation = (resolver.deref(paths[template]) or {}).get(op.method) or {}
        label = f"{op.method.upper()} {template}"
        if operation.get("deprecated"):
            out.append(_deprecation(label, None, operation))
        path_item = resolver.deref(paths[template]) or {}
        declared = parameters(resolver, path_item, operation)
        for param in op.parameters:
            name = param.name.lower() if param.place == "header" else param.name
            holder = declared.get((param.place, name))
            if holder is not None and holder.get("deprecated"):
                out.append(_deprecation(label, str(param), holder))
        if op.request:
            _, body = media_schema(resolver, operation.get("requestBody"))
            for f in op.request:
                found = lookup(resolver, body or {}, pointer_parts(f.pointer))
                if found.schema and found.schema.get("deprecated"):
                    out.append(_deprecation(label, f.pointer, found.schema))
        for status, fields in op.responses:
            match = response_for(operation.get("responses") or {}, status)
            if match is None:
                continue
            _, schema = media_schema(resolver, match[1])
            for f in fields:
                found = lookup(resolver, schema or {}, pointer_parts(f.pointer))
                if found.schema and found.schema.get("deprecated"):
                    out.append(_deprecation(f"{label} {match[0]}", f.pointer, found.schema))
    for ev in expectation.events:
        event = _event_named(document, ev.type)
        if event is None:
            continue
        payload = event[1]
        for f in ev.fields:
            found = lookup(resolver, payload, pointer_parts(f.pointer))
            if found.schema and found.schema.get("deprecated"):
                out.append(_deprecation(ev.type, f.pointer, found.schema))
    return out


def _deprecation(element: str, field: str | None, holder: Mapping[str, Any]) -> dict[str, Any]:
    sunset = holder.get("x-sunset") or holder.get("x-sunset-date")
    out: dict[str, Any] = {"element": element, "field": field}
    out["sunset"] = str(sunset) if sunset else None
    return out


def offers(document: Any, name: str) -> bool:
    """Whether ``document`` offers what a release plan calls ``name``: an event it
    publishes (by any of its names) or an operation (``POST /cases/{id}/escalations``, path
    templates compared by shape)."""
    if not isinstance(document, Mapping):
        return False
    wanted = name.strip()
    if "asyncapi" in document and _event_named(document, wanted) is not None:
        return True
    method, _, path = wanted.partition(" ")
    if path and method.lower() in HTTP_METHODS:
        template = match_path(document.get("paths") or {}, path.strip())
        if template is not None:
            item = Resolver(document).deref((document.get("paths") or {})[template]) or {}
            return isinstance(item, Mapping) and method.lower() in item
    return False
