"""OFREP endpoints, in-process; the real OFREP provider runs against them in
tests/sdk/test_ofrep_provider.py. Every test runs against the fast routes the server
serves and against the declared FastAPI routes alone (what /openapi.json describes)."""

import pytest
from fastapi.testclient import TestClient

from unlockstep.server.app import FAST_ROUTES, create_app
from unlockstep.settings import Settings
from unlockstep.store import Store

from .flag_app import seed

EVAL = "/ofrep/v1/evaluate/flags"


@pytest.fixture(params=["fast", "declared"])
def client(api: TestClient, request: pytest.FixtureRequest) -> TestClient:
    if request.param == "declared":
        routes = api.app.router.routes  # type: ignore[attr-defined]
        routes[:] = [route for route in routes if route not in FAST_ROUTES]
    return seed(api)


def test_the_fast_routes_are_matched_first(api: TestClient) -> None:
    assert api.app.router.routes[: len(FAST_ROUTES)] == FAST_ROUTES  # type: ignore[attr-defined]


def test_single_evaluation_returns_value_variant_reason_and_metadata(client: TestClient) -> None:
    response = client.post(f"{EVAL}/decision.submit.v2", json={"context": {"tenantId": "t-1"}})
    assert response.status_code == 200
    body = response.json()
    assert (body["key"], body["value"], body["variant"], body["reason"]) == (
        "decision.submit.v2",
        True,
        "on",
        "TARGETING_MATCH",
    )
    assert body["metadata"]["owner"] == "decision-platform-team"
    assert body["metadata"]["flagSetId"] == "demo"


def test_a_disabled_flag_has_no_value_so_the_caller_default_applies(client: TestClient) -> None:
    body = client.post(f"{EVAL}/off-flag", json={}).json()
    assert body["reason"] == "DISABLED" and "value" not in body and body["variant"] is None


