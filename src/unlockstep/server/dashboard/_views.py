"""The view-model of every page: plain JSON values (camelCase keys), built from what the
use cases in ``services/`` return. A page renders its view-model; its JSON twin *is* its
view-model, so the two cannot disagree. No queries here: each builder calls services."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import fields, is_dataclass
from typing import Any

from unlockstep.core import charts, graphs
from unlockstep.core.flags.readable import describe
from unlockstep.errors import InvalidInput
from unlockstep.server.dashboard._http import Context
from unlockstep.services import audit as audit_service
from unlockstep.services import estate as estate_service
from unlockstep.services import flags as flag_service
from unlockstep.services import integrations
from unlockstep.services import invariants as invariant_service
from unlockstep.services import plans as plan_service
from unlockstep.services import reconciliation as reconciliation_service
from unlockstep.services import registry as registry_service

View = dict[str, Any]

GROUPINGS = ("team", "system")
#: Past this many matching services, the estate page lists its groups folded (each with its
#: count; a group's services load when it is opened) so the page stays small and fast.
LIST_LIMIT = 200
#: The graph of groups draws at most this many lines, the heaviest (a group's own graph
#: shows all of its services' dependencies).
RING_LINES = 250
NO_GROUP = "(none)"


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _plain(record: Any) -> View:
    """A record (dataclass) as camelCase JSON values (nested records too)."""
    return {_camel(f.name): _jsonable(getattr(record, f.name)) for f in fields(record)}


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


# --- estate ---------------------------------------------------------------------------------


def estate(context: Context, q: str = "", group_by: str = "team", group: str = "") -> View:
    """Services grouped by team (or system), filtered by ``q``; the picture is the graph of
    groups, or of one group's services with their consumers and providers around them."""
    if group_by not in GROUPINGS:
        raise InvalidInput(
            f"cannot group by {group_by!r}", where="groupBy", hint="use team or system"
        )
    needle = q.strip().lower()
    found = estate_service.overview(context.store)

    def key(row: estate_service.ServiceRow) -> str:
        value = row.owner if group_by == "team" else row.system
        return value or NO_GROUP

    def matches(row: estate_service.ServiceRow) -> bool:
        if not needle:
            return True
        names = [row.name, row.owner or "", row.system or ""]
        names += [name for name, _ in found.contracts.get(row.name, [])]
        return any(needle in n.lower() for n in names)

    shown = [row for row in found.services if matches(row)]
    group_of = {row.name: key(row) for row in found.services}
    folded = not group and len(shown) > LIST_LIMIT
    groups: dict[str, list[View]] = defaultdict(list)
    counts_of: Counter[str] = Counter(key(row) for row in shown)
    listed = [r for r in shown if not folded and (not group or key(r) == group)]
    # what is live where, for the listed services only (none when folded)
    live = estate_service.live(context.store, [r.name for r in listed]) if listed else {}
    for row in listed:
        groups[key(row)].append(
            {
                "name": row.name,
                "owner": row.owner,
                "system": row.system,
                "tier": row.tier,
                "lifecycle": row.lifecycle,
                "contracts": [{"name": n, "kind": k} for n, k in found.contracts.get(row.name, [])],
                "live": live.get(row.name, {}),
            }
        )
    names = {row.name for row in shown}
    hidden = 0
    if group:
        members = {row.name for row in shown if key(row) == group}
        touching = [e for e in found.edges if e.consumer in members or e.provider in members]
        consumers = sorted({e.consumer for e in touching if e.consumer not in members})
        outside = {e.provider for e in touching if e.provider not in members}
        providers = sorted(outside - set(consumers))

        def column(items: list[str], kind: str) -> list[tuple[str, str, str, str]]:
            return [(n, n, kind, group_of.get(n, NO_GROUP)) for n in items]

        drawing = graphs.layers(
            [column(consumers, "consumer"), column(sorted(members), "member"),
             column(providers, "provider")],
            [(e.consumer, e.provider, e.via) for e in touching],
        )  # fmt: skip
    else:
        counts: Counter[tuple[str, str]] = Counter()
        for e in found.edges:
            if e.consumer in names and e.provider in names:
                a, b = group_of[e.consumer], group_of[e.provider]
                if a != b:
                    counts[(a, b)] += 1
        nodes = [(g, g, f"{n} service(s)") for g, n in sorted(counts_of.items())]
        heaviest = dict(counts.most_common(RING_LINES))
        hidden = len(counts) - len(heaviest)
        drawing = graphs.ring(nodes, heaviest)
    return {
        "q": q,
        "groupBy": group_by,
        "group": group or None,
        "environments": found.environments,
        "total": len(found.services),
        "matching": len(shown),
        "edges": sum(1 for e in found.edges if e.consumer in names and e.provider in names),
        "folded": folded,
        "groups": [
            {"name": g, "count": n, "services": groups.get(g, [])}
            for g, n in sorted(counts_of.items())
            if not group or g == group
        ],
        "graph": drawing.to_dict(),
        "linesNotDrawn": hidden,
    }


