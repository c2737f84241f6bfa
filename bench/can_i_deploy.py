"""can-i-deploy latency over HTTP on a large estate, and on a small one with the same fan-out.

Generates an estate directly through the store (bulk inserts): N services, 50 versions each,
5 integrations per consumer (5 × N in all: 5,000 at N = 1,000), 3 environments with the
three newest versions of every service live (one per environment), an expectation for every
consumer version, a contract version for every live provider version, and a verification
for every live consumer × live provider pair. Then it runs a real `unlockstep serve`
(uvicorn) and asks `GET /api/v1/can-i-deploy` for random services (each answer covers the
service as consumer of 5 providers and as provider to its consumers, every live version).

    python bench/can_i_deploy.py [--requests 300]

SQLite always; PostgreSQL when UNLOCKSTEP_BENCH_DATABASE_URL (or
UNLOCKSTEP_TEST_DATABASE_URL) is set.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deployments import free_port

from unlockstep.services.can_i_deploy import can_i_deploy
from unlockstep.store import Store
from unlockstep.store.contract_tables import Contract, ContractBlob, ContractVersion
from unlockstep.store.expectation_tables import ExpectationRow, VerificationRow
from unlockstep.store.tables import Deployment, Environment, Service, Team, Version

VERSIONS = 50
FAN_OUT = 5
ENVIRONMENTS = ("dev", "staging", "production")
#: the newest versions are live: 50 in dev, 49 in staging, 48 in production
LIVE = {env: VERSIONS - i for i, env in enumerate(ENVIRONMENTS)}

CONTRACT = """openapi: 3.0.3
info: {title: bench, version: "1"}
paths:
  /items/{id}:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: string}
                  name: {type: string}
"""
EXPECTATION: dict[str, Any] = {
    "expectation": 1,
    "kind": "http",
    "reader": "tolerant",
    "operations": [
        {"method": "GET", "path": "/items/{id}", "responses": {"200": [{"field": "/id"}]}}
    ],
    "source": "yaml",
}


def start_server(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    """A real `unlockstep serve`; its log goes to a file printed if it does not come up."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="bench-serve-", suffix=".log")[1])
    env = {**os.environ, "UNLOCKSTEP_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "unlockstep", "serve", "--port", str(port)]
    with log.open("wb") as out:  # the server keeps its own handle
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=5).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"server did not start; its log: {log.read_text()[-2000:]}")


