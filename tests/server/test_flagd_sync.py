"""flagd's sync service in the app's process, spoken to with a plain gRPC client: the first
message is the environment's document, every write arrives as one new message, the selector
picks the environment (and a flag set), and the server shows who holds which revision."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from fastapi.testclient import TestClient

from tests.sdk.live_server import free_port
from tests.server.flag_app import seed
from unlockstep.core.flags import for_flagd
from unlockstep.server.app import create_app
from unlockstep.server.flagd_sync import Selection, SelectorError, parse_selector, sync_pb2
from unlockstep.settings import Settings
from unlockstep.store import Store

SERVICE = "/flagd.sync.v1.FlagSyncService/"


class Sync:
    def __init__(self, client: TestClient, port: int) -> None:
        self.client = client
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self._stream = self.channel.unary_stream(
            SERVICE + "SyncFlags",
            request_serializer=sync_pb2.SyncFlagsRequest.SerializeToString,
            response_deserializer=sync_pb2.SyncFlagsResponse.FromString,
        )
        self._fetch = self.channel.unary_unary(
            SERVICE + "FetchAllFlags",
            request_serializer=sync_pb2.FetchAllFlagsRequest.SerializeToString,
            response_deserializer=sync_pb2.FetchAllFlagsResponse.FromString,
        )

    def stream(self, selector: str = "", header: str | None = None, **kw: Any) -> Any:
        metadata = [("flagd-selector", header)] if header is not None else []
        metadata += kw.pop("metadata", [])
        return self._stream(
            sync_pb2.SyncFlagsRequest(selector=selector, provider_id="test"),
            metadata=metadata, timeout=10,
        )  # fmt: skip

    def fetch(self, selector: str = "", **kw: Any) -> dict[str, Any]:
        answer = self._fetch(sync_pb2.FetchAllFlagsRequest(selector=selector), timeout=10, **kw)
        document: dict[str, Any] = json.loads(answer.flag_configuration)
        return document


@pytest.fixture
def sync(tmp_path: Path) -> Iterator[Sync]:
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    port = free_port()
    settings = Settings(database_url=url, flag_rules=[], sync_port=port, worker=False)
    with TestClient(create_app(settings, Store(url))) as client:
        seed(client)
        connection = Sync(client, port)
        yield connection
        connection.channel.close()


def _flags(message: Any) -> dict[str, Any]:
    flags: dict[str, Any] = json.loads(message.flag_configuration)["flags"]
    return flags


def test_the_first_message_is_the_environments_document_as_flagd_evaluates_it(
    sync: Sync,
) -> None:
    stream = sync.stream("staging")
    first = json.loads(next(stream).flag_configuration)
    served = sync.client.get("/api/v1/environments/staging/flagset").json()
    assert first == for_flagd(served)
    stream.cancel()


def test_an_edit_and_a_kill_each_arrive_as_one_new_configuration(sync: Sync) -> None:
    stream = sync.stream("production")
    assert _flags(next(stream))["color"]["defaultVariant"] == "red"
    path = "/api/v1/environments/production/flags/color"
    current = sync.client.get(path)
    body = {**current.json()["flag"], "defaultVariant": "blue"}
    written = sync.client.put(
        path, json={"flag": body}, headers={"If-Match": current.headers["ETag"]}
    )
    assert written.status_code == 200, written.text
    assert _flags(next(stream))["color"]["defaultVariant"] == "blue"
    killed = sync.client.post("/api/v1/flags/decision.submit.v2/kill", json={"reason": "t"})
    assert killed.status_code == 200
    flag = _flags(next(stream))["decision.submit.v2"]
    assert flag["defaultVariant"] == "off" and "targeting" not in flag
    status = sync.client.get("/api/v1/environments/production/flag-sync").json()
    [client] = status["clients"]
    assert client["client"] == "test" and client["transport"] == "grpc" and client["current"]
    assert status["laggards"] == []
    [kill, *_] = status["propagations"]
    assert kill["killed"] == ["decision.submit.v2"] and kill["seconds"] is not None
    stream.cancel()


def test_the_selector_header_wins_over_the_deprecated_field_and_can_name_a_flag_set(
    sync: Sync,
) -> None:
    stream = sync.stream("production", header="environment=staging,flagSetId=demo")
    assert set(_flags(next(stream))) == {"decision.submit.v2", "color", "off-flag", "broken"}
    stream.cancel()
    assert sync.fetch("environment=staging,flagSetId=elsewhere")["flags"] == {}
    assert set(sync.fetch()["flags"]) == set(sync.fetch("production")["flags"])


def test_a_selector_it_does_not_understand_is_invalid_argument(sync: Sync) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        sync.fetch("colour=blue")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("selector", "selection"),
    [
        ("", Selection("production")),
        ("staging", Selection("staging")),
        ("environment=staging", Selection("staging")),
        ("flagSetId=demo", Selection("production", "demo")),
        (" env = staging , flagSetId = demo ", Selection("staging", "demo")),
    ],
)
def test_selectors(selector: str, selection: Selection) -> None:
    assert parse_selector(selector, "production") == selection


def test_a_selector_part_without_a_value_is_refused() -> None:
    with pytest.raises(SelectorError):
        parse_selector("flagSetId=", "production")


def test_with_reads_behind_a_token_a_stream_needs_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    port = free_port()
    settings = Settings(
        database_url=url, flag_rules=[], sync_port=port, worker=False,
        require_token_for_reads=True, api_tokens="ci:s3cret",
    )  # fmt: skip
    with TestClient(create_app(settings, Store(url))):
        connection = Sync(None, port)  # type: ignore[arg-type]
        with pytest.raises(grpc.RpcError) as caught:
            connection.fetch()
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as caught:
            connection.fetch(metadata=[("authorization", "Bearer wrong")])
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        document = connection.fetch(metadata=[("authorization", "Bearer s3cret")])
        assert document["flags"] == {}
        connection.channel.close()


def test_a_kill_written_through_another_server_process_reaches_this_ones_streams(
    store: Store,
) -> None:
    """Two apps on one database, each with its own engine (as two processes would be): the
    second learns of the first's write only by re-reading the revisions, and pushes it."""
    url = store.url
    writer_settings = Settings(database_url=url, flag_rules=[], worker=False)
    port = free_port()
    reader_settings = Settings(database_url=url, flag_rules=[], sync_port=port, worker=False)
    with TestClient(create_app(writer_settings, Store(url))) as writer:
        seed(writer)
        with TestClient(create_app(reader_settings, Store(url))) as reader:
            connection = Sync(reader, port)
            stream = connection.stream("production")
            assert "targeting" in _flags(next(stream))["decision.submit.v2"]
            killed = writer.post("/api/v1/flags/decision.submit.v2/kill", json={"reason": "t"})
            assert killed.status_code == 200, killed.text
            flag = _flags(next(stream))["decision.submit.v2"]  # within the 10 s call timeout
            assert flag["defaultVariant"] == "off" and "targeting" not in flag
            status = reader.get("/api/v1/environments/production/flag-sync").json()
            assert status["laggards"] == [] and status["propagations"][0]["killed"] == [
                "decision.submit.v2"
            ]
            stream.cancel()
            connection.channel.close()


