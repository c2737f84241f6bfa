"""Answering a release plan's questions from the registry, in a few indexed queries whose
cost follows the plan (its consumers, its contracts), never the size of the estate.

Verifications: which provider versions carry each new contract (the plan's ``new`` file
found by content hash among published contract versions, else a provider version the
question names, else the versions the plan names for the provider); the consumers'
versions live in the plan's environment; the verifications of those versions against
those provider versions — one query each. Usage: evaluation counts of the flags the plan's
usage metrics name, one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from unlockstep.core.compat import Source
from unlockstep.core.contracts import canonical_hash, offers
from unlockstep.core.plans import (
    FAILED,
    NONE,
    VERIFIED,
    ContractChange,
    Plan,
    Question,
    Verification,
    find_contract,
    flag_metric,
)
from unlockstep.errors import UnlockstepError
from unlockstep.store import contract_documents
from unlockstep.store.contract_tables import Contract, ContractVersion
from unlockstep.store.expectation_tables import ExpectationRow, VerificationRow
from unlockstep.store.flag_tables import FlagEvaluationCountRow, FlagRow
from unlockstep.store.tables import Deployment, Environment, Service, Version

#: (the plan contract's names in the registry, provider version numbers)
Carried = tuple[frozenset[str], tuple[str, ...]]


def _hash(text: str, name: str) -> str | None:
    try:
        return canonical_hash(Source(text, name))
    except UnlockstepError:
        return None


def _published(
    session: Session, plan: Plan, files: Mapping[str, Any]
) -> dict[str, tuple[str, list[str]]]:
    """contract id -> (registry contract name, provider versions) whose published document
    is the plan's new file, found by content hash in one query."""
    wanted: dict[str, ContractChange] = {}
    for c in plan.contracts:
        if c.new and c.new[-1] in files:
            digest = _hash(str(files[c.new[-1]]), c.new[-1])
            if digest is not None:
                wanted[digest] = c
    out: dict[str, tuple[str, list[str]]] = {}
    if not wanted:
        return out
    rows = session.execute(
        select(ContractVersion.blob_sha256, Contract.name, Service.name, Version.number)
        .join(Contract, Contract.id == ContractVersion.contract_id)
        .join(Service, Service.id == Contract.service_id)
        .join(Version, Version.id == ContractVersion.version_id)
        .where(ContractVersion.blob_sha256.in_(sorted(wanted)))
        .order_by(Version.created_at, Version.id)
    ).all()
    for digest, contract, service, number in rows:
        c = wanted[digest]
        if service == c.provider:
            out.setdefault(c.id, (contract, []))[1].append(number)
    return out


