"""The Pact-Broker-compatible API under /pact, in-process: HAL shapes the official clients
read, the mapping onto the registry, and can-i-deploy behind the matrix (every live version,
whatever latestby — the pact_broker #903 case)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from unlockstep.core.broker import handle, row_id
from unlockstep.server.app import create_app
from unlockstep.settings import Settings
from unlockstep.store import Store

from .pact_helpers import http_pact, publish_body

HAL = "application/hal+json"


def ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    assert response.headers["content-type"].startswith(HAL)
    return response.json()


def publish(api: TestClient, consumer: str, version: str, fields: list[str]) -> Any:
    pact = http_pact(consumer, "case-service", fields)
    return ok(api.post("/pact/contracts/publish", json=publish_body(consumer, version, [pact])))


def environment(api: TestClient, name: str = "production") -> str:
    found = ok(api.get("/pact/environments", params={"name": name}))["_embedded"]["environments"]
    if found:
        return str(found[0]["uuid"])
    return str(ok(api.post("/pact/environments", json={"name": name, "production": True}))["uuid"])


def record(api: TestClient, service: str, version: str, kind: str, env: str) -> Any:
    path = f"/pact/pacticipants/{service}/versions/{version}/{kind}-versions/environment/{env}"
    return ok(api.post(path, json={}))


def verify(api: TestClient, consumer: str, version: str, provider_version: str, ok_: bool) -> None:
    pact = ok(api.get(f"/pact/pacts/provider/case-service/consumer/{consumer}/version/{version}"))
    url = pact["_links"]["pb:publish-verification-results"]["href"]
    body = {"success": ok_, "providerApplicationVersion": provider_version}
    assert api.post(url.removeprefix("http://testserver"), json=body).status_code == 201


def matrix(api: TestClient, service: str, version: str, latestby: str = "cvp") -> Any:
    query = (
        f"q[][pacticipant]={service}&q[][version]={version}&latestby={latestby}"
        "&environment=production"
    )
    return ok(api.get(f"/pact/matrix?{query}"))


def test_the_index_links_every_relation_the_clients_follow_with_absolute_hrefs(
    api: TestClient,
) -> None:
    for path in ("/pact", "/pact/", "/pact?"):
        links = ok(api.get(path))["_links"]
        for rel in (
            "pb:publish-contracts",
            "pb:publish-pact",
            "pb:pacticipants",
            "pb:pacticipant",
            "pb:pacticipant-version",
            "pb:latest-version",
            "pb:pacticipant-branch-version",
            "pb:environments",
            "pb:environment",
            "pb:latest-pact-versions",
            "pb:provider-pacts-for-verification",
        ):
            assert links[rel]["href"].startswith("http://testserver/pact/"), rel
        assert links["pb:pacticipant"]["templated"] is True
        assert links["curies"][0]["name"] == "pb"


def test_publishing_registers_unknown_pacticipants_unowned_and_says_so(api: TestClient) -> None:
    answer = publish(api, "dashboard", "1.0.0", ["id", "status"])
    texts = [n["text"] for n in answer["notices"]]
    assert any("Registered provider case-service" in t for t in texts)
    assert any("Registered consumer dashboard" in t for t in texts)
    assert any("contract pact" in t for t in texts)  # the documented rule, reported
    assert answer["_embedded"]["version"]["number"] == "1.0.0"
    assert answer["_links"]["pb:contracts"][0]["href"].endswith(
        "/pacts/provider/case-service/consumer/dashboard/version/1.0.0"
    )
    service = api.get("/api/v1/services/dashboard").json()
    assert service["owner"] is None
    listed = ok(api.get("/pact/pacticipants"))
    names = [p["name"] for p in listed["pacticipants"]]
    assert names == [p["name"] for p in listed["_embedded"]["pacticipants"]]
    assert names == ["case-service", "dashboard"]
    assert ok(api.get("/pact/pacticipants/dashboard"))["mainBranch"] == "main"


def test_a_published_pact_reads_back_as_published(api: TestClient) -> None:
    pact = http_pact("dashboard", "case-service", ["id"], spec="2.0.0")
    ok(api.post("/pact/contracts/publish", json=publish_body("dashboard", "1.0.0", [pact])))
    back = ok(api.get("/pact/pacts/provider/case-service/consumer/dashboard/version/1.0.0"))
    assert {k: back[k] for k in pact} == pact
    latest = ok(api.get("/pact/pacts/latest"))["pacts"]
    assert latest[0]["_embedded"]["consumer"]["_embedded"]["version"]["number"] == "1.0.0"


def test_publishing_a_pact_that_is_not_base64_json_is_refused_with_where(api: TestClient) -> None:
    body = publish_body("dashboard", "1.0.0", [http_pact("dashboard", "case-service", ["id"])])
    body["contracts"][0]["content"] = "not base64!"
    response = api.post("/pact/contracts/publish", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["where"] == "contracts/0/content"


def test_environment_uuids_are_stable_and_name_nothing_else() -> None:
    uuid = handle("environment", 7)
    assert uuid == handle("environment", 7)
    assert row_id("environment", uuid) == 7
    assert row_id("deployed-version", uuid) is None
    assert row_id("environment", "not-a-uuid") is None
    assert row_id("environment", "00000000-0000-0000-0000-000000000007") is None


def test_environments_list_embeds_each_with_its_uuid_and_links_it_by_name(
    api: TestClient,
) -> None:
    env = environment(api)
    listed = ok(api.get("/pact/environments"))
    assert listed["_embedded"]["environments"][0]["uuid"] == env
    assert listed["_links"]["pb:environments"][0]["name"] == "production"
    assert ok(api.get(f"/pact/environments/{env}"))["name"] == "production"
    assert api.get(f"/pact/environments/{handle('released-version', 1)}").status_code == 404


def test_deployed_and_released_versions_map_onto_deployments(api: TestClient) -> None:
    env = environment(api)
    publish(api, "dashboard", "1.0.0", ["id"])
    publish(api, "dashboard", "1.1.0", ["id"])
    version = ok(api.get("/pact/pacticipants/dashboard/versions/1.0.0"))
    assert version["_links"]["pb:record-deployment"][0]["name"] == "production"
    assert version["_links"]["pb:record-release"][0]["name"] == "production"
    record(api, "dashboard", "1.0.0", "deployed", env)
    deployed = record(api, "dashboard", "1.1.0", "deployed", env)  # replaces 1.0.0
    assert deployed["currentlyDeployed"] is True
    path = f"/pact/environments/{env}/deployed-versions/currently-deployed"
    live = ok(api.get(path, params={"pacticipant": "dashboard"}))["_embedded"]["deployedVersions"]
    assert [
        (d["_embedded"]["pacticipant"]["name"], d["_embedded"]["version"]["number"]) for d in live
    ] == [("dashboard", "1.1.0")]
    patched = ok(
        api.patch(f"/pact/deployed-versions/{live[0]['uuid']}", json={"currentlyDeployed": False})
    )
    assert patched["currentlyDeployed"] is False
    assert (
        ok(api.get(path, params={"pacticipant": "dashboard"}))["_embedded"]["deployedVersions"]
        == []
    )
    assert api.get("/api/v1/environments/production").json()["live"] == []

    record(api, "dashboard", "1.0.0", "released", env)
    record(api, "dashboard", "1.1.0", "released", env)
    path = f"/pact/environments/{env}/released-versions/currently-supported"
    live = ok(api.get(path, params={"pacticipant": "dashboard"}))["_embedded"]["releasedVersions"]
    assert [d["_embedded"]["version"]["number"] for d in live] == ["1.0.0", "1.1.0"]
    ended = ok(
        api.patch(f"/pact/released-versions/{live[0]['uuid']}", json={"currentlySupported": False})
    )
    assert ended["currentlySupported"] is False
    live = ok(api.get(path, params={"pacticipant": "dashboard"}))["_embedded"]["releasedVersions"]
    assert [d["_embedded"]["version"]["number"] for d in live] == ["1.1.0"]


def test_branches_and_tags_are_kept_and_read_back(api: TestClient) -> None:
    publish(api, "dashboard", "1.0.0", ["id"])
    ok(api.put("/pact/pacticipants/dashboard/branches/feat-x/versions/1.0.0", json={}))
    ok(api.put("/pact/pacticipants/dashboard/versions/1.0.0/tags/prod", json={}))
    version = ok(api.get("/pact/pacticipants/dashboard/latest-version"))
    assert [b["name"] for b in version["_embedded"]["branchVersions"]] == ["main", "feat-x"]
    assert [t["name"] for t in version["_embedded"]["tags"]] == ["prod"]
    ok(api.get("/pact/pacticipants/dashboard/latest-version/prod"))
    ok(api.get("/pact/pacticipants/dashboard/branches/feat-x/latest-version"))
    assert api.get("/pact/pacticipants/dashboard/latest-version/nope").status_code == 404


def test_two_released_consumer_versions_one_incompatible_is_not_deployable_whatever_latestby(
    api: TestClient,
) -> None:
    """pact_broker #903: latestby=cvp looked at the newest consumer version only."""
    env = environment(api)
    publish(api, "mobile", "1.0.0", ["id", "legacyField"])
    publish(api, "mobile", "2.0.0", ["id"])
    ok(api.put("/pact/pacticipants/case-service/versions/5.0.0", json={}))
    record(api, "mobile", "1.0.0", "released", env)
    record(api, "mobile", "2.0.0", "released", env)
    verify(api, "mobile", "1.0.0", "5.0.0", ok_=False)
    verify(api, "mobile", "2.0.0", "5.0.0", ok_=True)
    for latestby in ("cvp", "cvpv"):
        answer = matrix(api, "case-service", "5.0.0", latestby)
        assert answer["summary"]["deployable"] is False, latestby
        assert (answer["summary"]["success"], answer["summary"]["failed"]) == (1, 1)
        rows = {r["consumer"]["version"]["number"]: r for r in answer["matrix"]}
        assert rows["1.0.0"]["verificationResult"]["success"] is False
        assert rows["2.0.0"]["verificationResult"]["success"] is True
    support = f"/pact/environments/{env}/released-versions/currently-supported"
    live = ok(api.get(support, params={"pacticipant": "mobile", "version": "1.0.0"}))
    (old,) = live["_embedded"]["releasedVersions"]
    ok(api.patch(f"/pact/released-versions/{old['uuid']}", json={"currentlySupported": False}))
    answer = matrix(api, "case-service", "5.0.0")
    assert answer["summary"]["deployable"] is True
    assert [r["consumer"]["version"]["number"] for r in answer["matrix"]] == ["2.0.0"]


