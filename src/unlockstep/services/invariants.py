"""Business invariants: run one (now, or when its schedule says), store the run with its
result and a sample of violating keys, and turn a change of state (ok → breached →
recovered, or error) into an audit entry and a notification in the same transaction.

The query runs outside any transaction of the registry (a slow source holds no lock here);
only recording the answer is a unit of work, which locks the invariant's row so two
processes recording at once apply their state changes one after the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from unlockstep.core import safety as core
from unlockstep.errors import NotFound
from unlockstep.services import safety_runs
from unlockstep.sources.connect import ANYTHING, SourcePolicy, fetch
from unlockstep.sources.errors import SourceError
from unlockstep.store import Store
from unlockstep.store.safety_tables import DataSourceRow, InvariantRow, InvariantRunRow

#: What a source error's kind means for a person reading the run.
_WHY = {
    "invalid": "the query failed",
    "unavailable": "the source did not answer",
    "refused": "the read-only session refused the query (it tried to write)",
    "config": "the source is not usable",
}


@dataclass(frozen=True)
class Run:
    id: int | None
    invariant: str
    status: str
    violations: int | None
    at_least: bool
    sample: list[str]
    message: str
    started_at: datetime
    finished_at: datetime
    trigger: str
    metrics: dict[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Invariant:
    name: str
    service: str
    owner: str
    severity: str
    description: str
    source: str
    returns: str
    tolerance: int
    every_seconds: float
    guards: dict[str, list[str]]
    query: str
    state: str
    state_since: datetime
    last_run_at: datetime | None
    next_run_at: datetime
    last_run: Run | None


def evaluate(
    spec: core.InvariantSpec,
    source: core.SourceSpec,
    env: Mapping[str, str] | None = None,
    policy: SourcePolicy = ANYTHING,
) -> core.Outcome:
    """Ask the source and judge its answer (no registry involved: the CLI's ``--file`` mode
    uses this too). The server passes its :class:`SourcePolicy`."""
    try:
        result = fetch(source, spec.query, env, policy)
    except SourceError as exc:
        return core.failed(f"{_WHY[exc.kind]}: {exc.message}")
    return core.judge(spec, result.columns, result.rows, result.truncated)


def run(
    store: Store,
    name: str,
    *,
    trigger: str,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
    policy: SourcePolicy = ANYTHING,
) -> Run:
    """Run the invariant ``name`` now and record it."""
    started = now or datetime.now(UTC)
    with store.session() as session:
        row = _get(session, name)
        spec = core.invariant_from(row.definition)
        source_row = session.get(DataSourceRow, spec.source)
        source = core.source_from(source_row.definition) if source_row else None
    if source is None:
        outcome = core.failed(f"the source {spec.source!r} is not declared")
    else:
        outcome = evaluate(spec, source, env, policy)
    finished = datetime.now(UTC) if now is None else started
    return record(store, spec, outcome, trigger=trigger, started=started, finished=finished)


def record(
    store: Store,
    spec: core.InvariantSpec,
    outcome: core.Outcome,
    *,
    trigger: str,
    started: datetime,
    finished: datetime,
) -> Run:
    with store.locked_session() as session:
        row = _get(session, spec.name, lock=True)
        run_row = InvariantRunRow(
            invariant=spec.name,
            started_at=started,
            finished_at=finished,
            status=outcome.status,
            violations=outcome.violations,
            at_least=outcome.at_least,
            sample={"keys": list(outcome.sample), "metrics": dict(outcome.metrics)},
            message=outcome.message,
            trigger=trigger,
        )
        session.add(run_row)
        event = core.transition(row.state, outcome.status)
        if event is not None:
            safety_runs.announce(
                session,
                actor=trigger,
                event=f"invariant.{event}",
                kind="invariant",
                name=spec.name,
                before={"state": row.state, "since": row.state_since.isoformat()},
                payload={
                    "invariant": spec.name,
                    "service": spec.service,
                    "owner": spec.owner,
                    "severity": spec.severity,
                    "state": outcome.status,
                    "previous": row.state,
                    "violations": outcome.violations,
                    "sample": list(outcome.sample),
                    "message": outcome.message,
                    "at": finished.isoformat(),
                },
                at=finished,
                notify=event in core.NOTIFIED,
            )
            row.state = outcome.status
            row.state_since = finished
        row.last_run_at = finished
        row.next_run_at = finished + timedelta(seconds=row.every_seconds)
        session.flush()
        return _run(run_row)


def run_due(
    store: Store,
    now: datetime,
    env: Mapping[str, str] | None = None,
    policy: SourcePolicy = ANYTHING,
) -> list[Run]:
    """Run every invariant whose time has come (the background job)."""
    return safety_runs.run_due(
        store,
        InvariantRow,
        now,
        lambda name: run(store, name, trigger="schedule", env=env, now=now, policy=policy),
    )


def list_invariants(store: Store, service: str | None = None) -> list[Invariant]:
    with store.session() as session:
        query = select(InvariantRow).order_by(InvariantRow.service, InvariantRow.name)
        if service:
            query = query.where(InvariantRow.service == service)
        return [_invariant(session, row) for row in session.scalars(query)]


def show(store: Store, name: str, runs: int = 20) -> tuple[Invariant, list[Run]]:
    """The invariant and its newest ``runs`` runs."""
    with store.session() as session:
        row = _get(session, name)
        found = session.scalars(
            select(InvariantRunRow)
            .where(InvariantRunRow.invariant == name)
            .order_by(InvariantRunRow.id.desc())
            .limit(runs)
        ).all()
        return _invariant(session, row), [_run(r) for r in found]


def _get(session: Session, name: str, *, lock: bool = False) -> InvariantRow:
    row = session.get(InvariantRow, name, with_for_update=lock)
    if row is None:
        raise NotFound(
            f"no invariant {name!r}",
            hint="see `unlockstep invariants list`; invariants come from a published "
            "safety-nets file",
        )
    return row


def _invariant(session: Session, row: InvariantRow) -> Invariant:
    spec = core.invariant_from(row.definition)
    last = safety_runs.newest(session, InvariantRunRow, InvariantRunRow.invariant, row.name)
    return Invariant(
        name=row.name,
        service=row.service,
        owner=row.owner,
        severity=row.severity,
        description=spec.description,
        source=spec.source,
        returns=spec.returns,
        tolerance=spec.tolerance,
        every_seconds=row.every_seconds,
        guards={"services": list(spec.guards.services), "contracts": list(spec.guards.contracts)},
        query=spec.query,
        state=row.state,
        state_since=row.state_since,
        last_run_at=row.last_run_at,
        next_run_at=row.next_run_at,
        last_run=_run(last) if last is not None else None,
    )


def _run(row: InvariantRunRow) -> Run:
    sample: Any = (row.sample or {}).get("keys", [])
    metrics: Any = (row.sample or {}).get("metrics", {})
    return Run(
        row.id, row.invariant, row.status, row.violations, row.at_least, list(sample),
        row.message, row.started_at, row.finished_at, row.trigger, dict(metrics),
    )  # fmt: skip


def outcome_run(spec: core.InvariantSpec, outcome: core.Outcome, at: datetime) -> Run:
    """A run that was not recorded (the CLI's ``--file`` mode)."""
    return Run(
        None, spec.name, outcome.status, outcome.violations, outcome.at_least,
        list(outcome.sample), outcome.message, at, at, "file", dict(outcome.metrics),
    )  # fmt: skip
