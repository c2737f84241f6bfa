"""A submitted plan reads its verification and usage evidence from the registry: the demo
estate's case-service 1.5.0 publishes the new contracts, the consumers' expectations are
verified against them, and the plan's window, cleanup and step gates follow."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.server.test_expectations_demo import content, ok
from tests.server.test_plans_api import PLANS, deploy, submit

CHANGE = "risk-explanation-in-escalation-flow"
TODAY = {"today": "2026-07-20"}


def publish_1_5_0(api: TestClient) -> None:
    """case-service 1.5.0 ships both new contracts (the plan's ``new`` files)."""
    for name, file in (
        ("case-summary-api", "case-summary-api.v2-proposed.yaml"),
        ("case-events", "case-events.v2-proposed.yaml"),
    ):
        path = f"/api/v1/services/case-service/contracts/{name}/versions/1.5.0"
        ok(api.put(path, json={"content": content(file)}))


def show(api: TestClient, change: str = CHANGE) -> dict[str, Any]:
    return ok(api.get(f"/api/v1/plans/{change}", params=TODAY))  # type: ignore[no-any-return]


def window(api: TestClient) -> dict[str, tuple[str, str]]:
    """consumer -> (status, detail) of the window's consumers."""
    consumers = show(api)["report"]["window"]["consumers"]
    return {c["what"].split(" ")[0]: (c["status"], c["detail"]) for c in consumers}


def blockers(api: TestClient) -> dict[str, tuple[str, str]]:
    [item] = show(api)["report"]["cleanup"]
    return {b["what"]: (b["status"], b["detail"]) for b in item["blockers"]}


def summary_window_plan() -> str:
    """The demo plan with its window on the summary API, which audit-report-service 1.9.0
    (live in production) reads strictly."""
    text = (PLANS / "risk-explanation.yaml").read_text()
    return text.replace("  contract: CaseEscalated\n", "  contract: case-summary\n")


@pytest.fixture
def published(estate: TestClient) -> TestClient:
    publish_1_5_0(estate)
    return estate


def test_a_window_consumer_whose_live_version_is_verified_against_the_new_contract_moved(
    published: TestClient,
) -> None:
    submit(published, "risk-explanation")
    status, detail = window(published)["notification-service"]
    assert status == "met"
    assert detail == "moved: notification-service 3.0.2 verified against case-service 1.5.0"
    assert "notification-service" not in show(published)["report"]["window"]["mustMove"]


def test_a_failed_verification_of_a_live_version_means_not_moved(published: TestClient) -> None:
    submit(published, "risk-explanation", summary_window_plan())
    status, detail = window(published)["audit-report-service"]
    assert status == "unmet"
    assert detail == ("not moved: audit-report-service 1.9.0 failed against case-service 1.5.0")
    assert window(published)["dashboard-service"][0] == "met"


def test_deploying_the_consumer_version_that_passes_moves_it(published: TestClient) -> None:
    submit(published, "risk-explanation", summary_window_plan())
    deploy(published, "audit-report-service", "1.9.1")
    assert window(published)["audit-report-service"] == (
        "met",
        "moved: audit-report-service 1.9.1 verified against case-service 1.5.0",
    )


def test_no_verification_of_a_live_version_is_unknown_not_moved(published: TestClient) -> None:
    submit(published, "risk-explanation")
    status, detail = window(published)["dashboard-service"]
    assert status == "unknown"
    assert detail.startswith("no verification of dashboard-service 5.7.0 against case-service")
    assert show(published)["report"]["window"]["mustMove"] == ["dashboard-service"]


def test_before_the_new_contract_is_published_nobody_can_be_said_to_have_moved(
    estate: TestClient,
) -> None:
    submit(estate, "risk-explanation")
    consumers = window(estate)
    assert consumers  # the loop below checks something
    for status, detail in consumers.values():
        assert status == "unknown"
        assert detail.startswith("could not tell which case-service version ships the new")


def test_cleanup_blockers_naming_a_consumer_are_checked_against_the_registry(
    published: TestClient,
) -> None:
    submit(published, "risk-explanation")
    found = blockers(published)
    assert found["audit-report-service verified against CaseEscalated v2"][0] == "met"
    assert found["dashboard-service migrated to CaseEscalated v2"][0] == "unknown"
    usage = found['api_requests_total{version="v1"} == 0 for 14 days']
    assert usage[0] == "unknown"
    assert "no usage source knows" in usage[1] and "UNLOCKSTEP_PROMETHEUS_URL" in usage[1]


def test_a_blocker_may_name_the_provider_version_that_ships_the_contract(
    published: TestClient,
) -> None:
    text = (
        (PLANS / "risk-explanation.yaml")
        .read_text()
        .replace(
            "    - audit-report-service verified against CaseEscalated v2\n",
            "    - audit-report-service verified against case-summary 1.5.0\n"
            "    - notification-service verified against CaseEscalated 1.4.0\n"
            "    - dashboard-service verified against case-summary-api v2\n",
        )
    )
    submit(published, "risk-explanation", text)
    found = blockers(published)
    assert found["audit-report-service verified against case-summary 1.5.0"][0] == "unmet"
    assert found["notification-service verified against CaseEscalated 1.4.0"] == (
        "met",
        "moved: notification-service 3.0.2 verified against case-service 1.4.0",
    )
    # the registry's name for the contract the plan's new file was published under
    assert found["dashboard-service verified against case-summary-api v2"][0] == "met"


def test_step_gates_read_the_verifications_and_an_unmet_gate_holds_the_step(
    published: TestClient,
) -> None:
    text = summary_window_plan().replace(
        "      consumers: [dashboard-service, decision-service]\n",
        "      consumers: [dashboard-service, audit-report-service]\n",
    )
    submit(published, "risk-explanation", text)
    steps = {s["step"]: s for s in show(published)["progress"]["steps"]}

    def verification_gates(step: str) -> list[Any]:
        # the estate's invariants guarding case-service gate every step too (never run here)
        return [g for g in steps[step]["gates"] if not g["what"].startswith("invariant ")]

    [gate] = verification_gates("case-summary.2.dashboard-service")
    assert gate["status"] == "met"
    [gate] = verification_gates("case-summary.3")
    assert gate["what"] == "every consumer verified against the new GET /cases/{id}/summary"
    assert gate["status"] == "unmet"
    assert "audit-report-service 1.9.0 failed" in gate["detail"]
    assert steps["case-summary.3"]["ready"] is False


def test_usage_measured_by_a_flags_evaluation_count_is_derived(published: TestClient) -> None:
    text = (
        (PLANS / "risk-explanation.yaml")
        .read_text()
        .replace(
            "    - flag risk.explanation.write deleted\n",
            "    - flag risk.explanation.write deleted\n"
            "    - risk.explanation.read evaluations == 0 for 14 days\n"
            "    - risk.explanation.display evaluations == 0 for 14 days\n",
        )
    )
    submit(published, "risk-explanation", text)
    counts = [
        {"flag": "risk.explanation.read", "reason": "STATIC", "count": 5, "day": "2026-07-01"},
        {"flag": "risk.explanation.display", "reason": "STATIC", "count": 2, "day": "2026-07-15"},
        {"flag": "risk.explanation.display", "reason": "STATIC", "count": 0, "day": "2026-07-16"},
    ]
    body = {"environment": "production", "counts": counts}
    assert published.post("/api/v1/flag-evaluations", json=body).status_code == 202
    found = blockers(published)
    assert found["risk.explanation.read evaluations == 0 for 14 days"] == (
        "met",
        "zero for 18 of 14 days; flag evaluation counts",
    )
    assert found["risk.explanation.display evaluations == 0 for 14 days"] == (
        "unmet",
        "zero for 4 of 14 days; flag evaluation counts",
    )


def test_without_any_evaluation_counts_flag_usage_is_unknown(published: TestClient) -> None:
    text = (
        (PLANS / "risk-explanation.yaml")
        .read_text()
        .replace(
            "    - flag risk.explanation.write deleted\n",
            "    - risk.explanation.read evaluations == 0 for 14 days\n",
        )
    )
    submit(published, "risk-explanation", text)
    status, _ = blockers(published)["risk.explanation.read evaluations == 0 for 14 days"]
    assert status == "unknown"


def test_without_a_new_file_only_the_plans_own_contract_is_evidence(
    published: TestClient,
) -> None:
    """escalation-basis names CaseEscalated with no ``new`` file: the registry contract
    that publishes that event (case-events) is the evidence, not case-summary-api."""
    submit(published, "escalation-basis")
    consumers = show(published, "regulatory-escalation-basis")["report"]["window"]["consumers"]
    found = {c["what"].split(" ")[0]: (c["status"], c["detail"]) for c in consumers}
    # dashboard-service has no case-events expectation: its summary-API result is no evidence
    assert found["dashboard-service"][0] == "unknown"
    assert "dashboard-service 5.7.0" in found["dashboard-service"][1]
    # audit-report-service's summary-API failure does not count against the event
    status, detail = found["audit-report-service"]
    assert status == "met"
    assert detail.startswith("moved: audit-report-service 1.9.0 verified against case-service")


def test_a_plan_is_shown_with_its_evidence_gathered_once(
    published: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unlockstep.store import plan_evidence

    submit(published, "risk-explanation")
    asked: list[int] = []
    gather = plan_evidence.verifications

    def counting(*args: Any) -> Any:
        asked.append(1)
        return gather(*args)

    monkeypatch.setattr(plan_evidence, "verifications", counting)
    shown = show(published)
    assert len(asked) == 1
    # the one gathering answered the window and the step gates alike
    assert shown["report"]["window"]["consumers"]
    assert any(s.get("gates") for s in shown["progress"]["steps"])
