"""`GET /pact/matrix` latency for can-i-deploy, as the Pact Broker CLIs ask it, on 1,000
pacticipants × 50 versions (the estate of ``bench/can_i_deploy.py``: 5 integrations per
consumer, the newest versions live in three environments, every live pair verified).

Each request is the Rust CLI's question (``q[][pacticipant]=…&q[][version]=…&latestby=cvpv
&environment=production``) or the Ruby CLI's (``latestby=cvp``), alternately, for random
pacticipants; the answer checks every version live in production, as can-i-deploy does.

    python bench/pact_matrix.py [--requests 300] [--services 1000]

SQLite always; PostgreSQL when UNLOCKSTEP_BENCH_DATABASE_URL (or UNLOCKSTEP_TEST_DATABASE_URL)
is set. Target: p95 under 25 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from can_i_deploy import FAN_OUT, VERSIONS, generate, start_server

from unlockstep.store import Store


def _figures(latencies: list[float]) -> tuple[float, float]:
    latencies.sort()
    return statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.95)] * 1000


def measure(url: str, services: int, requests: int) -> tuple[float, float, float, float, Any]:
    """Matrix p50/p95, and unlockstep's own can-i-deploy p50/p95 for the same questions asked
    in between (the baseline on the same machine at the same moment)."""
    rng = random.Random(11)
    matrix: list[float] = []
    native: list[float] = []
    answers: dict[str, int] = {}
    with httpx.Client(base_url=url, timeout=30) as http:
        for i in range(requests + 20):
            name = f"svc-{rng.randrange(services):04d}"
            latestby = "cvpv" if i % 2 else "cvp"
            query = (
                f"q[][pacticipant]={name}&q[][version]=1.0.{VERSIONS}&latestby={latestby}"
                "&environment=production"
            )
            start = time.perf_counter()
            response = http.get(f"/pact/matrix?{query}")
            elapsed = time.perf_counter() - start
            response.raise_for_status()
            params = {"service": name, "version": f"1.0.{VERSIONS}", "environment": "production"}
            start = time.perf_counter()
            http.get("/api/v1/can-i-deploy", params=params).raise_for_status()
            baseline = time.perf_counter() - start
            if i >= 20:  # warm-up excluded
                matrix.append(elapsed)
                native.append(baseline)
                key = str(response.json()["summary"]["deployable"])
                answers[key] = answers.get(key, 0) + 1
    return (*_figures(matrix), *_figures(native), answers)


def run(label: str, database_url: str, services: int, requests: int) -> None:
    store = Store(database_url)
    store.migrate()
    seconds = generate(store, services)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    store.dispose()
    proc, url = start_server(database_url)
    try:
        p50, p95, base50, base95, answers = measure(url, services, requests)
    finally:
        proc.terminate()
        proc.wait(10)
    print(
        f"{label:<11} {services:>5} pacticipants x {VERSIONS} versions "
        f"({FAN_OUT * services} integrations; loaded in {seconds:5.1f} s): GET /pact/matrix "
        f"p50 {p50:5.1f} ms p95 {p95:5.1f} ms (target < 25 ms); /api/v1/can-i-deploy for "
        f"the same questions p50 {base50:5.1f} ms p95 {base95:5.1f} ms; deployable {answers}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--services", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite", f"sqlite:///{Path(folder) / 'pact.db'}", args.services, args.requests)
    pg = os.environ.get("UNLOCKSTEP_BENCH_DATABASE_URL") or os.environ.get(
        "UNLOCKSTEP_TEST_DATABASE_URL"
    )
    if not pg:
        print("postgresql  skipped: set UNLOCKSTEP_BENCH_DATABASE_URL=postgresql://…")
        return
    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"
        run("postgresql", url, args.services, args.requests)
    finally:
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
