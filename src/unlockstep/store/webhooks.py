"""Queries and row writes for webhooks and their deliveries (``services.webhooks`` decides)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from unlockstep.store.broker_tables import Webhook, WebhookDelivery


def find(session: Session, uuid: str) -> Webhook | None:
    return session.scalar(select(Webhook).where(Webhook.uuid == uuid))


def all_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def listening(session: Session, event: str, consumer: str, provider: str) -> list[Webhook]:
    """Enabled webhooks for ``event`` whose consumer and provider (when set) match."""
    rows = session.scalars(
        select(Webhook).where(
            Webhook.enabled.is_(True),
            or_(Webhook.consumer.is_(None), Webhook.consumer == consumer),
            or_(Webhook.provider.is_(None), Webhook.provider == provider),
        )
    )
    return [w for w in rows if event in (w.events or [])]


def enqueue(
    session: Session,
    webhook: Webhook,
    event: str,
    payload: dict[str, Any],
    now: datetime,
    trigger: str | None = None,
) -> WebhookDelivery:
    delivery = WebhookDelivery(
        trigger=trigger,
        webhook_id=webhook.id,
        event=event,
        payload=payload,
        attempts=0,
        done=False,
        succeeded=False,
        next_attempt_at=now,
        log=[],
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery


def due(session: Session, now: datetime, limit: int = 50) -> list[tuple[WebhookDelivery, Webhook]]:
    rows = session.execute(
        select(WebhookDelivery, Webhook)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.done.is_(False), WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    ).all()
    return [(d, w) for d, w in rows]


def deliveries(session: Session, webhook_id: int, limit: int = 100) -> list[WebhookDelivery]:
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def triggered(session: Session, trigger: str) -> list[tuple[WebhookDelivery, Webhook]]:
    """The deliveries ``trigger`` fired, oldest first, with their webhooks."""
    rows = session.execute(
        select(WebhookDelivery, Webhook)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.trigger == trigger)
        .order_by(WebhookDelivery.id)
    ).all()
    return [(d, w) for d, w in rows]
