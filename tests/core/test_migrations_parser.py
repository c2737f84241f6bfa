"""The parsing layer under ``migrations check`` and the ``table`` kind: PostgreSQL's own parser
(libpg_query through postgast) counts statement positions in UTF-8 bytes and error positions in
characters; statements, lines and errors must still point at the right place in text that is
not ASCII."""

from __future__ import annotations

import pytest

from unlockstep.core.compat import ENGINES, Policy, Source
from unlockstep.core.migrations._classify import classify_sql
from unlockstep.core.migrations._sql import parse_statements
from unlockstep.core.migrations._table import parse_tables
from unlockstep.errors import ParseError

WIDE = "é" * 40  # 80 bytes, 40 characters


def test_statements_after_non_ascii_text_keep_their_text_and_line() -> None:
    sql = f"-- {WIDE}\nCOMMENT ON TABLE cases IS '{WIDE}';\nALTER TABLE cases DROP COLUMN basis;\n"
    first, second = parse_statements(sql, "m.sql")
    assert (first.line, first.text) == (2, f"COMMENT ON TABLE cases IS '{WIDE}'")
    assert (second.line, second.text) == (3, "ALTER TABLE cases DROP COLUMN basis")
    *_, step = classify_sql(sql, "m.sql")
    assert step.line == 3
    assert {c.rule for c in step.changes} >= {"drop-column"}


def test_a_syntax_error_after_non_ascii_text_names_its_own_line() -> None:
    sql = f"SELECT '{WIDE}';\nSELECT (;\nSELECT 1;\nSELECT 2;\nSELECT 3;\n"
    with pytest.raises(ParseError) as caught:
        parse_statements(sql, "m.sql")
    assert caught.value.where == "m.sql:2"


def test_a_statement_cut_off_at_the_end_is_reported_on_the_last_line() -> None:
    with pytest.raises(ParseError) as caught:
        parse_statements("ALTER TABLE cases ADD COLUMN a int;\nSELECT 1 +", "m.sql")
    assert caught.value.where == "m.sql:2"
    assert "end of input" in caught.value.message


def test_a_lone_surrogate_is_bad_input_naming_its_line() -> None:
    with pytest.raises(ParseError) as caught:
        parse_statements("SELECT 1;\nCOMMENT ON TABLE cases IS '\ud800';", "m.sql")
    assert caught.value.where == "m.sql:2"
    with pytest.raises(ParseError):
        ENGINES["table"].parse(Source("CREATE TABLE t (a int);\n-- \udfff\n"))


def test_deeply_nested_statements_parse_as_postgres_accepts_them() -> None:
    # each chained operator or UNION nests the tree one level deeper
    total = " + ".join(f"c{n}" for n in range(300))
    union = " UNION ALL ".join(f"SELECT {n}" for n in range(300))
    steps = classify_sql(f"UPDATE cases SET a = {total};\nINSERT INTO cases (a) {union};")
    assert [s.actions for s in steps] == [
        ("update cases (backfill)",),
        ("insert cases (backfill)",),
    ]


def test_statements_nested_past_pythons_recursion_limit_still_classify() -> None:
    # the JSON tree nests two levels per operator: 2,000 of them are past json's default limit
    total = " + ".join(f"c{n}" for n in range(2000))
    (step,) = classify_sql(f"UPDATE cases SET a = {total};")
    assert step.actions == ("update cases (backfill)",)


def test_table_columns_after_non_ascii_text_have_their_line() -> None:
    schema = parse_tables(f"-- {WIDE}\nCREATE TABLE «t» (\n  id int,\n  «naïve» text\n);\n")
    table = schema.tables["«t»"]
    assert (table.line, table.columns["id"].line, table.columns["«naïve»"].line) == (2, 3, 4)


def test_alter_table_after_create_table_shapes_the_contract() -> None:
    table = parse_tables(
        "CREATE TABLE cases (id int, status text, note text);\n"
        "ALTER TABLE ONLY cases ALTER COLUMN id TYPE bigint;\n"
        "ALTER TABLE cases ALTER COLUMN status SET NOT NULL;\n"
        "ALTER TABLE cases ALTER COLUMN status SET DEFAULT 'open';\n"
        "ALTER TABLE cases DROP COLUMN note;\n"
        "ALTER TABLE cases ADD CONSTRAINT cases_pkey PRIMARY KEY (id);\n"
    ).tables["cases"]
    assert table.columns["id"].type == "int8"
    assert (table.columns["status"].not_null, table.columns["status"].default) == (True, "'open'")
    assert set(table.columns) == {"id", "status"}
    assert table.primary_key == ("id",)


def test_defaults_and_checks_read_as_postgres_deparses_them() -> None:
    table = parse_tables(
        "CREATE TABLE cases (status varchar(20) DEFAULT 'open'::character varying "
        "CHECK (status <> ''), opened date DEFAULT CURRENT_DATE);"
    ).tables["cases"]
    assert table.columns["status"].default == "'open'::varchar"
    assert table.columns["opened"].default == "current_date"
    assert table.checks == {"status <> ''"}


def test_the_same_default_spelled_another_way_is_no_change() -> None:
    engine = ENGINES["table"]
    old = engine.parse(
        Source("CREATE TABLE t (s varchar(9) DEFAULT CAST('a' AS varchar));", "1.sql")
    )
    new = engine.parse(Source("CREATE TABLE t (s varchar(9) DEFAULT 'a'::varchar);"))
    assert engine.diff(old, new, Policy.LENIENT) == []
