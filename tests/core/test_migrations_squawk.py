"""squawk (PyPI ``squawk-cli``) as a live oracle: on every fixture, unlockstep reports the
client-breaking and locking rules squawk reports, under its own rule ids.

Deliberate differences (also in docs/conformance.md):

- tables created earlier in the same file have no rows and no users: no index/lock findings;
- ``require-lock-timeout`` only for statements that block reads or writes (not for
  CONCURRENTLY, CREATE VIEW, COMMENT, GRANT, ALTER TYPE … ADD VALUE);
- ``SET lock_timeout = 0`` (or ``'0ms'``) switches the timeout off again, and ``SET LOCAL``
  ends with its transaction (squawk still counts both);
- a table created earlier in the same file has no users: dropping or renaming its columns is
  still expand (squawk reports ban-drop-column / renaming-column);
- a ``CHECK (col IS NOT NULL)`` constraint is the contract step (``set-not-null``);
- UNIQUE / PRIMARY KEY cannot be NOT VALID: we report the index build, not a missing NOT VALID;
- a serial column added to an existing table rewrites it (squawk is silent);
- style rules (prefer-robust-stmts, prefer-bigint…, require-statement-timeout) are out of scope.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.migration_cases import CASES
from unlockstep.core.migration_rules import RULES
from unlockstep.core.migrations import classify_sql

#: squawk rule -> unlockstep rule, for every squawk rule about running clients or locks.
SQUAWK_TO_OURS = {rule.squawk: rule.id for rule in RULES.values() if rule.squawk}
SQUAWK_TO_OURS["adding-foreign-key-constraint"] = "constraint-validated-in-one-step"
SQUAWK_TO_OURS["adding-serial-primary-key-field"] = "unique-constraint-builds-index"

#: (case, squawk rule) pairs where we deliberately differ; see the module docstring.
DELIBERATE = {
    ("create_table_then_index", "require-concurrent-index-creation"),
    ("create_table_then_index", "require-lock-timeout"),
    ("create_index_concurrently", "require-lock-timeout"),
    ("create_index_concurrently_in_transaction", "require-lock-timeout"),
    ("create_view", "require-lock-timeout"),
    ("add_enum_value", "require-lock-timeout"),
    ("drop_index_concurrently", "require-lock-timeout"),
    ("neutral_statements", "require-lock-timeout"),
    ("lock_timeout_reset_to_zero", "require-lock-timeout"),  # we find it, squawk does not
    ("set_not_null_after_validated_check", "adding-not-nullable-field"),  # we say contract
    ("check_constraint_not_valid", "constraint-missing-not-valid"),
    ("unique_constraint_builds_index", "constraint-missing-not-valid"),  # NOT VALID impossible
    ("add_primary_key", "constraint-missing-not-valid"),  # there: it is an index build
    ("add_serial_column", "adding-field-with-default"),  # we find the rewrite, squawk does not
    ("lock_timeout_zero_with_unit", "require-lock-timeout"),  # we find it, squawk does not
    ("set_local_lock_timeout_ends_with_the_transaction", "require-lock-timeout"),  # likewise
    # a table created in this file has no users: dropping/renaming its columns is still expand
    ("contract_steps_on_a_table_created_in_the_same_file", "ban-drop-column"),
    ("contract_steps_on_a_table_created_in_the_same_file", "renaming-column"),
    ("contract_steps_on_a_table_created_in_the_same_file", "require-lock-timeout"),
}


def _squawk() -> str | None:
    here = Path(sys.executable).parent / "squawk"
    return str(here) if here.exists() else shutil.which("squawk")


def _squawk_rules(binary: str, sql: str, tmp_path: Path) -> set[str]:
    path = tmp_path / "migration.sql"
    path.write_text(sql)
    out = subprocess.run(
        [binary, "--reporter", "json", str(path)], capture_output=True, text=True, check=False
    ).stdout
    return {r["rule_name"] for r in json.loads(out or "[]")}


@pytest.fixture(scope="module")
def squawk() -> str:
    binary = _squawk()
    if binary is None:
        pytest.skip("squawk is not installed (pip install squawk-cli) — oracle test skipped")
    return binary


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_squawk_on_client_breaking_and_locking_rules(
    name: str, squawk: str, tmp_path: Path
) -> None:
    sql = CASES[name].sql
    theirs = {
        SQUAWK_TO_OURS[r]
        for r in _squawk_rules(squawk, sql, tmp_path)
        if r in SQUAWK_TO_OURS and (name, r) not in DELIBERATE
    }
    ours = {c.rule for s in classify_sql(sql) for c in s.changes}
    ours_mapped = {r for r in ours if r in SQUAWK_TO_OURS.values()}
    allowed_extra = {SQUAWK_TO_OURS[r] for (n, r) in DELIBERATE if n == name}
    assert theirs <= ours_mapped
    assert ours_mapped - theirs <= allowed_extra | _beyond_squawk(ours_mapped, theirs)


def _beyond_squawk(ours: set[str], theirs: set[str]) -> set[str]:
    """Findings we add on purpose next to a squawk finding for the same statement: a type
    change also rewrites the table; SET NOT NULL is both a contract step and a scan."""
    extra: set[str] = set()
    if "change-column-type" in theirs:
        extra.add("rewrites-table")
    if "set-not-null" in theirs:
        extra.add("not-null-scans-table")
    return extra
