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
        # the provider applies a configuration, then emits the event: wait for the event too
        assert wait_for(lambda: ProviderEvent.PROVIDER_CONFIGURATION_CHANGED in events)

        server.stop()
        assert wait_for(lambda: provider.stale)
        during = client.get_string_details("color", "x")
        assert (during.value, during.reason, during.error_code) == ("red", Reason.STALE, None)
        assert wait_for(lambda: ProviderEvent.PROVIDER_STALE in events)

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


def test_a_served_answer_is_built_once_per_configuration_and_counted_per_call() -> None:
    provider = UnlockstepProvider(None, bootstrap=FLAGS)
    first = provider.resolve_boolean_details("decision.submit.v2", False, TENANT)
    again = provider.resolve_boolean_details("decision.submit.v2", False, TENANT)
    assert first is again
    assert (first.value, first.variant, first.reason) == (True, "on", Reason.TARGETING_MATCH)
    assert first.flag_metadata["owner"] == "decision-platform-team"
    other = provider.resolve_boolean_details("decision.submit.v2", False, EvaluationContext("c"))
    assert (other.value, other.variant, other.reason) == (False, "off", Reason.DEFAULT)
    counted = {(c["flag"], c["variant"], c["reason"]): c["count"] for c in provider.counter.drain()}
    assert counted == {
        ("decision.submit.v2", "on", "TARGETING_MATCH"): 2,
        ("decision.submit.v2", "off", "DEFAULT"): 1,
    }


def test_the_targeting_key_of_the_context_is_the_one_rules_see() -> None:
    doc = {
        "flags": {
            "by-key": {
                "state": "ENABLED",
                "variants": {"on": True, "off": False},
                "defaultVariant": "off",
                "targeting": {"if": [{"==": [{"var": "targetingKey"}, "case-1"]}, "on", None]},
            }
        }
    }
    provider = UnlockstepProvider(None, bootstrap=doc)
    assert provider.resolve_boolean_details("by-key", False, TENANT).value is True
    clash = EvaluationContext("case-1", {"targetingKey": "someone-else"})
    assert provider.resolve_boolean_details("by-key", False, clash).value is True
    assert provider.resolve_boolean_details("by-key", False, EvaluationContext()).value is False


def test_a_stale_provider_says_stale_on_every_answer_and_fresh_again_after() -> None:
    provider = UnlockstepProvider(None, bootstrap=FLAGS)
    provider.stale = True
    during = provider.resolve_string_details("color", "x")
    assert (during.value, during.variant, during.reason) == ("red", "red", Reason.STALE)
    as_int = provider.resolve_integer_details("color", 3)
    assert (as_int.value, as_int.error_code, as_int.reason) == (3, ErrorCode.TYPE_MISMATCH, "ERROR")
    provider.stale = False
    assert provider.resolve_string_details("color", "x").reason == Reason.STATIC


def test_an_integer_variant_resolved_as_a_float_is_a_float_through_the_client() -> None:
    doc = {"flags": {"n": {"state": "ENABLED", "variants": {"one": 1}, "defaultVariant": "one"}}}
    client, _ = attach(UnlockstepProvider(None, bootstrap=doc), "sdk-float")
    details = client.get_float_details("n", 0.5)
    assert (details.value, type(details.value), details.error_code) == (1.0, float, None)
    assert client.get_integer_value("n", 0) == 1


def test_without_counting_nothing_is_counted() -> None:
    provider = UnlockstepProvider(None, bootstrap=FLAGS, count_evaluations=False)
    provider.resolve_string_details("color", "x")
    provider.resolve_boolean_details("nope", False)
    assert provider.counter.drain() == []


def test_provider_hooks_are_empty_and_shared() -> None:
    provider = UnlockstepProvider(None, bootstrap=FLAGS)
    assert provider.get_provider_hooks() == [] and provider.get_provider_hooks() is (
        provider.get_provider_hooks()
    )


def test_counts_survive_a_configuration_change_between_flushes() -> None:
    documents = [FLAGS]

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=documents[-1])

    provider = UnlockstepProvider("http://registry", transport=httpx.MockTransport(serve))
    assert provider.sync()
    provider.resolve_string_details("color", "x")
    provider.resolve_string_details("color", "x")
    blue = {**FLAGS, "flags": {**FLAGS["flags"], "color": {**FLAGS["flags"]["color"]}}}
    blue["flags"]["color"]["defaultVariant"] = "blue"
    documents.append(blue)
    assert provider.sync()
    assert provider.resolve_string_details("color", "x").value == "blue"
    counted = {(c["flag"], c["variant"]): c["count"] for c in provider.counter.drain()}
    assert counted == {("color", "red"): 2, ("color", "blue"): 1}
