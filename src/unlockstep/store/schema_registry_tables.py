"""The schema-registry view of contracts (``/confluent``): global schema ids, subjects and
their numbered versions, and the registry's own settings.

A subject is a contract (``contract_id``); each of its versions points at the contract
version it was stored as, so the registry's other views see every schema registered here.
A schema id names one canonical schema (its type, text and pinned references) across every
subject, as serializers expect: registering the same schema again gives the same id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from unlockstep.store.tables import Base, utcnow


class RegistrySchema(Base):
    """One canonical schema with a global id; ``fingerprint`` is the SHA-256 of its type,
    canonical text and references."""

    __tablename__ = "sr_schemas"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    #: references ``[{"name", "subject", "version"}]`` as registered, pinned to versions.
    refs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: base64 ``FileDescriptorProto`` when a Protobuf schema arrived in that form.
    serialized: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RegistrySubject(Base):
    """A subject, bound to the contract it is. ``compatibility`` and ``mode`` are its own
    settings (``None``: the global one applies)."""

    __tablename__ = "sr_subjects"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    compatibility: Mapped[str | None] = mapped_column(String(30))
    mode: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RegistrySubjectVersion(Base):
    """Version ``number`` of a subject: a schema id and the contract version it was stored
    as. ``deleted`` is a soft delete (hidden from the subject, still readable by id)."""

    __tablename__ = "sr_subject_versions"
    __table_args__ = (
        UniqueConstraint("subject_id", "number"),
        Index("ix_sr_subject_versions_schema", "schema_id"),
        Index("ix_sr_subject_versions_contract_version", "contract_version_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("sr_subjects.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    schema_id: Mapped[int] = mapped_column(ForeignKey("sr_schemas.id"))
    contract_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("contract_versions.id", ondelete="SET NULL")
    )
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RegistryReference(Base):
    """Subject version ``referrer_id`` uses ``subject`` version ``number`` (for
    ``referencedby``)."""

    __tablename__ = "sr_references"
    __table_args__ = (Index("ix_sr_references_target", "subject", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(
        ForeignKey("sr_subject_versions.id", ondelete="CASCADE")
    )
    subject: Mapped[str] = mapped_column(String(255))
    number: Mapped[int] = mapped_column(Integer)


class ContractReference(Base):
    """A contract version that is several files: the file ``name`` it imports or ``$ref``s is
    the document of contract version ``target_id``, pinned when it was published (the same
    for contracts published the unlockstep way and through the schema-registry API)."""

    __tablename__ = "contract_references"
    __table_args__ = (
        UniqueConstraint("contract_version_id", "name"),
        Index("ix_contract_references_target", "target_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_version_id: Mapped[int] = mapped_column(
        ForeignKey("contract_versions.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(300))
    target_id: Mapped[int] = mapped_column(ForeignKey("contract_versions.id"))


class RegistrySetting(Base):
    """The registry's global settings: ``compatibility`` and ``mode``."""

    __tablename__ = "sr_settings"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class RegistryPendingMode(Base):
    """A subject's mode set before the subject exists (Confluent lets IMPORT be set first, so
    an import can start with the subjects it names). A subject row needs its contract, and
    the contract's kind is known only at the first registration, which moves the mode onto
    the subject and drops this row."""

    __tablename__ = "sr_pending_modes"
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))
