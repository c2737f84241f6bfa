"""1,000 concurrent rollouts, each with three metric checks on a 30 s interval, run by one
process's controller: does it keep up, and what limits it?

Run: ``python bench/rollouts.py [--rollouts 1000] [--database sqlite|postgresql://…]``.
Starts 1,000 rollouts (one flag each) whose analyses have three checks measured every 30 s,
answered by a JSON web metric on a loopback HTTP server (a real request per measurement),
then runs the controller (``services.rollout_controller.tick``, with its thread pool for provider
calls) over two simulated intervals, with the clock stepping one second per tick as the
worker does. Prints the wall and CPU time one interval's work takes — 3,000 measurements,
each stored and judged, 1,000 row updates — against the 30 s it has, and where the time goes
(providers, the read pass, the locked write per rollout).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from unlockstep.services import analysis, rollout_controller, rollouts
from unlockstep.services.analysis_providers import Context
from unlockstep.services.authz import ANONYMOUS
from unlockstep.services.flags import import_flag_set
from unlockstep.services.registry import put_environment
from unlockstep.store import Store

INTERVAL = 30


class Metrics(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = json.dumps({"errorRate": 0.001, "p99": 120, "saturation": 0.4}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


def plan(key: str, url: str) -> dict[str, Any]:
    def check(name: str, path: str, condition: str) -> dict[str, Any]:
        return {
            "name": name,
            "provider": {"web": {"url": url, "jsonPath": path, "timeout": "5s"}},
            "successCondition": condition,
            "interval": f"{INTERVAL}s",
            "count": 1000,  # keeps measuring for the whole benchmark
        }

    checks = [
        check("errors", "$.errorRate", "result < 0.01"),
        check("latency", "$.p99", "result < 500"),
        check("saturation", "$.saturation", "result < 0.8"),
    ]
    return {
        "flag": key,
        "environment": "production",
        "analysis": {"name": "health", "checks": checks},
        "stages": [1, 5, 25, 100],
    }


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rollouts", type=int, default=1000)
    parser.add_argument("--database", default="sqlite")
    options = parser.parse_args()
    n = options.rollouts

    root = Path(tempfile.mkdtemp(prefix="unlockstep-bench-"))
    url = options.database if options.database != "sqlite" else f"sqlite:///{root / 'b.db'}"
    store = Store(url)
    store.migrate()
    ThreadingHTTPServer.request_queue_size = 256  # the default backlog of 5 drops connects
    server = ThreadingHTTPServer(("127.0.0.1", 0), Metrics)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    metrics_url = f"http://127.0.0.1:{server.server_address[1]}/metrics.json"

    put_environment(store, "bench", "production", production=True, description=None)
    body = {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "off"}
    keys = [f"bench.flag.{i:04d}" for i in range(n)]
    import_flag_set(store, ANONYMOUS, "production", {"flags": {k: body for k in keys}}, rules=[])

    t0 = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    for key in keys:
        rollouts.start(store, ANONYMOUS, plan(key, metrics_url), now=t0)
    print(f"started {n} rollouts in {time.perf_counter() - started:.1f} s")

    context = Context(store=store)
    pool = rollout_controller._pool()
    provider_time = [0.0]
    take = analysis.take

    def timed_take(*args: Any) -> Any:
        begun = time.perf_counter()
        try:
            return take(*args)
        finally:
            provider_time[0] += time.perf_counter() - begun

    analysis.take = timed_take  # type: ignore[assignment]
    for interval in range(2):
        wall, used, measured = time.perf_counter(), cpu(), 0
        busiest = 0.0
        for second in range(INTERVAL):
            now = t0 + dt.timedelta(seconds=interval * INTERVAL + second)
            tick_start = time.perf_counter()
            report = rollout_controller.tick(store, now, context, pool)
            busiest = max(busiest, time.perf_counter() - tick_start)
            measured += report.measurements
        wall = time.perf_counter() - wall
        used = cpu() - used
        print(
            f"interval {interval + 1}: {measured} measurements of {3 * n} due, "
            f"wall {wall:.1f} s of the {INTERVAL} s it has ({wall / INTERVAL:.0%}), "
            f"CPU {used:.1f} s, busiest tick {busiest:.1f} s, "
            f"{measured / wall:.0f} measurements/s"
        )
    print(
        f"provider calls (thread time, {rollout_controller.MEASURE_THREADS} threads): "
        f"{provider_time[0]:.1f} s in all"
    )
    print(f"database: {store.dialect}")
    server.shutdown()


if __name__ == "__main__":
    main()
