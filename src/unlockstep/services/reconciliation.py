"""Reconciliation runs and the operator queue of discrepancies.

A run streams both sides ordered by key (``sources/sides.py``: SQL sorted by the database, an
HTTP answer sorted in memory, a file through spilled runs), merges them in core
(``core.safety.Comparison``) and writes as it goes: the run's counts every second or so (its
progress, visible to ``reconcile status`` while it runs) and the discrepancies in batches, so
memory stays flat for tables of millions of rows. A run holds the reconciliation's lease
while it works, so a scheduled run and a manual one never compare the same pair at once.

The queue keeps one row per key that disagrees: first seen, last seen, what differs. A
complete run that no longer finds it marks it ``gone``; a person may mark it ``resolved``
with a reason; found again after either, it is open again.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from unlockstep.core import safety as core
from unlockstep.errors import Conflict, InvalidInput, NotFound
from unlockstep.services import safety_runs
from unlockstep.sources import sides
from unlockstep.sources.connect import ANYTHING, SourcePolicy
from unlockstep.sources.errors import SourceError
from unlockstep.store import Store, audit, leases
from unlockstep.store.safety_tables import (
    DataSourceRow,
    DiscrepancyRow,
    ReconciliationRow,
    ReconciliationRunRow,
)

log = logging.getLogger(__name__)

#: Discrepancies written per transaction.
BATCH = 500
#: How often a run writes its progress, in seconds.
PROGRESS_EVERY = 1.0
#: A running comparison's lease; renewed with every progress write.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class RunStatus:
    id: int | None
    reconciliation: str
    status: str
    started_at: datetime
    progress_at: datetime
    finished_at: datetime | None
    left_rows: int
    right_rows: int
    matched: int
    missing_left: int
    missing_right: int
    mismatched: int
    message: str | None
    trigger: str

    @property
    def discrepancies(self) -> int:
        return self.missing_left + self.missing_right + self.mismatched


@dataclass(frozen=True)
class Discrepancy:
    id: int
    reconciliation: str
    key: str
    kind: str
    fields: list[dict[str, Any]]
    status: str
    first_seen: datetime
    last_seen: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    reason: str | None


@dataclass(frozen=True)
class Status:
    name: str
    service: str
    owner: str
    description: str
    tolerance: int
    every_seconds: float
    open: int
    last_run: RunStatus | None
    breached: bool
    #: the seed's dual-write signals: open mismatches, open keys the new (right) side lacks,
    #: and how long the oldest of those has waited (seconds)
    mismatches: int = 0
    records_remaining: int = 0
    backfill_lag_seconds: float | None = None


Progress = Callable[[core.Tally], None]


def compare(
    spec: core.ReconciliationSpec,
    left: core.SourceSpec,
    right: core.SourceSpec,
    *,
    env: Mapping[str, str] | None = None,
    on_progress: Progress | None = None,
    on_discrepancies: Callable[[list[core.Discrepancy]], None] | None = None,
    policy: SourcePolicy = ANYTHING,
) -> core.Tally:
    """Compare both sides of ``spec``; every discrepancy goes to ``on_discrepancies`` in
    batches, ``on_progress`` hears the counts about every second. Raises ``SourceError`` or
    ``InvalidInput`` (a missing column, keys out of order)."""
    integer = spec.key_type == "integer"
    last = [time.monotonic()]
    tally_holder: list[core.Tally] = []

    def tick(_: int) -> None:
        if (
            on_progress is not None
            and tally_holder
            and time.monotonic() - last[0] >= PROGRESS_EVERY
        ):
            last[0] = time.monotonic()
            on_progress(tally_holder[0])

    policy.check(left)
    policy.check(right)
    env = policy.environment() if env is None else env
    reads_left = (*spec.left.keys, *(f.left for f in spec.fields))
    reads_right = (*spec.right.keys, *(f.right for f in spec.fields))
    with (
        sides.stream(left, spec.left.query, spec.left.key, integer_key=integer, env=env,
                     chunk=spec.chunk, on_chunk=tick, columns=reads_left) as (lcols, lrows),
        sides.stream(right, spec.right.query, spec.right.key, integer_key=integer, env=env,
                     chunk=spec.chunk, on_chunk=tick, columns=reads_right) as (rcols, rrows),
    ):  # fmt: skip
        try:
            comparison = core.Comparison(spec, lcols, rcols)
        except KeyError as exc:
            raise InvalidInput(str(exc.args[0]), where=f"reconciliation {spec.name}") from None
        tally_holder.append(comparison.tally)
        batch: list[core.Discrepancy] = []
        try:
            for found in comparison.run(lrows, rrows):
                batch.append(found)
                if len(batch) >= BATCH:
                    if on_discrepancies is not None:
                        on_discrepancies(batch)
                    batch = []
        except core.KeyOrderError as exc:
            raise InvalidInput(str(exc), where=f"reconciliation {spec.name}") from None
        if batch and on_discrepancies is not None:
            on_discrepancies(batch)
    if on_progress is not None:
        on_progress(comparison.tally)
    return comparison.tally


@dataclass(frozen=True)
class Started:
    """A run that holds its reconciliation's lease and has its row; :func:`execute` does the
    comparison."""

    run_id: int
    name: str
    spec: core.ReconciliationSpec
    sides: tuple[core.SourceSpec | None, core.SourceSpec | None]
    lease: str
    holder: str
    open_before: int = 0
    trigger: str = "schedule"


def start(
    store: Store,
    name: str,
    *,
    trigger: str,
    holder: str | None = None,
    now: datetime | None = None,
) -> Started:
    """Take the reconciliation's lease and record a ``running`` run; a run already in
    progress elsewhere is a ``Conflict``."""
    holder = holder or f"{trigger}:{os.getpid()}:{time.monotonic_ns()}"
    started = now or datetime.now(UTC)
    with store.session() as session:
        row = _get(session, name)
        spec = core.reconciliation_from(row.definition)
        found = [session.get(DataSourceRow, s.source) for s in (spec.left, spec.right)]
        sides = tuple(core.source_from(s.definition) if s else None for s in found)
        open_before = _open_count(session, name)
    lease = f"reconcile:{name}"
    if not leases.acquire(store, lease, holder, datetime.now(UTC), LEASE):
        raise Conflict(
            f"reconciliation {name} is already running",
            hint="see its progress with `unlockstep reconcile status`",
        )
    try:
        with store.session() as session:
            session.get_one(ReconciliationRow, name).next_run_at = started + timedelta(
                seconds=spec.every
            )
            run_row = ReconciliationRunRow(
                reconciliation=name, status="running", started_at=started,
                progress_at=started, trigger=trigger,
            )  # fmt: skip
            session.add(run_row)
            session.flush()
            run_id = run_row.id
    except BaseException:
        leases.release(store, lease, holder)
        raise
    return Started(run_id, name, spec, (sides[0], sides[1]), lease, holder, open_before, trigger)


def execute(
    store: Store,
    started: Started,
    env: Mapping[str, str] | None = None,
    policy: SourcePolicy = ANYTHING,
) -> RunStatus:
    """Compare both sides of a started run, keep its discrepancies, close what it no longer
    finds, and give the lease up."""
    name, run_id, lease, holder = started.name, started.run_id, started.lease, started.holder
    try:

        def progress(t: core.Tally) -> None:
            now = datetime.now(UTC)
            leases.acquire(store, lease, holder, now, LEASE)
            with store.session() as session:
                session.execute(
                    update(ReconciliationRunRow)
                    .where(ReconciliationRunRow.id == run_id)
                    .values(progress_at=now, **_counts(t))
                )

        def keep(found: list[core.Discrepancy]) -> None:
            _upsert(store, name, run_id, found, datetime.now(UTC))

        status, message = "done", None
        tally = core.Tally()
        try:
            left, right = started.sides
            if left is None or right is None:
                raise InvalidInput(f"reconciliation {name} names a source that is not declared")
            tally = compare(
                started.spec, left, right, env=env, on_progress=progress,
                on_discrepancies=keep, policy=policy,
            )  # fmt: skip
        except (SourceError, InvalidInput) as exc:
            status, message = "error", exc.message
        except Exception as exc:  # recorded, so the run does not stay "running" for ever
            status, message = "error", f"unexpected {type(exc).__name__}; see the server log"
            log.exception("reconciliation %s run %s failed", name, run_id)
        finished = datetime.now(UTC)
        with store.session() as session:
            run_row = session.get_one(ReconciliationRunRow, run_id)
            run_row.status = status
            run_row.message = message
            run_row.finished_at = finished
            run_row.progress_at = finished
            if status == "done":
                for column, value in _counts(tally).items():
                    setattr(run_row, column, value)
                # what a complete run no longer finds was fixed in the data
                session.execute(
                    update(DiscrepancyRow)
                    .where(
                        DiscrepancyRow.reconciliation == name,
                        DiscrepancyRow.status == "open",
                        DiscrepancyRow.last_run != run_id,
                    )
                    .values(status="gone", resolved_at=finished, resolved_by=f"run {run_id}",
                            reason="no longer found")
                )  # fmt: skip
                _tell(session, started, run_id, finished)
            session.flush()
            return _run_status(run_row)
    finally:
        leases.release(store, lease, holder)


def _open_count(session: Session, name: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(DiscrepancyRow)
            .where(DiscrepancyRow.reconciliation == name, DiscrepancyRow.status == "open")
        )
        or 0
    )


def _tell(session: Session, started: Started, run_id: int, at: datetime) -> None:
    """Audit and notify when a completed run takes the reconciliation over its tolerance, or
    back under it (the previous run's open count is the state before)."""
    spec = started.spec
    previous = session.scalars(
        select(ReconciliationRunRow)
        .where(
            ReconciliationRunRow.reconciliation == started.name,
            ReconciliationRunRow.status == "done",
            ReconciliationRunRow.id != run_id,
        )
        .order_by(ReconciliationRunRow.id.desc())
        .limit(1)
    ).first()
    was = previous is not None and started.open_before > spec.tolerance
    now_open = _open_count(session, started.name)
    now = now_open > spec.tolerance
    if was == now:
        return
    event = "reconciliation.breached" if now else "reconciliation.recovered"
    payload = {
        "reconciliation": started.name,
        "service": spec.service,
        "owner": spec.owner,
        "open": now_open,
        "tolerance": spec.tolerance,
        "run": run_id,
        "at": at.isoformat(),
    }
    safety_runs.announce(
        session, actor=started.trigger, event=event, kind="reconciliation", name=started.name,
        before={"open": started.open_before}, payload=payload, at=at,
    )  # fmt: skip


def run(
    store: Store,
    name: str,
    *,
    trigger: str,
    env: Mapping[str, str] | None = None,
    holder: str | None = None,
    now: datetime | None = None,
    policy: SourcePolicy = ANYTHING,
) -> RunStatus:
    """Run the reconciliation ``name`` now, updating its queue (``start`` + ``execute``)."""
    started = start(store, name, trigger=trigger, holder=holder, now=now)
    return execute(store, started, env, policy)


def get_run(store: Store, run_id: int) -> RunStatus:
    with store.session() as session:
        row = session.get(ReconciliationRunRow, run_id)
        if row is None:
            raise NotFound(f"no reconciliation run {run_id}")
        return _run_status(row)


def _counts(t: core.Tally) -> dict[str, int]:
    return {
        "left_rows": t.left_rows,
        "right_rows": t.right_rows,
        "matched": t.matched,
        "missing_left": t.missing_left,
        "missing_right": t.missing_right,
        "mismatched": t.mismatched,
    }


def _fields(found: core.Discrepancy) -> dict[str, Any]:
    return {"fields": [{"field": f.field, "left": f.left, "right": f.right} for f in found.fields]}


def _upsert(
    store: Store, name: str, run_id: int, found: Iterable[core.Discrepancy], now: datetime
) -> None:
    batch = {d.key[:500]: d for d in found}
    with store.session() as session:
        existing = {
            row.key: row
            for row in session.scalars(
                select(DiscrepancyRow).where(
                    DiscrepancyRow.reconciliation == name, DiscrepancyRow.key.in_(list(batch))
                )
            )
        }
        for key, d in batch.items():
            row = existing.get(key)
            if row is None:
                session.add(
                    DiscrepancyRow(
                        reconciliation=name, key=key, kind=d.kind, fields=_fields(d),
                        status="open", first_seen=now, last_seen=now, last_run=run_id,
                    )
                )  # fmt: skip
                continue
            if row.status != "open":
                row.status, row.first_seen = "open", now
                row.resolved_by = row.resolved_at = row.reason = None
            row.kind, row.fields, row.last_seen, row.last_run = d.kind, _fields(d), now, run_id


def run_due(
    store: Store,
    now: datetime,
    env: Mapping[str, str] | None = None,
    policy: SourcePolicy = ANYTHING,
) -> list[RunStatus]:
    """Run every reconciliation whose time has come (the background job); one a manual run
    is comparing right now is left to it."""
    return safety_runs.run_due(
        store,
        ReconciliationRow,
        now,
        lambda name: run(store, name, trigger="schedule", env=env, now=now, policy=policy),
    )


def statuses(store: Store, service: str | None = None) -> list[Status]:
    with store.session() as session:
        query = select(ReconciliationRow).order_by(ReconciliationRow.name)
        if service:
            query = query.where(ReconciliationRow.service == service)
        return [_status(session, row) for row in session.scalars(query)]


def status(store: Store, name: str) -> Status:
    with store.session() as session:
        return _status(session, _get(session, name))


def queue(
    store: Store,
    name: str | None = None,
    state: str | None = "open",
    *,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Discrepancy], int]:
    """Discrepancies oldest first (the ones waiting longest at the top)."""
    with store.session() as session:
        query = select(DiscrepancyRow)
        if name:
            _get(session, name)
            query = query.where(DiscrepancyRow.reconciliation == name)
        if state:
            query = query.where(DiscrepancyRow.status == state)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(
            query.order_by(DiscrepancyRow.first_seen, DiscrepancyRow.id).offset(offset).limit(limit)
        ).all()
        return [_discrepancy(r) for r in rows], total


