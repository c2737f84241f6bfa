"""Reading usage rollups back (writing them is ``store.usage_ingest``), and pruning them
past retention."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session, aliased

from unlockstep.core import usage as core
from unlockstep.core.usage import Dimensions
from unlockstep.store.usage_tables import (
    UsageDaily,
    UsageHourly,
    UsageRejection,
    UsageSeries,
    UsageStream,
)

NANOS = 1_000_000_000
_CHUNK = 2000  # ids in one IN (...) list


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``items`` in slices small enough for one ``IN (…)`` list."""
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeriesRow:
    id: int
    dims: Dimensions


def _series_query(metric: str | None, labels: Mapping[str, str]) -> Select[Any]:
    query = select(UsageSeries)
    if metric is not None:
        query = query.where(_metric_matches(metric))
    for name, value in labels.items():
        query = query.where(getattr(UsageSeries, name) == value)
    return query


def _metric_matches(metric: str) -> Any:
    names = core.metric_names(metric)
    normalised = func.lower(func.replace(func.replace(UsageSeries.metric, ".", "_"), "-", "_"))
    return normalised.in_(sorted(names))


def series(session: Session, metric: str | None, labels: Mapping[str, str]) -> list[SeriesRow]:
    rows = session.scalars(_series_query(metric, labels).order_by(UsageSeries.id)).all()
    return [SeriesRow(r.id, _dims(r)) for r in rows]


