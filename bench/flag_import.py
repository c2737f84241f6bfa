"""Flag-set import and listing through the API, in process, on SQLite.

Run: ``python bench/flag_import.py [N]`` (default 1,000 flags, each using a shared segment and
a fractional split). Prints the CPU time of the first import, of importing the same document
again (every flag unchanged), of a second file merged into the same environment, and of one
page of ``GET /api/v1/flags`` (50 rows, each checked for problems).
"""

from __future__ import annotations

import sys
import tempfile
import time
from typing import Any

from fastapi.testclient import TestClient

from unlockstep.server.app import create_app
from unlockstep.settings import Settings


def document(count: int, prefix: str) -> dict[str, Any]:
    rule = {
        "if": [{"$ref": "segment.tenant.pilot"}, "on", {"fractional": [["on", 10], ["off", 90]]}]
    }
    flags = {
        f"{prefix}{i}": {
            "state": "ENABLED",
            "variants": {"on": True, "off": False},
            "defaultVariant": "off",
            "targeting": rule,
            "metadata": {"type": "release", "owner": "team", "expires": "2027-01-01"},
        }
        for i in range(count)
    }
    evaluators = {"segment.tenant.pilot": {"in": [{"var": "tenantId"}, ["t-1", "t-2"]]}}
    return {"$evaluators": evaluators, "flags": flags}


def timed(label: str, work: Any) -> None:
    start = time.process_time()
    response = work()
    assert response.status_code < 300, response.text
    print(f"{label:<40} {(time.process_time() - start) * 1000:9.1f} ms CPU")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    folder = tempfile.mkdtemp()
    app = create_app(Settings(database_url=f"sqlite:///{folder}/bench.db"))
    first, second = document(count, "a"), document(count // 10, "b")
    url = "/api/v1/environments/production/flagset"
    with TestClient(app) as client:
        client.put("/api/v1/environments/production", json={}).raise_for_status()
        timed(f"import {count} flags", lambda: client.put(url, json={"document": first}))
        timed("the same document again", lambda: client.put(url, json={"document": first}))
        timed(
            f"merge a second file ({count // 10})",
            lambda: client.put(url, json={"document": second}),
        )
        timed("one page of flags (50)", lambda: client.get("/api/v1/flags", params={"limit": 50}))


if __name__ == "__main__":
    main()
