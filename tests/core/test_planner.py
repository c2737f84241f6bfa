from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unlockstep.core.plans import _planner as planner
from unlockstep.core.plans._check import analyse
from unlockstep.core.plans._file import parse
from unlockstep.core.plans._plan import ContractChange, Plan, Role, Service, Strategy
from unlockstep.core.plans._risk import ROW_BY_KIND, ROWS, RiskRow
from unlockstep.core.plans._templates import FALLBACK, TEMPLATES

from .plan_fixtures import example, one_change

TODAY = date(2026, 7, 20)


def order(text: str) -> list[list[str]]:
    report = analyse(parse(text), today=TODAY)
    return [list(level) for level in report.schedule.levels]


def actions(text: str) -> dict[str, tuple[str, str]]:
    report = analyse(parse(text), today=TODAY)
    return {s.id: (s.actor, s.action) for s in report.graph.steps}


ROLLOUT_RULES = {
    # §19 additive response field: provider adds optional field -> consumers adopt -> cleanup
    "add-optional-response-field": (
        "api",
        [
            ["x.1"],
            ["x.2.consumer-a", "x.2.consumer-b"],
            ["x.3"],
        ],
    ),
    # §19 new required request field: provider accepts both -> consumers send -> provider requires
    "add-required-request-field": (
        "api",
        [
            ["x.1"],
            ["x.2.consumer-a", "x.2.consumer-b"],
            ["x.3"],
        ],
    ),
    # §19 event field removal: consumers stop relying -> producer stops -> schema cleanup
    "remove-event-field": (
        "events",
        [
            ["x.1.consumer-a", "x.1.consumer-b"],
            ["x.2"],
            ["x.3"],
        ],
    ),
    # §19 column rename: add -> dual write -> backfill -> read new -> stop old write -> drop
    "rename-column": (
        "tables",
        [
            ["x.1"],
            ["x.2"],
            ["x.3"],
            ["x.4.provider-svc", "x.4.consumer-a", "x.4.consumer-b"],
            ["x.5"],
            ["x.6"],
        ],
    ),
    # §19/§20 workflow: new version for new instances; old instances finish on the old one
    "change-workflow-rule": (
        "workflows",
        [
            ["x.1"],
            ["x.2.consumer-a", "x.2.consumer-b"],
            ["x.3"],
            ["x.4"],
        ],
    ),
    "remove-endpoint": ("api", [["x.1"], ["x.2.consumer-a", "x.2.consumer-b"], ["x.3"]]),
    "change-event-meaning": (
        "events",
        [
            ["x.1"],
            ["x.2.consumer-a", "x.2.consumer-b"],
            ["x.3"],
        ],
    ),
    "drop-column": ("tables", [["x.1.provider-svc", "x.1.consumer-a", "x.1.consumer-b"], ["x.2"]]),
    "change-timeout-retry": ("service", [["x.1"], ["x.2"]]),
}


@pytest.mark.parametrize("kind", sorted(ROLLOUT_RULES))
def test_each_rollout_rule_gives_its_safe_order(kind: str) -> None:
    group, expected = ROLLOUT_RULES[kind]
    got = order(one_change(group, kind))
    # services without a contract step deploy on their own at stage 1
    assert [[s for s in level if not s.endswith(".deploy")] for level in got] == expected


def test_rename_column_steps_say_what_each_does_in_the_seeds_order() -> None:
    steps = actions(one_change("tables", "rename-column"))
    assert [steps[f"x.{n}"] for n in (1, 2, 3, 5, 6)] == [
        ("provider-svc migration", "add the new column for f"),
        ("provider-svc", "dual write old and new column"),
        ("provider-svc migration", "backfill the new column"),
        ("provider-svc", "stop writing the old column"),
        ("provider-svc migration", "drop the old column"),
    ]
    assert steps["x.4.consumer-a"] == ("consumer-a", "reads the new column")


