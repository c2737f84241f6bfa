"""Webhooks in the Pact Broker's shape (``create-webhook``, ``create-or-update-webhook``,
``test-webhook``, ``delete-webhook``), plus their delivery log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from unlockstep.server.deps import PrincipalDep, StoreDep
from unlockstep.server.pact._hal import base, hal, link, when
from unlockstep.services import webhooks

router = APIRouter()


class _In(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class Named(_In):
    name: str | None = None


class RequestIn(_In):
    method: str = "POST"
    url: str
    headers: dict[str, str] | None = None
    body: Any = None


class WebhookIn(_In):
    description: str | None = None
    events: list[Named] = []
    request: RequestIn
    consumer: Named | None = None
    provider: Named | None = None
    enabled: bool = True
    secret: str | None = Field(None, description="the HMAC secret; generated when left out")


def _spec(body: WebhookIn) -> webhooks.WebhookSpec:
    return webhooks.WebhookSpec(
        url=body.request.url,
        events=[e.name for e in body.events if e.name],
        method=body.request.method,
        headers=body.request.headers,
        body=body.request.body,
        consumer=body.consumer.name if body.consumer else None,
        provider=body.provider.name if body.provider else None,
        description=body.description,
        enabled=body.enabled,
        secret=body.secret,
    )


def _body(root: str, w: webhooks.WebhookView, secret: str | None = None) -> dict[str, Any]:
    url = f"{root}/webhooks/{w.uuid}"
    body: dict[str, Any] = {
        "uuid": w.uuid,
        "description": w.description,
        "enabled": w.enabled,
        "events": [{"name": e} for e in w.events],
        "request": {"method": w.method, "url": w.url, "headers": w.headers, "body": w.body},
        "createdAt": when(w.created_at),
    }
    if w.consumer:
        body["consumer"] = {"name": w.consumer}
    if w.provider:
        body["provider"] = {"name": w.provider}
    if secret:
        body["secret"] = secret  # shown once, when generated
    body["_links"] = {
        "self": link(url, title=w.description or "Webhook"),
        "pb:execute": link(f"{url}/execute", title="Test the execution of the webhook"),
        "pb:deliveries": link(f"{url}/deliveries", title="Delivery log"),
        "pb:webhooks": link(f"{root}/webhooks"),
    }
    return body


@router.get("/webhooks")
def list_webhooks(request: Request, store: StoreDep) -> JSONResponse:
    root = base(request)
    found = webhooks.list_webhooks(store)
    return hal(
        {
            "_embedded": {"webhooks": [_body(root, w) for w in found]},
            "_links": {
                "self": link(f"{root}/webhooks"),
                "pb:webhooks": [
                    link(f"{root}/webhooks/{w.uuid}", title=w.description or "Webhook")
                    for w in found
                ],
            },
        }
    )


@router.post("/webhooks")
def create_webhook(
    body: WebhookIn, request: Request, store: StoreDep, principal: PrincipalDep
) -> JSONResponse:
    view, _, secret = webhooks.put_webhook(store, principal, _spec(body))
    return hal(_body(base(request), view, secret), 201)


@router.get("/webhooks/{uuid}")
def show_webhook(uuid: str, request: Request, store: StoreDep) -> JSONResponse:
    return hal(_body(base(request), webhooks.show_webhook(store, uuid)))


@router.put("/webhooks/{uuid}")
def put_webhook(
    uuid: str, body: WebhookIn, request: Request, store: StoreDep, principal: PrincipalDep
) -> JSONResponse:
    view, created, secret = webhooks.put_webhook(store, principal, _spec(body), uuid=uuid)
    return hal(_body(base(request), view, secret), 201 if created else 200)


@router.delete("/webhooks/{uuid}")
def delete_webhook(uuid: str, store: StoreDep, principal: PrincipalDep) -> Response:
    webhooks.delete_webhook(store, principal, uuid)
    return Response(status_code=204)


@router.post("/webhooks/{uuid}/execute")
def execute_webhook(uuid: str, store: StoreDep, principal: PrincipalDep) -> JSONResponse:
    attempt = webhooks.execute(store, principal, uuid)
    return hal(
        {
            "success": attempt.success,
            "response": {"status": attempt.status},
            "error": attempt.error,
            "logs": attempt.log,
        }
    )


@router.get("/webhooks/{uuid}/deliveries")
def webhook_deliveries(uuid: str, request: Request, store: StoreDep) -> JSONResponse:
    rows = webhooks.deliveries(store, uuid)
    return hal(
        {
            "deliveries": [
                {
                    "id": d.id,
                    "event": d.event,
                    "attempts": d.attempts,
                    "done": d.done,
                    "succeeded": d.succeeded,
                    "nextAttemptAt": None if d.done else when(d.next_attempt_at),
                    "lastError": d.last_error,
                    "log": d.log,
                    "createdAt": when(d.created_at),
                }
                for d in rows
            ],
            "_links": {"self": link(str(request.url))},
        }
    )
