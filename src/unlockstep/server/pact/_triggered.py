"""``pb:triggered-webhooks``: the webhook deliveries one pact publication or one
verification result fired, each with its ``pb:logs``, in the Pact Broker's shape."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from unlockstep.server.deps import StoreDep
from unlockstep.server.pact._hal import base, hal, link, seg, when
from unlockstep.services import pact_events, webhooks

router = APIRouter()


def pact_triggered_url(root: str, provider: str, consumer: str, version: str) -> str:
    return (
        f"{root}/pacts/provider/{seg(provider)}/consumer/{seg(consumer)}/version/{seg(version)}"
        "/triggered-webhooks"
    )


def verification_triggered_url(
    root: str, provider: str, consumer: str, sha: str, provider_version: str
) -> str:
    return (
        f"{root}/pacts/provider/{seg(provider)}/consumer/{seg(consumer)}/pact-version/{sha}"
        f"/verification-results/{seg(provider_version)}/triggered-webhooks"
    )


def _attempts(log: list[dict[str, Any]]) -> str:
    """The delivery log as the Pact Broker's ``logs`` text: one line per attempt."""
    lines = []
    for entry in log:
        outcome = entry.get("error") or f"HTTP {entry.get('status')}"
        lines.append(f"{entry.get('at')} {outcome}")
    return "\n".join(lines)


def _entry(root: str, found: webhooks.Triggered) -> dict[str, Any]:
    hook = found.webhook
    return {
        "name": hook.description or f"Webhook {hook.uuid}",
        "status": found.status,
        "attemptsMade": found.attempts,
        "attemptsRemaining": 0 if found.done else webhooks.MAX_ATTEMPTS - found.attempts,
        "triggerType": "resource_creation",
        "eventName": found.event,
        "triggeredAt": when(found.created_at),
        "lastAttemptedAt": found.log[-1]["at"] if found.log else None,
        "_links": {
            "pb:logs": link(f"{root}/triggered-webhooks/{found.id}/logs", title="Webhook logs"),
            "pb:webhook": link(f"{root}/webhooks/{hook.uuid}", title=hook.description),
        },
    }


def _listing(request: Request, store: StoreDep, trigger: str) -> JSONResponse:
    root = base(request)
    found = webhooks.triggered(store, trigger)
    return hal(
        {
            "_embedded": {"triggeredWebhooks": [_entry(root, t) for t in found]},
            "_links": {"self": link(str(request.url), title="Webhooks triggered")},
        }
    )


@router.get("/pacts/provider/{provider}/consumer/{consumer}/version/{version}/triggered-webhooks")
def pact_triggered(
    provider: str, consumer: str, version: str, request: Request, store: StoreDep
) -> JSONResponse:
    """Deliveries fired by this consumer version's pact publications (an empty list for
    a pact that fired none)."""
    return _listing(request, store, pact_events.pact_trigger(provider, consumer, version))


@router.get(
    "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}"
    "/verification-results/{provider_version}/triggered-webhooks"
)
def verification_triggered(
    provider: str,
    consumer: str,
    sha: str,
    provider_version: str,
    request: Request,
    store: StoreDep,
) -> JSONResponse:
    trigger = pact_events.verification_trigger(provider, consumer, sha, provider_version)
    return _listing(request, store, trigger)


@router.get("/triggered-webhooks/{delivery_id}/logs")
def triggered_logs(delivery_id: int, request: Request, store: StoreDep) -> JSONResponse:
    """Every attempt at one delivery: when, and the HTTP status or the error."""
    found = webhooks.delivery_log(store, delivery_id)
    return hal(
        {
            "logs": _attempts(found.log),
            "success": found.succeeded,
            "attempts": found.log,
            "_links": {
                "self": link(str(request.url)),
                "pb:webhook": link(f"{base(request)}/webhooks/{found.webhook.uuid}"),
            },
        }
    )
