"""Definitions as plain JSON values and back: how the registry stores what a safety-nets file
declared (a source's dict holds references to secrets, never a secret)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from unlockstep.core.safety._model import (
    FieldMap,
    Guards,
    InvariantSpec,
    ReconciliationSpec,
    Side,
    SourceSpec,
)


def to_dict(spec: SourceSpec | InvariantSpec | ReconciliationSpec) -> dict[str, Any]:
    """The definition as JSON values (lists, not tuples: equal to what the store reads back)."""
    data: dict[str, Any] = _json(asdict(spec))
    return data


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value


def source_from(data: dict[str, Any]) -> SourceSpec:
    return SourceSpec(
        name=data["name"],
        kind=data["kind"],
        path=data.get("path"),
        url=data.get("url"),
        dsn_env=data.get("dsn_env"),
        dsn_file=data.get("dsn_file"),
        headers_env=tuple((str(h), str(v)) for h, v in data.get("headers_env", ())),
        statement_timeout=float(data.get("statement_timeout", 10.0)),
        row_limit=int(data.get("row_limit", 10_000)),
    )


def invariant_from(data: dict[str, Any]) -> InvariantSpec:
    guards = data.get("guards") or {}
    return InvariantSpec(
        name=data["name"],
        service=data["service"],
        owner=data.get("owner", ""),
        description=data.get("description", ""),
        severity=data.get("severity", "medium"),
        source=data["source"],
        query=data["query"],
        returns=data.get("returns", "rows"),
        key=data.get("key"),
        every=float(data.get("every", 300.0)),
        tolerance=int(data.get("tolerance", 0)),
        guards=Guards(tuple(guards.get("services", ())), tuple(guards.get("contracts", ()))),
    )


def _side(data: dict[str, Any]) -> Side:
    key = data["key"]
    return Side(data["source"], data["query"], key if isinstance(key, str) else tuple(key))


def reconciliation_from(data: dict[str, Any]) -> ReconciliationSpec:
    return ReconciliationSpec(
        name=data["name"],
        service=data["service"],
        owner=data.get("owner", ""),
        description=data.get("description", ""),
        left=_side(data["left"]),
        right=_side(data["right"]),
        fields=tuple(
            FieldMap(
                name=f["name"],
                left=f["left"],
                right=f["right"],
                normalise=tuple(f.get("normalise", ())),
                values=tuple((str(a), str(b)) for a, b in f.get("values", ())),
            )
            for f in data.get("fields", ())
        ),
        key_type=data.get("key_type", "text"),
        every=float(data.get("every", 3600.0)),
        tolerance=int(data.get("tolerance", 0)),
        chunk=int(data.get("chunk", 5000)),
    )
