"""OFREP and SDK-sync serving speed against the real server, as whole processes.

    python bench/ofrep.py                      # `unlockstep serve` as it is (its default stack)
    python bench/ofrep.py --stack h11          # uvicorn on asyncio + h11 (the stack before)
    python bench/ofrep.py --seconds 3 --only bulk

It starts ``unlockstep serve`` (one process, SQLite in a temporary folder), loads a generated
flag set of realistic size (``--flags``, default 60: static, tenant-list, segment, fractional,
string/number/object variants, disabled, a prerequisite; each with lifecycle metadata), then
drives each endpoint for ``--seconds`` from ``--clients`` load processes, each holding
``--connections`` keep-alive connections (a small asyncio client with prebuilt request
bytes, so the load costs little CPU beside the server on a shared machine). Per endpoint it
prints requests/s, the server process's CPU seconds per request (user + system time from
``/proc/PID/stat`` before and after) and requests per server-CPU-second, the figure that
does not depend on what else runs on the machine. With ``wrk`` installed, ``--wrk`` adds
wrk's figure for the bulk request as a side check.

Endpoints: single evaluation of a targeted flag (``POST /ofrep/v1/evaluate/flags/{key}``,
rotating over four keys), bulk evaluation (``POST /ofrep/v1/evaluate/flags``), bulk with a
matching ``If-None-Match`` (304), and the SDK's sync (``GET
/api/v1/environments/production/flagset``), in full and as the 304 its poll mostly gets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

TENANTS = [f"t-{i}" for i in range(20)]
CONTEXT = {"targetingKey": "user-42", "tenantId": "t-7", "country": "NL", "plan": "pro"}


def flag_set(count: int) -> dict[str, Any]:
    """A flagd document of ``count`` flags in the mix a service estate has."""
    flags: dict[str, Any] = {}
    for i in range(count):
        meta = {
            "type": ("release", "experiment", "ops", "permission")[i % 4],
            "owner": f"team-{i % 7}",
            "created": "2026-09-01",
            "expires": "2027-03-01",
        }
        kind = i % 8
        key = f"flag.{i:03d}"
        if kind == 0:
            body: dict[str, Any] = {"variants": {"on": True, "off": False}, "defaultVariant": "on"}
        elif kind == 1:
            body = {
                "variants": {"on": True, "off": False},
                "defaultVariant": "off",
                "targeting": {"if": [{"in": [{"var": "tenantId"}, TENANTS]}, "on", None]},
            }
        elif kind == 2:
            body = {
                "variants": {"on": True, "off": False},
                "defaultVariant": "off",
                "targeting": {"if": [{"$ref": "segment.eu-pro"}, "on", "off"]},
            }
        elif kind == 3:
            body = {
                "variants": {"a": "control", "b": "treatment", "c": "holdout"},
                "defaultVariant": "a",
                "targeting": {"fractional": [["a", 45], ["b", 45], ["c", 10]]},
            }
        elif kind == 4:
            body = {"variants": {"low": 10, "high": 250}, "defaultVariant": "low"}
        elif kind == 5:
            body = {
                "variants": {"v1": {"limit": 5, "mode": "eager"}, "v2": {"limit": 9}},
                "defaultVariant": "v1",
                "targeting": {"if": [{"==": [{"var": "plan"}, "pro"]}, "v2", None]},
            }
        elif kind == 6:
            body = {"state": "DISABLED", "variants": {"on": True}, "defaultVariant": "on"}
        else:
            body = {"variants": {"on": True, "off": False}, "defaultVariant": "on"}
            meta["prerequisites"] = ["flag.000"]
        flags[key] = {"state": "ENABLED", **body, "metadata": meta}
    return {
        "metadata": {"flagSetId": "bench", "version": "1"},
        "$evaluators": {
            "segment.eu-pro": {
                "and": [{"in": [{"var": "country"}, ["NL", "DE", "FR"]]},
                        {"==": [{"var": "plan"}, "pro"]}]
            }
        },
        "flags": flags,
    }  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request_bytes(
    method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: bench", "Connection: keep-alive"]
    if method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _connection(
    port: int, requests: list[bytes], stop: float, expect: int, counts: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = 0
    try:
        while time.monotonic() < stop:
            writer.write(requests[i % len(requests)])
            i += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            counts[0 if status == expect else 1] += 1
    finally:
        writer.close()


def hammer(
    port: int, requests: list[bytes], seconds: float, connections: int, expect: int
) -> list[int]:
    """One load process: ``connections`` keep-alive connections, one request in flight each."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    counts = [0, 0]

    async def main() -> None:
        stop = time.monotonic() + seconds
        await asyncio.gather(
            *(_connection(port, requests, stop, expect, counts) for _ in range(connections))
        )

    asyncio.run(main())
    return counts


