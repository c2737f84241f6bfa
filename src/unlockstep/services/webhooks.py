"""Webhooks: an HTTP request sent when something happens in the registry, signed with the
webhook's own secret, retried with backoff, and logged.

Events fired today (the Pact Broker's names): ``contract_published`` (a pact with new
content), ``contract_content_changed`` (the same), ``contract_requiring_verification_published``
(a pact content no build of the provider has verified yet), ``provider_verification_published``
and its ``…_succeeded`` / ``…_failed`` halves; and the safety nets' changes of state
(:data:`SAFETY_EVENTS`: ``invariant.breached``…, ``reconciliation.breached``…), with the
guarded service as provider and no consumer, so a team hooks its own service's nets. A write
that fires an event only enqueues a delivery in its own transaction (:func:`fire`), so nothing
is sent for a write that rolled back; the background job (:func:`run_job`) sends what is due,
in one server process at a time.

Every request carries ``X-Unlockstep-Event``, ``X-Unlockstep-Delivery`` and
``X-Unlockstep-Signature: sha256=<hex>``, the HMAC-SHA256 of the body under the webhook's
secret, so the receiver can check it came from here. A delivery that does not get a 2xx is
tried again after 10 s, 20 s, 40 s… up to :data:`MAX_ATTEMPTS` attempts; each attempt is
logged on the delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import uuid as uuids
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session

from unlockstep.errors import InvalidInput, NotFound
from unlockstep.services import authz
from unlockstep.services.authz import Principal
from unlockstep.store import Store, audit
from unlockstep.store import webhooks as rows
from unlockstep.store.broker_tables import Webhook, WebhookDelivery

log = logging.getLogger(__name__)

PACT_EVENTS = (
    "contract_published",
    "contract_content_changed",
    "contract_requiring_verification_published",
    "provider_verification_published",
    "provider_verification_succeeded",
    "provider_verification_failed",
)
#: What ``services.safety_runs.announce`` tells (invariant runs, reconciliation runs).
SAFETY_EVENTS = (
    "invariant.breached",
    "invariant.recovered",
    "invariant.error",
    "reconciliation.breached",
    "reconciliation.recovered",
)
EVENTS = PACT_EVENTS + SAFETY_EVENTS
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(seconds=10)
TIMEOUT = 10.0
SIGNATURE = "X-Unlockstep-Signature"


@dataclass(frozen=True, slots=True)
class WebhookSpec:
    url: str
    events: list[str]
    method: str = "POST"
    headers: dict[str, str] | None = None
    body: Any = None
    consumer: str | None = None
    provider: str | None = None
    description: str | None = None
    enabled: bool = True
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookView:
    uuid: str
    url: str
    method: str
    events: list[str]
    headers: dict[str, Any]
    body: Any
    consumer: str | None
    provider: str | None
    description: str | None
    enabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    event: str
    status: int | None
    success: bool
    error: str | None
    log: list[dict[str, Any]]


def _view(w: Webhook) -> WebhookView:
    return WebhookView(
        w.uuid, w.url, w.method, list(w.events), dict(w.headers or {}), w.body, w.consumer,
        w.provider, w.description, w.enabled, w.created_at,
    )  # fmt: skip


def _check(spec: WebhookSpec) -> None:
    if not spec.url.startswith(("http://", "https://")):
        raise InvalidInput("the webhook's URL must be http(s)", where="request/url")
    unknown = [e for e in spec.events if e not in EVENTS]
    if unknown or not spec.events:
        raise InvalidInput(
            f"unknown or no webhook events: {', '.join(unknown) or 'none given'}",
            where="events",
            hint=f"one or more of {', '.join(EVENTS)}",
        )
    if spec.method.upper() not in {"POST", "PUT", "PATCH", "GET", "DELETE"}:
        raise InvalidInput(f"unsupported method {spec.method!r}", where="request/method")


def _authorise(session: Session, principal: Principal, spec: WebhookSpec | Webhook) -> None:
    """A team may hook its own service's events; a webhook on every service is admin's."""
    named = spec.provider or spec.consumer
    if principal.has("admin"):
        return  # also for services not registered yet
    if named is None:
        authz.require_admin(principal, what="manage webhooks for every service")
    else:
        authz.service_for_write(session, principal, named, what="manage webhooks")


def put_webhook(
    store: Store, principal: Principal, spec: WebhookSpec, uuid: str | None = None
) -> tuple[WebhookView, bool, str | None]:
    """Create (or replace, by ``uuid``) a webhook; returns it, whether it was created, and
    its secret when one was generated (shown once)."""
    _check(spec)
    if uuid is not None:
        try:
            uuid = str(uuids.UUID(uuid))
        except ValueError:
            raise InvalidInput(f"{uuid!r} is not a UUID", where="uuid") from None
    with store.session() as session:
        _authorise(session, principal, spec)
        row = rows.find(session, uuid) if uuid else None
        created = row is None
        generated = None
        if row is None:
            generated = None if spec.secret else secrets.token_urlsafe(32)
            row = Webhook(uuid=uuid or str(uuids.uuid4()), secret=spec.secret or generated)
            session.add(row)
        elif spec.secret:
            row.secret = spec.secret
        row.url, row.method, row.events = spec.url, spec.method.upper(), list(spec.events)
        row.headers, row.body = dict(spec.headers or {}), spec.body
        row.consumer, row.provider = spec.consumer, spec.provider
        row.description, row.enabled = spec.description, spec.enabled
        session.flush()
        view = _view(row)
        after = {"url": view.url, "events": view.events, "enabled": view.enabled}
        action = "webhook.created" if created else "webhook.updated"
        audit.record(session, principal.name, action, "webhook", row.uuid, None, after)
        return view, created, generated


def list_webhooks(store: Store) -> list[WebhookView]:
    with store.session() as session:
        return [_view(w) for w in rows.all_webhooks(session)]


def _get(session: Session, uuid: str) -> Webhook:
    row = rows.find(session, uuid)
    if row is None:
        raise NotFound(f"no webhook has the UUID {uuid!r}", where="webhook")
    return row


def show_webhook(store: Store, uuid: str) -> WebhookView:
    with store.session() as session:
        return _view(_get(session, uuid))


def delete_webhook(store: Store, principal: Principal, uuid: str) -> None:
    with store.session() as session:
        row = _get(session, uuid)
        _authorise(session, principal, row)
        session.delete(row)
        audit.record(session, principal.name, "webhook.deleted", "webhook", uuid, None, None)


def deliveries(store: Store, uuid: str) -> list[WebhookDelivery]:
    with store.session() as session:
        return rows.deliveries(session, _get(session, uuid).id)


# -- firing and delivering ------------------------------------------------------------------


def fire(
    session: Session,
    event: str,
    consumer: str,
    provider: str,
    payload: dict[str, Any],
    trigger: str | None = None,
) -> int:
    """Enqueue a delivery of ``event`` to every webhook listening (in the caller's unit of
    work), marked with ``trigger``, what fired it; how many."""
    now = datetime.now(UTC)
    hooks = rows.listening(session, event, consumer, provider)
    for hook in hooks:
        rows.enqueue(session, hook, event, {"event": event, **payload}, now, trigger)
    return len(hooks)


@dataclass(frozen=True, slots=True)
class Triggered:
    """One delivery a publication or verification fired (``pb:triggered-webhooks``)."""

    id: int
    webhook: WebhookView
    event: str
    attempts: int
    done: bool
    succeeded: bool
    log: list[dict[str, Any]]
    created_at: datetime

    @property
    def status(self) -> str:
        """The Pact Broker's words: success, failure, retrying, not_run."""
        if self.succeeded:
            return "success"
        if self.done:
            return "failure"
        return "retrying" if self.attempts else "not_run"


