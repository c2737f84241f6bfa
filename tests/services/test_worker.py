"""Leases and the background worker: one holder at a time, take-over after expiry, a failing
job never stops the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from unlockstep.services.worker import Job, Worker
from unlockstep.store import Store, leases

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


def test_one_holder_until_the_lease_expires(store: Store) -> None:
    assert leases.acquire(store, "job:x", "a", T0, TTL)
    assert not leases.acquire(store, "job:x", "b", T0 + timedelta(seconds=29), TTL)
    assert leases.acquire(store, "job:x", "a", T0 + timedelta(seconds=20), TTL)  # renewal
    assert not leases.acquire(store, "job:x", "b", T0 + timedelta(seconds=49), TTL)
    assert leases.acquire(store, "job:x", "b", T0 + timedelta(seconds=50), TTL)  # expired
    assert leases.holder_of(store, "job:x", T0 + timedelta(seconds=51)) == "b"
    assert not leases.acquire(store, "job:x", "a", T0 + timedelta(seconds=51), TTL)


def test_release_hands_over_at_once_and_only_by_the_holder(store: Store) -> None:
    assert leases.acquire(store, "job:y", "a", T0, TTL)
    leases.release(store, "job:y", "b")  # not b's to release
    assert leases.holder_of(store, "job:y", T0) == "a"
    leases.release(store, "job:y", "a")
    assert leases.holder_of(store, "job:y", T0) is None
    assert leases.acquire(store, "job:y", "b", T0, TTL)


def test_two_workers_run_each_job_in_one_process(store: Store) -> None:
    runs: list[str] = []
    now = [T0]
    job = Job("count", every=10, run=lambda _store, _now: runs.append("ran"))
    first = Worker(store, [job], holder="first", clock=lambda: now[0])
    second = Worker(store, [job], holder="second", clock=lambda: now[0])
    for step in range(6):  # 60 s: both try every 10 s, only the lease holder runs
        now[0] = T0 + timedelta(seconds=10 * step)
        first.run_due()
        second.run_due()
    assert runs == ["ran"] * 6
    first.stop()  # a clean shutdown gives the lease up: the second takes over at once
    now[0] += timedelta(seconds=10)
    assert second.run_due() == ["count"]


def test_a_failing_job_is_logged_and_the_others_still_run(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_store: Store, _now: datetime) -> None:
        raise RuntimeError("boom")

    ran: list[datetime] = []
    worker = Worker(
        store,
        [Job("broken", 5, broken), Job("fine", 5, lambda _s, now: ran.append(now))],
        clock=lambda: T0,
    )
    assert worker.run_due() == ["fine"]
    assert ran == [T0]
    assert "background job broken failed" in caplog.text


def test_the_worker_thread_runs_jobs_and_stops(store: Store) -> None:
    import threading

    done = threading.Event()
    worker = Worker(store, [Job("tick", 0.05, lambda _s, _n: done.set())])
    worker.start()
    try:
        assert done.wait(10)
    finally:
        worker.stop()
    assert leases.holder_of(store, "job:tick", datetime.now(UTC)) is None
