"""Usage counters a service emits for unlockstep (``docs/usage.md``), and HTTP middleware.

:class:`UsageRecorder` counts in memory — requests per (consumer, API version, operation),
tolerant-reader fallbacks, events published and consumed, dual-write mismatches, backfill
rows, running workflow instances — and exports them as OTLP/JSON cumulative sums (gauges for
instances) to ``{url}/otlp/v1/metrics``: unlockstep's receiver, or any OpenTelemetry
Collector, so the same data reaches the team's own backend too. The attribute names are the
ones the receiver reads. Nothing here raises into the host: a failed export keeps the counts
(cumulative sums carry them into the next export) and logs one warning.

:class:`UsageMiddleware` (ASGI) and :class:`WsgiUsageMiddleware` count each request and add
``Deprecation`` (RFC 9745) and ``Sunset`` (RFC 8594) headers, with a ``Link`` to the
deprecation notice, to answers of operations known to be deprecated.

    recorder = UsageRecorder("case-service", url="http://unlockstep:8080").start()
    app.add_middleware(UsageMiddleware, recorder=recorder, deprecated={
        "GET /v1/cases/{id}": Deprecated(date(2026, 7, 1), sunset=date(2026, 10, 1)),
    })
"""

from __future__ import annotations

import calendar
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import formatdate
from typing import Any

import httpx

log = logging.getLogger(__name__)

REQUESTS = "unlockstep.api.requests"
DEPRECATED = "unlockstep.deprecated.requests"
FALLBACKS = "unlockstep.fallback.reads"
PUBLISHED = "unlockstep.events.published"
CONSUMED = "unlockstep.events.consumed"
MISMATCHES = "unlockstep.dualwrite.mismatches"
BACKFILL = "unlockstep.backfill.rows"
INSTANCES = "unlockstep.workflow.instances"

_VERSION_IN_PATH = re.compile(r"/(v\d+)(?:/|$)")
Attributes = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Deprecated:
    """An operation on its way out: since when (RFC 9745), until when (RFC 8594), where the
    notice is."""

    since: date | datetime
    sunset: date | datetime | None = None
    link: str | None = None

    def headers(self) -> list[tuple[bytes, bytes]]:
        out = [(b"deprecation", f"@{_epoch(self.since)}".encode())]
        if self.sunset is not None:
            out.append((b"sunset", formatdate(_epoch(self.sunset), usegmt=True).encode()))
        if self.link:
            out.append((b"link", f'<{self.link}>; rel="deprecation"'.encode()))
        return out


def _epoch(at: date | datetime) -> int:
    if isinstance(at, datetime):
        return int(at.timestamp())
    return calendar.timegm(at.timetuple())


