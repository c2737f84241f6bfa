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

The two evaluation paths are the server's hottest, so they are served by plain ASGI routes
placed ahead of every other route (``FAST_ROUTES``): no dependency solving, no response
model validation, no database read (the flag set comes from memory, see ``flag_engines``),
and answers whose JSON was rendered once per flag-set revision. The FastAPI routes below
declare the same paths with their wire models for ``/openapi.json`` and answer with the same
functions wherever they are reached (an app mounted without the fast routes).
"""

from __future__ import annotations

import json
from typing import Any, Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.types import Receive, Scope, Send

from unlockstep.core.flags import ErrorCode
from unlockstep.sdk.counters import EvaluationCounter
from unlockstep.server.deps import etag_of
from unlockstep.server.fast import (
    fast_route,
    flag_engines,
    matches,
    read_body,
    send_json,
    send_not_modified,
)
from unlockstep.server.flag_engines import FlagEngines, ServedSet, bulk_etag, ofrep_failure
from unlockstep.server.ofrep_counts import OfrepCounts
from unlockstep.server.wire import Wire

router = APIRouter(tags=["ofrep"])
ENVIRONMENT_HEADER = "x-unlockstep-environment"
_ENVIRONMENT_HEADER = ENVIRONMENT_HEADER.encode()

# --- the wire (declared for /openapi.json; the hot path sends prebuilt bytes) ----------

Metadata = dict[str, Any]


class OfrepEvaluationRequest(Wire):
    context: dict[str, Any] | None = Field(
        None, description="the evaluation context; 'targetingKey' must be a string"
    )


class OfrepEvaluationSuccess(Wire):
    key: str
    reason: str = Field(description="STATIC, TARGETING_MATCH, SPLIT, DEFAULT or DISABLED")
    variant: str | None = None
    value: Any = Field(None, description="absent when the caller's default applies")
    metadata: Metadata = Field(default_factory=dict)


class OfrepEvaluationFailure(Wire):
    key: str
    error_code: Literal[
        "PARSE_ERROR", "TARGETING_KEY_MISSING", "INVALID_CONTEXT", "TYPE_MISMATCH", "GENERAL"
    ]
    error_details: str | None = None


class OfrepFlagNotFound(Wire):
    key: str
    error_code: Literal["FLAG_NOT_FOUND"]
    error_details: str | None = None


class OfrepBulkEvaluation(Wire):
    flags: list[OfrepEvaluationSuccess | OfrepEvaluationFailure]
    metadata: Metadata = Field(default_factory=dict)


class OfrepBulkFailure(Wire):
    error_code: Literal["INVALID_CONTEXT", "PARSE_ERROR", "GENERAL"]
    error_details: str | None = None


class OfrepPolling(Wire):
    enabled: bool
    min_polling_interval_ms: int


class OfrepCacheInvalidation(Wire):
    polling: OfrepPolling


class OfrepFlagEvaluation(Wire):
    supported_types: list[str]


class OfrepCapabilities(Wire):
    cache_invalidation: OfrepCacheInvalidation
    flag_evaluation: OfrepFlagEvaluation


class OfrepConfiguration(Wire):
    name: str
    capabilities: OfrepCapabilities


# --- evaluation: plain functions over bytes, shared by the fast and documented routes ----


def read_context(raw: bytes) -> dict[str, Any] | str:
    """The request's evaluation context, or a message saying why it is not one."""
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


def evaluate_one(
    served: ServedSet, key: str, raw: bytes, counter: EvaluationCounter | None = None
) -> tuple[int, bytes]:
    """Status and body of a single evaluation (counted in ``counter`` when the environment
    has the flag)."""
    context = read_context(raw)
    if isinstance(context, str):
        return 400, ofrep_failure(key, ErrorCode.INVALID_CONTEXT, context)
    resolution = served.engine.evaluate(key, None, context)
    if counter is not None and resolution.error_code != ErrorCode.FLAG_NOT_FOUND:
        counter.record_key((key, resolution.variant, resolution.reason.value))
    code = resolution.error_code
    if code is None:
        return 200, served.item(key, resolution)
    status = 404 if code == ErrorCode.FLAG_NOT_FOUND else 400
    return status, ofrep_failure(key, code, resolution.error_message or "")


def evaluate_all(
    served: ServedSet, raw: bytes, counter: EvaluationCounter | None = None
) -> tuple[int, bytes]:
    """Status and body of a bulk evaluation (every flag counted in ``counter``)."""
    context = read_context(raw)
    if isinstance(context, str):
        return 400, ofrep_failure(None, ErrorCode.INVALID_CONTEXT, context)
    evaluate, item = served.engine.evaluate, served.item
    resolutions = [(key, evaluate(key, None, context)) for key in served.keys]
    if counter is not None:
        record = counter.record_key
        for key, resolution in resolutions:
            record((key, resolution.variant, resolution.reason.value))
    items = [item(key, resolution) for key, resolution in resolutions]
    return 200, b'{"flags":[' + b",".join(items) + b'],"metadata":' + served.metadata + b"}"


