"""How the hot paths are served: from memory, bounded, with the declared wire in
/openapi.json, and on the fast server stack."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from unlockstep.server.app import create_app
from unlockstep.server.deps import etag_of
from unlockstep.server.flag_engines import FlagEngines
from unlockstep.services import flags as flag_service
from unlockstep.settings import Settings
from unlockstep.store import Store
from unlockstep.store import flags as flag_store

from .flag_app import seed

EVAL = "/ofrep/v1/evaluate/flags"
SYNC = "/api/v1/environments/production/flagset"


@pytest.fixture
def quiet(store: Store, settings: Settings) -> Iterator[TestClient]:
    """A seeded server that looks for other processes' writes only once an hour."""
    app = create_app(settings.model_copy(update={"flag_refresh_seconds": 3600}), store)
    with TestClient(app) as client:
        yield seed(client)


def engines(client: TestClient) -> FlagEngines:
    found: FlagEngines = client.app.state.flag_engines  # type: ignore[attr-defined]
    return found


@contextmanager
def statements_run(store: Store) -> Iterator[list[str]]:
    """The SQL statements the store's engine runs inside the block."""
    statements: list[str] = []

    def note(*args: Any) -> None:
        statements.append(args[2])

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(store.engine, "before_cursor_execute", note)


def test_serving_evaluations_and_the_sync_reads_no_database(
    quiet: TestClient, store: Store
) -> None:
    quiet.post(EVAL, json={})  # the first request loads the environment
    quiet.portal.call(engines(quiet).refresh)  # type: ignore[union-attr]
    with statements_run(store) as statements:
        for _ in range(5):
            assert quiet.post(f"{EVAL}/color", json={}).status_code == 200
            assert quiet.post(EVAL, json={"context": {"tenantId": "t-1"}}).status_code == 200
            assert quiet.get(SYNC).status_code == 200
    assert statements == []


def test_writes_other_than_flags_do_not_make_the_next_evaluation_read(
    quiet: TestClient, store: Store
) -> None:
    quiet.post(EVAL, json={})
    quiet.portal.call(engines(quiet).refresh)  # type: ignore[union-attr]
    counts = {
        "environment": "production",
        "counts": [{"flag": "color", "reason": "STATIC", "count": 3}],
    }
    assert quiet.post("/api/v1/flag-evaluations", json=counts).status_code == 202
    with statements_run(store) as statements:
        assert quiet.post(f"{EVAL}/color", json={}).json()["value"] == "red"
    assert statements == []


def test_the_sync_serves_the_exported_document_with_its_etag_and_304(
    quiet: TestClient, store: Store
) -> None:
    response = quiet.get(SYNC)
    document = flag_service.export_flag_set(store, "production")
    assert response.json() == document
    assert response.headers["ETag"] == etag_of(document)
    again = quiet.get(SYNC, headers={"If-None-Match": f'"other", {response.headers["ETag"]}'})
    assert again.status_code == 304 and again.content == b""


def test_unknown_environment_names_are_remembered_within_a_bound(
    store: Store, settings: Settings
) -> None:
    with TestClient(create_app(settings, store)) as client:
        seed(client)
        served = engines(client)
        served.max_unknown = 3
        for i in range(10):
            headers = {"X-Unlockstep-Environment": f"probe-{i}"}
            assert client.post(f"{EVAL}/color", json={}, headers=headers).status_code == 404
        assert client.post(f"{EVAL}/color", json={}).json()["value"] == "red"
        assert served.stats() == {"environments": 1, "unknown": 3}


def test_at_most_max_environments_flag_sets_are_held(store: Store, settings: Settings) -> None:
    with TestClient(create_app(settings, store)) as client:
        seed(client)
        engines(client).max_environments = 1
        for environment in ("staging", "production", "staging"):
            headers = {"X-Unlockstep-Environment": environment}
            body = client.post(f"{EVAL}/color", json={}, headers=headers).json()
            assert body["value"] == "red"
        assert engines(client).stats()["environments"] == 1


def test_a_failed_refresh_keeps_serving_what_is_held(
    quiet: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert quiet.post(f"{EVAL}/color", json={}).json()["value"] == "red"

    def down(*_: Any) -> int:
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(flag_store, "read_set_revision", down)
    quiet.portal.call(engines(quiet).refresh)  # type: ignore[union-attr]
    assert quiet.post(f"{EVAL}/color", json={}).json()["value"] == "red"


def _schema_of(spec: dict[str, Any], path: str, status: str) -> dict[str, Any]:
    content = spec["paths"][path]["post"]["responses"][status]["content"]
    schema: dict[str, Any] = content["application/json"]["schema"]
    return schema


def test_openapi_declares_the_ofrep_wire_in_camel_case(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    single = "/ofrep/v1/evaluate/flags/{key}"
    assert _schema_of(spec, single, "200")["$ref"].endswith("/OfrepEvaluationSuccess")
    assert _schema_of(spec, single, "404")["$ref"].endswith("/OfrepFlagNotFound")
    assert _schema_of(spec, EVAL, "200")["$ref"].endswith("/OfrepBulkEvaluation")
    schemas = spec["components"]["schemas"]
    assert {"key", "errorCode", "errorDetails"} <= set(
        schemas["OfrepEvaluationFailure"]["properties"]
    )
    assert "minPollingIntervalMs" in schemas["OfrepPolling"]["properties"]
    assert "requestBody" in spec["paths"][EVAL]["post"]
    assert list(spec["paths"][single]) == ["post"]  # declared once, not per route


def test_serve_runs_uvicorn_on_uvloop_and_httptools_without_access_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import uvicorn
    from click.testing import CliRunner

    from unlockstep.cli.main import cli

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *_args, **kwargs: calls.append(kwargs))
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    result = CliRunner().invoke(cli, ["serve", "--database-url", url, "--port", "0"])
    assert result.exit_code == 0, result.output
    assert calls[0]["loop"] == "uvloop" and calls[0]["http"] == "httptools"
    assert calls[0]["access_log"] is False
    result = CliRunner().invoke(
        cli, ["serve", "--database-url", url, "--port", "0", "--access-log"]
    )
    assert calls[1]["access_log"] is True
