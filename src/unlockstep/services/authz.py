"""Who may change what: one place for every authorisation decision.

A :class:`Principal` is who sent a request (a token's name, its team and scopes). Scopes are
levels: ``admin`` includes ``write``, which includes ``read``. A ``write`` principal may
change only what its team owns; ``admin`` may change anything, and is the only scope for
estate-wide changes (teams, environments, the catalog, tokens, contract mode changes,
deletes). Callers pass the owner team of what they are about to change to :func:`require`;
the ``owner_of_*`` helpers look that owner up. An owner of ``None`` (nothing owns it)
needs ``admin``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select

from unlockstep.core import plans as plan_core
from unlockstep.core.contracts import read_any
from unlockstep.errors import Forbidden
from unlockstep.store import Store
from unlockstep.store import contracts as contract_rows
from unlockstep.store import flags as flag_rows
from unlockstep.store import registry as rows
from unlockstep.store.plans import ReleasePlan

Scope = Literal["read", "write", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")
_LEVEL: dict[str, int] = {scope: level for level, scope in enumerate(SCOPES)}

#: Marks a call as estate-wide: only ``admin`` may.
ESTATE = object()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as; ``name`` is what the audit trail records."""

    name: str
    team: str | None
    scopes: frozenset[str]

    @property
    def level(self) -> int:
        return max((_LEVEL[s] for s in self.scopes if s in _LEVEL), default=-1)

    def has(self, scope: Scope) -> bool:
        return self.level >= _LEVEL[scope]


#: Who writes while no token is configured anywhere (a logged warning at start-up).
ANONYMOUS = Principal("anonymous", None, frozenset({"admin"}))


def require(principal: Principal, scope: Scope, owner_team: Any = ESTATE, *, what: str) -> None:
    """Refuse (403) unless ``principal`` holds ``scope`` and, for ``write``, its team owns
    ``what`` (``owner_team``; ``ESTATE`` or ``None`` means only ``admin`` may)."""
    if not principal.has(scope):
        raise Forbidden(
            f"token {principal.name!r} cannot {what}: it needs the {scope!r} scope",
            hint="ask an admin for a token with that scope (unlockstep tokens create)",
        )
    if scope == "read" or principal.has("admin"):
        return
    if owner_team is ESTATE or owner_team is None or owner_team != principal.team:
        owner = "no team (admin only)" if owner_team in (ESTATE, None) else f"team {owner_team!r}"
        team = f"team {principal.team!r}" if principal.team else "no team"
        raise Forbidden(
            f"token {principal.name!r} ({team}) cannot {what}: it is owned by {owner}",
            hint="use a token of the owning team, or an admin token",
        )


def require_admin(principal: Principal, *, what: str) -> None:
    require(principal, "admin", what=what)


def require_all(principal: Principal, owners: Iterable[str | None], *, what: str) -> None:
    """``write`` on something several owners share (every one must be the principal's)."""
    for owner in set(owners) or {None}:
        require(principal, "write", owner, what=what)


# --- owners of things, read from the store ------------------------------------------------


def owner_of_service(store: Store, service: str) -> str | None:
    """The owner team of ``service``; ``None`` when it has none. An unknown service also
    gives ``None`` (only admin passes; the use case would answer 404 anyway)."""
    with store.session() as session:
        found = rows.find_service(session, service)
        return rows.owner_name(session, found) if found is not None else None


def require_service(store: Store, principal: Principal, service: str, *, what: str) -> None:
    """``write`` on what belongs to ``service`` (versions, deployments, contracts…)."""
    if principal.has("admin"):
        return
    require(principal, "write", owner_of_service(store, service), what=f"{what} of {service!r}")


def require_expectation(
    store: Store, principal: Principal, consumer: str | None, document: Any
) -> None:
    """Publish an expectation: the consumer (given, or named by the Pact file) is the team's.
    A consumer not yet registered would be registered unowned, so only admin may."""
    if principal.has("admin"):
        return
    name = consumer or read_any(document, "document")[1]["consumer"]
    if name:  # without one the use case refuses the request (422)
        require_service(store, principal, name, what="publish expectations")


