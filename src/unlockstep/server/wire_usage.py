"""Wire models for usage evidence (``/api/v1/usage…``) and the OTLP receiver's answer."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from unlockstep.server.wire import Wire


class OtlpPartialSuccess(Wire):
    rejected_data_points: str = Field(
        "0", description="points refused or not understood (an int64, as OTLP/JSON writes it)"
    )
    error_message: str = ""


class OtlpExportResponse(Wire):
    """``ExportMetricsServiceResponse`` in OTLP/JSON (protobuf requests get it in protobuf)."""

    partial_success: OtlpPartialSuccess | None = None


class UsageLineOut(Wire):
    metric: str
    kind: str = Field(description="counter, gauge or histogram")
    labels: dict[str, str] = Field(
        description="service, environment, consumer, contract, version, operation, field"
    )
    amount: float = Field(
        description="counters and histograms: the increase over the period; gauges: the peak"
    )
    total: float = Field(0.0, description="histograms: the increase of their sum")
    last_used: date | None = Field(None, description="the last UTC day with a non-zero increase")
    days: dict[str, float] = Field(default_factory=dict, description="per UTC day, when asked")


class UsageOut(Wire):
    since: date
    until: date = Field(description="exclusive")
    lines: list[UsageLineOut]


class ZeroOut(Wire):
    selector: str
    source: str = Field(description="usage-store, prometheus or none")
    known: bool
    zero_days: int | None = None
    last_used: date | None = None
    missing_days: list[date] = Field(default_factory=list)
    detail: str


class RejectionOut(Wire):
    service: str
    reason: str
    points: int
    series: int = Field(description="usage series the service has")


class RejectionsOut(Wire):
    since: date
    items: list[RejectionOut]


class DeprecationUserOut(Wire):
    consumer: str
    amount: float = Field(description="uses over the report's period")
    last_used: date | None = None


class DeprecationOut(Wire):
    provider: str
    contract: str
    version: str = Field(description="the provider version whose document declares it")
    element: str = Field(description="the operation or message")
    field: str | None = Field(None, description="the parameter or body field, if not all of it")
    sunset: str | None = None
    in_use: bool
    users: list[DeprecationUserOut]


class DeprecationsOut(Wire):
    days: int
    items: list[DeprecationOut]
