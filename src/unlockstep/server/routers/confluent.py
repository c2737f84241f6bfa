"""The schema-registry API under ``/confluent``: what Confluent's serializers and
``SchemaRegistryClient`` speak, answered from the contract registry
(``services/schema_registry.py``). Point a client at ``http://host:port/confluent``.

Errors use the protocol's body ``{"error_code", "message"}`` (``error_code`` from
``core.schema_registry`` or, for the rest, the HTTP status followed by ``01``/``00``), and
every answer is ``application/vnd.schemaregistry.v1+json``. Auth as the rest of the server:
``Authorization: Bearer <token>``, or Basic with the token as the password (what serializers
send from ``basic.auth.user.info``; the user name is not checked).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from unlockstep.core.schema_registry import TYPES
from unlockstep.errors import InvalidInput, Unauthorized, UnlockstepError
from unlockstep.server.deps import SettingsDep, StoreDep, get_settings, principal_of
from unlockstep.server.fast import fast_route, send_json
from unlockstep.server.wire_confluent import (
    MEDIA_TYPE,
    RAW_SCHEMA,
    ConfluentCompatibility,
    ConfluentError,
    ConfluentLevel,
    ConfluentLevelIn,
    ConfluentLevelSet,
    ConfluentMode,
    ConfluentModeIn,
    ConfluentSchema,
    ConfluentSchemaIn,
    ConfluentSubjectVersion,
    ConfluentVersionRef,
    request_body,
    schema_body,
    version_body,
)
from unlockstep.services import authz, tokens
from unlockstep.services import schema_registry as registry
from unlockstep.services.authz import ANONYMOUS, Principal
from unlockstep.settings import Settings
from unlockstep.store import Store

T = TypeVar("T")
PREFIX = "/confluent"


class RegistryJSON(JSONResponse):
    media_type = MEDIA_TYPE


def _error(status: int, code: int, message: str) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="unlockstep", Bearer'} if status == 401 else None
    body = {"error_code": code, "message": message}
    return RegistryJSON(body, status_code=status, headers=headers)


def _code(exc: UnlockstepError) -> int:
    code = getattr(exc, "error_code", None)
    if isinstance(code, int):
        return code
    return {401: 40101, 403: 40301, 404: 40400, 409: 40901, 413: 41301, 422: 42200}.get(
        exc.http_status, 50001
    )


class ProtocolRoute(APIRoute):
    """Every failure as the protocol's error body (its clients read ``error_code``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except UnlockstepError as exc:
                message = exc.message + (f" ({exc.hint})" if exc.hint else "")
                return _error(exc.http_status, _code(exc), message)
            except RequestValidationError as exc:
                problems = exc.errors()
                first = problems[0] if problems else {}
                where = "/".join(str(p) for p in first.get("loc", ()))
                return _error(422, 42200, f"{where}: {first.get('msg', 'invalid request')}")

        return route


router = APIRouter(
    prefix=PREFIX,
    tags=["schema registry"],
    route_class=ProtocolRoute,
    default_response_class=RegistryJSON,
    responses={"default": {"model": ConfluentError, "description": "the protocol's error body"}},
)


