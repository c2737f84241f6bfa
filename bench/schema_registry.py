"""The schema-registry API (``/confluent``) with 10,000 subjects x 20 versions stored.

Run: ``python bench/schema_registry.py`` (``--subjects``/``--versions`` to scale, and
``--database-url`` for PostgreSQL). Seeds the store with bulk inserts (an Avro record per
subject that gains one defaulted field per version, each version a contract version of the
``schema-registry`` service with its subject version and global schema id), then times,


- ``GET /confluent/schemas/ids/{id}`` for random ids among all (mostly cache misses), then
  among 1,000 ids read before (what consumers do: served from the process's cache);
- ``POST /confluent/subjects/{s}/versions`` of a new compatible version of a random subject
  (parse, BACKWARD check against the latest version, contract version + subject version
  written, audited).

over HTTP, as the serializers do: the server runs in its own process (uvicorn, one worker)
and one keep-alive ``httpx`` client sends the requests one after another.

Prints p50/p95/p99 in milliseconds for each, the server's CPU time per request, and the load
average. Targets: GET p95 < 5 ms, register p95 < 30 ms. The seeded SQLite file is kept under
``bench/.cache`` (keyed by size and store schema), so only the first run seeds (about a minute
for 10,000 x 20). Quick mode: ``--subjects 1000 --reads 500 --registrations 100``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from unlockstep.core.compat import Source
from unlockstep.core.contracts import canonical_hash
from unlockstep.core.schema_registry import canonical_text, fingerprint
from unlockstep.store import Store
from unlockstep.store.contract_tables import Contract, ContractBlob, ContractVersion
from unlockstep.store.db import MIGRATIONS
from unlockstep.store.schema_registry_tables import (
    RegistrySchema,
    RegistrySubject,
    RegistrySubjectVersion,
)
from unlockstep.store.tables import Service, Version, utcnow

CHUNK = 5000
CACHE = Path(__file__).parent / ".cache"


def schema(subject: int, fields: int) -> str:
    out = [{"name": "id", "type": "string"}]
    out += [{"name": f"f{i}", "type": "long", "default": 0} for i in range(1, fields)]
    return json.dumps(
        {"type": "record", "name": f"Event{subject}", "namespace": "bench", "fields": out}
    )


def _flush(store: Store, table: Any, rows: list[dict[str, Any]]) -> None:
    """One multi-row INSERT per chunk, through the store's engine (Core, not the ORM's
    unit of work: seeding 200,000 rows through the ORM took minutes)."""
    if rows:
        with store.engine.begin() as connection:
            connection.execute(table.__table__.insert(), rows)
        rows.clear()


def seed(store: Store, subjects: int, versions: int) -> None:
    now = utcnow()
    with store.session() as session:
        session.add(Service(name="schema-registry"))
        session.flush()
        service_id = session.scalar(select(Service.id).where(Service.name == "schema-registry"))
        assert service_id is not None
    contracts = [
        {"id": s + 1, "service_id": service_id, "name": f"topic-{s}-value", "kind": "avro",
         "mode": "BACKWARD", "created_at": now, "updated_at": now}
        for s in range(subjects)
    ]  # fmt: skip
    for start in range(0, len(contracts), CHUNK):
        _flush(store, Contract, contracts[start : start + CHUNK])
    subject_rows = [
        {"id": s + 1, "name": f"topic-{s}-value", "contract_id": s + 1, "created_at": now}
        for s in range(subjects)
    ]
    for start in range(0, len(subject_rows), CHUNK):
        _flush(store, RegistrySubject, subject_rows[start : start + CHUNK])
    tables: dict[Any, list[dict[str, Any]]] = {
        Version: [], ContractBlob: [], ContractVersion: [], RegistrySchema: [],
        RegistrySubjectVersion: [],
    }  # fmt: skip
    row = 0
    for s in range(subjects):
        for v in range(1, versions + 1):
            row += 1
            text = schema(s, v)
            canonical = canonical_text("avro", text)
            sha = canonical_hash(Source(canonical, "x.avsc"))
            number = f"topic-{s}-value.{v}"
            tables[Version].append({"id": row, "service_id": service_id, "number": number,
                                    "created_at": now})  # fmt: skip
            tables[ContractBlob].append({"sha256": sha, "content": canonical, "created_at": now})
            tables[ContractVersion].append({"id": row, "contract_id": s + 1, "version_id": row,
                                            "blob_sha256": sha, "filename": "",
                                            "published_by": "bench",
                                            "published_at": now})  # fmt: skip
            tables[RegistrySchema].append({"id": row, "kind": "avro", "text": canonical,
                                           "fingerprint": fingerprint("avro", canonical, []),
                                           "refs": [], "created_at": now})  # fmt: skip
            tables[RegistrySubjectVersion].append({"id": row, "subject_id": s + 1, "number": v,
                                                   "schema_id": row, "contract_version_id": row,
                                                   "deleted": False,
                                                   "created_at": now})  # fmt: skip
        if row % CHUNK < versions:
            for table, rows in tables.items():
                _flush(store, table, rows)
    for table, rows in tables.items():
        _flush(store, table, rows)


def _schema_revision() -> str:
    """A key for the store's schema: the migration scripts' names and contents."""
    digest = hashlib.sha256()
    for script in sorted((MIGRATIONS / "versions").glob("*.py")):
        digest.update(script.name.encode() + script.read_bytes())
    return digest.hexdigest()[:12]


def seeded_sqlite(subjects: int, versions: int) -> tuple[str, float]:
    """A fresh copy of a seeded SQLite database (its URL) and the seconds seeding took: the
    seeded file is kept under ``bench/.cache`` keyed by size and store schema, so only the
    first run seeds; every run registers into a copy of its own."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"schema_registry-{subjects}x{versions}-{_schema_revision()}.db"
    started = time.perf_counter()
    if not cached.exists():
        partial = cached.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        store = Store(f"sqlite:///{partial}")
        store.migrate()
        seed(store, subjects, versions)
        with store.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        store.dispose()
        partial.rename(cached)
    took = time.perf_counter() - started
    copy = Path(tempfile.mkdtemp()) / "bench.db"
    shutil.copyfile(cached, copy)
    return f"sqlite:///{copy}", took


