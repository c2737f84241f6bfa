"""Expectation format, Pact import and static verification against the demo contracts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from unlockstep.core.contracts import _expectations as expectations
from unlockstep.core.contracts import _pact as pact
from unlockstep.core.contracts import _verification as verification
from unlockstep.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "tests" / "fixtures" / "expectations"
PACTS = ROOT / "tests" / "fixtures" / "pact"


def load(name: str) -> Any:
    return yaml.safe_load((ESTATE / name).read_text(encoding="utf-8"))


def expectation(name: str) -> expectations.Expectation:
    return expectations.parse(load(name), name)


def contract(name: str) -> Any:
    return load(f"contracts/{name}")


def errors(result: verification.Verification) -> list[tuple[str | None, str]]:
    return [(p.field, p.reason) for p in result.problems if p.level == "error"]


@pytest.mark.parametrize(
    ("dotted", "pointer"),
    [
        ("caseId", "/caseId"),
        ("payload.items[].id", "/payload/items/*/id"),
        ("/payload/items/*/id", "/payload/items/*/id"),
        ("$.a.b", "/a/b"),
        ("", ""),
    ],
)
def test_dotted_paths_and_pointers_normalise_to_one_pointer(dotted: str, pointer: str) -> None:
    assert expectations.to_pointer(dotted, "t") == pointer


def test_normalised_form_parses_back_to_the_same_expectation() -> None:
    original = expectation("audit-report-service.case-summary.yaml")
    assert expectations.parse(original.to_dict()) == original


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"kind": "http"}, "expectation"),
        ({"expectation": 1, "kind": "grpc"}, "#/kind"),
        ({"expectation": 1, "kind": "http", "reader": "lenient", "operations": []}, "#/reader"),
        (
            {"expectation": 1, "kind": "http", "operations": [{"method": "FETCH", "path": "/"}]},
            "#/operations/0/method",
        ),
        (
            {
                "expectation": 1,
                "kind": "http",
                "operations": [{"method": "GET", "path": "/x", "parameters": ["include"]}],
            },
            "#/operations/0/parameters/0",
        ),
    ],
)
def test_bad_expectations_say_where(data: dict[str, Any], where: str) -> None:
    with pytest.raises(InvalidInput) as info:
        expectations.parse(data, "expectation")
    assert where in (info.value.where or "")


def test_every_demo_consumer_verifies_against_the_current_contracts() -> None:
    cases = [
        ("notification-service.case-events.yaml", "case-events.1.4.0.yaml"),
        ("audit-report-service.case-events.yaml", "case-events.1.4.0.yaml"),
        ("dashboard-service.case-summary.yaml", "case-summary-api.1.4.0.yaml"),
        ("audit-report-service.case-summary.yaml", "case-summary-api.1.4.0.yaml"),
    ]
    for exp, doc in cases:
        result = verification.verify(expectation(exp), contract(doc))
        assert result.ok, (exp, result.to_dict())


def test_a_tolerant_reader_ignores_an_added_field() -> None:
    result = verification.verify(
        expectation("dashboard-service.case-summary.yaml"), contract("case-summary-api.1.5.0.yaml")
    )
    assert result.ok, result.to_dict()


def test_a_strict_reader_fails_on_an_added_field_and_a_removed_one() -> None:
    result = verification.verify(
        expectation("audit-report-service.case-summary.yaml"),
        contract("case-summary-api.1.5.0.yaml"),
    )
    assert not result.ok
    assert ("/riskExplanation", "strict reader rejects this unknown field") in errors(result)
    assert ("/legacyRiskScore", "not produced") in errors(result)


def test_a_strict_reader_fails_on_a_new_enum_value_a_tolerant_one_does_not() -> None:
    doc = contract("case-summary-api.1.4.0.yaml")
    doc["components"]["schemas"]["CaseSummary"]["properties"]["status"]["enum"].append("ARCHIVED")
    strict = expectation("audit-report-service.case-summary.yaml")
    tolerant = expectations.Expectation(**{**strict.__dict__, "reader": "tolerant"})
    assert ("/status", "strict reader does not know values ['ARCHIVED']") in errors(
        verification.verify(strict, doc)
    )
    assert verification.verify(tolerant, doc).ok


def test_an_event_version_the_consumer_does_not_read_fails_it() -> None:
    result = verification.verify(
        expectation("audit-report-service.case-events.yaml"), contract("case-events.1.5.0.yaml")
    )
    assert not result.ok
    assert "consumer reads 1" in errors(result)[0][1]
    assert verification.verify(
        expectation("notification-service.case-events.yaml"), contract("case-events.1.5.0.yaml")
    ).ok


HTTP_DOC: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/cases/{id}/escalations": {
            "parameters": [{"name": "id", "in": "path", "required": True}],
            "post": {
                "parameters": [{"name": "dryRun", "in": "query", "required": True}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["reason", "severity"],
                                "properties": {
                                    "reason": {"type": "string"},
                                    "severity": {"type": "integer"},
                                },
                            }
                        }
                    },
                },
                "responses": {"2XX": {"description": "ok"}},
            },
        }
    },
}


def op_expectation(**operation: Any) -> expectations.Expectation:
    base = {"method": "POST", "path": "/cases/{caseId}/escalations"}
    return expectations.parse(
        {"expectation": 1, "kind": "http", "operations": [{**base, **operation}]}
    )


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ({"path": "/cases/{x}/escalate"}, "offers no path like /cases/{x}/escalate"),
        ({"method": "PUT"}, "does not accept PUT (it offers POST)"),
        (
            {"parameters": ["query.dryRun", "query.force"], "request": ["reason", "severity"]},
            "query parameter 'force' is not accepted",
        ),
        ({"request": ["reason", "severity"]}, "requires query parameter 'dryRun', not sent"),
        (
            {"parameters": ["query.dryRun"], "request": ["reason"]},
            "requires this request field, not sent",
        ),
        (
            {"parameters": ["query.dryRun"], "request": ["reason", "severity", "note"]},
            "the provider rejects this request field",
        ),
        (
            {
                "parameters": ["query.dryRun"],
                "request": ["reason", {"field": "severity", "type": "string"}],
            },
            "sent as string, the provider accepts integer",
        ),
        ({"parameters": ["query.dryRun"]}, "requires a request body, none sent"),
        (
            {
                "parameters": ["query.dryRun"],
                "request": ["reason", "severity"],
                "responses": {"404": []},
            },
            "does not answer 404",
        ),
    ],
)
def test_http_requests_fail_with_a_reason_per_element(
    operation: dict[str, Any], expected: str
) -> None:
    result = verification.verify(op_expectation(**operation), HTTP_DOC)
    assert not result.ok
    assert any(expected in reason for _, reason in errors(result)), result.to_dict()


def test_a_concrete_pact_path_matches_a_template_by_shape() -> None:
    exp = op_expectation(
        path="/cases/CASE-1/escalations",
        parameters=["query.dryRun"],
        request=["reason", "severity"],
        responses={"202": []},
    )
    assert verification.verify(exp, HTTP_DOC).ok


def test_a_contract_satisfies_the_expectation_of_every_field_it_declares() -> None:
    doc = contract("case-summary-api.1.4.0.yaml")
    from unlockstep.core.contracts._schema_walk import Resolver, leaf_pointers

    resolver = Resolver(doc)
    schema = doc["paths"]["/cases/{caseId}/summary"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    fields = leaf_pointers(resolver, schema)
    exp = expectations.parse(
        {
            "expectation": 1,
            "kind": "http",
            "reader": "strict",
            "operations": [
                {"method": "GET", "path": "/cases/1/summary", "responses": {"200": fields}}
            ],
        }
    )
    assert verification.verify(exp, doc).ok


@pytest.mark.parametrize(
    ("fixture", "source", "kind"),
    [
        ("v2-http.json", "pact-v2", "http"),
        ("v3-http.json", "pact-v3", "http"),
        ("v3-message.json", "pact-v3", "event"),
        ("v4-http.json", "pact-v4", "http"),
        ("v4-message.json", "pact-v4", "event"),
    ],
)
def test_pact_files_of_every_specification_import(fixture: str, source: str, kind: str) -> None:
    data = json.loads((PACTS / fixture).read_text(encoding="utf-8"))
    exp, names = pact.parse_pact(data, fixture)
    assert exp.source == source
    assert exp.kind == kind
    assert names["provider"] == "case-service"
    assert expectations.parse(exp.to_dict()) == exp


def test_a_v4_pact_keeps_query_headers_fields_and_matchers() -> None:
    data = json.loads((PACTS / "v4-http.json").read_text(encoding="utf-8"))
    exp, _ = pact.parse_pact(data)
    summary = next(o for o in exp.operations if o.method == "get")
    assert [str(p) for p in summary.parameters] == ["header.x-tenant", "query.include"]
    fields = dict(summary.responses)["200"]
    assert [f.pointer for f in fields] == [
        "/caseId",
        "/flags/*/code",
        "/riskExplanation/level",
        "/status",
    ]
    assert "/flags/*/code: type" in summary.matchers
    post = next(o for o in exp.operations if o.method == "post")
    assert [f.pointer for f in post.request] == ["/reason"]


def test_pact_v2_query_strings_and_v3_messages_are_read() -> None:
    v2, _ = pact.parse_pact(json.loads((PACTS / "v2-http.json").read_text(encoding="utf-8")))
    assert [str(p) for p in v2.operations[0].parameters] == ["query.include", "query.lang"]
    v3, _ = pact.parse_pact(json.loads((PACTS / "v3-message.json").read_text(encoding="utf-8")))
    assert v3.events[0].type == "CaseEscalated"
    assert v3.events[0].versions == ("1",)


def test_an_imported_pact_verifies_against_the_provider_contract() -> None:
    data = json.loads((PACTS / "v4-message.json").read_text(encoding="utf-8"))
    exp, _ = pact.parse_pact(data)
    result = verification.verify(exp, contract("case-events.1.5.0.yaml"))
    assert result.ok, result.to_dict()
    data = json.loads((PACTS / "v3-message.json").read_text(encoding="utf-8"))
    exp, _ = pact.parse_pact(data)
    assert verification.verify(exp, contract("case-events.1.4.0.yaml")).ok


def test_a_file_that_is_not_a_pact_is_refused() -> None:
    with pytest.raises(InvalidInput):
        pact.parse_pact({"consumer": {"name": "a"}}, "x.json")


@pytest.mark.parametrize(
    ("kind", "document"),
    [
        ("http", {"type": "record", "name": "CaseEscalated", "fields": []}),
        ("http", {"asyncapi": "3.0.0"}),
        ("event", {"openapi": "3.1.0", "paths": {}}),
    ],
    ids=["avro document", "http expectation on an event document", "event on an OpenAPI one"],
)
def test_documents_of_another_kind_are_not_verified_statically(
    kind: str, document: dict[str, Any]
) -> None:
    name = (
        "dashboard-service.case-summary.yaml"
        if kind == "http"
        else ("notification-service.case-events.yaml")
    )
    assert verification.unverifiable(expectation(name), document)
    assert (
        verification.unverifiable(
            expectation(name),
            contract("case-summary-api.1.4.0.yaml" if kind == "http" else "case-events.1.4.0.yaml"),
        )
        is None
    )


def test_a_provider_schema_is_reached_through_anchors_and_list_pointers_too() -> None:
    from unlockstep.core.contracts._schema_walk import Resolver

    document = {
        "$defs": {"Pet": {"$anchor": "pet", "properties": {"name": {"type": "string"}}}},
        "allOf": [{"properties": {"id": {"type": "integer"}}}],
    }
    resolver = Resolver(document)
    assert resolver.deref({"$ref": "#pet"}) is document["$defs"]["Pet"]
    assert resolver.deref({"$ref": "#/allOf/0"}) is document["allOf"][0]
    assert resolver.deref({"$ref": "#/$defs/Nope"}) == {}  # broken: refused at publish
    assert resolver.deref({"$ref": "other.json#/x"}) == {}