# --- service --------------------------------------------------------------------------------


def service(context: Context, name: str) -> View:
    found = estate_service.service_view(context.store, name)
    live: dict[str, list[View]] = defaultdict(list)
    for d in found.live:
        live[d.environment].append(
            {"version": d.version, "instance": d.instance or None, "kind": d.kind,
             "since": _iso(d.started_at)}
        )  # fmt: skip

    def edge(e: estate_service.Edge, other: str) -> View:
        return {"service": other, "via": e.via, "evidence": e.evidence}

    def column(names: set[str], kind: str) -> list[tuple[str, str, str, str]]:
        return [(n, n, kind, "") for n in sorted(names)]

    drawing = graphs.layers(
        [
            column({e.consumer for e in found.consumers}, "consumer"),
            [(name, name, "member", found.service.owner or "")],
            # one that is both (a cycle) stays on the consumers' side
            column(
                {e.provider for e in found.providers} - {e.consumer for e in found.consumers},
                "provider",
            ),
        ],
        [(e.consumer, e.provider, e.via) for e in (*found.consumers, *found.providers)],
    )

    return {
        "service": _plain(found.service),
        "live": dict(live),
        "versions": [
            {
                "number": v.number,
                "branch": v.branch,
                "buildUrl": v.build_url,
                "createdAt": _iso(v.created_at),
            }
            for v in found.versions
        ],
        "contracts": [{"name": c.name, "kind": c.kind, "mode": c.mode} for c in found.contracts],
        "consumers": [edge(e, e.consumer) for e in found.consumers],
        "providers": [edge(e, e.provider) for e in found.providers],
        "graph": drawing.to_dict(),
        "canIDeploy": [
            {
                "environment": env,
                "version": found.versions[0].number if found.versions else None,
                "answer": d["answer"] if d else "unknown",
                "reasons": [_integration(i) for i in (d or {}).get("integrations", [])],
                "notes": (d or {}).get("notes", []) if d else ["no version recorded"],
            }
            for env, d in found.decisions.items()
        ],
        "audit": [_event(e) for e in found.audit],
        "safetyNets": _safety_nets(context, name),
    }


def _safety_nets(context: Context, service: str) -> View:
    """The service's invariants and reconciliations, each with its state (the safety-net
    pages show the rest)."""
    return {
        "invariants": [
            {"name": i.name, "state": i.state, "severity": i.severity}
            for i in invariant_service.list_invariants(context.store, service)
        ],
        "reconciliations": [
            {"name": r.name, "open": r.open, "breached": r.breached}
            for r in reconciliation_service.statuses(context.store, service)
        ],
    }


def _integration(i: dict[str, Any]) -> View:
    """One integration of a can-i-deploy answer: which, its outcome, and why (the reasons
    of its version pairs, or what to do next)."""
    if i.get("role") == "consumer":
        what = f"uses {i.get('provider')} {i.get('contract')}"
    else:
        what = f"{i.get('consumer')} uses its {i.get('contract')}"
    why = [
        f"{pair.get('version')}: {pair['reason']}"
        for pair in i.get("versions", [])
        if pair.get("reason")
    ][:3]
    if not why and i.get("next_action"):
        why = [str(i["next_action"])]
    return {"counterpart": what, "outcome": i.get("outcome"), "reason": "; ".join(why)}


def _event(e: Any) -> View:
    return {
        "id": e.id, "at": _iso(e.at), "actor": e.actor, "action": e.action,
        "entityType": e.entity_type, "entity": e.entity_key, "reason": e.reason,
    }  # fmt: skip


# --- contract -------------------------------------------------------------------------------


