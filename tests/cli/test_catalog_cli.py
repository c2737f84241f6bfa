from __future__ import annotations

import json
from pathlib import Path

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
    assert "removed from the catalog, kept (use --prune to delete): service:pricing" in out
    code, out, _ = invoke("catalog", "import", str(descriptor), "--prune", "--format", "json")
    assert json.loads(out)["removed"] == ["service:pricing"]
    assert cli_server.get("/api/v1/services/pricing").status_code == 404


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


def test_an_unknown_owner_is_refused_with_the_entity(
    tmp_path: Path, cli_server: TestClient
) -> None:
    descriptor = tmp_path / "c.yaml"
    descriptor.write_text((SERVICE % "orders").replace("payments-team", "ghost-team"))
    code, _, err = invoke("catalog", "import", str(descriptor))
    assert code == 2
    assert "team 'ghost-team' is not registered" in err
    assert cli_server.get("/api/v1/services").json()["total"] == 0


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
