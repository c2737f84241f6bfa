"""Each migration statement gets a phase, its hazards and the evidence a contract step
waits for."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.core.migration_cases import CASES, LT, Case
from unlockstep.core.compat._model import Breaks
from unlockstep.core.migrations._classify import Phase, classify_sql
from unlockstep.core.migrations._rules import RENAME_SEQUENCE, RULES
from unlockstep.errors import ParseError


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_fixture_gets_its_phase_and_rules(name: str) -> None:
    case: Case = CASES[name]
    steps = classify_sql(case.sql, f"{name}.sql")
    assert {c.rule for s in steps for c in s.changes} == case.rules
    assert steps[-1].phase.value == case.phase
    assert any(s.breaks_running_clients for s in steps) is case.breaks


def test_every_reported_rule_is_documented_in_the_rule_table() -> None:
    for case in CASES.values():
        assert case.rules <= set(RULES)


def test_a_rename_is_never_one_step_the_suggestion_is_the_seed_sequence() -> None:
    (step,) = classify_sql("SET lock_timeout = '5s'; ALTER TABLE cases RENAME COLUMN a TO b;")[1:]
    (change,) = step.changes
    assert change.rule == "rename-column"
    assert change.details["sequence"] == list(RENAME_SEQUENCE)
    assert "dual write" in change.suggestion and "backfill" in change.suggestion


def test_a_contract_step_waits_for_zero_usage_by_the_services_that_use_the_column() -> None:
    usage = {"cases.reason": ["audit-report-service", "case-service"], "cases": ["dashboard"]}
    (step,) = classify_sql("ALTER TABLE cases DROP COLUMN reason;", usage=usage, window_days=14)
    (evidence,) = step.evidence
    assert evidence.subject == "cases.reason"
    assert evidence.services == ("audit-report-service", "case-service")
    assert evidence.zero_usage_days == 14
    assert "14 days" in evidence.describe()


def test_evidence_falls_back_to_the_services_using_the_table() -> None:
    (step,) = classify_sql("ALTER TABLE cases DROP COLUMN reason;", usage={"cases": ["bff"]})
    assert step.evidence[0].services == ("bff",)


def test_dropping_a_table_waits_for_every_service_using_any_of_its_columns() -> None:
    usage = {"cases.a": ["x"], "cases.b": ["y"], "other.a": ["z"]}
    (step,) = classify_sql("DROP TABLE cases;", usage=usage)
    assert step.evidence[0].services == ("x", "y")


def test_evidence_is_empty_until_expectations_are_registered() -> None:
    (step,) = classify_sql("ALTER TABLE cases DROP COLUMN reason;")
    assert step.evidence[0].services == ()
    assert "none registered yet" in step.evidence[0].describe()


def test_expand_and_migrate_steps_wait_for_nothing() -> None:
    steps = classify_sql(
        "SET lock_timeout = '1s'; ALTER TABLE cases ADD COLUMN basis text; "
        "UPDATE cases SET basis = 'x' WHERE basis IS NULL;"
    )
    assert [s.phase for s in steps] == [Phase.NEUTRAL, Phase.EXPAND, Phase.MIGRATE]
    assert all(not s.evidence and not s.breaks_running_clients for s in steps)


def test_findings_are_shared_change_records_with_file_and_line() -> None:
    sql = "SET lock_timeout = '1s';\n\n-- drop it\nALTER TABLE cases\n  DROP COLUMN reason;\n"
    step = classify_sql(sql, "V9__drop.sql")[-1]
    (change,) = step.changes
    assert (change.location.file, change.location.line) == ("V9__drop.sql", 4)
    assert change.breaks is Breaks.BOTH
    assert step.line == 4
    assert change.to_dict()["rule"] == "drop-column"


def test_one_alter_table_with_several_actions_takes_the_strongest_phase() -> None:
    (step,) = classify_sql(
        "SET lock_timeout = '1s'; ALTER TABLE cases ADD COLUMN b text, DROP COLUMN a;"
    )[1:]
    assert step.phase is Phase.CONTRACT
    assert len(step.actions) == 2


def test_a_table_created_in_the_same_file_has_no_users_to_block() -> None:
    steps = classify_sql(
        "CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN x int NOT NULL; "
        "ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0); CREATE INDEX ON t (x);"
    )
    assert not any(s.changes for s in steps)


def test_unparseable_sql_names_file_and_line() -> None:
    with pytest.raises(ParseError) as err:
        classify_sql("SELECT 1;\n\nALTER TABLE cases ADD COLUMN;\n", "V3__bad.sql")
    assert err.value.where == "V3__bad.sql:3"
    assert "syntax error" in err.value.message


_BODIES = [c.sql.removeprefix(LT) for c in CASES.values() if "BEGIN" not in c.sql]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(_BODIES), min_size=1, max_size=4))
def test_setting_a_lock_timeout_first_removes_only_the_lock_timeout_findings(
    bodies: list[str],
) -> None:
    sql = "\n".join(bodies)
    assume("lock_timeout" not in sql)
    without = classify_sql(sql)
    with_timeout = classify_sql(LT + sql)[1:]
    assert [s.phase for s in without] == [s.phase for s in with_timeout]
    for a, b in zip(without, with_timeout, strict=True):
        assert {c.rule for c in a.changes} - {"missing-lock-timeout"} == {c.rule for c in b.changes}
        assert not any(c.rule == "missing-lock-timeout" for c in b.changes)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(_BODIES), min_size=1, max_size=4))
def test_classification_is_deterministic(bodies: list[str]) -> None:
    sql = "\n".join(bodies)
    assert classify_sql(sql) == classify_sql(sql)
