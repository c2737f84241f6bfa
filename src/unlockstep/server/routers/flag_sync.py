"""The SDK's sync, served from memory: ``GET /api/v1/environments/{environment}/flagset``.

The provider (``unlockstep.sdk``) polls this path with ``If-None-Match`` every few seconds
from every service instance, so it is a hot path: a plain ASGI route ahead of the FastAPI
one (``routers/flags.py`` declares it for ``/openapi.json``), answering with the flagd
document and ETag rendered once per flag-set revision (``flag_engines``), 304 when the
caller has it. Same body and ETag as the declared route.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from unlockstep.server.fast import (
    fast_route,
    flag_engines,
    header,
    matches,
    send_json,
    send_not_modified,
)

PATH = "/api/v1/environments/{environment}/flagset"


async def _sync(scope: Scope, receive: Receive, send: Send) -> None:
    served = await flag_engines(scope).get(scope["path_params"]["environment"])
    tag = served.document_etag
    if matches(header(scope, b"if-none-match"), tag):
        await send_not_modified(send, tag)
    else:
        await send_json(send, 200, served.document, tag)


FAST_ROUTES = [fast_route(PATH, _sync, "GET")]
