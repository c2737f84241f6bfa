"""The one failure every data source reports, with secrets taken out of its message."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Kind = Literal["invalid", "unavailable", "refused", "config"]


class SourceError(Exception):
    """A question a source could not answer: ``invalid`` (the query), ``unavailable`` (the
    source: unreachable, timed out), ``refused`` (the read-only session refused a write),
    ``config`` (the source's definition: a missing variable or file, a missing driver)."""

    def __init__(self, kind: Kind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def redact(message: str, secrets: Iterable[str | None]) -> str:
    """``message`` with every secret (and every part of a DSN that could be one) replaced by
    ``***``, longest first so a secret containing another is hidden whole."""
    for secret in sorted((s for s in secrets if s and len(s) >= 3), key=len, reverse=True):
        message = message.replace(secret, "***")
    return message
