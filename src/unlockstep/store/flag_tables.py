"""Tables for feature flags: one flagd flag body per environment, the flag set's own
metadata and ``$evaluators`` per environment (with a revision every change bumps, which is
what the SDK's sync ETag and the server's compiled-engine cache key on), and daily
evaluation counts per flag, variant and reason."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from unlockstep.store.tables import Base, utcnow


class FlagSetRow(Base):
    __tablename__ = "flag_sets"
    id: Mapped[int] = mapped_column(primary_key=True)
    environment: Mapped[str] = mapped_column(String(63), unique=True)
    set_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evaluators: Mapped[dict[str, Any]] = mapped_column(default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FlagRow(Base):
    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("environment", "key", name="uq_flags_environment_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    environment: Mapped[str] = mapped_column(String(63), index=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    body: Mapped[dict[str, Any]] = mapped_column()
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="anonymous")


class FlagEvaluationCountRow(Base):
    __tablename__ = "flag_evaluation_counts"
    __table_args__ = (
        UniqueConstraint(
            "environment", "flag", "day", "variant", "reason", name="uq_flag_evaluation_counts"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    environment: Mapped[str] = mapped_column(String(63))
    flag: Mapped[str] = mapped_column(String(200), index=True)
    day: Mapped[date] = mapped_column(Date)
    #: "" when no variant was served (disabled, error, caller's default).
    variant: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class FlagSyncReportRow(Base):
    """What one server process's connected flag clients hold in one environment, as that
    process last reported it (``server/flag_feed.py``): so any process can show them all."""

    __tablename__ = "flag_sync_reports"
    process: Mapped[str] = mapped_column(String(200), primary_key=True)
    environment: Mapped[str] = mapped_column(String(63), primary_key=True)
    reported_at: Mapped[datetime] = mapped_column()
    status: Mapped[dict[str, Any]] = mapped_column()
