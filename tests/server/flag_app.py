"""A server with the demo's environments and a small flag set, for the flag tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

FLAGS: dict[str, Any] = {
    "metadata": {"flagSetId": "demo"},
    "$evaluators": {"segment.tenant.pilot": {"in": [{"var": "tenantId"}, ["t-1", "t-2"]]}},
    "flags": {
        "decision.submit.v2": {
            "state": "ENABLED",
            "variants": {"on": True, "off": False},
            "defaultVariant": "off",
            "targeting": {"if": [{"$ref": "segment.tenant.pilot"}, "on", None]},
            "metadata": {"type": "release", "owner": "decision-platform-team",
                         "created": "2026-07-05", "expires": "2026-08-05"},
        },
        "color": {
            "state": "ENABLED",
            "variants": {"red": "red", "blue": "blue"},
            "defaultVariant": "red",
            "metadata": {"type": "experiment", "owner": "dashboard-team"},
        },
        "off-flag": {"state": "DISABLED", "variants": {"on": True}, "defaultVariant": "on"},
        "broken": {"state": "ENABLED", "variants": {"on": True}, "defaultVariant": "on",
                   "targeting": {"if": [True, "nope", None]}},
    },
}  # fmt: skip


def seed(client: TestClient) -> TestClient:
    """Both demo environments with ``FLAGS`` loaded, through the API."""
    for env in ("staging", "production"):
        put = client.put(f"/api/v1/environments/{env}", json={"production": env == "production"})
        assert put.status_code < 300, put.text
        response = client.put(
            f"/api/v1/environments/{env}/flagset", json={"document": FLAGS, "reason": "seed"}
        )
        assert response.status_code == 200, response.text
    return client
