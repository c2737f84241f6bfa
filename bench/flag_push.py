"""Kill-switch propagation and idle streams: ``unlockstep serve --sync-port`` in its own process,
clients in this one.

    python bench/flag_push.py                 # 1,000 clients (half gRPC, half SSE), 5 kills,
                                              # then 10,000 idle gRPC streams
    python bench/flag_push.py --clients 200 --idle 2000 --rounds 3   # quicker

1. ``--clients`` connected clients on the demo flags: half are flagd sync streams (gRPC
   ``SyncFlags``, ten streams per channel, as many providers behind one connection would be),
   half are SDK event streams (``…/flagset/stream``, each on its own connection, acknowledging
   every configuration on a second one as the SDK does; written on raw asyncio streams, since an
   HTTP client library's bookkeeping for a thousand connections in one process was what got
   measured otherwise). Each round pulls the kill switch of
   ``decision.submit.v2`` (then reverses it: the next round kills again) and times, per client,
   from just before the kill request is sent to the moment that client has read the
   configuration with the flag killed. Prints p50 / p99 / max per transport and overall, and the
   server's own figure (``GET …/flag-sync``: from the write to every client holding it).
2. ``--idle`` idle gRPC streams (10 per channel): the server process's resident memory before
   and after they are all connected and have their first configuration.

The clients share the 2 cores with the server, so the figures include the load generator's
own CPU; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unlockstep.server.flagd_sync import sync_pb2  # noqa: E402

DEMO = ROOT / "examples" / "estate" / "flags" / "case-management.flagd.json"
KEY = "decision.submit.v2"
KILLED = '"killed":true'
SYNC = "/flagd.sync.v1.FlagSyncService/SyncFlags"
#: A reconnecting client's channel: its own connection, and grpc's own reconnect backoff capped
#: as flagd's providers cap theirs (``retryBackoffMaxMs``, 5 s here, as the SDK's pause); left
#: at grpc's defaults (up to 120 s) the channel, not the server, decides when they come back.
RETRY = [
    ("grpc.use_local_subchannel_pool", 1),
    ("grpc.initial_reconnect_backoff_ms", 500),
    ("grpc.max_reconnect_backoff_ms", 5000),
]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port, self.sync_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start()

    def start(self) -> None:
        """Start ``unlockstep serve`` (again, on the same ports and database)."""
        folder = self.folder
        env = {**os.environ, "UNLOCKSTEP_FLAG_RULES": "", "UNLOCKSTEP_WORKER": "false"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "unlockstep", "serve", "--port", str(self.port),
             "--sync-port", str(self.sync_port),
             "--database-url", f"sqlite:///{folder / 'bench.db'}"],
            cwd=folder, env=env, stdout=subprocess.DEVNULL,
            stderr=open(folder / "server.log", "ab"),  # noqa: SIM115
        )  # fmt: skip
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit("the server did not start: " + (folder / "server.log").read_text())

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used (load-independent)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Clients:
    """Every client's state: whether it holds the flag killed, and when it first did."""

    def __init__(self) -> None:
        self.killed: dict[str, bool] = {}
        self.since: dict[str, float] = {}
        self.transport: dict[str, str] = {}
        self.expected = 0
        self.holding = 0  # clients holding the flag killed

    def saw(self, name: str, text: str) -> None:
        now = time.time()
        killed = KILLED in text
        before = self.killed.get(name)
        if before != killed:
            self.holding += (1 if killed else 0) - (1 if before else 0)
            self.killed[name] = killed
            self.since[name] = now

    def all_hold(self, killed: bool) -> bool:
        """Counted as they arrive: checking is O(1), so waiting costs the clients nothing."""
        if len(self.killed) != self.expected:
            return False
        return self.holding == self.expected if killed else self.holding == 0


async def grpc_streams(
    target: str, names: list[str], clients: Clients, per_channel: int
) -> list[Any]:
    calls: list[Any] = []
    for start in range(0, len(names), per_channel):
        # its own connection, as a separate provider process would have (channels to one
        # target otherwise share one)
        channel = grpc.aio.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
        stream = channel.unary_stream(
            SYNC,
            request_serializer=sync_pb2.SyncFlagsRequest.SerializeToString,
            response_deserializer=sync_pb2.SyncFlagsResponse.FromString,
        )
        for name in names[start : start + per_channel]:
            clients.transport[name] = "grpc"
            call = stream(sync_pb2.SyncFlagsRequest(provider_id=name, selector="production"))
            calls.append((channel, asyncio.ensure_future(_read_grpc(call, name, clients))))
    return calls


