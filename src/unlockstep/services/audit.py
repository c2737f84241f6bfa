"""Reading the audit trail (writes record their events in the same unit of work)."""

from __future__ import annotations

from datetime import datetime

from unlockstep.store import Store
from unlockstep.store import audit as rows
from unlockstep.store.audit import EventRecord

__all__ = ["EventRecord", "list_events"]


def list_events(
    store: Store,
    *,
    entity_type: str | None = None,
    entity: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[EventRecord], int]:
    """Newest first; ``entity`` as ``store.audit.list_events`` matches it."""
    with store.session() as session:
        return rows.list_events(
            session,
            entity_type=entity_type,
            entity_key=entity,
            actor=actor,
            since=since,
            until=until,
            offset=offset,
            limit=limit,
        )
