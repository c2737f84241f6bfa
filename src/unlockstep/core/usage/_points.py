"""What a usage data point is once it is read: the dimensions unlockstep keeps rollups per,
and the identity of the stream it came from.

A *series* is what rollups are kept per: (service, environment, metric, consumer, contract,
version, operation, field). A *stream* is what one exporter reports: the series plus every
other attribute of the resource, the scope and the point (an instance id, a status code…).
Counters are differenced per stream (a cumulative counter restarts per process) and summed
per series; attributes outside the series are aggregated away, which keeps rollups small.
Named tuples, not dataclasses: ingest makes one of each per data point.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

COUNTER, GAUGE, HISTOGRAM = "counter", "gauge", "histogram"


class Dimensions(NamedTuple):
    """The series a point belongs to (see the module's docstring)."""

    service: str
    environment: str
    metric: str
    kind: str
    consumer: str = ""
    contract: str = ""
    version: str = ""
    operation: str = ""
    field: str = ""

    def key(self) -> str:
        """A stable 40-character identity of the series."""
        return digest(
            self.service, self.environment, self.metric, self.kind, self.consumer,
            self.contract, self.version, self.operation, self.field,
        )  # fmt: skip

    def labels(self) -> dict[str, str]:
        """The non-empty dimensions by their label names (``service``, ``version``…)."""
        return {
            name: value
            for name, value in (
                ("service", self.service),
                ("environment", self.environment),
                ("consumer", self.consumer),
                ("contract", self.contract),
                ("version", self.version),
                ("operation", self.operation),
                ("field", self.field),
            )
            if value
        }


class Point(NamedTuple):
    """One data point: ``value`` is a counter's sum, a gauge's value or a histogram's count
    (``total`` its sum); times are Unix nanoseconds (``start`` 0 when the exporter set none)."""

    dims: Dimensions
    stream: str
    cumulative: bool
    start: int
    time: int
    value: float
    total: float = 0.0


def digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()
