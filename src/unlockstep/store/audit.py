"""The audit trail: every write records who, when, what, and the before/after values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from unlockstep.store.tables import AuditEvent

#: Entity types whose keys are ``environment/key``: a bare key finds them in every environment.
PER_ENVIRONMENT = ("flag",)


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


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


def event_record(event: AuditEvent) -> EventRecord:
    return EventRecord(
        event.id,
        event.at,
        event.actor,
        event.action,
        event.entity_type,
        event.entity_key,
        event.before,
        event.after,
        event.reason,
    )


def list_events(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_key: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[EventRecord], int]:
    """Newest first. ``entity_key`` matches the key itself and keys below it
    (``case-service`` also finds ``case-service/1.4.0``); for flags, whose keys are
    ``environment/key``, a bare flag key also finds it in every environment. ``since`` is
    inclusive, ``until`` exclusive."""
    query = select(AuditEvent)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_key:
        query = query.where(
            or_(
                AuditEvent.entity_key == entity_key,
                AuditEvent.entity_key.startswith(entity_key + "/", autoescape=True),
                and_(
                    AuditEvent.entity_type.in_(PER_ENVIRONMENT),
                    AuditEvent.entity_key.endswith("/" + entity_key, autoescape=True),
                ),
            )
        )
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEvent.id.desc()).offset(offset).limit(limit))
    return [event_record(e) for e in rows], total
