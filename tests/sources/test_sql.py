"""Read-only SQL sources: the session refuses writes (and says so), statements stop at the
timeout, answers stop at the row limit, and the DSN never appears in a message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.safety_systems import ReadOnlySystem, readonly_postgres
from unlockstep.core.safety import SourceSpec
from unlockstep.sources.errors import SourceError
from unlockstep.sources.sql import SqlSource

PAYMENTS = """
CREATE TABLE payments (id integer PRIMARY KEY, state text NOT NULL, amount numeric(10, 2));
INSERT INTO payments SELECT g, CASE WHEN g % 10 = 0 THEN 'stuck' ELSE 'done' END, g * 1.5
FROM generate_series(1, 100) AS g;
"""


@pytest.fixture
def system() -> Iterator[ReadOnlySystem]:
    with readonly_postgres(PAYMENTS) as found:
        yield found


def postgres(system: ReadOnlySystem, **options: object) -> SqlSource:
    spec = SourceSpec(name="payments-db", kind="postgresql", dsn_env="PAYMENTS_DSN", **options)  # type: ignore[arg-type]
    return SqlSource(spec, env={"PAYMENTS_DSN": system.dsn})


def count(system: ReadOnlySystem) -> int:
    import psycopg

    with psycopg.connect(system.admin) as conn:
        row = conn.execute("SELECT count(*) FROM payments").fetchone()
        assert row is not None
        return int(row[0])


@pytest.mark.postgres
def test_a_query_of_the_read_only_role_answers_with_columns_and_rows(
    system: ReadOnlySystem,
) -> None:
    result = postgres(system).fetch("SELECT id FROM payments WHERE state = 'stuck' ORDER BY id")
    assert result.columns == ("id",)
    assert [r[0] for r in result.rows] == list(range(10, 101, 10))
    assert not result.truncated


@pytest.mark.postgres
@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM payments",
        "WITH gone AS (DELETE FROM payments RETURNING id) SELECT id FROM gone",
        "UPDATE payments SET state = 'done'",
        "CREATE TABLE sneaky (id int)",
    ],
)
def test_a_query_that_tries_to_write_is_refused_and_changes_nothing(
    system: ReadOnlySystem, query: str
) -> None:
    with pytest.raises(SourceError) as refused:
        postgres(system).fetch(query)
    assert refused.value.kind == "refused"
    assert count(system) == 100


@pytest.mark.postgres
def test_the_session_is_read_only_even_for_a_role_that_may_write(
    system: ReadOnlySystem,
) -> None:
    """The read-only role is the real guard; the session is the second one (a DSN with an
    owner's role must not make a safety net a write path)."""
    spec = SourceSpec(name="payments-db", kind="postgresql", dsn_file=None, dsn_env="OWNER_DSN")
    owner = SqlSource(spec, env={"OWNER_DSN": system.admin})
    with pytest.raises(SourceError) as refused:
        owner.fetch("DELETE FROM payments")
    assert refused.value.kind == "refused"
    assert "read-only" in refused.value.message
    assert count(system) == 100


@pytest.mark.postgres
def test_a_statement_past_the_timeout_is_cancelled_as_unavailable(
    system: ReadOnlySystem,
) -> None:
    with pytest.raises(SourceError) as slow:
        postgres(system, statement_timeout=0.2).fetch("SELECT pg_sleep(5)")
    assert slow.value.kind == "unavailable"
    assert "timeout" in slow.value.message


@pytest.mark.postgres
def test_the_row_limit_cuts_the_answer_and_says_so(system: ReadOnlySystem) -> None:
    result = postgres(system, row_limit=7).fetch("SELECT id FROM payments ORDER BY id")
    assert len(result.rows) == 7
    assert result.truncated


@pytest.mark.postgres
def test_a_stream_returns_every_row_ordered_by_key_in_chunks(system: ReadOnlySystem) -> None:
    chunks: list[int] = []
    with postgres(system).stream(
        "SELECT id, state FROM payments", "id", integer_key=True, chunk=30, on_chunk=chunks.append
    ) as (columns, rows):
        ids = [r[0] for r in rows]
    assert columns == ("id", "state")
    assert ids == list(range(1, 101))
    assert chunks == [30, 30, 30, 10]


@pytest.mark.postgres
def test_a_text_key_streams_in_code_point_order_whatever_the_collation(
    system: ReadOnlySystem,
) -> None:
    with postgres(system).stream("SELECT 'k' || id AS k FROM payments", "k", integer_key=False) as (
        _,
        rows,
    ):
        keys = [r[0] for r in rows]
    assert keys == sorted(keys)


@pytest.mark.postgres
def test_no_message_carries_the_password_or_the_dsn(system: ReadOnlySystem) -> None:
    wrong_db = system.dsn.replace(system.dsn.rsplit("/", 1)[1].split("?")[0], "no_such_db")
    cases = {
        "unreachable database": wrong_db,
        "unparsable DSN": f"{system.password} garbage",
        "bad port": f"postgresql://u:{system.password}@127.0.0.1:notaport/db",
    }
    for what, dsn in cases.items():
        spec = SourceSpec(name="payments-db", kind="postgresql", dsn_env="DSN")
        with pytest.raises(SourceError) as failed:
            SqlSource(spec, env={"DSN": dsn}).fetch("SELECT 1")
        assert system.password not in failed.value.message, what
        assert dsn not in failed.value.message, what


def test_a_missing_dsn_variable_is_named_without_a_value() -> None:
    spec = SourceSpec(name="payments-db", kind="postgresql", dsn_env="NOT_SET_ANYWHERE")
    with pytest.raises(SourceError) as failed:
        SqlSource(spec, env={}).fetch("SELECT 1")
    assert failed.value.kind == "config"
    assert "NOT_SET_ANYWHERE" in failed.value.message


def test_a_dsn_file_is_read_when_the_query_runs(tmp_path: Path) -> None:
    spec = SourceSpec(name="db", kind="postgresql", dsn_file=str(tmp_path / "missing"))
    with pytest.raises(SourceError) as failed:
        SqlSource(spec, env={}).fetch("SELECT 1")
    assert failed.value.kind == "config"
    assert str(tmp_path / "missing") in failed.value.message


def sqlite_db(tmp_path: Path) -> Path:
    import sqlite3

    path = tmp_path / "cases.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE cases (id INTEGER PRIMARY KEY, status TEXT)")
        conn.executemany("INSERT INTO cases VALUES (?, ?)", [(i, "open") for i in range(1, 6)])
    return path


