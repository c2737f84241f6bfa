"""Record 10,000 deployments through the HTTP API and print requests per second.

Runs a real `unlockstep serve` (uvicorn) on SQLite, and on PostgreSQL when
UNLOCKSTEP_BENCH_DATABASE_URL (or UNLOCKSTEP_TEST_DATABASE_URL) is set, with concurrent clients.

    python bench/deployments.py [--count 10000] [--clients 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "UNLOCKSTEP_DATABASE_URL": database_url}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "unlockstep",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not start for {database_url}")


def _client(job: tuple[str, int, int, int, list[str], list[str]]) -> tuple[list[float], int]:
    url, offset, count, clients, services, envs = job
    times: list[float] = []
    failed = 0
    with httpx.Client(base_url=url, timeout=30) as http:
        for i in range(offset, count, clients):
            body = {
                "service": services[i % len(services)],
                "version": f"1.{i // 300}.{i % 3}",
                "environment": envs[i % len(envs)],
            }
            start = time.perf_counter()
            response = http.post("/api/v1/deployments", json=body)
            times.append(time.perf_counter() - start)
            failed += response.status_code >= 400
    return times, failed


def run(label: str, database_url: str, count: int, clients: int, workers: int) -> None:
    proc, url = start_server(database_url, workers)
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            http.put("/api/v1/teams/bench-team", json={})
            services = [f"svc-{i:03d}" for i in range(100)]
            for name in services:
                http.put(f"/api/v1/services/{name}", json={"owner": "bench-team", "tier": 2})
            envs = ["dev", "staging", "production"]
            for env in envs:
                http.put(f"/api/v1/environments/{env}", json={"production": env == "production"})
        jobs = [(url, offset, count, clients, services, envs) for offset in range(clients)]
        start = time.perf_counter()
        # Clients run in their own processes so the load generator's GIL is not the limit.
        with multiprocessing.Pool(clients) as pool:
            results = pool.map(_client, jobs)
        elapsed = time.perf_counter() - start
        latencies = sorted(t for times, _ in results for t in times)
        failures = [sum(f for _, f in results)]
        p50 = statistics.median(latencies) * 1000
        p95 = latencies[int(len(latencies) * 0.95)] * 1000
        print(
            f"{label:<11} {count} deployments, {clients} clients, {workers} worker(s): "
            f"{count / elapsed:8.0f} req/s   p50 {p50:5.1f} ms   p95 {p95:5.1f} ms   "
            f"errors {failures[0]}"
        )
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="server processes for PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", args.count, args.clients, 1)
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
        run("postgresql", url, args.count, args.clients, 1)
        run("postgresql", url.replace(schema, schema), args.count, args.clients, args.workers)
    finally:
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
