"""``unlockstep migrations check PATH…``: every statement's phase, hazards and evidence.

Exit codes: 0 every statement is safe while old code is live, 1 a statement would break
running clients (a contract step or a breaking hazard), 2 input that cannot be read or
parsed (the message names file and line).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from unlockstep import __version__
from unlockstep.cli.output import format_option
from unlockstep.core.compat import Level
from unlockstep.core.migrations import (
    DEFAULT_WINDOW_DAYS,
    RULES,
    MigrationFile,
    MigrationsReport,
    Step,
    check_files,
)
from unlockstep.errors import InvalidInput
from unlockstep.files import read_document, read_text

FORMATS = ("text", "json", "markdown", "sarif")


@click.group()
def migrations() -> None:
    """SQL migrations classified as expand, migrate or contract."""


@migrations.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option(*FORMATS)
@click.option(
    "--usage-window-days",
    type=click.IntRange(min=0),
    default=DEFAULT_WINDOW_DAYS,
    show_default=True,
    help="Days of zero usage a contract step waits for.",
)
@click.option(
    "--usage",
    "usage_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON/YAML mapping of table.column (or table) to the services that use it.",
)
def check(
    paths: tuple[Path, ...], fmt: str, usage_window_days: int, usage_file: Path | None
) -> None:
    """Classify every statement of the migrations in PATH… (folders or files).

    Exit 0 when every statement is safe while old code is live, 1 when one would break
    running clients, 2 when a file cannot be read or parsed.
    """
    usage = _read_usage(usage_file) if usage_file else {}
    reports = [(str(path), check_files(_collect(path), usage, usage_window_days)) for path in paths]
    breaks = any(report.breaks_running_clients for _, report in reports)
    render = {"text": _text, "json": _json, "markdown": _markdown, "sarif": _sarif}[fmt]
    click.echo(render(reports))
    click.get_current_context().exit(1 if breaks else 0)


# -- input -------------------------------------------------------------------------------


def _collect(path: Path) -> list[MigrationFile]:
    if not path.exists():
        raise InvalidInput("no such file or folder", where=str(path))
    if path.is_file():
        return [MigrationFile(str(path), read_text(path))]
    candidates = sorted(path.rglob("*.sql")) + sorted(path.glob("*.py"))
    candidates += sorted((path / "versions").glob("*.py"))
    files = [MigrationFile(str(p), read_text(p)) for p in candidates]
    if not files:
        raise InvalidInput(
            "no migrations found (looked for *.sql, *.py and versions/*.py)", where=str(path)
        )
    return files


def _read_usage(path: Path) -> dict[str, list[str]]:
    data = read_document(path).data
    if not isinstance(data, dict) or not all(
        isinstance(v, list) and all(isinstance(s, str) for s in v) for v in data.values()
    ):
        raise InvalidInput(
            "usage must map table.column (or table) to a list of service names",
            where=str(path),
            hint='e.g. {"cases.escalation_basis": ["audit-report-service"]}',
        )
    return {str(k): list(v) for k, v in data.items()}


# -- output ------------------------------------------------------------------------------


def _mark(step: Step) -> str:
    return "  BREAKS RUNNING CLIENTS" if step.breaks_running_clients else ""


def _text(reports: list[tuple[str, MigrationsReport]]) -> str:
    lines: list[str] = []
    for path, report in reports:
        lines.append(f"{path} ({report.layout} layout)")
        for file in report.files:
            version = f" [{file.version}]" if file.version else ""
            lines.append(f"  {file.file}{version}")
            for step in file.steps:
                lines.append(f"    {step.line:>4}  {step.phase.value:<8}  {step.text}{_mark(step)}")
                for change in step.changes:
                    sign = "✗" if change.level is Level.BREAKING else "!"
                    lines.append(
                        f"            {sign} {change.rule} (breaks {change.breaks.value}): "
                        f"{change.message}"
                    )
                    lines.append(f"              fix: {change.suggestion}")
                for evidence in step.evidence:
                    lines.append(f"            waits for: {evidence.describe()}")
        counts = report.summary()
        lines.append(
            f"  {len(report.steps)} statements: {counts['expand']} expand, "
            f"{counts['migrate']} migrate, {counts['contract']} contract, "
            f"{counts['neutral']} neutral; hazards: {counts['hazards']}; "
            f"{counts['breaking_steps']} break running clients"
        )
    unsafe = any(r.breaks_running_clients for _, r in reports)
    lines.append("NOT safe while old code is live" if unsafe else "safe while old code is live")
    return "\n".join(lines)


def _json(reports: list[tuple[str, MigrationsReport]]) -> str:
    body = {
        "safe_while_old_code_is_live": not any(r.breaks_running_clients for _, r in reports),
        "paths": [{"path": path, **report.to_dict()} for path, report in reports],
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


def _relative(file: str, root: str) -> str:
    """A file shown relative to the folder it was found in."""
    prefix = root.rstrip("/\\") + "/"
    return file[len(prefix) :] if file.startswith(prefix) else file


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(reports: list[tuple[str, MigrationsReport]]) -> str:
    out: list[str] = ["# Migration check", ""]
    for path, report in reports:
        out += [f"## `{path}` ({report.layout})", ""]
        out += ["| file | line | phase | statement | hazards / findings | waits for |"]
        out += ["|---|---|---|---|---|---|"]
        for step in report.steps:
            findings = "<br>".join(f"`{c.rule}` ({c.breaks.value})" for c in step.changes)
            waits = "<br>".join(_cell(e.describe()) for e in step.evidence)
            phase = f"**{step.phase.value}**" if step.breaks_running_clients else step.phase.value
            file = _cell(_relative(step.file, path))
            out.append(
                f"| {file} | {step.line} | {phase} | `{_cell(step.text)}` | {findings} | {waits} |"
            )
        out.append("")
    unsafe = any(r.breaks_running_clients for _, r in reports)
    out.append("**Not safe while old code is live.**" if unsafe else "Safe while old code is live.")
    return "\n".join(out)


def _sarif(reports: list[tuple[str, MigrationsReport]]) -> str:
    results: list[dict[str, Any]] = []
    used: set[str] = set()
    for _, report in reports:
        for step in report.steps:
            waits = "; ".join(e.describe() for e in step.evidence)
            for change in step.changes:
                used.add(change.rule)
                text = f"{change.message} Fix: {change.suggestion}"
                if waits and RULES[change.rule].family == "contract":
                    text += f" Waits for: {waits}"
                results.append(
                    {
                        "ruleId": change.rule,
                        "level": "error" if change.level is Level.BREAKING else "warning",
                        "message": {"text": text},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": step.file},
                                    "region": {"startLine": step.line},
                                }
                            }
                        ],
                        "properties": {"phase": step.phase.value, "breaks": change.breaks.value},
                    }
                )
    rules = [
        {
            "id": RULES[rid].id,
            "shortDescription": {"text": RULES[rid].summary},
            "help": {"text": RULES[rid].fix},
        }
        for rid in sorted(used)
    ]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "unlockstep",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)
