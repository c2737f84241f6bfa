"""Writes the CLI reference (``docs/cli.md``) from the commands' own ``--help``.

    python -m unlockstep.cli.reference > docs/cli.md

``tests/cli/test_reference.py`` fails when the committed file is out of date.
"""

from __future__ import annotations

import click

from unlockstep.cli.main import cli


def _walk(command: click.Command, name: str, parent: click.Context | None) -> list[tuple[str, str]]:
    """Each command's full name and help, with contexts chained as a real invocation would
    (so inherited settings such as ``-h`` show the same everywhere)."""
    settings = command.context_settings if parent is None else {}
    ctx = click.Context(command, info_name=name, parent=parent, terminal_width=100, **settings)
    found = [(ctx.command_path, command.get_help(ctx))]
    if isinstance(command, click.Group):
        for child in command.list_commands(ctx):  # loads lazy commands
            sub = command.get_command(ctx, child)
            if sub is not None:
                found += _walk(sub, child, ctx)
    return found


def render() -> str:
    lines = [
        "# CLI reference",
        "",
        "Generated from `--help` by `python -m unlockstep.cli.reference > docs/cli.md`;",
        "a test keeps it current. Exit codes everywhere: 0 ok, 1 check failed, 2 bad input or",
        "usage, 3 configuration or connection error.",
        "",
    ]
    for path, text in _walk(cli, "unlockstep", None):
        lines += [f"## `{path}`", "", "```", text.rstrip(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
