"""Impact elements and deprecated uses: one event per message whatever names it has, and a
deprecation wherever OpenAPI lets it be written (beside a ``$ref``, in an ``allOf`` part)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from unlockstep.core.contracts import deprecated_uses, elements, offers, parse, reads, verify

CONTRACTS = Path(__file__).resolve().parents[2] / "examples" / "estate" / "contracts"


def estate(name: str) -> Any:
    return yaml.safe_load((CONTRACTS / name).read_text(encoding="utf-8"))


EVENT_READER = parse(
    {
        "expectation": 1,
        "kind": "event",
        "events": [{"type": "CaseEscalated", "fields": ["payload.reason"]}],
    }
)


def test_a_message_title_is_not_a_second_event() -> None:
    found = elements(estate("case-events.v1.yaml"))
    names = {name for name, _ in found}
    assert names == {"CaseEscalated"}


def test_what_a_consumer_reads_by_title_is_the_same_event_as_by_name() -> None:
    by_title = parse(
        {
            "expectation": 1,
            "kind": "event",
            "events": [{"type": "A case was escalated", "fields": ["payload.reason"]}],
        }
    )
    document = estate("case-events.v1.yaml")
    assert reads(by_title, document) == reads(EVENT_READER, document)
    assert ("CaseEscalated", "/payload/reason") in reads(by_title, document)


def test_a_bare_payload_schemas_fields_are_read_under_the_same_element() -> None:
    schema = {"type": "object", "properties": {"payload": {"properties": {"reason": {}}}}}
    assert reads(EVENT_READER, schema) & elements(schema) >= {("*", "/payload/reason")}


def _openapi(reason: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/cases/{id}": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {"reason": reason},
                                    }
                                }
                            },
                        }
                    }
                }
            }
        },
        "components": {"schemas": {"Reason": {"type": "string"}}},
    }


HTTP_READER = parse(
    {
        "expectation": 1,
        "kind": "http",
        "operations": [{"method": "GET", "path": "/cases/{id}", "responses": {"200": ["reason"]}}],
    }
)


@pytest.mark.parametrize(
    "reason",
    [
        {"type": "string", "deprecated": True, "x-sunset": "2027-01-01"},
        {"$ref": "#/components/schemas/Reason", "deprecated": True, "x-sunset": "2027-01-01"},
        {"allOf": [{"$ref": "#/components/schemas/Reason"}, {"deprecated": True}],
         "x-sunset": "2027-01-01"},
    ],
    ids=["inline", "beside-ref", "allof-part"],
)  # fmt: skip
def test_a_deprecated_field_is_found_however_openapi_spells_it(reason: dict[str, Any]) -> None:
    uses = deprecated_uses(HTTP_READER, _openapi(reason))
    assert uses == [{"element": "GET /cases/{id} 200", "field": "/reason", "sunset": "2027-01-01"}]


def test_a_ref_sibling_does_not_hide_the_targets_type() -> None:
    document = _openapi({"$ref": "#/components/schemas/Reason", "deprecated": True})
    typed = parse(
        {
            "expectation": 1,
            "kind": "http",
            "operations": [
                {
                    "method": "GET",
                    "path": "/cases/{id}",
                    "responses": {"200": [{"field": "reason", "type": "integer"}]},
                }
            ],
        }
    )
    reasons = [p.reason for p in verify(typed, document).problems if p.level == "error"]
    assert reasons == ["read as integer, now produced as string"]


def test_a_verification_problem_does_not_claim_a_removal_it_cannot_know() -> None:
    asks_more = parse(
        {
            "expectation": 1,
            "kind": "http",
            "operations": [
                {"method": "GET", "path": "/cases/{id}", "responses": {"200": ["extra"]}},
                {"method": "GET", "path": "/elsewhere"},
            ],
        }
    )
    result = verify(asks_more, _openapi({"type": "string"}))
    assert [p.reason for p in result.problems if p.level == "error"] == [
        "not produced",
        "the provider offers no path like /elsewhere",
    ]
    assert not any("no longer" in p.reason for p in result.problems)


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("CaseEscalated", True),
        ("A case was escalated", True),
        ("CaseClosed", False),
        ("GET /cases/{caseId}", False),
    ],
)
def test_a_plan_contract_is_found_in_the_event_document_that_offers_it(
    name: str, offered: bool
) -> None:
    assert offers(estate("case-events.v1.yaml"), name) is offered


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("GET /cases/{caseId}", True),
        ("get /cases/CASE-1", True),
        ("POST /cases/{id}", False),
        ("GET /cases", False),
        ("CaseEscalated", False),
    ],
)
def test_a_plan_contract_is_found_in_the_api_document_that_offers_it(
    name: str, offered: bool
) -> None:
    assert offers(_openapi({"type": "string"}), name) is offered


def test_a_deprecated_parameter_or_request_field_the_consumer_sends_is_found() -> None:
    document = _openapi({"type": "string"})
    get = document["paths"]["/cases/{id}"]["get"]
    get["parameters"] = [
        {"name": "lang", "in": "query", "deprecated": True, "x-sunset": "2027-02-01",
         "schema": {"type": "string"}},
    ]  # fmt: skip
    document["paths"]["/cases/{id}"]["post"] = {
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "properties": {"note": {"$ref": "#/components/schemas/Reason",
                                                "deprecated": True}}
                    }
                }
            }
        },
        "responses": {"204": {"description": "ok"}},
    }  # fmt: skip
    sender = parse(
        {
            "expectation": 1,
            "kind": "http",
            "operations": [
                {"method": "GET", "path": "/cases/{id}", "parameters": ["query.lang"]},
                {"method": "POST", "path": "/cases/{id}", "request": ["note"]},
            ],
        }
    )
    assert deprecated_uses(sender, document) == [
        {"element": "GET /cases/{id}", "field": "query.lang", "sunset": "2027-02-01"},
        {"element": "POST /cases/{id}", "field": "/note", "sunset": None},
    ]