def contract(context: Context, service: str, name: str, older: str = "", newer: str = "") -> View:
    found = estate_service.contract_view(context.store, service, name, older, newer, context.today)
    d = found.detail
    today = context.today.isoformat()
    report = found.report.to_dict() if found.report else None
    return {
        "service": d.service,
        "contract": d.name,
        "kind": d.kind,
        "mode": d.mode,
        "versions": [_plain(v) for v in d.versions],
        "compared": list(found.compared) if found.compared else None,
        "diff": report,
        "consumers": [
            {
                "service": c.service,
                "owner": c.owner,
                "versions": [_plain(v) for v in c.versions],
            }
            for c in found.consumers
        ],
        "deprecations": [
            {**use, "overdue": bool(use.get("sunset")) and use["sunset"] < today}
            for use in found.deprecated
        ],
        "usage": found.usage,
        "usageDays": estate_service.USAGE_DAYS,
    }


# --- matrix ---------------------------------------------------------------------------------

MATRIX_PAGE = 100


def matrix(
    context: Context,
    provider: str = "",
    consumer: str = "",
    contract: str = "",
    status: str = "",
    offset: int = 0,
) -> View:
    filters = {"provider": provider, "consumer": consumer, "contract": contract, "status": status}
    with context.store.session() as session:
        rows, total = integrations.matrix(
            session, offset=offset, limit=MATRIX_PAGE, **{k: v or None for k, v in filters.items()}
        )
    return {
        "filters": filters,
        "total": total,
        "offset": offset,
        "limit": MATRIX_PAGE,
        "rows": [_plain(r) for r in rows],
        "grid": _grid(rows) if provider and consumer else None,
    }


def _grid(rows: list[integrations.MatrixEntry]) -> View:
    """One consumer × one provider as a grid: consumer versions down, provider versions
    across, each cell the newest result of that pair (failed wins a tie of sources)."""
    consumer_versions = list(dict.fromkeys(r.consumer_version for r in rows))
    provider_versions = list(dict.fromkeys(r.provider_version for r in rows))
    cells: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rows:  # newest first: the first result of a pair is its newest
        cells[r.consumer_version].setdefault(r.provider_version, r.status)
    return {
        "consumerVersions": consumer_versions,
        "providerVersions": provider_versions,
        "cells": dict(cells),
    }


# --- deprecations ---------------------------------------------------------------------------


def deprecations(context: Context) -> View:
    found = estate_service.deprecations(context.store, context.today)
    return {
        "today": context.today.isoformat(),
        "usageDays": estate_service.USAGE_DAYS,
        "overdue": sum(1 for d in found if d.overdue),
        "deprecations": [_plain(d) for d in found],
    }


# --- flags ----------------------------------------------------------------------------------

FLAG_PAGE = 100
#: The flag page charts this many days of evaluation counts.
USAGE_DAYS = 30


def flags(context: Context, environment: str = "", offset: int = 0) -> View:
    environments = [e.name for e in registry_service.list_environments(context.store)]
    chosen = environment or ("production" if "production" in environments else "")
    if not chosen and environments:
        chosen = environments[0]
    items, total = flag_service.list_flags(
        context.store, chosen or None, offset=offset, limit=FLAG_PAGE
    )
    debt = flag_service.flag_debt(
        context.store, chosen or "production", 14, context.today, context.settings.flag_rules
    )
    debts = {d.flag: [str(k) for k in d.kinds] for ds in debt.owners.values() for d in ds}
    return {
        "environment": chosen or None,
        "environments": environments,
        "total": total,
        "offset": offset,
        "limit": FLAG_PAGE,
        "flags": [{**_plain(f), "debt": debts.get(f.key, [])} for f in items],
        "debt": {owner: [d.to_dict() for d in ds] for owner, ds in debt.owners.items()},
    }


def flag(context: Context, environment: str, key: str) -> View:
    record = flag_service.show_flag(context.store, environment, key)
    body = record.flag if isinstance(record.flag, dict) else {}
    events, _ = audit_service.list_events(
        context.store, entity_type="flag", entity=f"{environment}/{key}", limit=20
    )
    days = [context.today - dt.timedelta(days=n) for n in range(USAGE_DAYS - 1, -1, -1)]
    counts = flag_service.evaluations(context.store, environment, key, context.today, USAGE_DAYS)
    return {
        "key": record.key,
        "environment": record.environment,
        "revision": record.revision,
        "etag": record.etag,
        "killed": record.killed,
        "updatedAt": _iso(record.updated_at),
        "updatedBy": record.updated_by,
        "state": body.get("state"),
        "defaultVariant": body.get("defaultVariant"),
        "variants": body.get("variants", {}),
        "metadata": body.get("metadata", {}),
        "targeting": describe(body.get("targeting")),
        "flag": record.flag,
        "problems": [p.to_dict() for p in record.problems],
        "usage": charts.daily_bars(days, counts).to_dict(),
        "audit": [_event(e) for e in events],
    }


