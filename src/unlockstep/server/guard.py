"""Input no route can store or answer is refused before any route sees it, and failures
that input can still provoke deep inside become 4xx/503 with the one error body, never 500.

Refused up front (``InputGuard``, an ASGI middleware), the same on SQLite and PostgreSQL:

- a body that is not UTF-8 (JSON is UTF-8): a 422 like any other unreadable JSON, where the
  framework answered an undeclared 400;
- a JSON string holding a lone surrogate (``"\\ud800"``): Python parses it, but no database,
  no UTF-8 response and no audit line can carry it — once stored, every page listing it fails;
- a JSON string, path or query holding NUL (``\\u0000``, ``%00``): PostgreSQL refuses it,
  SQLite stores it; refusing it everywhere keeps the two stores the same;
- a JSON body nested deeper than ``MAX_DEPTH``: recursive code downstream (flag compiling,
  audit snapshots, JSON encoding) would hit Python's recursion limit.

Each check first looks for a cheap sign (``\\u`` in the body, more brackets than the depth
limit), so an ordinary small request costs a substring search.

Turned into answers (``install``): ``RecursionError``, ``OverflowError`` and ``UnicodeError``
→ 422; the database's own ``DataError`` (a value out of its range or too long) → 422; an
``IntegrityError`` no use case retried → 409; the database unreachable, locked or unreadable
(``OperationalError``, SQLite's plain ``DatabaseError``) → 503 with ``Retry-After``; any other
database error stays a 500 with the one error body (a bug to fix, not the client's input).
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DatabaseError, DataError, IntegrityError, OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unlockstep.errors import Conflict, DatabaseUnavailable, InvalidInput, UnlockstepError
from unlockstep.server.errors import error_body

log = logging.getLogger(__name__)

#: The deepest JSON nesting a request body may have.
MAX_DEPTH = 64
#: Seconds a client should wait before retrying when the database is unavailable.
RETRY_AFTER = 5

# A run of backslashes, then ``u`` and a NUL or surrogate code unit: an escape when the run
# is odd (``\\\\ud800`` is a backslash and the text "ud800").
_SUSPECT = re.compile(rb"(\\+)u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_LOW_NEXT = re.compile(rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")


def body_problem(body: bytes) -> InvalidInput | None:
    """Why a JSON request body cannot be accepted, or ``None``."""
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            return InvalidInput(
                f"the request body is not UTF-8 (byte {error.start})",
                where="body",
                hint="send JSON encoded as UTF-8",
            )
    if b"\\u" in body:
        problem = _escape_problem(body)
        if problem:
            return problem
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH:
        depth = _depth(body)
        if depth > MAX_DEPTH:
            return InvalidInput(
                f"the request body is nested {depth} levels deep; the limit is {MAX_DEPTH}",
                where="body",
                hint="flatten the structure (flag contexts and documents are shallow)",
            )
    return None


def _escape_problem(body: bytes) -> InvalidInput | None:
    paired_until = -1
    for match in _SUSPECT.finditer(body):
        if len(match.group(1)) % 2 == 0 or match.start(2) <= paired_until:
            continue
        unit = int(match.group(2), 16)
        if unit == 0:
            return InvalidInput(
                "the request body holds a NUL character (\\u0000), which no name, text or "
                "document may contain",
                where="body",
                hint="remove the NUL character",
            )
        if 0xD800 <= unit <= 0xDBFF and _LOW_NEXT.match(body, match.end()):
            paired_until = match.end() + 2  # the low half that completes this pair
            continue
        return InvalidInput(
            f"the request body holds a lone surrogate (\\u{unit:04x}), which is not a character",
            where="body",
            hint="send valid UTF-8 text: surrogates only come in high-low pairs",
        )
    return None


def _depth(body: bytes) -> int:
    brackets = _STRING.sub(b'""', body).translate(None, _BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _target_problem(scope: Scope) -> InvalidInput | None:
    if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
        return InvalidInput(
            "the request path or query holds a NUL character (%00), which no name may contain",
            where="path",
        )
    return None


class InputGuard:
    """ASGI middleware: refuse what ``body_problem`` and ``_target_problem`` find, with 422
    (400 and OFREP's failure body under ``/ofrep/``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _target_problem(scope)
        if problem is not None:
            await _send(scope, send, problem)
            return
        if scope.get("method") in ("GET", "HEAD", "DELETE", "OPTIONS") or scope.get(
            "path", ""
        ).startswith(_BINARY):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        problem = body_problem(b"".join(chunks))
        if problem is not None:
            await _send(scope, send, problem)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


_OFREP = "/ofrep/"
#: Receivers of binary (and compressed) bodies that check what they decode themselves.
_BINARY = "/otlp/"
_OFREP_FLAG = "/ofrep/v1/evaluate/flags/"


def _refusal(scope: Scope, error: UnlockstepError) -> JSONResponse:
    """The one error body with the error's status; under ``/ofrep/``, OFREP's own failure
    body with 400 and ``PARSE_ERROR``, as OFREP clients expect for a request they sent wrong."""
    path: str = scope.get("path", "")
    if not path.startswith(_OFREP):
        return JSONResponse(error.to_dict(), status_code=error.http_status)
    body: dict[str, str] = {"errorCode": "PARSE_ERROR", "errorDetails": error.message}
    if path.startswith(_OFREP_FLAG):
        body = {"key": path[len(_OFREP_FLAG) :], **body}
    return JSONResponse(body, status_code=400)


async def _send(scope: Scope, send: Send, error: UnlockstepError) -> None:
    response = _refusal(scope, error)
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": response.body})


def _answer(error: UnlockstepError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error.to_dict(), status_code=error.http_status, headers=headers)


def install(app: FastAPI) -> None:
    """The handlers that turn input-provoked failures into 4xx and database outages into 503."""

    @app.exception_handler(RecursionError)
    async def _recursion(_: Request, exc: RecursionError) -> JSONResponse:
        return _answer(InvalidInput("the request is nested too deeply to process", where="body"))

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> JSONResponse:
        return _answer(InvalidInput(f"a number or date in the request is out of range ({exc})"))

    @app.exception_handler(UnicodeError)
    async def _unicode(_: Request, exc: UnicodeError) -> JSONResponse:
        return _answer(InvalidInput("the request holds text that is not valid Unicode"))

    @app.exception_handler(DatabaseError)
    async def _database(_: Request, exc: DatabaseError) -> JSONResponse:
        if isinstance(exc, DataError):
            log.info("the database refused a value: %s", exc.orig)
            return _answer(
                InvalidInput(
                    "a value in the request is out of range or too long for the database",
                    hint="check numbers, dates and the length of names and texts",
                )
            )
        if isinstance(exc, IntegrityError):
            log.info("a write collided: %s", exc.orig)
            return _answer(
                Conflict("the write collided with another write", hint="retry the request")
            )
        # OperationalError: cannot connect, connection lost, locked. The plain DBAPI
        # DatabaseError is what SQLite raises for a file that is not (or no longer) a database.
        if isinstance(exc, OperationalError) or type(exc) is DatabaseError:
            kind = "unreachable" if isinstance(exc, OperationalError) else "unreadable"
            log.error("database %s: %s", kind, exc.orig)
            return _answer(
                DatabaseUnavailable(
                    f"the database is {kind} right now",
                    hint="retry after a few seconds; if it persists, the operator should check "
                    "the database server (or the SQLite file) and GET /api/v1/health",
                ),
                headers={"Retry-After": str(RETRY_AFTER)},
            )
        log.error("database error", exc_info=exc)
        body = error_body("internal", "internal error; the server log has the details")
        return JSONResponse(body, status_code=500)