def chunks(rows: list[dict[str, Any]], size: int = 5_000) -> list[list[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def generate(store: Store, services: int) -> float:
    """Bulk-load the estate; returns the seconds it took."""
    start = time.perf_counter()
    rng = random.Random(7)
    with store.session() as s:
        s.execute(insert(Team), [{"id": 1, "name": "bench-team"}])
        s.execute(
            insert(Service),
            [{"id": i + 1, "name": f"svc-{i:04d}", "team_id": 1} for i in range(services)],
        )
        s.execute(
            insert(Environment),
            [
                {"id": i + 1, "name": env, "production": env == "production"}
                for i, env in enumerate(ENVIRONMENTS)
            ],
        )

        def vid(service: int, number: int) -> int:  # service 1-based, number 1..50
            return (service - 1) * VERSIONS + number

        versions = [
            {"id": vid(sv, n), "service_id": sv, "number": f"1.0.{n}"}
            for sv in range(1, services + 1)
            for n in range(1, VERSIONS + 1)
        ]
        for part in chunks(versions):
            s.execute(insert(Version), part)
        deployments = [
            {
                "service_id": sv,
                "version_id": vid(sv, LIVE[env]),
                "environment_id": e + 1,
                "instance": "",
                "kind": "deployment",
            }
            for sv in range(1, services + 1)
            for e, env in enumerate(ENVIRONMENTS)
        ]
        for part in chunks(deployments):
            s.execute(insert(Deployment), part)
        s.execute(insert(ContractBlob), [{"sha256": "0" * 64, "content": CONTRACT}])
        s.execute(
            insert(Contract),
            [
                {"id": sv, "service_id": sv, "name": "api", "kind": "openapi", "mode": "BACKWARD"}
                for sv in range(1, services + 1)
            ],
        )
        live_numbers = sorted(set(LIVE.values()))
        s.execute(
            insert(ContractVersion),
            [
                {
                    "contract_id": sv,
                    "version_id": vid(sv, n),
                    "blob_sha256": "0" * 64,
                    "filename": "api.yaml",
                    "published_by": "bench",
                }
                for sv in range(1, services + 1)
                for n in live_numbers
            ],
        )
        integrations = []
        for consumer in range(1, services + 1):
            others = [p for p in range(1, services + 1) if p != consumer]
            for provider in rng.sample(others, min(FAN_OUT, len(others))):
                integrations.append((consumer, provider))
        expectations = []
        exp_id = 0
        live_expectations: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for consumer, provider in integrations:
            for n in range(1, VERSIONS + 1):
                exp_id += 1
                expectations.append(
                    {
                        "id": exp_id,
                        "consumer_service_id": consumer,
                        "consumer_version_id": vid(consumer, n),
                        "provider_service_id": provider,
                        "contract": "api",
                        "kind": "http",
                        "reader": "tolerant",
                        "source": "yaml",
                        "body": EXPECTATION,
                        "content_hash": "1" * 64,
                    }
                )
                if n in live_numbers:
                    live_expectations.setdefault((consumer, provider), []).append((exp_id, n))
        for part in chunks(expectations):
            s.execute(insert(ExpectationRow), part)
        verifications = [
            {
                "expectation_id": exp,
                "consumer_version_id": vid(consumer, n),
                "provider_version_id": vid(provider, pn),
                "status": "verified",
                "problems": {"problems": [], "checked": 2},
                "source": "static",
            }
            for (consumer, provider), exps in live_expectations.items()
            for exp, n in exps
            for pn in live_numbers
        ]
        for part in chunks(verifications):
            s.execute(insert(VerificationRow), part)
    return time.perf_counter() - start


def measure(url: str, services: int, requests: int) -> tuple[float, float, dict[str, int]]:
    rng = random.Random(11)
    latencies: list[float] = []
    answers: dict[str, int] = {}
    with httpx.Client(base_url=url, timeout=30) as http:
        for i in range(requests + 20):
            sv = rng.randrange(services)
            params = {"service": f"svc-{sv:04d}", "version": f"1.0.{VERSIONS}",
                      "environment": "production"}  # fmt: skip
            start = time.perf_counter()
            response = http.get("/api/v1/can-i-deploy", params=params)
            elapsed = time.perf_counter() - start
            response.raise_for_status()
            if i >= 20:  # warm-up excluded
                latencies.append(elapsed)
                answer = response.json()["answer"]
                answers[answer] = answers.get(answer, 0) + 1
    latencies.sort()
    return (
        statistics.median(latencies) * 1000,
        latencies[int(len(latencies) * 0.95)] * 1000,
        answers,
    )


def measure_store(store: Store, services: int, requests: int) -> tuple[float, float]:
    """The same questions answered in-process (no HTTP): the store and decision cost alone."""
    rng = random.Random(11)
    latencies: list[float] = []
    for i in range(requests + 20):
        wanted = [(f"svc-{rng.randrange(services):04d}", f"1.0.{VERSIONS}")]
        start = time.perf_counter()
        with store.session() as session:
            can_i_deploy(session, wanted, "production")
        if i >= 20:
            latencies.append(time.perf_counter() - start)
    latencies.sort()
    return statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.95)] * 1000


def run(label: str, database_url: str, services: int, requests: int) -> float:
    store = Store(database_url)
    store.migrate()
    seconds = generate(store, services)
    with store.engine.connect() as conn:  # fresh statistics, as autovacuum would gather
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    in_p50, in_p95 = measure_store(store, services, requests)
    store.dispose()
    proc, url = start_server(database_url)
    try:
        p50, p95, answers = measure(url, services, requests)
    finally:
        proc.terminate()
        proc.wait(10)
    print(
        f"{label:<11} {services:>5} services ({FAN_OUT * services:>5} integrations, "
        f"{services * VERSIONS:>6} versions; loaded in {seconds:5.1f} s): "
        f"HTTP p50 {p50:5.1f} ms p95 {p95:5.1f} ms; in-process p50 {in_p50:4.1f} ms "
        f"p95 {in_p95:4.1f} ms; answers {answers}"
    )
    return p95


def compare(label: str, small: float, large: float) -> None:
    ratio = large / small if small else float("inf")
    print(f"{label:<11} p95 1,000 / 10 services: {ratio:.2f}x (target < 1.5x; p95 target < 25 ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--services", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        small = run("sqlite", f"sqlite:///{Path(folder) / 'small.db'}", 10, args.requests)
        large = run("sqlite", f"sqlite:///{Path(folder) / 'large.db'}", args.services,
                    args.requests)  # fmt: skip
        compare("sqlite", small, large)
    pg = os.environ.get("UNLOCKSTEP_BENCH_DATABASE_URL") or os.environ.get(
        "UNLOCKSTEP_TEST_DATABASE_URL"
    )
    if not pg:
        print("postgresql  skipped: set UNLOCKSTEP_BENCH_DATABASE_URL=postgresql://…")
        return
    import psycopg

    results = []
    for services in (10, args.services):
        schema = "bench_" + uuid.uuid4().hex[:8]
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            url = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"
            results.append(run("postgresql", url, services, args.requests))
        finally:
            with psycopg.connect(pg, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    compare("postgresql", results[0], results[1])


if __name__ == "__main__":
    main()
