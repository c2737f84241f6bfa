"""Shared fixtures: a store on SQLite always, and on PostgreSQL when
``UNLOCKSTEP_TEST_DATABASE_URL`` is set (each test gets its own schema there)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from unlockstep.cli import context
from unlockstep.cli.client import Client
from unlockstep.settings import Settings
from unlockstep.store import Store

PG_URL = os.environ.get("UNLOCKSTEP_TEST_DATABASE_URL")
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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
    """A migrated, empty store: SQLite, and PostgreSQL when configured."""
    if request.param == "postgres":
        if not PG_URL:
            pytest.skip("PostgreSQL tests need UNLOCKSTEP_TEST_DATABASE_URL (set by .ci/run)")
        gen = _postgres_store()
        store = next(gen)
        store.migrate()
        yield store
        gen.close()
        return
    store = Store(f"sqlite:///{tmp_path / 'test.db'}")
    store.migrate()
    yield store
    store.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The server's settings for tests about other things: flag rules off, so the small flag
    fixtures need no owner, type and expiry (``test_flag_rules.py`` tests the default)."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'test.db'}", flag_rules=[])


@pytest.fixture
def app(store: Store, settings: Settings) -> FastAPI:
    from unlockstep.server.app import create_app

    return create_app(settings, store)


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    """The API in-process."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def cli_server(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """Registry CLI commands talk to the in-process app instead of the network."""
    monkeypatch.setattr(context, "client", lambda: Client("http://testserver", http=api))
    return api


@pytest.fixture
def estate(api: TestClient) -> TestClient:
    """The demo estate loaded through the API, except its release plans (the plan tests
    submit those themselves)."""
    from unlockstep.cli import demo

    steps = [step for step in demo.STEPS if step is not demo._plans]
    demo.load_estate(REPO / "examples" / "estate", "http://testserver", http=api, steps=steps)
    return api
