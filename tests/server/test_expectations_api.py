"""Expectations, verification on publish, can-i-deploy, the matrix, consumers and impact,
through the API, on the demo's case-service story."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "tests" / "fixtures" / "expectations"


def doc(name: str) -> Any:
    return yaml.safe_load((ESTATE / name).read_text(encoding="utf-8"))


def ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def publish_expectation(
    api: TestClient, consumer: str, version: str, contract: str, file: str, document: Any = None
) -> Any:
    body = {
        "consumer": consumer,
        "version": version,
        "provider": "case-service",
        "contract": contract,
        "document": document or doc(file),
    }
    return ok(api.post("/api/v1/expectations", json=body))


def publish_contract(api: TestClient, version: str, contract: str, kind: str, file: str) -> Any:
    """Through the contract registry (mode NONE: these fixtures break on purpose)."""
    content = (ESTATE / "contracts" / file).read_text(encoding="utf-8")
    body = {"content": content, "filename": file, "mode": "NONE"}
    path = f"/api/v1/services/case-service/contracts/{contract}/versions/{version}"
    return ok(api.put(path, json=body))


def deploy(
    api: TestClient, service: str, version: str, env: str = "production", release: bool = False
) -> None:
    body = {"service": service, "version": version, "environment": env}
    ok(api.post("/api/v1/releases" if release else "/api/v1/deployments", json=body))


def can_i_deploy(api: TestClient, env: str = "production", **pairs: str) -> Any:
    params: list[tuple[str, str]] = []
    for service, version in pairs.items():
        params += [("service", service.replace("_", "-")), ("version", version)]
    params.append(("environment", env))
    return ok(api.get("/api/v1/can-i-deploy", params=params))


@pytest.fixture
def estate(api: TestClient) -> TestClient:
    """case-service 1.4.0 with its consumers live in production, expectations published."""
    for team in ("case-team", "messaging-team", "dashboard-team", "compliance-data-team"):
        ok(api.put(f"/api/v1/teams/{team}", json={}))
    owners = {
        "case-service": "case-team",
        "notification-service": "messaging-team",
        "dashboard-service": "dashboard-team",
        "audit-report-service": "compliance-data-team",
    }
    for service, owner in owners.items():
        ok(api.put(f"/api/v1/services/{service}", json={"owner": owner}))
    for env in ("staging", "production"):
        ok(api.put(f"/api/v1/environments/{env}", json={"production": env == "production"}))
    publish_contract(api, "1.4.0", "case-summary-api", "http", "case-summary-api.1.4.0.yaml")
    publish_contract(api, "1.4.0", "case-events", "event", "case-events.1.4.0.yaml")
    publish_expectation(
        api, "dashboard-service", "5.7.0", "case-summary-api", "dashboard-service.case-summary.yaml"
    )
    publish_expectation(
        api, "notification-service", "3.0.2", "case-events", "notification-service.case-events.yaml"
    )
    deploy(api, "case-service", "1.4.0")
    deploy(api, "dashboard-service", "5.7.0")
    deploy(api, "notification-service", "3.0.2")
    return api


def test_publishing_an_expectation_verifies_it_against_stored_contracts(
    estate: TestClient,
) -> None:
    body = publish_expectation(
        estate,
        "audit-report-service",
        "1.9.0",
        "case-summary-api",
        "audit-report-service.case-summary.yaml",
    )
    assert body["outcome"] == "created"
    assert [(v["providerVersion"], v["status"]) for v in body["verifications"]] == [
        ("1.4.0", "verified")
    ]
    again = publish_expectation(
        estate,
        "audit-report-service",
        "1.9.0",
        "case-summary-api",
        "audit-report-service.case-summary.yaml",
    )
    assert again["outcome"] == "unchanged"


def test_publishing_a_provider_contract_verifies_every_consumer(estate: TestClient) -> None:
    body = publish_contract(
        estate, "1.5.0", "case-summary-api", "http", "case-summary-api.1.5.0.yaml"
    )
    assert {(v["consumer"], v["status"]) for v in body["verifications"]} == {
        ("dashboard-service", "verified")
    }


def test_a_tolerant_consumer_lets_an_additive_provider_deploy(estate: TestClient) -> None:
    publish_contract(estate, "1.5.0", "case-summary-api", "http", "case-summary-api.1.5.0.yaml")
    publish_contract(estate, "1.5.0", "case-events", "event", "case-events.1.5.0.yaml")
    answer = can_i_deploy(estate, case_service="1.5.0")
    assert answer["answer"] == "yes", answer
    assert {(i["consumer"], i["outcome"]) for i in answer["integrations"]} == {
        ("dashboard-service", "yes"),
        ("notification-service", "yes"),
    }


def test_an_older_released_consumer_that_would_break_makes_the_answer_no(
    estate: TestClient,
) -> None:
    """audit-report-service 1.9.0 is still released (supported) next to 1.9.1: both count."""
    publish_expectation(
        estate,
        "audit-report-service",
        "1.9.0",
        "case-summary-api",
        "audit-report-service.case-summary.yaml",
    )
    tolerant = {**doc("audit-report-service.case-summary.yaml"), "reader": "tolerant"}
    tolerant["operations"][0]["responses"]["200"] = ["caseId", "status", "escalation.reason"]
    publish_expectation(
        estate, "audit-report-service", "1.9.1", "case-summary-api", "", document=tolerant
    )
    deploy(estate, "audit-report-service", "1.9.0", release=True)
    deploy(estate, "audit-report-service", "1.9.1", release=True)
    publish_contract(estate, "1.5.0", "case-summary-api", "http", "case-summary-api.1.5.0.yaml")
    publish_contract(estate, "1.5.0", "case-events", "event", "case-events.1.5.0.yaml")
    answer = can_i_deploy(estate, case_service="1.5.0")
    assert answer["answer"] == "no"
    audit = next(i for i in answer["integrations"] if i["consumer"] == "audit-report-service")
    outcomes = {v["version"]: v["outcome"] for v in audit["versions"]}
    assert outcomes == {"1.9.0": "no", "1.9.1": "yes"}
    assert all(v["why"] == "released in production" for v in audit["versions"])
    assert "legacyRiskScore" in str(audit["versions"][0]["evidence"])
    assert audit["nextAction"]


def test_a_provider_version_without_its_contract_is_unknown_not_no(estate: TestClient) -> None:
    ok(estate.put("/api/v1/services/case-service/versions/1.6.0", json={}))
    answer = can_i_deploy(estate, case_service="1.6.0")
    assert answer["answer"] == "unknown"
    missing = [m for i in answer["integrations"] for m in i["missing"]]
    assert "verification of dashboard-service 5.7.0 against case-service 1.6.0" in missing
    assert "publish contract case-summary-api" in " ".join(
        i["nextAction"] for i in answer["integrations"]
    )


def test_a_reported_provider_test_result_counts_and_shows_its_source(estate: TestClient) -> None:
    ok(estate.put("/api/v1/services/case-service/versions/1.6.0", json={}))
    for consumer, version, contract in (
        ("dashboard-service", "5.7.0", "case-summary-api"),
        ("notification-service", "3.0.2", "case-events"),
    ):
        ok(
            estate.post(
                "/api/v1/verifications",
                json={
                    "consumer": consumer,
                    "consumer_version": version,
                    "provider": "case-service",
                    "provider_version": "1.6.0",
                    "contract": contract,
                    "success": True,
                    "source": "provider-test",
                    "build_url": "https://ci.example/case-service/42",
                },
            )
        )
    answer = can_i_deploy(estate, case_service="1.6.0")
    assert answer["answer"] == "yes"
    evidence = answer["integrations"][0]["versions"][0]["evidence"][0]
    assert evidence["source"] == "provider-test"
    assert evidence["buildUrl"] == "https://ci.example/case-service/42"


def test_a_consumer_is_checked_against_the_providers_live_in_the_environment(
    estate: TestClient,
) -> None:
    publish_expectation(
        estate,
        "audit-report-service",
        "2.0.0",
        "case-events",
        "audit-report-service.case-events.yaml",
    )
    assert can_i_deploy(estate, audit_report_service="2.0.0")["answer"] == "yes"
    publish_contract(estate, "1.5.0", "case-events", "event", "case-events.1.5.0.yaml")
    deploy(estate, "case-service", "1.5.0")
    answer = can_i_deploy(estate, audit_report_service="2.0.0")
    assert answer["answer"] == "no"
    assert answer["integrations"][0]["role"] == "consumer"
    assert answer["integrations"][0]["versions"][0]["why"] == "deployed in production"


def test_first_deploys_get_an_answer(estate: TestClient) -> None:
    ok(estate.put("/api/v1/services/decision-service", json={}))
    ok(estate.put("/api/v1/services/decision-service/versions/1.0.0", json={}))
    fresh = can_i_deploy(estate, decision_service="1.0.0")
    assert fresh["answer"] == "yes"
    assert any("has published no expectations" in n for n in fresh["notes"])
    assert any("nothing there can break" in n for n in fresh["notes"])
    ok(estate.put("/api/v1/environments/eu-production", json={"production": True}))
    new_env = can_i_deploy(estate, "eu-production", dashboard_service="5.7.0")
    assert new_env["answer"] == "unknown"
    assert "deploy case-service to eu-production first" in new_env["integrations"][0]["nextAction"]


def test_services_deploying_together_are_checked_against_each_other(estate: TestClient) -> None:
    ok(estate.put("/api/v1/environments/eu-production", json={"production": True}))
    publish_contract(estate, "1.5.0", "case-summary-api", "http", "case-summary-api.1.5.0.yaml")
    both = can_i_deploy(estate, "eu-production", dashboard_service="5.7.0", case_service="1.5.0")
    assert both["answer"] == "yes", both
    roles = {(i["service"], i["role"]) for i in both["integrations"]}
    assert roles == {("dashboard-service", "consumer"), ("case-service", "provider")}
    assert all(
        v["why"] == "deploying together" for i in both["integrations"] for v in i["versions"]
    )


def test_the_matrix_lists_pairs_and_filters_by_status(estate: TestClient) -> None:
    publish_expectation(
        estate,
        "audit-report-service",
        "1.9.0",
        "case-summary-api",
        "audit-report-service.case-summary.yaml",
    )
    publish_contract(estate, "1.5.0", "case-summary-api", "http", "case-summary-api.1.5.0.yaml")
    everything = ok(estate.get("/api/v1/matrix", params={"provider": "case-service"}))
    assert everything["total"] == 5
    failed = ok(estate.get("/api/v1/matrix", params={"status": "failed"}))
    assert [
        (r["consumer"], r["consumerVersion"], r["providerVersion"]) for r in failed["items"]
    ] == [("audit-report-service", "1.9.0", "1.5.0")]
    assert failed["items"][0]["problems"]


def test_consumers_show_owner_verified_against_and_deprecated_fields(estate: TestClient) -> None:
    publish_expectation(
        estate,
        "audit-report-service",
        "1.9.0",
        "case-summary-api",
        "audit-report-service.case-summary.yaml",
    )
    body = ok(
        estate.get(
            "/api/v1/services/case-service/consumers", params={"contract": "case-summary-api"}
        )
    )
    consumers = {c["service"]: c for c in body["contracts"][0]["consumers"]}
    audit = consumers["audit-report-service"]
    assert audit["owner"] == "compliance-data-team"
    version = audit["versions"][0]
    assert version["verifiedAgainst"] == ["1.4.0"]
    assert version["usesDeprecatedFields"] is True
    assert version["migrationDue"] == "2026-08-05"
    assert consumers["dashboard-service"]["versions"][0]["usesDeprecatedFields"] is False


def test_impact_names_broken_consumers_and_fields_nobody_reads(estate: TestClient) -> None:
    publish_expectation(
        estate,
        "audit-report-service",
        "1.9.0",
        "case-summary-api",
        "audit-report-service.case-summary.yaml",
    )
    deploy(estate, "audit-report-service", "1.9.0")
    body = ok(
        estate.post(
            "/api/v1/impact",
            json={
                "provider": "case-service",
                "contract": "case-summary-api",
                "document": doc("contracts/case-summary-api.1.5.0.yaml"),
            },
        )
    )
    assert [(a["consumer"], a["version"], a["live"]) for a in body["affected"]] == [
        ("audit-report-service", "1.9.0", ["deployed in production"])
    ]
    removed = {r["field"]: r for r in body["removed"]}
    assert removed["/legacyRiskScore"]["readBy"] == ["audit-report-service 1.9.0"]
    assert removed["/legacyRiskScore"]["safeToRemove"] is False
    assert removed["/internalNotes"]["readBy"] == ["audit-report-service 1.9.0"]


def test_a_pact_file_for_another_consumer_is_refused(estate: TestClient) -> None:
    import json

    pact = json.loads((ROOT / "tests/fixtures/pact/v4-http.json").read_text(encoding="utf-8"))
    response = estate.post(
        "/api/v1/expectations",
        json={
            "consumer": "notification-service",
            "version": "3.0.2",
            "provider": "case-service",
            "contract": "case-summary-api",
            "document": pact,
        },
    )
    assert response.status_code == 422
    assert "dashboard-service" in response.json()["error"]["message"]


def test_a_v4_pact_published_through_the_api_is_verified_like_yaml(estate: TestClient) -> None:
    import json

    pact = json.loads((ROOT / "tests/fixtures/pact/v4-http.json").read_text(encoding="utf-8"))
    body = ok(
        estate.post(
            "/api/v1/expectations",
            json={
                "consumer": "dashboard-service",
                "version": "5.8.0",
                "provider": "case-service",
                "contract": "case-summary-api",
                "document": pact,
            },
        )
    )
    assert body["expectation"]["source"] == "pact-v4"
    [result] = body["verifications"]
    reasons = {(p.get("field"), p["reason"]) for p in result["problems"] if p["level"] == "error"}
    # the fixture contract has no flags list, no risk level and no escalation endpoint
    assert ("/flags/*/code", "not produced") in reasons
    assert result["status"] == "failed"
