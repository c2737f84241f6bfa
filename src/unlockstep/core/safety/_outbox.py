"""The transactional outbox as a safety net. A service that publishes events writes each one
to an outbox table in the same transaction as the change it reports; a relay publishes the
rows and stamps them. Two figures say whether that works: the **age of the oldest
unpublished row** (a stuck relay makes it grow) and the **publish rate** (rows stamped per
second over the last few minutes). The gate: no row has waited longer than ``maxAge``.

An outbox declaration becomes an invariant of its own (``outbox-<table>``, ``returns:
outbox``) whose query this module writes for the source's dialect; its runs carry the
figures as metrics. :func:`lint` finds services that publish events without declaring one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from unlockstep.core.safety._model import Guards, InvariantSpec, SourceKind

#: The window the publish rate is measured over, in seconds.
RATE_WINDOW = 300.0


@dataclass(frozen=True, slots=True)
class OutboxSpec:
    source: str
    table: str
    created_at: str = "created_at"
    published_at: str = "published_at"
    max_age: float = 300.0
    every: float = 60.0


def _ident(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def query(spec: OutboxSpec, kind: SourceKind) -> str:
    """One row: stale (unpublished past ``max_age``), unpublished, the oldest unpublished
    row's age in seconds, rows published within :data:`RATE_WINDOW`."""
    table, made, sent = _ident(spec.table), _ident(spec.created_at), _ident(spec.published_at)
    if kind == "postgresql":
        return (
            f"SELECT count(*) FILTER (WHERE {sent} IS NULL AND {made} < now() - "
            f"make_interval(secs => {spec.max_age:g})) AS stale, "
            f"count(*) FILTER (WHERE {sent} IS NULL) AS unpublished, "
            f"EXTRACT(EPOCH FROM now() - min({made}) FILTER (WHERE {sent} IS NULL)) "
            f"AS oldest_age_seconds, "
            f"count(*) FILTER (WHERE {sent} >= now() - make_interval(secs => {RATE_WINDOW:g})) "
            f"AS published_recently FROM {table}"
        )
    day = 86400.0
    return (
        f"SELECT coalesce(sum(CASE WHEN {sent} IS NULL AND julianday({made}) < "
        f"julianday('now') - {spec.max_age / day!r} THEN 1 ELSE 0 END), 0) AS stale, "
        f"coalesce(sum(CASE WHEN {sent} IS NULL THEN 1 ELSE 0 END), 0) AS unpublished, "
        f"(julianday('now') - min(CASE WHEN {sent} IS NULL THEN julianday({made}) END)) * {day!r} "
        f"AS oldest_age_seconds, "
        f"coalesce(sum(CASE WHEN julianday({sent}) >= julianday('now') - {RATE_WINDOW / day!r} "
        f"THEN 1 ELSE 0 END), 0) AS published_recently FROM {table}"
    )


def invariant(
    spec: OutboxSpec, kind: SourceKind, service: str, owner: str, contracts: Sequence[str]
) -> InvariantSpec:
    """The outbox's gate as an invariant of the service."""
    name = "outbox-" + spec.table.replace(".", "-").replace("_", "-").lower()
    return InvariantSpec(
        name=name,
        service=service,
        owner=owner,
        description=(
            f"No row of the outbox {spec.table} waits longer than {spec.max_age:g}s to be "
            "published (the relay is keeping up)."
        ),
        severity="high",
        source=spec.source,
        query=query(spec, kind),
        returns="outbox",
        every=spec.every,
        tolerance=0,
        guards=Guards((service,), tuple(contracts)),
    )


def figures(row: Sequence[Any]) -> tuple[int, dict[str, float | None]]:
    """(stale rows, metrics) from the outbox query's one row."""
    stale, unpublished, oldest, recent = (list(row) + [None] * 4)[:4]
    age = float(oldest) if oldest is not None else 0.0
    return int(stale or 0), {
        "unpublished": float(unpublished or 0),
        "oldestUnpublishedAgeSeconds": round(max(age, 0.0), 3),
        "publishRatePerSecond": round(float(recent or 0) / RATE_WINDOW, 6),
    }


@dataclass(frozen=True, slots=True)
class LintProblem:
    service: str
    contracts: tuple[str, ...]
    message: str


def publishes(document: Any) -> bool:
    """Whether an AsyncAPI document says its service sends messages (AsyncAPI 3 ``action:
    send``; AsyncAPI 2 ``subscribe`` operations are what the service publishes)."""
    if not isinstance(document, Mapping):
        return False
    operations = document.get("operations")
    if isinstance(operations, Mapping):
        return any(
            isinstance(op, Mapping) and op.get("action") == "send" for op in operations.values()
        )
    channels = document.get("channels")
    if isinstance(channels, Mapping):
        return any(isinstance(c, Mapping) and "subscribe" in c for c in channels.values())
    return False


def lint(
    event_contracts: Mapping[str, Iterable[str]], with_outbox: Iterable[str]
) -> list[LintProblem]:
    """Services that publish events (service -> its event contracts) and declare no outbox."""
    declared = set(with_outbox)
    return [
        LintProblem(
            service,
            tuple(sorted(contracts)),
            f"{service} publishes events ({', '.join(sorted(contracts))}) but declares no "
            "transactional outbox: an event can be lost, or sent for a change that rolled "
            "back (declare `outbox:` in its safety-nets file)",
        )
        for service, contracts in sorted(event_contracts.items())
        if service not in declared and list(contracts)
    ]
