"""Capability sets (seed §23, ``core/flags/capabilities.py``): one object of booleans per set
and context, for frontends and external clients, with an ETag.

- ``GET /api/v1/environments/{env}/capability-sets``: the sets and which flag each capability
  follows.
- ``GET /api/v1/environments/{env}/capability-sets/{name}?targetingKey=…&tenantId=…``: the
  set's capabilities for the context the query names (every parameter but ``targetingKey`` is a
  string attribute); ``POST`` the same path with ``{"context": {...}}`` for typed attributes.
  ``If-None-Match`` with the ETag answered gives 304.

Answered from the served flag sets (``flag_engines``): no database read per request.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from unlockstep.core.flags import capability_sets, evaluate_capabilities
from unlockstep.errors import NotFound
from unlockstep.server.deps import etag_of
from unlockstep.server.fast import flag_engines, matches
from unlockstep.server.wire import errors
from unlockstep.server.wire_flag_sync import (
    CapabilitiesIn,
    CapabilitiesOut,
    CapabilitySetOut,
    CapabilitySetsOut,
)

router = APIRouter(tags=["flags"])

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "unchanged since the ETag sent as If-None-Match"}
}


@router.get(
    "/environments/{environment}/capability-sets",
    response_model=CapabilitySetsOut,
    responses=errors(),
)
async def list_capability_sets(environment: str, request: Request) -> CapabilitySetsOut:
    """The capability sets the environment's flags name (metadata ``capabilitySets``)."""
    served = await flag_engines(request.scope).get(environment)
    found = capability_sets(served.engine.flag_set)
    return CapabilitySetsOut(
        environment=environment,
        sets=[
            CapabilitySetOut(name=s.name, capabilities=dict(s.flags), clashes=list(s.clashes))
            for s in found.values()
        ],
    )


@router.get(
    "/environments/{environment}/capability-sets/{name}",
    response_model=CapabilitiesOut,
    responses={**NOT_MODIFIED, **errors(404)},
)
async def capabilities(environment: str, name: str, request: Request) -> Response:
    """The set's capabilities for the context in the query string."""
    params = dict(request.query_params)
    targeting_key = params.pop("targetingKey", None)
    return await _answer(request, environment, name, params, targeting_key)


@router.post(
    "/environments/{environment}/capability-sets/{name}",
    response_model=CapabilitiesOut,
    responses={**NOT_MODIFIED, **errors(404)},
)
async def capabilities_for(
    environment: str, name: str, body: CapabilitiesIn, request: Request
) -> Response:
    """The set's capabilities for a typed context (``targetingKey`` inside it, as OFREP)."""
    context = dict(body.context)
    targeting_key = context.get("targetingKey")
    return await _answer(
        request,
        environment,
        name,
        context,
        targeting_key if isinstance(targeting_key, str) else None,
    )


async def _answer(
    request: Request,
    environment: str,
    name: str,
    context: dict[str, Any],
    targeting_key: str | None,
) -> Response:
    served = await flag_engines(request.scope).get(environment)
    found = capability_sets(served.engine.flag_set).get(name)
    if found is None:
        raise NotFound(
            f"no flag in {environment!r} names capability set {name!r}",
            where=f"capability-sets/{name}",
            hint='add it to a flag\'s metadata: "capabilitySets": "' + name + '"',
        )
    answer = evaluate_capabilities(served.engine, found, context, targeting_key)
    body = CapabilitiesOut(set=name, environment=environment, capabilities=answer)
    data = body.model_dump(mode="json")
    tag = etag_of(data)
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return JSONResponse(data, headers=headers)
