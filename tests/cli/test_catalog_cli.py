from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli

TEAM = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: payments-team}
spec: {type: team, children: []}
"""
SERVICE = """\
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: %s}
spec: {type: service, lifecycle: production, owner: payments-team}
"""


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, *services: str) -> Path:
    path.write_text(TEAM + "".join(SERVICE % s for s in services))
    return path


def test_reimporting_is_idempotent(tmp_path: Path, cli_server: TestClient) -> None:
    descriptor = write(tmp_path / "catalog-info.yaml", "orders", "pricing")
    code, out, _ = invoke("catalog", "import", str(descriptor), "--format", "json")
    assert code == 0
    assert sorted(json.loads(out)["created"]) == [
        "service:orders",
        "service:pricing",
        "team:payments-team",
    ]
    code, out, _ = invoke("catalog", "import", str(descriptor), "--format", "json")
    result = json.loads(out)
    assert (result["created"], result["updated"]) == ([], [])
    assert len(result["unchanged"]) == 3


def test_removed_entities_are_reported_and_pruned_on_request(
    tmp_path: Path, cli_server: TestClient
) -> None:
    descriptor = write(tmp_path / "catalog-info.yaml", "orders", "pricing")
    invoke("catalog", "import", str(descriptor))
    write(descriptor, "orders")
    code, out, _ = invoke("catalog", "import", str(descriptor))
    assert code == 0
    assert "removed from the catalog, kept (use --prune): service:pricing" in out
    code, out, _ = invoke(
        "catalog", "import", str(descriptor), "--prune", "--yes", "--format", "json"
    )
    result = json.loads(out)
    assert result["removed"] == result["retired"] == ["service:pricing"]
    assert cli_server.get("/api/v1/services/pricing").json()["lifecycle"] == "retired"


def test_prune_shows_what_it_would_do_and_does_nothing_unconfirmed(
    tmp_path: Path, cli_server: TestClient
) -> None:
    descriptor = write(tmp_path / "catalog-info.yaml", "orders", "pricing")
    invoke("catalog", "import", str(descriptor))
    write(descriptor, "orders")
    refused = CliRunner().invoke(
        cli, ["catalog", "import", str(descriptor), "--prune"], input="n\n"
    )
    assert refused.exit_code == 2
    assert "would:" in refused.stderr and "retire (history kept): service:pricing" in refused.stderr
    assert cli_server.get("/api/v1/services/pricing").json()["lifecycle"] == "production"
    no_terminal = CliRunner().invoke(cli, ["catalog", "import", str(descriptor), "--prune"])
    assert no_terminal.exit_code == 2
    agreed = CliRunner().invoke(cli, ["catalog", "import", str(descriptor), "--prune"], input="y\n")
    assert agreed.exit_code == 0, agreed.output
    assert "retired (history kept): service:pricing" in agreed.stdout


def test_prune_keeps_deployment_history_and_audits_every_change(
    tmp_path: Path, cli_server: TestClient
) -> None:
    api = cli_server
    descriptor = write(tmp_path / "catalog-info.yaml", "orders", "pricing")
    invoke("catalog", "import", str(descriptor))
    api.put("/api/v1/environments/production", json={"production": True}).raise_for_status()
    api.put("/api/v1/services/pricing/versions/1.0.0", json={}).raise_for_status()
    deployment = {"service": "pricing", "version": "1.0.0", "environment": "production"}
    api.post("/api/v1/deployments", json=deployment).raise_for_status()
    descriptor.write_text(SERVICE % "orders")  # the team and pricing are both gone
    code, out, err = invoke("catalog", "import", str(descriptor), "--prune", "--yes")
    assert code == 0, err
    assert "retired (history kept): service:pricing" in out
    assert "still owns services; kept" in out  # payments-team owns orders and pricing
    shown = api.get("/api/v1/services/pricing").json()
    assert shown["lifecycle"] == "retired" and shown["versions"][0]["number"] == "1.0.0"
    live = api.get("/api/v1/environments/production").json()["live"]
    assert any(d["service"] == "pricing" for d in live)
    events = api.get("/api/v1/audit", params={"entity_key": "pricing"}).json()["items"]
    assert events[0]["action"] == "service.retired" and "prune" in events[0]["reason"]
    again_code, again, _ = invoke("catalog", "import", str(descriptor), "--prune", "--yes")
    assert again_code == 0 and "service:pricing" not in again


def test_a_bad_file_is_exit_2_and_nothing_is_imported(
    tmp_path: Path, cli_server: TestClient
) -> None:
    good = write(tmp_path / "good.yaml", "orders")
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x\n")
    code, _, err = invoke("catalog", "import", str(good), str(bad))
    assert code == 2
    assert "bad.yaml:" in err and "invalid YAML" in err
    assert cli_server.get("/api/v1/services").json()["total"] == 0


def test_an_unknown_owner_is_a_placeholder_team_with_a_warning(
    tmp_path: Path, cli_server: TestClient
) -> None:
    descriptor = tmp_path / "c.yaml"
    descriptor.write_text((SERVICE % "orders").replace("payments-team", "ghost-team"))
    code, out, _ = invoke("catalog", "import", str(descriptor))
    assert code == 0
    assert "owner team 'ghost-team' of service orders is not registered" in out
    assert cli_server.get("/api/v1/services/orders").json()["owner"] == "ghost-team"
    teams = cli_server.get("/api/v1/teams").json()["items"]
    assert [t["name"] for t in teams] == ["ghost-team"]
    events = cli_server.get("/api/v1/audit", params={"entity": "ghost-team"}).json()["items"]
    assert "team.placeholder" in {e["action"] for e in events}


def test_a_dangling_parent_group_follows_the_same_rule(
    tmp_path: Path, cli_server: TestClient
) -> None:
    descriptor = tmp_path / "c.yaml"
    descriptor.write_text(TEAM.replace("children: []", "children: [], parent: ghost-group"))
    code, out, _ = invoke("catalog", "import", str(descriptor))
    assert code == 0
    assert "parent group 'ghost-group' of team payments-team is not registered" in out
    assert cli_server.get("/api/v1/teams").json()["items"][0]["parent"] == "ghost-group"


def test_the_demo_estate_catalog_imports(cli_server: TestClient) -> None:
    from tests.conftest import REPO

    files = sorted(str(p) for p in (REPO / "examples/estate/catalog").glob("*.yaml"))
    code, out, _ = invoke("catalog", "import", *files, "--format", "json")
    assert code == 0
    assert len(json.loads(out)["created"]) == 14
    deps = cli_server.get("/api/v1/apis/case-events/consumers").json()["declared"]
    assert {d["service"] for d in deps if d["relation"] == "consumes_api"} == {
        "audit-report-service",
        "dashboard-service",
        "decision-service",
        "notification-service",
    }


def test_systems_and_apis_are_kept_as_declared(cli_server: TestClient) -> None:
    from tests.conftest import REPO

    files = sorted(str(p) for p in (REPO / "examples/estate/catalog").glob("*.yaml"))
    invoke("catalog", "import", *files)
    systems = cli_server.get("/api/v1/systems").json()["items"]
    assert [(s["name"], s["owner"], len(s["services"])) for s in systems] == [
        ("case-management", "case-platform-team", 5)
    ]
    apis = {a["name"]: a["type"] for a in cli_server.get("/api/v1/apis").json()["items"]}
    assert apis == {
        "case-events": "asyncapi",
        "case-summary-api": "openapi",
        "decision-api": "openapi",
    }


API = """\
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: orders}
spec:
  type: service
  lifecycle: production
  owner: payments-team
  providesApis: [orders-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: orders-api}
