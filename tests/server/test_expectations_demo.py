"""The demo estate tells the seed's risk-explanation story: who reads case-service's summary
API and CaseEscalated event, and whether case-service 1.5.0 may ship."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

CONTRACTS = Path(__file__).resolve().parents[2] / "examples" / "estate" / "contracts"


def ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def content(name: str) -> str:
    return (CONTRACTS / name).read_text(encoding="utf-8")


def test_the_demo_publishes_every_consumers_expectations_verified(estate: TestClient) -> None:
    body = ok(estate.get("/api/v1/services/case-service/consumers"))
    found = {
        (c["contract"], s["service"], v["version"], tuple(v["verifiedAgainst"]))
        for c in body["contracts"]
        for s in c["consumers"]
        for v in s["versions"]
    }
    assert found == {
        ("case-summary-api", "dashboard-service", "5.7.0", ("1.4.0",)),
        ("case-summary-api", "audit-report-service", "1.9.0", ("1.4.0",)),
        ("case-summary-api", "audit-report-service", "1.9.1", ("1.4.0",)),
        ("case-events", "notification-service", "3.0.2", ("1.4.0",)),
        ("case-events", "audit-report-service", "1.9.0", ("1.4.0",)),
        ("case-events", "audit-report-service", "1.9.1", ("1.4.0",)),
    }


def test_impact_of_the_additive_summary_names_the_strict_reader_in_production(
    estate: TestClient,
) -> None:
    body = ok(estate.post("/api/v1/impact", json={
        "provider": "case-service", "contract": "case-summary-api",
        "document": yaml.safe_load(content("case-summary-api.v2-proposed.yaml")),
    }))  # fmt: skip
    assert [(a["consumer"], a["version"], a["live"]) for a in body["affected"]] == [
        ("audit-report-service", "1.9.0", ["deployed in production"])
    ]
    assert body["removed"] == []


def test_impact_of_the_breaking_event_shows_who_reads_the_removed_field(
    estate: TestClient,
) -> None:
    body = ok(estate.post("/api/v1/impact", json={
        "provider": "case-service", "contract": "case-events",
        "document": yaml.safe_load(content("case-events.v2-breaking.yaml")),
    }))  # fmt: skip
    removed = {r["field"]: r for r in body["removed"] if r["element"] == "CaseEscalated"}
    assert sorted(removed["/payload/reason"]["readBy"]) == [
        "audit-report-service 1.9.0", "audit-report-service 1.9.1", "notification-service 3.0.2"
    ]  # fmt: skip
    assert {a["consumer"] for a in body["affected"]} == {
        "audit-report-service", "notification-service"
    }  # fmt: skip


def test_impact_names_an_event_once_not_again_by_its_title(estate: TestClient) -> None:
    body = ok(estate.post("/api/v1/impact", json={
        "provider": "case-service", "contract": "case-events",
        "document": yaml.safe_load(content("case-events.v2-breaking.yaml")),
    }))  # fmt: skip
    assert {r["element"] for r in body["removed"]} == {"CaseEscalated"}
    assert all(not r["safeToRemove"] for r in body["removed"] if r["field"] == "/payload/reason")


def test_case_service_1_5_0_may_go_to_staging_but_not_yet_to_production(
    estate: TestClient,
) -> None:
    for name, file in (
        ("case-summary-api", "case-summary-api.v2-proposed.yaml"),
        ("case-events", "case-events.v2-proposed.yaml"),
    ):
        path = f"/api/v1/services/case-service/contracts/{name}/versions/1.5.0"
        published = ok(estate.put(path, json={"content": content(file)}))
        assert published["verifications"]
    params = {"service": "case-service", "version": "1.5.0"}
    staging = ok(estate.get("/api/v1/can-i-deploy", params={**params, "environment": "staging"}))
    # every integration with evidence is verified; only the hidden dependency holds it back:
    # the catalog says decision-service consumes case-events, and it published no expectation
    assert all(i["outcome"] == "yes" for i in staging["integrations"]), staging
    assert staging["answer"] == "unknown"
    [hidden] = [g for g in staging["gates"] if g["kind"] == "hidden-dependency"]
    assert hidden["kind"] == "hidden-dependency"
    assert hidden["message"].startswith("decision-service (2.1.0 live in staging)")
    production = ok(
        estate.get("/api/v1/can-i-deploy", params={**params, "environment": "production"})
    )
    assert production["answer"] == "no"
    [blocking] = [i for i in production["integrations"] if i["outcome"] == "no"]
    assert (blocking["consumer"], blocking["contract"]) == (
        "audit-report-service", "case-summary-api"
    )  # fmt: skip
    assert "riskExplanation" in blocking["versions"][0]["reason"]
