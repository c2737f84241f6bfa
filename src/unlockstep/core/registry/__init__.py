"""Registry values checked once for every adapter: names and versions, Backstage catalogs.

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.registry._catalog import parse_catalog
from unlockstep.core.registry._names import name_problem, version_problem

__all__ = ["name_problem", "parse_catalog", "version_problem"]
