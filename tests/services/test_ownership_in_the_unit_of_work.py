"""Ownership is checked inside the use case's own unit of work, on the row it is about to
change, so an owner change cannot land between the check and the write."""

from __future__ import annotations

import threading
import time

import pytest

from unlockstep.errors import Forbidden
from unlockstep.services import registry
from unlockstep.services.authz import Principal
from unlockstep.store import Store
from unlockstep.store import registry as rows

ROOT = Principal("root", None, frozenset({"admin"}))
PAYMENTS = Principal("pay-ci", "payments", frozenset({"write"}))


@pytest.fixture
def estate(store: Store) -> Store:
    registry.put_team(store, "root", "payments")
    registry.put_team(store, "root", "search")
    registry.put_service(store, ROOT, "pay", owner="payments")
    registry.put_environment(store, "root", "production", production=True, description=None)
    return store


def test_a_use_case_refuses_another_teams_principal_and_writes_nothing(estate: Store) -> None:
    search = Principal("search-ci", "search", frozenset({"write"}))
    with pytest.raises(Forbidden):
        registry.record_deployment(estate, search, "pay", "1.0.0", "production")
    assert registry.show_service(estate, "pay").versions == []


def test_an_owner_change_committed_while_a_write_waits_refuses_the_write(estate: Store) -> None:
    if estate.dialect != "postgresql":
        pytest.skip("row locks (FOR UPDATE): SQLite serialises writers by itself")
    outcome: dict[str, object] = {}

    def deploy() -> None:
        try:
            registry.record_deployment(estate, PAYMENTS, "pay", "1.0.0", "production")
            outcome["written"] = True
        except Forbidden as refused:
            outcome["refused"] = refused

    with estate.session() as session:  # an admin moves the service to search, not committed yet
        service = rows.get_service(session, "pay", lock=True)
        service.team_id = rows.get_team(session, "search").id
        session.flush()
        writer = threading.Thread(target=deploy)
        writer.start()
        time.sleep(0.5)
        assert writer.is_alive(), "the write must wait for the owner change's row lock"
    writer.join(timeout=10)
    assert "refused" in outcome and "written" not in outcome
    assert registry.show_service(estate, "pay").live == []
