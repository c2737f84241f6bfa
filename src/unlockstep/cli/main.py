"""The root ``unlockstep`` command. Each area's commands live in their own module and are
added here, one line each.

Exit codes: 0 ok; 1 check failed (breaking change, not deployable, policy violated);
2 usage or bad input; 3 configuration or connection error.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from unlockstep import __version__
from unlockstep.cli import (
    catalog,
    contract,
    expectations,
    flags,
    migrations,
    registry,
    serve,
    tokens,
)
from unlockstep.cli.diff import diff as diff_command
from unlockstep.cli.output import fail_message
from unlockstep.cli.plans import plan
from unlockstep.errors import UnlockstepError


class Root(click.Group):
    """Turns every ``UnlockstepError`` into one message and its exit code: never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UnlockstepError as exc:
            fail_message(exc.to_dict())
            ctx.exit(exc.exit_code)


@click.group(cls=Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="unlockstep")
@click.option("--url", envvar="UNLOCKSTEP_URL", help="the unlockstep server (registry commands)")
@click.option("--token", envvar="UNLOCKSTEP_TOKEN", help="API token for writes")
@click.option("-v", "--verbose", is_flag=True, help="log more to stderr")
@click.pass_context
def cli(ctx: click.Context, url: str | None, token: str | None, verbose: bool) -> None:
    """unlockstep: release coordination without distributed lockstep."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    overrides: dict[str, Any] = {}
    if url:
        overrides["url"] = url
    if token:
        overrides["token"] = token
    ctx.meta["unlockstep.overrides"] = overrides


for command in (
    *serve.COMMANDS,
    *registry.COMMANDS,
    *catalog.COMMANDS,
    *contract.COMMANDS,
    *flags.COMMANDS,
    *expectations.COMMANDS,
    *tokens.COMMANDS,
):
    cli.add_command(command)
cli.add_command(migrations.migrations)

cli.add_command(diff_command)
cli.add_command(plan)


def main() -> None:
    cli(prog_name="unlockstep")
