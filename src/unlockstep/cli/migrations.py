"""``unlockstep migrations check PATH…``: every statement's phase, hazards and evidence.

Exit codes: 0 every statement is safe while old code is live, 1 a statement would break
running clients (a contract step or a breaking hazard), 2 input that cannot be read or
parsed (the message names file and line).
"""

from __future__ import annotations

from pathlib import Path

import click

from unlockstep import __version__
from unlockstep.cli.output import format_option
from unlockstep.core.compat import FORMATS, render_migrations
from unlockstep.core.migrations import (
    DEFAULT_WINDOW_DAYS,
    MigrationFile,
    MigrationsReport,
    check_files,
    observe,
)
from unlockstep.errors import InvalidInput
from unlockstep.files import read_document, read_text


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
@click.option(
    "--evidence-from",
    "evidence_from",
    metavar="URL",
    help="an unlockstep server whose usage store (unlockstep.db.accesses) measures each "
    "contract step's zero usage; a step measured unused for the window passes.",
)
def check(
    paths: tuple[Path, ...],
    fmt: str,
    usage_window_days: int,
    usage_file: Path | None,
    evidence_from: str | None,
) -> None:
    """Classify every statement of the migrations in PATH… (folders or files).

    Exit 0 when every statement is safe while old code is live, 1 when one would break
    running clients, 2 when a file cannot be read or parsed.
    """
    usage = _read_usage(usage_file) if usage_file else {}
    reports = [(str(path), check_files(_collect(path), usage, usage_window_days)) for path in paths]
    if evidence_from:
        reports = _with_evidence(reports, evidence_from, usage_window_days)
    breaks = any(report.breaks_running_clients for _, report in reports)
    click.echo(render_migrations(reports, fmt, version=__version__))
    click.get_current_context().exit(1 if breaks else 0)


def _with_evidence(
    reports: list[tuple[str, MigrationsReport]], url: str, days: int
) -> list[tuple[str, MigrationsReport]]:
    """Ask the server how long each contract step's subject has gone untouched: the
    ``unlockstep.db.accesses`` counter with ``unlockstep.field`` = ``table.column`` (a
    column) or ``unlockstep.contract`` = ``table`` (a table)."""
    from unlockstep.cli import context
    from unlockstep.server.wire_usage import ZeroOut

    client = context.client_at(url)
    subjects = sorted({e.subject for _, r in reports for s in r.steps for e in s.evidence})
    answers: dict[str, tuple[int | None, str]] = {}
    for subject in subjects:
        label = "field" if "." in subject else "contract"
        selector = f'unlockstep_db_accesses{{{label}="{subject}"}}'
        found = ZeroOut.model_validate(
            client.get("/api/v1/usage/zero", params={"selector": selector, "days": days})
        )
        answers[subject] = (found.zero_days if found.known else None, found.detail)
    return [(path, observe(report, answers)) for path, report in reports]


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