async def _read_grpc(call: Any, name: str, clients: Clients) -> None:
    try:
        async for message in call:
            clients.saw(name, message.flag_configuration)
    except (grpc.aio.AioRpcError, asyncio.CancelledError):
        pass


async def sse_stream(port: int, name: str, clients: Clients) -> None:
    """One SDK-like client on raw asyncio streams (an HTTP client library's own bookkeeping
    for a thousand connections in one process would be what this measured): the event stream
    on one connection, an acknowledgement of each configuration on another, as the SDK does."""
    clients.transport[name] = "sse"
    path = f"/api/v1/environments/production/flagset/stream?client={name}"
    ack_path = "/api/v1/environments/production/flag-sync/ack"
    writer = acker = None
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
        while (await reader.readline()) not in (b"\r\n", b""):
            pass  # the response headers
        ack_reader, acker = await asyncio.open_connection("127.0.0.1", port)
        subscription = None
        while line := await reader.readline():  # chunk sizes, event lines, chunk ends
            if not line.startswith(b"data:"):
                continue
            if b'"subscription"' in line:
                subscription = json.loads(line[5:])["subscription"]
                continue
            clients.saw(name, line.decode())
            if os.environ.get("BENCH_NO_ACKS"):
                continue
            revision = json.loads(line[5:])["revision"]
            body = json.dumps({"subscription": subscription, "revision": revision}).encode()
            acker.write(
                b"POST %s HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (ack_path.encode(), len(body), body)
            )
            length = 0
            while (header := await ack_reader.readline()) not in (b"\r\n", b""):
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":")[1])
            if length:
                await ack_reader.readexactly(length)
    except (OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
        pass
    finally:
        for stream in (writer, acker):
            if stream is not None:
                stream.close()


async def wait(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.002)
    return False


def percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (
        f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   "
        f"max {ordered[-1] * 1000:7.1f} ms   (n={len(ordered)})"
    )


@dataclass
class Kills:
    """Figures over kill rounds (see :func:`kill_round`)."""

    samples: dict[str, list[float]] = field(default_factory=lambda: {"grpc": [], "sse": []})
    from_record: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    request: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)

    def report(self, rounds: int) -> None:
        print(f"kill propagation over {rounds} kills, from the kill request being sent:")
        for transport, values in self.samples.items():
            if values:
                print(f"  {transport:5} {percentiles(values)}")
        print(f"  all   {percentiles(self.samples['grpc'] + self.samples['sse'])}")
        print(
            f"  from the kill being recorded (its write time), all: {percentiles(self.from_record)}"
        )
        print("  server CPU from the kill request to every client holding it: "
              + ", ".join(f"{c * 1000:.0f} ms" for c in self.cpu))  # fmt: skip
        print("  the kill request itself (until its answer): "
              + ", ".join(f"{s * 1000:.0f} ms" for s in self.request))  # fmt: skip
        print("  the server's own figure (write → every connected client holding it): "
              + ", ".join(f"{s * 1000:.0f} ms" for s in self.server))  # fmt: skip


async def kill_round(
    admin: httpx.AsyncClient, server: Server, clients: Clients, kills: Kills, round_: int
) -> None:
    """Pull the kill switch, time every client until it holds the flag killed, read the
    server's own figure, then reverse the kill and wait until every client has that too."""
    cpu = server.cpu_seconds()
    sent = time.time()
    answer = await admin.post(f"/api/v1/flags/{KEY}/kill", json={"reason": "bench"})
    answer.raise_for_status()
    kills.request.append(time.time() - sent)
    if not await wait(lambda: clients.all_hold(True), 120):
        print(f"round {round_}: {clients.holding} of {clients.expected} clients got the kill "
              "within 120 s")  # fmt: skip
    kills.cpu.append(server.cpu_seconds() - cpu)
    for name, transport in clients.transport.items():
        if clients.killed.get(name):
            kills.samples[transport].append(clients.since[name] - sent)
    await asyncio.sleep(0.5)  # the SDK acknowledgements land
    status = (await admin.get("/api/v1/environments/production/flag-sync")).json()
    rows = [status["pending"], *status["propagations"]]
    kill = next((p for p in rows if p and p["revision"] == status["revision"]), None)
    if kill and kill["recordedAt"]:
        recorded = dt.datetime.fromisoformat(kill["recordedAt"]).timestamp()
        for name in clients.transport:
            if clients.killed.get(name):
                kills.from_record.append(clients.since[name] - recorded)
    if kill and kill["seconds"] is not None:
        kills.server.append(kill["seconds"])
    elif os.environ.get("BENCH_DEBUG"):
        print(json.dumps(status["propagations"][:3]), status["pending"])
    await reverse_kill(admin)
    await wait(lambda: clients.all_hold(False), 120)


