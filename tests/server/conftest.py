"""The store (SQLite always, PostgreSQL when ``UNLOCKSTEP_TEST_DATABASE_URL`` is set, one
schema per test) and the API in-process, for the expectation tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from unlockstep.settings import Settings
from unlockstep.store import Store

PG_URL = os.environ.get("UNLOCKSTEP_TEST_DATABASE_URL")


def _postgres_store() -> Iterator[Store]:
    assert PG_URL
    import psycopg

    schema = "ut_" + uuid.uuid4().hex[:12]
    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    store = Store(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        yield store
    finally:
        store.dispose()
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        if not PG_URL:
            pytest.skip("PostgreSQL tests need UNLOCKSTEP_TEST_DATABASE_URL")
        gen = _postgres_store()
        pg = next(gen)
        pg.migrate()
        yield pg
        gen.close()
        return
    lite = Store(f"sqlite:///{tmp_path / 'test.db'}")
    lite.migrate()
    yield lite
    lite.dispose()


@pytest.fixture
def api(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    from unlockstep.server.app import create_app

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'test.db'}"), store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
