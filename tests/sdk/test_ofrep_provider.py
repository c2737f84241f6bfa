"""The real openfeature-provider-ofrep client against our OFREP endpoints on a real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from openfeature import api
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import Reason

from ..server.flag_app import FLAGS
from .live_server import LiveServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("ofrep") / "ofrep.db").start()
    with httpx.Client(base_url=live.url) as http:
        for env in ("staging", "production"):
            http.put(f"/api/v1/environments/{env}", json={}).raise_for_status()
            http.put(
                f"/api/v1/environments/{env}/flagset", json={"document": FLAGS}
            ).raise_for_status()
        http.post("/api/v1/flags/color/kill", json={"reason": "test"})
        http.put(  # turned back on in production only, on purpose
            "/api/v1/environments/production/flagset",
            json={"document": FLAGS, "reverseKills": True},
        ).raise_for_status()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def client(server: LiveServer):  # type: ignore[no-untyped-def]
    provider = OFREPProvider(
        server.url, headers_factory=lambda: {"X-Unlockstep-Environment": "production"}
    )
    api.set_provider(provider, "ofrep")
    return api.get_client("ofrep")


def test_targeted_boolean(client) -> None:  # type: ignore[no-untyped-def]
    details = client.get_boolean_details(
        "decision.submit.v2", False, EvaluationContext("c", {"tenantId": "t-1"})
    )
    assert (details.value, details.variant, details.reason) == (True, "on", Reason.TARGETING_MATCH)
    assert details.flag_metadata["owner"] == "decision-platform-team"


def test_static_string(client) -> None:  # type: ignore[no-untyped-def]
    details = client.get_string_details("color", "x")
    assert (details.value, details.reason) == ("red", Reason.STATIC)


def test_disabled_flag_gives_the_callers_default(client) -> None:  # type: ignore[no-untyped-def]
    details = client.get_boolean_details("off-flag", False)
    assert (details.value, details.reason, details.error_code) == (False, Reason.DISABLED, None)


def test_unknown_flag_is_flag_not_found(client) -> None:  # type: ignore[no-untyped-def]
    details = client.get_boolean_details("nope", True)
    assert (details.value, details.error_code) == (True, ErrorCode.FLAG_NOT_FOUND)


def test_type_mismatch_is_detected_by_the_client(client) -> None:  # type: ignore[no-untyped-def]
    details = client.get_integer_details("color", 7)
    assert (details.value, details.error_code) == (7, ErrorCode.TYPE_MISMATCH)


def test_evaluation_errors_carry_their_code(client) -> None:  # type: ignore[no-untyped-def]
    details = client.get_boolean_details("broken", False)
    assert (details.value, details.error_code) == (False, ErrorCode.GENERAL)


def test_other_environment_by_header(server: LiveServer) -> None:
    provider = OFREPProvider(
        server.url, headers_factory=lambda: {"X-Unlockstep-Environment": "staging"}
    )
    api.set_provider(provider, "ofrep-staging")
    details = api.get_client("ofrep-staging").get_string_details("color", "x")
    assert (details.value, details.reason) == ("x", Reason.DISABLED)
