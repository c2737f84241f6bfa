"""The provider contract documents verification reads, straight from the contract registry
(``contracts``, ``contract_versions``, ``contract_blobs``), parsed once per content hash."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from unlockstep.core.compat import Source
from unlockstep.core.documents import load_document
from unlockstep.store.contract_tables import Contract, ContractBlob, ContractVersion
from unlockstep.store.tables import Version


@lru_cache(maxsize=512)
def _parsed(sha256: str, content: str) -> Any:
    return load_document(Source(content, f"sha256:{sha256[:12]}")).data


def documents(
    session: Session, provider_id: int, contract: str, *, number: str | None = None
) -> list[tuple[int, str, Any]]:
    """(provider version id, version number, parsed document), oldest first."""
    query = (
        select(
            ContractVersion.version_id, Version.number, ContractBlob.sha256, ContractBlob.content
        )
        .join(Contract, Contract.id == ContractVersion.contract_id)
        .join(Version, Version.id == ContractVersion.version_id)
        .join(ContractBlob, ContractBlob.sha256 == ContractVersion.blob_sha256)
        .where(Contract.service_id == provider_id, Contract.name == contract)
        .order_by(ContractVersion.published_at, ContractVersion.id)
    )
    if number is not None:
        query = query.where(Version.number == number)
    return [(vid, n, _parsed(sha, content)) for vid, n, sha, content in session.execute(query)]


def document(session: Session, provider_id: int, contract: str, number: str) -> Any:
    found = documents(session, provider_id, contract, number=number)
    return found[0][2] if found else None


def latest(session: Session, provider_id: int, contract: str) -> tuple[str, Any] | None:
    row = session.execute(
        select(Version.number, ContractBlob.sha256, ContractBlob.content)
        .select_from(ContractVersion)
        .join(Contract, Contract.id == ContractVersion.contract_id)
        .join(Version, Version.id == ContractVersion.version_id)
        .join(ContractBlob, ContractBlob.sha256 == ContractVersion.blob_sha256)
        .where(Contract.service_id == provider_id, Contract.name == contract)
        .order_by(ContractVersion.published_at.desc(), ContractVersion.id.desc())
        .limit(1)
    ).first()
    return (row[0], _parsed(row[1], row[2])) if row else None


def published(session: Session, version_id: int) -> set[str]:
    """The names of the contracts a provider version has published."""
    return set(
        session.scalars(
            select(Contract.name)
            .join(ContractVersion, ContractVersion.contract_id == Contract.id)
            .where(ContractVersion.version_id == version_id)
        )
    )
