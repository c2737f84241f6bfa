"""The registry rule set: how the schema-registry API judges a schema, with the same engines
as the rest of unlockstep and only the rules chosen differently.

``RULE_SETS``:

- ``registry`` (the default under ``/confluent``): each type as schema-registry users know it.
  Avro follows the specification's schema resolution (the Avro engine already does);
  JSON Schema judges content models the registry's way, strictly (adding a property to an
  open content model breaks: old data may hold that name with any value; a closed model
  takes new optional properties and refuses removed ones; a partially open one takes
  properties its ``additionalProperties`` schema covers); Protobuf as the registry reads
  the wire (``_protobuf.py``: field removal and renumbering allowed, scalar groups, oneofs,
  messages and packages).
- ``unlockstep``: the checks ``unlockstep contract publish`` runs. Two deliberate
  differences: JSON Schema is judged leniently (a property added to an open content model
  is fine: producers on the old schema do not send undeclared properties), and Protobuf
  follows buf's ``WIRE_JSON`` category (removing a field without reserving its number
  breaks: a later reuse of the number would misread old data; a change that breaks the
  JSON mapping breaks too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unlockstep.core import engines
from unlockstep.core.compat import CompatibilityReport, Engine, Mode, Policy, check
from unlockstep.core.schema_registry._protobuf import RegistryProtobuf

RULE_SETS = ("registry", "unlockstep")


def engine_for(kind: str, rules: str = "registry") -> Engine:
    """The engine judging ``kind`` under the rule set ``rules``."""
    if rules == "registry" and kind == "protobuf":
        from unlockstep.core.protobuf import Category, ProtobufEngine

        return RegistryProtobuf(ProtobufEngine(Category.FILE))
    return engines.engine(kind)


def policy_for(kind: str, rules: str = "registry") -> Policy:
    return Policy.STRICT if rules == "registry" and kind == "jsonschema" else Policy.LENIENT


def judge(
    engine: Engine,
    proposed: Any,
    history: Sequence[tuple[str | None, Any]],
    mode: Mode,
    rules: str = "registry",
) -> CompatibilityReport:
    """``proposed`` (parsed) against ``history`` (oldest first, parsed) under ``mode``."""
    return check(engine, proposed, history, mode, policy_for(engine.kind, rules))
