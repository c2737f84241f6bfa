"""Release plans: the plan file, risk, safe rollout order, lockstep cycles, compatibility
windows, cleanup, progress and the release coordination document.

Other packages import from here, never from the ``_private`` modules. The names are loaded on
first use (PEP 562): reading a plan file (``parse``) does not import the checks, the planner
and the coordination document, which ``unlockstep policy check`` never needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unlockstep.core.plans._check import PlanReport, Reader, analyse, load_engines
    from unlockstep.core.plans._coordination_doc import render_json, render_markdown
    from unlockstep.core.plans._evidence import (
        FAILED,
        NONE,
        VERIFIED,
        Question,
        Verification,
        find_contract,
        flag_metric,
        questions,
    )
    from unlockstep.core.plans._file import blocker_from_text, parse
    from unlockstep.core.plans._guards import Guarding, guarding
    from unlockstep.core.plans._plan import ContractChange, Plan
    from unlockstep.core.plans._progress import derive
    from unlockstep.core.plans._steps import Step
    from unlockstep.core.plans._window import Evidence, old_versions

_WHERE = {
    "ContractChange": "_plan",
    "Evidence": "_window",
    "FAILED": "_evidence",
    "Guarding": "_guards",
    "NONE": "_evidence",
    "Plan": "_plan",
    "PlanReport": "_check",
    "Question": "_evidence",
    "Reader": "_check",
    "Step": "_steps",
    "VERIFIED": "_evidence",
    "Verification": "_evidence",
    "analyse": "_check",
    "blocker_from_text": "_file",
    "derive": "_progress",
    "find_contract": "_evidence",
    "flag_metric": "_evidence",
    "guarding": "_guards",
    "load_engines": "_check",
    "old_versions": "_window",
    "parse": "_file",
    "questions": "_evidence",
    "render_json": "_coordination_doc",
    "render_markdown": "_coordination_doc",
}

__all__ = [
    "FAILED",
    "NONE",
    "VERIFIED",
    "ContractChange",
    "Evidence",
    "Guarding",
    "Plan",
    "PlanReport",
    "Question",
    "Reader",
    "Step",
    "Verification",
    "analyse",
    "blocker_from_text",
    "derive",
    "find_contract",
    "flag_metric",
    "guarding",
    "load_engines",
    "old_versions",
    "parse",
    "questions",
    "render_json",
    "render_markdown",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'unlockstep.core.plans' has no attribute {name!r}")
    value = getattr(import_module(f"unlockstep.core.plans.{module}"), name)
    globals()[name] = value
    return value
