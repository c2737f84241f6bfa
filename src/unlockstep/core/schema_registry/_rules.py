"""The registry rule set: how the schema-registry API judges a schema, with the same engines
as the rest of unlockstep and only the rules chosen differently.

``RULE_SETS``:

- ``registry`` (the default under ``/confluent``): each type as schema-registry users know it.
  Avro follows the specification's schema resolution (the Avro engine already does);
  JSON Schema judges content models the registry's way (an open model accepts any new
  property, a closed one none, a partially open one those its ``additionalProperties`` or
  ``patternProperties`` schema allows); Protobuf judges the wire only (buf's ``WIRE``
  category: removing a field, renaming a field or a message and moving a type between
  files do not break readers of the bytes), and types within one scalar group
  (``int32``/``uint32``/``int64``/``uint64``/``bool``, ``sint32``/``sint64``,
  ``fixed32``/``sfixed32``, ``fixed64``/``sfixed64``, ``string``/``bytes``) may replace each
  other.
- ``unlockstep``: the checks ``unlockstep contract publish`` runs (Protobuf ``WIRE_JSON``:
  a change that breaks the JSON mapping breaks too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unlockstep.core import engines
from unlockstep.core.compat import CompatibilityReport, Engine, Mode, Policy, check

RULE_SETS = ("registry", "unlockstep")


def engine_for(kind: str, rules: str = "registry") -> Engine:
    """The engine judging ``kind`` under the rule set ``rules``."""
    if rules == "registry" and kind == "protobuf":
        from unlockstep.core.protobuf import Category, ProtobufEngine

        return ProtobufEngine(Category.WIRE)
    return engines.engine(kind)


def judge(
    engine: Engine,
    proposed: Any,
    history: Sequence[tuple[str | None, Any]],
    mode: Mode,
) -> CompatibilityReport:
    """``proposed`` (parsed) against ``history`` (oldest first, parsed) under ``mode``."""
    return check(engine, proposed, history, mode, Policy.LENIENT)