def principal(request: Request) -> Principal:
    """Who the request acts as: a Bearer token, or Basic auth with the token as password."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "basic":
        return principal_of(request)
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    _, _, secret = decoded.partition(":")
    settings, store = get_settings(request), request.app.state.store
    found = tokens.authenticate(settings, store, secret) if secret else None
    if found is None:
        if not secret and not tokens.auth_required(settings, store):
            return ANONYMOUS
        raise Unauthorized(
            "the API token is unknown, revoked or expired",
            hint="send the token as the Basic auth password (basic.auth.user.info user:TOKEN)",
        )
    return found


def _reader(request: Request) -> None:
    if get_settings(request).require_token_for_reads:
        authz.require(principal(request), "read", what="read the schema registry")


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidInput("the request body is not JSON", where="body") from None


async def _field(request: Request, key: str) -> Any:
    """One field of a JSON object body (``compatibility``, ``mode``), ``None`` if absent."""
    body = await _body(request)
    return body.get(key) if isinstance(body, dict) else None


async def _schema_in(request: Request) -> registry.SchemaIn:
    """The schema a register, lookup or compatibility check is about."""
    return registry.SchemaIn.of(await _body(request))


def _run(store: Store, work: Callable[[Session], T]) -> T:
    return store.retrying(work)


Deleted = Annotated[bool, Query(description="include soft-deleted subjects or versions")]
Normalize = Annotated[
    bool,
    Query(description="accepted: schemas are always stored and compared in canonical form"),
]
Force = Annotated[bool, Query(description="IMPORT mode although subjects already hold versions")]


# -- schemas -------------------------------------------------------------------------------


@router.get("/schemas/types", response_model=list[str])
def schema_types(request: Request) -> list[str]:
    _reader(request)
    return sorted(TYPES)


@router.get("/schemas/ids/{schema_id}", response_model=ConfluentSchema)
def schema_by_id(
    schema_id: int,
    request: Request,
    store: StoreDep,
    format: str | None = None,
    subject: str | None = None,
) -> Response:
    """The schema with this global id (what a deserializer asks for each new id it reads).
    Served by ``_fast_schema_by_id`` ahead of this route unless reads need a token."""
    _reader(request)
    found = _cache(request.app.state).get(store, schema_id)
    if format == "resolved":
        found = _run(store, lambda s: registry.resolved(s, found))
    return RegistryJSON(schema_body(found, serialized=format == "serialized"))


def _cache(state: Any) -> registry.SchemaCache:
    cache: registry.SchemaCache | None = getattr(state, "schema_cache", None)
    if cache is None:
        cache = state.schema_cache = registry.SchemaCache()
    return cache


async def _fast_schema_by_id(scope: Scope, receive: Receive, send: Send) -> None:
    """``GET /schemas/ids/{id}`` as plain ASGI (``server/fast.py``): a cached schema is
    answered without a thread hop, dependency solving or response-model validation; a
    miss reads the database in the thread pool, as a FastAPI route would."""
    state, store = scope["app"].state, scope["app"].state.store
    schema_id: int = scope["path_params"]["schema_id"]
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    cache = _cache(state)
    found = cache.cached(schema_id)
    try:
        if found is None:
            found = await run_in_threadpool(cache.get, store, schema_id)
        if query.get("format") == "resolved" and found.references:
            found = await run_in_threadpool(_resolved, store, found)
    except UnlockstepError as exc:
        status, body = exc.http_status, {"error_code": _code(exc), "message": exc.message}
    else:
        status, body = 200, schema_body(found, serialized=query.get("format") == "serialized")
    await send_json(send, status, json.dumps(body).encode(), media_type=MEDIA_TYPE.encode())


def _resolved(store: Store, found: registry.SchemaOut) -> registry.SchemaOut:
    with store.session() as session:
        return registry.resolved(session, found)


#: Matched ahead of every FastAPI route (``app.FAST_ROUTES``) when reads need no token.
FAST_ROUTES = [fast_route(PREFIX + "/schemas/ids/{schema_id:int}", _fast_schema_by_id, "GET")]


@router.get("/schemas/ids/{schema_id}/schema", responses=RAW_SCHEMA)
def raw_schema_by_id(schema_id: int, request: Request, store: StoreDep) -> Response:
    _reader(request)
    with store.session() as session:
        found = registry.schema_by_id(session, schema_id)
    return _raw(found.text, found.kind)


def _raw(text: str, kind: str) -> Response:
    if kind == "protobuf":
        return Response(text, media_type="text/plain")
    return Response(text, media_type=MEDIA_TYPE)


@router.get("/schemas/ids/{schema_id}/versions", response_model=list[ConfluentVersionRef])
def schema_versions(
    schema_id: int, request: Request, store: StoreDep, deleted: Deleted = False
) -> list[dict[str, Any]]:
    _reader(request)
    with store.session() as session:
        uses = registry.schema_uses(session, schema_id, deleted=deleted)
    return [{"subject": s, "version": n} for s, n in uses]


@router.get("/schemas/ids/{schema_id}/subjects", response_model=list[str])
def schema_subjects(
    schema_id: int, request: Request, store: StoreDep, deleted: Deleted = False
) -> list[str]:
    _reader(request)
    with store.session() as session:
        uses = registry.schema_uses(session, schema_id, deleted=deleted)
    return sorted({s for s, _ in uses})


# -- subjects ------------------------------------------------------------------------------


@router.get("/subjects", response_model=list[str])
def subjects(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    deleted: Deleted = False,
    subject_prefix: Annotated[str, Query(alias="subjectPrefix")] = "",
) -> list[str]:
    _reader(request)
    with store.session() as session:
        return registry.list_subjects(session, settings, subject_prefix, deleted=deleted)


@router.get("/subjects/{subject:path}/versions", response_model=list[int])
def versions(
    subject: str, request: Request, store: StoreDep, settings: SettingsDep, deleted: Deleted = False
) -> list[int]:
    _reader(request)
    return _run(store, lambda s: registry.list_versions(s, settings, subject, deleted=deleted))


@router.get("/subjects/{subject:path}/versions/{version}", response_model=ConfluentSubjectVersion)
def version(
    subject: str,
    version: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    deleted: Deleted = False,
    format: str | None = None,
) -> Response:
    _reader(request)
    found = _run(
        store, lambda s: registry.get_version(s, settings, subject, version, deleted=deleted)
    )
    if format == "resolved":
        schema = _run(store, lambda s: registry.resolved(s, found.schema))
        found = dataclasses.replace(found, schema=schema)
    return RegistryJSON(version_body(found, serialized=format == "serialized"))


@router.get("/subjects/{subject:path}/versions/{version}/schema", responses=RAW_SCHEMA)
def raw_version(
    subject: str, version: str, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    _reader(request)
    found = _run(store, lambda s: registry.get_version(s, settings, subject, version))
    return _raw(found.schema.text, found.schema.kind)


@router.get("/subjects/{subject:path}/versions/{version}/referencedby", response_model=list[int])
def referencedby(
    subject: str, version: str, request: Request, store: StoreDep, settings: SettingsDep
) -> list[int]:
    _reader(request)
    return _run(store, lambda s: registry.referenced_by(s, settings, subject, version))


@router.post(
    "/subjects/{subject:path}/versions",
    response_model=ConfluentSubjectVersion,
    openapi_extra=request_body(ConfluentSchemaIn),
)
async def register(
    subject: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    normalize: Normalize = False,
) -> Response:
    """Register a schema under the subject (judged under its compatibility level): the
    schema's global id, the same for the same schema everywhere. 409 when incompatible."""
    who = principal(request)
    given = await _schema_in(request)
    result = _run(store, lambda s: registry.register(s, settings, who, subject, given))
    if isinstance(result, registry.Incompatible):
        message = (
            f"Schema being registered is incompatible with an earlier schema for subject "
            f'"{subject}", details: [{", ".join(result.messages)}]'
        )
        return _error(409, 409, message)
    return RegistryJSON(version_body(result))


