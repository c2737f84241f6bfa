"""``unlockstep plan``: check and render release plans from a file (offline), and submit,
list and show them on the server (progress derived from what the registry recorded).

Exit codes: 0 the plan passes; 1 the check failed (a lockstep cycle, an overdue window or
cleanup); 2 the file is bad (the message names the line); 3 configuration or connection.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

import unlockstep.cli.context as context
from unlockstep.cli.diff import document_limit
from unlockstep.cli.output import emit, format_option, table
from unlockstep.core import plans as coordination_doc
from unlockstep.core import plans as plan_check
from unlockstep.core import plans as plan_file
from unlockstep.core.plans import Plan
from unlockstep.errors import InvalidInput
from unlockstep.files import read_text


def file_reader(base: Path) -> plan_check.Reader:
    """Read contract files (or migration folders, concatenated in name order) relative to
    the plan file; a file past the ``max_document_mb`` setting is refused unread."""
    limit = document_limit(None)

    def read(name: str) -> str:
        path = base / name
        if not path.exists():
            raise InvalidInput(
                f"contract file {name!r} does not exist",
                where=str(path),
                hint="paths in a plan are relative to the plan file",
            )
        if path.is_dir():
            files = sorted((p for p in path.iterdir() if p.is_file()), key=_natural)
            return "\n".join(read_text(p, max_size=limit) for p in files)
        return read_text(path, max_size=limit)

    return read


def _natural(path: Path) -> list[Any]:
    """V2 before V10: digits compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def _today(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--today {value!r} is not a date; write YYYY-MM-DD") from None


def _read_plan(path: str) -> tuple[str, Plan]:
    if not Path(path).exists():
        raise InvalidInput(f"plan file {path!r} does not exist", where=path)
    text = read_text(path)
    return text, plan_file.parse(text, filename=path)


def analyse_file(path: str, today: str | None) -> plan_check.PlanReport:
    _, plan = _read_plan(path)
    plan_check.load_engines()
    return plan_check.analyse(plan, today=_today(today), read=file_reader(Path(path).parent))


@click.group("plan")
def plan() -> None:
    """Release plans: risk, safe order, lockstep detection, coordination document."""


_today_option = click.option(
    "--today", metavar="YYYY-MM-DD", help="Judge windows and cleanup as of this date."
)


@plan.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@_today_option
@format_option()
def check_command(file: str, today: str | None, fmt: str) -> None:
    """Check a release plan: exit 1 on a lockstep cycle or an overdue window/cleanup."""
    report = analyse_file(file, today)
    if fmt == "json":
        click.echo(coordination_doc.render_json(report), nl=False)
    else:
        click.echo(summary(report))
    sys.exit(0 if report.ok else 1)


def summary(report: plan_check.PlanReport) -> str:
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
@format_option("markdown", "json")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the document here instead of stdout.",
)
def render_command(file: str, today: str | None, fmt: str, output: str | None) -> None:
    """Write the release coordination document (Markdown with a Mermaid diagram, or JSON)."""
    report = analyse_file(file, today)
    text = (
        coordination_doc.render_json(report)
        if fmt == "json"
        else coordination_doc.render_markdown(report)
    )
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def submission(file: str) -> dict[str, Any]:
    """The body of ``POST /api/v1/plans``: the plan and every contract file it points at."""
    text, parsed = _read_plan(file)
    read = file_reader(Path(file).parent)
    files = {name: read(name) for c in parsed.contracts for name in (*c.old, *c.new)}
    return {"source": text, "filename": Path(file).name, "files": files}


@plan.command("submit")
@click.argument("file", type=click.Path(dir_okay=False))
@format_option()
def submit_command(file: str, fmt: str) -> None:
    """Store a plan on the server (with the contract files it points at)."""
    from unlockstep.server.wire_plans import PlanSubmitted

    done = PlanSubmitted.model_validate(context.client().post("/api/v1/plans", submission(file)))

    def text_of(d: PlanSubmitted) -> str:
        p, check = d.plan, d.check
        verdict = "ok" if check.ok else "FAILED"
        lines = [
            f"plan {p.change}: {d.outcome} (revision {p.revision}); check {verdict}, "
            f"risk {check.risk['level']}"
        ]
        lines += [f"  error: {e}" for e in check.errors]
        return "\n".join(lines)

    emit(fmt, done.model_dump(mode="json"), lambda _: text_of(done))


