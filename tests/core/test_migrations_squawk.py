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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.migration_cases import CASES
from unlockstep.core.migrations._classify import classify_sql
from unlockstep.core.migrations._rules import RULES

pytestmark = pytest.mark.slow  # runs the squawk binary once per case

#: squawk rule -> unlockstep rule, for every squawk rule about running clients or locks.
SQUAWK_TO_OURS = {rule.squawk: rule.id for rule in RULES.values() if rule.squawk}
SQUAWK_TO_OURS.update(
    {
        "adding-foreign-key-constraint": "constraint-validated-in-one-step",
        "adding-serial-primary-key-field": "unique-constraint-builds-index",
        "ban-set-schema": "rename-table",
        "require-concurrent-reindex": "index-not-concurrent",
        "ban-alter-identity": "drop-default",
    }
)

#: (case, squawk rule) that squawk reports and we deliberately do not; see the docstring.
DELIBERATE = {
    ("create_table_then_index", "require-concurrent-index-creation"),
    ("create_table_then_index", "require-lock-timeout"),
    ("create_index_concurrently", "require-lock-timeout"),
    ("create_index_concurrently_in_transaction", "require-lock-timeout"),
    ("create_view", "require-lock-timeout"),
    ("add_enum_value", "require-lock-timeout"),
    ("drop_index_concurrently", "require-lock-timeout"),
    ("reindex_concurrently", "require-lock-timeout"),
    ("neutral_statements", "require-lock-timeout"),
    ("unique_constraint_builds_index", "constraint-missing-not-valid"),  # NOT VALID impossible
    ("add_primary_key", "constraint-missing-not-valid"),  # there: it is an index build
    # a table created in this file has no users: dropping/renaming its columns is still expand
    ("contract_steps_on_a_table_created_in_the_same_file", "ban-drop-column"),
    ("contract_steps_on_a_table_created_in_the_same_file", "renaming-column"),
    ("contract_steps_on_a_table_created_in_the_same_file", "require-lock-timeout"),
}

#: case -> rules we report beyond squawk on purpose.
BEYOND = {
    "lock_timeout_reset_to_zero": {"missing-lock-timeout"},
    "lock_timeout_zero_with_unit": {"missing-lock-timeout"},
    "set_local_lock_timeout_ends_with_the_transaction": {"missing-lock-timeout"},
    "set_not_null_after_validated_check": {"set-not-null"},  # the NOT NULL check is the contract
    "add_serial_column": {"rewrites-table"},
    "vacuum_full_rewrites": {"rewrites-table"},
}


def _squawk() -> str | None:
    here = Path(sys.executable).parent / "squawk"
    return str(here) if here.exists() else shutil.which("squawk")


def _squawk_rules(binary: str, sql: str, tmp_path: Path) -> set[str]:
    path = tmp_path / "migration.sql"
    path.write_text(sql)
    run = subprocess.run(
        [binary, "--reporter", "json", str(path)], capture_output=True, text=True, check=False
    )
    assert run.stdout, f"squawk gave no report (it prints [] when it finds nothing): {run.stderr}"
    return {r["rule_name"] for r in json.loads(run.stdout)}


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
    reported = _squawk_rules(squawk, sql, tmp_path)
    theirs = {
        SQUAWK_TO_OURS[r] for r in reported if r in SQUAWK_TO_OURS and (name, r) not in DELIBERATE
    }
    ours = {c.rule for s in classify_sql(sql) for c in s.changes}
    ours_mapped = {r for r in ours if r in SQUAWK_TO_OURS.values()}
    assert theirs <= ours_mapped
    assert ours_mapped - theirs <= BEYOND.get(name, set()) | _beside(theirs)


def _beside(theirs: set[str]) -> set[str]:
    """Findings we add on purpose next to a squawk finding for the same statement: a type
    change also rewrites the table; SET NOT NULL is both a contract step and a scan."""
    extra: set[str] = set()
    if "change-column-type" in theirs:
        extra.add("rewrites-table")
    if "set-not-null" in theirs or "not-null-scans-table" in theirs:
        extra |= {"set-not-null", "not-null-scans-table"}
    return extra


#: squawk's rules about statements that break running clients outright.
CLIENT_BREAKING = {
    "ban-drop-column",
    "ban-drop-table",
    "renaming-column",
    "renaming-table",
    "changing-column-type",
    "adding-required-field",
    "ban-drop-not-null",
    "ban-drop-default",
    "ban-alter-identity",
    "ban-set-schema",
}

_BODIES = sorted(
    {
        CASES[n].sql.removeprefix("SET lock_timeout = '5s';\n")
        for n in CASES
        if "CREATE TABLE" not in CASES[n].sql and "BEGIN" not in CASES[n].sql
    }
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(_BODIES), min_size=2, max_size=5))
def test_on_mixed_files_the_client_breaking_rules_match_squawk_exactly(
    squawk: str, tmp_path: Path, bodies: list[str]
) -> None:
    sql = "\n".join(bodies)
    theirs = {SQUAWK_TO_OURS[r] for r in _squawk_rules(squawk, sql, tmp_path) & CLIENT_BREAKING}
    ours = {c.rule for s in classify_sql(sql) for c in s.changes}
    assert theirs == ours & {SQUAWK_TO_OURS[r] for r in CLIENT_BREAKING}
