"""Static verification: does a provider's contract still satisfy a consumer's expectation?

``verify(expectation, document)`` returns a :class:`Verification` — ``verified`` or
``failed`` with one :class:`Problem` per failing element — never raises on a mismatch:

- every operation the consumer calls still exists (path templates compared by shape; a
  concrete Pact path such as ``/cases/CASE-1`` matches ``/cases/{id}``);
- every parameter it sends is still declared, and no required one is missing;
- every request field it sends is still accepted with a compatible type, and it sends every
  required one;
- every response field it reads is still produced under that status with a type it can read
  (a field that may now be absent or null is a warning);
- a strict reader fails on response/event fields it does not know and on enum values outside
  those it lists; a tolerant reader ignores both;
- every event type it consumes is still published, in a version it reads, with its fields.

The document is a parsed OpenAPI 3.x (or Swagger 2) description for ``http``, and an
AsyncAPI 2/3 document or a bare JSON Schema of the payload for ``event``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from unlockstep.core.contracts._expectations import (
    EventUse,
    Expectation,
    FieldUse,
    Operation,
    pointer_parts,
)
from unlockstep.core.contracts._schema_walk import (
    Resolver,
    enum_of,
    lookup,
    property_names,
    read_type_fits,
    send_type_fits,
    types_of,
)

VERIFIED = "verified"
FAILED = "failed"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass(frozen=True)
class Problem:
    element: str
    reason: str
    field: str | None = None
    level: str = "error"  # error fails the verification; warning does not

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"element": self.element, "level": self.level}
        if self.field is not None:
            out["field"] = self.field or "/"
        out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Verification:
    status: str
    problems: tuple[Problem, ...]
    checked: int

    @property
    def ok(self) -> bool:
        return self.status == VERIFIED

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "checked": self.checked,
            "problems": [p.to_dict() for p in self.problems],
        }


def unverifiable(expectation: Expectation, document: Any) -> str | None:
    """Why this document cannot be checked statically for this expectation, if it cannot
    (an Avro, Protobuf or table contract; an http expectation against an event document):
    such pairs need a result reported by the provider's own tests."""
    if not isinstance(document, Mapping):
        return "the contract document is not an object"
    if expectation.kind == "http" and not ("openapi" in document or "swagger" in document):
        return "http expectations are verified against OpenAPI or Swagger documents"
    if expectation.kind == "event" and not (
        "asyncapi" in document
        or any(key in document for key in ("properties", "$schema", "allOf", "oneOf", "$ref"))
    ):
        return "event expectations are verified against AsyncAPI or JSON Schema documents"
    return None


def verify(expectation: Expectation, document: Any) -> Verification:
    resolver = Resolver(document)
    problems: list[Problem] = []
    checked = 0
    for op in expectation.operations:
        found, count = _verify_operation(resolver, document, op, expectation.reader)
        problems += found
        checked += count
    for ev in expectation.events:
        found, count = _verify_event(resolver, document, ev, expectation.reader)
        problems += found
        checked += count
    failed = any(p.level == "error" for p in problems)
    return Verification(FAILED if failed else VERIFIED, tuple(problems), checked)


# -- http ----------------------------------------------------------------------------------


def _segments(path: str) -> list[str]:
    return [s for s in path.split("?")[0].strip("/").split("/") if s]


def _is_param(segment: str) -> bool:
    return bool(re.fullmatch(r"\{[^}/]*\}", segment))


def match_path(paths: Mapping[str, Any], wanted: str) -> str | None:
    """The provider's template for a consumer's path (template or concrete), by shape."""
    want = _segments(wanted)
    best: tuple[int, str] | None = None
    for template in paths:
        have = _segments(str(template))
        if len(have) != len(want):
            continue
        score = 0
        for w, h in zip(want, have, strict=True):
            if _is_param(w):
                if not _is_param(h):
                    break
            elif _is_param(h):
                pass
            elif w != h:
                break
            else:
                score += 1
        else:
            if best is None or score > best[0]:
                best = (score, str(template))
    return best[1] if best else None


