"""``unlockstep approvals``: protect an environment, list what waits, refuse self-approval."""

from __future__ import annotations

import json

from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_held_change_is_listed_and_its_requester_cannot_approve_it(
    cli_server: TestClient,
) -> None:
    api = cli_server
    api.put("/api/v1/environments/production", json={}).raise_for_status()
    flag = {"state": "ENABLED", "variants": {"on": True}, "defaultVariant": "on"}
    code, out, _ = run("approvals", "protect", "production", "--reason", "four eyes")
    assert code == 0 and "production: protected (protected)" in out
    held = api.put("/api/v1/environments/production/flags/f", json={"flag": flag})
    assert held.status_code == 202
    code, out, _ = run("approvals", "list")
    assert code == 0 and "flag.put" in out and "production" in out
    listed = json.loads(run("approvals", "list", "--format", "json")[1])
    request_id = str(listed["items"][0]["id"])
    code, _, err = run("approvals", "approve", request_id)
    assert code == 2 and "cannot approve" in err
    code, out, _ = run("approvals", "reject", request_id, "--reason", "withdrawn")
    assert code == 0 and "rejected by anonymous" in out
    code, out, _ = run("approvals", "protect", "production", "--off")
    assert code == 0 and "waits for approval" in out
