"""The Pact Broker's webhook events for a publish or a verification, whichever API made it.

``/pact`` (``services.broker_pacts``) and unlockstep's own ``/api/v1`` (``POST
/expectations``, ``POST /verifications``) fire the same events with the same payload, so a
webhook does not depend on which client a team uses. Events are enqueued in the write's own
transaction (``services.webhooks.fire``): nothing is sent for a write that rolled back.

``pactUrl`` is the ``/pact`` URL of the pact's content (``…/pact-version/<sha>``), which a
Pact verifier can fetch. A Pact file published through ``/api/v1`` is stored as a pact too,
so the URL serves it; an expectation in unlockstep's YAML format is no Pact file, and its
events carry an empty ``pactUrl`` (the consumer, provider and version still say which).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from unlockstep.core import contracts as core
from unlockstep.services import webhooks
from unlockstep.services.expectations import ExpectationPublished, VerificationRecorded
from unlockstep.store import broker as rows
from unlockstep.store import expectations as expectation_rows
from unlockstep.store import registry


def pact_url(links_base: str | None, provider: str, consumer: str, sha: str) -> str:
    """The ``/pact`` URL of one pact content; ``links_base`` is ``…/pact`` as the client
    reached it."""
    path = f"/pacts/provider/{quote(provider, safe='')}/consumer/{quote(consumer, safe='')}"
    return f"{links_base or ''}{path}/pact-version/{sha}"


def pact_trigger(provider: str, consumer: str, version: str) -> str:
    """The trigger key of a consumer version's pact publications."""
    return "/".join(["pact", *(quote(v, safe="") for v in (provider, consumer, version))])


def verification_trigger(provider: str, consumer: str, sha: str, provider_version: str) -> str:
    """The trigger key of one verification result of a pact content."""
    names = (provider, consumer, sha, provider_version)
    return "/".join(["verification", *(quote(v, safe="") for v in names)])


def fire_published(
    session: Session,
    *,
    provider: str,
    provider_id: int,
    consumer: str,
    version: str,
    branch: str | None,
    sha: str | None,
    links_base: str | None,
) -> None:
    """Webhook events for new contract content (and whether it needs verifying: no build
    of the provider verified this content yet; a YAML expectation, ``sha`` None, is new
    content by definition)."""
    payload = {
        "consumerName": consumer,
        "providerName": provider,
        "consumerVersionNumber": version,
        "consumerVersionBranch": branch or "",
        "pactUrl": pact_url(links_base, provider, consumer, sha) if sha else "",
    }
    events = ["contract_published", "contract_content_changed"]
    if sha is None or sha not in rows.verified_shas(session, provider_id, None):
        events.append("contract_requiring_verification_published")
    trigger = pact_trigger(provider, consumer, version)
    for event in events:
        webhooks.fire(session, event, consumer, provider, payload, trigger)


def fire_verified(
    session: Session,
    *,
    consumer: str,
    consumer_versions: list[str],
    provider: str,
    provider_version: str,
    branch: str | None,
    success: bool,
    sha: str | None,
    links_base: str | None,
) -> None:
    """``provider_verification_published`` and its ``…_succeeded`` or ``…_failed`` half."""
    payload: dict[str, Any] = {
        "consumerName": consumer,
        "providerName": provider,
        "consumerVersionNumber": ", ".join(consumer_versions),
        "providerVersionNumber": provider_version,
        "providerVersionBranch": branch or "",
        "verificationResultSuccess": success,
        "pactUrl": pact_url(links_base, provider, consumer, sha) if sha else "",
    }
    half = "succeeded" if success else "failed"
    trigger = verification_trigger(provider, consumer, sha or "", provider_version)
    for event in ("provider_verification_published", f"provider_verification_{half}"):
        webhooks.fire(session, event, consumer, provider, payload, trigger)


# -- unlockstep's own API --------------------------------------------------------------------


def after_publish(
    session: Session, done: ExpectationPublished, document: Any, links_base: str | None
) -> None:
    """Keep a Pact file published through ``/api/v1`` as a pact (so ``/pact`` serves it and
    verifiers fetch it), then fire the events when its content is new."""
    consumer = registry.get_service(session, done.consumer)
    provider = registry.get_service(session, done.provider)
    cversion = registry.get_version(session, consumer, done.version)
    sha = None
    changed = done.outcome != "unchanged"
    if core.is_pact(document):
        row = expectation_rows.find(session, cversion.id, provider.id, done.contract)
        if row is None:  # publish_expectation just wrote it, in this transaction
            raise RuntimeError(f"the expectation {done.consumer} {done.version} vanished")
        sha = expectation_rows.content_hash(document)
        _, stored = rows.save_pact(
            session,
            consumer_id=consumer.id,
            consumer_version_id=cversion.id,
            provider_id=provider.id,
            expectation_id=row.id,
            content=document,
            sha=sha,
        )
        changed = changed or stored
    if changed:
        fire_published(
            session, provider=done.provider, provider_id=provider.id, consumer=done.consumer,
            version=done.version, branch=None, sha=sha, links_base=links_base,
        )  # fmt: skip


def after_verification(
    session: Session, done: VerificationRecorded, success: bool, links_base: str | None
) -> None:
    """Fire the verification events for a result reported through ``/api/v1``; ``pactUrl``
    names the pact this expectation was published as, if it was one."""
    consumer = registry.get_service(session, done.consumer)
    provider = registry.get_service(session, done.provider)
    cversion = registry.get_version(session, consumer, done.consumer_version)
    pact = rows.find_pact(session, cversion.id, provider.id)
    expectation = expectation_rows.find(session, cversion.id, provider.id, done.contract)
    sha = pact.sha if pact and expectation and pact.expectation_id == expectation.id else None
    fire_verified(
        session, consumer=done.consumer, consumer_versions=[done.consumer_version],
        provider=done.provider, provider_version=done.provider_version, branch=None,
        success=success, sha=sha, links_base=links_base,
    )  # fmt: skip
