"""Policy use cases: publish a policy version, and admit (or refuse) a write at the server's
admission points — contract publish, flag write, plan submit, record-deployment — and
can-i-deploy.

``Admission`` lives as long as the app: it keeps the policy set of the newest stored version
compiled in its worker, and looks for a newer version at most once a second. ``admit`` builds
the registry snapshot around the subject, evaluates built-ins and Rego, and on a deny records
``policy.denied`` in the audit trail in its own transaction and raises ``PolicyDenied``, before
the write's unit of work starts: a denied write changes nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core import policies as core
from unlockstep.core.compare import compare
from unlockstep.core.compat import Source
from unlockstep.core.contracts import Gate
from unlockstep.errors import InvalidInput, PolicyDenied
from unlockstep.policies import Module, PolicySet, digest, read_folder
from unlockstep.services import authz
from unlockstep.services.authz import Principal
from unlockstep.store import Store, audit
from unlockstep.store import contracts as contract_rows
from unlockstep.store import policies as rows
from unlockstep.store.policy_tables import PolicyVersion
from unlockstep.store.registry import find_service

REFRESH_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class VersionRecord:
    version: str
    modules: list[dict[str, str]]
    exceptions: list[dict[str, Any]]
    source: str | None
    created_by: str
    created_at: str

    @classmethod
    def of(cls, row: PolicyVersion) -> VersionRecord:
        return cls(
            row.version,
            list(row.modules),
            list(row.exceptions),
            row.source,
            row.created_by,
            row.created_at.isoformat(),
        )


def _exceptions_of(items: Iterable[dict[str, Any]]) -> list[core.PolicyException]:
    return [
        core.PolicyException(
            e["id"],
            e["rule"],
            e["subject"],
            e["owner"],
            e["reason"],
            date.fromisoformat(e["expires"]),
        )
        for e in items
    ]


def version_of(modules: Sequence[Module], exceptions: Sequence[core.PolicyException]) -> str:
    marker = Module(
        "\0exceptions", "\n".join(sorted(repr(sorted(e.to_dict().items())) for e in exceptions))
    )
    return digest([*modules, marker])


def publish(
    store: Store,
    principal: Principal,
    modules: Sequence[Module],
    exceptions: Sequence[core.PolicyException],
    *,
    source: str | None = None,
) -> tuple[VersionRecord, str]:
    """Store the set as the version in force; ``unchanged`` when it already is."""
    authz.require_admin(principal, what="publish policies")
    for module in modules:
        if not module.name.endswith(".rego"):
            raise InvalidInput("a policy module's name ends in .rego", where=module.name)
    version = version_of(modules, exceptions)

    def work(session: Session) -> tuple[VersionRecord, str]:
        latest = rows.latest_version(session)
        if latest is not None and latest.version == version:
            return VersionRecord.of(latest), "unchanged"
        row = PolicyVersion(
            version=version,
            modules=[{"name": m.name, "text": m.text} for m in modules],
            exceptions=[e.to_dict() for e in exceptions],
            source=source,
            created_by=principal.name,
        )
        session.add(row)  # going back to an earlier set adds it again, on top
        session.flush()
        after = {"version": version, "modules": [m.name for m in modules], "source": source}
        audit.record(
            session, principal.name, "policies.published", "policies", version, None, after
        )
        return VersionRecord.of(row), "created"

    return store.retrying(work)


def publish_folder(store: Store, principal: Principal, folder: Path) -> tuple[VersionRecord, str]:
    modules, exceptions = read_folder(folder)
    return publish(store, principal, modules, exceptions, source=str(folder))


def current(store: Store) -> VersionRecord | None:
    with store.session() as session:
        row = rows.latest_version(session)
        return VersionRecord.of(row) if row is not None else None


def versions(store: Store) -> list[VersionRecord]:
    with store.session() as session:
        return [VersionRecord.of(r) for r in rows.list_versions(session)]


class Admission:
    """The policy set in force, kept compiled; thread-safe."""

    def __init__(self, store: Store, *, timeout: float, enforce: Iterable[str]) -> None:
        self.store = store
        self.timeout = timeout
        self.enforce = frozenset(enforce)
        self._lock = threading.Lock()
        self._version: str | None = None
        self._set = PolicySet(timeout=timeout)
        self._checked = 0.0

    def policy_set(self) -> PolicySet:
        now = time.monotonic()
        if now - self._checked < REFRESH_SECONDS:
            return self._set
        with self._lock:
            if now - self._checked < REFRESH_SECONDS:
                return self._set
            with self.store.session() as session:
                latest = rows.latest_version(session)
                if latest is not None and latest.version != self._version:
                    modules = [Module(m["name"], m["text"]) for m in latest.modules]
                    fresh = PolicySet(
                        modules, _exceptions_of(latest.exceptions), timeout=self.timeout
                    )
                    old, self._set, self._version = self._set, fresh, latest.version
                    old.close()
            self._checked = now
            return self._set

    def refresh(self) -> None:
        self._checked = 0.0

    def close(self) -> None:
        self._set.close()

    def judge(self, subject: core.Subject, registry: dict[str, Any]) -> core.Decision:
        """Every finding for ``subject`` with ``registry`` (its snapshot); built-ins not
        enforced here count as warnings."""
        decision = self.policy_set().check([subject], lambda _: registry)
        findings = tuple(
            f
            if f.source != "builtin" or f.rule in self.enforce or not f.severity.blocks
            else replace(f, severity=core.Severity.WARN)
            for f in decision.findings
        )
        return core.Decision(findings, decision.problems, decision.subjects)


def admit(
    store: Store,
    admission: Admission | None,
    principal: Principal,
    subject: core.Subject | Callable[[Session, dict[str, Any]], core.Subject],
    *,
    services: Iterable[str],
    environment: str | None,
    action: str,
    entity_type: str,
    entity_key: str,
) -> core.Decision | None:
    """Check a write before it is made (``subject`` may be built from the registry snapshot,
    in the same unit of work). A deny is audited (``policy.denied``) and raised as
    ``PolicyDenied`` whose details carry the decision; nothing else is written."""
    if admission is None:
        return None
    with store.session() as session:
        registry = rows.snapshot(session, services, environment)
        made = subject(session, registry) if callable(subject) else subject
        decision = admission.judge(made, registry)
    if decision.allowed:
        return decision
    body = decision.to_dict()
    with store.session() as session:
        audit.record(
            session,
            principal.name,
            "policy.denied",
            entity_type,
            entity_key,
            None,
            {"action": action, "decision": body},
            reason="; ".join(
                [f"{f.rule}: {f.message}" for f in decision.findings if f.blocks]
                + [f"{p.policy}: {p.message}" for p in decision.problems]
            )[:2000],
        )
    first = next((f for f in decision.findings if f.blocks), None)
    message = (
        f"{action} denied by policy {first.rule}: {first.message}"
        if first is not None
        else f"{action} denied: a policy could not be evaluated ({decision.problems[0].policy})"
    )
    raise PolicyDenied(
        message,
        where=first.path if first is not None else None,
        hint=first.fix if first is not None and first.fix else None,
        details=body,
    )


def as_gates(decision: core.Decision, subject: str) -> list[Gate]:
    """A policy decision as can-i-deploy gates: blocking findings and problems say no,
    warnings and waived findings inform."""
    gates = [
        Gate(
            "policy",
            "no" if f.blocks else "yes",
            subject,
            f.message + (f" (waived by exception {f.excepted_by})" if f.excepted_by else ""),
            f.fix,
            f.rule,
        )
        for f in decision.findings
    ]
    gates.extend(
        Gate("policy", "no", subject, f"policy could not be evaluated: {p.message}", "", p.policy)
        for p in decision.problems
    )
    return gates


def services_named(subject: core.Subject) -> set[str]:
    """The services a subject is about: a plan's services and contract providers and
    consumers, a flag's or deploy's service."""
    spec = subject.spec
    names: set[str] = set()
    if subject.kind == "ReleasePlan":
        if isinstance(spec.get("services"), dict):
            names.update(str(n) for n in spec["services"])
        for _group, _path, item in core.plan_contracts(spec):
            if item.get("provider"):
                names.add(str(item["provider"]))
            if isinstance(item.get("consumers"), list):
                names.update(str(c) for c in item["consumers"])
    elif isinstance(spec.get("service"), str):
        names.add(spec["service"])
    return names


def check_documents(
    store: Store,
    admission: Admission,
    documents: Sequence[tuple[str, str]],
    environment: str | None,
) -> core.Decision:
    """Documents as subjects, each judged with the registry snapshot around it."""
    subjects = [s for name, text in documents for s in core.subjects_from_text(text, name)]
    with store.session() as session:
        snapshots = {
            id(s): rows.snapshot(session, services_named(s), environment) for s in subjects
        }
    return admission.policy_set().check(subjects, lambda s: snapshots[id(s)])


def rollback_breaks(
    session: Session,
    service: str,
    version: str,
    environment: str,
    live: list[str] | None = None,
) -> dict[str, Any] | None:
    """What rolling ``service`` back from ``version`` to the version live in ``environment``
    would break (§6, N-1): each contract's change from the new document back to the old one,
    judged BACKWARD (readers of the new one reading the old). None on a first deploy."""
    if live is None:
        live = rows.live_versions(session, [service]).get(service, {}).get(environment, [])
    previous = next((v for v in reversed(live) if v != version), None)
    if previous is None:
        return None
    found = find_service(session, service)
    breaks: list[str] = []
    if found is not None:
        for contract in contract_rows.list_contracts(session, found):
            by_number = {n: cv for cv, n in contract_rows.versions(session, contract)}
            new, old = by_number.get(version), by_number.get(previous)
            if new is None or old is None or new.blob_sha256 == old.blob_sha256:
                continue
            new_text = contract_rows.content(session, new.blob_sha256) or ""
            old_text = contract_rows.content(session, old.blob_sha256) or ""
            report = compare(
                Source(new_text, f"{contract.name}@{version}"),
                Source(old_text, f"{contract.name}@{previous}"),
                contract.kind,
                "BACKWARD",
            )
            breaks.extend(f"{contract.name}: {c.message}" for c in report.breaking)
    return {"version": previous, "breaks": breaks}


def deployment(
    session: Session,
    service: str,
    version: str,
    environment: str,
    *,
    canary: str | None = None,
    instance: str | None = None,
    registry: dict[str, Any] | None = None,
) -> core.Subject:
    """A deploy as a policy subject; for a critical tier, with what rollback would break.
    With the registry snapshot, its tier and live versions are not read again."""
    spec: dict[str, Any] = {"service": service, "version": version, "environment": environment}
    if canary:
        spec["canary"] = canary
    if instance:
        spec["instance"] = instance
    known = (registry or {}).get("services", {}).get(service)
    if known is not None:
        tier = known.get("tier")
    else:
        found = find_service(session, service)
        tier = found.tier if found is not None else None
    if core.is_critical(tier):
        live = known.get("live", {}).get(environment) if known is not None else None
        rollback = rollback_breaks(session, service, version, environment, live)
        if rollback is not None:
            spec["rollback"] = rollback
    return core.Subject("Deployment", f"{service}@{version}", spec)


# -- the admission points -------------------------------------------------------------------


def admit_deployment(
    store: Store,
    admission: Admission | None,
    principal: Principal,
    service: str,
    version: str,
    environment: str,
    *,
    canary: str | None = None,
    instance: str | None = None,
) -> core.Decision | None:
    if admission is None:
        return None

    def subject(session: Session, registry: dict[str, Any]) -> core.Subject:
        return deployment(
            session, service, version, environment, canary=canary, instance=instance,
            registry=registry,
        )  # fmt: skip

    return admit(
        store, admission, principal, subject, services=[service], environment=environment,
        action="record-deployment", entity_type="deployment", entity_key=f"{service}/{environment}",
    )  # fmt: skip


def admit_flag(
    store: Store,
    admission: Admission | None,
    principal: Principal,
    environment: str,
    key: str,
    flag: dict[str, Any],
) -> core.Decision | None:
    subject = core.Subject(
        "FeatureFlag", key, {**core.flag_spec(key, flag), "environment": environment}
    )
    service = subject.spec.get("service")
    return admit(
        store, admission, principal, subject,
        services=[service] if isinstance(service, str) else [], environment=environment,
        action="flag write", entity_type="flag", entity_key=f"{environment}/{key}",
    )  # fmt: skip


def admit_contract(
    store: Store,
    admission: Admission | None,
    principal: Principal,
    service: str,
    name: str,
    version: str,
    *,
    content: str,
    filename: str,
    kind: str | None,
    adr: str | None,
) -> core.Decision | None:
    if admission is None:
        return None
    from unlockstep.core.documents import load
    from unlockstep.errors import ParseError

    try:
        document: Any = load(content, filename or f"{name}@{version}").value
    except ParseError:
        document = None  # not JSON or YAML (Protobuf, SQL): policies see the text only
    spec = {
        "service": service, "name": name, "version": version, "format": kind,
        "document": document if isinstance(document, dict) else None, "adr": adr,
    }  # fmt: skip
    # absent, not null: Rego's `not input.spec.adr` holds for a missing field only
    spec = {k: v for k, v in spec.items() if v is not None}
    subject = core.Subject("Contract", f"{service}/{name}@{version}", spec)
    return admit(
        store, admission, principal, subject, services=[service], environment=None,
        action="contract publish", entity_type="contract", entity_key=f"{service}/{name}",
    )  # fmt: skip


def admit_plan(
    store: Store,
    admission: Admission | None,
    principal: Principal,
    source: str,
    filename: str,
) -> core.Decision | None:
    if admission is None:
        return None
    subjects = [s for s in core.subjects_from_text(source, filename) if s.kind == "ReleasePlan"]
    if not subjects:
        return None
    subject = subjects[0]
    return admit(
        store, admission, principal, subject, services=services_named(subject),
        environment=str(subject.spec.get("environment") or "production"),
        action="plan submit", entity_type="plan", entity_key=subject.name,
    )  # fmt: skip
