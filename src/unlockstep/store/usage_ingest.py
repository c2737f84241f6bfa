"""Writing usage points into rollups: accepted in memory, flushed in batches.

Why batches: one transaction per export held ingest to a few thousand points a second, as
every export paid for reading its streams' cursors and upserting its rows. Now an export is
*accepted* in memory — each point differenced against this process's copy of its stream's
cursor, which gives the export's answer its counts — and kept until the next *flush*,
which writes everything accepted since the last one in one transaction, in a few
statements (``INSERT … ON CONFLICT DO UPDATE``, rows in key order). ``services.usage``
flushes about once a second, before this process answers a read, and on shutdown.

The database stays the truth: a flush replays the accepted points against the cursors
*read from the database in its transaction*, so several server processes may receive one
stream's exports (behind a load balancer) and a stream's increase is still counted once.
Flushes of one service never interleave: SQLite has one writer at a time, and on
PostgreSQL each flush takes a transaction-level advisory lock per service it carries. The
in-memory cursors only drop plain duplicates early and count the answer.

What a crash between flushes loses: the points accepted since the last flush (at most the
flush interval). A cumulative counter loses nothing: its cursor in the database did not
move, so its next export's value still contains the increase. Delta counters and gauges
lose that interval (the exporter was told "accepted" and does not resend).

Series are created when first accepted (within the service's limit, so the export's answer
can say what was refused); their ids never change and are remembered per process.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy import insert as sqlalchemy_insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from unlockstep.core import usage as core
from unlockstep.core.usage import GAUGE, Cursor, Decoded, Dimensions, Point
from unlockstep.errors import Conflict, DatabaseUnavailable
from unlockstep.store import Store
from unlockstep.store.usage import NANOS, chunks
from unlockstep.store.usage_tables import (
    UsageDaily,
    UsageHourly,
    UsageRejection,
    UsageSeries,
    UsageStream,
)

_CACHE_LIMIT = 200_000  # series ids and stream cursors a process remembers
PENDING_LIMIT = 500_000  # points accepted and not yet flushed; past it an export flushes first
_EPOCH = date(1970, 1, 1)
_HOUR = 3600 * NANOS
_TIME = attrgetter("time")


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


class _Pending:
    """A stream's points accepted since the last flush, with the increments they counted
    against ``base``, the cursor this process had before them (``last``: after them)."""

    __slots__ = ("base", "gauge", "last", "sid", "steps")

    def __init__(self, sid: int, gauge: bool, base: Cursor | None) -> None:
        self.sid, self.gauge, self.base = sid, gauge, base
        self.last: Cursor | None = base
        self.steps: list[tuple[Point, float, float]] = []  # (point, value, total)


def _table(entity: type[Any]) -> Table:
    """The Core table of a mapped class: bulk statements on it skip the ORM's bookkeeping."""
    table: Table = entity.__table__
    return table


