"""Queries and writes for contracts and their versions.

Documents are stored once per content hash (``contract_blobs``); a contract version points at
one. Every write records an audit event in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from unlockstep.core.contracts import Registered
from unlockstep.errors import Conflict, NotFound
from unlockstep.store import audit
from unlockstep.store.contract_tables import Contract, ContractBlob, ContractVersion
from unlockstep.store.registry import check_name, get_service, upsert_version
from unlockstep.store.tables import Service, Version


def contract_dict(contract: Contract, service: str) -> dict[str, Any]:
    return {
        "service": service,
        "name": contract.name,
        "kind": contract.kind,
        "mode": contract.mode,
        "created_at": contract.created_at.isoformat(),
    }


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


def list_contracts(session: Session, service_name: str) -> list[dict[str, Any]]:
    service = get_service(session, service_name)
    rows = session.scalars(
        select(Contract).where(Contract.service_id == service.id).order_by(Contract.name)
    )
    return [contract_dict(c, service.name) for c in rows]


def _versions(session: Session, contract: Contract) -> list[tuple[ContractVersion, str]]:
    """(contract version, provider version number), in publish order."""
    rows = session.execute(
        select(ContractVersion, Version.number)
        .join(Version, Version.id == ContractVersion.version_id)
        .where(ContractVersion.contract_id == contract.id)
        .order_by(ContractVersion.published_at, ContractVersion.id)
    ).all()
    return [(cv, number) for cv, number in rows]


def version_dict(cv: ContractVersion, number: str) -> dict[str, Any]:
    return {
        "version": number,
        "sha256": cv.blob_sha256,
        "filename": cv.filename,
        "published_by": cv.published_by,
        "published_at": cv.published_at.isoformat(),
    }


def contract_detail(session: Session, service_name: str, name: str) -> dict[str, Any]:
    service = get_service(session, service_name)
    contract = get_contract(session, service, name)
    data = contract_dict(contract, service.name)
    data["versions"] = [version_dict(cv, n) for cv, n in _versions(session, contract)]
    return data


def contract_document(
    session: Session, service_name: str, name: str, number: str
) -> dict[str, Any]:
    service = get_service(session, service_name)
    contract = get_contract(session, service, name)
    for cv, found in _versions(session, contract):
        if found == number:
            blob = session.get(ContractBlob, cv.blob_sha256)
            content = blob.content if blob is not None else ""
            return {**version_dict(cv, number), "content": content}
    raise NotFound(f"{service.name}/{name} has no document for version {number!r}", where="version")


def history(
    session: Session, contract: Contract | None, *, excluding: str | None = None
) -> list[Registered]:
    """The registered documents, oldest first (without ``excluding``, the version at hand)."""
    if contract is None:
        return []
    out = []
    for cv, number in _versions(session, contract):
        if number == excluding:
            continue
        blob = session.get(ContractBlob, cv.blob_sha256)
        if blob is not None:
            out.append(Registered(number, blob.content, cv.filename or f"{contract.name}@{number}"))
    return out


def current(session: Session, contract: Contract | None, number: str) -> ContractVersion | None:
    if contract is None:
        return None
    for cv, found in _versions(session, contract):
        if found == number:
            return cv
    return None


def publish(
    session: Session,
    actor: str,
    service: Service,
    name: str,
    number: str,
    *,
    kind: str,
    mode: str,
    sha256: str,
    content: str,
    filename: str,
    force: bool,
    forced_report: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], str]:
    """Store the document for ``service`` at version ``number``. Returns the version and
    what happened: ``created``, ``unchanged`` (same content), ``replaced`` (forced)."""
    check_name(name, "contract")
    contract = find_contract(session, service, name)
    key = f"{service.name}/{name}"
    if contract is None:
        contract = Contract(service_id=service.id, name=name, kind=kind, mode=mode)
        session.add(contract)
        session.flush()
        audit.record(
            session, actor, "contract.created", "contract", key, None,
            contract_dict(contract, service.name),
        )  # fmt: skip
    elif contract.mode != mode:
        before = contract_dict(contract, service.name)
        contract.mode = mode
        session.flush()
        audit.record(
            session, actor, "contract.mode_changed", "contract", key, before,
            contract_dict(contract, service.name),
        )  # fmt: skip
    if session.get(ContractBlob, sha256) is None:
        session.add(ContractBlob(sha256=sha256, content=content))
    version, _ = upsert_version(session, actor, service, number)
    existing = current(session, contract, number)
    version_key = f"{key}/{number}"
    if existing is not None and existing.blob_sha256 == sha256:
        return version_dict(existing, number), "unchanged"
    if existing is not None and not force:
        raise Conflict(
            f"{key} already has a different document for version {number}",
            where="version",
            hint="publish a new version, or pass --force to replace it (audited)",
            details={"registered_sha256": existing.blob_sha256, "proposed_sha256": sha256},
        )
    if existing is not None:
        before = version_dict(existing, number)
        existing.blob_sha256, existing.filename, existing.published_by = sha256, filename, actor
        session.flush()
        after = version_dict(existing, number)
        audit.record(
            session, actor, "contract.version.forced", "contract", version_key, before, after,
            reason="--force: replaced the document of an already published version",
        )  # fmt: skip
        return after, "replaced"
    row = ContractVersion(
        contract_id=contract.id,
        version_id=version.id,
        blob_sha256=sha256,
        filename=filename,
        published_by=actor,
    )
    session.add(row)
    session.flush()
    after = version_dict(row, number)
    if forced_report is not None:
        audit.record(
            session, actor, "contract.version.forced", "contract", version_key, None,
            {**after, "report": forced_report},
            reason="--force: published although it violates the contract's mode",
        )  # fmt: skip
    else:
        audit.record(
            session, actor, "contract.version.published", "contract", version_key, None, after
        )
    return after, "created"
