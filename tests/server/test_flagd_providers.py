"""flagd's own in-process providers against ``unlockstep serve --sync-port``: the Python one
(PyPI ``openfeature-provider-flagd``) and the JavaScript one (npm ``@openfeature/flagd-provider``
with ``@openfeature/server-sdk``), each in its own process.

Each evaluates the demo flags and a generated set and answers what unlockstep's engine
answers, given the flag set's bucketing algorithm the provider implements: the Python provider
hashes CBOR (``openfeature-flagd-core`` 2.x), the JavaScript one flagd's string algorithm
(``flagKey + targetingKey``, ``@openfeature/flagd-core``). Each receives an edit and a kill on
the stream it opened first (the server shows one connection throughout), and picks up a change
made after the server restarted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.flagd_harness import (
    Driver,
    ServerProcess,
    cases_for,
    demo_set,
    disagreements,
    engine_answers,
    generated_set,
    js_available,
    js_driver,
    load_set,
    python_driver,
)

pytestmark = pytest.mark.slow

Start = Callable[[str, int, str, Path], Driver]
PROVIDERS: dict[str, tuple[Start, str]] = {
    "python": (python_driver, "cbor"),
    "javascript": (js_driver, "flagd"),
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path).start()
    try:
        yield process
    finally:
        process.stop()


def _start(name: str) -> Start:
    if name == "javascript" and not js_available():
        pytest.skip(
            "node or @openfeature/flagd-provider is missing: .ci/run installs it with "
            "npm --prefix bench/.cache/flagd-js"
        )
    return PROVIDERS[name][0]


def _connections(server: ServerProcess, environment: str) -> list[dict[str, Any]]:
    with server.api() as api:
        status = api.get(f"/api/v1/environments/{environment}/flag-sync").json()
    clients: list[dict[str, Any]] = status["clients"]
    return clients


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_the_provider_answers_as_unlocksteps_engine_on_the_demo_and_a_generated_set(
    name: str, server: ServerProcess, tmp_path: Path
) -> None:
    start, bucketing = _start(name), PROVIDERS[name][1]
    sets = {"demo": demo_set(bucketing), "generated": generated_set(bucketing)}
    with server.api() as api:
        for environment, document in sets.items():
            load_set(api, environment, document)
        served = {env: api.get(f"/api/v1/environments/{env}/flagset").json() for env in sets}
    for environment in sets:
        driver = start("127.0.0.1", server.sync_port, environment, tmp_path / f"{name}.log")
        try:
            cases = cases_for(served[environment])
            bad = disagreements(
                cases, driver.evaluate(cases), engine_answers(served[environment], cases)
            )
        finally:
            driver.close()
        assert not bad, f"{name} on {environment}:\n" + "\n".join(bad[:20])


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_the_other_bucketing_algorithm_splits_users_differently(
    name: str, server: ServerProcess, tmp_path: Path
) -> None:
    """Which algorithm each provider implements, shown: with the other one named in the flag
    set, unlockstep's engine and the provider put some users in different buckets."""
    start, bucketing = _start(name), PROVIDERS[name][1]
    other = "flagd" if bucketing == "cbor" else "cbor"
    with server.api() as api:
        load_set(api, "generated", generated_set(other))
        served = api.get("/api/v1/environments/generated/flagset").json()
    driver = start("127.0.0.1", server.sync_port, "generated", tmp_path / f"{name}.log")
    try:
        cases = cases_for(served)
        bad = disagreements(cases, driver.evaluate(cases), engine_answers(served, cases))
    finally:
        driver.close()
    assert bad, f"{name} agreed under {other} bucketing too"


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_an_edit_and_a_kill_arrive_on_the_open_stream_and_a_restart_is_survived(
    name: str, server: ServerProcess, tmp_path: Path
) -> None:
    start, bucketing = _start(name), PROVIDERS[name][1]
    with server.api() as api:
        load_set(api, "production", demo_set(bucketing))
    sandbox = {"tenantId": "t-sandbox-1"}
    case = ("decision.submit.v2", "boolean", False, "case-1", sandbox)
    driver = start("127.0.0.1", server.sync_port, "production", tmp_path / f"{name}.log")
    try:
        assert driver.evaluate([case])[0]["value"] is True
        [connection] = _connections(server, "production")

        # an edit: the sandbox rule now serves "off"
        with server.api() as api:
            path = "/api/v1/environments/production/flags/decision.submit.v2"
            current = api.get(path)
            body = dict(current.json()["flag"])
            body["targeting"] = {"if": [{"$ref": "segment.tenant.sandbox"}, "off", "on"]}
            written = api.put(
                path, json={"flag": body, "reason": "test"},
                headers={"If-Match": current.headers["ETag"]},
            )  # fmt: skip
            assert written.status_code == 200, written.text
        assert driver.until(case, False)["value"] is False
        other = ("decision.submit.v2", "boolean", False, "case-2", {"tenantId": "t-9"})
        assert driver.evaluate([other])[0]["value"] is True

        # a kill: every context gets the safe ("off") variant, whatever the caller's default
        with server.api() as api:
            assert (
                api.post(
                    "/api/v1/flags/decision.submit.v2/kill", json={"reason": "incident"}
                ).status_code
                == 200
            )
        careless = ("decision.submit.v2", "boolean", True, "case-2", {"tenantId": "t-9"})
        answer = driver.until(careless, False)
        assert (answer["value"], answer["variant"]) == (False, "off")
        after = _connections(server, "production")
        assert [c["id"] for c in after] == [connection["id"]], (
            "the provider reconnected instead of receiving both on its stream"
        )
        assert after[0]["current"] and after[0]["revision"] == connection["revision"] + 2
        assert "PROVIDER_CONFIGURATION_CHANGED" in driver.events

        # the server restarts; a change made after it reaches the provider
        server.stop()
        server.start()
        with server.api() as api:
            result = api.put(
                "/api/v1/environments/production/flags/after.restart",
                json={"flag": {"state": "ENABLED", "variants": {"on": True, "off": False},
                               "defaultVariant": "on"}, "reason": "after restart"},
            )  # fmt: skip
            assert result.status_code == 201, result.text
        restarted = ("after.restart", "boolean", False, "case-3", {})
        assert driver.until(restarted, True, timeout=20)["value"] is True
        assert driver.evaluate([other])[0]["value"] is False  # still killed
    finally:
        driver.close()
