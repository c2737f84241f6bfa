"""``unlockstep calendar …``: the release calendar on the server (seed §31) — blackout and
freeze periods and risky windows per environment, and freeze exceptions. can-i-deploy reads
it and says so in its answer."""

from __future__ import annotations

from typing import Any

import click

from unlockstep.cli import context
from unlockstep.cli.output import emit, format_option, table


@click.group()
def calendar() -> None:
    """Release calendar: blackout and freeze periods, risky windows, freeze exceptions."""


@calendar.command("list")
@click.option("--env", "environment", help="only this environment (and periods for every one)")
@click.option("--at", help="judge which periods are in force at this ISO time (default: now)")
@format_option()
def list_periods(environment: str | None, at: str | None, fmt: str) -> None:
    """Every period, and whether it is in force now (or --at)."""
    from unlockstep.server.wire_policies import CalendarOut

    params = {k: v for k, v in {"environment": environment, "at": at}.items() if v}
    data = CalendarOut.model_validate(context.client().get("/api/v1/calendar", params=params))

    def text(d: dict[str, Any]) -> str:
        rows = [
            (p["environment"], p["name"], p["kind"], "yes" if p["active"] else "", p["description"])
            for p in d["periods"]
        ]
        return table(rows, ["environment", "name", "kind", "now", "when"])

    emit(fmt, data.model_dump(mode="json"), text)


@calendar.command("set")
@click.argument("environment")
@click.argument("name")
@click.option("--kind", type=click.Choice(["blackout", "freeze", "risky"]), required=True)
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone: Europe/Oslo")
@click.option("--starts", help="one-off: local start, YYYY-MM-DDTHH:MM")
@click.option("--ends", help="one-off: local end, YYYY-MM-DDTHH:MM")
@click.option("--days", help="recurring: days of the week, e.g. fri,sat")
@click.option("--from", "from_", help="recurring: local start time HH:MM")
@click.option("--to", help="recurring: local end time HH:MM (before --from: past midnight)")
@click.option("--reason", default="", help="why, shown in every answer it changes")
@format_option()
def set_period(
    environment: str,
    name: str,
    kind: str,
    timezone: str,
    starts: str | None,
    ends: str | None,
    days: str | None,
    from_: str | None,
    to: str | None,
    reason: str,
    fmt: str,
) -> None:
    """Set period NAME in ENVIRONMENT (``*``: every environment). Admin."""
    from unlockstep.server.wire_policies import PeriodWritten

    body = {
        "kind": kind, "timezone": timezone, "starts": starts, "ends": ends,
        "days": [d.strip() for d in days.split(",") if d.strip()] if days else [],
        "from": from_, "to": to, "reason": reason,
    }  # fmt: skip
    path = context.api_path("calendar", environment, name)
    data = PeriodWritten.model_validate(context.client().put(path, body))
    emit(
        fmt,
        data.model_dump(mode="json"),
        lambda d: f"{d['period']['description']} in {environment}: {d['outcome']}",
    )


@calendar.command("delete")
@click.argument("environment")
@click.argument("name")
def delete_period(environment: str, name: str) -> None:
    """Remove period NAME from ENVIRONMENT. Admin."""
    context.client().request("DELETE", context.api_path("calendar", environment, name))
    click.echo(f"removed {name} from {environment}")


@calendar.command("except")
@click.argument("environment")
@click.argument("service")
@click.option("--owner", required=True, help="who asked for it (a team or person)")
@click.option("--reason", required=True, help="why it cannot wait (an incident, a CVE…)")
@click.option("--until", "until", required=True, help="when it expires, ISO date-time")
@format_option()
def add_exception(
    environment: str, service: str, owner: str, reason: str, until: str, fmt: str
) -> None:
    """Let SERVICE deploy to ENVIRONMENT through freezes (not blackouts) until --until. Admin."""
    from unlockstep.server.wire_policies import FreezeExceptionOut

    body = {
        "environment": environment, "service": service, "owner": owner, "reason": reason,
        "expiresAt": until,
    }  # fmt: skip
    data = FreezeExceptionOut.model_validate(
        context.client().post("/api/v1/calendar/exceptions", body)
    )
    emit(
        fmt,
        data.model_dump(mode="json"),
        lambda d: (
            f"freeze exception #{d['id']} for {service} in {environment} until {d['expiresAt']}"
        ),
    )


@calendar.command("exceptions")
@format_option()
def list_exceptions(fmt: str) -> None:
    """Every freeze exception granted, with owner, reason and expiry."""
    from unlockstep.server.wire_policies import FreezeExceptionOut

    items = [
        FreezeExceptionOut.model_validate(e).model_dump(mode="json")
        for e in context.client().get("/api/v1/calendar/exceptions")
    ]

    def text(d: list[dict[str, Any]]) -> str:
        rows = [
            (e["id"], e["environment"], e["service"], e["owner"], e["expiresAt"], e["reason"])
            for e in d
        ]
        return table(rows, ["id", "environment", "service", "owner", "expires", "reason"])

    emit(fmt, items, text)
