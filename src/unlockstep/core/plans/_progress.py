"""A submitted plan's progress, derived from what the registry recorded — nobody ticks boxes.

A deploy or migration step is done when the service version that ships its phase (the
plan's ``services.X.version`` / ``versions``) has been deployed to the plan's environment.
A step that flips a flag also needs the flag's state; a step that waits for old workflow
instances needs instance counts. Sources that are not available make a step ``unknown``
with the reason, never "done" by guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

from unlockstep.core.plans._check import PlanReport
from unlockstep.core.plans._evidence import NEW, gate_consumers
from unlockstep.core.plans._file import blocker_from_text
from unlockstep.core.plans._guards import guarding
from unlockstep.core.plans._steps import Step
from unlockstep.core.plans._window import (
    MET,
    UNMET,
    Evidence,
    Status,
    invariant_holds,
    moved,
    usage,
)

DONE, PENDING, UNKNOWN = "done", "pending", "unknown"


@dataclass(frozen=True, slots=True)
class StepProgress:
    step: str
    service: str
    status: str  # done | pending | unknown
    detail: str
    ready: bool  # every step it depends on is done and no checked gate is unmet
    #: its machine-checked gates (verifications, usage) as read from the registry
    gates: tuple[Status, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "service": self.service,
            "status": self.status,
            "detail": self.detail,
            "ready": self.ready,
            "gates": [g.to_dict() for g in self.gates],
        }


@dataclass(frozen=True, slots=True)
class Progress:
    environment: str
    steps: tuple[StepProgress, ...]

    @property
    def counts(self) -> dict[str, int]:
        out = {DONE: 0, PENDING: 0, UNKNOWN: 0}
        for s in self.steps:
            out[s.status] += 1
        return out

    @property
    def next(self) -> tuple[str, ...]:
        return tuple(s.step for s in self.steps if s.status != DONE and s.ready)

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "counts": self.counts,
            "next": list(self.next),
            "steps": [s.to_dict() for s in self.steps],
        }


def _deployed(
    step: Step, version: str | None, deployed: Mapping[str, Set[str]] | None, env: str
) -> tuple[str, str]:
    if version is None:
        return UNKNOWN, (
            f"the plan names no version of {step.service} for its {step.phase} phase; "
            "add services.{name}.version(s) to derive progress"
        ).replace("{name}", step.service)
    if deployed is None:
        return UNKNOWN, "no deployments available; could not be checked"
    if version in deployed.get(step.service, set()):
        return DONE, f"{step.service} {version} deployed to {env}"
    return PENDING, f"{step.service} {version} not deployed to {env} yet"


def _flag(step: Step, evidence: Evidence) -> tuple[str, str]:
    if evidence.flags is None:
        return UNKNOWN, f"flag states are not available; could not check {step.flag}"
    state = evidence.flags.get(step.flag or "")
    if state is None:
        return PENDING, f"flag {step.flag} does not exist"
    if state == "off":
        return PENDING, f"flag {step.flag} is off"
    return DONE, f"flag {step.flag} is {state}"


def _step_status(
    report: PlanReport,
    step: Step,
    deployed: Mapping[str, Set[str]] | None,
    evidence: Evidence,
) -> tuple[str, str]:
    plan = report.plan
    service = plan.service(step.service)
    version = service.version_for(step.phase) if service else None
    if step.kind == "wait":
        if evidence.running_instances is None:
            return UNKNOWN, "workflow instance counts are not available; could not be checked"
        running = sum(evidence.running_instances.values())
        return (
            (DONE, "no running old instances")
            if running == 0
            else (
                PENDING,
                f"{running} old instance(s) still running",
            )
        )
    if step.kind == "flag":
        return _flag(step, evidence)
    status, detail = _deployed(step, version, deployed, plan.environment)
    if status == DONE and step.flag and step.flip:
        flag_status, flag_detail = _flag(step, evidence)
        if flag_status != DONE:
            return flag_status, f"{detail}; {flag_detail}"
    return status, detail


def _gates(report: PlanReport, step: Step, evidence: Evidence) -> tuple[Status, ...]:
    """The step's ``verified`` gates (one status per consumer, all must be met) and its
    ``usage-zero`` gates; other gates (can-i-deploy, observe) are for people to read."""
    plan = report.plan
    out: list[Status] = []
    contract = next((c for c in plan.contracts if c.id == step.contract), None)
    for gate in step.gates:
        if gate.kind == "verified" and contract is not None:
            consumers = gate_consumers(step, gate, plan)
            statuses = [moved(c, contract.name, NEW, evidence) for c in consumers]
            if not statuses:
                continue
            worst = next(
                (s for s in statuses if s[0] == UNMET),
                next((s for s in statuses if s[0] != MET), statuses[0]),
            )
            detail = "; ".join(d for _, d in statuses) if len(statuses) > 1 else worst[1]
            out.append(Status(gate.text, worst[0], detail))
        elif gate.kind == "usage-zero":
            blocker = blocker_from_text(gate.text)
            if blocker.kind == "usage-zero" and blocker.metric:
                out.append(Status(gate.text, *usage(blocker.metric, blocker.days or 0, evidence)))
    # the business invariants the change touches hold every step while one is breached:
    # those the plan names, and those guarding what it changes though it does not name them
    for g in guarding(plan, evidence):
        state, detail = invariant_holds(g.name, evidence)
        out.append(Status(f"invariant {g.name} holds", state, f"{detail} ({g.why})"))
    return tuple(out)


def derive(
    report: PlanReport,
    *,
    deployed: Mapping[str, Set[str]] | None,
    evidence: Evidence | None = None,
) -> Progress:
    """``deployed``: service -> every version ever deployed to the plan's environment
    (``None`` when deployments are not available)."""
    evidence = evidence or Evidence.none()
    status: dict[str, str] = {}
    out: list[StepProgress] = []
    order = [sid for level in report.schedule.levels for sid in level]
    order += list(report.schedule.blocked)
    by_id = {s.id: s for s in report.graph.steps}
    for sid in order:
        step = by_id[sid]
        state, detail = _step_status(report, step, deployed, evidence)
        gates = _gates(report, step, evidence)
        status[sid] = state
        ready = (
            sid not in report.schedule.blocked
            and all(status.get(dep) == DONE for dep in step.after)
            and all(g.status != UNMET for g in gates)
        )
        out.append(StepProgress(sid, step.service, state, detail, ready, gates))
    return Progress(environment=report.plan.environment, steps=tuple(out))
