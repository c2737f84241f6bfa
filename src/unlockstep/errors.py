"""Every failure unlockstep reports on purpose.

An expected negative outcome (a breaking change, "not deployable", a violated policy) is a
returned value, never one of these. These are for input or state we cannot work with::

    UnlockstepError                 exit 3, HTTP 500
    ├── InvalidInput                exit 2, HTTP 422  bad file, bad name, wrong type
    │   └── ParseError              exit 2, HTTP 422  a document we cannot read (where + why)
    │       └── DocumentTooLarge    exit 2, HTTP 413  past the size limit, refused unread
    ├── NotFound                    exit 2, HTTP 404  unknown service, version, environment…
    ├── Conflict                    exit 2, HTTP 409  exists with other content
    ├── PreconditionFailed          exit 2, HTTP 412  stale If-Match
    ├── Unauthorized                exit 3, HTTP 401  missing, unknown, revoked or expired token
    ├── Forbidden                   exit 3, HTTP 403  a known token whose scope or team may not
    ├── PolicyDenied                exit 1, HTTP 403  a policy denied the write (details: the
    │                                                 decision, every finding with its fix)
    └── ConfigError                 exit 3, HTTP 500  settings or connection problems
        ├── ServerUnreachable       exit 3            the CLI cannot reach UNLOCKSTEP_URL
        └── DatabaseUnavailable     exit 3, HTTP 503  the server cannot reach or read its
                                                      database (with Retry-After)

Each class carries its CLI exit code and HTTP status so adapters never keep their own tables.
"""

from __future__ import annotations

from typing import Any


class UnlockstepError(Exception):
    """Base of every error unlockstep raises on purpose."""

    code = "error"
    exit_code = 3
    http_status = 500

    def __init__(
        self,
        message: str,
        code: str | None = None,
        *,
        where: str | None = None,
        hint: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.where = where
        self.hint = hint
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The one JSON error body, shared by the API and `--format json`."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.where is not None:
            body["where"] = self.where
        if self.hint is not None:
            body["hint"] = self.hint
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}

    def __str__(self) -> str:
        text = self.message
        if self.where:
            text = f"{self.where}: {text}"
        if self.hint:
            text = f"{text} ({self.hint})"
        return text


class InvalidInput(UnlockstepError):
    code = "invalid_input"
    exit_code = 2
    http_status = 422


class ParseError(InvalidInput):
    code = "parse_error"


class DocumentTooLarge(ParseError):
    code = "document_too_large"
    http_status = 413


class NotFound(UnlockstepError):
    code = "not_found"
    exit_code = 2
    http_status = 404


class Conflict(UnlockstepError):
    code = "conflict"
    exit_code = 2
    http_status = 409


class PreconditionFailed(UnlockstepError):
    code = "precondition_failed"
    exit_code = 2
    http_status = 412


class Unauthorized(UnlockstepError):
    code = "unauthorized"
    exit_code = 3
    http_status = 401


class Forbidden(UnlockstepError):
    code = "forbidden"
    exit_code = 3
    http_status = 403


class PolicyDenied(UnlockstepError):
    """A write refused at an admission point: nothing changed, the refusal is audited."""

    code = "policy_denied"
    exit_code = 1
    http_status = 403


class ConfigError(UnlockstepError):
    code = "config_error"
    exit_code = 3
    http_status = 500


class ServerUnreachable(ConfigError):
    code = "server_unreachable"


class DatabaseUnavailable(ConfigError):
    code = "database_unavailable"
    http_status = 503
