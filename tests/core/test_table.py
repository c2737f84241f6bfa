"""The ``table`` contract kind: CREATE TABLE DDL compared from the BACKWARD point of view."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unlockstep.core.compat._model import ENGINES, Breaks, Level, Mode, Policy, Source, check
from unlockstep.core.migrations._table import ENGINE, parse_tables, type_change
from unlockstep.errors import ParseError

BASE = """
CREATE TABLE cases (
    id bigint PRIMARY KEY,
    tenant_id text NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'open',
    reason text,
    level integer
);
"""

#: name -> (new DDL, expected (rule, level, breaks) under the lenient policy)
CHANGES: dict[str, tuple[str, set[tuple[str, Level, Breaks]]]] = {
    "unchanged": (BASE, set()),
    "column_removed": (
        BASE.replace("    reason text,\n", ""),
        {("column-removed", Level.BREAKING, Breaks.BOTH)},
    ),
    "nullable_column_added": (
        BASE.replace("level integer", "level integer, basis text"),
        {("column-added", Level.INFO, Breaks.NONE)},
    ),
    "required_column_added": (
        BASE.replace("level integer", "level integer, basis text NOT NULL"),
        {("required-column-added", Level.BREAKING, Breaks.WRITERS)},
    ),
    "required_column_with_default_added": (
        BASE.replace("level integer", "level integer, basis text NOT NULL DEFAULT 'x'"),
        {("column-added", Level.INFO, Breaks.NONE)},
    ),
    "column_became_required": (
        BASE.replace("reason text", "reason text NOT NULL"),
        {("column-became-required", Level.BREAKING, Breaks.WRITERS)},
    ),
    "column_became_nullable": (
        BASE.replace("tenant_id text NOT NULL", "tenant_id text"),
        {("column-became-nullable", Level.WARNING, Breaks.READERS)},
    ),
    "default_removed_on_not_null": (
        BASE.replace(" DEFAULT 'open'", ""),
        {("column-default-removed", Level.BREAKING, Breaks.WRITERS)},
    ),
    "type_widened": (
        BASE.replace("level integer", "level bigint"),
        {("column-type-widened", Level.WARNING, Breaks.READERS)},
    ),
    "type_narrowed": (
        BASE.replace("varchar(20)", "varchar(10)"),
        {("column-type-narrowed", Level.BREAKING, Breaks.WRITERS)},
    ),
    "type_changed": (
        BASE.replace("level integer", "level text"),
        {("column-type-changed", Level.BREAKING, Breaks.BOTH)},
    ),
    "table_removed": (
        "CREATE TABLE other (id int);",
        {("table-removed", Level.BREAKING, Breaks.BOTH), ("table-added", Level.INFO, Breaks.NONE)},
    ),
    "unique_added": (
        BASE.replace("reason text", "reason text UNIQUE"),
        {("unique-added", Level.WARNING, Breaks.WRITERS)},
    ),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_table_changes_are_classified_by_who_they_break(name: str) -> None:
    new_text, expected = CHANGES[name]
    found = ENGINE.diff(
        parse_tables(BASE, "old.sql"), parse_tables(new_text, "new.sql"), Policy.LENIENT
    )
    assert {(c.rule, c.level, c.breaks) for c in found} == expected


def test_strict_policy_makes_loosened_guarantees_breaking() -> None:
    new = parse_tables(BASE.replace("tenant_id text NOT NULL", "tenant_id text"))
    (change,) = ENGINE.diff(parse_tables(BASE), new, Policy.STRICT)
    assert change.level is Level.BREAKING


def test_changes_point_at_the_new_file_and_column_line() -> None:
    new = parse_tables(BASE.replace("level integer", "level text"), "v2.sql")
    (change,) = ENGINE.diff(parse_tables(BASE, "v1.sql"), new, Policy.LENIENT)
    assert change.location.file == "v2.sql"
    assert change.location.line == 7
    assert change.location.pointer == "/tables/cases/columns/level"


def test_the_table_kind_is_registered_and_works_with_the_shared_mode_table() -> None:
    assert ENGINES["table"] is ENGINE
    assert ENGINE.sniff(Source(BASE, "cases.sql"))
    assert not ENGINE.sniff(Source("{}", "cases.json"))
    old, new = parse_tables(BASE), parse_tables(BASE.replace("    reason text,\n", ""))
    assert not check(ENGINE, new, [("v1", old)], Mode.BACKWARD).compatible
    # FORWARD asks whether new-shape users survive the old table: adding a nullable column back
    assert check(ENGINE, new, [("v1", old)], Mode.FORWARD).compatible


@pytest.mark.parametrize(
    ("old", "new", "how"),
    [
        ("int4", "int8", "widened"),
        ("int8", "int4", "narrowed"),
        ("varchar(20)", "text", "widened"),
        ("text", "varchar(20)", "narrowed"),
        ("varchar(10)", "varchar(20)", "widened"),
        ("numeric(10,2)", "numeric(12,2)", "widened"),
        ("numeric(10,2)", "numeric(10,3)", "changed"),
        ("int4", "text", "changed"),
        ("text[]", "text", "changed"),
    ],
)
def test_type_changes_are_widening_narrowing_or_neither(old: str, new: str, how: str) -> None:
    assert type_change(old, new) == how


def test_a_file_without_create_table_is_bad_input() -> None:
    with pytest.raises(ParseError, match="no CREATE TABLE"):
        parse_tables("SELECT 1;", "x.sql")


def test_a_table_defined_twice_is_bad_input() -> None:
    with pytest.raises(ParseError, match="defined twice") as err:
        parse_tables("CREATE TABLE a (id int);\nCREATE TABLE a (id int);", "x.sql")
    assert err.value.where == "x.sql:2"


_TYPES = st.sampled_from(["int4", "int8", "text", "varchar(20)", "bool", "timestamptz", "uuid"])
_COLUMNS = st.dictionaries(
    st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True),
    st.tuples(_TYPES, st.booleans(), st.booleans()),
    min_size=1,
    max_size=6,
)


def _ddl(columns: dict[str, tuple[str, bool, bool]]) -> str:
    parts = [
        f'"{n}" {t}' + (" NOT NULL" if nn else "") + (" DEFAULT NULL" if d else "")
        for n, (t, nn, d) in columns.items()
    ]
    return f"CREATE TABLE t ({', '.join(parts)});"


@settings(max_examples=60, deadline=None)
@given(_COLUMNS)
def test_a_table_contract_is_compatible_with_itself(
    columns: dict[str, tuple[str, bool, bool]],
) -> None:
    schema = parse_tables(_ddl(columns))
    assert ENGINE.diff(schema, schema, Policy.STRICT) == []


@settings(max_examples=60, deadline=None)
@given(_COLUMNS, _COLUMNS)
def test_removing_a_column_is_always_breaking(
    old: dict[str, tuple[str, bool, bool]], new: dict[str, tuple[str, bool, bool]]
) -> None:
    changes = ENGINE.diff(parse_tables(_ddl(old)), parse_tables(_ddl(new)), Policy.LENIENT)
    removed = {c.location.pointer.rsplit("/", 1)[-1] for c in changes if c.rule == "column-removed"}
    assert removed == set(old) - set(new)


PG_DUMP = """
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE TABLE public.cases (
    id bigint NOT NULL,
    tenant_id text NOT NULL,
    status character varying(20),
    reason text
);
ALTER TABLE public.cases OWNER TO app;
CREATE SEQUENCE public.cases_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER TABLE ONLY public.cases ALTER COLUMN id SET DEFAULT nextval('public.cases_id_seq'::regclass);
ALTER TABLE ONLY public.cases ALTER COLUMN status SET DEFAULT 'open'::character varying;
ALTER TABLE ONLY public.cases ADD CONSTRAINT cases_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.cases ADD CONSTRAINT cases_tenant_key UNIQUE (tenant_id, reason);
CREATE INDEX cases_status_idx ON public.cases USING btree (status);
"""


def test_pg_dump_schema_output_is_a_table_contract_with_its_alter_statements_applied() -> None:
    (table,) = parse_tables(PG_DUMP, "dump.sql").tables.values()
    assert table.name == "cases"
    assert table.primary_key == ("id",)
    assert table.columns["id"].default is not None
    assert table.columns["status"].default is not None
    assert table.columns["status"].type == "varchar(20)"
    assert ("tenant_id", "reason") in table.unique


def test_a_dumped_schema_is_compatible_with_its_own_create_table_form() -> None:
    create = """CREATE TABLE cases (
        id bigint PRIMARY KEY DEFAULT nextval('public.cases_id_seq'::regclass),
        tenant_id text NOT NULL,
        status varchar(20) DEFAULT 'open'::character varying,
        reason text,
        UNIQUE (tenant_id, reason)
    );"""
    changes = ENGINE.diff(parse_tables(PG_DUMP), parse_tables(create), Policy.STRICT)
    assert changes == []
