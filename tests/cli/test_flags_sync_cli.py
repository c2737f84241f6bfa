"""``unlockstep flags sync-status``: the clients of an environment, the laggards by name."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli

from ..sdk.live_server import wait_for
from ..server.flag_app import seed


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_a_client_behind_is_named_and_check_fails_until_it_holds_the_revision(
    cli_server: TestClient,
) -> None:
    seed(cli_server)
    feed = cli_server.app.state.flag_feed  # type: ignore[attr-defined]
    client = asyncio.run(feed.subscribe("production", "stream", "checkout-7f9c"))
    try:
        client.acknowledge(client.latest.revision)
        assert cli_server.post("/api/v1/flags/color/kill", json={"reason": "t"}).status_code == 200
        revision = client.latest.revision + 1
        assert wait_for(lambda: feed.status("production")["revision"] == revision)
        behind = run("flags", "sync-status", "-e", "production", "--check")
        assert behind.exit_code == 1, behind.output
        assert "laggards: checkout-7f9c" in behind.output
        assert "BEHIND" in behind.output

        client.acknowledge(revision)
        ok = run("flags", "sync-status", "-e", "production", "--check", "--format", "json")
        assert ok.exit_code == 0, ok.output
        status = json.loads(ok.output)
        assert status["laggards"] == []
        [row] = status["clients"]
        assert (row["client"], row["transport"], row["current"]) == (
            "checkout-7f9c",
            "stream",
            True,
        )
        [kill] = status["propagations"]
        assert (kill["revision"], kill["killed"], kill["clients"]) == (revision, ["color"], 1)
    finally:
        feed.unsubscribe(client)
