"""Publishing pacts through the Pact Broker API, reading them back, and the verification
results a provider's Pact verification publishes.

A published Pact becomes an expectation of the provider contract
``core.contracts.pact_contract`` chooses (checked statically whenever the provider published
one) and the Pact file itself is kept for the provider's verification. Unknown pacticipants
are registered, unowned, and the notices say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from unlockstep.core import broker as selection
from unlockstep.core import contracts as core
from unlockstep.errors import InvalidInput, NotFound
from unlockstep.services import authz, pact_events
from unlockstep.services import registry as registry_cases
from unlockstep.services.authz import Principal
from unlockstep.services.broker import mark, service_named
from unlockstep.services.expectations import publish_expectation, record_verification
from unlockstep.store import Store, registry
from unlockstep.store import broker as rows
from unlockstep.store import expectations as expectation_rows
from unlockstep.store.expectation_tables import ExpectationRow, VerificationRow
from unlockstep.store.tables import Service, Version


@dataclass(frozen=True, slots=True)
class Notice:
    type: str  # success | info | warning | error | debug
    text: str


@dataclass(frozen=True, slots=True)
class ContractIn:
    consumer: str
    provider: str
    specification: str
    document: Any


@dataclass(frozen=True, slots=True)
class PublishedContract:
    consumer: str
    provider: str
    version: str
    sha: str
    contract: str


@dataclass(frozen=True, slots=True)
class Published:
    pacticipant: str
    version: str
    tags: list[str]
    contracts: list[PublishedContract]
    notices: list[Notice]


# -- publishing contracts ------------------------------------------------------------------


def _provider(session: Session, principal: Principal, name: str, notices: list[Notice]) -> Service:
    found = registry.find_service(session, name)
    if found is not None:
        return found
    if not principal.has("admin"):
        registry.get_service(session, name)  # the same 404 as any unknown service
    service, _ = registry_cases.save_service(session, principal.name, name)
    notices.append(
        Notice("warning", f"Registered provider {name} (owner: unassigned; assign it a team)")
    )
    return service


def publish_contracts(
    store: Store,
    principal: Principal,
    *,
    pacticipant: str,
    version: str,
    branch: str | None,
    tags: list[str],
    build_url: str | None,
    contracts: list[ContractIn],
    links_base: str | None = None,
) -> Published:
    """Publish the consumer version's Pacts: each becomes an expectation of the provider
    contract ``core.contracts.pact_contract`` chooses (checked statically against it when
    the provider published one), and the Pact file is kept for the provider's verification.
    Unknown pacticipants are registered, unowned, and the notices say so."""
    registry.check_name(pacticipant, "pacticipant")
    registry.check_version(version)

    def work(session: Session) -> Published:
        notices: list[Notice] = []
        published: list[PublishedContract] = []
        for item in contracts:
            if item.specification != "pact":
                raise InvalidInput(
                    f"only Pact contracts can be published here, not {item.specification!r}",
                    where="contracts/specification",
                )
            if item.consumer != pacticipant:
                raise InvalidInput(
                    f"the contract's consumer {item.consumer!r} is not the pacticipant "
                    f"{pacticipant!r} publishing it",
                    where="contracts/consumerName",
                )
            expectation, names = core.read_any(item.document, "pact")
            if names["provider"] and names["provider"] != item.provider:
                raise InvalidInput(
                    f"the Pact's provider is {names['provider']!r}, not {item.provider!r}",
                    where="contracts/providerName",
                )
            provider = _provider(session, principal, item.provider, notices)
            candidates = expectation_rows.contract_kinds(session, provider.id)
            contract, why = core.pact_contract(expectation.kind, item.provider, candidates)
            registering = registry.find_service(session, pacticipant) is None
            result = publish_expectation(
                session,
                principal,
                version=version,
                document=item.document,
                consumer=pacticipant,
                provider=item.provider,
                contract=contract,
            )
            if registering:
                notices.append(
                    Notice(
                        "warning",
                        f"Registered consumer {pacticipant} (owner: unassigned; assign it a team)",
                    )
                )
            consumer = registry.get_service(session, pacticipant)
            cversion = registry.get_version(session, consumer, version)
            row = expectation_rows.find(session, cversion.id, provider.id, contract)
            assert row is not None
            sha = expectation_rows.content_hash(item.document)
            _, changed = rows.save_pact(
                session,
                consumer_id=consumer.id,
                consumer_version_id=cversion.id,
                provider_id=provider.id,
                expectation_id=row.id,
                content=item.document,
                sha=sha,
            )
            state = "published" if changed else "unchanged (already published)"
            if changed:
                pact_events.fire_published(
                    session, provider=item.provider, provider_id=provider.id,
                    consumer=pacticipant, version=version, branch=branch, sha=sha,
                    links_base=links_base,
                )  # fmt: skip
            notices.append(
                Notice(
                    "success",
                    f"Pact for consumer {pacticipant} version {version} and provider "
                    f"{item.provider} {state}",
                )
            )
            notices.append(Notice("info", f"Verified against contract {contract}: {why}"))
            for check in result.verifications:
                kind = "success" if check.status == "verified" else "warning"
                notices.append(
                    Notice(
                        kind,
                        f"Checked statically against {item.provider} {check.provider_version} "
                        f"({contract}): {check.status}",
                    )
                )
            published.append(PublishedContract(pacticipant, item.provider, version, sha, contract))
        found = registry.find_service(session, pacticipant)
        if found is None:
            authz.require_service_write(session, principal, pacticipant, None)
            consumer, _ = registry_cases.save_service(session, principal.name, pacticipant)
            notices.append(
                Notice("warning", f"Registered {pacticipant} (owner: unassigned; assign it a team)")
            )
        else:
            consumer = authz.service_for_write(
                session, principal, pacticipant, what="publish contracts"
            )
        cversion, _ = registry.upsert_version(
            session, principal.name, consumer, version, build_url=build_url
        )
        mark(session, principal.name, consumer, cversion, branch, tags)
        if branch:
            notices.append(
                Notice("info", f"Version {version} of {pacticipant} is on branch {branch}")
            )
        return Published(pacticipant, version, list(tags), published, notices)

    return store.retrying(work)


# -- reading pacts -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PactView:
    consumer: str
    consumer_version: str
    provider: str
    sha: str
    content: dict[str, Any]
    created_at: datetime


def show_pact(store: Store, provider: str, consumer: str, version: str) -> PactView:
    with store.session() as session:
        consumer_service = service_named(session, consumer)
        provider_service = service_named(session, provider)
        cversion = registry.get_version(session, consumer_service, version)
        row = rows.find_pact(session, cversion.id, provider_service.id)
        if row is None:
            raise NotFound(
                f"{consumer} {version} has published no pact with {provider}", where="pact"
            )
        return PactView(consumer, version, provider, row.sha, row.content, row.created_at)


def pact_version(store: Store, provider: str, consumer: str, sha: str) -> PactView:
    with store.session() as session:
        consumer_service = service_named(session, consumer)
        provider_service = service_named(session, provider)
        row = rows.pact_by_sha(session, provider_service.id, consumer_service.id, sha)
        if row is None:
            raise NotFound(f"no pact between {consumer} and {provider} has sha {sha}")
        number = session.scalar(select(Version.number).where(Version.id == row.consumer_version_id))
        return PactView(consumer, str(number), provider, row.sha, row.content, row.created_at)


def latest_pacts(store: Store, provider: str | None = None) -> list[PactView]:
    with store.session() as session:
        found = rows.latest_pacts(session)
        return [
            PactView(c, r.number, p, r.sha, r.content, r.created_at)
            for c, p, r in found
            if provider is None or p == provider
        ]


@dataclass(frozen=True, slots=True)
class Listed:
    """One consumer version's pact, as ``get-pacts`` lists it."""

    consumer: str
    version: str
    sha: str


