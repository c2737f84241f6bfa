"""Release-calendar use cases: set and remove periods, grant freeze exceptions (admins), and
the calendar's gates for can-i-deploy and record-deployment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core import calendar as core
from unlockstep.core.contracts import Gate
from unlockstep.errors import InvalidInput, NotFound
from unlockstep.services import authz
from unlockstep.services.authz import Principal
from unlockstep.store import Store, audit
from unlockstep.store import policies as rows
from unlockstep.store.policy_tables import CalendarPeriod, FreezeException
from unlockstep.store.registry import get_environment


def _period(row: CalendarPeriod) -> core.Period:
    return core.Period(
        row.environment,
        row.name,
        row.kind,
        row.timezone,
        datetime.fromisoformat(row.starts) if row.starts else None,
        datetime.fromisoformat(row.ends) if row.ends else None,
        tuple(core.DAYS.index(d) for d in row.days.split(",")) if row.days else (),
        time.fromisoformat(row.from_time) if row.from_time else None,
        time.fromisoformat(row.to_time) if row.to_time else None,
        row.reason or "",
    )


@dataclass(frozen=True, slots=True)
class ExceptionRecord:
    id: int
    environment: str
    service: str
    owner: str
    reason: str
    expires_at: datetime
    created_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "environment": self.environment,
            "service": self.service,
            "owner": self.owner,
            "reason": self.reason,
            "expiresAt": self.expires_at.isoformat(),
            "createdBy": self.created_by,
        }


def _exception(row: FreezeException) -> ExceptionRecord:
    return ExceptionRecord(
        row.id, row.environment, row.service, row.owner, row.reason, row.expires_at, row.created_by
    )


def list_periods(
    store: Store, environment: str | None = None, at: datetime | None = None
) -> list[tuple[core.Period, bool]]:
    """Every period (of ``environment`` and ``*``), and whether it is active at ``at``."""
    now = at or datetime.now(UTC)
    with store.session() as session:
        return [(p, p.active(now)) for p in map(_period, rows.periods(session, environment))]


def put_period(store: Store, principal: Principal, period: core.Period) -> str:
    authz.require_admin(principal, what="change the release calendar")

    def work(session: Session) -> str:
        if period.environment != "*":
            get_environment(session, period.environment)
        row = rows.find_period(session, period.environment, period.name)
        before = _period(row).to_dict() if row is not None else None
        if row is None:
            row = CalendarPeriod(
                environment=period.environment, name=period.name, created_by=principal.name
            )
            session.add(row)
        row.kind, row.timezone, row.reason = period.kind, period.timezone, period.reason
        row.starts = period.starts.isoformat() if period.starts else None
        row.ends = period.ends.isoformat() if period.ends else None
        row.days = ",".join(core.DAYS[d] for d in period.days) or None
        row.from_time = period.from_time.strftime("%H:%M") if period.from_time else None
        row.to_time = period.to_time.strftime("%H:%M") if period.to_time else None
        after = period.to_dict()
        if before == after:
            return "unchanged"
        key = f"{period.environment}/{period.name}"
        audit.record(session, principal.name, "calendar.period.set", "calendar", key, before, after)
        return "created" if before is None else "updated"

    return store.retrying(work)


def delete_period(store: Store, principal: Principal, environment: str, name: str) -> None:
    authz.require_admin(principal, what="change the release calendar")
    with store.session() as session:
        row = rows.find_period(session, environment, name)
        if row is None:
            raise NotFound(f"no calendar period {name!r} in {environment}")
        before = _period(row).to_dict()
        session.delete(row)
        key = f"{environment}/{name}"
        audit.record(
            session, principal.name, "calendar.period.deleted", "calendar", key, before, None
        )


def add_exception(
    store: Store,
    principal: Principal,
    environment: str,
    service: str,
    *,
    owner: str,
    reason: str,
    expires_at: datetime,
) -> ExceptionRecord:
    """Let ``service`` deploy to ``environment`` through freezes (not blackouts) until
    ``expires_at``. Who asked (owner), why and until when are required and audited."""
    authz.require_admin(principal, what="grant a freeze exception")
    if not owner.strip() or not reason.strip():
        raise InvalidInput("a freeze exception needs an owner and a reason")
    expires = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
    if expires <= datetime.now(UTC):
        raise InvalidInput("the exception's expiry is in the past", where="expiresAt")
    with store.session() as session:
        if environment != "*":
            get_environment(session, environment)
        row = FreezeException(
            environment=environment,
            service=service,
            owner=owner,
            reason=reason,
            expires_at=expires,
            created_by=principal.name,
        )
        session.add(row)
        session.flush()
        record = _exception(row)
        audit.record(
            session,
            principal.name,
            "calendar.exception.granted",
            "calendar",
            f"{environment}/exception/{row.id}",
            None,
            record.to_dict(),
            reason=reason,
        )
        return record


def list_exceptions(store: Store) -> list[ExceptionRecord]:
    with store.session() as session:
        return [_exception(r) for r in rows.list_freeze_exceptions(session)]


def gates(
    session: Session,
    wanted: Iterable[tuple[str, str]],
    environment: str,
    now: datetime | None = None,
) -> list[Gate]:
    now = now or datetime.now(UTC)
    periods = [_period(r) for r in rows.periods(session, environment)]
    if not periods:
        return []
    out: list[Gate] = []
    for service, version in wanted:
        granted = [
            f"#{e.id} ({e.owner}: {e.reason}, until {e.expires_at.isoformat(timespec='minutes')})"
            for e in rows.freeze_exceptions(session, environment, service, now)
        ]
        out.extend(core.gates(periods, service, version, environment, now, granted))
    return out


def hold(session: Session, environment: str, service: str, now: datetime) -> Gate | None:
    """What holds a change to ``service`` in ``environment`` back now: a blackout, or a
    freeze without an exception for ``service``; None when the calendar allows it."""
    found = gates(session, [(service, "")], environment, now)
    return next((g for g in found if g.outcome == "no"), None)
