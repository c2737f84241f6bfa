"""How a dashboard page answers: who is looking (session or bearer token), HTML or its JSON
twin from the same view-model, errors as pages, the bundled static files and ``/docs``.

A page's JSON twin is the page's ``.json`` path or the page with ``Accept:
application/json`` (datasette's rule); ``JsonSuffix`` turns the first into the second before
routing, so every route negotiates in one place (:func:`respond`).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.types import ASGIApp, Receive, Scope, Send

from unlockstep import __version__
from unlockstep.errors import Unauthorized, UnlockstepError
from unlockstep.server.dashboard._session import COOKIE, MAX_AGE, Session, Sessions
from unlockstep.services import authz, tokens
from unlockstep.services.authz import ANONYMOUS, Principal
from unlockstep.settings import Settings
from unlockstep.store import Store

HERE = Path(__file__).resolve().parent.parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

#: Paths the dashboard does not own: their ``.json`` stays part of the path.
NOT_PAGES = ("/api/", "/ofrep/", "/static/", "/openapi.json", "/docs")
#: Pages of the navigation bar: (path, label).
NAV = (
    ("/estate", "Estate"),
    ("/matrix", "Matrix"),
    ("/deprecations", "Deprecations"),
    ("/flags", "Flags"),
    ("/plans", "Plans"),
    ("/rollouts", "Rollouts"),
    ("/safety-nets", "Safety nets"),
    ("/audit", "Audit"),
)
#: Responses at least this large are gzipped when the client accepts it.
GZIP_FROM = 1024
#: The pages' Content-Security-Policy: scripts, styles, images and requests from this server
#: only; no inline script or style (the templates have none, and htmx is told not to add its
#: indicator style: ``base.html``), no plugins, no framing, forms post here only.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: ``/docs``: Swagger UI sets style attributes and adds ``<style>`` elements as it renders,
#: and shows its icons as ``data:`` images; its scripts are still this server's files only.
DOCS_POLICY = PAGE_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
#: Sent with every page and twin.
SECURITY_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class JsonSuffix:
    """ASGI middleware: ``/estate.json`` is ``/estate`` asked for as JSON. A name that
    itself ends in ``.json`` (a flag key ``config.json``) is linked with that dot escaped
    (``config%2Ejson``, see :func:`segment`), which the raw path keeps apart."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "") if scope["type"] == "http" else ""
        raw: bytes = scope.get("raw_path") or path.encode()
        if raw.endswith(b".json") and not path.startswith(NOT_PAGES):
            stripped = path.removesuffix(".json") or "/"
            headers = [(k, v) for k, v in scope["headers"] if k != b"accept"]
            headers.append((b"accept", b"application/json"))
            raw = stripped.encode()
            scope = {**scope, "path": stripped, "raw_path": raw, "headers": headers}
        await self.app(scope, receive, send)


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


@dataclass(frozen=True)
class Visitor:
    """Who is looking: the principal (``None``: not signed in where tokens are required)
    and the session whose CSRF token the page's forms carry."""

    principal: Principal | None
    session: Session
    fresh: bool  # the session cookie must be (re)set
    bearer: bool  # came with an Authorization header (a client, not a browser session)

    @property
    def signed_in(self) -> bool:
        return self.principal is not None and self.principal is not ANONYMOUS


@dataclass(frozen=True)
class Context:
    """What a view-model builder may use."""

    store: Store
    settings: Settings
    visitor: Visitor
    today: dt.date


def sessions_of(request: Request) -> Sessions:
    found: Sessions = request.app.state.dashboard_sessions
    return found


def session_key(settings: Settings) -> bytes:
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value().encode()
    return secrets.token_bytes(32)


def visitor_of(request: Request) -> Visitor:
    """The principal of the bearer token sent, else of the session's token, else anonymous
    (only while no token exists anywhere)."""
    from unlockstep.server.deps import principal_of

    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    sessions = sessions_of(request)
    session = sessions.read(request.cookies.get(COOKIE))
    fresh = session is None
    if session is None:
        session = sessions.new()
    header = request.headers.get("authorization", "")
    if header.strip():
        return Visitor(principal_of(request), session, fresh, bearer=True)
    if session.digest is not None:
        principal = tokens.authenticate_digest(settings, store, session.digest)
        if principal is not None:
            return Visitor(principal, session, fresh, bearer=False)
        session, fresh = sessions.new(), True  # revoked or expired: signed out
    anonymous = None if tokens.auth_required(settings, store) else ANONYMOUS
    return Visitor(anonymous, session, fresh, bearer=False)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["pretty"] = lambda value: json.dumps(
        value, indent=2, sort_keys=True, ensure_ascii=False
    )
    env.filters["q"] = segment
    env.filters["link"] = link
    return env