class UsageRecorder:
    def __init__(
        self,
        service: str,
        url: str | None = None,
        *,
        token: str | None = None,
        environment: str | None = None,
        interval: float = 10.0,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.service = service
        self.environment = environment
        self.interval = interval
        self.endpoint = f"{url.rstrip('/')}/otlp/v1/metrics" if url else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(timeout=timeout, headers=headers, transport=transport)
        self._start = time.time_ns()
        self._sums: dict[tuple[str, Attributes], float] = {}
        self._gauges: dict[tuple[str, Attributes], float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- counting (never raises) ---------------------------------------------------------

    def add(
        self, metric: str, amount: float = 1.0, attributes: Mapping[str, str | None] | None = None
    ) -> None:
        attributes = attributes or {}
        try:
            key = (metric, tuple(sorted((k, str(v)) for k, v in attributes.items() if v)))
            with self._lock:
                self._sums[key] = self._sums.get(key, 0.0) + amount
        except Exception:  # counting must never break the host
            log.debug("could not count %s", metric, exc_info=True)

    def set(self, metric: str, value: float, attributes: Mapping[str, str | None]) -> None:
        try:
            key = (metric, tuple(sorted((k, str(v)) for k, v in attributes.items() if v)))
            with self._lock:
                self._gauges[key] = float(value)
        except Exception:
            log.debug("could not set %s", metric, exc_info=True)

    def request(
        self, consumer: str | None, version: str | None, operation: str, *, deprecated: bool
    ) -> None:
        attributes = {
            "unlockstep.consumer": consumer,
            "unlockstep.api.version": version,
            "unlockstep.operation": operation,
        }
        self.add(REQUESTS, 1, attributes)
        if deprecated:
            self.add(DEPRECATED, 1, attributes)

    def fallback(self, reader: str, path: str, *, version: str | None = None) -> None:
        """A tolerant reader (seed §35) took its fallback ``path`` reading ``reader``'s
        input (e.g. an event without the new field)."""
        self.add(
            FALLBACKS,
            1, {"unlockstep.contract": reader, "unlockstep.fallback": path,
               "unlockstep.contract.version": version},
        )  # fmt: skip

    def published(self, event_type: str, version: str) -> None:
        self.add(
            PUBLISHED, 1, {"unlockstep.event.type": event_type, "unlockstep.event.version": version}
        )

    def consumed(self, event_type: str, version: str, consumer: str | None = None) -> None:
        self.add(
            CONSUMED,
            1, {"unlockstep.event.type": event_type, "unlockstep.event.version": version,
               "unlockstep.consumer": consumer or self.service},
        )  # fmt: skip

    def mismatch(self, name: str) -> None:
        """A dual write (seed §13) whose two sides disagreed."""
        self.add(MISMATCHES, 1, {"unlockstep.operation": name})

    def backfilled(self, name: str, rows: int) -> None:
        self.add(BACKFILL, rows, {"unlockstep.operation": name})

    def running(self, workflow: str, version: str, instances: int) -> None:
        """Running instances of a workflow version now (seed §20), for ``workflowDrained``."""
        self.set(
            INSTANCES,
            instances,
            {"unlockstep.workflow": workflow, "unlockstep.workflow.version": version},
        )

    def fallback_reader(
        self, reader: str, path: str
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorate a tolerant reader's fallback branch so each call is counted."""

        def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
            def counted(*args: Any, **kwargs: Any) -> Any:
                self.fallback(reader, path)
                return function(*args, **kwargs)

            return counted

        return decorate

    # --- export --------------------------------------------------------------------------

    def export(self) -> dict[str, Any]:
        """What would be sent now: an OTLP/JSON ``ExportMetricsServiceRequest``."""
        now = str(time.time_ns())
        with self._lock:
            sums, gauges = dict(self._sums), dict(self._gauges)
        metrics: dict[str, dict[str, Any]] = {}
        for (name, attrs), value in sorted(sums.items()):
            metric = metrics.setdefault(
                name,
                {"name": name, "sum": {"aggregationTemporality": 2, "isMonotonic": True,
                                       "dataPoints": []}},
            )  # fmt: skip
            metric["sum"]["dataPoints"].append(
                {"attributes": _attributes(attrs), "startTimeUnixNano": str(self._start),
                 "timeUnixNano": now, "asDouble": value}
            )  # fmt: skip
        for (name, attrs), value in sorted(gauges.items()):
            metric = metrics.setdefault(name, {"name": name, "gauge": {"dataPoints": []}})
            metric["gauge"]["dataPoints"].append(
                {"attributes": _attributes(attrs), "timeUnixNano": now, "asDouble": value}
            )
        resource = {"service.name": self.service}
        if self.environment:
            resource["deployment.environment.name"] = self.environment
        return {
            "resourceMetrics": [
                {
                    "resource": {"attributes": _attributes(tuple(resource.items()))},
                    "scopeMetrics": [
                        {"scope": {"name": "unlockstep.sdk"}, "metrics": list(metrics.values())}
                    ],
                }
            ]
        }

    def flush(self) -> bool:
        """Export now; False (and one warning) when it failed: nothing is lost, the next
        export carries the cumulative sums."""
        if self.endpoint is None:
            return False
        try:
            response = self._http.post(self.endpoint, json=self.export())
            response.raise_for_status()
            rejected = (response.json() or {}).get("partialSuccess")
            if rejected:
                log.warning("unlockstep refused some usage points: %s", rejected)
            return True
        except Exception as error:
            log.warning("could not export usage to %s: %s", self.endpoint, error)
            return False

    def start(self) -> UsageRecorder:
        if self._thread is None and self.endpoint is not None:
            self._thread = threading.Thread(target=self._loop, name="unlockstep-usage", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
            self._thread = None
        self.flush()
        self._http.close()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()


def _attributes(items: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"key": k, "value": {"stringValue": v}} for k, v in items]


# --- middleware -------------------------------------------------------------------------


def version_of(path: str, header: str | None) -> str | None:
    """The API version a request asks for: its header, else ``/v1/`` in the path."""
    if header:
        return header
    found = _VERSION_IN_PATH.search(path)
    return found.group(1) if found else None


class UsageMiddleware:
    """ASGI middleware: counts each HTTP request per (consumer, API version, operation) and
    marks deprecated operations' answers. The operation is the route template when the
    framework sets one (Starlette and FastAPI: ``scope["route"]``), else the path."""

    def __init__(
        self,
        app: Any,
        recorder: UsageRecorder,
        *,
        deprecated: Mapping[str, Deprecated] | None = None,
        consumer_header: str = "x-consumer",
        version_header: str = "x-api-version",
    ) -> None:
        self.app = app
        self.recorder = recorder
        self.deprecated = dict(deprecated or {})
        self._consumer = consumer_header.lower().encode()
        self._version = version_header.lower().encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        method, path = scope.get("method", "GET"), scope.get("path", "")

        def operation() -> str:
            route = scope.get("route")
            return f"{method} {getattr(route, 'path', None) or path}"

        async def marked(message: Any) -> None:
            if message.get("type") == "http.response.start":
                found = self.deprecated.get(operation())
                try:
                    consumer = headers.get(self._consumer, b"").decode("latin-1") or None
                    version = version_of(path, headers.get(self._version, b"").decode("latin-1"))
                    self.recorder.request(
                        consumer, version, operation(), deprecated=found is not None
                    )
                    if found is not None:
                        message = {**message, "headers": [*message.get("headers", []),
                                                          *found.headers()]}  # fmt: skip
                except Exception:  # never break the host's answer
                    log.debug("usage middleware failed", exc_info=True)
            await send(message)

        await self.app(scope, receive, marked)


class WsgiUsageMiddleware:
    """The same for WSGI; ``route(environ)`` may name the route template (default: the
    path)."""

    def __init__(
        self,
        app: Any,
        recorder: UsageRecorder,
        *,
        deprecated: Mapping[str, Deprecated] | None = None,
        route: Callable[[Mapping[str, Any]], str | None] | None = None,
        consumer_header: str = "X-Consumer",
        version_header: str = "X-Api-Version",
    ) -> None:
        self.app = app
        self.recorder = recorder
        self.deprecated = dict(deprecated or {})
        self.route = route
        self._consumer = "HTTP_" + consumer_header.upper().replace("-", "_")
        self._version = "HTTP_" + version_header.upper().replace("-", "_")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        def marked(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            try:
                path = environ.get("PATH_INFO", "")
                template = (self.route(environ) if self.route else None) or path
                operation = f"{environ.get('REQUEST_METHOD', 'GET')} {template}"
                found = self.deprecated.get(operation)
                self.recorder.request(
                    environ.get(self._consumer) or None,
                    version_of(path, environ.get(self._version)),
                    operation,
                    deprecated=found is not None,
                )
                if found is not None:
                    headers = [*headers, *((k.decode(), v.decode()) for k, v in found.headers())]
            except Exception:
                log.debug("usage middleware failed", exc_info=True)
            return start_response(status, headers, *rest)

        return self.app(environ, marked)
