"""A rollout step, the orderings between steps, and the graph they form.

A step says who deploys what, which flag flips, the gates that must hold before it starts
and how to roll back or forward. ``Builder`` collects steps and edges while the rollout
templates (``core.rollout``) run; ``core.planner`` orders the finished graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Gate:
    """A condition that must hold before a step starts. ``kind`` is machine-checkable
    (``can-i-deploy``, ``verified``, ``usage-zero``, ``no-running-instances``,
    ``flag-state``) or ``observe`` (a person reads a dashboard)."""

    kind: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    service: str
    action: str
    kind: str = "deploy"  # deploy | migration | flag | wait
    phase: str = "expand"  # expand | migrate | contract | deploy | lockstep
    contract: str | None = None
    flag: str | None = None
    flip: str | None = None
    gates: tuple[Gate, ...] = ()
    rollback: str = ""
    roll_forward: str = ""
    after: tuple[str, ...] = ()

    @property
    def actor(self) -> str:
        """Who acts, as a person reads it: a migration is named apart from its service."""
        return f"{self.service} migration" if self.kind == "migration" else self.service

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "action": self.action,
            "kind": self.kind,
            "phase": self.phase,
            "contract": self.contract,
            "flag": self.flag,
            "flip": self.flip,
            "gates": [g.to_dict() for g in self.gates],
            "rollback": self.rollback,
            "rollForward": self.roll_forward,
            "after": list(self.after),
        }


@dataclass(frozen=True, slots=True)
class Edge:
    before: str
    after: str
    cause: str  # contract id, or "needs" for a service-level ordering
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {
            "before": self.before,
            "after": self.after,
            "cause": self.cause,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class StepGraph:
    steps: tuple[Step, ...]
    edges: tuple[Edge, ...]

    def index(self) -> dict[str, int]:
        return {s.id: i for i, s in enumerate(self.steps)}

    def successors(self) -> list[list[int]]:
        idx = self.index()
        succ: list[list[int]] = [[] for _ in self.steps]
        for e in self.edges:
            succ[idx[e.before]].append(idx[e.after])
        return succ


@dataclass(frozen=True, slots=True)
class Schedule:
    levels: tuple[tuple[str, ...], ...]
    blocked: tuple[str, ...]  # steps that cannot be ordered (in or behind a cycle)

    def to_dict(self) -> dict[str, Any]:
        return {"levels": [list(level) for level in self.levels], "blocked": list(self.blocked)}


class Builder:
    """Steps and edges as the templates emit them; ``graph()`` freezes them."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []  # Step fields; ``after`` is added at the end
        self.edges: list[Edge] = []
        self._edge_keys: set[tuple[str, str]] = set()
        self.first: dict[str, str] = {}  # contract id -> first step (the new thing is live)
        self.by_service: dict[str, list[str]] = {}

    def add(self, **fields: Any) -> str:
        self.steps.append(fields)
        self.by_service.setdefault(fields["service"], []).append(fields["id"])
        return str(fields["id"])

    def edge(self, before: str, after: str, cause: str, reason: str) -> None:
        if (before, after) in self._edge_keys:
            return
        self._edge_keys.add((before, after))
        self.edges.append(Edge(before, after, cause, reason))

    def graph(self) -> StepGraph:
        after: dict[str, list[str]] = {}
        for e in self.edges:
            after.setdefault(e.after, []).append(e.before)
        steps = tuple(Step(**s, after=tuple(after.get(s["id"], ()))) for s in self.steps)
        return StepGraph(steps=steps, edges=tuple(self.edges))