def test_the_matrix_answers_as_api_can_i_deploy_does_calendar_freeze_included(
    api: TestClient,
) -> None:
    """A verified pair in a frozen environment: the matrix must not say yes where
    /api/v1/can-i-deploy says no (both are one can-i-deploy, gates included)."""
    env = environment(api)
    publish(api, "mobile", "2.0.0", ["id"])
    ok(api.put("/pact/pacticipants/case-service/versions/5.0.0", json={}))
    record(api, "mobile", "2.0.0", "released", env)
    verify(api, "mobile", "2.0.0", "5.0.0", ok_=True)
    assert matrix(api, "case-service", "5.0.0")["summary"]["deployable"] is True
    now = datetime.now(UTC)
    freeze = {
        "kind": "freeze",
        "timezone": "UTC",
        "starts": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "quarter close",
    }
    assert api.put("/api/v1/calendar/production/q4-close", json=freeze).status_code < 300
    native = api.get(
        "/api/v1/can-i-deploy",
        params={"service": "case-service", "version": "5.0.0", "environment": "production"},
    ).json()
    answer = matrix(api, "case-service", "5.0.0")
    assert native["answer"] == "no"
    assert answer["summary"]["deployable"] is False
    assert "q4-close" in answer["summary"]["reason"]
    assert answer["summary"]["success"] == 1  # the pair itself is still verified
    assert any("quarter close" in n["text"] and n["type"] == "error" for n in answer["notices"])


