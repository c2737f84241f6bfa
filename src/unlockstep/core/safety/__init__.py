"""Safety nets: read-only data sources, business invariants over real data, and
reconciliation of two systems by key (seed 003: the recovery side of release coordination).

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.safety._codec import (
    invariant_from,
    reconciliation_from,
    source_from,
    to_dict,
)
from unlockstep.core.safety._file import NORMALISER_NAMES, duration, parse
from unlockstep.core.safety._invariants import (
    NOTIFIED,
    SAMPLE,
    Outcome,
    State,
    Status,
    age_text,
    failed,
    judge,
    judge_count,
    transition,
)
from unlockstep.core.safety._model import (
    FieldMap,
    Guards,
    InvariantSpec,
    ReconciliationSpec,
    SafetyNets,
    Side,
    SourceSpec,
)
from unlockstep.core.safety._outbox import RATE_WINDOW, LintProblem, OutboxSpec, publishes
from unlockstep.core.safety._outbox import lint as lint_outboxes
from unlockstep.core.safety._reconcile import (
    NORMALISERS,
    Comparison,
    Discrepancy,
    FieldDiff,
    KeyOrderError,
    Tally,
    key_function,
    key_text,
    plain,
)
from unlockstep.core.safety._replay import Published, Replay, SchemaVersion, retention_of
from unlockstep.core.safety._replay import judge as judge_replay

__all__ = [
    "NORMALISERS",
    "NORMALISER_NAMES",
    "NOTIFIED",
    "RATE_WINDOW",
    "SAMPLE",
    "Comparison",
    "Discrepancy",
    "FieldDiff",
    "FieldMap",
    "Guards",
    "InvariantSpec",
    "KeyOrderError",
    "LintProblem",
    "OutboxSpec",
    "Outcome",
    "Published",
    "ReconciliationSpec",
    "Replay",
    "SafetyNets",
    "SchemaVersion",
    "Side",
    "SourceSpec",
    "State",
    "Status",
    "Tally",
    "age_text",
    "duration",
    "failed",
    "invariant_from",
    "judge",
    "judge_count",
    "judge_replay",
    "key_function",
    "key_text",
    "lint_outboxes",
    "parse",
    "plain",
    "publishes",
    "reconciliation_from",
    "retention_of",
    "source_from",
    "to_dict",
    "transition",
]
