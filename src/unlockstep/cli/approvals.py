"""``unlockstep approvals``: change requests held in protected environments, and
``unlockstep environments protect``-style protection through ``approvals protect``."""

from __future__ import annotations

from typing import Any

import click

from unlockstep.cli import context
from unlockstep.cli.output import emit, format_option, table


@click.group("approvals")
def approvals() -> None:
    """Changes waiting for a second person in protected environments (four-eyes)."""


@approvals.command("list")
@click.option("--status", type=click.Choice(["pending", "approved", "rejected", "expired"]),
              default="pending", show_default=True)  # fmt: skip
@format_option()
def list_command(status: str, fmt: str) -> None:
    """Change requests, newest first."""
    from unlockstep.server.wire import Page
    from unlockstep.server.wire_approvals import ChangeRequestOut

    raw = context.client().get("/api/v1/approvals", params={"status": status, "limit": 500})
    page = Page[ChangeRequestOut].model_validate(raw)

    def text(_: Any) -> str:
        if not page.items:
            return f"no {status} change requests"
        rows = [
            (str(r.id), r.action, r.environment, r.target, r.requested_by,
             r.expires_at.strftime("%Y-%m-%d %H:%M"), r.reason or "")
            for r in page.items
        ]  # fmt: skip
        headers = ["id", "action", "environment", "target", "requested by", "expires", "reason"]
        return table(rows, headers)

    emit(fmt, page.model_dump(mode="json"), text)


def _decide(verb: str, request_id: int, reason: str | None, fmt: str) -> None:
    from unlockstep.server.wire_approvals import DecisionOut

    raw = context.client().post(f"/api/v1/approvals/{request_id}/{verb}", {"reason": reason})
    done = DecisionOut.model_validate(raw)
    r = done.request
    emit(
        fmt,
        done.model_dump(mode="json"),
        lambda _: f"#{r.id} {r.action} {r.environment}/{r.target}: {r.status} by {r.decided_by}",
    )


@approvals.command("approve")
@click.argument("request_id", type=int)
@click.option("--reason", help="why, for the audit trail")
@format_option()
def approve_command(request_id: int, reason: str | None, fmt: str) -> None:
    """Apply a pending change as its second person (exit 2 for your own request)."""
    _decide("approve", request_id, reason, fmt)


@approvals.command("reject")
@click.argument("request_id", type=int)
@click.option("--reason", help="why, for the audit trail")
@format_option()
def reject_command(request_id: int, reason: str | None, fmt: str) -> None:
    """Decline a pending change (nothing is applied)."""
    _decide("reject", request_id, reason, fmt)


@approvals.command("protect")
@click.argument("environment")
@click.option("--off", is_flag=True, help="ask to turn protection off (needs approval)")
@click.option("--reason", help="why, for the audit trail")
@format_option()
def protect_command(environment: str, off: bool, reason: str | None, fmt: str) -> None:
    """Protect ENVIRONMENT: its flag changes then wait for a second person's approval
    (the kill switch never waits)."""
    from unlockstep.server.wire_approvals import ProtectionOut

    raw = context.client().put(
        f"/api/v1/environments/{environment}/protection",
        {"protected": not off, "reason": reason},
    )
    done = ProtectionOut.model_validate(raw)

    def text(_: Any) -> str:
        if done.outcome == "requested" and done.request is not None:
            return f"{environment}: unprotecting waits for approval (request #{done.request.id})"
        return (
            f"{environment}: {'protected' if done.protected else 'not protected'} ({done.outcome})"
        )

    emit(fmt, done.model_dump(mode="json"), text)


COMMANDS: tuple[click.Command, ...] = (approvals,)
