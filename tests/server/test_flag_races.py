"""Races on one flag: the kill switch always wins over a concurrent update, and a delete and
an update sent with the same ETag never both succeed — in one process (SQLite and
PostgreSQL) and across two real server processes sharing PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

import unlockstep

from ..conftest import PG_URL
from ..sdk.live_server import free_port

PAIRS = 100


def _flag(index: int) -> dict[str, Any]:
    return {
        "state": "ENABLED",
        "variants": {"on": True, "off": False},
        "defaultVariant": "off",
        "metadata": {"type": "ops", "owner": "team-a", "expires": "2099-01-01",
                     "killSwitch": True, "n": index},
    }  # fmt: skip


def _seed(http: httpx.Client | TestClient, count: int) -> list[str]:
    http.put("/api/v1/environments/production", json={"production": True}).raise_for_status()
    keys = [f"race-{i}" for i in range(count)]
    document = {"flags": {key: _flag(i) for i, key in enumerate(keys)}}
    http.put(
        "/api/v1/environments/production/flagset", json={"document": document}
    ).raise_for_status()
    return keys


def _url(key: str) -> str:
    return f"/api/v1/environments/production/flags/{key}"


def _together(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run ``calls`` at the same moment, each in its own thread."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _kill_races(
    killer: httpx.Client | TestClient, updater: httpx.Client | TestClient, keys: list[str]
) -> None:
    etags = {key: updater.get(_url(key)).headers["ETag"] for key in keys}

    def pair(key: str) -> tuple[int, int]:
        turn_on = {"flag": {**_flag(0), "defaultVariant": "on"}, "reason": "ship it"}
        kill, update = _together(
            lambda: killer.post(f"/api/v1/flags/{key}/kill", json={"reason": "incident"}),
            lambda: updater.put(_url(key), json=turn_on, headers={"If-Match": etags[key]}),
        )
        return kill.status_code, update.status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(pair, keys))
    assert {kill for kill, _ in statuses} == {200}
    assert {update for _, update in statuses} <= {200, 412}
    for key in keys:
        shown = updater.get(_url(key)).json()
        assert shown["killed"] is True, key
        assert shown["flag"]["defaultVariant"] == "off", key


def _delete_races(
    one: httpx.Client | TestClient, other: httpx.Client | TestClient, keys: list[str]
) -> None:
    etags = {key: one.get(_url(key)).headers["ETag"] for key in keys}

    def pair(key: str) -> tuple[int, int]:
        body = {"flag": {**_flag(1), "defaultVariant": "on"}, "reason": "edit"}
        deleted, updated = _together(
            lambda: one.delete(_url(key), headers={"If-Match": etags[key]}),
            lambda: other.put(_url(key), json=body, headers={"If-Match": etags[key]}),
        )
        return deleted.status_code, updated.status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(pair, keys))
    for key, (deleted, updated) in zip(keys, statuses, strict=True):
        assert sorted([deleted, updated]) in ([204, 412], [200, 412]), (key, deleted, updated)
        exists = one.get(_url(key)).status_code == 200
        assert exists == (updated == 200), key


def test_the_kill_switch_wins_every_race_with_an_update_in_one_process(api: TestClient) -> None:
    _kill_races(api, api, _seed(api, 40))


def test_a_delete_and_an_update_with_the_same_etag_never_both_succeed(api: TestClient) -> None:
    _delete_races(api, api, _seed(api, 40))


# --- two server processes sharing PostgreSQL ------------------------------------------------


@pytest.fixture
def two_servers() -> Iterator[tuple[httpx.Client, httpx.Client]]:
    if not PG_URL:
        pytest.skip("PostgreSQL tests need UNLOCKSTEP_TEST_DATABASE_URL (set by .ci/run)")
    import psycopg

    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    schema = "race_" + uuid.uuid4().hex[:12]
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    database = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    source = Path(unlockstep.__file__).parents[1]  # the code under test, in the subprocesses
    env = {**os.environ, "PYTHONPATH": str(source), "UNLOCKSTEP_API_TOKENS": ""}
    servers: list[subprocess.Popen[bytes]] = []
    clients: list[httpx.Client] = []
    try:
        for _ in range(2):
            port = free_port()
            servers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "unlockstep",
                        "serve",
                        "--port",
                        str(port),
                        "--database-url",
                        database,
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            clients.append(httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60))
        for client in clients:
            _wait_until_up(client)
        yield clients[0], clients[1]
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _wait_until_up(client: httpx.Client) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if client.get("/api/v1/health").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not start")


@pytest.mark.postgres
def test_the_kill_switch_wins_every_race_across_two_server_processes(
    two_servers: tuple[httpx.Client, httpx.Client],
) -> None:
    one, other = two_servers
    _kill_races(one, other, _seed(one, PAIRS))


@pytest.mark.postgres
def test_delete_versus_update_across_two_server_processes_has_one_winner(
    two_servers: tuple[httpx.Client, httpx.Client],
) -> None:
    one, other = two_servers
    _delete_races(one, other, _seed(one, PAIRS))
