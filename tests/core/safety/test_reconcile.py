"""Reconciliation as a merge of two key-ordered streams: every injected difference is
reported exactly once, and nothing else is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unlockstep.core.safety import (
    Comparison,
    Discrepancy,
    FieldMap,
    KeyOrderError,
    ReconciliationSpec,
    Side,
    SourceSpec,
)
from unlockstep.services.reconciliation import compare


def spec(
    fields: tuple[FieldMap, ...] = (FieldMap("status", "status", "state"),),
    key_type: str = "integer",
    chunk: int = 100,
) -> ReconciliationSpec:
    return ReconciliationSpec(
        name="cases",
        service="case-service",
        owner="case-platform-team",
        description="",
        left=Side("old", "SELECT id, status FROM cases", "id"),
        right=Side("new", "SELECT case_id, state FROM cases", "case_id"),
        fields=fields,
        key_type=key_type,  # type: ignore[arg-type]
        chunk=chunk,
    )


def run(s: ReconciliationSpec, left: list[tuple[Any, ...]], right: list[tuple[Any, ...]]) -> tuple[
    list[Discrepancy], Comparison
]:  # fmt: skip
    comparison = Comparison(s, ("id", "status"), ("case_id", "state"))
    return list(comparison.run(left, right)), comparison


def test_missing_on_either_side_and_mismatched_fields_are_told_apart() -> None:
    found, comparison = run(
        spec(),
        [(1, "open"), (2, "open"), (4, "closed")],
        [(1, "open"), (3, "open"), (4, "open")],
    )
    assert [(d.kind, d.key) for d in found] == [
        ("missing-right", "2"),
        ("missing-left", "3"),
        ("mismatch", "4"),
    ]
    assert found[2].fields[0].left == "closed" and found[2].fields[0].right == "open"
    t = comparison.tally
    assert (t.left_rows, t.right_rows, t.matched, t.discrepancies) == (3, 3, 1, 3)


def test_normalisers_and_value_maps_make_equal_what_only_differs_in_spelling() -> None:
    fields = (
        FieldMap("status", "status", "state", ("trim", "lower"), (("escalated", "open"),)),
        FieldMap("amount", "amount", "amount", ("decimal",)),
        FieldMap("opened", "opened", "opened", ("timestamp",)),
    )
    s = spec(fields)
    comparison = Comparison(
        s, ("id", "status", "amount", "opened"), ("case_id", "state", "amount", "opened")
    )
    left = [(1, " OPEN ", "12.50", "2026-05-01 10:00:00+02:00"), (2, "ESCALATED", 3, None)]
    right = [(1, "open", 12.5, "2026-05-01T08:00:00Z"), (2, "open", "3.0", None)]
    assert list(comparison.run(left, right)) == []


def test_a_duplicate_or_unordered_key_stops_the_run_instead_of_guessing() -> None:
    with pytest.raises(KeyOrderError, match="twice"):
        run(spec(), [(1, "a"), (1, "a")], [])
    with pytest.raises(KeyOrderError, match="out of key order"):
        run(spec(), [], [(2, "a"), (1, "a")])


def test_a_missing_column_is_named() -> None:
    with pytest.raises(KeyError, match="status"):
        Comparison(spec(), ("id",), ("case_id", "state"))


# -- the property ---------------------------------------------------------------------------

keys = st.sets(st.integers(min_value=-(10**6), max_value=10**6), max_size=40)
#: Any text a database stores: no NUL, no lone surrogates (not UTF-8).
key_text = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1, max_size=6
)
text_keys = st.sets(key_text, max_size=40)


@st.composite
def table_pairs(draw: st.DrawFn, key_strategy: Any = keys, show: Any = str) -> tuple[
    list[tuple[Any, str]], list[tuple[Any, str]], set[tuple[str, str]]
]:  # fmt: skip
    """Two tables and the differences injected between them: (kind, key)."""
    shared = draw(key_strategy)
    only_left = draw(key_strategy) - shared
    only_right = draw(key_strategy) - shared - only_left
    changed = set(draw(st.lists(st.sampled_from(sorted(shared)), unique=True))) if shared else set()
    value = st.text(alphabet="abcXYZ ", max_size=4)
    left: dict[Any, str] = {}
    right: dict[Any, str] = {}
    for k in shared:
        v = draw(value)
        left[k] = v
        right[k] = v + "!" if k in changed else v
    for k in only_left:
        left[k] = draw(value)
    for k in only_right:
        right[k] = draw(value)
    injected = (
        {("missing-right", show(k)) for k in only_left}
        | {("missing-left", show(k)) for k in only_right}
        | {("mismatch", show(k)) for k in changed}
    )
    return sorted(left.items()), sorted(right.items()), injected


@settings(max_examples=150)
@given(table_pairs())
def test_every_injected_difference_is_reported_once_and_nothing_else(
    pair: tuple[list[tuple[Any, str]], list[tuple[Any, str]], set[tuple[str, str]]],
) -> None:
    left, right, injected = pair
    found, comparison = run(spec(), left, right)
    reported = [(d.kind, d.key) for d in found]
    assert len(reported) == len(set(reported))
    assert set(reported) == injected
    assert comparison.tally.matched == len({k for k, _ in left} & {k for k, _ in right}) - sum(
        1 for kind, _ in injected if kind == "mismatch"
    )


def _sqlite_script(table: str, key: str, value: str, rows: list[tuple[Any, str]]) -> str:
    def lit(v: Any) -> str:
        return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"

    lines = [f"CREATE TABLE {table} ({key} PRIMARY KEY, {value} TEXT);"]
    lines += [f"INSERT INTO {table} VALUES ({lit(k)}, {lit(v)});" for k, v in rows]
    return "\n".join(lines)


@settings(max_examples=30)
@given(table_pairs(text_keys), st.randoms(use_true_random=False), st.integers(1, 7))
def test_two_real_sqlite_tables_in_any_insert_order_report_exactly_the_injected_differences(
    tmp_path_factory: pytest.TempPathFactory,
    pair: tuple[list[tuple[Any, str]], list[tuple[Any, str]], set[tuple[str, str]]],
    shuffler: Any,
    chunk: int,
) -> None:
    """Through the sources: rows inserted in random order, text keys of any code points,
    read back ordered by key in tiny chunks."""
    left, right, injected = pair
    shuffler.shuffle(left)
    shuffler.shuffle(right)
    folder = tmp_path_factory.mktemp("pair")
    (folder / "old.sql").write_text(_sqlite_script("cases", "id", "status", left))
    (folder / "new.sql").write_text(_sqlite_script("cases", "case_id", "state", right))
    s = spec(key_type="text", chunk=chunk)
    old = SourceSpec(name="old", kind="sqlite", path=str(folder / "old.sql"))
    new = SourceSpec(name="new", kind="sqlite", path=str(folder / "new.sql"))
    found: list[Discrepancy] = []
    tally = compare(s, old, new, on_discrepancies=found.extend)
    reported = [(d.kind, d.key) for d in found]
    assert len(reported) == len(set(reported))
    assert set(reported) == injected
    assert tally.left_rows == len(left) and tally.right_rows == len(right)


@pytest.fixture(scope="module")
def pg_pair() -> Iterator[Any]:
    """Two empty tables in a schema of their own, readable by a read-only role."""
    from tests.safety_systems import readonly_postgres

    with readonly_postgres(
        "CREATE TABLE old_cases (id text PRIMARY KEY, status text);"
        "CREATE TABLE new_cases (case_id text PRIMARY KEY, state text);"
    ) as found:
        yield found


pg_text_keys = st.sets(key_text, max_size=30)


@pytest.mark.postgres
@settings(max_examples=25)
@given(table_pairs(pg_text_keys), st.integers(1, 9))
def test_real_postgresql_tables_with_any_text_keys_report_exactly_the_injected_differences(
    pg_pair: Any,
    pair: tuple[list[tuple[Any, str]], list[tuple[Any, str]], set[tuple[str, str]]],
    chunk: int,
) -> None:
    """PostgreSQL sorts text by its collation; the source asks for code-point order
    (``COLLATE "C"``) so the merge agrees with Python whatever the database's locale."""
    import psycopg

    left, right, injected = pair
    with psycopg.connect(pg_pair.admin, autocommit=True) as conn:
        conn.execute("TRUNCATE old_cases, new_cases")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO old_cases VALUES (%s, %s)", left)
            cur.executemany("INSERT INTO new_cases VALUES (%s, %s)", right)
    s = ReconciliationSpec(
        name="cases", service="s", owner="o", description="",
        left=Side("pg", "SELECT id, status FROM old_cases", "id"),
        right=Side("pg", "SELECT case_id, state FROM new_cases", "case_id"),
        fields=(FieldMap("status", "status", "state"),), key_type="text", chunk=chunk,
    )  # fmt: skip
    source = SourceSpec(name="pg", kind="postgresql", dsn_env="DSN")
    found: list[Discrepancy] = []
    compare(s, source, source, env={"DSN": pg_pair.dsn}, on_discrepancies=found.extend)
    reported = [(d.kind, d.key) for d in found]
    assert len(reported) == len(set(reported))
    assert set(reported) == injected
