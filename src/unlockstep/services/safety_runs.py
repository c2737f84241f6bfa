"""What invariant and reconciliation runs share: which are due, the newest run of one, and
how a change of state is told: one audit entry, one notification to
``UNLOCKSTEP_SAFETY_WEBHOOK_URL`` and a delivery to every registered webhook listening for the
event (``services.webhooks``), all in the transaction that records the run, so none is lost
nor sent for a run that rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from unlockstep.errors import Conflict
from unlockstep.services import notifications, webhooks
from unlockstep.store import Store, audit
from unlockstep.store.safety_tables import InvariantRow, ReconciliationRow

Run = TypeVar("Run")
Row = TypeVar("Row")


def run_due(
    store: Store,
    table: type[InvariantRow] | type[ReconciliationRow],
    now: datetime,
    run_one: Callable[[str], Run],
) -> list[Run]:
    """Run every net of ``table`` whose time has come, oldest due first (a background job).
    One that is running elsewhere right now (``Conflict``) is skipped: that run covers it."""
    with store.session() as session:
        names = session.scalars(
            select(table.name).where(table.next_run_at <= now).order_by(table.next_run_at)
        ).all()
    done = []
    for name in names:
        try:
            done.append(run_one(name))
        except Conflict:
            continue
    return done


def newest(
    session: Session, table: type[Row], owner: InstrumentedAttribute[str], name: str
) -> Row | None:
    """The newest run of the net ``name`` (``owner``: the run table's column naming it)."""
    (run_id,) = inspect(table).primary_key  # runs are numbered in the order they start
    return session.scalars(
        select(table).where(owner == name).order_by(run_id.desc()).limit(1)
    ).first()


def announce(
    session: Session,
    *,
    actor: str,
    event: str,
    kind: str,
    name: str,
    before: dict[str, Any],
    payload: dict[str, Any],
    at: datetime,
    notify: bool = True,
) -> None:
    """Audit a change of state (``before`` → ``payload``) and, when ``notify``, queue
    ``payload`` for the safety webhook URL and for the registered webhooks of ``event`` (the
    provider they filter on is the net's ``service``): all in ``session``'s transaction."""
    audit.record(session, actor, event, kind, name, before, payload)
    if notify:
        notifications.enqueue(session, event, payload, at)
        webhooks.fire(session, event, "", str(payload.get("service") or ""), payload)