async def reverse_kill(admin: httpx.AsyncClient) -> None:
    path = f"/api/v1/environments/production/flags/{KEY}"
    current = await admin.get(path)
    body = dict(current.json()["flag"])
    body["metadata"] = {k: v for k, v in body["metadata"].items() if k != "killed"}
    body["targeting"] = {"if": [{"$ref": "segment.tenant.sandbox"}, "on", None]}
    reversed_ = await admin.put(
        path, json={"flag": body, "reason": "bench", "reverseKill": True},
        headers={"If-Match": current.headers["ETag"]},
    )  # fmt: skip
    reversed_.raise_for_status()


async def propagation(server: Server, count: int, rounds: int, grpc_share: float) -> None:
    clients = Clients()
    target = f"127.0.0.1:{server.sync_port}"
    grpc_count = round(count * grpc_share)
    clients.expected = count
    started = time.monotonic()
    calls = await grpc_streams(target, [f"grpc-{i}" for i in range(grpc_count)], clients, 10)
    sse = [
        asyncio.ensure_future(sse_stream(server.port, f"sse-{i}", clients))
        for i in range(count - grpc_count)
    ]
    if not await wait(lambda: clients.all_hold(False), 120):
        raise SystemExit(f"only {len(clients.killed)} of {count} clients connected")
    print(f"{count} clients connected and synced in {time.monotonic() - started:.1f} s")
    kills = Kills()
    async with httpx.AsyncClient(base_url=server.url, timeout=httpx.Timeout(60.0)) as admin:
        for round_ in range(rounds):
            await kill_round(admin, server, clients, kills, round_)
    kills.report(rounds)
    for channel, task in calls:
        task.cancel()
        await channel.close()
    for task in sse:
        task.cancel()
    await asyncio.gather(*sse, *(t for _, t in calls), return_exceptions=True)


async def child(sync_port: int, first: int, count: int) -> None:
    """A stream-holding child of the idle phase: ``count`` gRPC streams, then answers the
    parent's questions on stdin ("holding" → how many hold the flag killed; "times" → when
    each did, as wall-clock seconds), one JSON line each."""
    clients = Clients()
    clients.expected = count
    names = [f"idle-{i}" for i in range(first, first + count)]
    calls = await grpc_streams(f"127.0.0.1:{sync_port}", names, clients, 10)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        if line == "synced":
            answer: Any = len(clients.killed)
        elif line == "holding":
            answer = clients.holding
        else:  # times
            answer = [clients.since[n] for n in names if clients.killed.get(n)]
        print(json.dumps(answer), flush=True)
    for _, task in calls:
        task.cancel()


class Children:
    """The idle phase's stream holders, ``processes`` child processes of this bench, so the
    clients' own CPU is spread and one Python process reading 10,000 streams is not what a
    kill's propagation measures."""

    def __init__(self, sync_port: int, count: int, processes: int) -> None:
        share = -(-count // processes)
        self.processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    f"{sync_port},{first},{min(share, count - first)}",
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for first in range(0, count, share)
        ]

    def ask(self, question: str) -> list[Any]:
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(question + "\n")
            process.stdin.flush()
        answers = []
        for process in self.processes:
            assert process.stdout is not None
            answers.append(json.loads(process.stdout.readline()))
        return answers

    def total(self, question: str) -> int:
        return sum(self.ask(question))

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
            process.wait(timeout=30)


