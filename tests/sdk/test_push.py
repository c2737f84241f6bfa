"""Pushed configurations: the SDK listens to the server's event stream, so a change reaches it
without a poll (the polls here are an hour apart), it acknowledges the revision it holds, and a
change written while it was away arrives when it reconnects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from unlockstep.sdk import UnlockstepProvider
from unlockstep.server.app import create_app
from unlockstep.settings import Settings
from unlockstep.store import Store

from ..server.flag_app import FLAGS
from .live_server import LiveServer, wait_for


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "push.db").start()
    httpx.put(f"{live.url}/api/v1/environments/production", json={}).raise_for_status()
    httpx.put(
        f"{live.url}/api/v1/environments/production/flagset", json={"document": FLAGS}
    ).raise_for_status()
    yield live
    live.stop()


def _set_color(url: str | None, variant: str, client: Any = None) -> None:
    http = client or httpx.Client(base_url=url or "")
    path = "/api/v1/environments/production/flags/color"
    current = http.get(path)
    body = {**current.json()["flag"], "defaultVariant": variant}
    written = http.put(path, json={"flag": body}, headers={"If-Match": current.headers["ETag"]})
    assert written.status_code == 200, written.text


def _status(url: str) -> dict[str, Any]:
    status: dict[str, Any] = httpx.get(f"{url}/api/v1/environments/production/flag-sync").json()
    return status


def test_a_change_is_pushed_without_a_poll_and_acknowledged(server: LiveServer) -> None:
    provider = UnlockstepProvider(server.url, poll_interval=3600, client_id="sdk-under-test")
    provider.initialize(None)  # type: ignore[arg-type]
    try:
        assert wait_for(lambda: provider.revision is not None)
        revisions = [provider.revision]
        for variant in ("blue", "red", "blue"):
            _set_color(server.url, variant)
            assert wait_for(
                lambda v=variant: provider.resolve_string_details("color", "x").value == v
            )
            assert wait_for(lambda r=revisions[-1]: provider.revision != r)
            revisions.append(provider.revision)
        assert revisions == sorted(revisions) and len(set(revisions)) == len(revisions)

        def acknowledged() -> bool:
            [client] = _status(server.url)["clients"]
            return bool(client["current"]) and client["revision"] == revisions[-1]

        assert wait_for(acknowledged)
        [client] = _status(server.url)["clients"]
        assert (client["client"], client["transport"]) == ("sdk-under-test", "stream")
        assert _status(server.url)["propagations"][0]["seconds"] is not None
    finally:
        provider.shutdown()


@pytest.mark.slow  # stops and restarts a server
def test_a_change_written_while_the_client_was_away_arrives_when_it_reconnects(
    server: LiveServer, tmp_path: Path
) -> None:
    provider = UnlockstepProvider(server.url, poll_interval=0.2, reconnect_base=0.1)
    provider.initialize(None)  # type: ignore[arg-type]
    try:
        assert wait_for(lambda: provider.revision is not None)
        held = provider.revision
        server.stop()
        assert wait_for(lambda: provider.stale)
        # written through another server process on the same database meanwhile
        url = server.url_db
        settings = Settings(database_url=url, flag_rules=[], worker=False)
        with TestClient(create_app(settings, Store(url))) as other:
            _set_color(None, "blue", other)
        server.start()
        assert wait_for(lambda: provider.resolve_string_details("color", "x").value == "blue")
        assert wait_for(lambda: provider.revision is not None and provider.revision > held)
        assert not provider.stale
    finally:
        provider.shutdown()


def test_acknowledging_an_unknown_stream_is_not_found(server: LiveServer) -> None:
    answer = httpx.post(
        f"{server.url}/api/v1/environments/production/flag-sync/ack",
        json={"subscription": 999, "revision": 1},
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_the_stream_starts_with_hello_and_the_current_configuration(server: LiveServer) -> None:
    with (
        httpx.Client(base_url=server.url, timeout=5) as http,
        http.stream("GET", "/api/v1/environments/production/flagset/stream") as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        events: list[str] = []
        for line in lines:
            events.append(line)
            if line.startswith("data:") and "document" in line:
                break
    sync = httpx.get(f"{server.url}/api/v1/environments/production/flagset")
    assert events[0] == "event: hello"
    assert "event: configuration" in events
    assert sync.headers["ETag"].replace('"', '\\"') in events[-1]
