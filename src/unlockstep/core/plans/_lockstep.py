"""Distributed lockstep (seed §2): required orderings that form a cycle.

A must ship before B and B before A means both ship together or not at all. We find the
strongly connected components of the step graph (Tarjan, iterative), and for each one that
holds a cycle we report an actual cycle — the shortest one through its first step — with
the contract edges that cause it, every edge inside the component, and the
compatibility-first way to break it. Components without a cycle are never reported.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from unlockstep.core.plans._plan import Plan
from unlockstep.core.plans._risk import RiskRow
from unlockstep.core.plans._steps import Edge, StepGraph

GENERIC_FIXES = (
    "split the change into expand and contract steps (accept both, migrate, then remove)",
    "make the consumer a tolerant reader (optional fields, ignore unknown values)",
    "publish a new event type instead of changing the meaning of the old one",
    "dual publish old and new for a bounded compatibility window",
)


def strongly_connected(n: int, succ: Sequence[Sequence[int]]) -> list[list[int]]:
    """Tarjan's algorithm without recursion; components in reverse topological order,
    each sorted."""
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    for root in range(n):
        if index[root] != -1:
            continue
        work: list[tuple[int, int]] = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            node, i = work[-1]
            targets = succ[node]
            if i < len(targets):
                work[-1] = (node, i + 1)
                nxt = targets[i]
                if index[nxt] == -1:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack[nxt] = True
                    work.append((nxt, 0))
                elif on_stack[nxt] and index[nxt] < low[node]:
                    low[node] = index[nxt]
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[node] < low[parent]:
                    low[parent] = low[node]
            if low[node] == index[node]:
                component: list[int] = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == node:
                        break
                component.sort()
                components.append(component)
    return components


def cycle_in(component: Sequence[int], succ: Sequence[Sequence[int]]) -> list[int] | None:
    """The shortest cycle through the component's smallest node, or None when the
    component is a single node without a self-loop (no cycle at all)."""
    members = set(component)
    start = component[0]
    if len(component) == 1:
        return [start] if start in succ[start] else None
    parent: dict[int, int] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(succ[node]):
            if nxt not in members:
                continue
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                path.reverse()
                return path
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return None  # pragma: no cover - a component of two or more nodes always has a cycle


def find_cycles(n: int, succ: Sequence[Sequence[int]]) -> list[tuple[list[int], list[int]]]:
    """Every cyclic component as ``(component, one actual cycle)``, ordered by first node."""
    out: list[tuple[list[int], list[int]]] = []
    for component in strongly_connected(n, succ):
        cycle = cycle_in(component, succ)
        if cycle is not None:
            out.append((component, cycle))
    out.sort(key=lambda pair: pair[0][0])
    return out


@dataclass(frozen=True, slots=True)
class Lockstep:
    """One lockstep group: services that can only ship together, and why."""

    services: tuple[str, ...]
    cycle: tuple[str, ...]  # step ids; the last one leads back to the first
    cycle_services: tuple[str, ...]
    edges: tuple[Edge, ...]  # the edges of that cycle
    component: tuple[str, ...]  # every step in the group
    component_edges: tuple[Edge, ...]
    contracts: tuple[str, ...]
    fixes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "services": list(self.services),
            "cycle": list(self.cycle),
            "cycleServices": list(self.cycle_services),
            "edges": [e.to_dict() for e in self.edges],
            "steps": list(self.component),
            "allEdges": [e.to_dict() for e in self.component_edges],
            "contracts": list(self.contracts),
            "fixes": list(self.fixes),
        }

    def describe(self) -> str:
        loop = " -> ".join([*self.cycle_services, self.cycle_services[0]])
        return f"lockstep between {', '.join(self.services)}: {loop}"


def detect(graph: StepGraph, plan: Plan, rows: Mapping[str, RiskRow]) -> tuple[Lockstep, ...]:
    succ = graph.successors()
    steps = graph.steps
    by_pair = {(e.before, e.after): e for e in graph.edges}
    contracts = {c.id: c for c in plan.contracts}
    found: list[Lockstep] = []
    cyclic = find_cycles(len(steps), succ)
    group_of = {steps[i].id: n for n, (component, _) in enumerate(cyclic) for i in component}
    inner_edges: list[list[Edge]] = [[] for _ in cyclic]
    for e in graph.edges:
        n = group_of.get(e.before)
        if n is not None and group_of.get(e.after) == n:
            inner_edges[n].append(e)
    for number, (component, cycle) in enumerate(cyclic):
        ids = [steps[i].id for i in cycle]
        edges = tuple(by_pair[(ids[k], ids[(k + 1) % len(ids)])] for k in range(len(ids)))
        inner = tuple(inner_edges[number])
        causes = sorted({e.cause for e in inner})
        fixes: list[str] = []
        for cause in causes:
            if cause in contracts:
                row = rows.get(cause)
                if row is not None:
                    fixes.append(f"{contracts[cause].name}: {row.fix}")
            else:
                fixes.append(
                    "services that 'need' each other: let one side detect the "
                    "capability (optional field, feature flag) so it can ship first"
                )
        fixes.extend(GENERIC_FIXES)
        found.append(
            Lockstep(
                services=tuple(sorted({steps[i].service for i in component})),
                cycle=tuple(ids),
                cycle_services=tuple(steps[i].actor for i in cycle),
                edges=edges,
                component=tuple(steps[i].id for i in component),
                component_edges=inner,
                contracts=tuple(c for c in causes if c in contracts),
                fixes=tuple(dict.fromkeys(fixes)),
            )
        )
    return tuple(found)
