"""Every compatibility engine, imported in one place so ``compat.ENGINES`` is full.

Adapters (the ``diff`` CLI, the registry) import this module, never the format modules one
by one. ``detect`` picks the engine for a document from its content: specific formats first,
plain JSON Schema last (almost any JSON object looks like one).
"""

from __future__ import annotations

import re

from unlockstep.core import avro, envelope, jsonschema, migrations, openapi, protobuf
from unlockstep.core.compat import ENGINES, Engine, Source
from unlockstep.errors import InvalidInput

# Each format module registers itself in ENGINES on import (``envelope`` is no engine, but its
# rule joins the same catalogue, so ``docs/rules.md`` lists it).
__all__ = [
    "avro",
    "detect",
    "engine",
    "envelope",
    "jsonschema",
    "kinds",
    "migrations",
    "openapi",
    "protobuf",
]

#: Tried last when detecting a kind: its sniff is the loosest.
FALLBACK = jsonschema.KIND


#: ``"openapi": "3.1.0"`` / ``swagger: '2.0'`` / ``asyncapi: 3.0.0`` anywhere in the text: JSON
#: with sorted keys puts the marker far below the first 4 KB the sniffers read.
_MARKER = re.compile(r"""["']?(openapi|swagger|asyncapi)["']?\s*:\s*["']?\d""")
_MARKED = {"openapi": "openapi", "swagger": "openapi", "asyncapi": "asyncapi"}


def detect(source: Source) -> Engine:
    """The engine whose ``sniff`` accepts ``source``; then a version marker anywhere in the
    text (``openapi: 3…``, ``asyncapi: 3…``); JSON Schema last."""
    for kind in sorted(k for k in ENGINES if k != FALLBACK):
        if ENGINES[kind].sniff(source):
            return ENGINES[kind]
    marker = _MARKER.search(source.text)
    if marker is not None and _MARKED[marker.group(1)] in ENGINES:
        return ENGINES[_MARKED[marker.group(1)]]
    if FALLBACK in ENGINES and ENGINES[FALLBACK].sniff(source):
        return ENGINES[FALLBACK]
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


def kinds() -> list[str]:
    """The contract kinds an engine is registered for (``compare``'s ``kind``)."""
    return sorted(ENGINES)
