"""A client of the Prometheus HTTP query API (``/api/v1/query`` and ``/api/v1/query_range``).

Prometheus, Thanos Query, Mimir and VictoriaMetrics all answer these endpoints, so one client
serves them all. Every failure is one :class:`PrometheusError` whose ``kind`` says whether the
question or the source was at fault, because callers decide differently: a bad query is the
author's to fix (``invalid``), an unreachable or slow source makes the answer *unknown*
(``unavailable``), never a pass. The URL is shown without its password, if it carries one.

    prom = Prometheus("http://prometheus:9090")
    prom.scalar('sum(rate(api_requests_total{version="v1"}[5m]))')   # 0.0, or None: no data
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import httpx

Kind = Literal["invalid", "unavailable"]


class PrometheusError(Exception):
    """The query could not be answered: ``invalid`` (the PromQL or its parameters) or
    ``unavailable`` (unreachable, timed out, overloaded, not a Prometheus API)."""

    def __init__(self, kind: Kind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class Sample:
    """One series' value at the query's time."""

    labels: Mapping[str, str]
    value: float
    at: datetime


@dataclass(frozen=True, slots=True)
class Series:
    """One series' values over a range, oldest first."""

    labels: Mapping[str, str]
    points: tuple[tuple[datetime, float], ...]


def safe_url(url: str) -> str:
    """``url`` without a password (for messages and audit entries)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def _value(raw: Any) -> float:
    # Prometheus sends numbers as strings, including "NaN", "+Inf" and "-Inf".
    return float(raw)


def _time(raw: Any) -> datetime:
    return datetime.fromtimestamp(float(raw), UTC)


def _stamp(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("query times must be timezone-aware")
    return f"{at.timestamp():.3f}"


class Prometheus:
    """Questions to one Prometheus-compatible server. ``headers`` are sent with every request
    (``Authorization`` for a protected server, ``X-Scope-OrgID`` for a Mimir tenant)."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._client = httpx.Client(
            timeout=timeout, headers=dict(headers or {}), transport=transport
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Prometheus:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def query(self, promql: str, at: datetime | None = None) -> list[Sample]:
        """The instant vector ``promql`` evaluates to at ``at`` (default: now); a scalar
        result is one sample without labels."""
        params = {"query": promql, "timeout": f"{self.timeout:g}s"}
        if at is not None:
            params["time"] = _stamp(at)
        data = self._get("/api/v1/query", params)
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar" and isinstance(result, list):
            return [Sample({}, _value(result[1]), _time(result[0]))]
        if kind == "vector" and isinstance(result, list):
            return [
                Sample(dict(item.get("metric", {})), _value(value), _time(stamp))
                for item in result
                for stamp, value in [item["value"]]
            ]
        raise PrometheusError(
            "invalid",
            f"the query returned a {kind} result; use an expression that returns an instant "
            "vector or a scalar (e.g. wrap a range in sum_over_time(...))",
        )

    def scalar(self, promql: str, at: datetime | None = None) -> float | None:
        """The single number ``promql`` evaluates to: ``None`` when it returns no series (no
        data is not zero); an ``invalid`` error when it returns several (aggregate them with
        ``sum``/``max``)."""
        samples = self.query(promql, at)
        if not samples:
            return None
        if len(samples) > 1:
            raise PrometheusError(
                "invalid",
                f"the query returned {len(samples)} series where one number was expected; "
                "aggregate it, e.g. sum(...) or max(...)",
            )
        value = samples[0].value
        return None if math.isnan(value) else value

    def query_range(
        self, promql: str, start: datetime, end: datetime, step: timedelta
    ) -> list[Series]:
        """``promql`` evaluated every ``step`` from ``start`` to ``end``."""
        if step.total_seconds() <= 0:
            raise PrometheusError("invalid", "the step must be positive")
        data = self._get(
            "/api/v1/query_range",
            {
                "query": promql,
                "start": _stamp(start),
                "end": _stamp(end),
                "step": f"{step.total_seconds():g}",
                "timeout": f"{self.timeout:g}s",
            },
        )
        result = data.get("result")
        if data.get("resultType") != "matrix" or not isinstance(result, list):
            raise PrometheusError("unavailable", "the server did not return a matrix")
        return [
            Series(
                dict(item.get("metric", {})),
                tuple((_time(t), _value(v)) for t, v in item.get("values", [])),
            )
            for item in result
        ]

    def _get(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        where = safe_url(self.url)
        try:
            response = self._client.get(self.url + path, params=params)
        except httpx.TimeoutException:
            raise PrometheusError(
                "unavailable", f"{where} did not answer within {self.timeout:g}s"
            ) from None
        except httpx.HTTPError as exc:
            raise PrometheusError("unavailable", f"cannot reach {where}: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("status") == "success":
            data = body.get("data")
            if isinstance(data, dict):
                return data
        if isinstance(body, dict) and body.get("status") == "error":
            error = f"{body.get('errorType', 'error')}: {body.get('error', '')}".strip()
            # bad_data is the question's fault; timeout, canceled, execution, internal the source's
            kind: Kind = "invalid" if body.get("errorType") == "bad_data" else "unavailable"
            raise PrometheusError(kind, f"{where} refused the query ({error})")
        raise PrometheusError(
            "unavailable",
            f"{where} answered HTTP {response.status_code} without a Prometheus API response "
            "(is this the base URL of a Prometheus-compatible server?)",
        )
