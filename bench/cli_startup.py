"""How long the ``unlockstep`` command takes as a whole process, start-up included, side by side
with the tools a user would otherwise run.

Run: python bench/cli_startup.py [runs]   (default 15 runs per command, after one warm-up)

Prints min / median / max wall milliseconds and the median CPU milliseconds (user + system, the
kernel's accounting of the finished child) per command and, where there is a peer, the medians
of the pairwise wall and CPU ratios (unlockstep and the peer run in turn, A B A B…, so a
drifting machine moves both). Quote medians; on a shared machine quote CPU, which waiting for
a core does not inflate, and say so. Targets (issue 19): --version
and --help under 100 ms, a diff of two small files under 200 ms, ``migrations check`` of 500
migrations within 2x squawk, a small Protobuf pair within 2x ``buf breaking``.

Peers: ``squawk`` (``pip install squawk-cli``, in the test extra) and ``buf``
(``npm install --prefix bench/.cache @bufbuild/buf@1.75.0``); a missing peer is reported, not
fatal.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from migrations import generate  # noqa: E402  (bench/migrations.py: the 500-migration folder)

CONTRACTS = REPO / "examples" / "estate" / "contracts"
UNLOCKSTEP = [sys.executable, "-m", "unlockstep"]

OLD_PROTO = """syntax = "proto3";
package shop.v1;

message Order {
  string id = 1;
  int64 amount_cents = 2;
  string currency = 3;
  repeated string items = 4;
}

service Orders {
  rpc Get(Order) returns (Order);
}
"""
NEW_PROTO = OLD_PROTO.replace("  repeated string items = 4;\n", "  reserved 4;\n")


def _tool(name: str, *candidates: Path) -> str | None:
    for path in candidates:
        if path.exists():
            return str(path)
    return shutil.which(name)


Run = tuple[float, float]  # wall ms, CPU ms


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _once(argv: Sequence[str], cwd: Path) -> Run:
    cpu = _cpu()
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000, (_cpu() - cpu) * 1000


def _measure(
    argv: Sequence[str], peer: Sequence[str] | None, cwd: Path, runs: int
) -> tuple[list[Run], list[Run]]:
    _once(argv, cwd)
    if peer:
        _once(peer, cwd)
    ours: list[Run] = []
    theirs: list[Run] = []
    for _ in range(runs):
        ours.append(_once(argv, cwd))
        if peer:
            theirs.append(_once(peer, cwd))
    return ours, theirs


def _fmt(runs: list[Run]) -> str:
    wall = [w for w, _ in runs]
    cpu = statistics.median(c for _, c in runs)
    return f"{min(wall):7.0f} {statistics.median(wall):7.0f} {max(wall):7.0f} {cpu:7.0f}"


def _ratio(ours: list[Run], theirs: list[Run], index: int) -> float:
    return statistics.median(a[index] / b[index] for a, b in zip(ours, theirs, strict=True))


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    squawk = _tool("squawk", Path(sys.executable).parent / "squawk")
    buf = _tool("buf", HERE / ".cache" / "node_modules" / ".bin" / "buf")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = work / "migrations"
        folder.mkdir()
        generate(folder, 500)
        sql = sorted(str(p) for p in folder.glob("*.sql"))
        for side, text in (("old", OLD_PROTO), ("new", NEW_PROTO)):
            (work / side).mkdir()
            (work / side / "order.proto").write_text(text)
            (work / side / "buf.yaml").write_text("version: v2\nbreaking:\n  use: [FILE]\n")
        cases: list[tuple[str, list[str], str, list[str] | None]] = [
            ("python -c pass (floor)", [sys.executable, "-c", "pass"], "", None),
            ("unlockstep --version", [*UNLOCKSTEP, "--version"], "", None),
            ("unlockstep --help", [*UNLOCKSTEP, "--help"], "", None),
            (
                "diff two small OpenAPI files",
                [
                    *UNLOCKSTEP,
                    "diff",
                    str(CONTRACTS / "case-summary-api.v1.yaml"),
                    str(CONTRACTS / "case-summary-api.v2-proposed.yaml"),
                ],
                "",
                None,
            ),
            (
                "migrations check, 500 files",
                [*UNLOCKSTEP, "migrations", "check", str(folder)],
                "squawk",
                [squawk, *sql] if squawk else None,
            ),
            (
                "diff a small Protobuf pair",
                [*UNLOCKSTEP, "diff", "old/order.proto", "new/order.proto"],
                "buf breaking",
                [buf, "breaking", "new", "--against", "old"] if buf else None,
            ),
        ]
        load = os.getloadavg()[0]
        print(f"{runs} runs each, ms; load average {load:.1f} on {os.cpu_count()} cores")
        print(
            f"{'command':32} {'wall min':>7} {'median':>7} {'max':>7} {'cpu med':>7}"
            "   peer: wall min median max, cpu median   ratio: wall, cpu"
        )
        for label, argv, peer_name, peer in cases:
            ours, theirs = _measure(argv, peer, work, runs)
            line = f"{label:32} {_fmt(ours)}"
            if peer:
                wall, cpu = _ratio(ours, theirs, 0), _ratio(ours, theirs, 1)
                line += f"   {peer_name}: {_fmt(theirs)}   {wall:.2f}x, {cpu:.2f}x"
            elif peer_name:
                line += f"   ({peer_name} not installed)"
            print(line, flush=True)


if __name__ == "__main__":
    main()