def _versions_of(session: Session, names: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (service, version) pairs are registered."""
    pairs = set(names)
    if not pairs:
        return set()
    services = sorted({s for s, _ in pairs})
    rows = session.execute(
        select(Service.name, Version.number)
        .join(Version, Version.service_id == Service.id)
        .where(Service.name.in_(services), Version.number.in_(sorted({v for _, v in pairs})))
    ).all()
    return {(s, v) for s, v in rows} & pairs


def _registry_names(
    session: Session, changes: Iterable[ContractChange]
) -> dict[str, frozenset[str]]:
    """contract id -> the provider's registry contracts that are the plan's contract (for
    those whose ``new`` file is not published): the one named like it (its id or name),
    else those whose newest document offers it (the event ``CaseEscalated``, the operation
    ``POST /cases/{id}/escalations``). Never every contract of the provider."""
    wanted = list(changes)
    if not wanted:
        return {}
    rows = session.execute(
        select(Service.name, Service.id, Contract.name)
        .join(Contract, Contract.service_id == Service.id)
        .where(Service.name.in_(sorted({c.provider for c in wanted})))
        .order_by(Contract.name)
    ).all()
    by_provider: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for provider, provider_id, name in rows:
        by_provider[provider].append((provider_id, name))
    latest: dict[tuple[int, str], Any] = {}
    out: dict[str, frozenset[str]] = {}
    for c in wanted:
        candidates = by_provider.get(c.provider, [])
        spelled = {c.id.lower(), c.name.strip().lower()}
        named = frozenset(n for _, n in candidates if n.lower() in spelled)
        if not named:
            for key in candidates:
                if key not in latest:
                    found = contract_documents.latest(session, *key)
                    latest[key] = found[1] if found else None
            named = frozenset(n for pid, n in candidates if offers(latest[(pid, n)], c.name))
        out[c.id] = named
    return out


def _carried(
    plan: Plan,
    question: Question,
    contract: ContractChange,
    published: Mapping[str, tuple[str, list[str]]],
    registered: set[tuple[str, str]],
    names: frozenset[str],
) -> Carried | str:
    """The registry contract and provider versions a question is about, or why not known."""
    _, name, version = question
    if contract.id in published:
        names = frozenset({published[contract.id][0]})
    if not names:
        return (
            f"could not tell which {contract.provider} contract in the registry is {name}: "
            f"publish the plan's new file (`unlockstep contract publish`), or name the "
            f"contract after the registry's (`contract publish --name`)"
        )
    if version and (contract.provider, version) in registered:
        return names, (version,)
    if contract.id in published:
        return names, tuple(published[contract.id][1])
    service = plan.service(contract.provider)
    named = tuple(dict.fromkeys(v for _, v in service.versions)) if service else ()
    if named:
        return names, named
    return (
        f"could not tell which {contract.provider} version ships the new {name}: publish it "
        f"to the registry (`unlockstep contract publish`) or name "
        f"services.{contract.provider}.version in the plan"
    )


def _contract(
    plan: Plan, name: str, published: Mapping[str, tuple[str, list[str]]]
) -> ContractChange | None:
    """The plan's contract by id or name, or by the registry name its new file was
    published under (``case-summary-api``)."""
    found = find_contract(plan, name)
    if found is None:
        ids = [cid for cid, (registry_name, _) in published.items() if registry_name == name]
        found = next((c for c in plan.contracts if c.id in ids), None)
    return found


def verifications(
    session: Session, plan: Plan, files: Mapping[str, Any], asked: Iterable[Question]
) -> dict[Question, Verification]:
    """Answer every question from the registry (see the module's docstring)."""
    asked = list(asked)
    published = _published(session, plan, files)
    contracts = {q: _contract(plan, q[1], published) for q in asked}
    registered = _versions_of(
        session, ((c.provider, q[2]) for q, c in contracts.items() if c is not None and q[2])
    )
    names = _registry_names(
        session, {c.id: c for c in contracts.values() if c and c.id not in published}.values()
    )
    shared = _shared(
        {c.id: (c.provider, names.get(c.id, frozenset())) for c in contracts.values() if c}
    )
    carried: dict[Question, tuple[str, Carried]] = {}  # question -> (provider, carried)
    out: dict[Question, Verification] = {}
    for q, c in contracts.items():
        if c is None:
            out[q] = Verification("", (), {}, f"the plan has no contract named {q[1]!r}")
            continue
        found = _carried(plan, q, c, published, registered, names.get(c.id, frozenset()))
        if isinstance(found, str):
            out[q] = Verification(c.provider, (), {}, found)
        else:
            carried[q] = (c.provider, found)
    live = _live(session, plan.environment, {q[0] for q in carried})
    results = _results(
        session,
        [vid for versions in live.values() for vid, _ in versions],
        {(p, n) for p, (_, numbers) in carried.values() for n in numbers},
    )
    for q, (provider, (registry_names, numbers)) in carried.items():
        verdicts: dict[str, str] = {}
        for vid, number in live.get(q[0], []):
            seen = {
                status
                for (p, pv, contract), status in results.get(vid, {}).items()
                if p == provider and pv in numbers and contract in registry_names
            }
            verdicts[number] = FAILED if FAILED in seen else VERIFIED if VERIFIED in seen else NONE
        change = contracts[q]
        note = shared.get(change.id, "") if change is not None else ""
        out[q] = Verification(provider, numbers, verdicts, shared=note)
    return out


def _shared(resolved: Mapping[str, tuple[str, frozenset[str]]]) -> dict[str, str]:
    """plan contract id -> why its gates would read another contract's verifications: the
    registry has several contracts that offer it (their verifications all count), or another
    contract of the plan resolves to the same registry contract (a verification of one
    counts for the other). Found by name or by what the documents offer, not by a published
    ``new`` file, which is exact."""
    out: dict[str, str] = {}
    for cid, (provider, names) in sorted(resolved.items()):
        if len(names) > 1:
            out[cid] = (
                f"{cid}: its verified gates read the verifications of {len(names)} "
                f"{provider} contracts in the registry ({', '.join(sorted(names))}), "
                "which all offer it: publish the plan's new file so the gate reads its own "
                "contract's (`unlockstep contract publish`), or name the contract after the "
                "registry's"
            )
            continue
        others = sorted(
            other
            for other, (p, n) in resolved.items()
            if other != cid and p == provider and names & n
        )
        if others and names:
            out[cid] = (
                f"{cid}: its verified gates read the verifications of {provider}'s "
                f"{next(iter(names))}, as {', '.join(others)}'s do: a verification against "
                "one counts for the other; publish each new file "
                "(`unlockstep contract publish`) so each gate reads its own contract's"
            )
    return out


def _live(
    session: Session, environment: str, services: set[str]
) -> dict[str, list[tuple[int, str]]]:
    """service -> (version id, number) of each version live in ``environment``."""
    out: dict[str, list[tuple[int, str]]] = defaultdict(list)
    if not services:
        return out
    rows = session.execute(
        select(Service.name, Version.id, Version.number)
        .join(Deployment, Deployment.service_id == Service.id)
        .join(Version, Version.id == Deployment.version_id)
        .join(Environment, Environment.id == Deployment.environment_id)
        .where(
            Environment.name == environment,
            Deployment.ended_at.is_(None),
            Service.name.in_(sorted(services)),
        )
        .distinct()
        .order_by(Service.name, Version.number)
    ).all()
    for service, vid, number in rows:
        out[service].append((vid, number))
    return out


def _results(
    session: Session, consumer_versions: list[int], providers: set[tuple[str, str]]
) -> dict[int, dict[tuple[str, str, str], str]]:
    """consumer version id -> (provider, provider version, contract) -> worst status over
    every source (a failure anywhere counts)."""
    out: dict[int, dict[tuple[str, str, str], str]] = defaultdict(dict)
    if not consumer_versions or not providers:
        return out
    provider_version = Version.__table__.alias("provider_version")
    provider = Service.__table__.alias("provider")
    rows = session.execute(
        select(
            VerificationRow.consumer_version_id,
            provider.c.name,
            provider_version.c.number,
            ExpectationRow.contract,
            VerificationRow.status,
        )
        .join(ExpectationRow, ExpectationRow.id == VerificationRow.expectation_id)
        .join(provider_version, provider_version.c.id == VerificationRow.provider_version_id)
        .join(provider, provider.c.id == provider_version.c.service_id)
        .where(
            VerificationRow.consumer_version_id.in_(sorted(set(consumer_versions))),
            provider.c.name.in_(sorted({p for p, _ in providers})),
        )
    ).all()
    for vid, pname, pnumber, contract, status in rows:
        if (pname, pnumber) not in providers:
            continue
        key = (pname, pnumber, contract)
        ok = status == VERIFIED
        if out[vid].get(key) != FAILED:
            out[vid][key] = VERIFIED if ok else FAILED
    return out


def flag_usage(
    session: Session, environment: str, metrics: Iterable[str], today: date
) -> dict[str, int]:
    """metric -> whole days (before ``today``) its flag has gone unevaluated, for each
    metric that is a flag's evaluation count. A flag never evaluated counts from the first
    day anything was counted in the environment; with no counts at all nothing is known."""
    known = _flag_keys(session, environment)
    keys = {m: k for m in metrics if (k := flag_metric(m, known)) is not None}
    if not keys:
        return {}
    first = session.scalar(
        select(func.min(FlagEvaluationCountRow.day)).where(
            FlagEvaluationCountRow.environment == environment
        )
    )
    if first is None:
        return {}
    last = dict(
        session.execute(
            select(FlagEvaluationCountRow.flag, func.max(FlagEvaluationCountRow.day))
            .where(
                FlagEvaluationCountRow.environment == environment,
                FlagEvaluationCountRow.flag.in_(sorted(set(keys.values()))),
                FlagEvaluationCountRow.count > 0,
            )
            .group_by(FlagEvaluationCountRow.flag)
        ).all()
    )
    out: dict[str, int] = {}
    for metric, key in keys.items():
        used = last.get(key)
        out[metric] = max(0, (today - used).days - 1) if used else max(0, (today - first).days)
    return out


def _flag_keys(session: Session, environment: str) -> frozenset[str]:
    return frozenset(session.scalars(select(FlagRow.key).where(FlagRow.environment == environment)))