def segment(value: Any) -> str:
    """A name as one URL path segment; a trailing ``.json`` keeps its dot escaped, so the
    link is the name's page, not a JSON twin."""
    text = quote(str(value), safe="")
    return text[:-5] + "%2Ejson" if text.endswith(".json") else text


def link(url: Any) -> str:
    """A stored URL fit for an ``href``: http(s) only (a ``javascript:`` URL in a catalog
    entry must not become a link that runs script); anything else links nowhere."""
    text = str(url or "").strip()
    return text if urlsplit(text).scheme in ("http", "https") else "#"


def _when(value: Any) -> str:
    """An ISO timestamp as ``2026-12-07 10:57 UTC``."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment.tzinfo else moment.isoformat()


def _encoded(request: Request, body: bytes, media_type: str, status: int) -> Response:
    headers = {"Vary": "Accept, Accept-Encoding, Cookie", **SECURITY_HEADERS}
    if len(body) >= GZIP_FROM and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=5)
        headers["Content-Encoding"] = "gzip"
    return Response(body, status_code=status, media_type=media_type, headers=headers)


def _set_cookie(request: Request, response: Response, visitor: Visitor) -> None:
    if visitor.fresh and not visitor.bearer:
        remember(request, response, visitor.session)


def remember(request: Request, response: Response, session: Session) -> None:
    response.set_cookie(
        COOKIE,
        sessions_of(request).cookie(session),
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def render(
    request: Request,
    template: str,
    view: Mapping[str, Any],
    visitor: Visitor,
    status: int = 200,
    title: str = "",
) -> Response:
    """The page: its view-model as JSON, or rendered through ``template``."""
    if wants_json(request):
        body = json.dumps(view, separators=(",", ":"), default=str).encode()
        response = _encoded(request, body, "application/json", status)
    else:
        html = (
            environment()
            .get_template(template)
            .render(
                view=view,
                title=title,
                me=visitor.principal,
                signed_in=visitor.signed_in,
                csrf=sessions_of(request).csrf(visitor.session),
                nav=NAV,
                path=request.url.path,
                query=str(request.url.query),
                version=__version__,
            )
        )
        response = _encoded(request, html.encode(), "text/html; charset=utf-8", status)
    _set_cookie(request, response, visitor)
    return response


def show(
    request: Request,
    template: str,
    build: Callable[[Context], Mapping[str, Any]],
    title: str = "",
    status: int = 200,
) -> Response:
    """One page: who looks (reads may need a token), the view-model ``build`` makes, and an
    error as a page (or the one JSON error body for the twin)."""
    try:
        visitor = visitor_of(request)
    except UnlockstepError as error:
        return failure(request, error, None)
    settings: Settings = request.app.state.settings
    if visitor.principal is None and settings.require_token_for_reads:
        if wants_json(request):
            return failure(request, Unauthorized("sign in, or send an API token"), visitor)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)
    try:
        if settings.require_token_for_reads and visitor.principal is not None:
            authz.require(visitor.principal, "read", what="read the registry")
        today = dt.datetime.now(dt.UTC).date()
        context = Context(request.app.state.store, settings, visitor, today)
        view = build(context)
    except UnlockstepError as error:
        return failure(request, error, visitor)
    return render(request, template, view, visitor, status, title)


def failure(request: Request, error: UnlockstepError, visitor: Visitor | None) -> Response:
    """An error as a page with the error's status; the twin is the API's one error body."""
    if visitor is None:
        sessions = sessions_of(request)
        visitor = Visitor(None, sessions.new(), fresh=False, bearer=False)
    return render(request, "error.html", error.to_dict(), visitor, error.http_status, title="Error")


# --- static files and /docs ----------------------------------------------------------------

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}


@lru_cache(maxsize=64)
def _asset(relative: str) -> tuple[bytes, bytes, str, str] | None:
    """(raw, gzipped, ETag, media type) of a bundled file; ``None`` if there is none."""
    path = (STATIC / relative).resolve()
    if not path.is_relative_to(STATIC) or not path.is_file():
        return None
    media = _TYPES.get(path.suffix)
    if media is None and path.name not in ("LICENSE", "NOTICE", "VERSION"):
        return None
    raw = path.read_bytes()
    etag = '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'
    return raw, gzip.compress(raw, compresslevel=9), etag, media or "text/plain; charset=utf-8"


def asset(request: Request, relative: str) -> Response:
    """A file under ``server/static`` (gzipped when accepted, cached for a day)."""
    found = _asset(relative)
    if found is None:
        return Response("not found", status_code=404, media_type="text/plain")
    raw, packed, etag, media = found
    headers = {"ETag": etag, "Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type=media, headers=headers)
    return Response(raw, media_type=media, headers=headers)
