"""One way in for documents: loading JSON/YAML safely (size, depth, alias bombs, UTF-8,
duplicate keys), ``$ref`` resolution, JSON pointers and line numbers.

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.documents._load import (
    MAX_DOCUMENT_MB,
    MAX_SIZE,
    Document,
    Resolver,
    Target,
    check_references,
    decode,
    load_document,
    load_stream,
    too_large,
)
from unlockstep.core.documents._pointer import (
    MISSING,
    escape,
    join,
    parent,
    split,
    unescape,
    value_at,
)
from unlockstep.core.documents._types import json_type
from unlockstep.core.documents._validator import LinedDocument, Validator, describe_type, load

__all__ = [
    "MAX_DOCUMENT_MB",
    "MAX_SIZE",
    "MISSING",
    "Document",
    "LinedDocument",
    "Resolver",
    "Target",
    "Validator",
    "check_references",
    "decode",
    "describe_type",
    "escape",
    "join",
    "json_type",
    "load",
    "load_document",
    "load_stream",
    "parent",
    "split",
    "too_large",
    "unescape",
    "value_at",
]
