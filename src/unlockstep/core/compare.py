"""The one way to compare two versions of a contract: ``compare(old, new, kind, mode, policy)``.

``unlockstep diff`` calls it with two files, the registry (``contracts.judge``, behind
``contract publish`` and ``check``) with the registered history, and a library user with
whatever they hold. So every entry point reads documents the same way (the hardened loader),
picks the engine the same way (``engines.detect`` unless a kind is given) and refuses the
same documents: a ``$ref`` that does not resolve anywhere in a document it is given is a
``ParseError`` naming the file and the pointer, even when no change leads to it.

A document may be given as:

- ``Source`` (text, a filename for messages, and a reader for relative references);
- ``str``: the document's text (JSON, YAML, Protobuf, SQL…), never a file name;
- ``bytes``: the same, UTF-8 (invalid UTF-8 is a ``ParseError`` naming the byte offset);
- an already-parsed value (``dict`` or ``list``): written back as JSON for the engine.

Reading files is the adapters' business (core does no I/O): ``unlockstep.compare`` and the
CLI turn a path into a ``Source`` first. ``old`` may also be a sequence of ``Earlier``
versions (oldest first) for the transitive modes, or ``None`` when there is nothing to
compare with (the new document is still parsed and checked).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from unlockstep.core import engines
from unlockstep.core.compat import CompatibilityReport, Engine, Mode, Policy, Source, check
from unlockstep.core.documents import MAX_SIZE, Resolver, check_references, decode
from unlockstep.errors import InvalidInput

#: What ``compare`` takes as a document (see the module docstring).
DocumentInput: TypeAlias = Source | str | bytes | Mapping[str, Any] | list[Any]

#: A whole "document" that is only a file name: ``compare("v1.yaml", "v2.yaml")``.
_FILE_NAME = re.compile(r"[^\n{}\[\]:]*\.(json|ya?ml|avsc|proto|sql)", re.IGNORECASE)

__all__ = ["DocumentInput", "Earlier", "as_mode", "as_policy", "compare", "to_source"]


@dataclass(frozen=True, slots=True)
class Earlier:
    """One earlier version in a history: a label for the report and the document.

    ``checked`` says its references were already checked (a registry checks every document
    when it is published), so ``compare`` need not check them again."""

    label: str | None
    document: DocumentInput
    checked: bool = False


def to_source(
    document: DocumentInput, name: str = "<input>", *, max_size: int = MAX_SIZE
) -> Source:
    """``document`` as a ``Source`` the engines parse (see the module docstring)."""
    if isinstance(document, Source):
        return document
    if isinstance(document, bytes):
        return Source(decode(document, name, max_size=max_size), name)
    if isinstance(document, str):
        if _FILE_NAME.fullmatch(document):
            raise InvalidInput(
                f"{document!r} looks like a file name, but a str is taken as the document's text",
                where=name,
                hint="pass pathlib.Path(...) to unlockstep.compare to read a file",
            )
        return Source(document, name)
    if isinstance(document, Mapping | list):
        try:
            text = json.dumps(document, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                f"the parsed document cannot be written as JSON: {exc}",
                where=name,
                hint="pass plain values (dict, list, str, int, float, bool, None)",
            ) from None
        return Source(text, name)
    raise InvalidInput(
        f"cannot compare a {type(document).__name__}",
        where=name,
        hint="pass the document's text (str or bytes), a parsed dict or list, or a Source;"
        " to read a file, use unlockstep.compare with a pathlib.Path",
    )


def _engine(kind: str | None, source: Source) -> Engine:
    return engines.engine(kind) if kind else engines.detect(source)


def _parse(engine: Engine, source: Source, *, check_refs: bool) -> Any:
    parsed = engine.parse(source)
    resolver = getattr(parsed, "resolver", None)  # the formats that have ``$ref``
    if check_refs and isinstance(resolver, Resolver):
        check_references(resolver)
    return parsed


def as_mode(mode: Mode | str) -> Mode:
    """``mode`` as a ``Mode`` (``"full-transitive"`` is ``FULL_TRANSITIVE``)."""
    if isinstance(mode, Mode):
        return mode
    try:
        return Mode.parse(mode)
    except ValueError as exc:
        raise InvalidInput(str(exc), where="mode") from None


def as_policy(policy: Policy | str) -> Policy:
    """``policy`` as a ``Policy`` (``strict`` or ``lenient``, any case)."""
    if isinstance(policy, Policy):
        return policy
    try:
        return Policy(policy.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"unknown policy {policy!r}", where="policy", hint="use strict or lenient"
        ) from None


def _history(old: DocumentInput | Sequence[Earlier] | None) -> list[Earlier]:
    if old is None:
        return []
    if isinstance(old, Sequence) and old and all(isinstance(o, Earlier) for o in old):
        return [o for o in old if isinstance(o, Earlier)]
    label = old.filename if isinstance(old, Source) else None
    return [Earlier(label, old)]  # type: ignore[arg-type]  # not a history: one document


def compare(
    old: DocumentInput | Sequence[Earlier] | None,
    new: DocumentInput,
    kind: str | None = None,
    mode: Mode | str = Mode.BACKWARD,
    policy: Policy | str = Policy.LENIENT,
    *,
    max_size: int = MAX_SIZE,
) -> CompatibilityReport:
    """What changing ``old`` into ``new`` does, judged under ``mode``.

    ``kind`` names the engine (``openapi``, ``jsonschema``, ``avro``…); without it the kind
    is detected from ``new``. An incompatible change is a report with ``compatible`` false,
    not an exception; a document that cannot be read is an ``InvalidInput``/``ParseError``
    saying where (file, line or JSON pointer) and what to do."""
    wanted_mode, wanted_policy = as_mode(mode), as_policy(policy)
    new_source = to_source(new, "<new>", max_size=max_size)
    engine = _engine(kind, new_source)
    proposed = _parse(engine, new_source, check_refs=True)
    earlier: list[tuple[str | None, Any]] = []
    for item in _history(old):
        source = to_source(item.document, item.label or "<old>", max_size=max_size)
        earlier.append((item.label, _parse(engine, source, check_refs=not item.checked)))
    if not earlier:
        return CompatibilityReport(mode=wanted_mode, kind=engine.kind, changes=())
    return check(engine, proposed, earlier, wanted_mode, wanted_policy)
