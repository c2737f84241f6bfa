"""Where settings come from, decided without importing pydantic (so commands that need at most
a default start at once): the settings file, and whether a setting is set anywhere but its
default. ``unlockstep.settings`` reads the file through here too.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any

from unlockstep.errors import ConfigError

PREFIX = "UNLOCKSTEP_"


def config_file() -> Path | None:
    """The TOML file named by ``UNLOCKSTEP_CONFIG``, else ``./unlockstep.toml`` when it exists."""
    named = os.environ.get(f"{PREFIX}CONFIG")
    if named:
        return Path(named)
    local = Path("unlockstep.toml")
    return local if local.exists() else None


def from_environment(name: str) -> bool:
    """Whether ``UNLOCKSTEP_<NAME>`` is set (in any case, as pydantic-settings reads it)."""
    wanted = f"{PREFIX}{name}".upper()
    return any(key.upper() == wanted for key in os.environ)


def is_set(name: str) -> bool:
    """Whether setting ``name`` may differ from its default: its environment variable or a
    settings file (which is read, with its keys checked, only when settings are loaded)."""
    return from_environment(name) or config_file() is not None


def read_file(path: Path, known: set[str]) -> dict[str, Any]:
    """The settings in ``path``; a file that cannot be read or parsed, or a key that is not a
    setting, is a ``ConfigError`` naming the file (exit 3)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            "settings file not found",
            where=str(path),
            hint="create it, or unset UNLOCKSTEP_CONFIG to use ./unlockstep.toml",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the settings file: {exc}", where=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=str(path)) from None
    unknown = sorted(set(data) - known)
    if unknown:
        close = {k: difflib.get_close_matches(k, sorted(known), n=1) for k in unknown}
        guesses = [f"{m[0]} (for {k})" for k, m in close.items() if m]
        hint = f"did you mean {', '.join(guesses)}? " if guesses else ""
        raise ConfigError(
            f"unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}",
            where=str(path),
            hint=f"{hint}known settings: {', '.join(sorted(known))}",
        )
    return data
