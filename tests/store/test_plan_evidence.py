"""The registry answers a plan's questions in a fixed handful of queries, however many
consumers, blockers and gates the plan has (no per-step loops over the estate)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.server.test_plan_evidence import publish_1_5_0
from tests.server.test_plans_api import PLANS
from unlockstep.cli.plans import file_reader
from unlockstep.core.plans import _check as plan_check
from unlockstep.core.plans._evidence import questions
from unlockstep.core.plans._file import parse
from unlockstep.store import Store
from unlockstep.store.plan_evidence import flag_usage, verifications


@contextmanager
def counting(store: Store) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


def test_verifications_take_the_same_few_queries_for_one_question_or_all(
    estate: TestClient, store: Store
) -> None:
    publish_1_5_0(estate)
    plan = parse((PLANS / "risk-explanation.yaml").read_text())
    read = file_reader(PLANS)
    files = {path: read(path) for c in plan.contracts for path in (*c.old, *c.new)}
    steps = plan_check.analyse(plan, today=date(2026, 7, 20)).graph.steps
    asked = questions(plan, steps)
    assert len(asked) > 5
    queries = []
    for subset in (asked[:1], asked):
        with store.session() as session, counting(store) as statements:
            answers = verifications(session, plan, files, subset)
        assert set(answers) == set(subset)
        queries.append(len(statements))
    assert queries[0] == queries[1] <= 4


def test_flag_usage_reads_counts_in_at_most_three_queries(store: Store) -> None:
    metrics = [f"flag f{i} evaluations" for i in range(50)] + ["latency_p99"]
    with store.session() as session, counting(store) as statements:
        assert flag_usage(session, "production", metrics, date(2026, 7, 20)) == {}
    assert len(statements) <= 3


def test_a_gate_that_would_read_another_contracts_verifications_is_named() -> None:
    from unlockstep.store.plan_evidence import _shared

    found = _shared(
        {
            "summary": ("case-service", frozenset({"case-summary-api"})),
            "summary-again": ("case-service", frozenset({"case-summary-api"})),
            "escalated": ("case-service", frozenset({"case-events", "case-audit-events"})),
            "own": ("case-service", frozenset({"case-notes-api"})),
            "elsewhere": ("decision-service", frozenset({"case-summary-api"})),
            "published": ("case-service", frozenset()),
        }
    )
    assert sorted(found) == ["escalated", "summary", "summary-again"]
    assert "read the verifications of 2 case-service contracts" in found["escalated"]
    assert "case-audit-events, case-events" in found["escalated"]
    assert found["summary"].startswith(
        "summary: its verified gates read the verifications of case-service's "
        "case-summary-api, as summary-again's do"
    )
