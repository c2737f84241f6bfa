"""The SDK provider through the real openfeature-sdk client against a real server, including
the server going down and coming back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.event import EventDetails, ProviderEvent
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import Reason

from unlockstep.sdk import UnlockstepProvider

from ..server.flag_app import FLAGS
from .live_server import LiveServer, free_port, wait_for

TENANT = EvaluationContext("case-1", {"tenantId": "t-1"})


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "live.db").start()
    with httpx.Client(base_url=live.url) as http:
        http.put("/api/v1/environments/production", json={"production": True}).raise_for_status()
        http.put(
            "/api/v1/environments/production/flagset", json={"document": FLAGS}
        ).raise_for_status()
    yield live
    live.stop()


def attach(
    provider: UnlockstepProvider, domain: str, wait: bool = True
) -> tuple[Any, list[ProviderEvent]]:
    events: list[ProviderEvent] = []
    if wait:
        api.set_provider_and_wait(provider, domain)
    else:
        api.set_provider(provider, domain)
    client = api.get_client(domain)
    for event in ProviderEvent:
        client.add_handler(event, lambda details, e=event: events.append(e))
    return client, events


def test_local_evaluation_follows_changes_survives_a_restart_and_flushes_counts(
    server: LiveServer,
) -> None:
    provider = UnlockstepProvider(server.url, "production", poll_interval=0.05, flush_interval=3600)
    client, events = attach(provider, "sdk-live")
    try:
        details = client.get_boolean_details("decision.submit.v2", False, TENANT)
        assert (details.value, details.variant, details.reason) == (
            True,
            "on",
            Reason.TARGETING_MATCH,
        )
        assert client.get_string_value("color", "x") == "red"

        httpx.post(
            f"{server.url}/api/v1/flags/decision.submit.v2/kill", json={"reason": "test"}
        ).raise_for_status()
        assert wait_for(
            lambda: client.get_boolean_details("decision.submit.v2", True, TENANT).value is False
        )
        assert ProviderEvent.PROVIDER_CONFIGURATION_CHANGED in events

        server.stop()
        assert wait_for(lambda: provider.stale)
        during = client.get_string_details("color", "x")
        assert (during.value, during.reason, during.error_code) == ("red", Reason.STALE, None)
        assert ProviderEvent.PROVIDER_STALE in events

        server.start()
        assert wait_for(lambda: not provider.stale)
        assert client.get_string_details("color", "x").reason == Reason.STATIC
        # the provider clears ``stale`` and then emits READY: wait for the event, not the flag
        assert wait_for(lambda: events[-1] == ProviderEvent.PROVIDER_READY)

        assert provider.flush() > 0
        debt = httpx.get(
            f"{server.url}/api/v1/flag-debt", params={"environment": "production"}
        ).json()
        flags = {d["flag"]: d for owner in debt["owners"].values() for d in owner}
        assert flags["decision.submit.v2"]["evaluations"] >= 2
    finally:
        provider.shutdown()


def test_without_a_server_it_returns_defaults_and_never_raises(tmp_path: Path) -> None:
    provider = UnlockstepProvider(f"http://127.0.0.1:{free_port()}", poll_interval=60, timeout=0.2)
    client, events = attach(provider, "sdk-down", wait=False)
    try:
        assert wait_for(lambda: ProviderEvent.PROVIDER_ERROR in events)
        details = client.get_boolean_details("decision.submit.v2", True, TENANT)
        assert details.value is True and details.error_code is not None
        assert ProviderEvent.PROVIDER_ERROR in events
    finally:
        provider.shutdown()


def test_a_bootstrap_configuration_serves_before_the_first_sync() -> None:
    provider = UnlockstepProvider(None, bootstrap=FLAGS)
    client, _ = attach(provider, "sdk-offline")
    details = client.get_integer_details("color", 3)
    assert (details.value, details.error_code) == (3, ErrorCode.TYPE_MISMATCH)
    assert client.get_boolean_value("decision.submit.v2", False, TENANT) is True
    assert client.get_boolean_details("nope", False).error_code == ErrorCode.FLAG_NOT_FOUND
    counted = {(c["flag"], c["reason"]): c["count"] for c in provider.counter.drain()}
    assert counted[("decision.submit.v2", "TARGETING_MATCH")] == 1


def test_events_reach_handlers(server: LiveServer) -> None:
    seen: list[EventDetails] = []
    provider = UnlockstepProvider(server.url, poll_interval=3600)
    client, _ = attach(provider, "sdk-events")
    client.add_handler(ProviderEvent.PROVIDER_READY, seen.append)
    try:
        assert seen  # READY already happened: handlers added later run at once
    finally:
        provider.shutdown()
