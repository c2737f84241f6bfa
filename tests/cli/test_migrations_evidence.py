"""`migrations check --evidence-from URL`: a DROP COLUMN passes when the registry measured
no reads or writes of the column for the whole window, and still fails otherwise."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.server.otlp_export import otlp_sum
from unlockstep.cli import context
from unlockstep.cli.client import Client
from unlockstep.cli.main import cli

DROP = "SET lock_timeout = '5s';\nALTER TABLE cases DROP COLUMN legacy_score;\n"


@pytest.fixture
def migration(tmp_path: Path) -> Path:
    path = tmp_path / "V9__drop_legacy_score.sql"
    path.write_text(DROP)
    return path


@pytest.fixture
def server(cli_server: TestClient, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setattr(
        context, "client_at", lambda url: Client("http://testserver", http=cli_server)
    )
    return cli_server


def accesses(api: TestClient, last_used_days_ago: int) -> None:
    """case-service's reads of cases.legacy_score (and of cases.status, which goes on),
    exported daily for 40 days; the legacy column was last read ``last_used_days_ago``."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=41)
    points = []
    legacy = status = 0.0
    for back in range(40, -1, -1):
        at = today - timedelta(days=back) + timedelta(minutes=1)
        legacy += 2 if back >= last_used_days_ago else 0
        status += 20
        for column, value in (("cases.legacy_score", legacy), ("cases.status", status)):
            points.append(({"unlockstep.field": column, "unlockstep.contract": "cases"}, at, value))
    document = otlp_sum("case-service", "unlockstep.db.accesses", points, start=start)
    assert api.post("/otlp/v1/metrics", json=document).status_code == 200


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout


def test_without_evidence_a_drop_column_breaks_running_clients(migration: Path) -> None:
    code, _ = run("migrations", "check", str(migration))
    assert code == 1


def test_a_drop_column_unused_for_the_window_passes(server: TestClient, migration: Path) -> None:
    accesses(server, last_used_days_ago=35)
    code, out = run(
        "migrations", "check", str(migration), "--usage-window-days", "30",
        "--evidence-from", "http://registry", "--format", "json",
    )  # fmt: skip
    assert code == 0, out
    [step] = [
        s for p in json.loads(out)["paths"] for f in p["files"] for s in f["steps"] if s["evidence"]
    ]
    assert step["evidenced"] and not step["breaks_running_clients"]
    [evidence] = step["evidence"]
    assert evidence["met"] and evidence["observed_zero_days"] >= 30
    assert "(usage store)" in evidence["waits_for"]


def test_a_column_read_days_ago_still_blocks_the_drop(server: TestClient, migration: Path) -> None:
    accesses(server, last_used_days_ago=3)
    code, out = run(
        "migrations", "check", str(migration), "--usage-window-days", "30",
        "--evidence-from", "http://registry", "--format", "json",
    )  # fmt: skip
    assert code == 1
    [step] = [
        s for p in json.loads(out)["paths"] for f in p["files"] for s in f["steps"] if s["evidence"]
    ]
    [evidence] = step["evidence"]
    assert not evidence["met"] and evidence["observed_zero_days"] < 30
    assert "measured: zero for" in evidence["waits_for"]
