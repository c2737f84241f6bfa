"""Where an analysis check's numbers come from: one provider per kind, looked up by name.

=============  ===============================================================================
provider       options
=============  ===============================================================================
prometheus     ``query`` (one number), or ``baseline`` + ``canary`` (two samples over
               ``range``, every ``step``, for the judge); ``address`` (default: the
               ``UNLOCKSTEP_PROMETHEUS_URL`` setting), ``timeout``, ``headers``
web            ``url`` answered with JSON, ``jsonPath`` (``$.data.errorRate``,
               ``$.items[0].p99``) to the number; ``headers``, ``timeout``
unlockstep     unlockstep's own data: ``metric`` ``flag-error-ratio`` (evaluations that
               ended in ERROR over all), ``flag-evaluations`` (how many), or
               ``flag-variant-share`` (the share served ``variant``), for ``flag`` in
               ``environment`` over the last ``days`` (default 1)
=============  ===============================================================================

A provider answers with a :class:`Reading` or raises :class:`ProviderError`: ``unavailable``
(down, slow, an error page) or ``invalid`` (the question is wrong). Both make the
measurement inconclusive — never a pass. Other sources (the usage store of "Runtime
evidence", say) plug in with :func:`register`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import httpx
from sqlalchemy import func, select

from unlockstep.core.analysis import Check, seconds
from unlockstep.sources.prometheus import Prometheus, PrometheusError, safe_url
from unlockstep.store import Store
from unlockstep.store.flag_tables import FlagEvaluationCountRow

Kind = Literal["invalid", "unavailable"]
DEFAULT_TIMEOUT = 10.0


class ProviderError(Exception):
    def __init__(self, kind: Kind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class Reading:
    """One number (``value``; ``None`` is no data), or two samples for the judge."""

    value: float | None = None
    baseline: tuple[float, ...] | None = None
    canary: tuple[float, ...] | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Context:
    """What providers may use: the store (unlockstep's own data), the default Prometheus,
    a transport for tests."""

    store: Store | None = None
    prometheus_url: str | None = None
    transport: httpx.BaseTransport | None = None


class Provider(Protocol):
    def __call__(self, check: Check, now: dt.datetime, context: Context) -> Reading: ...


_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Make ``provider`` answer checks that name ``name`` (replaces one of that name)."""
    _PROVIDERS[name] = provider


def known() -> list[str]:
    return sorted(_PROVIDERS)


def measure(check: Check, now: dt.datetime, context: Context) -> Reading:
    provider = _PROVIDERS.get(check.provider)
    if provider is None:
        raise ProviderError(
            "invalid", f"unknown provider {check.provider!r} (known: {', '.join(known())})"
        )
    return provider(check, now, context)


def _text(check: Check, name: str, *, required: bool = True) -> str | None:
    value = check.options.get(name)
    if value is None or value == "":
        if required:
            raise ProviderError("invalid", f"the {check.provider} provider needs {name!r}")
        return None
    return str(value)


def _timeout(check: Check) -> float:
    return seconds(check.options.get("timeout", DEFAULT_TIMEOUT), "timeout")


def _headers(check: Check) -> dict[str, str]:
    raw = check.options.get("headers") or {}
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}


# --- clients: one per source and settings, kept (an HTTP client with its connection pool
# costs milliseconds to build; a controller asks thousands of times a minute) -------------

_clients: dict[Any, Any] = {}
_clients_lock = threading.Lock()
MAX_CLIENTS = 256


def _kept(key: Any, build: Callable[[], Any]) -> Any:
    with _clients_lock:
        found = _clients.get(key)
        if found is None:
            if len(_clients) >= MAX_CLIENTS:
                _clients.pop(next(iter(_clients))).close()
            found = _clients[key] = build()
        return found


def _client(context: Context) -> httpx.Client:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    client: httpx.Client = _kept(
        ("web", id(context.transport)),
        lambda: httpx.Client(transport=context.transport, limits=limits),
    )
    return client


def _prometheus(
    address: str, timeout: float, headers: dict[str, str], context: Context
) -> Prometheus:
    key = ("prometheus", address, timeout, tuple(sorted(headers.items())), id(context.transport))
    client: Prometheus = _kept(
        key,
        lambda: Prometheus(address, timeout=timeout, headers=headers, transport=context.transport),
    )
    return client


# --- prometheus --------------------------------------------------------------------------


def _values(series: list[Any]) -> tuple[float, ...]:
    if len(series) > 1:
        raise ProviderError(
            "invalid", f"a judge query returned {len(series)} series; aggregate it to one"
        )
    points = series[0].points if series else ()
    return tuple(v for _, v in points if not math.isnan(v))


