"""Usage evidence at estate scale: OTLP ingest into rollups, and "usage of X over the last 30
days" over a year of daily rollups.

    python bench/usage.py                       # SQLite (a temporary file)
    python bench/usage.py --database postgresql://postgres@127.0.0.1:5432/bench
    python bench/usage.py --quick               # under a minute
    python bench/usage.py --soak 600            # 10 minutes of ingest, RSS every minute

Ingest: requests of 1,000 cumulative-counter points each (100 services × 10 series, as an
OpenTelemetry SDK or Collector batches them), encoded in protobuf once, then decoded and
written exactly as ``POST /otlp/v1/metrics`` does (``services.usage.decode`` + ``receive``),
every request advancing every counter, and flushed once a second as the server does.
Figures: points per second into the rollups (wall and CPU), the process's RSS after the
first and the last quarter of the run; the rollups are checked against what was sent.

Query: 1,000 services × 3 series × 365 days of daily rollups written straight into the
tables, then ``services.usage.usage`` for one service's metric over 30 days, 300 times for
random services; p50 and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from unlockstep.services import usage as service
from unlockstep.store import Store
from unlockstep.store.usage_ingest import UsageWriter
from unlockstep.store.usage_tables import UsageDaily, UsageSeries

SERVICES, SERIES = 100, 10


def export(round_: int, start_nanos: int) -> bytes:
    request = ExportMetricsServiceRequest()
    now = start_nanos + round_ * 10_000_000_000
    for s in range(SERVICES):
        rm = request.resource_metrics.add()
        attr = rm.resource.attributes.add()
        attr.key, attr.value.string_value = "service.name", f"service-{s:03d}"
        metric = rm.scope_metrics.add().metrics.add()
        metric.name = "unlockstep.api.requests"
        metric.sum.is_monotonic = True
        metric.sum.aggregation_temporality = (
            AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
        )
        for i in range(SERIES):
            point = metric.sum.data_points.add()
            point.start_time_unix_nano = start_nanos
            point.time_unix_nano = now
            point.as_int = round_ * (i + 1)
            for key, value in (
                ("unlockstep.consumer", f"consumer-{i}"),
                ("unlockstep.api.version", f"v{i % 2 + 1}"),
                ("http.route", "/cases/{id}"),
                ("http.request.method", "GET"),
            ):
                kv = point.attributes.add()
                kv.key, kv.value.string_value = key, value
    return request.SerializeToString()


def rss_now_mb() -> float:
    """The process's resident memory now (not the peak: a soak must show it stays flat)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def bench_ingest(store: Store, seconds: float, soak: float) -> None:
    """Exports decoded and accepted as the receiver does, flushed once a second as the
    server's flusher does; with ``soak``, RSS is printed every minute."""
    writer = UsageWriter(store, series_limit=10_000)
    start = int(time.time()) * 1_000_000_000
    points = rounds = 0
    duration = soak or seconds
    began, cpu_began = time.perf_counter(), time.process_time()
    last_flush = last_report = began
    quarter_rss: list[float] = []
    excluded = [0.0, 0.0]  # wall and CPU seconds spent encoding the exports
    while time.perf_counter() - began < duration or rounds < 5:
        rounds += 1
        encoding = time.perf_counter(), time.process_time()
        body = export(rounds, start)
        excluded[0] += time.perf_counter() - encoding[0]
        excluded[1] += time.process_time() - encoding[1]
        decoded = service.decode(body, service.PROTOBUF, "production")
        receipt = service.receive(writer, decoded, datetime.now(UTC))
        assert receipt.rejected == 0, receipt.message
        points += receipt.points
        now = time.perf_counter()
        if now - last_flush >= 1.0:
            writer.flush()
            last_flush = now
        if soak and now - last_report >= 60:
            last_report = now
            print(f"  {now - began:4.0f} s: RSS {rss_now_mb():.0f} MB, {points:,} points")
        if now - began > duration * (len(quarter_rss) + 1) / 4 and len(quarter_rss) < 4:
            quarter_rss.append(rss_now_mb())
    writer.flush()
    elapsed = time.perf_counter() - began - excluded[0]
    cpu = time.process_time() - cpu_began - excluded[1]
    print(
        f"ingest: {points:,} points in {elapsed:.1f} s = {points / elapsed:,.0f} points/s wall, "
        f"{points / cpu:,.0f} points/s of CPU ({rounds} requests of {SERVICES * SERIES:,} "
        "points; decode + accept + flush once a second, encoding excluded)"
    )
    with store.session() as session:
        total = session.scalar(select(func.sum(UsageDaily.amount)))
    expected = sum(rounds * (i + 1) for i in range(SERIES)) * SERVICES
    assert total == expected, f"rollups hold {total}, expected {expected}"
    if len(quarter_rss) >= 2:
        print(
            f"  RSS after the first quarter {quarter_rss[0]:.0f} MB, "
            f"at the end {quarter_rss[-1]:.0f} MB (rollups checked: {total:,.0f} requests)"
        )


