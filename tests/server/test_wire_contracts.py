"""The typed wire of contracts, expectations, can-i-deploy and plans: every route declares
its response and error bodies in /openapi.json, one casing (camelCase) in responses, both
spellings in requests; and a Pact file published as teams have it (no --contract, a
consumer not registered yet)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.server.test_expectations_api import ESTATE, ok, publish_contract

TAGS = {"contracts", "expectations", "plans"}
PACTS = ESTATE.parent / "pact"


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if TAGS & set(op.get("tags", []))
    ]


def test_every_route_declares_a_response_schema_and_its_error_bodies(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    operations = _operations(spec)
    assert len(operations) == 17
    for path, method, op in operations:
        success = [s for s in op["responses"] if s.startswith("2")]
        # one answer, plus 202 where a protected environment may hold the write
        assert len([s for s in success if s != "202"]) == 1, (method, path)
        if "202" in success:
            held = op["responses"]["202"]["content"]["application/json"]["schema"]
            assert held["$ref"] == "#/components/schemas/ChangeRequestOut", (method, path)
        for status in success:
            content = op["responses"][status].get("content", {})
            schemas = [media.get("schema") for media in content.values()]
            assert schemas, f"{method.upper()} {path} declares no response body"
            for schema in schemas:
                assert schema and schema != {}, f"{method.upper()} {path}: an untyped response"
                if "application/json" in content:
                    ref = content["application/json"]["schema"].get("$ref", "")
                    assert ref.startswith("#/components/schemas/"), (method, path, schema)
        errors = [s for s in op["responses"] if s[0] in "45"]
        assert errors, f"{method.upper()} {path} declares no error status"
        for status in errors:
            body = op["responses"][status]["content"]["application/json"]["schema"]
            assert body["$ref"] in {
                "#/components/schemas/ErrorBody",
                "#/components/schemas/HTTPValidationError",
            }, (method, path, status)


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_response_schemas_spell_every_property_in_camel_case(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    wanted: set[str] = set()
    for _, _, op in _operations(spec):
        for response in op["responses"].values():
            for media in response.get("content", {}).values():
                wanted |= {media["schema"].get("$ref", "").rsplit("/", 1)[-1]}
    schemas = spec["components"]["schemas"]
    seen: set[str] = set()
    while wanted - seen:
        name = (wanted - seen).pop()
        seen.add(name)
        schema = schemas.get(name, {})
        for prop in schema.get("properties", {}):
            assert "_" not in prop, f"{name}.{prop} is not camelCase"
        text = json.dumps(schema)
        wanted |= {ref.split('"')[0] for ref in text.split('"$ref": "#/components/schemas/')[1:]}


@pytest.fixture
def provider(api: TestClient) -> TestClient:
    ok(api.put("/api/v1/services/case-service", json={}))
    publish_contract(api, "1.4.0", "case-summary-api", "http", "case-summary-api.1.4.0.yaml")
    return api


def _pact(api: TestClient, name: str, **extra: Any) -> Any:
    document = json.loads((PACTS / name).read_text(encoding="utf-8"))
    return api.post(
        "/api/v1/expectations", json={"version": "5.9.0", "document": document, **extra}
    )


def test_a_pact_file_registers_its_consumer_and_finds_the_only_http_contract(
    provider: TestClient,
) -> None:
    body = ok(_pact(provider, "v2-http.json"))
    assert (body["consumer"], body["provider"], body["contract"]) == (
        "dashboard-service", "case-service", "case-summary-api"
    )  # fmt: skip
    assert body["consumerRegistered"] is True
    assert "only HTTP (OpenAPI) contract" in body["contractChosenBy"]
    assert [v["providerVersion"] for v in body["verifications"]] == ["1.4.0"]
    assert ok(provider.get("/api/v1/services/dashboard-service"))["name"] == "dashboard-service"
    again = ok(_pact(provider, "v2-http.json"))
    assert (again["outcome"], again["consumerRegistered"]) == ("unchanged", False)


def test_an_event_contract_is_not_a_candidate_for_an_http_pact(provider: TestClient) -> None:
    publish_contract(provider, "1.4.0", "case-events", "event", "case-events.1.4.0.yaml")
    body = ok(_pact(provider, "v2-http.json"))
    assert body["contract"] == "case-summary-api"


def test_several_http_contracts_are_a_clear_error_naming_them(provider: TestClient) -> None:
    publish_contract(provider, "1.4.0", "case-admin-api", "http", "case-summary-api.1.4.0.yaml")
    response = _pact(provider, "v2-http.json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert "case-admin-api, case-summary-api" in error["message"]
    assert error["where"] == "contract"
    assert "--contract" in error["hint"]


def test_a_provider_without_an_http_contract_is_a_clear_error(api: TestClient) -> None:
    ok(api.put("/api/v1/services/case-service", json={}))
    response = _pact(api, "v2-http.json")
    assert response.status_code == 422
    assert "has published no HTTP (OpenAPI) contract" in response.json()["error"]["message"]


def test_request_bodies_accept_camel_case_and_snake_case(provider: TestClient) -> None:
    ok(_pact(provider, "v2-http.json"))
    for spelling in (
        {"consumerVersion": "5.9.0", "providerVersion": "1.5.0", "buildUrl": "https://ci/1"},
        {"consumer_version": "5.9.0", "provider_version": "1.5.0", "build_url": "https://ci/1"},
    ):
        body = {
            "consumer": "dashboard-service", "provider": "case-service",
            "contract": "case-summary-api", "success": True, **spelling,
        }  # fmt: skip
        recorded = ok(provider.post("/api/v1/verifications", json=body))
        assert (recorded["consumerVersion"], recorded["buildUrl"]) == ("5.9.0", "https://ci/1")


def test_bodies_sent_with_an_etag_are_the_camel_case_wire_too(provider: TestClient) -> None:
    base = "/api/v1/services/case-service/contracts/case-summary-api"
    detail = ok(provider.get(base))
    assert {"createdAt", "versions"} <= set(detail)
    assert {"publishedBy", "publishedAt"} <= set(detail["versions"][0])
    document = provider.get(f"{base}/versions/1.4.0")
    assert document.headers["etag"]
    assert {"publishedBy", "publishedAt", "content"} <= set(document.json())
    listed = ok(provider.get("/api/v1/services/case-service/contracts"))
    assert (listed["total"], listed["offset"], listed["next"]) == (1, 0, None)
    assert "createdAt" in listed["items"][0]