def test_an_unverified_pair_is_unknown_and_the_matrix_says_what_is_missing(
    api: TestClient,
) -> None:
    env = environment(api)
    publish(api, "dashboard", "1.0.0", ["id"])
    ok(api.put("/pact/pacticipants/case-service/versions/5.0.0", json={}))
    record(api, "case-service", "5.0.0", "deployed", env)
    answer = matrix(api, "dashboard", "1.0.0")
    assert answer["summary"]["deployable"] is None
    assert answer["matrix"][0]["verificationResult"] is None
    assert any(n["type"] == "warning" for n in answer["notices"])


def test_the_matrix_without_an_environment_answers_null_with_a_reason(api: TestClient) -> None:
    publish(api, "dashboard", "1.0.0", ["id"])
    answer = ok(api.get("/pact/matrix?q[][pacticipant]=dashboard&q[][latest]=true&latestby=cvp"))
    assert answer["summary"]["deployable"] is None
    assert "--to-environment" in answer["summary"]["reason"]


@pytest.fixture
def secured(store: Store, tmp_path: Any) -> Any:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        api_tokens={"ci": SecretStr("s3cret")},
    )
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        yield client


def test_writes_need_the_bearer_token_the_clients_send_with_broker_token(
    secured: TestClient,
) -> None:
    body = publish_body("dashboard", "1.0.0", [http_pact("dashboard", "case-service", ["id"])])
    assert secured.post("/pact/contracts/publish", json=body).status_code == 401
    headers = {"Authorization": "Bearer s3cret"}
    assert secured.post("/pact/contracts/publish", json=body, headers=headers).status_code == 200
    audit = secured.get("/api/v1/audit", params={"entityType": "service"}, headers=headers)
    assert audit.status_code == 200


