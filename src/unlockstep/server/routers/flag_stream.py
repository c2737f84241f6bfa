"""Pushed flag configurations over HTTP, and who holds which revision.

- ``GET /api/v1/environments/{environment}/flagset/stream``: server-sent events. First
  ``hello`` (the subscription's number, for acknowledgements), then the environment's
  configuration at once unless the client already holds its revision (``Last-Event-ID`` or
  ``?since=``), then every new configuration as it is written (``id`` is the revision; the data
  carries the revision, the ETag of the sync endpoint and the flagd document). A comment every
  ``KEEPALIVE`` seconds keeps proxies from closing an idle stream. The unlockstep SDK reads it
  and falls back to polling ``…/flagset`` when it cannot.
- ``POST /api/v1/environments/{environment}/flag-sync/ack``: a stream client holds a revision.
- ``GET /api/v1/environments/{environment}/flag-sync``: the clients connected to every server
  process on the database (flagd providers on the gRPC sync service, SDKs on the event
  stream; other processes' as they last reported), the revision each holds, the laggards,
  and how long the last revisions took to reach all of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from unlockstep.errors import NotFound
from unlockstep.server.flag_engines import dumps
from unlockstep.server.flag_feed import FlagFeed, Subscription
from unlockstep.server.wire import errors
from unlockstep.server.wire_flag_sync import AckIn, FlagSyncStatusOut

router = APIRouter(tags=["flags"])

#: Seconds between keep-alive comments on an idle stream.
KEEPALIVE = 15.0


def feed_of(request: Request) -> FlagFeed:
    feed: FlagFeed = request.app.state.flag_feed
    return feed


@router.get(
    "/environments/{environment}/flagset/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "hello, then one configuration event per revision",
        },
        **errors(json_route=False),
    },
)
async def stream_flag_set(
    environment: str,
    request: Request,
    client: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[int | None, Query(description="the revision the client holds")] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """The environment's flag configurations, pushed as server-sent events."""
    held = since
    if held is None and last_event_id is not None and last_event_id.strip().isdigit():
        held = int(last_event_id)
    peer = request.client.host if request.client else "unknown"
    feed = feed_of(request)
    subscription = await feed.subscribe(environment, "stream", client or peer)
    if held is not None and held == subscription.latest.revision:
        subscription.acknowledge(held)  # it said so itself
    return StreamingResponse(
        _events(feed, subscription, held),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(
    feed: FlagFeed, subscription: Subscription, held: int | None
) -> AsyncIterator[bytes]:
    try:
        hello = {"subscription": subscription.id, "revision": subscription.latest.revision}
        yield b"event: hello\ndata: %s\n\n" % dumps(hello)
        while True:
            try:
                configuration = await asyncio.wait_for(subscription.next(held), KEEPALIVE)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            held = configuration.revision
            yield configuration.event()
    finally:
        feed.unsubscribe(subscription)


@router.post(
    "/environments/{environment}/flag-sync/ack",
    status_code=204,
    response_class=Response,
    responses=errors(404, json_route=False),
)
async def acknowledge(environment: str, body: AckIn, request: Request) -> Response:
    """A stream client (``hello`` named its subscription) holds ``revision`` now."""
    subscription = feed_of(request).find(environment, body.subscription)
    if subscription is None:
        raise NotFound(
            f"no stream {body.subscription} on {environment!r} in this server process",
            where="subscription",
            hint="reconnect the stream; acknowledge on the connection that hello named",
        )
    subscription.acknowledge(body.revision)
    return Response(status_code=204)


@router.get(
    "/environments/{environment}/flag-sync", response_model=FlagSyncStatusOut, responses=errors()
)
async def sync_status(environment: str, request: Request) -> FlagSyncStatusOut:
    """Per environment: its flag-set revision, the connected clients and the revision each
    holds, the laggards, and for the last revisions the seconds from the write to every
    connected client holding it (kills are named)."""
    feed = feed_of(request)
    await feed.current(environment)
    status = await asyncio.get_running_loop().run_in_executor(
        None, feed.status_everywhere, environment
    )
    return FlagSyncStatusOut.model_validate(status)
