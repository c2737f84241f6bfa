"""Gathering can-i-merge's inputs: the same decision as can-i-deploy
(``core.contracts.decide``), where the counterparts are not what is live in an environment
but the newest version on the main branch of each integrated service.

Per subject version: as consumer, for each provider it expects something of, the provider's
newest main-branch version; as provider, for each consumer expecting something of it, the
consumer's newest main-branch version that has an expectation of it. The evidence of each
pair is the stored verifications, as for can-i-deploy.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from unlockstep.core import contracts as core
from unlockstep.store import registry
from unlockstep.store.broker_tables import BrokerService, VersionBranch
from unlockstep.store.can_i_deploy import Pair, evidence, verifications
from unlockstep.store.expectation_tables import ExpectationRow
from unlockstep.store.tables import Service, Version

MAIN = "main branch"


def _main_branch_versions(session: Session, service_ids: set[int]) -> dict[int, tuple[int, str]]:
    """service id -> (version id, number) of its newest version on its main branch."""
    if not service_ids:
        return {}
    rows = session.execute(
        select(Version.service_id, Version.id, Version.number)
        .join(VersionBranch, VersionBranch.version_id == Version.id)
        .join(BrokerService, BrokerService.service_id == Version.service_id)
        .where(
            Version.service_id.in_(sorted(service_ids)),
            VersionBranch.name == BrokerService.main_branch,
        )
        .order_by(Version.created_at, Version.id)
    )
    return {sid: (vid, number) for sid, vid, number in rows}  # the newest wins


def gather_main_branches(session: Session, wanted: list[tuple[str, str]]) -> list[core.Subject]:
    subjects = []
    for name, number in wanted:
        service = registry.get_service(session, name)
        version = registry.get_version(session, service, number)
        expected = session.execute(
            select(
                ExpectationRow.id, ExpectationRow.provider_service_id, ExpectationRow.contract
            ).where(ExpectationRow.consumer_version_id == version.id)
        ).all()
        consumers = session.execute(
            select(
                ExpectationRow.id,
                ExpectationRow.consumer_service_id,
                ExpectationRow.consumer_version_id,
                ExpectationRow.contract,
            ).where(ExpectationRow.provider_service_id == service.id)
        ).all()
        involved = {r.provider_service_id for r in expected} | {
            r.consumer_service_id for r in consumers
        }
        mains = _main_branch_versions(session, involved)
        names: dict[int, str] = {
            sid: str(n)
            for sid, n in session.execute(
                select(Service.id, Service.name).where(Service.id.in_(sorted(involved)))
            )
        }
        pairs: set[Pair] = set()
        consumes = []
        for exp_id, provider_id, contract in expected:
            main = mains.get(provider_id)
            if main is not None:
                pairs.add((exp_id, main[0]))
            consumes.append((exp_id, provider_id, contract, main))
        provides: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
        for exp_id, consumer_id, consumer_version_id, contract in consumers:
            main = mains.get(consumer_id)
            if main is not None and main[0] == consumer_version_id:
                pairs.add((exp_id, version.id))
                provides[(consumer_id, contract)].append((exp_id, main[1]))
        found = verifications(session, pairs)
        integrations = []
        for exp_id, provider_id, contract, main in consumes:
            counterparts: tuple[core.Counterpart, ...] = ()
            if main is not None:
                proof = evidence(found.get((exp_id, main[0]), []))
                counterparts = (core.Counterpart(main[1], f"newest on the {MAIN}", proof),)
            integrations.append(
                core.Integration("consumer", name, names[provider_id], contract, counterparts)
            )
        for (consumer_id, contract), items in sorted(provides.items()):
            integrations.append(
                core.Integration(
                    "provider",
                    names[consumer_id],
                    name,
                    contract,
                    tuple(
                        core.Counterpart(
                            n, f"newest on the {MAIN}", evidence(found.get((e, version.id), []))
                        )
                        for e, n in items
                    ),
                )
            )
        subjects.append(core.Subject(name, number, tuple(integrations), bool(expected)))
    return subjects
