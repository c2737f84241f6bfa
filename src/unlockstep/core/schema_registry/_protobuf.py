"""Protobuf judged as a schema registry judges it: by what a reader of the bytes sees, with
the registry's own choices where they differ from buf's ``WIRE`` category.

The Protobuf engine reports every finding (buf's ``FILE`` category names them all); this
rule set decides which break, from the BACKWARD point of view (the new schema reads data
written with the old one):

- removing a field, or renumbering one, does not break (a reader skips unknown numbers and
  sees the default) — unless the field was in a ``oneof`` (the registry refuses that);
- adding or removing a ``required`` field (proto2) breaks;
- a type change breaks unless both types are in one compatible group:
  ``int32``/``uint32``/``int64``/``uint64``/``bool`` and enums, ``sint32``/``sint64``,
  ``fixed32``/``sfixed32``, ``fixed64``/``sfixed64``, ``string``/``bytes``;
- ``optional`` to ``repeated`` and back does not break for ``string``, ``bytes`` and
  messages (length-delimited either way) and breaks for numbers;
- moving one existing field into a new ``oneof`` does not break; moving several, or moving
  between ``oneof``\\ s, does;
- removing (or renaming) a message, and changing the package, break;
- names of fields and enum values, JSON names and options do not matter on the wire.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from unlockstep.core.compat import Breaks, Change, Policy, Source, judge

_GROUPS = (
    frozenset({"int32", "uint32", "int64", "uint64", "bool", "enum"}),
    frozenset({"sint32", "sint64"}),
    frozenset({"fixed32", "sfixed32"}),
    frozenset({"fixed64", "sfixed64"}),
    frozenset({"string", "bytes"}),
)
_LENGTH_DELIMITED = frozenset({"string", "bytes", "message"})
#: Always breaking under the registry's rules.
_BREAKING = frozenset({"FILE_SAME_PACKAGE", "MESSAGE_NO_DELETE", "MESSAGE_SAME_REQUIRED_FIELDS"})


class RegistryProtobuf:
    """The Protobuf engine under the registry rule set (see the module docstring)."""

    kind = "protobuf"

    def __init__(self, engine: Any) -> None:
        self.engine = engine  # the Protobuf engine with buf's FILE category: every finding

    def sniff(self, source: Source) -> bool:
        return bool(self.engine.sniff(source))

    def parse(self, source: Source) -> Any:
        return self.engine.parse(source)

    def diff(self, old: Any, new: Any, policy: Policy) -> list[Change]:
        found: list[Change] = self.engine.diff(old, new, policy)
        moved = _moved_into_oneofs(found, old, new)
        return [self._judge(c, old, new, moved) for c in found]

    def _judge(self, change: Change, old: Any, new: Any, moved: set[str]) -> Change:
        hurt = Breaks.NONE
        if _breaks(change, old, new, moved):
            hurt = change.breaks if change.breaks is not Breaks.NONE else Breaks.READERS
        level = judge(change.rule, hurt, policy=Policy.LENIENT)  # the catalogue's level
        suggestion = change.suggestion if hurt is not Breaks.NONE else ""
        return replace(change, level=level, breaks=hurt, suggestion=suggestion)


def _breaks(change: Change, old: Any, new: Any, moved: set[str]) -> bool:
    rule, subject = change.rule, change.location.subject
    if rule in _BREAKING:
        return True
    if rule == "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED":
        was = _field(old, subject)
        return was is not None and _in_oneof(was)
    if rule == "FIELD_WIRE_COMPATIBLE_TYPE":
        before, after = _field(old, subject), _field(new, subject)
        if before is None or after is None:
            return True
        return not any(_type(before) in g and _type(after) in g for g in _GROUPS)
    if rule == "FIELD_WIRE_COMPATIBLE_CARDINALITY":
        after = _field(new, subject)
        return after is None or _type(after) not in _LENGTH_DELIMITED
    if rule == "FIELD_SAME_ONEOF":
        return subject in moved
    return False


def _moved_into_oneofs(found: list[Change], old: Any, new: Any) -> set[str]:
    """Fields whose move into a ``oneof`` breaks: moved from another ``oneof``, or moved
    into one together with another existing field."""
    into: dict[tuple[str, str], list[str]] = {}
    breaking: set[str] = set()
    for c in found:
        if c.rule != "FIELD_SAME_ONEOF":
            continue
        before, after = _field(old, c.location.subject), _field(new, c.location.subject)
        if before is None or after is None or not _in_oneof(after) or _in_oneof(before):
            breaking.add(c.location.subject)
            continue
        message = c.location.subject.rsplit(".", 1)[0]
        into.setdefault((message, str(after.oneof)), []).append(c.location.subject)
    for fields in into.values():
        if len(fields) > 1:
            breaking.update(fields)
    return breaking


def _in_oneof(field: Any) -> bool:
    return field.oneof is not None and not field.synthetic_oneof


def _type(field: Any) -> str:
    return str(field.kind) if field.kind in ("message", "enum", "group", "map") else str(field.type)


def _field(module: Any, subject: str) -> Any:
    """The field ``subject`` (``pkg.Message.field``) names in ``module``, or ``None``."""
    message, _, name = subject.rpartition(".")
    for file in (*module.files.values(), *module.imported.values()):
        found = file.messages.get(message)
        if found is not None:
            for field in found.fields.values():
                if field.name == name:
                    return field
    return None