def branch_pacts(
    store: Store, provider: str, *, branch: str | None, consumer: str | None, latest: bool
) -> list[Listed]:
    """The pacts of ``provider``'s consumers from ``branch`` (each consumer's main branch
    when ``None``), of one ``consumer`` when given, the newest of each only with ``latest``."""
    with store.session() as session:
        provider_service = service_named(session, provider)
        if consumer is not None:
            service_named(session, consumer)  # a precise 404 for a misspelt name
        candidates = rows.verification_candidates(session, provider_service.id)
    found = selection.on_branch(candidates, branch, consumer=consumer, latest=latest)
    return [Listed(c.consumer, c.version, c.sha) for c in found]


def provider_states(
    store: Store, provider: str, *, branch: str | None, environment: str | None
) -> list[selection.ProviderState]:
    """The provider states named by the newest pact of each consumer on ``branch`` (each
    consumer's main branch when ``None``), or by every pact live in ``environment``."""
    with store.session() as session:
        provider_service = service_named(session, provider)
        candidates = rows.verification_candidates(session, provider_service.id)
        if environment is not None:
            registry.get_environment(session, environment)  # a precise 404
            chosen = selection.live_in(candidates, environment)
        else:
            chosen = selection.on_branch(candidates, branch, latest=True)
        contents = rows.pact_contents(session, provider_service.id, {c.sha for c in chosen})
    return selection.provider_states((c.consumer, contents[c.sha]) for c in chosen)


