"""The registry's typed wire: every endpoint declares its response and error bodies in
``/openapi.json``, and one casing (camelCase) holds on the wire."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from unlockstep.server.routers import audit, catalog, deployments, health, services

ROUTERS = (services, deployments, audit, catalog, health)
_SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")


def _operations() -> list[tuple[str, str]]:
    found = []
    for module in ROUTERS:
        for route in module.router.routes:
            for method in sorted(getattr(route, "methods", ())):
                found.append((method.lower(), "/api/v1" + getattr(route, "path", "")))
    return found


def _schema_keys(doc: dict[str, Any], schema: dict[str, Any], seen: set[str]) -> set[str]:
    """Every property name reachable from ``schema`` (following ``$ref``)."""
    keys: set[str] = set()
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return keys
        seen.add(name)
        return _schema_keys(doc, doc["components"]["schemas"][name], seen)
    for name, sub in (schema.get("properties") or {}).items():
        keys.add(name)
        keys |= _schema_keys(doc, sub, seen)
    for word in ("items", "additionalProperties"):
        if isinstance(schema.get(word), dict):
            keys |= _schema_keys(doc, schema[word], seen)
    for word in ("anyOf", "allOf", "oneOf", "prefixItems"):
        for sub in schema.get(word) or []:
            keys |= _schema_keys(doc, sub, seen)
    return keys


def test_every_registry_endpoint_declares_a_response_schema_and_its_errors(
    api: TestClient,
) -> None:
    doc = api.get("/openapi.json").json()
    operations = _operations()
    assert len(operations) >= 20
    for method, path in operations:
        operation = doc["paths"][path][method]
        success = [s for s in operation["responses"] if s.startswith("2")]
        assert success, f"{method} {path} declares no success response"
        schema = operation["responses"][success[0]]["content"]["application/json"]["schema"]
        assert schema.get("$ref") or schema.get("type"), f"{method} {path}: empty schema"
        assert _schema_keys(doc, schema, set()), f"{method} {path}: schema has no fields"
        errors = [s for s in operation["responses"] if s[0] in "45"]
        assert "500" in errors, f"{method} {path} does not declare its error body"
        for status in errors:
            body = operation["responses"][status]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)


def test_registry_wire_names_are_camel_case(api: TestClient) -> None:
    doc = api.get("/openapi.json").json()
    snake = set()
    for method, path in _operations():
        operation = doc["paths"][path][method]
        for response in operation["responses"].values():
            for content in (response.get("content") or {}).values():
                snake |= {k for k in _schema_keys(doc, content["schema"], set()) if _SNAKE.match(k)}
        body = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
        if body:
            snake |= {k for k in _schema_keys(doc, body["schema"], set()) if _SNAKE.match(k)}
    assert not snake, f"snake_case on the wire: {sorted(snake)}"


def test_responses_are_camel_case_and_requests_take_either_spelling(api: TestClient) -> None:
    api.put("/api/v1/teams/payments-team", json={"displayName": "Payments"})
    team = api.put("/api/v1/teams/payments-team", json={"display_name": "Payments"}).json()
    assert team == {
        "team": {
            "name": "payments-team",
            "displayName": "Payments",
            "description": None,
            "email": None,
            "parent": None,
        },
        "outcome": "unchanged",
    }
    service = api.put(
        "/api/v1/services/orders", json={"owner": "payments-team", "repositoryUrl": "https://x"}
    ).json()["service"]
    assert service["repositoryUrl"] == "https://x"
    version = api.put("/api/v1/services/orders/versions/1.0.0", json={"build_url": "https://b"})
    assert set(version.json()["version"]) == {
        "service",
        "number",
        "branch",
        "buildUrl",
        "createdAt",
    }
    assert version.json()["version"]["buildUrl"] == "https://b"
    api.put("/api/v1/environments/production", json={"production": True})
    deployed = api.post(
        "/api/v1/deployments",
        json={"service": "orders", "version": "1.0.0", "environment": "production"},
    ).json()["deployment"]
    assert {"startedAt", "endedAt"} <= set(deployed)
    event = api.get("/api/v1/audit", params={"entity": "orders"}).json()["items"][0]
    assert {"entityType", "entityKey"} <= set(event)


def test_etags_still_answer_304_for_typed_bodies(api: TestClient) -> None:
    api.put("/api/v1/environments/production", json={"production": True})
    first = api.get("/api/v1/environments/production")
    assert first.json() == {
        "name": "production",
        "production": True,
        "description": None,
        "live": [],
    }
    tag = first.headers["etag"]
    again = api.get("/api/v1/environments/production", headers={"If-None-Match": tag})
    assert again.status_code == 304
