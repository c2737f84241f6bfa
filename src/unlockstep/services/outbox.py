"""The outbox check across the estate: each declared transactional outbox with its gate and
figures (from its latest run), and the services that publish events without one (their
AsyncAPI contracts send messages, and no outbox is declared in their safety-nets file)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from unlockstep.core import safety as core
from unlockstep.services import safety_runs
from unlockstep.store import Store, contract_documents
from unlockstep.store.contract_tables import Contract
from unlockstep.store.safety_tables import InvariantRow, InvariantRunRow
from unlockstep.store.tables import Service


@dataclass(frozen=True)
class Outbox:
    service: str
    invariant: str
    state: str
    metrics: dict[str, float | None]
    checked_at: datetime | None


@dataclass(frozen=True)
class Report:
    outboxes: list[Outbox] = field(default_factory=list)
    problems: list[core.LintProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(o.state != "breached" for o in self.outboxes)


def report(store: Store) -> Report:
    with store.session() as session:
        outboxes: list[Outbox] = []
        for row in session.scalars(select(InvariantRow).order_by(InvariantRow.service)):
            if row.definition.get("returns") != "outbox":
                continue
            last = safety_runs.newest(session, InvariantRunRow, InvariantRunRow.invariant, row.name)
            metrics = dict((last.sample or {}).get("metrics", {})) if last else {}
            outboxes.append(
                Outbox(
                    row.service, row.name, row.state, metrics, last.finished_at if last else None
                )
            )
        publishing: dict[str, list[str]] = defaultdict(list)
        for contract, service_id, service in session.execute(
            select(Contract.name, Contract.service_id, Service.name)
            .join(Service, Service.id == Contract.service_id)
            .where(Contract.kind == "asyncapi")
        ):
            latest = contract_documents.latest(session, service_id, contract)
            if latest is not None and core.publishes(latest[1]):
                publishing[service].append(contract)
        problems = core.lint_outboxes(publishing, {o.service for o in outboxes})
        return Report(outboxes, problems)