@plan.command("list")
@format_option()
def list_command(fmt: str) -> None:
    """Plans on the server, with their risk and whether they pass."""
    from unlockstep.server.wire import Page
    from unlockstep.server.wire_plans import PlanSummary

    found = Page[PlanSummary].model_validate(context.client().get("/api/v1/plans"))

    def text_of(d: Page[PlanSummary]) -> str:
        rows = [
            (
                p.change,
                p.owner or "",
                p.risk["level"],
                "ok" if p.ok else "FAILED",
                p.revision,
                p.title,
            )
            for p in d.items
        ]
        return table(rows, ["change", "owner", "risk", "check", "rev", "title"])

    emit(fmt, found.model_dump(mode="json"), lambda _: text_of(found))


def _evidence_lines(report: dict[str, Any]) -> list[str]:
    """The window's consumers and the cleanup blockers, as read from the registry."""
    lines: list[str] = []
    window = report.get("window")
    if window:
        moved = sum(c["status"] == "met" for c in window["consumers"])
        lines.append(
            f"window {window['state']} until {window['ends']}: {moved} of "
            f"{len(window['consumers'])} consumers moved"
        )
        rows = [(c["what"], c["status"], c["detail"]) for c in window["consumers"]]
        if rows:
            lines.append(table(rows, ["consumer", "status", "evidence"]))
    for g in report.get("guardingInvariants", []):
        lines.append(f"invariant {g['name']} gates every step: {g['why']}")
    for item in report.get("cleanup", []):
        lines.append(f"cleanup '{item['title']}': {'done' if item['done'] else 'not done'}")
        rows = [(b["what"], b["status"], b["detail"]) for b in item["blockers"]]
        if rows:
            lines.append(table(rows, ["blocker", "status", "evidence"]))
    return lines


@plan.command("show")
@click.argument("change")
@_today_option
@format_option()
def show_command(change: str, today: str | None, fmt: str) -> None:
    """One plan: its check and its progress, derived from recorded deployments."""
    params = {"today": _today(today).isoformat()} if today else None
    from unlockstep.server.wire_plans import PlanShown

    shown = PlanShown.model_validate(
        context.client().get(context.api_path("plans", change), params=params)
    )

    def text_of(d: PlanShown) -> str:
        p, check, prog = d.plan, d.check, d.progress
        counts = prog["counts"]
        lines = [
            f"plan {p.change} (revision {p.revision}): check "
            f"{'ok' if check.ok else 'FAILED'}, risk {check.risk['level']}",
            f"progress in {prog['environment']}: {counts['done']} done, {counts['pending']} "
            f"pending, {counts['unknown']} unknown; next: {', '.join(prog['next']) or '-'}",
        ]
        rows = [(s["step"], s["service"], s["status"], s["detail"]) for s in prog["steps"]]
        lines.append(table(rows, ["step", "service", "status", "evidence"]))
        gates = [
            (s["step"], g["status"], g["what"], g["detail"])
            for s in prog["steps"]
            for g in s.get("gates", [])
            if g["status"] != "met"
        ]
        if gates:
            lines.append("gates not met yet:")
            lines.append(table(gates, ["step", "status", "gate", "evidence"]))
        lines += _evidence_lines(d.report)
        for r in d.rollouts:
            last = r["lastAnalysis"]
            lines.append(
                f"rollout #{r['id']} of {r['flag']}: {r['status']} at stage {r['stage'] + 1}/"
                f"{r['stages']} ({r['stageName']}); last analysis "
                f"{last['status'] if last else 'none yet'}; waiting for {r['waitingFor']}"
            )
        lines += [f"  {name}: {state}" for name, state in d.sources.items() if state != "available"]
        return "\n".join(lines)

    emit(fmt, shown.model_dump(mode="json"), lambda _: text_of(shown))
