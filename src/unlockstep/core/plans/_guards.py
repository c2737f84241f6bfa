"""The business invariants a plan is gated on: the ones it names, and every declared one that
guards a service or contract the plan changes though the plan does not name it.

An invariant's safety-nets file says what it guards (``guards: {services, contracts}``). A
plan that changes one of those must not move on while the invariant is breached, whether or
not its author remembered it: so such an invariant joins the plan's gates on its own, with
the reason shown beside it (``plan show`` / ``plan check``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unlockstep.core.plans._plan import Plan
from unlockstep.core.plans._window import Evidence


@dataclass(frozen=True, slots=True)
class Guarding:
    """An invariant the plan's steps wait on, and why."""

    name: str
    why: str
    named: bool  # listed in the plan's ``invariants``

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "why": self.why, "named": self.named}


def guarding(plan: Plan, evidence: Evidence) -> tuple[Guarding, ...]:
    """The plan's named invariants, then (by name) every other invariant guarding what it
    changes."""
    out = [Guarding(name, "named in the plan", True) for name in plan.invariants]
    services = {s.name for s in plan.services} | {c.provider for c in plan.contracts}
    contracts = {c.name for c in plan.contracts} | {c.id for c in plan.contracts}
    for name, (guarded_services, guarded_contracts) in sorted(
        (evidence.invariant_guards or {}).items()
    ):
        if name in plan.invariants:
            continue
        hit = [f"service {s}" for s in guarded_services if s in services]
        hit += [f"contract {c}" for c in guarded_contracts if c in contracts]
        if hit:
            out.append(Guarding(name, f"guards {', '.join(hit)}, which the plan changes", False))
    return tuple(out)
