"""What routers need from a request: the store, the settings, the principal (who acts),
paging and ETags."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from unlockstep.errors import Unauthorized
from unlockstep.services import authz, tokens
from unlockstep.services.authz import ANONYMOUS, Principal
from unlockstep.settings import Settings
from unlockstep.store import Store


async def get_store(request: Request) -> Store:
    # ``async`` only so FastAPI calls it inline: a plain ``def`` dependency is run in the
    # thread pool, a thread hand-off per request for one attribute read.
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def principal_of(request: Request) -> Principal:
    """Who the request acts as: the principal of its bearer token. Without a token it is
    ``anonymous`` while no token exists anywhere (see ``services/tokens.py``); a token that is
    sent must be valid even then."""
    settings, store = get_settings(request), request.app.state.store
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        found = tokens.authenticate(settings, store, secret.strip())
        if found is None:
            raise Unauthorized(
                "the API token is unknown, revoked or expired",
                hint="send a current token as 'Authorization: Bearer <token>'",
            )
        return found
    if tokens.auth_required(settings, store):
        raise Unauthorized(
            "this server requires an API token",
            hint="send 'Authorization: Bearer <token>' (the CLI reads UNLOCKSTEP_TOKEN)",
        )
    return ANONYMOUS


#: Declares the bearer scheme in ``/openapi.json`` for every route that takes a principal
#: (the header itself is read by ``principal_of``).
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="an API token (`unlockstep tokens create`, or UNLOCKSTEP_API_TOKENS)",
)


def get_principal(
    request: Request,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Principal:
    return principal_of(request)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_actor(principal: PrincipalDep) -> str:
    """The name the audit trail records for this request."""
    return principal.name


def read_gate(request: Request) -> None:
    """With ``UNLOCKSTEP_REQUIRE_TOKEN_FOR_READS`` on, every API request needs a valid token
    (``read`` scope or more); writes check their own scope and ownership as well."""
    if get_settings(request).require_token_for_reads:
        authz.require(principal_of(request), "read", what="read the registry")


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ActorDep = Annotated[str, Depends(get_actor)]


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int

    def body(self, request: Request, items: list[Any], total: int) -> dict[str, Any]:
        next_url = None
        if self.offset + len(items) < total:
            next_url = str(request.url.include_query_params(offset=self.offset + self.limit))
        return {
            "items": items,
            "total": total,
            "offset": self.offset,
            "limit": self.limit,
            "next": next_url,
        }


#: The largest ``offset`` a page may start at: far past any estate, well inside what SQLite
#: and PostgreSQL take as an integer (a larger one was a 500 from the database driver).
MAX_OFFSET = 1_000_000_000


def get_page(
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="items to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="items per page")] = 50,
) -> Page:
    return Page(offset=offset, limit=limit)


PageDep = Annotated[Page, Depends(get_page)]


def etag_of(body: Any) -> str:
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
    return '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


def with_etag(request: Request, body: Any, status_code: int = 200) -> Response:
    """A single resource with its ``ETag``; ``If-None-Match`` that matches gives 304."""
    tag = etag_of(body)
    match = request.headers.get("if-none-match")
    if match and tag in {m.strip() for m in match.split(",")}:
        return Response(status_code=304, headers={"ETag": tag})
    return JSONResponse(body, status_code=status_code, headers={"ETag": tag})
