"""One JSON error body for every error the API returns::

    {"error": {"code": "not_found", "message": "…", "where": "…", "hint": "…", "details": …}}

``where``, ``hint`` and ``details`` appear when known. A test pins this shape.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from unlockstep.errors import UnlockstepError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    415: "unsupported_media_type",
    422: "invalid_input",
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    return {"error": body}


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return "/".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(UnlockstepError)
    async def _unlockstep(_: Request, exc: UnlockstepError) -> JSONResponse:
        # RFC 9110: a 401 names the scheme that would be accepted.
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": _where(e.get("loc", ())), "message": e.get("msg", "invalid")}
            for e in exc.errors()
        ]
        first = problems[0] if problems else {"where": "body", "message": "invalid request"}
        message = f"{first['where']}: {first['message']}"
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more)"
        body = error_body("invalid_input", message, where=first["where"], details=problems)
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        return JSONResponse(
            error_body(code, detail), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(
            error_body("internal", "internal error; the server log has the details"),
            status_code=500,
        )
