"""Named single-migration fixtures with the rules unlockstep must report, shared by the
classifier tests and the squawk oracle test. Every case runs against an existing table
``cases`` unless it creates its own."""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    sql: str
    phase: str  # phase of the last statement
    rules: frozenset[str]  # every rule id reported for the file
    breaks: bool  # whether the file breaks running clients


LT = "SET lock_timeout = '5s';\n"


def case(sql: str, phase: str, *rules: str, breaks: bool | None = None) -> Case:
    found = frozenset(rules)
    hurts = (
        breaks
        if breaks is not None
        else phase == "contract"
        or bool(found - {"missing-lock-timeout", "add-enum-value", "constraint-rejects-writes"})
    )
    return Case(sql, phase, found, hurts)


CASES: dict[str, Case] = {
    # expand
    "add_nullable_column": case(LT + "ALTER TABLE cases ADD COLUMN basis text;", "expand"),
    "add_column_constant_default": case(
        LT + "ALTER TABLE cases ADD COLUMN level integer NOT NULL DEFAULT 0;", "expand"
    ),
    "add_column_volatile_default": case(
        LT + "ALTER TABLE cases ADD COLUMN token uuid DEFAULT gen_random_uuid();",
        "expand",
        "rewrites-table",
    ),
    "add_column_stored_generated": case(
        LT + "ALTER TABLE cases ADD COLUMN total bigint GENERATED ALWAYS AS (a + b) STORED;",
        "expand",
        "rewrites-table",
    ),
    "create_table": case("CREATE TABLE decisions (id bigint PRIMARY KEY, body text);", "expand"),
    "create_table_then_index": case(
        "CREATE TABLE decisions (id bigint PRIMARY KEY, case_id bigint);\n"
        "CREATE INDEX decisions_case_idx ON decisions (case_id);",
        "expand",
    ),
    "create_index_concurrently": case(
        "CREATE INDEX CONCURRENTLY cases_status_idx ON cases (status);", "expand"
    ),
    "create_index_blocking": case(
        LT + "CREATE INDEX cases_status_idx ON cases (status);", "expand", "index-not-concurrent"
    ),
    "create_index_concurrently_in_transaction": case(
        "BEGIN;\nCREATE INDEX CONCURRENTLY cases_status_idx ON cases (status);\nCOMMIT;",
        "neutral",
        "concurrently-in-transaction",
    ),
    "check_constraint_not_valid": case(
        LT + "ALTER TABLE cases ADD CONSTRAINT level_positive CHECK (level > 0) NOT VALID;",
        "expand",
        "constraint-rejects-writes",
    ),
    "check_constraint_in_one_step": case(
        LT + "ALTER TABLE cases ADD CONSTRAINT level_positive CHECK (level > 0);",
        "expand",
        "constraint-validated-in-one-step",
        "constraint-rejects-writes",
    ),
    "foreign_key_in_one_step": case(
        LT + "ALTER TABLE cases ADD CONSTRAINT cases_team_fk FOREIGN KEY (team_id) "
        "REFERENCES teams (id);",
        "expand",
        "constraint-validated-in-one-step",
        "constraint-rejects-writes",
    ),
    "foreign_key_not_valid": case(
        LT + "ALTER TABLE cases ADD CONSTRAINT cases_team_fk FOREIGN KEY (team_id) "
        "REFERENCES teams (id) NOT VALID;",
        "expand",
        "constraint-rejects-writes",
    ),
    "unique_constraint_builds_index": case(
        LT + "ALTER TABLE cases ADD CONSTRAINT cases_ref_key UNIQUE (ref);",
        "expand",
        "unique-constraint-builds-index",
    ),
    "unique_constraint_using_index": case(
        LT + "ALTER TABLE cases ADD CONSTRAINT cases_ref_key UNIQUE USING INDEX cases_ref_idx;",
        "expand",
    ),
    "create_view": case(
        "CREATE VIEW open_cases AS SELECT * FROM cases WHERE NOT closed;", "expand"
    ),
    "add_enum_value": case(
        "ALTER TYPE case_status ADD VALUE 'escalated';", "expand", "add-enum-value"
    ),
    # migrate
    "backfill_update": case("UPDATE cases SET basis = 'legacy' WHERE basis IS NULL;", "migrate"),
    "backfill_insert_select": case(
        "INSERT INTO decisions (id, body) SELECT id, body FROM old_decisions;", "migrate"
    ),
    "validate_constraint": case(
        LT + "ALTER TABLE cases VALIDATE CONSTRAINT level_positive;", "migrate"
    ),
    "dual_write_trigger": case(
        LT + "CREATE TRIGGER cases_dual_write BEFORE INSERT OR UPDATE ON cases "
        "FOR EACH ROW EXECUTE FUNCTION copy_basis();",
        "migrate",
    ),
    # contract
    "drop_column": case(
        LT + "ALTER TABLE cases DROP COLUMN legacy_reason;", "contract", "drop-column"
    ),
    "drop_table": case(LT + "DROP TABLE old_decisions;", "contract", "drop-table"),
    "rename_column": case(
        LT + "ALTER TABLE cases RENAME COLUMN reason TO basis;", "contract", "rename-column"
    ),
    "rename_table": case(LT + "ALTER TABLE cases RENAME TO tickets;", "contract", "rename-table"),
    "change_column_type": case(
        LT + "ALTER TABLE cases ALTER COLUMN level TYPE bigint;",
        "contract",
        "change-column-type",
        "rewrites-table",
    ),
    "add_required_column": case(
        LT + "ALTER TABLE cases ADD COLUMN basis text NOT NULL;", "contract", "add-required-column"
    ),
    "set_not_null": case(
        LT + "ALTER TABLE cases ALTER COLUMN basis SET NOT NULL;",
        "contract",
        "set-not-null",
        "not-null-scans-table",
    ),
    "set_not_null_after_validated_check": case(
        LT + "ALTER TABLE cases ADD CONSTRAINT basis_nn CHECK (basis IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE cases VALIDATE CONSTRAINT basis_nn;\n"
        "ALTER TABLE cases ALTER COLUMN basis SET NOT NULL;",
        "migrate",
        "set-not-null",
    ),
    "drop_not_null": case(
        LT + "ALTER TABLE cases ALTER COLUMN basis DROP NOT NULL;", "contract", "drop-not-null"
    ),
    "drop_default": case(
        LT + "ALTER TABLE cases ALTER COLUMN status DROP DEFAULT;", "contract", "drop-default"
    ),
    "drop_index_concurrently": case(
        "DROP INDEX CONCURRENTLY cases_status_idx;", "contract", "drop-index"
    ),
    "drop_index_blocking": case(
        LT + "DROP INDEX cases_status_idx;", "contract", "drop-index", "drop-index-not-concurrent"
    ),
    "drop_trigger": case(LT + "DROP TRIGGER cases_dual_write ON cases;", "contract", "drop-object"),
    # lock_timeout
    "missing_lock_timeout": case(
        "ALTER TABLE cases ADD COLUMN basis text;", "expand", "missing-lock-timeout"
    ),
    "lock_timeout_reset_to_zero": case(
        LT + "SET lock_timeout = 0;\nALTER TABLE cases DROP COLUMN legacy_reason;",
        "contract",
        "drop-column",
        "missing-lock-timeout",
    ),
    "add_primary_key": case(
        LT + "ALTER TABLE cases ADD PRIMARY KEY (id);", "expand", "unique-constraint-builds-index"
    ),
    "add_primary_key_using_index": case(
        LT + "ALTER TABLE cases ADD CONSTRAINT cases_pkey PRIMARY KEY USING INDEX cases_id_idx;",
        "expand",
    ),
    "add_column_inline_foreign_key": case(
        LT + "ALTER TABLE cases ADD COLUMN team_id bigint REFERENCES teams (id);",
        "expand",
        "constraint-validated-in-one-step",
    ),
    "add_serial_column": case(
        LT + "ALTER TABLE cases ADD COLUMN seq bigserial;", "expand", "rewrites-table"
    ),
    "create_unique_index_blocking": case(
        LT + "CREATE UNIQUE INDEX cases_ref_idx ON cases (ref);", "expand", "index-not-concurrent"
    ),
    "drop_table_if_exists_in_transaction": case(
        "BEGIN;\n" + LT + "DROP TABLE IF EXISTS old_decisions;\nCOMMIT;",
        "neutral",
        "drop-table",
        breaks=True,
    ),
    "change_type_to_text": case(
        LT + "ALTER TABLE cases ALTER COLUMN reason TYPE text;",
        "contract",
        "change-column-type",
        "rewrites-table",
    ),
    "several_actions_in_one_alter": case(
        LT + "ALTER TABLE cases ADD COLUMN basis text, DROP COLUMN reason;",
        "contract",
        "drop-column",
    ),
    "rename_column_without_lock_timeout": case(
        "ALTER TABLE cases RENAME COLUMN reason TO basis;",
        "contract",
        "rename-column",
        "missing-lock-timeout",
    ),
    "drop_column_then_add_required": case(
        LT + "ALTER TABLE cases DROP COLUMN a;\nALTER TABLE cases ADD COLUMN b int NOT NULL;",
        "contract",
        "drop-column",
        "add-required-column",
    ),
    "delete_rows": case(
        "DELETE FROM cases WHERE closed_at < now() - interval '7 years';", "migrate"
    ),
    "truncate_table": case(LT + "TRUNCATE cases;", "contract", "truncate"),
    "lock_timeout_zero_with_unit": case(
        "SET lock_timeout = '0ms';\nALTER TABLE cases ADD COLUMN basis text;",
        "expand",
        "missing-lock-timeout",
    ),
    "set_local_lock_timeout_ends_with_the_transaction": case(
        "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE cases ADD COLUMN a text;\nCOMMIT;\n"
        "ALTER TABLE cases ADD COLUMN b text;",
        "expand",
        "missing-lock-timeout",
    ),
    "contract_steps_on_a_table_created_in_the_same_file": case(
        "CREATE TABLE drafts (id bigint, body text, note text);\n"
        "ALTER TABLE drafts DROP COLUMN note;\nALTER TABLE drafts RENAME COLUMN body TO text;",
        "expand",
    ),
    "move_table_to_another_schema": case(
        LT + "ALTER TABLE cases SET SCHEMA archive;", "contract", "rename-table"
    ),
    "vacuum_full_rewrites": case(LT + "VACUUM FULL cases;", "neutral", "rewrites-table"),
    "reindex_blocks_writes": case(LT + "REINDEX TABLE cases;", "neutral", "index-not-concurrent"),
    "reindex_concurrently": case("REINDEX TABLE CONCURRENTLY cases;", "neutral"),
    "copy_in_is_a_backfill": case("COPY cases (id, basis) FROM STDIN;", "migrate"),
    "drop_identity": case(
        LT + "ALTER TABLE cases ALTER COLUMN id DROP IDENTITY;", "contract", "drop-default"
    ),
    "neutral_statements": case(
        "COMMENT ON TABLE cases IS 'cases';\nGRANT SELECT ON cases TO reporting;", "neutral"
    ),
}