# -- verification results ------------------------------------------------------------------

#: The source verification results published through the Pact Broker API are kept under.
PACT_VERIFICATION = "pact-verification"


@dataclass(frozen=True, slots=True)
class VerificationPublished:
    provider: str
    provider_version: str
    consumer: str
    consumer_versions: list[str]
    success: bool
    verified_at: datetime | None


def publish_verification(
    store: Store,
    principal: Principal,
    provider: str,
    consumer: str,
    sha: str,
    *,
    success: bool,
    provider_version: str,
    branch: str | None = None,
    tags: list[str] | None = None,
    build_url: str | None = None,
    links_base: str | None = None,
) -> VerificationPublished:
    """A provider's Pact verification of one pact content: it holds for every consumer
    version that published exactly this content, and is kept as evidence beside the static
    checks (source ``pact-verification``)."""
    registry.check_version(provider_version)

    def work(session: Session) -> VerificationPublished:
        consumer_service = service_named(session, consumer)
        provider_service = service_named(session, provider)
        version_ids = rows.versions_with_sha(session, provider_service.id, consumer_service.id, sha)
        if not version_ids:
            raise NotFound(f"no pact between {consumer} and {provider} has sha {sha}")
        numbers = expectation_rows.numbers(session, set(version_ids))
        verified_at = None
        done = []
        for vid in sorted(version_ids):
            row = rows.find_pact(session, vid, provider_service.id)
            expectation = session.get(ExpectationRow, row.expectation_id) if row else None
            if expectation is None:
                continue
            recorded = record_verification(
                session,
                principal,
                consumer=consumer,
                consumer_version=numbers[vid][1],
                provider=provider,
                provider_version=provider_version,
                contract=expectation.contract,
                success=success,
                source=PACT_VERIFICATION,
                build_url=build_url,
            )
            verified_at = datetime.fromisoformat(recorded.verified_at)
            done.append(numbers[vid][1])
        pversion = registry.get_version(session, provider_service, provider_version)
        mark(session, principal.name, provider_service, pversion, branch, tags or [])
        pact_events.fire_verified(
            session, consumer=consumer, consumer_versions=done, provider=provider,
            provider_version=provider_version, branch=branch, success=success, sha=sha,
            links_base=links_base,
        )  # fmt: skip
        return VerificationPublished(
            provider, provider_version, consumer, done, success, verified_at
        )

    return store.retrying(work)


# -- pacts for verification ------------------------------------------------------------------


def pacts_for_verification(
    store: Store,
    provider: str,
    *,
    selectors: list[dict[str, Any]],
    provider_branch: str | None,
    include_pending: bool,
    wip_since: datetime | None,
) -> list[selection.Selected]:
    """The pacts a build of ``provider`` on ``provider_branch`` verifies
    (``core.broker.select``): the selected ones, each marked pending while no build of the
    provider verified it, and the work-in-progress ones when asked."""
    with store.session() as session:
        provider_service = service_named(session, provider)
        candidates = rows.verification_candidates(session, provider_service.id)
        verified = rows.verified_shas(session, provider_service.id, provider_branch)
        return selection.select(
            candidates,
            selectors,
            provider_branch=provider_branch,
            verified=verified.__contains__,
            include_pending=include_pending,
            wip_since=wip_since,
        )


@dataclass(frozen=True, slots=True)
class VerificationView:
    success: bool
    source: str
    verified_at: datetime
    build_url: str | None


def show_verification(
    store: Store, provider: str, consumer: str, version: str, provider_version: str
) -> VerificationView:
    """The newest verification of consumer ``version`` by ``provider_version`` (any source)."""
    with store.session() as session:
        consumer_service = service_named(session, consumer)
        provider_service = service_named(session, provider)
        cversion = registry.get_version(session, consumer_service, version)
        pversion = registry.get_version(session, provider_service, provider_version)
        row = session.scalar(
            select(VerificationRow)
            .join(ExpectationRow, ExpectationRow.id == VerificationRow.expectation_id)
            .where(
                ExpectationRow.consumer_version_id == cversion.id,
                ExpectationRow.provider_service_id == provider_service.id,
                VerificationRow.provider_version_id == pversion.id,
            )
            .order_by(VerificationRow.verified_at.desc(), VerificationRow.id.desc())
            .limit(1)
        )
        if row is None:
            raise NotFound(
                f"{provider} {provider_version} has no verification of {consumer} {version}"
            )
        return VerificationView(
            row.status == "verified", row.source, row.verified_at, row.build_url
        )
