"""Gathering can-i-deploy's inputs: a handful of indexed, column-only queries per subject,
whose cost follows the subject's own integrations (its expectations, the consumers
expecting something of it, what of those is live), never the size of the estate nor the
length of a service's history.

The queries run on the session's Core connection: they read columns, never ORM objects, and
the ORM's per-statement bookkeeping cost more than the queries themselves
(``bench/pact_matrix.py``).

Per subject: its service and version; its expectations (as consumer) with the provider
versions live in the environment; the live consumer versions expecting something of it (as
provider); the verifications of all those pairs in one query; the contracts it published.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.orm import Session

from unlockstep.core import contracts as core
from unlockstep.errors import InvalidInput
from unlockstep.store import registry
from unlockstep.store.contract_tables import Contract, ContractVersion
from unlockstep.store.expectation_tables import ExpectationRow, VerificationRow
from unlockstep.store.tables import Deployment, Environment, Service, Version

Pair = tuple[int, int]  # (expectation id, provider version id)

# Built once: a statement reused with bound parameters skips most of SQLAlchemy's per-call
# construction cost, which otherwise dominates these sub-millisecond queries.
_ENVIRONMENT = select(Environment.id).where(Environment.name == bindparam("name"))
_SUBJECT = (
    select(Service.id, Version.id)
    .join(Version, Version.service_id == Service.id)
    .where(Service.name == bindparam("name"), Version.number == bindparam("number"))
)
_EXPECTED_OF = (
    select(
        ExpectationRow.id, ExpectationRow.provider_service_id, ExpectationRow.contract, Service.name
    )
    .join(Service, Service.id == ExpectationRow.provider_service_id)
    .where(ExpectationRow.consumer_version_id == bindparam("version"))
)
_LIVE = (
    select(Deployment.service_id, Deployment.version_id, Version.number, Deployment.kind)
    .join(Version, Version.id == Deployment.version_id)
    .where(
        Deployment.environment_id == bindparam("env"),
        Deployment.ended_at.is_(None),
        Deployment.service_id.in_(bindparam("services", expanding=True)),
    )
)
_CONSUMERS_OF = (
    select(ExpectationRow.consumer_service_id)
    .where(ExpectationRow.provider_service_id == bindparam("service"))
    .distinct()
)
# Driven from the consumer services' live deployments (an IN list on the indexed
# environment/service columns), so the plan never walks everything live in the environment.
_LIVE_CONSUMERS = (
    select(
        ExpectationRow.id,
        ExpectationRow.consumer_service_id,
        ExpectationRow.contract,
        Service.name,
        Version.number,
        Deployment.kind,
    )
    .join(Deployment, Deployment.version_id == ExpectationRow.consumer_version_id)
    .join(Version, Version.id == ExpectationRow.consumer_version_id)
    .join(Service, Service.id == ExpectationRow.consumer_service_id)
    .where(
        ExpectationRow.provider_service_id == bindparam("service"),
        Deployment.environment_id == bindparam("env"),
        Deployment.service_id.in_(bindparam("consumers", expanding=True)),
        Deployment.ended_at.is_(None),
    )
)
_JOINT_CONSUMERS = (
    select(ExpectationRow.id, ExpectationRow.contract, Service.name, Version.number)
    .join(Service, Service.id == ExpectationRow.consumer_service_id)
    .join(Version, Version.id == ExpectationRow.consumer_version_id)
    .where(
        ExpectationRow.provider_service_id == bindparam("service"),
        ExpectationRow.consumer_version_id.in_(bindparam("versions", expanding=True)),
    )
)
_VERIFICATIONS = select(
    VerificationRow.id,
    VerificationRow.expectation_id,
    VerificationRow.provider_version_id,
    VerificationRow.status,
    VerificationRow.source,
    VerificationRow.verified_at,
    VerificationRow.build_url,
    VerificationRow.problems,
).where(
    VerificationRow.expectation_id.in_(bindparam("expectations", expanding=True)),
    VerificationRow.provider_version_id.in_(bindparam("versions", expanding=True)),
)
_PUBLISHED = (
    select(Contract.name)
    .join(ContractVersion, ContractVersion.contract_id == Contract.id)
    .where(ContractVersion.version_id == bindparam("version"))
)
_ANY_EXPECTATION = (
    select(ExpectationRow.id)
    .where(ExpectationRow.consumer_version_id == bindparam("version"))
    .limit(1)
)


def _why(kind: str, env_name: str) -> str:
    return f"{'released' if kind == 'release' else 'deployed'} in {env_name}"


def evidence(rows: list[Row[Any]]) -> tuple[core.Evidence, ...]:
    return tuple(
        core.Evidence(
            status=r.status,
            source=r.source,
            verified_at=r.verified_at.isoformat(),
            build_url=r.build_url,
            problems=tuple(
                p for p in (r.problems or {}).get("problems", []) if p.get("level") == "error"
            )
            if r.status != "verified"
            else (),
        )
        for r in sorted(rows, key=lambda r: (r.source, r.id))
    )


def verifications(db: Session | Connection, pairs: set[Pair]) -> dict[Pair, list[Row[Any]]]:
    found: dict[Pair, list[Row[Any]]] = defaultdict(list)
    if not pairs:
        return found
    expectation_ids = {e for e, _ in pairs}
    version_ids = {v for _, v in pairs}
    rows = db.execute(
        _VERIFICATIONS,
        {"expectations": sorted(expectation_ids), "versions": sorted(version_ids)},
    )
    for row in rows:
        key = (row.expectation_id, row.provider_version_id)
        if key in pairs:
            found[key].append(row)
    return found


def _resolve(session: Session, conn: Connection, name: str, number: str) -> tuple[int, int]:
    row = conn.execute(_SUBJECT, {"name": name, "number": number}).first()
    if row is None:  # for the precise NotFound (service or version)
        registry.get_version(session, registry.get_service(session, name), number)
        raise AssertionError("unreachable")
    return int(row[0]), int(row[1])


class _Gatherer:
    def __init__(self, session: Session, wanted: list[tuple[str, str]], env_name: str) -> None:
        self.conn = session.connection()
        self.env_name = env_name
        env_id = self.conn.scalar(_ENVIRONMENT, {"name": env_name})
        if env_id is None:
            registry.get_environment(session, env_name)
        self.env_id = int(env_id or 0)
        self.subjects = [
            (name, number, *_resolve(session, self.conn, name, number)) for name, number in wanted
        ]
        # service id -> (version id, number) of everything deploying together
        self.together = {sid: (vid, number) for _, number, sid, vid in self.subjects}
        if len(self.together) != len(self.subjects):
            raise InvalidInput("each service may be named once", where="service")

    def consumer_side(
        self, name: str, version_id: int
    ) -> tuple[list[tuple[str, str, int, list[tuple[int, str, str]]]], set[Pair]]:
        """(provider, contract, expectation id, [(provider version id, number, why)])."""
        expectations = self.conn.execute(_EXPECTED_OF, {"version": version_id}).all()
        provider_ids = {e.provider_service_id for e in expectations}
        live: dict[int, dict[int, tuple[str, str]]] = defaultdict(dict)
        if provider_ids:
            rows = self.conn.execute(_LIVE, {"env": self.env_id, "services": sorted(provider_ids)})
            for sid, vid, number, kind in rows:
                if sid in self.together and kind == "deployment":
                    continue  # replaced by the version deploying together
                live[sid].setdefault(vid, (number, _why(kind, self.env_name)))
        for sid in provider_ids & set(self.together):
            vid, number = self.together[sid]
            live[sid][vid] = (number, "deploying together")
        out = []
        pairs: set[Pair] = set()
        for exp_id, provider_id, contract, provider in expectations:
            versions = [(vid, n, why) for vid, (n, why) in sorted(live[provider_id].items())]
            pairs |= {(exp_id, vid) for vid, _, _ in versions}
            out.append((provider, contract, exp_id, versions))
        return out, pairs

    def provider_side(
        self, service_id: int, version_id: int
    ) -> tuple[list[tuple[str, str, int, str, str]], set[Pair]]:
        """(consumer, contract, expectation id, consumer version number, why)."""
        consumers = list(self.conn.scalars(_CONSUMERS_OF, {"service": service_id}))
        rows = (
            self.conn.execute(
                _LIVE_CONSUMERS,
                {"service": service_id, "env": self.env_id, "consumers": sorted(consumers)},
            ).all()
            if consumers
            else []
        )
        found: dict[int, tuple[str, str, int, str, str]] = {}
        for exp_id, consumer_id, contract, consumer, number, kind in rows:
            if consumer_id in self.together and kind == "deployment":
                continue
            found.setdefault(
                exp_id, (consumer, contract, exp_id, number, _why(kind, self.env_name))
            )
        joint = {vid for sid, (vid, _) in self.together.items() if sid != service_id}
        if joint:
            for exp_id, contract, consumer, number in self.conn.execute(
                _JOINT_CONSUMERS, {"service": service_id, "versions": sorted(joint)}
            ):
                found[exp_id] = (consumer, contract, exp_id, number, "deploying together")
        return list(found.values()), {(exp_id, version_id) for exp_id in found}

    def subjects_with_evidence(self) -> list[core.Subject]:
        sides = []
        pairs: set[Pair] = set()
        for name, number, sid, vid in self.subjects:
            consumes, consumer_pairs = self.consumer_side(name, vid)
            provides, provider_pairs = self.provider_side(sid, vid)
            pairs |= consumer_pairs | provider_pairs
            sides.append((name, number, vid, consumes, provides))
        found = verifications(self.conn, pairs)
        subjects = []
        for name, number, vid, consumes, provides in sides:
            integrations = [
                core.Integration(
                    "consumer",
                    name,
                    provider,
                    contract,
                    tuple(
                        core.Counterpart(n, why, evidence(found.get((exp_id, pvid), [])))
                        for pvid, n, why in versions
                    ),
                )
                for provider, contract, exp_id, versions in consumes
            ]
            published = set(self.conn.scalars(_PUBLISHED, {"version": vid})) if provides else set()
            grouped: dict[tuple[str, str], list[core.Counterpart]] = defaultdict(list)
            for consumer, contract, exp_id, cnumber, why in sorted(
                provides, key=lambda p: (p[0], p[1], p[3], p[2])
            ):
                grouped[(consumer, contract)].append(
                    core.Counterpart(cnumber, why, evidence(found.get((exp_id, vid), [])))
                )
            integrations += [
                core.Integration(
                    "provider",
                    consumer,
                    name,
                    contract,
                    tuple(cps),
                    # a pact kept under `pact` has no document to publish: only the
                    # provider's verification result can be its evidence
                    subject_has_contract=contract in published or contract == core.PACT_ONLY,
                )
                for (consumer, contract), cps in sorted(grouped.items())
            ]
            has_expectations = bool(consumes) or bool(
                self.conn.scalar(_ANY_EXPECTATION, {"version": vid})
            )
            subjects.append(core.Subject(name, number, tuple(integrations), has_expectations))
        return subjects


def gather(session: Session, wanted: list[tuple[str, str]], env_name: str) -> list[core.Subject]:
    if not wanted:
        raise InvalidInput("name at least one --service with its --version", where="service")
    return _Gatherer(session, wanted, env_name).subjects_with_evidence()
