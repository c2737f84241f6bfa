"""Usage evidence: OTLP metrics read into points, counters turned into increments without
double counting, and "zero for N days" decided from daily rollups. No I/O."""

from unlockstep.core.usage._conventions import DIMENSIONS, METRICS, UNKNOWN_SERVICE
from unlockstep.core.usage._counting import DUPLICATE, STALE, Cursor, Step, advance
from unlockstep.core.usage._otlp import Decoded, parse_json, parse_protobuf, read
from unlockstep.core.usage._points import COUNTER, GAUGE, HISTOGRAM, Dimensions, Point
from unlockstep.core.usage._selector import LABELS, Selector, metric_name, metric_names, parse
from unlockstep.core.usage._zero import LOOKBACK_DAYS, ZeroDays, utc_day, zero_days

__all__ = [
    "COUNTER",
    "DIMENSIONS",
    "DUPLICATE",
    "GAUGE",
    "HISTOGRAM",
    "LABELS",
    "LOOKBACK_DAYS",
    "METRICS",
    "STALE",
    "UNKNOWN_SERVICE",
    "Cursor",
    "Decoded",
    "Dimensions",
    "Point",
    "Selector",
    "Step",
    "ZeroDays",
    "advance",
    "metric_name",
    "metric_names",
    "parse",
    "parse_json",
    "parse_protobuf",
    "read",
    "utc_day",
    "zero_days",
]
