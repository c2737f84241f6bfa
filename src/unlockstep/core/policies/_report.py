"""A policy decision as text, JSON, SARIF 2.1.0 or JUnit XML (for CI test reports).

JSON is ``Decision.to_dict`` (stable: ``allowed``, ``subjects``, ``summary``, ``findings[]``
with ``rule``, ``severity``, ``message``, ``subject``, ``path``, ``fix``, ``source``,
``blocks``, ``file``, ``line``, ``exceptedBy``; ``problems[]``). In JUnit each subject is a
test case that fails when a finding on it blocks; each problem is an errored case.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from unlockstep.core.policies._builtins import BY_ID
from unlockstep.core.policies._model import Decision, Finding, Severity

FORMATS = ("text", "json", "sarif", "junit")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _where(finding: Finding) -> str:
    if finding.file:
        return f"{finding.file}:{finding.line}" if finding.line else finding.file
    return finding.subject


def to_text(decision: Decision, **_: Any) -> str:
    lines: list[str] = []
    for f in decision.findings:
        mark = "EXCEPTED" if f.excepted_by else f.severity.value.upper()
        lines.append(f"{mark:8} {f.rule}  {_where(f)}  {f.subject}")
        lines.append(f"         {f.message}")
        if f.path:
            lines.append(f"         at {f.path}")
        if f.fix:
            lines.append(f"         fix: {f.fix}")
        if f.excepted_by:
            lines.append(f"         waived by exception {f.excepted_by}")
    for p in decision.problems:
        lines.append(f"ERROR    {p.policy}")
        lines.append(f"         {p.message}")
    summary = decision.to_dict()["summary"]
    verdict = "PASS" if decision.allowed else "FAIL"
    lines.append(
        f"{verdict}: {len(decision.subjects)} subject(s), {summary['deny']} denied, "
        f"{summary['warn']} warning(s), {summary['excepted']} excepted, "
        f"{summary['problems']} policy error(s)"
    )
    return "\n".join(lines)


def to_json(decision: Decision, **_: Any) -> str:
    return json.dumps(decision.to_dict(), indent=2, ensure_ascii=False)


def to_sarif(decision: Decision, *, version: str = "0.0.0") -> str:
    rule_ids = sorted({f.rule for f in decision.findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules: list[dict[str, Any]] = []
    for rule_id in rule_ids:
        described: dict[str, Any] = {"id": rule_id}
        builtin = BY_ID.get(rule_id)
        if builtin is not None:
            described["shortDescription"] = {"text": builtin.summary}
            described["help"] = {"text": builtin.fix}
        rules.append(described)
    results = []
    for f in decision.findings:
        text = f.message + (f". Fix: {f.fix}" if f.fix else "")
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": "error" if f.severity is Severity.DENY else "warning",
            "message": {"text": text},
            "properties": {"subject": f.subject, "path": f.path, "source": f.source},
        }
        location: dict[str, Any] = {
            "logicalLocations": [{"fullyQualifiedName": f"{f.subject} {f.path}".strip()}]
        }
        if f.file:
            physical: dict[str, Any] = {"artifactLocation": {"uri": f.file}}
            if f.line:
                physical["region"] = {"startLine": f.line}
            location["physicalLocation"] = physical
        result["locations"] = [location]
        if f.excepted_by:
            result["suppressions"] = [
                {"kind": "external", "justification": f"exception {f.excepted_by}"}
            ]
        results.append(result)
    notifications = [
        {"level": "error", "message": {"text": f"{p.policy}: {p.message}"}}
        for p in decision.problems
    ]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "unlockstep-policy", "version": version, "rules": rules}},
        "results": results,
        "invocations": [
            {
                "executionSuccessful": not decision.problems,
                "toolExecutionNotifications": notifications,
            }
        ],
        "properties": {"allowed": decision.allowed},
    }
    return json.dumps(
        {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False
    )


def to_junit(decision: Decision, **_: Any) -> str:
    suite = ET.Element("testsuite", name="unlockstep policy check")
    failures = errors = 0
    for subject in decision.subjects:
        case = ET.SubElement(suite, "testcase", classname="policy", name=subject)
        blocking = [f for f in decision.findings if f.subject == subject and f.blocks]
        if blocking:
            failures += 1
            failure = ET.SubElement(
                case,
                "failure",
                message="; ".join(f"{f.rule}: {f.message}" for f in blocking),
                type="deny",
            )
            failure.text = "\n".join(
                f"{f.rule} at {f.path or '/'} ({_where(f)}): {f.message}. Fix: {f.fix}"
                for f in blocking
            )
        warned = [f for f in decision.findings if f.subject == subject and not f.blocks]
        if warned:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(f"{f.severity.value} {f.rule}: {f.message}" for f in warned)
    for problem in decision.problems:
        errors += 1
        case = ET.SubElement(suite, "testcase", classname="policy", name=problem.policy)
        ET.SubElement(case, "error", message=problem.message, type="policy-error")
    suite.set("tests", str(len(decision.subjects) + len(decision.problems)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


RENDERERS: dict[str, Callable[..., str]] = {
    "text": to_text,
    "json": to_json,
    "sarif": to_sarif,
    "junit": to_junit,
}


def render(decision: Decision, fmt: str, *, version: str = "0.0.0") -> str:
    return RENDERERS[fmt](decision, version=version)