def require_service_write(
    store: Store, principal: Principal, service: str, new_owner: str | None
) -> None:
    """Create or update a service: a team may create or edit its own; changing the owner
    (taking a service over or giving it away) is admin only, as is any unowned service."""
    if principal.has("admin"):
        return
    with store.session() as session:
        found = rows.find_service(session, service)
        current = rows.owner_name(session, found) if found is not None else new_owner
    require(principal, "write", current, what=f"change service {service!r}")
    if new_owner != current:
        require_admin(principal, what=f"change the owner of service {service!r}")


def require_contract_publish(
    store: Store, principal: Principal, service: str, contract: str, mode: str | None
) -> None:
    """Publish a contract of ``service``; changing a stored contract's mode is admin only."""
    require_service(store, principal, service, what="publish contracts")
    if mode is None or principal.has("admin"):
        return
    with store.session() as session:
        found = rows.find_service(session, service)
        stored = contract_rows.find_contract(session, found, contract) if found else None
        if stored is not None and stored.mode.upper() != mode.upper():
            require_admin(principal, what=f"change the mode of {service}/{contract}")


def flag_owner(body: Any) -> str | None:
    """A flag body's ``metadata.owner``, the team that answers for it."""
    metadata = body.get("metadata") if isinstance(body, Mapping) else None
    owner = metadata.get("owner") if isinstance(metadata, Mapping) else None
    return owner if isinstance(owner, str) and owner else None


def require_flag(store: Store, principal: Principal, environment: str, key: str, body: Any) -> None:
    """Create or update a flag: its stored owner and its new owner must both be the
    principal's team (a team can neither change another's flag nor give its own away)."""
    if principal.has("admin"):
        return
    with store.session() as session:
        row = flag_rows.find_flag(session, environment, key)
        owners = {flag_owner(body)} | ({flag_owner(row.body)} if row is not None else set())
    require_all(principal, owners, what=f"change flag {key!r} in {environment!r}")


def require_flag_key(store: Store, principal: Principal, key: str) -> None:
    """Act on ``key`` in every environment (the kill switch): the team owns every copy."""
    if principal.has("admin"):
        return
    with store.session() as session:
        owners = {flag_owner(row.body) for row in flag_rows.rows_for_key(session, key)}
    require_all(principal, owners or {None}, what=f"kill flag {key!r}")


def require_flag_set(
    store: Store, principal: Principal, environment: str, document: Any, *, prune: bool
) -> None:
    """Import a flag set: every flag it names, as stored and as sent, is the team's;
    pruning (deleting what the document omits) and shared evaluators are admin only."""
    if principal.has("admin"):
        return
    if prune:
        require_admin(principal, what=f"prune the flags of {environment!r}")
    plain = document if isinstance(document, Mapping) else {}
    if plain.get("$evaluators"):
        require_admin(principal, what=f"change the shared evaluators of {environment!r}")
    flags = plain.get("flags")
    flags = flags if isinstance(flags, Mapping) else {}
    with store.session() as session:
        for key, body in flags.items():
            row = flag_rows.find_flag(session, environment, str(key))
            owners = {flag_owner(body)} | ({flag_owner(row.body)} if row is not None else set())
            require_all(principal, owners, what=f"change flag {key!r} in {environment!r}")


def require_plan_source(store: Store, principal: Principal, source: str, filename: str) -> None:
    """:func:`require_plan` for a plan file's text (its ``change`` and ``owner``)."""
    if principal.has("admin"):
        return
    plan = plan_core.parse(source, filename)
    require_plan(store, principal, plan.change, plan.owner or None)


def require_plan(store: Store, principal: Principal, change: str, owner: str | None) -> None:
    """Submit a release plan: it names its owner team, and a stored plan keeps its owner."""
    if principal.has("admin"):
        return
    with store.session() as session:
        stored = session.scalar(select(ReleasePlan).where(ReleasePlan.change == change))
        owners = {owner} | ({stored.owner} if stored is not None else set())
    require_all(principal, owners, what=f"submit release plan {change!r}")
