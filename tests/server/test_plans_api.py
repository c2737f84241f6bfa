from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from unlockstep.cli.plans import file_reader
from unlockstep.core.plans._file import parse

PLANS = Path(__file__).resolve().parents[2] / "examples" / "estate" / "plans"


def submit(api: TestClient, name: str, text: str | None = None) -> dict:  # type: ignore[type-arg]
    text = text or (PLANS / f"{name}.yaml").read_text()
    plan = parse(text)
    read = file_reader(PLANS)
    files = {path: read(path) for c in plan.contracts for path in (*c.old, *c.new)}
    response = api.post(
        "/api/v1/plans",
        json={"source": text, "filename": f"{name}.yaml", "files": files},
        params={"today": "2026-07-20"},
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def deploy(api: TestClient, service: str, version: str) -> None:
    body = {"service": service, "version": version, "environment": "production"}
    assert api.post("/api/v1/deployments", json=body).status_code == 201


def test_a_submitted_plan_is_stored_with_its_check(estate: TestClient) -> None:
    body = submit(estate, "escalation-basis")
    assert body["outcome"] == "created"
    assert body["plan"]["change"] == "regulatory-escalation-basis"
    assert body["plan"]["revision"] == 1
    assert {"submittedBy", "submittedAt", "updatedAt"} <= set(body["plan"])
    assert body["check"]["ok"] is True
    assert body["check"]["risk"]["level"] == "high"


def test_submitting_the_same_plan_again_changes_nothing_and_a_new_text_is_a_revision(
    estate: TestClient,
) -> None:
    submit(estate, "escalation-basis")
    assert submit(estate, "escalation-basis")["outcome"] == "unchanged"
    text = (PLANS / "escalation-basis.yaml").read_text().replace("2026-09-15", "2026-09-20")
    again = submit(estate, "escalation-basis", text)
    assert (again["outcome"], again["plan"]["revision"]) == ("updated", 2)
    events = estate.get("/api/v1/audit", params={"entity_type": "release_plan"}).json()
    assert [e["action"] for e in events["items"]] == ["plan.updated", "plan.created"]


def test_a_bad_plan_is_rejected_with_422_naming_the_line(api: TestClient) -> None:
    response = api.post(
        "/api/v1/plans",
        json={"source": "change: c\nservices:\n  a: {role: boss}\n", "filename": "p.yaml"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "parse_error"
    assert error["details"] == [
        "p.yaml:3: /services/a/role: unknown role 'boss'; use one of producer, consumer, "
        "provider, both"
    ]


def test_progress_is_derived_from_recorded_deployments_not_ticked_by_hand(
    estate: TestClient,
) -> None:
    submit(estate, "escalation-basis")
    before = estate.get("/api/v1/plans/regulatory-escalation-basis").json()["progress"]
    assert before["counts"]["done"] == 0
    assert before["next"] == ["cases-table.1"]
    deploy(estate, "case-service", "1.5.0")  # the expand version
    after = estate.get("/api/v1/plans/regulatory-escalation-basis").json()["progress"]
    status = {s["step"]: s["status"] for s in after["steps"]}
    assert status["cases-table.1"] == "done"
    assert status["case-escalated.1"] == "done"
    assert status["escalate-case.1"] == "done"
    assert status["cases-table.2"] == "pending"  # migrate phase ships in 1.6.0
    assert status["case-escalated.2.audit-report-service"] == "pending"
    assert status["case-escalated.3"] == "pending"  # its flag does not exist yet
    assert "cases-table.2" in after["next"]
    assert "escalate-case.2.decision-service" in after["next"]


def test_a_flag_step_is_done_when_the_flag_is_on_in_the_plans_environment(
    estate: TestClient,
) -> None:
    submit(estate, "escalation-basis")
    flag = {
        "state": "ENABLED",
        "variants": {"on": True, "off": False},
        "defaultVariant": "off",
        "targeting": {"if": [{"==": [{"var": "tenant"}, "internal"]}, "on", "off"]},
        "metadata": {"owner": "case-platform-team", "expires": "2026-09-30", "type": "release"},
    }
    url = "/api/v1/environments/production/flags/escalation.basis.write"
    response = estate.put(url, json={"flag": flag})
    assert response.status_code in (200, 201), response.text
    steps = estate.get("/api/v1/plans/regulatory-escalation-basis").json()["progress"]["steps"]
    step = next(s for s in steps if s["step"] == "case-escalated.3")
    assert (step["status"], step["detail"]) == ("done", "flag escalation.basis.write is targeted")
    etag = estate.get(url).headers["etag"]
    disabled = {**flag, "state": "DISABLED"}
    assert estate.put(url, json={"flag": disabled}, headers={"If-Match": etag}).status_code == 200
    steps = estate.get("/api/v1/plans/regulatory-escalation-basis").json()["progress"]["steps"]
    step = next(s for s in steps if s["step"] == "case-escalated.3")
    assert (step["status"], step["detail"]) == ("pending", "flag escalation.basis.write is off")


def test_show_names_the_evidence_sources_and_what_usage_can_be_read(estate: TestClient) -> None:
    submit(estate, "risk-explanation")
    body = estate.get("/api/v1/plans/risk-explanation-in-escalation-flow").json()
    assert body["sources"]["deployments"] == "available"
    assert body["sources"]["flags"] == "available"
    assert body["sources"]["verifications"] == "available"
    assert body["sources"]["usage"].startswith("flag evaluation counts, the usage store")
    first = body["progress"]["steps"][0]
    assert first["status"] == "unknown"
    assert "names no version of case-service" in first["detail"]


def test_plans_are_listed_with_risk_and_verdict(estate: TestClient) -> None:
    submit(estate, "escalation-basis-lockstep")
    submit(estate, "risk-explanation")
    items = estate.get("/api/v1/plans", params={"today": "2026-07-20"}).json()["items"]
    assert [(p["change"], p["ok"], p["risk"]["level"]) for p in items] == [
        ("regulatory-escalation-basis-naive", False, "high"),
        ("risk-explanation-in-escalation-flow", True, "medium"),
    ]


def test_an_unknown_plan_is_404(api: TestClient) -> None:
    response = api.get("/api/v1/plans/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_coordination_document_is_served_as_markdown(estate: TestClient) -> None:
    submit(estate, "risk-explanation")
    response = estate.get(
        "/api/v1/plans/risk-explanation-in-escalation-flow/document", params={"today": "2026-07-20"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.text.startswith("# Release Coordination: Risk Explanation")


def test_a_plan_pointing_at_files_it_did_not_send_is_rejected(api: TestClient) -> None:
    text = (
        "change: c\nservices:\n  a: {role: provider}\ncontracts:\n  api:\n"
        "    - {id: x, name: X, provider: a, old: v1.yaml, new: v2.yaml}\n"
    )
    response = api.post("/api/v1/plans", json={"source": text})
    assert response.status_code == 422
    assert "was not submitted with the plan" in response.json()["error"]["message"]
