"""OpenAPI 3.1 webhooks: the operations of a webhook on both sides are compared by the
operation rules with the roles reversed. The provider sends the request (subscribers read
it, as clients read a response) and subscribers write the response (the provider reads it,
as it reads a request). One named pair of documents per rule."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from unlockstep.core.compat._model import Breaks, Change, Level, Policy
from unlockstep.core.openapi._document import to_document
from unlockstep.core.openapi._engine import OpenAPIEngine

PAYLOAD = {
    "type": "object",
    "required": ["caseId"],
    "properties": {
        "caseId": {"type": "string"},
        "basis": {"type": "string", "enum": ["POLICY", "RISK"]},
        "note": {"type": "string"},
    },
}
ACK = {"type": "object", "properties": {"ref": {"type": "string", "maxLength": 10}}}
HOOK = {
    "post": {
        "operationId": "caseEscalated",
        "parameters": [
            {"name": "X-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
            {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
        ],
        "requestBody": {"required": True, "content": {"application/json": {"schema": PAYLOAD}}},
        "responses": {
            "200": {
                "description": "received",
                "headers": {"X-Receipt": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": ACK}},
            }
        },
    }
}
BASE = {
    "openapi": "3.1.0",
    "info": {"title": "cases", "version": "1"},
    "paths": {},
    "webhooks": {"caseEscalated": HOOK},
}


def changed(edit: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    edit(doc["webhooks"]["caseEscalated"]["post"])
    return doc


def as_operation(doc: dict[str, Any]) -> dict[str, Any]:
    """The same operation under ``paths`` instead of ``webhooks``."""
    doc = copy.deepcopy(doc)
    doc["paths"] = {"/cases": doc.pop("webhooks")["caseEscalated"]}
    return doc


def changes(old: Any, new: Any, *, strict_reader: bool = False) -> list[Change]:
    engine = OpenAPIEngine(today=date(2026, 7, 1), strict_reader=strict_reader)
    return engine.diff(to_document(old, "old.yaml"), to_document(new, "new.yaml"), Policy.LENIENT)


def found(old: Any, new: Any, **options: Any) -> list[tuple[str, Level, Breaks]]:
    return [(c.rule, c.level, c.breaks) for c in changes(old, new, **options)]


def _payload(edit: Any) -> Any:
    return lambda op: edit(op["requestBody"]["content"]["application/json"]["schema"])


def _ack(edit: Any) -> Any:
    return lambda op: edit(op["responses"]["200"]["content"]["application/json"]["schema"])


def _header(name: str, **fields: Any) -> Any:
    def edit(op: dict[str, Any]) -> None:
        param = next(p for p in op["parameters"] if p["name"] == name)
        param.update(fields)

    return edit


B, W, INFO = Level.BREAKING, Level.WARNING, Level.INFO
R, WR, N = Breaks.READERS, Breaks.WRITERS, Breaks.NONE
# A schema finding that would hurt only the provider's own side is information but keeps
# its ``breaks`` (as for a normal operation's own side); the other rules say ``none``.

#: name -> (edit of the webhook's operation, the finding expected)
CASES: dict[str, tuple[Any, tuple[str, Level, Breaks]]] = {
    # the payload: written by the provider, read by subscribers (like a response body)
    "payload-property-removed": (
        _payload(lambda s: s["properties"].pop("note")),
        ("request-property-removed", B, R),
    ),
    "payload-required-property-added": (
        _payload(
            lambda s: (
                s["properties"].update(amount={"type": "number"}),
                s["required"].append("amount"),
            )
        ),
        ("new-required-request-property", INFO, WR),  # only the provider writes it
    ),
    "payload-enum-value-added": (
        _payload(lambda s: s["properties"]["basis"]["enum"].append("AUDIT")),
        ("request-property-enum-value-added", W, R),
    ),
    "payload-enum-value-removed": (
        _payload(lambda s: s["properties"]["basis"]["enum"].remove("RISK")),
        ("request-property-enum-value-removed", INFO, WR),
    ),
    "payload-property-became-optional": (
        _payload(lambda s: s.update(required=[])),
        ("request-property-became-optional", B, R),
    ),
    "request-body-became-optional": (
        lambda op: op["requestBody"].update(required=False),
        ("request-body-became-optional", B, R),
    ),
    "payload-media-type-added": (
        lambda op: op["requestBody"]["content"].update({"application/xml": {"schema": PAYLOAD}}),
        ("request-body-media-type-added", B, R),
    ),
    # headers the provider sends
    "header-removed": (
        lambda op: op["parameters"].pop(0),
        ("request-parameter-removed", B, R),
    ),
    "header-became-optional": (
        _header("X-Signature", required=False),
        ("request-parameter-became-optional", B, R),
    ),
    "header-became-required": (
        _header("X-Trace", required=True),
        ("request-parameter-became-required", INFO, N),
    ),
    "required-header-added": (
        lambda op: op["parameters"].append(
            {"name": "X-Tenant", "in": "header", "required": True, "schema": {"type": "string"}}
        ),
        ("new-required-request-parameter", INFO, N),
    ),
    # the response: written by subscribers, read by the provider (like a request body)
    "ack-narrowed": (
        _ack(lambda s: s["properties"]["ref"].update(maxLength=5)),
        ("response-property-max-length-decreased", B, WR),
    ),
    "ack-widened": (
        _ack(lambda s: s["properties"]["ref"].update(maxLength=20)),
        ("response-property-max-length-increased", INFO, R),  # only the provider reads it
    ),
    "ack-property-became-required": (
        _ack(lambda s: s.update(required=["ref"])),
        ("response-property-became-required", B, WR),
    ),
    "success-status-removed": (
        lambda op: op.update(responses={"202": op["responses"]["200"]}),
        ("response-success-status-removed", B, WR),
    ),
    "ack-header-became-required": (
        lambda op: op["responses"]["200"]["headers"]["X-Receipt"].update(required=True),
        ("response-header-became-required", B, WR),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_webhook_rule(name: str) -> None:
    edit, expected = CASES[name]
    assert expected in found(BASE, changed(edit))


def test_a_webhook_finding_keeps_the_rule_id_and_says_webhook_name_method() -> None:
    (change,) = [
        c
        for c in changes(BASE, changed(CASES["payload-property-removed"][0]))
        if c.rule == "request-property-removed"
    ]
    assert change.location.subject == "webhook caseEscalated POST"
    assert change.location.pointer.startswith("/webhooks/caseEscalated/post/requestBody/")


@pytest.mark.parametrize(
    "name",
    ["payload-property-removed", "request-body-became-optional", "header-became-optional"],
)
def test_the_same_change_under_paths_does_not_break_clients(name: str) -> None:
    edit, (rule, _, _) = CASES[name]
    old, new = as_operation(BASE), as_operation(changed(edit))
    assert all(level is not Level.BREAKING for r, level, _ in found(old, new) if r == rule)


def test_a_new_payload_enum_value_breaks_subscribers_declared_strict() -> None:
    new = changed(CASES["payload-enum-value-added"][0])
    assert ("request-property-enum-value-added", B, R) in found(BASE, new, strict_reader=True)


def test_an_unchanged_webhook_has_no_findings() -> None:
    assert found(BASE, copy.deepcopy(BASE)) == []


def test_removing_an_operation_of_a_kept_webhook_breaks_subscribers() -> None:
    new = copy.deepcopy(BASE)
    new["webhooks"]["caseEscalated"] = {"put": HOOK["post"]}
    results = changes(BASE, new)
    removed = [c for c in results if c.rule == "api-removed-without-deprecation"]
    assert [(c.level, c.breaks, c.location.subject) for c in removed] == [
        (B, R, "webhook caseEscalated POST")
    ]
    assert ("endpoint-added", INFO, N) in [(c.rule, c.level, c.breaks) for c in results]


def test_a_webhook_path_item_behind_a_ref_is_compared() -> None:
    def by_ref(doc: dict[str, Any]) -> dict[str, Any]:
        doc = copy.deepcopy(doc)
        doc["components"] = {"pathItems": {"hook": doc["webhooks"]["caseEscalated"]}}
        doc["webhooks"]["caseEscalated"] = {"$ref": "#/components/pathItems/hook"}
        return doc

    new = changed(CASES["request-body-became-optional"][0])
    assert ("request-body-became-optional", B, R) in found(by_ref(BASE), by_ref(new))
