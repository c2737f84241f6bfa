"""Policies at the server's admission points, on SQLite and PostgreSQL: a denied write
changes nothing and is audited as denied; can-i-deploy answers with hidden dependencies,
policies and the release calendar as gates; policy versions are kept in the registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from unlockstep.settings import Settings
from unlockstep.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"

DENY_9 = """package release.deploys

deny contains {
	"msg": "version 9.9.9 is a test build",
	"path": "/spec/version",
	"fix": "ship a release build",
} if {
	input.kind == "Deployment"
	input.spec.version == "9.9.9"
}
"""
NEEDS_ADR = """package release.contracts

deny contains {"msg": "contract changes here link an ADR", "path": "/spec/adr"} if {
	input.kind == "Contract"
	not input.spec.adr
}
"""
LOOPS = """package release.loops

deny contains msg if {
	input.kind == "Deployment"
	n := count(numbers.range(1, 1000000000))
	msg := sprintf("%d", [n])
}
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'test.db'}", flag_rules=[], policy_timeout=0.5
    )


def ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def publish_policies(api: TestClient, **modules: str) -> Any:
    body = {"modules": [{"name": f"{n}.rego", "text": t} for n, t in modules.items()]}
    return ok(api.put("/api/v1/policies", json=body))


def can_i_deploy(api: TestClient, service: str, version: str, env: str = "production") -> Any:
    params = {"service": service, "version": version, "environment": env}
    return ok(api.get("/api/v1/can-i-deploy", params=params))


def audit(api: TestClient, action: str) -> list[dict[str, Any]]:
    events = ok(api.get("/api/v1/audit", params={"limit": 200}))["items"]
    return [e for e in events if e["action"] == action]


def register(api: TestClient, service: str, version: str) -> None:
    ok(api.put(f"/api/v1/services/{service}/versions/{version}", json={}))


def test_a_consumer_the_catalog_declares_without_expectations_makes_the_answer_unknown(
    estate: TestClient,
) -> None:
    register(estate, "decision-service", "9.9.9")
    answer = can_i_deploy(estate, "decision-service", "9.9.9")
    assert answer["answer"] == "unknown"
    hidden = [g for g in answer["gates"] if g["kind"] == "hidden-dependency"]
    assert [g["outcome"] for g in hidden] == ["unknown"]
    assert hidden[0]["message"].startswith("case-service (1.4.0 live in production)")
    assert "publish case-service's expectations" in hidden[0]["fix"]


def test_a_denied_deploy_changes_nothing_and_is_audited_as_denied(estate: TestClient) -> None:
    publish_policies(estate, deploys=DENY_9)
    before = ok(estate.get("/api/v1/environments/production"))["live"]
    body = {"service": "decision-service", "version": "9.9.9", "environment": "production"}
    refused = estate.post("/api/v1/deployments", json=body)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "policy_denied" and "release.deploys" in error["message"]
    assert error["where"] == "/spec/version" and error["hint"] == "ship a release build"
    assert error["details"]["findings"][0]["rule"] == "release.deploys"
    assert ok(estate.get("/api/v1/environments/production"))["live"] == before
    versions = ok(estate.get("/api/v1/services/decision-service"))["versions"]
    assert "9.9.9" not in {v["number"] for v in versions}
    (denied,) = audit(estate, "policy.denied")
    assert denied["entityKey"] == "decision-service/production"
    assert denied["after"]["action"] == "record-deployment"
    assert "version 9.9.9 is a test build" in denied["reason"]
    # and can-i-deploy says no, naming the policy
    register(estate, "decision-service", "9.9.9")
    answer = can_i_deploy(estate, "decision-service", "9.9.9")
    assert answer["answer"] == "no"
    assert any(g["kind"] == "policy" and g["rule"] == "release.deploys" for g in answer["gates"])
    # a release build passes
    ok(estate.post("/api/v1/deployments", json={**body, "version": "2.2.0"}))


def test_a_denied_contract_publish_stores_nothing(estate: TestClient) -> None:
    publish_policies(estate, contracts=NEEDS_ADR)
    path = "/api/v1/services/case-service/contracts/new-api/versions/1.5.0"
    document = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
    refused = estate.put(path, json={"content": document})
    assert refused.status_code == 403, refused.text
    assert estate.get("/api/v1/services/case-service/contracts/new-api").status_code == 404
    assert audit(estate, "policy.denied")[0]["entityKey"] == "case-service/new-api"
    ok(estate.put(path, json={"content": document, "adr": "https://adr.example/7"}))


