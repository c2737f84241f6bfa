from __future__ import annotations

from datetime import date

import pytest

from unlockstep.core.plans._file import blocker_from_text, parse
from unlockstep.core.plans._plan import Role, Strategy
from unlockstep.errors import ParseError

from .plan_fixtures import example, one_change


def test_the_seed_dependency_map_parses_into_services_contracts_flags_window_and_cleanup() -> None:
    plan = parse(*example("risk-explanation"))
    assert plan.change == "risk-explanation-in-escalation-flow"
    assert [s.name for s in plan.services] == [
        "case-service",
        "decision-service",
        "dashboard-service",
        "notification-service",
        "audit-report-service",
    ]
    assert plan.service("case-service") is not None
    assert plan.services[0].role is Role.PRODUCER
    assert [(c.id, c.group, c.change) for c in plan.contracts] == [
        ("case-summary", "api", "add-optional-response-field"),
        ("case-escalated", "event", "add-optional-event-field"),
    ]
    assert plan.flags[0].owner == "case-platform-team"
    assert plan.flags[0].expires == date(2026, 8, 5)
    assert plan.window is not None
    assert plan.window.consumers_required_by_end == (
        "notification-service",
        "dashboard-service",
        "audit-report-service",
    )
    assert plan.cleanup[0].issue == "CASE-2191"
    assert [b.kind for b in plan.cleanup[0].blockers] == [
        "verified",
        "verified",
        "usage-zero",
        "flag-deleted",
    ]


def test_a_plan_wide_big_bang_strategy_makes_every_contract_change_in_place() -> None:
    plan = parse(*example("escalation-basis-lockstep"))
    assert {c.strategy for c in plan.contracts} == {Strategy.IN_PLACE}


def test_a_contract_without_a_strategy_follows_the_safe_default() -> None:
    plan = parse(one_change("api", "add-endpoint"))
    assert plan.contracts[0].strategy is Strategy.SAFE


BAD_PLANS = {
    "unknown role": (
        "change: c\nservices:\n  a: {role: boss}\n",
        3,
        "/services/a/role",
        "unknown role",
    ),
    "unknown kind of change": (
        one_change("events", "add-colum"),
        14,
        "/contracts/events/0/change",
        "unknown kind of change 'add-colum'",
    ),
    "kind in the wrong group": (
        one_change("api", "drop-column"),
        14,
        "/contracts/api/0/change",
        "does not apply to api contracts",
    ),
    "unknown consumer": (
        "change: c\nservices:\n  a: {role: provider}\ncontracts:\n  api:\n"
        "    - {name: X, provider: a, consumers: [ghost], change: add-endpoint}\n",
        6,
        "/contracts/api/0/consumers",
        "unknown service 'ghost'",
    ),
    "bad date": (
        "change: c\nservices:\n  a: {role: provider}\nwindow:\n  starts: 2026-13-01\n"
        "  ends: 2026-08-01\n",
        5,
        "/window/starts",
        "is not a date",
    ),
    "window ends before it starts": (
        "change: c\nservices:\n  a: {role: provider}\nwindow:\n  starts: 2026-08-01\n"
        "  ends: 2026-07-01\n",
        6,
        "/window/ends",
        "ends (2026-07-01) before it starts",
    ),
    "unknown field": (
        "change: c\nservices:\n  a: {role: provider}\nrolback: x\n",
        4,
        "/rolback",
        "unknown field 'rolback'",
    ),
    "after names an unknown contract": (
        "change: c\nservices:\n  a: {role: provider}\ncontracts:\n  api:\n"
        "    - name: X\n      provider: a\n      change: add-endpoint\n      after: [nope]\n",
        9,
        "/contracts/api/0/after",
        "unknown contract 'nope'",
    ),
    "only old, no new": (
        "change: c\nservices:\n  a: {role: provider}\ncontracts:\n  api:\n"
        "    - {name: X, provider: a, old: v1.yaml}\n",
        6,
        "/contracts/api/0",
        "give both 'old' and 'new'",
    ),
    "a contract given as prose": (
        "change: c\nservices:\n  a: {role: provider}\ncontracts:\n  api:\n"
        "    - GET /x additive response field\n",
        6,
        "/contracts/api/0",
        "describe the change as a mapping",
    ),
    "needs an unknown service": (
        "change: c\nservices:\n  a: {role: provider, needs: [b]}\n",
        3,
        "/services/a/needs",
        "unknown service 'b'",
    ),
    "missing services": ("change: c\n", 1, "/", "missing required field 'services'"),
    "a service that needs itself": (
        "change: c\nservices:\n  a: {role: provider, needs: [a]}\n",
        3,
        "/services/a/needs",
        "'a' cannot need itself",
    ),
    "a contract after itself": (
        "change: c\nservices:\n  a: {role: provider}\ncontracts:\n  api:\n"
        "    - {id: x, name: X, provider: a, change: add-endpoint, after: [x]}\n",
        6,
        "/contracts/api/0/after",
        "cannot come after itself",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_PLANS))
