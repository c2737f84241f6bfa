"""Protected environments: flag changes there wait for a second person; the kill switch
never waits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from unlockstep.server.app import create_app
from unlockstep.settings import Settings
from unlockstep.store import Store
from unlockstep.store.approval_tables import ChangeRequestRow

ALICE = {"Authorization": "Bearer alice-secret"}
BOB = {"Authorization": "Bearer bob-secret"}
URL = "/api/v1/environments/production/flags/checkout"
FLAG = {
    "state": "ENABLED",
    "variants": {"on": True, "off": False},
    "defaultVariant": "off",
    "metadata": {"owner": "team-a", "type": "release", "expires": "2099-01-01"},
}


@pytest.fixture
def api(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    tokens = {"alice": SecretStr("alice-secret"), "bob": SecretStr("bob-secret")}
    settings = Settings(database_url=f"sqlite:///{tmp_path}/x.db", api_tokens=tokens)
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        client.put("/api/v1/environments/production", json={}, headers=ALICE)
        assert client.put(URL, json={"flag": FLAG}, headers=ALICE).status_code == 201
        protected = client.put(
            "/api/v1/environments/production/protection",
            json={"protected": True, "reason": "four eyes"},
            headers=ALICE,
        )
        assert protected.json()["outcome"] == "protected"
        yield client


def _turn_on(api: TestClient, headers: dict[str, str], **extra: Any) -> Any:
    read = api.get(URL)
    body = {"flag": {**FLAG, "defaultVariant": "on"}, "reason": "launch", **extra}
    return api.put(URL, json=body, headers={**headers, "If-Match": read.headers["ETag"]})


def test_a_flag_change_in_a_protected_environment_waits_for_a_second_person(
    api: TestClient,
) -> None:
    held = _turn_on(api, ALICE)
    assert held.status_code == 202
    request = held.json()
    assert (request["status"], request["requestedBy"], request["action"]) == (
        "pending",
        "alice",
        "flag.put",
    )
    assert api.get(URL).json()["flag"]["defaultVariant"] == "off"  # not applied yet
    pending = api.get("/api/v1/approvals").json()
    assert [r["id"] for r in pending["items"]] == [request["id"]]

    own = api.post(f"/api/v1/approvals/{request['id']}/approve", json={}, headers=ALICE)
    assert own.status_code == 422 and own.json()["error"]["code"] == "self_approval"
    approved = api.post(
        f"/api/v1/approvals/{request['id']}/approve", json={"reason": "ok"}, headers=BOB
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["request"]["decidedBy"] == "bob"
    shown = api.get(URL).json()
    assert shown["flag"]["defaultVariant"] == "on" and shown["updatedBy"] == "bob"
    events = api.get("/api/v1/audit").json()["items"]
    update = next(e for e in events if e["action"] == "flag.update")
    assert update["actor"] == "bob" and "requested by alice" in update["reason"]
    assert any(e["action"] == "approval.approved" and e["actor"] == "bob" for e in events)
    assert any(e["action"] == "approval.requested" and e["actor"] == "alice" for e in events)
    again = api.post(f"/api/v1/approvals/{request['id']}/approve", json={}, headers=BOB)
    assert again.status_code == 409


def test_the_kill_switch_is_never_held_but_turning_it_back_on_is(api: TestClient) -> None:
    killed = api.post("/api/v1/flags/checkout/kill", json={"reason": "incident"}, headers=ALICE)
    assert killed.status_code == 200 and api.get(URL).json()["killed"] is True
    held = _turn_on(api, ALICE, reverseKill=True)
    assert held.status_code == 202 and held.json()["action"] == "flag.unkill"
    assert api.get(URL).json()["killed"] is True
    rejected = api.post(
        f"/api/v1/approvals/{held.json()['id']}/reject", json={"reason": "not yet"}, headers=BOB
    )
    assert rejected.json()["request"]["status"] == "rejected"
    assert api.get(URL).json()["killed"] is True


def test_deletes_imports_and_unprotecting_wait_too(api: TestClient) -> None:
    etag = api.get(URL).headers["ETag"]
    deleted = api.delete(URL, headers={**ALICE, "If-Match": etag})
    assert deleted.status_code == 202 and api.get(URL).status_code == 200
    document = {"flags": {"other": FLAG}}
    imported = api.put(
        "/api/v1/environments/production/flagset", json={"document": document}, headers=ALICE
    )
    assert imported.status_code == 202 and imported.json()["action"] == "flagset.import"
    off = api.put(
        "/api/v1/environments/production/protection", json={"protected": False}, headers=ALICE
    )
    assert off.json()["outcome"] == "requested" and off.json()["protected"] is True
    for request in (deleted.json(), imported.json(), off.json()["request"]):
        response = api.post(f"/api/v1/approvals/{request['id']}/approve", json={}, headers=BOB)
        assert response.status_code == 200, response.text
    assert api.get(URL).status_code == 404
    assert api.get("/api/v1/environments/production/flags/other").status_code == 200
    assert _turn_on_new(api).status_code == 201  # no longer protected


def _turn_on_new(api: TestClient) -> Any:
    return api.put("/api/v1/environments/production/flags/new", json={"flag": FLAG}, headers=BOB)


def test_an_approval_of_a_change_the_flag_has_moved_past_fails_and_stays_pending(
    api: TestClient,
) -> None:
    first = _turn_on(api, ALICE).json()
    api.post("/api/v1/flags/checkout/kill", json={"reason": "incident"}, headers=BOB)
    stale = api.post(f"/api/v1/approvals/{first['id']}/approve", json={}, headers=BOB)
    assert stale.status_code == 412
    assert api.get(URL).json()["killed"] is True
    assert api.get("/api/v1/approvals").json()["items"][0]["status"] == "pending"


def test_a_request_past_its_expiry_is_listed_as_expired_before_anyone_acts_on_it(
    api: TestClient, store: Store
) -> None:
    held = _turn_on(api, ALICE).json()
    with store.session() as session:
        row = session.get(ChangeRequestRow, held["id"])
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    assert api.get("/api/v1/approvals").json()["items"] == []
    expired = api.get("/api/v1/approvals", params={"status": "expired"}).json()["items"]
    assert [(r["id"], r["status"]) for r in expired] == [(held["id"], "expired")]


OLD_SCHEMA = '{"type": "object", "properties": {"id": {"type": "string"}}}'
BREAKING_SCHEMA = (
    '{"type": "object", "properties": {"id": {"type": "string"}, "x": {"type": "string"}},'
    ' "required": ["x"]}'
)
CONTRACT = "/api/v1/services/pay/contracts/events"


def _live_in_production(api: TestClient) -> None:
    api.put("/api/v1/services/pay", json={}, headers=ALICE)
    first = api.put(
        f"{CONTRACT}/versions/1.0.0", json={"content": OLD_SCHEMA, "filename": "e.json"},
        headers=ALICE,
    )  # fmt: skip
    assert first.status_code == 200, first.text
    deployed = api.post(
        "/api/v1/deployments",
        json={"service": "pay", "version": "1.0.0", "environment": "production"},
        headers=ALICE,
    )
    assert deployed.status_code == 201, deployed.text


def test_a_forced_publish_of_a_service_live_in_a_protected_environment_waits_for_a_second_person(
    api: TestClient,
) -> None:
    _live_in_production(api)
    body = {"content": BREAKING_SCHEMA, "filename": "e.json", "force": True, "reason": "agreed"}
    held = api.put(f"{CONTRACT}/versions/2.0.0", json=body, headers=ALICE)
    assert held.status_code == 202, held.text
    request = held.json()
    assert (request["action"], request["environment"], request["target"]) == (
        "contract.publish", "production", "pay/events/2.0.0",
    )  # fmt: skip
    effect = request["payload"]["effect"]  # what approving it would do
    assert effect["outcome"] == "created" and effect["breaking"] >= 1
    versions = api.get(CONTRACT).json()["versions"]
    assert [v["version"] for v in versions] == ["1.0.0"]  # not published yet

    own = api.post(f"/api/v1/approvals/{request['id']}/approve", json={}, headers=ALICE)
    assert own.status_code == 422 and own.json()["error"]["code"] == "self_approval"
    approved = api.post(f"/api/v1/approvals/{request['id']}/approve", json={}, headers=BOB)
    assert approved.status_code == 200, approved.text
    versions = api.get(CONTRACT).json()["versions"]
    assert [(v["version"], v["publishedBy"]) for v in versions][-1] == ("2.0.0", "bob")
    events = api.get("/api/v1/audit").json()["items"]
    forced = next(e for e in events if e["action"] == "contract.version.forced")
    assert forced["actor"] == "bob" and "requested by alice" in forced["reason"]
    assert any(e["action"] == "approval.requested" and e["actor"] == "alice" for e in events)


def test_a_mode_change_of_a_service_live_in_a_protected_environment_waits_too(
    api: TestClient,
) -> None:
    _live_in_production(api)
    held = api.put(f"{CONTRACT}/mode", json={"mode": "NONE", "reason": "migration"}, headers=BOB)
    assert held.status_code == 202, held.text
    request = held.json()
    assert request["action"] == "contract.mode"
    assert request["payload"]["effect"] == {"from": "BACKWARD", "to": "NONE"}
    assert api.get(CONTRACT).json()["mode"] == "BACKWARD"
    approved = api.post(f"/api/v1/approvals/{request['id']}/approve", json={}, headers=ALICE)
    assert approved.status_code == 200, approved.text
    assert api.get(CONTRACT).json()["mode"] == "NONE"
    events = api.get("/api/v1/audit").json()["items"]
    changed = next(e for e in events if e["action"] == "contract.mode_changed")
    assert changed["actor"] == "alice" and "requested by bob" in changed["reason"]


def test_a_forced_publish_of_a_service_live_nowhere_protected_applies_at_once(
    api: TestClient,
) -> None:
    api.put("/api/v1/services/pay", json={}, headers=ALICE)
    first = {"content": OLD_SCHEMA, "filename": "e.json"}
    assert api.put(f"{CONTRACT}/versions/1.0.0", json=first, headers=ALICE).status_code == 200
    body = {"content": BREAKING_SCHEMA, "filename": "e.json", "force": True, "reason": "agreed"}
    assert api.put(f"{CONTRACT}/versions/2.0.0", json=body, headers=ALICE).status_code == 200
