"""Feature flags: flagd definitions with lifecycle discipline, compiled evaluation, debt.

Modules: ``definition`` (the document and lifecycle fields), ``jsonlogic`` (rule compiler),
``operators`` (flagd's custom operators and both bucketing algorithms), ``murmur3`` and
``cbor`` (their hash inputs), ``evaluator`` (the engine), ``segments`` (reusable rules),
``lifecycle`` (stale / cleanup / debt), ``lint`` (the CI gate) and ``portable`` (a set as
flagd's own providers evaluate it).
"""

from unlockstep.core.flags.capabilities import (
    CapabilitySet,
    capability_sets,
    evaluate_capabilities,
)
from unlockstep.core.flags.definition import (
    FLAG_TYPES,
    FlagDefinition,
    FlagProblem,
    FlagSet,
    InvalidFlag,
    Lifecycle,
    dependents,
    flagd_loadable,
    for_environment,
    is_killed,
    killed,
    parse_flag_set,
    stand_in,
    to_document,
    unkilled,
)
from unlockstep.core.flags.evaluator import ErrorCode, FlagEngine, Reason, Resolution
from unlockstep.core.flags.keys import KEY_MAX, key_problem
from unlockstep.core.flags.lifecycle import (
    MAX_COUNT,
    MAX_COUNTS_PER_BATCH,
    Debt,
    EvaluationCount,
    debt_report,
)
from unlockstep.core.flags.lint import (
    DEFAULT_RULES,
    ENFORCEABLE_RULES,
    blocking_problems,
    lint,
    rule_violations,
)
from unlockstep.core.flags.portable import for_flagd, unfoldable

__all__ = [
    "DEFAULT_RULES",
    "ENFORCEABLE_RULES",
    "FLAG_TYPES",
    "KEY_MAX",
    "MAX_COUNT",
    "MAX_COUNTS_PER_BATCH",
    "CapabilitySet",
    "Debt",
    "ErrorCode",
    "EvaluationCount",
    "FlagDefinition",
    "FlagEngine",
    "FlagProblem",
    "FlagSet",
    "InvalidFlag",
    "Lifecycle",
    "Reason",
    "Resolution",
    "blocking_problems",
    "capability_sets",
    "debt_report",
    "dependents",
    "evaluate_capabilities",
    "flagd_loadable",
    "for_environment",
    "for_flagd",
    "is_killed",
    "key_problem",
    "killed",
    "lint",
    "parse_flag_set",
    "rule_violations",
    "stand_in",
    "to_document",
    "unfoldable",
    "unkilled",
]
