"""How fast the OpenAPI engine diffs big real descriptions.

    python bench/openapi_diff.py [OLD_VERSION NEW_VERSION]

(a) GitHub's REST API description from two consecutive releases of the npm package
    ``@octokit/openapi`` (``generated/api.github.com.json``, ~13 MB each), fetched with
    ``npm pack`` into ``bench/.cache/`` (git-ignored) on first run. Target: full diff < 2 s.
(b) The two Stripe revisions in ``shared/conformance/stripe-openapi/`` (gzip, recursive
    ``$ref``s): old -> new, and each against itself. Target: < 1 s.

Parse and diff are timed separately (best of a few runs); the figures go to stdout.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unlockstep.core.compat._model import Change, Policy, Source
from unlockstep.core.openapi._engine import OpenAPIEngine

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
PACKAGE = "@octokit/openapi"
# 23.0.1 -> 23.0.2 differ only in info.version; 22.0.0 -> 23.0.0 carry real changes.
DEFAULT_PAIR = ("22.0.0", "23.0.0")
MEMBER = "package/generated/api.github.com.json"
ENGINE = OpenAPIEngine()


def best_of(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def github_description(version: str) -> str:
    target = CACHE / f"api.github.com-{version}.json"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tarball = CACHE / f"octokit-openapi-{version}.tgz"
        if not tarball.exists():
            subprocess.run(
                ["npm", "pack", f"{PACKAGE}@{version}", "--silent"],
                cwd=CACHE,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        with tarfile.open(tarball) as tar:
            member = tar.extractfile(MEMBER)
            if member is None:
                raise SystemExit(f"{tarball} has no {MEMBER}")
            target.write_bytes(member.read())
    return target.read_text()


def stripe_root() -> Path | None:
    for parent in HERE.parents:
        candidate = parent / "shared" / "conformance" / "stripe-openapi"
        if candidate.is_dir():
            return candidate
    return None


def summary(changes: list[Change]) -> str:
    levels = Counter(c.level.value for c in changes)
    return ", ".join(f"{n} {level}" for level, n in sorted(levels.items())) or "no changes"


def measure(label: str, old_text: str, new_text: str, target: float) -> None:
    parse_old, _ = best_of(3, lambda: ENGINE.parse(Source(old_text, "old.json")))
    parse_new, _ = best_of(3, lambda: ENGINE.parse(Source(new_text, "new.json")))
    diff_time, changes = float("inf"), []
    for _ in range(3):  # fresh documents each time: no cache survives from an earlier run
        old = ENGINE.parse(Source(old_text, "old.json"))
        new = ENGINE.parse(Source(new_text, "new.json"))
        start = time.perf_counter()
        changes = ENGINE.diff(old, new, Policy.LENIENT)
        diff_time = min(diff_time, time.perf_counter() - start)
    total = parse_old + parse_new + diff_time
    verdict = "ok" if total < target else "SLOW"
    size = (len(old_text) + len(new_text)) / 2 / 1e6
    print(
        f"{label:<34} {size:5.1f} MB  parse {parse_old:5.2f}s + {parse_new:5.2f}s  "
        f"diff {diff_time:5.2f}s  total {total:5.2f}s (target < {target:.0f}s: {verdict})  "
        f"[{summary(changes)}]"
    )


def main(argv: list[str]) -> None:
    old_v, new_v = (argv[0], argv[1]) if len(argv) == 2 else DEFAULT_PAIR
    print(f"python {sys.version.split()[0]}")
    measure(f"github {old_v} -> {new_v}", github_description(old_v), github_description(new_v), 2)
    stripe = stripe_root()
    if stripe is None:
        print("stripe: shared/conformance/stripe-openapi not found, skipped")
        return
    old = gzip.decompress((stripe / "spec3-2021-04-12.json.gz").read_bytes()).decode()
    new = gzip.decompress((stripe / "spec3-2022-04-12.json.gz").read_bytes()).decode()
    measure("stripe 2021-04-12 -> 2022-04-12", old, new, 1)
    measure("stripe 2021-04-12 -> itself", old, old, 1)
    measure("stripe 2022-04-12 -> itself", new, new, 1)


if __name__ == "__main__":
    main(sys.argv[1:])
