"""The flags API's typed wire: /openapi.json describes every response, camelCase throughout."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from unlockstep.server.routers import flags

from .flag_app import seed


def operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.get("/openapi.json").json()
    found = []
    for route in flags.router.routes:
        assert isinstance(route, APIRoute)
        for method in route.methods:
            operation = spec["paths"]["/api/v1" + route.path][method.lower()]
            found.append((method, route.path, operation))
    return found


def test_openapi_declares_a_response_schema_for_every_flags_endpoint(api: TestClient) -> None:
    found = operations(api)
    assert len(found) == 9
    for method, path, operation in found:
        success = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        assert success, (method, path)
        for status, response in success.items():
            if status == "204":
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema.get("$ref") or schema.get("items"), (method, path, status)
        errors = {s: r for s, r in operation["responses"].items() if s.startswith("4")}
        for status, response in errors.items():
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorBody"), (method, path, status)


def test_flag_responses_are_camel_case_and_lists_are_pages(api: TestClient) -> None:
    seed(api)
    listed = api.get("/api/v1/flags", params={"environment": "staging", "limit": 2}).json()
    assert set(listed) == {"items", "total", "offset", "limit", "next"}
    assert listed["total"] == 4 and len(listed["items"]) == 2 and listed["next"]
    assert {"defaultVariant", "killSwitch", "killed", "problems"} <= set(listed["items"][0])
    shown = api.get("/api/v1/environments/staging/flags/color").json()
    assert {"updatedAt", "updatedBy", "etag", "killed"} <= set(shown)
    assert not any("_" in key for key in shown)


@pytest.mark.parametrize("spelling", ["allowInvalid", "allow_invalid"])
def test_requests_accept_either_spelling(api: TestClient, spelling: str) -> None:
    api.put("/api/v1/environments/staging", json={}).raise_for_status()
    bad = {"flags": {"x": {"state": "nope", "variants": {"on": True}}}}
    response = api.put(
        "/api/v1/environments/staging/flagset", json={"document": bad, spelling: True}
    )
    assert response.status_code == 200, response.text
    assert response.json()["invalid"][0]["key"] == "x"
