"""Publishing expectations and contract documents, and the verifications they produce.

Verification is computed when either side publishes and stored, so reading it is cheap:
publishing an expectation verifies it against every published version of that provider
contract; publishing a contract version (the contract registry calls ``verify_published``)
verifies every stored expectation of it.
Results a provider's own test run reports are stored beside them with their source.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from unlockstep.core import contracts as core_expectations
from unlockstep.core import contracts as core_verification
from unlockstep.errors import InvalidInput, NotFound
from unlockstep.store import audit, contract_documents, registry
from unlockstep.store.expectation_tables import ExpectationRow, VerificationRow
from unlockstep.store.tables import Service, Version, utcnow

STATIC = "static"


def content_hash(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(raw).hexdigest()


def _store_static(
    session: Session, expectation: ExpectationRow, provider_version_id: int, document: Any
) -> dict[str, Any] | None:
    """Verify and store; None when the pair cannot be checked statically (then a result
    reported by the provider's tests is the only evidence)."""
    parsed = core_expectations.parse(expectation.body)
    if core_verification.unverifiable(parsed, document):
        return None
    result = core_verification.verify(parsed, document)
    session.execute(
        delete(VerificationRow).where(
            VerificationRow.expectation_id == expectation.id,
            VerificationRow.provider_version_id == provider_version_id,
            VerificationRow.source == STATIC,
        )
    )
    session.add(
        VerificationRow(
            expectation_id=expectation.id,
            consumer_version_id=expectation.consumer_version_id,
            provider_version_id=provider_version_id,
            status=result.status,
            problems={
                "problems": [p.to_dict() for p in result.problems],
                "checked": result.checked,
            },
            source=STATIC,
        )
    )
    return result.to_dict()


def _numbers(session: Session, version_ids: set[int]) -> dict[int, tuple[str, str]]:
    if not version_ids:
        return {}
    rows = session.execute(
        select(Version.id, Service.name, Version.number)
        .join(Service, Service.id == Version.service_id)
        .where(Version.id.in_(version_ids))
    )
    return {vid: (service, number) for vid, service, number in rows}


def publish_expectation(
    session: Session,
    actor: str,
    *,
    consumer: str,
    version: str,
    provider: str,
    contract: str,
    expectation: core_expectations.Expectation,
) -> dict[str, Any]:
    registry.check_name(contract, "contract")
    consumer_service = registry.get_service(session, consumer)
    provider_service = registry.get_service(session, provider)
    if consumer_service.id == provider_service.id:
        raise InvalidInput(f"{consumer} cannot expect something of itself", where="provider")
    consumer_version, _ = registry.upsert_version(session, actor, consumer_service, version)
    body = expectation.to_dict()
    digest = content_hash(body)
    row = session.scalar(
        select(ExpectationRow).where(
            ExpectationRow.consumer_version_id == consumer_version.id,
            ExpectationRow.provider_service_id == provider_service.id,
            ExpectationRow.contract == contract,
        )
    )
    key = f"{consumer}/{version}->{provider}/{contract}"
    if row is not None and row.content_hash == digest:
        outcome = "unchanged"
    else:
        before = {"content_hash": row.content_hash} if row else None
        if row is None:
            row = ExpectationRow(
                consumer_service_id=consumer_service.id,
                consumer_version_id=consumer_version.id,
                provider_service_id=provider_service.id,
                contract=contract,
            )
            session.add(row)
            outcome = "created"
        else:
            outcome = "updated"
        row.kind, row.reader, row.source = expectation.kind, expectation.reader, expectation.source
        row.body, row.content_hash, row.created_at = body, digest, utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            f"expectation.{outcome}",
            "expectation",
            key,
            before,
            {"content_hash": digest, "source": expectation.source},
        )
    results = []
    for provider_version_id, number, document in contract_documents.documents(
        session, provider_service.id, contract
    ):
        result = _store_static(session, row, provider_version_id, document)
        if result is not None:
            results.append({"provider_version": number, **result})
    return {
        "consumer": consumer,
        "version": version,
        "provider": provider,
        "contract": contract,
        "outcome": outcome,
        "expectation": body,
        "verifications": results,
    }


def verify_published(
    session: Session, provider: str, version: str, contract: str
) -> list[dict[str, Any]]:
    """Verify every expectation of ``provider``'s ``contract`` against the document its
    ``version`` just published. The contract registry calls this on publish."""
    service = registry.get_service(session, provider)
    found = contract_documents.documents(session, service.id, contract, number=version)
    if not found:
        return []
    provider_version_id, _, document = found[0]
    rows = session.scalars(
        select(ExpectationRow).where(
            ExpectationRow.provider_service_id == service.id, ExpectationRow.contract == contract
        )
    ).all()
    numbers = _numbers(session, {r.consumer_version_id for r in rows})
    results = []
    for expectation in rows:
        result = _store_static(session, expectation, provider_version_id, document)
        if result is not None:
            consumer, number = numbers[expectation.consumer_version_id]
            results.append({"consumer": consumer, "consumer_version": number, **result})
    return results


def record_verification(
    session: Session,
    actor: str,
    *,
    consumer: str,
    consumer_version: str,
    provider: str,
    provider_version: str,
    contract: str,
    success: bool,
    source: str,
    build_url: str | None,
) -> dict[str, Any]:
    """A result reported from outside (a provider's test run), kept with its source."""
    if source == STATIC:
        raise InvalidInput("'static' is reserved for computed results", where="source")
    consumer_service = registry.get_service(session, consumer)
    provider_service = registry.get_service(session, provider)
    cversion = registry.get_version(session, consumer_service, consumer_version)
    expectation = session.scalar(
        select(ExpectationRow).where(
            ExpectationRow.consumer_version_id == cversion.id,
            ExpectationRow.provider_service_id == provider_service.id,
            ExpectationRow.contract == contract,
        )
    )
    if expectation is None:
        raise NotFound(
            f"{consumer} {consumer_version} has no expectation of {provider} {contract}",
            hint="publish it first with `unlockstep expectation publish`",
        )
    pversion, _ = registry.upsert_version(session, actor, provider_service, provider_version)
    row = session.scalar(
        select(VerificationRow).where(
            VerificationRow.expectation_id == expectation.id,
            VerificationRow.provider_version_id == pversion.id,
            VerificationRow.source == source,
        )
    )
    if row is None:
        row = VerificationRow(
            expectation_id=expectation.id,
            consumer_version_id=cversion.id,
            provider_version_id=pversion.id,
            source=source,
        )
        session.add(row)
    row.status = "verified" if success else "failed"
    row.problems = {"problems": [], "checked": 0}
    row.build_url, row.verified_at = build_url, utcnow()
    session.flush()
    body = {
        "consumer": consumer,
        "consumer_version": consumer_version,
        "provider": provider,
        "provider_version": provider_version,
        "contract": contract,
        "status": row.status,
        "source": source,
        "build_url": build_url,
        "verified_at": row.verified_at.isoformat(),
    }
    key = f"{consumer}/{consumer_version}->{provider}/{provider_version}/{contract}"
    audit.record(session, actor, "verification.reported", "verification", key, None, body)
    return body
