"""Contracts over HTTP, in-process: publish per provider version (content-addressed,
idempotent, refused on conflict or when the mode is violated), check without writing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

CONTRACTS = Path(__file__).resolve().parents[2] / "examples" / "estate" / "contracts"
BASE = "/api/v1/services/case-service/contracts/case-summary-api"


def doc(name: str) -> str:
    return (CONTRACTS / f"case-summary-api.{name}.yaml").read_text()


@pytest.fixture
def api(api: TestClient) -> TestClient:
    """The shared in-process app (SQLite, and PostgreSQL when configured) with case-service."""
    assert api.put("/api/v1/services/case-service", json={}).status_code == 200
    return api


def publish(api: TestClient, version: str, content: str, **extra: Any) -> Any:
    return api.put(f"{BASE}/versions/{version}", json={"content": content, **extra})


def test_the_first_publish_creates_the_contract_with_backward_mode(api: TestClient) -> None:
    response = publish(api, "1.0.0", doc("v1"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["outcome"] == "created"
    assert body["contract"] == {
        "service": "case-service",
        "name": "case-summary-api",
        "kind": "openapi",
        "mode": "BACKWARD",
    }
    assert len(body["version"]["sha256"]) == 64


def test_republishing_the_same_content_is_a_no_op(api: TestClient) -> None:
    first = publish(api, "1.0.0", doc("v1")).json()
    reformatted = "# a comment changes nothing\n" + doc("v1")
    again = publish(api, "1.0.0", reformatted).json()
    assert again["outcome"] == "unchanged"
    assert again["version"]["sha256"] == first["version"]["sha256"]


def test_other_content_under_a_published_version_is_a_conflict(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    response = publish(api, "1.0.0", doc("v2-proposed"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_forcing_other_content_under_a_version_is_audited(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    response = publish(api, "1.0.0", doc("v2-proposed"), force=True)
    assert response.json()["outcome"] == "replaced"
    events = api.get("/api/v1/audit", params={"entity_type": "contract"}).json()["items"]
    assert "contract.version.forced" in [e["action"] for e in events]


def test_a_compatible_next_version_is_published_with_its_report(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    body = publish(api, "1.1.0", doc("v2-proposed")).json()
    assert body["outcome"] == "created"
    assert body["report"]["compatible"] is True


def test_a_version_that_violates_the_mode_is_refused_with_the_report(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    response = publish(api, "2.0.0", doc("v2-breaking"))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "incompatible"
    rules = {c["rule"] for c in error["details"]["changes"] if c["level"] == "breaking"}
    assert rules == {"new-required-request-property"}
    versions = api.get(BASE).json()["versions"]
    assert [v["version"] for v in versions] == ["1.0.0"]


def test_mode_none_accepts_a_breaking_version(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    response = publish(api, "2.0.0", doc("v2-breaking"), mode="NONE")
    assert response.status_code == 200
    assert api.get(BASE).json()["mode"] == "NONE"


def test_check_reports_without_writing(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    body = api.post(f"{BASE}/check", json={"content": doc("v2-breaking")}).json()
    assert body["registered"] is True
    assert body["report"]["compatible"] is False
    assert [v["version"] for v in api.get(BASE).json()["versions"]] == ["1.0.0"]


def test_a_stored_document_can_be_read_back(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    body = api.get(f"{BASE}/versions/1.0.0").json()
    assert body["content"] == doc("v1")


def test_publishing_for_an_unknown_service_is_not_found(api: TestClient) -> None:
    response = api.put(
        "/api/v1/services/nobody/contracts/x/versions/1", json={"content": doc("v1")}
    )
    assert response.status_code == 404


def test_an_unreadable_document_is_bad_input_saying_where(api: TestClient) -> None:
    response = publish(api, "1.0.0", "openapi: [unclosed\n", filename="api.yaml")
    assert response.status_code == 422
    assert "api.yaml" in response.json()["error"]["where"]
