"""Policy values: the subject under check, a finding, an exception, a decision.

A **subject** is what a policy judges, shaped like a Kubernetes resource so that Rego written
for Conftest or OPA reads it as it expects: ``kind`` (``FeatureFlag``, ``ReleasePlan``,
``Contract``, ``Deployment``), ``metadata.name``, ``spec``. Each check adds ``registry``, the
snapshot of the registry around the subject (see ``docs/policies.md``).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

API_VERSION = "unlockstep.io/v1"


class Severity(StrEnum):
    DENY = "deny"  # the check fails (exit 1, the write is refused)
    WARN = "warn"  # reported, never blocks

    @property
    def blocks(self) -> bool:
        return self is Severity.DENY


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str
    name: str
    spec: dict[str, Any]
    file: str = ""
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    extra: dict[str, Any] = field(default_factory=dict)  # other top-level keys of a raw file

    def as_input(self, registry: dict[str, Any] | None = None) -> dict[str, Any]:
        """The documented policy input: the resource plus the registry snapshot."""
        body: dict[str, Any] = {
            "apiVersion": API_VERSION,
            **self.extra,
            "kind": self.kind,
            "metadata": {"name": self.name, **self.extra.get("metadata", {})},
            "spec": self.spec,
        }
        body["registry"] = registry if registry is not None else empty_registry()
        return body

    def line(self, path: str) -> int | None:
        """The file line of an input path (``/spec/flags/0/owner``), or its nearest parent."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path.rsplit("/", 1)[0]


def empty_registry() -> dict[str, Any]:
    return {"services": {}, "environment": None}


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict on one subject: which rule, where in the input, and what to do."""

    rule: str
    severity: Severity
    message: str
    subject: str  # "FeatureFlag/new-checkout"
    path: str = ""  # JSON pointer into the policy input
    fix: str = ""
    source: str = "builtin"  # builtin | rego | exception
    file: str = ""
    line: int | None = None
    excepted_by: str | None = None  # the exception that waives it (then it does not block)

    @property
    def blocks(self) -> bool:
        return self.severity.blocks and self.excepted_by is None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "subject": self.subject,
            "path": self.path,
            "fix": self.fix,
            "source": self.source,
            "blocks": self.blocks,
        }
        if self.file:
            out["file"] = self.file
        if self.line is not None:
            out["line"] = self.line
        if self.excepted_by is not None:
            out["exceptedBy"] = self.excepted_by
        return out


@dataclass(frozen=True, slots=True)
class PolicyException:
    """A waiver: ``rule`` does not block for subjects matching ``subject`` (a glob on
    ``Kind/name``) until ``expires``; who asked and why are recorded."""

    id: str
    rule: str
    subject: str
    owner: str
    reason: str
    expires: date

    def matches(self, finding: Finding) -> bool:
        return fnmatch.fnmatchcase(finding.rule, self.rule) and fnmatch.fnmatchcase(
            finding.subject, self.subject
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "subject": self.subject,
            "owner": self.owner,
            "reason": self.reason,
            "expires": self.expires.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Problem:
    """A policy that could not be evaluated (does not compile, errors, runs too long).
    It blocks: a check that could not run is not a pass."""

    policy: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "message": self.message}


@dataclass(frozen=True, slots=True)
class Decision:
    """Every finding for every subject checked, and the policies that could not run."""

    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...] = ()
    subjects: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.problems and not any(f.blocks for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "subjects": list(self.subjects),
            "summary": {
                "deny": sum(1 for f in self.findings if f.blocks),
                "warn": sum(1 for f in self.findings if f.severity is Severity.WARN),
                "excepted": sum(1 for f in self.findings if f.excepted_by is not None),
                "problems": len(self.problems),
            },
            "findings": [f.to_dict() for f in self.findings],
            "problems": [p.to_dict() for p in self.problems],
        }
