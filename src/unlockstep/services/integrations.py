"""Registry questions over expectations and verifications: who consumes a contract (owners,
verified-against, deprecated fields, sunset), the consumer × provider version matrix, and
the impact of a proposed contract document. Gathered from the store, judged in core."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core import contracts as core
from unlockstep.store import contract_documents, integrations, registry


@dataclass(frozen=True)
class ConsumerVersion:
    version: str
    reader: str
    source: str
    live: list[str]
    verified_against: list[str]
    failed_against: list[str]
    uses_deprecated_fields: bool
    deprecated_uses: list[dict[str, Any]]
    migration_due: str | None


@dataclass
class Consumer:
    service: str
    owner: str | None
    versions: list[ConsumerVersion] = field(default_factory=list)


@dataclass
class ContractConsumers:
    contract: str
    current_version: str | None
    consumers: list[Consumer] = field(default_factory=list)


@dataclass(frozen=True)
class Consumers:
    provider: str
    contracts: list[ContractConsumers]


def consumers(
    session: Session, provider: str, contract: str | None = None, *, current: bool = False
) -> Consumers:
    """The seed's registry answer: who depends on this API/event, which version each
    verified against, who still uses deprecated fields, owners, when support ends. With
    ``current``, only the consumer versions that run somewhere, and each consumer's newest
    (the versions ``impact`` considers), not every version ever published."""
    service = registry.get_service(session, provider)
    rows = integrations.expectations_of(session, service.id, contract)
    placements = integrations.placements(session, {r.row.consumer_version_id for r in rows})
    if current:
        newest = {r.consumer: r.row.id for r in rows}  # rows are ordered oldest first
        rows = [
            r
            for r in rows
            if placements.get(r.row.consumer_version_id) or newest[r.consumer] == r.row.id
        ]
    verified = integrations.results_of(session, {r.row.id for r in rows})
    latest_of: dict[str, tuple[str, Any] | None] = {}
    by_version: dict[tuple[str, str], Any] = {}
    found: dict[str, ContractConsumers] = {}
    for e, consumer, number, owner in rows:
        if e.contract not in latest_of:
            latest_of[e.contract] = contract_documents.latest(session, service.id, e.contract)
        latest = latest_of[e.contract]
        results = verified.get(e.id, [])
        # deprecations as of the newest provider version this consumer version verified
        # against (a field removed since is a failure, not a deprecation)
        good = [n for n, s, _ in results if s == "verified"]
        basis = latest
        if good:
            key = (e.contract, good[-1])
            if key not in by_version:
                by_version[key] = contract_documents.document(
                    session, service.id, e.contract, good[-1]
                )
            basis = (good[-1], by_version[key]) if by_version[key] is not None else latest
        entry = found.setdefault(
            e.contract, ContractConsumers(e.contract, latest[0] if latest else None)
        )
        deprecated = core.deprecated_uses(core.parse(e.body), basis[1]) if basis else []
        sunsets = sorted(d["sunset"] for d in deprecated if d["sunset"])
        who = next((c for c in entry.consumers if c.service == consumer), None)
        if who is None:
            who = Consumer(consumer, owner)
            entry.consumers.append(who)
        who.versions.append(
            ConsumerVersion(
                version=number,
                reader=e.reader,
                source=e.source,
                live=placements.get(e.consumer_version_id, []),
                verified_against=good,
                failed_against=[n for n, s, _ in results if s == "failed"],
                uses_deprecated_fields=bool(deprecated),
                deprecated_uses=deprecated,
                migration_due=sunsets[0] if sunsets else None,
            )
        )
    return Consumers(provider, list(found.values()))


@dataclass(frozen=True)
class MatrixEntry:
    consumer: str
    consumer_version: str
    provider: str
    provider_version: str
    contract: str
    status: str
    source: str
    build_url: str | None
    verified_at: str
    problems: list[dict[str, Any]]


def matrix(session: Session, *, offset: int, limit: int, **filters: Any) -> tuple[
    list[MatrixEntry], int
]:  # fmt: skip
    rows, total = integrations.matrix(session, offset=offset, limit=limit, **filters)
    items = [
        MatrixEntry(
            consumer=r.consumer,
            consumer_version=r.consumer_version,
            provider=r.provider,
            provider_version=r.provider_version,
            contract=r.contract,
            status=r.status,
            source=r.source,
            build_url=r.build_url,
            verified_at=r.verified_at.isoformat(),
            problems=[
                p for p in (r.problems or {}).get("problems", []) if p.get("level") == "error"
            ],
        )
        for r in rows
    ]
    return items, total


@dataclass(frozen=True)
class ImpactConsumer:
    consumer: str
    version: str
    owner: str | None
    reader: str
    live: list[str]
    problems: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class RemovedElement:
    element: str
    field: str | None
    read_by: list[str]
    safe_to_remove: bool


@dataclass(frozen=True)
class Impact:
    provider: str
    contract: str
    compared_with: str | None
    answer: str
    consumers_considered: int
    affected: list[ImpactConsumer]
    unaffected: list[ImpactConsumer]
    removed: list[RemovedElement]
    evidence: str


def impact(
    session: Session, provider: str, contract: str, document: Any, against: str | None = None
) -> Impact:
    """Which consumer versions (live anywhere, or the newest of each consumer) the proposed
    document breaks, why, and which removed elements nobody reads."""
    service = registry.get_service(session, provider)
    rows = integrations.expectations_of(session, service.id, contract)
    placements = integrations.placements(session, {r.row.consumer_version_id for r in rows})
    newest: dict[str, int] = {}
    for r in rows:
        newest[r.consumer] = r.row.id  # rows are ordered oldest first
    considered = [
        r
        for r in rows
        if placements.get(r.row.consumer_version_id) or newest[r.consumer] == r.row.id
    ]
    current: tuple[str, Any] | None
    if against:
        version = registry.get_version(session, service, against)
        doc = contract_documents.document(session, service.id, contract, version.number)
        current = (against, doc) if doc is not None else None
    else:
        current = contract_documents.latest(session, service.id, contract)
    affected: list[ImpactConsumer] = []
    unaffected: list[ImpactConsumer] = []
    readers: dict[core.Element, list[str]] = defaultdict(list)
    for e, consumer, number, owner in considered:
        parsed = core.parse(e.body)
        if core.unverifiable(parsed, document):
            continue  # another kind of document: only reported results can speak for it
        result = core.verify(parsed, document)
        live = placements.get(e.consumer_version_id, [])
        if result.ok:
            unaffected.append(ImpactConsumer(consumer, number, owner, e.reader, live))
        else:
            problems = [p.to_dict() for p in result.problems if p.level == "error"]
            affected.append(ImpactConsumer(consumer, number, owner, e.reader, live, problems))
        if current is not None:
            for element in core.reads(parsed, current[1]):
                readers[element].append(f"{consumer} {number}")
    removed: list[RemovedElement] = []
    if current is not None:
        gone = core.elements(current[1]) - core.elements(document)
        for label, pointer in sorted(gone):
            who = readers.get((label, pointer), [])
            removed.append(RemovedElement(label, pointer or None, who, not who))
    return Impact(
        provider=provider,
        contract=contract,
        compared_with=current[0] if current else None,
        answer="breaks consumers" if affected else "no consumer affected",
        consumers_considered=len(considered),
        affected=affected,
        unaffected=unaffected,
        removed=removed,
        evidence=(
            f"{len(considered)} expectation(s) of {provider} {contract}: every consumer version "
            "live in any environment and the newest version of each consumer"
        ),
    )