async def idle_spread(server: Server, count: int, rounds: int, processes: int) -> None:
    """``count`` idle gRPC streams held by ``processes`` children: memory, then ``rounds``
    kills timed from the write to each stream holding it."""
    await asyncio.sleep(1.0)
    before, cpu = server.rss_mb(), server.cpu_seconds()
    started = time.monotonic()
    children = await asyncio.to_thread(Children, server.sync_port, count, processes)
    try:
        synced = 0
        while time.monotonic() - started < 300:
            synced = await asyncio.to_thread(children.total, "synced")
            if synced == count:
                break
            await asyncio.sleep(0.5)
        took, cpu = time.monotonic() - started, server.cpu_seconds() - cpu
        await asyncio.sleep(2.0)
        after = server.rss_mb()
        print(
            f"{synced} idle gRPC streams in {processes} client processes (connected in "
            f"{took:.1f} s, server CPU {cpu:.1f} s): server RSS {before:.0f} MB before, "
            f"{after:.0f} MB with them ({(after - before) * 1024 / max(1, count):.1f} KB per "
            f"stream); load {os.getloadavg()}"
        )
        if synced != count or not rounds:
            return
        from_record: list[float] = []
        cpu_used: list[float] = []
        async with httpx.AsyncClient(base_url=server.url, timeout=60.0) as admin:
            for _ in range(rounds):
                cpu = server.cpu_seconds()
                answer = await admin.post(f"/api/v1/flags/{KEY}/kill", json={"reason": "bench"})
                answer.raise_for_status()
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    if await asyncio.to_thread(children.total, "holding") == count:
                        break
                    await asyncio.sleep(0.2)
                cpu_used.append(server.cpu_seconds() - cpu)
                status = (await admin.get("/api/v1/environments/production/flag-sync")).json()
                recorded = dt.datetime.fromisoformat(status["recordedAt"]).timestamp()
                for times in await asyncio.to_thread(children.ask, "times"):
                    from_record.extend(t - recorded for t in times)
                await reverse_kill(admin)
                while time.monotonic() < deadline:
                    if await asyncio.to_thread(children.total, "holding") == 0:
                        break
                    await asyncio.sleep(0.2)
        print(f"at {count} idle streams in {processes} client processes, {rounds} kills:")
        print(f"  from the kill being recorded (its write time): {percentiles(from_record)}")
        print("  server CPU from the kill request to every client holding it: "
              + ", ".join(f"{c * 1000:.0f} ms" for c in cpu_used))  # fmt: skip
    finally:
        children.stop()


async def idle(server: Server, count: int, rounds: int) -> None:
    """``count`` idle gRPC streams: memory, then ``rounds`` kills propagated to all of them."""
    await asyncio.sleep(1.0)
    before, cpu = server.rss_mb(), server.cpu_seconds()
    clients = Clients()
    clients.expected = count
    started = time.monotonic()
    calls = await grpc_streams(
        f"127.0.0.1:{server.sync_port}", [f"idle-{i}" for i in range(count)], clients, 10
    )
    if not await wait(lambda: len(clients.killed) == count, 300):
        print(f"only {len(clients.killed)} of {count} idle streams got their configuration")
    took, cpu = time.monotonic() - started, server.cpu_seconds() - cpu
    await asyncio.sleep(2.0)
    after = server.rss_mb()
    print(
        f"{len(clients.killed)} idle gRPC streams (connected in {took:.1f} s, server CPU "
        f"{cpu:.1f} s): server RSS {before:.0f} MB before, {after:.0f} MB with them "
        f"({(after - before) * 1024 / max(1, count):.1f} KB per stream); load {os.getloadavg()}"
    )
    if rounds and len(clients.killed) == count:
        kills = Kills()
        async with httpx.AsyncClient(base_url=server.url, timeout=60.0) as admin:
            for round_ in range(rounds):
                await kill_round(admin, server, clients, kills, round_)
        print(f"at {count} idle streams:")
        kills.report(rounds)
    for _, task in calls:
        task.cancel()
    await asyncio.gather(*(t for _, t in calls), return_exceptions=True)
    for channel in {c for c, _ in calls}:
        await channel.close()


