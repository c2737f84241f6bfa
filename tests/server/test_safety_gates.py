"""Safety nets as plan gates: a cleanup item that would remove the old path's fallback stays
blocked while the invariant guarding it is breached, and while the two systems disagree."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.server.test_plan_evidence import blockers
from tests.server.test_plans_api import PLANS, submit
from unlockstep.settings import Settings

SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'test.db'}", flag_rules=[], worker=False)


def plan_with_safety_blockers() -> str:
    text = (PLANS / "risk-explanation.yaml").read_text()
    return text.replace(
        "    - flag risk.explanation.write deleted\n",
        "    - flag risk.explanation.write deleted\n"
        "    - invariant escalations-are-published holds\n"
        "    - invariantHolds: escalated-cases-have-a-basis\n"
        "    - reconciled: legacy-cases\n"
        "    - invariant nobody-declared-this holds\n",
    )


@SQLITE_ONLY
def test_breached_invariants_and_open_discrepancies_block_the_cleanup(
    estate: TestClient,
) -> None:
    submit(estate, "risk-explanation", plan_with_safety_blockers())
    before = blockers(estate)
    assert before["invariant escalations-are-published holds"][0] == "unknown"
    assert before["reconciliation legacy-cases reconciled"] == ("unknown", "no completed run yet")
    assert before["invariant nobody-declared-this holds"] == (
        "unknown",
        "no invariant nobody-declared-this is declared",
    )
    for name in ("escalations-are-published", "escalated-cases-have-a-basis"):
        estate.post(f"/api/v1/invariants/{name}/runs")
    estate.post("/api/v1/reconciliations/legacy-cases/runs")
    after = blockers(estate)
    assert after["invariant escalations-are-published holds"] == ("unmet", "breached")
    assert after["invariant escalated-cases-have-a-basis holds"] == ("met", "holds")
    assert after["reconciliation legacy-cases reconciled"] == (
        "unmet",
        "2 open discrepancies (tolerance 0)",
    )


@SQLITE_ONLY
def test_every_step_waits_while_an_invariant_the_change_touches_is_breached(
    estate: TestClient,
) -> None:
    from tests.server.test_plan_evidence import show

    text = (PLANS / "risk-explanation.yaml").read_text()
    text += "invariants: [escalations-are-published, escalated-cases-have-a-basis]\n"
    submit(estate, "risk-explanation", text)
    steps = show(estate)["progress"]["steps"]
    gates = {g["what"]: g["status"] for g in steps[0]["gates"]}
    assert gates["invariant escalations-are-published holds"] == "unknown"  # never run yet
    assert steps[0]["ready"] is True  # unknown does not hold a step; unmet does
    for name in ("escalations-are-published", "escalated-cases-have-a-basis"):
        estate.post(f"/api/v1/invariants/{name}/runs")
    steps = show(estate)["progress"]["steps"]
    gates = {g["what"]: g["status"] for g in steps[0]["gates"]}
    assert gates["invariant escalations-are-published holds"] == "unmet"
    assert gates["invariant escalated-cases-have-a-basis holds"] == "met"
    assert not any(s["ready"] for s in steps)
    assert show(estate)["report"]["invariants"] == [
        "escalations-are-published",
        "escalated-cases-have-a-basis",
    ]


@SQLITE_ONLY
def test_an_invariant_guarding_a_changed_service_gates_the_plan_though_it_is_not_named(
    estate: TestClient,
) -> None:
    from tests.server.test_plan_evidence import show

    submit(estate, "risk-explanation", (PLANS / "risk-explanation.yaml").read_text())
    report = show(estate)["report"]
    assert report["invariants"] == []
    guarding = {g["name"]: g for g in report["guardingInvariants"]}
    # the outbox's gate is an invariant over case-service too
    assert set(guarding) == {
        "escalations-are-published",
        "escalated-cases-have-a-basis",
        "outbox-case-events-outbox",
    }
    assert guarding["escalations-are-published"]["named"] is False
    assert "service case-service" in guarding["escalations-are-published"]["why"]
    for name in ("escalations-are-published", "escalated-cases-have-a-basis"):
        estate.post(f"/api/v1/invariants/{name}/runs")
    steps = show(estate)["progress"]["steps"]
    gates = {g["what"]: g for g in steps[0]["gates"]}
    breached = gates["invariant escalations-are-published holds"]
    assert breached["status"] == "unmet"
    assert "which the plan changes" in breached["detail"]
    assert gates["invariant escalated-cases-have-a-basis holds"]["status"] == "met"
    assert not any(s["ready"] for s in steps)


@SQLITE_ONLY
def test_an_invariant_guarding_nothing_the_plan_changes_does_not_gate_it(
    estate: TestClient,
) -> None:
    from tests.server.test_plan_evidence import show

    text = (PLANS / "risk-explanation.yaml").read_text()
    for service in ("case-service", "notification-service"):
        text = text.replace(service, f"other-{service}")
    submit(estate, "risk-explanation", text)
    assert show(estate)["report"]["guardingInvariants"] == []
