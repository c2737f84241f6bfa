"""A folder's layout is detected and its migrations run in the order the tool runs them."""

from __future__ import annotations

import pytest

from unlockstep.core.migrations._alembic import read_script
from unlockstep.core.migrations._classify import Phase
from unlockstep.core.migrations._folders import (
    MigrationFile,
    check_files,
    detect_layout,
    natural_key,
    order,
)
from unlockstep.errors import InvalidInput, ParseError

SQL = "SELECT 1;"


def files(*names: str) -> list[MigrationFile]:
    return [MigrationFile(f"db/{n}", SQL) for n in names]


@pytest.mark.parametrize(
    ("names", "layout"),
    [
        (("V1__init.sql", "V1.1__more.sql", "R__views.sql"), "flyway"),
        (("001_init.sql", "002_more.sql"), "numbered"),
        (("20240101_init.sql", "20240301-more.sql"), "numbered"),
        (("init.sql", "more.sql"), "files"),
        (("V1__init.sql", "notes.sql"), "files"),
        (("V1__init.sql", "afterMigrate.sql", "beforeEachMigrate__log.sql"), "flyway"),
    ],
)
def test_layout_is_detected_from_file_names(names: tuple[str, ...], layout: str) -> None:
    assert detect_layout(files(*names)) == layout


def test_flyway_orders_by_version_then_repeatables_and_skips_undo() -> None:
    given = files(
        "V10__j.sql", "R__views.sql", "V2__b.sql", "V1.1__a2.sql", "V1__a.sql", "U2__undo_b.sql"
    )
    ordered = [f.name for f in order(given, "flyway")]
    assert ordered == ["V1__a.sql", "V1.1__a2.sql", "V2__b.sql", "V10__j.sql", "R__views.sql"]


def test_numbered_files_sort_naturally() -> None:
    given = files("10_c.sql", "2_b.sql", "1_a.sql")
    assert [f.name for f in order(given, "numbered")] == ["1_a.sql", "2_b.sql", "10_c.sql"]
    assert natural_key("a2") < natural_key("a10")


def alembic(revision: str, down: str | None, body: str) -> str:
    down_text = repr(down)
    return (
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f"revision = {revision!r}\ndown_revision = {down_text}\n\n"
        f"def upgrade():\n{body}\n\ndef downgrade():\n    op.drop_table('x')\n"
    )


def test_alembic_scripts_run_in_down_revision_order_not_file_name_order() -> None:
    given = [
        MigrationFile("versions/a_third.py", alembic("c3", "b2", "    op.execute('SELECT 3')")),
        MigrationFile("versions/b_first.py", alembic("a1", None, "    op.execute('SELECT 1')")),
        MigrationFile("versions/c_second.py", alembic("b2", "a1", "    op.execute('SELECT 2')")),
    ]
    report = check_files(given)
    assert report.layout == "alembic"
    assert [f.version for f in report.files] == ["a1", "b2", "c3"]


def test_alembic_op_calls_are_classified_like_the_sql_they_run() -> None:
    body = "\n".join(
        [
            "    op.add_column('cases', sa.Column('basis', sa.Text(), nullable=True))",
            "    op.execute(\"UPDATE cases SET basis = 'x' WHERE basis IS NULL\")",
            "    op.alter_column('cases', 'basis', nullable=False)",
            "    op.alter_column('cases', 'reason', new_column_name='why')",
            "    op.drop_column('cases', 'legacy')",
            "    op.create_index(op.f('ix_cases_basis'), 'cases', ['basis'])",
            "    op.rename_table('cases', 'tickets')",
            "    op.add_column('cases', sa.Column('n', sa.Integer(), nullable=False))",
            "    op.execute(build_sql())",
        ]
    )
    report = check_files([MigrationFile("versions/x.py", alembic("x1", None, body))])
    steps = report.steps
    assert [s.phase for s in steps] == [
        Phase.EXPAND,
        Phase.MIGRATE,
        Phase.CONTRACT,
        Phase.CONTRACT,
        Phase.CONTRACT,
        Phase.EXPAND,
        Phase.CONTRACT,
        Phase.CONTRACT,
        Phase.NEUTRAL,
    ]
    rules = [sorted(c.rule for c in s.changes if c.rule != "missing-lock-timeout") for s in steps]
    assert rules[2] == ["not-null-scans-table", "set-not-null"]
    assert rules[3] == ["rename-column"]
    assert rules[5] == ["index-not-concurrent"]
    assert rules[7] == ["add-required-column"]
    assert rules[8] == ["unrecognised-operation"]
    assert steps[0].text.startswith("op.add_column(")
    assert [s.line for s in steps] == list(range(8, 17))


def test_alembic_concurrent_index_needs_an_autocommit_block() -> None:
    inside = (
        "    with op.get_context().autocommit_block():\n"
        "        op.create_index('ix', 'cases', ['a'], postgresql_concurrently=True)"
    )
    outside = "    op.create_index('ix', 'cases', ['a'], postgresql_concurrently=True)"
    ok = check_files([MigrationFile("v.py", alembic("r", None, inside))]).steps
    bad = check_files([MigrationFile("v.py", alembic("r", None, outside))]).steps
    assert [c.rule for c in ok[0].changes] == []
    assert [c.rule for c in bad[0].changes] == ["concurrently-in-transaction"]


