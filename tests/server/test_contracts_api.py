"""Contracts over HTTP, in-process: publish per provider version (content-addressed,
idempotent, refused on conflict or when the mode is violated), check without writing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

CONTRACTS = Path(__file__).resolve().parents[2] / "examples" / "estate" / "contracts"
BASE = "/api/v1/services/case-service/contracts/case-summary-api"


def doc(name: str) -> str:
    return (CONTRACTS / f"case-summary-api.{name}.yaml").read_text()


@pytest.fixture
def api(api: TestClient) -> TestClient:
    """The shared in-process app (SQLite, and PostgreSQL when configured) with case-service."""
    assert api.put("/api/v1/services/case-service", json={}).status_code == 200
    return api


def publish(api: TestClient, version: str, content: str, **extra: Any) -> Any:
    return api.put(f"{BASE}/versions/{version}", json={"content": content, **extra})


def test_the_first_publish_creates_the_contract_with_backward_mode(api: TestClient) -> None:
    response = publish(api, "1.0.0", doc("v1"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["outcome"] == "created"
    assert body["contract"] == {
        "service": "case-service",
        "name": "case-summary-api",
        "kind": "openapi",
        "mode": "BACKWARD",
        "createdAt": body["contract"]["createdAt"],
    }
    assert len(body["version"]["sha256"]) == 64


def test_republishing_the_same_content_is_a_no_op(api: TestClient) -> None:
    first = publish(api, "1.0.0", doc("v1")).json()
    reformatted = "# a comment changes nothing\n" + doc("v1")
    again = publish(api, "1.0.0", reformatted).json()
    assert again["outcome"] == "unchanged"
    assert again["version"]["sha256"] == first["version"]["sha256"]


def test_other_content_under_a_published_version_is_a_conflict(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    response = publish(api, "1.0.0", doc("v2-proposed"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_forcing_other_content_under_a_version_is_audited(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    unexplained = publish(api, "1.0.0", doc("v2-proposed"), force=True)
    assert unexplained.status_code == 422 and unexplained.json()["error"]["where"] == "reason"
    response = publish(api, "1.0.0", doc("v2-proposed"), force=True, reason="typo in 1.0.0")
    assert response.json()["outcome"] == "replaced"
    events = api.get("/api/v1/audit", params={"entity_type": "contract"}).json()["items"]
    forced = next(e for e in events if e["action"] == "contract.version.forced")
    assert "typo in 1.0.0" in forced["reason"]


def test_a_compatible_next_version_is_published_with_its_report(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    body = publish(api, "1.1.0", doc("v2-proposed")).json()
    assert body["outcome"] == "created"
    assert body["report"]["compatible"] is True


def test_a_version_that_violates_the_mode_is_refused_with_the_report(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    response = publish(api, "2.0.0", doc("v2-breaking"))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "incompatible"
    rules = {c["rule"] for c in error["details"]["changes"] if c["level"] == "breaking"}
    assert rules == {"new-required-request-property"}
    versions = api.get(BASE).json()["versions"]
    assert [v["version"] for v in versions] == ["1.0.0"]


def test_a_publish_never_changes_the_mode_as_a_side_effect(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    response = publish(api, "2.0.0", doc("v2-breaking"), mode="NONE")
    assert response.status_code == 409 and "contract mode set" in response.json()["error"]["hint"]
    assert api.get(BASE).json()["mode"] == "BACKWARD"
    assert publish(api, "1.1.0", doc("v2-proposed"), mode="BACKWARD").status_code == 200


def test_mode_none_set_on_its_own_accepts_a_breaking_version(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    unexplained = api.put(f"{BASE}/mode", json={"mode": "NONE", "reason": ""})
    assert unexplained.status_code == 422
    changed = api.put(f"{BASE}/mode", json={"mode": "NONE", "reason": "prototype"})
    assert changed.json()["outcome"] == "updated" and changed.json()["contract"]["mode"] == "NONE"
    again = api.put(f"{BASE}/mode", json={"mode": "none", "reason": "prototype"})
    assert again.json()["outcome"] == "unchanged"
    assert publish(api, "2.0.0", doc("v2-breaking")).status_code == 200
    events = api.get("/api/v1/audit", params={"entity_type": "contract"}).json()["items"]
    changes = [e for e in events if e["action"] == "contract.mode_changed"]
    assert len(changes) == 1 and changes[0]["reason"] == "prototype"
    assert (changes[0]["before"]["mode"], changes[0]["after"]["mode"]) == ("BACKWARD", "NONE")


def test_check_reports_without_writing(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    body = api.post(f"{BASE}/check", json={"content": doc("v2-breaking")}).json()
    assert body["registered"] is True
    assert body["report"]["compatible"] is False
    assert [v["version"] for v in api.get(BASE).json()["versions"]] == ["1.0.0"]


def test_a_stored_document_can_be_read_back(api: TestClient) -> None:
    publish(api, "1.0.0", doc("v1"))
    body = api.get(f"{BASE}/versions/1.0.0").json()
    assert body["content"] == doc("v1")


def test_publishing_for_an_unknown_service_is_not_found(api: TestClient) -> None:
    response = api.put(
        "/api/v1/services/nobody/contracts/x/versions/1", json={"content": doc("v1")}
    )
    assert response.status_code == 404


def test_an_unreadable_document_is_bad_input_saying_where(api: TestClient) -> None:
    response = publish(api, "1.0.0", "openapi: [unclosed\n", filename="api.yaml")
    assert response.status_code == 422
    assert "api.yaml" in response.json()["error"]["where"]


# -- hostile input: a 4xx with the one JSON error body, and the server keeps going -------

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
_HEAD = f'{{"$schema": "{SCHEMA}", '
HOSTILE = {
    "ref-cycle": _HEAD + '"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},'
    ' "properties": {"x": {"$ref": "#/$defs/a"}}}',
    "relative-ref": _HEAD + '"properties": {"x": {"$ref": "a.json"}}}',
    "deep-json": _HEAD + '"properties": ' + '{"a": ' * 10_000 + "{}" + "}" * 10_000 + "}",
    "deep-yaml": f"$schema: {SCHEMA}\nproperties: " + "{a: " * 10_000 + "{}" + "}" * 10_000,
    "deep-block-yaml": f"$schema: {SCHEMA}\nenum:\n" + "- " * 100_000 + "x\n",
    "yaml-bomb": f"$schema: {SCHEMA}\nx0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9)}]\n" for i in range(1, 10)),
}


_HOSTILE_BASE = "/api/v1/services/case-service/contracts/h"


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("route", ["publish", "check"])
def test_hostile_documents_get_a_4xx_error_body_and_the_server_keeps_going(
    api: TestClient, name: str, route: str
) -> None:
    first = {"content": _HEAD + '"type": "object"}', "kind": "jsonschema"}
    assert api.put(f"{_HOSTILE_BASE}/versions/0", json=first).status_code == 200
    body = {"content": HOSTILE[name], "filename": f"{name}.doc", "kind": "jsonschema"}
    if route == "publish":
        response = api.put(f"{_HOSTILE_BASE}/versions/1", json=body)
    else:
        response = api.post(f"{_HOSTILE_BASE}/check", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "parse_error"
    assert f"{name}.doc" in error["where"]
    assert api.get("/api/v1/health").status_code == 200


@pytest.fixture
def small_api(store: Any, tmp_path: Path) -> Iterator[TestClient]:
    """The app with a 1 MiB document limit."""
    from unlockstep.server.app import create_app
    from unlockstep.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'small.db'}", max_document_mb=1)
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        assert client.put("/api/v1/services/case-service", json={}).status_code == 200
        yield client


def test_a_document_past_max_document_mb_is_413_saying_size_limit_where_and_what_to_do(
    small_api: TestClient,
) -> None:
    content = doc("v1") + "#" * 1_100_000
    response = publish(small_api, "1.0.0", content, filename="api.yaml")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "document_too_large"
    assert error["where"] == "api.yaml"
    assert error["message"].startswith(f"document is {len(content.encode()):,} bytes")
    assert "more than the limit of 1,048,576 bytes (1 MiB)" in error["message"]
    assert "UNLOCKSTEP_MAX_DOCUMENT_MB (now 1)" in error["hint"]
    assert small_api.get(f"{BASE}/versions/1.0.0").status_code == 404


def test_a_limit_in_multibyte_characters_counts_utf8_bytes(small_api: TestClient) -> None:
    content = doc("v1") + "# " + "é" * 600_000  # 0.6 M characters, 1.2 MB
    response = publish(small_api, "1.0.0", content, filename="api.yaml")
    assert response.status_code == 413


def _asgi(app: Any, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, Any]:
    """Send one PUT straight to the ASGI app; returns the status, the JSON body, and how
    many body chunks the app asked for."""
    sent: list[dict[str, Any]] = []
    pending = list(chunks)

    async def receive() -> dict[str, Any]:
        if not pending:
            return {"type": "http.disconnect"}
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PUT",
        "scheme": "http",
        "path": f"{BASE}/versions/1.0.0",
        "raw_path": f"{BASE}/versions/1.0.0".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), *headers],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
    }
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, (json.loads(body), len(chunks) - len(pending))


def test_a_body_whose_content_length_is_past_the_limit_is_refused_unread(
    small_api: TestClient,
) -> None:
    limit = 2 * 1024 * 1024 + 1024 * 1024
    status, (body, read) = _asgi(
        small_api.app, [(b"content-length", str(50 * 1024 * 1024).encode())], [b"{"] * 3
    )
    assert status == 413
    assert read == 0
    assert body["error"]["code"] == "document_too_large"
    assert f"more than this server reads ({limit:,} bytes" in body["error"]["message"]
    assert body["error"]["where"] == f"PUT {BASE}/versions/1.0.0"


def test_a_chunked_body_is_read_only_up_to_the_limit(small_api: TestClient) -> None:
    chunks = [b"x" * (1024 * 1024)] * 10  # 10 MiB, no Content-Length
    status, (body, read) = _asgi(small_api.app, [], chunks)
    assert status == 413
    assert read == 4  # 3 MiB is the limit: the fourth chunk passes it
    assert body["error"]["code"] == "document_too_large"


def test_a_chunked_body_under_the_limit_reaches_the_route(small_api: TestClient) -> None:
    payload = json.dumps({"content": doc("v1"), "filename": "api.yaml"}).encode()
    status, (body, _) = _asgi(small_api.app, [], [payload[:100], payload[100:]])
    assert status == 200, body
    assert body["outcome"] == "created"


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"properties": {"a": {"$ref": "#/$defs/Missing"}}}, "does not resolve"),
        ({"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}}, "loops back"),
        ({"properties": {"a": {"$ref": "other.json#/A"}}}, "cannot be followed here"),
    ],
)
def test_a_first_publish_with_a_broken_ref_is_refused_saying_where(
    api: TestClient, schema: dict[str, Any], message: str
) -> None:
    body = {"content": json.dumps(schema), "filename": "s.json", "kind": "jsonschema"}
    response = api.put(f"{_HOSTILE_BASE}/versions/1", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert message in error["message"] and error["where"].startswith("s.json")
    assert api.get(f"{_HOSTILE_BASE}/versions/1").status_code == 404  # nothing written


def test_a_ref_key_inside_example_data_is_not_taken_for_a_reference(api: TestClient) -> None:
    schema = {"properties": {"a": {"type": "object", "examples": [{"$ref": "not a pointer"}]}}}
    body = {"content": json.dumps(schema), "filename": "s.json", "kind": "jsonschema"}
    assert api.put(f"{_HOSTILE_BASE}/versions/1", json=body).status_code == 200
