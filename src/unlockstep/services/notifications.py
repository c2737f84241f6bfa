"""Telling people about safety-net state changes: a webhook, signed and retried.

A change is written to ``safety_notifications`` in the same transaction as the state change
it reports (a transactional outbox: no change without its notification, no notification of a
change that rolled back). :func:`deliver_due` — a background job — POSTs each pending one as
JSON to ``UNLOCKSTEP_SAFETY_WEBHOOK_URL`` with ``X-Unlockstep-Signature: sha256=<hex>``, the
HMAC-SHA256 of the exact body under ``UNLOCKSTEP_SAFETY_WEBHOOK_SECRET``, and the headers
``X-Unlockstep-Event`` and ``X-Unlockstep-Delivery`` (the notification's id, for the
receiver to drop a repeat). A failed delivery is retried with exponential backoff (30 s,
1 min, 2 min… at most 1 h) up to :data:`MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from unlockstep.sources.prometheus import safe_url
from unlockstep.store import Store
from unlockstep.store.safety_tables import NotificationRow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
SIGNATURE_HEADER = "X-Unlockstep-Signature"


def enqueue(session: Session, event: str, payload: dict[str, Any], now: datetime) -> None:
    session.add(
        NotificationRow(
            event=event,
            payload=payload,
            created_at=now,
            attempts=0,
            next_attempt_at=now,
        )
    )


def signature(secret: str, body: bytes) -> str:
    """The value of :data:`SIGNATURE_HEADER` for ``body`` (receivers compute the same and
    compare with ``hmac.compare_digest``)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Delivery:
    id: int
    event: str
    delivered: bool
    error: str | None


def deliver_due(
    store: Store,
    now: datetime,
    url: str | None,
    secret: str | None,
    *,
    transport: httpx.BaseTransport | None = None,
    limit: int = 50,
) -> list[Delivery]:
    """Send every notification whose time has come; nothing when no webhook is set (they
    wait, and go out once one is)."""
    if not url:
        return []
    with store.session() as session:
        due = session.scalars(
            select(NotificationRow)
            .where(
                NotificationRow.delivered_at.is_(None),
                NotificationRow.attempts < MAX_ATTEMPTS,
                NotificationRow.next_attempt_at <= now,
            )
            .order_by(NotificationRow.id)
            .limit(limit)
        ).all()
    done: list[Delivery] = []
    with httpx.Client(timeout=10.0, transport=transport) as client:
        for note in due:
            body = json.dumps(
                {"id": note.id, "event": note.event, "createdAt": note.created_at.isoformat(),
                 **note.payload},
                sort_keys=True,
            ).encode()  # fmt: skip
            headers = {
                "Content-Type": "application/json",
                "X-Unlockstep-Event": note.event,
                "X-Unlockstep-Delivery": str(note.id),
            }
            if secret:
                headers[SIGNATURE_HEADER] = signature(secret, body)
            error: str | None = None
            try:
                response = client.post(url, content=body, headers=headers)
                if response.status_code >= 300:
                    error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: cannot reach {safe_url(url)}"
            with store.session() as session:
                row = session.get(NotificationRow, note.id, with_for_update=True)
                if row is None or row.delivered_at is not None:
                    continue
                row.attempts += 1
                if error is None:
                    row.delivered_at = now
                    row.last_error = None
                else:
                    row.last_error = error
                    row.next_attempt_at = now + backoff(row.attempts)
                    log.warning("webhook delivery %s of %s failed: %s", note.id, note.event, error)
            done.append(Delivery(note.id, note.event, error is None, error))
    return done


def pending(store: Store) -> list[NotificationRow]:
    with store.session() as session:
        return list(
            session.scalars(
                select(NotificationRow)
                .where(NotificationRow.delivered_at.is_(None))
                .order_by(NotificationRow.id)
            )
        )
