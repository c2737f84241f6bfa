"""One way in for documents: loading JSON/YAML safely (size, depth, alias bombs, UTF-8,
duplicate keys), ``$ref`` resolution, JSON pointers and line numbers.

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.documents._load import (
    MAX_DOCUMENT_MB,
    MAX_SIZE,
    MISSING,
    Document,
    Resolver,
    Target,
    check_references,
    decode,
    escape,
    join,
    load_document,
    too_large,
    value_at,
)
from unlockstep.core.documents._yaml_lines import Validator, describe_type, load, pointer_join

__all__ = [
    "MAX_DOCUMENT_MB",
    "MAX_SIZE",
    "MISSING",
    "Document",
    "Resolver",
    "Target",
    "Validator",
    "check_references",
    "decode",
    "describe_type",
    "escape",
    "join",
    "load",
    "load_document",
    "pointer_join",
    "too_large",
    "value_at",
]
