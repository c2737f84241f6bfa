"""The real OpenTelemetry SDK exporting to unlockstep: a live server on a loopback port,
meter providers with the real OTLP/HTTP exporter, and the SDK's own encoder for requests a
test sends by hand (duplicates, out-of-order)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
import uvicorn
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    InMemoryMetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource

from tests.prometheus import free_port
from unlockstep.server.app import create_app
from unlockstep.settings import Settings
from unlockstep.store import Store

DELTA = {Counter: AggregationTemporality.DELTA, Histogram: AggregationTemporality.DELTA}


@contextmanager
def live_server(store: Store, settings: Settings) -> Iterator[str]:
    """``create_app(settings, store)`` served by uvicorn on a free loopback port."""
    port = free_port()
    app = create_app(settings, store)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=0.5).status_code < 500:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def exporting_provider(
    url: str, service: str, *, delta: bool = False, gzip: bool = True, **resource: Any
) -> MeterProvider:
    """A meter provider whose reader exports (only) on ``force_flush``, with the real
    OTLP/HTTP protobuf exporter."""
    exporter = OTLPMetricExporter(
        endpoint=f"{url}/otlp/v1/metrics",
        compression=Compression.Gzip if gzip else Compression.NoCompression,
        preferred_temporality=DELTA if delta else None,
    )
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    return MeterProvider(
        metric_readers=[reader],
        resource=Resource.create({"service.name": service, **resource}),
    )


class Recorder:
    """A meter provider read by hand: ``request()`` is the OTLP export the SDK would send
    now, encoded by the SDK's own encoder (protobuf bytes)."""

    def __init__(self, service: str, *, delta: bool = False) -> None:
        self.reader = InMemoryMetricReader(preferred_temporality=DELTA if delta else None)
        self.provider = MeterProvider(
            metric_readers=[self.reader], resource=Resource.create({"service.name": service})
        )
        self.meter = self.provider.get_meter("tests")

    def request(self) -> bytes:
        data = self.reader.get_metrics_data()
        assert data is not None
        return bytes(encode_metrics(data).SerializeToString())


def otlp_sum(
    service: str,
    metric: str,
    points: list[tuple[dict[str, str], datetime, float]],
    *,
    start: datetime | None = None,
    delta: bool = False,
) -> dict[str, Any]:
    """An OTLP/JSON export of one monotonic sum: ``(attributes, time, value)`` per point, all
    with the same ``start`` (a cumulative stream), or each starting where its stream's last
    point ended (``delta``)."""
    data_points = []
    previous: dict[tuple[tuple[str, str], ...], datetime] = {}
    for attributes, at, value in points:
        key = tuple(sorted(attributes.items()))
        begin = previous.get(key, at - timedelta(hours=1)) if delta else start or at
        previous[key] = at
        data_points.append(
            {
                "attributes": [
                    {"key": k, "value": {"stringValue": v}} for k, v in attributes.items()
                ],
                "startTimeUnixNano": str(_nanos(begin)),
                "timeUnixNano": str(_nanos(at)),
                "asDouble": value,
            }
        )
    resource = [{"key": "service.name", "value": {"stringValue": service}}]
    return {
        "resourceMetrics": [
            {
                "resource": {"attributes": resource},
                "scopeMetrics": [
                    {
                        "metrics": [
                            {
                                "name": metric,
                                "sum": {
                                    "aggregationTemporality": 1 if delta else 2,
                                    "isMonotonic": True,
                                    "dataPoints": data_points,
                                },
                            }
                        ]
                    }
                ],
            }
        ]
    }


def _nanos(at: datetime) -> int:
    return int(at.timestamp()) * 1_000_000_000 + at.microsecond * 1000
