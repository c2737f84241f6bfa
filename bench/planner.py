"""Plan a generated change across 2,000 services with 10,000 dependencies, with and without
lockstep cycles, and print how long each part takes.

Run: ``python bench/planner.py``. The target (issue 7) is under 1 s for the whole plan:
building the step graph, ordering it in parallel stages and finding every lockstep cycle.
"""

from __future__ import annotations

import random
import time
from datetime import date

from unlockstep.core.plans import _lockstep as lockstep
from unlockstep.core.plans import _planner as planner
from unlockstep.core.plans._plan import ContractChange, Plan, Role, Service, Strategy
from unlockstep.core.plans._risk import ROW_BY_KIND, ROWS

SERVICES = 2_000
DEPENDENCIES = 10_000
SAFE_KINDS = [row.kind for row in ROWS]


def generate(seed: int, in_place_share: float) -> Plan:
    """One contract per service; 10,000 provider->consumer dependencies in total; contracts
    build on earlier ones (``after``), so the orderings chain across the estate."""
    rng = random.Random(seed)
    names = [f"svc-{i:04d}" for i in range(SERVICES)]
    services = tuple(Service(name=n, role=Role.BOTH) for n in names)
    per = DEPENDENCIES // SERVICES
    contracts = []
    for i, provider in enumerate(names):
        kind = rng.choice(SAFE_KINDS)
        row = ROW_BY_KIND[kind]
        consumers = tuple(rng.sample([n for n in names if n != provider], per))
        after = tuple(f"c{j}" for j in rng.sample(range(i), min(i, 2)))
        strategy = Strategy.IN_PLACE if rng.random() < in_place_share else Strategy.SAFE
        contracts.append(
            ContractChange(
                id=f"c{i}",
                group=row.contracts[0],
                name=f"Contract{i}",
                provider=provider,
                consumers=consumers,
                change=kind,
                strategy=strategy,
                field="f",
                flag=f"flag.{i}" if rng.random() < 0.3 else None,
                after=after,
            )
        )
    return Plan(
        change="generated",
        owner="bench",
        goal="bench",
        title="bench",
        services=services,
        contracts=tuple(contracts),
    )


REPEAT = 5


def run(label: str, plan: Plan) -> None:
    rows = {c.id: ROW_BY_KIND[c.change or "internal-refactor"] for c in plan.contracts}
    timings = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        graph = planner.build(plan, rows)
        built = time.perf_counter()
        order = planner.schedule(graph)
        ordered = time.perf_counter()
        cycles = lockstep.detect(graph, plan, rows)
        found = time.perf_counter()
        timings.append((found - start, built - start, ordered - built, found - ordered))
    timings.sort()
    best, median = timings[0], timings[len(timings) // 2]
    deps = sum(len(c.consumers) for c in plan.contracts)
    print(
        f"{label}: {len(plan.services)} services, {deps} dependencies -> "
        f"{len(graph.steps)} steps, {len(graph.edges)} edges, {len(order.levels)} stages, "
        f"{len(order.blocked)} blocked, {len(cycles)} lockstep groups"
    )
    for name, t in (("best", best), ("median", median)):
        print(
            f"  {name} of {REPEAT}: total {1000 * t[0]:.0f} ms (build {1000 * t[1]:.0f} ms, "
            f"order {1000 * t[2]:.0f} ms, cycles {1000 * t[3]:.0f} ms)"
        )


def main() -> None:
    print(f"planner benchmark ({date.today().isoformat()})")
    run("without cycles", generate(1, in_place_share=0.0))
    run("with cycles (5% of changes in place)", generate(2, in_place_share=0.05))


if __name__ == "__main__":
    main()