def bench_query(store: Store, services: int, days: int, queries: int) -> None:
    today = date.today()
    series_rows = []
    for s in range(services):
        for v in ("v1", "v2", "v3"):
            series_rows.append(
                {
                    "key": uuid.uuid4().hex[:40],
                    "service": f"svc-{s:04d}",
                    "environment": "production",
                    "metric": "unlockstep.api.requests",
                    "kind": "counter",
                    "consumer": f"c-{s % 50}",
                    "contract": "api",
                    "version": v,
                    "operation": "GET /x",
                    "field": "",
                }
            )
    with store.session() as session:
        session.execute(UsageSeries.__table__.insert(), series_rows)
        ids = [
            row[0]
            for row in session.execute(
                UsageSeries.__table__.select().with_only_columns(UsageSeries.id)
            )
        ]
    loaded = time.perf_counter()
    batch = []
    for sid in ids:
        for d in range(days):
            batch.append(
                {
                    "series_id": sid,
                    "day": today - timedelta(days=d),
                    "amount": float(d % 7),
                    "total": 0.0,
                    "points": 1440,
                }
            )
            if len(batch) >= 50_000:
                with store.session() as session:
                    session.execute(UsageDaily.__table__.insert(), batch)
                batch = []
    if batch:
        with store.session() as session:
            session.execute(UsageDaily.__table__.insert(), batch)
    if store.dialect == "postgresql":
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(
        f"query: {len(ids):,} series × {days} days = {len(ids) * days:,} daily rows "
        f"(written in {time.perf_counter() - loaded:.0f} s)"
    )
    timings, cpu = [], []
    for _ in range(queries):
        svc = f"svc-{random.randrange(services):04d}"
        began, cpu_began = time.perf_counter(), time.process_time()
        report = service.usage(
            store,
            metric="api_requests_total",
            labels={"service": svc},
            since=today - timedelta(days=30),
            until=today + timedelta(days=1),
        )
        timings.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - cpu_began) * 1000)
        assert len(report.lines) == 3
    timings.sort()
    cpu.sort()
    p95 = int(len(timings) * 0.95) - 1
    print(
        f"  usage of one service's metric over 30 days: p50 {statistics.median(timings):.1f} ms, "
        f"p95 {timings[p95]:.1f} ms wall; CPU p50 {statistics.median(cpu):.1f} ms, "
        f"p95 {cpu[p95]:.1f} ms ({queries} queries)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long ingest runs")
    parser.add_argument(
        "--soak", type=float, default=0.0, help="a sustained ingest run this long (e.g. 600)"
    )
    parser.add_argument("--quick", action="store_true", help="5 s ingest, 200 services")
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.services, args.queries = 5.0, 200, 100
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("ingest", "query"):
            store, drop = fresh_store(args.database, tmp, name)
            store.migrate()
            print(f"{store.dialect}:", end=" ")
            if name == "ingest":
                bench_ingest(store, args.seconds, args.soak)
            else:
                bench_query(store, args.services, args.days, args.queries)
            store.dispose()
            drop()


def fresh_store(database: str | None, tmp: str, name: str) -> tuple[Store, Any]:
    """An empty store: a new SQLite file, or a new schema in the PostgreSQL database."""
    if not database:
        path = Path(tmp) / f"{name}.db"
        return Store(f"sqlite:///{path}"), lambda: path.unlink()
    import psycopg

    schema = f"bench_usage_{uuid.uuid4().hex[:8]}"
    plain = database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    sep = "&" if "?" in database else "?"
    return Store(f"{database}{sep}options=-csearch_path%3D{schema}"), drop


if __name__ == "__main__":
    main()
