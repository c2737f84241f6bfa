"""``unlockstep diff OLD NEW``: what a contract change does, offline.

Exit codes (the same for every ``--format``): 0 compatible under the mode, 1 not compatible,
2 bad input (unreadable file, unknown kind, unresolvable ``$ref``: a message naming the file
and where, never a traceback).
"""

from __future__ import annotations

from pathlib import Path

import click

from unlockstep import __version__
from unlockstep.cli import context
from unlockstep.cli.output import format_option
from unlockstep.core.compare import compare
from unlockstep.core.compat import FORMATS, Mode, Policy, render
from unlockstep.core.documents import MAX_DOCUMENT_MB
from unlockstep.errors import InvalidInput
from unlockstep.files import read_source

max_document_option = click.option(
    "--max-document-mb",
    type=click.IntRange(1, 4096),
    default=None,
    help="refuse a contract file (or one it references) larger than this many MiB, before "
    f"reading it [default: the max_document_mb setting, {MAX_DOCUMENT_MB}]",
)


def document_limit(max_document_mb: int | None) -> int:
    """The size cap in bytes: the flag, else the ``max_document_mb`` setting (env, file).
    Settings are loaded only when something may set it: a plain ``diff`` starts faster."""
    from unlockstep.config import is_set

    if max_document_mb is None and not is_set("max_document_mb"):
        max_document_mb = MAX_DOCUMENT_MB
    if max_document_mb is not None:
        return max_document_mb * 1024 * 1024
    return context.settings().max_document_bytes


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option(
    "--mode",
    default="BACKWARD",
    show_default=True,
    help="BACKWARD, FORWARD, FULL (each also _TRANSITIVE) or NONE",
)
@click.option(
    "--policy",
    type=click.Choice([p.value for p in Policy]),
    default=Policy.LENIENT.value,
    show_default=True,
    help="strict: what is not provably safe breaks; lenient: what is safe in practice passes",
)
@format_option(*FORMATS)
@click.option("--kind", default=None, help="contract kind (detected from content if omitted)")
@max_document_option
@click.pass_context
def diff(
    ctx: click.Context,
    old: Path,
    new: Path,
    mode: str,
    policy: str,
    fmt: str,
    kind: str | None,
    max_document_mb: int | None,
) -> None:
    """Compare OLD and NEW versions of a contract.

    Exit 0 when NEW is compatible with OLD under --mode, 1 when it is not, 2 for bad input
    (errors go to stderr, as a JSON error body under --format json).
    """
    try:
        parsed_mode = Mode.parse(mode)
    except ValueError as exc:
        raise InvalidInput(str(exc), where="--mode") from None
    limit = document_limit(max_document_mb)
    old_source, new_source = read_source(old, max_size=limit), read_source(new, max_size=limit)
    report = compare(old_source, new_source, kind, parsed_mode, policy, max_size=limit)
    click.echo(render(report, fmt, old=str(old), new=str(new), version=__version__))
    ctx.exit(0 if report.compatible else 1)


COMMANDS = [diff]
