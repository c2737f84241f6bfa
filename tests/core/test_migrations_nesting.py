"""Hostile nesting in SQL: libpg_query recurses in C without a stack check, so a statement
chained tens of thousands of operators deep used to kill the process with a segfault. Every
parse path must survive it and report a ParseError; texts within the limit still parse.

The crashing cases run in a child interpreter, so a regression fails the test instead of
taking the test run down with it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from unlockstep.core.migrations import _nesting
from unlockstep.core.migrations._nesting import LIMIT, count, rough_count
from unlockstep.core.migrations._sql import parse_statements as parse_typed
from unlockstep.core.migrations._table import parse_tables
from unlockstep.core.migrations._tree import parse_statements as parse_plain
from unlockstep.errors import ParseError

SRC = Path(__file__).resolve().parents[2] / "src"

#: statements that chain past the limit; each crashed a parse path before the limit existed
HOSTILE = {
    "operators": "SELECT " + "+".join(["1"] * 40_000),
    "union_all": " UNION ALL ".join(["SELECT 1"] * 45_000),
    "joins": "SELECT 1 FROM a" + " JOIN a ON true" * 25_000,
    "casts": "SELECT 1" + "::int" * 25_000,
}

_CHILD = """
import sys
from unlockstep.core.migrations import _sql, _table, _tree
from unlockstep.errors import ParseError
parse = {"plain": _tree.parse_statements, "typed": _sql.parse_statements,
         "table": _table.parse_tables}[sys.argv[1]]
try:
    parse(sys.stdin.read(), "deep.sql")
    print("parsed")
except ParseError as exc:
    print(f"ParseError: {exc.where}: {exc.message} ({exc.hint})")
"""


def _child(path: str, sql: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_CHILD), path],
        input=sql,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("path", ["plain", "typed"])
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_statement_chained_past_the_limit_is_a_parse_error_not_a_crash(
    path: str, case: str
) -> None:
    run = _child(path, f"-- hostile\n{HOSTILE[case]};\n")
    assert run.returncode == 0, run.stderr[-500:]
    assert run.stdout.startswith("ParseError: deep.sql:2: cannot parse SQL: ")
    assert f"at most {LIMIT:,}" in run.stdout
    assert "split the expression or query" in run.stdout


def test_a_table_default_chained_deep_is_deparsed_on_the_big_stack() -> None:
    # 4,400 chained operators in a DEFAULT overflowed the deparser on an 8 MiB stack
    chain = "+".join(["1"] * 15_000)
    run = _child("table", f"CREATE TABLE t (a int DEFAULT {chain});")
    assert (run.returncode, run.stdout.strip()) == (0, "parsed"), run.stderr[-500:]


@pytest.mark.parametrize("path", ["plain", "typed"])
def test_a_chain_just_within_the_limit_still_parses(path: str) -> None:
    # its JSON tree (about 40,000 levels) overflowed json's C decoder at 32,800 operators
    run = _child(path, "SELECT " + "+".join(["1"] * (LIMIT - 100)))
    assert (run.returncode, run.stdout.strip()) == (0, "parsed"), run.stderr[-500:]


def test_the_refusal_names_the_line_where_the_limit_was_passed() -> None:
    sql = "SELECT 1;\n" * 3 + "SELECT " + "+\n".join(["1"] * (LIMIT + 10))
    with pytest.raises(ParseError) as caught:
        parse_plain(sql, "m.sql")
    assert caught.value.where == f"m.sql:{4 + LIMIT}"


def test_flat_lists_as_long_as_you_like_are_not_refused() -> None:
    many = ", ".join(str(n) for n in range(50_000))
    sql = f"SELECT 1 WHERE 1 IN ({many}) AND true AND true;"
    assert len(parse_plain(sql)) == len(parse_typed(sql)) == 1


def test_operators_in_comments_strings_and_dollar_quotes_are_not_counted() -> None:
    noise = "-" * (LIMIT + 1)
    sql = (
        f"-- {noise}\n/* {noise} /* nested */ {noise} */\n"
        f"SELECT '{noise}', E'\\'{noise}', $x${noise}$x$, \"{noise}\" + 1;\n"
    )
    assert count(sql) == (1, -1)
    assert len(parse_plain(sql)) == 1


def test_the_rough_count_never_undercounts_the_careful_one() -> None:
    texts = [*HOSTILE.values(), "SELECT a::int + b FROM x JOIN y ON x.id = y.id UNION SELECT 1"]
    for text in texts:
        assert rough_count(text.encode()) >= count(text)[0]


def test_ordinary_files_are_parsed_on_the_callers_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("sent to the worker")

    monkeypatch.setattr(_nesting, "on_big_stack", refuse)
    monkeypatch.setattr("unlockstep.core.migrations._tree.on_big_stack", refuse)
    sql = "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;\nUPDATE t SET c = c + 1;\n"
    assert len(parse_plain(sql * 50)) == 100


def test_the_limit_is_per_statement_not_per_file() -> None:
    statement = "SELECT " + "+".join(["1"] * (LIMIT // 2)) + ";\n"
    assert count(statement * 3) == (LIMIT // 2 - 1, -1)
    assert len(parse_plain(statement * 3)) == len(parse_typed(statement * 3)) == 3


def test_a_long_table_statement_reads_the_same_on_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    columns = ",\n".join(f"  c{n} int NOT NULL DEFAULT {n} CHECK (c{n} > {n})" for n in range(80))
    sql = f"CREATE TABLE t (\n{columns}\n);"
    on_worker = parse_tables(sql)  # longer than SHALLOW
    monkeypatch.setattr("unlockstep.core.migrations._table.SHALLOW", len(sql))
    assert parse_tables(sql) == on_worker
    assert on_worker.tables["t"].columns["c7"].default == "7"
    assert "c79 > 79" in on_worker.tables["t"].checks
