"""A ``CompatibilityReport`` as text, JSON, Markdown (a pull-request comment) or SARIF 2.1.0.

The JSON shape is ``CompatibilityReport.to_dict`` (stable: ``compatible``, ``mode``, ``kind``,
``summary``, ``changes[]`` with ``rule``, ``level``, ``breaks``, ``direction``, ``location``,
``message``, ``suggestion``), optionally with the compared files. SARIF turns each rule id into
a SARIF rule (its description and suggestion from ``core/compat/_rules.py``) and each change into a
result with the file and line, so code-review tools show findings in place.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from unlockstep.core.compat._model import Change, CompatibilityReport, Level
from unlockstep.core.compat._rules import Rule, rule_of

FORMATS = ("text", "json", "markdown", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Level.BREAKING: "error", Level.WARNING: "warning", Level.INFO: "note"}
_ORDER = {Level.BREAKING: 0, Level.WARNING: 1, Level.INFO: 2}


def lookup(rule_id: str) -> Rule | None:
    """The catalogue entry for ``rule_id`` (see ``rule_of``)."""
    return rule_of(rule_id)


def verdict(report: CompatibilityReport) -> str:
    counts = report.to_dict()["summary"]
    state = "compatible" if report.compatible else "NOT compatible"
    tally = ", ".join(f"{counts[level.value]} {level.value}" for level in Level)
    return f"{state} under {report.mode.value} ({tally})"


def _sorted(report: CompatibilityReport) -> list[Change]:
    return sorted(report.changes, key=lambda c: _ORDER[c.level])


def to_text(report: CompatibilityReport, *, old: str = "", new: str = "") -> str:
    head = f"{old} -> {new}: " if old or new else ""
    lines = [f"{head}{report.kind} {verdict(report)}"]
    both = len(_directions(report)) > 1
    for change in _sorted(report):
        direction = f" [{change.direction.value}]" if both else ""
        lines.append(f"  {change.level.value:<8}  {change.rule}{direction}  ({change.location})")
        lines.append(f"            {change.message} (breaks {change.breaks.value})")
        if change.suggestion and change.level is not Level.INFO:
            lines.append(f"            suggestion: {change.suggestion}")
    return "\n".join(lines)


def _directions(report: CompatibilityReport) -> set[str]:
    return {c.direction.value for c in report.changes}


def to_json(report: CompatibilityReport, *, old: str = "", new: str = "") -> str:
    body = report.to_dict()
    if old or new:
        body["old"], body["new"] = old, new
    return json.dumps(body, indent=2, default=str)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: CompatibilityReport, *, old: str = "", new: str = "") -> str:
    mark = "✅" if report.compatible else "❌"
    files = f" `{old}` → `{new}`" if old or new else ""
    lines = [f"### {mark} unlockstep:{files} {report.kind} {verdict(report)}", ""]
    shown = [c for c in _sorted(report) if c.level is not Level.INFO]
    info = [c for c in report.changes if c.level is Level.INFO]
    if shown:
        lines += [
            "| level | rule | breaks | where | what | do instead |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for c in shown:
            lines.append(
                f"| {c.level.value} | `{c.rule}` | {c.breaks.value} | `{_cell(str(c.location))}`"
                f" | {_cell(c.message)} | {_cell(c.suggestion)} |"
            )
    elif not info:
        lines.append("No differences.")
    if info:
        lines += ["", f"<details><summary>{len(info)} informational</summary>", ""]
        lines += [f"- `{c.rule}` `{_cell(str(c.location))}`: {c.message}" for c in info]
        lines += ["", "</details>"]
    return "\n".join(lines)


def to_sarif(
    report: CompatibilityReport, *, old: str = "", new: str = "", version: str = "0.0.0"
) -> str:
    rule_ids = sorted({c.rule for c in report.changes})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules = []
    for rule_id in rule_ids:
        entry = lookup(rule_id)
        described: dict[str, Any] = {"id": rule_id, "name": _camel(rule_id)}
        if entry is not None:
            described["shortDescription"] = {"text": entry.summary}
            described["help"] = {"text": entry.suggestion or entry.summary}
            described["properties"] = {"breaks": entry.breaks.value, "kind": entry.kind}
        rules.append(described)
    results = [_result(c, index[c.rule], new) for c in report.changes]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "unlockstep",
                "version": version,
                "informationUri": "https://github.com/unlockstep/unlockstep",
                "rules": rules,
            }
        },
        "results": results,
        "properties": {"compatible": report.compatible, "mode": report.mode.value},
    }
    if old or new:
        run["properties"].update({"old": old, "new": new})
    body = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(body, indent=2, default=str)


def _result(change: Change, rule_index: int, fallback_file: str) -> dict[str, Any]:
    text = change.message
    if change.suggestion and change.level is not Level.INFO:
        text = f"{text}. Instead: {change.suggestion}"
    location: dict[str, Any] = {}
    uri = change.location.file or fallback_file
    if uri:
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
        if change.location.line:
            physical["region"] = {"startLine": change.location.line}
        location["physicalLocation"] = physical
    logical = change.location.subject or change.location.pointer
    if logical:
        location["logicalLocations"] = [
            {"fullyQualifiedName": f"{change.location.subject} {change.location.pointer}".strip()}
        ]
    result: dict[str, Any] = {
        "ruleId": change.rule,
        "ruleIndex": rule_index,
        "level": _SARIF_LEVEL[change.level],
        "message": {"text": text},
        "properties": {"breaks": change.breaks.value, "direction": change.direction.value},
    }
    if location:
        result["locations"] = [location]
    return result


def _camel(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))


RENDERERS: dict[str, Callable[..., str]] = {
    "text": to_text,
    "json": to_json,
    "markdown": to_markdown,
    "sarif": to_sarif,
}


def render(
    report: CompatibilityReport, fmt: str, *, old: str = "", new: str = "", version: str = ""
) -> str:
    """``report`` in ``fmt`` (one of ``FORMATS``); ``version`` is the tool's, for SARIF."""
    if fmt == "sarif":
        return to_sarif(report, old=old, new=new, version=version or "0.0.0")
    return RENDERERS[fmt](report, old=old, new=new)