def _triggered(delivery: WebhookDelivery, hook: Webhook) -> Triggered:
    return Triggered(
        delivery.id, _view(hook), delivery.event, delivery.attempts, delivery.done,
        delivery.succeeded, list(delivery.log), delivery.created_at,
    )  # fmt: skip


def triggered(store: Store, trigger: str) -> list[Triggered]:
    with store.session() as session:
        return [_triggered(d, w) for d, w in rows.triggered(session, trigger)]


def delivery_log(store: Store, delivery_id: int) -> Triggered:
    """One delivery and its attempts (``pb:logs``)."""
    with store.session() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        hook = session.get(Webhook, delivery.webhook_id) if delivery else None
        if delivery is None or hook is None:
            raise NotFound(f"no webhook delivery has the id {delivery_id}", where="delivery")
        return _triggered(delivery, hook)


_VARIABLE = re.compile(r"\$\{pactbroker\.(\w+)\}")


def _render(value: Any, payload: dict[str, Any]) -> Any:
    """The Pact Broker's ``${pactbroker.consumerName}``… variables, filled in."""
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: str(payload.get(m.group(1), "")), value)
    if isinstance(value, list):
        return [_render(v, payload) for v in value]
    if isinstance(value, dict):
        return {k: _render(v, payload) for k, v in value.items()}
    return value


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send(
    hook: Webhook, event: str, payload: dict[str, Any], delivery_id: str, client: httpx.Client
) -> tuple[int | None, str | None]:
    rendered = _render(hook.body, payload) if hook.body is not None else payload
    body = (rendered if isinstance(rendered, str) else json.dumps(rendered)).encode()
    headers = {str(k): str(_render(v, payload)) for k, v in (hook.headers or {}).items()}
    headers.setdefault("Content-Type", "application/json")
    headers.update(
        {
            "X-Unlockstep-Event": event,
            "X-Unlockstep-Delivery": delivery_id,
            SIGNATURE: sign(hook.secret, body),
        }
    )
    try:
        response = client.request(
            hook.method, _render(hook.url, payload), content=body, headers=headers
        )
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}: {response.text[:200]}"


