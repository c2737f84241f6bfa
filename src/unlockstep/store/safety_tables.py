"""Tables for safety nets: declared data sources (references to secrets, never secrets),
business invariants with their runs, reconciliations with their runs and the operator queue
of open discrepancies, and the outbox of notifications still to deliver."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from unlockstep.store.tables import Base, utcnow


class DataSourceRow(Base):
    """A read-only source as declared (``SourceSpec.to_dict``): kind, path or URL, the name
    of the variable or file holding its DSN, timeout and row limit."""

    __tablename__ = "data_sources"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    service: Mapped[str] = mapped_column(String(63), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InvariantRow(Base):
    __tablename__ = "invariants"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    service: Mapped[str] = mapped_column(String(63), index=True)
    owner: Mapped[str] = mapped_column(String(63))
    severity: Mapped[str] = mapped_column(String(20))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    every_seconds: Mapped[float] = mapped_column(Float)
    #: unknown (never answered), ok, breached, error
    state: Mapped[str] = mapped_column(String(20), default="unknown")
    state_since: Mapped[datetime] = mapped_column(default=utcnow)
    last_run_at: Mapped[datetime | None] = mapped_column()
    next_run_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InvariantRunRow(Base):
    __tablename__ = "invariant_runs"
    __table_args__ = (Index("ix_invariant_runs_name_id", "invariant", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    invariant: Mapped[str] = mapped_column(
        String(100), ForeignKey("invariants.name", ondelete="CASCADE")
    )
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    violations: Mapped[int | None] = mapped_column(BigInteger)
    at_least: Mapped[bool] = mapped_column(default=False)
    sample: Mapped[dict[str, Any]] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(String(200))


class ReconciliationRow(Base):
    __tablename__ = "reconciliations"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    service: Mapped[str] = mapped_column(String(63), index=True)
    owner: Mapped[str] = mapped_column(String(63))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    every_seconds: Mapped[float] = mapped_column(Float)
    tolerance: Mapped[int] = mapped_column(Integer, default=0)
    next_run_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReconciliationRunRow(Base):
    """One comparison; counts are written as it goes (``progress_at``), so a long run shows
    its progress and a run left ``running`` by a dead process is visible as such."""

    __tablename__ = "reconciliation_runs"
    __table_args__ = (Index("ix_reconciliation_runs_name_id", "reconciliation", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    reconciliation: Mapped[str] = mapped_column(
        String(100), ForeignKey("reconciliations.name", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(20))  # running, done, error
    started_at: Mapped[datetime] = mapped_column()
    progress_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    left_rows: Mapped[int] = mapped_column(BigInteger, default=0)
    right_rows: Mapped[int] = mapped_column(BigInteger, default=0)
    matched: Mapped[int] = mapped_column(BigInteger, default=0)
    missing_left: Mapped[int] = mapped_column(BigInteger, default=0)
    missing_right: Mapped[int] = mapped_column(BigInteger, default=0)
    mismatched: Mapped[int] = mapped_column(BigInteger, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(String(200))


class DiscrepancyRow(Base):
    """One key on which the two systems disagree, for an operator: open until a complete run
    no longer finds it (``gone``) or a person resolves it with a reason (``resolved``); found
    again after either, it is open again."""

    __tablename__ = "discrepancies"
    __table_args__ = (
        UniqueConstraint("reconciliation", "key"),
        Index("ix_discrepancies_open", "reconciliation", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reconciliation: Mapped[str] = mapped_column(
        String(100), ForeignKey("reconciliations.name", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="open")
    first_seen: Mapped[datetime] = mapped_column()
    last_seen: Mapped[datetime] = mapped_column()
    last_run: Mapped[int] = mapped_column(Integer)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)


class NotificationRow(Base):
    """A state change to tell the webhook about, written in the same transaction as the
    change (a transactional outbox) and delivered, retried, by a background job."""

    __tablename__ = "safety_notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
