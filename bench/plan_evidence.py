"""How long a submitted plan takes to read its verification evidence from the registry, on a
small estate and a large one, and how many queries that takes.

Reuses can-i-deploy's generated estate (N services, 50 versions each, 5 integrations per
consumer, the newest versions live, a verification for every live consumer × live provider
pair). The plan changes the API of P providers (every consumer of each is a window consumer
and has a "verified against" cleanup blocker; the rollout adds a verified gate per consumer
step); it names the live provider version as the one that ships the new contract.

    python bench/plan_evidence.py [--services 1000] [--providers 50] [--repeats 30]

SQLite only (the queries are the ones tests run on PostgreSQL too).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from can_i_deploy import LIVE, generate

from unlockstep.core.plans import _check as plan_check
from unlockstep.core.plans._evidence import MET, questions
from unlockstep.core.plans._plan import (
    Blocker,
    CleanupItem,
    ContractChange,
    Plan,
    Role,
    Service,
    Window,
)
from unlockstep.core.plans._window import Evidence, check_all
from unlockstep.store import Store
from unlockstep.store.expectation_tables import ExpectationRow
from unlockstep.store.plan_evidence import verifications
from unlockstep.store.tables import Service as ServiceRow

PROVIDER_VERSION = f"1.0.{LIVE['production']}"


def build_plan(store: Store, providers: int) -> Plan:
    with store.session() as s:
        consumer = ServiceRow.__table__.alias("consumer")
        provider = ServiceRow.__table__.alias("provider")
        rows = s.execute(
            select(provider.c.name, consumer.c.name)
            .select_from(ExpectationRow)
            .join(provider, provider.c.id == ExpectationRow.provider_service_id)
            .join(consumer, consumer.c.id == ExpectationRow.consumer_service_id)
            .where(provider.c.name.in_([f"svc-{i:04d}" for i in range(providers)]))
            .distinct()
        ).all()
    consumers_of: dict[str, list[str]] = {}
    for p, c in rows:
        consumers_of.setdefault(p, []).append(c)
    contracts = tuple(
        ContractChange(
            id=f"{p}-api",
            group="api",
            name=f"{p} api",
            provider=p,
            consumers=tuple(sorted(cs)),
            change="add-optional-response-field",
        )
        for p, cs in sorted(consumers_of.items())
    )
    names = sorted({c for cs in consumers_of.values() for c in cs} | set(consumers_of))
    services = tuple(
        Service(
            n,
            Role.PROVIDER if n in consumers_of else Role.CONSUMER,
            versions=(("*", PROVIDER_VERSION),),
        )
        for n in names
    )
    everyone = sorted({c for cs in consumers_of.values() for c in cs})
    first = contracts[0]
    blockers = tuple(
        Blocker(
            "verified", f"{c} verified against {k.id} v2", consumer=c, contract=k.id, version="v2"
        )
        for k in contracts
        for c in k.consumers
    )
    window = Window(
        date(2026, 7, 1),
        date(2026, 8, 1),
        consumers_required_by_end=tuple(c for c in everyone if c in first.consumers),
        contract=first.id,
        version="v2",
    )
    cleanup = CleanupItem("remove the old fields", "bench", date(2026, 9, 1), blockers=blockers)
    return Plan(
        change="bench",
        owner="bench",
        goal="bench",
        title="bench",
        services=services,
        contracts=contracts,
        window=window,
        cleanup=(cleanup,),
    )


def run(services: int, providers: int, repeats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        store.migrate()
        loaded = generate(store, services)
        plan = build_plan(store, providers)
        steps = plan_check.analyse(plan, today=date(2026, 7, 20)).graph.steps
        asked = questions(plan, steps)
        statements: list[str] = []
        event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        timings: list[float] = []
        for _ in range(repeats):
            statements.clear()
            start = time.perf_counter()
            with store.session() as session:
                answers = verifications(session, plan, {}, asked)
            timings.append(time.perf_counter() - start)
        window, cleanup, _ = check_all(plan, Evidence(verifications=answers), date(2026, 7, 20))
        met = sum(b.status == MET for item in cleanup for b in item.blockers)
        store.dispose()
    timings.sort()
    return {
        "services": services,
        "loaded": loaded,
        "questions": len(asked),
        "blockers": sum(len(i.blockers) for i in plan.cleanup),
        "met": met,
        "window": len(window.consumers) if window else 0,
        "queries": len(statements),
        "p50": statistics.median(timings) * 1000,
        "p95": timings[int(len(timings) * 0.95)] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=1_000)
    parser.add_argument("--providers", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    for services in (max(args.providers, 60), args.services):
        r = run(services, args.providers, args.repeats)
        print(
            f"sqlite {r['services']:>5} services (loaded in {r['loaded']:5.1f} s): "
            f"{r['questions']:>4} questions ({r['blockers']} blockers, {r['met']} met; "
            f"{r['window']} window consumers) answered in {r['queries']} queries, "
            f"p50 {r['p50']:6.1f} ms p95 {r['p95']:6.1f} ms"
        )


if __name__ == "__main__":
    main()
