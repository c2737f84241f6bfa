"""Publishing expectations and the verifications they produce.

Publishing an expectation verifies it against every published version of that provider
contract; publishing a contract version (``services.contracts.publish``) verifies every
stored expectation of it (:func:`verify_published`). A provider's own test run reports
results with :func:`record_verification`.

A Pact file names its consumer and provider but not the contract: the consumer is
registered when new (the answer says so) and the contract is the provider's only one of the
expectation's kind (``core.contracts.choose_contract``), else a clear error.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core import contracts as core
from unlockstep.errors import InvalidInput, NotFound
from unlockstep.services import authz
from unlockstep.services.authz import Principal
from unlockstep.services.registry import save_service
from unlockstep.store import audit, contract_documents, registry
from unlockstep.store import expectations as store
from unlockstep.store.expectation_tables import ExpectationRow
from unlockstep.store.tables import Service, utcnow


@dataclass(frozen=True)
class ProviderResult:
    """An expectation verified against one provider version's document."""

    provider_version: str
    status: str
    checked: int
    problems: list[dict[str, Any]]


@dataclass(frozen=True)
class ConsumerResult:
    """A stored expectation verified against the document a provider just published."""

    consumer: str
    consumer_version: str
    status: str
    checked: int
    problems: list[dict[str, Any]]


@dataclass(frozen=True)
class ExpectationPublished:
    consumer: str
    version: str
    provider: str
    contract: str
    contract_chosen_by: str | None
    consumer_registered: bool
    outcome: str  # created | updated | unchanged
    expectation: dict[str, Any]
    verifications: list[ProviderResult]


@dataclass(frozen=True)
class VerificationRecorded:
    consumer: str
    consumer_version: str
    provider: str
    provider_version: str
    contract: str
    status: str
    source: str
    build_url: str | None
    verified_at: str


def _verify(
    session: Session, row: ExpectationRow, provider_version_id: int, document: Any
) -> core.Verification | None:
    """Verify and store; None when the pair cannot be checked statically (then a result
    reported by the provider's tests is the only evidence)."""
    parsed = core.parse(row.body)
    if core.unverifiable(parsed, document):
        return None
    result = core.verify(parsed, document)
    problems = [p.to_dict() for p in result.problems]
    store.save_static(session, row, provider_version_id, result.status, problems, result.checked)
    return result


def _named(role: str, given: str | None, named: str) -> str:
    if given and named and given != named:
        raise InvalidInput(
            f"the Pact file's {role} is {named!r}, not {given!r}",
            where=role,
            hint=f"publish it with --{role} {named}",
        )
    if not (given or named):
        raise InvalidInput(
            f"name the {role}: this expectation file does not",
            where=role,
            hint=f"pass --{role}",
        )
    return given or named


def publish_expectation(
    session: Session,
    principal: Principal,
    *,
    version: str,
    document: Any,
    consumer: str | None = None,
    provider: str | None = None,
    contract: str | None = None,
) -> ExpectationPublished:
    """Publish what ``consumer`` ``version`` expects of a provider contract. The principal
    must be allowed to write to the consumer; a consumer not yet registered is registered
    (unowned), which only an admin may: a team token gets 404 for it, as for any service
    that does not exist."""
    actor = principal.name
    expectation, names = core.read_any(document, "document")
    consumer = _named("consumer", consumer, names["consumer"])
    provider = _named("provider", provider, names["provider"])
    registering = principal.has("admin") and registry.find_service(session, consumer) is None
    if not registering:
        authz.service_for_write(session, principal, consumer, what="publish expectations")
    provider_service = registry.get_service(session, provider)
    chosen_by = None
    if contract is None:
        candidates = store.contract_kinds(session, provider_service.id)
        contract, chosen_by = core.choose_contract(expectation.kind, provider, candidates)
    registry.check_name(contract, "contract")
    consumer_service = registry.find_service(session, consumer)
    registered = consumer_service is None
    if consumer_service is None:
        consumer_service, _ = save_service(session, actor, consumer)
    if consumer_service.id == provider_service.id:
        raise InvalidInput(f"{consumer} cannot expect something of itself", where="provider")
    consumer_version, _ = registry.upsert_version(session, actor, consumer_service, version)
    body = expectation.to_dict()
    digest = store.content_hash(body)
    row = store.find(session, consumer_version.id, provider_service.id, contract)
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
        after = {"content_hash": digest, "source": expectation.source}
        audit.record(session, actor, f"expectation.{outcome}", "expectation", key, before, after)
    results = []
    for provider_version_id, number, doc in contract_documents.documents(
        session, provider_service.id, contract
    ):
        result = _verify(session, row, provider_version_id, doc)
        if result is not None:
            problems = [p.to_dict() for p in result.problems]
            results.append(ProviderResult(number, result.status, result.checked, problems))
    return ExpectationPublished(
        consumer, version, provider, contract, chosen_by, registered, outcome, body, results
    )


def verify_published(
    session: Session, provider: Service, version: str, contract: str
) -> list[ConsumerResult]:
    """Verify every expectation of ``provider``'s ``contract`` against the document its
    ``version`` just published."""
    rows = store.of_contract(session, provider.id, contract)
    if not rows:
        return []  # nobody to verify: the document need not be read
    found = contract_documents.documents(session, provider.id, contract, number=version)
    if not found:
        return []
    provider_version_id, _, document = found[0]
    numbers = store.numbers(session, {r.consumer_version_id for r in rows})
    results = []
    for row in rows:
        result = _verify(session, row, provider_version_id, document)
        if result is not None:
            consumer, number = numbers[row.consumer_version_id]
            problems = [p.to_dict() for p in result.problems]
            results.append(
                ConsumerResult(consumer, number, result.status, result.checked, problems)
            )
    return results


def record_verification(
    session: Session,
    principal: Principal,
    *,
    consumer: str,
    consumer_version: str,
    provider: str,
    provider_version: str,
    contract: str,
    success: bool,
    source: str,
    build_url: str | None,
) -> VerificationRecorded:
    """A result reported from outside (a provider's test run), kept with its source."""
    if source == store.STATIC:
        raise InvalidInput("'static' is reserved for computed results", where="source")
    actor = principal.name
    what = "report verifications"
    provider_service = authz.service_for_write(session, principal, provider, what=what)
    consumer_service = registry.get_service(session, consumer)
    cversion = registry.get_version(session, consumer_service, consumer_version)
    expectation = store.find(session, cversion.id, provider_service.id, contract)
    if expectation is None:
        raise NotFound(
            f"{consumer} {consumer_version} has no expectation of {provider} {contract}",
            hint="publish it first with `unlockstep expectation publish`",
        )
    pversion, _ = registry.upsert_version(session, actor, provider_service, provider_version)
    row = store.save_reported(
        session,
        expectation,
        pversion.id,
        status="verified" if success else "failed",
        source=source,
        build_url=build_url,
    )
    recorded = VerificationRecorded(
        consumer, consumer_version, provider, provider_version, contract, row.status, source,
        build_url, row.verified_at.isoformat(),
    )  # fmt: skip
    key = f"{consumer}/{consumer_version}->{provider}/{provider_version}/{contract}"
    audit.record(
        session, actor, "verification.reported", "verification", key, None, asdict(recorded)
    )
    return recorded
