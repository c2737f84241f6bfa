"""A usage selector: the metric and labels a blocker or a query names.

``api_requests_total{version="v1"}`` is PromQL's spelling; the same text selects from the
usage store when its metric is one the store knows (``api.requests``, ``api_requests``…: names
compare with dots and dashes read as ``_`` and without a ``_total`` suffix) and every label is
a dimension the store keeps; the SDK's ``unlockstep.`` prefix may be left out.
Anything else (functions, ``=~``, other labels) is PromQL only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: labels the usage store keeps, with the other spellings a selector may use
LABELS = {
    "service": "service",
    "service_name": "service",
    "job": "service",
    "environment": "environment",
    "endpoint": "contract",
    "env": "environment",
    "consumer": "consumer",
    "contract": "contract",
    "api": "contract",
    "version": "version",
    "api_version": "version",
    "event_version": "version",
    "operation": "operation",
    "field": "field",
}

_SELECTOR = re.compile(r"^\s*(?P<name>[A-Za-z_:][\w.:-]*)\s*(?:\{(?P<labels>.*)\})?\s*$")
_MATCHER = re.compile(r'^\s*(?P<label>[A-Za-z_]\w*)\s*=\s*"(?P<value>(?:[^"\\]|\\.)*)"\s*$')


@dataclass(frozen=True, slots=True)
class Selector:
    metric: str
    labels: dict[str, str] = field(default_factory=dict)  # dimension -> value

    def text(self) -> str:
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(self.labels.items()))
        return f"{self.metric}{{{inner}}}" if inner else self.metric


def metric_name(name: str) -> str:
    """The form names are compared in: ``api.requests`` and ``api_requests_total`` agree."""
    out = re.sub(r"[.\-]", "_", name.strip().lower())
    return out.removesuffix("_total")


def metric_names(name: str) -> set[str]:
    """Every stored spelling (dots and dashes read as ``_``, lower case) a selector's metric
    matches: with or without ``_total`` and the ``unlockstep.`` prefix of the SDK's metrics
    (``api_requests_total`` selects ``unlockstep.api.requests``)."""
    base = metric_name(name).removeprefix("unlockstep_")
    return {
        f"{prefix}{base}{suffix}" for prefix in ("", "unlockstep_") for suffix in ("", "_total")
    }


def parse(text: str) -> Selector | None:
    """The selector ``text`` is, or None when the store cannot answer it (PromQL only)."""
    m = _SELECTOR.match(text)
    if m is None:
        return None
    labels: dict[str, str] = {}
    raw = (m["labels"] or "").strip().rstrip(",")
    for part in _split(raw) if raw else []:
        matcher = _MATCHER.match(part)
        if matcher is None or matcher["label"].lower() not in LABELS:
            return None
        labels[LABELS[matcher["label"].lower()]] = matcher["value"].replace('\\"', '"')
    return Selector(m["name"], labels)


def _split(raw: str) -> list[str]:
    parts, current, quoted, escaped = [], "", False, False
    for char in raw:
        if escaped:
            current, escaped = current + char, False
            continue
        if char == "\\":
            current, escaped = current + char, True
            continue
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return parts
