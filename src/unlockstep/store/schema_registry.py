"""Queries and row writes for the schema-registry view (``schema_registry_tables``). The use
cases (``services.schema_registry``) decide and audit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from unlockstep.store.contract_tables import Contract, ContractVersion
from unlockstep.store.schema_registry_tables import (
    RegistryPendingMode,
    RegistryReference,
    RegistrySchema,
    RegistrySetting,
    RegistrySubject,
    RegistrySubjectVersion,
)
from unlockstep.store.tables import Service


def find_subject(session: Session, name: str) -> RegistrySubject | None:
    return session.scalar(select(RegistrySubject).where(RegistrySubject.name == name))


def subject_of_contract(session: Session, contract_id: int) -> RegistrySubject | None:
    return session.scalar(
        select(RegistrySubject).where(RegistrySubject.contract_id == contract_id).limit(1)
    )


def add_subject(session: Session, name: str, contract: Contract) -> RegistrySubject:
    row = RegistrySubject(name=name, contract_id=contract.id)
    session.add(row)
    session.flush()
    return row


def subject_names(session: Session, prefix: str = "", *, deleted: bool = False) -> list[str]:
    """Subjects with at least one version (a soft-deleted one too, with ``deleted``)."""
    query = (
        select(RegistrySubject.name)
        .join(RegistrySubjectVersion, RegistrySubjectVersion.subject_id == RegistrySubject.id)
        .group_by(RegistrySubject.name)
        .order_by(RegistrySubject.name)
    )
    if not deleted:
        query = query.where(RegistrySubjectVersion.deleted.is_(False))
    if prefix:
        query = query.where(RegistrySubject.name.startswith(prefix, autoescape=True))
    return list(session.scalars(query))


def unbound_contracts(session: Session, kinds: tuple[str, ...]) -> list[tuple[Contract, str]]:
    """Contracts of ``kinds`` that no subject is bound to yet, with their service's name."""
    bound = select(RegistrySubject.contract_id)
    rows = session.execute(
        select(Contract, Service.name)
        .join(Service, Service.id == Contract.service_id)
        .where(Contract.kind.in_(kinds), Contract.id.not_in(bound))
        .order_by(Contract.name, Service.name)
    ).all()
    return [(c, s) for c, s in rows]


def contracts_named(session: Session, name: str, kinds: tuple[str, ...]) -> list[Contract]:
    return list(
        session.scalars(select(Contract).where(Contract.name == name, Contract.kind.in_(kinds)))
    )


def versions(
    session: Session, subject: RegistrySubject, *, deleted: bool = True
) -> list[RegistrySubjectVersion]:
    query = select(RegistrySubjectVersion).where(RegistrySubjectVersion.subject_id == subject.id)
    if not deleted:
        query = query.where(RegistrySubjectVersion.deleted.is_(False))
    return list(session.scalars(query.order_by(RegistrySubjectVersion.number)))


def version(
    session: Session, subject: RegistrySubject, number: int
) -> RegistrySubjectVersion | None:
    return session.scalar(
        select(RegistrySubjectVersion).where(
            RegistrySubjectVersion.subject_id == subject.id,
            RegistrySubjectVersion.number == number,
        )
    )


def latest(
    session: Session, subject: RegistrySubject, *, deleted: bool = False
) -> RegistrySubjectVersion | None:
    query = select(RegistrySubjectVersion).where(RegistrySubjectVersion.subject_id == subject.id)
    if not deleted:
        query = query.where(RegistrySubjectVersion.deleted.is_(False))
    return session.scalar(query.order_by(RegistrySubjectVersion.number.desc()).limit(1))


def version_with(
    session: Session, subject: RegistrySubject, fingerprint: str, *, deleted: bool = False
) -> RegistrySubjectVersion | None:
    """The subject's latest version with the schema ``fingerprint``."""
    query = (
        select(RegistrySubjectVersion)
        .join(RegistrySchema, RegistrySchema.id == RegistrySubjectVersion.schema_id)
        .where(
            RegistrySubjectVersion.subject_id == subject.id,
            RegistrySchema.fingerprint == fingerprint,
        )
    )
    if not deleted:
        query = query.where(RegistrySubjectVersion.deleted.is_(False))
    return session.scalar(query.order_by(RegistrySubjectVersion.number.desc()).limit(1))


def unsynced(session: Session, subject: RegistrySubject) -> list[ContractVersion]:
    """The subject's contract versions that have no subject version yet, in publish order."""
    known = select(RegistrySubjectVersion.contract_version_id).where(
        RegistrySubjectVersion.subject_id == subject.id,
        RegistrySubjectVersion.contract_version_id.is_not(None),
    )
    return list(
        session.scalars(
            select(ContractVersion)
            .where(
                ContractVersion.contract_id == subject.contract_id,
                ContractVersion.id.not_in(known),
            )
            .order_by(ContractVersion.published_at, ContractVersion.id)
        )
    )


def version_of_contract_version(
    session: Session, contract_version_id: int
) -> RegistrySubjectVersion | None:
    return session.scalar(
        select(RegistrySubjectVersion)
        .where(RegistrySubjectVersion.contract_version_id == contract_version_id)
        .limit(1)
    )


