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
        raise _settings_error(exc, overrides) from None


def _settings_error(exc: ValueError, flags: dict[str, Any]) -> ConfigError:
    """One line per bad setting, naming where its value came from (flag, variable, file)."""
    from pydantic import ValidationError

    from unlockstep.config import config_file, from_environment

    if not isinstance(exc, ValidationError):
        return ConfigError(f"invalid settings: {exc}")
    file = config_file()
    problems, from_file = [], False
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "settings"
        if name in flags:
            origin = "a command-line flag"
        elif from_environment(name):
            origin = f"UNLOCKSTEP_{name.upper()}"
        elif file is not None:
            origin, from_file = str(file), True
        else:
            origin = "the default"
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{name} (from {origin}): {message}")
    return ConfigError(
        "invalid settings: " + "; ".join(problems),
        where=str(file) if from_file else None,
        hint="fix the value, or unset it to use the default",
    )


def api_path(*segments: str) -> str:
    """A request path with every segment escaped whole (``unlockstep.cli.client.api_path``),
    imported when first asked for, like the client."""
    from unlockstep.cli.client import api_path as escaped

    return escaped(*segments)


def client() -> Client:
    from unlockstep.cli.client import Client

    return Client.from_settings(settings())


def client_at(url: str) -> Client:
    """A client of the server at ``url`` (a command's own URL option), with the token."""
    from unlockstep.cli.client import Client

    return Client.from_settings(settings(url=url))
