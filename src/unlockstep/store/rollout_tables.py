"""Tables for rollouts and analyses: a rollout's plan and where it stands, each analysis run
(of a rollout stage, or one-off), and every measurement with its phase and data.

``rollouts.active_key`` is ``environment/flag`` while a rollout is active and ``NULL`` once
it ended, so a unique constraint allows one active rollout per flag and environment (both
databases let any number of rows be ``NULL``). ``analysis_measurements`` is unique per run,
check and sequence number: a measurement taken twice (a restart, a second process) cannot be
stored twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from unlockstep.store.tables import Base, utcnow


class RolloutRow(Base):
    __tablename__ = "rollouts"
    id: Mapped[int] = mapped_column(primary_key=True)
    flag: Mapped[str] = mapped_column(String(200), index=True)
    environment: Mapped[str] = mapped_column(String(63))
    active_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    plan: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    stage: Mapped[int] = mapped_column(Integer, default=0)
    stage_started_at: Mapped[datetime] = mapped_column()
    variant: Mapped[str] = mapped_column(String(200))
    safe_variant: Mapped[str] = mapped_column(String(200))
    #: The flag revision the rollout's last write left (a different one: someone edited it).
    flag_revision: Mapped[int] = mapped_column(Integer, default=0)
    #: When the controller next has something to do (``NULL``: nothing until a person acts).
    next_at: Mapped[datetime | None] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    plan_change: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AnalysisRunRow(Base):
    __tablename__ = "analysis_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    rollout_id: Mapped[int | None] = mapped_column(
        ForeignKey("rollouts.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    template: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(200))


class MeasurementRow(Base):
    __tablename__ = "analysis_measurements"
    __table_args__ = (
        UniqueConstraint("run_id", "check_name", "seq", name="uq_analysis_measurements"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"))
    check_name: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column()
    phase: Mapped[str] = mapped_column(String(20))
    value: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column()
