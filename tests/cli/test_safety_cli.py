"""``unlockstep invariants`` and ``unlockstep reconcile``: exit 1 on a breach or discrepancies
above tolerance (for CI and cron), the same with ``--format json``; ``--file`` offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.conftest import REPO
from unlockstep.cli.main import cli
from unlockstep.settings import Settings

DEMO = str(REPO / "examples" / "estate" / "safety-nets" / "case-service.yaml")
SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'test.db'}", flag_rules=[], worker=False)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_running_the_demo_file_offline_finds_the_breach() -> None:
    code, out, _ = invoke("invariants", "run", "--file", DEMO)
    assert code == 1
    assert "✓ escalated-cases-have-a-basis: ok" in out
    assert "✗ escalations-are-published: breached" in out
    code, out, _ = invoke("invariants", "run", "--file", DEMO, "escalated-cases-have-a-basis")
    assert code == 0
    code, out, _ = invoke("invariants", "run", "--file", DEMO, "--format", "json")
    assert code == 1
    runs = {r["invariant"]: r for r in json.loads(out)["runs"]}
    assert runs["escalations-are-published"]["sample"] == ["6"]


def test_reconciling_the_demo_systems_offline_shows_the_seeded_discrepancies() -> None:
    code, out, _ = invoke("reconcile", "run", "legacy-cases", "--file", DEMO, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert [(d["kind"], d["key"]) for d in report["discrepancies"]] == [
        ("mismatch", "CASE-1004"),
        ("missing-right", "CASE-1007"),
    ]
    assert (report["leftRows"], report["rightRows"], report["matched"]) == (8, 7, 6)


def test_a_source_that_cannot_answer_exits_3_not_0(tmp_path: Path) -> None:
    (tmp_path / "nets.yaml").write_text(
        "service: s\nsources:\n  db: {kind: sqlite, path: missing.db}\n"
        "invariants:\n  x:\n    description: d\n    source: db\n    query: SELECT 1\n"
    )
    code, out, _ = invoke("invariants", "run", "--file", str(tmp_path / "nets.yaml"))
    assert code == 3
    assert "no SQLite database" in out


@SQLITE_ONLY
def test_the_registry_commands_run_list_show_and_work_the_queue(
    estate: TestClient, cli_server: TestClient
) -> None:
    code, out, _ = invoke("invariants", "publish", DEMO)
    assert code == 0 and "safety nets published" in out
    code, out, _ = invoke("invariants", "run", "--service", "case-service")
    assert code == 1
    code, out, _ = invoke("invariants", "list")
    assert code == 0 and "breached" in out and "escalations-are-published" in out
    code, out, _ = invoke("invariants", "show", "escalations-are-published")
    assert code == 0 and "e.g. 6" in out
    code, out, _ = invoke("reconcile", "status")
    assert code == 3 and "? legacy-cases" in out  # never compared: unknown, not a pass
    code, out, _ = invoke("reconcile", "run", "legacy-cases")
    assert code == 1 and "1 missing right, 1 mismatched" in out
    code, out, _ = invoke("reconcile", "status", "--format", "json")
    assert code == 1 and json.loads(out)["items"][0]["open"] == 2
    code, out, _ = invoke("reconcile", "queue", "legacy-cases", "--format", "json")
    assert code == 0
    queue = json.loads(out)["items"]
    assert sorted(d["key"] for d in queue) == ["CASE-1004", "CASE-1007"]
    first = str(queue[0]["id"])
    code, out, _ = invoke("reconcile", "resolve", first, "--reason", "closed in legacy on purpose")
    assert code == 0 and "resolved" in out
    code, out, _ = invoke("reconcile", "queue", "--status", "resolved")
    assert "closed in legacy on purpose" in out
    code, out, _ = invoke("outbox", "check")
    assert code == 1 and "✗ case-service outbox-case-events-outbox: breached" in out


@SQLITE_ONLY
def test_replay_check_says_which_schema_versions_and_since_when(
    estate: TestClient, cli_server: TestClient
) -> None:
    args = ("replay", "check", "--consumer", "notification-service", "--version", "3.0.2")
    code, out, _ = invoke(*args, "--retention", "7d")
    assert code == 0
    assert "✓ case-service case-events: readable (retention 7d" in out
    assert "schema of 1.4.0" in out
    code, out, _ = invoke(*args, "--format", "json")
    assert code == 1  # no retention declared or given: unknown is not a pass
    assert json.loads(out)["contracts"][0]["status"] == "unknown"
