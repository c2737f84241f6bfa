"""The Pact-Broker-compatible API, mounted under ``/pact``: the official ``pact-broker`` CLIs
and Pact verifiers work against unlockstep by changing one URL (``docs/pact-broker.md``).

HAL+JSON with absolute links; the paths and fields are the Pact Broker's, not unlockstep's
own ``/api/v1`` (so these routes stay out of ``/openapi.json``: their contract is the Pact
Broker's, pinned by the tests that drive the real clients).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI

from unlockstep.server.pact import (
    _branches,
    _contracts,
    _matrix,
    _registry,
    _triggered,
    _webhooks,
)

#: Where the Pact Broker API is mounted.
PREFIX = "/pact"

router = APIRouter(tags=["pact-broker"], include_in_schema=False)
router.include_router(_registry.router)
router.include_router(_contracts.router)
router.include_router(_matrix.router)
router.include_router(_branches.router)
router.include_router(_webhooks.router)
router.include_router(_triggered.router)


def install(app: FastAPI, dependencies: Sequence[Any]) -> None:
    """Mount the API under :data:`PREFIX`; its index answers at ``/pact`` and ``/pact/``
    alike (clients are given either, and a redirect is an error to some of them). The
    matrix is also a plain ASGI route ahead of every other (``_matrix``), and the paths the
    Rust CLI builds from the host, dropping the base path, answer at the root too
    (``_branches``)."""
    app.include_router(router, prefix=PREFIX, dependencies=dependencies)
    app.include_router(_branches.router, dependencies=dependencies, include_in_schema=False)
    app.add_api_route(
        PREFIX,
        _registry.index,
        methods=["GET"],
        dependencies=dependencies,
        include_in_schema=False,
    )
    app.router.routes[0:0] = _matrix.fast_routes(PREFIX)


__all__ = ["PREFIX", "install", "router"]
