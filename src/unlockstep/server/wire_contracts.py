"""The wire of the contract registry: contracts, their versions, publish and check.

Every body is a :class:`~unlockstep.server.wire.Wire` model (camelCase on the wire); the CLI
validates what it receives with the same models. A compatibility report keeps the keys of
``CompatibilityReport.to_dict`` (single words, already one casing) and turns back into the
core value with :meth:`Report.to_core` for the renderers.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from unlockstep.core.compat import (
    Breaks,
    Change,
    CompatibilityReport,
    Direction,
    Level,
    Location,
    Mode,
)
from unlockstep.server.wire import Wire


class ReportLocation(Wire):
    subject: str = ""
    pointer: str = ""
    file: str | None = None
    line: int | None = None


class ReportChange(Wire):
    """One classified difference (``Change.to_dict``); keys a newer server adds pass through."""

    model_config = ConfigDict(extra="allow")

    rule: str
    level: str
    breaks: str
    direction: str = "backward"
    location: ReportLocation
    message: str
    suggestion: str = ""
    against: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Report(Wire):
    """A compatibility report (``CompatibilityReport.to_dict``)."""

    model_config = ConfigDict(extra="allow")

    compatible: bool
    mode: str
    kind: str
    summary: dict[str, int] = Field(default_factory=dict)
    changes: list[ReportChange]

    @classmethod
    def of(cls, report: CompatibilityReport) -> Report:
        return cls.model_validate(report.to_dict())

    def to_core(self) -> CompatibilityReport:
        """The report as the value the renderers take."""
        changes = tuple(
            Change(
                rule=c.rule,
                level=Level(c.level),
                breaks=Breaks(c.breaks),
                location=Location(
                    c.location.subject, c.location.pointer, c.location.file, c.location.line
                ),
                message=c.message,
                suggestion=c.suggestion,
                direction=Direction(c.direction),
                details=c.details,
                against=c.against,
            )
            for c in self.changes
        )
        return CompatibilityReport(mode=Mode(self.mode), kind=self.kind, changes=changes)


class Contract(Wire):
    service: str
    name: str
    kind: str
    mode: str
    created_at: str | None = Field(None, description="ISO 8601")


class ModeIn(Wire):
    mode: str = Field(description="BACKWARD, FORWARD, FULL, their _TRANSITIVE forms, or NONE")
    reason: str = Field(min_length=1, max_length=2000, description="why (audited)")


class ModeChanged(Wire):
    contract: Contract
    outcome: Literal["updated", "unchanged"]


class ContractVersion(Wire):
    """One published document of a contract: the provider version it belongs to."""

    version: str
    sha256: str
    filename: str | None = None
    published_by: str
    published_at: str = Field(description="ISO 8601")


class ContractDetail(Contract):
    versions: list[ContractVersion]


class ContractDocument(ContractVersion):
    content: str


class Problem(Wire):
    element: str
    level: str = "error"
    field: str | None = None
    reason: str


class ConsumerVerification(Wire):
    """A stored expectation verified against the document just published."""

    consumer: str
    consumer_version: str
    status: str
    checked: int
    problems: list[Problem]


class Published(Wire):
    contract: Contract
    version: ContractVersion
    outcome: Literal["created", "unchanged", "replaced"]
    report: Report | None = None
    verifications: list[ConsumerVerification]


class Checked(Wire):
    registered: bool = Field(
        description="whether the contract exists yet (else nothing to compare)"
    )
    report: Report


class ReferenceIn(Wire):
    """A file the document imports or ``$ref``s: a published contract version."""

    name: str = Field(max_length=300, description="as the document names it (address.json)")
    contract: str = Field(description="the contract that is this file")
    version: str = Field(description="its provider version, pinned")
    service: str | None = Field(None, description="its service; the publishing one if absent")


class Referrer(Wire):
    """A contract version that references another, and the file name it uses."""

    service: str
    contract: str
    version: str
    name: str


class ReferencedBy(Wire):
    """Who references a contract version."""

    items: list[Referrer]


class DocumentIn(Wire):
    content: str = Field(description="the document (OpenAPI, AsyncAPI, JSON Schema…) as text")
    filename: str = Field("", max_length=300, description="where it came from, for messages")
    kind: str | None = Field(None, description="openapi, asyncapi, jsonschema…; detected if absent")
    mode: str | None = Field(None, description="BACKWARD (default), FORWARD, FULL, …, NONE")
    policy: str | None = Field(None, description="lenient (default) or strict")
    references: list[ReferenceIn] = Field(
        default_factory=list, max_length=100, description="the files it imports or $refs"
    )


class PublishIn(DocumentIn):
    force: bool = Field(False, description="replace a version's document / publish despite a "
                        "violated mode; audited")  # fmt: skip
    semantic_change: bool = Field(False, description="the meaning changes: needs a new "
                                  "eventType or an ADR link")  # fmt: skip
    adr: str | None = Field(None, max_length=500, description="link to the decision record")
    reason: str | None = Field(
        None, max_length=2000, description="why a forced publish is agreed (required with force)"
    )