class UsageWriter:
    """Ingest for one server process: what it accepted and has not flushed yet, the series
    ids it resolved, and its copy of each stream's cursor. Thread-safe."""

    def __init__(self, store: Store, *, series_limit: int) -> None:
        self.store = store
        self.series_limit = series_limit
        self._lock = threading.Lock()  # guards everything below
        self._flushing = threading.Lock()  # one flush at a time
        self._ids: dict[str, int] = {}  # series key -> id
        self._series_of: dict[str, int] = {}  # stream -> series id
        self._cursors: dict[str, Cursor | None] = {}  # stream -> cursor (None: none yet)
        self._pending: dict[str, _Pending] = {}  # stream -> what it awaits the flush with
        self._count = 0  # points in _pending
        self._rejected: Counter[tuple[date, str, str]] = Counter()  # (day, service, reason)
        self._day = _EPOCH  # the latest day an export was accepted on

    @property
    def pending(self) -> int:
        """Points accepted and not yet written."""
        return self._count

    def ingest(self, decoded: Decoded, today: date) -> Ingested:
        """Accept ``decoded`` and write it at once (tools, tests and the demo)."""
        out = self.accept(decoded, today)
        self.flush()
        return out

    def accept(self, decoded: Decoded, today: date) -> Ingested:
        """Take an export's points into memory; what they count is written by the next
        :meth:`flush`. New series are created now, within each service's limit."""
        if self._count >= PENDING_LIMIT:  # the flusher fell behind: make room first
            try:
                self.flush()
            except Exception as exc:
                raise DatabaseUnavailable(
                    f"{self._count:,} usage points are waiting for the database: {exc}",
                    hint="the exporter retries (503); check the database",
                ) from None
        out = Ingested(points=len(decoded.points) + decoded.rejected_points)
        out.rejected.update(decoded.rejected)
        with self._lock:
            self._day = max(self._day, today)
            series = self._series(decoded.points, out)
            self._load_cursors(decoded.points)
            cursors, pending = self._cursors, self._pending
            for p in sorted(decoded.points, key=_TIME):
                sid = series.get(p.stream)
                if sid is None:
                    out.refused[p.dims.service] += 1
                    continue
                cursor = cursors[p.stream]
                step = core.advance(cursor, p)
                if step.skipped:
                    out.skipped[step.skipped] += 1
                    continue
                cursors[p.stream] = step.cursor
                entry = pending.get(p.stream)
                if entry is None:
                    entry = pending[p.stream] = _Pending(sid, p.dims.kind == GAUGE, cursor)
                entry.steps.append((p, step.value, step.total))
                entry.last = step.cursor
                out.counted += 1
            self._count += out.counted
            for (service, reason), count in out.rejected.items():
                self._rejected[(today, service, reason)] += count
            for service, count in out.refused.items():
                reason = (
                    f"series limit reached ({self.series_limit} per service): "
                    f"{out.refused_series[service]} new series refused"
                )
                self._rejected[(today, service, reason)] += count
        return out

    def flush(self) -> int:
        """Write what was accepted since the last flush in one transaction; the points
        written. On failure nothing is written and everything stays pending."""
        with self._flushing:
            with self._lock:
                pending, self._pending, count = self._pending, {}, self._count
                rejected, self._rejected, self._count = self._rejected, Counter(), 0
                day = self._day
            if not pending and not rejected:
                return 0
            try:
                with self.store.locked_session() as session:
                    cursors = _write(session, pending, rejected, day)
            except BaseException:
                with self._lock:
                    self._give_back(pending, count)
                    self._rejected.update(rejected)
                raise
            with self._lock:
                for stream, cursor in cursors.items():
                    if stream not in self._pending:  # else newer accepted points know better
                        self._cursors[stream] = cursor
            return count

    def _give_back(self, pending: dict[str, _Pending], count: int) -> None:
        """Put what a failed flush took back before what was accepted meanwhile."""
        for stream, newer in self._pending.items():
            older = pending.get(stream)
            if older is None:
                pending[stream] = newer
            else:
                older.steps.extend(newer.steps)
                older.last = newer.last
        self._pending = pending
        self._count += count

    def _series(self, points: Sequence[Point], out: Ingested) -> dict[str, int]:
        """stream -> series id of every point's stream (absent: refused by the limit)."""
        known = self._series_of
        if len(known) > _CACHE_LIMIT:
            known.clear()
        missing = {p.stream: p.dims for p in points if p.stream not in known}
        if missing:
            wanted = {dims.key(): dims for dims in missing.values()}
            for attempt in range(5):
                try:
                    with self.store.locked_session() as session:
                        ids = self._series_ids(session, wanted, out)
                    break
                except IntegrityError:  # another process created one of them first
                    if attempt == 4:
                        raise Conflict(
                            "usage ingest kept colliding with concurrent writes", hint="retry"
                        ) from None
            for stream, dims in missing.items():
                sid = ids.get(dims.key())
                if sid is not None:
                    known[stream] = sid
        return known

    def _load_cursors(self, points: Iterable[Point]) -> None:
        """Read the cursors of streams this process has not seen yet from the database."""
        cursors = self._cursors
        unseen = sorted({p.stream for p in points if p.stream not in cursors})
        if not unseen:
            return
        if len(cursors) > _CACHE_LIMIT:  # forget all but the cursors pending points end at
            kept = {stream: entry.last for stream, entry in self._pending.items()}
            cursors.clear()
            cursors.update(kept)
            unseen = sorted({p.stream for p in points if p.stream not in cursors})
        with self.store.session() as session:
            found = read_cursors(session, unseen)
        for stream in unseen:
            cursors[stream] = found.get(stream)

    def _series_ids(
        self, session: Session, wanted: Mapping[str, Dimensions], out: Ingested
    ) -> dict[str, int]:
        """key -> id of every wanted series, creating new ones within each service's limit."""
        ids = {key: self._ids[key] for key in wanted if key in self._ids}
        missing = sorted(key for key in wanted if key not in ids)
        for chunk in chunks(missing):
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
            _lock_services(session, by_service)
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
                for chunk in chunks([r["key"] for r in rows]):
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


