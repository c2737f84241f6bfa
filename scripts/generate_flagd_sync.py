"""Regenerate the flagd sync protocol's Python modules from ``proto/flagd/sync/v1/sync.proto``.

    .venv/bin/python scripts/generate_flagd_sync.py          # rewrite the modules
    .venv/bin/python scripts/generate_flagd_sync.py --check  # exit 1 when they are out of date

Runs grpcio-tools' bundled ``protoc`` (the ``test`` extra) with ``--python_out`` and
``--pyi_out`` and copies ``sync_pb2.py``/``sync_pb2.pyi`` into
``src/unlockstep/server/flagd_sync/``. The proto file keeps its published path
(``flagd/sync/v1/sync.proto``), so the descriptor unlockstep registers is flagd's own. No gRPC
stub module is generated: the server binds its handlers by the method names in the descriptor
(``server/flagd_sync/_service.py``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROTO_ROOT = ROOT / "proto"
PROTO = "flagd/sync/v1/sync.proto"
TARGET = ROOT / "src" / "unlockstep" / "server" / "flagd_sync"
OUTPUTS = ("sync_pb2.py", "sync_pb2.pyi")


def generate(out: Path) -> dict[str, str]:
    """The generated modules' text, by file name (``protoc`` writes into ``out``)."""
    from grpc_tools import protoc

    well_known = str(resources.files("grpc_tools") / "_proto")
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        PROTO,
    ]
    if protoc.main(args) != 0:
        raise SystemExit(f"protoc failed on {PROTO_ROOT / PROTO}")
    folder = out / Path(PROTO).parent
    return {name: (folder / name).read_text() for name in OUTPUTS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if stale")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        fresh = generate(Path(folder))
    stale = [name for name, text in fresh.items() if _read(TARGET / name) != text]
    if options.check:
        for name in stale:
            print(f"{TARGET / name} is out of date: run {Path(__file__).name}", file=sys.stderr)
        return 1 if stale else 0
    for name in stale:
        (TARGET / name).write_text(fresh[name])
        print(f"wrote {TARGET / name}")
    return 0


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
