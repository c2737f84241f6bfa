"""unlockstep's own state as Prometheus metrics (``GET /metrics``), so the platform's
Prometheus can alert on it: deployments live per environment, flags by state and by debt,
compatibility windows by state and overdue, cleanup blockers by status, usage series and
refused points. Gauges only: each is what the registry says now."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping

from sqlalchemy import func, select

from unlockstep.services import flags as flag_service
from unlockstep.services import plans as plan_service
from unlockstep.settings import Settings
from unlockstep.store import Store
from unlockstep.store import plans as plan_store
from unlockstep.store import usage as usage_rows
from unlockstep.store.flag_tables import FlagRow
from unlockstep.store.tables import Deployment, Environment

Samples = Counter[tuple[tuple[str, str], ...]]

#: name -> help; the order metrics are written in
HELP = {
    "unlockstep_deployments": "Versions live (deployed or released) per environment.",
    "unlockstep_flags": "Feature flags per environment and state (on, off, targeted).",
    "unlockstep_flag_debt": "Flags with debt per environment, owner and kind.",
    "unlockstep_windows": "Compatibility windows of release plans per state.",
    "unlockstep_windows_overdue": "Compatibility windows past their end with consumers to move.",
    "unlockstep_cleanup_blockers": "Cleanup blockers of release plans per status.",
    "unlockstep_usage_series": "Usage series kept per service.",
    "unlockstep_usage_rejected_points": "Usage points refused or not understood today, per "
    "service.",
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(metrics: Mapping[str, Samples]) -> str:
    """The Prometheus text exposition format (version 0.0.4)."""
    lines: list[str] = []
    for name, help_text in HELP.items():
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        for labels, value in sorted(metrics.get(name, Counter()).items()):
            inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
            lines.append(f"{name}{{{inner}}} {value}" if inner else f"{name} {value}")
    return "\n".join(lines) + "\n"


def _labels(**labels: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


def gather(store: Store, settings: Settings, today: dt.date) -> dict[str, Samples]:
    out: dict[str, Samples] = {name: Counter() for name in HELP}
    out["unlockstep_windows_overdue"][()] = 0
    with store.session() as session:
        for environment, count in session.execute(
            select(Environment.name, func.count(Deployment.id))
            .join(Deployment, Deployment.environment_id == Environment.id)
            .where(Deployment.ended_at.is_(None))
            .group_by(Environment.name)
        ).all():
            out["unlockstep_deployments"][_labels(environment=environment)] = int(count)
        environments = sorted(set(session.scalars(select(FlagRow.environment).distinct())))
        for environment in environments:
            for state in plan_store.flag_states(session, environment).values():
                out["unlockstep_flags"][_labels(environment=environment, state=state)] += 1
        for plan in plan_store.list_plans(session):
            shown = plan_service.show(session, plan.change, today, settings.prometheus_url)
            _plan(out, shown.report)
        for service, count in usage_rows.series_counts(session).items():
            out["unlockstep_usage_series"][_labels(service=service)] = count
        for service, _, count in usage_rows.rejections(session, today):
            out["unlockstep_usage_rejected_points"][_labels(service=service)] += count
    for environment in environments:
        report = flag_service.flag_debt(store, environment, 14, today, settings.flag_rules)
        for owner, debts in report.owners.items():
            for debt in debts:
                for kind in debt.kinds:
                    key = _labels(environment=environment, owner=owner or "", kind=str(kind))
                    out["unlockstep_flag_debt"][key] += 1
    return out


def _plan(out: dict[str, Samples], report: Mapping[str, object]) -> None:
    window = report.get("window")
    if isinstance(window, Mapping):
        out["unlockstep_windows"][_labels(state=str(window.get("state")))] += 1
        if window.get("overdue"):
            out["unlockstep_windows_overdue"][()] += 1
    cleanup = report.get("cleanup")
    for item in cleanup if isinstance(cleanup, Iterable) else ():
        for blocker in item.get("blockers", []) if isinstance(item, Mapping) else []:
            out["unlockstep_cleanup_blockers"][_labels(status=str(blocker.get("status")))] += 1
