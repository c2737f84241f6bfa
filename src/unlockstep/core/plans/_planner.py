"""Contract changes -> rollout steps with dependencies, ordered in parallel stages.

``build`` runs each contract change through its rollout template (``core.rollout``), links
contracts that build on each other (``after``) and services that need each other
(``needs``). ``schedule`` groups the steps into levels of a topological order: steps in one
level can run in parallel; ties keep file order, so the output is deterministic. Steps in
or behind a cycle cannot be ordered — that is the lockstep ``core.lockstep`` explains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from unlockstep.core.plans._plan import Plan, Strategy
from unlockstep.core.plans._risk import ROW_BY_KIND, RiskRow
from unlockstep.core.plans._rollout import CAN_I_DEPLOY, in_place_steps, safe_steps
from unlockstep.core.plans._steps import Builder, Schedule, StepGraph


def topological_levels(n: int, succ: Sequence[Sequence[int]]) -> tuple[list[list[int]], list[int]]:
    """Kahn's algorithm by layers: level k holds the nodes whose longest chain of
    predecessors has k edges. Ties are sorted by node number. Nodes in or behind a cycle
    are returned as blocked."""
    indegree = [0] * n
    for targets in succ:
        for v in targets:
            indegree[v] += 1
    current = [u for u in range(n) if indegree[u] == 0]
    levels: list[list[int]] = []
    while current:
        current.sort()
        levels.append(current)
        following: list[int] = []
        for u in current:
            for v in succ[u]:
                indegree[v] -= 1
                if indegree[v] == 0:
                    following.append(v)
        current = following
    blocked = [u for u in range(n) if indegree[u] > 0]
    return levels, blocked


def schedule(graph: StepGraph) -> Schedule:
    levels, blocked = topological_levels(len(graph.steps), graph.successors())
    ids = [s.id for s in graph.steps]
    return Schedule(
        levels=tuple(tuple(ids[i] for i in level) for level in levels),
        blocked=tuple(ids[i] for i in blocked),
    )


def build(plan: Plan, rows: Mapping[str, RiskRow]) -> StepGraph:
    """The step graph of a plan. ``rows`` gives each contract's risk row (described or
    computed); a contract without one is planned as an internal change of its provider."""
    b = Builder()
    for c in plan.contracts:
        row = rows.get(c.id) or ROW_BY_KIND["internal-refactor"]
        if c.strategy is Strategy.IN_PLACE and (row.breaks_old or row.needs_new):
            in_place_steps(b, c, row)
        else:
            safe_steps(b, c, row)
    for c in plan.contracts:
        for dep in c.after:
            if dep in b.first and c.id in b.first:
                b.edge(
                    b.first[dep],
                    b.first[c.id],
                    c.id,
                    f"{c.name} builds on {dep}, which must be live first",
                )
    for s in plan.services:
        if s.name not in b.by_service:
            b.add(
                id=f"{s.name}.deploy",
                service=s.name,
                phase="deploy",
                action=f"deploy {s.name}: {s.change or 'its part of the change'}",
                gates=(CAN_I_DEPLOY,),
                rollback="redeploy the previous version",
            )
    for s in plan.services:
        for need in s.needs:
            before, after = b.by_service[need][0], b.by_service[s.name][0]
            b.edge(
                before,
                after,
                "needs",
                f"{s.name} needs {need}'s new version first (declared in 'needs')",
            )
    return b.graph()
