"""What a service's safety-nets file declares: read-only data sources, business invariants
over them, and reconciliations between two of them. Plain values; ``_file.py`` builds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SourceKind = Literal["postgresql", "sqlite", "http", "prometheus", "file"]
Returns = Literal["rows", "count", "outbox"]
KeyType = Literal["text", "integer"]
SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A read-only connection. It never holds a secret: ``dsn_env`` names an environment
    variable and ``dsn_file`` a file, both read where the query runs; ``headers_env`` maps an
    HTTP header to the environment variable holding its value."""

    name: str
    kind: SourceKind
    path: str | None = None
    url: str | None = None
    dsn_env: str | None = None
    dsn_file: str | None = None
    headers_env: tuple[tuple[str, str], ...] = ()
    statement_timeout: float = 10.0
    row_limit: int = 10_000


@dataclass(frozen=True, slots=True)
class Guards:
    services: tuple[str, ...] = ()
    contracts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InvariantSpec:
    """A business rule over real data: ``query`` returns the violating rows (or their count);
    more than ``tolerance`` of them is a breach."""

    name: str
    service: str
    owner: str
    description: str
    severity: str
    source: str
    query: str
    returns: Returns = "rows"
    key: str | None = None
    every: float = 300.0
    tolerance: int = 0
    guards: Guards = field(default_factory=Guards)


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a reconciliation: a query on a source and its key column, or columns (a
    composite key, compared column by column in order). On an HTTP source the query is a path
    (as for invariants); on a file source, a file below the source's folder."""

    source: str
    query: str
    key: str | tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key,) if isinstance(self.key, str) else self.key


@dataclass(frozen=True, slots=True)
class FieldMap:
    """A field compared on both sides: its column on each and how values are normalised
    before comparing (``normalise`` names, see ``_reconcile.NORMALISERS``; ``values`` maps a
    left value to the right system's spelling)."""

    name: str
    left: str
    right: str
    normalise: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ReconciliationSpec:
    name: str
    service: str
    owner: str
    description: str
    left: Side
    right: Side
    fields: tuple[FieldMap, ...]
    key_type: KeyType = "text"
    every: float = 3600.0
    tolerance: int = 0
    chunk: int = 5000


@dataclass(frozen=True, slots=True)
class SafetyNets:
    """One service's safety-nets file."""

    service: str
    owner: str
    sources: tuple[SourceSpec, ...]
    invariants: tuple[InvariantSpec, ...]
    reconciliations: tuple[ReconciliationSpec, ...]
    filename: str = "<input>"
    #: the tables of the transactional outboxes the service declares
    outboxes: tuple[str, ...] = ()

    def source(self, name: str) -> SourceSpec | None:
        return next((s for s in self.sources if s.name == name), None)
