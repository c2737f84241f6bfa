"""Registry commands against the wrong URL or the wrong server: exit 3 with a hint, the same for
every command; an unknown service or environment gets "did you mean"; a terminal that cannot
show ``✗`` gets ASCII, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.conftest import REPO
from unlockstep.cli import context
from unlockstep.cli.client import Client
from unlockstep.cli.main import cli

#: One read and one write from each area that talks to the server.
REGISTRY_COMMANDS = [
    ["services", "list"],
    ["services", "show", "case-service"],
    ["environments", "list"],
    ["record-deployment", "--service", "a", "--version", "1", "--to", "staging"],
    ["audit"],
    ["flags", "list"],
    ["plan", "list"],
    ["matrix", "--provider", "case-service"],
    ["can-i-deploy", "--service", "case-service", "--version", "1.4.0", "--to", "production"],
    ["flags", "set", "checkout.v2", "-e", "staging", "--state", "ENABLED", "--reason", "r"],
    [
        "contract",
        "publish",
        "--service",
        "case-service",
        "--name",
        "case-summary-api",
        "--version",
        "9.9.9",
        "examples/estate/contracts/case-summary-api.v1.yaml",
    ],
]


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands' file arguments are relative to the repository."""
    monkeypatch.chdir(REPO)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", REGISTRY_COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/api/v1", "http://registry.example/api/v1/"])
def test_a_url_into_the_api_is_exit_3_with_the_root_to_use(command: list[str], url: str) -> None:
    code, out, err = _run("--url", url, *command)
    assert code == 3
    assert out == ""
    assert "points at the API, not at the server's root" in err
    assert "hint: use http://" in err
    assert "/api/v1 itself" in err


def _foreign(handler: object) -> None:
    """Point the CLI at a server answered by ``handler`` (an httpx MockTransport handler)."""
    http = httpx.Client(base_url="http://elsewhere", transport=httpx.MockTransport(handler))  # type: ignore[arg-type]
    context.client = lambda: Client("http://elsewhere", http=http)  # type: ignore[assignment]


FOREIGN_ANSWERS = {
    "an HTML page": lambda _: httpx.Response(200, html="<html>welcome</html>"),
    "an HTML 404": lambda _: httpx.Response(404, html="<html>not here</html>"),
    "another API's 404": lambda _: httpx.Response(404, json={"detail": "Not Found"}),
    "another API's 405": lambda _: httpx.Response(405, json={"message": "no"}),
    "plain text 500": lambda _: httpx.Response(500, text="oops"),
}


@pytest.mark.parametrize("answer", sorted(FOREIGN_ANSWERS))
@pytest.mark.parametrize("command", REGISTRY_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_server_that_is_not_unlockstep_is_exit_3_with_a_hint(
    command: list[str], answer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "client", context.client)
    _foreign(FOREIGN_ANSWERS[answer])
    code, _, err = _run(*command)
    assert code == 3, err
    assert "does not answer as unlockstep does" in err
    assert "hint: set UNLOCKSTEP_URL" in err


def test_a_route_the_unlockstep_server_lacks_is_exit_3_not_not_found(
    cli_server: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    http = Client("http://testserver", http=cli_server)
    monkeypatch.setattr(context, "client", lambda: http)
    with pytest.raises(Exception) as caught:
        http.get("/api/v1/no-such-route")
    assert getattr(caught.value, "exit_code", None) == 3
    assert "has no GET /api/v1/no-such-route" in str(caught.value)


def test_a_mistyped_service_gets_did_you_mean(estate: TestClient, cli_server: TestClient) -> None:
    code, _, err = _run("services", "show", "case-servce")
    assert code == 2
    assert "service 'case-servce' is not registered" in err
    assert "did you mean 'case-service'?" in err


def test_a_mistyped_environment_gets_did_you_mean(
    estate: TestClient, cli_server: TestClient
) -> None:
    code, _, err = _run(
        "record-deployment", "--service", "case-service", "--version", "1.4.0", "--to", "prodution"
    )
    assert code == 2
    assert "did you mean 'production'?" in err


def test_a_name_like_nothing_gets_the_servers_own_hint(
    estate: TestClient, cli_server: TestClient
) -> None:
    code, _, err = _run("services", "show", "zzzzzz")
    assert code == 2
    assert "did you mean" not in err
    assert "unlockstep services list" in err


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252"])
def test_a_terminal_that_cannot_show_a_cross_gets_ascii_not_a_traceback(encoding: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "unlockstep", "migrations", "check", "migrations/case-service"],
        capture_output=True,
        cwd=REPO / "examples" / "estate",
        env={**os.environ, "PYTHONIOENCODING": encoding},
    )
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
    assert result.returncode == 1  # the demo's contract step breaks running writers
    assert b"set-not-null" in result.stdout
    if encoding != "ascii":  # click writes UTF-8 to a stream that claims ASCII
        assert b"x set-not-null" in result.stdout
