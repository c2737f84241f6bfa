"""Pact files and requests shared by the Pact Broker API tests."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.prometheus import free_port
from unlockstep.store import Store


def http_pact(consumer: str, provider: str, fields: list[str], spec: str = "3.0.0") -> Any:
    """A Pact (spec ``spec``) whose consumer reads ``fields`` of ``GET /cases/1``."""
    return {
        "consumer": {"name": consumer},
        "provider": {"name": provider},
        "interactions": [
            {
                "description": "a case",
                "providerStates": [{"name": "case 1 exists"}],
                "request": {"method": "GET", "path": "/cases/1"},
                "response": {
                    "status": 200,
                    "headers": {"Content-Type": "application/json"},
                    "body": {field: "x" for field in fields},
                },
            }
        ],
        "metadata": {"pactSpecification": {"version": spec}},
    }


def publish_body(
    consumer: str,
    version: str,
    pacts: list[Any],
    branch: str | None = "main",
    tags: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "pacticipantName": consumer,
        "pacticipantVersionNumber": version,
        "branch": branch,
        "tags": tags or [],
        "contracts": [
            {
                "consumerName": consumer,
                "providerName": pact["provider"]["name"],
                "specification": "pact",
                "contentType": "application/json",
                "content": base64.b64encode(json.dumps(pact).encode()).decode(),
            }
            for pact in pacts
        ],
    }


TOKEN = "pact-ci-secret"
UVICORN = [sys.executable, "-m", "uvicorn", "--factory", "unlockstep.server.app:create_app"]


@contextmanager
def live_server(store: Store, log_path: Path) -> Iterator[str]:
    """unlockstep in a uvicorn subprocess on ``store``'s database, requiring :data:`TOKEN`;
    yields the Pact Broker API's base URL."""
    database = store.engine.url.render_as_string(hide_password=False)
    store.dispose()
    port = free_port()
    env = {
        **os.environ,
        "UNLOCKSTEP_DATABASE_URL": database,
        "UNLOCKSTEP_API_TOKENS": f"ci:{TOKEN}",
        "UNLOCKSTEP_WORKER": "false",
    }
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [*UVICORN, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert server.poll() is None, log_path.read_text()
                time.sleep(0.1)
            yield f"{base}/pact"
        finally:
            server.terminate()
            server.wait(10)


def write_pact(folder: Path, consumer: str, spec: str, fields: list[str]) -> Path:
    """A pact file written by pact-python (its FFI, offline) for specification ``spec``
    (``V2``, ``V3``, ``V4``): ``consumer`` reads ``fields`` of ``GET /cases/1``; the consumer
    test runs against pact-python's mock server, as a real consumer build does."""
    from pact import Pact

    pact = Pact(consumer, "case-service").with_specification(spec)
    (
        pact.upon_receiving("a case")
        .given("case 1 exists")
        .with_request("GET", "/cases/1")
        .will_respond_with(200)
        .with_body({field: "x" for field in fields}, content_type="application/json")
    )
    with pact.serve(verbose=False) as server:
        assert httpx.get(f"{server.url}/cases/1", timeout=10).json() == {f: "x" for f in fields}
    folder.mkdir(parents=True)
    pact.write_file(folder)
    (written,) = folder.glob("*.json")
    return written
