"""GET /metrics: unlockstep's own state in the Prometheus text format, which promtool
accepts."""

from __future__ import annotations

import subprocess

import pytest
from fastapi.testclient import TestClient

from tests.prometheus import find
from tests.server.test_plans_api import submit


def samples(text: str) -> dict[str, float]:
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


def test_metrics_show_deployments_flags_windows_and_blockers(estate: TestClient) -> None:
    submit(estate, "risk-explanation")
    response = estate.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(response.text)
    assert found['unlockstep_deployments{environment="production"}'] > 0
    assert any(k.startswith("unlockstep_flags{environment=") for k in found)
    assert sum(v for k, v in found.items() if k.startswith("unlockstep_windows{")) == 1
    assert "unlockstep_windows_overdue" in found
    assert found['unlockstep_cleanup_blockers{status="unknown"}'] >= 1


@pytest.mark.slow
def test_promtool_accepts_the_exposition(estate: TestClient) -> None:
    promtool = find("promtool")
    if promtool is None:
        pytest.skip("no promtool binary (apt-get install prometheus; .ci/run installs it)")
    submit(estate, "risk-explanation")
    text = estate.get("/metrics").text
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr.decode() + checked.stdout.decode()
