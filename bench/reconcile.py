"""Reconciling two large tables on the local PostgreSQL: rows per second and memory.

Builds two tables of N rows each in a schema of its own (``generate_series``): an old
system's ``legacy_cases`` and a new ``cases`` whose status is spelt differently (upper vs
lower case, normalised by the reconciliation), with injected differences — keys only on the
left, only on the right, and mismatched fields, 0.01 % each. Then compares them the way the
server does (``services.reconciliation.compare``: both sides streamed ordered by key through
server-side cursors in chunks, merged in one pass) and checks every injected difference was
found. Prints seconds, rows/s and the process's resident memory before, during (sampled at
every progress report) and at its peak.

    python bench/reconcile.py [--rows 1000000 | --quick] [--chunk 5000]

Three comparisons: both sides on PostgreSQL by an integer key; the same by a composite key
(tenant, id) compared as text; and PostgreSQL against a JSON-lines export of the new table,
which the file side sorts through spilled runs. Wall and CPU (this process) time are both
printed: the machine is shared, so wall time depends on the load average printed first.

Needs UNLOCKSTEP_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test);
drops its schema afterwards.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from unlockstep.core.safety import FieldMap, ReconciliationSpec, Side, SourceSpec, Tally
from unlockstep.services.reconciliation import compare
from unlockstep.sources import sides

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


def measure(label: str, spec: ReconciliationSpec, left: SourceSpec, right: SourceSpec,
            env: dict[str, str]) -> None:  # fmt: skip
    """Compare once and print wall and CPU seconds, rows/s and memory; every injected kind
    of difference must be found."""
    kinds = {"missing-left": 0, "missing-right": 0, "mismatch": 0}
    samples: list[float] = []

    def progress(t: Tally) -> None:
        samples.append(rss_mb())

    def found(batch: list) -> None:  # type: ignore[type-arg]
        for d in batch:
            kinds[d.kind] += 1

    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    tally = compare(spec, left, right, env=env, on_progress=progress, on_discrepancies=found)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    rows = tally.left_rows + tally.right_rows
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"[{label}]")
    print(
        f"  compared {tally.left_rows:,} + {tally.right_rows:,} rows in {seconds:.1f}s wall, "
        f"{cpu_seconds:.1f}s CPU in this process: {rows / seconds:,.0f} rows/s "
        f"({rows / cpu_seconds:,.0f} rows per CPU second)"
    )
    print(
        f"  found {tally.missing_left:,} missing left, {tally.missing_right:,} missing right, "
        f"{tally.mismatched:,} mismatched; {tally.matched:,} match"
    )
    print(
        f"  memory: {before:.0f} MiB before, {min(samples or [before]):.0f}–"
        f"{max(samples or [before]):.0f} MiB during ({len(samples)} samples), "
        f"peak RSS so far {peak:.0f} MiB"
    )
    assert kinds["missing-left"] == tally.missing_left > 0
    assert kinds["missing-right"] == tally.missing_right > 0
    assert kinds["mismatch"] == tally.mismatched > 0


def export_jsonl(conn: Any, path: Path) -> None:
    """The new system's table as a JSON-lines file in table order (not key order): the file
    side must sort it."""
    with path.open("w", encoding="utf-8") as out, conn.cursor(name="export") as cursor:
        cursor.execute("SELECT row_to_json(c)::text FROM cases AS c")
        for (line,) in cursor:
            out.write(line)
            out.write("\n")


FIELDS = (
    FieldMap("tenant", "tenant", "tenant_id"),
    FieldMap("status", "state", "status", ("lower",)),
    FieldMap("escalated", "escalated", "escalated"),
    FieldMap("opened", "opened_on", "created_on", ("date",)),
)
LEFT = "SELECT case_ref, tenant, state, escalated, opened_on FROM legacy_cases"
RIGHT = "SELECT id, tenant_id, status, escalated, created_on FROM cases"


def spec_of(left: Side, right: Side, key_type: str, chunk: int) -> ReconciliationSpec:
    return ReconciliationSpec(
        name="cases", service="case-service", owner="case-platform-team", description="",
        left=left, right=right, fields=FIELDS, key_type=key_type, chunk=chunk,  # type: ignore[arg-type]
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="200,000 rows a side (~1 min)")
    args = parser.parse_args()
    rows = 200_000 if args.quick else args.rows
    import psycopg
    from psycopg.conninfo import make_conninfo

    schema = "bench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as folder:
            started = time.perf_counter()
            with psycopg.connect(URL, autocommit=True) as conn:
                conn.execute(f'SET search_path TO "{schema}"')
                build(conn, rows)
            with psycopg.connect(URL) as conn:
                conn.execute(f'SET search_path TO "{schema}"')
                export_jsonl(conn, Path(folder) / "cases.jsonl")
            built = time.perf_counter() - started
            print(f"built 2 x {rows:,} rows and a JSON-lines export in {built:.1f}s; "
                  f"load average {os.getloadavg()}")  # fmt: skip
            dsn = make_conninfo(URL, options=f"-c search_path={schema}")
            env = {"BENCH_DSN": dsn}
            pg = SourceSpec(
                name="pg", kind="postgresql", dsn_env="BENCH_DSN", statement_timeout=120.0
            )
            files = SourceSpec(name="export", kind="file", path=folder)
            c = args.chunk
            measure("PostgreSQL x PostgreSQL, integer key",
                    spec_of(Side("pg", LEFT, "case_ref"), Side("pg", RIGHT, "id"), "integer", c),
                    pg, pg, env)  # fmt: skip
            measure("PostgreSQL x PostgreSQL, composite key (tenant, id) as text",
                    spec_of(Side("pg", LEFT, ("tenant", "case_ref")),
                            Side("pg", RIGHT, ("tenant_id", "id")), "text", c),
                    pg, pg, env)  # fmt: skip
            measure(f"PostgreSQL x JSON-lines file (sorted here, runs of {sides.SPILL_ROWS:,})",
                    spec_of(Side("pg", LEFT, "case_ref"), Side("export", "cases.jsonl", "id"),
                            "integer", c),
                    pg, files, env)  # fmt: skip
    finally:
        with psycopg.connect(URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
