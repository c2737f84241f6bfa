"""The root ``unlockstep`` command. It starts at once: each command's module is imported only
when that command runs (click's documented lazy-group pattern), and ``--help`` and shell
completion list the commands from the table below without importing any of them.

A new command is one line in ``COMMANDS``; ``tests/cli/test_main.py`` fails when the table and
the real commands disagree (name, target or short help).

Exit codes: 0 ok; 1 check failed (breaking change, not deployable, policy violated);
2 usage or bad input; 3 configuration or connection error.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from unlockstep import __version__
from unlockstep.errors import UnlockstepError

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem


class Lazy(NamedTuple):
    """Where a command lives (``module:attribute``) and its short help, as ``--help`` shows it
    before the module is imported."""

    target: str
    help: str


COMMANDS: dict[str, Lazy] = {
    "analysis": Lazy(
        "unlockstep.cli.rollouts:analysis",
        "Metric analyses: checks with conditions and limits, judged pass / fail / inconclusive.",
    ),
    "approvals": Lazy(
        "unlockstep.cli.approvals:approvals",
        "Changes waiting for a second person in protected environments (four-eyes).",
    ),
    "audit": Lazy(
        "unlockstep.cli.registry:audit",
        "The audit trail: who changed what, when, why, before and after (newest first).",
    ),
    "can-i-deploy": Lazy(
        "unlockstep.cli.expectations:can_i_deploy",
        "May these versions go to ENV? yes / no / unknown, with the evidence for every "
        "integration.",
    ),
    "calendar": Lazy(
        "unlockstep.cli.calendar:calendar",
        "Release calendar: blackout and freeze periods, risky windows, freeze exceptions.",
    ),
    "catalog": Lazy("unlockstep.cli.catalog:catalog", "Backstage catalog descriptors."),
    "check": Lazy(
        "unlockstep.cli.contract:check",
        "What publishing FILE as the next version of SERVICE's NAME would do (writes nothing).",
    ),
    "consumers": Lazy(
        "unlockstep.cli.expectations:consumers",
        "Who depends on a provider's contracts: owners, versions and where they are live, "
        "which provider versions each verified against, deprecated fields used, sunset dates.",
    ),
    "contract": Lazy(
        "unlockstep.cli.contract:contract",
        "Contracts a service provides (OpenAPI, AsyncAPI, JSON Schema…).",
    ),
    "demo": Lazy(
        "unlockstep.cli.demo:demo",
        "Start a server on a fresh SQLite file with the seed's estate loaded.",
    ),
    "deprecations": Lazy(
        "unlockstep.cli.usage:deprecations",
        "Deprecated operations, parameters and fields: sunset, who still uses them, last seen.",
    ),
    "diff": Lazy("unlockstep.cli.diff:diff", "Compare OLD and NEW versions of a contract."),
    "environments": Lazy(
        "unlockstep.cli.registry:environments", "Environments versions are deployed to."
    ),
    "expectation": Lazy(
        "unlockstep.cli.expectations:expectation",
        "What a consumer version uses of a provider's contract.",
    ),
    "flags": Lazy(
        "unlockstep.cli.flags:flags",
        "Feature flags: lint and evaluate files, manage them on the server.",
    ),
    "impact": Lazy(
        "unlockstep.cli.expectations:impact",
        "Which consumers a proposed contract FILE breaks, and which removed elements nobody reads.",
    ),
    "invariants": Lazy(
        "unlockstep.cli.safety:invariants",
        "Business invariants over real data: declared in a service's safety-nets file, "
        "checked on a schedule by the server, gates for plans.",
    ),
    "matrix": Lazy(
        "unlockstep.cli.expectations:matrix",
        "Consumer version × provider version with verification status.",
    ),
    "migrations": Lazy(
        "unlockstep.cli.migrations:migrations",
        "SQL migrations classified as expand, migrate or contract.",
    ),
    "outbox": Lazy(
        "unlockstep.cli.safety:outbox",
        "Transactional outboxes: the oldest unpublished row, the publish rate, and who "
        "publishes events without one.",
    ),
    "plan": Lazy(
        "unlockstep.cli.plans:plan",
        "Release plans: risk, safe order, lockstep detection, coordination document.",
    ),
    "reconcile": Lazy(
        "unlockstep.cli.safety:reconcile",
        "Compare an entity between two systems by key (old vs new, writer vs projection), and "
        "work the queue of discrepancies.",
    ),
    "policy": Lazy(
        "unlockstep.cli.policy:policy",
        "Fitness functions: built-in rules and Rego v1 policies over plans, flags, contracts.",
    ),
    "record-deployment": Lazy(
        "unlockstep.cli.registry:record_deployment",
        "Record that a version is now live in an environment (replaces the previous one).",
    ),
    "record-release": Lazy(
        "unlockstep.cli.registry:record_release",
        "Record a released version (mobile/on-prem style: several supported at once).",
    ),
    "record-support-ended": Lazy(
        "unlockstep.cli.registry:record_support_ended",
        "Record that a released version is no longer supported in an environment.",
    ),
    "record-undeployment": Lazy(
        "unlockstep.cli.registry:record_undeployment",
        "Record that a service is no longer deployed in an environment.",
    ),
    "replay": Lazy(
        "unlockstep.cli.safety:replay",
        "Replay safety: can a consumer version read every event still in its topics?",
    ),
    "rollout": Lazy(
        "unlockstep.cli.rollouts:rollout",
        "Progressive delivery: move a flag's exposure stage by stage, gated by analyses.",
    ),
    "serve": Lazy(
        "unlockstep.cli.serve:serve", "Run the registry server (migrates the database first)."
    ),
    "services": Lazy("unlockstep.cli.registry:services", "Services in the registry."),
    "tokens": Lazy(
        "unlockstep.cli.tokens:tokens",
        "API tokens: who may write, for which team, with which scope.",
    ),
    "usage": Lazy(
        "unlockstep.cli.usage:usage",
        "Measured usage (OTLP exports, the SDK): who uses what, and since when not.",
    ),
    "verification": Lazy(
        "unlockstep.cli.expectations:verification_group",
        "Verification results reported by a provider's own test run.",
    ),
    "versions": Lazy("unlockstep.cli.registry:versions", "Versions of services."),
}


def load(target: str) -> click.Command:
    """The command object at ``module:attribute`` (imports the module)."""
    module_name, _, attribute = target.partition(":")
    command = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command


class Root(click.Group):
    """Loads each command on first use, and turns every ``UnlockstepError`` into one message
    and its exit code: never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        command = load(COMMANDS[cmd_name].target)
        self.commands[cmd_name] = command
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        unknown = name not in COMMANDS and name not in self.commands
        if unknown and not name.startswith("-") and not ctx.resilient_parsing:
            # click suggests from the loaded commands only; suggest from every command
            raise click.exceptions.NoSuchCommand(
                name, possibilities=self.list_commands(ctx), ctx=ctx
            )
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table: ``--help`` imports no command module."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = click.Command(name, help=_short(self, name))  # help only: nothing loaded
            rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names with their short help from the table (nothing imported); options as
        click completes them."""
        from click.shell_completion import CompletionItem

        items = [
            CompletionItem(name, help=_short(self, name))
            for name in self.list_commands(ctx)
            if name.startswith(incomplete)
        ]
        # Command.shell_complete (not Group's) adds the options without loading commands
        items.extend(click.Command.shell_complete(self, ctx, incomplete))
        return items

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UnlockstepError as exc:
            from unlockstep.cli.output import fail_message

            fail_message(exc.to_dict())
            ctx.exit(exc.exit_code)


def _short(group: click.Group, name: str) -> str:
    if name in COMMANDS:
        return COMMANDS[name].help
    return group.commands[name].get_short_help_str(limit=1000)


@click.group(cls=Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="unlockstep")
@click.option("--url", envvar="UNLOCKSTEP_URL", help="the unlockstep server (registry commands)")
@click.option("--token", envvar="UNLOCKSTEP_TOKEN", help="API token for writes")
@click.option("-v", "--verbose", is_flag=True, help="log more to stderr")
@click.pass_context
def cli(ctx: click.Context, url: str | None, token: str | None, verbose: bool) -> None:
    """unlockstep: release coordination without distributed lockstep."""
    import logging
    import sys

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


#: What a terminal that cannot show a character gets instead (anything else becomes ``?``).
ASCII = {
    "✓": "ok",
    "✗": "x",
    "→": "->",
    "←": "<-",
    "×": "x",
    "…": "...",
    "—": "-",
    "–": "-",
    "≥": ">=",
    "≤": "<=",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
}


def _to_ascii(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(ASCII.get(char, "?") for char in text), error.end


def plain_streams() -> None:
    """On a terminal that cannot encode ``✓`` (``PYTHONIOENCODING=ascii``, a Latin-1 locale),
    print ASCII stand-ins instead of failing with ``UnicodeEncodeError``."""
    import codecs
    import sys

    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "✓✗→×…—".encode(encoding)
            continue
        except (UnicodeEncodeError, LookupError):
            pass
        codecs.register_error("unlockstep-ascii", _to_ascii)
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="unlockstep-ascii")


def main() -> None:
    plain_streams()
    cli(prog_name="unlockstep")
