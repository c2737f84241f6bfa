"""Shared fixtures: a store on SQLite always, and on PostgreSQL when
``UNLOCKSTEP_TEST_DATABASE_URL`` is set (each test gets its own schema there).

Two modes, chosen by ``UNLOCKSTEP_TEST_MODE`` (``bash scripts/test --quick`` sets it):

* ``full`` (the default, what CI runs): every test, Hypothesis profile ``ci`` (each property
  test runs the example budget its ``@settings`` gives it).
* ``quick`` (for development): tests marked ``slow`` are left out and the Hypothesis profile
  is ``dev``: every property test runs at most ``DEV_EXAMPLES`` examples.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings

from unlockstep.cli import context
from unlockstep.cli.client import Client
from unlockstep.settings import Settings
from unlockstep.store import Store

#: Shared fixtures from other modules: a real Prometheus (``tests/prometheus.py``).
pytest_plugins = ["tests.prometheus"]

PG_URL = os.environ.get("UNLOCKSTEP_TEST_DATABASE_URL")
REPO = Path(__file__).resolve().parents[1]

MODES = ("full", "quick")
MODE = os.environ.get("UNLOCKSTEP_TEST_MODE", "").strip().lower() or "full"
DEV_EXAMPLES = 10

# Both profiles build on the one Hypothesis chose on import ("ci" on a CI machine: derandomized,
# no example database). No deadline: timings on a shared machine are not a test's business.
_BASE = hypothesis_settings.get_profile(hypothesis_settings.get_current_profile_name())
hypothesis_settings.register_profile("ci", _BASE, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", _BASE, max_examples=DEV_EXAMPLES, deadline=None)
hypothesis_settings.load_profile("dev" if MODE == "quick" else "ci")


def pytest_configure(config: pytest.Config) -> None:
    if MODE not in MODES:
        raise pytest.UsageError(
            f"UNLOCKSTEP_TEST_MODE={MODE!r} is not a test mode: use 'quick' (skips tests marked "
            "slow, few Hypothesis examples) or 'full' (everything; the default)"
        )


def pytest_report_header(config: pytest.Config) -> str:
    profile = hypothesis_settings.get_current_profile_name()
    left_out = ", tests marked slow left out" if MODE == "quick" else ""
    return f"unlockstep test mode: {MODE} (Hypothesis profile {profile}{left_out})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if MODE == "quick":
        slow = [item for item in items if item.get_closest_marker("slow")]
        if slow:
            config.hook.pytest_deselected(items=slow)
            items[:] = [item for item in items if not item.get_closest_marker("slow")]
    if hypothesis_settings.get_current_profile_name() == "dev":
        cap_examples(items, hypothesis_settings.default.max_examples)


def cap_examples(items: list[pytest.Item], limit: int) -> None:
    """Let no property test run more than ``limit`` examples.

    A profile only sets what a test's own ``@settings`` leaves unset, and every property test
    here names its budget, so the ``dev`` profile lowers each budget where the test keeps it
    (Hypothesis reads it from the test function on every run; ``tests/test_modes.py`` pins that).
    """
    for item in items:
        test = getattr(item, "obj", None)
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if isinstance(own, hypothesis_settings) and own.max_examples > limit:
            test._hypothesis_internal_use_settings = hypothesis_settings(  # type: ignore[union-attr]
                own, max_examples=limit
            )


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


class SqliteTemplates:
    """SQLite databases built once per run and copied into each test that needs them: the
    migrated empty schema, and that schema with the demo estate loaded through the API."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._migrated: Path | None = None
        self._estate: Path | None = None

    def migrated(self) -> Path:
        if self._migrated is None:
            path = self.root / "migrated.db"
            store = Store(f"sqlite:///{path}")
            store.migrate()
            _close(store)
            self._migrated = path
        return self._migrated

    def estate(self) -> Path:
        if self._estate is None:
            from unlockstep.server.app import create_app

            path = self.root / "estate.db"
            shutil.copyfile(self.migrated(), path)
            url = f"sqlite:///{path}"
            store = Store(url)
            with TestClient(create_app(Settings(database_url=url, worker=False), store)) as api:
                load_demo_estate(api)
            _close(store)
            self._estate = path
        return self._estate


def _close(store: Store) -> None:
    """Dispose of the engine with every write in the main file, so a plain copy has it all."""
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    return SqliteTemplates(tmp_path_factory.mktemp("templates"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_templates: SqliteTemplates
) -> Iterator[Store]:
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
    db = tmp_path / "test.db"
    shutil.copyfile(sqlite_templates.migrated(), db)  # what store.migrate() makes, made once
    store = Store(f"sqlite:///{db}")
    yield store
    store.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The server's settings for tests about other things: flag rules off, so the small flag
    fixtures need no owner, type and expiry (``test_flag_rules.py`` tests the default); no
    background worker, whose scheduled jobs (safety nets…) would write to the estate under a
    test's feet (tests run a job's function, or a ``Worker``, themselves)."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'test.db'}", flag_rules=[], worker=False)


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


def load_demo_estate(api: TestClient) -> None:
    """The demo estate through the API, except its release plans (the plan tests submit
    those themselves) and its recorded usage (the usage tests report their own)."""
    from unlockstep.cli import demo

    steps = [step for step in demo.STEPS if step not in (demo._plans, demo._usage)]
    demo.load_estate(REPO / "examples" / "estate", "http://testserver", http=api, steps=steps)


@pytest.fixture
def estate(api: TestClient, store: Store, sqlite_templates: SqliteTemplates) -> TestClient:
    """The demo estate loaded through the API, except its release plans. On SQLite it is
    loaded once per run and copied in (SQLite's backup API, so the open app sees it as it
    would another server process's writes); on PostgreSQL it is loaded for each test."""
    if store.dialect != "sqlite":
        load_demo_estate(api)
        return api
    database = store.engine.url.database
    assert database
    with (
        closing(sqlite3.connect(sqlite_templates.estate())) as source,
        closing(sqlite3.connect(database)) as target,
    ):
        source.backup(target)
    return api
