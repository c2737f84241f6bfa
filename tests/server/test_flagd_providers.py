"""flagd's own in-process providers against ``unlockstep serve --sync-port``: the Python one
(PyPI ``openfeature-provider-flagd``) and the JavaScript one (npm ``@openfeature/flagd-provider``
with ``@openfeature/server-sdk``), each in its own process.

Each evaluates the demo flags and a generated set and answers what unlockstep's engine
answers, given the flag set's bucketing algorithm the provider implements: the Python provider
hashes CBOR (``openfeature-flagd-core`` 2.x), the JavaScript one flagd's string algorithm
(``flagKey + targetingKey``, ``@openfeature/flagd-core``). Both, connected at once, receive an
edit and a kill on the stream each opened first (the server shows the same connections
throughout), and pick up a change made after the server restarted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.flagd_harness import (
    Case,
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("flagd-sync")).start()
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


def _compare(
    name: str, server: ServerProcess, environment: str, log: Path
) -> tuple[list[Case], list[str]]:
    with server.api() as api:
        served = api.get(f"/api/v1/environments/{environment}/flagset").json()
    driver = _start(name)("127.0.0.1", server.sync_port, environment, log)
    try:
        cases = cases_for(served)
        return cases, disagreements(cases, driver.evaluate(cases), engine_answers(served, cases))
    finally:
        driver.close()


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_the_provider_answers_as_unlocksteps_engine_on_the_demo_and_a_generated_set(
    name: str, server: ServerProcess, tmp_path: Path
) -> None:
    _start(name)
    bucketing = PROVIDERS[name][1]
    sets = {f"demo-{bucketing}": demo_set(bucketing), f"gen-{bucketing}": generated_set(bucketing)}
    with server.api() as api:
        for environment, document in sets.items():
            load_set(api, environment, document)
    for environment in sets:
        cases, bad = _compare(name, server, environment, tmp_path / f"{name}.log")
        assert len(cases) > 200
        assert not bad, f"{name} on {environment}:\n" + "\n".join(bad[:20])


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_the_other_bucketing_algorithm_splits_users_differently(
    name: str, server: ServerProcess, tmp_path: Path
) -> None:
    """Which algorithm each provider implements, shown: with the other one named in the flag
    set, unlockstep's engine and the provider put some users in different buckets."""
    _start(name)
    other = "flagd" if PROVIDERS[name][1] == "cbor" else "cbor"
    with server.api() as api:
        load_set(api, f"other-{other}", generated_set(other))
    _, bad = _compare(name, server, f"other-{other}", tmp_path / f"{name}.log")
    assert bad, f"{name} agreed under {other} bucketing too"


def _connections(server: ServerProcess, environment: str) -> dict[str, dict[str, Any]]:
    with server.api() as api:
        status = api.get(f"/api/v1/environments/{environment}/flag-sync").json()
    return {client["client"]: client for client in status["clients"]}


def test_an_edit_and_a_kill_arrive_on_the_open_streams_and_a_restart_is_survived(
    server: ServerProcess, tmp_path: Path
) -> None:
    with server.api() as api:
        load_set(api, "live", demo_set("flagd"))
    drivers = {
        name: start("127.0.0.1", server.sync_port, "live", tmp_path / f"{name}.log")
        for name, (start, _) in PROVIDERS.items()
        if name != "javascript" or js_available()
    }
    sandbox = ("decision.submit.v2", "boolean", False, "case-1", {"tenantId": "t-sandbox-1"})
    other = ("decision.submit.v2", "boolean", True, "case-2", {"tenantId": "t-9"})
    try:
        for driver in drivers.values():
            assert [a["value"] for a in driver.evaluate([sandbox, other])] == [True, False]
        before = _connections(server, "live")
        assert len(before) == len(drivers)

        # an edit: the sandbox rule now serves "off", everyone else "on"
        with server.api() as api:
            path = "/api/v1/environments/live/flags/decision.submit.v2"
            current = api.get(path)
            body = dict(current.json()["flag"])
            body["targeting"] = {"if": [{"$ref": "segment.tenant.sandbox"}, "off", "on"]}
            written = api.put(
                path, json={"flag": body, "reason": "test"},
                headers={"If-Match": current.headers["ETag"]},
            )  # fmt: skip
            assert written.status_code == 200, written.text
        for driver in drivers.values():
            assert driver.until(sandbox, False)["value"] is False
            assert driver.evaluate([other])[0]["value"] is True

        # a kill: every context gets the safe ("off") variant, whatever the caller's default
        with server.api() as api:
            killed = api.post("/api/v1/flags/decision.submit.v2/kill", json={"reason": "incident"})
            assert killed.status_code == 200
        for name, driver in drivers.items():
            answer = driver.until(other, False)
            assert (answer["value"], answer["variant"]) == (False, "off"), name
            assert "PROVIDER_CONFIGURATION_CHANGED" in driver.events, name
        after = _connections(server, "live")
        assert {c: a["id"] for c, a in after.items()} == {c: b["id"] for c, b in before.items()}, (
            "a provider reconnected instead of receiving both changes on its stream"
        )
        assert all(a["current"] for a in after.values())

        # the server restarts; a change made after it reaches every provider
        server.stop()
        server.start()
        with server.api() as api:
            created = api.put(
                "/api/v1/environments/live/flags/after.restart",
                json={"flag": {"state": "ENABLED", "variants": {"on": True, "off": False},
                               "defaultVariant": "on"}, "reason": "after restart"},
            )  # fmt: skip
            assert created.status_code == 201, created.text
        restarted = ("after.restart", "boolean", False, "case-3", {})
        for name, driver in drivers.items():
            assert driver.until(restarted, True, timeout=60)["value"] is True, name
            assert driver.evaluate([other])[0]["value"] is False, name  # still killed
    finally:
        for driver in drivers.values():
            driver.close()