def test_a_workflow_change_keeps_old_instances_on_the_old_version_until_they_finish() -> None:
    report = analyse(parse(one_change("workflows", "change-workflow-rule")), today=TODAY)
    steps = {s.id: s for s in report.graph.steps}
    assert "new instances; old instances stay on v1" in steps["x.1"].action
    assert steps["x.3"].kind == "wait"
    assert [g.kind for g in steps["x.4"].gates] == ["no-running-instances"]


def test_a_removal_waits_for_zero_usage_of_the_old_path() -> None:
    report = analyse(parse(one_change("api", "remove-endpoint")), today=TODAY)
    last = {s.id: s for s in report.graph.steps}["x.3"]
    assert [g.kind for g in last.gates] == ["usage-zero", "verified"]
    assert last.gates[0].text == "usage of endpoint X == 0 for 14 days"


def test_a_flagged_event_field_is_written_only_after_every_consumer_tolerates_it() -> None:
    report = analyse(
        parse(one_change("events", "add-optional-event-field", flag="f.write")), today=TODAY
    )
    steps = {s.id: s for s in report.graph.steps}
    assert steps["x.3"].flag == "f.write"
    assert set(steps["x.3"].after) == {"x.2.consumer-a", "x.2.consumer-b"}
    assert steps["x.3"].rollback == "turn flag f.write off"


def test_the_seed_risk_explanation_plan_ships_provider_first_in_four_stages() -> None:
    assert order(example("risk-explanation")[0]) == [
        ["case-summary.1"],
        ["case-summary.2.dashboard-service", "case-summary.2.decision-service", "case-escalated.1"],
        [
            "case-summary.3",
            "case-escalated.2.notification-service",
            "case-escalated.2.dashboard-service",
            "case-escalated.2.audit-report-service",
        ],
        ["case-escalated.3"],
    ]


def test_the_seed_escalation_basis_plan_follows_the_seeds_five_steps() -> None:
    # §29: expand provider and storage; consumers tolerate; write behind flag; require; cleanup
    assert order(example("escalation-basis")[0]) == [
        ["cases-table.1"],
        ["cases-table.2", "case-escalated.1", "escalate-case.1"],
        [
            "cases-table.3",
            "case-escalated.2.audit-report-service",
            "case-escalated.2.notification-service",
            "case-escalated.2.dashboard-service",
            "escalate-case.2.decision-service",
        ],
        ["cases-table.4", "case-escalated.3", "escalate-case.3"],
        ["case-escalated.4"],
    ]
    steps = actions(example("escalation-basis")[0])
    assert steps["cases-table.1"] == (
        "case-service migration",
        "add nullable column escalation_basis to cases",
    )
    assert steps["case-escalated.3"][1].startswith("start writing escalationBasis behind flag")
    assert steps["case-escalated.4"][1].startswith("require escalationBasis at the business")


def test_after_makes_a_contract_wait_for_the_other_contracts_first_step() -> None:
    report = analyse(parse(example("escalation-basis")[0]), today=TODAY)
    steps = {s.id: s for s in report.graph.steps}
    assert steps["case-escalated.1"].after == ("cases-table.1",)


def test_a_service_with_no_contract_step_gets_its_own_deploy_step() -> None:
    text = (
        "change: c\nservices:\n  a: {role: provider, change: refactor}\n"
        "  b: {role: consumer, needs: [a]}\n"
    )
    assert order(text) == [["a.deploy"], ["b.deploy"]]


# --- properties -------------------------------------------------------------------------

KINDS = sorted(ROW_BY_KIND)


