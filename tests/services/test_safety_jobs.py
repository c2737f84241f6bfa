"""The safety nets' background jobs: with several server processes on one database each due
invariant and reconciliation runs once, and a restarted process resumes from the tables
instead of running everything again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.server.test_safety_api import SYSTEM, publish, system  # noqa: F401  (fixture)
from unlockstep.services import safety_jobs
from unlockstep.services.worker import Worker
from unlockstep.settings import Settings
from unlockstep.store import Store
from unlockstep.store.safety_tables import InvariantRunRow, ReconciliationRunRow


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'test.db'}", flag_rules=[], worker=False)


def runs(store: Store) -> tuple[int, int]:
    with store.session() as session:
        invariant = session.scalar(select(func.count()).select_from(InvariantRunRow)) or 0
        compared = session.scalar(select(func.count()).select_from(ReconciliationRunRow)) or 0
        return invariant, compared


def test_several_processes_run_each_due_safety_net_once_and_resume_after_a_restart(
    api: TestClient,
    store: Store,
    system: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UNLOCKSTEP_SAFETY_SQLITE_DIRS", str(system.parent))  # the jobs' settings
    assert api.put("/api/v1/services/case-service", json={}).status_code in (200, 201)
    publish(api, SYSTEM, system.parent)
    now = [datetime.now(UTC) + timedelta(seconds=1)]
    workers = [
        Worker(store, safety_jobs.jobs(), holder=name, clock=lambda: now[0])
        for name in ("process-a", "process-b", "process-c")
    ]

    def all_at_once() -> None:
        threads = [threading.Thread(target=w.run_due) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

    all_at_once()
    assert runs(store) == (1, 1)
    with store.session() as session:
        assert session.scalars(select(InvariantRunRow.status)).all() == ["ok"]
    now[0] += timedelta(seconds=30)  # every worker tries again; nothing is due yet
    all_at_once()
    assert runs(store) == (1, 1)
    restarted = Worker(
        store, safety_jobs.jobs(), holder="process-a-restarted", clock=lambda: now[0]
    )
    for w in workers:
        w.stop()  # the leases are given up: the restarted process may take the jobs at once
    restarted.run_due()
    assert runs(store) == (1, 1)  # what is due lives in the tables: not run again
    now[0] += timedelta(seconds=300)  # the invariant's schedule (5 min) comes round
    restarted.run_due()
    assert runs(store) == (2, 1)
