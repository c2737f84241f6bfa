"""Plain ASGI for the hottest routes (OFREP evaluation, the SDK's flag sync).

A route built with :func:`fast_route` is matched ahead of every FastAPI route and runs as a
bare ASGI app: no request object, no dependency solving, no response model; it reads the
body, answers with bytes it mostly has ready, and sends them. The middleware (body limit,
error handlers) still wraps it. Each such path also has a FastAPI route, for
``/openapi.json``, answering with the same functions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from unlockstep.server.flag_engines import FlagEngines

Handler = Callable[[Scope, Receive, Send], Awaitable[None]]
_JSON = (b"content-type", b"application/json")


class _Asgi:
    """Starlette wraps a plain function as a request/response endpoint; an object is an
    ASGI app as it is."""

    __slots__ = ("handler",)

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.handler(scope, receive, send)


def fast_route(path: str, handler: Handler, method: str) -> Route:
    return Route(path, _Asgi(handler), methods=[method], include_in_schema=False)


def header(scope: Scope, name: bytes) -> str | None:
    """A request header (``name`` in lower case), or None."""
    for key, value in scope["headers"]:
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``tag``."""
    if not if_none_match:
        return False
    return tag in {m.strip() for m in if_none_match.split(",")}


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def send_json(
    send: Send, status: int, body: bytes, etag: str | None = None, media_type: str | None = None
) -> None:
    kind = (b"content-type", media_type.encode()) if media_type else _JSON
    headers = [kind, (b"content-length", b"%d" % len(body))]
    if etag is not None:
        headers.append((b"etag", etag.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_not_modified(send: Send, etag: str) -> None:
    headers = [(b"etag", etag.encode())]
    await send({"type": "http.response.start", "status": 304, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def flag_engines(scope: Scope) -> FlagEngines:
    engines: FlagEngines = scope["app"].state.flag_engines
    return engines
