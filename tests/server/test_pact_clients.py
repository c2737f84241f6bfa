"""The official Pact Broker CLIs against a live unlockstep: the Rust ``pact-broker`` 0.8.8
(npm ``@pact-foundation/pact-cli@18.1.2``) and the Ruby ``pact_broker-client`` 1.77.0
(``@pact-foundation/pact-cli@16.1.7``), installed by ``.ci/run`` under ``bench/.cache``.

The full cycle on SQLite and PostgreSQL, writing with one CLI and asking every can-i-deploy
question of both (they must agree): create an environment; publish V2, V3 and V4 pacts
(written by pact-python's consumer DSL against its mock server); record deployments and
releases; can-i-deploy yes and no, including pact_broker #903 (two released consumer
versions, only one compatible); can-i-merge; record undeployment and end of support;
describe and list. The server requires a token, which the CLIs send with ``--broker-token``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.pact_helpers import TOKEN, live_server, write_pact
from unlockstep.store import Store

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CLIS = {
    "rust": REPO / "bench/.cache/pact-cli-18/node_modules/.bin/pact-broker",
    "ruby": REPO / "bench/.cache/pact-cli-16/node_modules/.bin/pact-broker",
}


def _missing() -> list[str]:
    return [f"{name} ({path})" for name, path in CLIS.items() if not path.exists()]


pytest.importorskip("pact", reason="pact-python (test extra) writes the pacts")
if _missing() or not shutil.which("node"):
    pytest.skip(
        "the Pact Broker CLIs are not installed (.ci/run installs them with npm): "
        + ", ".join(_missing() or ["node"]),
        allow_module_level=True,
    )


class Broker:
    """A live unlockstep (uvicorn subprocess) and the two CLIs pointed at it."""

    def __init__(self, url: str, workdir: Path) -> None:
        self.url = url
        self.workdir = workdir
        self.http = httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)

    def command(self, cli: str, *args: str) -> tuple[list[str], dict[str, str]]:
        env = {**os.environ, "PACT_BROKER_BASE_URL": self.url, "NO_COLOR": "1"}
        env.pop("PACT_BROKER_TOKEN", None)
        command = [str(CLIS[cli]), *args, "--broker-base-url", self.url]
        return [*command, "--broker-token", TOKEN], env

    def run(self, cli: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        command, env = self.command(cli, *args)
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=120, cwd=self.workdir
        )
        if ok:
            assert done.returncode == 0, f"{cli} {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    def publish(self, cli: str, consumer: str, spec: str, version: str, fields: list[str]) -> None:
        """Publish the pact pact-python writes for ``consumer`` (specification ``spec``)."""
        folder = self.workdir / f"{consumer}-{version}"
        write_pact(folder, consumer, spec, fields)
        self.run(cli, "publish", str(folder), "--consumer-app-version", version, "--branch", "main")

    def verify(self, consumer: str, version: str, provider_version: str, success: bool) -> None:
        """What a Pact verifier does after replaying the pact: publish its result."""
        pact = self.http.get(
            f"{self.url}/pacts/provider/case-service/consumer/{consumer}/version/{version}"
        ).json()
        url = pact["_links"]["pb:publish-verification-results"]["href"]
        body = {"success": success, "providerApplicationVersion": provider_version}
        assert self.http.post(url, json=body).status_code == 201

    def can_i_deploy(self, service: str, version: str) -> bool | None:
        """Ask both CLIs at once; they must agree with each other and with the matrix: exit
        0 and "Computer says yes" only when it says deployable."""
        args = ["can-i-deploy", "--pacticipant", service, "--version", version]
        query = f"q[][pacticipant]={service}&q[][version]={version}&environment=production"
        return self._ask([*args, "--to-environment", "production"], query)

    def can_i_merge(self, service: str, version: str) -> bool | None:
        args = ["can-i-merge", "--pacticipant", service, "--version", version]
        query = f"q[][pacticipant]={service}&q[][version]={version}&mainBranch=true"
        return self._ask(args, query)

    def _ask(self, args: list[str], query: str) -> bool | None:
        deployable = self.http.get(f"{self.url}/matrix?{query}").json()["summary"]["deployable"]
        running = {}
        for cli in CLIS:
            command, env = self.command(cli, *args)
            running[cli] = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
        says = "Computer says yes" if deployable else "Computer says no"
        for cli, process in running.items():
            out, _ = process.communicate(timeout=120)
            assert process.returncode == (0 if deployable else 1), (cli, out)
            assert says in out, (cli, out)
        return bool(deployable) if deployable is not None else None


@pytest.fixture
def broker(store: Store, tmp_path: Path) -> Iterator[Broker]:
    with live_server(store, tmp_path / "server.log") as url:
        work = tmp_path / "work"
        work.mkdir()
        yield Broker(url, work)


def _out(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


def _rust_only_commands(broker: Broker) -> None:
    """``get-pacts``, ``provider-states list`` and ``describe-version --environment`` (the
    Ruby CLI has none of them) against the pacts of the full cycle."""

    def titles(*args: str) -> set[str]:
        listed = json.loads(broker.run("rust", "get-pacts", *args, "-o", "json").stdout)
        return {p["title"] for p in listed["pacts"]}

    newest = titles("--provider", "case-service", "--latest")
    assert newest == {
        "Pact between audit-report-service (1.0.0) and case-service",
        "Pact between dashboard-service (2.0.0) and case-service",
    }
    every = titles("--provider", "case-service", "--consumer", "dashboard-service")
    assert every == {
        "Pact between dashboard-service (1.0.0) and case-service",
        "Pact between dashboard-service (2.0.0) and case-service",
    }
    assert titles("--provider", "case-service", "--branch", "feat-x") == set()
    done = broker.run("rust", "provider-states", "list", "--provider", "case-service", "--json")
    states = json.loads(done.stdout)["providerStates"]
    assert states == [
        {"name": "case 1 exists", "consumers": ["audit-report-service", "dashboard-service"]}
    ]
    # describe-version --environment: the versions live there (1.0.0's support has ended)
    live = broker.run(
        "rust", "describe-version", "--pacticipant", "dashboard-service",
        "--environment", "production",
    ).stdout  # fmt: skip
    assert "2.0.0" in live and "1.0.0" not in live


@pytest.mark.parametrize("cli", list(CLIS))
def test_the_full_cycle_with_both_clis_giving_the_same_answers(broker: Broker, cli: str) -> None:
    run = broker.run
    run(cli, "create-environment", "--name", "production", "--production")
    broker.publish(cli, "dashboard-service", "V2", "1.0.0", ["id", "legacyField"])
    broker.publish(cli, "audit-report-service", "V3", "1.0.0", ["id"])
    broker.publish(cli, "dashboard-service", "V4", "2.0.0", ["id", "status"])
    run(cli, "create-or-update-version", "--pacticipant", "case-service", "--version", "5.0.0",
        "--branch", "main")  # fmt: skip
    run(cli, "record-deployment", "--pacticipant", "case-service", "--version", "5.0.0",
        "--environment", "production")  # fmt: skip
    for version in ("1.0.0", "2.0.0"):
        run(cli, "record-release", "--pacticipant", "dashboard-service", "--version", version,
            "--environment", "production")  # fmt: skip
    # nothing verified yet: unknown, which both CLIs refuse
    assert broker.can_i_deploy("case-service", "5.0.0") is None
    broker.verify("dashboard-service", "1.0.0", "5.0.0", success=False)
    broker.verify("dashboard-service", "2.0.0", "5.0.0", success=True)
    broker.verify("audit-report-service", "1.0.0", "5.0.0", success=True)
    # pact_broker #903: the newest released consumer version passes, the older one does not
    assert broker.can_i_deploy("case-service", "5.0.0") is False
    assert broker.can_i_deploy("dashboard-service", "2.0.0") is True
    # can-i-merge: against case-service's newest main-branch version, 5.0.0
    assert broker.can_i_merge("dashboard-service", "2.0.0") is True
    assert broker.can_i_merge("dashboard-service", "1.0.0") is False
    run(cli, "record-support-ended", "--pacticipant", "dashboard-service", "--version", "1.0.0",
        "--environment", "production")  # fmt: skip
    assert broker.can_i_deploy("case-service", "5.0.0") is True
    run(cli, "record-undeployment", "--pacticipant", "case-service", "--environment", "production")
    assert broker.can_i_deploy("dashboard-service", "2.0.0") is None  # its provider is gone

    listed = _out(run(cli, "list-pacticipants"))
    for name in ("case-service", "dashboard-service", "audit-report-service"):
        assert name in listed
    described = _out(run(cli, "describe-pacticipant", "--name", "dashboard-service"))
    assert "main" in described
    latest = _out(run(cli, "list-latest-pact-versions"))
    assert "audit-report-service" in latest and "2.0.0" in latest
    version = _out(run(cli, "describe-version", "--pacticipant", "dashboard-service"))
    assert "2.0.0" in version
    environments = _out(run(cli, "list-environments"))
    assert "production" in environments
    if cli == "rust":  # its own commands, on paths it builds from the host, not the base URL
        _rust_only_commands(broker)
    run(cli, "create-or-update-pacticipant", "--name", "billing", "--main-branch", "trunk")
    other = "ruby" if cli == "rust" else "rust"
    assert "trunk" in _out(run(other, "describe-pacticipant", "--name", "billing"))
    # without the token: refused
    command = [str(CLIS[cli]), "create-environment", "--name", "staging"]
    command += ["--broker-base-url", broker.url]
    env = {k: v for k, v in os.environ.items() if k != "PACT_BROKER_TOKEN"}
    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0, refused.stdout
