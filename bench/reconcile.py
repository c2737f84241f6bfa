"""Reconciling two large tables on the local PostgreSQL: rows per second and memory.

Builds two tables of N rows each in a schema of its own (``generate_series``): an old
system's ``legacy_cases`` and a new ``cases`` whose status is spelt differently (upper vs
lower case, normalised by the reconciliation), with injected differences — keys only on the
left, only on the right, and mismatched fields, 0.01 % each. Then compares them the way the
server does (``services.reconciliation.compare``: both sides streamed ordered by key through
server-side cursors in chunks, merged in one pass) and checks every injected difference was
found. Prints seconds, rows/s and the process's resident memory before, during (sampled at
every progress report) and at its peak.

    python bench/reconcile.py [--rows 1000000] [--chunk 5000]

Needs UNLOCKSTEP_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test);
drops its schema afterwards.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from unlockstep.core.safety import FieldMap, ReconciliationSpec, Side, SourceSpec, Tally
from unlockstep.services.reconciliation import compare

URL = os.environ.get(
    "UNLOCKSTEP_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
).replace("postgresql+psycopg://", "postgresql://")


def rss_mb() -> float:
    """The resident set size now (Linux), in MiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def build(conn: object, rows: int) -> tuple[int, int, int]:
    """The two tables; returns the injected (missing-right, missing-left, mismatch) counts."""
    every = 10_000  # 0.01 %
    sql = f"""
    CREATE TABLE legacy_cases AS
      SELECT g AS case_ref, 'tenant-' || (g % 97) AS tenant,
             CASE WHEN g % 3 = 0 THEN 'OPEN' WHEN g % 3 = 1 THEN 'CLOSED' ELSE 'ESCALATED' END
               AS state,
             (g % 5 = 0) AS escalated, date '2024-01-01' + (g % 700) AS opened_on
      FROM generate_series(1, {rows}) AS g
      WHERE g % {every} <> 1;                      -- only on the right: g % every = 1
    CREATE TABLE cases AS
      SELECT g AS id, 'tenant-' || (g % 97) AS tenant_id,
             CASE WHEN g % {every} = 3 THEN 'refunded'  -- mismatched
                  WHEN g % 3 = 0 THEN 'open' WHEN g % 3 = 1 THEN 'closed' ELSE 'escalated' END
               AS status,
             (g % 5 = 0) AS escalated, date '2024-01-01' + (g % 700) AS created_on
      FROM generate_series(1, {rows}) AS g
      WHERE g % {every} <> 2;                      -- only on the left: g % every = 2
    ALTER TABLE legacy_cases ADD PRIMARY KEY (case_ref);
    ALTER TABLE cases ADD PRIMARY KEY (id);
    ANALYZE legacy_cases; ANALYZE cases;
    """
    conn.execute(sql)  # type: ignore[attr-defined]
    per = len(range(0, rows + 1, every))
    return per, per, per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args()
    import psycopg
    from psycopg.conninfo import make_conninfo

    schema = "bench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        started = time.perf_counter()
        with psycopg.connect(URL, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            build(conn, args.rows)
        print(f"built 2 x {args.rows:,} rows in {time.perf_counter() - started:.1f}s")
        dsn = make_conninfo(URL, options=f"-c search_path={schema}")
        env = {"BENCH_DSN": dsn}
        source = SourceSpec(
            name="pg", kind="postgresql", dsn_env="BENCH_DSN", statement_timeout=120.0
        )
        spec = ReconciliationSpec(
            name="cases",
            service="case-service",
            owner="case-platform-team",
            description="",
            left=Side(
                "pg",
                "SELECT case_ref, tenant, state, escalated, opened_on FROM legacy_cases",
                "case_ref",
            ),
            right=Side(
                "pg", "SELECT id, tenant_id, status, escalated, created_on FROM cases", "id"
            ),
            fields=(
                FieldMap("tenant", "tenant", "tenant_id"),
                FieldMap("status", "state", "status", ("lower",)),
                FieldMap("escalated", "escalated", "escalated"),
                FieldMap("opened", "opened_on", "created_on", ("date",)),
            ),
            key_type="integer",
            chunk=args.chunk,
        )
        kinds = {"missing-left": 0, "missing-right": 0, "mismatch": 0}
        samples: list[float] = []

        def progress(t: Tally) -> None:
            samples.append(rss_mb())

        def found(batch: list) -> None:  # type: ignore[type-arg]
            for d in batch:
                kinds[d.kind] += 1

        before = rss_mb()
        started = time.perf_counter()
        tally = compare(spec, source, source, env=env, on_progress=progress, on_discrepancies=found)
        seconds = time.perf_counter() - started
        rows = tally.left_rows + tally.right_rows
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"compared {tally.left_rows:,} + {tally.right_rows:,} rows in {seconds:.1f}s: "
            f"{rows / seconds:,.0f} rows/s ({tally.left_rows / seconds:,.0f} keys/s per side)"
        )
        print(
            f"found {tally.missing_left:,} missing left, {tally.missing_right:,} missing right, "
            f"{tally.mismatched:,} mismatched; {tally.matched:,} match"
        )
        print(
            f"memory: {before:.0f} MiB before, {min(samples or [before]):.0f}–"
            f"{max(samples or [before]):.0f} MiB during ({len(samples)} samples), "
            f"peak RSS {peak:.0f} MiB"
        )
        assert kinds["missing-left"] == tally.missing_left > 0
        assert kinds["missing-right"] == tally.missing_right > 0
        assert kinds["mismatch"] == tally.mismatched > 0
    finally:
        with psycopg.connect(URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
