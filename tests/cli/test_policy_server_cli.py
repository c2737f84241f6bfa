"""The registry side of ``policy`` and ``calendar`` through the CLI against the in-process
server: push a policy folder, check files with the registry snapshot, keep a release
calendar that can-i-deploy reads and says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "policies"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def server(estate: TestClient, cli_server: TestClient) -> TestClient:
    return estate


def test_push_publishes_a_folder_once(server: TestClient) -> None:
    code, out = run("policy", "push", str(EXAMPLES), "--format", "json")
    assert code == 0 and json.loads(out)["outcome"] == "created"
    code, out = run("policy", "push", str(EXAMPLES))
    assert code == 0 and out.strip().endswith("unchanged")


def test_check_on_the_server_warns_about_a_consumer_the_plan_omits(
    server: TestClient, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "change: summary-v2\nowner: case-platform-team\ngoal: g\n"
        "services:\n  case-service: {role: producer, canary: case-canary}\n"
        "  audit-report-service: {role: consumer, canary: audit-canary}\n"
        "contracts:\n  api:\n    - id: summary\n      name: GET /cases/{id}/summary\n"
        "      provider: case-service\n      consumers: [audit-report-service]\n"
        "      change: add-optional-response-field\n"
    )
    code, out = run("policy", "check", str(plan), "--server", "--format", "json")
    body = json.loads(out)
    assert code == 0, out  # warnings do not block
    omitted = {f["message"] for f in body["findings"] if f["rule"] == "plan-omits-known-consumer"}
    assert any("dashboard-service consumes" in m for m in omitted), body
    # offline, without the registry, nothing is known about consumers
    code, out = run("policy", "check", str(plan), "--format", "json")
    assert not [f for f in json.loads(out)["findings"] if f["rule"] == "plan-omits-known-consumer"]


def test_calendar_set_list_except_and_can_i_deploy_says_so(server: TestClient) -> None:
    now = datetime.now(UTC)
    code, out = run(
        "calendar", "set", "production", "release-freeze", "--kind", "freeze",
        "--timezone", "Europe/Oslo",
        "--starts", (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "--ends", (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "--reason", "year-end freeze",
    )  # fmt: skip
    assert code == 0, out
    code, out = run("calendar", "list", "--env", "production")
    assert code == 0 and "release-freeze" in out and "yes" in out
    ok = server.put("/api/v1/services/dashboard-service/versions/5.8.0", json={})
    assert ok.status_code < 300
    code, out = run(
        "can-i-deploy", "--service", "dashboard-service", "--version", "5.8.0", "--to", "production"
    )
    assert code == 1 and "calendar: production is in freeze 'release-freeze'" in out
    assert "year-end freeze" in out
    until = (now + timedelta(hours=4)).isoformat()
    code, out = run(
        "calendar", "except", "production", "dashboard-service", "--owner", "dashboard-team",
        "--reason", "data-loss fix", "--until", until,
    )  # fmt: skip
    assert code == 0, out
    code, out = run("calendar", "exceptions", "--format", "json")
    assert json.loads(out)[0]["reason"] == "data-loss fix"
    code, out = run(
        "can-i-deploy", "--service", "dashboard-service", "--version", "5.8.0",
        "--to", "production", "--format", "json",
    )  # fmt: skip
    gates = [g for g in json.loads(out)["gates"] if g["kind"] == "calendar"]
    assert gates[0]["outcome"] == "yes" and "data-loss fix" in gates[0]["message"]
    code, out = run("calendar", "delete", "production", "release-freeze")
    assert code == 0


def test_a_bad_period_is_exit_2_with_the_field_named(server: TestClient) -> None:
    code, out = run(
        "calendar", "set", "production", "x", "--kind", "risky", "--timezone", "Mars/Olympus",
        "--days", "fri",
    )  # fmt: skip
    assert code == 2 and "Mars/Olympus" in out
