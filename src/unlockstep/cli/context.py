"""Settings and the server client for the running command. Both are imported when first
asked for, so commands that need neither (``--version``, ``--help``) start at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from unlockstep.errors import ConfigError

if TYPE_CHECKING:
    from unlockstep.cli.client import Client
    from unlockstep.settings import Settings


def settings(**flags: Any) -> Settings:
    """Settings with the precedence flag > env > file > default."""
    from unlockstep.settings import Settings

    ctx = click.get_current_context(silent=True)
    overrides: dict[str, Any] = {}
    if ctx is not None:
        overrides.update(ctx.find_root().meta.get("unlockstep.overrides", {}))
    overrides.update({k: v for k, v in flags.items() if v is not None})
    try:
        return Settings(**overrides)
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {exc}") from None


def client() -> Client:
    from unlockstep.cli.client import Client

    return Client.from_settings(settings())
