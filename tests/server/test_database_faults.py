"""The database unreachable, corrupt, or newer than this code: a clear answer, never a 500
or a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, ProgrammingError

from unlockstep.errors import ConfigError
from unlockstep.server.app import create_app
from unlockstep.server.guard import RETRY_AFTER
from unlockstep.settings import Settings
from unlockstep.store import Store

CLOSED = "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=2"


def _unavailable(response: object) -> None:
    assert getattr(response, "status_code", None) == 503, getattr(response, "text", "")
    assert response.headers["Retry-After"] == str(RETRY_AFTER)  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "database_unavailable"
    assert set(error) <= {"code", "message", "where", "hint", "details"}


def test_an_unreachable_database_at_start_is_one_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        Store(CLOSED).migrate()
    assert "cannot reach the database" in caught.value.message
    assert "\n" not in caught.value.message


def test_a_database_that_goes_away_is_503_with_retry_after(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'ok.db'}")
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'ok.db'}"), store)
    with TestClient(app, raise_server_exceptions=False) as api:
        assert api.get("/api/v1/health").status_code == 200
        app.state.store = Store(CLOSED)  # the same app, its database now unreachable
        _unavailable(api.get("/api/v1/health"))
        _unavailable(api.get("/api/v1/services"))
        _unavailable(api.put("/api/v1/services/x", json={}))


def _corrupt(path: Path) -> None:
    """Overwrite the file's header and pages, dropping its write-ahead log."""
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with path.open("r+b") as handle:
        handle.write(b"this is not a SQLite database header" * 4096)


def test_a_corrupt_sqlite_file_fails_health_and_refuses_writes(tmp_path: Path) -> None:
    db = tmp_path / "corrupt.db"
    url = f"sqlite:///{db}"
    app = create_app(Settings(database_url=url), Store(url))
    with TestClient(app, raise_server_exceptions=False) as api:
        assert api.put("/api/v1/services/x", json={}).status_code in (200, 201)
        app.state.store.dispose()
        _corrupt(db)
        _unavailable(api.get("/api/v1/health"))
        _unavailable(api.put("/api/v1/services/y", json={}))
        assert "unreadable" in api.put("/api/v1/services/y", json={}).json()["error"]["message"]


def test_a_corrupt_sqlite_file_at_start_is_one_config_error(tmp_path: Path) -> None:
    db = tmp_path / "corrupt.db"
    first = Store(f"sqlite:///{db}")
    first.migrate()
    first.dispose()
    _corrupt(db)
    with pytest.raises(ConfigError) as caught:
        Store(f"sqlite:///{db}").migrate()
    assert "cannot read the database" in caught.value.message


def test_a_schema_from_a_newer_unlockstep_is_one_config_error_and_untouched(
    tmp_path: Path,
) -> None:
    db = tmp_path / "newer.db"
    first = Store(f"sqlite:///{db}")
    first.migrate()
    first.dispose()
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM alembic_version")
        connection.execute("INSERT INTO alembic_version VALUES ('f00dfeedbeef')")
    with pytest.raises(ConfigError) as caught:
        Store(f"sqlite:///{db}").migrate()
    assert "f00dfeedbeef" in caught.value.message
    assert "newer unlockstep" in caught.value.message
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("f00dfeedbeef",)
        ]


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")), 409, "conflict"),
        (DataError("INSERT", {}, Exception("value too long")), 422, "invalid_input"),
        (OperationalError("SELECT", {}, Exception("database is locked")), 503, None),
        (ProgrammingError("SELECT", {}, Exception("no such column")), 500, "internal"),
    ],
)
def test_each_kind_of_database_error_has_its_own_answer(
    tmp_path: Path, error: Exception, status: int, code: str | None
) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    app = create_app(Settings(database_url=url), Store(url))

    @app.get("/raise")
    def _raise() -> None:
        raise error

    with TestClient(app, raise_server_exceptions=False) as api:
        response = api.get("/raise")
    if code is None:
        _unavailable(response)
    else:
        assert response.status_code == status
        assert response.json()["error"]["code"] == code
