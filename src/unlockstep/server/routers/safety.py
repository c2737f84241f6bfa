"""Safety nets: each handler translates between the wire (``server/wire_safety.py``) and one
use case (``services/safety_nets.py``, ``invariants.py``, ``reconciliation.py``)."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from unlockstep.core import safety as core
from unlockstep.errors import InvalidInput, NotFound
from unlockstep.server import wire_safety as wire
from unlockstep.server.deps import PageDep, PrincipalDep, SettingsDep, StoreDep
from unlockstep.server.wire import Page, errors
from unlockstep.services import (
    authz,
    invariants,
    outbox,
    reconciliation,
    replay,
    safety_metrics,
    safety_nets,
)
from unlockstep.store import Store

router = APIRouter(tags=["safety nets"])


@router.put(
    "/safety-nets/{service}", response_model=wire.PublishedOut, responses=errors(401, 404, 409)
)
def publish(
    service: str, body: wire.SafetyNetsIn, store: StoreDep, principal: PrincipalDep
) -> wire.PublishedOut:
    """Make a service's safety-nets file (sources, invariants, reconciliations) the
    registry's, replacing what it declared before."""
    nets = core.parse(body.document, body.filename, base=body.base)
    if nets.service != service:
        raise InvalidInput(
            f"the file declares service {nets.service!r}, not {service!r}",
            where=body.filename,
        )
    done = safety_nets.publish(store, principal, nets)
    return wire.PublishedOut.model_validate(done)


@router.get("/data-sources", response_model=wire.DataSourceListOut, responses=errors())
def list_data_sources(store: StoreDep, service: str | None = None) -> wire.DataSourceListOut:
    """The declared read-only sources (what names their secrets, never a secret)."""
    items = safety_nets.data_sources(store, service)
    return wire.DataSourceListOut(items=[wire.DataSourceOut.model_validate(i) for i in items])


@router.get("/invariants", response_model=wire.InvariantListOut, responses=errors())
def list_invariants(store: StoreDep, service: str | None = None) -> wire.InvariantListOut:
    items = [
        wire.InvariantOut.model_validate(i) for i in invariants.list_invariants(store, service)
    ]
    return wire.InvariantListOut(items=items, breached=sum(i.state == "breached" for i in items))


@router.get("/invariants/{name}", response_model=wire.InvariantDetailOut, responses=errors(404))
def show_invariant(
    name: str, store: StoreDep, runs: Annotated[int, Query(ge=1, le=500)] = 20
) -> wire.InvariantDetailOut:
    found, recent = invariants.show(store, name, runs)
    return wire.InvariantDetailOut(
        invariant=wire.InvariantOut.model_validate(found),
        runs=[wire.InvariantRunOut.model_validate(r) for r in recent],
    )


@router.post(
    "/invariants/{name}/runs", response_model=wire.InvariantRunOut, responses=errors(401, 404)
)
def run_invariant(
    name: str, store: StoreDep, principal: PrincipalDep, settings: SettingsDep
) -> wire.InvariantRunOut:
    """Run the invariant now (recorded, and its state changed, as a scheduled run would)."""
    found, _ = invariants.show(store, name, 1)
    _require_service(store, principal, found.service, what="run invariants")
    done = invariants.run(store, name, trigger=principal.name, policy=settings.source_policy)
    return wire.InvariantRunOut.model_validate(done)


@router.get("/reconciliations", response_model=wire.ReconciliationListOut, responses=errors())
def list_reconciliations(store: StoreDep, service: str | None = None) -> wire.ReconciliationListOut:
    items = reconciliation.statuses(store, service)
    return wire.ReconciliationListOut(
        items=[wire.ReconciliationOut.model_validate(i) for i in items]
    )


@router.get("/reconciliations/{name}", response_model=wire.ReconciliationOut, responses=errors(404))
def show_reconciliation(name: str, store: StoreDep) -> wire.ReconciliationOut:
    return wire.ReconciliationOut.model_validate(reconciliation.status(store, name))


@router.post(
    "/reconciliations/{name}/runs",
    response_model=wire.ReconciliationRunOut,
    responses={**errors(401, 404, 409), 202: {"model": wire.ReconciliationRunOut,
               "description": "started (wait=false): poll the run for its progress"}},
)  # fmt: skip
def run_reconciliation(
    name: str,
    store: StoreDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    wait: Annotated[bool, Query(description="answer when the run ends (false: at once)")] = True,
) -> Any:
    """Compare both sides now and update the queue. With ``wait=false`` the answer is the
    running run (202), compared in the background: poll ``/reconciliations/{name}/runs/{id}``
    for its progress."""
    found = reconciliation.status(store, name)
    _require_service(store, principal, found.service, what="run reconciliations")
    started = reconciliation.start(store, name, trigger=principal.name)
    policy = settings.source_policy
    if wait:
        done = reconciliation.execute(store, started, policy=policy)
        return wire.ReconciliationRunOut.model_validate(done)
    threading.Thread(
        target=reconciliation.execute,
        args=(store, started, None, policy),
        name=f"reconcile-{name}",
        daemon=True,
    ).start()
    running = wire.ReconciliationRunOut.model_validate(
        reconciliation.get_run(store, started.run_id)
    )
    return JSONResponse(running.model_dump(mode="json"), status_code=202)


