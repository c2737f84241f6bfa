"""From rule values to a decision: Rego results read as findings, exceptions applied (an expired
one is itself a finding), everything gathered into one :class:`Decision`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from unlockstep.core.documents import Validator, load
from unlockstep.core.policies._model import (
    Decision,
    Finding,
    PolicyException,
    Problem,
    Severity,
    Subject,
)
from unlockstep.errors import ParseError

#: Rego rule name -> severity (Conftest's names)
RULE_SEVERITY = {"deny": Severity.DENY, "violation": Severity.DENY, "warn": Severity.WARN}


def rule_id(entrypoint: str) -> str:
    """``release/flags/deny`` -> ``release.flags`` (the package is the rule's id)."""
    return entrypoint.rsplit("/", 1)[0].replace("/", ".")


def from_rego(subject: Subject, entrypoint: str, value: Any) -> tuple[list[Finding], list[Problem]]:
    """A Rego rule's value as findings. The rule is a set of messages; each is a string or an
    object ``{msg, path, fix, rule}``."""
    name = entrypoint.rsplit("/", 1)[-1]
    severity = RULE_SEVERITY.get(name)
    if severity is None or value is None:
        return [], []
    if isinstance(value, dict):
        return [], [
            Problem(
                entrypoint,
                f"{name} is an object, not a set of messages: in Rego v1 write "
                f"`{name} contains msg if {{ … }}` (the v0 form `{name}[msg] {{ … }}` "
                "is read as an object rule)",
            )
        ]
    if not isinstance(value, list):
        value = [value] if value not in (False, True) else ([] if value is False else [name])
    found: list[Finding] = []
    for item in value:
        if isinstance(item, dict):
            message = str(item.get("msg") or item.get("message") or item)
            path = str(item.get("path") or "")
            fix = str(item.get("fix") or "")
            rule = str(item.get("rule") or rule_id(entrypoint))
        else:
            message, path, fix, rule = str(item), "", "", rule_id(entrypoint)
        found.append(
            Finding(
                rule,
                severity,
                message,
                f"{subject.kind}/{subject.name}",
                path,
                fix,
                "rego",
                subject.file,
                subject.line(path) if path else None,
            )
        )
    return found, []


def apply_exceptions(
    findings: Iterable[Finding], exceptions: Iterable[PolicyException], today: date
) -> list[Finding]:
    """Waive what a live exception covers; report every expired exception as a finding."""
    exceptions = list(exceptions)
    live = [e for e in exceptions if e.expires >= today]
    out: list[Finding] = []
    for finding in findings:
        waiver = next((e for e in live if e.matches(finding)), None)
        if waiver is not None and finding.severity.blocks:
            finding = Finding(
                finding.rule,
                finding.severity,
                finding.message,
                finding.subject,
                finding.path,
                finding.fix,
                finding.source,
                finding.file,
                finding.line,
                waiver.id,
            )
        out.append(finding)
    for expired in (e for e in exceptions if e.expires < today):
        out.append(
            Finding(
                "policy-exception-expired",
                Severity.WARN,
                f"exception {expired.id} for {expired.rule} on {expired.subject} expired on "
                f"{expired.expires.isoformat()} (owner {expired.owner}: {expired.reason})",
                f"PolicyException/{expired.id}",
                "/expires",
                "fix what the exception covered and remove it, or renew it with a new expiry",
                "exception",
            )
        )
    return out


def decide(
    findings: Iterable[Finding], problems: Iterable[Problem], subjects: Iterable[str]
) -> Decision:
    order = {Severity.DENY: 0, Severity.WARN: 1}
    ordered = sorted(
        findings, key=lambda f: (f.excepted_by is not None, order[f.severity], f.subject, f.rule)
    )
    return Decision(tuple(ordered), tuple(problems), tuple(subjects))


def parse_exceptions(text: str, filename: str = "exceptions.yaml") -> list[PolicyException]:
    """``exceptions: [{id, rule, subject, owner, reason, expires}]``; every field required."""
    doc = load(text, filename)
    r = Validator(doc)
    top = r.mapping(doc.value if doc.value is not None else {}, "", {"exceptions"})
    items = top.get("exceptions") or []
    out: list[PolicyException] = []
    if not isinstance(items, list):
        r.fail("/exceptions", "expected a list of exceptions")
        items = []
    for i, item in enumerate(items):
        p = f"/exceptions/{i}"
        e = r.mapping(item, p, {"id", "rule", "subject", "owner", "reason", "expires"})
        fields = {k: r.text(e, k, p, required=True) for k in ("rule", "owner", "reason")}
        expires = r.day(e, "expires", p, required=True)
        if expires is not None and all(fields.values()):
            out.append(
                PolicyException(
                    r.text(e, "id", p) or f"{fields['rule']}#{i}",
                    fields["rule"],
                    r.text(e, "subject", p) or "*",
                    fields["owner"],
                    fields["reason"],
                    expires,
                )
            )
    if r.errors:
        raise ParseError("; ".join(r.errors), where=filename)
    return out