def test_the_sync_server_lets_a_burst_of_new_streams_queue_past_grpc_cores_defaults() -> None:
    """grpc core's defaults (1,000 pending calls, hard limit 3,000) stalled new streams past
    about 4,000 per process when they arrived in a burst (``bench/flag_push.py --idle``)."""
    from unlockstep.server.flagd_sync._service import OPTIONS

    options = dict(OPTIONS)
    assert options["grpc.server.max_pending_requests"] >= 10_000
    assert options["grpc.server.max_pending_requests_hard_limit"] >= 10_000


def test_sync_status_shows_the_clients_of_every_process_and_names_a_lagging_one(
    store: Store,
) -> None:
    """Two apps on one database (as two processes, on SQLite and PostgreSQL): a stream on the
    second is reported to the database and shown by the first, with its process; once it
    falls behind (it is stopped before a write reaches it), the first names it a laggard."""
    url = store.url
    port = free_port()
    first_settings = Settings(database_url=url, flag_rules=[], worker=False)
    second_settings = Settings(database_url=url, flag_rules=[], sync_port=port, worker=False)
    with TestClient(create_app(first_settings, Store(url))) as first:
        seed(first)
        with TestClient(create_app(second_settings, Store(url))) as second:
            connection = Sync(second, port)
            stream = connection.stream("production")
            next(stream)
            second_feed = second.app.state.flag_feed  # type: ignore[attr-defined]
            status = _reported(first, second_feed, lambda s: not s["laggards"])
            [client] = status["clients"]
            assert client["client"] == "test" and client["current"]
            assert client["process"] == second_feed.process
            assert [p["process"] for p in status["processes"]][1:] == [second_feed.process]
            # the other process's report is what the first knows: a write it has not seen
            killed = first.post("/api/v1/flags/decision.submit.v2/kill", json={"reason": "t"})
            assert killed.status_code == 200
            status = first.get("/api/v1/environments/production/flag-sync").json()
            assert [c["client"] for c in status["laggards"]] == ["test"]
            next(stream)  # the kill reaches it through the second process
            assert _reported(first, second_feed, lambda s: not s["laggards"])["clients"]
            stream.cancel()
            connection.channel.close()
            second_feed.stop()
        shown = first.get("/api/v1/environments/production/flag-sync").json()
        assert shown["clients"] == [] and len(shown["processes"]) == 1


def _reported(app: TestClient, other: Any, wanted: Any) -> dict[str, Any]:
    """The status ``app`` shows once ``other`` has reported one that ``wanted`` accepts (the
    stream acknowledges a message just after the client has read it)."""
    deadline = time.monotonic() + 10
    while True:
        other.report()
        status: dict[str, Any] = app.get("/api/v1/environments/production/flag-sync").json()
        if wanted(status) or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def test_a_propagation_completes_once_every_client_connected_meanwhile_holds_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'feed.db'}"
    settings = Settings(database_url=url, flag_rules=[], worker=False)
    with TestClient(create_app(settings, Store(url))) as client:
        seed(client)
        feed = client.app.state.flag_feed  # type: ignore[attr-defined]

        async def scenario() -> None:
            a = await feed.subscribe("production", "stream", "a")
            b = await feed.subscribe("production", "stream", "b")
            for subscription in (a, b):
                subscription.acknowledge(subscription.latest.revision)
            killed = client.post("/api/v1/flags/decision.submit.v2/kill", json={"reason": "t"})
            assert killed.status_code == 200
            feed.check()
            revision = feed.status("production")["revision"]
            a.acknowledge(revision)
            late = await feed.subscribe("production", "stream", "late")  # joins meanwhile
            b.acknowledge(revision)
            status = feed.status("production")
            assert status["pending"]["revision"] == revision
            assert [row["client"] for row in status["laggards"]] == ["late"]
            late.acknowledge(revision)
            status = feed.status("production")
            assert status["pending"] is None and status["propagations"][0]["revision"] == revision
            for subscription in (a, b, late):
                feed.unsubscribe(subscription)

        asyncio.run(scenario())
