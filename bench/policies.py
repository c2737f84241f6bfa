"""Policy checks on the 1,000-service estate: the built-in rules plus 20 Rego policies.

Builds the estate of ``bench/can_i_deploy.py`` (1,000 services, 50 versions each, live in 3
environments, 5 integrations per consumer) and adds what policies read: tiers, and catalog
relations (each service provides an API its 5 consumers declare they consume). Then prints:

- a CI ``unlockstep policy check`` of one plan, as CI runs it (a fresh process: CLI start,
  Rego worker start, compile, check, report), offline;
- the same check warm, in process, with the registry snapshot read from the 1,000-service
  store for the plan's services (``services.policies.check_documents``);
- what an admission check adds to a write: ``admit_deployment`` (registry snapshot, the
  deploy's rollback target, built-ins and 20 Rego policies in the worker), p50 / p95 / max,
  beside the write itself (``record_deployment``).

    python bench/policies.py [--services 1000] [--requests 300] [--runs 10]
    python bench/policies.py --quick     # 300 services, 100 writes, 5 CI runs: under a minute

SQLite; PostgreSQL too when UNLOCKSTEP_BENCH_DATABASE_URL (or UNLOCKSTEP_TEST_DATABASE_URL)
is set.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent))
from can_i_deploy import FAN_OUT, generate

from unlockstep.policies import read_folder
from unlockstep.services import policies, registry
from unlockstep.services.authz import Principal
from unlockstep.store import Store
from unlockstep.store.expectation_tables import ExpectationRow
from unlockstep.store.tables import Dependency, Service

ADMIN = Principal("bench", None, frozenset({"admin"}))
POLICIES = 20


def rego(i: int) -> str:
    """Twenty policies of the kinds people write: each walks the registry snapshot."""
    return f"""package bench.p{i:02d}

deny contains {{"msg": msg, "path": path}} if {{
	input.kind == "ReleasePlan"
	some name, spec in input.spec.services
	svc := input.registry.services[name]
	svc.tier == "1"
	not spec.canary
	count(svc.consumers) > {100 + i}
	msg := sprintf("p{i}: %s is tier 1 with many consumers and no canary", [name])
	path := sprintf("/spec/services/%s", [name])
}}

deny contains msg if {{
	input.kind == "Deployment"
	svc := input.registry.services[input.spec.service]
	not svc.owner
	input.spec.version == "never-{i}"
	msg := "p{i}: unowned"
}}

warn contains msg if {{
	input.kind == "FeatureFlag"
	not input.spec.expiresAt
	msg := sprintf("p{i}: flag %s has no expiry", [input.metadata.name])
}}
"""


def plan(services: list[str]) -> str:
    lines = ["change: bench-plan", "owner: bench-team", "goal: measure", "services:"]
    lines += [f"  {s}: {{role: producer, canary: {s}-canary}}" for s in services[:1]]
    lines += [f"  {s}: {{role: consumer}}" for s in services[1:]]
    lines += [
        "contracts:",
        "  api:",
        "    - id: items",
        "      name: GET /items/{id}",
        f"      provider: {services[0]}",
        f"      consumers: [{', '.join(services[1:])}]",
        "      change: add-optional-response-field",
        "      adr: https://adr.example/1",
    ]
    return "\n".join(lines) + "\n"


def enrich(store: Store, services: int) -> list[str]:
    """Tiers and catalog relations over the generated estate; a plan's services."""
    with store.session() as s:
        s.execute(update(Service).values(tier=2))
        s.execute(update(Service).where(Service.id % 10 == 1).values(tier=1))
        pairs = s.execute(
            select(
                ExpectationRow.consumer_service_id, ExpectationRow.provider_service_id
            ).distinct()
        ).all()
        rows = [
            {"service_id": sv, "relation": "provides_api", "target_kind": "api",
             "target_name": f"api-{sv:04d}"}
            for sv in range(1, services + 1)
        ] + [
            {"service_id": c, "relation": "consumes_api", "target_kind": "api",
             "target_name": f"api-{p:04d}"}
            for c, p in pairs
        ]  # fmt: skip
        for i in range(0, len(rows), 5000):
            s.execute(insert(Dependency), rows[i : i + 5000])
        provider = 1
        consumers = sorted({c for c, p in pairs if p == provider})[:FAN_OUT]
    names = [f"svc-{provider - 1:04d}"] + [f"svc-{c - 1:04d}" for c in consumers]
    return names


