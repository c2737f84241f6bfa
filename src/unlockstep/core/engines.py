"""Every compatibility engine, imported in one place so ``compat.ENGINES`` is full.

Adapters (the ``diff`` CLI, the registry) import this module, never the format modules one
by one. ``detect`` picks the engine for a document from its content: specific formats first,
plain JSON Schema last (almost any JSON object looks like one).
"""

from __future__ import annotations

from unlockstep.core import asyncapi, avro, envelope, jsonschema, openapi, protobuf, table
from unlockstep.core.compat import ENGINES, Engine, Source
from unlockstep.errors import InvalidInput

# Each format module registers itself in ENGINES on import (``envelope`` is no engine, but its
# rule joins the same catalogue, so ``docs/rules.md`` lists it).
__all__ = [
    "asyncapi",
    "avro",
    "detect",
    "engine",
    "envelope",
    "jsonschema",
    "openapi",
    "protobuf",
    "table",
]

#: Tried last when detecting a kind: its sniff is the loosest.
FALLBACK = jsonschema.KIND


def detect(source: Source) -> Engine:
    """The engine whose ``sniff`` accepts ``source`` (JSON Schema last)."""
    for kind in sorted(ENGINES, key=lambda k: (k == FALLBACK, k)):
        if ENGINES[kind].sniff(source):
            return ENGINES[kind]
    raise InvalidInput(
        "cannot tell what kind of contract this is",
        where=source.filename,
        hint=f"pass --kind (one of {', '.join(sorted(ENGINES))})",
    )


def engine(kind: str) -> Engine:
    try:
        return ENGINES[kind]
    except KeyError:
        raise InvalidInput(
            f"unknown kind {kind!r}", hint=f"use one of {', '.join(sorted(ENGINES))}"
        ) from None
