"""Leases: which server process runs a piece of background work right now.

A lease is a named row with a holder and an expiry. A process that holds an unexpired lease
runs the work; every other process skips it. A process that dies stops renewing, its lease
expires, and another process takes the work over (``services/worker.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from unlockstep.store.tables import Base


class Lease(Base):
    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
