"""One way to ask any declared source a question: :func:`fetch` picks the client for the
source's kind (SQL, HTTP JSON, PromQL) and answers with a :class:`Result`; every failure is a
:class:`SourceError` without secrets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from unlockstep.core.safety import SourceSpec
from unlockstep.sources.errors import Kind, SourceError
from unlockstep.sources.http_json import HttpJsonSource
from unlockstep.sources.prometheus import Prometheus, PrometheusError
from unlockstep.sources.sql import Result, SqlSource


@dataclass(frozen=True)
class SourcePolicy:
    """What the sources a process runs may read. In the server a safety-nets file is
    published by a team's token, so it must not be a way to read the server's own secrets
    or files: only the variables and files named in ``secrets`` may hold a DSN or a header
    value (``UNLOCKSTEP_SAFETY_SOURCE_SECRETS``), and a SQLite database must lie in one of
    ``sqlite_dirs`` (``UNLOCKSTEP_SAFETY_SQLITE_DIRS``; a ``.sql`` script may lie anywhere:
    it is loaded into a private copy), and so must a file source's folder. ``None`` allows
    anything (the CLI's ``--file`` mode, where the user runs their own file in their own
    shell)."""

    secrets: frozenset[str] | None = None
    sqlite_dirs: tuple[str, ...] | None = None

    def check(self, spec: SourceSpec) -> None:
        if self.secrets is not None:
            named = [spec.dsn_env, spec.dsn_file, *(v for _, v in spec.headers_env)]
            refused = [n for n in named if n and n not in self.secrets]
            if refused:
                raise SourceError(
                    "config",
                    f"source {spec.name}: the server does not let sources read {refused[0]} "
                    "(add it to UNLOCKSTEP_SAFETY_SOURCE_SECRETS on the server)",
                )
        if self.sqlite_dirs is not None and spec.kind in ("sqlite", "file") and spec.path:
            if spec.kind == "sqlite" and spec.path.endswith(".sql"):
                return
            resolved = Path(spec.path).resolve()
            if not any(resolved.is_relative_to(Path(d).resolve()) for d in self.sqlite_dirs):
                raise SourceError(
                    "config",
                    f"source {spec.name}: the server does not read {spec.kind} sources in "
                    f"{resolved if spec.kind == 'file' else resolved.parent} (add the folder "
                    "to UNLOCKSTEP_SAFETY_SQLITE_DIRS)",
                )

    def environment(self) -> Mapping[str, str]:
        """The variables sources may read (all of them without a list)."""
        if self.secrets is None:
            return os.environ
        return {k: v for k, v in os.environ.items() if k in self.secrets}


#: What the CLI's offline mode allows: the user's own file in the user's own shell.
ANYTHING = SourcePolicy()


def fetch(
    spec: SourceSpec,
    query: str,
    env: Mapping[str, str] | None = None,
    policy: SourcePolicy = ANYTHING,
) -> Result:
    """``query``'s answer from ``spec``: rows (at most the row limit) with their columns. A
    PromQL source answers one row per series (its labels, then ``value``)."""
    policy.check(spec)
    env = policy.environment() if env is None else env
    if spec.kind in ("postgresql", "sqlite"):
        return SqlSource(spec, env).fetch(query)
    if spec.kind == "http":
        return HttpJsonSource(spec, env).fetch(query)
    return _promql(spec, query, env)


def _promql(spec: SourceSpec, query: str, env: Mapping[str, str] | None) -> Result:
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
