"""The audit trail: every write records who, when, what, and the before/after values."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from unlockstep.store.tables import AuditEvent


def record(
    session: Session,
    actor: str,
    action: str,
    entity_type: str,
    entity_key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_key=entity_key,
        before=before,
        after=after,
        reason=reason,
    )
    session.add(event)
    return event


def event_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_key": event.entity_key,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
    }


def list_events(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_key: str | None = None,
    actor: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """Newest first. ``entity_key`` matches the key itself and keys below it
    (``case-service`` also finds ``case-service/1.4.0``)."""
    query = select(AuditEvent)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_key:
        query = query.where(
            (AuditEvent.entity_key == entity_key)
            | AuditEvent.entity_key.startswith(entity_key + "/")
        )
    if actor:
        query = query.where(AuditEvent.actor == actor)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEvent.id.desc()).offset(offset).limit(limit))
    return [event_dict(e) for e in rows], total