@router.delete("/subjects/{subject:path}/versions/{version}", response_model=int)
def delete_version(
    subject: str,
    version: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    permanent: bool = False,
) -> int:
    who = principal(request)
    number = _run(
        store,
        lambda s: registry.delete_version(s, settings, who, subject, version, permanent=permanent),
    )
    if permanent:
        _cache(request.app.state).forget_all()
    return number


# Matched in order: a subject may hold "/" (Protobuf file names), so the bare
# ``/subjects/{subject}`` routes come after the longer ones.


@router.post(
    "/subjects/{subject:path}",
    response_model=ConfluentSubjectVersion,
    openapi_extra=request_body(ConfluentSchemaIn),
)
async def lookup(
    subject: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    deleted: Deleted = False,
    normalize: Normalize = False,
) -> Response:
    """Whether the subject has this schema: its version, id and text."""
    _reader(request)
    given = await _schema_in(request)
    found = _run(store, lambda s: registry.lookup(s, settings, subject, given, deleted=deleted))
    return RegistryJSON(version_body(found))


@router.delete("/subjects/{subject:path}", response_model=list[int])
def delete_subject(
    subject: str, request: Request, store: StoreDep, settings: SettingsDep, permanent: bool = False
) -> list[int]:
    who = principal(request)
    numbers = _run(
        store, lambda s: registry.delete_subject(s, settings, who, subject, permanent=permanent)
    )
    if permanent:
        _cache(request.app.state).forget_all()
    return numbers


# -- compatibility -------------------------------------------------------------------------


async def _check(
    request: Request, store: Store, settings: Settings, subject: str, version: str | None,
    verbose: bool,
) -> ConfluentCompatibility:  # fmt: skip
    _reader(request)
    given = await _schema_in(request)
    found = _run(store, lambda s: registry.check(s, settings, subject, version, given))
    return ConfluentCompatibility(
        is_compatible=found.compatible, messages=found.messages if verbose else None
    )


@router.post(
    "/compatibility/subjects/{subject:path}/versions/{version}",
    response_model=ConfluentCompatibility,
    response_model_exclude_none=True,
    openapi_extra=request_body(ConfluentSchemaIn),
)
async def compatibility(
    subject: str,
    version: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    verbose: bool = False,
    normalize: Normalize = False,
) -> ConfluentCompatibility:
    """Whether the schema is compatible with this version, under the subject's level."""
    return await _check(request, store, settings, subject, version, verbose)


@router.post(
    "/compatibility/subjects/{subject:path}/versions",
    response_model=ConfluentCompatibility,
    response_model_exclude_none=True,
    openapi_extra=request_body(ConfluentSchemaIn),
)
async def compatibility_all(
    subject: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    verbose: bool = False,
    normalize: Normalize = False,
) -> ConfluentCompatibility:
    """Whether the schema is compatible with every live version of the subject."""
    return await _check(request, store, settings, subject, None, verbose)


