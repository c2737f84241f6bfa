from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_answers_with_the_database_in_use(api: TestClient) -> None:
    body = api.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["database"] in ("sqlite", "postgresql")


def test_openapi_document_is_served(api: TestClient) -> None:
    doc = api.get("/openapi.json").json()
    assert "/api/v1/deployments" in doc["paths"]


def test_the_demo_estate_lists_five_services_with_owners(estate: TestClient) -> None:
    body = estate.get("/api/v1/services").json()
    owners = {s["name"]: s["owner"] for s in body["items"]}
    assert owners == {
        "audit-report-service": "compliance-data-team",
        "case-service": "case-platform-team",
        "dashboard-service": "dashboard-team",
        "decision-service": "decision-platform-team",
        "notification-service": "messaging-team",
    }


def test_lists_are_paginated_with_a_next_link(estate: TestClient) -> None:
    first = estate.get("/api/v1/services", params={"limit": 2}).json()
    assert (len(first["items"]), first["total"]) == (2, 5)
    second = estate.get(first["next"]).json()
    assert second["offset"] == 2
    assert {s["name"] for s in first["items"]}.isdisjoint(s["name"] for s in second["items"])


def test_a_recorded_deployment_shows_on_the_service(estate: TestClient) -> None:
    body = {"service": "case-service", "version": "1.5.0", "environment": "production"}
    assert estate.post("/api/v1/deployments", json=body).status_code == 201
    live = estate.get("/api/v1/services/case-service").json()["live"]
    assert {(d["environment"], d["version"]) for d in live} == {
        ("production", "1.5.0"),
        ("staging", "1.4.0"),
    }


def test_single_resources_carry_an_etag_and_answer_304(estate: TestClient) -> None:
    first = estate.get("/api/v1/services/case-service")
    tag = first.headers["etag"]
    again = estate.get("/api/v1/services/case-service", headers={"If-None-Match": tag})
    assert again.status_code == 304
    estate.post(
        "/api/v1/deployments",
        json={"service": "case-service", "version": "1.6.0", "environment": "staging"},
    )
    changed = estate.get("/api/v1/services/case-service", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag


def test_bad_input_is_refused_and_writes_nothing(estate: TestClient) -> None:
    before = estate.get("/api/v1/audit").json()["total"]
    cases = [
        ("/api/v1/deployments", {"service": "nope", "version": "1", "environment": "production"}),
        (
            "/api/v1/deployments",
            {"service": "case-service", "version": "1 0", "environment": "staging"},
        ),
        ("/api/v1/deployments", {"service": "case-service", "version": 3}),
    ]
    for path, body in cases:
        response = estate.post(path, json=body)
        assert 400 <= response.status_code < 500, body
    assert estate.put("/api/v1/services/Bad Name", json={}).status_code == 422
    assert estate.put("/api/v1/services/x", json={"tier": "high"}).status_code == 422
    assert estate.get("/api/v1/audit").json()["total"] == before


def test_audit_is_readable_per_entity_and_globally(estate: TestClient) -> None:
    everything = estate.get("/api/v1/audit", params={"limit": 500}).json()
    one = estate.get("/api/v1/audit", params={"entity": "case-service"}).json()
    assert 0 < one["total"] < everything["total"]
    assert all(e["entityKey"].startswith("case-service") for e in one["items"])
    assert all(e["actor"] == "anonymous" for e in one["items"])


def test_the_demo_loads_every_part_of_the_estate(api: TestClient) -> None:
    from tests.conftest import REPO
    from unlockstep.cli.demo import load_estate

    summary = load_estate(REPO / "examples" / "estate", "http://testserver", http=api)
    assert "5 services" in summary
    assert len(api.get("/api/v1/plans").json()["items"]) == 3
    assert api.get("/api/v1/flags", params={"environment": "production"}).status_code == 200
