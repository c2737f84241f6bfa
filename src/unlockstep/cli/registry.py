"""Registry commands: services, environments, versions, deployments, audit."""

from __future__ import annotations

from typing import Any

import click

from unlockstep.cli import context
from unlockstep.cli.output import emit, format_option, table


def _live_text(live: list[dict[str, Any]]) -> str:
    if not live:
        return "  (not live anywhere)"
    rows = [
        (d["environment"], d["version"], d["kind"], d.get("instance") or "", d["started_at"][:19])
        for d in live
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
    data = context.client().get(
        "/api/v1/services", params={"owner": owner, "limit": limit, "offset": offset}
    )

    def text(d: dict[str, Any]) -> str:
        rows = [(s["name"], s["owner"], s["tier"], s["lifecycle"], s["type"]) for s in d["items"]]
        out = table(rows, ["service", "owner", "tier", "lifecycle", "type"])
        shown = d["offset"] + len(d["items"])
        if shown < d["total"]:
            out += f"\n({shown} of {d['total']}; next page: --offset {shown})"
        return out

    emit(fmt, data, text)


@services.command("show")
@click.argument("name")
@format_option()
def services_show(name: str, fmt: str) -> None:
    """One service: owner, tier, what is live where, recent versions."""
    data = context.client().get(f"/api/v1/services/{name}")

    def text(d: dict[str, Any]) -> str:
        lines = [
            f"{d['name']}  owner: {d['owner'] or '-'}  tier: {d['tier'] or '-'}  "
            f"lifecycle: {d['lifecycle'] or '-'}",
        ]
        if d.get("repository_url"):
            lines.append(f"repository: {d['repository_url']}")
        lines += ["", "live:", _live_text(d["live"])]
        if d["versions"]:
            lines += ["", "recent versions: " + ", ".join(v["number"] for v in d["versions"])]
        return "\n".join(lines)

    emit(fmt, data, text)


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
    body = {"production": production, "description": description}
    data = context.client().put(f"/api/v1/environments/{name}", body)
    emit(fmt, data, lambda d: f"environment {name}: {d['outcome']}")


@environments.command("list")
@format_option()
def environments_list(fmt: str) -> None:
    """List environments."""
    data = context.client().get("/api/v1/environments")
    rows = [
        (e["name"], "yes" if e["production"] else "no", e["description"]) for e in data["items"]
    ]
    emit(fmt, data, lambda _: table(rows, ["environment", "production", "description"]))


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
    body = {"branch": branch, "build_url": build_url}
    data = context.client().put(f"/api/v1/services/{service}/versions/{number}", body)
    emit(fmt, data, lambda d: f"{service} {number}: {d['outcome']}")


@click.command("record-deployment")
@click.option("--service", required=True)
@click.option("--version", "version", required=True)
@click.option("--environment", "--to", "environment", required=True)
@click.option("--instance", help="application instance, when several run in the environment")
@format_option()
def record_deployment(
    service: str, version: str, environment: str, instance: str | None, fmt: str
) -> None:
    """Record that a version is now live in an environment (replaces the previous one)."""
    body = {
        "service": service,
        "version": version,
        "environment": environment,
        "instance": instance,
    }
    data = context.client().post("/api/v1/deployments", body)
    where = environment + (f" (instance {instance})" if instance else "")
    emit(fmt, data, lambda d: f"{service} {version} is live in {where} ({d['outcome']})")


@click.command("record-release")
@click.option("--service", required=True)
@click.option("--version", "version", required=True)
@click.option("--environment", "--to", "environment", required=True)
@format_option()
def record_release(service: str, version: str, environment: str, fmt: str) -> None:
    """Record a released version (mobile/on-prem style: several supported at once)."""
    body = {"service": service, "version": version, "environment": environment}
    data = context.client().post("/api/v1/releases", body)
    emit(fmt, data, lambda d: f"{service} {version} released in {environment} ({d['outcome']})")


@click.command("record-undeployment")
@click.option("--service", required=True)
@click.option("--environment", "--from", "environment", required=True)
@click.option("--instance")
@format_option()
def record_undeployment(service: str, environment: str, instance: str | None, fmt: str) -> None:
    """Record that a service is no longer deployed in an environment."""
    body = {"service": service, "environment": environment, "instance": instance}
    data = context.client().post("/api/v1/undeployments", body)
    emit(
        fmt,
        data,
        lambda d: "\n".join(
            f"{e['service']} {e['version']} undeployed from {e['environment']}" for e in d["ended"]
        ),
    )


@click.command("record-support-ended")
@click.option("--service", required=True)
@click.option("--version", "version", required=True)
@click.option("--environment", "--from", "environment", required=True)
@format_option()
def record_support_ended(service: str, version: str, environment: str, fmt: str) -> None:
    """Record that a released version is no longer supported in an environment."""
    body = {"service": service, "version": version, "environment": environment}
    data = context.client().post("/api/v1/support-ended", body)
    emit(fmt, data, lambda _: f"support for {service} {version} in {environment} ended")


@click.command("audit")
@click.option("--entity", help="an entity key, e.g. case-service or case-service/production")
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
    """The audit trail: who changed what, when, before and after (newest first)."""
    params = {"entity": entity, "entity_type": entity_type, "actor": actor}
    data = context.client().get(
        "/api/v1/audit", params={**params, "limit": limit, "offset": offset}
    )
    rows = [(e["at"][:19], e["actor"], e["action"], e["entity_key"]) for e in data["items"]]
    emit(fmt, data, lambda _: table(rows, ["at", "actor", "action", "entity"]))


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
