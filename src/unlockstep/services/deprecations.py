"""The deprecation report: every deprecated operation, parameter, field and message the
registry's contracts declare (their newest published documents), with its sunset date, and
who still uses it — per consumer, how much over the period and when last seen — from the
usage store; and flags on their way out, with their evaluations.

Usage is matched by the provider's service and the element's operation (``GET /cases/{id}``);
a field also by the ``field`` dimension (``/legacyRiskScore`` or ``legacyRiskScore``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from unlockstep.core import contracts as core
from unlockstep.services import flags as flag_service
from unlockstep.store import Store, contract_documents
from unlockstep.store import usage as rows
from unlockstep.store.contract_tables import Contract
from unlockstep.store.flag_tables import FlagRow
from unlockstep.store.tables import Service


@dataclass(frozen=True)
class User:
    consumer: str
    amount: float
    last_used: date | None


@dataclass
class Deprecated:
    provider: str
    contract: str
    version: str
    element: str
    field: str | None
    sunset: str | None
    users: list[User] = dataclasses.field(default_factory=list)

    @property
    def in_use(self) -> bool:
        return any(u.amount > 0 for u in self.users)


def report(
    session: Session, today: date, days: int = 30, providers: Collection[str] | None = None
) -> list[Deprecated]:
    """Every deprecated element of the newest contract documents (of ``providers`` only,
    when given) with its users over the last ``days`` days."""
    found: list[Deprecated] = []
    query = (
        select(Service.name, Service.id, Contract.name)
        .join(Contract, Contract.service_id == Service.id)
        .order_by(Service.name, Contract.name)
    )
    if providers is not None:
        query = query.where(Service.name.in_(providers))
    listed = session.execute(query).all()
    for provider, provider_id, contract in listed:
        latest = contract_documents.latest(session, provider_id, contract)
        if latest is None:
            continue
        version, document = latest
        for item in core.deprecated_elements(document):
            entry = Deprecated(
                provider, contract, version, item["element"], item["field"], item["sunset"]
            )
            entry.users = _users(session, entry, today, days)
            found.append(entry)
    return found


def _users(session: Session, entry: Deprecated, today: date, days: int) -> list[User]:
    labels: dict[str, Any] = {"service": entry.provider, "operation": entry.element}
    candidates = rows.series(session, None, labels)
    if entry.field:
        names = {entry.field, entry.field.lstrip("/"), entry.field.split(":")[-1]}
        candidates = [s for s in candidates if s.dims.field in names]
    ids = [s.id for s in candidates]
    daily = rows.daily(session, ids, today - timedelta(days=days), today + timedelta(days=1))
    last = rows.last_seen(session, ids)
    per: dict[str, tuple[float, date | None]] = {}
    for s in candidates:
        consumer = s.dims.consumer or "(unknown consumer)"
        amount = sum(v[0] for v in daily.get(s.id, {}).values())
        seen = last.get(s.id)
        before, before_seen = per.get(consumer, (0.0, None))
        newest = max((d for d in (seen, before_seen) if d), default=None)
        per[consumer] = (before + amount, newest)
    users = [User(c, a, seen) for c, (a, seen) in per.items()]
    return sorted(users, key=lambda u: (-u.amount, u.consumer))


#: flag debt that means "on its way out": the flag should be removed
_LEAVING = {"stale", "ready-for-cleanup", "completed-but-still-evaluated"}


def flags(store: Store, rules: Collection[str], today: date) -> list[Deprecated]:
    """Flags whose debt says they should go (stale, ready for cleanup, completed but still
    evaluated), per environment, with their evaluations (SDK and OFREP) and last evaluation;
    the expiry stands for the sunset."""
    with store.session() as session:
        environments = sorted(set(session.scalars(select(FlagRow.environment).distinct())))
    out: list[Deprecated] = []
    for environment in environments:
        report = flag_service.flag_debt(store, environment, 14, today, rules)
        for debts in report.owners.values():
            for debt in debts:
                if not {str(k) for k in debt.kinds} & _LEAVING:
                    continue
                entry = Deprecated(
                    "flags", environment, "", f"flag {debt.flag}", None,
                    debt.expires.isoformat() if debt.expires else None,
                )  # fmt: skip
                entry.users = [
                    User("(evaluations)", float(debt.usage.total), debt.usage.last_evaluated)
                ]
                out.append(entry)
    return sorted(out, key=lambda d: (d.contract, d.element))
