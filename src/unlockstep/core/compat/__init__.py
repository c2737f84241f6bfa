"""The change model every compatibility engine returns, the one mode table, the rule
catalogue (every engine declares its rules here) and the one report renderer.

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.compat._model import (
    ENGINES,
    Breaks,
    Change,
    CompatibilityReport,
    Direction,
    Engine,
    Level,
    Location,
    Mode,
    Policy,
    Source,
    check,
    register,
)
from unlockstep.core.compat._render import FORMATS, hurts, render, render_migrations
from unlockstep.core.compat._rules import (
    EVERYONE,
    FAMILIES,
    RULES,
    SEVERITY,
    Family,
    Rule,
    at_least,
    declare,
    declare_family,
    judge,
    level_for,
    rule_of,
)

__all__ = [
    "ENGINES",
    "EVERYONE",
    "FAMILIES",
    "FORMATS",
    "RULES",
    "SEVERITY",
    "Breaks",
    "Change",
    "CompatibilityReport",
    "Direction",
    "Engine",
    "Family",
    "Level",
    "Location",
    "Mode",
    "Policy",
    "Rule",
    "Source",
    "at_least",
    "check",
    "declare",
    "declare_family",
    "hurts",
    "judge",
    "level_for",
    "register",
    "render",
    "render_migrations",
    "rule_of",
]
