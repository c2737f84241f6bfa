"""OFREP evaluations are counted on the server, so flag debt sees flag reads from every
language, not only from unlockstep's own SDK."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.server.flag_app import seed
from unlockstep.server.app import FAST_ROUTES, create_app
from unlockstep.settings import Settings
from unlockstep.store import Store
from unlockstep.store import flags as rows

EVAL = "/ofrep/v1/evaluate/flags"


def counted(store: Store, environment: str = "production") -> dict[tuple[str, str], int]:
    today = dt.datetime.now(dt.UTC).date()
    with store.session() as session:
        found = rows.load_counts(session, environment, today)
    totals: dict[tuple[str, str], int] = {}
    for count in found:
        key = (count.flag, count.variant or "")
        totals[key] = totals.get(key, 0) + count.count
    return totals


def test_single_and_bulk_evaluations_are_counted_per_flag_and_variant(
    api: TestClient, store: Store
) -> None:
    seed(api)
    for tenant in ("t-1", "t-1", "t-9"):
        api.post(f"{EVAL}/decision.submit.v2", json={"context": {"tenantId": tenant}})
    api.post(EVAL, json={"context": {"tenantId": "t-2"}})
    api.post(f"{EVAL}/no-such-flag", json={})  # not a flag of the environment: not counted
    api.post(f"{EVAL}/color", json={}, headers={"X-Unlockstep-Environment": "nowhere"})
    assert api.app.state.ofrep_counts.flush() > 0  # type: ignore[attr-defined]
    found = counted(store)
    assert found[("decision.submit.v2", "on")] == 3
    assert found[("decision.submit.v2", "off")] == 1
    assert found[("color", "red")] == 1
    assert not any(flag == "no-such-flag" for flag, _ in found)
    assert counted(store, "nowhere") == {}


def test_the_declared_routes_count_too_and_stopping_the_server_flushes(
    store: Store, settings: Settings
) -> None:
    quiet = settings.model_copy(update={"ofrep_count_seconds": 0})
    with TestClient(create_app(quiet, store)) as api:
        routes = api.app.router.routes  # type: ignore[attr-defined]
        routes[:] = [route for route in routes if route not in FAST_ROUTES]
        seed(api)
        api.post(f"{EVAL}/color", json={})
        api.post(EVAL, json={})
        assert counted(store) == {}  # nothing flushed while running
    assert counted(store)[("color", "red")] == 2


def test_flags_on_their_way_out_are_in_the_deprecation_report_with_ofrep_reads(
    api: TestClient,
) -> None:
    seed(api)
    for _ in range(3):
        api.post(f"{EVAL}/decision.submit.v2", json={"context": {"tenantId": "t-1"}})
    api.app.state.ofrep_counts.flush()  # type: ignore[attr-defined]
    items = api.get("/api/v1/deprecations").json()["items"]
    [flag] = [i for i in items if i["contract"] == "production"]
    assert (flag["element"], flag["sunset"], flag["inUse"]) == (
        "flag decision.submit.v2",
        "2026-08-05",
        True,
    )
    [reads] = flag["users"]
    assert reads["amount"] == 3.0 and reads["lastUsed"] is not None