def percentiles(samples: list[float], cpu_seconds: float | None = None) -> str:
    """Wall-time percentiles, and the server process's CPU time per request (the machine is
    shared: wall time rises with its load, CPU time much less)."""
    cuts = statistics.quantiles(samples, n=100)
    cpu = f"  server CPU {cpu_seconds * 1000 / len(samples):.2f} ms/op" if cpu_seconds else ""
    return f"p50 {cuts[49]:.2f} ms  p95 {cuts[94]:.2f} ms  p99 {cuts[98]:.2f} ms{cpu}"


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` (Linux ``/proc``; ``None`` elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--registrations", type=int, default=300)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument(
        "--seeded", action="store_true", help="the database is already seeded (same sizes)"
    )
    args = parser.parse_args()
    total = args.subjects * args.versions
    if args.database_url:
        url, started = args.database_url, time.perf_counter()
        store = Store(url)
        store.migrate()
        if not args.seeded:
            seed(store, args.subjects, args.versions)
        store.dispose()
        took = time.perf_counter() - started
    else:
        url, took = seeded_sqlite(args.subjects, args.versions)
    print(f"seeded {args.subjects:,} subjects x {args.versions} versions "
          f"({total:,} schemas): {took:.0f} s (a cached SQLite seed is copied)")  # fmt: skip
    rng = random.Random(7)
    print(f"load average {load_average()}")
    with _server(url) as (api, pid):
        api.get("/confluent/schemas/ids/1")  # warm up
        floor, cpu = [], cpu_seconds(pid)
        for _ in range(min(args.reads, 500)):
            t = time.perf_counter()
            api.get("/confluent/schemas/types")
            floor.append((time.perf_counter() - t) * 1000)
        print(f"GET /schemas/types (no database; floor) {percentiles(floor, _spent(pid, cpu))}")
        reads, cpu = [], cpu_seconds(pid)
        for _ in range(args.reads):
            schema_id = rng.randint(1, total)
            t = time.perf_counter()
            response = api.get(f"/confluent/schemas/ids/{schema_id}")
            reads.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, response.text
        print(f"GET /schemas/ids/{{id}}                {percentiles(reads, _spent(pid, cpu))}")
        hot_ids = [rng.randint(1, total) for _ in range(1000)]  # what a consumer keeps reading
        for schema_id in hot_ids:
            api.get(f"/confluent/schemas/ids/{schema_id}")
        hot, cpu = [], cpu_seconds(pid)
        for _ in range(args.reads):
            t = time.perf_counter()
            api.get(f"/confluent/schemas/ids/{rng.choice(hot_ids)}")
            hot.append((time.perf_counter() - t) * 1000)
        print(f"GET /schemas/ids/{{id}} (1,000 hot ids)  {percentiles(hot, _spent(pid, cpu))}")
        writes, cpu_writes = [], 0.0
        chosen = rng.sample(range(args.subjects), min(args.registrations, args.subjects))
        for s in chosen:
            subject = f"/confluent/subjects/topic-{s}-value/versions"
            latest = api.get(f"{subject}/latest").json()["version"]
            body = {"schema": schema(s, latest + 1)}
            t, cpu = time.perf_counter(), cpu_seconds(pid)
            response = api.post(subject, json=body)
            writes.append((time.perf_counter() - t) * 1000)
            cpu_writes += _spent(pid, cpu) or 0.0
            assert response.status_code == 200, response.text
            assert response.json()["version"] == latest + 1
        print(f"POST /subjects/{{s}}/versions (checked) {percentiles(writes, cpu_writes)}")
    print(f"load average {load_average()}")


def _spent(pid: int, before: float | None) -> float | None:
    after = cpu_seconds(pid)
    return after - before if after is not None and before is not None else None


@contextmanager
def _server(url: str) -> Iterator[tuple[httpx.Client, int]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "UNLOCKSTEP_DATABASE_URL": url, "UNLOCKSTEP_WORKER": "false",
           "UNLOCKSTEP_LOG_LEVEL": "WARNING"}  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", "--factory", "unlockstep.server.app:create_app",
               "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    server = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/confluent/schemas/types")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.1)
            yield client, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
