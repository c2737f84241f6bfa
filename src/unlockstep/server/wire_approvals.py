"""Protected environments and change requests on the wire (``routers/approvals.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import Field

from unlockstep.server.wire import Wire


class ChangeRequestOut(Wire):
    """A change held for a second person's approval in a protected environment."""

    id: int
    action: str = Field(
        description="flag.put, flag.unkill, flag.delete, flagset.import or environment.unprotect"
    )
    environment: str
    target: str = Field(description="the flag key (the environment for set-wide actions)")
    payload: dict[str, Any] = Field(description="what will be applied on approval")
    reason: str | None
    status: Literal["pending", "approved", "rejected", "expired"]
    requested_by: str
    requested_at: dt.datetime
    expires_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None


class ProtectionIn(Wire):
    protected: bool
    reason: str | None = Field(None, max_length=2000, description="why, for the audit trail")


class ProtectionOut(Wire):
    environment: str
    protected: bool = Field(description="protected now (turning it off waits for approval)")
    outcome: Literal["protected", "unchanged", "requested"]
    request: ChangeRequestOut | None = None


class DecisionIn(Wire):
    reason: str | None = Field(None, max_length=2000)


class DecisionOut(Wire):
    request: ChangeRequestOut


#: The 202 a write answers when a protected environment holds it for a second person.
HELD: dict[int | str, dict[str, Any]] = {
    202: {"model": ChangeRequestOut, "description": "held for approval (protected environment)"}
}


def held(request: Any) -> JSONResponse:
    """The 202 answer carrying the change request that holds a write."""
    body = ChangeRequestOut.model_validate(request).model_dump(mode="json")
    return JSONResponse(body, status_code=202)
