"""Pushed flag configurations over HTTP, and who holds which revision.

- ``GET /api/v1/environments/{environment}/flag-sync``: the clients connected to this server
  process (flagd providers on the gRPC sync service, SDKs on the event stream), the revision
  each holds, the laggards, and how long the last revisions took to reach all of them.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from unlockstep.server.flag_feed import FlagFeed
from unlockstep.server.wire import errors
from unlockstep.server.wire_flag_sync import FlagSyncStatusOut

router = APIRouter(tags=["flags"])


def feed_of(request: Request) -> FlagFeed:
    feed: FlagFeed = request.app.state.flag_feed
    return feed


@router.get(
    "/environments/{environment}/flag-sync", response_model=FlagSyncStatusOut, responses=errors()
)
async def sync_status(environment: str, request: Request) -> FlagSyncStatusOut:
    """Per environment: its flag-set revision, the connected clients and the revision each
    holds, the laggards, and for the last revisions the seconds from the write to every
    connected client holding it (kills are named)."""
    feed = feed_of(request)
    await feed.current(environment)
    return FlagSyncStatusOut.model_validate(feed.status(environment))
