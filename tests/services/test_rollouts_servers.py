"""Two server instances on one database, each with its own background worker: exactly one
runs the controller at a time (the lease), and when that one stops mid-stage the other takes
over and the rollout goes on from where it was — no stage entered twice, none skipped, no
measurement stored twice."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from unlockstep.services import rollouts
from unlockstep.store import Store, audit

from ..sdk.live_server import LiveServer, wait_for
from .rollout_fixtures import BODY, EVALUATORS, FLAG, Script, script_fixture

__all__ = ["script_fixture"]


def test_a_second_server_takes_over_mid_stage_without_repeating_or_skipping(
    tmp_path: Path, script: Script
) -> None:
    db = tmp_path / "shared.db"
    first = LiveServer(db).start()
    second = LiveServer(db)
    http = httpx.Client(base_url=first.url + "/api/v1")
    try:
        http.put("/environments/production", json={"production": True}).raise_for_status()
        document = {"$evaluators": EVALUATORS, "flags": {FLAG: BODY}}
        http.put("/environments/production/flagset", json={"document": document})
        script.answers["errors"] = [0.0]
        check = {"name": "errors", "provider": {"scripted": {}},
                 "successCondition": "result < 0.05", "interval": "1s", "count": 4}  # fmt: skip
        plan = {"flag": FLAG, "environment": "production", "stages": [5, 25, 50, 75, 100],
                "analysis": {"name": "health", "checks": [check]}}  # fmt: skip
        rid = http.post("/rollouts", json={"rollout": plan}).json()["id"]

        def shown(server: LiveServer) -> dict[str, Any]:
            body: dict[str, Any] = httpx.get(f"{server.url}/api/v1/rollouts/{rid}").json()
            return body

        # the first server's worker holds the lease and runs stage 1; then a second server
        # starts (its worker waits for the lease), and the first stops mid-stage 2
        assert wait_for(lambda: shown(first)["stage"] >= 1, timeout=30)
        second.start()
        time.sleep(1.2)
        first.stop()  # gives its lease up; the second server's worker takes over
        assert shown(second)["status"] == "running"
        assert wait_for(lambda: shown(second)["status"] == "completed", timeout=60)
    finally:
        http.close()
        first.stop()
        second.stop()
    store = Store(f"sqlite:///{db}")
    with store.session() as session:
        events = audit.list_events(session, entity_type="rollout", limit=500)[0]
    stages = [e.after["stage"] for e in events if e.action == "rollout.stage" and e.after]
    assert sorted(stages) == [0, 1, 2, 3, 4]
    record = rollouts.show(store, rid)
    for run in record.analyses:
        assert [m.seq for m in run.checks[0].measurements] == [0, 1, 2, 3]
    store.dispose()
