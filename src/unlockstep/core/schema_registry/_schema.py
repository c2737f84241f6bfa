"""Schemas as a schema registry sees them: a type (AVRO, JSON, PROTOBUF), a text, and
references to other subjects' versions; their canonical form and the fingerprint that gives
one global id to one schema; and how a subject name becomes a contract name.

Subject name strategies (what the serializers call a subject):

- ``TopicNameStrategy`` (the default): ``<topic>-value`` / ``<topic>-key``;
- ``RecordNameStrategy``: the record's full name, ``com.acme.Order``;
- ``TopicRecordNameStrategy``: ``<topic>-com.acme.Order``.

Each is a plain string here: a subject is the name of one contract, whatever strategy made it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from unlockstep.core.registry import name_problem
from unlockstep.errors import InvalidInput

#: schemaType on the wire -> the unlockstep engine (contract kind) that judges it.
TYPES: dict[str, str] = {"AVRO": "avro", "JSON": "jsonschema", "PROTOBUF": "protobuf"}
#: and back.
TYPE_OF_KIND: dict[str, str] = {kind: name for name, kind in TYPES.items()}

_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class Reference:
    """A schema's dependency: the ``name`` it imports or ``$ref``s (a file name, or an Avro
    type's full name), found as ``subject`` version ``version``."""

    name: str
    subject: str
    version: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "subject": self.subject, "version": self.version}


def kind_of(schema_type: str | None) -> str:
    """The engine kind for a wire ``schemaType`` (absent means AVRO, as in the protocol)."""
    wanted = (schema_type or "AVRO").upper()
    if wanted not in TYPES:
        raise InvalidInput(
            f"unknown schemaType {schema_type!r}", where="schemaType", hint="AVRO, JSON or PROTOBUF"
        )
    return TYPES[wanted]


def canonical_text(kind: str, text: str) -> str:
    """The form a schema is stored, compared and answered in: JSON written compactly with
    its keys in order (Avro field order is an array, so it is kept), Protobuf with its lines'
    trailing blanks and blank runs dropped. Text that does not parse is returned as given
    (the engine reports where it is wrong)."""
    if kind == "protobuf":
        lines = [line.rstrip() for line in text.strip().splitlines()]
        return "\n".join(line for line in lines if line) + "\n"
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return text
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(kind: str, canonical: str, references: list[Reference]) -> str:
    """The SHA-256 naming one schema: the same type, canonical text and references have one
    id wherever they are registered."""
    refs = sorted((r.name, r.subject, r.version) for r in references)
    raw = json.dumps([kind, canonical, refs], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def contract_name(subject: str) -> str:
    """The contract a subject is: its own name when that is a valid contract name, otherwise
    a readable slug with a short hash that keeps distinct subjects apart."""
    if name_problem(subject, "contract") is None:
        return subject
    slug = _UNSAFE.sub("-", subject).strip("-")[:50] or "subject"
    return f"{slug}-{hashlib.sha256(subject.encode()).hexdigest()[:8]}"
