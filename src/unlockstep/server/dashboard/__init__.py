"""The web dashboard: server-rendered pages over the registry, each with a JSON twin
(``.json`` or ``Accept: application/json``), sign-in with an API token, and the bundled
Swagger UI at ``/docs``. Everything it serves is inside the package: no CDN.

``install(app)`` mounts it on the app ``create_app`` builds.
"""

from __future__ import annotations

from fastapi import FastAPI

from unlockstep.server.dashboard._http import JsonSuffix, session_key
from unlockstep.server.dashboard._pages import router
from unlockstep.server.dashboard._session import Sessions
from unlockstep.settings import Settings

__all__ = ["install", "router"]


def install(app: FastAPI, settings: Settings) -> None:
    app.state.dashboard_sessions = Sessions(session_key(settings))
    app.include_router(router)
    app.add_middleware(JsonSuffix)
