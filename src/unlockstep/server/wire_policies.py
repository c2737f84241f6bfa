"""The wire of policies and the release calendar (camelCase, read by the CLI too)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from unlockstep.server.wire import Wire


class PolicyModule(Wire):
    name: str = Field(description="file name, ending in .rego")
    text: str = Field(description="Rego v1 source")


class PolicyExceptionWire(Wire):
    id: str
    rule: str = Field(description="a rule id (glob)")
    subject: str = Field("*", description="Kind/name (glob)")
    owner: str
    reason: str
    expires: date


class PoliciesIn(Wire):
    modules: list[PolicyModule]
    exceptions: list[PolicyExceptionWire] = Field(default_factory=list)
    source: str | None = Field(None, description="where the set came from (a folder, a commit)")


class RuleOut(Wire):
    id: str
    source: Literal["builtin", "rego"]
    severity: Literal["deny", "warn"]
    applies_to: list[str]
    summary: str
    fix: str
    enforced: bool = Field(description="blocks at the server's admission points")


class PolicyVersionOut(Wire):
    version: str = Field(description="content hash of the modules and exceptions")
    modules: list[PolicyModule]
    exceptions: list[PolicyExceptionWire]
    source: str | None
    created_by: str
    created_at: str


class PoliciesOut(Wire):
    """The policy version in force (none yet: only the built-ins) and every rule."""

    current: PolicyVersionOut | None
    rules: list[RuleOut]
    problems: list[dict[str, str]]


class PoliciesWritten(Wire):
    version: str
    outcome: Literal["created", "unchanged"]


class VersionSummary(Wire):
    version: str
    modules: list[str]
    source: str | None
    created_by: str
    created_at: str


class FindingOut(Wire):
    rule: str
    severity: Literal["deny", "warn"]
    message: str
    subject: str
    path: str
    fix: str
    source: str
    blocks: bool
    file: str | None = None
    line: int | None = None
    excepted_by: str | None = None


class PolicyDecisionOut(Wire):
    allowed: bool
    subjects: list[str]
    summary: dict[str, int]
    findings: list[FindingOut]
    problems: list[dict[str, str]]


class PolicyDocument(Wire):
    filename: str
    text: str


class PolicyCheckIn(Wire):
    documents: list[PolicyDocument]
    environment: str | None = Field(None, description="the registry snapshot's environment")


# -- the release calendar ----------------------------------------------------------------


class PeriodIn(Wire):
    kind: Literal["blackout", "freeze", "risky"]
    timezone: str = Field("UTC", description="IANA time zone the times are in")
    starts: str | None = Field(None, description="one-off: local YYYY-MM-DDTHH:MM")
    ends: str | None = None
    days: list[str] = Field(default_factory=list, description="recurring: mon … sun")
    from_: str | None = Field(None, alias="from", description="recurring: local HH:MM")
    to: str | None = None
    reason: str = ""


class PeriodOut(Wire):
    environment: str
    name: str
    kind: str
    timezone: str
    starts: str | None
    ends: str | None
    days: list[str]
    from_: str | None = Field(None, alias="from")
    to: str | None
    reason: str
    description: str
    active: bool = Field(description="in force at the time asked about")


class PeriodWritten(Wire):
    period: PeriodOut
    outcome: Literal["created", "updated", "unchanged"]


class CalendarOut(Wire):
    at: datetime
    periods: list[PeriodOut]


class FreezeExceptionIn(Wire):
    environment: str
    service: str
    owner: str
    reason: str
    expires_at: datetime


class FreezeExceptionOut(Wire):
    id: int
    environment: str
    service: str
    owner: str
    reason: str
    expires_at: datetime
    created_by: str
