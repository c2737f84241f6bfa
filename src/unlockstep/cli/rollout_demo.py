"""``unlockstep rollout demo``: a rollout of ``risk.explanation.display`` driven by a small
simulated traffic source, watched until it ends.

The command runs, on loopback, a metrics endpoint its own simulated traffic feeds: every
100 ms, 200 requests from 1,000 simulated users (the first 50 staff with company addresses)
each evaluate the flag as the server serves it (the environment's flag set, evaluated
locally as the SDK does) and succeed or fail; the endpoint answers the new path's error
ratio over the last two seconds as JSON. The rollout's analysis reads it with the ``web``
provider. The rollout exposes staff, then 5 %, then 25 %; once it reaches 25 % the command
injects an error-rate rise on the new path, and the analysis aborts the rollout to the safe
variant. Exit 0 when the story went so (promoted twice, then aborted on the rise), 1
otherwise.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from unlockstep.cli.client import Client
from unlockstep.core.flags import FlagEngine, parse_flag_set

FLAG = "risk.explanation.display"
USERS = [
    {"targetingKey": f"user-{i}",
     "email": f"u{i}@example.org" if i < 50 else f"u{i}@customer.example"}
    for i in range(1000)
]  # fmt: skip
WINDOW_SECONDS = 2.0


def plan(url: str, environment: str) -> dict[str, Any]:
    check = {
        "name": "new-path-error-ratio",
        "provider": {"web": {"url": url, "jsonPath": "$.errorRatio", "timeout": "2s"}},
        "successCondition": "result < 0.05",
        "interval": "1s",
        "initialDelay": "1s",
        "count": 3,
    }
    return {
        "flag": FLAG,
        "environment": environment,
        "analysis": {"name": "explanation-health", "checks": [check]},
        "stages": [
            {"segment": "segment.internal.staff"},
            {"percent": 5},
            # a longer soak at 25 %: the error rise comes during it
            {"percent": 25, "analysis": {"name": "soak", "checks": [{**check, "count": 20}]}},
            100,
        ],
    }


class Traffic:
    """Simulated requests and the metrics endpoint that reports them."""

    def __init__(self, fetch: Callable[[], Any]) -> None:
        self.fetch = fetch
        self.new_path_failure = 0.002
        self.samples: deque[tuple[float, int, int]] = deque()  # (time, new-path calls, errors)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.random = random.Random(7)
        traffic = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps(traffic.report()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/metrics.json"

    def report(self) -> dict[str, Any]:
        now = time.monotonic()
        with self.lock:
            while self.samples and self.samples[0][0] < now - WINDOW_SECONDS:
                self.samples.popleft()
            calls = sum(c for _, c, _ in self.samples)
            errors = sum(e for _, _, e in self.samples)
        return {"newPathCalls": calls, "errors": errors,
                "errorRatio": errors / calls if calls else None}  # fmt: skip

    def tick(self) -> None:
        engine = FlagEngine(parse_flag_set(self.fetch()))
        calls = errors = 0
        for user in self.random.sample(USERS, 200):
            if engine.evaluate(FLAG, False, user).value is True:
                calls += 1
                errors += self.random.random() < self.new_path_failure
        with self.lock:
            self.samples.append((time.monotonic(), calls, errors))

    def run(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(Exception):  # the next tick tries again
                self.tick()
            self.stop.wait(0.1)

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        threading.Thread(target=self.run, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def run_demo(
    client: Client, environment: str, say: Callable[[str], None], timeout: float = 120.0
) -> tuple[bool, dict[str, Any]]:
    """Run the story; whether it went as told, and the rollout as it ended."""
    traffic = Traffic(lambda: client.get(f"/api/v1/environments/{environment}/flagset"))
    traffic.start()
    try:
        started = client.post("/api/v1/rollouts", {"rollout": plan(traffic.url, environment)})
        rid = started["id"]
        say(f"rollout #{rid} of {FLAG} in {environment}: stage 1 {started['stageName']!r}")
        seen, injected = 0, False
        deadline = time.monotonic() + timeout
        shown: dict[str, Any] = started
        while time.monotonic() < deadline:
            shown = client.get(f"/api/v1/rollouts/{rid}")
            if shown["stage"] != seen:
                seen = shown["stage"]
                say(f"  promoted to stage {seen + 1} {shown['stageName']!r} "
                    f"(error ratio {traffic.report()['errorRatio']})")  # fmt: skip
            if shown["stage"] == 2 and not injected:
                traffic.new_path_failure = 0.25
                injected = True
                say("  injected: the new path now fails one call in four")
            if shown["status"] in ("aborted", "completed", "paused"):
                break
            time.sleep(0.2)
        say(f"  {shown['status']}: {shown['reason']}")
        ok = shown["status"] == "aborted" and shown["stage"] == 2 and injected
        return ok, shown
    finally:
        traffic.close()
