"""SQL migrations (expand, migrate, contract; locking hazards) and the ``table`` contract kind,
read with PostgreSQL's own grammar.

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.migrations._classify import DEFAULT_WINDOW_DAYS, MigrationsReport, Step
from unlockstep.core.migrations._folders import MigrationFile, check_files
from unlockstep.core.migrations._rules import RULES
from unlockstep.core.migrations._table import ENGINE as TABLE_ENGINE
from unlockstep.core.migrations._table import TableEngine

__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "RULES",
    "TABLE_ENGINE",
    "MigrationFile",
    "MigrationsReport",
    "Step",
    "TableEngine",
    "check_files",
]
