"""The estate queries: one service's edges are read as such (not the whole estate's), and
are exactly the estate's edges that have it at one end."""

from __future__ import annotations

from fastapi.testclient import TestClient

from unlockstep.store import Store
from unlockstep.store import estate as rows


def test_a_services_edges_are_the_estates_edges_at_either_end(
    estate: TestClient, store: Store
) -> None:
    with store.session() as session:
        everything = rows.edges(session)
        names = [row.name for row in rows.services(session)]
        assert {e.evidence for e in everything} == {"expectation", "catalog"}
        for name in names:
            mine = [e for e in everything if name in (e.consumer, e.provider)]
            assert rows.edges(session, name) == mine, name
