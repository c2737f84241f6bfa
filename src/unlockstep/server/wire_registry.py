"""The registry's wire: request and response bodies of the teams, services, environments,
versions, deployments, audit, catalog and health endpoints.

Pydantic only (no FastAPI), so the CLI reads responses through these same models. Every
model is a :class:`~unlockstep.server.wire.Wire`: snake_case in Python, camelCase on the wire,
either spelling accepted in requests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from unlockstep.server.wire import ErrorBody, Page, Wire

__all__ = [
    "Api",
    "ApiConsumers",
    "AuditEvent",
    "CatalogEntityIn",
    "CatalogImportIn",
    "CatalogImportResult",
    "Dependency",
    "Dependent",
    "Deployment",
    "DeploymentIn",
    "DeploymentWritten",
    "Ended",
    "Environment",
    "EnvironmentDetail",
    "EnvironmentIn",
    "EnvironmentWritten",
    "ErrorBody",
    "Health",
    "Page",
    "ReleaseIn",
    "ReleaseWritten",
    "Service",
    "ServiceDependencies",
    "ServiceDetail",
    "ServiceIn",
    "ServiceWritten",
    "System",
    "Team",
    "TeamIn",
    "TeamWritten",
    "UndeploymentIn",
    "Version",
    "VersionIn",
    "VersionWritten",
]

Outcome = Literal["created", "updated", "unchanged"]


# -- requests ----------------------------------------------------------------------------


# Text fields are bounded like the columns they land in, so SQLite (which ignores VARCHAR(n))
# and PostgreSQL (which refuses) answer the same 422 for a value that is too long.


class TeamIn(Wire):
    display_name: str | None = Field(None, max_length=200)
    description: str | None = None
    email: str | None = Field(None, max_length=200)


class ServiceIn(Wire):
    owner: str | None = Field(None, max_length=63, description="the owning team's name")
    tier: int | None = Field(None, ge=1, le=3)
    lifecycle: str | None = Field(None, max_length=40)
    type: str | None = Field(None, max_length=40)
    system: str | None = Field(None, max_length=63)
    repository_url: str | None = Field(None, max_length=500)
    description: str | None = None


class VersionIn(Wire):
    branch: str | None = Field(None, max_length=200)
    build_url: str | None = Field(None, max_length=500)


class EnvironmentIn(Wire):
    production: bool = False
    description: str | None = None


class DeploymentIn(Wire):
    service: str
    version: str
    environment: str
    instance: str | None = Field(None, description="application instance, when several run")
    canary: str | None = Field(
        None, max_length=200, description="the canary analysis that judged this version"
    )


class ReleaseIn(Wire):
    service: str
    version: str
    environment: str


class UndeploymentIn(Wire):
    service: str
    environment: str
    instance: str | None = None


class CatalogEntityIn(Wire):
    kind: Literal["team", "system", "service", "api"]
    name: str
    location: str = Field(description="the descriptor file this entity came from")
    where: str | None = None
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="the entity's values (displayName, owner, tier, repositoryUrl…); "
        "either spelling, unknown names ignored",
    )
    relations: list[tuple[str, str, str]] = Field(
        default_factory=list, description="(relation, target kind, target name)"
    )


class CatalogImportIn(Wire):
    locations: list[str] = Field(description="every descriptor file this import covers")
    entities: list[CatalogEntityIn]
    prune: bool = Field(
        False,
        description="act on entities gone from these locations: services are marked retired "
        "(their history stays), teams, systems and API entities are deleted; all audited",
    )
    dry_run: bool = Field(False, description="compute the result, write nothing")


# -- responses ---------------------------------------------------------------------------


class Health(Wire):
    status: Literal["ok"]
    version: str
    database: str = Field(description="the database dialect: sqlite or postgresql")


class Team(Wire):
    name: str
    display_name: str | None = None
    description: str | None = None
    email: str | None = None
    parent: str | None = None


class TeamWritten(Wire):
    team: Team
    outcome: Outcome


class Deployment(Wire):
    """A version live (or once live) in an environment."""

    service: str
    version: str
    environment: str
    instance: str | None = None
    kind: Literal["deployment", "release"]
    started_at: datetime
    ended_at: datetime | None = None


class Version(Wire):
    service: str
    number: str
    branch: str | None = None
    build_url: str | None = None
    created_at: datetime


class VersionWritten(Wire):
    version: Version
    outcome: Outcome


class Service(Wire):
    name: str
    owner: str | None = None
    tier: int | None = None
    lifecycle: str | None = None
    type: str | None = None
    system: str | None = None
    repository_url: str | None = None
    description: str | None = None


class ServiceDetail(Service):
    live: list[Deployment] = Field(description="what is live where")
    versions: list[Version] = Field(description="the 20 newest versions, newest first")


class ServiceWritten(Wire):
    service: ServiceDetail
    outcome: Outcome


class Environment(Wire):
    name: str
    production: bool
    description: str | None = None


class EnvironmentDetail(Environment):
    live: list[Deployment]


class EnvironmentWritten(Wire):
    environment: Environment
    outcome: Outcome


class DeploymentWritten(Wire):
    deployment: Deployment
    outcome: Outcome


class ReleaseWritten(Wire):
    release: Deployment
    outcome: Outcome


class Ended(Wire):
    ended: list[Deployment]


class AuditEvent(Wire):
    id: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_key: str
    before: dict[str, Any] | None = Field(None, description="the entity before, as recorded")
    after: dict[str, Any] | None = Field(None, description="the entity after, as recorded")
    reason: str | None = None


class CatalogImportResult(Wire):
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    removed: list[str] = Field(description="entities gone from these locations")
    pruned: bool = Field(description="whether prune retired or deleted any of them")
    retired: list[str] = Field(
        default_factory=list, description="services marked retired by prune (history kept)"
    )
    deleted: list[str] = Field(
        default_factory=list, description="teams, systems and API entities deleted by prune"
    )
    dry_run: bool = Field(False, description="a preview: nothing was written")
    warnings: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(
        default_factory=list, description="kinds not imported (the CLI fills this in)"
    )
    contracts: list[str] = Field(
        default_factory=list,
        description="API definitions published as contracts (the CLI fills this in)",
    )


class Dependency(Wire):
    relation: str
    kind: str
    name: str


class ServiceDependencies(Wire):
    service: str
    dependencies: list[Dependency]


class Dependent(Wire):
    relation: str
    service: str


class ApiConsumers(Wire):
    api: str
    declared: list[Dependent]


class System(Wire):
    name: str
    owner: str | None = None
    description: str | None = None
    catalog_location: str | None = None
    services: list[str]


class Api(Wire):
    name: str
    type: str | None = None
    owner: str | None = None
    system: str | None = None
    lifecycle: str | None = None
    description: str | None = None
    catalog_location: str | None = None
