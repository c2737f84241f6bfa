"""What the registry decides about a contract document, without storing anything.

``canonical_hash`` gives a document its content address: the SHA-256 of its data written as
canonical JSON (sorted keys, no whitespace), so re-formatting a YAML file or reordering its
keys publishes nothing new. ``judge`` checks a proposed document against the registered
history under the contract's mode, through the one ``compare``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from unlockstep.core import engines
from unlockstep.core.compare import Earlier, as_mode, as_policy, compare
from unlockstep.core.compat import CompatibilityReport, Engine, Mode, Policy, Source
from unlockstep.core.documents import load_document
from unlockstep.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Registered:
    """One stored contract version, as history for a check."""

    version: str
    content: str
    filename: str = "<registered>"
    #: the files it references (a multi-file contract), as pinned when it was published
    read_relative: Callable[[str], str] | None = None


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
    return as_mode(text) if text else default


def parse_policy(text: str | None) -> Policy:
    return as_policy(text) if text else Policy.LENIENT


def judge(
    engine: Engine,
    proposed: Source,
    history: Sequence[Registered],
    mode: Mode,
    policy: Policy = Policy.LENIENT,
) -> CompatibilityReport:
    """``proposed`` against ``history`` (oldest first), through the one ``compare``. With no
    history, trivially fine; a ``$ref`` in ``proposed`` that does not resolve is refused
    either way (``ParseError``). The history was checked when it was published."""
    earlier = [
        Earlier(item.version, Source(item.content, item.filename, item.read_relative), checked=True)
        for item in history
    ]
    return compare(earlier or None, proposed, engine.kind, mode, policy)
