"""``unlockstep flags sync-status``: the clients of an environment, the laggards by name."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
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


def test_refs_names_flags_missing_from_the_registry_and_flags_no_code_uses(
    cli_server: TestClient, tmp_path: Path
) -> None:
    seed(cli_server)
    (tmp_path / "svc.py").write_text(
        'a = client.get_boolean_value("decision.submit.v2", False)\n'
        'b = client.get_string_value("ghost.flag", "x")\n'
    )
    ignored = tmp_path / "node_modules" / "lib"
    ignored.mkdir(parents=True)
    (ignored / "i.js").write_text('client.getStringValue("color", "x")')
    result = run("flags", "refs", str(tmp_path), "-e", "production", "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert list(report["missing"]) == ["ghost.flag"]
    assert list(report["used"]) == ["decision.submit.v2"]
    assert report["unreferenced"] == ["broken", "color", "off-flag"]
    text = run("flags", "refs", str(tmp_path / "svc.py"), "-e", "production")
    assert "NOT IN THE REGISTRY ghost.flag" in text.output