class Reconnecting:
    """Clients that reconnect after a jittered, growing pause, as the SDK does
    (``unlockstep.sdk.provider``: a pause drawn from 0 to ``base · 2^attempt``, at most ``cap``),
    and remember every revision (SDK streams) or configuration (gRPC) they were handed."""

    def __init__(self, base: float = 0.5, cap: float = 5.0) -> None:
        self.base, self.cap = base, cap
        self.revisions: dict[str, list[int]] = {}
        self.texts: dict[str, str] = {}
        self.attempts = 0
        #: transport → when a stream delivered again after a break
        self.reconnected_at: dict[str, list[float]] = {"grpc": [], "sse": []}

    def pause(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap, self.base * 2**attempt))

    async def grpc_client(self, channel: Any, name: str, clients: Clients) -> None:
        stream = channel.unary_stream(
            SYNC,
            request_serializer=sync_pb2.SyncFlagsRequest.SerializeToString,
            response_deserializer=sync_pb2.SyncFlagsResponse.FromString,
        )
        attempt, broke = 0, False
        while True:
            self.attempts += 1
            try:
                call = stream(sync_pb2.SyncFlagsRequest(provider_id=name, selector="production"))
                async for message in call:
                    if broke:
                        self.reconnected_at["grpc"].append(time.time())
                        broke = False
                    attempt = 0
                    self.texts[name] = message.flag_configuration
                    clients.saw(name, message.flag_configuration)
            except grpc.aio.AioRpcError:
                pass
            broke = True
            await asyncio.sleep(self.pause(attempt))
            attempt += 1

    async def sse_client(self, port: int, name: str, clients: Clients) -> None:
        clients.transport[name] = "sse"
        attempt, broke = 0, False
        path = f"/api/v1/environments/production/flagset/stream?client={name}"
        while True:
            self.attempts += 1
            writer = None
            held = self.revisions.get(name, [])
            resume = f"Last-Event-ID: {held[-1]}\r\n" if held else ""
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n{resume}\r\n".encode())
                while (await reader.readline()) not in (b"\r\n", b""):
                    pass
                while line := await reader.readline():
                    if not line.startswith(b"data:"):
                        continue
                    if broke:
                        self.reconnected_at["sse"].append(time.time())
                        broke = False
                    attempt = 0
                    data = json.loads(line[5:])
                    if "document" in data:
                        self.revisions.setdefault(name, []).append(data["revision"])
                        clients.saw(name, line.decode())
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                if writer is not None:
                    writer.close()
            broke = True
            await asyncio.sleep(self.pause(attempt))
            attempt += 1


async def probe(url: str, sync_target: str, seconds: list[float], stop: asyncio.Event) -> None:
    """Every 50 ms: the health endpoint and a ``FetchAllFlags``; how long each answer took
    (a failure counts as the time until it failed)."""
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as http:
        channel = grpc.aio.insecure_channel(sync_target)
        fetch = channel.unary_unary(
            "/flagd.sync.v1.FlagSyncService/FetchAllFlags",
            request_serializer=sync_pb2.FetchAllFlagsRequest.SerializeToString,
            response_deserializer=sync_pb2.FetchAllFlagsResponse.FromString,
        )
        while not stop.is_set():
            started = time.monotonic()
            with contextlib.suppress(httpx.HTTPError, grpc.aio.AioRpcError):
                (await http.get("/api/v1/health")).raise_for_status()
                await fetch(sync_pb2.FetchAllFlagsRequest(selector="production"), timeout=10)
            seconds.append(time.monotonic() - started)
            await asyncio.sleep(0.05)
        await channel.close()