def test_a_denied_flag_write_stores_nothing(estate: TestClient) -> None:
    publish_policies(estate, flags=(EXAMPLES / "release_flags.rego").read_text())
    flag = {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "off"}
    path = "/api/v1/environments/production/flags/new-checkout"
    refused = estate.put(path, json={"flag": flag})
    assert refused.status_code == 403
    messages = {f["message"] for f in refused.json()["error"]["details"]["findings"]}
    assert "feature flag new-checkout has no owner" in messages
    assert estate.get(path).status_code == 404
    assert audit(estate, "policy.denied")[0]["entityKey"] == "production/new-checkout"
    governed = {**flag, "metadata": {"owner": "checkout-team", "expires": "2027-01-31"}}
    ok(estate.put(path, json={"flag": governed}))


def test_a_denied_plan_submit_stores_nothing(estate: TestClient) -> None:
    policy = (
        "package release.plans\n\n"
        'deny contains "plans name a rollback" if {\n'
        '\tinput.kind == "ReleasePlan"\n\tnot input.spec.rollback\n}\n'
    )
    publish_policies(estate, plans=policy)
    source = "change: quick-fix\nowner: t\ngoal: g\nservices: {case-service: {role: producer}}\n"
    refused = estate.post("/api/v1/plans", json={"source": source})
    assert refused.status_code == 403, refused.text
    assert estate.get("/api/v1/plans/quick-fix").status_code == 404
    ok(estate.post("/api/v1/plans", json={"source": source + "rollback: redeploy 1.4.0\n"}))


def test_a_policy_that_loops_fails_closed_and_the_server_keeps_answering(
    estate: TestClient,
) -> None:
    publish_policies(estate, loops=LOOPS)
    body = {"service": "decision-service", "version": "2.2.0", "environment": "production"}
    refused = estate.post("/api/v1/deployments", json=body)
    assert refused.status_code == 403
    problems = refused.json()["error"]["details"]["problems"]
    assert problems[0]["policy"] == "release/loops/deny" and "0.5 s" in problems[0]["message"]
    assert ok(estate.get("/api/v1/health"))
    # fixed by a new version: the looping policy is gone, the deploy goes through
    publish_policies(estate, deploys=DENY_9)
    ok(estate.post("/api/v1/deployments", json=body))


def test_policy_versions_are_kept_and_the_newest_is_in_force(api: TestClient) -> None:
    first = publish_policies(api, deploys=DENY_9)
    assert first["outcome"] == "created"
    assert publish_policies(api, deploys=DENY_9)["outcome"] == "unchanged"
    second = publish_policies(api, contracts=NEEDS_ADR)
    shown = ok(api.get("/api/v1/policies"))
    assert shown["current"]["version"] == second["version"]
    ids = {(r["id"], r["source"], r["enforced"]) for r in shown["rules"]}
    assert ("release.contracts", "rego", True) in ids
    assert ("tier1-deploy-needs-canary", "builtin", False) in ids
    history = ok(api.get("/api/v1/policies/versions"))
    assert [h["version"] for h in history] == [second["version"], first["version"]]
    assert len(audit(api, "policies.published")) == 2


def test_publishing_policies_needs_an_admin(store: Store, tmp_path: Path) -> None:
    from unlockstep.server.app import create_app

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}", api_tokens="root:s3cret-admin-token"
    )
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        body = {"modules": [{"name": "d.rego", "text": DENY_9}]}
        assert client.put("/api/v1/policies", json=body).status_code == 401
        auth = {"Authorization": "Bearer s3cret-admin-token"}
        assert client.put("/api/v1/policies", json=body, headers=auth).status_code == 200


def test_check_documents_against_the_registry_snapshot(estate: TestClient) -> None:
    plan = (
        "change: c\nowner: t\ngoal: g\nservices:\n  case-service: {role: producer, canary: cs}\n"
        "  ghost-service: {role: consumer}\n"
    )
    publish_policies(estate, owners=(EXAMPLES / "plan_owners.rego").read_text())
    body = {"documents": [{"filename": "plan.yaml", "text": plan}], "environment": "production"}
    decision = ok(estate.post("/api/v1/policies/check", json=body))
    messages = {f["message"] for f in decision["findings"]}
    assert "plan touches ghost-service, which the registry knows no owner for" in messages
    assert decision["allowed"] is False


