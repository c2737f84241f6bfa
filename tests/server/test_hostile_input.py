"""Input observed in the field that once reached the database or a 500: each is refused with
a 4xx and the one error body, the same on SQLite and PostgreSQL, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from unlockstep.server.guard import MAX_DEPTH, body_problem

FLAG = {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "on"}
JSON = {"content-type": "application/json"}


@pytest.fixture
def estate(api: TestClient) -> TestClient:
    assert api.put("/api/v1/environments/production", json={}).status_code in (200, 201)
    assert api.put("/api/v1/services/case-service", json={}).status_code in (200, 201)
    return api


def _refused(response: Any, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert list(body) == ["error"]
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize("offset", [2**31, 2**63, 2**70])
@pytest.mark.parametrize("path", ["/api/v1/services", "/api/v1/audit", "/api/v1/flags"])
def test_an_offset_past_any_page_is_refused_not_a_database_error(
    estate: TestClient, path: str, offset: int
) -> None:
    error = _refused(estate.get(path, params={"offset": offset}))
    assert error["where"] == "query/offset"


def test_an_evaluation_count_past_the_column_is_refused(estate: TestClient) -> None:
    def post(**item: Any) -> Any:
        count = {"flag": "f", "reason": "STATIC", "count": 1, **item}
        body = {"environment": "production", "counts": [count]}
        return estate.post("/api/v1/flag-evaluations", json=body)

    _refused(post(count=2**70))
    _refused(post(flag="f" * 201))
    _refused(post(reason="R" * 41))


@pytest.mark.parametrize(
    "raw",
    [
        '{"description": "\\ud800"}',  # a lone high surrogate
        '{"description": "\\udc00 and more"}',  # a lone low surrogate
        '{"description": "\\ud83d"}',  # the high half of an emoji without its low half
        '{"\\ud800": "as a key"}',
        '{"description": "a\\u0000b"}',  # PostgreSQL refuses NUL, SQLite stored it
    ],
)
def test_text_no_database_can_hold_is_refused_and_nothing_is_stored(
    estate: TestClient, raw: str
) -> None:
    error = _refused(estate.put("/api/v1/services/new-service", content=raw, headers=JSON))
    assert error["where"] == "body"
    assert estate.get("/api/v1/services/new-service").status_code == 404


def test_a_flag_with_a_lone_surrogate_is_not_stored_where_it_would_break_every_listing(
    estate: TestClient,
) -> None:
    raw = '{"flag": {"state": "ENABLED", "variants": {"on": "\\ud800"}, "defaultVariant": "on"}}'
    _refused(estate.put("/api/v1/environments/production/flags/f", content=raw, headers=JSON))
    assert estate.get("/api/v1/audit").status_code == 200
    assert estate.get("/api/v1/environments/production/flags/f").status_code == 404


def test_escaped_backslashes_and_real_pairs_are_ordinary_text(estate: TestClient) -> None:
    raw = '{"description": "C:\\\\ud800 \\ud83d\\ude00 \\u00e9 \\\\u0000"}'
    response = estate.put("/api/v1/services/new-service", content=raw, headers=JSON)
    assert response.status_code in (200, 201), response.text
    shown = estate.get("/api/v1/services/new-service").json()["description"]
    assert shown == "C:\\ud800 \U0001f600 é \\u0000"


def test_a_nul_in_the_path_or_query_is_refused(estate: TestClient) -> None:
    _refused(estate.get("/api/v1/services/a%00b"))
    _refused(estate.get("/api/v1/services", params={"owner": "a\x00b"}))


@pytest.mark.parametrize(
    ("method", "path", "wrap"),
    [
        ("PUT", "/api/v1/services/deep", lambda nested: {"description": nested}),
        (
            "PUT",
            "/api/v1/environments/production/flags/f",
            lambda nested: {"flag": {**FLAG, "targeting": nested}},
        ),
    ],
)
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 900, 100_000])
def test_deeply_nested_bodies_and_contexts_are_refused(
    estate: TestClient, method: str, path: str, wrap: Any, depth: int
) -> None:
    nested = '{"if":' * depth + "1" + "}" * depth
    raw = str(wrap("§")).replace("'", '"').replace('"§"', nested)
    error = _refused(estate.request(method, path, content=raw, headers=JSON))
    assert "nested" in error["message"]


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    body = ('{"content": "' + "[" * 10_000 + '"}').encode()
    assert body_problem(body) is None
    assert body_problem(b'{"a": "\\"[[[[", "b": [[1]]}' * 40) is None


@pytest.mark.parametrize("key", ["new%E2%80%8Bcheckout", "new-%D1%81heckout", "k" * 201])
def test_a_flag_key_that_cannot_be_told_apart_is_refused_before_the_database(
    estate: TestClient, key: str
) -> None:
    path = f"/api/v1/environments/production/flags/{key}"
    error = _refused(estate.put(path, json={"flag": FLAG}))
    assert error["where"] == "key"
    assert estate.get("/api/v1/flags").json()["total"] == 0


def test_a_flag_set_import_with_an_invisible_key_is_refused_whole(estate: TestClient) -> None:
    document = {"flags": {"fine": FLAG, "new\u200bcheckout": FLAG}}
    body = {"document": document, "allowInvalid": True}
    error = _refused(estate.put("/api/v1/environments/production/flagset", json=body))
    assert "U+200B" in error["message"]
    assert estate.get("/api/v1/flags").json()["total"] == 0


def test_a_version_with_a_trailing_newline_is_refused(estate: TestClient) -> None:
    _refused(estate.put("/api/v1/services/case-service/versions/1.0%0A", json={}))
    _refused(estate.put("/api/v1/services/case-service%0A", json={}))


def test_a_body_that_is_not_utf8_is_refused_like_unreadable_json(estate: TestClient) -> None:
    error = _refused(estate.put("/api/v1/teams/t", content=b'{"x": "\xa3"}', headers=JSON))
    assert "UTF-8" in error["message"]
    _refused(estate.put("/api/v1/teams/t", content=b"{not json", headers=JSON))


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/services/long", {"lifecycle": "x" * 41}),
        ("/api/v1/services/long", {"repositoryUrl": "https://x/" + "x" * 500}),
        ("/api/v1/teams/long", {"email": "x" * 201}),
        ("/api/v1/services/case-service/versions/9.9.9", {"branch": "b" * 201}),
    ],
)
def test_a_text_longer_than_its_column_is_refused_on_every_database(
    estate: TestClient, path: str, body: dict[str, str]
) -> None:
    _refused(estate.put(path, json=body))
    assert estate.get(path).status_code in (404, 405)


@pytest.mark.parametrize(
    ("path", "key"), [("/ofrep/v1/evaluate/flags/f", "f"), ("/ofrep/v1/evaluate/flags", None)]
)
@pytest.mark.parametrize(
    "raw",
    [
        '{"context": {"a": "\\ud800"}}',
        '{"context": ' + '{"a":' * 900 + "1" + "}" * 900 + "}",
        b'{"context": {"a": "\xa3"}}',
    ],
    ids=["surrogate", "deep", "not-utf8"],
)
def test_ofrep_refuses_hostile_contexts_with_its_own_400_body(
    estate: TestClient, path: str, key: str | None, raw: str | bytes
) -> None:
    response = estate.post(path, content=raw, headers=JSON)
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "PARSE_ERROR" and body["errorDetails"]
    assert body.get("key") == key