@st.composite
def plans(draw: st.DrawFn, allow_in_place: bool) -> Plan:
    n_services = draw(st.integers(1, 6))
    names = [f"s{i}" for i in range(n_services)]
    services = tuple(Service(name=n, role=Role.BOTH) for n in names)
    contracts: list[ContractChange] = []
    for i in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(KINDS))
        row = ROW_BY_KIND[kind]
        provider = draw(st.sampled_from(names))
        consumers = draw(st.lists(st.sampled_from(names), unique=True, max_size=3))
        earlier = [c.id for c in contracts]
        after = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2)) if earlier else []
        strategy = (
            draw(st.sampled_from([Strategy.SAFE, Strategy.IN_PLACE]))
            if allow_in_place
            else Strategy.SAFE
        )
        contracts.append(
            ContractChange(
                id=f"c{i}",
                group=row.contracts[0],
                name=f"C{i}",
                provider=provider,
                consumers=tuple(c for c in consumers if c != provider),
                change=kind,
                strategy=strategy,
                flag=draw(st.sampled_from([None, f"flag{i}"])),
                after=tuple(after),
            )
        )
    return Plan(
        change="p", owner="o", goal="g", title="t", services=services, contracts=tuple(contracts)
    )


def _rows(plan: Plan) -> dict[str, RiskRow]:
    return {c.id: ROW_BY_KIND[c.change or "internal-refactor"] for c in plan.contracts}


@settings(max_examples=150, deadline=None)
@given(plans(allow_in_place=False))
def test_every_step_appears_once_after_all_its_dependencies(plan: Plan) -> None:
    graph = planner.build(plan, _rows(plan))
    sched = planner.schedule(graph)
    flat = [sid for level in sched.levels for sid in level]
    assert sorted(flat) == sorted(s.id for s in graph.steps)
    assert len(flat) == len(set(flat))
    assert sched.blocked == ()
    level_of = {sid: n for n, level in enumerate(sched.levels) for sid in level}
    for step in graph.steps:
        for dep in step.after:
            assert level_of[dep] < level_of[step.id]


@settings(max_examples=150, deadline=None)
@given(plans(allow_in_place=True))
def test_with_in_place_changes_every_step_is_either_ordered_or_blocked_never_both(
    plan: Plan,
) -> None:
    graph = planner.build(plan, _rows(plan))
    sched = planner.schedule(graph)
    flat = [sid for level in sched.levels for sid in level] + list(sched.blocked)
    assert sorted(flat) == sorted(s.id for s in graph.steps)


@settings(max_examples=50, deadline=None)
@given(plans(allow_in_place=True))
def test_the_same_plan_always_gives_the_same_steps_and_order(plan: Plan) -> None:
    one = planner.build(plan, _rows(plan))
    two = planner.build(plan, _rows(plan))
    assert one == two
    assert planner.schedule(one) == planner.schedule(two)


def test_rows_cover_every_template() -> None:
    # each row gets a template of its own (none falls through to the generic plan)
    for row in ROWS:
        graph = planner.build(
            parse(
                one_change(row.contracts[0] if row.contracts[0] != "event" else "events", row.kind)
            ),
            {"x": row},
        )
        assert not any(s.action.startswith("ship X (") for s in graph.steps), row.kind


def test_the_template_table_covers_every_change_kind_of_the_risk_matrix() -> None:
    assert {row.kind for row in ROWS} == set(TEMPLATES)


def test_templates_use_only_what_the_interpreter_knows() -> None:
    placeholders = {"name", "field", "service", "what", "title", "flag"}
    phases = {"expand", "migrate", "contract", "deploy"}
    for kind, rollout in {**TEMPLATES, "(fallback)": FALLBACK}.items():
        assert rollout.steps, kind
        for step in rollout.steps:
            assert step.who in ("provider", "consumers", "everyone"), (kind, step)
            assert step.phase in phases, (kind, step)
            assert step.rollback, (kind, step.action)
            texts = [step.action, step.rollback, step.roll_forward]
            texts += [g.text for g in step.gates] + [text for _, text in step.flagged]
            for text in texts:
                assert set(re.findall(r"\{(\w+)\}", text)) <= placeholders, (kind, text)
            assert "{what}" not in step.action or rollout.what, kind