def start_server(folder: Path, stack: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    url = f"sqlite:///{folder / 'bench.db'}"
    env = {**os.environ, "UNLOCKSTEP_DATABASE_URL": url}
    if stack == "serve":
        command = [sys.executable, "-c", "from unlockstep.cli.main import main; main()",
                   "serve", "--port", str(port), "--database-url", url]  # fmt: skip
    else:  # uvicorn by hand: the stack before (asyncio + h11), or uvloop + httptools
        subprocess.run(
            [sys.executable, "-c", "from unlockstep.store import Store; import os; "
             "Store(os.environ['UNLOCKSTEP_DATABASE_URL']).migrate()"],
            env=env, check=True,
        )  # fmt: skip
        command = [sys.executable, "-m", "uvicorn", "--factory", "unlockstep.server.app:create_app",
                   "--port", str(port), "--log-level", "warning", "--no-access-log",
                   *(["--loop", "asyncio", "--http", "h11"] if stack == "h11"
                     else ["--loop", "uvloop", "--http", "httptools"])]  # fmt: skip
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).raise_for_status()
            return process, port
        except httpx.HTTPError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.terminate()
    sys.exit("the server did not start:\n" + (folder / "server.log").read_text()[-2000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", choices=["serve", "h11", "uvloop"], default="serve")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=2, help="load processes")
    parser.add_argument("--connections", type=int, default=4, help="per load process")
    parser.add_argument("--flags", type=int, default=60)
    parser.add_argument("--only", help="comma-separated: single,bulk,bulk304,sync,sync304")
    parser.add_argument("--wrk", action="store_true", help="add wrk's bulk figure")
    args = parser.parse_args()

    import httpx

    folder = Path(tempfile.mkdtemp(prefix="unlockstep-bench-ofrep-"))
    process, port = start_server(folder, args.stack)
    base = f"http://127.0.0.1:{port}"
    try:
        document = flag_set(args.flags)
        with httpx.Client(base_url=base) as http:
            http.put("/api/v1/environments/production", json={}).raise_for_status()
            http.put(
                "/api/v1/environments/production/flagset", json={"document": document}
            ).raise_for_status()
            context = json.dumps({"context": CONTEXT}).encode()
            bulk = http.post("/ofrep/v1/evaluate/flags", content=context,
                             headers={"Content-Type": "application/json"})  # fmt: skip
            bulk.raise_for_status()
            sync = http.get("/api/v1/environments/production/flagset")
            sync.raise_for_status()
        keys = [k for k in document["flags"] if k.endswith(("1", "2", "3", "5"))][:4]
        cases = {
            "single": ([request_bytes("POST", f"/ofrep/v1/evaluate/flags/{k}", context)
                        for k in keys], 200),
            "bulk": ([request_bytes("POST", "/ofrep/v1/evaluate/flags", context)], 200),
            "bulk304": ([request_bytes("POST", "/ofrep/v1/evaluate/flags", context,
                                       {"If-None-Match": bulk.headers["etag"]})], 304),
            "sync": ([request_bytes("GET", "/api/v1/environments/production/flagset")], 200),
            "sync304": ([request_bytes("GET", "/api/v1/environments/production/flagset", b"",
                                       {"If-None-Match": sync.headers["etag"]})], 304),
        }  # fmt: skip
        chosen = args.only.split(",") if args.only else list(cases)
        print(
            f"server: {args.stack}; {args.flags} flags (bulk body {len(bulk.content):,} B, "
            f"sync body {len(sync.content):,} B); {args.clients} load processes x "
            f"{args.connections} keep-alive connections; {args.seconds:g} s per endpoint; "
            f"{os.cpu_count()} cores shared with the load"
        )
        print(f"{'endpoint':<10} {'requests/s':>11} {'server CPU ms/req':>18} "
              f"{'req per server CPU s':>21} {'unexpected':>10}")  # fmt: skip
        with ProcessPoolExecutor(args.clients) as pool:
            for name in chosen:
                requests, expect = cases[name]

                def run(
                    seconds: float, requests: list[bytes] = requests, expect: int = expect
                ) -> Any:
                    n = args.clients
                    return list(pool.map(hammer, [port] * n, [requests] * n, [seconds] * n,
                                         [args.connections] * n, [expect] * n))  # fmt: skip

                run(min(1.0, args.seconds))  # warm up
                before, start = cpu_seconds(process.pid), time.monotonic()
                results = run(args.seconds)
                elapsed, used = time.monotonic() - start, cpu_seconds(process.pid) - before
                ok = sum(r[0] for r in results)
                bad = sum(r[1] for r in results)
                total = ok + bad
                print(f"{name:<10} {total / elapsed:>11,.0f} {used / max(total, 1) * 1e3:>18.3f} "
                      f"{total / used if used else float('nan'):>21,.0f} {bad:>10}")  # fmt: skip
        if args.wrk:
            wrk_figure(base, context, folder)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def wrk_figure(base: str, body: bytes, folder: Path) -> None:
    if shutil.which("wrk") is None:
        print("wrk: not installed (apt-get install -y wrk)")
        return
    script = folder / "bulk.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(body.decode())}\n"
    )
    out = subprocess.run(
        ["wrk", "-t1", "-c8", "-d5s", "-s", str(script), f"{base}/ofrep/v1/evaluate/flags"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    line = next((ln for ln in out.stdout.splitlines() if "Requests/sec" in ln), out.stdout)
    print(f"wrk (1 thread, 8 connections, bulk): {line.strip()}")


if __name__ == "__main__":
    main()