spec:
  type: openapi
  lifecycle: production
  owner: payments-team
  definition:
    $text: %s
"""
OPENAPI = """\
openapi: 3.0.3
info: {title: Orders, version: "1"}
paths:
  /orders/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: an order
          content:
            application/json:
              schema:
                type: object
                properties: {id: {type: string}, total: {type: number}}
"""


@pytest.fixture
def http_files() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A local HTTP server answering GET with ``files[path]`` (404 otherwise)."""
    files: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", files
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_an_api_definition_becomes_a_contract_of_its_provider(
    tmp_path: Path, cli_server: TestClient
) -> None:
    (tmp_path / "orders.yaml").write_text(OPENAPI)
    descriptor = tmp_path / "c.yaml"
    descriptor.write_text(TEAM + API % "./orders.yaml")
    invoke("catalog", "import", str(descriptor))  # no version of orders yet: a warning
    assert cli_server.put("/api/v1/services/orders/versions/1.0.0", json={}).status_code == 200
    code, out, _ = invoke("catalog", "import", str(descriptor))
    assert code == 0
    assert "contracts from API definitions: orders/orders-api 1.0.0 (created)" in out
    contract = cli_server.get("/api/v1/services/orders/contracts/orders-api").json()
    assert contract["kind"] == "openapi"
    proposed = yaml.safe_load(OPENAPI)
    del proposed["paths"]["/orders/{id}"]["get"]["responses"]["200"]["content"]
    impact = cli_server.post(
        "/api/v1/impact",
        json={"provider": "orders", "contract": "orders-api", "document": proposed},
    ).json()
    assert impact["comparedWith"] == "1.0.0"


