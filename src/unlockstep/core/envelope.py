"""Event envelopes: a change of meaning is a new event type, never a compatible edit.

A registered event can carry its type and version (``eventType``, ``eventVersion``). When the
author of a publish declares a *semantic change* (the bytes may still parse, but a field now
means something else), the publish must either name a new event type or link an ADR that
records why the old type keeps its name. Otherwise :func:`semantic_change` returns one
breaking :class:`~unlockstep.core.compat.Change` (rule ``semantic-change-requires-new-event-type``).
Pure: the caller (``contract publish``) supplies the previous and proposed envelopes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from unlockstep.core.compat import Breaks, Change, Location, Policy, Rule, Source, declare, judge
from unlockstep.core.documents import load_document, value_at
from unlockstep.errors import ParseError

RULE = "semantic-change-requires-new-event-type"
declare(
    [
        Rule(
            RULE,
            "envelope",
            Breaks.READERS,
            "a publish declares a change of meaning but keeps the event type",
            "publish a new event type (emit both until consumers move, then deprecate the old "
            "one), or link the ADR that accepts the change",
        )
    ]
)
_ADR = re.compile(r"^(https?://\S+|[\w./-]+\.md(#\S*)?|ADR-\d+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Envelope:
    """What a registered event says about itself."""

    event_type: str | None = None
    event_version: str | None = None

    @classmethod
    def from_document(cls, document: Any) -> Envelope:
        """Read ``eventType``/``eventVersion`` from a parsed document: its top level or its
        ``x-event``/``metadata`` block (JSON Schema, AsyncAPI message, Avro record props);
        else the value a schema pins for an ``eventType``/``eventVersion`` property
        (``const``, an ``enum`` of one value, or failing those a ``default``), in a JSON
        Schema or in the payload of every message of an AsyncAPI document (several messages
        with different types give their names joined, sorted)."""
        if not isinstance(document, dict):
            return cls()
        for holder in (document, document.get("x-event"), document.get("metadata")):
            if isinstance(holder, dict) and ("eventType" in holder or "eventVersion" in holder):
                event_type, version = holder.get("eventType"), holder.get("eventVersion")
                return cls(
                    str(event_type) if event_type is not None else None,
                    str(version) if version is not None else None,
                )
        schemas = _message_payloads(document) if "asyncapi" in document else [document]
        types: set[str] = set()
        versions: set[str] = set()
        for schema in schemas:
            props = _deref(document, _deref(document, schema).get("properties"))
            event_type = _pinned(_deref(document, props.get("eventType")))
            version = _pinned(_deref(document, props.get("eventVersion")))
            if event_type is not None:
                types.add(str(event_type))
            if version is not None:
                versions.add(str(version))
        return cls(
            ", ".join(sorted(types)) if types else None,
            ", ".join(sorted(versions)) if versions else None,
        )


def _deref(root: Any, value: Any) -> dict[str, Any]:
    """``value`` as a dict, following local ``$ref`` (``#/…``) a few steps; ``{}`` else."""
    for _ in range(8):
        ref = value.get("$ref") if isinstance(value, dict) else None
        if not (isinstance(ref, str) and ref.startswith("#")):
            break
        value = value_at(root, ref[1:])
    return value if isinstance(value, dict) else {}


def _pinned(prop: dict[str, Any]) -> Any:
    """The one value a property schema allows (``const``, an ``enum`` of one), else its
    ``default``; ``None`` when it pins nothing."""
    if "const" in prop:
        return prop["const"]
    enum = prop.get("enum")
    if isinstance(enum, list) and len(enum) == 1:
        return enum[0]
    return prop.get("default")


def _message_payloads(document: dict[str, Any]) -> list[Any]:
    """The payload schema of every message an AsyncAPI document declares (components and,
    for AsyncAPI 2, channel operations)."""
    messages = list(_deref(document, value_at(document, "/components/messages")).values())
    for channel in _deref(document, document.get("channels")).values():
        channel = _deref(document, channel)
        messages += list(_deref(document, channel.get("messages")).values())
        for op in ("publish", "subscribe"):  # AsyncAPI 2
            message = _deref(document, _deref(document, channel.get(op)).get("message"))
            messages += [_deref(document, m) for m in message.get("oneOf") or ()] or [message]
    return [_deref(document, m).get("payload") for m in messages]


def semantic_change(
    previous: Envelope,
    proposed: Envelope,
    *,
    declared: bool,
    adr: str | None = None,
    subject: str = "",
) -> list[Change]:
    """The rule for a publish that may change meaning; empty when it is satisfied.

    ``declared`` is the author's "semantic change" flag. With it, the proposed event type
    must differ from the previous one, or ``adr`` must link the decision record.
    """
    if not declared:
        return []
    if adr and _ADR.match(adr.strip()):
        return [
            Change(
                rule=RULE,
                level=judge(RULE, Breaks.NONE, policy=Policy.LENIENT),
                breaks=Breaks.NONE,
                location=Location(subject=subject or (proposed.event_type or "")),
                message=f"semantic change accepted under the same event type, per {adr.strip()}",
                details={"adr": adr.strip()},
            )
        ]
    if proposed.event_type and proposed.event_type != previous.event_type:
        return []
    event_type = proposed.event_type or previous.event_type or "(no eventType)"
    hint = "" if adr is None else f" ({adr!r} is not a link to a decision record)"
    return [
        Change(
            rule=RULE,
            level=judge(RULE, Breaks.READERS, policy=Policy.LENIENT),
            breaks=Breaks.READERS,
            location=Location(subject=subject or event_type),
            message=(
                f"this publish declares a semantic change but keeps event type {event_type!r}: "
                "consumers would read the new meaning under the old name" + hint
            ),
            suggestion=(
                "publish it as a new event type (e.g. "
                f"{_next_type(event_type)!r}), let producers emit both until consumers move, "
                "then deprecate the old one; or link the ADR that accepts the change (--adr)"
            ),
            details={"eventType": event_type, "eventVersion": proposed.event_version},
        )
    ]


def _next_type(event_type: str) -> str:
    m = re.search(r"(.*?)(?:\.?[vV](\d+))$", event_type)
    if m:
        return f"{m.group(1)}.v{int(m.group(2)) + 1}"
    return f"{event_type}.v2"


def envelope_of(source: Source | None) -> Envelope:
    """The envelope a JSON or YAML contract declares; none for other formats (``.proto``)."""
    if source is None:
        return Envelope()
    try:
        return Envelope.from_document(load_document(source).data)
    except ParseError:
        return Envelope()


def check_publish(
    proposed: Source,
    previous: Source | None,
    *,
    declared: bool,
    adr: str | None = None,
    subject: str = "",
) -> list[Change]:
    """:func:`semantic_change` for a publish: envelopes read from the two documents."""
    if not declared:
        return []
    return semantic_change(
        envelope_of(previous), envelope_of(proposed), declared=True, adr=adr, subject=subject
    )
