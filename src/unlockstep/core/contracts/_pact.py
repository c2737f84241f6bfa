"""Import Pact files (specification v2, v3 and v4) as expectations.

Each HTTP interaction becomes an operation: the request's method and path (concrete paths
such as ``/cases/CASE-1001`` match a provider template by shape), the query parameters and
headers sent, the request body fields sent, and — under the response status — every body
field the consumer's test asserted (the leaves of the example body). Each message
interaction becomes an event use: its type (the payload's ``eventType``/``type`` field, the
message metadata's ``type``, else the description), its version (``eventVersion``) and the
fields of its contents. Matching rules are noted on the operation (``/items/*/id: type``);
type matchers record the example's JSON type on the field.

Pact consumers are tolerant readers: a Pact test only asserts what it reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from unlockstep.core.compat import Source
from unlockstep.core.contracts._expectations import (
    EventUse,
    Expectation,
    FieldUse,
    Operation,
    Parameter,
    to_pointer,
)
from unlockstep.core.documents import join, json_type, load_document
from unlockstep.errors import InvalidInput, ParseError

#: Headers every HTTP client sends; they say nothing about the provider's contract.
_PLUMBING_HEADERS = {"content-type", "accept", "content-length", "host", "user-agent"}


def is_pact(data: Any) -> bool:
    return (
        isinstance(data, Mapping)
        and "consumer" in data
        and "provider" in data
        and ("interactions" in data or "messages" in data)
    )


def spec_version(data: Mapping[str, Any]) -> str:
    meta = data.get("metadata") or {}
    for key in ("pactSpecification", "pact-specification"):
        spec = meta.get(key)
        if isinstance(spec, Mapping) and spec.get("version"):
            return str(spec["version"]).split(".")[0]
    if "pactSpecificationVersion" in meta:
        return str(meta["pactSpecificationVersion"]).split(".")[0]
    return "2"


def leaf_fields(body: Any, prefix: str = "") -> list[FieldUse]:
    """The leaves of an example body as fields with their JSON type."""
    if isinstance(body, Mapping):
        if not body:
            return [FieldUse(prefix, "object")] if prefix else []
        out: list[FieldUse] = []
        for key, value in body.items():
            out += leaf_fields(value, join(prefix, str(key)))
        return out
    if isinstance(body, list):
        if not body:
            return [FieldUse(prefix, "array")] if prefix else []
        merged: dict[str, FieldUse] = {}
        for item in body:
            for f in leaf_fields(item, f"{prefix}/*"):
                merged.setdefault(f.pointer, f)
        return list(merged.values())
    return [FieldUse(prefix, _sample_type(body))] if prefix else []


def _sample_type(value: Any) -> str:
    """The type a consumer reads a field as, from its example value: ``json_type``, except
    that an example written with a decimal point (``10.0``) says the consumer reads numbers,
    though JSON Schema counts the value itself an integer."""
    return "number" if isinstance(value, float) else json_type(value)


def _body(part: Mapping[str, Any]) -> Any:
    """v2/v3 ``body`` is the value; v4 wraps it as ``{content, contentType, encoded}``."""
    body = part.get("body", part.get("contents"))
    if (
        isinstance(body, Mapping)
        and "content" in body
        and ("contentType" in body or "encoded" in body)
    ):
        content = body.get("content")
        if isinstance(content, str) and "json" in str(body.get("contentType", "json")):
            if content.lstrip().startswith(("{", "[")):  # a document: the hardened loader
                try:
                    return load_document(Source(content, "<pact body>")).data
                except ParseError:
                    return content
            try:
                return json.loads(content)  # a JSON scalar
            except ValueError:
                return content
        return content
    return body


def _matchers(rules: Any) -> list[str]:
    """``"$.body.items[*].id": {"match": "type"}`` (v2) or ``{"body": {"$.id": {"matchers":
    [...]}}}`` (v3/v4) → ``/items/*/id: type``."""
    out: list[str] = []
    if not isinstance(rules, Mapping):
        return out
    for key, value in rules.items():
        if key in ("body", "path", "query", "header", "headers", "metadata", "status"):
            if not isinstance(value, Mapping):
                continue
            nested = value if key == "body" else {}
            if key != "body":
                for name, rule in value.items():
                    out += [f"{key}.{name}: {m}" for m in _rule_names(rule)]
            for path, rule in nested.items():
                out += [f"{_matcher_pointer(path)}: {m}" for m in _rule_names(rule)]
        elif isinstance(key, str) and key.startswith("$.body"):
            out += [f"{_matcher_pointer(key[6:])}: {m}" for m in _rule_names(value)]
    return sorted(set(out))


def _rule_names(rule: Any) -> list[str]:
    if isinstance(rule, Mapping) and isinstance(rule.get("matchers"), list):
        return [str(m.get("match", "equality")) for m in rule["matchers"] if isinstance(m, Mapping)]
    if isinstance(rule, Mapping):
        if "match" in rule:
            return [str(rule["match"])]
        if "regex" in rule:
            return ["regex"]
    return []


def _matcher_pointer(path: str) -> str:
    path = path.lstrip("$").lstrip(".")
    path = path.replace("[*]", "[]").replace("['", ".").replace("']", "")
    try:
        return to_pointer(path, "matchingRules") or "/"
    except InvalidInput:
        return path


def _query(query: Any) -> list[str]:
    if isinstance(query, str):
        return list(parse_qs(query, keep_blank_values=True))
    if isinstance(query, Mapping):
        return [str(k) for k in query]
    return []


def _operation(request: Mapping[str, Any], response: Mapping[str, Any], rules: Any) -> Operation:
    method = str(request.get("method", "GET")).lower()
    path = str(request.get("path", "/"))
    params = {Parameter("query", name) for name in _query(request.get("query"))}
    headers = request.get("headers") or {}
    if isinstance(headers, Mapping):
        params |= {
            Parameter("header", str(h).lower())
            for h in headers
            if str(h).lower() not in _PLUMBING_HEADERS
        }
    status = str(response.get("status", 200))
    response_fields = leaf_fields(_body(response))
    matchers = _matchers(rules) + _matchers(request.get("matchingRules"))
    matchers += _matchers(response.get("matchingRules"))
    return Operation(
        method=method,
        path=path,
        parameters=tuple(sorted(params, key=str)),
        request=tuple(sorted(leaf_fields(_body(request)), key=lambda f: f.pointer)),
        responses=((status, tuple(sorted(response_fields, key=lambda f: f.pointer))),),
        matchers=tuple(sorted(set(matchers))),
    )


def _event(message: Mapping[str, Any]) -> EventUse:
    contents = _body(message)
    meta = message.get("metaData") or message.get("metadata") or {}
    kind = None
    if isinstance(contents, Mapping):
        kind = contents.get("eventType") or contents.get("type")
    if not isinstance(kind, str):
        kind = meta.get("type") or meta.get("eventType") or message.get("description")
    version = None
    if isinstance(contents, Mapping):
        version = contents.get("eventVersion", contents.get("version"))
    if version is None and isinstance(meta, Mapping):
        version = meta.get("eventVersion")
    return EventUse(
        type=str(kind),
        versions=(str(version),) if version is not None else (),
        fields=tuple(sorted(leaf_fields(contents), key=lambda f: f.pointer)),
    )


def _merge_operations(ops: list[Operation]) -> tuple[Operation, ...]:
    """Interactions hitting the same method and path become one operation."""
    merged: dict[tuple[str, str], Operation] = {}
    for op in ops:
        key = (op.method, op.path)
        if key not in merged:
            merged[key] = op
            continue
        old = merged[key]
        responses = dict(old.responses)
        for status, fields in op.responses:
            by_pointer = {f.pointer: f for f in (*responses.get(status, ()), *fields)}
            responses[status] = tuple(sorted(by_pointer.values(), key=lambda f: f.pointer))
        request = {f.pointer: f for f in (*old.request, *op.request)}
        merged[key] = Operation(
            method=old.method,
            path=old.path,
            parameters=tuple(sorted({*old.parameters, *op.parameters}, key=str)),
            request=tuple(sorted(request.values(), key=lambda f: f.pointer)),
            responses=tuple(sorted(responses.items())),
            matchers=tuple(sorted({*old.matchers, *op.matchers})),
        )
    return tuple(merged.values())


def _merge_events(events: list[EventUse]) -> tuple[EventUse, ...]:
    merged: dict[str, EventUse] = {}
    for ev in events:
        old = merged.get(ev.type)
        if old is None:
            merged[ev.type] = ev
            continue
        fields = {f.pointer: f for f in (*old.fields, *ev.fields)}
        merged[ev.type] = EventUse(
            ev.type,
            tuple(sorted({*old.versions, *ev.versions})),
            tuple(sorted(fields.values(), key=lambda f: f.pointer)),
        )
    return tuple(merged.values())


def parse_pact(data: Any, source: str = "pact") -> tuple[Expectation, dict[str, str]]:
    """Read a Pact file into an expectation; also returns the consumer and provider names."""
    if not is_pact(data):
        raise InvalidInput(
            "not a Pact file", where=source, hint="a Pact file has consumer, provider, interactions"
        )
    version = spec_version(data)
    if version not in ("1", "2", "3", "4"):
        raise InvalidInput(f"Pact specification v{version} is not supported", where=source)
    ops: list[Operation] = []
    events: list[EventUse] = []
    for i, item in enumerate(data.get("interactions") or []):
        if not isinstance(item, Mapping):
            raise InvalidInput("an interaction is an object", where=f"{source}#/interactions/{i}")
        kind = str(item.get("type", "Synchronous/HTTP"))
        if kind == "Synchronous/HTTP" and "request" in item:
            ops.append(
                _operation(item["request"], item.get("response") or {}, item.get("matchingRules"))
            )
        elif kind.startswith("Asynchronous") or "contents" in item:
            events.append(_event(item))
        elif kind == "Synchronous/Messages":
            for response in item.get("response") or []:
                if isinstance(response, Mapping):
                    events.append(_event({**response, "description": item.get("description")}))
    for message in data.get("messages") or []:
        if isinstance(message, Mapping):
            events.append(_event(message))
    if not ops and not events:
        raise InvalidInput("the Pact file has no interactions", where=source)
    names = {
        "consumer": str((data.get("consumer") or {}).get("name", "")),
        "provider": str((data.get("provider") or {}).get("name", "")),
    }
    expectation = Expectation(
        kind="http" if ops else "event",
        reader="tolerant",
        operations=_merge_operations(ops),
        events=_merge_events(events),
        source=f"pact-v{version}",
        notes=("imported from Pact; response fields are the leaves the consumer test asserted",),
    )
    return expectation, names


def read_any(data: Any, source: str = "expectation") -> tuple[Expectation, dict[str, str]]:
    """An unlockstep expectation or a Pact file, detected by shape. Pact files also name
    their consumer and provider (empty for the YAML format)."""
    if is_pact(data):
        return parse_pact(data, source)
    from unlockstep.core.contracts._expectations import parse

    return parse(data, source), {"consumer": "", "provider": ""}
