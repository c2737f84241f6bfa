"""A plan is gated on the invariants it names and on every invariant guarding a service or
contract it changes, named or not; each with the reason."""

from __future__ import annotations

from unlockstep.core.plans import Evidence, guarding, parse

from .plan_fixtures import one_change

PLAN = one_change("events", "add-optional-event-field")


def guards(**found: tuple[tuple[str, ...], tuple[str, ...]]) -> Evidence:
    return Evidence(invariant_guards=found)


def test_an_invariant_guarding_a_changed_service_or_contract_gates_the_plan() -> None:
    plan = parse(PLAN, "p.yaml")
    found = guarding(
        plan,
        guards(
            by_service=(("consumer-a",), ()),
            by_contract=((), ("X",)),
            elsewhere=(("billing",), ("invoices",)),
        ),
    )
    assert [(g.name, g.named) for g in found] == [("by_contract", False), ("by_service", False)]
    assert found[0].why == "guards contract X, which the plan changes"
    assert found[1].why == "guards service consumer-a, which the plan changes"


def test_a_named_invariant_is_listed_once_first_and_says_so() -> None:
    plan = parse(PLAN + "invariants: [by_service]\n", "p.yaml")
    found = guarding(plan, guards(by_service=(("consumer-a",), ())))
    assert [(g.name, g.why, g.named) for g in found] == [("by_service", "named in the plan", True)]


def test_without_guard_evidence_only_the_named_ones_gate() -> None:
    plan = parse(PLAN + "invariants: [a]\n", "p.yaml")
    assert [g.name for g in guarding(plan, Evidence.none())] == ["a"]
