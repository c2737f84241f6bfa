"""Read-only SQL sources: PostgreSQL (psycopg 3) and SQLite.

Every connection is read-only twice over: the definition names a read-only role (the real
guard, documented in ``docs/safety-nets.md``) and the session refuses writes itself —
PostgreSQL with ``default_transaction_read_only``, SQLite by opening the file with
``mode=ro`` and ``PRAGMA query_only``. Each statement runs under the source's statement
timeout; :meth:`SqlSource.fetch` stops at the row limit and says so.

The DSN is read from the environment variable or file the definition names, when a query
runs, and is kept out of every message: errors are redacted of it and of its password.

:meth:`SqlSource.stream` reads a whole query ordered by key in chunks through a server-side
cursor (PostgreSQL) or SQLite's lazy cursor, so a reconciliation of millions of rows holds
one chunk at a time.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from unlockstep.core.safety import SourceSpec
from unlockstep.sources.errors import Kind, SourceError, redact

#: The greatest a SQLite ``.sql`` script may be (a demo or a test, not a database).
MAX_SCRIPT = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Result:
    """What a query returned: its columns, at most the row limit of rows, and whether there
    were more."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    truncated: bool


def read_dsn(spec: SourceSpec, env: Mapping[str, str]) -> str:
    """The DSN from the variable or file ``spec`` names; the message of a failure names the
    variable or the file, never a value."""
    if spec.dsn_env:
        value = env.get(spec.dsn_env, "").strip()
        if not value:
            raise SourceError(
                "config",
                f"source {spec.name}: environment variable {spec.dsn_env} is not set "
                "(it holds the DSN) in the process that runs the query",
            )
        return value
    if spec.dsn_file:
        try:
            value = Path(spec.dsn_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SourceError(
                "config",
                f"source {spec.name}: cannot read the DSN file {spec.dsn_file} "
                f"({exc.strerror or type(exc).__name__})",
            ) from None
        if not value:
            raise SourceError(
                "config", f"source {spec.name}: the DSN file {spec.dsn_file} is empty"
            )
        return value
    raise SourceError("config", f"source {spec.name}: no dsnEnv or dsnFile")


def _secrets_of(dsn: str) -> list[str]:
    """The DSN and the password inside it (URL or ``key=value`` form)."""
    found = [dsn]
    if "://" in dsn:
        password = urlsplit(dsn).password
        if password:
            found += [password, unquote(password)]
    for part in dsn.split():
        key, sep, value = part.partition("=")
        if sep and key.strip().lower() == "password":
            found.append(value.strip("'\""))
    return found


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqlSource:
    """Questions to one read-only SQL source. ``env`` is where a DSN variable is looked up
    (the process environment by default)."""

    def __init__(self, spec: SourceSpec, env: Mapping[str, str] | None = None) -> None:
        if spec.kind not in ("postgresql", "sqlite"):
            raise SourceError("config", f"source {spec.name} is {spec.kind}, not SQL")
        self.spec = spec
        self.env = os.environ if env is None else env
        self._secrets: list[str] = []
        self._deadline = 0.0

    def _restart_clock(self) -> None:
        self._deadline = time.monotonic() + self.spec.statement_timeout

    # -- answers -------------------------------------------------------------------------

    def fetch(self, query: str) -> Result:
        """``query``'s rows, at most the source's row limit."""
        limit = self.spec.row_limit
        with self._connection() as conn, self._errors():
            cursor = conn.cursor()
            cursor.execute(query)
            columns = tuple(d[0] for d in cursor.description or ())
            rows = [tuple(r) for r in cursor.fetchmany(limit + 1)]
            cursor.close()
        return Result(columns, rows[:limit], len(rows) > limit)

    @contextmanager
    def stream(
        self,
        query: str,
        key: str | tuple[str, ...],
        *,
        integer_key: bool,
        chunk: int = 5000,
        on_chunk: Callable[[int], None] | None = None,
    ) -> Iterator[tuple[tuple[str, ...], Iterator[tuple[Any, ...]]]]:
        """``query``'s columns and every row, ordered by ``key`` (numerically, or as text by
        code point; a composite key column by column), fetched ``chunk`` rows at a time;
        ``on_chunk(n)`` after each chunk."""
        keys = (key,) if isinstance(key, str) else key
        order = ", ".join(self._order(k, integer_key) for k in keys)
        ordered = f"SELECT * FROM ({query.strip().rstrip(';')}) AS unlockstep_side ORDER BY {order}"
        with self._connection() as conn, self._errors():
            if self.spec.kind == "postgresql":
                cursor = conn.cursor(name="unlockstep_reconcile")
                cursor.itersize = chunk
            else:
                cursor = conn.cursor()
            cursor.execute(ordered)
            columns = tuple(d[0] for d in cursor.description or ())

            def rows() -> Iterator[tuple[Any, ...]]:
                with self._errors():
                    while True:
                        self._restart_clock()
                        batch = cursor.fetchmany(chunk)
                        if not batch:
                            return
                        if on_chunk is not None:
                            on_chunk(len(batch))
                        yield from batch

            try:
                yield columns, rows()
            finally:
                with suppress(Exception):  # a broken cursor must not hide the real error
                    cursor.close()

    def _order(self, key: str, integer_key: bool) -> str:
        column = quote_identifier(key)
        if integer_key:
            return column
        if self.spec.kind == "postgresql":
            return f'({column})::text COLLATE "C"'
        return f"CAST({column} AS TEXT)"

    # -- connections ---------------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        conn = self._postgres() if self.spec.kind == "postgresql" else self._sqlite()
        try:
            yield conn
        finally:
            try:
                if self.spec.kind == "postgresql":
                    conn.rollback()  # read-only: there is nothing to keep
                conn.close()
            except Exception:  # pragma: no cover - a connection that broke mid-query
                pass

    def _postgres(self) -> Any:
        try:
            import psycopg
        except ModuleNotFoundError:
            raise SourceError(
                "config",
                f"source {self.spec.name}: the PostgreSQL driver is not installed "
                "(pip install 'unlockstep[postgres]')",
            ) from None
        from psycopg.conninfo import conninfo_to_dict

        dsn = read_dsn(self.spec, self.env)
        self._secrets = _secrets_of(dsn)
        where = self.spec.dsn_env or self.spec.dsn_file
        try:
            params: dict[str, Any] = conninfo_to_dict(dsn)
        except psycopg.Error:
            # the driver's message quotes the text it could not parse: it may be the secret
            raise SourceError(
                "config",
                f"source {self.spec.name}: the DSN in {where} is not a PostgreSQL connection "
                "string (postgresql://user@host/db or key=value pairs)",
            ) from None
        self._secrets.append(str(params.get("password") or ""))
        timeout_ms = max(1, int(self.spec.statement_timeout * 1000))
        # the session refuses writes and long statements, whatever the DSN's own options say
        params["options"] = (
            f"{params.get('options') or ''} -c default_transaction_read_only=on "
            f"-c statement_timeout={timeout_ms}"
        ).strip()
        params.setdefault("connect_timeout", max(2, int(self.spec.statement_timeout)))
        params.setdefault("application_name", "unlockstep")
        try:
            return psycopg.connect(**params)
        except psycopg.Error as exc:
            raise SourceError(
                "unavailable",
                f"source {self.spec.name}: cannot connect: {self._clean(exc)}",
            ) from None

    def _sqlite(self) -> sqlite3.Connection:
        path = self.spec.path or ""
        try:
            if path.endswith(".sql"):
                script = Path(path).read_bytes()
                if len(script) > MAX_SCRIPT:
                    raise SourceError("config", f"source {self.spec.name}: {path} is too large")
                conn = sqlite3.connect(":memory:", check_same_thread=False)
                try:
                    conn.executescript(script.decode("utf-8"))
                except (sqlite3.Error, ValueError, UnicodeDecodeError):
                    # SQLite quotes the text it could not run: say where, not what
                    raise SourceError(
                        "config", f"source {self.spec.name}: {path} is not a SQL script SQLite runs"
                    ) from None
            else:
                if not Path(path).is_file():
                    raise SourceError(
                        "config", f"source {self.spec.name}: no SQLite database at {path}"
                    )
                uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
                conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except (OSError, ValueError, sqlite3.Error) as exc:
            raise SourceError(
                "config", f"source {self.spec.name}: cannot open {path}: {exc}"
            ) from None
        conn.execute("PRAGMA query_only = ON")
        self._restart_clock()
        # an abort past the deadline is SQLite's statement timeout ("interrupted"); a stream
        # restarts the clock for every chunk, as PostgreSQL times every FETCH on its own
        conn.set_progress_handler(lambda: int(time.monotonic() > self._deadline), 10_000)
        return conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver errors as :class:`SourceError`, with the kind callers decide on."""
        try:
            yield
        except SourceError:
            raise
        except sqlite3.Error as exc:
            text = str(exc)
            kind: Kind = "invalid"
            if "readonly" in text or "read-only" in text or "query_only" in text:
                kind = "refused"
            elif "interrupted" in text:
                timeout = self.spec.statement_timeout
                kind, text = (
                    "unavailable",
                    f"the query ran past the statement timeout ({timeout:g}s)",
                )
            raise SourceError(kind, f"source {self.spec.name}: {text}") from None
        except Exception as exc:
            pg_kind = _postgres_kind(exc)
            if pg_kind is None:
                raise
            raise SourceError(pg_kind, f"source {self.spec.name}: {self._clean(exc)}") from None

    def _clean(self, exc: BaseException) -> str:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return redact(text, self._secrets)


def _postgres_kind(exc: BaseException) -> Kind | None:
    """The :class:`SourceError` kind of a psycopg error (``None``: not a psycopg error)."""
    try:
        import psycopg
        from psycopg import errors as pg
    except ModuleNotFoundError:  # pragma: no cover - no driver, no psycopg errors
        return None
    if not isinstance(exc, psycopg.Error):
        return None
    if isinstance(exc, pg.ReadOnlySqlTransaction | pg.InsufficientPrivilege):
        return "refused"
    if isinstance(exc, pg.QueryCanceled | psycopg.OperationalError):
        return "unavailable"
    return "invalid"
