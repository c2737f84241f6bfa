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
from unlockstep.core.contracts._schema_walk import Resolver, leaf_pointers, lookup
from unlockstep.core.contracts._verification import (
    HTTP_METHODS,
    match_path,
    media_schema,
    message_names,
    messages_of,
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


def _event_payloads(document: Mapping[str, Any]) -> list[tuple[str, Any]]:
    resolver = Resolver(document)
    if "asyncapi" not in document:
        return [("*", document)]
    out = []
    for key, message in messages_of(resolver, document):
        for name in sorted(message_names(resolver, key, message)):
            out.append((name, message.get("payload") or {}))
    return out


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
    for name, payload in _event_payloads(document):
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
        used.add((ev.type, ""))
        for f in ev.fields:
            used |= {(ev.type, p) for p in _with_parents(f.pointer)}
    return used


def deprecated_uses(expectation: Expectation, document: Any) -> list[dict[str, Any]]:
    """Deprecated operations and fields the expectation uses, with their sunset dates."""
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
        for status, fields in op.responses:
            match = response_for(operation.get("responses") or {}, status)
            if match is None:
                continue
            _, schema = media_schema(resolver, match[1])
            for f in fields:
                found = lookup(resolver, schema or {}, pointer_parts(f.pointer))
                if found.schema and found.schema.get("deprecated"):
                    out.append(_deprecation(f"{label} {match[0]}", f.pointer, found.schema))
    payloads = dict(_event_payloads(document))
    for ev in expectation.events:
        payload = payloads.get(ev.type, payloads.get("*"))
        if payload is None:
            continue
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
