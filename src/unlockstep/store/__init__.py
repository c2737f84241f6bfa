"""SQLAlchemy 2 tables and queries; Alembic migrations. SQLite by default, PostgreSQL too."""

from unlockstep.store.db import Store

__all__ = ["Store"]