async def reconnect(server: Server, count: int, grpc_share: float) -> None:
    """``count`` clients lose the server at once (it restarts), reconnect with jittered
    backoff while a kill is written as soon as it is back; every client must end on the
    newest configuration without going backwards, and the server must keep answering."""
    clients, fleet = Clients(), Reconnecting()
    grpc_count = round(count * grpc_share)
    clients.expected = count
    tasks, channels = [], []
    for start in range(0, grpc_count, 10):
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{server.sync_port}", options=RETRY)
        channels.append(channel)
        for i in range(start, min(grpc_count, start + 10)):
            clients.transport[f"grpc-{i}"] = "grpc"
            tasks.append(asyncio.ensure_future(fleet.grpc_client(channel, f"grpc-{i}", clients)))
    for i in range(count - grpc_count):
        tasks.append(asyncio.ensure_future(fleet.sse_client(server.port, f"sse-{i}", clients)))
    if not await wait(lambda: clients.all_hold(False), 120):
        raise SystemExit(f"only {len(clients.killed)} of {count} reconnecting clients connected")
    first_attempts = fleet.attempts
    print(f"{count} reconnecting clients connected; restarting the server")
    await asyncio.to_thread(server.stop)
    down = time.time()
    await asyncio.to_thread(server.start)
    up = time.time()
    cpu = server.cpu_seconds()
    latencies: list[float] = []
    stop = asyncio.Event()
    prober = asyncio.ensure_future(
        probe(server.url, f"127.0.0.1:{server.sync_port}", latencies, stop)
    )
    async with httpx.AsyncClient(base_url=server.url, timeout=60.0) as admin:
        (await admin.post(f"/api/v1/flags/{KEY}/kill", json={"reason": "bench"})).raise_for_status()
        killed_at = time.time()
        synced = await wait(lambda: clients.all_hold(True), 120)
        done = time.time()
        status = (await admin.get("/api/v1/environments/production/flag-sync")).json()
    stop.set()
    await prober
    cpu = server.cpu_seconds() - cpu
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.sync_port}") as channel:
        fetch = channel.unary_unary(
            "/flagd.sync.v1.FlagSyncService/FetchAllFlags",
            request_serializer=sync_pb2.FetchAllFlagsRequest.SerializeToString,
            response_deserializer=sync_pb2.FetchAllFlagsResponse.FromString,
        )
        newest = (
            await fetch(sync_pb2.FetchAllFlagsRequest(selector="production"))
        ).flag_configuration
    backwards = [n for n, seen in fleet.revisions.items() if seen != sorted(seen)]
    stale_sse = [n for n, seen in fleet.revisions.items() if seen[-1] != status["revision"]]
    stale_grpc = [n for n, text in fleet.texts.items() if text != newest]
    print(
        f"restart: down {up - down:.1f} s; {fleet.attempts - first_attempts} connection attempts "
        f"by {count} clients; every client on the kill {'in' if synced else 'NOT within'} "
        f"{done - killed_at:.1f} s of it ({done - up:.1f} s after the server was back)"
    )
    for transport, times in fleet.reconnected_at.items():
        spread = sorted(t - up for t in times if t >= down)
        if spread:
            q = [
                spread[min(len(spread) - 1, round(f * (len(spread) - 1)))] for f in (0, 0.5, 0.9, 1)
            ]
            print(f"  {transport} reconnections after the restart (n={len(spread)}): first "
                  "{:.2f} s, median {:.2f} s, p90 {:.2f} s, last {:.2f} s".format(*q))  # fmt: skip
    print(f"  server answers during the storm (health + FetchAllFlags): {percentiles(latencies)}")
    print(f"  server CPU from restart to every client on the kill: {cpu:.2f} s")
    print(
        f"  revisions going backwards: {len(backwards)}; SDK streams not on revision "
        f"{status['revision']}: {len(stale_sse)}; gRPC streams not on the newest "
        f"configuration: {len(stale_grpc)}"
    )
    await reverse_kill_when_up(server)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for channel in channels:
        await channel.close()


async def reverse_kill_when_up(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60.0) as admin:
        await reverse_kill(admin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--idle", type=int, default=10_000)
    parser.add_argument("--idle-rounds", type=int, default=3, help="kills at --idle streams")
    parser.add_argument(
        "--idle-processes",
        type=int,
        default=4,
        help="client processes holding the idle streams (1: this one)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # port,first,count: a stream holder
    parser.add_argument("--reconnect", type=int, default=1000,
                        help="clients in the restart-and-reconnect test")  # fmt: skip
    parser.add_argument("--grpc-share", type=float, default=0.5, help="gRPC streams' share")
    options = parser.parse_args()
    if options.child:
        port, first, count = (int(part) for part in options.child.split(","))
        asyncio.run(child(port, first, count))
        return
    with tempfile.TemporaryDirectory(prefix="flag-push-") as folder:
        server = Server(Path(folder))
        try:
            document = json.loads(DEMO.read_text())
            with httpx.Client(base_url=server.url, timeout=30) as http:
                http.put("/api/v1/environments/production", json={}).raise_for_status()
                http.put(
                    "/api/v1/environments/production/flagset",
                    json={"document": document, "reason": "bench"},
                ).raise_for_status()
            print(f"server RSS at start: {server.rss_mb():.0f} MB; load {os.getloadavg()}")
            if options.clients:
                asyncio.run(
                    propagation(server, options.clients, options.rounds, options.grpc_share)
                )
            if options.reconnect:
                asyncio.run(reconnect(server, options.reconnect, options.grpc_share))
            if options.idle and options.idle_processes > 1:
                asyncio.run(
                    idle_spread(server, options.idle, options.idle_rounds, options.idle_processes)
                )
            elif options.idle:
                asyncio.run(idle(server, options.idle, options.idle_rounds))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
