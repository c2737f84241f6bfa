"""Acquire, renew and release leases (see ``lease_tables.py``).

Both operations are single statements that the database makes atomic: a conditional
``UPDATE`` (held by us, or expired) and, for a name never seen, an ``INSERT`` whose unique key
lets exactly one of two racing processes win. They commit on their own short transaction, so
a lease is never held by an uncommitted row."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from unlockstep.store.db import Store
from unlockstep.store.lease_tables import Lease


def acquire(store: Store, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease ``name`` for ``holder`` until ``now + ttl``; ``False`` when
    another holder's lease has not expired yet."""
    expires = now + ttl
    with store.session() as session:
        taken = session.execute(
            update(Lease)
            .where(Lease.name == name)
            .where((Lease.holder == holder) | (Lease.expires_at <= now))
            .values(holder=holder, acquired_at=now, expires_at=expires)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return True
    try:
        with store.session() as session:
            session.execute(
                insert(Lease).values(name=name, holder=holder, acquired_at=now, expires_at=expires)
            )
    except IntegrityError:
        return False  # someone else holds it (or won the race to create it)
    return True


def release(store: Store, name: str, holder: str) -> None:
    """Give the lease up at once (a clean shutdown), so another process need not wait for
    it to expire. Releasing a lease someone else holds does nothing."""
    with store.session() as session:
        session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


def holder_of(store: Store, name: str, now: datetime) -> str | None:
    """Who holds ``name`` at ``now`` (``None``: nobody, or the lease expired)."""
    with store.session() as session:
        lease = session.get(Lease, name)
        return lease.holder if lease is not None and lease.expires_at > now else None
