"""Dashboard pages on the 1,000-service estate: server time per page (p50 / p95) and the
bytes each page transfers (gzip, as a browser asks for it).

The estate is ``bench/can_i_deploy.py``'s (1,000 services, 50 versions each, 5 providers per
consumer, 3 environments, verifications for every live pair), spread over 40 teams and 10
systems, with 300 flags in production (imported through the flag use case, so the audit
trail has their events) and the demo's release plan. Each page is asked ``--requests`` times
in-process (the app over ASGI, no network), after a warm-up.

    python bench/dashboard.py [--requests 30 | --quick] [--services 1000]

Targets (issue 16): p95 under 150 ms per page, under 500 ms for the estate graph page (all
its views: the graph of teams or systems, one team, a search); no page larger than 1 MB
transferred.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import update

sys.path.insert(0, str(Path(__file__).resolve().parent))
from can_i_deploy import generate

from unlockstep.cli.plans import file_reader
from unlockstep.core.plans import parse
from unlockstep.server.app import create_app
from unlockstep.services import flags as flag_service
from unlockstep.services.authz import ANONYMOUS
from unlockstep.settings import Settings
from unlockstep.store import Store
from unlockstep.store.tables import Service, Team

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "examples" / "estate" / "plans"
TEAMS = 40
SYSTEMS = 10
FLAGS = 300
LIMIT_MS = 150.0
GRAPH_LIMIT_MS = 500.0
LIMIT_BYTES = 1_000_000


def spread(store: Store, services: int) -> None:
    """Give the services 40 owner teams and 10 systems (the generated estate has one team)."""
    with store.session() as s:
        for team in range(2, TEAMS + 1):
            s.add(Team(id=team, name=f"team-{team:02d}"))
        s.flush()
        for sv in range(1, services + 1):
            s.execute(
                update(Service)
                .where(Service.id == sv)
                .values(team_id=1 + sv % TEAMS, system=f"system-{sv % SYSTEMS}")
            )


def flags(store: Store) -> None:
    expires = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    document: dict[str, Any] = {
        "flags": {
            f"feature.{i:03d}": {
                "state": "ENABLED",
                "variants": {"on": True, "off": False},
                "defaultVariant": "off",
                "targeting": {"if": [{"in": [{"var": "tenant"}, ["t-1", "t-2"]]}, "on", None]},
                "metadata": {"type": "release", "owner": f"team-{2 + i % (TEAMS - 1):02d}",
                             "expires": expires},
            }
            for i in range(FLAGS)
        }
    }  # fmt: skip
    flag_service.import_flag_set(store, ANONYMOUS, "production", document, reason="bench")


def plan(client: Any) -> str:
    text = (PLANS / "escalation-basis.yaml").read_text()
    read = file_reader(PLANS)
    files = {path: read(path) for c in parse(text).contracts for path in (*c.old, *c.new)}
    body = {"source": text, "filename": "escalation-basis.yaml", "files": files}
    response = client.post("/api/v1/plans", json=body)
    response.raise_for_status()
    return str(response.json()["plan"]["change"])


def pages(change: str) -> list[tuple[str, str]]:
    return [
        ("estate (graph of teams)", "/estate"),
        ("estate, one team", "/estate?group=team-07"),
        ("estate, by system", "/estate?groupBy=system"),
        ("estate, search", "/estate?q=svc-04"),
        ("service", "/services/svc-0421"),
        ("contract", "/services/svc-0421/contracts/api"),
        ("contract diff", "/services/svc-0421/contracts/api?older=1.0.48&newer=1.0.50"),
        ("matrix", "/matrix"),
        ("matrix, filtered", "/matrix?provider=svc-0421"),
        ("deprecations", "/deprecations"),
        ("flags", "/flags?environment=production"),
        ("flag", "/flags/production/feature.042"),
        ("plans", "/plans"),
        ("plan", f"/plans/{change}"),
        ("rollouts", "/rollouts"),
        ("safety nets", "/safety-nets"),
        ("audit", "/audit"),
        ("audit, filtered", "/audit?entityType=flag&entity=feature.042"),
    ]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def measure(
    client: Any, path: str, requests: int, json: bool
) -> tuple[float, float, float, float, int]:
    """Wall-clock and CPU milliseconds per request (p50, p95 of each) and the largest
    transfer. The CPU time is the whole process's (the app runs in its threads), so it is
    the server's work even when other processes crowd the machine."""
    headers = {"Accept-Encoding": "gzip"} | ({"Accept": "application/json"} if json else {})
    wall: list[float] = []
    cpu: list[float] = []
    size = 0
    for i in range(requests + 3):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path, headers=headers)
        elapsed, used = time.perf_counter() - start, time.process_time() - start_cpu
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
        size = max(size, response.num_bytes_downloaded)
        if i >= 3:  # warm-up excluded
            wall.append(elapsed * 1000)
            cpu.append(used * 1000)
    return statistics.median(wall), p95(wall), statistics.median(cpu), p95(cpu), size


def main() -> None:
    from fastapi.testclient import TestClient

    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--quick", action="store_true", help="8 requests per page (about a minute in all)"
    )
    parser.add_argument("--services", type=int, default=1_000)
    parser.add_argument(
        "--database", type=Path, help="keep the generated estate in this SQLite file and reuse it"
    )
    args = parser.parse_args()
    if args.quick:
        args.requests = 8
    with tempfile.TemporaryDirectory() as folder:
        database = args.database or Path(folder) / "dashboard.db"
        url = f"sqlite:///{database}"
        fresh = not database.exists()
        store = Store(url)
        store.migrate()
        seconds = 0.0
        if fresh:
            seconds = generate(store, args.services)
            spread(store, args.services)
            flags(store)
            with store.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        settings = Settings(database_url=url, worker=False)
        print(
            f"estate: {args.services} services, {TEAMS} teams, {FLAGS} flags "
            f"(loaded in {seconds:.1f} s); {args.requests} requests per page, in-process"
        )
        print(
            f"{'page':<26} {'wall p50':>8} {'wall p95':>8} {'CPU p50':>8} {'CPU p95':>8} "
            f"{'HTML bytes':>11} {'JSON bytes':>11}"
        )
        worst = []
        with TestClient(create_app(settings, store)) as client:
            change = plan(client) if fresh else "regulatory-escalation-basis"
            for label, path in pages(change):
                w50, w95, c50, c95, html = measure(client, path, args.requests, json=False)
                twin = measure(client, path, 3, json=True)[-1]
                limit = GRAPH_LIMIT_MS if label.startswith("estate") else LIMIT_MS
                over = w95 > limit or max(html, twin) > LIMIT_BYTES
                worst.append(over)
                flag = "  OVER" if over else ""
                print(
                    f"{label:<26} {w50:8.1f} {w95:8.1f} {c50:8.1f} {c95:8.1f} "
                    f"{html:11,d} {twin:11,d}{flag}"
                )
        store.dispose()
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    print(
        f"targets (wall p95): p95 < {LIMIT_MS:.0f} ms (estate graph < {GRAPH_LIMIT_MS:.0f} ms), "
        f"< {LIMIT_BYTES:,d} bytes: {'met' if not any(worst) else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
