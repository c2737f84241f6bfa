"""Writes the CLI reference (``docs/cli.md``) from the commands' own ``--help``.

    python -m unlockstep.cli.reference > docs/cli.md

``tests/cli/test_reference.py`` fails when the committed file is out of date.
"""

from __future__ import annotations

import click

from unlockstep.cli.main import cli


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found += _walk(command.commands[name], [*path, name])
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
    for path, command in _walk(cli, ["unlockstep"]):
        info_name = " ".join(path)
        with click.Context(command, info_name=info_name, terminal_width=100) as ctx:
            text = command.get_help(ctx)
        lines += [f"## `{info_name}`", "", "```", text.rstrip(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
