"""Settings and the server client for the running command."""

from __future__ import annotations

from typing import Any

import click
from pydantic import ValidationError

from unlockstep.cli.client import Client
from unlockstep.errors import ConfigError
from unlockstep.settings import Settings, describe_error


def settings(**flags: Any) -> Settings:
    """Settings with the precedence flag > env > file > default."""
    ctx = click.get_current_context(silent=True)
    overrides: dict[str, Any] = {}
    if ctx is not None:
        overrides.update(ctx.find_root().meta.get("unlockstep.overrides", {}))
    overrides.update({k: v for k, v in flags.items() if v is not None})
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {describe_error(exc)}") from None
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {exc}") from None


def client() -> Client:
    return Client.from_settings(settings())