def test_a_sqlite_file_is_opened_read_only(tmp_path: Path) -> None:
    import sqlite3

    path = sqlite_db(tmp_path)
    source = SqlSource(SourceSpec(name="cases", kind="sqlite", path=str(path)))
    assert len(source.fetch("SELECT id FROM cases").rows) == 5
    with pytest.raises(SourceError) as refused:
        source.fetch("DELETE FROM cases")
    assert refused.value.kind == "refused"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (5,)


def test_a_sqlite_script_is_a_private_read_only_copy(tmp_path: Path) -> None:
    script = tmp_path / "system.sql"
    script.write_text("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2);")
    source = SqlSource(SourceSpec(name="t", kind="sqlite", path=str(script)))
    assert source.fetch("SELECT id FROM t ORDER BY id").rows == [(1,), (2,)]
    with pytest.raises(SourceError) as refused:
        source.fetch("INSERT INTO t VALUES (3)")
    assert refused.value.kind == "refused"


def test_a_bad_sqlite_query_is_invalid_not_unavailable(tmp_path: Path) -> None:
    source = SqlSource(SourceSpec(name="cases", kind="sqlite", path=str(sqlite_db(tmp_path))))
    with pytest.raises(SourceError) as bad:
        source.fetch("SELECT nope FROM cases")
    assert bad.value.kind == "invalid"


def test_a_sqlite_statement_past_the_timeout_is_interrupted(tmp_path: Path) -> None:
    source = SqlSource(
        SourceSpec(name="c", kind="sqlite", path=str(sqlite_db(tmp_path)), statement_timeout=0.1)
    )
    endless = (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
    )
    with pytest.raises(SourceError) as slow:
        source.fetch(endless)
    assert slow.value.kind == "unavailable"


def test_a_long_sqlite_stream_times_each_chunk_not_the_whole_read(tmp_path: Path) -> None:
    """A reconciliation reads for as long as the table is long; the statement timeout
    applies to each chunk (as PostgreSQL applies it to each FETCH)."""
    import sqlite3
    import time

    path = tmp_path / "big.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, "x" * 20) for i in range(8000)])
    source = SqlSource(SourceSpec(name="t", kind="sqlite", path=str(path), statement_timeout=0.3))
    with source.stream(
        "SELECT id, v FROM t", "id", integer_key=True, chunk=2000,
        on_chunk=lambda _: time.sleep(0.15),
    ) as (_, rows):  # fmt: skip
        assert sum(1 for _ in rows) == 8000  # 4 chunks, 0.6 s in all: past 0.3 s, each inside