def next_number(session: Session, subject: RegistrySubject) -> int:
    top = session.scalar(
        select(func.max(RegistrySubjectVersion.number)).where(
            RegistrySubjectVersion.subject_id == subject.id
        )
    )
    return (top or 0) + 1


def add_version(
    session: Session,
    subject: RegistrySubject,
    number: int,
    schema: RegistrySchema,
    contract_version_id: int | None,
) -> RegistrySubjectVersion:
    row = RegistrySubjectVersion(
        subject_id=subject.id,
        number=number,
        schema_id=schema.id,
        contract_version_id=contract_version_id,
        deleted=False,
    )
    session.add(row)
    session.flush()
    for ref in schema.refs:
        session.add(
            RegistryReference(referrer_id=row.id, subject=ref["subject"], number=ref["version"])
        )
    return row


def schema(session: Session, schema_id: int) -> RegistrySchema | None:
    return session.get(RegistrySchema, schema_id)


def used_schema(session: Session, schema_id: int) -> RegistrySchema | None:
    """The schema if a subject version (a soft-deleted one too) still uses it: the row of a
    schema whose versions were all hard deleted stays (its id is never given to another
    schema, and the same schema registered again gets it back) but is not readable."""
    in_use = (
        select(RegistrySubjectVersion.id)
        .where(RegistrySubjectVersion.schema_id == RegistrySchema.id)
        .exists()
    )
    return session.scalar(select(RegistrySchema).where(RegistrySchema.id == schema_id, in_use))


def schema_by_fingerprint(session: Session, fingerprint: str) -> RegistrySchema | None:
    return session.scalar(select(RegistrySchema).where(RegistrySchema.fingerprint == fingerprint))


def add_schema(
    session: Session,
    kind: str,
    fingerprint: str,
    text: str,
    refs: list[dict[str, Any]],
    serialized: str | None = None,
    *,
    schema_id: int | None = None,
) -> RegistrySchema:
    """A new schema row; ``schema_id`` given (IMPORT), PostgreSQL's id sequence is moved past
    it so the ids given later do not collide (SQLite gives max + 1 by itself)."""
    row = RegistrySchema(
        id=schema_id, kind=kind, fingerprint=fingerprint, text=text, refs=refs,
        serialized=serialized,
    )  # fmt: skip
    session.add(row)
    session.flush()
    if schema_id is not None and session.get_bind().dialect.name == "postgresql":
        session.execute(
            sql(
                "SELECT setval(pg_get_serial_sequence('sr_schemas', 'id'), "
                "(SELECT max(id) FROM sr_schemas))"
            )
        )
    return row


def uses_of_schema(session: Session, schema_id: int) -> list[tuple[str, int, bool]]:
    """(subject, version, deleted) for every subject version with this schema id."""
    rows = session.execute(
        select(RegistrySubject.name, RegistrySubjectVersion.number, RegistrySubjectVersion.deleted)
        .join(RegistrySubject, RegistrySubject.id == RegistrySubjectVersion.subject_id)
        .where(RegistrySubjectVersion.schema_id == schema_id)
        .order_by(RegistrySubject.name, RegistrySubjectVersion.number)
    ).all()
    return [(s, n, d) for s, n, d in rows]


def referenced_by(session: Session, subject: str, number: int) -> list[int]:
    """Schema ids of the live subject versions that reference ``subject`` version ``number``."""
    rows = session.scalars(
        select(RegistrySubjectVersion.schema_id)
        .join(RegistryReference, RegistryReference.referrer_id == RegistrySubjectVersion.id)
        .where(
            RegistryReference.subject == subject,
            RegistryReference.number == number,
            RegistrySubjectVersion.deleted.is_(False),
        )
        .order_by(RegistrySubjectVersion.schema_id)
    )
    return sorted(set(rows))


def delete_version(session: Session, row: RegistrySubjectVersion) -> None:
    session.execute(delete(RegistryReference).where(RegistryReference.referrer_id == row.id))
    session.delete(row)
    session.flush()


def setting(session: Session, key: str) -> str | None:
    """A global setting, read once per unit of work (a registration asks for the mode and
    the compatibility level: one query for both)."""
    known: dict[str, str] | None = session.info.get(_SETTINGS)
    if known is None:
        found = session.execute(select(RegistrySetting.key, RegistrySetting.value)).all()
        known = session.info[_SETTINGS] = {k: v for k, v in found}
    return known.get(key)


_SETTINGS = "unlockstep.schema_registry.settings"


def put_setting(session: Session, key: str, value: str | None) -> None:
    session.info.pop(_SETTINGS, None)
    row = session.get(RegistrySetting, key)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(RegistrySetting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def pending_mode(session: Session, subject: str) -> str | None:
    """The mode set for ``subject`` before it existed."""
    row = session.get(RegistryPendingMode, subject)
    return row.mode if row is not None else None


def put_pending_mode(session: Session, subject: str, mode: str | None) -> None:
    row = session.get(RegistryPendingMode, subject)
    if mode is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(RegistryPendingMode(subject=subject, mode=mode))
    else:
        row.mode = mode
    session.flush()
