"""Who may change what: one place for every authorisation decision.

A :class:`Principal` is who sent a request (a token's name, its team and scopes). Scopes are
levels: ``admin`` includes ``write``, which includes ``read``. A ``write`` principal may
change only what its team owns; ``admin`` may change anything, and is the only scope for
estate-wide changes (teams, environments, the catalog, tokens, contract mode changes,
deletes). Use cases call these inside their own unit of work, after loading (and locking)
the row they are about to change, and pass the principal's ``name`` on as the audited actor;
:func:`require` takes the owner team of what is changed. An owner of ``None`` (nothing owns
it) needs ``admin``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from unlockstep.errors import Forbidden
from unlockstep.store import flags as flag_rows
from unlockstep.store import registry as rows
from unlockstep.store.plans import ReleasePlan
from unlockstep.store.tables import Service

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


# --- checks inside a use case's unit of work ------------------------------------------
#
# Each takes the use case's open session and checks after loading (and, on PostgreSQL,
# locking) the row the use case is about to change, so an owner change committed by someone
# else cannot land between the check and the write: it either commits before the lock (and
# the check sees it) or waits for the write to commit.


def service_for_write(
    session: Session, principal: Principal, service: str, *, what: str
) -> Service:
    """The service a write of ``principal`` is about (its versions, deployments, contracts…),
    locked until the unit of work ends, once the principal may write to it. Without the
    ``write`` scope: 403 before anything is looked up; an unknown service: 404 (the same
    answer an admin gets, naming nothing but the service asked for); another team's: 403."""
    if not principal.has("write"):
        require(principal, "write", what=f"{what} of {service!r}")
    found = rows.get_service(session, service, lock=True)
    if not principal.has("admin"):
        owner = rows.owner_name(session, found)
        require(principal, "write", owner, what=f"{what} of {service!r}")
    return found


def require_service_write(
    session: Session, principal: Principal, service: str, new_owner: str | None
) -> None:
    """Create or update a service: a team may create or edit its own; changing the owner
    (taking a service over or giving it away) is admin only, as is any unowned service."""
    if principal.has("admin"):
        return
    found = rows.find_service(session, service, lock=True)
    current = rows.owner_name(session, found) if found is not None else new_owner
    require(principal, "write", current, what=f"change service {service!r}")
    if new_owner != current:
        require_admin(principal, what=f"change the owner of service {service!r}")


def require_plan(session: Session, principal: Principal, change: str, owner: str | None) -> None:
    """Submit a release plan: it names its owner team, and a stored plan keeps its owner."""
    if principal.has("admin"):
        return
    query = select(ReleasePlan).where(ReleasePlan.change == change).with_for_update()
    stored = session.scalar(query)
    owners = {owner} | ({stored.owner} if stored is not None else set())
    require_all(principal, owners, what=f"submit release plan {change!r}")


def flag_owner(body: Any) -> str | None:
    """A flag body's ``metadata.owner``, the team that answers for it."""
    metadata = body.get("metadata") if isinstance(body, Mapping) else None
    owner = metadata.get("owner") if isinstance(metadata, Mapping) else None
    return owner if isinstance(owner, str) and owner else None


def _flag_owners(body: Any, row: Any) -> set[str | None]:
    return {flag_owner(body)} | ({flag_owner(row.body)} if row is not None else set())


def require_flag(
    session: Session, principal: Principal, environment: str, key: str, body: Any
) -> None:
    """Create or update a flag (inside the write's locked unit of work): its stored owner and
    its new owner must both be the principal's team (a team can neither change another's
    flag nor give its own away)."""
    if principal.has("admin"):
        return
    row = flag_rows.find_flag(session, environment, key)
    require_all(principal, _flag_owners(body, row), what=f"change flag {key!r} in {environment!r}")


def require_flag_rows(principal: Principal, key: str, found: Iterable[Any]) -> None:
    """Act on ``key`` in every environment (the kill switch), given its locked rows: the
    team owns every copy."""
    if principal.has("admin"):
        return
    owners = {flag_owner(row.body) for row in found}
    require_all(principal, owners or {None}, what=f"kill flag {key!r}")


def require_flag_set(
    session: Session, principal: Principal, environment: str, document: Any, *, prune: bool
) -> None:
    """Import a flag set (inside the import's locked unit of work): every flag it names, as
    stored and as sent, is the team's; pruning (deleting what the document omits) and
    shared evaluators are admin only."""
    if principal.has("admin"):
        return
    if not principal.has("write"):
        require(principal, "write", what=f"import flags into {environment!r}")
    if prune:
        require_admin(principal, what=f"prune the flags of {environment!r}")
    plain = document if isinstance(document, Mapping) else {}
    if plain.get("$evaluators"):
        require_admin(principal, what=f"change the shared evaluators of {environment!r}")
    flags = plain.get("flags")
    flags = flags if isinstance(flags, Mapping) else {}
    for key, body in flags.items():
        row = flag_rows.find_flag(session, environment, str(key))
        owners = _flag_owners(body, row)
        require_all(principal, owners, what=f"change flag {key!r} in {environment!r}")
