"""The outbox check: the gate and its figures from one query per dialect, and the lint for
services that publish events without an outbox."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.safety_systems import ReadOnlySystem, readonly_postgres
from unlockstep.core.safety import (
    OutboxSpec,
    SourceSpec,
    judge,
    lint_outboxes,
    parse,
    publishes,
)
from unlockstep.core.safety._invariants import age_text
from unlockstep.core.safety._outbox import invariant
from unlockstep.sources.sql import SqlSource

SPEC = OutboxSpec(source="db", table="outbox", max_age=300)


def stamp(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).strftime("%Y-%m-%d %H:%M:%S")


def test_on_sqlite_the_oldest_unpublished_row_and_the_rate_are_measured(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "o.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE outbox (id INTEGER PRIMARY KEY, created_at TEXT, published_at TEXT)"
        )
        conn.executemany(
            "INSERT INTO outbox (created_at, published_at) VALUES (?, ?)",
            [
                (stamp(timedelta(minutes=20)), None),  # stuck
                (stamp(timedelta(minutes=1)), None),  # waiting, within maxAge
                (stamp(timedelta(minutes=2)), stamp(timedelta(minutes=1))),  # sent recently
                (stamp(timedelta(hours=2)), stamp(timedelta(hours=1))),  # sent long ago
            ],
        )
    spec = invariant(SPEC, "sqlite", "case-service", "team", ["case-events"])
    source = SqlSource(SourceSpec(name="db", kind="sqlite", path=str(path)))
    result = source.fetch(spec.query)
    outcome = judge(spec, result.columns, result.rows, result.truncated)
    assert (outcome.status, outcome.violations) == ("breached", 1)
    assert outcome.metrics["unpublished"] == 2
    assert 1190 <= (outcome.metrics["oldestUnpublishedAgeSeconds"] or 0) <= 1300
    assert outcome.metrics["publishRatePerSecond"] == pytest.approx(1 / 300, abs=1e-6)


@pytest.fixture
def pg_outbox() -> Iterator[ReadOnlySystem]:
    sql = """
    CREATE TABLE outbox (id serial PRIMARY KEY, created_at timestamptz NOT NULL,
                         published_at timestamptz);
    INSERT INTO outbox (created_at, published_at) VALUES
      (now() - interval '1 minute', NULL),
      (now() - interval '3 minutes', now() - interval '2 minutes'),
      (now() - interval '4 minutes', now() - interval '3 minutes');
    """
    with readonly_postgres(sql) as found:
        yield found


@pytest.mark.postgres
def test_on_postgresql_a_relay_keeping_up_passes_the_gate(pg_outbox: ReadOnlySystem) -> None:
    spec = invariant(SPEC, "postgresql", "case-service", "team", [])
    source = SqlSource(
        SourceSpec(name="db", kind="postgresql", dsn_env="DSN"), env={"DSN": pg_outbox.dsn}
    )
    result = source.fetch(spec.query)
    outcome = judge(spec, result.columns, result.rows, result.truncated)
    assert (outcome.status, outcome.violations) == ("ok", 0)
    assert outcome.metrics["unpublished"] == 1
    assert 50 <= (outcome.metrics["oldestUnpublishedAgeSeconds"] or 0) <= 120
    assert outcome.metrics["publishRatePerSecond"] == pytest.approx(2 / 300, abs=1e-6)


def test_an_outbox_declaration_becomes_the_services_gate() -> None:
    nets = parse(
        "service: case-service\nsources:\n  db: {kind: postgresql, dsnEnv: DB}\n"
        "outbox: {source: db, table: case_events_outbox, maxAge: 2m, contracts: [case-events]}\n"
    )
    [gate] = nets.invariants
    assert gate.name == "outbox-case-events-outbox" and gate.returns == "outbox"
    assert gate.guards.contracts == ("case-events",)
    assert nets.outboxes == ("case_events_outbox",)


def test_a_service_publishing_events_without_an_outbox_is_flagged() -> None:
    problems = lint_outboxes(
        {"case-service": ["case-events"], "decision-service": ["decisions"]}, ["case-service"]
    )
    assert [p.service for p in problems] == ["decision-service"]
    assert "declares no transactional outbox" in problems[0].message


def test_what_counts_as_publishing_events() -> None:
    assert publishes({"asyncapi": "3.0.0", "operations": {"o": {"action": "send"}}})
    assert not publishes({"asyncapi": "3.0.0", "operations": {"o": {"action": "receive"}}})
    assert publishes({"asyncapi": "2.6.0", "channels": {"c": {"subscribe": {}}}})


@pytest.mark.parametrize(
    ("seconds", "text"), [(42, "42s"), (425, "7m 5s"), (7200, "2h"), (1_054_800, "12d 5h")]
)
def test_ages_read_as_people_say_them(seconds: float, text: str) -> None:
    assert age_text(seconds) == text
