"""The schema-registry protocol's view of contracts: schema types and references, canonical
forms and fingerprints (one global id per schema), subject names as contract names, the
registry rule set, and the protocol's error codes.

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.schema_registry._errors import (
    CompatibilityNotConfigured,
    IdDoesNotMatch,
    InvalidCompatibility,
    InvalidMode,
    InvalidSchema,
    InvalidVersion,
    ModeNotConfigured,
    NotPermitted,
    ReferenceExists,
    SchemaNotFound,
    SubjectNotFound,
    SubjectNotSoftDeleted,
    SubjectSoftDeleted,
    VersionNotFound,
    VersionNotSoftDeleted,
    VersionSoftDeleted,
)
from unlockstep.core.schema_registry._resolved import resolved_avro
from unlockstep.core.schema_registry._rules import RULE_SETS, engine_for, judge
from unlockstep.core.schema_registry._schema import (
    TYPE_OF_KIND,
    TYPES,
    Reference,
    canonical_text,
    contract_name,
    fingerprint,
    kind_of,
)

__all__ = [
    "RULE_SETS",
    "TYPES",
    "TYPE_OF_KIND",
    "CompatibilityNotConfigured",
    "IdDoesNotMatch",
    "InvalidCompatibility",
    "InvalidMode",
    "InvalidSchema",
    "InvalidVersion",
    "ModeNotConfigured",
    "NotPermitted",
    "Reference",
    "ReferenceExists",
    "SchemaNotFound",
    "SubjectNotFound",
    "SubjectNotSoftDeleted",
    "SubjectSoftDeleted",
    "VersionNotFound",
    "VersionNotSoftDeleted",
    "VersionSoftDeleted",
    "canonical_text",
    "contract_name",
    "engine_for",
    "fingerprint",
    "judge",
    "kind_of",
    "resolved_avro",
]
