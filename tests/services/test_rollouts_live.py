"""A rollout end to end with real parts: a real Prometheus scraping a target whose error
ratio the test sets, the server's own background controller (the worker job) judging it, and
the real openfeature-sdk with unlockstep's provider seeing exposure change stage by stage —
then an error-ratio rise aborting the rollout to the safe variant for everyone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext

from unlockstep.sdk import UnlockstepProvider

from ..prometheus import MetricsTarget, PrometheusServer
from ..sdk.live_server import LiveServer, wait_for
from .rollout_fixtures import BODY, EVALUATORS, FLAG

METRIC = "rollout_live_error_ratio"
STAFF = [EvaluationContext(f"staff-{i}", {"email": f"s{i}@example.com"}) for i in range(20)]
USERS = [EvaluationContext(f"user-{i}", {"email": f"u{i}@customer.test"}) for i in range(400)]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "live.db").start()
    with httpx.Client(base_url=live.url) as http:
        http.put("/api/v1/environments/production", json={"production": True}).raise_for_status()
        document = {"$evaluators": EVALUATORS, "flags": {FLAG: BODY}}
        http.put(
            "/api/v1/environments/production/flagset", json={"document": document}
        ).raise_for_status()
    yield live
    live.stop()


def set_ratio(target: MetricsTarget, prometheus: PrometheusServer, ratio: float) -> None:
    target.set(f"# TYPE {METRIC} gauge\n{METRIC} {ratio}")
    prometheus.wait_for(METRIC, lambda r: bool(r) and float(r[0]["value"][1]) == ratio)  # type: ignore[index]


def exposed(client: Any, people: list[EvaluationContext]) -> set[str]:
    return {
        p.targeting_key or "" for p in people if client.get_boolean_value(FLAG, False, p) is True
    }


def test_exposure_grows_stage_by_stage_and_an_error_rise_aborts_it(
    server: LiveServer, prometheus: PrometheusServer, metrics_target: MetricsTarget
) -> None:
    set_ratio(metrics_target, prometheus, 0.001)
    check = {
        "name": "error-ratio",
        "provider": {"prometheus": {"address": prometheus.url, "query": f"max({METRIC})"}},
        "successCondition": "result < 0.05",
        "interval": "1s",
        "count": 2,
    }
    plan = {
        "flag": FLAG,
        "environment": "production",
        "analysis": {"name": "errors", "checks": [check]},
        "stages": [
            {"segment": "segment.internal.staff", "approval": True},
            {"percent": 10, "approval": True},
            # a longer watch at 50 %: the error rise comes during it
            {"percent": 50, "analysis": {"name": "watch", "checks": [{**check, "count": 60}]}},
            100,
        ],
    }
    provider = UnlockstepProvider(server.url, "production", poll_interval=0.05, flush_interval=3600)
    api.set_provider_and_wait(provider, "rollout-live")
    client = api.get_client("rollout-live")
    http = httpx.Client(base_url=server.url + "/api/v1")
    try:
        assert exposed(client, STAFF + USERS) == set()
        rollout = http.post("/rollouts", json={"rollout": plan}).json()
        rid = rollout["id"]

        def state() -> dict[str, Any]:
            body: dict[str, Any] = http.get(f"/rollouts/{rid}").json()
            return body

        # stage 1: internal users only; its analysis passes and it waits for approval
        assert wait_for(lambda: state()["status"] == "waiting", timeout=30)
        assert wait_for(lambda: exposed(client, STAFF) == {p.targeting_key for p in STAFF})
        assert exposed(client, USERS) == set()
        assert state()["lastAnalysis"]["status"] == "pass"

        # stage 2: staff plus about 10 % of everyone else
        http.post(f"/rollouts/{rid}/promote", json={"reason": "staff happy"}).raise_for_status()
        assert wait_for(lambda: state()["stage"] == 1 and state()["status"] == "waiting", 30)
        assert wait_for(lambda: 20 <= len(exposed(client, USERS)) <= 70)
        ten = exposed(client, USERS)

        # stage 3: 50 %; everyone who had the new path keeps it. Then errors rise.
        http.post(f"/rollouts/{rid}/promote", json={}).raise_for_status()
        assert wait_for(lambda: len(exposed(client, USERS)) > 150)
        fifty = exposed(client, USERS)
        assert ten <= fifty
        set_ratio(metrics_target, prometheus, 0.2)
        assert wait_for(lambda: state()["status"] == "aborted", timeout=30)

        final = state()
        assert final["stage"] == 2
        assert "0.2 does not meet result < 0.05" in final["reason"]
        assert wait_for(lambda: exposed(client, STAFF + USERS) == set())
        killed = http.get(f"/environments/production/flags/{FLAG}").json()
        assert killed["killed"] is True
        kinds = [e["action"] for e in http.get("/audit", params={"limit": 200}).json()["items"]]
        assert "flag.kill" in kinds and "rollout.aborted" in kinds
    finally:
        http.close()
        provider.shutdown()
