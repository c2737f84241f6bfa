"""``unlockstep contract publish`` and ``unlockstep check``: contracts in the registry.

Exit codes: 0 published / compatible; 1 refused or incompatible (the report is printed);
2 bad input (unreadable file, unknown service, different content under a version without
``--force``); 3 no server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from unlockstep.cli import context
from unlockstep.cli.client import api_path
from unlockstep.cli.diff import document_limit, max_document_option, read_source
from unlockstep.cli.output import emit, emit_json, format_option
from unlockstep.core.compat import (
    Breaks,
    Change,
    CompatibilityReport,
    Direction,
    Level,
    Location,
    Mode,
    render,
)
from unlockstep.errors import Conflict


def _report(data: dict[str, Any]) -> CompatibilityReport:
    """A report sent by the server, back as a value the renderers take."""
    changes = tuple(
        Change(
            rule=c["rule"],
            level=Level(c["level"]),
            breaks=Breaks(c["breaks"]),
            location=Location(**c["location"]),
            message=c["message"],
            suggestion=c.get("suggestion", ""),
            direction=Direction(c.get("direction", "backward")),
            details=c.get("details", {}),
            against=c.get("against"),
        )
        for c in data["changes"]
    )
    return CompatibilityReport(mode=Mode(data["mode"]), kind=data["kind"], changes=changes)


def _body(
    path: Path, kind: str | None, mode: str | None, policy: str | None, max_document_mb: int | None
) -> dict[str, Any]:
    source = read_source(path, max_size=document_limit(max_document_mb))
    return {
        "content": source.text,
        "filename": path.name,
        "kind": kind,
        "mode": mode,
        "policy": policy,
    }


_SHARED = [
    click.option("--service", "-s", required=True, help="the providing service"),
    click.option("--name", "-n", required=True, help="the contract's name (e.g. case-summary-api)"),
    click.option("--kind", help="openapi, asyncapi, jsonschema…; detected from content if absent"),
    click.option("--mode", help="BACKWARD (default for a new contract), FORWARD, FULL, …, NONE"),
    click.option("--policy", type=click.Choice(["lenient", "strict"]), help="default lenient"),
    max_document_option,
]


def _shared(func: Any) -> Any:
    for option in reversed(_SHARED):
        func = option(func)
    return func


@click.group("contract")
def contract() -> None:
    """Contracts a service provides (OpenAPI, AsyncAPI, JSON Schema…)."""


@contract.command("publish")
@_shared
@click.option("--version", "-V", "version", required=True, help="the provider version")
@click.option("--force", is_flag=True, help="replace a version's document, or publish despite a "
              "violated mode (audited)")  # fmt: skip
@click.option("--semantic-change", is_flag=True, help="the meaning of the event changes: "
              "refused unless its eventType is new or --adr links the decision")  # fmt: skip
@click.option("--adr", help="link to the decision record that accepts a semantic change")
@click.argument("file", type=click.Path(path_type=Path))
@format_option()
def publish(
    service: str,
    name: str,
    kind: str | None,
    mode: str | None,
    policy: str | None,
    version: str,
    force: bool,
    semantic_change: bool,
    adr: str | None,
    file: Path,
    fmt: str,
    max_document_mb: int | None,
) -> None:
    """Store FILE as the contract NAME of SERVICE at VERSION, if it satisfies the mode."""
    body = {
        **_body(file, kind, mode, policy, max_document_mb),
        "force": force,
        "semantic_change": semantic_change,
        "adr": adr,
    }
    path = api_path("services", service, "contracts", name, "versions", version)
    response = context.client().request("PUT", path, json=body, ok=(409,))
    data = response.json()
    if response.status_code == 409:
        error = data.get("error", {})
        if error.get("code") != "incompatible":
            raise Conflict(error.get("message", "conflict"), where=error.get("where"),
                           hint=error.get("hint"), details=error.get("details"))  # fmt: skip
        if fmt == "json":
            emit_json(data)
        else:
            click.echo(f"refused: {error['message']}", err=True)
            click.echo(render(_report(error["details"]), "text"))
            click.echo(f"hint: {error['hint']}", err=True)
        raise SystemExit(1)

    def text(d: dict[str, Any]) -> str:
        c, v = d["contract"], d["version"]
        line = (
            f"{d['outcome']}: {c['service']}/{c['name']} {v['version']} "
            f"({c['kind']}, {c['mode']}) sha256:{v['sha256'][:12]}"
        )
        if d.get("report") and d["report"]["changes"]:
            line += "\n" + render(_report(d["report"]), "text")
        return line

    emit(fmt, data, text)


@click.command("check")
@_shared
@click.argument("file", type=click.Path(path_type=Path))
@format_option("text", "json", "markdown", "sarif")
def check(
    service: str,
    name: str,
    kind: str | None,
    mode: str | None,
    policy: str | None,
    file: Path,
    fmt: str,
    max_document_mb: int | None,
) -> None:
    """What publishing FILE as the next version of SERVICE's NAME would do (writes nothing)."""
    data = context.client().post(
        api_path("services", service, "contracts", name, "check"),
        _body(file, kind, mode, policy, max_document_mb),
    )
    report = _report(data["report"])
    if fmt == "json":
        emit_json(data)
    else:
        if not data["registered"]:
            click.echo(
                f"note: {service} has no contract {name!r} yet; nothing to compare", err=True
            )
        click.echo(render(report, fmt))
    if not report.compatible:
        raise SystemExit(1)


COMMANDS = [contract, check]
