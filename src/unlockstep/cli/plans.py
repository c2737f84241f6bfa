"""``unlockstep plan``: check and render release plans (offline, from a file).

Exit codes: 0 the plan passes; 1 the check failed (a lockstep cycle, an overdue window or
cleanup); 2 the file is bad (the message names the line); 3 configuration problems.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from unlockstep.core import coordination_doc, plan_check, plan_file
from unlockstep.errors import InvalidInput, ParseError, UnlockstepError


def _fail(exc: UnlockstepError, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(exc.to_dict(), indent=2))
    click.echo(f"error: {exc}", err=True)
    sys.exit(exc.exit_code)


def _reader(base: Path) -> plan_check.Reader:
    """Read contract files (or migration folders, concatenated in name order) relative to
    the plan file."""

    def read(name: str) -> str:
        path = (base / name).resolve()
        try:
            if path.is_dir():
                files = sorted(p for p in path.iterdir() if p.is_file())
                return "\n".join(p.read_text(encoding="utf-8") for p in files)
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InvalidInput(
                f"contract file {name!r} does not exist",
                where=str(base / name),
                hint="paths in a plan are relative to the plan file",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ParseError(f"cannot read contract file {name!r}: {exc}") from None

    return read


def _today(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--today {value!r} is not a date; write YYYY-MM-DD") from None


def analyse_file(path: str, today: str | None) -> plan_check.PlanReport:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"plan file {path!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read plan file {path!r}: {exc}") from None
    plan = plan_file.parse(text, filename=path)
    _load_engines()
    return plan_check.analyse(plan, today=_today(today), read=_reader(file.parent))


def _load_engines() -> None:
    """Import whichever compatibility engines are installed; each registers itself."""
    import importlib

    for module in ("openapi", "jsonschema", "avro", "protobuf", "sql", "asyncapi"):
        try:
            importlib.import_module(f"unlockstep.core.{module}")
        except ImportError:
            continue


@click.group()
def plan() -> None:
    """Release plans: risk, safe order, lockstep detection, coordination document."""


_today_option = click.option(
    "--today", metavar="YYYY-MM-DD", help="Judge windows and cleanup as of this date."
)


@plan.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@_today_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def check_command(file: str, today: str | None, fmt: str) -> None:
    """Check a release plan: exit 1 on a lockstep cycle or an overdue window/cleanup."""
    try:
        report = analyse_file(file, today)
    except UnlockstepError as exc:
        _fail(exc, fmt)
        return
    if fmt == "json":
        click.echo(coordination_doc.render_json(report), nl=False)
    else:
        click.echo(_summary(report))
    sys.exit(0 if report.ok else 1)


def _summary(report: plan_check.PlanReport) -> str:
    p = report.plan
    lines = [f"plan {p.change}: {'ok' if report.ok else 'FAILED'} (risk {report.risk.level.label})"]
    lines += [f"  risk: {why}" for why in report.risk.why]
    by_id = {s.id: s for s in report.graph.steps}
    if report.schedule.levels and not report.lockstep:
        lines.append(
            f"  order: {len(report.graph.steps)} steps in {len(report.schedule.levels)} stages"
        )
        for n, level in enumerate(report.schedule.levels, start=1):
            lines.append(
                f"    stage {n}: "
                + "; ".join(f"{by_id[s].actor}: {by_id[s].action}" for s in level)
            )
    for group in report.lockstep:
        lines.append(f"  {group.describe()}")
        lines += [
            f"    {by_id[e.before].actor} before {by_id[e.after].actor}: {e.reason}"
            for e in group.edges
        ]
        lines.append("    fix: " + group.fixes[0])
    lines += [f"  error: {e}" for e in report.errors if not e.startswith("lockstep")]
    lines += [f"  warning: {w}" for w in report.warnings]
    return "\n".join(lines)


@plan.command("render")
@click.argument("file", type=click.Path(dir_okay=False))
@_today_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the document here instead of stdout.",
)
def render_command(file: str, today: str | None, fmt: str, output: str | None) -> None:
    """Write the release coordination document (Markdown with a Mermaid diagram, or JSON)."""
    try:
        report = analyse_file(file, today)
    except UnlockstepError as exc:
        _fail(exc, fmt)
        return
    text = (
        coordination_doc.render_json(report)
        if fmt == "json"
        else coordination_doc.render_markdown(report)
    )
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
