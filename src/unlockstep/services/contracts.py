"""Contracts a service provides: read them, check a candidate, publish a version.

Publishing gathers the contract's history from the store, judges the document in core
(``core.contracts.judge`` under the contract's mode), refuses a violation unless forced with
a reason (a returned :class:`Refused`, not an exception), persists the document, records the
audit event and verifies every stored expectation of the contract against it.

A contract's compatibility mode is set when it is first published and changes only through
:func:`set_mode`, its own audited action: a publish naming another mode is refused, never a
quiet way to loosen the check it is about to pass.

When the providing service has a version deployed or released in a protected environment, a
forced publish (one that breaks the mode or replaces a published document) and a mode change
are held as change requests (``services/approvals.py``) showing what they would do; an
approval runs them again, as the approver, with ``hold=False``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core.compat import CompatibilityReport, Source
from unlockstep.core.contracts import (
    Registered,
    canonical_hash,
    engine_for,
    judge,
    parse_mode,
    parse_policy,
)
from unlockstep.core.envelope import check_publish
from unlockstep.errors import Conflict, InvalidInput, NotFound
from unlockstep.services import authz, expectations
from unlockstep.services import contract_references as refs
from unlockstep.services.authz import Principal
from unlockstep.services.contract_references import ContractRef
from unlockstep.store import approvals as held
from unlockstep.store import audit, registry
from unlockstep.store import contracts as store
from unlockstep.store.approvals import ChangeRequest
from unlockstep.store.contract_tables import Contract, ContractVersion
from unlockstep.store.tables import Service


@dataclass(frozen=True)
class ContractInfo:
    service: str
    name: str
    kind: str
    mode: str
    created_at: str | None

    @classmethod
    def of(cls, contract: Contract, service: str) -> ContractInfo:
        created = contract.created_at.isoformat() if contract.created_at else None
        return cls(service, contract.name, contract.kind, contract.mode, created)


@dataclass(frozen=True)
class VersionInfo:
    version: str
    sha256: str
    filename: str | None
    published_by: str
    published_at: str

    @classmethod
    def of(cls, cv: ContractVersion, number: str) -> VersionInfo:
        return cls(number, cv.blob_sha256, cv.filename, cv.published_by,
                   cv.published_at.isoformat())  # fmt: skip


@dataclass(frozen=True)
class ContractDetail(ContractInfo):
    versions: list[VersionInfo] = field(default_factory=list)


@dataclass(frozen=True)
class ContractDocument(VersionInfo):
    content: str = ""


@dataclass(frozen=True)
class Document:
    """A document submitted for a contract: its text and how to judge it."""

    source: Source
    filename: str = ""  # as submitted (the source's name falls back to ``name@version``)
    kind: str | None = None
    mode: str | None = None
    policy: str | None = None
    #: the files it imports or ``$ref``s, each a published contract version
    references: tuple[ContractRef, ...] = ()


@dataclass(frozen=True)
class Checked:
    registered: bool
    report: CompatibilityReport


@dataclass(frozen=True)
class Published:
    contract: ContractInfo
    version: VersionInfo
    outcome: str  # created | unchanged | replaced
    report: CompatibilityReport | None
    verifications: list[expectations.ConsumerResult]


@dataclass(frozen=True)
class Refused:
    """The document violates the contract's mode (or declares a semantic change under the
    same event type): nothing was written."""

    message: str
    report: CompatibilityReport


def list_contracts(session: Session, service: str) -> list[ContractInfo]:
    svc = registry.get_service(session, service)
    return [ContractInfo.of(c, svc.name) for c in store.list_contracts(session, svc)]


def detail(session: Session, service: str, name: str) -> ContractDetail:
    svc = registry.get_service(session, service)
    contract = store.get_contract(session, svc, name)
    info = ContractInfo.of(contract, svc.name)
    found = [VersionInfo.of(cv, n) for cv, n in store.versions(session, contract)]
    return ContractDetail(**asdict(info), versions=found)


def document(session: Session, service: str, name: str, number: str) -> ContractDocument:
    svc = registry.get_service(session, service)
    contract = store.get_contract(session, svc, name)
    cv = store.current(session, contract, number)
    if cv is None:
        raise NotFound(f"{svc.name}/{name} has no document for version {number!r}", where="version")
    text = store.content(session, cv.blob_sha256) or ""
    return ContractDocument(**asdict(VersionInfo.of(cv, number)), content=text)


def referenced_by(session: Session, service: str, name: str, number: str) -> list[refs.Referrer]:
    svc = registry.get_service(session, service)
    cv = store.current(session, store.get_contract(session, svc, name), number)
    if cv is None:
        raise NotFound(f"{svc.name}/{name} has no document for version {number!r}", where="version")
    return refs.referenced_by(session, cv)


def check(session: Session, service: str, name: str, doc: Document) -> Checked:
    """What this document would do if published next: the report, nothing written."""
    svc = registry.get_service(session, service)
    contract = store.find_contract(session, svc, name)
    engine = engine_for(doc.source, doc.kind, contract.kind if contract else None)
    mode = parse_mode(doc.mode or (contract.mode if contract else None))
    history = _history(session, contract)
    source = refs.with_references(
        doc.source, refs.resolve(session, svc.name, doc.references), session
    )
    report = judge(engine, source, history, mode, parse_policy(doc.policy))
    return Checked(contract is not None, report)


def _history(
    session: Session, contract: Contract | None, *, excluding: str | None = None
) -> list[Registered]:
    """The registered documents, oldest first, each reading the files it references."""
    if contract is None:
        return []
    out = []
    for cv, number in store.versions(session, contract):
        text = store.content(session, cv.blob_sha256)
        if number != excluding and text is not None:
            filename = cv.filename or f"{contract.name}@{number}"
            out.append(Registered(number, text, filename, refs.reader_of(session, cv)))
    return out


def publish(
    session: Session,
    principal: Principal,
    service: str,
    name: str,
    number: str,
    doc: Document,
    *,
    force: bool = False,
    semantic_change: bool = False,
    adr: str | None = None,
    reason: str | None = None,
    hold: bool = True,
) -> Published | Refused | ChangeRequest:
    """Publish ``doc`` as version ``number``. ``force`` publishes despite a violated mode or
    replaces a version's document, and then needs a ``reason`` (audited). The principal
    must be allowed to write to ``service`` (checked on its locked row)."""
    actor = principal.name
    svc = authz.service_for_write(session, principal, service, what="publish contracts")
    registry.check_name(name, "contract")
    targets = refs.resolve(session, svc.name, doc.references)
    source = refs.with_references(doc.source, targets, session)
    sha256 = canonical_hash(source)
    contract = store.find_contract(session, svc, name)
    engine = engine_for(source, doc.kind, contract.kind if contract else None)
    mode = parse_mode(contract.mode if contract else doc.mode)
    if contract is not None and doc.mode and parse_mode(doc.mode) != mode:
        authz.require_admin(principal, what=f"change the mode of {service}/{name}")
        raise Conflict(
            f"{service}/{name} is checked in {mode.value} mode; a publish does not change it "
            f"(asked for {parse_mode(doc.mode).value})",
            where="mode",
            hint=f"change the mode on its own, audited: `unlockstep contract mode set "
            f"--service {service} --name {name} {parse_mode(doc.mode).value} --reason …` "
            "(admin), then publish without --mode",
        )
    existing = store.current(session, contract, number)
    if contract is not None and existing is not None and existing.blob_sha256 == sha256:
        contract = _contract(session, actor, svc, name, engine.kind, mode.value, contract)
        info = ContractInfo.of(contract, svc.name)
        return Published(info, VersionInfo.of(existing, number), "unchanged", None, [])
    history = _history(session, contract, excluding=number)
    report = judge(engine, source, history, mode, parse_policy(doc.policy))
    if semantic_change:
        last = Source(history[-1].content, history[-1].filename) if history else None
        found = check_publish(source, last, declared=True, adr=adr, subject=f"{service}/{name}")
        report = CompatibilityReport(report.mode, report.kind, (*report.changes, *found))
    if not report.compatible and not force:
        message = (
            f"{service}/{name} {number} violates the contract's {mode.value} mode: "
            f"{len(report.breaking)} breaking change(s)"
        )
        if any(c.rule == "semantic-change-requires-new-event-type" for c in report.breaking):
            message = (
                f"{service}/{name} {number} declares a semantic change under the same event type"
            )
        return Refused(message, report)
    if force and (existing is not None or not report.compatible) and not (reason or "").strip():
        raise InvalidInput(
            f"forcing {service}/{name} {number} needs a reason for the audit trail",
            where="reason",
            hint="pass --reason (why the break or replacement is agreed)",
        )
    if existing is not None and not force:
        raise Conflict(
            f"{service}/{name} already has a different document for version {number}",
            where="version",
            hint="publish a new version, or pass --force to replace it (audited)",
            details={"registered_sha256": existing.blob_sha256, "proposed_sha256": sha256},
        )
    protected = _protected(session, svc) if hold and force else []
    if protected and (existing is not None or not report.compatible):
        effect = {
            "outcome": "replaced" if existing is not None else "created",
            "replaces": existing.blob_sha256 if existing is not None else None,
            "sha256": sha256, "mode": mode.value, "breaking": len(report.breaking),
            "report": report.to_dict(),
        }  # fmt: skip
        payload = {
            "service": svc.name, "contract": name, "version": number, "content": source.text,
            "filename": doc.filename, "kind": doc.kind, "policy": doc.policy,
            "semanticChange": semantic_change, "adr": adr,
            "protectedEnvironments": protected, "effect": effect,
        }  # fmt: skip
        target = f"{svc.name}/{name}/{number}"
        return held.hold(session, actor, "contract.publish", protected[0], target, payload, reason)
    contract = _contract(session, actor, svc, name, engine.kind, mode.value, contract)
    forced = report.to_dict() if not report.compatible else None
    version, outcome = _store_version(
        session, actor, svc, contract, number, sha256, doc, forced, existing, reason
    )
    if outcome == "created" and targets:
        stored = store.current(session, contract, number)
        assert stored is not None
        refs.save(session, stored, targets)
    verified = expectations.verify_published(session, svc, number, name)
    return Published(ContractInfo.of(contract, svc.name), version, outcome, report, verified)


def ensure_contract(
    session: Session, actor: str, service: Service, name: str, kind: str, mode: str
) -> Contract:
    """The contract ``name`` of ``service``, created (audited) when it does not exist yet."""
    registry.check_name(name, "contract")
    return _contract(
        session, actor, service, name, kind, mode, store.find_contract(session, service, name)
    )


def record_version(
    session: Session,
    actor: str,
    service: Service,
    contract: Contract,
    number: str,
    doc: Document,
    targets: list[tuple[str, ContractVersion]] | None = None,
) -> ContractVersion:
    """Store ``doc`` as the new version ``number`` of ``contract``, already judged by the
    caller under its own rules (the schema-registry API): written, audited and verified
    against the contract's expectations like a publish."""
    sha256 = canonical_hash(doc.source)
    _store_version(session, actor, service, contract, number, sha256, doc, None, None)
    expectations.verify_published(session, service, number, contract.name)
    row = store.current(session, contract, number)
    assert row is not None
    refs.save(session, row, targets or [])
    return row


