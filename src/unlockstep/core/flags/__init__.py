"""Feature flags: flagd definitions with lifecycle discipline, compiled evaluation, debt.

Modules: ``definition`` (the document and lifecycle fields), ``jsonlogic`` (rule compiler),
``operators`` (flagd's custom operators and both bucketing algorithms), ``murmur3`` and
``cbor`` (their hash inputs), ``evaluator`` (the engine), ``segments`` (reusable rules),
``lifecycle`` (stale / cleanup / debt) and ``lint`` (the CI gate).
"""

from unlockstep.core.flags.definition import (
    FLAG_TYPES,
    FlagDefinition,
    FlagSet,
    Lifecycle,
    for_environment,
    parse_flag_set,
    to_document,
)
from unlockstep.core.flags.evaluator import ErrorCode, FlagEngine, Reason, Resolution

__all__ = [
    "FLAG_TYPES",
    "ErrorCode",
    "FlagDefinition",
    "FlagEngine",
    "FlagSet",
    "Lifecycle",
    "Reason",
    "Resolution",
    "for_environment",
    "parse_flag_set",
    "to_document",
]
