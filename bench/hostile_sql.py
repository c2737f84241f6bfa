"""Deeply nested SQL through both parse paths: outcome, CPU seconds and peak memory per case.

Run: ``python bench/hostile_sql.py``. Each case runs in a fresh child interpreter (so a crash is
reported, not suffered, and each peak RSS is that case's alone) through ``plain`` (libpg_query's
JSON tree, ``migrations check``), ``typed`` (postgast's protobuf nodes) and, for CREATE TABLE
cases, ``table`` (the ``table`` contract kind, which deparses defaults and checks).

Before the nesting guard (8 MiB main-thread stack): ``typed`` segfaulted at about 21,800
chained operators (43,600 UNION ALL arms), ``plain`` at 32,800 (json's C decoder under the old
200,000 recursion limit) and 65,500 in libpg_query's JSON writer, ``table`` at 4,400 chained
operators in a DEFAULT (the deparser). Parentheses, NOT, function calls, subqueries and CASE stop
at PostgreSQL's own grammar limit ("memory exhausted", about 10,000 levels).
"""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import resource, sys, time
from unlockstep.core.migrations import _sql, _table, _tree
from unlockstep.errors import ParseError
parse = {"plain": _tree.parse_statements, "typed": _sql.parse_statements,
         "table": _table.parse_tables}[sys.argv[1]]
sql = sys.stdin.read()
start = time.process_time()
try:
    parse(sql)
    outcome = "parsed"
except ParseError as exc:
    outcome = "ParseError: " + exc.message[:60]
cpu = time.process_time() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{outcome:<72} {cpu:6.2f} s CPU {rss:6.0f} MiB")
"""


def chain(n: int) -> str:
    return "+".join(["1"] * n)


CASES = {
    "19,900 chained +": ("SELECT " + chain(19_900), ("plain", "typed")),
    "40,000 chained +": ("SELECT " + chain(40_000), ("plain", "typed")),
    "45,000 UNION ALL arms": (" UNION ALL ".join(["SELECT 1"] * 45_000), ("plain", "typed")),
    "25,000 JOINs": ("SELECT 1 FROM a" + " JOIN a ON true" * 25_000, ("plain", "typed")),
    "25,000 ::int casts": ("SELECT 1" + "::int" * 25_000, ("plain", "typed")),
    "10,000 parentheses": ("SELECT " + "(" * 10_000 + "1" + ")" * 10_000, ("plain", "typed")),
    "3,300 nested subqueries": ("SELECT " + "(SELECT " * 3_300 + "1" + ")" * 3_300, ("plain",)),
    "200,000-item IN list": (
        "SELECT 1 WHERE 1 IN (" + ",".join(["1"] * 200_000) + ")",
        ("plain", "typed"),
    ),
    "DEFAULT of 15,000 chained +": (
        f"CREATE TABLE t (a int DEFAULT {chain(15_000)});",
        ("table",),
    ),
    "CHECK of 9,000 NOT over 19,000 +": (
        f"CREATE TABLE t (a int CHECK ({'NOT ' * 9_000}(a > {chain(19_000)})));",
        ("table",),
    ),
}


def main() -> None:
    for name, (sql, paths) in CASES.items():
        for path in paths:
            run = subprocess.run(
                [sys.executable, "-c", CHILD, path],
                input=sql,
                capture_output=True,
                text=True,
                check=False,
            )
            result = run.stdout.strip() or f"crashed (exit {run.returncode})"
            print(f"{name:<34} {path:<6} {result}", flush=True)


if __name__ == "__main__":
    main()
