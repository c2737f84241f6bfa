"""Queries for four-eyes approval: protected environments and change requests. What needs
approval and how an approved change is applied is ``services/approvals.py``'s (and
``services/flags.py``'s, which holds a flag change in a protected environment here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from unlockstep.errors import NotFound
from unlockstep.store import audit
from unlockstep.store.approval_tables import ChangeRequestRow, ProtectedEnvironmentRow

#: How long a change request may wait for its approval.
APPROVAL_WINDOW = dt.timedelta(hours=72)


@dataclass(frozen=True)
class ChangeRequest:
    id: int
    action: str
    environment: str
    target: str
    payload: dict[str, Any]
    reason: str | None
    status: str
    requested_by: str
    requested_at: dt.datetime
    expires_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None


def record(row: ChangeRequestRow) -> ChangeRequest:
    return ChangeRequest(
        row.id, row.action, row.environment, row.target, row.payload, row.reason, row.status,
        row.requested_by, row.requested_at, row.expires_at, row.decided_by, row.decided_at,
        row.decision_reason,
    )  # fmt: skip


def is_protected(session: Session, environment: str) -> bool:
    return session.get(ProtectedEnvironmentRow, environment) is not None


def protection(session: Session, environment: str) -> ProtectedEnvironmentRow | None:
    return session.get(ProtectedEnvironmentRow, environment)


def hold(
    session: Session, actor: str, action: str, environment: str, target: str,
    payload: dict[str, Any], reason: str | None,
) -> ChangeRequest:  # fmt: skip
    """Store a change as a pending request (audited ``approval.requested``)."""
    now = dt.datetime.now(dt.UTC)
    row = ChangeRequestRow(
        action=action, environment=environment, target=target, payload=payload, reason=reason,
        status="pending", requested_by=actor, requested_at=now, expires_at=now + APPROVAL_WINDOW,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "approval.requested", "change-request", str(row.id), None,
        {"action": action, "environment": environment, "target": target, "payload": payload},
        reason,
    )  # fmt: skip
    return record(row)


def get(session: Session, request_id: int, *, lock: bool = False) -> ChangeRequestRow:
    query = select(ChangeRequestRow).where(ChangeRequestRow.id == request_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"no change request {request_id}", where=f"approvals/{request_id}")
    return row


def expire_overdue(session: Session, now: dt.datetime | None = None) -> int:
    """Mark every pending request past its ``expires_at`` expired (a listing then shows it
    as it is, not only once someone acts on it); how many were marked."""
    now = now or dt.datetime.now(dt.UTC)
    marked = session.execute(
        update(ChangeRequestRow)
        .where(ChangeRequestRow.status == "pending", ChangeRequestRow.expires_at < now)
        .values(status="expired")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(marked, "rowcount", 0) or 0)


def page(
    session: Session, status: str | None, offset: int, limit: int
) -> tuple[list[ChangeRequest], int]:
    """One page of requests (newest first); overdue pending ones are marked expired first."""
    expire_overdue(session)
    query = select(ChangeRequestRow)
    if status:
        query = query.where(ChangeRequestRow.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(ChangeRequestRow.id.desc()).offset(offset).limit(limit))
    return [record(row) for row in rows], int(total)