def _contract(
    session: Session,
    actor: str,
    service: Service,
    name: str,
    kind: str,
    mode: str,
    contract: Contract | None,
) -> Contract:
    key = f"{service.name}/{name}"
    if contract is None:
        contract = store.create_contract(session, service, name, kind, mode)
        after = asdict(ContractInfo.of(contract, service.name))
        audit.record(session, actor, "contract.created", "contract", key, None, after)
    return contract


def _protected(session: Session, service: Service) -> list[str]:
    """Protected environments where a version of ``service`` is deployed or released."""
    live = {d.environment for d in registry.live_versions(session, service_id=service.id)}
    return sorted(env for env in live if held.is_protected(session, env))


def set_mode(
    session: Session, actor: str, service: str, name: str, mode: str, reason: str, *,
    hold: bool = True,
) -> tuple[ContractInfo, str] | ChangeRequest:  # fmt: skip
    """Change a contract's compatibility mode: its own action, with a reason, audited as
    ``contract.mode_changed``. Returns the contract and ``updated`` or ``unchanged``, or (the
    service being live in a protected environment) the change request that holds it."""
    if not reason.strip():
        raise InvalidInput("changing a contract's mode needs a reason", where="reason")
    svc = registry.get_service(session, service)
    contract = store.get_contract(session, svc, name)
    new = parse_mode(mode).value
    if contract.mode == new:
        return ContractInfo.of(contract, svc.name), "unchanged"
    protected = _protected(session, svc) if hold else []
    if protected:
        payload = {
            "service": svc.name, "contract": name, "mode": new,
            "protectedEnvironments": protected, "effect": {"from": contract.mode, "to": new},
        }  # fmt: skip
        target = f"{svc.name}/{name}"
        return held.hold(session, actor, "contract.mode", protected[0], target, payload, reason)
    before = asdict(ContractInfo.of(contract, svc.name))
    contract.mode = new
    session.flush()
    after = asdict(ContractInfo.of(contract, svc.name))
    key = f"{svc.name}/{name}"
    audit.record(
        session, actor, "contract.mode_changed", "contract", key, before, after, reason=reason
    )
    return ContractInfo.of(contract, svc.name), "updated"


