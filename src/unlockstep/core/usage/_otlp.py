"""OTLP metrics requests (``ExportMetricsServiceRequest``) read into usage points.

Both OTLP/HTTP encodings are read: binary protobuf and JSON (the protobuf JSON mapping with
OTLP's rules: lowerCamelCase keys, 64-bit integers as strings or numbers, enums as numbers,
unknown fields ignored). Exemplars are not read (their trace ids use hex in JSON, not the
mapping's base64), so a JSON exemplar can never fail a request.

What is read: sums (monotonic ones are counters, with cumulative or delta temporality; the
others gauges), gauges, histograms and exponential histograms (their count and sum). What
is not understood — summaries, points without a value, NaN, an unspecified temporality — is
counted per service and reason in :attr:`Decoded.rejected`, never dropped silently.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.json_format import ParseDict, ParseError
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality, Metric

from unlockstep.core.usage._conventions import UNKNOWN_SERVICE, dimension
from unlockstep.core.usage._points import COUNTER, GAUGE, HISTOGRAM, Dimensions, Point, digest
from unlockstep.errors import InvalidInput

CUMULATIVE = AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
DELTA = AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
_NO_RECORDED_VALUE = 1  # DataPointFlags.FLAG_NO_RECORDED_VALUE_MASK


@dataclass
class Decoded:
    points: list[Point] = field(default_factory=list)
    #: (service, reason) -> data points not understood
    rejected: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def rejected_points(self) -> int:
        return sum(self.rejected.values())


def parse_protobuf(body: bytes) -> ExportMetricsServiceRequest:
    request = ExportMetricsServiceRequest()
    try:
        request.ParseFromString(body)
    except DecodeError as exc:
        raise InvalidInput(
            f"the body is not an OTLP ExportMetricsServiceRequest in protobuf: {exc}",
            hint="send Content-Type: application/x-protobuf with a protobuf body, or "
            "application/json with OTLP/JSON",
        ) from None
    return request


def parse_json(body: bytes) -> ExportMetricsServiceRequest:
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise InvalidInput(f"the body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidInput("an OTLP/JSON request is an object with 'resourceMetrics'")
    _drop_exemplars(document)
    request = ExportMetricsServiceRequest()
    try:
        ParseDict(document, request, ignore_unknown_fields=True)
    except ParseError as exc:
        raise InvalidInput(f"the body is not OTLP/JSON metrics: {exc}") from None
    return request


def _drop_exemplars(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("exemplars", None)
        for value in node.values():
            _drop_exemplars(value)
    elif isinstance(node, list):
        for value in node:
            _drop_exemplars(value)


def text(value: AnyValue) -> str:
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return "true" if value.bool_value else "false"
    if kind == "int_value":
        return str(value.int_value)
    if kind == "double_value":
        return repr(value.double_value)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    if kind == "array_value":
        return json.dumps([text(v) for v in value.array_value.values])
    if kind == "kvlist_value":
        return json.dumps(attributes(value.kvlist_value.values), sort_keys=True)
    return ""


def attributes(items: Iterable[KeyValue]) -> dict[str, str]:
    return {item.key: text(item.value) for item in items}


def _canonical(attrs: Mapping[str, str]) -> str:
    return "\x1e".join(f"{k}\x1d{v}" for k, v in sorted(attrs.items()))


#: (origin, metric, kind, default environment, the point without its values) -> (series,
#: stream): an exporter sends the same attribute sets in every export, so each is read once
#: per process. Reading a point's attributes field by field costs ~1 µs each (a Python object
#: per field); serialising the point once its values are cleared costs about as much for all
#: of them, and equal bytes mean equal attributes (a key that misses only costs a slow read).
_IDENTITIES: dict[tuple[Any, ...], tuple[Dimensions, str]] = {}
_IDENTITY_LIMIT = 100_000


#: the fields of each kind of data point that change from export to export (cleared, once
#: read, before the point is serialised into its identity)
_COMMON = ("start_time_unix_nano", "time_unix_nano", "exemplars")
_VARYING: dict[str, tuple[str, ...]] = {
    "sum": (*_COMMON, "as_int", "as_double"),
    "gauge": (*_COMMON, "as_int", "as_double"),
    "histogram": (*_COMMON, "count", "sum", "bucket_counts", "explicit_bounds", "min", "max"),
    "exponential_histogram": (
        *_COMMON, "count", "sum", "scale", "zero_count", "positive", "negative", "min", "max",
        "zero_threshold",
    ),
}  # fmt: skip


def _identity(
    service: str,
    resource: Mapping[str, str],
    origin: str,
    metric: str,
    kind: str,
    raw: tuple[tuple[str, str], ...],
    environment_default: str,
) -> tuple[Dimensions, str]:
    attrs = dict(raw)
    dims = Dimensions(
        service=service,
        environment=dimension("environment", attrs, resource) or environment_default,
        metric=metric,
        kind=kind,
        consumer=dimension("consumer", attrs, resource),
        contract=dimension("contract", attrs, resource),
        version=dimension("version", attrs, resource),
        operation=dimension("operation", attrs, resource),
        field=dimension("field", attrs, resource),
    )
    return dims, digest(origin, metric, _canonical(attrs))


def read(request: ExportMetricsServiceRequest, default_environment: str) -> Decoded:
    """Every data point of ``request`` as a :class:`Point`, and what was not understood."""
    out = Decoded()
    for resource_metrics in request.resource_metrics:
        resource = attributes(resource_metrics.resource.attributes)
        service = resource.get("service.name") or UNKNOWN_SERVICE
        resource_id = _canonical(resource)
        for scope_metrics in resource_metrics.scope_metrics:
            scope = f"{scope_metrics.scope.name}\x1d{scope_metrics.scope.version}"
            for metric in scope_metrics.metrics:
                _read_metric(
                    out, metric, service, resource, resource_id + scope, default_environment
                )
    return out


def _read_metric(
    out: Decoded,
    metric: Metric,
    service: str,
    resource: Mapping[str, str],
    origin: str,
    default_environment: str,
) -> None:
    data = metric.WhichOneof("data")
    if data == "sum":
        monotonic = metric.sum.is_monotonic
        points: Sequence[Any] = metric.sum.data_points
        kind, temporality = (COUNTER if monotonic else GAUGE), metric.sum.aggregation_temporality
    elif data == "gauge":
        points, kind, temporality = metric.gauge.data_points, GAUGE, CUMULATIVE
    elif data == "histogram":
        points = metric.histogram.data_points
        kind, temporality = HISTOGRAM, metric.histogram.aggregation_temporality
    elif data == "exponential_histogram":
        points = metric.exponential_histogram.data_points
        kind = HISTOGRAM
        temporality = metric.exponential_histogram.aggregation_temporality
    elif data == "summary":
        out.rejected[(service, "summary metrics are not read (export a histogram)")] += len(
            metric.summary.data_points
        )
        return
    else:
        out.rejected[(service, f"metric {metric.name!r} carries no data")] += 1
        return
    if kind != GAUGE and temporality not in (CUMULATIVE, DELTA):
        out.rejected[(service, "aggregation temporality unspecified")] += len(points)
        return
    cumulative = temporality == CUMULATIVE
    environment_default = default_environment
    for point in points:
        if point.flags & _NO_RECORDED_VALUE:
            out.rejected[(service, "no recorded value (flag set by the exporter)")] += 1
            continue
        if kind == HISTOGRAM:
            value, total = float(point.count), float(point.sum)
        else:
            which = point.WhichOneof("value")
            if which is None:
                out.rejected[(service, "a number data point without a value")] += 1
                continue
            value, total = float(getattr(point, which)), 0.0
        if math.isnan(value) or math.isinf(value):
            out.rejected[(service, "a value that is NaN or infinite")] += 1
            continue
        start, time = point.start_time_unix_nano, point.time_unix_nano
        for name in _VARYING[data]:
            point.ClearField(name)  # what is left names the stream: attributes, flags
        identity = (origin, metric.name, kind, environment_default, point.SerializeToString())
        known = _IDENTITIES.get(identity)
        if known is None:
            raw = tuple((kv.key, text(kv.value)) for kv in point.attributes)
            known = _identity(
                service, resource, origin, metric.name, kind, raw, environment_default
            )
            if len(_IDENTITIES) >= _IDENTITY_LIMIT:
                _IDENTITIES.clear()
            _IDENTITIES[identity] = known
        dims, stream = known
        out.points.append(
            Point(
                dims,
                stream,
                cumulative,
                start,
                time,
                value,
                total,
            )
        )