def test_the_calendar_holds_deploys_back_and_a_freeze_exception_lets_one_through(
    estate: TestClient,
) -> None:
    now = datetime.now(UTC)
    local = lambda t: t.strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    freeze = {
        "kind": "freeze",
        "timezone": "UTC",
        "starts": local(now - timedelta(hours=1)),
        "ends": local(now + timedelta(hours=2)),
        "reason": "quarter close",
    }
    ok(estate.put("/api/v1/calendar/production/q4-close", json=freeze))
    register(estate, "notification-service", "3.1.0")
    answer = can_i_deploy(estate, "notification-service", "3.1.0")
    assert answer["answer"] == "no"
    (gate,) = [g for g in answer["gates"] if g["kind"] == "calendar"]
    assert "q4-close" in gate["message"] and "quarter close" in gate["message"]
    assert "freeze exception" in gate["fix"]
    # staging is not frozen
    assert not [
        g
        for g in can_i_deploy(estate, "notification-service", "3.1.0", "staging")["gates"]
        if g["kind"] == "calendar"
    ]
    exception = {
        "environment": "production",
        "service": "notification-service",
        "owner": "messaging-team",
        "reason": "security fix CVE-1",
        "expiresAt": (now + timedelta(hours=3)).isoformat(),
    }
    ok(estate.post("/api/v1/calendar/exceptions", json=exception))
    answer = can_i_deploy(estate, "notification-service", "3.1.0")
    (gate,) = [g for g in answer["gates"] if g["kind"] == "calendar"]
    assert gate["outcome"] == "yes" and "CVE-1" in gate["message"]
    assert answer["answer"] != "no"
    shown = ok(estate.get("/api/v1/calendar", params={"environment": "production"}))
    assert [(p["name"], p["active"]) for p in shown["periods"]] == [("q4-close", True)]
    assert audit(estate, "calendar.exception.granted")[0]["reason"] == "security fix CVE-1"


@pytest.mark.parametrize(("mode", "answer", "gates"), [("warn", "yes", 1), ("off", "yes", 0)])
def test_hidden_dependencies_are_configurable_per_environment(
    estate: TestClient, store: Store, mode: str, answer: str, gates: int
) -> None:
    from unlockstep.services.can_i_deploy import can_i_deploy as ask

    register(estate, "decision-service", "9.9.9")
    wanted = [("decision-service", "9.9.9")]
    with store.session() as session:
        asked = ask(session, wanted, "production", hidden={"production": mode, "*": "unknown"})
        staging = ask(session, wanted, "staging", hidden={"production": mode, "*": "unknown"})
    found = [g for g in asked.decision.gates if g.kind == "hidden-dependency"]
    assert asked.decision.answer == answer and len(found) == gates
    assert all(g.outcome == "yes" for g in found)
    # case-service is live in staging too, and staging follows "*"
    assert staging.decision.answer == "unknown"


def test_a_tier1_deploy_says_what_rolling_back_to_n_minus_1_would_break(
    estate: TestClient,
) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples" / "estate" / "contracts"
    path = "/api/v1/services/case-service/contracts/case-summary-api/versions/1.5.0"
    text = (examples / "case-summary-api.v2-proposed.yaml").read_text()
    ok(estate.put(path, json={"content": text}))
    answer = can_i_deploy(estate, "case-service", "1.5.0", "staging")
    rollback = [g for g in answer["gates"] if g["rule"] == "tier1-rollback-compatible"]
    assert rollback and rollback[0]["outcome"] == "yes"  # a warning unless enforced
    assert (
        "rolling case-service back to 1.4.0 would break: case-summary-api"
        in (rollback[0]["message"])
    )
    # the rule applies to tier 1 only: dashboard-service is tier 2
    register(estate, "dashboard-service", "5.8.0")
    other = can_i_deploy(estate, "dashboard-service", "5.8.0", "staging")
    assert not [g for g in other["gates"] if g["rule"] == "tier1-rollback-compatible"]


def test_a_consumer_seen_only_in_usage_telemetry_is_a_hidden_dependency(
    estate: TestClient,
) -> None:
    from tests.server.otlp_export import otlp_sum

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    points = [
        ({"unlockstep.consumer": "audit-service"}, now - timedelta(hours=h), 10.0 * (5 - h))
        for h in range(4, -1, -1)
    ]
    document = otlp_sum(
        "decision-service", "unlockstep.api.requests", points, start=now - timedelta(hours=5)
    )
    assert estate.post("/otlp/v1/metrics", json=document).status_code == 200
    register(estate, "decision-service", "9.9.9")
    answer = can_i_deploy(estate, "decision-service", "9.9.9")
    assert answer["answer"] == "unknown"
    hidden = {
        g["message"].split(" ")[0]: g for g in answer["gates"] if g["kind"] == "hidden-dependency"
    }
    assert hidden["audit-service"]["message"].startswith(
        "audit-service calls decision-service in production per usage telemetry "
        "(the catalog does not list it)"
    )
    assert "case-service" in hidden  # the catalog's consumer is still named
    # not in staging: telemetry saw the call in production only
    staging = can_i_deploy(estate, "decision-service", "9.9.9", "staging")
    assert not any("audit-service" in g["message"] for g in staging["gates"])
