"""Policies: the version in force, its history, publishing a new one, and checking documents
against it with the registry snapshot (the use cases are in ``services.policies``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from unlockstep.core import policies as core
from unlockstep.policies import Module
from unlockstep.server import wire_policies as wire
from unlockstep.server.deps import PrincipalDep, StoreDep
from unlockstep.server.wire import errors
from unlockstep.services import policies

router = APIRouter(tags=["policies"])


def _version(record: policies.VersionRecord) -> wire.PolicyVersionOut:
    return wire.PolicyVersionOut.model_validate(
        {
            "version": record.version,
            "modules": record.modules,
            "exceptions": record.exceptions,
            "source": record.source,
            "createdBy": record.created_by,
            "createdAt": record.created_at,
        }
    )


@router.get("/policies", response_model=wire.PoliciesOut, responses=errors())
def show(request: Request, store: StoreDep) -> wire.PoliciesOut:
    """The policy version in force and every rule it applies (built-ins first)."""
    admission: policies.Admission = request.app.state.admission
    record = policies.current(store)
    ps = admission.policy_set()
    rules = [
        {**rule, "enforced": rule["source"] == "rego" or rule["id"] in admission.enforce}
        for rule in ps.rules()
    ]
    problems = [p.to_dict() for p in ps.check([]).problems]
    return wire.PoliciesOut.model_validate(
        {
            "current": _version(record) if record is not None else None,
            "rules": rules,
            "problems": problems,
        }
    )


@router.get("/policies/versions", response_model=list[wire.VersionSummary], responses=errors())
def history(store: StoreDep) -> list[wire.VersionSummary]:
    """Every version published, newest (in force) first."""
    return [
        wire.VersionSummary(
            version=r.version,
            modules=[m["name"] for m in r.modules],
            source=r.source,
            created_by=r.created_by,
            created_at=r.created_at,
        )
        for r in policies.versions(store)
    ]


@router.put("/policies", response_model=wire.PoliciesWritten, responses=errors(401, 403, 422))
def publish(
    body: wire.PoliciesIn, request: Request, store: StoreDep, principal: PrincipalDep
) -> wire.PoliciesWritten:
    """Publish a set of Rego modules and exceptions as the version in force (admin)."""
    modules = [Module(m.name, m.text) for m in body.modules]
    exceptions = [
        core.PolicyException(e.id, e.rule, e.subject, e.owner, e.reason, e.expires)
        for e in body.exceptions
    ]
    record, outcome = policies.publish(store, principal, modules, exceptions, source=body.source)
    request.app.state.admission.refresh()
    return wire.PoliciesWritten(version=record.version, outcome=outcome)  # type: ignore[arg-type]


@router.post("/policies/check", response_model=wire.PolicyDecisionOut, responses=errors(422))
def check(body: wire.PolicyCheckIn, request: Request, store: StoreDep) -> Any:
    """Check documents (plans, flag files, contracts, resources) against the policies in
    force, with the registry snapshot around the services they name. Writes nothing."""
    admission: policies.Admission = request.app.state.admission
    decision = policies.check_documents(
        store, admission, [(d.filename, d.text) for d in body.documents], body.environment
    )
    return wire.PolicyDecisionOut.model_validate(decision.to_dict())
