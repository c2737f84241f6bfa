"""OFREP 0.3 (OpenFeature Remote Evaluation Protocol): single and bulk evaluation.

``POST /ofrep/v1/evaluate/flags/{key}`` → 200 ``{key, value, reason, variant, metadata}``;
no ``value`` when the caller's default applies (disabled, no default variant); 404
``{key, errorCode: FLAG_NOT_FOUND, errorDetails}``; 400 ``{key, errorCode, errorDetails}`` for
PARSE_ERROR, TARGETING_KEY_MISSING, INVALID_CONTEXT and GENERAL.

``POST /ofrep/v1/evaluate/flags`` → 200 ``{flags: [...], metadata}`` with an ``ETag``; a
matching ``If-None-Match`` gets 304; 400 ``{errorCode, errorDetails}`` for an invalid context.

``GET /ofrep/v1/configuration`` (OFREP's optional extension) names the system and says bulk
results may be polled (with ``If-None-Match``) no more often than once a second.

The environment comes from the ``X-Unlockstep-Environment`` header or the ``environment``
query parameter (default ``production``).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from unlockstep.core.flags import ErrorCode, Resolution
from unlockstep.server.deps import StoreDep, etag_of
from unlockstep.server.flag_engines import EngineCache

router = APIRouter(tags=["ofrep"])
ENVIRONMENT_HEADER = "x-unlockstep-environment"


def _engines(request: Request) -> EngineCache:
    """One cache per app (tests build several apps on different databases)."""
    cache: EngineCache | None = getattr(request.app.state, "flag_engines", None)
    if cache is None:
        cache = request.app.state.flag_engines = EngineCache()
    return cache


def _environment(request: Request) -> str:
    return (
        request.headers.get(ENVIRONMENT_HEADER)
        or request.query_params.get("environment")
        or "production"
    )


async def _context(request: Request) -> dict[str, Any] | str:
    """The request's evaluation context, or a message saying why it is not one."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        return f"request body is not JSON: {error}"
    if not isinstance(body, dict):
        return "request body must be an object with a 'context' object"
    context = body.get("context") or {}
    if not isinstance(context, dict):
        return "'context' must be an object"
    if context.get("targetingKey") is not None and not isinstance(context["targetingKey"], str):
        return "'context.targetingKey' must be a string"
    return context


def _success(key: str, resolution: Resolution) -> dict[str, Any]:
    body: dict[str, Any] = {"key": key, "reason": str(resolution.reason)}
    if resolution.variant is not None:
        body["value"] = resolution.value
    body["variant"] = resolution.variant
    body["metadata"] = dict(resolution.metadata or {})
    return body


def _failure(key: str | None, code: str, details: str) -> dict[str, Any]:
    body: dict[str, Any] = {"key": key} if key is not None else {}
    body.update({"errorCode": code, "errorDetails": details})
    return body


@router.post("/ofrep/v1/evaluate/flags/{key}")
async def evaluate_flag(key: str, request: Request, store: StoreDep) -> Response:
    context = await _context(request)
    if isinstance(context, str):
        return JSONResponse(_failure(key, ErrorCode.INVALID_CONTEXT, context), status_code=400)
    _, engine = _engines(request).engine(store, _environment(request))
    resolution = engine.evaluate(key, None, context)
    code = resolution.error_code
    if code is None:
        return JSONResponse(_success(key, resolution))
    status = 404 if code == ErrorCode.FLAG_NOT_FOUND else 400
    return JSONResponse(_failure(key, code, resolution.error_message or ""), status_code=status)


@router.post("/ofrep/v1/evaluate/flags")
async def evaluate_flags(request: Request, store: StoreDep) -> Response:
    context = await _context(request)
    if isinstance(context, str):
        return JSONResponse(_failure(None, ErrorCode.INVALID_CONTEXT, context), status_code=400)
    _, engine = _engines(request).engine(store, _environment(request))
    flags = []
    for key, resolution in engine.evaluate_all(context).items():
        if resolution.error_code is None:
            flags.append(_success(key, resolution))
        else:
            flags.append(_failure(key, resolution.error_code, resolution.error_message or ""))
    body = {"flags": flags, "metadata": dict(engine.flag_set.metadata)}
    tag = etag_of(body)
    match = request.headers.get("if-none-match")
    if match and tag in {m.strip() for m in match.split(",")}:
        return Response(status_code=304, headers={"ETag": tag})
    return JSONResponse(body, headers={"ETag": tag})


CONFIGURATION: dict[str, Any] = {
    "name": "unlockstep",
    "capabilities": {
        "cacheInvalidation": {"polling": {"enabled": True, "minPollingIntervalMs": 1000}},
        "flagEvaluation": {"supportedTypes": ["int", "float", "string", "boolean", "object"]},
    },
}


@router.get("/ofrep/v1/configuration")
def configuration(request: Request) -> Response:
    tag = etag_of(CONFIGURATION)
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    return JSONResponse(CONFIGURATION, headers={"ETag": tag})
