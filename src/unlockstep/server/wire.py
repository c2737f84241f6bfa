"""The typed wire: every response body is a :class:`Wire` model, camelCase on the wire.

One casing rule for the whole API (OFREP and the Pact Broker use camelCase): models are
written in snake_case Python and serialised by alias, so ``/openapi.json`` describes every
response exactly as a client receives it. Requests accept either spelling
(``populate_by_name``), so a client that still sends ``created_at`` keeps working.

Routers declare ``response_model=SomeModel`` (FastAPI serialises by alias by default), and the
CLI validates what it receives with the same models instead of rebuilding reports by hand.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class Wire(BaseModel):
    """Base of every response (and request) body."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
        from_attributes=True,
    )


class Page(Wire, Generic[T]):
    """One page of a list (``deps.Page.body`` fills it): ``next`` is the URL of the next page."""

    items: list[T]
    total: int
    offset: int = 0
    limit: int | None = None
    next: str | None = None


class ErrorDetail(Wire):
    code: str
    message: str
    where: str | None = None
    hint: str | None = None
    details: Any = None


class ErrorBody(Wire):
    """The one JSON error body (``server/errors.py``), declared for ``/openapi.json``."""

    error: ErrorDetail


#: What each error status means, for ``responses=`` (the body is always :class:`ErrorBody`).
_MEANING = {
    400: "the request could not be read",
    401: "no API token, or one that is unknown, revoked or expired",
    403: "the token's scope or team may not make this change",
    404: "an entity named in the path or body is not registered",
    409: "refused: it conflicts with what is stored (a violated contract mode, a document that"
    " differs from the published one, a kill, or concurrent writes)",
    412: "the If-Match ETag is no longer current",
    413: "the request body is too large",
    422: "the input is invalid; the message says where, and nothing was written",
    500: "unexpected error; the server log has the details",
}


def errors(*statuses: int, json_route: bool = True) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each error status it can answer, all with the one error
    body. A route that takes a token (401) may also refuse it (403); every route may answer
    422 (the input guard) and 500. ``json_route=False`` for a route whose success is not
    JSON: its errors still are."""
    wanted = {*statuses, 422, 500}
    if 401 in wanted:
        wanted.add(403)
    if json_route:
        return {s: {"model": ErrorBody, "description": _MEANING[s]} for s in sorted(wanted)}
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    return {s: {"description": _MEANING[s], "content": body} for s in sorted(wanted)}
