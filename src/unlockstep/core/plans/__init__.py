"""Release plans: the plan file, risk, safe rollout order, lockstep cycles, compatibility
windows, cleanup, progress and the release coordination document.

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

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
