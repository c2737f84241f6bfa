"""The JSON Schema compatibility engine (drafts 4, 7, 2019-09 and 2020-12).

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.jsonschema._engine import (
    ENGINE,
    KIND,
    JsonSchemaEngine,
    SchemaDocument,
    compare_schemas,
)
from unlockstep.core.jsonschema._rules import RULES
from unlockstep.core.jsonschema._view import ANNOTATIONS, canon

__all__ = [
    "ANNOTATIONS",
    "ENGINE",
    "KIND",
    "RULES",
    "JsonSchemaEngine",
    "SchemaDocument",
    "canon",
    "compare_schemas",
]
