"""Importing flagd files the way teams split them: several files into one environment, files
with a bad flag, and what the import says it did."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

SEGMENTS: dict[str, Any] = {
    "metadata": {"flagSetId": "checkout", "bucketing": "cbor"},
    "$evaluators": {"segment.tenant.pilot": {"in": [{"var": "tenantId"}, ["t-1"]]}},
    "flags": {
        "pilot": {
            "state": "ENABLED",
            "variants": {"on": True, "off": False},
            "defaultVariant": "off",
            "targeting": {"if": [{"$ref": "segment.tenant.pilot"}, "on", None]},
        },
        "split": {
            "state": "ENABLED",
            "variants": {"a": "a", "b": "b"},
            "defaultVariant": "a",
            "targeting": {"fractional": [["a", 50], ["b", 50]]},
        },
    },
}
OTHER: dict[str, Any] = {
    "flags": {"banner": {"state": "ENABLED", "variants": {"on": True}, "defaultVariant": "on"}}
}


@pytest.fixture
def client(api: TestClient) -> TestClient:
    api.put("/api/v1/environments/production", json={}).raise_for_status()
    return api


def load(client: TestClient, document: dict[str, Any], **options: Any) -> Any:
    return client.put(
        "/api/v1/environments/production/flagset", json={"document": document, **options}
    )


def evaluate(client: TestClient, key: str, context: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/ofrep/v1/evaluate/flags/{key}", json={"context": context})
    body: dict[str, Any] = response.json()
    return body


def test_a_second_file_keeps_the_first_files_evaluators_and_metadata(client: TestClient) -> None:
    load(client, SEGMENTS).raise_for_status()
    users = [f"user-{n}" for n in range(20)]
    before = [evaluate(client, "split", {"targetingKey": u})["variant"] for u in users]
    second = load(client, OTHER).json()
    assert second["created"] == ["banner"]
    assert second["evaluators"] == {"added": [], "changed": [], "removed": []}
    assert second["metadata"] == {"added": [], "changed": [], "removed": []}
    exported = client.get("/api/v1/environments/production/flagset").json()
    assert exported["$evaluators"] == SEGMENTS["$evaluators"]
    assert exported["metadata"] == SEGMENTS["metadata"]
    pilot = evaluate(client, "pilot", {"tenantId": "t-1"})
    assert (pilot["value"], pilot["reason"]) == (True, "TARGETING_MATCH")
    after = [evaluate(client, "split", {"targetingKey": u})["variant"] for u in users]
    assert after == before  # still CBOR bucketing: nobody moved


def test_the_import_says_which_evaluators_changed_and_which_other_flags_that_affects(
    client: TestClient,
) -> None:
    load(client, SEGMENTS).raise_for_status()
    widened = {
        "$evaluators": {
            "segment.tenant.pilot": {"in": [{"var": "tenantId"}, ["t-1", "t-2"]]},
            "segment.region.eu": {"in": [{"var": "region"}, ["eu"]]},
        },
        **OTHER,
    }
    result = load(client, widened).json()
    assert result["evaluators"] == {
        "added": ["segment.region.eu"], "changed": ["segment.tenant.pilot"], "removed": [],
    }  # fmt: skip
    assert result["affected"] == ["pilot"]


def test_a_file_that_switches_bucketing_under_other_flags_is_refused(client: TestClient) -> None:
    load(client, SEGMENTS).raise_for_status()
    response = load(client, {**OTHER, "metadata": {"bucketing": "flagd"}})
    assert response.status_code == 409
    error = response.json()["error"]
    assert "split" in error["message"] and "bucketing" in error["message"]
    assert (
        client.get("/api/v1/environments/production/flagset").json()["metadata"]
        == (SEGMENTS["metadata"])
    )


def test_a_file_without_bucketing_is_told_which_algorithm_its_splits_use(
    client: TestClient,
) -> None:
    load(client, SEGMENTS).raise_for_status()
    ab = copy.deepcopy(SEGMENTS["flags"]["split"])
    result = load(client, {"flags": {"ab": ab}}).json()
    assert any("'cbor'" in note and "ab" in note for note in result["notes"])


def test_prune_makes_the_file_the_whole_environment(client: TestClient) -> None:
    load(client, SEGMENTS).raise_for_status()
    result = load(client, OTHER, prune=True).json()
    assert sorted(result["deleted"]) == ["pilot", "split"]
    assert result["evaluators"]["removed"] == ["segment.tenant.pilot"]
    assert result["metadata"]["removed"] == ["bucketing", "flagSetId"]


BAD: dict[str, Any] = {
    "$evaluators": SEGMENTS["$evaluators"],
    "flags": {
        **OTHER["flags"],
        "typo": {**SEGMENTS["flags"]["pilot"],
                 "targeting": {"if": [{"$ref": "segment.tenant.pliot"}, "on", None]}},
        "no-state": {"variants": {"on": True}, "defaultVariant": "on"},
    },
}  # fmt: skip


def test_a_file_with_bad_flags_is_refused_naming_every_one_and_its_cause(
    client: TestClient,
) -> None:
    response = load(client, BAD)
    assert response.status_code == 422
    error = response.json()["error"]
    assert {d["flag"] for d in error["details"]} == {"typo", "no-state"}
    assert "segment.tenant.pliot" in error["message"] and "state" in error["message"]
    assert "unknown operator" not in error["message"]
    assert "--allow-invalid" in error["hint"]
    assert client.get("/api/v1/flags").json()["total"] == 0


def test_allow_invalid_imports_the_rest_and_serves_the_bad_ones_as_parse_error(
    client: TestClient,
) -> None:
    result = load(client, BAD, allowInvalid=True).json()
    assert sorted(result["created"]) == ["banner", "no-state", "typo"]
    assert [bad["key"] for bad in result["invalid"]] == ["no-state", "typo"]
    assert evaluate(client, "banner", {})["value"] is True
    typo = evaluate(client, "typo", {"tenantId": "t-1"})
    assert typo["errorCode"] == "PARSE_ERROR" and "segment.tenant.pliot" in typo["errorDetails"]
    assert evaluate(client, "no-state", {})["errorCode"] == "PARSE_ERROR"
    listed = {f["key"]: f for f in client.get("/api/v1/flags").json()["items"]}
    assert listed["typo"]["problems"][0]["rule"] == "targeting"
    assert listed["banner"]["problems"] == []


def test_a_killed_flag_is_listed_as_killed_until_someone_explicitly_turns_it_back_on(
    client: TestClient,
) -> None:
    load(client, SEGMENTS).raise_for_status()
    client.post("/api/v1/flags/pilot/kill", json={"reason": "incident"}).raise_for_status()
    listed = {f["key"]: f for f in client.get("/api/v1/flags").json()["items"]}
    assert listed["pilot"]["killed"] is True and listed["split"]["killed"] is False
    read = client.get("/api/v1/environments/production/flags/pilot")
    assert read.json()["killed"] is True
    body = {**read.json()["flag"], "targeting": SEGMENTS["flags"]["pilot"]["targeting"]}
    url = "/api/v1/environments/production/flags/pilot"
    quietly = client.put(
        url, json={"flag": body, "reason": "fixed"}, headers={"If-Match": read.headers["ETag"]}
    )
    assert quietly.status_code == 409 and "reverseKill" in quietly.json()["error"]["hint"]
    written = client.put(
        url,
        json={"flag": body, "reason": "fixed", "reverseKill": True},
        headers={"If-Match": read.headers["ETag"]},
    ).json()
    assert written["killed"] is False and "killed" not in written["flag"].get("metadata", {})


def test_the_export_with_invalid_flags_still_loads_in_flagd_and_serves_them_as_parse_error(
    client: TestClient,
) -> None:
    core = pytest.importorskip("openfeature.contrib.tools.flagd.core")
    from openfeature.evaluation_context import EvaluationContext
    from openfeature.exception import ParseError

    from unlockstep.core.flags import ErrorCode, FlagEngine, parse_flag_set

    load(client, BAD, allowInvalid=True).raise_for_status()
    exported = client.get("/api/v1/environments/production/flagset").json()
    oracle = core.FlagdCore()
    oracle.set_flags(copy.deepcopy(exported))  # one bad flag does not refuse the whole set
    assert oracle.resolve_boolean_value("banner", False, EvaluationContext("u")).value is True
    for key in ("no-state", "typo"):
        with pytest.raises(ParseError):
            oracle.resolve_boolean_value(key, False, EvaluationContext("u"))
    ours = FlagEngine(parse_flag_set(exported)).evaluate("no-state", False)
    assert ours.error_code == ErrorCode.PARSE_ERROR and "state is missing" in str(
        ours.error_message
    )


def test_an_import_never_silently_turns_a_killed_flag_back_on(client: TestClient) -> None:
    load(client, SEGMENTS).raise_for_status()
    client.post("/api/v1/flags/pilot/kill", json={"reason": "incident"}).raise_for_status()
    changed = copy.deepcopy(SEGMENTS)
    changed["flags"]["pilot"]["metadata"] = {"owner": "checkout-team"}
    result = load(client, changed).json()
    assert result["keptKilled"] == ["pilot"] and result["unkilled"] == []
    assert any("pilot" in note and "--reverse-kills" in note for note in result["notes"])
    shown = client.get("/api/v1/environments/production/flags/pilot").json()
    assert shown["killed"] is True
    assert shown["flag"]["metadata"]["owner"] == "checkout-team"  # the rest of it applied
    assert evaluate(client, "pilot", {"tenantId": "t-1"})["value"] is False


def test_prune_leaves_a_killed_flag_in_place_unless_kills_are_reversed(
    client: TestClient,
) -> None:
    load(client, SEGMENTS).raise_for_status()
    client.post("/api/v1/flags/pilot/kill", json={"reason": "incident"}).raise_for_status()
    kept = load(client, OTHER, prune=True).json()
    assert kept["keptKilled"] == ["pilot"] and kept["deleted"] == ["split"]
    gone = load(client, OTHER, prune=True, reverseKills=True).json()
    assert gone["deleted"] == ["pilot"]


def test_reverse_kills_turns_them_back_on_named_and_audited(client: TestClient) -> None:
    load(client, SEGMENTS).raise_for_status()
    client.post("/api/v1/flags/pilot/kill", json={"reason": "incident"}).raise_for_status()
    result = load(client, SEGMENTS, reverseKills=True, reason="fixed").json()
    assert result["unkilled"] == ["pilot"] and result["updated"] == ["pilot"]
    assert evaluate(client, "pilot", {"tenantId": "t-1"})["value"] is True
    events = client.get("/api/v1/audit", params={"entity_key": "production/pilot"}).json()
    assert events["items"][0]["action"] == "flag.unkill"
    assert events["items"][0]["reason"] == "fixed"
