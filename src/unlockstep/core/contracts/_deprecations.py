"""Every deprecated element a contract document declares: OpenAPI operations, parameters and
body fields (request and response, following ``$ref``), AsyncAPI messages and their payload
fields — each with its sunset date when the document names one. The deprecation report puts
usage beside each."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from unlockstep.core.contracts._schema_walk import Resolver

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_MAX_DEPTH = 6


def deprecated_elements(document: Any) -> list[dict[str, Any]]:
    """``{element, field, sunset}`` per deprecated thing; ``field`` is None for a whole
    operation or message. Sorted, without repeats."""
    if not isinstance(document, Mapping):
        return []
    resolver = Resolver(document)
    found = {(e, f): s for e, f, s in _openapi(resolver, document)}
    for e, f, s in _asyncapi(resolver, document):
        found.setdefault((e, f), s)
    return [
        {"element": e, "field": f, "sunset": s}
        for (e, f), s in sorted(found.items(), key=lambda i: (i[0][0], i[0][1] or ""))
    ]


def _sunset(node: Mapping[str, Any]) -> str | None:
    value = node.get("x-sunset") or node.get("x-sunset-date")
    return str(value) if value else None


def _openapi(resolver: Resolver, document: Mapping[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        return
    for template, raw in paths.items():
        item = resolver.deref(raw)
        if not isinstance(item, Mapping):
            continue
        for method in _METHODS:
            op = resolver.deref(item.get(method))
            if not isinstance(op, Mapping):
                continue
            label = f"{method.upper()} {template}"
            if op.get("deprecated") is True:
                yield label, None, _sunset(op)
            for param in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
                p = resolver.deref(param)
                if isinstance(p, Mapping) and p.get("deprecated") is True:
                    yield label, f"{p.get('in', '')}:{p.get('name', '')}", _sunset(p)
            bodies = [resolver.deref(op.get("requestBody"))]
            bodies += [resolver.deref(r) for r in (op.get("responses") or {}).values()]
            for body in bodies:
                for media in ((body or {}).get("content") or {}).values():
                    if isinstance(media, Mapping):
                        yield from _fields(resolver, label, media.get("schema"), "", 0)


def _asyncapi(resolver: Resolver, document: Mapping[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    messages = (document.get("components") or {}).get("messages") or {}
    if not isinstance(messages, Mapping) or "asyncapi" not in document:
        return
    for name, raw in messages.items():
        message = resolver.deref(raw)
        if not isinstance(message, Mapping):
            continue
        label = str(message.get("name") or name)
        if message.get("deprecated") is True:
            yield label, None, _sunset(message)
        yield from _fields(resolver, label, message.get("payload"), "", 0)


def _fields(
    resolver: Resolver, label: str, schema: Any, pointer: str, depth: int
) -> Iterator[tuple[str, Any, Any]]:
    node = resolver.deref(schema)
    if not isinstance(node, Mapping) or depth > _MAX_DEPTH:
        return
    if pointer and node.get("deprecated") is True:
        yield label, pointer, _sunset(node)
    if isinstance(schema, Mapping) and schema is not node and schema.get("deprecated") is True:
        yield label, pointer, _sunset(schema)
    for key, sub in (node.get("properties") or {}).items():
        yield from _fields(resolver, label, sub, f"{pointer}/{key}", depth + 1)
    for part in node.get("allOf") or []:
        yield from _fields(resolver, label, part, pointer, depth + 1)
    if isinstance(node.get("items"), Mapping):
        yield from _fields(resolver, label, node["items"], f"{pointer}/*", depth + 1)
