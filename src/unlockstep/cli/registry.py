"""Registry commands: services, environments, versions, deployments, audit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from unlockstep.cli import context
from unlockstep.cli.output import emit, format_option, table

if TYPE_CHECKING:
    from pydantic import BaseModel

    from unlockstep.server.wire_registry import Deployment


def _show(fmt: str, model: BaseModel, text: Any) -> None:
    """Print a response model: its wire shape under ``--format json``, else ``text(model)``."""
    emit(fmt, model.model_dump(mode="json"), lambda _: text(model))


def _since(at: Any) -> str:
    return str(at.isoformat())[:19]


def _live_text(live: list[Deployment]) -> str:
    if not live:
        return "  (not live anywhere)"
    rows = [
        (d.environment, d.version, d.kind, d.instance or "", _since(d.started_at)) for d in live
    ]
    return table(rows, ["environment", "version", "kind", "instance", "since"])


@click.group("services")
def services() -> None:
    """Services in the registry."""


@services.command("list")
@click.option("--owner", help="only this team's services")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 500))
@click.option("--offset", default=0, type=click.IntRange(0))
@format_option()
def services_list(owner: str | None, limit: int, offset: int, fmt: str) -> None:
    """List services with their owners."""
    from unlockstep.server.wire_registry import Page, Service

    data = Page[Service].model_validate(
        context.client().get(
            "/api/v1/services", params={"owner": owner, "limit": limit, "offset": offset}
        )
    )

    def text(d: Page[Service]) -> str:
        rows = [(s.name, s.owner, s.tier, s.lifecycle, s.type) for s in d.items]
        out = table(rows, ["service", "owner", "tier", "lifecycle", "type"])
        shown = d.offset + len(d.items)
        if shown < d.total:
            out += f"\n({shown} of {d.total}; next page: --offset {shown})"
        return out

    _show(fmt, data, text)


@services.command("show")
@click.argument("name")
@format_option()
def services_show(name: str, fmt: str) -> None:
    """One service: owner, tier, what is live where, recent versions."""
    from unlockstep.server.wire_registry import ServiceDetail

    data = ServiceDetail.model_validate(context.client().get(context.api_path("services", name)))

    def text(d: ServiceDetail) -> str:
        lines = [
            f"{d.name}  owner: {d.owner or '-'}  tier: {d.tier or '-'}  "
            f"lifecycle: {d.lifecycle or '-'}",
        ]
        if d.repository_url:
            lines.append(f"repository: {d.repository_url}")
        lines += ["", "live:", _live_text(d.live)]
        if d.versions:
            lines += ["", "recent versions: " + ", ".join(v.number for v in d.versions)]
        return "\n".join(lines)

    _show(fmt, data, text)


@click.group("environments")
def environments() -> None:
    """Environments versions are deployed to."""


@environments.command("create")
@click.argument("name")
@click.option("--production/--no-production", default=False, help="is this production?")
@click.option("--description")
@format_option()
def environments_create(name: str, production: bool, description: str | None, fmt: str) -> None:
    """Create (or update) an environment."""
    from unlockstep.server.wire_registry import EnvironmentIn, EnvironmentWritten

    body = EnvironmentIn(production=production, description=description)
    data = EnvironmentWritten.model_validate(
        context.client().put(context.api_path("environments", name), body.model_dump(mode="json"))
    )
    _show(fmt, data, lambda d: f"environment {name}: {d.outcome}")


@environments.command("list")
@format_option()
def environments_list(fmt: str) -> None:
    """List environments."""
    from unlockstep.server.wire_registry import Environment, Page

    data = Page[Environment].model_validate(context.client().get("/api/v1/environments"))
    rows = [(e.name, "yes" if e.production else "no", e.description) for e in data.items]
    _show(fmt, data, lambda _: table(rows, ["environment", "production", "description"]))


@click.group("versions")
def versions() -> None:
    """Versions of services."""


@versions.command("create")
@click.option("--service", required=True)
@click.argument("number")
@click.option("--branch")
@click.option("--build-url")
@format_option()
def versions_create(
    service: str, number: str, branch: str | None, build_url: str | None, fmt: str
) -> None:
    """Register a version of a service."""
    from unlockstep.server.wire_registry import VersionIn, VersionWritten

    body = VersionIn(branch=branch, build_url=build_url).model_dump(mode="json")
    data = VersionWritten.model_validate(
        context.client().put(context.api_path("services", service, "versions", number), body)
    )
    _show(fmt, data, lambda d: f"{service} {number}: {d.outcome}")


@click.command("record-deployment")
@click.option("--service", required=True)
@click.option("--version", "version", required=True)
@click.option("--environment", "--to", "environment", required=True)
@click.option("--instance", help="application instance, when several run in the environment")
@click.option("--canary", help="the canary analysis that judged this version (policies read it)")
@format_option()
def record_deployment(
    service: str,
    version: str,
    environment: str,
    instance: str | None,
    canary: str | None,
    fmt: str,
) -> None:
    """Record that a version is now live in an environment (replaces the previous one)."""
    from unlockstep.server.wire_registry import DeploymentIn, DeploymentWritten

    body = DeploymentIn(
        service=service, version=version, environment=environment, instance=instance, canary=canary
    )
    data = DeploymentWritten.model_validate(
        context.client().post("/api/v1/deployments", body.model_dump(mode="json"))
    )
    where = environment + (f" (instance {instance})" if instance else "")
    _show(fmt, data, lambda d: f"{service} {version} is live in {where} ({d.outcome})")


@click.command("record-release")
@click.option("--service", required=True)
@click.option("--version", "version", required=True)
@click.option("--environment", "--to", "environment", required=True)
@format_option()
def record_release(service: str, version: str, environment: str, fmt: str) -> None:
    """Record a released version (mobile/on-prem style: several supported at once)."""
    from unlockstep.server.wire_registry import ReleaseIn, ReleaseWritten

    body = ReleaseIn(service=service, version=version, environment=environment)
    data = ReleaseWritten.model_validate(
        context.client().post("/api/v1/releases", body.model_dump(mode="json"))
    )
    _show(fmt, data, lambda d: f"{service} {version} released in {environment} ({d.outcome})")


@click.command("record-undeployment")
@click.option("--service", required=True)
@click.option("--environment", "--from", "environment", required=True)
@click.option("--instance")
@format_option()
def record_undeployment(service: str, environment: str, instance: str | None, fmt: str) -> None:
    """Record that a service is no longer deployed in an environment."""
    from unlockstep.server.wire_registry import Ended, UndeploymentIn

    body = UndeploymentIn(service=service, environment=environment, instance=instance)
    data = Ended.model_validate(
        context.client().post("/api/v1/undeployments", body.model_dump(mode="json"))
    )
    _show(
        fmt,
        data,
        lambda d: "\n".join(
            f"{e.service} {e.version} undeployed from {e.environment}" for e in d.ended
        ),
    )


@click.command("record-support-ended")
@click.option("--service", required=True)
@click.option("--version", "version", required=True)
@click.option("--environment", "--from", "environment", required=True)
@format_option()
def record_support_ended(service: str, version: str, environment: str, fmt: str) -> None:
    """Record that a released version is no longer supported in an environment."""
    from unlockstep.server.wire_registry import Ended, ReleaseIn

    body = ReleaseIn(service=service, version=version, environment=environment)
    data = Ended.model_validate(
        context.client().post("/api/v1/support-ended", body.model_dump(mode="json"))
    )
    _show(fmt, data, lambda _: f"support for {service} {version} in {environment} ended")


@click.command("audit")
@click.option(
    "--entity",
    help="an entity key, e.g. case-service or case-service/production (also finds the keys "
    "below it), or a flag key (found in every environment)",
)
@click.option("--type", "entity_type", help="service, version, deployment, release, team…")
@click.option("--actor")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@click.option("--offset", default=0, type=click.IntRange(0))
@format_option()
def audit(
    entity: str | None,
    entity_type: str | None,
    actor: str | None,
    limit: int,
    offset: int,
    fmt: str,
) -> None:
    """The audit trail: who changed what, when, why, before and after (newest first)."""
    from unlockstep.server.wire_registry import AuditEvent, Page

    params = {"entity": entity, "entity_type": entity_type, "actor": actor}
    data = Page[AuditEvent].model_validate(
        context.client().get("/api/v1/audit", params={**params, "limit": limit, "offset": offset})
    )

    def text(d: Page[AuditEvent]) -> str:
        if not d.items:
            return "no audit entries match"
        out = "\n\n".join(_event_text(e) for e in d.items)
        shown = d.offset + len(d.items)
        if shown < d.total:
            out += f"\n\n({shown} of {d.total}; next page: --offset {shown})"
        return out

    _show(fmt, data, text)


def _value(value: Any, width: int = 60) -> str:
    import json

    text = "-" if value is None else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def _event_text(event: Any) -> str:
    """One entry: when, who, what, the reason, and each changed field as before → after."""
    lines = [f"{_since(event.at)}  {event.actor}  {event.action}  {event.entity_key}"]
    if event.reason:
        lines.append(f"  reason: {event.reason}")
    before, after = event.before or {}, event.after or {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            lines.append(f"  {key}: {_value(old)} → {_value(new)}")
    return "\n".join(lines)


COMMANDS: tuple[click.Command, ...] = (
    services,
    environments,
    versions,
    record_deployment,
    record_release,
    record_undeployment,
    record_support_ended,
    audit,
)
