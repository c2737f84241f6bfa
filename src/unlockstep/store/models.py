"""Imports every table module so ``Base.metadata`` knows all tables (Alembic, tests)."""

from unlockstep.store import tables  # noqa: F401
