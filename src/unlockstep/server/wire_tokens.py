"""The tokens wire: create (the secret shown once), list and revoke API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from unlockstep.server.wire import Wire

__all__ = ["Token", "TokenCreated", "TokenIn"]


class TokenIn(Wire):
    name: str = Field(max_length=100, description="what the audit trail records")
    team: str | None = Field(None, description="the team whose services and flags it may change")
    scopes: list[Literal["read", "write", "admin"]] = Field(
        min_length=1, description="read < write < admin; write changes only the team's own"
    )
    expires_at: datetime | None = Field(None, description="when it stops working (with zone)")


class Token(Wire):
    name: str
    team: str | None
    scopes: list[str]
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(Wire):
    token: Token
    secret: str = Field(description="shown once; only its SHA-256 is stored")
