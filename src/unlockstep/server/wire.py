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
