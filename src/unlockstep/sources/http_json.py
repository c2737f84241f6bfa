"""An HTTP JSON source: an invariant's ``query`` is a path below the source's URL, and the
answer is the JSON it returns — a number (a count), or a list of objects (the violating
rows, their keys as columns). A ``#/pointer`` after the path picks the part of the body
that holds the answer (``/payments/stuck#/items``).

Header values come from environment variables (``headersEnv``), read when the query runs
and kept out of every message."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import httpx

from unlockstep.core.documents import MISSING, value_at
from unlockstep.core.safety import SourceSpec
from unlockstep.sources.errors import Kind, SourceError, redact
from unlockstep.sources.sql import Result

#: The largest body read from an HTTP source.
MAX_BODY = 16 * 1024 * 1024


class HttpJsonSource:
    def __init__(
        self,
        spec: SourceSpec,
        env: Mapping[str, str] | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.spec = spec
        self.env = os.environ if env is None else env
        self.transport = transport

    def fetch(self, query: str) -> Result:
        path, _, pointer = query.strip().partition("#")
        headers: dict[str, str] = {}
        for header, variable in self.spec.headers_env:
            value = self.env.get(variable)
            if not value:
                raise SourceError(
                    "config",
                    f"source {self.spec.name}: environment variable {variable} (header "
                    f"{header}) is not set",
                )
            headers[header] = value
        base = (self.spec.url or "").rstrip("/")
        url = base + ("/" + path.lstrip("/") if path.strip("/") else "")
        secrets = list(headers.values())
        try:
            with httpx.Client(
                timeout=self.spec.statement_timeout, headers=headers, transport=self.transport
            ) as client:
                response = client.get(url)
        except httpx.TimeoutException:
            raise SourceError(
                "unavailable",
                f"source {self.spec.name}: no answer within {self.spec.statement_timeout:g}s",
            ) from None
        except httpx.HTTPError as exc:
            raise SourceError(
                "unavailable", f"source {self.spec.name}: {redact(str(exc), secrets)}"
            ) from None
        if response.status_code >= 400:
            kind: Kind = "unavailable" if response.status_code >= 500 else "invalid"
            raise SourceError(
                kind, f"source {self.spec.name}: {url} answered HTTP {response.status_code}"
            )
        if len(response.content) > MAX_BODY:
            raise SourceError("invalid", f"source {self.spec.name}: the answer is too large")
        try:
            body = response.json()
        except ValueError:
            raise SourceError(
                "invalid", f"source {self.spec.name}: {url} did not answer with JSON"
            ) from None
        if pointer:
            body = value_at(body, pointer, MISSING)
            if body is MISSING:
                raise SourceError(
                    "invalid", f"source {self.spec.name}: the answer has nothing at {pointer}"
                )
        return _result(self.spec, body)


def _result(spec: SourceSpec, body: Any) -> Result:
    if isinstance(body, (int, float)) and not isinstance(body, bool):
        return Result(("count",), [(body,)], False)
    if isinstance(body, list) and all(isinstance(item, dict) for item in body):
        columns: list[str] = []
        for item in body:
            columns += [str(k) for k in item if str(k) not in columns]
        rows = [tuple(item.get(c) for c in columns) for item in body]
        limit = spec.row_limit
        return Result(tuple(columns), rows[:limit], len(rows) > limit)
    raise SourceError(
        "invalid",
        f"source {spec.name}: expected a number or a list of objects "
        "(pick it with #/pointer after the path)",
    )
