"""A plan's flags rolled out: ``plan show`` (API and CLI) reports the live stage, the last
analysis and what the rollout waits for, on the plan and on the step that flips the flag,
and the coordination document shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli
from unlockstep.settings import Settings

from ..services.rollout_fixtures import FLAG, Script, check, script_fixture
from .test_plans_api import PLANS, submit

__all__ = ["script_fixture"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 't.db'}", flag_rules=[], worker=False)


def test_plan_show_reports_the_rollout_of_its_flag(
    estate: TestClient, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(estate, "risk-explanation")
    change = "risk-explanation-in-escalation-flow"
    plan = {
        "flag": FLAG, "environment": "production", "stages": [{"percent": 5}, 100],
        "analysis": {"name": "health", "checks": [check()]},
    }  # fmt: skip
    started = estate.post("/api/v1/rollouts", json={"rollout": plan})
    assert started.status_code == 201, started.text

    shown = estate.get(f"/api/v1/plans/{change}").json()
    (rollout,) = shown["rollouts"]
    assert (rollout["flag"], rollout["status"], rollout["stage"]) == (FLAG, "running", 0)
    assert rollout["waitingFor"].startswith("the analysis of stage '5%'")
    steps = [s for s in shown["progress"]["steps"] if "rollout" in s]
    assert steps and all(s["rollout"]["id"] == rollout["id"] for s in steps)

    document = estate.get(f"/api/v1/plans/{change}/document").text
    assert "## Rollouts" in document and f"`{FLAG}` rollout #{rollout['id']}" in document

    from unlockstep.cli import context
    from unlockstep.cli.client import Client

    monkeypatch.setattr(context, "client", lambda: Client("http://testserver", http=estate))
    text = CliRunner().invoke(cli, ["plan", "show", change]).output
    assert f"rollout #{rollout['id']} of {FLAG}: running at stage 1/2 (5%)" in text


ROLLOUT = """    rollout:
      stages: [{segment: segment.internal.staff, approval: true}, 5, 100]
      analysis:
        name: health
        checks:
          - {name: errors, provider: {scripted: {}}, successCondition: result < 0.05}
"""


def test_a_rollout_the_plan_states_is_started_from_the_plan(
    estate: TestClient, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (PLANS / "risk-explanation.yaml").read_text()
    marker = "    service: dashboard-service\n"
    assert text.count(marker) == 1
    submit(estate, "risk-explanation", text.replace(marker, marker + ROLLOUT))
    from unlockstep.cli import context
    from unlockstep.cli.client import Client

    monkeypatch.setattr(context, "client", lambda: Client("http://testserver", http=estate))
    change = "risk-explanation-in-escalation-flow"
    args = ["rollout", "start", "--plan", change, "--flag", FLAG, "-e", "production"]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = estate.get(f"/api/v1/rollouts/{json.loads(result.output)['id']}").json()
    assert shown["planChange"] == change
    assert [s["name"] for s in shown["stages"]] == ["internal.staff", "5%", "100%"]
    assert shown["stages"][0]["approval"] is True

    other = CliRunner().invoke(
        cli, ["rollout", "start", "--plan", change, "--flag", "risk.model.v2"]
    )
    assert other.exit_code == 2 and "has no flag 'risk.model.v2'" in other.output