def test_a_definition_without_a_provider_version_is_reported(
    tmp_path: Path, cli_server: TestClient
) -> None:
    (tmp_path / "orders.yaml").write_text(OPENAPI)
    descriptor = tmp_path / "c.yaml"
    descriptor.write_text(TEAM + API % "./orders.yaml")
    code, out, _ = invoke("catalog", "import", str(descriptor))
    assert code == 0
    assert "orders has no registered version yet" in out


def test_url_substitutions_are_fetched_from_allowed_hosts(
    tmp_path: Path,
    cli_server: TestClient,
    http_files: tuple[str, dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host, files = http_files
    files["/specs/orders.yaml"] = OPENAPI.encode()
    descriptor = tmp_path / "c.yaml"
    descriptor.write_text(TEAM + API % f"http://{host}/specs/orders.yaml")
    code, _, err = invoke("catalog", "import", str(descriptor))
    assert code == 2
    assert f"host '{host}' is not allowed" in err and "UNLOCKSTEP_CATALOG_URL_HOSTS" in err
    assert cli_server.get("/api/v1/services").json()["total"] == 0
    monkeypatch.setenv("UNLOCKSTEP_CATALOG_URL_HOSTS", f"example.org, {host}")
    cli_server.put("/api/v1/teams/payments-team", json={})
    cli_server.put("/api/v1/services/orders", json={})
    cli_server.put("/api/v1/services/orders/versions/2.0.0", json={})
    code, out, _ = invoke("catalog", "import", str(descriptor))
    assert code == 0, out
    document = cli_server.get("/api/v1/services/orders/contracts/orders-api/versions/2.0.0")
    assert document.json()["content"] == OPENAPI


def test_url_substitutions_past_the_size_limit_or_missing_are_refused(
    tmp_path: Path,
    cli_server: TestClient,
    http_files: tuple[str, dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host, files = http_files
    files["/big.yaml"] = b"x" * 2048
    monkeypatch.setenv("UNLOCKSTEP_CATALOG_URL_HOSTS", host)
    monkeypatch.setenv("UNLOCKSTEP_CATALOG_URL_MAX_KB", "1")
    descriptor = tmp_path / "c.yaml"
    descriptor.write_text(TEAM + API % f"http://{host}/big.yaml")
    code, _, err = invoke("catalog", "import", str(descriptor))
    assert code == 2
    assert "larger than 1 KiB" in err and "c.yaml" in err
    descriptor.write_text(TEAM + API % f"http://{host}/missing.yaml")
    code, _, err = invoke("catalog", "import", str(descriptor))
    assert code == 2
    assert "answered HTTP 404" in err
    assert "Traceback" not in err


def test_can_i_deploy_verifies_consumers_against_a_catalog_definition(
    tmp_path: Path, cli_server: TestClient
) -> None:
    (tmp_path / "orders.yaml").write_text(OPENAPI)
    descriptor = tmp_path / "c.yaml"
    descriptor.write_text(TEAM + API % "./orders.yaml" + SERVICE % "web")
    api = cli_server
    api.put("/api/v1/environments/production", json={"production": True})
    api.put("/api/v1/teams/payments-team", json={})
    api.put("/api/v1/services/orders", json={"owner": "payments-team"})
    deployed = {"service": "orders", "version": "1.0.0", "environment": "production"}
    assert api.post("/api/v1/deployments", json=deployed).status_code == 201
    code, out, _ = invoke("catalog", "import", str(descriptor))
    assert code == 0 and "orders/orders-api 1.0.0 (created)" in out
    expectation = {
        "expectation": 1,
        "kind": "http",
        "operations": [
            {
                "method": "GET",
                "path": "/orders/{id}",
                "responses": {"200": [{"field": "total", "type": "number"}]},
            }
        ],
    }
    body = {
        "consumer": "web",
        "version": "2.0.0",
        "provider": "orders",
        "contract": "orders-api",
        "document": expectation,
    }
    assert api.post("/api/v1/expectations", json=body).status_code < 300
    answer = api.get(
        "/api/v1/can-i-deploy",
        params=[("service", "web"), ("version", "2.0.0"), ("environment", "production")],
    ).json()
    assert answer["deployable"] is True, answer


@pytest.mark.parametrize(
    ("url", "raw"),
    [
        (
            "https://github.com/OAI/OpenAPI-Specification/blob/main/examples/v3.0/petstore.yaml",
            "https://raw.githubusercontent.com/OAI/OpenAPI-Specification/main/examples/v3.0/petstore.yaml",
        ),
        ("https://github.com/org/repo", "https://github.com/org/repo"),
        (
            "https://petstore.swagger.io/v2/swagger.json",
            "https://petstore.swagger.io/v2/swagger.json",
        ),
    ],
)
def test_github_page_urls_are_read_from_their_raw_file(url: str, raw: str) -> None:
    from unlockstep.cli.catalog import raw_url

    assert raw_url(url) == raw
