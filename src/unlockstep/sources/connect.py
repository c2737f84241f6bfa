"""One way to ask any declared source a question: :func:`fetch` picks the client for the
source's kind (SQL, HTTP JSON, PromQL) and answers with a :class:`Result`; every failure is a
:class:`SourceError` without secrets."""

from __future__ import annotations

from collections.abc import Mapping

from unlockstep.core.safety import SourceSpec
from unlockstep.sources.errors import Kind, SourceError
from unlockstep.sources.http_json import HttpJsonSource
from unlockstep.sources.prometheus import Prometheus, PrometheusError
from unlockstep.sources.sql import Result, SqlSource


def fetch(spec: SourceSpec, query: str, env: Mapping[str, str] | None = None) -> Result:
    """``query``'s answer from ``spec``: rows (at most the row limit) with their columns. A
    PromQL source answers one row per series (its labels, then ``value``)."""
    if spec.kind in ("postgresql", "sqlite"):
        return SqlSource(spec, env).fetch(query)
    if spec.kind == "http":
        return HttpJsonSource(spec, env).fetch(query)
    return _promql(spec, query, env)


def _promql(spec: SourceSpec, query: str, env: Mapping[str, str] | None) -> Result:
    import os

    values = os.environ if env is None else env
    headers = {h: values.get(v, "") for h, v in spec.headers_env}
    missing = [v for h, v in spec.headers_env if not values.get(v)]
    if missing:
        raise SourceError(
            "config", f"source {spec.name}: environment variable {missing[0]} is not set"
        )
    try:
        with Prometheus(spec.url or "", timeout=spec.statement_timeout, headers=headers) as prom:
            samples = prom.query(query)
    except PrometheusError as exc:
        kind: Kind = "invalid" if exc.kind == "invalid" else "unavailable"
        raise SourceError(kind, f"source {spec.name}: {exc.message}") from None
    labels: list[str] = []
    for sample in samples:
        labels += [k for k in sorted(sample.labels) if k not in labels]
    rows = [(*tuple(s.labels.get(k) for k in labels), s.value) for s in samples]
    if len(samples) == 1 and not labels:
        return Result(("value",), rows, False)
    limit = spec.row_limit
    return Result((*labels, "value"), rows[:limit], len(rows) > limit)
