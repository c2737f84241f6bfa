"""Safety nets on the wire (``routers/safety.py``): published safety-nets files, invariants
and their runs, reconciliations, their runs and the discrepancy queue."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from unlockstep.server.wire import Wire


class SafetyNetsIn(Wire):
    """A safety-nets file as written (YAML or JSON text); the server validates it."""

    document: str = Field(max_length=4 * 1024 * 1024)
    filename: str = Field("safety-nets.yaml", max_length=500)
    base: str | None = Field(
        None,
        max_length=2000,
        description="the folder relative SQLite paths in the file are resolved against",
    )


class PublishedOut(Wire):
    service: str
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    removed: list[str]


class DataSourceOut(Wire):
    """A declared read-only source: references to its secrets, never a secret."""

    name: str
    service: str
    kind: Literal["postgresql", "sqlite", "http", "prometheus"]
    path: str | None
    url: str | None
    dsn_env: str | None = Field(description="the environment variable holding the DSN")
    dsn_file: str | None = Field(description="the file holding the DSN")
    headers_env: list[tuple[str, str]] = Field(description="(header, environment variable)")
    statement_timeout: float
    row_limit: int


class DataSourceListOut(Wire):
    items: list[DataSourceOut]


class InvariantRunOut(Wire):
    id: int | None
    invariant: str
    status: Literal["ok", "breached", "error"]
    violations: int | None = Field(description="violating rows or their count; none: no answer")
    at_least: bool = Field(description="the row limit cut the rows short: there may be more")
    sample: list[str] = Field(description="violating keys, at most 20")
    message: str
    started_at: dt.datetime
    finished_at: dt.datetime
    trigger: str = Field(description="who ran it: a token's name, or 'schedule'")
    metrics: dict[str, float | None] = Field(
        default_factory=dict,
        description="an outbox check's figures: unpublished, oldestUnpublishedAgeSeconds, "
        "publishRatePerSecond",
    )


class InvariantOut(Wire):
    name: str
    service: str
    owner: str
    severity: str
    description: str
    source: str
    returns: Literal["rows", "count", "outbox"]
    tolerance: int
    every_seconds: float
    guards: dict[str, list[str]]
    query: str
    state: Literal["unknown", "ok", "breached", "error"]
    state_since: dt.datetime
    last_run_at: dt.datetime | None
    next_run_at: dt.datetime
    last_run: InvariantRunOut | None


class InvariantListOut(Wire):
    items: list[InvariantOut]
    breached: int = Field(description="how many of them are breached")


class InvariantDetailOut(Wire):
    invariant: InvariantOut
    runs: list[InvariantRunOut] = Field(description="newest first")


class ReconciliationRunOut(Wire):
    id: int | None
    reconciliation: str
    status: Literal["running", "done", "error"]
    started_at: dt.datetime
    progress_at: dt.datetime
    finished_at: dt.datetime | None
    left_rows: int
    right_rows: int
    matched: int
    missing_left: int = Field(description="keys only the right side has")
    missing_right: int = Field(description="keys only the left side has")
    mismatched: int
    message: str | None
    trigger: str


class ReconciliationOut(Wire):
    name: str
    service: str
    owner: str
    description: str
    tolerance: int
    every_seconds: float
    open: int = Field(description="open discrepancies in the queue")
    breached: bool = Field(description="more open discrepancies than the tolerance")
    last_run: ReconciliationRunOut | None
    mismatches: int = Field(description="dual-write signal: open mismatched keys")
    records_remaining: int = Field(
        description="dual-write signal: open keys the new (right) system does not have yet"
    )
    backfill_lag_seconds: float | None = Field(
        description="dual-write signal: how long the oldest of those has been open"
    )


class ReconciliationListOut(Wire):
    items: list[ReconciliationOut]


class FieldDiffOut(Wire):
    field: str
    left: str | None
    right: str | None


class DiscrepancyOut(Wire):
    id: int
    reconciliation: str
    key: str
    kind: Literal["missing-left", "missing-right", "mismatch"]
    fields: list[FieldDiffOut]
    status: Literal["open", "resolved", "gone"]
    first_seen: dt.datetime
    last_seen: dt.datetime
    resolved_by: str | None
    resolved_at: dt.datetime | None
    reason: str | None


class ResolveIn(Wire):
    reason: str = Field(min_length=1, max_length=2000, description="why, for the audit trail")


class SchemaVersionOut(Wire):
    provider_versions: list[str] = Field(description="the provider versions that published it")
    since: dt.datetime = Field(description="since when its events may be in the topic")
    until: dt.datetime | None = Field(description="when its last producer stopped; none: live")
    status: Literal["readable", "unreadable", "unknown"]
    problems: list[dict[str, Any]]


class ReplayOut(Wire):
    contract: str
    provider: str
    status: Literal["readable", "unreadable", "unknown"]
    retention_seconds: float | None
    window_start: dt.datetime | None
    versions: list[SchemaVersionOut]
    note: str


class ReplayCheckOut(Wire):
    consumer: str
    version: str
    environment: str
    ok: bool = Field(description="every schema version inside every retention is readable")
    contracts: list[ReplayOut]


class OutboxOut(Wire):
    service: str
    invariant: str = Field(description="the outbox's gate (an invariant of the service)")
    state: Literal["unknown", "ok", "breached", "error"]
    metrics: dict[str, float | None] = Field(description="as of the last run")
    checked_at: dt.datetime | None


class OutboxLintOut(Wire):
    service: str
    contracts: list[str]
    message: str


class OutboxesOut(Wire):
    ok: bool = Field(description="no outbox gate breached and no publisher without an outbox")
    outboxes: list[OutboxOut]
    problems: list[OutboxLintOut] = Field(
        description="services whose contracts publish events without a declared outbox"
    )