def test_unknown_flag_is_404_flag_not_found(client: TestClient) -> None:
    response = client.post(f"{EVAL}/nope", json={"context": {}})
    assert response.status_code == 404
    assert response.json()["errorCode"] == "FLAG_NOT_FOUND" and response.json()["key"] == "nope"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"[1]", "INVALID_CONTEXT"),
        (b"{not json", "INVALID_CONTEXT"),
        (b'{"context": {"targetingKey": 3}}', "INVALID_CONTEXT"),
    ],
)
def test_bad_contexts_are_400_invalid_context(
    client: TestClient, payload: bytes, code: str
) -> None:
    response = client.post(
        f"{EVAL}/color", content=payload, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["errorCode"] == code


def test_evaluation_errors_are_400_with_their_code(client: TestClient) -> None:
    response = client.post(f"{EVAL}/broken", json={})
    assert response.status_code == 400 and response.json()["errorCode"] == "GENERAL"


def test_environment_is_chosen_by_header(client: TestClient) -> None:
    client.post("/api/v1/flags/color/kill", json={"reason": "r"})
    body = client.post(
        f"{EVAL}/color", json={}, headers={"X-Unlockstep-Environment": "staging"}
    ).json()
    assert body["reason"] == "DISABLED"


def test_bulk_evaluation_lists_every_flag_and_honours_if_none_match(client: TestClient) -> None:
    response = client.post(EVAL, json={"context": {"tenantId": "t-2"}})
    assert response.status_code == 200
    flags = {f["key"]: f for f in response.json()["flags"]}
    assert flags["decision.submit.v2"]["value"] is True
    assert flags["broken"]["errorCode"] == "GENERAL"
    etag = response.headers["ETag"]
    again = client.post(
        EVAL, json={"context": {"tenantId": "t-2"}}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    other = client.post(
        EVAL, json={"context": {"tenantId": "t-9"}}, headers={"If-None-Match": etag}
    )
    assert other.status_code == 200


def test_bulk_with_a_bad_context_is_400(client: TestClient) -> None:
    response = client.post(EVAL, json={"context": "nope"})
    assert response.status_code == 400 and response.json()["errorCode"] == "INVALID_CONTEXT"


# The response shapes of the OFREP OpenAPI document (open-feature/protocol service/openapi.yaml).
KEY = {"type": "string"}
SUCCESS = {
    "type": "object",
    "required": ["key", "reason"],
    "properties": {
        "key": KEY,
        "reason": {"type": "string"},
        "variant": {"type": ["string", "null"]},
        "metadata": {
            "type": "object",
            "additionalProperties": {"type": ["boolean", "string", "number"]},
        },
        "value": {},
    },
}
FAILURE = {
    "type": "object",
    "required": ["key", "errorCode"],
    "properties": {
        "key": KEY,
        "errorCode": {
            "enum": ["PARSE_ERROR", "TARGETING_KEY_MISSING", "INVALID_CONTEXT", "GENERAL"]
        },
        "errorDetails": {"type": "string"},
    },
}
NOT_FOUND = {
    **FAILURE,
    "properties": {**FAILURE["properties"], "errorCode": {"enum": ["FLAG_NOT_FOUND"]}},
}
BULK = {
    "type": "object",
    "required": ["flags"],
    "properties": {"flags": {"type": "array", "items": {"oneOf": [
        {**SUCCESS, "required": ["key", "reason", "value"]},
        {**SUCCESS, "properties": {**SUCCESS["properties"], "reason": {"const": "DISABLED"}},
         "not": {"required": ["value"]}},
        FAILURE,
    ]}}},
}  # fmt: skip


def test_responses_have_the_shapes_of_the_ofrep_openapi_document(client: TestClient) -> None:
    import jsonschema

    jsonschema.validate(client.post(f"{EVAL}/color", json={}).json(), SUCCESS)
    jsonschema.validate(client.post(f"{EVAL}/off-flag", json={}).json(), SUCCESS)
    jsonschema.validate(client.post(f"{EVAL}/broken", json={}).json(), FAILURE)
    jsonschema.validate(client.post(f"{EVAL}/nope", json={}).json(), NOT_FOUND)
    jsonschema.validate(client.post(EVAL, json={"context": {"tenantId": "t-1"}}).json(), BULK)


def test_configuration_extension_with_etag(client: TestClient) -> None:
    response = client.get("/ofrep/v1/configuration")
    assert response.json()["capabilities"]["cacheInvalidation"]["polling"]["enabled"] is True
    again = client.get(
        "/ofrep/v1/configuration", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_the_environment_may_be_named_in_the_query(client: TestClient) -> None:
    flag = client.get("/api/v1/environments/staging/flags/color")
    body = {**flag.json()["flag"], "defaultVariant": "blue"}
    client.put(
        "/api/v1/environments/staging/flags/color",
        json={"flag": body},
        headers={"If-Match": flag.headers["ETag"]},
    ).raise_for_status()
    assert client.post(f"{EVAL}/color?environment=staging", json={}).json()["value"] == "blue"
    assert client.post(f"{EVAL}/color?environment=production", json={}).json()["value"] == "red"
    assert client.post(f"{EVAL}/color", json={}).json()["value"] == "red"


def test_an_unknown_environment_has_no_flags(client: TestClient) -> None:
    headers = {"X-Unlockstep-Environment": "no-such-env"}
    response = client.post(f"{EVAL}/color", json={}, headers=headers)
    assert response.status_code == 404 and response.json()["errorCode"] == "FLAG_NOT_FOUND"
    assert client.post(EVAL, json={}, headers=headers).json()["flags"] == []


def test_a_body_past_the_limit_is_refused_before_evaluation(client: TestClient) -> None:
    from unlockstep.server.limits import body_limit

    size = body_limit(Settings()) + 1
    response = client.post(EVAL, content=b" " * size, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "document_too_large"


def test_a_write_is_served_at_once_by_the_process_that_made_it(client: TestClient) -> None:
    assert client.post(f"{EVAL}/color", json={}).json()["value"] == "red"
    flag = client.get("/api/v1/environments/production/flags/color")
    body = {**flag.json()["flag"], "defaultVariant": "blue"}
    changed = client.put(
        "/api/v1/environments/production/flags/color",
        json={"flag": body},
        headers={"If-Match": flag.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert client.post(f"{EVAL}/color", json={}).json()["value"] == "blue"
    flags = {f["key"]: f for f in client.post(EVAL, json={}).json()["flags"]}
    assert flags["color"]["value"] == "blue"


def test_a_write_through_another_server_process_is_served_after_a_refresh(
    client: TestClient, store: Store, settings: Settings
) -> None:
    # Another app on its own engine over the same database stands for another server
    # process: it serves from memory and re-reads the revision counters every
    # flag_refresh_seconds (an hour here, so only the explicit refresh below does it).
    other_store = Store(store.url)
    other_settings = settings.model_copy(update={"flag_refresh_seconds": 3600})
    with TestClient(create_app(other_settings, other_store)) as other:
        assert other.post(f"{EVAL}/color", json={}).json()["value"] == "red"
        other.portal.call(other.app.state.flag_engines.refresh)  # type: ignore[attr-defined,union-attr]
        flag = client.get("/api/v1/environments/production/flags/color")
        body = {**flag.json()["flag"], "defaultVariant": "blue"}
        changed = client.put(
            "/api/v1/environments/production/flags/color",
            json={"flag": body},
            headers={"If-Match": flag.headers["ETag"]},
        )
        assert changed.status_code == 200, changed.text
        assert other.post(f"{EVAL}/color", json={}).json()["value"] == "red"  # from memory
        other.portal.call(other.app.state.flag_engines.refresh)  # type: ignore[attr-defined,union-attr]
        assert other.post(f"{EVAL}/color", json={}).json()["value"] == "blue"
    other_store.dispose()
