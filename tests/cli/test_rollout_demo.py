"""``unlockstep rollout demo`` against the demo estate, with the server's own controller
(the background worker) and the command's simulated traffic: two promotions, then an abort
on the injected error-rate rise."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli
from unlockstep.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server's background worker on: its rollouts job is the controller under test."""
    return settings.model_copy(update={"worker": True})


def test_the_demo_rollout_promotes_twice_then_aborts_on_the_error_rise(
    estate: TestClient, cli_server: TestClient
) -> None:
    result = CliRunner().invoke(cli, ["rollout", "demo"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "promoted to stage 2 '5%'" in result.output
    assert "promoted to stage 3 '25%'" in result.output
    assert lines[-1].startswith("  aborted: analysis of stage '25%' failed")
    flag = estate.get("/api/v1/environments/staging/flags/risk.explanation.display").json()
    assert flag["killed"] is True