def resolve(store: Store, actor: str, discrepancy_id: int, reason: str) -> Discrepancy:
    """Mark one discrepancy resolved, with the reason (audited)."""
    if not reason.strip():
        raise InvalidInput("say why the discrepancy is resolved (--reason)")
    now = datetime.now(UTC)
    with store.session() as session:
        row = session.get(DiscrepancyRow, discrepancy_id, with_for_update=True)
        if row is None:
            raise NotFound(f"no discrepancy {discrepancy_id}")
        if row.status != "open":
            raise Conflict(f"discrepancy {discrepancy_id} is {row.status}, not open")
        before = {"status": row.status, "kind": row.kind, **row.fields}
        row.status, row.resolved_by, row.resolved_at, row.reason = "resolved", actor, now, reason
        audit.record(
            session, actor, "discrepancy.resolved", "reconciliation",
            f"{row.reconciliation}/{row.key}", before, {"status": "resolved"}, reason,
        )  # fmt: skip
        session.flush()
        return _discrepancy(row)


def owner_of_discrepancy(store: Store, discrepancy_id: int) -> str:
    """The service whose reconciliation found the discrepancy (for the write check)."""
    with store.session() as session:
        row = session.get(DiscrepancyRow, discrepancy_id)
        if row is None:
            raise NotFound(f"no discrepancy {discrepancy_id}")
        return _get(session, row.reconciliation).service


