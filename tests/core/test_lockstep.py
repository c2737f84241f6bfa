from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from unlockstep.core.plans._check import analyse
from unlockstep.core.plans._file import parse
from unlockstep.core.plans._lockstep import find_cycles, strongly_connected

from .plan_fixtures import example, one_change

TODAY = date(2026, 7, 20)


def test_the_seeds_naive_lockstep_plan_is_rejected_with_every_cycle_and_its_fix() -> None:
    report = analyse(parse(*example("escalation-basis-lockstep")), today=TODAY)
    assert not report.ok
    assert [(g.contracts, g.cycle_services) for g in report.lockstep] == [
        (("cases-table",), ("case-service migration", "case-service")),
        (("case-escalated",), ("case-service", "notification-service")),
        (("escalate-case",), ("case-service", "decision-service")),
    ]
    event = report.lockstep[1]
    assert event.services == (
        "audit-report-service",
        "case-service",
        "dashboard-service",
        "notification-service",
    )
    assert len(event.component_edges) == 6  # both orderings with each of three consumers
    assert [e.reason for e in event.edges] == [
        "notification-service's new code needs the new CaseEscalated (add required event field)",
        "the new CaseEscalated breaks notification-service while it still runs the old code "
        "(add required event field)",
    ]
    assert event.fixes[0].startswith("CaseEscalated: add the field as optional")
    assert report.schedule.levels == ()
    assert len(report.schedule.blocked) == len(report.graph.steps)


def test_the_same_change_shipped_compatibility_first_has_no_cycle() -> None:
    report = analyse(parse(*example("escalation-basis")), today=TODAY)
    assert report.lockstep == ()
    assert report.schedule.blocked == ()


def test_an_in_place_change_that_breaks_only_one_way_is_ordered_not_lockstep() -> None:
    report = analyse(parse(one_change("api", "remove-endpoint", strategy="in-place")), today=TODAY)
    assert report.lockstep == ()
    assert report.schedule.levels[0][:2] == ("x.consumer-a", "x.consumer-b")


def test_an_in_place_additive_change_is_provider_first_not_lockstep() -> None:
    report = analyse(parse(one_change("api", "add-endpoint", strategy="in-place")), today=TODAY)
    assert report.lockstep == ()


def test_services_that_need_each_other_are_a_lockstep_with_the_needs_edges() -> None:
    text = (
        "change: c\nservices:\n  a: {role: provider, needs: [b]}\n"
        "  b: {role: consumer, needs: [a]}\n  c: {role: consumer, needs: [a]}\n"
    )
    report = analyse(parse(text), today=TODAY)
    assert [g.services for g in report.lockstep] == [("a", "b")]
    assert {e.cause for e in report.lockstep[0].edges} == {"needs"}
    assert report.schedule.blocked == ("a.deploy", "b.deploy", "c.deploy")


def test_a_diamond_of_orderings_is_not_a_cycle() -> None:
    assert find_cycles(4, [[1, 2], [3], [3], []]) == []


def test_a_self_loop_is_a_cycle_and_a_lone_node_is_not() -> None:
    assert find_cycles(2, [[0], []]) == [([0], [0])]


def _reach(n: int, succ: list[list[int]]) -> list[set[int]]:
    out = []
    for start in range(n):
        seen: set[int] = set()
        todo = list(succ[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(succ[node])
        out.append(seen)
    return out


graphs = st.integers(1, 12).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.lists(st.integers(0, n - 1), max_size=3), min_size=n, max_size=n),
    )
)


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_cycles_found_are_real_and_every_node_on_a_cycle_is_found(
    graph: tuple[int, list[list[int]]],
) -> None:
    n, succ = graph
    reach = _reach(n, succ)
    on_cycle = {v for v in range(n) if v in reach[v]}
    found = find_cycles(n, succ)
    assert {v for component, _ in found for v in component} == on_cycle
    for component, cycle in found:
        # the reported cycle is a real closed walk inside the component, no node twice
        assert len(cycle) == len(set(cycle))
        for k, node in enumerate(cycle):
            assert cycle[(k + 1) % len(cycle)] in succ[node]
            assert node in component
        # members of one component reach each other
        for u in component:
            for v in component:
                assert u == v or v in reach[u]


@settings(max_examples=100, deadline=None)
@given(graphs)
def test_components_partition_the_nodes(graph: tuple[int, list[list[int]]]) -> None:
    n, succ = graph
    components = strongly_connected(n, succ)
    assert sorted(v for c in components for v in c) == list(range(n))
