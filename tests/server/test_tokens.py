"""API tokens: created and revoked by an admin, stored only as hashes, with a team, scopes and
an expiry; bootstrap tokens from the environment; reads optionally behind a token."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from unlockstep.server.app import create_app
from unlockstep.services import tokens
from unlockstep.settings import Settings
from unlockstep.store import Store
from unlockstep.store.tables import utcnow
from unlockstep.store.token_tables import ApiToken

ROOT = {"Authorization": "Bearer root-secret-0123456789"}


@pytest.fixture
def guarded(store: Store) -> Iterator[TestClient]:
    settings = Settings(api_tokens={"root": SecretStr("root-secret-0123456789")})
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as api:
        api.put("/api/v1/teams/payments", json={}, headers=ROOT)
        api.put("/api/v1/teams/search", json={}, headers=ROOT)
        api.put("/api/v1/services/pay", json={"owner": "payments"}, headers=ROOT)
        api.put("/api/v1/services/find", json={"owner": "search"}, headers=ROOT)
        yield api


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def create(api: TestClient, name: str, team: str | None, *scopes: str, **extra: str) -> str:
    answer = api.post(
        "/api/v1/tokens", json={"name": name, "team": team, "scopes": list(scopes), **extra},
        headers=ROOT,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    secret: str = answer.json()["secret"]
    return secret


def test_a_created_token_is_stored_only_as_its_hash_and_writes_as_its_name(
    guarded: TestClient, store: Store
) -> None:
    secret = create(guarded, "pay-ci", "payments", "write")
    with store.session() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.name == "pay-ci")).one()
        assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in repr([getattr(row, c.key) for c in ApiToken.__table__.columns])
    listed = guarded.get("/api/v1/tokens", headers=ROOT).json()["items"]
    assert [t["name"] for t in listed] == ["pay-ci"]
    assert secret not in str(listed)
    assert listed[0]["team"] == "payments" and listed[0]["scopes"] == ["write"]
    done = guarded.put("/api/v1/services/pay/versions/1.0.0", json={}, headers=bearer(secret))
    assert done.status_code in (200, 201), done.text
    event = guarded.get("/api/v1/audit?limit=1").json()["items"][0]
    assert event["actor"] == "pay-ci"
    created = guarded.get("/api/v1/audit?entity_type=token").json()["items"]
    assert [(e["action"], e["actor"]) for e in created] == [("token.created", "root")]


def test_a_revoked_token_stops_working_at_once_and_the_server_stays_closed(
    guarded: TestClient,
) -> None:
    secret = create(guarded, "pay-ci", "payments", "write")
    assert guarded.delete("/api/v1/tokens/pay-ci", headers=ROOT).json()["revokedAt"]
    refused = guarded.put("/api/v1/services/pay/versions/1.0.0", json={}, headers=bearer(secret))
    assert refused.status_code == 401
    assert guarded.put("/api/v1/services/pay/versions/1.0.0", json={}).status_code == 401


def test_revoking_every_token_does_not_reopen_a_server_without_environment_tokens(
    store: Store,
) -> None:
    with TestClient(create_app(Settings(), store), raise_server_exceptions=False) as api:
        api.put("/api/v1/teams/payments", json={})  # open: no token exists yet
        secret = create_anonymous(api, "admin-1")
        api.delete("/api/v1/tokens/admin-1", headers=bearer(secret))
        assert api.put("/api/v1/teams/other", json={}).status_code == 401


def create_anonymous(api: TestClient, name: str) -> str:
    answer = api.post("/api/v1/tokens", json={"name": name, "scopes": ["admin"]})
    assert answer.status_code == 201, answer.text
    secret: str = answer.json()["secret"]
    return secret


def test_an_expired_token_is_refused(guarded: TestClient, store: Store) -> None:
    settings = Settings()
    past = utcnow() - timedelta(days=3)
    made = tokens.create_token(
        store, settings, "root", "old", team="payments", scopes=["write"],
        expires_at=past + timedelta(days=1), now=past,
    )  # fmt: skip
    answer = guarded.put(
        "/api/v1/services/pay/versions/1.0.0", json={}, headers=bearer(made.secret)
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "the API token is unknown, revoked or expired"


def test_an_expiry_in_the_past_or_an_unknown_team_is_refused_at_creation(
    guarded: TestClient,
) -> None:
    past = (utcnow() - timedelta(days=1)).isoformat()
    body = {"name": "x", "team": "payments", "scopes": ["write"], "expiresAt": past}
    assert guarded.post("/api/v1/tokens", json=body, headers=ROOT).status_code == 422
    body = {"name": "x", "team": "nobody", "scopes": ["write"]}
    assert guarded.post("/api/v1/tokens", json=body, headers=ROOT).status_code == 404
    body = {"name": "x", "scopes": ["write"]}
    assert guarded.post("/api/v1/tokens", json=body, headers=ROOT).status_code == 422
    body = {"name": "root", "scopes": ["admin"]}
    assert guarded.post("/api/v1/tokens", json=body, headers=ROOT).status_code == 409


def test_only_admin_manages_tokens(guarded: TestClient) -> None:
    secret = create(guarded, "pay-ci", "payments", "write")
    assert guarded.get("/api/v1/tokens", headers=bearer(secret)).status_code == 403
    answer = guarded.post(
        "/api/v1/tokens", json={"name": "mine", "scopes": ["admin"]}, headers=bearer(secret)
    )
    assert answer.status_code == 403


# --- ownership ------------------------------------------------------------------------------


def test_a_team_may_create_its_own_service_but_not_take_one_over(guarded: TestClient) -> None:
    secret = create(guarded, "pay-ci", "payments", "write")
    made = guarded.put(
        "/api/v1/services/pay-worker", json={"owner": "payments"}, headers=bearer(secret)
    )
    assert made.status_code == 200, made.text
    grab = guarded.put("/api/v1/services/find", json={"owner": "payments"}, headers=bearer(secret))
    assert grab.status_code == 403
    give = guarded.put("/api/v1/services/pay", json={"owner": "search"}, headers=bearer(secret))
    assert give.status_code == 403
    assert guarded.get("/api/v1/services/pay").json()["owner"] == "payments"
    moved = guarded.put("/api/v1/services/pay", json={"owner": "search"}, headers=ROOT)
    assert moved.status_code == 200
    event = guarded.get("/api/v1/audit?limit=1").json()["items"][0]
    assert (event["actor"], event["before"]["owner"], event["after"]["owner"]) == (
        "root", "payments", "search",
    )  # fmt: skip


def test_changing_a_contracts_mode_needs_admin(guarded: TestClient) -> None:
    secret = create(guarded, "pay-ci", "payments", "write")
    schema = '{"type": "object", "properties": {"id": {"type": "string"}}}'
    url = "/api/v1/services/pay/contracts/payment/versions/{}"
    first = guarded.put(url.format("1.0.0"), json={"content": schema, "filename": "p.json",
                        "mode": "FULL"}, headers=bearer(secret))  # fmt: skip
    assert first.status_code == 200, first.text
    same = guarded.put(url.format("1.0.1"), json={"content": schema, "filename": "p.json",
                       "mode": "FULL"}, headers=bearer(secret))  # fmt: skip
    assert same.status_code == 200, same.text
    relax = guarded.put(url.format("1.0.2"), json={"content": schema, "filename": "p.json",
                        "mode": "NONE"}, headers=bearer(secret))  # fmt: skip
    assert relax.status_code == 403
    assert guarded.get("/api/v1/services/pay/contracts/payment").json()["mode"] == "FULL"


def _flag(owner: str) -> dict[str, object]:
    return {
        "state": "ENABLED", "defaultVariant": "off", "variants": {"on": True, "off": False},
        "metadata": {"owner": owner, "type": "release", "expires": "2099-01-01"},
    }  # fmt: skip


def test_a_team_changes_its_own_flags_only_and_cannot_give_them_away(
    guarded: TestClient,
) -> None:
    guarded.put("/api/v1/environments/production", json={}, headers=ROOT)
    secret = create(guarded, "pay-ci", "payments", "write")
    url = "/api/v1/environments/production/flags/{}"
    mine = guarded.put(
        url.format("pay.fast"), json={"flag": _flag("payments")}, headers=bearer(secret)
    )
    assert mine.status_code == 201, mine.text
    theirs = guarded.put(
        url.format("find.fast"), json={"flag": _flag("search")}, headers=bearer(secret)
    )
    assert theirs.status_code == 403
    etag = {"If-Match": mine.json()["etag"]}
    away = guarded.put(url.format("pay.fast"), json={"flag": _flag("search")},
                       headers={**etag, **bearer(secret)})  # fmt: skip
    assert away.status_code == 403
    prune = guarded.put("/api/v1/environments/production/flagset", headers=bearer(secret),
                        json={"document": {"flags": {}}, "prune": True})  # fmt: skip
    assert prune.status_code == 403
    assert guarded.get(url.format("pay.fast")).status_code == 200


# --- reads and settings ---------------------------------------------------------------------


def test_reads_can_require_a_token(store: Store) -> None:
    settings = Settings(
        api_tokens={"root": SecretStr("root-secret-0123456789")}, require_token_for_reads=True
    )
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as api:
        assert api.get("/api/v1/services").status_code == 401
        assert api.get("/api/v1/services", headers=bearer("nope")).status_code == 401
        assert api.get("/api/v1/services", headers=ROOT).status_code == 200
        reader = create(api, "dash", None, "read")
        assert api.get("/api/v1/services", headers=bearer(reader)).status_code == 200
        assert api.get("/api/v1/health").status_code == 200
        api.put("/api/v1/environments/production", json={}, headers=ROOT)
        sync = "/api/v1/environments/production/flagset"  # the SDK's sync, a fast route
        assert api.get(sync).status_code == 401
        assert api.get(sync, headers=bearer(reader)).status_code == 200


def test_reads_are_open_by_default(guarded: TestClient) -> None:
    assert guarded.get("/api/v1/services").status_code == 200


def test_no_token_anywhere_is_a_logged_warning(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="unlockstep.server.app"):
        create_app(Settings(), store)
    assert any("no API token is configured" in r.message for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="unlockstep.server.app"):
        create_app(Settings(api_tokens={"root": SecretStr("s")}), store)
    assert not any("no API token" in r.message for r in caplog.records)


def test_an_app_started_from_the_environment_with_malformed_tokens_names_no_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from unlockstep.errors import ConfigError

    monkeypatch.setenv("UNLOCKSTEP_API_TOKENS", "ci:first-secret-123,second-secret-456")
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert "item 2 is not name:secret" in str(refused.value)
    assert "secret-123" not in str(refused.value) and "secret-456" not in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_the_openapi_document_declares_the_bearer_scheme_on_writes(guarded: TestClient) -> None:
    document = guarded.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    put = document["paths"]["/api/v1/services/{name}/versions/{number}"]["put"]
    assert put["security"] == [{"apiToken": []}]
    assert "403" in put["responses"]
    refused = guarded.put("/api/v1/services/pay/versions/1.0.0", json={})
    assert refused.headers["WWW-Authenticate"] == "Bearer"


def test_a_pact_file_is_published_only_by_the_team_of_the_consumer_it_names(
    guarded: TestClient,
) -> None:
    secret = create(guarded, "find-ci", "search", "write")
    estate = Path(__file__).resolve().parents[2] / "examples" / "estate" / "expectations"
    pact = json.loads((estate / "pacts" / "mobile-bff-case-service.json").read_text())
    pact["consumer"], pact["provider"] = {"name": "pay"}, {"name": "find"}
    answer = guarded.post(
        "/api/v1/expectations", json={"version": "1.0.0", "document": pact},
        headers=bearer(secret),
    )  # fmt: skip
    assert answer.status_code == 403, answer.text
    assert "'pay'" in answer.json()["error"]["message"]
    assert guarded.get("/api/v1/services/pay/versions/1.0.0").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/api/v1/services/ghost/versions/1.0.0", {}),
        ("POST", "/api/v1/deployments",
         {"service": "ghost", "version": "1.0.0", "environment": "production"}),
        ("POST", "/api/v1/releases",
         {"service": "ghost", "version": "1.0.0", "environment": "production"}),
        ("PUT", "/api/v1/services/ghost/contracts/events/versions/1.0.0",
         {"content": '{"type": "object"}', "filename": "e.json"}),
    ],
)  # fmt: skip
def test_a_team_token_writing_to_a_service_that_does_not_exist_gets_404_like_an_admin(
    guarded: TestClient, method: str, path: str, body: dict[str, object]
) -> None:
    guarded.put("/api/v1/environments/production", json={}, headers=ROOT)
    team = bearer(create(guarded, "pay-ci", "payments", "write"))
    missing = guarded.request(method, path, json=body, headers=team)
    assert missing.status_code == 404, missing.text
    assert missing.json() == guarded.request(method, path, json=body, headers=ROOT).json()
    assert "payments" not in missing.text and "pay-ci" not in missing.text
    reader = bearer(create(guarded, "pay-read", "payments", "read"))
    refused = guarded.request(method, path, json=body, headers=reader)
    assert refused.status_code == 403  # no write scope: refused before anything is looked up
    assert "ghost" not in refused.json()["error"]["hint"]


def test_a_held_forced_publish_is_decided_by_the_services_team_not_another(
    guarded: TestClient,
) -> None:
    guarded.put("/api/v1/environments/production", json={}, headers=ROOT)
    pay = bearer(create(guarded, "pay-ci", "payments", "write"))
    url = "/api/v1/services/pay/contracts/payment/versions/{}"
    old = '{"type": "object", "properties": {"id": {"type": "string"}}}'
    new = '{"type": "object", "properties": {"id": {"type": "integer"}}}'
    assert guarded.put(url.format("1.0.0"), json={"content": old}, headers=pay).status_code == 200
    deployment = {"service": "pay", "version": "1.0.0", "environment": "production"}
    assert guarded.post("/api/v1/deployments", json=deployment, headers=pay).status_code == 201
    protect = {"protected": True, "reason": "four eyes"}
    guarded.put("/api/v1/environments/production/protection", json=protect, headers=ROOT)
    body = {"content": new, "force": True, "reason": "agreed"}
    held = guarded.put(url.format("2.0.0"), json=body, headers=pay)
    assert held.status_code == 202, held.text
    decide = f"/api/v1/approvals/{held.json()['id']}/approve"
    search = bearer(create(guarded, "search-ci", "search", "write"))
    assert guarded.post(decide, json={}, headers=search).status_code == 403
    colleague = bearer(create(guarded, "pay-lead", "payments", "write"))
    approved = guarded.post(decide, json={}, headers=colleague)
    assert approved.status_code == 200, approved.text