def deliver_due(store: Store, now: datetime, client: httpx.Client | None = None) -> int:
    """Send every delivery that is due; how many were attempted. (The worker's job.)"""
    own = client is None
    http = client or httpx.Client(timeout=TIMEOUT)
    try:
        with store.session() as session:
            found = rows.due(session, now)
            for delivery, hook in found:
                status, error = _send(
                    hook, delivery.event, delivery.payload, str(delivery.id), http
                )
                delivery.attempts += 1
                entry = {"at": now.isoformat(), "status": status, "error": error}
                delivery.log = [*delivery.log, entry]
                delivery.last_error = error
                if error is None:
                    delivery.done = delivery.succeeded = True
                elif delivery.attempts >= MAX_ATTEMPTS:
                    delivery.done = True
                    log.warning("webhook %s: giving up on delivery %s", hook.uuid, delivery.id)
                else:
                    delivery.next_attempt_at = now + FIRST_RETRY * 2 ** (delivery.attempts - 1)
            return len(found)
    finally:
        if own:
            http.close()


def execute(store: Store, principal: Principal, uuid: str) -> Attempt:
    """Send the webhook once now with a sample payload (``test-webhook``), logged like any
    delivery."""
    with store.session() as session:
        hook = _get(session, uuid)
        _authorise(session, principal, hook)
        payload = {
            "event": "test",
            "consumerName": hook.consumer or "a-consumer",
            "providerName": hook.provider or "a-provider",
            "consumerVersionNumber": "0.0.0",
            "providerVersionNumber": "0.0.0",
        }
        now = datetime.now(UTC)
        delivery = rows.enqueue(session, hook, "test", payload, now)
        with httpx.Client(timeout=TIMEOUT) as http:
            status, error = _send(hook, "test", payload, str(delivery.id), http)
        delivery.attempts, delivery.done, delivery.succeeded = 1, True, error is None
        delivery.log = [{"at": now.isoformat(), "status": status, "error": error}]
        delivery.last_error = error
        return Attempt("test", status, error is None, error, delivery.log)


#: How often the background job (``services.schedule.jobs``) sends what is due, in seconds.
EVERY = 5.0


def run_job(store: Store, now: datetime) -> None:
    """The background job: send what is due."""
    deliver_due(store, now)
