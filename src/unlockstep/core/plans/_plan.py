"""A release plan as values: services and their roles, contract changes, flags, the
compatibility window and cleanup items. ``core.plan_file`` reads one from YAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    PRODUCER = "producer"
    CONSUMER = "consumer"
    PROVIDER = "provider"
    BOTH = "both"


class Strategy(StrEnum):
    """How a contract change is shipped. ``safe`` follows the risk row's safe default
    (expand/contract, provider first, consumers first…); ``in-place`` changes the contract
    in one step, which forces lockstep whenever the change breaks either side."""

    SAFE = "safe"
    IN_PLACE = "in-place"


#: contract groups in the file (``contracts: {api: [...], events: [...]}``) -> group name


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    role: Role
    change: str = ""
    owner: str = ""
    needs: tuple[str, ...] = ()  # services whose new version this one's change requires first
    #: the version that ships each phase of this service's part ("*" = every phase), so
    #: progress can be derived from recorded deployments
    versions: tuple[tuple[str, str], ...] = ()

    def version_for(self, phase: str) -> str | None:
        found = dict(self.versions)
        return found.get(phase) or found.get("*")

    line: int | None = None


@dataclass(frozen=True, slots=True)
class ContractChange:
    id: str
    group: str  # api | event | table | workflow | service
    name: str
    provider: str
    consumers: tuple[str, ...]
    change: str | None = None  # a risk-matrix kind, when described
    #: contract files or migration folders to compute the change from; several are read
    #: one after another (a table contract: the migrations up to a version)
    old: tuple[str, ...] = ()
    new: tuple[str, ...] = ()
    format: str | None = None  # engine kind; sniffed when absent
    strategy: Strategy = Strategy.SAFE
    field: str = ""
    flag: str | None = None
    after: tuple[str, ...] = ()  # contract ids whose new capability must be live first
    usage_metric: str | None = None
    zero_days: int = 14
    description: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Flag:
    key: str
    type: str = "release"
    owner: str | None = None
    expires: date | None = None
    service: str | None = None
    kill_switch: bool = False
    line: int | None = None
    #: How the flag is rolled out (a rollout document without ``flag``; ``core.rollouts``),
    #: started by ``unlockstep rollout start --plan CHANGE --flag KEY``.
    rollout: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Window:
    starts: date
    ends: date
    producer_supports: tuple[str, ...] = ()
    consumers_required_by_end: tuple[str, ...] = ()
    contract: str | None = None  # the contract consumers must be verified against
    version: str | None = None
    cleanup_after: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Blocker:
    """A condition that must hold before a cleanup item may be done.

    ``kind`` is one a machine can check — ``verified`` (consumer verified against a
    contract version), ``usage-zero`` (metric zero for N days), ``flag-deleted``,
    ``workflow-drained`` (no running instances of an old workflow version),
    ``invariant-holds`` (a business invariant is not breached: the old path's fallback stays
    until the new one is proven on real data), ``reconciled`` (a reconciliation has no more
    open discrepancies than its tolerance) — or ``manual``.
    """

    kind: str
    text: str
    consumer: str | None = None
    contract: str | None = None
    version: str | None = None
    metric: str | None = None
    days: int | None = None
    flag: str | None = None
    workflow: str | None = None
    invariant: str | None = None
    reconciliation: str | None = None


@dataclass(frozen=True, slots=True)
class Authority:
    """Which system writes a business concept (is its source of truth) in one phase of a
    strangler migration; ``writers`` as the plan lists them (exactly one is right)."""

    concept: str
    phase: str
    writers: tuple[str, ...]
    line: int | None = None


@dataclass(frozen=True, slots=True)
class CleanupItem:
    title: str
    owner: str | None = None
    due: date | None = None
    issue: str | None = None
    blockers: tuple[Blocker, ...] = ()
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    change: str
    owner: str
    goal: str
    title: str
    services: tuple[Service, ...]
    contracts: tuple[ContractChange, ...]
    migration_strategy: str | None = None
    migration_notes: str = ""
    flags: tuple[Flag, ...] = ()
    window: Window | None = None
    cleanup: tuple[CleanupItem, ...] = ()
    observability: tuple[str, ...] = ()
    rollback: str = ""
    in_flight: str = ""
    evidence: tuple[str, ...] = ()
    environment: str = "production"  # where progress is read from
    authority: tuple[Authority, ...] = ()
    #: the business invariants the change touches (``docs/safety-nets.md``): every step waits
    #: while one of them is breached
    invariants: tuple[str, ...] = ()
    filename: str = "<input>"
    source_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)
