"""``unlockstep rollout`` and ``unlockstep analysis run`` through CliRunner: against the
in-process server for the rollout commands, and here (for CI) for a one-off analysis with a
real HTTP source whose answers the test sets."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli
from unlockstep.services import rollout_controller
from unlockstep.services.analysis_providers import Context
from unlockstep.settings import Settings
from unlockstep.store import Store

from ..services.rollout_fixtures import Script, rollout, script_fixture, seed

__all__ = ["script_fixture"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 't.db'}", flag_rules=[], worker=False)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def later(seconds: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)


def test_a_rollout_is_started_steered_and_aborted_from_the_cli(
    cli_server: TestClient, store: Store, script: Script, tmp_path: Path
) -> None:
    seed(cli_server)
    script.answers["errors"] = [0.0]
    plan = tmp_path / "rollout.yaml"
    plan.write_text(yaml.safe_dump(rollout([{"percent": 1, "approval": True}, 25, 100])))
    started = invoke("rollout", "start", str(plan), "--format", "json")
    assert started.exit_code == 0, started.output
    rid = json.loads(started.output)["id"]

    for moment in (31, 61):
        rollout_controller.tick(store, later(moment), Context(store=store))
    status = invoke("rollout", "status", str(rid))
    assert status.exit_code == 0
    assert "waiting" in status.output and "rollout promote" in status.output
    assert "errors [scripted] pass: 2/2" in status.output

    listed = invoke("rollout", "list", "--format", "json")
    assert [r["id"] for r in json.loads(listed.output)["items"]] == [rid]

    promoted = invoke("rollout", "promote", str(rid), "--reason", "ok", "--format", "json")
    assert json.loads(promoted.output)["stage"] == 1
    paused = invoke("rollout", "pause", str(rid), "--format", "json")
    assert json.loads(paused.output)["status"] == "paused"
    resumed = invoke("rollout", "resume", str(rid), "--format", "json")
    assert json.loads(resumed.output)["status"] == "running"
    aborted = invoke("rollout", "abort", str(rid), "--reason", "customer complaints")
    assert aborted.exit_code == 0
    assert "aborted" in aborted.output and "customer complaints" in aborted.output
    again = invoke("rollout", "abort", str(rid))
    assert again.exit_code == 2
    assert "is aborted; cannot abort it" in again.output
    assert "no active rollouts" in invoke("rollout", "list").output


def test_a_bad_rollout_file_is_refused_naming_where(
    cli_server: TestClient, script: Script, tmp_path: Path
) -> None:
    seed(cli_server)
    plan = tmp_path / "rollout.yaml"
    plan.write_text(yaml.safe_dump(rollout([25, 5])))
    result = invoke("rollout", "start", str(plan))
    assert result.exit_code == 2
    assert "rollout/stages/1/percent" in result.output and "goes down" in result.output


def test_starting_a_rollout_in_a_freeze_exits_non_zero_saying_why_and_what_to_do(
    cli_server: TestClient, script: Script, tmp_path: Path
) -> None:
    seed(cli_server)
    now = dt.datetime.now(dt.UTC)
    starts, ends = (f"{t:%Y-%m-%dT%H:%M}" for t in (now - dt.timedelta(hours=1), later(3600)))
    frozen = invoke("calendar", "set", "production", "year-end", "--kind", "freeze",
                    "--starts", starts, "--ends", ends, "--reason", "year-end close")  # fmt: skip
    assert frozen.exit_code == 0, frozen.output
    plan = tmp_path / "rollout.yaml"
    plan.write_text(yaml.safe_dump(rollout([5, 100])))
    result = invoke("rollout", "start", str(plan))
    assert result.exit_code == 2, result.output
    assert "cannot start now: production is in freeze 'year-end'" in result.output
    assert "year-end close" in result.output
    assert "get a freeze exception for risk.explanation.display" in result.output
    assert "no active rollouts" in invoke("rollout", "list").output


class Source:
    """A JSON metrics endpoint whose body the test sets (``None``: answer HTTP 503)."""

    def __init__(self) -> None:
        self.body: Any = None
        source = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if source.body is None:
                    self.send_response(503)
                    self.end_headers()
                    return
                data = json.dumps(source.body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stats"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def source() -> Iterator[Source]:
    s = Source()
    yield s
    s.server.shutdown()
    s.server.server_close()


def template(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "analysis.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "ci-gate",
                "checks": [
                    {
                        "name": "error-rate",
                        "provider": {"web": {"url": url, "jsonPath": "$.services[0].errorRate"}},
                        "successCondition": "result < 0.01",
                        "interval": "10ms",
                        "count": 3,
                    }
                ],
            }
        )
    )
    return path


@pytest.mark.parametrize(
    ("body", "exit_code", "status"),
    [
        ({"services": [{"errorRate": 0.001}]}, 0, "pass"),
        ({"services": [{"errorRate": 0.2}]}, 1, "fail"),
        ({"services": []}, 1, "inconclusive"),  # no data
        (None, 1, "inconclusive"),  # the source is down
    ],
)
def test_analysis_run_exits_1_unless_the_analysis_passes(
    source: Source, tmp_path: Path, body: Any, exit_code: int, status: str
) -> None:
    source.body = body
    result = invoke("analysis", "run", str(template(tmp_path, source.url)), "--format", "json")
    assert result.exit_code == exit_code, result.output
    report = json.loads(result.output)
    assert report["status"] == status
    measured = report["checks"][0]["measurements"]
    assert (measured and measured[0]["data"].get("jsonPath", "$")) or body is None


def test_analysis_run_in_text_says_why(source: Source, tmp_path: Path) -> None:
    source.body = None
    result = invoke("analysis", "run", str(template(tmp_path, source.url)))
    assert result.exit_code == 1
    assert "inconclusive" in result.output and "HTTP 503" in result.output


def test_analysis_run_on_the_server_is_stored_with_every_measurement(
    cli_server: TestClient, source: Source, tmp_path: Path
) -> None:
    source.body = {"services": [{"errorRate": 0.001}]}
    path = str(template(tmp_path, source.url))
    result = invoke("analysis", "run", path, "--server", "--format", "json")
    assert result.exit_code == 0, result.output
    run_id = json.loads(result.output)["id"]
    stored = cli_server.get(f"/api/v1/analysis-runs/{run_id}").json()
    assert stored["status"] == "pass"
    assert [m["seq"] for m in stored["checks"][0]["measurements"]] == [0, 1, 2]
    source.body = {"services": [{"errorRate": 0.3}]}
    assert invoke("analysis", "run", path, "--server").exit_code == 1