def _store_version(
    session: Session,
    actor: str,
    service: Service,
    contract: Contract,
    number: str,
    sha256: str,
    doc: Document,
    forced_report: dict[str, Any] | None,
    existing: ContractVersion | None,
    reason: str | None = None,
) -> tuple[VersionInfo, str]:
    """Write the document (a forced replacement of ``existing``, or a new version)."""
    store.store_blob(session, sha256, doc.source.text)
    key = f"{service.name}/{contract.name}/{number}"
    filename = doc.filename
    if existing is not None:
        before = asdict(VersionInfo.of(existing, number))
        existing.blob_sha256, existing.filename, existing.published_by = sha256, filename, actor
        session.flush()
        after = VersionInfo.of(existing, number)
        audit.record(
            session, actor, "contract.version.forced", "contract", key, before, asdict(after),
            reason=f"--force: replaced the document of an already published version: {reason}",
        )  # fmt: skip
        return after, "replaced"
    version, _ = registry.upsert_version(session, actor, service, number)
    row = store.add_version(session, contract, version, sha256, filename, actor)
    info = VersionInfo.of(row, number)
    if forced_report is not None:
        audit.record(
            session, actor, "contract.version.forced", "contract", key, None,
            {**asdict(info), "report": forced_report},
            reason=f"--force: published although it violates the contract's mode: {reason}",
        )  # fmt: skip
    else:
        audit.record(
            session, actor, "contract.version.published", "contract", key, None, asdict(info)
        )
    return info, "created"