def _get(session: Session, name: str) -> ReconciliationRow:
    row = session.get(ReconciliationRow, name)
    if row is None:
        raise NotFound(
            f"no reconciliation {name!r}",
            hint="see `unlockstep reconcile status`; reconciliations come from a published "
            "safety-nets file",
        )
    return row


def _status(session: Session, row: ReconciliationRow) -> Status:
    spec = core.reconciliation_from(row.definition)
    last = safety_runs.newest(
        session, ReconciliationRunRow, ReconciliationRunRow.reconciliation, row.name
    )
    by_kind: dict[str, tuple[int, datetime | None]] = {
        kind: (count, oldest)
        for kind, count, oldest in session.execute(
            select(DiscrepancyRow.kind, func.count(), func.min(DiscrepancyRow.first_seen))
            .where(DiscrepancyRow.reconciliation == row.name, DiscrepancyRow.status == "open")
            .group_by(DiscrepancyRow.kind)
        )
    }
    open_count = sum(count for count, _ in by_kind.values())
    remaining, oldest = by_kind.get("missing-right", (0, None))
    if isinstance(oldest, str):  # SQLite returns an aggregate of timestamps as text
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return Status(
        name=row.name,
        service=row.service,
        owner=row.owner,
        description=spec.description,
        tolerance=row.tolerance,
        every_seconds=row.every_seconds,
        open=open_count,
        last_run=_run_status(last) if last is not None else None,
        breached=open_count > row.tolerance,
        mismatches=by_kind.get("mismatch", (0, None))[0],
        records_remaining=remaining,
        backfill_lag_seconds=(
            (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else None
        ),
    )


def _run_status(row: ReconciliationRunRow) -> RunStatus:
    return RunStatus(
        row.id, row.reconciliation, row.status, row.started_at, row.progress_at, row.finished_at,
        row.left_rows, row.right_rows, row.matched, row.missing_left, row.missing_right,
        row.mismatched, row.message, row.trigger,
    )  # fmt: skip


def _discrepancy(row: DiscrepancyRow) -> Discrepancy:
    return Discrepancy(
        row.id, row.reconciliation, row.key, row.kind, list(row.fields.get("fields", [])),
        row.status, row.first_seen, row.last_seen, row.resolved_by, row.resolved_at, row.reason,
    )  # fmt: skip