def _lock_services(session: Session, services: Iterable[str]) -> None:
    """On PostgreSQL, hold a transaction-level advisory lock per service (in a fixed order,
    so two processes never wait on each other crosswise); SQLite's ``BEGIN IMMEDIATE``
    already serialises writers."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for service in sorted(set(services)):
        session.execute(text("SELECT pg_advisory_xact_lock(735612, hashtext(:s))"), {"s": service})


def _write(
    session: Session,
    pending: Mapping[str, _Pending],
    rejected: Mapping[tuple[date, str, str], int],
    today: date,
) -> dict[str, Cursor]:
    """Write the increments of ``pending`` and the streams' new cursors; those cursors.
    A stream whose cursor in the database is not the one its increments were counted from
    (another process counted some of its points) is replayed against the database's."""
    services = {entry.steps[0][0].dims.service for entry in pending.values()}
    _lock_services(session, services | {s for _, s, _ in rejected})
    stored = read_cursors(session, sorted(pending))
    changed: dict[str, tuple[int, Cursor]] = {}
    hourly: dict[tuple[int, Any], list[float]] = {}
    daily: dict[tuple[int, Any], list[float]] = {}
    gauges = set()
    for stream, entry in sorted(pending.items()):
        steps, last = entry.steps, entry.last
        cursor = stored.get(stream)
        if cursor != entry.base:
            steps, last = _replay(cursor, entry)
        if last is None or last == cursor:
            continue  # all of it counted already
        sid, peak = entry.sid, entry.gauge
        if peak:
            gauges.add(sid)
        changed[stream] = (sid, last)
        for p, value, total in steps:
            _add(hourly, (sid, p.time // _HOUR * 3600), value, total, 1, peak)
    for (sid, hour), (value, total, points) in hourly.items():  # days from their hours
        day = _EPOCH + timedelta(days=hour // 86400)
        _add(daily, (sid, day), value, total, points, sid in gauges)
    _write_cursors(session, changed, today)
    _write_rollup(session, UsageHourly, "hour", hourly, gauges)
    _write_rollup(session, UsageDaily, "day", daily, gauges)
    by_day: dict[date, Counter[tuple[str, str]]] = defaultdict(Counter)
    for (day, service, reason), count in rejected.items():
        by_day[day][(service, reason)] += count
    for day, counts in sorted(by_day.items()):
        write_rejections(session, day, counts)
    return {stream: cursor for stream, (_, cursor) in changed.items()}


def _replay(
    cursor: Cursor | None, entry: _Pending
) -> tuple[list[tuple[Point, float, float]], Cursor | None]:
    """The increments of ``entry``'s points counted from ``cursor``, and the cursor after."""
    steps = []
    for p, _, _ in sorted(entry.steps, key=lambda step: step[0].time):
        step = core.advance(cursor, p)
        if not step.skipped:
            cursor = step.cursor
            steps.append((p, step.value, step.total))
    return steps, cursor


def _add(
    bucket: dict[Any, list[float]],
    key: Any,
    value: float,
    total: float,
    points: float,
    peak: bool,
) -> None:
    row = bucket.get(key)
    if row is None:
        bucket[key] = [value, total, points]
    elif peak:
        row[0], row[2] = max(row[0], value), row[2] + points
    else:
        row[0], row[1], row[2] = row[0] + value, row[1] + total, row[2] + points


def read_cursors(session: Session, keys: Sequence[str]) -> dict[str, Cursor]:
    """stream -> its cursor in the database, for the streams of ``keys`` that have one."""
    out: dict[str, Cursor] = {}
    for chunk in chunks(keys):
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
    columns: Mapping[str, str],
    conflict: Sequence[str],
    updates: Mapping[str, str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """``INSERT … ON CONFLICT DO UPDATE`` for many rows: the hot path of a flush, so without
    SQLAlchemy's per-row parameter processing. On PostgreSQL one statement takes every row
    as one array per column (``unnest``: one round trip, where ``executemany`` costs ~40 µs
    of client CPU a row); on SQLite, in-process, ``executemany``. ``columns`` maps a column
    to its PostgreSQL type; ``updates`` a column to its new value in SQL (``excluded.x`` is
    the row offered)."""
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    sets = ", ".join(f'"{c}" = {expression}' for c, expression in updates.items())
    keys = ", ".join(f'"{c}"' for c in conflict)
    tail = f"ON CONFLICT ({keys}) DO UPDATE SET {sets}"
    connection = session.connection()
    if session.get_bind().dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for kind in columns.values())
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {tail}"
        connection.exec_driver_sql(sql, tuple(list(column) for column in zip(*rows, strict=True)))
        return
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks}) {tail}", list(rows))


def _write_cursors(
    session: Session, changed: Mapping[str, tuple[int, Cursor]], today: date
) -> None:
    moved = ("start", "time", "value", "total", "seen_on")
    _upsert(
        session,
        "usage_streams",
        {
            "key": "text",
            "series_id": "integer",
            "start": "bigint",
            "time": "bigint",
            "value": "float8",
            "total": "float8",
            "seen_on": "date",
        },
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
            {
                "series_id": "integer",
                column: "bigint" if column == "hour" else "date",
                "amount": "float8",
                "total": "float8",
                "points": "integer",
            },
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
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
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
