"""Flag evaluation speed, one run, side by side: our compiled engine vs the engines Python
services use today, bare and through the OpenFeature client; then OFREP bulk evaluation
requests per second against a real uvicorn server.

    pip install -e '.[bench]'        # the peers: flagd's core, flagd's provider, UnleashClient
    python bench/flags.py            # full run (about 20 s)
    python bench/flags.py --quick    # fewer repeats, no OFREP load

Cases: a static flag, a tenant in a list of 10, a 3-way fractional split. Every case of every
engine is timed in one process, interleaved: each repeat times every (engine, case) once, in a
fresh random order, and each figure is the minimum over the repeats, in µs of this thread's
CPU time per call — so a burst of load from other jobs on a shared machine hits all engines
alike and the best repeat is the one it missed. The provider's share is ours through the
OpenFeature client minus the client alone (no-op provider). Bytecode counts per evaluation
follow: exact, whatever the load. Peers that are not installed are reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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
ISSUE_CLIENT_ALONE = 10.6  # the OpenFeature client alone where the targets were set
SHARE_BUDGET = round(TARGET_CLIENT - ISSUE_CLIENT_ALONE, 2)


Cases = dict[str, Callable[[], Any]]


def ours_bare() -> Cases:
    from unlockstep.core.flags import FlagEngine, parse_flag_set

    engine = FlagEngine(parse_flag_set(DOCUMENT))
    context = {"targetingKey": "user-42", "tenantId": "t-7"}
    evaluate = engine.evaluate
    return {key: lambda k=key, d=default: evaluate(k, d, context) for _, key, default in CASES}


def flagd_core_bare() -> Cases | str:
    try:
        from openfeature.contrib.tools.flagd.core import FlagdCore
        from openfeature.evaluation_context import EvaluationContext
    except ImportError:
        return "not installed (openfeature-flagd-core)"
    core = FlagdCore()
    core.set_flags(json.loads(json.dumps(DOCUMENT)))
    ctx = EvaluationContext("user-42", {"tenantId": "t-7"})
    return {
        "static": lambda: core.resolve_boolean_value("static", False, ctx),
        "tenant": lambda: core.resolve_boolean_value("tenant", False, ctx),
        "split3": lambda: core.resolve_string_value("split3", "x", ctx),
    }


def through_client(provider: Any, domain: str, expect: bool = True) -> Cases:
    from openfeature import api
    from openfeature.evaluation_context import EvaluationContext

    api.set_provider_and_wait(provider, domain)
    client = api.get_client(domain)
    ctx = EvaluationContext("user-42", {"tenantId": "t-7"})
    if expect:  # a provider that does not evaluate the flags would measure nothing
        details = client.get_string_details("split3", "x", ctx)
        assert details.error_code is None and details.value in "abc", details
        assert client.get_boolean_value("tenant", False, ctx) is True
    return {
        "static": lambda: client.get_boolean_value("static", False, ctx),
        "tenant": lambda: client.get_boolean_value("tenant", False, ctx),
        "split3": lambda: client.get_string_value("split3", "x", ctx),
    }


def ours_client() -> Cases:
    from unlockstep.sdk import UnlockstepProvider

    return through_client(UnlockstepProvider(None, bootstrap=DOCUMENT), "bench-ours")


def flagd_file_client(folder: Path) -> Cases | str:
    try:
        from openfeature.contrib.provider.flagd import FlagdProvider
        from openfeature.contrib.provider.flagd.config import ResolverType
    except ImportError:
        return "not installed (openfeature-provider-flagd)"
    path = folder / "flags.flagd.json"
    path.write_text(json.dumps(DOCUMENT))
    provider = FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=str(path))
    return through_client(provider, "bench-flagd")


def bare_client() -> Cases:
    from openfeature.provider.no_op_provider import NoOpProvider

    return through_client(NoOpProvider(), "bench-noop", expect=False)


def unleash(folder: Path) -> Cases | str:
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
        return {
            "static": lambda: client.is_enabled("static", ctx),
            "tenant": lambda: client.is_enabled("tenant", ctx),
            "split3": lambda: client.get_variant("split3", ctx),
        }
    except Exception as error:  # a peer failing must not hide our figures
        return f"failed: {error!r}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hammer(base: str, seconds: float) -> tuple[int, int]:
    """One load-generating process: sequential bulk evaluations over one keep-alive
    connection, with ``http.client`` (a fraction of httpx's CPU per request, which matters
    when the load generator shares the cores with the server)."""
    import http.client

    ok = other = 0
    body = json.dumps({"context": {"targetingKey": "user-42", "tenantId": "t-7"}})
    headers = {"Content-Type": "application/json"}
    host, port = base.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port))
    try:
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            connection.request("POST", "/ofrep/v1/evaluate/flags", body, headers)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                ok += 1
            else:
                other += 1
    finally:
        connection.close()
    return ok, other


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux ``/proc``; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
            list(pool.map(_hammer, targets, [0.5] * clients))  # warm up: pools, caches
            before = [_cpu_seconds(p.pid) for p in processes]
            results = list(pool.map(_hammer, targets, [seconds] * clients))
            after = [_cpu_seconds(p.pid) for p in processes]
        ok = sum(r[0] for r in results)
        other = sum(r[1] for r in results)
        line = (
            f"{ok / seconds:,.0f} requests/s ({servers} server processes, {clients} client "
            f"processes with keep-alive, all on the same {os.cpu_count()} cores; "
            f"{seconds:.0f} s; {other} non-200)"
        )
        if ok and None not in before and None not in after:
            used = sum(a - b for a, b in zip(after, before, strict=True))  # type: ignore[operator]
            per_request = used / (ok + other) * 1e3
            line += (
                f"; the servers used {per_request:.2f} ms of CPU per request, i.e. about "
                f"{1e3 / per_request:,.0f} requests/s per core the server has to itself"
            )
        return line
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


Row = tuple[str, str, Cases | str]  # (label, role, cases or why not)
BARE, CLIENT, PEER, NOOP, FLAGD_CLIENT = "bare", "client", "peer", "noop", "flagd-client"


def calibrate(fn: Callable[[], Any], seconds: float) -> int:
    """Calls per timing so that one timing takes about ``seconds`` of CPU time."""
    number = 1
    while True:
        start = time.thread_time()
        for _ in range(number):
            fn()
        if time.thread_time() - start >= seconds / 10 or number >= 10_000_000:
            break
        number *= 4
    elapsed = max(time.thread_time() - start, 1e-9)
    return max(1, int(number * seconds / elapsed))


def measure(rows: list[Row], repeats: int, seconds: float) -> dict[tuple[str, str], list[float]]:
    """``repeats`` timings of every (row, case), interleaved: each repeat times every one once,
    in a fresh random order (what ran just before a timing can slow it; shuffling spreads
    that over everyone). In µs of thread CPU time per call (this thread only: peers'
    background threads do not count against anyone)."""
    timers: list[tuple[tuple[str, str], timeit.Timer, int]] = []
    for _, key, _ in CASES:
        for label, _, cases in rows:
            if isinstance(cases, str):
                continue
            fn = cases[key]
            timer = timeit.Timer(fn, timer=time.thread_time)
            timers.append(((label, key), timer, calibrate(fn, seconds)))
    samples: dict[tuple[str, str], list[float]] = {name: [] for name, _, _ in timers}
    order = random.Random(6)
    for _ in range(repeats):
        order.shuffle(timers)
        for name, timer, number in timers:
            samples[name].append(timer.timeit(number) / number * 1e6)
    return samples


def bytecodes(fn: Callable[[], Any]) -> int:
    """Python bytecodes one call executes (``sys.settrace`` opcode events), after a warm-up
    call. Deterministic, so it compares code paths exactly where timings on a shared machine
    cannot; work done in C (dict lookups, the hash, allocation) is not in it."""
    count = 0

    def tracer(frame: Any, event: str, _arg: Any) -> Any:
        nonlocal count
        frame.f_trace_opcodes = True
        if event == "opcode":
            count += 1
        return tracer

    fn()
    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(None)
    return count


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def report(rows: list[Row], samples: dict[tuple[str, str], list[float]]) -> None:
    best = {name: min(values) for name, values in samples.items()}
    keys = [key for _, key, _ in CASES]
    width = max(len(label) for label, _, _ in rows) + 2
    names = "".join(f"{name:>18}" for name, _, _ in CASES)
    print(f"{'':{width}}{names}   target µs      met")
    for label, role, cases in rows:
        if isinstance(cases, str):
            print(f"{label:{width}}{cases}")
            continue
        values = [best[label, key] for key in keys]
        line = f"{label:{width}}" + "".join(f"{value:18.2f}" for value in values)
        if role in (BARE, CLIENT):
            goals = [TARGETS_BARE[key] if role == BARE else TARGET_CLIENT for key in keys]
            missed = sum(value > goal for value, goal in zip(values, goals, strict=True))
            met = "yes" if not missed else f"no ({missed} of {len(keys)} over)"
            line += "   " + f"{'/'.join(f'{goal:g}' for goal in goals):14}" + met
        print(line)

    by_role = {role: (label, cases) for label, role, cases in rows}
    noop_label = by_role[NOOP][0]
    providers = [
        (by_role[role][0], short)
        for role, short in ((CLIENT, "unlockstep"), (FLAGD_CLIENT, "flagd file"))
        if role in by_role and not isinstance(by_role[role][1], str)
    ]
    print(
        "\nThrough the OpenFeature client: its fixed cost (no-op provider) and each provider's "
        f"share on top of it (best − best). Budget {SHARE_BUDGET:g} µs = {TARGET_CLIENT:g} − "
        f"{ISSUE_CLIENT_ALONE:g}, the client alone where the targets were set."
    )
    header = f"{'':{width}}{'client alone':>14}"
    for _, short in providers:
        header += f"{short:>14}{'share':>9}"
    print(header + "   share met")
    for name, key, _ in CASES:
        alone = best[noop_label, key]
        line = f"{name:{width}}{alone:14.2f}"
        ours_share = None
        for label, _short in providers:
            share = best[label, key] - alone
            ours_share = share if ours_share is None else ours_share
            line += f"{best[label, key]:14.2f}{share:+9.2f}"
        if ours_share is not None:
            line += "   " + ("yes" if ours_share <= SHARE_BUDGET else "no")
        print(line)

    print("\nPython bytecodes per evaluation (exact and load-independent; C work not counted)")
    print(f"{'':{width}}{names}")
    for label, _, cases in rows:
        if not isinstance(cases, str):
            print(f"{label:{width}}" + "".join(f"{bytecodes(cases[key]):18d}" for key in keys))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no OFREP load")
    parser.add_argument(
        "--repeats", type=int, help="timings per (engine, case); default 600 (60 with --quick)"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="OFREP load duration")
    parser.add_argument("--ofrep-only", action="store_true", help="only the OFREP load")
    args = parser.parse_args()
    # Short timings, many repeats: on a shared machine the fast windows are brief, and every
    # (engine, case) needs a chance to land in several of them.
    repeats = args.repeats or (60 if args.quick else 600)
    per_timing = 0.001
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.ofrep_only:
            print(f"load {load()}")
            print("OFREP bulk evaluation:", ofrep_throughput(folder, args.seconds, 2, 4))
            return
        rows: list[Row] = [
            ("unlockstep engine (bare)", BARE, ours_bare()),
            ("openfeature-flagd-core (bare)", PEER, flagd_core_bare()),
            ("OpenFeature client + unlockstep provider", CLIENT, ours_client()),
            ("OpenFeature client + flagd file provider", FLAGD_CLIENT, flagd_file_client(folder)),
            ("UnleashClient", PEER, unleash(folder)),
            ("OpenFeature client alone (no-op provider)", NOOP, bare_client()),
        ]
        before = load()
        samples = measure(rows, repeats, per_timing)
        print(
            f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {before} "
            f"before and {load()} after; µs of thread CPU time per evaluation, best of "
            f"{repeats} interleaved repeats\n"
        )
        report(rows, samples)
        from openfeature import api

        api.shutdown()
        if not args.quick:
            print("\nOFREP bulk evaluation:", ofrep_throughput(folder, args.seconds, 2, 4))


if __name__ == "__main__":
    main()
