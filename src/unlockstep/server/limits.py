"""Request bodies past a limit are refused before they are read.

Documents reach the server inside JSON bodies (``{"content": "…"}``), so the body limit is
derived from the document limit (the ``max_document_mb`` setting) with room for JSON's
escaping: twice the document limit plus 1 MiB. A body whose ``Content-Length`` says it is
larger gets a 413 with the one JSON error body without a byte of it being read; a body
without a length (chunked) is read up to the limit and refused there. The routes that take
a document then check the document itself against ``max_document_mb`` (``document_source``).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unlockstep.core.compat import Source
from unlockstep.core.documents import too_large
from unlockstep.errors import DocumentTooLarge
from unlockstep.settings import Settings

_SLACK = 1024 * 1024


def body_limit(settings: Settings) -> int:
    """The largest request body the server reads, in bytes."""
    return 2 * settings.max_document_bytes + _SLACK


def _hint(settings: Settings) -> str:
    return (
        "split the document (move schemas into files referenced with $ref), or ask the "
        f"server's operator to raise UNLOCKSTEP_MAX_DOCUMENT_MB (now {settings.max_document_mb})"
    )


def document_source(content: str, filename: str, settings: Settings) -> Source:
    """``content`` as a ``Source``, refused (413) past the document limit in UTF-8 bytes."""
    limit = settings.max_document_bytes
    size = len(content)  # characters: a lower bound on the bytes
    if size <= limit < 4 * size:
        size = len(content.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise too_large(size, limit, filename, _hint(settings))
    return Source(content, filename)


class BodyLimit:
    """ASGI middleware: refuse request bodies larger than ``body_limit(settings)``."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.limit = body_limit(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None:
            if length > self.limit:
                await self._refuse(scope, send, length)
                return
            await self.app(scope, receive, send)
            return
        # no length: read up to the limit, then hand the app what was read
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            if received > self.limit:
                await self._refuse(scope, send, received, exact=False)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, size: int, *, exact: bool = True) -> None:
        what = f"{size:,} bytes" if exact else f"more than {self.limit:,} bytes"
        error = DocumentTooLarge(
            f"request body is {what}, more than this server reads ({self.limit:,} bytes: twice"
            f" the {self.settings.max_document_mb} MiB document limit, plus 1 MiB)",
            where=f"{scope.get('method', '')} {scope.get('path', '')}".strip(),
            hint=_hint(self.settings),
            details={"size": size if exact else None, "limit": self.limit},
        )
        await _send_json(send, error)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_json(send: Send, error: DocumentTooLarge) -> None:
    body = json.dumps(error.to_dict()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.http_status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
