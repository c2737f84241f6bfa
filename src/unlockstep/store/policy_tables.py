"""Policy sets and the release calendar, as the registry keeps them.

A **policy version** is a set of Rego modules plus its exceptions, addressed by the content
hash of the modules and exceptions; the newest one is the one in force. A **calendar
period** is a blackout, freeze or risky window for an environment (``*``: every one), either
one-off (``starts``..``ends``, local times in ``timezone``) or recurring (``days`` of the week
from ``from_time`` to ``to_time`` local). A **freeze exception** lets one service deploy
through a freeze until it expires."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from unlockstep.store.tables import Base, utcnow


class PolicyVersion(Base):
    __tablename__ = "policy_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), index=True)
    modules: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    exceptions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarPeriod(Base):
    __tablename__ = "calendar_periods"
    __table_args__ = (UniqueConstraint("environment", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    environment: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # blackout | freeze | risky
    timezone: Mapped[str] = mapped_column(String(64))
    starts: Mapped[str | None] = mapped_column(String(32))  # local ISO date-time (one-off)
    ends: Mapped[str | None] = mapped_column(String(32))
    days: Mapped[str | None] = mapped_column(String(40))  # "fri,sat" (recurring)
    from_time: Mapped[str | None] = mapped_column(String(5))  # "16:00"
    to_time: Mapped[str | None] = mapped_column(String(5))
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FreezeException(Base):
    __tablename__ = "freeze_exceptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    environment: Mapped[str] = mapped_column(String(63))
    service: Mapped[str] = mapped_column(String(63))
    owner: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
