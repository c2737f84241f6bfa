"""The seed's release coordination checklist (§38): 16 questions to answer before approving.

Each question is answered from the plan file or from what was computed (risk, order,
lockstep); the rest are left open with what to add to the plan to answer them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from unlockstep.core.plans._lockstep import Lockstep
from unlockstep.core.plans._plan import Plan, Role
from unlockstep.core.plans._risk import RiskRow


@dataclass(frozen=True, slots=True)
class Facts:
    plan: Plan
    rows: dict[str, RiskRow]
    lockstep: Sequence[Lockstep]


@dataclass(frozen=True, slots=True)
class Answer:
    number: int
    question: str
    answered: bool
    answer: str  # the answer, or what to add when open

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer,
        }


Rule = Callable[[Facts], tuple[bool, str]]


def _behaviour(f: Facts) -> tuple[bool, str]:
    if f.plan.goal:
        return True, f.plan.goal
    changes = [f"{s.name}: {s.change}" for s in f.plan.services if s.change]
    if changes:
        return True, "; ".join(changes)
    return False, "add 'goal' (the behaviour that changes)"


def _role(roles: tuple[Role, ...], word: str) -> Rule:
    def rule(f: Facts) -> tuple[bool, str]:
        names = [s.name for s in f.plan.services if s.role in roles]
        if names:
            return True, ", ".join(names)
        return False, f"give at least one service the role {word}"

    return rule


def _contracts(f: Facts) -> tuple[bool, str]:
    if not f.plan.contracts:
        return (
            False,
            "list the changed contracts under 'contracts' (api, events, tables, workflows)",
        )
    return True, "; ".join(f"{c.group} {c.name}" for c in f.plan.contracts)


def _additive(f: Facts) -> tuple[bool, str]:
    if not f.plan.contracts:
        return False, "list the changed contracts to classify them"
    missing = [c.id for c in f.plan.contracts if c.id not in f.rows]
    if missing:
        return False, f"could not classify {', '.join(missing)}"
    breaking = [c.name for c in f.plan.contracts if f.rows[c.id].breaks_old]
    if breaking:
        return True, f"breaking for old counterparts: {', '.join(breaking)}"
    return True, "additive: every change keeps old counterparts working"


def _coexist(f: Facts) -> tuple[bool, str]:
    if f.lockstep:
        return True, f"no: {len(f.lockstep)} lockstep group(s) must ship together"
    return True, "yes: the computed order has no lockstep cycle"


def _window(f: Facts) -> tuple[bool, str]:
    w = f.plan.window
    if w is None:
        return False, "add 'window' with 'starts' and 'ends'"
    return True, f"{w.starts.isoformat()} to {w.ends.isoformat()}"


def _flags(f: Facts) -> tuple[bool, str]:
    keys = [fl.key for fl in f.plan.flags]
    keys += [c.flag for c in f.plan.contracts if c.flag and c.flag not in keys]
    if keys:
        return True, ", ".join(keys)
    return False, "add 'flags' (or state that none is needed with an empty list)"


def _telemetry(f: Facts) -> tuple[bool, str]:
    metrics = list(f.plan.observability)
    metrics += [c.usage_metric for c in f.plan.contracts if c.usage_metric]
    metrics += [b.metric for i in f.plan.cleanup for b in i.blockers if b.metric]
    metrics = list(dict.fromkeys(metrics))
    if metrics:
        return True, ", ".join(metrics)
    return False, "add 'observability' metrics that prove migration progress"


def _order(f: Facts) -> tuple[bool, str]:
    if f.lockstep:
        return False, "the required orderings form a cycle; break the lockstep first"
    return True, "computed (see the rollout steps)"


def _rollback(f: Facts) -> tuple[bool, str]:
    if f.plan.rollback:
        return True, f.plan.rollback
    return (
        False,
        "add 'rollback' (what to disable or roll forward first); per-step rollback is computed",
    )


def _in_flight(f: Facts) -> tuple[bool, str]:
    if f.plan.in_flight:
        return True, f.plan.in_flight
    workflows = [c for c in f.plan.contracts if c.group == "workflow"]
    if not workflows:
        return True, "no workflow contract changes"
    return False, "add 'inFlight': what happens to running instances of the old workflow"


def _cleanup(f: Facts) -> tuple[bool, str]:
    if f.plan.cleanup:
        return True, "; ".join(i.title for i in f.plan.cleanup)
    return False, "add 'cleanup' items (the contract phase is not optional)"


def _cleanup_owner(f: Facts) -> tuple[bool, str]:
    owners = [i.owner for i in f.plan.cleanup]
    if owners and all(owners):
        return True, ", ".join(dict.fromkeys(o for o in owners if o))
    return False, "give every cleanup item an 'owner'"


def _cleanup_due(f: Facts) -> tuple[bool, str]:
    dues = [i.due for i in f.plan.cleanup]
    if dues and all(dues):
        return True, ", ".join(d.isoformat() for d in dues if d)
    return False, "give every cleanup item a 'due' date"


def _evidence(f: Facts) -> tuple[bool, str]:
    if f.plan.evidence:
        return True, "; ".join(f.plan.evidence)
    return False, "add 'evidence' required for audit/compliance"


QUESTIONS: tuple[tuple[str, Rule], ...] = (
    ("What behavior changes?", _behaviour),
    (
        "Which services are producers?",
        _role((Role.PRODUCER, Role.PROVIDER, Role.BOTH), "producer/provider"),
    ),
    ("Which services are consumers?", _role((Role.CONSUMER, Role.BOTH), "consumer")),
    ("Which API/event/database/workflow contracts change?", _contracts),
    ("Is the change additive or breaking?", _additive),
    ("Can old and new versions coexist?", _coexist),
    ("What is the compatibility window?", _window),
    ("What feature flags or migration flags are needed?", _flags),
    ("What telemetry proves migration progress?", _telemetry),
    ("What is the safe rollout order?", _order),
    ("What is the rollback/roll-forward plan?", _rollback),
    ("What happens to in-flight workflow instances?", _in_flight),
    ("What cleanup will remove temporary compatibility code?", _cleanup),
    ("Who owns cleanup?", _cleanup_owner),
    ("What date does cleanup expire?", _cleanup_due),
    ("What evidence is required for audit/compliance?", _evidence),
)


def answer(facts: Facts) -> tuple[Answer, ...]:
    out: list[Answer] = []
    for number, (question, rule) in enumerate(QUESTIONS, start=1):
        answered, text = rule(facts)
        out.append(Answer(number, question, answered, text))
    return tuple(out)