# --- plans ----------------------------------------------------------------------------------


def plans(context: Context) -> View:
    with context.store.session() as session:
        found = plan_service.list_plans(session, context.today)
    return {
        "plans": [
            {
                **_plain(record),
                "ok": check.ok,
                "risk": check.risk,
                "errors": check.errors,
                "warnings": check.warnings,
            }
            for record, check in found
        ]
    }


def plan(context: Context, change: str) -> View:
    with context.store.session() as session:
        shown, document = plan_service.show_with_document(
            session, change, context.today, context.settings.prometheus_url
        )
    report = shown.report
    status = {s["step"]: s for s in shown.progress.get("steps", [])}
    steps = {s["id"]: s for s in report.get("steps", [])}
    levels = report.get("order", {}).get("levels", []) or [list(steps)]
    columns = [
        [(i, i, status.get(i, {}).get("status", "pending"), steps.get(i, {}).get("service", ""))
         for i in level]
        for level in levels
    ]  # fmt: skip
    drawing = graphs.layers(
        columns, [(e["before"], e["after"], e.get("cause", "")) for e in report.get("edges", [])]
    )
    stages: dict[str, list[View]] = defaultdict(list)
    for step in report.get("steps", []):
        progress = status.get(step["id"], {})
        stages[step.get("phase") or "steps"].append(
            {
                "id": step["id"], "service": step.get("service"), "action": step.get("action"),
                "kind": step.get("kind"), "status": progress.get("status", "pending"),
                "detail": progress.get("detail"), "ready": progress.get("ready", False),
                "gates": progress.get("gates", []),
            }
        )  # fmt: skip
    gates = Counter(
        g.get("status", "unknown") for s in shown.progress.get("steps", []) for g in s["gates"]
    )
    return {
        "plan": _plain(shown.plan),
        "check": _plain(shown.check),
        "counts": shown.progress.get("counts", {}),
        "next": shown.progress.get("next", []),
        "gates": {k: gates.get(k, 0) for k in ("met", "unmet", "unknown")},
        "stages": [{"phase": phase, "steps": items} for phase, items in stages.items()],
        "graph": drawing.to_dict(),
        "window": report.get("window"),
        "timeline": timeline(report.get("window") or {}, context.today),
        "cleanup": report.get("cleanup", []),
        "lockstep": report.get("lockstep", []),
        "document": document,
        "sources": shown.sources,
    }


def timeline(window: dict[str, Any], today: dt.date) -> View | None:
    """Where the window and today fall on a line from the earlier to the later of them (a
    week of margin either side), in percent."""
    try:
        start = dt.date.fromisoformat(str(window.get("starts")))
        end = dt.date.fromisoformat(str(window.get("ends")))
    except ValueError:
        return None
    first = min(start, today) - dt.timedelta(days=7)
    last = max(end, today) + dt.timedelta(days=7)
    days = (last - first).days or 1

    def at(day: dt.date) -> float:
        return round(100 * (day - first).days / days, 1)

    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "start": at(start),
        "width": round(at(end) - at(start), 1),
        "today": at(today),
        "todayDate": today.isoformat(),
    }


# --- audit ----------------------------------------------------------------------------------

AUDIT_PAGE = 50


def audit(
    context: Context,
    actor: str = "",
    entity_type: str = "",
    entity: str = "",
    since: str = "",
    until: str = "",
    offset: int = 0,
) -> View:
    def moment(text: str, where: str) -> dt.datetime | None:
        if not text:
            return None
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                f"{text!r} is not a date or time", where=where, hint="write YYYY-MM-DD[THH:MM]"
            ) from None
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)

    start, end = moment(since, "since"), moment(until, "until")
    if end is not None and len(until) == 10:
        end += dt.timedelta(days=1)  # a date means the whole day
    events, total = audit_service.list_events(
        context.store, actor=actor or None, entity_type=entity_type or None,
        entity=entity or None, since=start, until=end, offset=offset, limit=AUDIT_PAGE,
    )  # fmt: skip
    return {
        "filters": {
            "actor": actor,
            "entityType": entity_type,
            "entity": entity,
            "since": since,
            "until": until,
        },
        "total": total,
        "offset": offset,
        "limit": AUDIT_PAGE,
        "events": [{**_event(e), "before": e.before, "after": e.after} for e in events],
    }
