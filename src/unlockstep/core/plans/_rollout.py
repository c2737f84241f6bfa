"""The rollout-order model (seed §19 and §20): one small interpreter of the templates in
``core.plans._templates`` (a table of steps per kind of change). A change shipped
``in-place`` gets one step per service with the orderings its risk row forces — both ways,
when it breaks both ways: the lockstep ``core.lockstep`` reports.
"""

from __future__ import annotations

from typing import Any

from unlockstep.core.plans._plan import ContractChange
from unlockstep.core.plans._risk import RiskRow
from unlockstep.core.plans._steps import Builder, Gate
from unlockstep.core.plans._templates import (
    CAN_I_DEPLOY,
    FALLBACK,
    TEMPLATES,
    C,
    E,
    GateSpec,
    P,
)

__all__ = ["CAN_I_DEPLOY", "FALLBACK", "TEMPLATES", "in_place_steps", "safe_steps"]


def _fill(text: str, **values: str) -> str:
    """Fill ``{name}`` placeholders without touching other braces (PromQL, paths)."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


# -- the one interpreter -----------------------------------------------------------------------


def safe_steps(b: Builder, c: ContractChange, row: RiskRow) -> None:
    """The compatibility-first steps of ``c``: its kind's template, each step after every
    step before it (consumers fanned out, one step each)."""
    rollout = TEMPLATES.get(row.kind, FALLBACK)
    own = {"what": rollout.what, "title": row.title.lower(), "flag": c.flag or ""}
    values = {"field": c.field or "the field", "name": c.name}
    reason = f"{row.title.lower()}: {row.safe_default}"
    previous: list[str] = []
    n = 0
    for step in rollout.steps:
        if step.only_flagged and not c.flag:
            continue
        who = [(c.provider, "")] if step.who == P else []
        if step.who in (C, E):
            who = [(name, f".{name}") for name in c.consumers]
            if step.who == E:
                who.insert(0, (c.provider, f".{c.provider}"))
        if not who:
            continue
        n += 1
        texts = {"action": step.action, "rollback": step.rollback}
        if c.flag:
            texts.update(step.flagged)
        action = _fill(_fill(texts["action"], **own), **values)
        gates = [_fill_gate(_gate(g, c, own), values) for g in step.gates]
        per_service = "{service}" in action or any("{service}" in g.text for g in gates)
        extra: dict[str, Any] = {"kind": step.kind} if step.kind else {}
        if c.flag and step.flip:
            extra.update(flag=c.flag, flip=step.flip)
        ids = []
        for service, suffix in who:
            sid = b.add(
                id=f"{c.id}.{n}{suffix}",
                service=service,
                action=_fill(action, service=service) if per_service else action,
                phase=step.phase,
                contract=c.id,
                gates=tuple(Gate(g.kind, _fill(g.text, service=service)) for g in gates)
                if per_service
                else tuple(gates),
                rollback=_fill(texts["rollback"], **own),
                roll_forward=step.roll_forward,
                **extra,
            )
            ids.append(sid)
            for before in previous:
                b.edge(before, sid, c.id, reason)
        if n == 1:
            b.first[c.id] = ids[0]
        previous = ids


def _gate(spec: GateSpec, c: ContractChange, own: dict[str, str]) -> Gate:
    text = _fill(spec.text, **own)
    if spec.kind == "verified":
        return Gate("verified", f"{text} verified against the new {c.name}")
    if spec.kind == "usage-zero":
        metric = c.usage_metric or f"usage of {text}"
        return Gate("usage-zero", f"{metric} == 0 for {c.zero_days} days")
    return Gate(spec.kind, text)


def _fill_gate(gate: Gate, values: dict[str, str]) -> Gate:
    return Gate(gate.kind, _fill(gate.text, **values))


def in_place_steps(b: Builder, c: ContractChange, row: RiskRow) -> None:
    """One step per service; the orderings the risk row forces, both ways when it breaks
    both ways (that is the lockstep)."""
    what = f"{row.title.lower()} in {c.name}" + (f" ({c.field})" if c.field else "")
    provider_steps: list[str] = []
    if c.group == "table":
        provider_steps.append(
            b.add(
                id=f"{c.id}.migration",
                service=c.provider,
                kind="migration",
                phase="lockstep",
                contract=c.id,
                action=f"{what}, in place",
                gates=(CAN_I_DEPLOY,),
                rollback="reverse migration (data written meanwhile may be lost)",
            )
        )
    provider_steps.append(
        b.add(
            id=f"{c.id}.{c.provider}",
            service=c.provider,
            phase="lockstep",
            contract=c.id,
            action=f"ship {what}, in place",
            gates=(CAN_I_DEPLOY,),
            rollback="roll back together with every counterpart",
        )
    )
    b.first[c.id] = provider_steps[0]
    counterparts = [
        (
            s,
            b.add(
                id=f"{c.id}.{s}",
                service=s,
                phase="lockstep",
                contract=c.id,
                action=f"adapts to {what}",
                gates=(CAN_I_DEPLOY,),
                rollback="roll back together with the provider",
            ),
        )
        for s in c.consumers
    ]
    if c.group == "table":
        counterparts.insert(0, (c.provider, provider_steps[1]))
        provider_steps = provider_steps[:1]
    for p in provider_steps:
        for service, step in counterparts:
            if row.needs_new:
                b.edge(
                    p,
                    step,
                    c.id,
                    f"{service}'s new code needs the new {c.name} ({row.title.lower()})",
                )
            if row.breaks_old:
                b.edge(
                    step,
                    p,
                    c.id,
                    f"the new {c.name} breaks {service} while it still "
                    f"runs the old code ({row.title.lower()})",
                )
