"""Queries and writes for contracts and their versions.

Documents are stored once per content hash (``contract_blobs``); a contract version points at
one. The use cases (``services.contracts``) decide what to write and record the audit event
in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from unlockstep.errors import NotFound
from unlockstep.store.contract_tables import Contract, ContractBlob, ContractVersion
from unlockstep.store.tables import Service, Version


def find_contract(session: Session, service: Service, name: str) -> Contract | None:
    return session.scalar(
        select(Contract).where(Contract.service_id == service.id, Contract.name == name)
    )


def get_contract(session: Session, service: Service, name: str) -> Contract:
    contract = find_contract(session, service, name)
    if contract is None:
        raise NotFound(
            f"{service.name} has no contract named {name!r}",
            where="contract",
            hint=f"publish one with `unlockstep contract publish --service {service.name} "
            f"--name {name} --version V FILE`",
        )
    return contract


def list_contracts(session: Session, service: Service) -> list[Contract]:
    return list(
        session.scalars(
            select(Contract).where(Contract.service_id == service.id).order_by(Contract.name)
        )
    )


def versions(session: Session, contract: Contract) -> list[tuple[ContractVersion, str]]:
    """(contract version, provider version number), in publish order."""
    rows = session.execute(
        select(ContractVersion, Version.number)
        .join(Version, Version.id == ContractVersion.version_id)
        .where(ContractVersion.contract_id == contract.id)
        .order_by(ContractVersion.published_at, ContractVersion.id)
    ).all()
    return [(cv, number) for cv, number in rows]


def content(session: Session, sha256: str) -> str | None:
    blob = session.get(ContractBlob, sha256)
    return blob.content if blob is not None else None


def current(session: Session, contract: Contract | None, number: str) -> ContractVersion | None:
    """The contract's version published as provider version ``number`` (one indexed row,
    not the contract's whole history)."""
    if contract is None:
        return None
    return session.scalar(
        select(ContractVersion)
        .join(Version, Version.id == ContractVersion.version_id)
        .where(ContractVersion.contract_id == contract.id, Version.number == number)
        .order_by(ContractVersion.published_at, ContractVersion.id)
        .limit(1)
    )


def create_contract(
    session: Session, service: Service, name: str, kind: str, mode: str
) -> Contract:
    contract = Contract(service_id=service.id, name=name, kind=kind, mode=mode)
    session.add(contract)
    session.flush()
    return contract


def store_blob(session: Session, sha256: str, text: str) -> None:
    if session.get(ContractBlob, sha256) is None:
        session.add(ContractBlob(sha256=sha256, content=text))


def add_version(
    session: Session, contract: Contract, version: Version, sha256: str, filename: str, actor: str
) -> ContractVersion:
    row = ContractVersion(
        contract_id=contract.id,
        version_id=version.id,
        blob_sha256=sha256,
        filename=filename,
        published_by=actor,
    )
    session.add(row)
    session.flush()
    return row
