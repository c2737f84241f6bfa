"""Alembic environment: runs on the connection the store hands over (``Store.migrate``)."""

from __future__ import annotations

from alembic import context

import unlockstep.store.models  # noqa: F401  (every table module, so metadata is complete)
from unlockstep.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through unlockstep (Store.migrate), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
