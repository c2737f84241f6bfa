"""Protected environments and four-eyes approval.

An environment marked protected holds every flag change (create, update, delete, import, and
turning a killed flag back on) as a pending change request instead of applying it, and so
does ``services/contracts.py`` for a forced publish or a mode change of a contract whose
service has a version live there (``contract.publish``, ``contract.mode``); the
kill switch itself is never held. A second person approves or rejects it: approval
re-checks and applies the change in the same unit of work that marks the request approved
(under the environment's flag-set lock, so nothing slips in between), and audits both
actors — ``approval.requested`` under the requester's name, the change and
``approval.approved`` under the approver's, with the requester in the change's reason. The
requester cannot approve their own request; a request not decided before ``expires_at`` can
no longer be approved. Turning protection off is itself a change request
(``environment.unprotect``); turning it on is immediate.

Who may decide a request is whoever may make the change itself (``services/authz``: the
flag's team for a flag change, admin for a delete or for turning protection off), checked in
the deciding unit of work after the request row is locked; the principal's name is the
audited actor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core.compat import Source
from unlockstep.core.flags import for_environment
from unlockstep.errors import Conflict, InvalidInput, PreconditionFailed
from unlockstep.services import authz, contracts, flags
from unlockstep.services.authz import Principal
from unlockstep.store import Store, audit, registry
from unlockstep.store import approvals as rows
from unlockstep.store import flags as flag_rows
from unlockstep.store.approval_tables import ProtectedEnvironmentRow
from unlockstep.store.approvals import ChangeRequest

__all__ = [
    "ChangeRequest",
    "Decision",
    "Protection",
    "approve",
    "list_requests",
    "protect",
    "reject",
    "show",
    "unprotect",
]


@dataclass(frozen=True)
class Protection:
    environment: str
    protected: bool
    outcome: str  # protected | unchanged | requested
    request: ChangeRequest | None = None


@dataclass(frozen=True)
class Decision:
    request: ChangeRequest
    result: Any = None


def protect(store: Store, actor: str, environment: str, reason: str | None) -> Protection:
    """Mark ``environment`` protected (immediate: it only adds a check), audited."""
    with store.session() as session:
        registry.get_environment(session, environment)
        if rows.is_protected(session, environment):
            return Protection(environment, True, "unchanged")
        session.add(ProtectedEnvironmentRow(environment=environment, protected_by=actor,
                                            reason=reason))  # fmt: skip
        audit.record(
            session, actor, "environment.protected", "environment", environment,
            {"protected": False}, {"protected": True}, reason,
        )  # fmt: skip
        return Protection(environment, True, "protected")


def unprotect(store: Store, actor: str, environment: str, reason: str | None) -> Protection:
    """Ask to turn protection off: a change request like any other held change."""
    with store.session() as session:
        registry.get_environment(session, environment)
        if not rows.is_protected(session, environment):
            return Protection(environment, False, "unchanged")
        held = rows.hold(
            session, actor, "environment.unprotect", environment, environment, {}, reason
        )
        return Protection(environment, True, "requested", held)


def show(store: Store, request_id: int) -> ChangeRequest:
    with store.session() as session:
        return rows.record(rows.get(session, request_id))


def list_requests(
    store: Store, status: str | None, *, offset: int = 0, limit: int = 50
) -> tuple[list[ChangeRequest], int]:
    with store.session() as session:
        return rows.page(session, status, offset, limit)


def approve(
    store: Store, principal: Principal, request_id: int, reason: str | None = None
) -> Decision:
    """Apply a pending request as its approver (not its requester), atomically with marking
    it approved. A change that no longer applies (the flag moved on: 412, a rule now
    refuses it: 422…) fails and leaves the request pending, to be rejected or re-requested."""
    actor = principal.name
    with store.locked_session() as session:
        row = _pending(session, principal, request_id, deciding="approve")
        applied = _apply(session, rows.record(row), principal)
        _decide(session, row, actor, "approved", reason)
        audit.record(
            session, actor, "approval.approved", "change-request", str(row.id),
            {"status": "pending", "requested_by": row.requested_by},
            {"status": "approved", "action": row.action, "target": row.target}, reason,
        )  # fmt: skip
        return Decision(rows.record(row), applied)


def reject(
    store: Store, principal: Principal, request_id: int, reason: str | None = None
) -> Decision:
    """Decline a pending request; anyone but its requester may (the requester withdraws it
    the same way: ``reject`` of one's own request is allowed)."""
    actor = principal.name
    with store.locked_session() as session:
        row = _pending(session, principal, request_id, deciding="reject")
        _decide(session, row, actor, "rejected", reason)
        audit.record(
            session, actor, "approval.rejected", "change-request", str(row.id),
            {"status": "pending"}, {"status": "rejected"}, reason,
        )  # fmt: skip
        return Decision(rows.record(row))


def _may_decide(session: Session, principal: Principal, request: ChangeRequest) -> None:
    """Whoever may make the change may decide it (checked under the same locks)."""
    payload, env, target = request.payload, request.environment, request.target
    if request.action in ("flag.put", "flag.unkill"):
        flag_rows.lock_sets(session, [env])
        authz.require_flag(session, principal, env, target, payload.get("flag"))
    elif request.action == "contract.publish":
        what = "decide a forced publish"
        authz.service_for_write(session, principal, str(payload.get("service")), what=what)
    elif request.action == "flagset.import":
        flag_rows.lock_sets(session, [env])
        document, prune = payload.get("document") or {}, bool(payload.get("prune"))
        authz.require_flag_set(session, principal, env, document, prune=prune)
    else:
        authz.require_admin(principal, what=f"decide change request {request.id}")


def _pending(session: Session, principal: Principal, request_id: int, *, deciding: str) -> Any:
    actor = principal.name
    row = rows.get(session, request_id, lock=True)
    _may_decide(session, principal, rows.record(row))
    if row.status != "pending":
        raise Conflict(
            f"change request {request_id} is already {row.status}",
            where=f"approvals/{request_id}",
        )
    if row.expires_at < dt.datetime.now(dt.UTC):
        row.status = "expired"
        session.flush()
        raise Conflict(
            f"change request {request_id} expired at {row.expires_at.isoformat()}",
            where=f"approvals/{request_id}",
            hint="ask for the change again",
        )
    if deciding == "approve" and row.requested_by == actor:
        raise InvalidInput(
            f"{actor} asked for change request {request_id} and cannot approve it",
            code="self_approval",
            where=f"approvals/{request_id}",
            hint="a second person approves changes in a protected environment",
        )
    return row


def _decide(session: Session, row: Any, actor: str, status: str, reason: str | None) -> None:
    row.status = status
    row.decided_by = actor
    row.decided_at = dt.datetime.now(dt.UTC)
    row.decision_reason = reason
    session.flush()


def _apply(session: Session, request: ChangeRequest, principal: Principal) -> Any:
    payload, approver = request.payload, principal.name
    why = (
        f"{request.reason or 'no reason given'} (requested by {request.requested_by}, "
        f"approved by {approver}, request #{request.id})"
    )
    env, target = request.environment, request.target
    if request.action in ("flag.put", "flag.unkill"):
        return flags.put_in(
            session, principal, env, target, payload["flag"], if_match=payload["ifMatch"],
            reason=why, reverse_kill=bool(payload.get("reverseKill")),
            rules=payload.get("rules", ()), hold=False,
        )  # fmt: skip
    if request.action == "flag.delete":
        return flags.delete_in(
            session, principal, env, target, if_match=payload["ifMatch"], reason=why, hold=False
        )
    if request.action == "flagset.import":
        document = payload["document"]
        plain = for_environment(document, env)
        return flags.import_in(
            session, principal, env, document, dict(plain.get("flags") or {}),
            dict(plain.get("metadata") or {}), dict(plain.get("$evaluators") or {}),
            reason=why, prune=bool(payload.get("prune")),
            allow_invalid=bool(payload.get("allowInvalid")),
            reverse_kills=bool(payload.get("reverseKills")), rules=payload.get("rules", ()),
            hold=False,
        )  # fmt: skip
    if request.action == "contract.publish":
        filename = payload.get("filename") or f"{payload['contract']}@{payload['version']}"
        doc = contracts.Document(
            Source(payload["content"], filename), payload.get("filename") or "",
            payload.get("kind"), None, payload.get("policy"),
        )  # fmt: skip
        return contracts.publish(
            session, principal, payload["service"], payload["contract"], payload["version"],
            doc, force=True, semantic_change=bool(payload.get("semanticChange")),
            adr=payload.get("adr"), reason=why, hold=False,
        )  # fmt: skip
    if request.action == "contract.mode":
        return contracts.set_mode(
            session,
            approver,
            payload["service"],
            payload["contract"],
            payload["mode"],
            why,
            hold=False,
        )
    if request.action == "environment.unprotect":
        protection = rows.protection(session, env)
        if protection is not None:
            session.delete(protection)
            audit.record(
                session, approver, "environment.unprotected", "environment", env,
                {"protected": True}, {"protected": False}, why,
            )  # fmt: skip
        return None
    raise PreconditionFailed(
        f"change request {request.id} has an unknown action {request.action!r}"
    )
