"""Can a reader decode messages written with another schema? The replay check's question for
Protobuf: a consumer's new schema meets bytes its producers wrote with older ones.

On the wire a message carries field numbers and wire types, not names, so the answer is buf's
WIRE comparison narrowed to what a *reader* trips over: a field number read with another wire
type or cardinality, a field moved into or out of a oneof, a changed proto2 default, a required
field the writer may leave out, a changed message-set encoding. Deletions are not among them: a
reader skips a field it does not know. Only the message the consumer reads, and the types it
reaches through its fields, are compared.
"""

from __future__ import annotations

from unlockstep.core.compat import Change
from unlockstep.core.protobuf._engine import diff
from unlockstep.core.protobuf._rules import Category
from unlockstep.core.protobuf._schema import ProtoMessage, ProtoModule

#: the WIRE rules that stop a reader from decoding old bytes, or make it misread them
READ_RULES = frozenset(
    {
        "FIELD_WIRE_COMPATIBLE_TYPE",
        "FIELD_WIRE_COMPATIBLE_CARDINALITY",
        "FIELD_SAME_ONEOF",
        "FIELD_SAME_DEFAULT",
        "MESSAGE_SAME_REQUIRED_FIELDS",
        "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT",
    }
)


class UnknownMessage(LookupError):
    """The message named is not in the schema (``str()`` says which and what is)."""


def messages(module: ProtoModule) -> dict[str, ProtoMessage]:
    """Every message of the module's own files (not its imports), by full name."""
    return {name: m for f in module.files.values() for name, m in f.messages.items()}


def read_message(module: ProtoModule, name: str | None) -> str:
    """The full name of the message a reader reads: ``name`` (full, or short when it is
    unique), or the module's only top-level message when ``name`` is ``None``."""
    found = messages(module)
    if name is None:
        top = [n for n, m in found.items() if m.parent is None and not m.map_entry]
        if len(top) == 1:
            return top[0]
        raise UnknownMessage(
            f"the schema has {len(top)} top-level messages ({', '.join(sorted(top)) or 'none'}); "
            "name the one read (readerMessage)"
        )
    if name in found:
        return name
    short = [n for n in found if n.rsplit(".", 1)[-1] == name]
    if len(short) == 1:
        return short[0]
    raise UnknownMessage(
        f"no message {name!r} in the schema (it has {', '.join(sorted(found)) or 'none'})"
    )


def _reached(module: ProtoModule, root: str) -> set[str]:
    """``root`` and every message type reachable through its fields (maps, groups, nesting)."""
    found = {name: m for f in module.all_files() for name, m in f.messages.items()}
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen or name not in found:
            continue
        seen.add(name)
        todo += [
            f.type for f in found[name].fields.values() if f.kind in ("message", "group", "map")
        ]
    return seen


def reading(reader: ProtoModule, writer: ProtoModule, message: str) -> list[Change]:
    """What stops ``reader``'s ``message`` (a full name) from decoding bytes written with
    ``writer``'s message of the same name. Raises :class:`UnknownMessage` when the writer's
    schema has no such message (its events are of another type, or it was renamed)."""
    if message not in messages(writer):
        raise UnknownMessage(f"the provider's schema has no message {message}")
    reached = _reached(reader, message)
    return [
        c
        for c in diff(writer, reader, Category.WIRE)
        if c.rule in READ_RULES and _owner(c.location.subject, reached)
    ]


def _owner(subject: str, reached: set[str]) -> bool:
    """Whether a finding's subject is a reached message or one of its fields."""
    return subject in reached or subject.rpartition(".")[0] in reached