def test_a_bad_plan_is_rejected_with_the_line_pointer_and_what_is_wrong(name: str) -> None:
    text, line, pointer, words = BAD_PLANS[name]
    with pytest.raises(ParseError) as caught:
        parse(text, "plan.yaml")
    problems = caught.value.details
    assert any(p.startswith(f"plan.yaml:{line}: {pointer}:") and words in p for p in problems), (
        problems
    )


def test_every_problem_in_a_plan_is_reported_at_once() -> None:
    text = "change: c\nservices:\n  a: {role: boss}\n  b: {role: nobody}\n"
    with pytest.raises(ParseError) as caught:
        parse(text, "plan.yaml")
    assert len(caught.value.details) == 2


def test_invalid_yaml_is_a_parse_error_naming_the_line() -> None:
    with pytest.raises(ParseError) as caught:
        parse("change: c\nservices: [a\n  b: c\n", "plan.yaml")
    assert caught.value.where is not None and caught.value.where.startswith("plan.yaml:")


def test_a_duplicate_key_is_an_error_naming_its_line() -> None:
    with pytest.raises(ParseError) as caught:
        parse("change: c\nchange: d\nservices: {}\n", "plan.yaml")
    assert caught.value.where == "plan.yaml:2: /"


BLOCKER_TEXTS = {
    "dashboard-service migrated to event v2": ("verified", "dashboard-service", "event", "2"),
    "audit-report-service verified against CaseEscalated v2": (
        "verified",
        "audit-report-service",
        "CaseEscalated",
        "2",
    ),
    'api_requests_total{version="v1"} == 0 for 14 days': ("usage-zero", None, None, None),
    "flag risk.explanation.write deleted": ("flag-deleted", None, None, None),
    "escalation-workflow v1 has no running instances": ("workflow-drained", None, None, "1"),
    "audit-report-service no longer reads v1": ("manual", None, None, None),
}


@pytest.mark.parametrize("text", sorted(BLOCKER_TEXTS))
def test_the_seeds_prose_blockers_are_read_as_machine_checkable_ones(text: str) -> None:
    kind, consumer, contract, version = BLOCKER_TEXTS[text]
    blocker = blocker_from_text(text)
    assert (blocker.kind, blocker.consumer, blocker.contract, blocker.version) == (
        kind,
        consumer,
        contract,
        version,
    )


def test_a_usage_blocker_keeps_its_metric_and_days() -> None:
    blocker = blocker_from_text('api_requests_total{version="v1"} == 0 for 14 days')
    assert blocker.metric == 'api_requests_total{version="v1"}'
    assert blocker.days == 14


def test_a_plan_file_gets_the_document_loaders_defences() -> None:
    with pytest.raises(ParseError, match="nested too deeply"):
        parse("change: c\nservices: " + "[" * 5_000 + "]" * 5_000 + "\n", "plan.yaml")
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    bomb += [
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]"
        for i in range(8)
    ]
    with pytest.raises(ParseError, match="alias bomb"):
        parse("\n".join(bomb) + "\n", "plan.yaml")
