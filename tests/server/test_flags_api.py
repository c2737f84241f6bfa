from typing import Any

import pytest
from fastapi.testclient import TestClient

from .flag_app import FLAGS, seed


@pytest.fixture
def client(api: TestClient) -> TestClient:
    return seed(api)


def flag_url(env: str, key: str) -> str:
    return f"/api/v1/environments/{env}/flags/{key}"


def test_import_reports_created_then_unchanged(client: TestClient) -> None:
    again = client.put("/api/v1/environments/staging/flagset", json={"document": FLAGS}).json()
    assert again["unchanged"] == sorted(FLAGS["flags"]) or set(again["unchanged"]) == set(
        FLAGS["flags"]
    )
    assert again["created"] == [] and again["updated"] == []


def test_a_write_with_the_etag_read_succeeds_and_a_stale_one_gets_412(client: TestClient) -> None:
    read = client.get(flag_url("staging", "color"))
    etag = read.headers["ETag"]
    body: dict[str, Any] = {**read.json()["flag"], "defaultVariant": "blue"}
    first = client.put(
        flag_url("staging", "color"),
        json={"flag": body, "reason": "try blue"},
        headers={"If-Match": etag},
    )
    assert first.status_code == 200 and first.json()["outcome"] == "updated"
    stale = client.put(
        flag_url("staging", "color"),
        json={"flag": {**body, "defaultVariant": "red"}},
        headers={"If-Match": etag},
    )
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    assert client.get(flag_url("staging", "color")).json()["flag"]["defaultVariant"] == "blue"


def test_an_update_without_if_match_is_refused_never_a_silent_overwrite(client: TestClient) -> None:
    body = {**FLAGS["flags"]["color"], "defaultVariant": "blue"}
    assert client.put(flag_url("staging", "color"), json={"flag": body}).status_code == 412


def test_every_change_is_audited_with_before_after_actor_and_reason(client: TestClient) -> None:
    read = client.get(flag_url("staging", "color"))
    body = {**read.json()["flag"], "defaultVariant": "blue"}
    client.put(
        flag_url("staging", "color"),
        json={"flag": body, "reason": "experiment won"},
        headers={"If-Match": read.headers["ETag"]},
    )
    events = client.get(
        "/api/v1/audit", params={"entity_type": "flag", "entity_key": "staging/color"}
    ).json()["items"]
    latest = events[0]
    assert latest["action"] == "flag.update" and latest["reason"] == "experiment won"
    assert (
        latest["before"]["defaultVariant"] == "red" and latest["after"]["defaultVariant"] == "blue"
    )
    assert latest["actor"] == "anonymous"


def test_kill_turns_a_flag_off_in_every_environment_and_records_it(client: TestClient) -> None:
    result = client.post(
        "/api/v1/flags/decision.submit.v2/kill", json={"reason": "incident 42"}
    ).json()
    assert [(e["environment"], e["outcome"], e["serves"]) for e in result["environments"]] == [
        ("production", "killed", "off"),
        ("staging", "killed", "off"),
    ]
    for env in ("staging", "production"):
        body = client.get(flag_url(env, "decision.submit.v2")).json()["flag"]
        assert body["defaultVariant"] == "off" and "targeting" not in body
        evaluated = client.post(
            "/ofrep/v1/evaluate/flags/decision.submit.v2",
            json={"context": {"tenantId": "t-1"}},
            headers={"X-Unlockstep-Environment": env},
        ).json()
        assert (evaluated["value"], evaluated["reason"]) == (False, "STATIC")
    events = client.get("/api/v1/audit", params={"entity_type": "flag"}).json()["items"]
    kills = [e for e in events if e["action"] == "flag.kill" and e["reason"] == "incident 42"]
    assert len(kills) == 2
    assert kills[0]["before"]["targeting"] and "targeting" not in kills[0]["after"]


def test_killing_again_changes_nothing_and_says_so(client: TestClient) -> None:
    client.post("/api/v1/flags/color/kill", json={"reason": "r"})
    again = client.post("/api/v1/flags/color/kill", json={"reason": "r"}).json()
    assert {e["outcome"] for e in again["environments"]} == {"unchanged"}
    assert {e["state"] for e in again["environments"]} == {"DISABLED"}


def test_kill_names_the_flags_that_depend_on_it(api: TestClient) -> None:
    child = {**FLAGS["flags"]["color"], "metadata": {"prerequisites": "decision.submit.v2"}}
    document = {**FLAGS, "flags": {**FLAGS["flags"], "child": child}}
    api.put("/api/v1/environments/production", json={})
    api.put("/api/v1/environments/production/flagset", json={"document": document})
    result = api.post("/api/v1/flags/decision.submit.v2/kill", json={"reason": "r"}).json()
    assert result["environments"][0]["dependents"] == ["child"]
    child_now = api.post("/ofrep/v1/evaluate/flags/child", json={}).json()
    assert child_now["reason"] == "DISABLED"


