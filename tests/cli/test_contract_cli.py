"""``unlockstep contract publish`` and ``unlockstep check`` against the app in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli

CONTRACTS = Path(__file__).resolve().parents[2] / "examples" / "estate" / "contracts"


@pytest.fixture
def server(cli_server: TestClient) -> TestClient:
    """The app in-process (the shared ``cli_server`` fixture) with case-service registered."""
    assert cli_server.put("/api/v1/services/case-service", json={}).status_code == 200
    return cli_server


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def publish(version: str, proposal: str, *extra: str) -> tuple[int, str, str]:
    path = CONTRACTS / f"case-summary-api.{proposal}.yaml"
    return run(
        "contract", "publish", "-s", "case-service", "-n", "case-summary-api",
        "-V", version, *extra, str(path),
    )  # fmt: skip


def test_publish_then_republish_is_idempotent(server: TestClient) -> None:
    code, out, _ = publish("1.0.0", "v1")
    assert code == 0 and out.startswith("created: case-service/case-summary-api 1.0.0")
    code, out, _ = publish("1.0.0", "v1", "--format", "json")
    assert code == 0 and json.loads(out)["outcome"] == "unchanged"


def test_a_breaking_publish_is_refused_with_exit_1_and_the_report(server: TestClient) -> None:
    publish("1.0.0", "v1")
    code, out, err = publish("2.0.0", "v2-breaking")
    assert code == 1
    assert "new-required-request-property" in out
    assert "refused" in err
    code, out, _ = publish("2.0.0", "v2-breaking", "--format", "json")
    assert code == 1 and json.loads(out)["error"]["code"] == "incompatible"


def test_forcing_a_breaking_publish_needs_a_reason_and_then_succeeds(server: TestClient) -> None:
    publish("1.0.0", "v1")
    code, _, err = publish("2.0.0", "v2-breaking", "--force")
    assert code == 2 and "--reason" in err
    code, out, _ = publish("2.0.0", "v2-breaking", "--force", "--reason", "consumers moved")
    assert code == 0, out


def test_the_mode_changes_only_through_its_own_command(server: TestClient) -> None:
    publish("1.0.0", "v1")
    code, _, err = publish("2.0.0", "v2-breaking", "--mode", "NONE")
    assert code == 2 and "contract mode set" in err
    args = ("contract", "mode", "set", "-s", "case-service", "-n", "case-summary-api")
    code, out, _ = run(*args, "NONE", "--reason", "prototype, no consumers yet")
    assert code == 0 and "mode NONE (updated)" in out
    assert publish("2.0.0", "v2-breaking")[0] == 0


def test_different_content_under_a_version_exits_2(server: TestClient) -> None:
    publish("1.0.0", "v1")
    code, _, err = publish("1.0.0", "v2-proposed")
    assert code == 2 and "--force" in err


@pytest.mark.parametrize(("proposal", "exit_code"), [("v2-proposed", 0), ("v2-breaking", 1)])
def test_check_answers_what_a_change_would_do(
    server: TestClient, proposal: str, exit_code: int
) -> None:
    publish("1.0.0", "v1")
    path = CONTRACTS / f"case-summary-api.{proposal}.yaml"
    for fmt in ("text", "json", "markdown", "sarif"):
        code, out, _ = run(
            "check", "-s", "case-service", "-n", "case-summary-api", "--format", fmt, str(path)
        )
        assert code == exit_code, (fmt, out)
    assert [
        v["version"]
        for v in server.get("/api/v1/services/case-service/contracts/case-summary-api").json()[
            "versions"
        ]
    ] == ["1.0.0"]


def test_a_missing_file_is_bad_input(server: TestClient) -> None:
    code, _, err = run("check", "-s", "case-service", "-n", "x", "nope.yaml")
    assert code == 2 and "not found" in err


@pytest.mark.parametrize("command", [["contract", "publish", "-V", "1.0.0"], ["check"]])
def test_a_file_past_max_document_mb_is_refused_before_it_is_sent(
    server: TestClient, tmp_path: Path, command: list[str]
) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {}\n" + "#" * 2_000_000)
    args = [*command, "-s", "case-service", "-n", "big", "--max-document-mb", "1", str(big)]
    code, _, err = run(*args)
    assert code == 2
    assert "big.yaml: document is" in err and "more than the limit of 1,048,576 bytes" in err
    assert server.get("/api/v1/services/case-service/contracts/big").status_code == 404


def test_the_servers_413_becomes_exit_2_with_its_message(
    server: TestClient, tmp_path: Path
) -> None:
    server.app.state.settings.max_document_mb = 1  # type: ignore[attr-defined]
    big = tmp_path / "big.yaml"
    big.write_text("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {}\n" + "#" * 1_200_000)
    code, _, err = run("check", "-s", "case-service", "-n", "big", str(big))
    assert code == 2
    assert "more than the limit of 1,048,576 bytes" in err
    assert "UNLOCKSTEP_MAX_DOCUMENT_MB (now 1)" in err


def test_a_forced_publish_held_in_a_protected_environment_exits_0_naming_the_request(
    server: TestClient,
) -> None:
    assert publish("1.0.0", "v1")[0] == 0
    server.put("/api/v1/environments/production", json={})
    deployment = {"service": "case-service", "version": "1.0.0", "environment": "production"}
    assert server.post("/api/v1/deployments", json=deployment).status_code == 201
    protect = server.put("/api/v1/environments/production/protection", json={"protected": True})
    assert protect.status_code == 200, protect.text
    code, out, _ = publish("2.0.0", "v2-breaking", "--force", "--reason", "consumers moved")
    assert code == 0 and out.startswith("held for approval: change request ")
    assert "contract.publish case-service/case-summary-api/2.0.0" in out
    code, out, _ = run(
        "contract", "mode", "set", "-s", "case-service", "-n", "case-summary-api", "NONE",
        "--reason", "migration", "--format", "json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["action"] == "contract.mode"


def test_contract_mode_set_sends_the_name_as_one_escaped_segment(server: TestClient) -> None:
    code, _, err = run(
        "contract", "mode", "set", "-s", "case-service", "-n", "../../teams/x", "NONE",
        "--reason", "r",
    )  # fmt: skip
    assert code == 2, err
