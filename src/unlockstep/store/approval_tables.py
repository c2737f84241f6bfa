"""Tables for four-eyes approval: which environments are protected, and the change requests
waiting for (or decided by) a second person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from unlockstep.store.tables import Base, utcnow


class ProtectedEnvironmentRow(Base):
    """An environment whose flag changes need a second person's approval."""

    __tablename__ = "protected_environments"
    environment: Mapped[str] = mapped_column(String(63), primary_key=True)
    protected_by: Mapped[str] = mapped_column(String(200))
    protected_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)


class ChangeRequestRow(Base):
    """A change held for approval: what to do (``action`` and its ``payload``), who asked,
    until when it may be approved, and who decided."""

    __tablename__ = "change_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(40))
    environment: Mapped[str] = mapped_column(String(63), index=True)
    target: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_reason: Mapped[str | None] = mapped_column(Text)