def request_facts(scope: Scope) -> tuple[str, str | None]:
    """The environment and the ``If-None-Match`` header of a request."""
    environment = None
    if_none_match = None
    for name, value in scope["headers"]:
        if name == _ENVIRONMENT_HEADER:
            environment = value.decode("latin-1") or None
        elif name == b"if-none-match":
            if_none_match = value.decode("latin-1")
    if environment is None and scope.get("query_string"):
        for name, value in parse_qsl(scope["query_string"].decode("latin-1")):
            if name == "environment" and value:
                environment = value
                break
    return environment or "production", if_none_match


def ofrep_counts(scope: Scope) -> OfrepCounts:
    counts: OfrepCounts = scope["app"].state.ofrep_counts
    return counts


# --- the fast routes: plain ASGI --------------------------------------------------------


async def _fast_single(scope: Scope, receive: Receive, send: Send) -> None:
    environment, _ = request_facts(scope)
    raw = await read_body(receive)
    served = await flag_engines(scope).get(environment)
    counter = ofrep_counts(scope).counter(environment) if served.keys else None
    status, body = evaluate_one(served, scope["path_params"]["key"], raw, counter)
    await send_json(send, status, body)


async def _fast_bulk(scope: Scope, receive: Receive, send: Send) -> None:
    environment, if_none_match = request_facts(scope)
    raw = await read_body(receive)
    served = await flag_engines(scope).get(environment)
    counter = ofrep_counts(scope).counter(environment) if served.keys else None
    status, body = evaluate_all(served, raw, counter)
    if status != 200:
        await send_json(send, status, body)
        return
    tag = bulk_etag(body)
    if matches(if_none_match, tag):
        await send_not_modified(send, tag)
    else:
        await send_json(send, 200, body, tag)


FAST_ROUTES = [
    fast_route("/ofrep/v1/evaluate/flags/{key}", _fast_single, "POST"),
    fast_route("/ofrep/v1/evaluate/flags", _fast_bulk, "POST"),
]


# --- the documented routes ---------------------------------------------------------------

_EVALUATION_BODY = {
    "requestBody": {
        "content": {"application/json": {"schema": OfrepEvaluationRequest.model_json_schema()}}
    }
}


def _environment(request: Request) -> str:
    return request_facts(request.scope)[0]


@router.post(
    "/ofrep/v1/evaluate/flags/{key}",
    response_model=None,
    responses={
        200: {"model": OfrepEvaluationSuccess, "description": "the flag's value"},
        400: {"model": OfrepEvaluationFailure, "description": "the flag could not be evaluated"},
        404: {"model": OfrepFlagNotFound, "description": "no such flag in the environment"},
    },
    openapi_extra=_EVALUATION_BODY,
)
async def evaluate_flag(key: str, request: Request) -> Response:
    """Evaluate one flag for a context (OFREP)."""
    engines: FlagEngines = request.app.state.flag_engines
    environment = _environment(request)
    served = await engines.get(environment)
    counter = ofrep_counts(request.scope).counter(environment) if served.keys else None
    status, body = evaluate_one(served, key, await request.body(), counter)
    return Response(body, status_code=status, media_type="application/json")


@router.post(
    "/ofrep/v1/evaluate/flags",
    response_model=None,
    responses={
        200: {"model": OfrepBulkEvaluation, "description": "every flag, with an ETag"},
        304: {"description": "unchanged since the ETag in If-None-Match"},
        400: {"model": OfrepBulkFailure, "description": "the context is not valid"},
    },
    openapi_extra=_EVALUATION_BODY,
)
async def evaluate_flags(request: Request) -> Response:
    """Evaluate every flag of the environment for a context (OFREP bulk)."""
    engines: FlagEngines = request.app.state.flag_engines
    environment = _environment(request)
    served = await engines.get(environment)
    counter = ofrep_counts(request.scope).counter(environment) if served.keys else None
    status, body = evaluate_all(served, await request.body(), counter)
    if status != 200:
        return Response(body, status_code=status, media_type="application/json")
    tag = bulk_etag(body)
    if matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers={"ETag": tag})
    return Response(body, media_type="application/json", headers={"ETag": tag})


CONFIGURATION: dict[str, Any] = {
    "name": "unlockstep",
    "capabilities": {
        "cacheInvalidation": {"polling": {"enabled": True, "minPollingIntervalMs": 1000}},
        "flagEvaluation": {"supportedTypes": ["int", "float", "string", "boolean", "object"]},
    },
}
_CONFIGURATION_ETAG = etag_of(CONFIGURATION)


@router.get(
    "/ofrep/v1/configuration",
    response_model=OfrepConfiguration,
    responses={304: {"description": "unchanged since the ETag in If-None-Match"}},
)
def configuration(request: Request) -> Response:
    """What this OFREP server supports (OFREP's configuration extension)."""
    tag = _CONFIGURATION_ETAG
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    return JSONResponse(CONFIGURATION, headers={"ETag": tag})