def parameters(
    resolver: Resolver, path_item: Mapping[str, Any], op: Mapping[str, Any]
) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*(path_item.get("parameters") or []), *(op.get("parameters") or [])]:
        param = resolver.deref(raw)
        if not isinstance(param, Mapping) or "in" not in param or "name" not in param:
            continue
        place = str(param["in"])
        name = str(param["name"])
        out[(place, name.lower() if place == "header" else name)] = dict(param)
    return out


def media_schema(resolver: Resolver, holder: Any) -> tuple[bool, Any]:
    """(has a body, its schema) for an OpenAPI 3 requestBody/response or Swagger 2 response."""
    holder = resolver.deref(holder)
    if not isinstance(holder, Mapping):
        return False, None
    if "schema" in holder:
        return True, holder["schema"]
    content = holder.get("content") or {}
    if not content:
        return False, None
    for media in sorted(content, key=lambda m: (m != "application/json", "json" not in m, m)):
        entry = content[media] or {}
        return True, entry.get("schema", {})
    return False, None


def response_for(responses: Mapping[str, Any], status: str) -> tuple[str, Any] | None:
    keys = {str(k).upper(): k for k in responses}
    if status in keys:
        return status, responses[keys[status]]
    if len(status) == 3 and status[0].isdigit():
        pattern = status[0] + "XX"
        if pattern in keys:
            return pattern, responses[keys[pattern]]
    if status.endswith("XX"):
        for key in sorted(keys):
            if key.startswith(status[0]):
                return key, responses[keys[key]]
    if "DEFAULT" in keys:
        return "default", responses[keys["DEFAULT"]]
    return None


def _verify_operation(
    resolver: Resolver, document: Any, op: Operation, reader: str
) -> tuple[list[Problem], int]:
    paths = document.get("paths") if isinstance(document, Mapping) else None
    paths = paths if isinstance(paths, Mapping) else {}
    template = match_path(paths, op.path)
    label = op.label
    if template is None:
        return [Problem(label, f"the provider offers no path like {op.path}")], 1
    path_item = resolver.deref(paths[template]) or {}
    operation = path_item.get(op.method) if isinstance(path_item, Mapping) else None
    if not isinstance(operation, Mapping):
        offered = sorted(m.upper() for m in path_item if m in HTTP_METHODS)
        return [
            Problem(
                label,
                f"{template} does not accept {op.method.upper()}"
                + (f" (it offers {', '.join(offered)})" if offered else ""),
            )
        ], 1
    label = f"{op.method.upper()} {template}"
    problems: list[Problem] = []
    checked = 1
    declared = parameters(resolver, path_item, operation)
    sent = {(p.place, p.name) for p in op.parameters}
    for param in op.parameters:
        checked += 1
        if param.place in ("path", "header") or (param.place, param.name) in declared:
            continue
        problems.append(Problem(label, f"{param.place} parameter {param.name!r} is not accepted"))
    for (place, name), declared_param in sorted(declared.items()):
        if place != "path" and declared_param.get("required") and (place, name) not in sent:
            problems.append(
                Problem(label, f"the provider requires {place} parameter {name!r}, not sent")
            )
    checked += len(op.request)
    problems += _verify_request(resolver, label, operation, op, document)
    responses = operation.get("responses") or {}
    for status, fields in op.responses:
        checked += 1 + len(fields)
        match = response_for(responses, status)
        if match is None:
            problems.append(Problem(f"{label} {status}", f"does not answer {status}"))
            continue
        key, response = match
        _has_body, schema = media_schema(resolver, response)
        problems += _verify_reads(resolver, f"{label} {key}", schema or {}, fields, reader)
    return problems, checked


