"""Every error the API returns has the same body. This test pins it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

SHAPE_KEYS = {"code", "message", "where", "hint", "details"}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/api/v1/services/nope", None, 404, "not_found"),
        ("GET", "/api/v1/no-such-route", None, 404, "not_found"),
        ("DELETE", "/api/v1/health", None, 405, "method_not_allowed"),
        ("PUT", "/api/v1/services/Bad%20Name", {}, 422, "invalid_input"),
        ("PUT", "/api/v1/services/ok-name", {"tier": 7}, 422, "invalid_input"),
        ("POST", "/api/v1/deployments", {"service": "x"}, 422, "invalid_input"),
        ("GET", "/api/v1/services?limit=0", None, 422, "invalid_input"),
    ],
)
def test_every_error_has_one_json_body(
    api: TestClient, method: str, path: str, body: object, status: int, code: str
) -> None:
    response = api.request(method, path, json=body)
    assert response.status_code == status
    payload = response.json()
    assert list(payload) == ["error"]
    error = payload["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= SHAPE_KEYS


def test_validation_errors_say_where(api: TestClient) -> None:
    error = api.post("/api/v1/deployments", json={"service": "x"}).json()["error"]
    assert error["where"] in ("version", "environment")
    assert {p["where"] for p in error["details"]} == {"version", "environment"}
