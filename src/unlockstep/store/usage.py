"""Writing usage points into rollups, and reading rollups back.

Ingest is one transaction per request, in a few statements whatever its size: resolve
series ids (cached per process: a series never changes its id), read the cursors of the
request's streams, difference in ``core.usage``, then upsert cursors, hourly and daily
rollups and refusals (``INSERT … ON CONFLICT DO UPDATE``, rows in key order). Requests of
one service never interleave: SQLite has one writer at a time, and on PostgreSQL each
request takes a transaction-level advisory lock per service it carries, so two server
processes receiving one service's exports never count a stream's first point twice, while
other services' requests run in parallel.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, Table, and_, delete, func, or_, select, text
from sqlalchemy import insert as sqlalchemy_insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from unlockstep.core import usage as core
from unlockstep.core.usage import GAUGE, Cursor, Decoded, Dimensions
from unlockstep.errors import Conflict
from unlockstep.store import Store
from unlockstep.store.usage_tables import (
    UsageDaily,
    UsageHourly,
    UsageRejection,
    UsageSeries,
    UsageStream,
)

NANOS = 1_000_000_000
_CHUNK = 2000  # ids in one IN (...) list
_CACHE_LIMIT = 200_000  # series ids a process remembers


@dataclass
class Ingested:
    points: int = 0  # points read from the request
    counted: int = 0  # points that changed a rollup
    skipped: Counter[str] = field(default_factory=Counter)  # duplicates, stale gauges
    refused: Counter[str] = field(default_factory=Counter)  # service -> points refused
    refused_series: Counter[str] = field(default_factory=Counter)  # service -> series refused
    rejected: Counter[tuple[str, str]] = field(default_factory=Counter)  # not understood

    @property
    def rejected_points(self) -> int:
        return sum(self.rejected.values()) + sum(self.refused.values())


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _table(entity: type[Any]) -> Table:
    """The Core table of a mapped class: bulk statements on it skip the ORM's bookkeeping."""
    table: Table = entity.__table__
    return table


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class UsageWriter:
    """Ingest for one server process (it remembers series ids between requests)."""

    def __init__(self, store: Store, *, series_limit: int) -> None:
        self.store = store
        self.series_limit = series_limit
        self._ids: dict[str, int] = {}

    def ingest(self, decoded: Decoded, today: date, attempts: int = 5) -> Ingested:
        for _ in range(attempts):
            try:
                with self.store.locked_session() as session:
                    return self._ingest(session, decoded, today)
            except IntegrityError:
                continue  # another process created the same series first: read it now
        raise Conflict("usage ingest kept colliding with concurrent writes", hint="retry")

    def _ingest(self, session: Session, decoded: Decoded, today: date) -> Ingested:
        out = Ingested(points=len(decoded.points) + decoded.rejected_points)
        out.rejected.update(decoded.rejected)
        if session.get_bind().dialect.name == "postgresql":
            services = sorted(
                {p.dims.service for p in decoded.points} | {s for s, _ in out.rejected}
            )
            for service in services:
                session.execute(
                    text("SELECT pg_advisory_xact_lock(735612, hashtext(:s))"), {"s": service}
                )
        keyed = [(p.dims.key(), p) for p in decoded.points]
        ids = self._series_ids(session, {key: p.dims for key, p in keyed}, out)
        points = [(ids[key], p) for key, p in keyed if key in ids]
        for key, p in keyed:
            if key not in ids:
                out.refused[p.dims.service] += 1
        cursors = _cursors(session, sorted({p.stream for _, p in points}))
        changed: dict[str, tuple[int, Cursor]] = {}
        hourly: dict[Any, list[float]] = {}
        daily: dict[Any, list[float]] = {}
        gauge = {sid for sid, p in points if p.dims.kind == GAUGE}
        epoch = date(1970, 1, 1)
        for sid, p in sorted(points, key=lambda item: (item[1].stream, item[1].time)):
            step = core.advance(cursors.get(p.stream), p)
            if step.skipped:
                out.skipped[step.skipped] += 1
                continue
            cursors[p.stream] = step.cursor
            changed[p.stream] = (sid, step.cursor)
            out.counted += 1
            seconds = p.time // NANOS
            hour = seconds - seconds % 3600
            day = epoch + timedelta(days=seconds // 86400)
            _add(hourly, (sid, hour), step.value, step.total, sid in gauge)
            _add(daily, (sid, day), step.value, step.total, sid in gauge)
        _write_cursors(session, changed, today)
        _write_rollup(session, UsageHourly, "hour", hourly, gauge)
        _write_rollup(session, UsageDaily, "day", daily, gauge)
        rejected: Counter[tuple[str, str]] = Counter(out.rejected)
        for service, count in out.refused.items():
            reason = (
                f"series limit reached ({self.series_limit} per service): "
                f"{out.refused_series[service]} new series refused"
            )
            rejected[(service, reason)] += count
        write_rejections(session, today, rejected)
        return out

    def _series_ids(
        self, session: Session, wanted: Mapping[str, Dimensions], out: Ingested
    ) -> dict[str, int]:
        """key -> id of every wanted series, creating new ones within each service's limit."""
        ids = {key: self._ids[key] for key in wanted if key in self._ids}
        missing = sorted(key for key in wanted if key not in ids)
        for chunk in _chunks(missing):
            ids.update(
                session.execute(
                    select(UsageSeries.key, UsageSeries.id).where(UsageSeries.key.in_(chunk))
                ).all()
            )
        new = [key for key in missing if key not in ids]
        if new:
            by_service: dict[str, list[str]] = defaultdict(list)
            for key in new:
                by_service[wanted[key].service].append(key)
            have = dict(
                session.execute(
                    select(UsageSeries.service, func.count())
                    .where(UsageSeries.service.in_(sorted(by_service)))
                    .group_by(UsageSeries.service)
                ).all()
            )
            rows = []
            for service, keys in sorted(by_service.items()):
                room = max(0, self.series_limit - have.get(service, 0))
                out.refused_series[service] += len(keys[room:])
                for key in keys[:room]:
                    d = wanted[key]
                    rows.append(
                        {"key": key, "service": d.service, "environment": d.environment,
                         "metric": d.metric, "kind": d.kind, "consumer": d.consumer,
                         "contract": d.contract, "version": d.version,
                         "operation": d.operation, "field": d.field}
                    )  # fmt: skip
            if rows:
                session.execute(sqlalchemy_insert(_table(UsageSeries)), rows)
                for chunk in _chunks([r["key"] for r in rows]):
                    ids.update(
                        session.execute(
                            select(UsageSeries.key, UsageSeries.id).where(
                                UsageSeries.key.in_(chunk)
                            )
                        ).all()
                    )
        if len(self._ids) > _CACHE_LIMIT:
            self._ids.clear()
        self._ids.update(ids)
        return ids

    def forget(self) -> None:
        """Drop the remembered series ids (after series were deleted)."""
        self._ids.clear()


def _add(bucket: dict[Any, list[float]], key: Any, value: float, total: float, peak: bool) -> None:
    row = bucket.get(key)
    if row is None:
        bucket[key] = [value, total, 1]
    elif peak:
        row[0], row[2] = max(row[0], value), row[2] + 1
    else:
        row[0], row[1], row[2] = row[0] + value, row[1] + total, row[2] + 1


def _cursors(session: Session, keys: Sequence[str]) -> dict[str, Cursor]:
    out: dict[str, Cursor] = {}
    for chunk in _chunks(keys):
        for key, start, time, value, total in session.execute(
            select(
                UsageStream.key, UsageStream.start, UsageStream.time, UsageStream.value,
                UsageStream.total,
            ).where(UsageStream.key.in_(chunk))
        ).all():  # fmt: skip
            out[key] = Cursor(start, time, value, total)
    return out


def _upsert(
    session: Session,
    table: str,
    columns: Sequence[str],
    conflict: Sequence[str],
    updates: Mapping[str, str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """``INSERT … ON CONFLICT DO UPDATE`` for many rows in one driver ``executemany``: the
    hot path of ingest, so without SQLAlchemy's per-row parameter processing. ``updates``
    maps a column to its new value in SQL (``excluded.x`` is the row offered)."""
    if not rows:
        return
    mark = "?" if session.get_bind().dialect.name == "sqlite" else "%s"
    names = ", ".join(f'"{c}"' for c in columns)
    sets = ", ".join(f'"{c}" = {expression}' for c, expression in updates.items())
    keys = ", ".join(f'"{c}"' for c in conflict)
    sql = (
        f"INSERT INTO {table} ({names}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({keys}) DO UPDATE SET {sets}"
    )
    session.connection().exec_driver_sql(sql, list(rows))


def _write_cursors(
    session: Session, changed: Mapping[str, tuple[int, Cursor]], today: date
) -> None:
    moved = ("start", "time", "value", "total", "seen_on")
    _upsert(
        session,
        "usage_streams",
        ("key", "series_id", *moved),
        ("key",),
        {c: f'excluded."{c}"' for c in moved},
        [
            (key, sid, c.start, c.time, c.value, c.total, today)
            for key, (sid, c) in sorted(changed.items())
        ],
    )


def _write_rollup(
    session: Session,
    table: type[UsageHourly] | type[UsageDaily],
    column: str,
    rows: Mapping[tuple[int, Any], list[float]],
    gauges: Collection[int],
) -> None:
    name = _table(table).name
    peak = "max" if session.get_bind().dialect.name == "sqlite" else "greatest"
    for is_gauge in (False, True):
        values = [
            (sid, at, r[0], r[1], int(r[2]))
            for (sid, at), r in sorted(rows.items())
            if (sid in gauges) == is_gauge
        ]
        amount = (
            f"{peak}({name}.amount, excluded.amount)"
            if is_gauge
            else f"{name}.amount + excluded.amount"
        )
        _upsert(
            session,
            name,
            ("series_id", column, "amount", "total", "points"),
            ("series_id", column),
            {
                "amount": amount,
                "total": f"{name}.total + excluded.total",
                "points": f"{name}.points + excluded.points",
            },
            values,
        )


def write_rejections(session: Session, day: date, counts: Mapping[tuple[str, str], int]) -> None:
    if not counts:
        return
    insert = _insert(session)
    statement = insert(_table(UsageRejection))
    statement = statement.on_conflict_do_update(
        index_elements=["service", "day", "reason"],
        set_={"count": _table(UsageRejection).c.count + statement.excluded.count},
    )
    session.execute(
        statement,
        [
            {"service": s[:200], "day": day, "reason": r[:300], "count": n}
            for (s, r), n in sorted(counts.items())
        ],
    )


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
    for chunk in _chunks(sorted(ids)):
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
    for chunk in _chunks(sorted(ids)):
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
    for chunk in _chunks(sorted(ids)):
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
    for chunk in _chunks(sorted(ids)):
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
