"""Replay for Avro and Protobuf events: the consumer's own schema (its expectation's
``readerSchema``) resolved against each retained writer schema, by the format's own rules.

Avro data is read by schema resolution, so the question is the Avro specification's: can a
reader with this schema read what that writer wrote (fields matched by name or alias, defaults
for missing ones, promotions, union branches, enum symbols)? Protobuf bytes carry field
numbers and wire types, so it is wire compatibility of the message the consumer reads. Both
answers come from the compatibility engines in ``core.avro`` and ``core.protobuf``; the
engines are imported on first use, so a replay check of JSON events never loads them.
"""

from __future__ import annotations

import json
from typing import Any

from unlockstep.core.compat import Change
from unlockstep.core.contracts import Expectation
from unlockstep.errors import UnlockstepError

#: contract kinds whose events are read by resolving a reader schema
RESOLVED = ("avro", "protobuf")

Verdict = tuple[str, tuple[dict[str, Any], ...]]


def resolve(expectation: Expectation, kind: str, document: Any) -> Verdict:
    """``readable``/``unreadable``/``unknown`` with its problems, for one retained writer
    schema of ``kind`` (an Avro document as loaded JSON, or ``.proto`` text)."""
    reader = expectation.reader_schema
    if reader is None:
        return _unknown(
            f"the provider publishes {kind} events: give the consumer's expectation its "
            "readerSchema (the schema it decodes with) so replay can be checked"
        )
    try:
        if kind == "avro":
            found = _avro(reader, document)
        else:
            found = _protobuf(reader, expectation.reader_message, document)
    except UnlockstepError as error:
        return _unknown(str(error))
    except LookupError as error:  # protobuf.UnknownMessage
        return _unknown(str(error.args[0]) if error.args else str(error))
    problems = tuple(_problem(c) for c in found)
    return ("unreadable" if problems else "readable", problems)


def _avro(reader_text: str, document: Any) -> list[Change]:
    from unlockstep.core import avro

    text = document if isinstance(document, str) else json.dumps(document)
    reader = avro.parse_text(reader_text, "readerSchema")
    return avro.reading(reader, avro.parse_text(text, "writer schema"))


def _protobuf(reader_text: str, message: str | None, document: Any) -> list[Change]:
    from unlockstep.core import protobuf

    if not isinstance(document, str):
        raise protobuf.UnknownMessage("the provider's Protobuf contract is not .proto text")
    reader = protobuf.parse_text(reader_text, "reader.proto")
    name = protobuf.read_message(reader, message)
    return protobuf.reading(reader, protobuf.parse_text(document, "writer.proto"), name)


def _problem(change: Change) -> dict[str, Any]:
    return {"element": change.location.subject, "rule": change.rule, "reason": change.message}


def _unknown(reason: str) -> Verdict:
    return "unknown", ({"reason": reason},)