def _verify_request(
    resolver: Resolver, label: str, operation: Mapping[str, Any], op: Operation, document: Any
) -> list[Problem]:
    body = operation.get("requestBody")
    if body is None:  # Swagger 2: a body parameter
        for raw in operation.get("parameters") or []:
            param = resolver.deref(raw)
            if isinstance(param, Mapping) and param.get("in") == "body":
                body = {"required": param.get("required", False), "schema": param.get("schema")}
    has_body, schema = media_schema(resolver, body)
    body = resolver.deref(body) if body is not None else {}
    problems: list[Problem] = []
    if not op.request:
        if isinstance(body, Mapping) and body.get("required"):
            problems.append(Problem(label, "the provider requires a request body, none sent"))
        return problems
    if not has_body:
        return [Problem(label, "the provider accepts no request body")]
    for use in op.request:
        found = lookup(resolver, schema, pointer_parts(use.pointer))
        if found.schema is None:
            how = "rejects" if found.closed else "does not declare"
            problems.append(Problem(label, f"the provider {how} this request field", use.pointer))
            continue
        accepted = types_of(found.schema)
        if use.type and not send_type_fits(use.type, accepted):
            problems.append(
                Problem(
                    label,
                    f"sent as {use.type}, the provider accepts {'/'.join(sorted(accepted))}",
                    use.pointer,
                )
            )
        allowed = enum_of(found.schema)
        if use.enum is not None and allowed is not None:
            gone = [v for v in use.enum if v not in allowed]
            if gone:
                problems.append(
                    Problem(label, f"the provider does not accept values {gone}", use.pointer)
                )
    problems += [
        Problem(label, "the provider requires this request field, not sent", pointer)
        for pointer in _missing_required(resolver, schema, {u.pointer for u in op.request})
    ]
    return problems


def _missing_required(
    resolver: Resolver, schema: Any, sent: set[str], prefix: str = ""
) -> list[str]:
    """Required properties at the root and inside every object the consumer sends into."""
    merged = resolver.merged(schema)
    out: list[str] = []
    props = merged.get("properties") or {}
    for name in merged.get("required") or []:
        pointer = f"{prefix}/{name}"
        if not any(s == pointer or s.startswith(pointer + "/") for s in sent):
            out.append(pointer)
    for name, sub in props.items():
        pointer = f"{prefix}/{name}"
        if any(s.startswith(pointer + "/") for s in sent):
            out += _missing_required(resolver, sub, sent, pointer)
    return out


def _verify_reads(
    resolver: Resolver, element: str, schema: Any, fields: tuple[FieldUse, ...], reader: str
) -> list[Problem]:
    problems: list[Problem] = []
    for use in fields:
        found = lookup(resolver, schema, pointer_parts(use.pointer))
        if found.schema is None:
            problems.append(Problem(element, "not produced", use.pointer))
            continue
        produced = types_of(found.schema)
        if use.type and not read_type_fits(use.type, produced):
            problems.append(
                Problem(
                    element,
                    f"read as {use.type}, now produced as {'/'.join(sorted(produced))}",
                    use.pointer,
                )
            )
        elif use.type and use.type != "null" and "null" in produced:
            problems.append(Problem(element, "may now be null", use.pointer, "warning"))
        if not found.required and use.pointer:
            problems.append(
                Problem(
                    element,
                    "optional: the reader must cope with its absence",
                    use.pointer,
                    "warning",
                )
            )
        values = enum_of(found.schema)
        if reader == "strict" and use.enum is not None and values is not None:
            new = [v for v in values if v not in use.enum]
            if new:
                problems.append(
                    Problem(element, f"strict reader does not know values {new}", use.pointer)
                )
    if reader == "strict":
        problems += _unknown_fields(resolver, element, schema, {f.pointer for f in fields})
    return problems


