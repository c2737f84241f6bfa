"""Classify a generated folder of 500 migrations; the issue asks for under 1 s.

Run: python bench/migrations.py [count]
Prints the time to read, order and classify the folder (wall best of 5, and CPU median, which a
shared machine's load does not inflate) and per-statement cost.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from unlockstep.core.migrations._folders import MigrationFile, check_files

TEMPLATES = (
    "SET lock_timeout = '5s';\nALTER TABLE t{t} ADD COLUMN c{n} text;\n",
    "SET lock_timeout = '5s';\nALTER TABLE t{t} ADD COLUMN c{n} integer NOT NULL DEFAULT 0;\n",
    "CREATE INDEX CONCURRENTLY t{t}_c{n}_idx ON t{t} (c{n});\n",
    "UPDATE t{t} SET c{n} = 'x' WHERE c{n} IS NULL AND id BETWEEN {n} AND {n} + 1000;\n",
    "SET lock_timeout = '5s';\nALTER TABLE t{t} ADD CONSTRAINT t{t}_c{n}_chk "
    "CHECK (c{n} IS NOT NULL) NOT VALID;\nALTER TABLE t{t} VALIDATE CONSTRAINT t{t}_c{n}_chk;\n",
    "ALTER TABLE t{t} DROP COLUMN c{n};\n",
    "ALTER TABLE t{t} RENAME COLUMN c{n} TO d{n};\n",
    "CREATE TABLE n{n} (id bigint PRIMARY KEY, t{t}_id bigint, body jsonb, "
    "created_at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX n{n}_t_idx ON n{n} (t{t}_id);\n",
    "BEGIN;\nALTER TABLE t{t} ALTER COLUMN c{n} SET NOT NULL;\nCOMMIT;\n",
    "CREATE OR REPLACE FUNCTION sync_{n}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN NEW.d{n} := NEW.c{n}; RETURN NEW; END $$;\n"
    "CREATE TRIGGER t{t}_sync_{n} BEFORE INSERT OR UPDATE ON t{t} "
    "FOR EACH ROW EXECUTE FUNCTION sync_{n}();\n",
)


def generate(folder: Path, count: int) -> None:
    rng = random.Random(4)
    for n in range(1, count + 1):
        body = "".join(
            rng.choice(TEMPLATES).format(t=rng.randrange(20), n=n * 10 + k) for k in range(3)
        )
        (folder / f"V{n}__step_{n}.sql").write_text(f"-- migration {n}\n{body}")


def classify(folder: Path) -> int:
    files = [MigrationFile(str(p), p.read_text()) for p in folder.glob("*.sql")]
    report = check_files(files)
    return len(report.steps)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, count)
        classify(folder)  # warm up imports
        timings = []
        cpu = []
        for _ in range(5):
            start, start_cpu = time.perf_counter(), time.process_time()
            statements = classify(folder)
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    best = min(timings)
    print(f"migrations: {count} files, {statements} statements (flyway layout)")
    print(
        f"classified in {best * 1000:.0f} ms (best of 5; median {sorted(timings)[2] * 1000:.0f} ms)"
    )
    print(f"{best / statements * 1e6:.0f} µs per statement; target < 1000 ms for 500 files")
    per_statement = sorted(cpu)[2] / statements * 1e6
    print(f"CPU median {sorted(cpu)[2] * 1000:.0f} ms, {per_statement:.0f} µs per statement")


if __name__ == "__main__":
    main()