def test_alembic_script_without_revision_is_bad_input() -> None:
    with pytest.raises(ParseError):
        read_script("down_revision = None\ndef upgrade():\n    pass\n", "v.py")


def test_alembic_script_nested_too_deep_for_python_is_bad_input_and_the_next_one_reads() -> None:
    deep = alembic("r", None, "    op.execute('SELECT ' + " + "'1' + " * 20_000 + "'1')")
    with pytest.raises(ParseError, match="nests too deeply"):
        read_script(deep, "deep.py")
    assert read_script(alembic("r", None, "    op.execute('SELECT 1')"), "v.py").revision == "r"


def test_alembic_revision_cycle_is_bad_input() -> None:
    given = [
        MigrationFile("a.py", alembic("a", "b", "    op.execute('SELECT 1')")),
        MigrationFile("b.py", alembic("b", "a", "    op.execute('SELECT 1')")),
    ]
    with pytest.raises(InvalidInput, match="cycle"):
        check_files(given)


def test_sql_inside_op_execute_reports_the_python_line() -> None:
    body = '    op.execute("""\n        ALTER TABLE cases\n        ADD COLUMN;\n    """)'
    with pytest.raises(ParseError) as err:
        check_files([MigrationFile("versions/v.py", alembic("r", None, body))])
    assert err.value.where is not None and err.value.where.startswith("versions/v.py:")


def test_folder_state_lets_a_later_file_rely_on_an_earlier_validated_check() -> None:
    given = [
        MigrationFile(
            "1_check.sql",
            "SET lock_timeout='1s'; ALTER TABLE t ADD CONSTRAINT c "
            "CHECK (x IS NOT NULL) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT c;",
        ),
        MigrationFile(
            "2_enforce.sql", "SET lock_timeout='1s'; ALTER TABLE t ALTER COLUMN x SET NOT NULL;"
        ),
    ]
    report = check_files(given)
    last = report.files[1].steps[-1]
    assert last.phase is Phase.MIGRATE and not last.changes


def test_alembic_merge_revisions_run_after_both_parents() -> None:
    given = [
        MigrationFile(
            "m.py",
            alembic("m", None, "    op.execute('SELECT 1')").replace(
                "down_revision = None", "down_revision = ('b', 'c')"
            ),
        ),
        MigrationFile("c.py", alembic("c", "a", "    op.execute('SELECT 1')")),
        MigrationFile("b.py", alembic("b", "a", "    op.execute('SELECT 1')")),
        MigrationFile("a.py", alembic("a", None, "    op.execute('SELECT 1')")),
    ]
    assert [f.version for f in check_files(given).files] == ["a", "b", "c", "m"]


def test_alembic_text_sql_and_not_valid_constraints_are_read() -> None:
    body = "\n".join(
        [
            "    op.execute(sa.text(\"SET lock_timeout = '5s'\"))",
            "    op.create_check_constraint('ck', 'cases', 'level > 0', postgresql_not_valid=True)",
            "    op.create_foreign_key('fk', 'cases', 'teams', ['team_id'], ['id'])",
        ]
    )
    steps = check_files([MigrationFile("v.py", alembic("r", None, body))]).steps
    assert [sorted(c.rule for c in s.changes) for s in steps] == [
        [],
        ["constraint-rejects-writes"],
        ["constraint-rejects-writes", "constraint-validated-in-one-step"],
    ]


def test_flyway_versions_with_underscores_order_like_dots() -> None:
    given = files("V1_10__c.sql", "V1_2__b.sql", "V1__a.sql")
    assert [f.name for f in order(given, "flyway")] == ["V1__a.sql", "V1_2__b.sql", "V1_10__c.sql"]


def test_batch_alter_table_calls_are_read_with_their_table() -> None:
    body = "\n".join(
        [
            "    with op.batch_alter_table('cases', schema=None) as batch_op:",
            "        batch_op.add_column(sa.Column('basis', sa.Text(), nullable=True))",
            "        batch_op.drop_column('reason')",
            "        batch_op.create_index('ix_basis', ['basis'], unique=False)",
        ]
    )
    steps = check_files([MigrationFile("v.py", alembic("r", None, body))]).steps
    assert [s.actions for s in steps] == [
        ("add column cases.basis text",),
        ("drop column cases.reason",),
        ("create index ix_basis on cases",),
    ]
    assert steps[1].text == "batch_op.drop_column('reason')"


def test_bulk_insert_is_a_backfill() -> None:
    body = "    op.bulk_insert(sa.table('teams', sa.column('id')), [{'id': 1}])"
    (step,) = check_files([MigrationFile("v.py", alembic("r", None, body))]).steps
    assert step.phase is Phase.MIGRATE
