"""SQL migrations (expand, migrate, contract; locking hazards) and the ``table`` contract kind,
read with PostgreSQL's own grammar.

Other packages import from here, never from the ``_private`` modules. The ``table`` kind
(``TABLE_ENGINE``, registered in ``compat.ENGINES`` when its module loads) is imported on first
use: ``migrations check`` does not need it or the SQL printer it brings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from unlockstep.core.migrations._classify import (
    DEFAULT_WINDOW_DAYS,
    MigrationsReport,
    Step,
    observe,
)
from unlockstep.core.migrations._folders import MigrationFile, check_files
from unlockstep.core.migrations._rules import RULES

if TYPE_CHECKING:
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
    "observe",
]


def __getattr__(name: str) -> Any:
    if name in ("TABLE_ENGINE", "TableEngine"):
        from unlockstep.core.migrations import _table

        return _table.ENGINE if name == "TABLE_ENGINE" else _table.TableEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
