"""The app factory: ``create_app(settings, store)``. No dependency-injection framework."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from pydantic import ValidationError
from starlette.routing import BaseRoute

from unlockstep import __version__
from unlockstep.errors import ConfigError
from unlockstep.server import dashboard, errors, guard, pact
from unlockstep.server.deps import read_gate
from unlockstep.server.flag_engines import FlagEngines
from unlockstep.server.flag_feed import FlagFeed
from unlockstep.server.limits import BodyLimit
from unlockstep.server.ofrep_counts import OfrepCounts
from unlockstep.server.routers import (
    approvals,
    audit,
    calendar,
    capabilities,
    catalog,
    confluent,
    contracts,
    deployments,
    expectations,
    flag_stream,
    flag_sync,
    flags,
    health,
    metrics,
    ofrep,
    otlp,
    plans,
    policies,
    rollouts,
    safety,
    services,
    usage,
)
from unlockstep.server.routers import (
    tokens as token_routes,
)
from unlockstep.server.usage_flush import UsageFlush
from unlockstep.services import policies as policy_service
from unlockstep.services import schedule, tokens, worker
from unlockstep.services import usage as usage_service
from unlockstep.services.authz import Principal
from unlockstep.settings import Settings
from unlockstep.store import Store

log = logging.getLogger(__name__)

#: Who the audit trail names for the policy set read from ``policies_dir`` at start.
POLICIES_DIR = Principal("policies-dir", None, frozenset({"admin"}))

#: Routers mounted under /api/v1. Each area adds its router here, one line each.
API_ROUTERS: list[APIRouter] = [
    health.router,
    services.router,
    deployments.router,
    audit.router,
    catalog.router,
    expectations.router,
    contracts.router,
    flags.router,
    flag_stream.router,
    capabilities.router,
    plans.router,
    approvals.router,
    token_routes.router,
    safety.router,
    usage.router,
    rollouts.router,
    policies.router,
    calendar.router,
]

#: Routers mounted at the root (OFREP, Pact-compatible paths, dashboard pages).
ROOT_ROUTERS: list[APIRouter] = [ofrep.router, confluent.router, otlp.router, metrics.router]

#: The hot paths as plain ASGI routes, matched before every other route (``server/fast.py``):
#: OFREP evaluation, the SDK's flag sync and the schema registry's schema by id. Each path is
#: also declared by its router above.
FAST_ROUTES: list[BaseRoute] = [*ofrep.FAST_ROUTES, *flag_sync.FAST_ROUTES, *confluent.FAST_ROUTES]


def _settle_memory() -> None:
    """Once per process, when the first app starts: collect, then move every object alive now
    (the imported modules, routes, models and tables: the program itself) out of the cyclic
    garbage collector's sight. A full collection otherwise walks those ~200,000 objects again
    and again, stalling a dashboard page for up to 300 ms at random (``bench/dashboard.py``).
    Objects made later are collected as before."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


def _settings() -> Settings:
    """Settings from the environment (a worker process started by ``serve --workers``); an
    invalid value is one line naming the setting, never its value (it may be a secret)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: "
            + str(e["msg"]).removeprefix("Value error, ")
            for e in exc.errors(include_input=False, include_url=False)
        )
        raise ConfigError(f"invalid settings: {problems}") from None


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or _settings()
    store = store or Store(settings.database_url)

    jobs = schedule.jobs(settings) if settings.worker else []
    background = worker.Worker(store, jobs)
    feed = FlagFeed(store, refresh_seconds=settings.flag_refresh_seconds)
    counts = OfrepCounts(store, settings.ofrep_count_seconds)
    usage_flush = UsageFlush(usage_service.writer(store, settings), settings.usage_flush_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        _settle_memory()
        background.start()
        counts.start()
        usage_flush.start()
        sync = None
        if settings.sync_port is not None:  # flagd's gRPC sync service, on its own port
            from unlockstep.server import flagd_sync

            sync = flagd_sync.server_for(settings, store, feed).start()
        yield
        if sync is not None:
            sync.stop()
        feed.stop()
        await counts.stop()
        await usage_flush.stop()
        background.stop()
        admission.close()
        store.dispose()

    store.migrate()
    app = FastAPI(
        title="unlockstep",
        version=__version__,
        description="Release coordination without distributed lockstep.",
        lifespan=lifespan,
        docs_url=None,  # the dashboard serves /docs from bundled files (no CDN)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.worker = background
    app.state.usage = usage_flush.writer
    app.state.ofrep_counts = counts
    if not tokens.auth_required(settings, store):
        log.warning(
            "no API token is configured: anyone who reaches this server can write, recorded "
            "as 'anonymous' (set UNLOCKSTEP_API_TOKENS or create tokens)"
        )
    admission = policy_service.Admission(
        store, timeout=settings.policy_timeout, enforce=settings.policy_enforce
    )
    if settings.policies_dir:
        policy_service.publish_folder(store, POLICIES_DIR, Path(settings.policies_dir))
    app.state.admission = admission
    app.state.flag_feed = feed
    app.state.flag_engines = FlagEngines(store, refresh_seconds=settings.flag_refresh_seconds)
    errors.install(app)
    guard.install(app)
    usage_flush.install(app)
    app.add_middleware(guard.InputGuard)
    app.add_middleware(BodyLimit, settings=settings)  # outermost: refuses before reading
    for router in API_ROUTERS:
        gate = [] if router is health.router else [Depends(read_gate)]
        app.include_router(router, prefix="/api/v1", dependencies=gate)
    for router in ROOT_ROUTERS:
        app.include_router(router)
    pact.install(app, dependencies=[Depends(read_gate)])
    dashboard.install(app, settings)
    # With reads behind a token, the SDK's sync and the schema by id go through their (gated)
    # FastAPI routes.
    fast = ofrep.FAST_ROUTES if settings.require_token_for_reads else FAST_ROUTES
    app.router.routes[0:0] = fast
    declare_security(app)
    log.info("unlockstep %s on %s", __version__, store.safe_url)
    return app


#: The OpenAPI security scheme clients send API tokens with (``Authorization: Bearer …``).
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "an API token; reads work without one unless the server requires it",
}


def declare_security(app: FastAPI) -> None:
    """Declare the bearer scheme in ``/openapi.json``, so generated clients send the token.
    Every operation accepts a request with or without it (``security: [{}, {bearer}]``); which
    ones refuse anonymous writes is the server's settings' business, answered with 401."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            # the same scheme the routes that take a principal declare (deps.BEARER)
            schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes.setdefault("apiToken", SECURITY_SCHEME)
            schema.setdefault("security", [{}, {"apiToken": []}])
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]
