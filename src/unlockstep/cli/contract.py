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
from unlockstep.cli.diff import document_limit, max_document_option
from unlockstep.cli.output import emit, emit_json, format_option
from unlockstep.core.compat import render
from unlockstep.errors import Conflict
from unlockstep.files import read_source


def _body(
    path: Path,
    kind: str | None,
    mode: str | None,
    policy: str | None,
    max_document_mb: int | None,
    refs: tuple[str, ...] = (),
) -> dict[str, Any]:
    source = read_source(path, max_size=document_limit(max_document_mb))
    return {
        "content": source.text,
        "filename": path.name,
        "kind": kind,
        "mode": mode,
        "policy": policy,
        "references": [_reference(r) for r in refs],
    }


def _reference(text: str) -> dict[str, Any]:
    """``FILE=[SERVICE/]CONTRACT@VERSION`` as a reference body."""
    name, sep, target = text.partition("=")
    where, at, version = target.rpartition("@")
    service, _, contract = where.rpartition("/")
    if not (sep and at and name and contract and version):
        raise click.BadParameter(
            f"{text!r} is not FILE=[SERVICE/]CONTRACT@VERSION (e.g. address.json=addresses@1.2.0)",
            param_hint="--ref",
        )
    return {"name": name, "contract": contract, "version": version, "service": service or None}


_SHARED = [
    click.option("--service", "-s", required=True, help="the providing service"),
    click.option("--name", "-n", required=True, help="the contract's name (e.g. case-summary-api)"),
    click.option("--kind", help="openapi, asyncapi, jsonschema…; detected from content if absent"),
    click.option(
        "--mode",
        help="for a new contract: BACKWARD (default), FORWARD, FULL, …, "
        "NONE; an existing one keeps its mode (see `contract mode set`)",
    ),
    click.option("--policy", type=click.Choice(["lenient", "strict"]), help="default lenient"),
    max_document_option,
    click.option(
        "--ref",
        "refs",
        multiple=True,
        metavar="FILE=[SERVICE/]CONTRACT@VERSION",
        help="a file FILE imports or $refs, published as that contract version (repeatable)",
    ),
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
@click.option(
    "--reason", help="why a forced publish is agreed (required with an effective --force)"
)
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
    reason: str | None,
    file: Path,
    fmt: str,
    max_document_mb: int | None,
    refs: tuple[str, ...],
) -> None:
    """Store FILE as the contract NAME of SERVICE at VERSION, if it satisfies the mode."""
    from unlockstep.server.wire_contracts import Published, Report

    body = {
        **_body(file, kind, mode, policy, max_document_mb, refs),
        "force": force,
        "semanticChange": semantic_change,
        "adr": adr,
        "reason": reason,
    }
    path = context.api_path("services", service, "contracts", name, "versions", version)
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
            click.echo(render(Report.model_validate(error["details"]).to_core(), "text"))
            click.echo(f"hint: {error['hint']}", err=True)
        raise SystemExit(1)
    if response.status_code == 202:
        emit(fmt, data, _held_text)
        return
    published = Published.model_validate(data)

    def text(d: Published) -> str:
        c, v = d.contract, d.version
        line = (
            f"{d.outcome}: {c.service}/{c.name} {v.version} "
            f"({c.kind}, {c.mode}) sha256:{v.sha256[:12]}"
        )
        if d.report is not None and d.report.changes:
            line += "\n" + render(d.report.to_core(), "text")
        return line

    emit(fmt, published.model_dump(mode="json"), lambda _: text(published))


def _held_text(request: dict[str, object]) -> str:
    """A write a protected environment holds: the request a second person decides."""
    return (
        f"held for approval: change request {request['id']} ({request['action']} "
        f"{request['target']}, protected environment {request['environment']}); "
        f"a second person runs `unlockstep approvals approve {request['id']}`"
    )


@contract.group("mode")
def mode_group() -> None:
    """A contract's compatibility mode (changed only here, audited; never by a publish)."""


@mode_group.command("set")
@click.option("--service", "-s", required=True, help="the providing service")
@click.option("--name", "-n", required=True, help="the contract's name")
@click.argument("mode")
@click.option("--reason", required=True, help="why (audited)")
@format_option()
def mode_set(service: str, name: str, mode: str, reason: str, fmt: str) -> None:
    """Set the compatibility MODE (BACKWARD, FORWARD, FULL, …_TRANSITIVE, NONE) of a contract."""
    from unlockstep.server.wire_contracts import ModeChanged

    path = context.api_path("services", service, "contracts", name, "mode")
    response = context.client().request("PUT", path, json={"mode": mode, "reason": reason})
    if response.status_code == 202:
        emit(fmt, response.json(), _held_text)
        return
    changed = ModeChanged.model_validate(response.json())
    c = changed.contract
    emit(
        fmt,
        changed.model_dump(mode="json"),
        lambda _: f"{c.service}/{c.name}: mode {c.mode} ({changed.outcome})",
    )


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
    refs: tuple[str, ...],
) -> None:
    """What publishing FILE as the next version of SERVICE's NAME would do (writes nothing)."""
    from unlockstep.server.wire_contracts import Checked

    checked = Checked.model_validate(
        context.client().post(
            context.api_path("services", service, "contracts", name, "check"),
            _body(file, kind, mode, policy, max_document_mb, refs),
        )
    )
    report = checked.report.to_core()
    if fmt == "json":
        emit_json(checked.model_dump(mode="json"))
    else:
        if not checked.registered:
            click.echo(
                f"note: {service} has no contract {name!r} yet; nothing to compare", err=True
            )
        click.echo(render(report, fmt))
    if not report.compatible:
        raise SystemExit(1)


COMMANDS = [contract, check]
