"""The expectation commands: exit codes, text and JSON output, on the demo story."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "tests" / "fixtures" / "expectations"
CONTRACTS = ESTATE / "contracts"


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def estate(cli_server: TestClient) -> TestClient:
    for service in ("case-service", "dashboard-service", "audit-report-service"):
        cli_server.put(f"/api/v1/services/{service}", json={})
    cli_server.put("/api/v1/environments/production", json={"production": True})
    for version in ("1.4.0", "1.5.0"):
        content = (CONTRACTS / f"case-summary-api.{version}.yaml").read_text(encoding="utf-8")
        path = f"/api/v1/services/case-service/contracts/case-summary-api/versions/{version}"
        response = cli_server.put(path, json={"content": content, "mode": "NONE"})
        assert response.status_code == 200, response.text
    for consumer, version in (("dashboard-service", "5.7.0"), ("audit-report-service", "1.9.0")):
        code, _, err = run(
            "expectation",
            "publish",
            "--consumer",
            consumer,
            "--version",
            version,
            "--provider",
            "case-service",
            "--contract",
            "case-summary-api",
            ESTATE / f"{consumer}.case-summary.yaml",
        )
        assert code == 0, err
        cli_server.post(
            "/api/v1/releases",
            json={"service": consumer, "version": version, "environment": "production"},
        )
    return cli_server


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_can_i_deploy_exits_1_for_no_in_every_format(estate: TestClient, fmt: str) -> None:
    code, out, _ = run(
        "can-i-deploy",
        "--service",
        "case-service",
        "--version",
        "1.5.0",
        "--to",
        "production",
        "--format",
        fmt,
    )
    assert code == 1
    if fmt == "json":
        assert json.loads(out)["answer"] == "no"
    else:
        assert out.startswith("can-i-deploy case-service 1.5.0 to production: NO")
        assert "audit-report-service 1.9.0 (released in production)" in out


def test_can_i_deploy_exits_0_only_for_yes(estate: TestClient) -> None:
    code, out, _ = run(
        "can-i-deploy",
        "--service",
        "case-service",
        "--version",
        "1.4.0",
        "--to",
        "production",
        "--format",
        "json",
    )
    assert (code, json.loads(out)["answer"]) == (0, "yes")


def test_retry_while_unknown_gives_up_at_the_timeout(estate: TestClient) -> None:
    estate.put("/api/v1/services/case-service/versions/9.9.9", json={})
    code, out, err = run(
        "can-i-deploy",
        "--service",
        "case-service",
        "--version",
        "9.9.9",
        "--to",
        "production",
        "--retry-while-unknown",
        "--retry-interval",
        "0",
        "--timeout",
        "0",
    )
    assert code == 1
    assert "UNKNOWN" in out
    assert "still unknown" in err


def test_a_version_without_a_service_is_a_usage_error(estate: TestClient) -> None:
    code, _, err = run(
        "can-i-deploy", "--service", "a", "--service", "b", "--version", "1", "--to", "production"
    )
    assert code == 2
    assert "one --version per --service" in err


def test_impact_exits_1_and_names_who_reads_removed_fields(estate: TestClient) -> None:
    code, out, _ = run(
        "impact",
        "--service",
        "case-service",
        "--name",
        "case-summary-api",
        "--against",
        "1.4.0",
        CONTRACTS / "case-summary-api.1.5.0.yaml",
    )
    assert code == 1
    assert "✗ audit-report-service 1.9.0" in out
    assert "/legacyRiskScore: read by audit-report-service 1.9.0" in out


def test_matrix_and_consumers_answer_in_text_and_json(estate: TestClient) -> None:
    code, out, _ = run("matrix", "--status", "failed", "--format", "json")
    assert code == 0
    assert [r["consumer"] for r in json.loads(out)["items"]] == ["audit-report-service"]
    code, out, _ = run("consumers", "--service", "case-service")
    assert code == 0
    assert "audit-report-service" in out and "2026-08-05" in out


def test_offline_verify_needs_no_server_and_exits_1_on_failure() -> None:
    code, out, _ = run(
        "expectation",
        "verify",
        ESTATE / "audit-report-service.case-summary.yaml",
        CONTRACTS / "case-summary-api.1.5.0.yaml",
    )
    assert code == 1
    assert "strict reader rejects this unknown field" in out
    code, _, _ = run(
        "expectation",
        "verify",
        ESTATE / "dashboard-service.case-summary.yaml",
        CONTRACTS / "case-summary-api.1.5.0.yaml",
    )
    assert code == 0


def test_a_broken_file_is_reported_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("expectation: 1\nkind: [http\n", encoding="utf-8")
    code, _, err = run("expectation", "verify", bad, CONTRACTS / "case-summary-api.1.5.0.yaml")
    assert code == 2
    assert f"{bad}:3" in err or f"{bad}:2" in err


def test_a_reported_provider_test_result_turns_unknown_into_yes(estate: TestClient) -> None:
    estate.put("/api/v1/services/case-service/versions/2.0.0", json={})
    code, _, _ = run("can-i-deploy", "--service", "case-service", "--version", "2.0.0",
                     "--to", "production")  # fmt: skip
    assert code == 1
    for consumer, version in (("dashboard-service", "5.7.0"), ("audit-report-service", "1.9.0")):
        code, out, err = run(
            "verification", "record", "--consumer", consumer, "--consumer-version", version,
            "--provider", "case-service", "--provider-version", "2.0.0",
            "--contract", "case-summary-api", "--success", "--build-url", "https://ci/7",
        )  # fmt: skip
        assert code == 0, err
        assert "verified by provider-test" in out
    code, out, _ = run("can-i-deploy", "--service", "case-service", "--version", "2.0.0",
                       "--to", "production", "--format", "json")  # fmt: skip
    assert code == 0
    evidence = json.loads(out)["integrations"][0]["versions"][0]["evidence"][0]
    assert (evidence["source"], evidence["buildUrl"]) == ("provider-test", "https://ci/7")


def test_a_pact_file_is_published_like_the_yaml_format(estate: TestClient) -> None:
    pact = ROOT / "tests" / "fixtures" / "pact" / "v2-http.json"
    code, out, err = run(
        "expectation", "publish", "--consumer", "dashboard-service", "--version", "5.9.0",
        "--provider", "case-service", "--contract", "case-summary-api", pact,
    )  # fmt: skip
    assert code == 0, err
    assert "pact-v2, tolerant reader" in out
    assert "against case-service 1.4.0" in out


def test_offline_verify_counts_the_failing_elements_not_only_the_checked() -> None:
    code, out, _ = run(
        "expectation",
        "verify",
        ESTATE / "audit-report-service.case-summary.yaml",
        CONTRACTS / "case-summary-api.1.5.0.yaml",
    )
    assert code == 1
    first = out.splitlines()[0]
    problems = [line for line in out.splitlines()[1:] if "(warning)" not in line]
    assert first.endswith(f": failed ({len(problems)} problem(s) in 8 elements checked)")


def test_a_pact_file_names_its_consumer_and_provider_and_the_contract_is_found(
    estate: TestClient,
) -> None:
    pact = ROOT / "tests" / "fixtures" / "pact" / "v3-http.json"
    code, out, err = run("expectation", "publish", "--version", "2.0.0", pact)
    assert code == 0, err
    assert out.splitlines()[0].startswith(
        "audit-report-service 2.0.0 → case-service case-summary-api"
    )
    assert "contract case-summary-api: the only HTTP (OpenAPI) contract case-service has" in out


def test_a_new_pact_consumer_is_registered_and_the_output_says_so(
    estate: TestClient, tmp_path: Path
) -> None:
    document = json.loads((ROOT / "tests" / "fixtures" / "pact" / "v2-http.json").read_text())
    document["consumer"]["name"] = "mobile-bff"
    pact = tmp_path / "mobile.json"
    pact.write_text(json.dumps(document), encoding="utf-8")
    code, out, err = run("expectation", "publish", "--version", "1.0.0", pact)
    assert code == 0, err
    assert "registered mobile-bff as a new service" in out
    code, out, _ = run("expectation", "publish", "--version", "1.0.0", pact, "--format", "json")
    assert code == 0
    body = json.loads(out)
    assert (body["consumerRegistered"], body["contractChosenBy"] is not None) == (False, True)


def test_a_yaml_expectation_without_a_consumer_is_a_usage_error(estate: TestClient) -> None:
    code, _, err = run(
        "expectation", "publish", "--version", "1.0.0", "--provider", "case-service",
        ESTATE / "dashboard-service.case-summary.yaml",
    )  # fmt: skip
    assert code == 2
    assert "name the consumer" in err


def test_json_output_is_the_wire_shape(estate: TestClient) -> None:
    code, out, _ = run("consumers", "--service", "case-service", "--format", "json")
    assert code == 0
    [contract] = json.loads(out)["contracts"]
    assert "currentVersion" in contract
    version = contract["consumers"][0]["versions"][0]
    assert {"verifiedAgainst", "usesDeprecatedFields", "migrationDue"} <= set(version)