def test_bad_targeting_is_rejected_with_where_and_why(client: TestClient) -> None:
    body = {
        "state": "ENABLED",
        "variants": {"on": True},
        "defaultVariant": "on",
        "targeting": {"frob": []},
    }
    response = client.put(flag_url("staging", "new"), json={"flag": body})
    assert response.status_code == 422
    assert "frob" in response.json()["error"]["message"]


def test_unknown_environment_is_404(client: TestClient) -> None:
    response = client.put(flag_url("moon", "x"), json={"flag": FLAGS["flags"]["color"]})
    assert response.status_code == 404


def test_sync_endpoint_answers_304_while_nothing_changed(client: TestClient) -> None:
    first = client.get("/api/v1/environments/production/flagset")
    assert set(first.json()["flags"]) == set(FLAGS["flags"])
    assert (
        client.get(
            "/api/v1/environments/production/flagset",
            headers={"If-None-Match": first.headers["ETag"]},
        ).status_code
        == 304
    )
    client.post("/api/v1/flags/color/kill", json={"reason": "r"})
    assert (
        client.get(
            "/api/v1/environments/production/flagset",
            headers={"If-None-Match": first.headers["ETag"]},
        ).status_code
        == 200
    )


def test_evaluation_counts_feed_the_debt_report(client: TestClient) -> None:
    counts = [{"flag": "color", "variant": "red", "reason": "STATIC", "count": 5}]
    assert client.post(
        "/api/v1/flag-evaluations", json={"environment": "production", "counts": counts}
    ).json() == {"accepted": 5}
    client.post("/api/v1/flag-evaluations", json={"environment": "production", "counts": counts})
    debt = client.get("/api/v1/flag-debt", params={"environment": "production"}).json()
    flags = {d["flag"]: d for owner in debt["owners"].values() for d in owner}
    assert flags["decision.submit.v2"]["kinds"][0] == "stale"
    assert flags["decision.submit.v2"]["owner"] == "decision-platform-team"


def test_evaluation_counts_are_bounded_per_request_and_per_count(client: TestClient) -> None:
    one = {"flag": "color", "variant": "red", "reason": "STATIC", "count": 1}
    many = {"environment": "production", "counts": [one] * 1001}
    assert client.post("/api/v1/flag-evaluations", json=many).status_code == 422
    huge = {"environment": "production", "counts": [{**one, "count": 10**12}]}
    assert client.post("/api/v1/flag-evaluations", json=huge).status_code == 422
    assert client.post(
        "/api/v1/flag-evaluations", json={**many, "counts": [one] * 1000}
    ).json() == {"accepted": 1000}


def test_an_update_sent_after_a_kill_never_turns_it_back_on(client: TestClient) -> None:
    client.post("/api/v1/flags/color/kill", json={"reason": "incident"}).raise_for_status()
    body = {**FLAGS["flags"]["color"], "defaultVariant": "blue"}
    blind = client.put(
        flag_url("production", "color"), json={"flag": body}, headers={"If-Match": "*"}
    )
    assert blind.status_code == 409 and blind.json()["error"]["code"] == "conflict"
    assert client.get(flag_url("production", "color")).json()["killed"] is True


def test_delete_needs_the_current_etag(client: TestClient) -> None:
    etag = client.get(flag_url("staging", "color")).headers["ETag"]
    assert (
        client.delete(flag_url("staging", "color"), headers={"If-Match": '"0-x"'}).status_code
        == 412
    )
    assert (
        client.delete(flag_url("staging", "color"), headers={"If-Match": etag}).status_code == 204
    )
    assert client.get(flag_url("staging", "color")).status_code == 404


def test_import_applies_each_environments_overrides(api: TestClient) -> None:
    document = {
        **FLAGS,
        "environments": {"staging": {"flags": {"color": {"defaultVariant": "blue"}}}},
    }
    for env in ("staging", "production"):
        api.put(f"/api/v1/environments/{env}", json={})
        api.put(
            f"/api/v1/environments/{env}/flagset", json={"document": document}
        ).raise_for_status()
    assert api.get(flag_url("staging", "color")).json()["flag"]["defaultVariant"] == "blue"
    assert api.get(flag_url("production", "color")).json()["flag"]["defaultVariant"] == "red"
    exported = api.get("/api/v1/environments/staging/flagset").json()
    assert "environments" not in exported


def test_the_demo_estate_loads_its_flags(estate: TestClient) -> None:
    listed = estate.get("/api/v1/flags", params={"environment": "production"}).json()["items"]
    owners = {item["owner"] for item in listed}
    assert {"decision-platform-team", "messaging-team", "dashboard-team"} <= owners
    kill = {item["key"]: item["killSwitch"] for item in listed}
    assert kill["notification.delivery"] is True