def prometheus(check: Check, now: dt.datetime, context: Context) -> Reading:
    address = _text(check, "address", required=False) or context.prometheus_url
    if not address:
        raise ProviderError(
            "invalid",
            "no Prometheus address: give the check an address or set UNLOCKSTEP_PROMETHEUS_URL",
        )
    client = _prometheus(address, _timeout(check), _headers(check), context)
    try:
        if check.judge is not None:
            baseline, canary = _text(check, "baseline"), _text(check, "canary")
            assert baseline is not None and canary is not None
            span = dt.timedelta(seconds=seconds(check.options.get("range", "10m"), "range"))
            step = dt.timedelta(seconds=seconds(check.options.get("step", "30s"), "step"))
            base = _values(client.query_range(baseline, now - span, now, step))
            cand = _values(client.query_range(canary, now - span, now, step))
            return Reading(baseline=base, canary=cand, data={"address": safe_url(address)})
        query = _text(check, "query")
        assert query is not None
        value = client.scalar(query, now)
        return Reading(value=value, data={"address": safe_url(address), "query": query})
    except PrometheusError as error:
        raise ProviderError(error.kind, error.message) from None


# --- web (JSON) --------------------------------------------------------------------------

_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


def json_path(document: Any, path: str) -> Any:
    """The value at a simple JSONPath (``$.a.b[0]['c d']``); ``KeyError`` when absent."""
    rest = path.strip()
    if not rest.startswith("$"):
        raise ProviderError("invalid", f"jsonPath {path!r} must start with $")
    rest = rest[1:]
    node = document
    while rest:
        match = _STEP.match(rest)
        if match is None:
            raise ProviderError("invalid", f"cannot read jsonPath {path!r} at {rest!r}")
        name, index = match[1] or match[3] or match[4], match[2]
        if index is not None:
            if not isinstance(node, list) or int(index) >= len(node):
                raise KeyError(path)
            node = node[int(index)]
        else:
            if not isinstance(node, Mapping) or name not in node:
                raise KeyError(path)
            node = node[name]
        rest = rest[match.end() :]
    return node


def web(check: Check, now: dt.datetime, context: Context) -> Reading:
    url, path = _text(check, "url"), _text(check, "jsonPath")
    assert url is not None and path is not None
    where = safe_url(url)
    try:
        response = _client(context).get(url, headers=_headers(check), timeout=_timeout(check))
    except httpx.TimeoutException:
        raise ProviderError("unavailable", f"{where} did not answer in time") from None
    except httpx.HTTPError as exc:
        raise ProviderError("unavailable", f"cannot reach {where}: {exc}") from None
    if response.status_code >= 400:
        raise ProviderError("unavailable", f"{where} answered HTTP {response.status_code}")
    try:
        document = response.json()
    except ValueError:
        raise ProviderError("unavailable", f"{where} did not answer with JSON") from None
    try:
        raw = json_path(document, path)
    except KeyError:
        return Reading(value=None, data={"url": where, "jsonPath": path})
    if raw is None:
        return Reading(value=None, data={"url": where, "jsonPath": path})
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ProviderError("invalid", f"{path} at {where} is {raw!r}, not a number") from None
    return Reading(value=value, data={"url": where, "jsonPath": path})


# --- unlockstep's own data ---------------------------------------------------------------

FLAG_METRICS = ("flag-error-ratio", "flag-evaluations", "flag-variant-share")


def unlockstep(check: Check, now: dt.datetime, context: Context) -> Reading:
    if context.store is None:
        raise ProviderError("unavailable", "unlockstep's own data needs the server's store")
    metric, flag, environment = (_text(check, n) for n in ("metric", "flag", "environment"))
    if metric not in FLAG_METRICS:
        raise ProviderError(
            "invalid", f"unknown unlockstep metric {metric!r} (known: {', '.join(FLAG_METRICS)})"
        )
    days = int(check.options.get("days", 1))
    since = now.date() - dt.timedelta(days=max(0, days - 1))
    table = FlagEvaluationCountRow
    with context.store.session() as session:
        rows = session.execute(
            select(table.variant, table.reason, func.sum(table.count))
            .where(table.environment == environment, table.flag == flag, table.day >= since)
            .group_by(table.variant, table.reason)
        ).all()
    total = sum(int(n) for _, _, n in rows)
    data = {"flag": flag, "environment": environment, "since": since.isoformat(), "total": total}
    if metric == "flag-evaluations":
        return Reading(value=float(total), data=data)
    if total == 0:
        return Reading(value=None, data=data)  # no evaluations: no data, not 0 %
    if metric == "flag-error-ratio":
        errors = sum(int(n) for _, reason, n in rows if reason == "ERROR")
        return Reading(value=errors / total, data={**data, "errors": errors})
    variant = _text(check, "variant")
    served = sum(int(n) for v, _, n in rows if v == variant)
    return Reading(value=served / total, data={**data, "variant": variant, "served": served})


for _name, _provider in (("prometheus", prometheus), ("web", web), ("unlockstep", unlockstep)):
    register(_name, _provider)
