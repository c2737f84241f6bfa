"""Every compatibility engine, found by kind. Each format package registers its engines in
``compat.ENGINES`` when it is imported; this module imports a package only when one of its
kinds is needed, so a command that diffs two OpenAPI files never loads the SQL grammar or the
Protobuf parser (``load_all`` imports every one, for catalogues and listings).

Adapters (the ``diff`` CLI, the registry) come here, never to the format packages one by one.
``detect`` picks the engine for a document from its name and content:

1. a file extension an engine claims (``.proto``, ``.avsc``, ``.sql``), if its sniff agrees;
2. a version marker anywhere in the text (``openapi: 3…``, ``swagger: '2.0'``,
   ``asyncapi: 3…``): JSON with sorted keys puts it far below the first 4 KB sniffers read;
3. every other engine's sniff, by kind name;
4. plain JSON Schema last (almost any JSON object looks like one).
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import NamedTuple

from unlockstep.core.compat import ENGINES, Engine, Source
from unlockstep.errors import InvalidInput

__all__ = ["FALLBACK", "KINDS", "detect", "engine", "kinds", "load_all"]


class Kind(NamedTuple):
    """Where a kind's engine lives (``attribute``: a name of the package's face that loads it,
    when the package loads it lazily), and the file extensions it claims (``only``: its sniff
    accepts nothing else, so detection need not import it for other files)."""

    package: str
    extensions: tuple[str, ...] = ()
    only: bool = False
    attribute: str | None = None


KINDS: dict[str, Kind] = {
    "asyncapi": Kind("unlockstep.core.openapi"),
    "avro": Kind("unlockstep.core.avro", (".avsc",)),
    "jsonschema": Kind("unlockstep.core.jsonschema"),
    "openapi": Kind("unlockstep.core.openapi"),
    "protobuf": Kind("unlockstep.core.protobuf", (".proto",)),
    "table": Kind("unlockstep.core.migrations", (".sql",), only=True, attribute="TABLE_ENGINE"),
}

#: Not an engine, but its rule joins the same catalogue (so ``docs/rules.md`` lists it).
_ALSO = ("unlockstep.core.envelope",)

#: Tried last when detecting a kind: its sniff is the loosest.
FALLBACK = "jsonschema"

_MARKER = re.compile(r"""["']?(openapi|swagger|asyncapi)["']?\s*:\s*["']?\d""")
_MARKED = {"openapi": "openapi", "swagger": "openapi", "asyncapi": "asyncapi"}


def kinds() -> list[str]:
    """Every kind: the built-in ones and any registered since."""
    return sorted(set(KINDS) | set(ENGINES))


def engine(kind: str) -> Engine:
    """The engine for ``kind``, importing its package on first use."""
    if kind not in ENGINES and kind in KINDS:
        _load(KINDS[kind])
    try:
        return ENGINES[kind]
    except KeyError:
        raise InvalidInput(
            f"unknown kind {kind!r}", hint=f"use one of {', '.join(kinds())}"
        ) from None


def load_all() -> dict[str, Engine]:
    """Import every engine (and every rule's module): the full ``compat.ENGINES``."""
    for kind in sorted(KINDS):
        _load(KINDS[kind])
    for package in _ALSO:
        importlib.import_module(package)
    return ENGINES


def _load(kind: Kind) -> None:
    module = importlib.import_module(kind.package)
    if kind.attribute is not None:
        getattr(module, kind.attribute)


def detect(source: Source) -> Engine:
    """The engine for ``source`` (see the module docstring for the order)."""
    name = source.filename.lower()
    claimed = [
        kind
        for kind in kinds()
        if kind in KINDS and any(name.endswith(ext) for ext in KINDS[kind].extensions)
    ]
    for kind in claimed:
        if engine(kind).sniff(source):
            return engine(kind)
    marker = _MARKER.search(source.text)
    if marker is not None:
        return engine(_MARKED[marker.group(1)])
    for kind in kinds():
        if kind == FALLBACK or kind in claimed or (kind in KINDS and KINDS[kind].only):
            continue
        if engine(kind).sniff(source):
            return engine(kind)
    if engine(FALLBACK).sniff(source):
        return engine(FALLBACK)
    raise InvalidInput(
        "cannot tell what kind of contract this is",
        where=source.filename,
        hint=f"pass --kind (one of {', '.join(kinds())})",
    )


def __getattr__(name: str) -> ModuleType:
    """``engines.avro`` and friends, as before: the format package, imported on use."""
    for package in (*{k.package for k in KINDS.values()}, *_ALSO):
        if package.rsplit(".", 1)[-1] == name:
            return importlib.import_module(package)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