def _unknown_fields(resolver: Resolver, element: str, schema: Any, read: set[str]) -> list[Problem]:
    """A strict reader rejects properties it does not list, in every object it reads into."""
    problems: list[Problem] = []
    containers = {""}
    for pointer in read:
        parts = pointer_parts(pointer)
        for i in range(len(parts)):
            containers.add("/" + "/".join(parts[:i]) if i else "")
    for container in sorted(containers):
        found = lookup(resolver, schema, pointer_parts(container))
        if found.schema is None:
            continue
        for name in sorted(property_names(resolver, found.schema)):
            pointer = f"{container}/{name}"
            if not any(r == pointer or r.startswith(pointer + "/") for r in read):
                problems.append(
                    Problem(element, "strict reader rejects this unknown field", pointer)
                )
    return problems


# -- events --------------------------------------------------------------------------------


def messages_of(
    resolver: Resolver, document: Mapping[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    components = (document.get("components") or {}).get("messages") or {}
    for key, message in components.items():
        found.append((str(key), resolver.merged(message)))
    for channel in (document.get("channels") or {}).values():
        channel = resolver.deref(channel) or {}
        for key, message in (channel.get("messages") or {}).items():  # AsyncAPI 3
            found.append((str(key), resolver.merged(message)))
        for verb in ("subscribe", "publish"):  # AsyncAPI 2
            operation = resolver.deref(channel.get(verb))
            if not isinstance(operation, Mapping) or not operation.get("message"):
                continue
            message = resolver.merged(operation["message"])
            for i, alt in enumerate(message.get("oneOf") or [message]):
                merged = resolver.merged(alt)
                found.append((str(merged.get("name") or f"{verb}-{i}"), merged))
    return found


def message_names(resolver: Resolver, key: str, message: Mapping[str, Any]) -> set[str]:
    names = {key, str(message.get("name", "")), str(message.get("title", ""))}
    names.add(str(message.get("x-event-type", "")))
    payload = resolver.merged(message.get("payload") or {})
    for prop in ("eventType", "type"):
        schema = resolver.merged((payload.get("properties") or {}).get(prop) or {})
        names |= {str(v) for v in enum_of(schema) or ()}
    return names - {""}


def _message_versions(resolver: Resolver, message: Mapping[str, Any]) -> set[str]:
    for key in ("x-event-version", "x-version"):
        if key in message:
            return {str(message[key])}
    payload = resolver.merged(message.get("payload") or {})
    for prop in ("eventVersion", "version", "schemaVersion"):
        schema = resolver.merged((payload.get("properties") or {}).get(prop) or {})
        values = enum_of(schema)
        if values:
            return {str(v) for v in values}
    return set()


def _verify_event(
    resolver: Resolver, document: Any, ev: EventUse, reader: str
) -> tuple[list[Problem], int]:
    if not isinstance(document, Mapping):
        return [Problem(ev.type, "the provider's event contract is not a document")], 1
    if "asyncapi" not in document:  # a bare JSON Schema of the payload
        candidates: list[dict[str, Any]] = [{"payload": document}]
    else:
        candidates = [
            m
            for key, m in messages_of(resolver, document)
            if ev.type in message_names(resolver, key, m)
        ]
    if not candidates:
        return [Problem(ev.type, "the provider does not publish this event type")], 1
    best: list[Problem] | None = None
    for message in candidates:
        problems: list[Problem] = []
        versions = _message_versions(resolver, message)
        wanted = set(ev.versions)
        if versions and wanted and not versions & wanted:
            problems.append(
                Problem(
                    ev.type,
                    f"published as version {', '.join(sorted(versions))}; the consumer reads "
                    f"{', '.join(sorted(wanted))}",
                )
            )
        elif versions and wanted and versions - wanted:
            problems.append(
                Problem(
                    ev.type,
                    f"also published as version {', '.join(sorted(versions - wanted))}, which "
                    "the consumer does not read",
                    level="warning",
                )
            )
        problems += _verify_reads(
            resolver, ev.type, message.get("payload") or {}, ev.fields, reader
        )
        if best is None or _errors(problems) < _errors(best):
            best = problems
    return best or [], 1 + len(ev.fields)


def _errors(problems: list[Problem]) -> int:
    return sum(1 for p in problems if p.level == "error")
