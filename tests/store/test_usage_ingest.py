"""Usage ingest accepted in memory and flushed in batches: nothing reaches the rollups before
a flush, a flush writes everything once, a new process (a restart) or a second process
sharing the database counts a stream's increase once, a failed flush keeps its points, and
concurrent exports lose nothing. Flushes are called directly: no test waits on a clock."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.server.otlp_export import otlp_sum
from unlockstep.core import usage as core
from unlockstep.errors import DatabaseUnavailable
from unlockstep.store import Store, usage_ingest
from unlockstep.store.usage_ingest import UsageWriter
from unlockstep.store.usage_tables import UsageDaily, UsageHourly, UsageStream

METRIC = "unlockstep.api.requests"
TODAY = date(2026, 12, 15)
START = datetime(2026, 12, 15, 0, tzinfo=UTC)
V1 = {"unlockstep.api.version": "v1"}


def export(
    value: float, minute: int, attributes: dict[str, str] = V1, since: int | None = None
) -> core.Decoded:
    """One point of case-service's counter at ``minute``: cumulative since ``START``, or,
    with ``since``, a delta over [since, minute)."""
    at = START + timedelta(minutes=minute)
    document = otlp_sum(
        "case-service", METRIC, [(attributes, at, value)], start=START, delta=since is not None
    )
    if since is not None:
        (point,) = document["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"][
            "dataPoints"
        ]
        point["startTimeUnixNano"] = str(int((START + timedelta(minutes=since)).timestamp() * 1e9))
    return core.read(core.parse_json(json.dumps(document).encode()), "production")


def counted(store: Store) -> tuple[float, float]:
    """(sum of daily amounts, sum of hourly amounts)."""
    with store.session() as session:
        day = session.scalar(select(func.coalesce(func.sum(UsageDaily.amount), 0.0)))
        hour = session.scalar(select(func.coalesce(func.sum(UsageHourly.amount), 0.0)))
    return float(day or 0), float(hour or 0)


def writer(store: Store) -> UsageWriter:
    return UsageWriter(store, series_limit=100)


def test_accepted_points_reach_the_rollups_only_when_flushed(store: Store) -> None:
    w = writer(store)
    out = w.accept(export(5, 1), TODAY)
    w.accept(export(8, 2), TODAY)
    assert (out.counted, w.pending) == (1, 2)
    assert counted(store) == (0.0, 0.0)
    assert w.flush() == 2
    assert (counted(store), w.pending) == ((8.0, 8.0), 0)
    assert w.flush() == 0


def test_a_restarted_server_counts_from_what_was_flushed_and_duplicates_add_nothing(
    store: Store,
) -> None:
    first = writer(store)
    first.accept(export(5, 1), TODAY)
    first.flush()
    again = writer(store)  # a new server process: no memory of the stream
    out = again.accept(export(5, 1), TODAY)  # the exporter retried the flushed export
    again.accept(export(9, 2), TODAY)
    again.accept(export(9, 2), TODAY)
    again.flush()
    assert out.counted == 0 and sum(out.skipped.values()) == 1
    assert counted(store) == (9.0, 9.0)


def test_a_cumulative_counter_loses_nothing_when_a_server_dies_before_its_flush(
    store: Store,
) -> None:
    lost = writer(store)
    lost.accept(export(5, 1), TODAY)
    lost.flush()
    lost.accept(export(7, 2), TODAY)  # accepted, never flushed: the process died
    after = writer(store)
    after.accept(export(10, 3), TODAY)
    after.flush()
    assert counted(store) == (10.0, 10.0)


def test_two_processes_sharing_the_database_count_one_stream_once(store: Store) -> None:
    """Behind a load balancer one exporter's exports reach both processes; each flush
    replays against the database's cursor, so the overlap is not counted twice."""
    a, b = writer(store), writer(store)
    a.accept(export(5, 1), TODAY)
    b.accept(export(5, 1), TODAY)  # the same export, retried to the other process
    b.accept(export(12, 3), TODAY)
    a.accept(export(9, 2), TODAY)
    a.flush()
    b.flush()
    assert counted(store) == (12.0, 12.0)
    with store.session() as session:
        assert session.scalar(select(UsageStream.value)) == 12.0


def test_delta_exports_accepted_twice_count_once_across_a_flush(store: Store) -> None:
    w = writer(store)
    first = export(4, 10, since=0)
    w.accept(first, TODAY)
    w.flush()
    w.accept(first, TODAY)
    w.accept(export(6, 20, since=10), TODAY)
    w.flush()
    assert counted(store) == (10.0, 10.0)


def test_a_failed_flush_writes_nothing_and_keeps_its_points_for_the_next(
    store: Store,
) -> None:
    w = writer(store)
    w.accept(export(5, 1), TODAY)
    w.accept(export(5, 1, {"unlockstep.api.version": "v2"}), TODAY)
    broken = pytest.MonkeyPatch()

    def fail(*_: Any) -> None:
        raise RuntimeError("the database went away")

    broken.setattr(usage_ingest, "_write_rollup", fail)
    with pytest.raises(RuntimeError):
        w.flush()
    w.accept(export(8, 2), TODAY)  # accepted while the database was away
    broken.undo()
    assert counted(store) == (0.0, 0.0)
    assert w.pending == 3
    assert w.flush() == 3
    assert counted(store) == (13.0, 13.0)


def test_concurrent_exports_and_flushes_lose_nothing(store: Store) -> None:
    w = writer(store)
    threads = []
    for t in range(4):
        attributes = {"unlockstep.api.version": "v1", "unlockstep.consumer": f"c{t}"}

        def run(attributes: dict[str, str] = attributes) -> None:
            for minute in range(1, 26):
                w.accept(export(minute * 2, minute, attributes), TODAY)
                if minute % 5 == 0:
                    w.flush()

        threads.append(threading.Thread(target=run))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    w.flush()
    assert counted(store) == (4 * 50.0, 4 * 50.0)


def test_an_export_past_the_pending_limit_is_refused_while_the_database_is_away(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays bounded: the exporter gets 503 and retries, nothing accepted is lost."""
    w = writer(store)
    monkeypatch.setattr(usage_ingest, "PENDING_LIMIT", 2)
    w.accept(export(5, 1), TODAY)
    w.accept(export(5, 1, {"unlockstep.api.version": "v2"}), TODAY)
    broken = pytest.MonkeyPatch()

    def fail(*_: Any) -> None:
        raise RuntimeError("the database went away")

    broken.setattr(usage_ingest, "_write_rollup", fail)
    with pytest.raises(DatabaseUnavailable, match="2 usage points are waiting"):
        w.accept(export(8, 2), TODAY)
    broken.undo()
    assert w.pending == 2
    w.accept(export(8, 2), TODAY)
    w.flush()
    assert counted(store) == (13.0, 13.0)
