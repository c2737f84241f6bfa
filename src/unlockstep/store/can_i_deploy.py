"""Gathering can-i-deploy's inputs: a handful of indexed queries per subject, whose cost
follows the subject's own integrations (its expectations, the consumers expecting something
of it, what of those is live), never the size of the estate."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from unlockstep.core import can_i_deploy as core
from unlockstep.errors import InvalidInput
from unlockstep.store import contract_documents, registry
from unlockstep.store.expectation_tables import ExpectationRow, VerificationRow
from unlockstep.store.tables import Deployment, Environment, Service, Version


def _evidence(rows: list[VerificationRow]) -> tuple[core.Evidence, ...]:
    return tuple(
        core.Evidence(
            status=r.status,
            source=r.source,
            verified_at=r.verified_at.isoformat(),
            build_url=r.build_url,
            problems=tuple(
                p for p in (r.problems or {}).get("problems", []) if p.get("level") == "error"
            ),
        )
        for r in sorted(rows, key=lambda r: (r.source, r.id))
    )


def _verifications(
    session: Session, expectation_ids: set[int], provider_version_ids: set[int]
) -> dict[tuple[int, int], list[VerificationRow]]:
    found: dict[tuple[int, int], list[VerificationRow]] = defaultdict(list)
    if not expectation_ids or not provider_version_ids:
        return found
    rows = session.scalars(
        select(VerificationRow).where(
            VerificationRow.expectation_id.in_(expectation_ids),
            VerificationRow.provider_version_id.in_(provider_version_ids),
        )
    )
    for row in rows:
        found[(row.expectation_id, row.provider_version_id)].append(row)
    return found


def _live(
    session: Session, env: Environment, service_ids: set[int]
) -> list[tuple[int, int, str, str]]:
    """(service id, version id, version number, kind) live in the environment."""
    if not service_ids:
        return []
    rows = session.execute(
        select(Deployment.service_id, Deployment.version_id, Version.number, Deployment.kind)
        .join(Version, Version.id == Deployment.version_id)
        .where(
            Deployment.environment_id == env.id,
            Deployment.ended_at.is_(None),
            Deployment.service_id.in_(service_ids),
        )
    )
    return [(s, v, n, k) for s, v, n, k in rows]


def _why(kind: str, env: Environment) -> str:
    return f"{'released' if kind == 'release' else 'deployed'} in {env.name}"


def gather(session: Session, wanted: list[tuple[str, str]], env_name: str) -> list[core.Subject]:
    if not wanted:
        raise InvalidInput("name at least one --service with its --version", where="service")
    env = registry.get_environment(session, env_name)
    resolved: list[tuple[Service, Version]] = []
    for name, number in wanted:
        service = registry.get_service(session, name)
        resolved.append((service, registry.get_version(session, service, number)))
    together = {s.id: (v.id, v.number) for s, v in resolved}
    if len(together) != len(resolved):
        raise InvalidInput("each service may be named once", where="service")
    names = {s.id: s.name for s, _ in resolved}
    subjects: list[core.Subject] = []
    for service, version in resolved:
        integrations = _as_consumer(session, env, service, version, together, names)
        integrations += _as_provider(session, env, service, version, together, names)
        has_expectations = any(i.role == "consumer" for i in integrations) or bool(
            session.scalar(
                select(ExpectationRow.id).where(ExpectationRow.consumer_version_id == version.id)
            )
        )
        subjects.append(
            core.Subject(service.name, version.number, tuple(integrations), has_expectations)
        )
    return subjects


def _service_names(session: Session, ids: set[int], known: dict[int, str]) -> dict[int, str]:
    missing = ids - set(known)
    out = dict(known)
    if missing:
        out.update(
            {
                i: n
                for i, n in session.execute(
                    select(Service.id, Service.name).where(Service.id.in_(missing))
                )
            }
        )
    return out


def _as_consumer(
    session: Session,
    env: Environment,
    service: Service,
    version: Version,
    together: dict[int, tuple[int, str]],
    names: dict[int, str],
) -> list[core.Integration]:
    expectations = session.scalars(
        select(ExpectationRow).where(ExpectationRow.consumer_version_id == version.id)
    ).all()
    provider_ids = {e.provider_service_id for e in expectations}
    counterparts: dict[int, dict[int, tuple[str, str]]] = defaultdict(dict)
    for sid, vid, number, kind in _live(session, env, provider_ids):
        if sid in together and kind == "deployment":
            continue  # replaced by the version deploying together
        counterparts[sid].setdefault(vid, (number, _why(kind, env)))
    for sid in provider_ids & set(together):
        vid, number = together[sid]
        counterparts[sid][vid] = (number, "deploying together")
    all_versions = {vid for per in counterparts.values() for vid in per}
    evidence = _verifications(session, {e.id for e in expectations}, all_versions)
    names = _service_names(session, provider_ids, names)
    out = []
    for e in expectations:
        cps = tuple(
            core.Counterpart(number, why, _evidence(evidence.get((e.id, vid), [])))
            for vid, (number, why) in sorted(counterparts[e.provider_service_id].items())
        )
        out.append(
            core.Integration(
                "consumer", service.name, names[e.provider_service_id], e.contract, cps
            )
        )
    return out


def _as_provider(
    session: Session,
    env: Environment,
    service: Service,
    version: Version,
    together: dict[int, tuple[int, str]],
    names: dict[int, str],
) -> list[core.Integration]:
    live_rows = session.execute(
        select(ExpectationRow, Version.number, Deployment.kind)
        .join(Deployment, Deployment.version_id == ExpectationRow.consumer_version_id)
        .join(Version, Version.id == ExpectationRow.consumer_version_id)
        .where(
            ExpectationRow.provider_service_id == service.id,
            Deployment.environment_id == env.id,
            Deployment.ended_at.is_(None),
        )
    ).all()
    pairs: dict[int, tuple[ExpectationRow, str, str]] = {}
    for row, number, kind in live_rows:
        if row.consumer_service_id in together and kind == "deployment":
            continue
        pairs.setdefault(row.id, (row, number, _why(kind, env)))
    joint = {vid for sid, (vid, _) in together.items() if sid != service.id}
    if joint:
        for row in session.scalars(
            select(ExpectationRow).where(
                ExpectationRow.provider_service_id == service.id,
                ExpectationRow.consumer_version_id.in_(joint),
            )
        ):
            number = together[row.consumer_service_id][1]
            pairs[row.id] = (row, number, "deploying together")
    evidence = _verifications(session, set(pairs), {version.id})
    published = contract_documents.published(session, version.id)
    names = _service_names(session, {r.consumer_service_id for r, _, _ in pairs.values()}, names)
    grouped: dict[tuple[int, str], list[core.Counterpart]] = defaultdict(list)
    for row, number, why in sorted(pairs.values(), key=lambda p: (p[1], p[0].id)):
        grouped[(row.consumer_service_id, row.contract)].append(
            core.Counterpart(number, why, _evidence(evidence.get((row.id, version.id), [])))
        )
    return [
        core.Integration(
            "provider",
            names[consumer_id],
            service.name,
            contract,
            tuple(cps),
            subject_has_contract=contract in published,
        )
        for (consumer_id, contract), cps in sorted(grouped.items())
    ]


def can_i_deploy(session: Session, wanted: list[tuple[str, str]], env_name: str) -> dict[str, Any]:
    decision = core.decide(gather(session, wanted, env_name), env_name)
    body = decision.to_dict()
    body["subjects"] = [{"service": s, "version": v} for s, v in wanted]
    return body
