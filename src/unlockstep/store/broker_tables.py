"""Tables the Pact Broker API adds to the registry: the Pact files as published (the
verifiers fetch them back byte for byte), the branches and tags of versions, a service's main
branch, an environment's display name, and webhooks with their delivery log.

Everything else the Pact Broker has maps onto the registry's own tables: pacticipants are
services, deployed and released versions are deployments, verification results are
verifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from unlockstep.store.tables import Base, utcnow


class PactRow(Base):
    """One Pact file as a consumer version published it for one provider; its expectation
    is what unlockstep checks, this is what a Pact verifier replays."""

    __tablename__ = "pacts"
    __table_args__ = (
        UniqueConstraint("consumer_version_id", "provider_service_id"),
        Index("ix_pacts_provider", "provider_service_id", "consumer_service_id"),
        Index("ix_pacts_sha", "sha"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    consumer_service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    consumer_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    provider_service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    expectation_id: Mapped[int] = mapped_column(
        ForeignKey("expectations.id", ondelete="CASCADE"), index=True
    )
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VersionBranch(Base):
    """A branch a version was built from (a version may be on several)."""

    __tablename__ = "version_branches"
    __table_args__ = (
        UniqueConstraint("version_id", "name"),
        Index("ix_version_branches_service_name", "service_id", "name"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VersionTag(Base):
    """A tag on a version (the Pact Broker's older way to say branch or environment)."""

    __tablename__ = "version_tags"
    __table_args__ = (
        UniqueConstraint("version_id", "name"),
        Index("ix_version_tags_service_name", "service_id", "name"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PacticipantLabel(Base):
    """A label on a service (``PUT /pacticipants/{p}/labels/{label}``): how Pact Broker users
    group pacticipants (a team, a domain) independently of the registry's owner."""

    __tablename__ = "pacticipant_labels"
    __table_args__ = (
        UniqueConstraint("service_id", "name"),
        Index("ix_pacticipant_labels_name", "name"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BrokerService(Base):
    """What the Pact Broker says about a service beyond the registry: its main branch and
    display name."""

    __tablename__ = "broker_services"
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    main_branch: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))


class BrokerEnvironment(Base):
    """An environment's display name (its UUID is derived from its id, see
    ``core.broker.handles``)."""

    __tablename__ = "broker_environments"
    environment_id: Mapped[int] = mapped_column(
        ForeignKey("environments.id", ondelete="CASCADE"), primary_key=True
    )
    display_name: Mapped[str | None] = mapped_column(String(200))


class Webhook(Base):
    """An HTTP request sent when a Pact event happens, signed with the webhook's secret."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    description: Mapped[str | None] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSON)
    consumer: Mapped[str | None] = mapped_column(String(63))
    provider: Mapped[str | None] = mapped_column(String(63))
    url: Mapped[str] = mapped_column(String(2000))
    method: Mapped[str] = mapped_column(String(10), default="POST")
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    body: Mapped[Any] = mapped_column(JSON, nullable=True)
    secret: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event to deliver to one webhook, and every attempt at it (the delivery log)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "done", "next_attempt_at"),
        Index("ix_webhook_deliveries_trigger", "trigger"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    log: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: what fired it (``services.pact_events``): a pact publication or a verification result
    trigger: Mapped[str | None] = mapped_column(String(600))
