"""Replay safety: can a consumer version read every event schema version still inside the
topic's retention window? A consumer that deploys, or rewinds, reads old messages with new
code; every schema version a provider published within the retention must still be
readable (the transitive check, not just the newest against the one before).

Avro and Protobuf writer schemas are resolved against the consumer's own reader schema
(``_resolution``); AsyncAPI and JSON Schema ones are verified against its expectation.

Pure: given the consumer's expectation and what was published when, a :class:`Replay`
value (never an exception for "cannot read").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from unlockstep.core.contracts import Expectation, unverifiable, verify
from unlockstep.core.safety._resolution import RESOLVED, Verdict, resolve


@dataclass(frozen=True, slots=True)
class Published:
    """A provider version whose events may still be in the topic: its document, from when it
    produced them and until when (``None``: it still does)."""

    version: str
    document: Any
    since: datetime
    until: datetime | None
    kind: str = ""  # the contract's kind: avro and protobuf are resolved, others verified


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    """One distinct schema (document) in the window, with every provider version that
    published it."""

    provider_versions: tuple[str, ...]
    since: datetime
    until: datetime | None
    status: str  # readable | unreadable | unknown
    problems: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Replay:
    contract: str
    provider: str
    retention_seconds: float | None
    window_start: datetime | None
    versions: tuple[SchemaVersion, ...] = field(default=())
    note: str = ""

    @property
    def status(self) -> str:
        if self.retention_seconds is None or not self.versions:
            return "unknown"
        states = {v.status for v in self.versions}
        if "unreadable" in states:
            return "unreadable"
        return "unknown" if "unknown" in states else "readable"


def retention_of(document: Any) -> float | None:
    """The topic's retention in seconds, when the AsyncAPI document declares it (a Kafka
    binding's ``topicConfiguration.retention.ms``; ``-1`` is forever, ``None``)."""
    found: list[float] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "retention.ms" and isinstance(value, (int, float)) and value > 0:
                    found.append(float(value) / 1000)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return max(found) if found else None


def _key(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)


def _read(expectation: Expectation, kind: str, document: Any) -> Verdict:
    """Whether the consumer reads events written with ``document``: Avro and Protobuf by
    resolving its reader schema, AsyncAPI and JSON Schema by verifying its expectation."""
    if document is None:
        return "unknown", ({"reason": "no document"},)
    if kind in RESOLVED:
        return resolve(expectation, kind, document)
    why = unverifiable(expectation, document)
    if why:
        return "unknown", ({"reason": why},)
    result = verify(expectation, document)
    errors = tuple(p.to_dict() for p in result.problems if p.level == "error")
    return ("unreadable" if errors else "readable", errors)


def judge(
    expectation: Expectation,
    contract: str,
    provider: str,
    published: Iterable[Published],
    retention_seconds: float | None,
    window_start: datetime | None,
) -> Replay:
    """Whether ``expectation`` reads every distinct schema in ``published`` (the provider
    versions whose events may still be in the topic)."""
    if retention_seconds is None:
        return Replay(
            contract, provider, None, None,
            note="the topic's retention is unknown: pass --retention, or declare it in the "
            "AsyncAPI document (a Kafka binding's topicConfiguration retention.ms)",
        )  # fmt: skip
    groups: dict[str, list[Published]] = {}
    for item in published:
        groups.setdefault(_key(item.document), []).append(item)
    out: list[SchemaVersion] = []
    for items in groups.values():
        document = items[0].document
        since = min(i.since for i in items)
        until = (
            None if any(i.until is None for i in items) else max(i.until for i in items if i.until)
        )
        versions = tuple(i.version for i in items)
        status, problems = _read(expectation, items[0].kind, document)
        out.append(SchemaVersion(versions, since, until, status, problems))
    out.sort(key=lambda v: v.since)
    note = "" if out else "no provider version published this contract inside the window"
    return Replay(contract, provider, retention_seconds, window_start, tuple(out), note)