def test_can_i_merge_checks_against_the_newest_main_branch_version_of_each_integration(
    api: TestClient,
) -> None:
    publish(api, "dashboard", "1.0.0", ["id"])
    body = publish_body("dashboard", "2.0.0", [http_pact("dashboard", "case-service", ["id", "x"])])
    body["branch"] = "feat-x"
    ok(api.post("/pact/contracts/publish", json=body))
    ok(api.put("/pact/pacticipants/case-service/branches/main/versions/5.0.0", json={}))
    verify(api, "dashboard", "1.0.0", "5.0.0", ok_=True)
    verify(api, "dashboard", "2.0.0", "5.0.0", ok_=False)

    def merge(service: str, version: str) -> Any:
        query = f"q[][pacticipant]={service}&q[][version]={version}"
        query += "&latestby=cvp&mainBranch=true&latest=true"
        return ok(api.get(f"/pact/matrix?{query}"))

    assert merge("dashboard", "1.0.0")["summary"]["deployable"] is True
    answer = merge("dashboard", "2.0.0")
    assert answer["summary"]["deployable"] is False
    (row,) = answer["matrix"]
    assert row["provider"]["version"]["number"] == "5.0.0"
    # the provider's side: its main-branch consumers (dashboard 1.0.0 is the newest on main)
    assert merge("case-service", "5.0.0")["summary"]["deployable"] is True


def test_a_matrix_rows_verification_result_link_reads_the_result(api: TestClient) -> None:
    env = environment(api)
    publish(api, "dashboard", "1.0.0", ["id"])
    record(api, "dashboard", "1.0.0", "released", env)
    ok(api.put("/pact/pacticipants/case-service/versions/5.0.0", json={}))
    verify(api, "dashboard", "1.0.0", "5.0.0", ok_=False)
    (row,) = matrix(api, "case-service", "5.0.0")["matrix"]
    href = row["verificationResult"]["_links"]["self"]["href"]
    result = ok(api.get(href.removeprefix("http://testserver")))
    assert (result["success"], result["source"]) == (False, "pact-verification")


