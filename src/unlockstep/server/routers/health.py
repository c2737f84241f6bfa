from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from unlockstep import __version__
from unlockstep.server.deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(store: StoreDep) -> dict[str, Any]:
    with store.session() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": store.dialect}