# -- config and mode -----------------------------------------------------------------------


@router.get("/config", response_model=ConfluentLevel, response_model_by_alias=True)
def get_config(request: Request, store: StoreDep) -> ConfluentLevel:
    _reader(request)
    with store.session() as session:
        return ConfluentLevel.model_validate({"compatibilityLevel": registry.global_level(session)})


@router.put(
    "/config", response_model=ConfluentLevelSet, openapi_extra=request_body(ConfluentLevelIn)
)
async def put_config(request: Request, store: StoreDep, settings: SettingsDep) -> ConfluentLevelSet:
    return await _put_level(request, store, settings, None)


async def _put_level(
    request: Request, store: Store, settings: Settings, subject: str | None
) -> ConfluentLevelSet:
    who = principal(request)
    level = await _field(request, "compatibility")

    def work(session: Session) -> str:
        if subject is None:
            return registry.set_global_level(session, who, level)
        return registry.set_subject_level(session, settings, who, subject, level)

    return ConfluentLevelSet(compatibility=_run(store, work))


@router.get("/config/{subject:path}", response_model=ConfluentLevel, response_model_by_alias=True)
def get_subject_config(
    subject: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    default_to_global: Annotated[bool, Query(alias="defaultToGlobal")] = False,
) -> ConfluentLevel:
    _reader(request)
    level = _run(
        store,
        lambda s: registry.subject_level(s, settings, subject, default_to_global=default_to_global),
    )
    return ConfluentLevel.model_validate({"compatibilityLevel": level})


@router.put(
    "/config/{subject:path}",
    response_model=ConfluentLevelSet,
    openapi_extra=request_body(ConfluentLevelIn),
)
async def put_subject_config(
    subject: str, request: Request, store: StoreDep, settings: SettingsDep
) -> ConfluentLevelSet:
    return await _put_level(request, store, settings, subject)


@router.delete(
    "/config/{subject:path}", response_model=ConfluentLevel, response_model_by_alias=True
)
def delete_subject_config(
    subject: str, request: Request, store: StoreDep, settings: SettingsDep
) -> ConfluentLevel:
    who = principal(request)
    level = _run(store, lambda s: registry.delete_subject_level(s, settings, who, subject))
    return ConfluentLevel.model_validate({"compatibilityLevel": level})


@router.get("/mode", response_model=ConfluentMode)
def get_mode(request: Request, store: StoreDep, settings: SettingsDep) -> ConfluentMode:
    return _get_mode(request, store, settings, None, default_to_global=True)


def _get_mode(
    request: Request, store: Store, settings: Settings, subject: str | None, *,
    default_to_global: bool,
) -> ConfluentMode:  # fmt: skip
    _reader(request)
    with store.session() as session:
        mode = registry.get_mode(session, settings, subject, default_to_global=default_to_global)
    return ConfluentMode(mode=mode)


@router.put("/mode", response_model=ConfluentMode, openapi_extra=request_body(ConfluentModeIn))
async def put_mode(
    request: Request, store: StoreDep, settings: SettingsDep, force: Force = False
) -> ConfluentMode:
    return await _set_mode(request, store, settings, None, force)


async def _set_mode(
    request: Request, store: Store, settings: Settings, subject: str | None, force: bool
) -> ConfluentMode:
    who = principal(request)
    mode = await _field(request, "mode")
    return ConfluentMode(
        mode=_run(store, lambda s: registry.set_mode(s, settings, who, subject, mode, force=force))
    )


@router.get("/mode/{subject:path}", response_model=ConfluentMode)
def get_subject_mode(
    subject: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    default_to_global: Annotated[bool, Query(alias="defaultToGlobal")] = False,
) -> ConfluentMode:
    return _get_mode(request, store, settings, subject, default_to_global=default_to_global)


@router.put(
    "/mode/{subject:path}",
    response_model=ConfluentMode,
    openapi_extra=request_body(ConfluentModeIn),
)
async def put_subject_mode(
    subject: str, request: Request, store: StoreDep, settings: SettingsDep, force: Force = False
) -> ConfluentMode:
    return await _set_mode(request, store, settings, subject, force)


@router.delete("/mode/{subject:path}", response_model=ConfluentMode)
def delete_subject_mode(
    subject: str, request: Request, store: StoreDep, settings: SettingsDep
) -> ConfluentMode:
    who = principal(request)
    return ConfluentMode(
        mode=_run(store, lambda s: registry.delete_mode(s, settings, who, subject))
    )
