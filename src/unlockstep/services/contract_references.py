"""Multi-file contracts: a contract version whose document imports or ``$ref``s other files
(JSON Schema ``$ref: address.json``, Protobuf ``import "acme/address.proto"``, an Avro type
defined in another schema) names each file's contract version when it is published. The
references are pinned (stored with the version), so the document is read, compared and
checked as a whole, the same way every time; ``referenced_by`` answers who depends on a
version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from unlockstep.core.compat import Source
from unlockstep.errors import InvalidInput, ParseError
from unlockstep.store import contracts as store
from unlockstep.store import registry
from unlockstep.store.contract_tables import Contract, ContractVersion
from unlockstep.store.schema_registry_tables import ContractReference
from unlockstep.store.tables import Service, Version

#: How deep references may chain (a referenced file's own references…).
MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class ContractRef:
    """The file ``name`` is contract ``contract`` of ``service`` at provider ``version``."""

    name: str
    contract: str
    version: str
    service: str | None = None  # the publishing service when absent


@dataclass(frozen=True, slots=True)
class Referrer:
    """A contract version that references another: which one, and under what file name."""

    service: str
    contract: str
    version: str
    name: str


def resolve(
    session: Session, service: str, refs: Sequence[ContractRef]
) -> list[tuple[str, ContractVersion]]:
    """The contract version each reference names (refused when one is not published)."""
    found = []
    for ref in refs:
        owner = registry.find_service(session, ref.service or service)
        contract = store.find_contract(session, owner, ref.contract) if owner else None
        target = store.current(session, contract, ref.version)
        if target is None:
            raise InvalidInput(
                f"reference {ref.name!r}: {ref.service or service}/{ref.contract} has no "
                f"published version {ref.version!r}",
                where="references",
                hint="publish the referenced file first, then name its version",
            )
        found.append((ref.name, target))
    return found


def with_references(
    source: Source, targets: Sequence[tuple[str, ContractVersion]], session: Session
) -> Source:
    """``source`` reading its referenced files from the pinned contract versions."""
    if not targets:
        return source
    return Source(source.text, source.filename, _reader(session, list(targets), 0))


def reader_of(session: Session, version: ContractVersion) -> Callable[[str], str] | None:
    """How a stored version reads the files it references (``None``: it references none)."""
    targets = stored(session, version.id)
    return _reader(session, targets, 0) if targets else None


def stored(session: Session, version_id: int) -> list[tuple[str, ContractVersion]]:
    rows = session.execute(
        select(ContractReference.name, ContractVersion)
        .join(ContractVersion, ContractVersion.id == ContractReference.target_id)
        .where(ContractReference.contract_version_id == version_id)
        .order_by(ContractReference.name)
    ).all()
    return [(name, cv) for name, cv in rows]


def _reader(
    session: Session, targets: list[tuple[str, ContractVersion]], depth: int
) -> Callable[[str], str]:
    if depth > MAX_DEPTH:
        raise InvalidInput("references chain deeper than the limit", where="references")
    texts: dict[str, str] = {}
    for name, target in targets:
        for inner, text in _texts(session, target, depth + 1).items():
            texts.setdefault(inner, text)
        texts[name] = store.content(session, target.blob_sha256) or ""

    def read(relative: str) -> str:
        for key in (relative, relative.removeprefix("./"), relative.rsplit("/", 1)[-1]):
            if key in texts:
                return texts[key]
        raise ParseError(f"{relative!r} is not among the contract's references", where=relative)

    return read


def _texts(session: Session, version: ContractVersion, depth: int) -> dict[str, str]:
    if depth > MAX_DEPTH:
        raise InvalidInput("references chain deeper than the limit", where="references")
    out: dict[str, str] = {}
    for name, target in stored(session, version.id):
        out.update(_texts(session, target, depth + 1))
        out[name] = store.content(session, target.blob_sha256) or ""
    return out


def save(
    session: Session, version: ContractVersion, targets: Sequence[tuple[str, ContractVersion]]
) -> None:
    for name, target in targets:
        session.add(
            ContractReference(contract_version_id=version.id, name=name, target_id=target.id)
        )
    session.flush()


def referenced_by(session: Session, version: ContractVersion) -> list[Referrer]:
    """Every contract version that references ``version``."""
    rows = session.execute(
        select(Service.name, Contract.name, Version.number, ContractReference.name)
        .join(ContractVersion, ContractVersion.id == ContractReference.contract_version_id)
        .join(Contract, Contract.id == ContractVersion.contract_id)
        .join(Service, Service.id == Contract.service_id)
        .join(Version, Version.id == ContractVersion.version_id)
        .where(ContractReference.target_id == version.id)
        .order_by(Service.name, Contract.name, Version.number)
    ).all()
    return [Referrer(s, c, v, n) for s, c, v, n in rows]
