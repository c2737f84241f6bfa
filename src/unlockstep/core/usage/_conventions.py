"""Which attributes make a usage series: OpenTelemetry's semantic conventions where one
exists, ``unlockstep.*`` attributes where none does. ``docs/usage.md`` is the user's view of
this table; a test keeps the two in step.

Each dimension is read from the point's attributes first, then the resource's; the first
attribute in its list that is present wins.
"""

from __future__ import annotations

from collections.abc import Mapping

#: dimension -> the attributes it is read from, in order
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "service": ("service.name",),
    "environment": ("deployment.environment.name", "deployment.environment"),
    "consumer": ("unlockstep.consumer",),
    "contract": ("unlockstep.contract", "unlockstep.workflow"),
    "version": (
        "unlockstep.api.version",
        "unlockstep.event.version",
        "unlockstep.workflow.version",
        "unlockstep.contract.version",
    ),
    "operation": ("unlockstep.operation", "unlockstep.event.type"),
    "field": ("unlockstep.field", "unlockstep.fallback"),
}

#: OpenTelemetry's HTTP conventions, read into ``operation`` when no ``unlockstep.operation``
#: is set: ``GET /cases/{id}``.
HTTP_METHOD, HTTP_ROUTE = "http.request.method", "http.route"

#: The metrics unlockstep's SDK emits (other metrics are kept just the same).
METRICS = {
    "unlockstep.api.requests": "requests per consumer, API version and operation",
    "unlockstep.deprecated.requests": "requests to an operation or field the registry "
    "knows is deprecated",
    "unlockstep.fallback.reads": "reads that took a tolerant reader's fallback path",
    "unlockstep.events.published": "events published, per event type and version",
    "unlockstep.events.consumed": "events consumed, per consumer, event type and version",
    "unlockstep.dualwrite.mismatches": "dual-write comparisons that disagreed",
    "unlockstep.backfill.rows": "rows a backfill has processed (a counter)",
    "unlockstep.workflow.instances": "running workflow instances per workflow version (a gauge)",
}

UNKNOWN_SERVICE = "unknown_service"


def dimension(name: str, point: Mapping[str, str], resource: Mapping[str, str]) -> str:
    for attribute in DIMENSIONS[name]:
        value = point.get(attribute) or resource.get(attribute)
        if value:
            return value
    if name == "operation":
        method = point.get(HTTP_METHOD) or resource.get(HTTP_METHOD) or ""
        route = point.get(HTTP_ROUTE) or resource.get(HTTP_ROUTE) or ""
        return f"{method} {route}".strip()
    return ""
