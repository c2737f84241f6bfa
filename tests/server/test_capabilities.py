"""Capability sets (§23) over HTTP: one object of booleans per set and context, with an ETag;
a capability is on exactly when its flag serves ``true``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from unlockstep.core.flags import FlagEngine, capability_sets, evaluate_capabilities, parse_flag_set

from .flag_app import FLAGS

SET = "/api/v1/environments/production/capability-sets"


def _flags() -> dict[str, Any]:
    def member(body: dict[str, Any], capability: str | None, sets: str) -> dict[str, Any]:
        metadata = {**body.get("metadata", {}), "capabilitySets": sets}
        if capability is not None:
            metadata["capability"] = capability
        return {**body, "metadata": metadata}

    flags = dict(FLAGS["flags"])
    flags["decision.submit.v2"] = member(flags["decision.submit.v2"], "canSubmitV2", "ui, api")
    flags["color"] = member(flags["color"], "hasColour", "ui")  # not a boolean: off
    flags["off-flag"] = member(flags["off-flag"], None, "ui")  # disabled: off, named by key
    return {**FLAGS, "flags": flags}


@pytest.fixture
def server(api: TestClient) -> TestClient:
    assert api.put("/api/v1/environments/production", json={}).status_code < 300
    loaded = api.put(
        "/api/v1/environments/production/flagset", json={"document": _flags(), "reason": "t"}
    )
    assert loaded.status_code == 200, loaded.text
    return api


def test_a_set_answers_one_boolean_per_capability_for_the_context(server: TestClient) -> None:
    pilot = server.get(f"{SET}/ui", params={"targetingKey": "case-1", "tenantId": "t-1"})
    assert pilot.status_code == 200
    assert pilot.json() == {
        "set": "ui",
        "environment": "production",
        "capabilities": {"canSubmitV2": True, "hasColour": False, "off-flag": False},
    }
    other = server.get(f"{SET}/ui", params={"tenantId": "t-9"})
    assert other.json()["capabilities"]["canSubmitV2"] is False
    typed = server.post(f"{SET}/api", json={"context": {"targetingKey": "k", "tenantId": "t-2"}})
    assert typed.json()["capabilities"] == {"canSubmitV2": True}


def test_the_etag_answers_304_until_the_capabilities_change(server: TestClient) -> None:
    first = server.get(f"{SET}/ui", params={"tenantId": "t-1"})
    tag = first.headers["ETag"]
    again = server.get(f"{SET}/ui", params={"tenantId": "t-1"}, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert (
        server.post("/api/v1/flags/decision.submit.v2/kill", json={"reason": "t"}).status_code
        == 200
    )
    after = server.get(f"{SET}/ui", params={"tenantId": "t-1"}, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.json()["capabilities"]["canSubmitV2"] is False


def test_the_sets_are_listed_with_the_flag_each_capability_follows(server: TestClient) -> None:
    listed = server.get(SET).json()
    assert listed["sets"] == [
        {"name": "api", "capabilities": {"canSubmitV2": "decision.submit.v2"}, "clashes": []},
        {"name": "ui", "capabilities": {"canSubmitV2": "decision.submit.v2",
                                        "hasColour": "color", "off-flag": "off-flag"},
         "clashes": []},
    ]  # fmt: skip


def test_an_unknown_set_is_not_found(server: TestClient) -> None:
    answer = server.get(f"{SET}/nope")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


def test_two_flags_claiming_one_capability_is_a_clash_the_first_key_wins() -> None:
    on = {"state": "ENABLED", "variants": {"on": True}, "defaultVariant": "on"}
    meta = {"capability": "canX", "capabilitySets": "ui"}
    document = {"flags": {"a": {**on, "metadata": meta}, "b": {**on, "metadata": meta}}}
    flag_set = parse_flag_set(document)
    [found] = capability_sets(flag_set).values()
    assert dict(found.flags) == {"canX": "a"} and found.clashes == ("canX",)
    assert evaluate_capabilities(FlagEngine(flag_set), found, {}) == {"canX": True}
