"""How commands print: results to stdout (``--format json`` stable for machines), diagnostics
to stderr. The exit code is the same whatever the format."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("text", "json")


def format_option(*choices: str) -> Callable[[F], F]:
    """``--format`` with the given choices (text and json by default)."""
    options = choices or FORMATS

    def decorate(func: F) -> F:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(options),
            default=options[0],
            show_default=True,
            help="output format",
            callback=_remember_format,
            expose_value=True,
            is_eager=True,
        )(func)

    return decorate


def _remember_format(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    ctx.find_root().meta["unlockstep.format"] = value
    return value


def current_format() -> str:
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return "text"
    return str(ctx.find_root().meta.get("unlockstep.format", "text"))


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def emit(fmt: str, data: Any, text: Callable[[Any], str]) -> None:
    if fmt == "json":
        emit_json(data)
    else:
        click.echo(text(data))


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain aligned text table."""
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in cells:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def warn(message: str) -> None:
    click.echo(message, err=True)


def fail_message(body: dict[str, Any]) -> None:
    """Print an error: JSON body under ``--format json``, one readable line otherwise."""
    if current_format() == "json":
        click.echo(json.dumps(body, indent=2), err=True)
        return
    err = body.get("error", {})
    text = f"error: {err.get('message', 'failed')}"
    if err.get("where"):
        text = f"error: {err['where']}: {err.get('message', 'failed')}"
    if err.get("hint"):
        text += f"\n  hint: {err['hint']}"
    click.echo(text, err=True)
    sys.stderr.flush()
