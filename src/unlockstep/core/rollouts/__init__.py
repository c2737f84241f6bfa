"""Rollouts: a flag's exposure moved stage by stage (segments, then percentages), each stage
gated by an analysis, with abort to the safe variant. Pure: ``services/rollouts.py`` runs
them.

Modules: ``_plan`` (the rollout document), ``_exposure`` (the flag body each stage and an
abort leave), ``_machine`` (what happens after an analysis)."""

from unlockstep.core.rollouts._exposure import (
    aborted_body,
    stage_targeting,
    staged_body,
    variants_of,
)
from unlockstep.core.rollouts._machine import ACTIVE, Action, Decision, RolloutStatus, decide
from unlockstep.core.rollouts._plan import (
    WEIGHT_TOTAL,
    RolloutPlan,
    Stage,
    parse_rollout,
    parse_stage,
    stages_from_metadata,
)

__all__ = [
    "ACTIVE",
    "WEIGHT_TOTAL",
    "Action",
    "Decision",
    "RolloutPlan",
    "RolloutStatus",
    "Stage",
    "aborted_body",
    "decide",
    "parse_rollout",
    "parse_stage",
    "stage_targeting",
    "staged_body",
    "stages_from_metadata",
    "variants_of",
]
