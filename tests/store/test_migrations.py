from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

import unlockstep.store.models  # noqa: F401
from unlockstep.store import Store
from unlockstep.store.tables import Base


def test_migrations_create_exactly_the_tables_the_code_declares(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrating_twice_is_harmless(store: Store) -> None:
    with store.engine.connect() as conn:
        heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    store.migrate()
    store.migrate()
    with store.engine.connect() as conn:
        again = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert heads and sorted(again) == sorted(heads)
    assert diff == []


# PostgreSQL only: SQLite is single-host, and the advisory lock under test is PostgreSQL's.
@pytest.mark.slow
@pytest.mark.parametrize(
    "store", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_several_processes_starting_together_migrate_once(store: Store) -> None:
    """Server processes sharing one database may start at the same moment."""
    import subprocess
    import sys

    assert store.dialect == "postgresql"
    url = store.engine.url.render_as_string(hide_password=False)
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
    code = f"from unlockstep.store import Store; Store({url!r}).migrate()"
    command = [sys.executable, "-c", code]
    procs = [subprocess.Popen(command, stderr=subprocess.PIPE) for _ in range(4)]
    results = [(p.wait(60), p.stderr.read().decode() if p.stderr else "") for p in procs]
    assert all(rc == 0 for rc, _ in results), results
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_several_processes_migrating_a_new_sqlite_file_together_all_succeed(
    tmp_path: Path,
) -> None:
    """``serve --workers`` on SQLite, or two commands at once: the second migrator waits for
    the first instead of failing on "table … already exists"."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    code = f"from unlockstep.store import Store; Store({url!r}).migrate()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE) for _ in range(6)
    ]
    results = [(p.wait(120), p.stderr.read().decode() if p.stderr else "") for p in procs]
    assert all(rc == 0 for rc, _ in results), [err for rc, err in results if rc]
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        store.dispose()
