"""`unlockstep usage …` and `unlockstep deprecations` through the server: text and JSON,
with the same exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.server.otlp_export import otlp_sum
from unlockstep.cli.main import cli

CONTRACT = Path(__file__).resolve().parents[1] / "fixtures/expectations/contracts"
OPERATION = "GET /cases/{caseId}/summary"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout


def report(api: TestClient, consumer: str, version: str, amount: float, **extra: str) -> None:
    now = datetime.now(UTC)
    attributes = {"unlockstep.consumer": consumer, "unlockstep.api.version": version, **extra}
    points = [(attributes, now - timedelta(minutes=1), 0.0), (attributes, now, amount)]
    document = otlp_sum(
        "case-service", "unlockstep.api.requests", points, start=now - timedelta(hours=1)
    )
    assert api.post("/otlp/v1/metrics", json=document).status_code == 200


def test_usage_show_lists_each_series_with_its_amount(cli_server: TestClient) -> None:
    report(cli_server, "dashboard-service", "v1", 4)
    report(cli_server, "mobile-bff", "v2", 9)
    code, out = run("usage", "show", "api_requests_total", "--service", "case-service")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["METRIC", "SERIES"]
    assert "consumer=mobile-bff" in lines[1] and " 9 " in lines[1]
    assert "consumer=dashboard-service" in lines[2] and " 4 " in lines[2]
    code, out = run("usage", "show", "--consumer", "mobile-bff", "--format", "json")
    assert code == 0
    [line] = json.loads(out)["lines"]
    assert (line["labels"]["version"], line["amount"]) == ("v2", 9.0)


def test_usage_zero_exits_1_while_the_selector_is_used_or_unknown(cli_server: TestClient) -> None:
    code, out = run("usage", "zero", 'api_requests_total{version="v1"}')
    assert code == 1 and "no usage source knows" in out
    report(cli_server, "dashboard-service", "v1", 4)
    code, out = run("usage", "zero", 'api_requests_total{version="v1"}', "--format", "json")
    assert code == 1
    body = json.loads(out)
    assert (body["source"], body["zeroDays"]) == ("usage-store", 0)


def test_deprecations_name_who_still_uses_a_deprecated_field(cli_server: TestClient) -> None:
    cli_server.put("/api/v1/services/case-service", json={"owner": None})
    content = (CONTRACT / "case-summary-api.1.4.0.yaml").read_text()
    put = cli_server.put(
        "/api/v1/services/case-service/contracts/case-summary-api/versions/1.4.0",
        json={"content": content},
    )
    assert put.status_code < 300, put.text
    report(
        cli_server, "audit-report-service", "v1", 6,
        **{"http.request.method": "GET", "http.route": "/cases/{caseId}/summary",
           "unlockstep.field": "legacyRiskScore"},
    )  # fmt: skip
    code, out = run("deprecations", "--format", "json")
    assert code == 0
    items = {(i["element"], i["field"]): i for i in json.loads(out)["items"]}
    legacy = items[(OPERATION, "/legacyRiskScore")]
    assert legacy["sunset"] == "2026-08-05" and legacy["inUse"]
    assert [(u["consumer"], u["amount"]) for u in legacy["users"]] == [
        ("audit-report-service", 6.0)
    ]
    assert items[(OPERATION, "/internalNotes")]["users"] == []
    code, out = run("deprecations", "--in-use")
    assert code == 0
    assert "legacyRiskScore" in out and "audit-report-service 6 (last " in out
    assert "internalNotes" not in out