@router.get(
    "/reconciliations/{name}/runs/{run_id}",
    response_model=wire.ReconciliationRunOut,
    responses=errors(404),
)
def show_reconciliation_run(name: str, run_id: int, store: StoreDep) -> wire.ReconciliationRunOut:
    """One run, with its counts so far while it runs."""
    found = reconciliation.get_run(store, run_id)
    if found.reconciliation != name:
        raise NotFound(f"reconciliation {name} has no run {run_id}")
    return wire.ReconciliationRunOut.model_validate(found)


@router.get("/discrepancies", response_model=Page[wire.DiscrepancyOut], responses=errors(404))
def list_discrepancies(
    request: Request,
    store: StoreDep,
    page: PageDep,
    reconciliation_name: Annotated[str | None, Query(alias="reconciliation")] = None,
    status: Annotated[str | None, Query(pattern="^(open|resolved|gone|all)$")] = "open",
) -> Any:
    """The operator queue: open discrepancies, the ones waiting longest first."""
    items, total = reconciliation.queue(
        store,
        reconciliation_name,
        None if status == "all" else status,
        offset=page.offset,
        limit=page.limit,
    )
    return page.body(request, [wire.DiscrepancyOut.model_validate(i) for i in items], total)


@router.post(
    "/discrepancies/{discrepancy_id}/resolve",
    response_model=wire.DiscrepancyOut,
    responses=errors(401, 404, 409),
)
def resolve(
    discrepancy_id: int, body: wire.ResolveIn, store: StoreDep, principal: PrincipalDep
) -> wire.DiscrepancyOut:
    """Mark a discrepancy resolved, with the reason (found again later, it reopens)."""
    service = reconciliation.owner_of_discrepancy(store, discrepancy_id)
    _require_service(store, principal, service, what="resolve discrepancies")
    done = reconciliation.resolve(store, principal.name, discrepancy_id, body.reason)
    return wire.DiscrepancyOut.model_validate(done)


def _require_service(store: Store, principal: authz.Principal, service: str, *, what: str) -> None:
    """Running a safety net or resolving its findings is a write of the service's team."""
    with store.session() as session:
        authz.service_for_write(session, principal, service, what=what)


@router.get("/replay-check", response_model=wire.ReplayCheckOut, responses=errors(404))
def replay_check(
    store: StoreDep,
    consumer: str,
    version: str,
    environment: str = "production",
    retention: Annotated[
        str | None, Query(description="the topics' retention (7d, 36h…); default: declared")
    ] = None,
) -> wire.ReplayCheckOut:
    """Can this consumer version read every event schema version still inside its topics'
    retention in the environment (what the registry knows was published, and since when)?"""
    seconds = None
    if retention is not None:
        seconds = core.duration(retention)
        if seconds is None:
            raise InvalidInput(f"{retention!r} is not a duration; write e.g. 7d or 36h")
    found = replay.check(store, consumer, version, environment, retention_seconds=seconds)
    items = [
        wire.ReplayOut(
            contract=r.contract,
            provider=r.provider,
            status=r.status,  # type: ignore[arg-type]
            retention_seconds=r.retention_seconds,
            window_start=r.window_start,
            versions=[
                wire.SchemaVersionOut(
                    provider_versions=list(v.provider_versions),
                    since=v.since,
                    until=v.until,
                    status=v.status,  # type: ignore[arg-type]
                    problems=list(v.problems),
                )
                for v in r.versions
            ],
            note=r.note,
        )
        for r in found
    ]
    return wire.ReplayCheckOut(
        consumer=consumer,
        version=version,
        environment=environment,
        ok=all(i.status == "readable" for i in items),
        contracts=items,
    )


@router.get("/outboxes", response_model=wire.OutboxesOut, responses=errors())
def outboxes(store: StoreDep) -> wire.OutboxesOut:
    """Every declared transactional outbox (its gate: no row unpublished past its maximum
    age; the age of the oldest unpublished row and the publish rate), and the services whose
    contracts publish events without one."""
    found = outbox.report(store)
    return wire.OutboxesOut(
        ok=found.ok,
        outboxes=[wire.OutboxOut.model_validate(o) for o in found.outboxes],
        problems=[wire.OutboxLintOut.model_validate(p) for p in found.problems],
    )


@router.get(
    "/safety-nets/metrics",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition 0.0.4"},
        **errors(json_route=False),
    },
)
def metrics(store: StoreDep) -> PlainTextResponse:
    """Every safety net as Prometheus metrics, as of its latest run: invariant states and
    violations, outbox age and publish rate, reconciliation discrepancies and the dual-write
    signals. Scrape it to alert on them."""
    return PlainTextResponse(
        safety_metrics.exposition(store), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
