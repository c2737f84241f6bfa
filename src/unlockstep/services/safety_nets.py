"""Publishing a service's safety-nets file: its data sources, invariants and reconciliations
become the registry's (replacing what the service declared before), each change audited.
What is stored of a source is its definition — the names of the variable or file holding a
DSN, never the DSN."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from unlockstep.core import safety as core
from unlockstep.errors import Conflict
from unlockstep.services import authz
from unlockstep.store import Store, audit
from unlockstep.store.safety_tables import (
    DataSourceRow,
    DiscrepancyRow,
    InvariantRow,
    ReconciliationRow,
    ReconciliationRunRow,
)


@dataclass
class Published:
    service: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def publish(store: Store, principal: authz.Principal, nets: core.SafetyNets) -> Published:
    """Make ``nets`` the service's declared safety nets (sources, invariants,
    reconciliations); names are estate-wide, so one declared by another service conflicts."""
    now = datetime.now(UTC)
    with store.session() as session:
        authz.service_for_write(session, principal, nets.service, what="publish the safety nets")
        done = Published(nets.service)
        tables: list[tuple[str, type[Any], list[tuple[str, dict[str, Any], dict[str, Any]]]]] = [
            (
                "data-source",
                DataSourceRow,
                [(s.name, core.to_dict(s), {"kind": s.kind}) for s in nets.sources],
            ),
            (
                "invariant",
                InvariantRow,
                [
                    (
                        i.name,
                        core.to_dict(i),
                        {"owner": i.owner, "severity": i.severity, "every_seconds": i.every},
                    )
                    for i in nets.invariants
                ],
            ),
            (
                "reconciliation",
                ReconciliationRow,
                [
                    (
                        r.name,
                        core.to_dict(r),
                        {"owner": r.owner, "every_seconds": r.every, "tolerance": r.tolerance},
                    )
                    for r in nets.reconciliations
                ],
            ),
        ]
        for entity, table, wanted in tables:
            _replace(session, principal.name, entity, table, nets.service, wanted, now, done)
        return done


def _replace(
    session: Session,
    actor: str,
    entity: str,
    table: type[Any],
    service: str,
    wanted: list[tuple[str, dict[str, Any], dict[str, Any]]],
    now: datetime,
    done: Published,
) -> None:
    names = [name for name, _, _ in wanted]
    existing = {
        row.name: row
        for row in session.scalars(select(table).where(table.name.in_(names)).with_for_update())
    }
    for name, definition, columns in wanted:
        row = existing.get(name)
        label = f"{entity} {name}"
        if row is not None and row.service != service:
            raise Conflict(
                f"{label} is declared by service {row.service!r}",
                hint="names of sources, invariants and reconciliations are estate-wide; rename it",
            )
        if row is None:
            row = table(name=name, service=service, definition=definition, **columns)
            if hasattr(row, "next_run_at"):
                row.next_run_at = now
            session.add(row)
            audit.record(session, actor, f"{entity}.declared", entity, name, None, definition)
            done.created.append(label)
        elif row.definition != definition:
            before = row.definition
            row.definition = definition
            for column, value in columns.items():
                setattr(row, column, value)
            if hasattr(row, "next_run_at"):
                row.next_run_at = now  # a changed rule is checked at once
            audit.record(session, actor, f"{entity}.changed", entity, name, before, definition)
            done.updated.append(label)
        else:
            done.unchanged.append(label)
    gone = session.scalars(
        select(table).where(table.service == service, table.name.not_in(names))
    ).all()
    for row in gone:
        audit.record(session, actor, f"{entity}.removed", entity, row.name, row.definition, None)
        session.delete(row)
        done.removed.append(f"{entity} {row.name}")


def invariant_states(session: Session) -> dict[str, str]:
    """Every declared invariant's state, for plan gates (``invariant-holds`` blockers)."""
    rows = session.execute(select(InvariantRow.name, InvariantRow.state))
    return {name: state for name, state in rows}


def invariant_guards(session: Session) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Every declared invariant's guarded (services, contracts), so a plan that changes one
    is gated on it even when the plan does not name it."""
    out = {}
    for name, definition in session.execute(select(InvariantRow.name, InvariantRow.definition)):
        guards = core.invariant_from(definition).guards
        out[name] = (tuple(guards.services), tuple(guards.contracts))
    return out


def reconciliation_states(session: Session) -> dict[str, tuple[int, int, bool]]:
    """Every reconciliation's (open discrepancies, tolerance, has a completed run), for plan
    gates (``reconciled`` blockers) and the seed's dual-write signals."""
    open_counts: dict[str, int] = {
        name: count
        for name, count in session.execute(
            select(DiscrepancyRow.reconciliation, func.count())
            .where(DiscrepancyRow.status == "open")
            .group_by(DiscrepancyRow.reconciliation)
        )
    }
    completed = set(
        session.scalars(
            select(ReconciliationRunRow.reconciliation)
            .where(ReconciliationRunRow.status == "done")
            .distinct()
        )
    )
    return {
        name: (int(open_counts.get(name, 0)), tolerance, name in completed)
        for name, tolerance in session.execute(
            select(ReconciliationRow.name, ReconciliationRow.tolerance)
        )
    }


def data_sources(store: Store, service: str | None = None) -> list[dict[str, Any]]:
    """Every declared source as published: kind, path or URL, the names of the variable or
    file holding its DSN or header values (never a value), timeout and row limit."""
    with store.session() as session:
        query = select(DataSourceRow).order_by(DataSourceRow.name)
        if service:
            query = query.where(DataSourceRow.service == service)
        return [{"service": row.service, **row.definition} for row in session.scalars(query)]
