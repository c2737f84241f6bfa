"""Is the server up, and on which database."""

from __future__ import annotations

from fastapi import APIRouter

from unlockstep import __version__
from unlockstep.server import wire_registry as wire
from unlockstep.server.deps import StoreDep
from unlockstep.server.wire import errors
from unlockstep.services import registry

router = APIRouter(tags=["health"])


@router.get("/health", response_model=wire.Health, responses=errors())
def health(store: StoreDep) -> wire.Health:
    registry.check_database(store)
    return wire.Health(status="ok", version=__version__, database=store.dialect)
