"""Tables for usage evidence: series (what rollups are kept per), the cursor of every
stream an exporter reports (so counters are differenced without double counting), hourly
and daily rollups, and the points refused or not understood per service and day.

Hours are Unix seconds at the start of the hour (UTC); days are UTC dates. No raw points
are kept: unlockstep is not a time-series database.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from unlockstep.store.tables import Base, utcnow


class UsageSeries(Base):
    __tablename__ = "usage_series"
    __table_args__ = (Index("ix_usage_series_metric_service", "metric", "service"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    service: Mapped[str] = mapped_column(String(200), index=True)
    environment: Mapped[str] = mapped_column(String(63))
    metric: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    consumer: Mapped[str] = mapped_column(String(200), default="")
    contract: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[str] = mapped_column(String(100), default="")
    operation: Mapped[str] = mapped_column(String(300), default="")
    field: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageStream(Base):
    __tablename__ = "usage_streams"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    series_id: Mapped[int] = mapped_column(Integer, index=True)
    start: Mapped[int] = mapped_column(BigInteger)
    time: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[float] = mapped_column(Float)
    total: Mapped[float] = mapped_column(Float)
    seen_on: Mapped[date] = mapped_column(Date, index=True)


class UsageHourly(Base):
    __tablename__ = "usage_hourly"
    series_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    amount: Mapped[float] = mapped_column(Float)  # counters: the increase; gauges: the peak
    total: Mapped[float] = mapped_column(Float)  # histograms: the increase of their sum
    points: Mapped[int] = mapped_column(Integer)


class UsageDaily(Base):
    __tablename__ = "usage_daily"
    series_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    amount: Mapped[float] = mapped_column(Float)
    total: Mapped[float] = mapped_column(Float)
    points: Mapped[int] = mapped_column(Integer)


class UsageRejection(Base):
    __tablename__ = "usage_rejections"
    service: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(300), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
