"""``unlockstep tokens …`` and the tokens setting as ``serve`` reads it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_create_prints_the_secret_once_list_never_and_revoke_ends_it(
    cli_server: TestClient,
) -> None:
    cli_server.put("/api/v1/teams/payments", json={})
    code, out, err = run("tokens", "create", "boot", "--scope", "admin")
    assert code == 0, err
    admin = out.strip().splitlines()[-1]
    assert run("tokens", "list")[0] == 3  # the first token closes an open server
    cli_server.headers["Authorization"] = f"Bearer {admin}"
    code, out, err = run("tokens", "create", "pay-ci", "--team", "payments", "--scope", "write")
    assert code == 0, err
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("ulst_")
    assert "shown only now" in err
    code, out, _ = run("tokens", "list")
    assert code == 0
    assert "pay-ci" in out and "payments" in out and secret not in out
    code, out, _ = run("tokens", "list", "--format", "json")
    assert json.loads(out)["items"][1]["revokedAt"] is None
    code, out, _ = run("tokens", "revoke", "pay-ci")
    assert code == 0 and "revoked" in out
    code, out, _ = run("tokens", "list", "--format", "json")
    assert json.loads(out)["items"][1]["revokedAt"] is not None


def test_create_with_an_expiry_and_json_output(cli_server: TestClient) -> None:
    code, out, err = run(
        "tokens", "create", "dash", "--scope", "read", "--expires", "2099-01-31", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["token"]["expiresAt"].startswith("2099-01-31")
    assert data["secret"].startswith("ulst_")


def test_a_forbidden_answer_is_exit_3_with_the_servers_message(cli_server: TestClient) -> None:
    code, out, _ = run("tokens", "create", "reader", "--scope", "read")
    secret = out.strip().splitlines()[-1]
    cli_server.headers["Authorization"] = f"Bearer {secret}"
    code, _, err = run("tokens", "list", "--format", "json")
    assert code == 3
    assert json.loads(err)["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    "value",
    [
        "ci:first-secret-123,second-secret-456",  # a pair without its name
        "ci:first-secret-123,ci:second-secret-456",  # a name twice
        ":lonely-secret-789",
    ],
)
def test_a_malformed_tokens_setting_refuses_to_start_in_one_line_without_a_secret(
    value: str,
) -> None:
    code, out, err = run("serve", env={"UNLOCKSTEP_API_TOKENS": value})
    assert code == 3
    first, *rest = err.strip().splitlines()
    assert first.startswith("error: invalid settings: api_tokens (from UNLOCKSTEP_API_TOKENS): ")
    assert all(line.startswith("  hint: ") for line in rest), err
    for secret in ("first-secret-123", "second-secret-456", "lonely-secret-789"):
        assert secret not in err + out
