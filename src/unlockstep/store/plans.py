"""Submitted release plans: the plan file as written (plus the contract files it points at),
who submitted it and when. Everything else — risk, order, progress — is computed on read."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from unlockstep.errors import NotFound
from unlockstep.store import audit
from unlockstep.store.flag_tables import FlagRow
from unlockstep.store.tables import Base, Deployment, Environment, Service, Version, utcnow


class ReleasePlan(Base):
    __tablename__ = "release_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    change: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str | None] = mapped_column(String(63))
    environment: Mapped[str] = mapped_column(String(63))
    filename: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(Text)
    files: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(default=1)
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _audit_fields(row: ReleasePlan) -> dict[str, Any]:
    """The plan as the audit trail records it (before/after a submission)."""
    return {
        "change": row.change,
        "title": row.title,
        "owner": row.owner,
        "environment": row.environment,
        "filename": row.filename,
        "revision": row.revision,
        "submitted_by": row.submitted_by,
        "submitted_at": row.submitted_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def get_plan(session: Session, change: str) -> ReleasePlan:
    row = session.scalar(select(ReleasePlan).where(ReleasePlan.change == change))
    if row is None:
        raise NotFound(
            f"release plan {change!r} has not been submitted",
            hint="submit it with `unlockstep plan submit FILE`",
        )
    return row


def list_plans(session: Session) -> list[ReleasePlan]:
    return list(session.scalars(select(ReleasePlan).order_by(ReleasePlan.change)))


def submit_plan(
    session: Session,
    actor: str,
    *,
    change: str,
    title: str,
    owner: str | None,
    environment: str,
    filename: str,
    source: str,
    files: dict[str, str],
) -> tuple[ReleasePlan, str]:
    """Store a plan; a new text for the same change is a new revision. Returns the row and
    what happened (created/updated/unchanged)."""
    row = session.scalar(select(ReleasePlan).where(ReleasePlan.change == change))
    if row is not None and row.source == source and row.files == files:
        return row, "unchanged"
    before = _audit_fields(row) if row is not None else None
    if row is None:
        row = ReleasePlan(change=change, revision=1, submitted_by=actor)
        session.add(row)
        outcome = "created"
    else:
        row.revision += 1
        outcome = "updated"
    row.title, row.owner, row.environment = title, owner, environment
    row.filename, row.source, row.files = filename, source, dict(files)
    row.submitted_by = actor
    row.submitted_at = utcnow()
    session.flush()
    audit.record(
        session, actor, f"plan.{outcome}", "release_plan", change, before, _audit_fields(row)
    )
    return row, outcome


def deployed_versions(
    session: Session, environment: str, services: Collection[str] | None = None
) -> dict[str, set[str]]:
    """service -> every version ever deployed (or released) to ``environment``; of
    ``services`` only, when given (a plan's, not the whole estate's)."""
    query = (
        select(Service.name, Version.number)
        .join(Deployment, Deployment.service_id == Service.id)
        .join(Version, Version.id == Deployment.version_id)
        .join(Environment, Environment.id == Deployment.environment_id)
        .where(Environment.name == environment)
    )
    if services is not None:
        query = query.where(Service.name.in_(services))
    rows = session.execute(query).all()
    out: dict[str, set[str]] = {}
    for service, version in rows:
        out.setdefault(service, set()).add(version)
    return out


def flag_states(session: Session, environment: str) -> dict[str, str]:
    """flag key -> ``on``, ``off`` or ``targeted`` in ``environment`` (a flag that is not
    there is deleted). A disabled flag, or one whose default variant is ``false`` with no
    targeting, is off; targeting rules mean it is on for some (a tenant, a percentage)."""
    out: dict[str, str] = {}
    # columns, not ORM objects: a plan page reads every flag of the environment
    found = session.execute(
        select(FlagRow.key, FlagRow.body).where(FlagRow.environment == environment)
    )
    for key, body in found:
        if body.get("state") == "DISABLED":
            out[key] = "off"
        elif body.get("targeting"):
            out[key] = "targeted"
        else:
            value = (body.get("variants") or {}).get(body.get("defaultVariant"))
            out[key] = "off" if value is False else "on"
    return out
