from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli
from unlockstep.errors import InvalidInput


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_record_deployment_then_services_show_lists_it(
    estate: TestClient, cli_server: TestClient
) -> None:
    code, out, _ = run(
        "record-deployment", "--service", "case-service", "--version", "1.5.0", "--to", "production"
    )
    assert code == 0
    assert "case-service 1.5.0 is live in production" in out
    code, out, _ = run("services", "show", "case-service")
    assert code == 0
    assert "production   1.5.0" in out


def test_json_output_is_machine_readable_with_the_same_exit_code(
    estate: TestClient, cli_server: TestClient
) -> None:
    code, out, _ = run("services", "list", "--format", "json")
    assert code == 0
    assert json.loads(out)["total"] == 5
    code, _, err = run("services", "show", "nope", "--format", "json")
    assert code == 2
    assert json.loads(err)["error"]["code"] == "not_found"


def test_unknown_service_is_exit_2_with_a_hint(estate: TestClient, cli_server: TestClient) -> None:
    code, out, err = run(
        "record-deployment", "--service", "nope", "--version", "1", "--to", "staging"
    )
    assert code == 2
    assert out == ""
    assert "service 'nope' is not registered" in err
    assert "Traceback" not in err


def test_invalid_names_are_exit_2(estate: TestClient, cli_server: TestClient) -> None:
    code, _, err = run("environments", "create", "Prod Env")
    assert code == 2
    assert "environment 'Prod Env' is not valid" in err


def test_releases_and_support_ended(estate: TestClient, cli_server: TestClient) -> None:
    run("environments", "create", "app-store", "--production")
    for version in ("7.0", "8.0"):
        assert (
            run(
                "record-release",
                "--service",
                "dashboard-service",
                "--version",
                version,
                "--to",
                "app-store",
            )[0]
            == 0
        )
    _, out, _ = run("services", "show", "dashboard-service", "--format", "json")
    released = {d["version"] for d in json.loads(out)["live"] if d["kind"] == "release"}
    assert released == {"7.0", "8.0"}
    assert (
        run(
            "record-support-ended",
            "--service",
            "dashboard-service",
            "--version",
            "7.0",
            "--from",
            "app-store",
        )[0]
        == 0
    )
    code, out, _ = run("record-undeployment", "--service", "case-service", "--from", "staging")
    assert code == 0 and "undeployed from staging" in out


def test_audit_shows_who_did_what(estate: TestClient, cli_server: TestClient) -> None:
    run("versions", "create", "--service", "case-service", "1.6.0", "--branch", "main")
    code, out, _ = run("audit", "--entity", "case-service", "--format", "json")
    assert code == 0
    first = json.loads(out)["items"][0]
    assert (first["action"], first["entityKey"]) == ("version.created", "case-service/1.6.0")
    assert first["after"]["branch"] == "main"


def test_audit_finds_a_flag_by_its_bare_key_in_every_environment(
    cli_server: TestClient,
) -> None:
    from tests.server.flag_app import seed

    seed(cli_server)
    code, out, _ = run("audit", "--entity", "color", "--format", "json")
    assert code == 0
    keys = {e["entityKey"] for e in json.loads(out)["items"]}
    assert keys == {"staging/color", "production/color"}


def test_audit_text_shows_the_reason_and_each_change_before_and_after(
    estate: TestClient, cli_server: TestClient
) -> None:
    from tests.server.flag_app import seed

    seed(cli_server)
    run("versions", "create", "--service", "case-service", "1.6.0", "--branch", "main")
    run("versions", "create", "--service", "case-service", "1.6.0", "--branch", "release-1.6")
    code, out, _ = run("audit", "--entity", "case-service/1.6.0")
    assert code == 0
    assert "version.updated  case-service/1.6.0" in out
    assert 'branch: "main" → "release-1.6"' in out
    code, out, _ = run("audit", "--entity", "color", "--type", "flag")
    assert "reason: seed" in out
    assert 'defaultVariant: - → "red"' in out


def test_a_server_that_is_not_running_gives_one_line_and_exit_3() -> None:
    result = CliRunner().invoke(cli, ["--url", "http://127.0.0.1:9", "services", "list"])
    assert result.exit_code == 3
    assert (
        result.stderr.splitlines()[0] == "error: no unlockstep server answers at http://127.0.0.1:9"
    )
    assert "unlockstep serve" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_version_with_a_slash_stays_one_path_segment_and_creates_nothing_else(
    estate: TestClient, cli_server: TestClient
) -> None:
    code, _, err = run("versions", "create", "--service", "case-service", "1.5.0/../x")
    assert code == 2
    assert "contains '/'" in err
    assert "Traceback" not in err
    assert estate.get("/api/v1/services/case-service/versions/x").status_code == 404


def test_a_service_name_that_walks_up_the_path_is_not_found_not_a_traceback(
    estate: TestClient, cli_server: TestClient
) -> None:
    for name in ("../environments", "..", "."):
        code, out, err = run("services", "show", name)
        assert code == 2, name
        assert out == ""
        assert "Traceback" not in err


def test_every_path_segment_is_escaped_whole() -> None:
    from unlockstep.cli.client import api_path

    assert api_path("services", "a b", "versions", "1.0+x") == (
        "/api/v1/services/a%20b/versions/1.0%2Bx"
    )
    assert api_path("services", "..") == "/api/v1/services/%2E%2E"
    assert api_path("flags", "a?b#c", "kill") == "/api/v1/flags/a%3Fb%23c/kill"
    with pytest.raises(InvalidInput):
        api_path("services", "../environments")
