"""The safety-nets file: a service's data sources, business invariants and reconciliations
as validated YAML, kept next to the service. Text in, :class:`SafetyNets` out; every problem
names the line and the JSON pointer. The format is documented in ``docs/safety-nets.md``.

A source never carries a secret: a PostgreSQL DSN comes from the environment variable named by
``dsnEnv`` or the file named by ``dsnFile``, read where the query runs. A literal ``dsn`` is
refused, so a password cannot end up in the repository, the registry or the audit trail.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, cast

from unlockstep.core.documents import Validator, describe_type, join, load
from unlockstep.core.safety._model import (
    SEVERITIES,
    FieldMap,
    Guards,
    InvariantSpec,
    KeyType,
    ReconciliationSpec,
    Returns,
    SafetyNets,
    Side,
    SourceKind,
    SourceSpec,
)
from unlockstep.core.safety._outbox import OutboxSpec
from unlockstep.core.safety._outbox import invariant as outbox_invariant
from unlockstep.errors import ParseError

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
SOURCE_KINDS: tuple[SourceKind, ...] = ("postgresql", "sqlite", "http", "prometheus", "file")
#: The kinds a reconciliation side may read (PromQL answers series, not keyed rows).
SIDE_KINDS = ("postgresql", "sqlite", "http", "file")
#: The one name the normalisers are known by (``_reconcile.NORMALISERS`` implements them).
NORMALISER_NAMES = ("trim", "lower", "upper", "decimal", "date", "timestamp", "empty-is-null")


def parse(text: str, filename: str = "<input>", *, base: str | None = None) -> SafetyNets:
    """Parse and validate a safety-nets file; raises ``ParseError`` listing every problem.
    ``base`` is the folder a relative SQLite ``path`` is resolved against (the file's own)."""
    doc = load(text, filename)
    r = Validator(doc)
    top = r.mapping(
        doc.value if doc.value is not None else {},
        "",
        {"service", "owner", "sources", "invariants", "reconciliations", "outbox"},
    )
    service = _name(r, top, "service", "", required=True)
    owner = r.text(top, "owner", "")
    sources = _sources(r, top.get("sources"), base)
    known: dict[str, str] = {s.name: s.kind for s in sources}
    invariants = _invariants(r, top.get("invariants"), service, owner, set(known))
    reconciliations = _reconciliations(r, top.get("reconciliations"), service, owner, known)
    outbox = _outbox(r, top.get("outbox"), service, owner, known)
    if outbox is not None:
        invariants = (*invariants, outbox[1])
        if sum(1 for i in invariants if i.name == outbox[1].name) > 1:
            r.fail("/outbox", f"an invariant is already named {outbox[1].name!r}")
    if r.errors:
        raise ParseError(
            f"{len(r.errors)} problem(s) in safety-nets file:\n" + "\n".join(r.errors),
            where=filename,
            hint="see docs/safety-nets.md for the file format",
            details=list(r.errors),
        )
    return SafetyNets(
        service,
        owner,
        sources,
        invariants,
        reconciliations,
        filename,
        outboxes=(outbox[0].table,) if outbox is not None else (),
    )


def _outbox(
    r: Validator, value: Any, service: str, owner: str, known: dict[str, str]
) -> tuple[OutboxSpec, InvariantSpec] | None:
    if value is None:
        return None
    p = "/outbox"
    m = r.mapping(
        value, p, {"source", "table", "createdAt", "publishedAt", "maxAge", "every", "contracts"}
    )
    source = _source_ref(r, m, p, set(known))
    kind = known.get(source)
    if kind not in (None, "postgresql", "sqlite"):
        r.fail(join(p, "source"), f"{source!r} is a {kind} source; an outbox is a SQL table")
    table = r.text(m, "table", p, required=True)
    spec = OutboxSpec(
        source=source,
        table=table,
        created_at=r.text(m, "createdAt", p) or "created_at",
        published_at=r.text(m, "publishedAt", p) or "published_at",
        max_age=_duration(r, m, "maxAge", p, 300.0),
        every=_duration(r, m, "every", p, 60.0),
    )
    sql_kind: SourceKind = "postgresql" if kind == "postgresql" else "sqlite"
    contracts = r.texts(m, "contracts", p)
    return spec, outbox_invariant(spec, sql_kind, service, owner, contracts)


def duration(value: Any) -> float | None:
    """Seconds in ``value`` (``30s``, ``5m``, ``1h``, ``2d``, ``250ms`` or a number of
    seconds); ``None`` when it is not a duration."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value > 0 else None
    found = _DURATION.fullmatch(str(value).strip())
    if not found:
        return None
    seconds = float(found.group(1)) * _UNITS[found.group(2)]
    return seconds if seconds > 0 else None


def _name(r: Validator, m: dict[str, Any], key: str, pointer: str, *, required: bool) -> str:
    value = r.text(m, key, pointer, required=required)
    if value and not _NAME.fullmatch(value):
        r.fail(
            join(pointer, key),
            f"{value!r} is not a name; use lower-case letters, digits, '.', '_' or '-'",
        )
    return value


def _entries(r: Validator, value: Any, pointer: str, what: str) -> list[tuple[str, str, Any]]:
    """(name, pointer, body) of a mapping of named entries."""
    if value is None:
        return []
    if not isinstance(value, dict):
        r.fail(pointer, f"expected a mapping of {what} name to its definition")
        return []
    out = []
    for name, body in value.items():
        p = join(pointer, str(name))
        if not _NAME.fullmatch(str(name)):
            r.fail(p, f"{name!r} is not a name; use lower-case letters, digits, '.', '_' or '-'")
        out.append((str(name), p, body))
    return out


def _duration(r: Validator, m: dict[str, Any], key: str, pointer: str, default: float) -> float:
    if m.get(key) is None:
        return default
    seconds = duration(m[key])
    if seconds is None:
        r.fail(join(pointer, key), f"{m[key]!r} is not a duration; write e.g. 30s, 5m, 1h")
        return default
    return seconds


def _count(r: Validator, m: dict[str, Any], key: str, pointer: str, default: int) -> int:
    value = m.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        r.fail(join(pointer, key), f"expected a whole number ≥ 0, got {describe_type(value)}")
        return default
    return value


def _sources(r: Validator, value: Any, base: str | None) -> tuple[SourceSpec, ...]:
    out: list[SourceSpec] = []
    for name, p, body in _entries(r, value, "/sources", "source"):
        s = r.mapping(
            body,
            p,
            {"kind", "path", "url", "dsn", "dsnEnv", "dsnFile", "headersEnv",
             "statementTimeout", "rowLimit"},
        )  # fmt: skip
        kind = r.text(s, "kind", p, required=True)
        if kind and kind not in SOURCE_KINDS:
            r.fail(join(p, "kind"), f"unknown kind {kind!r}; use one of {', '.join(SOURCE_KINDS)}")
            continue
        if "dsn" in s:
            r.fail(
                join(p, "dsn"),
                "a DSN is a secret and is never written in this file; put it in an "
                "environment variable (dsnEnv: NAME) or a file (dsnFile: /run/secrets/…)",
            )
        dsn_env = r.text(s, "dsnEnv", p) or None
        if dsn_env and not _ENV.fullmatch(dsn_env):
            r.fail(join(p, "dsnEnv"), f"{dsn_env!r} is not an environment variable name")
        dsn_file = r.text(s, "dsnFile", p) or None
        path, url = r.text(s, "path", p) or None, r.text(s, "url", p) or None
        if kind == "postgresql" and bool(dsn_env) == bool(dsn_file):
            r.fail(p, "a postgresql source needs exactly one of dsnEnv or dsnFile")
        if kind in ("sqlite", "file"):
            if not path:
                what = "a .db file, or a .sql script" if kind == "sqlite" else "a folder"
                r.fail(p, f"a {kind} source needs a path ({what})")
            elif base and not PurePosixPath(path).is_absolute():
                path = str(PurePosixPath(base) / path)
        if kind in ("http", "prometheus") and not url:
            r.fail(p, f"a {kind} source needs a url")
        if url and not url.startswith(("http://", "https://")):
            r.fail(join(p, "url"), f"{url!r} is not an http(s) URL")
        if url and "@" in url.split("://", 1)[-1].split("/", 1)[0]:
            r.fail(
                join(p, "url"),
                "credentials in a URL are secrets; send them with headersEnv instead",
            )
        headers = s.get("headersEnv") or {}
        if not isinstance(headers, dict) or not all(
            isinstance(v, str) and _ENV.fullmatch(v) for v in headers.values()
        ):
            r.fail(join(p, "headersEnv"), "expected a mapping of header to environment variable")
            headers = {}
        timeout = _duration(r, s, "statementTimeout", p, 10.0)
        limit = _count(r, s, "rowLimit", p, 10_000)
        out.append(
            SourceSpec(
                name=name,
                kind=kind or "sqlite",
                path=path,
                url=url,
                dsn_env=dsn_env,
                dsn_file=dsn_file,
                headers_env=tuple(sorted((str(k), str(v)) for k, v in headers.items())),
                statement_timeout=timeout,
                row_limit=max(1, limit),
            )
        )
    return tuple(out)


def _source_ref(r: Validator, m: dict[str, Any], pointer: str, known: set[str]) -> str:
    source = r.text(m, "source", pointer, required=True)
    if source and source not in known:
        r.fail(
            join(pointer, "source"),
            f"unknown source {source!r}; declare it under 'sources'"
            + (f" (declared: {', '.join(sorted(known))})" if known else ""),
        )
    return source


def _invariants(
    r: Validator, value: Any, service: str, owner: str, known: set[str]
) -> tuple[InvariantSpec, ...]:
    out: list[InvariantSpec] = []
    for name, p, body in _entries(r, value, "/invariants", "invariant"):
        m = r.mapping(
            body,
            p,
            {"description", "owner", "severity", "guards", "source", "query", "returns", "key",
             "every", "schedule", "tolerance"},
        )  # fmt: skip
        severity = r.text(m, "severity", p) or "medium"
        if severity not in SEVERITIES:
            r.fail(join(p, "severity"), f"use one of {', '.join(SEVERITIES)}")
        returns = r.text(m, "returns", p) or "rows"
        if returns not in ("rows", "count"):
            r.fail(join(p, "returns"), "use rows (the violating rows) or count (their number)")
        guards = r.mapping(m.get("guards") or {}, join(p, "guards"), {"services", "contracts"})
        every_key = "schedule" if "schedule" in m else "every"
        out.append(
            InvariantSpec(
                name=name,
                service=service,
                owner=r.text(m, "owner", p) or owner,
                description=r.text(m, "description", p, required=True),
                severity=severity,
                source=_source_ref(r, m, p, known),
                query=r.text(m, "query", p, required=True),
                returns=cast(Returns, returns),
                key=r.text(m, "key", p) or None,
                every=_duration(r, m, every_key, p, 300.0),
                tolerance=_count(r, m, "tolerance", p, 0),
                guards=Guards(
                    r.texts(guards, "services", join(p, "guards")) or (service,),
                    r.texts(guards, "contracts", join(p, "guards")),
                ),
            )
        )
    return tuple(out)


def _side(r: Validator, value: Any, pointer: str, known: dict[str, str]) -> Side:
    m = r.mapping(value if value is not None else {}, pointer, {"source", "query", "key"})
    if value is None:
        r.fail(pointer, "missing: give source, query and key")
    source = _source_ref(r, m, pointer, set(known))
    if known.get(source) not in (None, *SIDE_KINDS):
        r.fail(
            join(pointer, "source"),
            f"{source!r} is a {known[source]} source; a reconciliation side is read from "
            f"a {', '.join(SIDE_KINDS)} source",
        )
    query = r.text(m, "query", pointer, required=True)
    if known.get(source) == "file" and (
        PurePosixPath(query).is_absolute() or ".." in PurePosixPath(query).parts
    ):
        r.fail(join(pointer, "query"), "name a file inside the source's folder (no /, no ..)")
    return Side(source=source, query=query, key=_key(r, m.get("key"), join(pointer, "key")))


def _key(r: Validator, value: Any, pointer: str) -> str | tuple[str, ...]:
    """One key column, or a list of them (a composite key)."""
    if isinstance(value, str) and value:
        return value
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, str) and v for v in value)
        and len(set(value)) == len(value)
    ):
        return value[0] if len(value) == 1 else tuple(value)
    r.fail(pointer, "expected a key column, or a list of distinct key columns")
    return ""


def _fields(r: Validator, value: Any, pointer: str) -> tuple[FieldMap, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        r.fail(pointer, "expected a mapping of field name to {left, right, normalise}")
        return ()
    out: list[FieldMap] = []
    for name, body in value.items():
        p = join(pointer, str(name))
        if body is None or isinstance(body, str):
            column = str(body or name)
            out.append(FieldMap(str(name), column, column))
            continue
        m = r.mapping(body, p, {"left", "right", "normalise", "values"})
        steps = r.texts(m, "normalise", p)
        for step in steps:
            if step not in NORMALISER_NAMES:
                r.fail(
                    join(p, "normalise"),
                    f"unknown normaliser {step!r}; use any of {', '.join(NORMALISER_NAMES)}",
                )
        values = m.get("values") or {}
        if not isinstance(values, dict):
            r.fail(join(p, "values"), "expected a mapping of left value to right value")
            values = {}
        out.append(
            FieldMap(
                name=str(name),
                left=r.text(m, "left", p) or str(name),
                right=r.text(m, "right", p) or str(name),
                normalise=steps,
                values=tuple((str(k), str(v)) for k, v in values.items()),
            )
        )
    return tuple(out)


def _reconciliations(
    r: Validator, value: Any, service: str, owner: str, known: dict[str, str]
) -> tuple[ReconciliationSpec, ...]:
    out: list[ReconciliationSpec] = []
    for name, p, body in _entries(r, value, "/reconciliations", "reconciliation"):
        m = r.mapping(
            body,
            p,
            {"description", "owner", "left", "right", "fields", "keyType", "every",
             "schedule", "tolerance", "chunk"},
        )  # fmt: skip
        key_type = r.text(m, "keyType", p) or "text"
        if key_type not in ("text", "integer"):
            r.fail(join(p, "keyType"), "use text or integer")
        every_key = "schedule" if "schedule" in m else "every"
        out.append(
            ReconciliationSpec(
                name=name,
                service=service,
                owner=r.text(m, "owner", p) or owner,
                description=r.text(m, "description", p),
                left=_side(r, m.get("left"), join(p, "left"), known),
                right=_side(r, m.get("right"), join(p, "right"), known),
                fields=_fields(r, m.get("fields"), join(p, "fields")),
                key_type=cast(KeyType, key_type),
                every=_duration(r, m, every_key, p, 3600.0),
                tolerance=_count(r, m, "tolerance", p, 0),
                chunk=max(100, _count(r, m, "chunk", p, 5000)),
            )
        )
    return tuple(out)
