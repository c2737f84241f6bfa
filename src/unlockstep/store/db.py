"""The store: an engine, sessions, and migrations applied on start.

Several server processes may share one PostgreSQL database: migrations run under a
PostgreSQL advisory lock, and writes rely on unique constraints plus short transactions, so
two processes racing on the same row get a conflict, never a duplicate.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from unlockstep.errors import ConfigError, Conflict

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 7_356_120_431  # arbitrary, constant: "unlockstep migrations"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Store:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise ConfigError(
                f"cannot read database URL {url!r}: {exc}",
                hint="use sqlite:///path/to/file.db or postgresql://user@host/db",
            ) from None
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        try:
            self.engine: Engine = create_engine(self.url, **kwargs)
        except ModuleNotFoundError as exc:
            raise ConfigError(
                f"the driver for {self.dialect} is not installed ({exc.name})",
                hint="pip install 'unlockstep[postgres]'",
            ) from None
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def locked_session(self) -> Iterator[Session]:
        """A unit of work that writes what it reads: on SQLite it holds the database's write
        lock from its first statement (``BEGIN IMMEDIATE``), so nothing it read can change
        before it commits; on PostgreSQL the use case locks its rows (``FOR UPDATE``).
        Keep these short: every other SQLite writer waits for them."""
        with self.sessions() as session, session.begin():
            if self.dialect == "sqlite":
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    def retrying(self, work: Callable[[Session], T], attempts: int = 10) -> T:
        """Run ``work`` in a transaction; when another process won a race on a unique key
        (two deployments recorded at the same moment, a version created twice), roll back and
        run it again so it sees the winner's row. Gives up with ``Conflict`` after ``attempts``."""
        for attempt in range(attempts):
            try:
                with self.session() as session:
                    return work(session)
            except IntegrityError as exc:
                log.info("write lost a race (attempt %d): %s", attempt + 1, exc.orig)
                time.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # let the winner finish
        raise Conflict(
            "the write kept colliding with concurrent writes to the same rows",
            hint="retry the request",
        )

    def migrate(self) -> None:
        """Bring the schema to the newest revision (every branch head).

        Refused with one ``ConfigError`` line, before anything is written, when the database
        cannot be reached, is not a database (a corrupt SQLite file), or carries a schema
        revision this code does not know (written by a newer unlockstep)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self._sqlite_migration_lock(), self.engine.begin() as connection:
                if self.dialect == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK}
                    )
                self._refuse_unknown_revisions(config, connection)
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
        except OperationalError as exc:
            raise ConfigError(
                f"cannot reach the database at {self.safe_url}: {_first_line(exc.orig)}",
                hint="check UNLOCKSTEP_DATABASE_URL and that the database server is running",
            ) from None
        except DatabaseError as exc:
            raise ConfigError(
                f"cannot read the database at {self.safe_url}: {_first_line(exc.orig)}",
                hint="restore the database from a backup (a SQLite file may be corrupt)",
            ) from None

    @contextmanager
    def _sqlite_migration_lock(self) -> Iterator[None]:
        """One migrating process at a time on a SQLite file. SQLite's DDL is not transactional
        here (each CREATE commits by itself), so two processes starting together would both
        see an empty database and the second would fail on "table … already exists"; an
        exclusive lock on a file beside the database makes the second wait and then find the
        schema current. (PostgreSQL uses an advisory lock instead; no lock where ``fcntl`` is
        missing, i.e. Windows, or for an in-memory database.)"""
        database = make_url(self.url).database if self.dialect == "sqlite" else None
        if not database or database == ":memory:" or database.startswith("file:"):
            yield
            return
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        with open(f"{database}.migrate-lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _refuse_unknown_revisions(self, config: Config, connection: Any) -> None:
        known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
        current = MigrationContext.configure(connection).get_current_heads()
        unknown = sorted(revision for revision in current if revision not in known)
        if unknown:
            raise ConfigError(
                f"the database at {self.safe_url} has schema revision {', '.join(unknown)}, "
                "which this unlockstep does not know (a newer unlockstep migrated it)",
                hint="run the unlockstep version that migrated it, or a newer one",
            )

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(error: object) -> str:
    """A driver's message without its multi-line detail (PostgreSQL adds hints and context)."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
