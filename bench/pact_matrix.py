"""`GET /pact/matrix` latency for can-i-deploy, as the Pact Broker CLIs ask it, on 1,000
pacticipants × 50 versions (the estate of ``bench/can_i_deploy.py``: 5 integrations per
consumer, the newest versions live in three environments, every live pair verified).

Each request is the Rust CLI's question (``q[][pacticipant]=…&q[][version]=…&latestby=cvpv
&environment=production``) or the Ruby CLI's (``latestby=cvp``), alternately, for random
pacticipants; the answer checks every version live in production, as can-i-deploy does.

    python bench/pact_matrix.py [--requests 300] [--services 1000]
    python bench/pact_matrix.py --quick     # 300 pacticipants, 100 requests: under a minute

SQLite always; PostgreSQL when UNLOCKSTEP_BENCH_DATABASE_URL (or UNLOCKSTEP_TEST_DATABASE_URL)
is set. Target: p95 under 25 ms. Wall time depends on what else the machine runs, so the
server's CPU time per request (read from /proc, Linux) and the load average are printed too.
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (0 where /proc is not there)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    url: str, pid: int, services: int, requests: int
) -> tuple[float, float, float, float, tuple[float, float], Any]:
    """Matrix p50/p95, and unlockstep's own can-i-deploy p50/p95 for the same questions asked
    in between (the baseline on the same machine at the same moment); the server's CPU
    milliseconds per request of each (summed from the clock-tick counts around each request,
    so only the sum over many requests means something)."""
    rng = random.Random(11)
    matrix: list[float] = []
    native: list[float] = []
    answers: dict[str, int] = {}
    cpu = [0.0, 0.0]  # matrix, native
    with httpx.Client(base_url=url, timeout=30) as http:
        for i in range(requests + 20):
            name = f"svc-{rng.randrange(services):04d}"
            latestby = "cvpv" if i % 2 else "cvp"
            query = (
                f"q[][pacticipant]={name}&q[][version]=1.0.{VERSIONS}&latestby={latestby}"
                "&environment=production"
            )
            before = cpu_seconds(pid)
            start = time.perf_counter()
            response = http.get(f"/pact/matrix?{query}")
            elapsed = time.perf_counter() - start
            matrix_cpu = cpu_seconds(pid) - before
            response.raise_for_status()
            params = {"service": name, "version": f"1.0.{VERSIONS}", "environment": "production"}
            before = cpu_seconds(pid)
            start = time.perf_counter()
            http.get("/api/v1/can-i-deploy", params=params).raise_for_status()
            baseline = time.perf_counter() - start
            native_cpu = cpu_seconds(pid) - before
            if i >= 20:  # warm-up excluded
                matrix.append(elapsed)
                native.append(baseline)
                cpu[0] += matrix_cpu
                cpu[1] += native_cpu
                key = str(response.json()["summary"]["deployable"])
                answers[key] = answers.get(key, 0) + 1
    cpu_ms = (cpu[0] * 1000 / requests, cpu[1] * 1000 / requests)
    return (*_figures(matrix), *_figures(native), cpu_ms, answers)


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
        p50, p95, base50, base95, cpu_ms, answers = measure(url, proc.pid, services, requests)
    finally:
        proc.terminate()
        proc.wait(10)
    print(
        f"{label:<11} {services:>5} pacticipants x {VERSIONS} versions "
        f"({FAN_OUT * services} integrations; loaded in {seconds:5.1f} s): GET /pact/matrix "
        f"p50 {p50:5.1f} ms p95 {p95:5.1f} ms (target < 25 ms); /api/v1/can-i-deploy for "
        f"the same questions p50 {base50:5.1f} ms p95 {base95:5.1f} ms; server CPU per "
        f"request {cpu_ms[0]:4.1f} ms (matrix), {cpu_ms[1]:4.1f} ms (can-i-deploy); load "
        f"average {os.getloadavg()[0]:.1f}; deployable {answers}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--services", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="300 pacticipants, 100 requests")
    args = parser.parse_args()
    if args.quick:
        args.services, args.requests = 300, 100
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
