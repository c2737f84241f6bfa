"""A release plan's cleanup blockers judged by measured usage: the seed's
``api_requests_total{version="v1"} == 0 for 14 days`` from OTLP exports, a workflow drained
from running-instance gauges; ``plan show`` says which source answered."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.server.otlp_export import otlp_sum
from tests.server.test_plan_evidence import blockers, show
from tests.server.test_plans_api import PLANS, submit

pytestmark = pytest.mark.slow  # the demo estate and plan analysis per test: ~5 s each

V1_ZERO = 'api_requests_total{version="v1"} == 0 for 14 days'
DRAINED = "escalation-workflow v1 has no running instances"


def report_requests(api: TestClient, first: date, last: date, v1_last_used: date) -> None:
    """case-service's cumulative request counters, exported at noon every day."""
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    points = []
    v1 = v2 = 0.0
    day = first
    while day <= last:
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        v1 += 5 if day <= v1_last_used else 0
        v2 += 50
        points.append(({"unlockstep.api.version": "v1"}, noon, v1))
        points.append(({"unlockstep.api.version": "v2"}, noon, v2))
        day += timedelta(days=1)
    document = otlp_sum("case-service", "unlockstep.api.requests", points, start=start)
    assert api.post("/otlp/v1/metrics", json=document).status_code == 200


def test_the_seeds_usage_blocker_passes_on_14_reported_zero_days(estate: TestClient) -> None:
    submit(estate, "risk-explanation")
    report_requests(estate, date(2026, 6, 20), date(2026, 7, 19), v1_last_used=date(2026, 7, 5))
    status, detail = blockers(estate)[V1_ZERO]
    assert status == "met"
    assert detail == "zero for 14 of 14 days; last used 2026-07-05 (usage store)"


def test_the_blocker_is_unmet_while_v1_is_still_used_and_says_when_it_was_last_seen(
    estate: TestClient,
) -> None:
    submit(estate, "risk-explanation")
    report_requests(estate, date(2026, 6, 20), date(2026, 7, 19), v1_last_used=date(2026, 7, 12))
    status, detail = blockers(estate)[V1_ZERO]
    assert (status, detail) == (
        "unmet",
        "zero for 7 of 14 days; last used 2026-07-12 (usage store)",
    )


def gauge(workflow: str, version: str, running: int, at: datetime) -> dict[str, object]:
    def attribute(key: str, value: str) -> dict[str, object]:
        return {"key": key, "value": {"stringValue": value}}

    point = {
        "attributes": [
            attribute("unlockstep.workflow", workflow),
            attribute("unlockstep.workflow.version", version),
        ],
        "timeUnixNano": str(int(at.timestamp()) * 1_000_000_000),
        "asInt": str(running),
    }
    metric = {"name": "unlockstep.workflow.instances", "gauge": {"dataPoints": [point]}}
    resource = {"attributes": [attribute("service.name", "case-service")]}
    return {"resourceMetrics": [{"resource": resource, "scopeMetrics": [{"metrics": [metric]}]}]}


def test_workflow_drained_is_read_from_running_instance_gauges(estate: TestClient) -> None:
    text = (PLANS / "risk-explanation.yaml").read_text()
    text = text.replace(
        "    - flag risk.explanation.write deleted\n",
        f"    - flag risk.explanation.write deleted\n    - {DRAINED}\n",
    )
    submit(estate, "risk-explanation", text)
    status, detail = blockers(estate)[DRAINED]
    assert status == "unknown" and "could not be checked" in detail
    now = datetime.now(UTC)
    estate.post("/otlp/v1/metrics", json=gauge("escalation-workflow", "1", 3, now))
    assert blockers(estate)[DRAINED] == ("unmet", "3 running instance(s)")
    later = now + timedelta(seconds=1)
    estate.post("/otlp/v1/metrics", json=gauge("escalation-workflow", "1", 0, later))
    assert blockers(estate)[DRAINED] == ("met", "0 running instance(s)")
    assert show(estate)["sources"]["workflows"].startswith("running instances")


def report_consumed(api: TestClient, consumer: str, v1_last_used: date) -> None:
    """``consumer``'s own count of CaseEscalated events consumed, per event version, exported
    at noon every day from 20 June to 19 July."""
    points = []
    v1 = v2 = 0.0
    day = date(2026, 6, 20)
    while day <= date(2026, 7, 19):
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        v1 += 3 if day <= v1_last_used else 0
        v2 += 30
        for version, value in (("v1", v1), ("v2", v2)):
            attributes = {
                "unlockstep.event.type": "CaseEscalated",
                "unlockstep.event.version": version,
            }
            points.append((attributes, noon, value))
        day += timedelta(days=1)
    start = datetime(2026, 6, 20, tzinfo=UTC)
    document = otlp_sum(consumer, "unlockstep.events.consumed", points, start=start)
    assert api.post("/otlp/v1/metrics", json=document).status_code == 200


def test_the_window_shows_one_consumer_moved_and_one_still_on_v1_with_when_it_was_seen(
    estate: TestClient,
) -> None:
    submit(estate, "risk-explanation")
    report_consumed(estate, "notification-service", v1_last_used=date(2026, 7, 1))
    report_consumed(estate, "dashboard-service", v1_last_used=date(2026, 7, 18))
    window = show(estate)["report"]["window"]
    found = {c["what"].split(" ")[0]: (c["status"], c["detail"]) for c in window["consumers"]}
    assert found["notification-service"] == (
        "met",
        "moved: old version unused for 18 days; last used 2026-07-01 (usage store)",
    )
    assert found["dashboard-service"] == (
        "unmet",
        "still on the old version: zero for 1 of 14 days; last used 2026-07-18 (usage store)",
    )
    assert "dashboard-service" in window["mustMove"]
    assert "notification-service" not in window["mustMove"]
