"""Real systems for the safety-net tests: a PostgreSQL schema of its own, filled by the test,
with a role that may only read it (``readonly_postgres``); the DSN of that role is what a
data source is given, the way production gives one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

import pytest

PG_URL = os.environ.get("UNLOCKSTEP_TEST_DATABASE_URL")


@dataclass(frozen=True)
class ReadOnlySystem:
    schema: str
    role: str
    password: str
    #: the owner's connection string (to fill and inspect the schema)
    admin: str
    #: the read-only role's DSN, with search_path set to the schema
    dsn: str


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def readonly_postgres(setup_sql: str) -> Iterator[ReadOnlySystem]:
    """A schema made by ``setup_sql`` and a login role with ``SELECT`` on it only; both are
    dropped afterwards. Skips without ``UNLOCKSTEP_TEST_DATABASE_URL``."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need UNLOCKSTEP_TEST_DATABASE_URL (set by .ci/run)")
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    admin = _plain(PG_URL)
    suffix = uuid.uuid4().hex[:10]
    schema, role = f"sn_{suffix}", f"sn_ro_{suffix}"
    password = f"pw-{uuid.uuid4().hex}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute(setup_sql)
        conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')
    params = conninfo_to_dict(admin)
    host, port, db = params.get("host", "127.0.0.1"), params.get("port", "5432"), params["dbname"]
    dsn = (
        f"postgresql://{role}:{quote(password)}@{host}:{port}/{db}"
        f"?options={quote(f'-c search_path={schema}')}"
    )
    admin_dsn = make_conninfo(admin, options=f"-c search_path={schema}")
    try:
        yield ReadOnlySystem(schema, role, password, admin_dsn, dsn)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')
