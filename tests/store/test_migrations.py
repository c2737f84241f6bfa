from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import unlockstep.store.models  # noqa: F401
from unlockstep.store import Store
from unlockstep.store.tables import Base


def test_migrations_create_exactly_the_tables_the_code_declares(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrating_twice_is_harmless(store: Store) -> None:
    store.migrate()
    store.migrate()