def worker_cpu(admission: policies.Admission) -> float:
    """Seconds of CPU the Rego worker process has used (Linux /proc), 0 when unknown.
    ``/proc/PID/schedstat`` counts nanoseconds; ``/proc/PID/stat`` counts clock ticks (10 ms),
    too coarse for one write: a write then shows 0 or 10 ms of worker CPU, which made the
    per-write p95 read as a 13-15 ms "spike" that was only the tick."""
    runner = admission.policy_set()._runner
    worker = runner._worker if runner is not None else None
    if worker is None:
        return 0.0
    try:
        return int(Path(f"/proc/{worker.process.pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        pass
    try:
        fields = Path(f"/proc/{worker.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(label: str, url: str, services: int, requests: int, folder: Path) -> None:
    store = Store(url)
    store.migrate()
    seconds = generate(store, services)
    names = enrich(store, services)
    print(f"\n[{label}] estate: {services} services generated in {seconds:.1f} s")
    plan_file = folder.parent / "plan.yaml"
    plan_file.write_text(plan(names))

    modules, exceptions = read_folder(folder)
    policies.publish(store, ADMIN, modules, exceptions, source=str(folder))
    admission = policies.Admission(store, timeout=2.0, enforce=())
    try:
        documents = [("plan.yaml", plan_file.read_text())]
        decision = policies.check_documents(store, admission, documents, "production")
        assert not decision.problems, decision.problems
        rules = len(admission.policy_set().rules())
        times = []
        cpu_start, worker_start = time.process_time(), worker_cpu(admission)
        for _ in range(50):
            start = time.perf_counter()
            policies.check_documents(store, admission, documents, "production")
            times.append((time.perf_counter() - start) * 1000)
        plan_cpu = (time.process_time() - cpu_start + worker_cpu(admission) - worker_start) / 50
        print(
            f"  plan check, warm, with registry snapshot ({rules} rules): "
            f"p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms "
            f"({len(decision.findings)} findings); CPU {plan_cpu * 1000:.1f} ms"
        )
        # as the server does once its app starts (server/app.py ``_settle_memory``): the estate
        # just generated stays out of the cyclic collector's full passes
        gc.collect()
        gc.freeze()
        admitted, written, spent = [], [], []
        for i in range(requests):
            service = f"svc-{(i * 37) % services:04d}"
            version = "1.0.50" if i % 2 else "1.0.49"
            cpu_before, worker_before = time.process_time(), worker_cpu(admission)
            start = time.perf_counter()
            policies.admit_deployment(store, admission, ADMIN, service, version, "staging")
            middle = time.perf_counter()
            spent.append(
                (time.process_time() - cpu_before + worker_cpu(admission) - worker_before) * 1000
            )
            registry.record_deployment(store, ADMIN, service, version, "staging")
            end = time.perf_counter()
            admitted.append((middle - start) * 1000)
            written.append((end - middle) * 1000)
        print(
            f"  admission check added to record-deployment ({requests} writes): wall "
            f"p50 {statistics.median(admitted):.2f} ms, p95 {percentile(admitted, 0.95):.2f} ms, "
            f"max {max(admitted):.1f} ms; the write itself p50 {statistics.median(written):.2f} ms"
        )
        print(
            f"  admission CPU per write, server + Rego worker (what it costs on an idle "
            f"machine): p50 {statistics.median(spent):.2f} ms, p95 {percentile(spent, 0.95):.2f} "
            f"ms, mean {statistics.fmean(spent):.2f} ms "
            f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
    finally:
        admission.close()
        store.dispose()


def ci_check(folder: Path, runs: int) -> None:
    plan_file = folder.parent / "plan.yaml"
    command = [sys.executable, "-m", "unlockstep", "policy", "check", str(plan_file),
               "--policies", str(folder), "--format", "json"]  # fmt: skip
    import resource

    times, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=False)
        times.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
        assert done.returncode in (0, 1), done.stderr.decode()[-2000:]
    print(
        f"\nCI `unlockstep policy check plan.yaml` (fresh process, built-ins + {POLICIES} Rego, "
        f"offline, {runs} runs): p50 {statistics.median(times):.0f} ms wall, "
        f"p95 {percentile(times, 0.95):.0f} ms; CPU (CLI + Rego worker) p50 "
        f"{statistics.median(cpus):.0f} ms, p95 {percentile(cpus, 0.95):.0f} ms "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=10, help="fresh-process CI checks")
    parser.add_argument("--quick", action="store_true", help="a small estate, under a minute")
    args = parser.parse_args()
    if args.quick:
        args.services, args.requests, args.runs = 300, 100, 5
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "policies"
        folder.mkdir()
        for i in range(POLICIES):
            (folder / f"p{i:02d}.rego").write_text(rego(i))
        run("sqlite", f"sqlite:///{tmp}/bench.db", args.services, args.requests, folder)
        ci_check(folder, args.runs)
        pg = os.environ.get("UNLOCKSTEP_BENCH_DATABASE_URL") or os.environ.get(
            "UNLOCKSTEP_TEST_DATABASE_URL"
        )
        if pg:
            from sqlalchemy import create_engine, text

            schema = f"bench_{uuid.uuid4().hex[:8]}"
            engine = create_engine(pg)
            with engine.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            try:
                url = pg + ("&" if "?" in pg else "?") + f"options=-csearch_path%3D{schema}"
                run("postgresql", url, args.services, args.requests, folder)
            finally:
                with engine.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                engine.dispose()


if __name__ == "__main__":
    main()
