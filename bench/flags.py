"""Flag evaluation speed, one run, side by side: our compiled engine vs the engines Python
services use today, bare and through the OpenFeature client; then OFREP bulk evaluation
requests per second against a real uvicorn server.

    python bench/flags.py            # full run (about a minute)
    python bench/flags.py --quick    # fewer iterations, no OFREP load

Cases: a static flag, a tenant in a list of 10, a 3-way fractional split. Peers that are not
installed are reported as such (``pip install -e '.[test]' UnleashClient
openfeature-provider-flagd``).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

TENANTS = [f"t-{i}" for i in range(10)]
DOCUMENT: dict[str, Any] = {
    "flags": {
        "static": {
            "state": "ENABLED",
            "variants": {"on": True, "off": False},
            "defaultVariant": "on",
        },
        "tenant": {
            "state": "ENABLED",
            "variants": {"on": True, "off": False},
            "defaultVariant": "off",
            "targeting": {"if": [{"in": [{"var": "tenantId"}, TENANTS]}, "on", None]},
        },
        "split3": {
            "state": "ENABLED",
            "variants": {"a": "a", "b": "b", "c": "c"},
            "defaultVariant": "a",
            "targeting": {"fractional": [["a", 34], ["b", 33], ["c", 33]]},
        },
    }
}
CASES = [
    ("static flag", "static", False),
    ("tenant in a list", "tenant", False),
    ("3-way fractional", "split3", "x"),
]
TARGETS_BARE = {"static": 0.6, "tenant": 1.5, "split3": 2.5}
TARGET_CLIENT = 12.0


def per_call_us(fn: Callable[[], Any], number: int) -> float:
    """Best of five runs, in microseconds of this process's CPU time per call (CPU time, not
    wall time, so other jobs on a shared machine do not inflate the figures)."""
    timer = timeit.Timer(fn, timer=time.process_time)
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


def ours_bare(number: int) -> dict[str, float]:
    from unlockstep.core.flags import FlagEngine, parse_flag_set

    engine = FlagEngine(parse_flag_set(DOCUMENT))
    context = {"targetingKey": "user-42", "tenantId": "t-7"}
    evaluate = engine.evaluate
    return {
        key: per_call_us(lambda k=key, d=default: evaluate(k, d, context), number)
        for _, key, default in CASES
    }


def flagd_core_bare(number: int) -> dict[str, float] | str:
    try:
        from openfeature.contrib.tools.flagd.core import FlagdCore
        from openfeature.evaluation_context import EvaluationContext
    except ImportError:
        return "not installed (openfeature-flagd-core)"
    core = FlagdCore()
    core.set_flags(json.loads(json.dumps(DOCUMENT)))
    ctx = EvaluationContext("user-42", {"tenantId": "t-7"})
    return {
        "static": per_call_us(lambda: core.resolve_boolean_value("static", False, ctx), number),
        "tenant": per_call_us(lambda: core.resolve_boolean_value("tenant", False, ctx), number),
        "split3": per_call_us(lambda: core.resolve_string_value("split3", "x", ctx), number),
    }


def through_client(provider: Any, domain: str, number: int) -> dict[str, float]:
    from openfeature import api
    from openfeature.evaluation_context import EvaluationContext

    api.set_provider_and_wait(provider, domain)
    client = api.get_client(domain)
    ctx = EvaluationContext("user-42", {"tenantId": "t-7"})
    result = {
        "static": per_call_us(lambda: client.get_boolean_value("static", False, ctx), number),
        "tenant": per_call_us(lambda: client.get_boolean_value("tenant", False, ctx), number),
        "split3": per_call_us(lambda: client.get_string_value("split3", "x", ctx), number),
    }
    return result


def ours_client(number: int) -> dict[str, float]:
    from unlockstep.sdk import UnlockstepProvider

    return through_client(UnlockstepProvider(None, bootstrap=DOCUMENT), "bench-ours", number)


def flagd_file_client(number: int, folder: Path) -> dict[str, float] | str:
    try:
        from openfeature.contrib.provider.flagd import FlagdProvider
        from openfeature.contrib.provider.flagd.config import ResolverType
    except ImportError:
        return "not installed (openfeature-provider-flagd)"
    path = folder / "flags.flagd.json"
    path.write_text(json.dumps(DOCUMENT))
    provider = FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=str(path))
    try:
        return through_client(provider, "bench-flagd", number)
    finally:
        provider.shutdown()


def bare_client(number: int) -> dict[str, float]:
    from openfeature.provider.no_op_provider import NoOpProvider

    return through_client(NoOpProvider(), "bench-noop", number)


def unleash(number: int, folder: Path) -> dict[str, float] | str:
    try:
        from UnleashClient import UnleashClient
        from UnleashClient.cache import FileCache
    except ImportError:
        return "not installed (UnleashClient)"
    features = {
        "version": 2,
        "features": [
            {
                "name": "static",
                "enabled": True,
                "strategies": [{"name": "default", "parameters": {}}],
            },
            {
                "name": "tenant",
                "enabled": True,
                "strategies": [
                    {
                        "name": "default",
                        "parameters": {},
                        "constraints": [
                            {"contextName": "tenantId", "operator": "IN", "values": TENANTS}
                        ],
                    }
                ],
            },
            {
                "name": "split3",
                "enabled": True,
                "strategies": [
                    {
                        "name": "flexibleRollout",
                        "parameters": {
                            "rollout": "100",
                            "stickiness": "default",
                            "groupId": "split3",
                        },
                    }
                ],
                "variants": [
                    {"name": "a", "weight": 340, "stickiness": "default", "weightType": "variable"},
                    {"name": "b", "weight": 330, "stickiness": "default", "weightType": "variable"},
                    {"name": "c", "weight": 330, "stickiness": "default", "weightType": "variable"},
                ],
            },
        ],
    }
    try:
        cache = FileCache("unlockstep-bench", directory=str(folder))
        cache.bootstrap_from_dict(features)
        client = UnleashClient(
            url="http://127.0.0.1:9", app_name="bench", disable_metrics=True,
            disable_registration=True, cache=cache,
        )  # fmt: skip
        client.initialize_client(fetch_toggles=False)
        ctx = {"userId": "user-42", "properties": {"tenantId": "t-7"}}
        assert client.is_enabled("tenant", ctx)
        result = {
            "static": per_call_us(lambda: client.is_enabled("static", ctx), number),
            "tenant": per_call_us(lambda: client.is_enabled("tenant", ctx), number),
            "split3": per_call_us(lambda: client.get_variant("split3", ctx), number),
        }
        client.destroy()
        return result
    except Exception as error:  # a peer failing must not hide our figures
        return f"failed: {error!r}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hammer(base: str, seconds: float) -> tuple[int, int]:
    """One load-generating process: sequential bulk evaluations over one keep-alive connection."""
    import httpx

    ok = other = 0
    body = {"context": {"targetingKey": "user-42", "tenantId": "t-7"}}
    with httpx.Client(base_url=base) as client:
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            response = client.post("/ofrep/v1/evaluate/flags", json=body)
            if response.status_code == 200:
                ok += 1
            else:
                other += 1
    return ok, other


def _wait_until_up(base: str) -> bool:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/api/v1/health", timeout=1).raise_for_status()
            return True
        except httpx.HTTPError:
            time.sleep(0.1)
    return False


def ofrep_throughput(folder: Path, seconds: float, servers: int, clients: int) -> str:
    """Bulk OFREP evaluations per second: ``servers`` single-worker uvicorn processes on one
    SQLite database (one per core, like several server processes sharing one database; a
    single ``uvicorn --workers 2`` answered every request here, even ``/openapi.json``, after a
    constant ~40 ms, which would measure that set-up, not us), ``clients`` load processes
    spread over them."""
    import httpx

    env = {**os.environ, "UNLOCKSTEP_DATABASE_URL": f"sqlite:///{folder / 'ofrep.db'}"}
    subprocess.run(
        [sys.executable, "-c", "from unlockstep.store import Store; import os; "
         "Store(os.environ['UNLOCKSTEP_DATABASE_URL']).migrate()"],
        env=env, check=True,
    )  # fmt: skip
    bases = [f"http://127.0.0.1:{free_port()}" for _ in range(servers)]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "unlockstep.server.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                base.rsplit(":", 1)[1],
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        for base in bases
    ]
    try:
        if not all(_wait_until_up(base) for base in bases):
            return "server did not start"
        with httpx.Client(base_url=bases[0]) as http:
            http.put("/api/v1/environments/production", json={}).raise_for_status()
            http.put(
                "/api/v1/environments/production/flagset", json={"document": DOCUMENT}
            ).raise_for_status()
        targets = [bases[i % servers] for i in range(clients)]
        with ProcessPoolExecutor(clients) as pool:
            results = list(pool.map(_hammer, targets, [seconds] * clients))
        ok = sum(r[0] for r in results)
        other = sum(r[1] for r in results)
        return (
            f"{ok / seconds:,.0f} requests/s ({servers} server processes, {clients} client "
            f"processes with keep-alive, all on the same {os.cpu_count()} cores; "
            f"{seconds:.0f} s; {other} non-200)"
        )
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def cell(value: float | None, target: float | None = None) -> str:
    if value is None:
        return "-"
    mark = ""
    if target is not None:
        mark = " ✓" if value <= target else " ✗"
    return f"{value:7.2f}{mark}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations, no OFREP load")
    parser.add_argument("--seconds", type=float, default=5.0, help="OFREP load duration")
    parser.add_argument("--ofrep-only", action="store_true", help="only the OFREP load")
    args = parser.parse_args()
    number = 20_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.ofrep_only:
            print("OFREP bulk evaluation:", ofrep_throughput(folder, args.seconds, 2, 4))
            return
        rows: list[tuple[str, dict[str, float] | str, str]] = [
            ("unlockstep engine (bare)", ours_bare(number), "bare"),
            ("openfeature-flagd-core (bare)", flagd_core_bare(number), ""),
            ("OpenFeature client + unlockstep provider", ours_client(number // 4), "client"),
            (
                "OpenFeature client + flagd file provider",
                flagd_file_client(number // 4, folder),
                "",
            ),
            ("UnleashClient", unleash(number // 4, folder), ""),
            ("OpenFeature client alone (no-op provider)", bare_client(number // 4), ""),
        ]
        print(
            f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; "
            "µs CPU time per evaluation, best of 5\n"
        )
        header = f"{'':44}" + "".join(f"{name:>20}" for name, _, _ in CASES)
        print(header)
        for name, result, target in rows:
            if isinstance(result, str):
                print(f"{name:44}{result}")
                continue
            cells = []
            for _, key, _ in CASES:
                goal = (
                    TARGETS_BARE[key]
                    if target == "bare"
                    else TARGET_CLIENT
                    if target == "client"
                    else None
                )
                cells.append(f"{cell(result[key], goal):>20}")
            print(f"{name:44}" + "".join(cells))
        print("\ntargets: bare engine ≤ 0.6 / 1.5 / 2.5 µs; through the OpenFeature client ≤ 12 µs")
        if not args.quick:
            print("\nOFREP bulk evaluation:", ofrep_throughput(folder, args.seconds, 2, 4))


if __name__ == "__main__":
    main()
