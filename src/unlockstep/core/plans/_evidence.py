"""What a plan asks the registry, and how the answers read.

A plan asks "has consumer X moved to the new contract?" in three places: its window's
``consumersRequiredByEnd``, its cleanup blockers ("X verified against CaseEscalated v2") and
the ``verified`` gates of its rollout steps. ``questions`` lists them; the server answers
each with a ``Verification`` (plain values read from the registry) and ``judge`` turns one
into met / unmet / unknown. Usage blockers whose metric is a flag's evaluation count are
answered the same way through ``flag_metric``. Core stays pure: no store, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from unlockstep.core.plans._plan import ContractChange, Plan
from unlockstep.core.plans._steps import Gate, Step

MET, UNMET, UNKNOWN = "met", "unmet", "unknown"

#: a live consumer version's verdict against the provider version(s) of the new contract
VERIFIED, FAILED, NONE = "verified", "failed", "none"

#: the version part of a question that means "whatever ships the plan's new contract"
NEW = ""

Question = tuple[str, str, str]  # (consumer, contract as the plan names it, version or NEW)


@dataclass(frozen=True, slots=True)
class Verification:
    """The registry's answer to one question.

    ``provider_versions``: the provider versions that carry the new contract (empty when
    that could not be told, then ``why`` says so). ``live``: each version of the consumer
    live in the plan's environment -> ``verified`` / ``failed`` / ``none`` against them.
    """

    provider: str
    provider_versions: tuple[str, ...]
    live: Mapping[str, str]
    why: str = ""
    #: why the answer may count another contract's verifications (``plan check`` warns)
    shared: str = ""


def find_contract(plan: Plan, name: str) -> ContractChange | None:
    """The plan's contract a question names: by id, or by name ignoring case."""
    wanted = name.strip().lower()
    for c in plan.contracts:
        if c.id.lower() == wanted or c.name.lower() == wanted:
            return c
    return None


def gate_consumers(step: Step, gate: Gate, plan: Plan) -> tuple[str, ...]:
    """Who a ``verified`` gate is about: every consumer of the step's contract, or the
    one service it names ("dashboard-service verified against the new …")."""
    contract = next((c for c in plan.contracts if c.id == step.contract), None)
    if contract is None:
        return ()
    if gate.text.startswith("every consumer"):
        return contract.consumers
    named = gate.text.split(" ", 1)[0]
    return (named,) if named in contract.consumers or named == step.service else ()


def questions(plan: Plan, steps: tuple[Step, ...] = ()) -> tuple[Question, ...]:
    """Every consumer × contract × version the plan needs verification evidence for, in
    first-asked order, without repeats."""
    return tuple(dict.fromkeys(_questions(plan, steps)))


def _questions(plan: Plan, steps: tuple[Step, ...]) -> Iterator[Question]:
    w = plan.window
    if w is not None and w.contract is not None:
        for consumer in w.consumers_required_by_end:
            yield (consumer, w.contract, w.version or NEW)
    for item in plan.cleanup:
        for b in item.blockers:
            if b.kind == "verified" and b.consumer and b.contract:
                yield (b.consumer, b.contract, b.version or NEW)
    for step in steps:
        contract = next((c for c in plan.contracts if c.id == step.contract), None)
        for gate in step.gates:
            if gate.kind == "verified" and contract is not None:
                for consumer in gate_consumers(step, gate, plan):
                    yield (consumer, contract.name, NEW)


def judge(consumer: str, found: Verification) -> tuple[str, str]:
    """``(status, detail)``: moved when every live version of the consumer is verified
    against the new contract, not moved when one failed, unknown when one has no result."""
    if not found.provider_versions:
        return UNKNOWN, found.why or "could not tell which provider version ships it"
    against = f"{found.provider} {' / '.join(found.provider_versions)}"
    if not found.live:
        return UNKNOWN, f"no version of {consumer} is live in the plan's environment"
    failed = sorted(v for v, s in found.live.items() if s == FAILED)
    missing = sorted(v for v, s in found.live.items() if s not in (VERIFIED, FAILED))
    if failed:
        return UNMET, f"not moved: {consumer} {', '.join(failed)} failed against {against}"
    if missing:
        return UNKNOWN, (
            f"no verification of {consumer} {', '.join(missing)} against {against} "
            "(has it published its expectations?)"
        )
    return MET, f"moved: {consumer} {', '.join(sorted(found.live))} verified against {against}"


_FLAG_METRIC = re.compile(
    r"^(?:flag\s+(?P<a>[\w.-]+)\s+evaluations?"
    r"|(?P<b>[\w.-]+)\s+evaluations?"
    r"|flag_evaluations(?:_total)?\{flag=\"(?P<c>[\w.-]+)\"\})$",
    re.IGNORECASE,
)


def flag_metric(metric: str, flags: frozenset[str] = frozenset()) -> str | None:
    """The flag whose evaluation count ``metric`` is, or None: ``flag K evaluations``,
    ``K evaluations``, ``flag_evaluations{flag="K"}``, or a known flag's bare key."""
    text = metric.strip()
    if text in flags:
        return text
    m = _FLAG_METRIC.match(text)
    if m is None:
        return None
    return m["a"] or m["b"] or m["c"]