_DIMENSIONS = (
    UsageSeries.service, UsageSeries.environment, UsageSeries.metric, UsageSeries.kind,
    UsageSeries.consumer, UsageSeries.contract, UsageSeries.version, UsageSeries.operation,
    UsageSeries.field,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SeriesUsage:
    series: SeriesRow
    days: dict[date, tuple[float, float, int]]  # day -> (amount, total, points)
    last_used: date | None  # the last day with a non-zero increase, ever


def usage_of(
    session: Session, metric: str | None, labels: Mapping[str, str], since: date, until: date
) -> list[SeriesUsage]:
    """The matching series with their daily rollups in [since, until) and the last day each
    was used, in one statement: "usage of X over 30 days" is answered in one round trip
    (every round trip costs more than the rows it reads, on a loaded PostgreSQL)."""
    used = aliased(UsageDaily)
    last = (
        select(func.max(used.day))
        .where(used.series_id == UsageSeries.id, used.amount > 0)
        .correlate(UsageSeries)
        .scalar_subquery()
    )
    window = and_(
        UsageDaily.series_id == UsageSeries.id, UsageDaily.day >= since, UsageDaily.day < until
    )
    query = select(
        UsageSeries.id, *_DIMENSIONS, last, UsageDaily.day, UsageDaily.amount,
        UsageDaily.total, UsageDaily.points,
    ).outerjoin(UsageDaily, window)  # fmt: skip
    if metric is not None:
        query = query.where(_metric_matches(metric))
    for name, value in labels.items():
        query = query.where(getattr(UsageSeries, name) == value)
    found: dict[int, SeriesUsage] = {}
    for row in session.execute(query.order_by(UsageSeries.id)):
        sid, dims, last_used, day = row[0], Dimensions(*row[1:10]), row[10], row[11]
        entry = found.get(sid)
        if entry is None:
            entry = found[sid] = SeriesUsage(SeriesRow(sid, dims), {}, last_used)
        if day is not None:
            entry.days[day] = (row[12], row[13], row[14])
    return list(found.values())


def _dims(r: UsageSeries) -> Dimensions:
    return Dimensions(
        r.service, r.environment, r.metric, r.kind, r.consumer, r.contract, r.version,
        r.operation, r.field,
    )  # fmt: skip


def consumer_series(session: Session, consumer: str, names: Collection[str]) -> list[SeriesRow]:
    """Series of ``consumer``'s use of a contract known by any of ``names`` (as its contract
    or operation): reported by a provider about it (``consumer``), or by the consumer itself
    (its own ``service`` with no consumer, e.g. events it consumed)."""
    if not names:
        return []
    by_name = or_(UsageSeries.contract.in_(sorted(names)), UsageSeries.operation.in_(sorted(names)))
    whose = or_(
        UsageSeries.consumer == consumer,
        and_(UsageSeries.service == consumer, UsageSeries.consumer == ""),
    )
    rows = session.scalars(select(UsageSeries).where(by_name, whose).order_by(UsageSeries.id))
    return [SeriesRow(r.id, _dims(r)) for r in rows]


def metric_known(session: Session, metric: str) -> bool:
    return (
        session.scalar(select(UsageSeries.id).where(_metric_matches(metric)).limit(1)) is not None
    )


def daily(
    session: Session, ids: Collection[int], since: date, until: date
) -> dict[int, dict[date, tuple[float, float, int]]]:
    """series id -> day -> (amount, total, points) for days in [since, until)."""
    out: dict[int, dict[date, tuple[float, float, int]]] = defaultdict(dict)
    for chunk in chunks(sorted(ids)):
        for sid, day, amount, total, points in session.execute(
            select(
                UsageDaily.series_id, UsageDaily.day, UsageDaily.amount, UsageDaily.total,
                UsageDaily.points,
            ).where(
                UsageDaily.series_id.in_(chunk), UsageDaily.day >= since, UsageDaily.day < until
            )
        ).all():  # fmt: skip
            out[sid][day] = (amount, total, points)
    return out


def days_with(session: Session, ids: Collection[int], since: date, used_only: bool) -> set[date]:
    """The days (from ``since``) on which any of ``ids`` had points (or, ``used_only``, a
    non-zero increase)."""
    out: set[date] = set()
    for chunk in chunks(sorted(ids)):
        query = (
            select(UsageDaily.day)
            .where(UsageDaily.series_id.in_(chunk), UsageDaily.day >= since)
            .distinct()
        )
        if used_only:
            query = query.where(UsageDaily.amount > 0)
        out.update(session.scalars(query))
    return out


def last_seen(session: Session, ids: Collection[int]) -> dict[int, date]:
    """series id -> the last day it had a non-zero increase."""
    out: dict[int, date] = {}
    for chunk in chunks(sorted(ids)):
        out.update(
            session.execute(
                select(UsageDaily.series_id, func.max(UsageDaily.day))
                .where(UsageDaily.series_id.in_(chunk), UsageDaily.amount > 0)
                .group_by(UsageDaily.series_id)
            ).all()
        )
    return out


def gauge_now(session: Session, ids: Collection[int], since_nanos: int) -> float | None:
    """The sum of the latest values of the streams of ``ids`` reported since ``since_nanos``;
    None when none was."""
    total, found = 0.0, False
    for chunk in chunks(sorted(ids)):
        for value in session.scalars(
            select(UsageStream.value).where(
                UsageStream.series_id.in_(chunk), UsageStream.time >= since_nanos
            )
        ):
            total, found = total + value, True
    return total if found else None


def rejections(session: Session, since: date) -> list[tuple[str, str, int]]:
    """(service, reason, count) of points refused or not understood since ``since``."""
    rows = session.execute(
        select(UsageRejection.service, UsageRejection.reason, func.sum(UsageRejection.count))
        .where(UsageRejection.day >= since)
        .group_by(UsageRejection.service, UsageRejection.reason)
        .order_by(UsageRejection.service, UsageRejection.reason)
    ).all()
    return [(s, r, int(n)) for s, r, n in rows]


def series_counts(session: Session) -> dict[str, int]:
    return dict(
        session.execute(
            select(UsageSeries.service, func.count()).group_by(UsageSeries.service)
        ).all()
    )


def prune(
    session: Session, today: date, hourly_days: int, daily_days: int, stream_days: int
) -> dict[str, int]:
    """Delete rollups and cursors past their retention; rows deleted per table."""
    midnight = int(datetime(today.year, today.month, today.day, tzinfo=UTC).timestamp())
    daily_cut = today - timedelta(days=daily_days)
    statements: dict[str, Any] = {
        "hourly": delete(UsageHourly).where(UsageHourly.hour < midnight - hourly_days * 86400),
        "daily": delete(UsageDaily).where(UsageDaily.day < daily_cut),
        "streams": delete(UsageStream).where(
            UsageStream.seen_on < today - timedelta(days=stream_days)
        ),
        "rejections": delete(UsageRejection).where(UsageRejection.day < daily_cut),
    }
    done: dict[str, int] = {}
    for name, statement in statements.items():
        result: Any = session.execute(statement)
        done[name] = int(result.rowcount or 0)
    return done


def iter_labels(rows: Iterable[SeriesRow]) -> Iterator[dict[str, str]]:
    for row in rows:
        yield {"metric": row.dims.metric, **row.dims.labels()}
