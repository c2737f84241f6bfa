"""The negative authorisation matrix (issue 14): every write endpoint of the app, enumerated
from the app's routes, refuses every principal that may not make the change, with the pinned
error body and nothing changed; then the principal that may makes it, audited under its name.

A write endpoint added without a row here fails ``test_every_write_endpoint_is_in_the_matrix``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import SecretStr

from unlockstep.server.app import create_app
from unlockstep.services import tokens
from unlockstep.settings import Settings
from unlockstep.store import Store
from unlockstep.store.tables import utcnow

REPO = Path(__file__).resolve().parents[2]
ESTATE = REPO / "examples" / "estate"
ROOT = "root-secret-for-the-matrix"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}

#: POST routes that change nothing (they compute an answer); docs/security.md lists them.
#: OFREP evaluation is excluded by its path.
PUBLIC = {
    ("POST", "/api/v1/services/{service}/contracts/{name}/check"),
    ("POST", "/api/v1/impact"),
    ("POST", "/api/v1/policies/check"),
    ("POST", "/api/v1/environments/{environment}/capability-sets/{name}"),
    # a push client's acknowledgement changes only the server's in-memory view of its stream
    ("POST", "/api/v1/environments/{environment}/flag-sync/ack"),
}
#: Writes any valid token may make (the SDK's evaluation counts and OTLP exports, sent with
#: a read token).
ANY_TOKEN = {("POST", "/api/v1/flag-evaluations"), ("POST", "/otlp/v1/metrics")}
#: Writes any team's write token may make (a one-off analysis run records only itself).
ANY_WRITE_TOKEN = {("POST", "/api/v1/analysis-runs")}

NO_TOKEN = {
    "error": {
        "code": "unauthorized",
        "message": "this server requires an API token",
        "hint": "send 'Authorization: Bearer <token>' (the CLI reads UNLOCKSTEP_TOKEN)",
    }
}
BAD_TOKEN = {
    "error": {
        "code": "unauthorized",
        "message": "the API token is unknown, revoked or expired",
        "hint": "send a current token as 'Authorization: Bearer <token>'",
    }
}


@dataclass
class Write:
    """One write request, aimed at something ``owner`` owns (``None``: admin only)."""

    method: str
    route: str
    path: str
    owner: str | None
    body: Callable[[TestClient], Any] = lambda _: None
    headers: Callable[[TestClient], dict[str, str]] = lambda _: {}


def _flag(api: TestClient, env: str, key: str) -> dict[str, Any]:
    body: dict[str, Any] = api.get(f"/api/v1/environments/{env}/flags/{key}").json()["flag"]
    return body


def _if_match(api: TestClient, env: str, key: str) -> dict[str, str]:
    return {"If-Match": api.get(f"/api/v1/environments/{env}/flags/{key}").json()["etag"]}


def _held_change(api: TestClient, note: str) -> dict[str, Any]:
    """Ask, as root, for a change of ``FLAG`` in protected production (it stays killed)."""
    flag = _flag(api, "production", FLAG)
    body = {"flag": {**flag, "metadata": {**flag.get("metadata", {}), "note": note}}}
    headers = {"Authorization": f"Bearer {ROOT}", **_if_match(api, "production", FLAG)}
    held = api.put(f"/api/v1/environments/production/flags/{FLAG}", json=body, headers=headers)
    assert held.status_code == 202, held.text
    return {"reason": "matrix"}


def _contract(api: TestClient) -> dict[str, Any]:
    index = yaml.safe_load((ESTATE / "expectations" / "index.yaml").read_text())
    item = next(c for c in index["contracts"] if c["name"] == "case-events")
    path = ESTATE / "expectations" / item["file"]
    return {"content": path.read_text(), "filename": path.name}


def _plan(_: TestClient) -> dict[str, Any]:
    from unlockstep.cli.plans import submission

    body: dict[str, Any] = submission(str(ESTATE / "plans" / "risk-explanation.yaml"))
    return body


def _expectation(_: TestClient) -> dict[str, Any]:
    document = yaml.safe_load(
        (ESTATE / "expectations" / "notification-service.case-events.yaml").read_text()
    )
    return {
        "consumer": "notification-service", "version": "9.9.0", "provider": "case-service",
        "contract": "case-events", "document": document,
    }  # fmt: skip


def _rollout(_: TestClient) -> dict[str, Any]:
    check = {
        "name": "errors", "provider": {"web": {"url": "http://127.0.0.1:9/x", "jsonPath": "$.e"}},
        "successCondition": "result < 1", "initialDelay": "1h",
    }  # fmt: skip
    return {"rollout": {
        "flag": "risk.explanation.display", "environment": "staging", "stages": [5, 100],
        "analysis": {"name": "matrix", "checks": [check]},
    }}  # fmt: skip


def _safety_nets(_: TestClient) -> dict[str, Any]:
    path = ESTATE / "safety-nets" / "case-service.yaml"
    text = path.read_text().replace("Every escalated case", "Each escalated case")  # a change
    return {"document": text, "filename": path.name, "base": str(path.parent)}


CASE, MESSAGING = "case-platform-team", "messaging-team"
FLAG = "risk.explanation.write"  # owned by case-platform-team
#: In the order the allowed writes run (a release before its end of support, …).
MATRIX = [
    Write("PUT", "/api/v1/teams/{name}", f"/api/v1/teams/{CASE}", None,
          lambda _: {"description": "changed"}),
    Write("PUT", "/api/v1/services/{name}", "/api/v1/services/case-service", CASE,
          lambda _: {"owner": CASE, "description": "changed"}),
    Write("PUT", "/api/v1/services/{name}/versions/{number}",
          "/api/v1/services/case-service/versions/9.9.1", CASE, lambda _: {}),
    Write("PUT", "/api/v1/environments/{name}", "/api/v1/environments/staging", None,
          lambda _: {"description": "changed"}),
    Write("POST", "/api/v1/deployments", "/api/v1/deployments", CASE,
          lambda _: {"service": "case-service", "version": "9.9.1", "environment": "staging"}),
    Write("POST", "/api/v1/releases", "/api/v1/releases", CASE,
          lambda _: {"service": "case-service", "version": "9.9.2", "environment": "staging"}),
    Write("POST", "/api/v1/support-ended", "/api/v1/support-ended", CASE,
          lambda _: {"service": "case-service", "version": "9.9.2", "environment": "staging"}),
    Write("POST", "/api/v1/undeployments", "/api/v1/undeployments", CASE,
          lambda _: {"service": "case-service", "environment": "staging"}),
    Write("POST", "/api/v1/catalog/import", "/api/v1/catalog/import", None,
          lambda _: {"locations": ["matrix.yaml"], "entities": [
              {"kind": "team", "name": "matrix-team", "location": "matrix.yaml"}]}),
    Write("PUT", "/api/v1/services/{service}/contracts/{name}/versions/{version}",
          "/api/v1/services/case-service/contracts/case-events/versions/9.9.3", CASE, _contract),
    Write("POST", "/api/v1/expectations", "/api/v1/expectations", MESSAGING, _expectation),
    Write("POST", "/api/v1/verifications", "/api/v1/verifications", CASE,
          lambda _: {"consumer": "notification-service", "consumer_version": "9.9.0",
                     "provider": "case-service", "provider_version": "9.9.3",
                     "contract": "case-events", "success": True}),
    Write("POST", "/api/v1/plans", "/api/v1/plans", CASE, _plan),
    Write("PUT", "/api/v1/environments/{environment}/flags/{key}",
          f"/api/v1/environments/staging/flags/{FLAG}", CASE,
          lambda api: {"flag": {**_flag(api, "staging", FLAG), "state": "DISABLED"}},
          headers=lambda api: _if_match(api, "staging", FLAG)),
    Write("PUT", "/api/v1/environments/{environment}/flagset",
          "/api/v1/environments/staging/flagset", CASE,
          lambda api: {"document": {"flags": {FLAG: {**_flag(api, "staging", FLAG),
                                                     "state": "ENABLED"}}}}),
    Write("POST", "/api/v1/flags/{key}/kill", f"/api/v1/flags/{FLAG}/kill", CASE,
          lambda _: {"reason": "matrix"}),
    Write("DELETE", "/api/v1/environments/{environment}/flags/{key}",
          f"/api/v1/environments/staging/flags/{FLAG}", None,
          headers=lambda api: _if_match(api, "staging", FLAG)),
    Write("POST", "/api/v1/tokens", "/api/v1/tokens", None,
          lambda _: {"name": "new-token", "team": CASE, "scopes": ["write"]}),
    Write("DELETE", "/api/v1/tokens/{name}", "/api/v1/tokens/spare", None),
    Write("PUT", "/api/v1/environments/{name}/protection",
          "/api/v1/environments/production/protection", None,
          lambda _: {"protected": True, "reason": "matrix"}),
    # change requests #1 and #2, asked for by root in production (protected above)
    Write("POST", "/api/v1/approvals/{request_id}/approve", "/api/v1/approvals/1/approve", CASE,
          lambda api: _held_change(api, "one")),
    Write("POST", "/api/v1/approvals/{request_id}/reject", "/api/v1/approvals/2/reject", CASE,
          lambda api: _held_change(api, "two")),
    Write("PUT", "/api/v1/services/{service}/contracts/{name}/mode",
          "/api/v1/services/case-service/contracts/case-events/mode", None,
          lambda _: {"mode": "FULL", "reason": "matrix"}),
    # rollout #1, of a flag dashboard-team owns; its analysis waits an hour, so the
    # controller writes nothing while the matrix runs
    Write("POST", "/api/v1/rollouts", "/api/v1/rollouts", "dashboard-team", _rollout),
    Write("POST", "/api/v1/rollouts/{rollout_id}/{verb}", "/api/v1/rollouts/1/abort",
          "dashboard-team", lambda _: {"reason": "matrix"}),
    Write("PUT", "/api/v1/safety-nets/{service}", "/api/v1/safety-nets/case-service", CASE,
          _safety_nets),
    Write("POST", "/api/v1/invariants/{name}/runs",
          "/api/v1/invariants/escalated-cases-have-a-basis/runs", CASE),
    # the demo's seeded discrepancies are #1 and #2
    Write("POST", "/api/v1/reconciliations/{name}/runs",
          "/api/v1/reconciliations/legacy-cases/runs", CASE),
    Write("POST", "/api/v1/discrepancies/{discrepancy_id}/resolve",
          "/api/v1/discrepancies/1/resolve", CASE, lambda _: {"reason": "matrix"}),
    Write("PUT", "/api/v1/policies", "/api/v1/policies", None,
          lambda _: {"modules": [{"name": "m.rego",
                                  "text": 'package m\n\ndeny contains "x" if { false }\n'}]}),
    Write("PUT", "/api/v1/calendar/{environment}/{name}", "/api/v1/calendar/staging/matrix",
          None, lambda _: {"kind": "risky", "timezone": "UTC", "days": ["sun"]}),
    Write("DELETE", "/api/v1/calendar/{environment}/{name}", "/api/v1/calendar/staging/matrix",
          None),
    Write("POST", "/api/v1/calendar/exceptions", "/api/v1/calendar/exceptions", None,
          lambda _: {"environment": "staging", "service": "case-service", "owner": CASE,
                     "reason": "matrix", "expiresAt": "2999-01-01T00:00:00Z"}),
]  # fmt: skip

#: What a refused write must leave as it was.
SNAPSHOT = [
    "/api/v1/audit?limit=1",
    "/api/v1/teams",
    "/api/v1/services",
    "/api/v1/services/case-service",
    "/api/v1/environments",
    "/api/v1/environments/staging",
    "/api/v1/services/case-service/contracts",
    "/api/v1/flags?limit=500",
    "/api/v1/plans",
    "/api/v1/matrix?limit=500",
    "/api/v1/tokens",
    "/api/v1/policies/versions",
    "/api/v1/calendar?at=2026-01-01T00:00:00Z",
    "/api/v1/calendar/exceptions",
]


@dataclass
class Estate:
    api: TestClient
    secrets: dict[str, str]

    def snapshot(self) -> list[Any]:
        auth = self.auth("root")
        return [self.api.get(url, headers=auth).json() for url in SNAPSHOT]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[who]}"}


@pytest.fixture
def guarded(estate: TestClient, store: Store) -> Iterator[Estate]:
    """The demo estate behind a server that requires tokens: a bootstrap admin, a write token
    per team, a read token, an expired write token and a spare to revoke."""
    # no background jobs: a scheduled run would write between a refusal and its snapshot
    settings = Settings(api_tokens={"root": SecretStr(ROOT)}, worker=False)
    created: dict[str, str] = {"root": ROOT}

    def make(name: str, team: str | None, scope: str, **kw: Any) -> None:
        made = tokens.create_token(store, settings, "root", name, team=team, scopes=[scope], **kw)
        created[name] = made.secret

    for team in (CASE, MESSAGING, "dashboard-team"):
        make(f"w-{team}", team, "write")
    make("reader", CASE, "read")
    past = utcnow() - timedelta(days=2)
    make("expired", CASE, "write", expires_at=past + timedelta(days=1), now=past)
    make("spare", CASE, "read")
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as api:
        yield Estate(api, created)


def _write_routes() -> set[tuple[str, str]]:
    """Every route of the app (its OpenAPI document lists them all, included routers too)."""
    app = create_app(Settings(database_url="sqlite://"))
    found = set()
    for path, operations in app.openapi()["paths"].items():
        # protocol adapters with their own error bodies (tests/server/test_confluent_api.py)
        if not path.startswith(("/ofrep/", "/confluent/")):
            found |= {(m.upper(), path) for m in operations if m.upper() in WRITES}
    assert found, "no write routes found"
    return found - PUBLIC - ANY_TOKEN - ANY_WRITE_TOKEN


def test_every_write_endpoint_is_in_the_matrix() -> None:
    assert _write_routes() == {(w.method, w.route) for w in MATRIX}


def _other_team(owner: str | None) -> str:
    return "w-dashboard-team" if owner != "dashboard-team" else f"w-{CASE}"


def test_every_write_refuses_whoever_may_not_and_changes_nothing(guarded: Estate) -> None:
    api = guarded.api
    for write in MATRIX:
        body, extra = write.body(api), write.headers(api)
        before = guarded.snapshot()
        cases: list[tuple[str, dict[str, str], int, dict[str, Any] | None]] = [
            ("no token", {}, 401, NO_TOKEN),
            ("wrong token", {"Authorization": "Bearer not-a-token"}, 401, BAD_TOKEN),
            ("expired token", guarded.auth("expired"), 401, BAD_TOKEN),
            ("read token", guarded.auth("reader"), 403, None),
            ("another team's write token", guarded.auth(_other_team(write.owner)), 403, None),
        ]
        if write.owner is None:  # admin only: the owning team's write token is refused too
            cases.append(("a write token", guarded.auth(f"w-{CASE}"), 403, None))
        for label, headers, status, pinned in cases:
            sent = api.request(write.method, write.path, json=body, headers={**extra, **headers})
            where = f"{write.method} {write.path} with {label}"
            assert sent.status_code == status, (where, sent.text)
            if pinned is not None:
                assert sent.json() == pinned, where
            else:
                error = sent.json()["error"]
                assert set(error) == {"code", "message", "hint"}, where
                assert error["code"] == "forbidden", where
                assert error["message"].startswith("token '"), where
        assert guarded.snapshot() == before, f"{write.method} {write.path} changed something"

        # ... and whoever may (the owning team, else an admin) makes it, audited by name.
        who = f"w-{write.owner}" if write.owner else "root"
        audit_before = api.get("/api/v1/audit?limit=1", headers=guarded.auth("root")).json()
        done = api.request(
            write.method, write.path, json=body, headers={**extra, **guarded.auth(who)}
        )
        assert done.status_code < 300, (write.method, write.path, done.text)
        events = api.get("/api/v1/audit?limit=500", headers=guarded.auth("root")).json()
        new = events["items"][: events["total"] - audit_before["total"]]
        assert new, f"{write.method} {write.path} wrote no audit event"
        assert {e["actor"] for e in new} == {who}, (write.method, write.path)


def test_evaluation_counts_need_a_valid_token_and_change_nothing_without_one(
    guarded: Estate,
) -> None:
    api = guarded.api
    body = {"environment": "production", "counts": [
        {"flag": FLAG, "variant": "on", "reason": "STATIC", "count": 5}]}  # fmt: skip
    debt = "/api/v1/flag-debt?environment=production"
    before = api.get(debt).json()
    for headers, pinned in [
        ({}, NO_TOKEN),
        ({"Authorization": "Bearer not-a-token"}, BAD_TOKEN),
        (guarded.auth("expired"), BAD_TOKEN),
    ]:
        sent = api.post("/api/v1/flag-evaluations", json=body, headers=headers)
        assert (sent.status_code, sent.json()) == (401, pinned)
    assert api.get(debt).json() == before
    sent = api.post("/api/v1/flag-evaluations", json=body, headers=guarded.auth("reader"))
    assert sent.status_code == 202
    assert sent.json()["accepted"] == 5


def test_a_one_off_analysis_run_needs_a_write_token_of_any_team(guarded: Estate) -> None:
    api = guarded.api
    check = {"name": "e", "provider": {"web": {"url": "http://127.0.0.1:9/x", "jsonPath": "$.e",
             "timeout": "1s"}}, "successCondition": "result < 1"}  # fmt: skip
    body = {"analysis": {"name": "ci", "checks": [check]}}
    for headers, status in [
        ({}, 401),
        ({"Authorization": "Bearer not-a-token"}, 401),
        (guarded.auth("reader"), 403),
    ]:
        sent = api.post("/api/v1/analysis-runs", json=body, headers=headers)
        assert sent.status_code == status, sent.text
    sent = api.post("/api/v1/analysis-runs", json=body, headers=guarded.auth(f"w-{MESSAGING}"))
    assert sent.status_code == 201, sent.text
    assert sent.json()["status"] == "inconclusive"  # nothing listens there: never a pass
    events = api.get("/api/v1/audit?limit=1", headers=guarded.auth("root")).json()["items"]
    assert (events[0]["action"], events[0]["actor"]) == ("analysis.inconclusive", f"w-{MESSAGING}")
