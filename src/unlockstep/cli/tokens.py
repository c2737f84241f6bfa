"""``unlockstep tokens create|list|revoke``: API tokens (an admin token is needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import click

from unlockstep.cli import context
from unlockstep.cli.output import emit, format_option, table, warn


def _when(at: datetime | None) -> str:
    return at.isoformat()[:19] if at is not None else "-"


def _expiry(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            "give a date or time, e.g. 2027-03-31 or 2027-03-31T12:00Z"
        ) from None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()


@click.group("tokens")
def tokens() -> None:
    """API tokens: who may write, for which team, with which scope."""


@tokens.command("create")
@click.argument("name")
@click.option("--team", help="the team whose services and flags the token may change")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(["read", "write", "admin"]),
    help="read, write (the team's own) or admin (everything); repeatable",
)
@click.option("--expires", callback=_expiry, help="when it stops working (ISO date or time, UTC)")
@format_option()
def tokens_create(
    name: str, team: str | None, scopes: tuple[str, ...], expires: str | None, fmt: str
) -> None:
    """Create a token and print its secret, once: it is stored only as a hash."""
    from unlockstep.server.wire_tokens import TokenCreated

    body: dict[str, Any] = {"name": name, "team": team, "scopes": list(scopes)}
    if expires:
        body["expiresAt"] = expires
    data = TokenCreated.model_validate(context.client().post("/api/v1/tokens", body))

    def text(_: Any) -> str:
        t = data.token
        return (
            f"token {t.name} (team {t.team or '-'}, scopes {','.join(t.scopes)}, "
            f"expires {_when(t.expires_at)})\n{data.secret}"
        )

    emit(fmt, data.model_dump(mode="json"), text)
    warn("the secret is shown only now; store it where your CI keeps secrets")


@tokens.command("list")
@format_option()
def tokens_list(fmt: str) -> None:
    """Every token with its team, scopes, expiry and revocation (never a secret)."""
    from unlockstep.server.wire import Page
    from unlockstep.server.wire_tokens import Token

    data = Page[Token].model_validate(context.client().get("/api/v1/tokens"))

    def text(_: Any) -> str:
        rows = [
            (t.name, t.team or "-", ",".join(t.scopes), _when(t.expires_at), _when(t.revoked_at))
            for t in data.items
        ]
        return table(rows, ["token", "team", "scopes", "expires", "revoked"])

    emit(fmt, data.model_dump(mode="json"), text)


@tokens.command("revoke")
@click.argument("name")
@format_option()
def tokens_revoke(name: str, fmt: str) -> None:
    """Revoke a token: it stops working at once (the record stays, for the audit)."""
    from unlockstep.server.wire_tokens import Token

    data = Token.model_validate(context.client().delete(f"/api/v1/tokens/{quote(name, safe='')}"))
    emit(fmt, data.model_dump(mode="json"), lambda _: f"token {data.name} revoked")


COMMANDS = [tokens]