def test_the_ruby_clients_fallback_publish_by_put_stores_the_pact(api: TestClient) -> None:
    pact = http_pact("dashboard", "case-service", ["id"])
    path = "/pact/pacts/provider/case-service/consumer/dashboard/version/1.0.0"
    assert api.put(path, json=pact).status_code == 201
    assert api.put(path, json=pact).status_code == 200  # the same content again
    back = ok(api.get(path))
    assert back["interactions"] == pact["interactions"]


def test_with_reads_behind_a_token_the_pact_api_needs_one_too(store: Store, tmp_path: Any) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        api_tokens={"ci": SecretStr("s3cret")},
        require_token_for_reads=True,
    )
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        assert client.get("/pact").status_code == 401
        assert client.get("/pact/pacticipants").status_code == 401
        # the matrix's fast route (ahead of the gated FastAPI routes) checks the gate too
        assert client.get("/pact/matrix?q[][pacticipant]=a&q[][version]=1").status_code == 401
        # and so do the paths the Rust CLI builds from the host root
        assert client.get("/pacts/provider/a/provider-states").status_code == 401
        headers = {"Authorization": "Bearer s3cret"}
        assert client.get("/pact", headers=headers).status_code == 200
        answer = client.get("/pact/matrix?q[][pacticipant]=a&q[][version]=1", headers=headers)
        assert answer.status_code == 200, answer.text


def test_an_environment_is_deleted_only_when_nothing_is_live_there(api: TestClient) -> None:
    env = environment(api, "qa")
    publish(api, "dashboard", "1.0.0", ["id"])
    record(api, "dashboard", "1.0.0", "deployed", env)
    assert api.delete(f"/pact/environments/{env}").status_code == 409
    (live,) = ok(api.get(f"/pact/environments/{env}/deployed-versions/currently-deployed"))[
        "_embedded"
    ]["deployedVersions"]
    ok(api.patch(f"/pact/deployed-versions/{live['uuid']}", json={"currentlyDeployed": False}))
    assert api.delete(f"/pact/environments/{env}").status_code == 204
    assert api.get(f"/pact/environments/{env}").status_code == 404


def test_tags_and_branches_can_be_deleted_and_the_versions_stay(api: TestClient) -> None:
    publish(api, "dashboard", "1.0.0", ["id"])
    ok(api.put("/pact/pacticipants/dashboard/versions/1.0.0/tags/prod", json={}))
    tag = "/pact/pacticipants/dashboard/versions/1.0.0/tags/prod"
    assert api.delete(tag).status_code == 204
    assert api.delete(tag).status_code == 404
    assert api.delete("/pact/pacticipants/dashboard/branches/main").status_code == 204
    version = ok(api.get("/pact/pacticipants/dashboard/versions/1.0.0"))
    assert version["_embedded"] == {"branchVersions": [], "tags": []}
    assert api.get("/pact/pacticipants/dashboard/branches/main/latest-version").status_code == 404


def test_pacticipant_labels_are_kept_listed_by_label_and_removed(api: TestClient) -> None:
    publish(api, "dashboard", "1.0.0", ["id"])
    index = ok(api.get("/pact"))["_links"]
    assert index["pb:pacticipants-with-label"]["templated"] is True
    template = ok(api.get("/pact/pacticipants/dashboard"))["_links"]["pb:label"]["href"]
    url = template.replace("{label}", "team-web").removeprefix("http://testserver")
    first = api.put(url)
    assert first.status_code == 201, first.text
    assert api.put(url).status_code == 200  # already labelled
    assert ok(api.get(url))["name"] == "team-web"
    shown = ok(api.get("/pact/pacticipants/dashboard"))
    assert [label["name"] for label in shown["_embedded"]["labels"]] == ["team-web"]
    listed = ok(api.get("/pact/pacticipants/label/team-web"))["pacticipants"]
    assert [p["name"] for p in listed] == ["dashboard"]
    assert ok(api.get("/pact/pacticipants/label/nobody"))["pacticipants"] == []
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 404
    assert api.put("/pact/pacticipants/nobody/labels/x").status_code == 404
