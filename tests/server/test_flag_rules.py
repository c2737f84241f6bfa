"""The server applies ``flags lint``'s rules to every flag write (owner, type and expiry by
default, configurable with ``UNLOCKSTEP_FLAG_RULES``), and a flag stored before a rule was
enforced shows as ``ungoverned`` debt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from unlockstep.server.app import create_app
from unlockstep.settings import Settings
from unlockstep.store import Store

GOVERNED = {
    "state": "ENABLED",
    "variants": {"on": True, "off": False},
    "defaultVariant": "off",
    "metadata": {"owner": "team-a", "type": "release", "expires": "2099-01-01"},
}
BARE = {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "off"}
URL = "/api/v1/environments/production/flags"


def server(store: Store, tmp_path: Path, **settings: Any) -> TestClient:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/x.db", **settings), store)
    client = TestClient(app, raise_server_exceptions=False)
    client.put("/api/v1/environments/production", json={}).raise_for_status()
    return client


@pytest.fixture
def strict(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    with server(store, tmp_path) as client:
        yield client


def test_a_flag_without_owner_type_or_expiry_is_refused_by_default(strict: TestClient) -> None:
    refused = strict.put(f"{URL}/bare", json={"flag": BARE})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "flag_rules"
    assert {d["rule"] for d in error["details"]} == {"owner", "type", "expires"}
    assert strict.get(f"{URL}/bare").status_code == 404
    assert strict.put(f"{URL}/governed", json={"flag": GOVERNED}).status_code == 201


def test_an_update_that_drops_the_owner_is_refused(strict: TestClient) -> None:
    created = strict.put(f"{URL}/governed", json={"flag": GOVERNED})
    metadata = {"type": "release", "expires": "2099-01-01"}
    update = strict.put(
        f"{URL}/governed",
        json={"flag": {**GOVERNED, "metadata": metadata}},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert update.status_code == 422 and "no owner" in update.json()["error"]["message"]


def test_an_import_names_every_flag_that_breaks_the_rules_and_writes_nothing(
    strict: TestClient,
) -> None:
    document = {"flags": {"ok": GOVERNED, "a": BARE, "b": {**BARE, "metadata": {"owner": "x"}}}}
    refused = strict.put("/api/v1/environments/production/flagset", json={"document": document})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert {d["flag"] for d in error["details"]} == {"a", "b"}
    assert "a: " in error["message"] and "b: " in error["message"]
    assert strict.get("/api/v1/flags").json()["total"] == 0


def test_the_rules_are_a_setting(store: Store, tmp_path: Path) -> None:
    with server(store, tmp_path, flag_rules=["owner"]) as client:
        assert client.put(f"{URL}/bare", json={"flag": BARE}).status_code == 422
        owned = {**BARE, "metadata": {"owner": "team-a"}}
        assert client.put(f"{URL}/owned", json={"flag": owned}).status_code == 201
    with server(store, tmp_path, flag_rules=[]) as client:
        assert client.put(f"{URL}/bare", json={"flag": BARE}).status_code == 201


def test_an_unknown_rule_in_the_setting_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNLOCKSTEP_FLAG_RULES", "owner,ownr")
    with pytest.raises(ValidationError, match="ownr"):
        Settings()
    monkeypatch.setenv("UNLOCKSTEP_FLAG_RULES", "")
    assert Settings().flag_rules == []


def test_a_flag_that_slipped_in_before_the_rules_is_ungoverned_debt(
    store: Store, tmp_path: Path
) -> None:
    with server(store, tmp_path, flag_rules=[]) as lenient:
        assert lenient.put(f"{URL}/bare", json={"flag": BARE}).status_code == 201
        assert lenient.put(f"{URL}/governed", json={"flag": GOVERNED}).status_code == 201
    with server(store, tmp_path) as strict:
        debt = strict.get("/api/v1/flag-debt", params={"environment": "production"}).json()
    flags = {d["flag"]: d for debts in debt["owners"].values() for d in debts}
    assert "ungoverned" in flags["bare"]["kinds"]
    assert any("no owner" in reason for reason in flags["bare"]["reasons"])
    assert "ungoverned" not in flags.get("governed", {"kinds": []})["kinds"]
