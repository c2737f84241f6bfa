"""Tables for consumer expectations and verification results (static, or reported by a
provider's test run). Provider documents come from the contract registry's tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from unlockstep.store.contract_tables import ContractVersion
from unlockstep.store.tables import Base, utcnow


class ExpectationRow(Base):
    """What one consumer version uses of one provider contract (normalised expectation)."""

    __tablename__ = "expectations"
    __table_args__ = (
        UniqueConstraint("consumer_version_id", "provider_service_id", "contract"),
        Index("ix_expectations_provider_contract", "provider_service_id", "contract"),
        # the dashboard's estate graph (migration dashboard_0001)
        Index("ix_expectations_edges", "consumer_service_id", "provider_service_id", "contract"),
        # the consumers of a provider, off the index alone (migration pact2_0001)
        Index("ix_expectations_provider_consumer", "provider_service_id", "consumer_service_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    consumer_service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    consumer_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    provider_service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    contract: Mapped[str] = mapped_column(String(63))
    kind: Mapped[str] = mapped_column(String(12))
    reader: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(20))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VerificationRow(Base):
    """Evidence that a consumer version's expectation holds (or not) for a provider version."""

    __tablename__ = "verifications"
    __table_args__ = (
        UniqueConstraint("expectation_id", "provider_version_id", "source"),
        # the matrix, newest first (migration dashboard_0001)
        Index("ix_verifications_newest", "verified_at", "id"),
        Index("ix_verifications_provider_version", "provider_version_id"),
        Index("ix_verifications_consumer_version", "consumer_version_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    expectation_id: Mapped[int] = mapped_column(ForeignKey("expectations.id", ondelete="CASCADE"))
    consumer_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    provider_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12))
    problems: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(40))
    build_url: Mapped[str | None] = mapped_column(String(500))
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)


#: can-i-deploy asks which contracts one provider version published; the registry's own
#: unique key starts with the contract, so this index serves that question.
Index("ix_contract_versions_version", ContractVersion.version_id)
