"""Registry questions over expectations and verifications: who consumes a contract (owners,
verified-against, deprecated fields, sunset), the consumer × provider version matrix, and
the impact of a proposed contract document."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from unlockstep.core import contracts as core_expectations
from unlockstep.core import contracts as core_impact
from unlockstep.core import contracts as core_verification
from unlockstep.store import contract_documents, registry
from unlockstep.store.expectation_tables import ExpectationRow, VerificationRow
from unlockstep.store.tables import Deployment, Environment, Service, Team, Version


def _placements(session: Session, version_ids: set[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    if not version_ids:
        return out
    rows = session.execute(
        select(Deployment.version_id, Deployment.kind, Environment.name)
        .join(Environment, Environment.id == Deployment.environment_id)
        .where(Deployment.version_id.in_(version_ids), Deployment.ended_at.is_(None))
    )
    for vid, kind, env in rows:
        text = f"{'released' if kind == 'release' else 'deployed'} in {env}"
        if text not in out[vid]:
            out[vid].append(text)
    return out


def _expectations(
    session: Session, provider_id: int, contract: str | None
) -> list[tuple[ExpectationRow, str, str, str | None]]:
    """(expectation, consumer name, consumer version, owner team) for the provider."""
    query = (
        select(ExpectationRow, Service.name, Version.number, Team.name)
        .join(Service, Service.id == ExpectationRow.consumer_service_id)
        .join(Version, Version.id == ExpectationRow.consumer_version_id)
        .outerjoin(Team, Team.id == Service.team_id)
        .where(ExpectationRow.provider_service_id == provider_id)
    )
    if contract:
        query = query.where(ExpectationRow.contract == contract)
    rows = session.execute(query.order_by(Service.name, Version.created_at, Version.id)).all()
    return [(e, s, v, t) for e, s, v, t in rows]


def consumers(session: Session, provider: str, contract: str | None = None) -> dict[str, Any]:
    """The seed's registry answer: who depends on this API/event, which version each
    verified against, who still uses deprecated fields, owners, when support ends."""
    service = registry.get_service(session, provider)
    rows = _expectations(session, service.id, contract)
    ids = {e.id for e, *_ in rows}
    verified: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    if ids:
        pv = aliased(Version)
        for exp_id, status, source, number in session.execute(
            select(
                VerificationRow.expectation_id,
                VerificationRow.status,
                VerificationRow.source,
                pv.number,
            )
            .join(pv, pv.id == VerificationRow.provider_version_id)
            .where(VerificationRow.expectation_id.in_(ids))
            .order_by(pv.created_at, pv.id)
        ):
            verified[exp_id].append((number, status, source))
    placements = _placements(session, {e.consumer_version_id for e, *_ in rows})
    documents: dict[str, tuple[str, Any] | None] = {}
    by_version: dict[tuple[str, str], Any] = {}
    contracts: dict[str, dict[str, Any]] = {}
    for e, consumer, number, owner in rows:
        if e.contract not in documents:
            documents[e.contract] = contract_documents.latest(session, service.id, e.contract)
        latest = documents[e.contract]
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
        entry = contracts.setdefault(
            e.contract,
            {
                "contract": e.contract,
                "current_version": latest[0] if latest else None,
                "consumers": {},
            },
        )
        parsed = core_expectations.parse(e.body)
        deprecated = core_impact.deprecated_uses(parsed, basis[1]) if basis else []
        sunsets = sorted(d["sunset"] for d in deprecated if d["sunset"])
        consumer_entry = entry["consumers"].setdefault(
            consumer, {"service": consumer, "owner": owner, "versions": []}
        )
        consumer_entry["versions"].append(
            {
                "version": number,
                "reader": e.reader,
                "source": e.source,
                "live": placements.get(e.consumer_version_id, []),
                "verified_against": [n for n, s, _ in results if s == "verified"],
                "failed_against": [n for n, s, _ in results if s == "failed"],
                "uses_deprecated_fields": bool(deprecated),
                "deprecated_uses": deprecated,
                "migration_due": sunsets[0] if sunsets else None,
            }
        )
    items = []
    for entry in contracts.values():
        entry["consumers"] = list(entry["consumers"].values())
        items.append(entry)
    return {"provider": provider, "contracts": items}


def matrix(
    session: Session,
    *,
    provider: str | None = None,
    consumer: str | None = None,
    contract: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[dict[str, Any]], int]:
    """Consumer version × provider version with verification status, newest first."""
    cs, ps = aliased(Service), aliased(Service)
    cv, pv = aliased(Version), aliased(Version)
    query = (
        select(
            cs.name,
            cv.number,
            ps.name,
            pv.number,
            ExpectationRow.contract,
            VerificationRow.status,
            VerificationRow.source,
            VerificationRow.build_url,
            VerificationRow.verified_at,
            VerificationRow.problems,
        )
        .join(ExpectationRow, ExpectationRow.id == VerificationRow.expectation_id)
        .join(cs, cs.id == ExpectationRow.consumer_service_id)
        .join(ps, ps.id == ExpectationRow.provider_service_id)
        .join(cv, cv.id == VerificationRow.consumer_version_id)
        .join(pv, pv.id == VerificationRow.provider_version_id)
    )
    if provider:
        query = query.where(
            ExpectationRow.provider_service_id == registry.get_service(session, provider).id
        )
    if consumer:
        query = query.where(
            ExpectationRow.consumer_service_id == registry.get_service(session, consumer).id
        )
    if contract:
        query = query.where(ExpectationRow.contract == contract)
    if status:
        query = query.where(VerificationRow.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(VerificationRow.verified_at.desc(), VerificationRow.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    items = [
        {
            "consumer": c,
            "consumer_version": cvn,
            "provider": p,
            "provider_version": pvn,
            "contract": k,
            "status": st,
            "source": src,
            "build_url": url,
            "verified_at": at.isoformat(),
            "problems": [x for x in (probs or {}).get("problems", []) if x.get("level") == "error"],
        }
        for c, cvn, p, pvn, k, st, src, url, at, probs in rows
    ]
    return items, total


def impact(
    session: Session, provider: str, contract: str, document: Any, against: str | None = None
) -> dict[str, Any]:
    """Which consumer versions (live anywhere, or the newest of each consumer) the proposed
    document breaks, why, and which removed elements nobody reads."""
    service = registry.get_service(session, provider)
    rows = _expectations(session, service.id, contract)
    placements = _placements(session, {e.consumer_version_id for e, *_ in rows})
    newest: dict[str, int] = {}
    for e, consumer, _, _ in rows:
        newest[consumer] = e.id  # rows are ordered oldest first
    considered = [
        r for r in rows if placements.get(r[0].consumer_version_id) or newest[r[1]] == r[0].id
    ]
    current: tuple[str, Any] | None
    if against:
        version = registry.get_version(session, service, against)
        doc = contract_documents.document(session, service.id, contract, version.number)
        current = (against, doc) if doc is not None else None
    else:
        current = contract_documents.latest(session, service.id, contract)
    affected: list[dict[str, Any]] = []
    unaffected: list[dict[str, Any]] = []
    readers: dict[core_impact.Element, list[str]] = defaultdict(list)
    for e, consumer, number, owner in considered:
        parsed = core_expectations.parse(e.body)
        if core_verification.unverifiable(parsed, document):
            continue  # another kind of document: only reported results can speak for it
        result = core_verification.verify(parsed, document)
        entry: dict[str, Any] = {
            "consumer": consumer,
            "version": number,
            "owner": owner,
            "reader": e.reader,
            "live": placements.get(e.consumer_version_id, []),
        }
        if result.ok:
            unaffected.append(entry)
        else:
            entry["problems"] = [p.to_dict() for p in result.problems if p.level == "error"]
            affected.append(entry)
        if current is not None:
            for element in core_impact.reads(parsed, current[1]):
                readers[element].append(f"{consumer} {number}")
    removed: list[dict[str, Any]] = []
    if current is not None:
        gone = core_impact.elements(current[1]) - core_impact.elements(document)
        for label, pointer in sorted(gone):
            removed.append(
                {
                    "element": label,
                    "field": pointer or None,
                    "read_by": readers.get((label, pointer), []),
                    "safe_to_remove": not readers.get((label, pointer)),
                }
            )
    return {
        "provider": provider,
        "contract": contract,
        "compared_with": current[0] if current else None,
        "answer": "breaks consumers" if affected else "no consumer affected",
        "consumers_considered": len(considered),
        "affected": affected,
        "unaffected": unaffected,
        "removed": removed,
        "evidence": (
            f"{len(considered)} expectation(s) of {provider} {contract}: every consumer version "
            "live in any environment and the newest version of each consumer"
        ),
    }
