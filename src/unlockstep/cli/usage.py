"""Usage evidence from the server: usage over a period, "zero for N days", refused points,
and the deprecation report."""

from __future__ import annotations

import click

from unlockstep.cli import context
from unlockstep.cli.output import emit, format_option, table


def _amount(value: float) -> str:
    return f"{value:g}"


@click.group("usage")
def usage() -> None:
    """Measured usage (OTLP exports, the SDK): who uses what, and since when not."""


@usage.command("show")
@click.argument("metric", required=False)
@click.option("--service", help="the reporting service (the provider, for API metrics)")
@click.option("--consumer", help="the calling service")
@click.option("--contract", help="the API, event contract or workflow")
@click.option("--version", "version_", metavar="VERSION", help="API, event or workflow version")
@click.option("--operation", help="e.g. 'GET /cases/{id}'")
@click.option("--field", "field_", metavar="FIELD", help="a deprecated field or fallback path")
@click.option("--environment", help="the environment reported in")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 400))
@click.option("--by-day", is_flag=True, help="also each UTC day's amount")
@format_option()
def usage_show(
    metric: str | None,
    service: str | None,
    consumer: str | None,
    contract: str | None,
    version_: str | None,
    operation: str | None,
    field_: str | None,
    environment: str | None,
    days: int,
    by_day: bool,
    fmt: str,
) -> None:
    """Usage of METRIC (any, if left out) per series over the last DAYS UTC days and today:
    the increase (a gauge's peak) and the last day each was used."""
    from unlockstep.server.wire_usage import UsageOut

    params = {
        "metric": metric, "service": service, "consumer": consumer, "contract": contract,
        "version": version_, "operation": operation, "field": field_,
        "environment": environment, "days": days, "byDay": by_day or None,
    }  # fmt: skip
    data = UsageOut.model_validate(
        context.client().get(
            "/api/v1/usage", params={k: v for k, v in params.items() if v is not None}
        )
    )

    def text(d: UsageOut) -> str:
        if not d.lines:
            return f"no usage recorded from {d.since} (OTLP exports go to /otlp/v1/metrics)"
        rows = [
            (
                line.metric,
                " ".join(f"{k}={v}" for k, v in line.labels.items() if k != "environment"),
                _amount(line.amount),
                line.last_used or "never",
            )
            for line in d.lines
        ]
        return table(rows, ["metric", "series", f"last {days}d", "last used"])

    emit(fmt, data.model_dump(mode="json"), lambda _: text(data))


@usage.command("zero")
@click.argument("selector")
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 400))
@format_option()
def usage_zero(selector: str, days: int, fmt: str) -> None:
    """Whether SELECTOR (e.g. 'api_requests_total{version="v1"}') has been zero for DAYS
    whole UTC days, and which source said so. Exit 1 when it has not (or nobody knows)."""
    from unlockstep.server.wire_usage import ZeroOut

    data = ZeroOut.model_validate(
        context.client().get("/api/v1/usage/zero", params={"selector": selector, "days": days})
    )
    emit(fmt, data.model_dump(mode="json"), lambda _: f"{data.selector}: {data.detail}")
    if not data.known or (data.zero_days or 0) < days:
        raise SystemExit(1)


@usage.command("rejections")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 400))
@format_option()
def usage_rejections(days: int, fmt: str) -> None:
    """Points the OTLP receiver refused (series limit) or did not understand, per service."""
    from unlockstep.server.wire_usage import RejectionsOut

    data = RejectionsOut.model_validate(
        context.client().get("/api/v1/usage/rejections", params={"days": days})
    )
    rows = [(i.service, i.points, i.series, i.reason) for i in data.items]
    emit(
        fmt,
        data.model_dump(mode="json"),
        lambda _: (
            table(rows, ["service", "points", "series", "reason"])
            if rows
            else f"nothing refused since {data.since}"
        ),
    )


@click.command("deprecations")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 400))
@click.option("--in-use", is_flag=True, help="only what someone still uses")
@format_option()
def deprecations(days: int, in_use: bool, fmt: str) -> None:
    """Deprecated operations, parameters and fields: sunset, who still uses them, last seen.

    Usage is counted over the last DAYS days."""
    from unlockstep.server.wire_usage import DeprecationsOut

    data = DeprecationsOut.model_validate(
        context.client().get("/api/v1/deprecations", params={"days": days})
    )
    if in_use:
        data.items = [i for i in data.items if i.in_use]

    def text(d: DeprecationsOut) -> str:
        if not d.items:
            return "no deprecated elements" + (" in use" if in_use else "")
        rows = []
        for i in d.items:
            users = ", ".join(
                f"{u.consumer} {_amount(u.amount)} (last {u.last_used or 'never'})" for u in i.users
            )
            what = f"{i.element} {i.field}" if i.field else i.element
            rows.append((f"{i.provider}/{i.contract}", what, i.sunset or "-", users or "no usage"))
        return table(rows, ["contract", "deprecated", "sunset", f"used by (last {days}d)"])

    emit(fmt, data.model_dump(mode="json"), lambda _: text(data))


COMMANDS: tuple[click.Command, ...] = (usage, deprecations)
