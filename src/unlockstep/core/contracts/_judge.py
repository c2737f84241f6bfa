"""What the registry decides about a contract document, without storing anything.

``canonical_hash`` gives a document its content address: the SHA-256 of its data written as
canonical JSON (sorted keys, no whitespace), so re-formatting a YAML file or reordering its
keys publishes nothing new. ``judge`` checks a proposed document against the registered
history under the contract's mode, through the one ``compat.check``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from unlockstep.core import engines
from unlockstep.core.compat import CompatibilityReport, Engine, Mode, Policy, Source, check
from unlockstep.core.documents import Resolver, check_references, load_document
from unlockstep.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Registered:
    """One stored contract version, as history for a check."""

    version: str
    content: str
    filename: str = "<registered>"


def canonical_hash(source: Source) -> str:
    data = load_document(source).data
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def engine_for(source: Source, kind: str | None, registered_kind: str | None = None) -> Engine:
    """The engine for a document: the contract's kind, the one asked for, or detected."""
    if kind and registered_kind and kind != registered_kind:
        raise InvalidInput(
            f"this contract is registered as {registered_kind!r}, not {kind!r}",
            where="kind",
            hint="publish it under another name, or drop --kind",
        )
    wanted = kind or registered_kind
    return engines.engine(wanted) if wanted else engines.detect(source)


def parse_mode(text: str | None, default: Mode = Mode.BACKWARD) -> Mode:
    if not text:
        return default
    try:
        return Mode.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), where="mode") from None


def parse_policy(text: str | None) -> Policy:
    if not text:
        return Policy.LENIENT
    try:
        return Policy(text.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"unknown policy {text!r}", where="policy", hint="use strict or lenient"
        ) from None


def judge(
    engine: Engine,
    proposed: Source,
    history: Sequence[Registered],
    mode: Mode,
    policy: Policy = Policy.LENIENT,
) -> CompatibilityReport:
    """``proposed`` against ``history`` (oldest first). With no history, trivially fine;
    a ``$ref`` in ``proposed`` that does not resolve is refused either way (``ParseError``)."""
    new = engine.parse(proposed)
    resolver = getattr(new, "resolver", None)  # the formats that have ``$ref``
    if isinstance(resolver, Resolver):
        check_references(resolver)
    earlier: list[tuple[str | None, Any]] = [
        (item.version, engine.parse(Source(item.content, item.filename))) for item in history
    ]
    if not earlier:
        return CompatibilityReport(mode=mode, kind=engine.kind, changes=())
    return check(engine, new, earlier, mode, policy)
