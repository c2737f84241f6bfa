"""Queries and writes for expectations and verifications.

Verification is computed when either side publishes and stored, so reading it is cheap (the
use cases in ``services.expectations`` decide when). Results a provider's own test run
reports are stored beside the computed (``static``) ones with their source.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from unlockstep.store.contract_tables import Contract
from unlockstep.store.expectation_tables import ExpectationRow, VerificationRow
from unlockstep.store.tables import Service, Version, utcnow

STATIC = "static"


def content_hash(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(raw).hexdigest()


def find(
    session: Session, consumer_version_id: int, provider_id: int, contract: str
) -> ExpectationRow | None:
    return session.scalar(
        select(ExpectationRow).where(
            ExpectationRow.consumer_version_id == consumer_version_id,
            ExpectationRow.provider_service_id == provider_id,
            ExpectationRow.contract == contract,
        )
    )


def of_contract(session: Session, provider_id: int, contract: str) -> list[ExpectationRow]:
    return list(
        session.scalars(
            select(ExpectationRow).where(
                ExpectationRow.provider_service_id == provider_id,
                ExpectationRow.contract == contract,
            )
        )
    )


def contract_kinds(session: Session, provider_id: int) -> list[tuple[str, str]]:
    """(name, kind) of every contract the provider has published, by name."""
    rows = session.execute(
        select(Contract.name, Contract.kind)
        .where(Contract.service_id == provider_id)
        .order_by(Contract.name)
    ).all()
    return [(name, kind) for name, kind in rows]


def save_static(
    session: Session,
    expectation: ExpectationRow,
    provider_version_id: int,
    status: str,
    problems: list[dict[str, Any]],
    checked: int,
) -> None:
    """Replace the computed verification of this expectation × provider version."""
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
            status=status,
            problems={"problems": problems, "checked": checked},
            source=STATIC,
        )
    )


def save_reported(
    session: Session,
    expectation: ExpectationRow,
    provider_version_id: int,
    *,
    status: str,
    source: str,
    build_url: str | None,
) -> VerificationRow:
    row = session.scalar(
        select(VerificationRow).where(
            VerificationRow.expectation_id == expectation.id,
            VerificationRow.provider_version_id == provider_version_id,
            VerificationRow.source == source,
        )
    )
    if row is None:
        row = VerificationRow(
            expectation_id=expectation.id,
            consumer_version_id=expectation.consumer_version_id,
            provider_version_id=provider_version_id,
            source=source,
        )
        session.add(row)
    row.status = status
    row.problems = {"problems": [], "checked": 0}
    row.build_url, row.verified_at = build_url, utcnow()
    session.flush()
    return row


def numbers(session: Session, version_ids: set[int]) -> dict[int, tuple[str, str]]:
    """version id -> (service name, version number)."""
    if not version_ids:
        return {}
    rows = session.execute(
        select(Version.id, Service.name, Version.number)
        .join(Service, Service.id == Version.service_id)
        .where(Version.id.in_(version_ids))
    )
    return {vid: (service, number) for vid, service, number in rows}
