"""Usage evidence at estate scale: OTLP ingest into rollups, and "usage of X over the last 30
days" over a year of daily rollups.

    python bench/usage.py                       # SQLite (a temporary file)
    python bench/usage.py --database postgresql://postgres@127.0.0.1:5432/bench
    python bench/usage.py --seconds 600         # a sustained run: memory must stay flat

Ingest: requests of 1,000 cumulative-counter points each (100 services × 10 series, as an
OpenTelemetry SDK or Collector batches them), encoded in protobuf once, then decoded and
written exactly as ``POST /otlp/v1/metrics`` does (``services.usage.decode`` + ``receive``),
every request advancing every counter. Figures: points per second into the rollups, and the
process's peak RSS after the first and the last quarter of the run.

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


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_ingest(store: Store, seconds: float) -> None:
    writer = UsageWriter(store, series_limit=10_000)
    start = int(time.time()) * 1_000_000_000
    points = 0
    began = time.perf_counter()
    rounds = 0
    quarter_rss: list[float] = []
    while time.perf_counter() - began < seconds or rounds < 5:
        rounds += 1
        body = export(rounds, start)
        decoded = service.decode(body, service.PROTOBUF, "production")
        receipt = service.receive(writer, decoded, datetime.now(UTC))
        assert receipt.rejected == 0, receipt.message
        points += receipt.points
        elapsed = time.perf_counter() - began
        if elapsed > seconds * (len(quarter_rss) + 1) / 4 and len(quarter_rss) < 4:
            quarter_rss.append(rss_mb())
    elapsed = time.perf_counter() - began
    print(
        f"ingest: {points:,} points in {elapsed:.1f} s = {points / elapsed:,.0f} points/s "
        f"({rounds} requests of {SERVICES * SERIES:,} points, encoding excluded: "
        "decode + difference + rollups)"
    )
    if len(quarter_rss) >= 2:
        print(
            f"  peak RSS after the first quarter {quarter_rss[0]:.0f} MB, "
            f"at the end {quarter_rss[-1]:.0f} MB"
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
    timings = []
    for _ in range(queries):
        svc = f"svc-{random.randrange(services):04d}"
        began = time.perf_counter()
        report = service.usage(
            store,
            metric="api_requests_total",
            labels={"service": svc},
            since=today - timedelta(days=30),
            until=today + timedelta(days=1),
        )
        timings.append((time.perf_counter() - began) * 1000)
        assert len(report.lines) == 3
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"  usage of one service's metric over 30 days: p50 {statistics.median(timings):.1f} ms, "
        f"p95 {p95:.1f} ms ({queries} queries)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long ingest runs")
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("ingest", "query"):
            store, drop = fresh_store(args.database, tmp, name)
            store.migrate()
            print(f"{store.dialect}:", end=" ")
            if name == "ingest":
                bench_ingest(store, args.seconds)
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
