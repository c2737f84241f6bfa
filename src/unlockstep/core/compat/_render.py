"""The one report renderer: a ``CompatibilityReport`` (``diff``, ``contract check``) or a
migrations report (``migrations check``) as text, JSON, Markdown (a pull-request comment) or
SARIF 2.1.0, with one SARIF writer and one wording for whom a finding hurts.

The JSON shape is ``CompatibilityReport.to_dict`` (stable: ``compatible``, ``mode``, ``kind``,
``summary``, ``changes[]`` with ``rule``, ``level``, ``breaks``, ``direction``, ``location``,
``message``, ``suggestion``), optionally with the compared files. SARIF turns each rule id into
a SARIF rule (its description and suggestion from ``core/compat/_rules.py``) and each change into a
result with the file and line, so code-review tools show findings in place.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from unlockstep.core.compat._model import Breaks, Change, CompatibilityReport, Level
from unlockstep.core.compat._rules import Rule, rule_of

FORMATS = ("text", "json", "markdown", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Level.BREAKING: "error", Level.WARNING: "warning", Level.INFO: "note"}
_ORDER = {Level.BREAKING: 0, Level.WARNING: 1, Level.INFO: 2}


def lookup(rule_id: str) -> Rule | None:
    """The catalogue entry for ``rule_id`` (see ``rule_of``)."""
    return rule_of(rule_id)


def hurts(change: Change) -> str:
    """Whom ``change`` hurts, in words that follow its level: ``breaks writers`` for a
    breaking change, ``may break writers`` for a warning, nothing for information (it breaks
    nobody the check protects, even when it concerns the provider's own side)."""
    if change.level is Level.INFO or change.breaks is Breaks.NONE:
        return ""
    verb = "breaks" if change.level is Level.BREAKING else "may break"
    return f"{verb} {change.breaks.value}"


def _hurt_cell(change: Change) -> str:
    """The Markdown ``breaks`` cell: the side, qualified when it is a warning."""
    if change.breaks is Breaks.NONE:
        return "none"
    return change.breaks.value + (" (maybe)" if change.level is Level.WARNING else "")


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
        hurt = hurts(change)
        lines.append(f"            {change.message}" + (f" ({hurt})" if hurt else ""))
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
                f"| {c.level.value} | `{c.rule}` | {_hurt_cell(c)} | `{_cell(str(c.location))}`"
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
    findings = [Finding(c, new) for c in report.changes]
    properties: dict[str, Any] = {"compatible": report.compatible, "mode": report.mode.value}
    if old or new:
        properties.update({"old": old, "new": new})
    return sarif(findings, properties, version=version)


class Finding:
    """One SARIF result: a change, the file it is in when the change does not say, and what
    else the report knows about it (text to append, result properties)."""

    __slots__ = ("change", "file", "line", "more", "properties")

    def __init__(
        self,
        change: Change,
        file: str = "",
        line: int | None = None,
        more: str = "",
        properties: dict[str, Any] | None = None,
    ) -> None:
        self.change, self.file, self.line = change, file, line
        self.more, self.properties = more, properties or {}


def sarif(findings: Sequence[Finding], properties: dict[str, Any], *, version: str) -> str:
    """The one SARIF 2.1.0 writer: each rule id a SARIF rule described from the catalogue,
    each finding a result with its file and line."""
    rule_ids = sorted({f.change.rule for f in findings})
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
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "unlockstep",
                "version": version or "0.0.0",
                "informationUri": "https://github.com/unlockstep/unlockstep",
                "rules": rules,
            }
        },
        "results": [_result(f, index[f.change.rule]) for f in findings],
        "properties": properties,
    }
    body = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(body, indent=2, default=str, ensure_ascii=False)


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    change = finding.change
    text = change.message
    if change.suggestion and change.level is not Level.INFO:
        text = f"{text}. Instead: {change.suggestion}"
    if finding.more:
        text = f"{text}. {finding.more}"
    location: dict[str, Any] = {}
    uri = change.location.file or finding.file
    if uri:
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
        line = change.location.line or finding.line
        if line:
            physical["region"] = {"startLine": line}
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
        "properties": {
            "breaks": change.breaks.value,
            "direction": change.direction.value,
            **finding.properties,
        },
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


# -- migrations reports (``migrations check``) -------------------------------------------------


class _Phase(Protocol):
    @property
    def value(self) -> str: ...


class _Evidence(Protocol):
    def describe(self) -> str: ...


class MigrationStep(Protocol):
    """What the renderer reads of a migration step (``migrations.Step``)."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def phase(self) -> _Phase: ...
    @property
    def changes(self) -> tuple[Change, ...]: ...
    @property
    def evidence(self) -> Sequence[_Evidence]: ...
    @property
    def hazards(self) -> tuple[Change, ...]: ...
    @property
    def breaks_running_clients(self) -> bool: ...


class MigrationFileReport(Protocol):
    @property
    def file(self) -> str: ...
    @property
    def version(self) -> str | None: ...
    @property
    def steps(self) -> Sequence[MigrationStep]: ...


class MigrationsReport(Protocol):
    """What the renderer reads of a migrations report (``migrations.MigrationsReport``)."""

    @property
    def layout(self) -> str: ...
    @property
    def files(self) -> Sequence[MigrationFileReport]: ...
    @property
    def steps(self) -> Sequence[MigrationStep]: ...
    @property
    def breaks_running_clients(self) -> bool: ...
    def summary(self) -> dict[str, int]: ...
    def to_dict(self) -> dict[str, Any]: ...


#: (the path the user named, its report)
Checked = Sequence[tuple[str, MigrationsReport]]


def _safe(reports: Checked) -> bool:
    return not any(report.breaks_running_clients for _, report in reports)


def _mark(step: MigrationStep) -> str:
    return "  BREAKS RUNNING CLIENTS" if step.breaks_running_clients else ""


def migrations_text(reports: Checked) -> str:
    lines: list[str] = []
    for path, report in reports:
        lines.append(f"{path} ({report.layout} layout)")
        for file in report.files:
            version = f" [{file.version}]" if file.version else ""
            lines.append(f"  {file.file}{version}")
            for step in file.steps:
                lines.append(f"    {step.line:>4}  {step.phase.value:<8}  {step.text}{_mark(step)}")
                for change in step.changes:
                    sign = "✗" if change.level is Level.BREAKING else "!"
                    hurt = hurts(change)
                    lines.append(
                        f"            {sign} {change.rule}"
                        + (f" ({hurt})" if hurt else "")
                        + f": {change.message}"
                    )
                    lines.append(f"              fix: {change.suggestion}")
                for evidence in step.evidence:
                    lines.append(f"            waits for: {evidence.describe()}")
        counts = report.summary()
        lines.append(
            f"  {len(report.steps)} statements: {counts['expand']} expand, "
            f"{counts['migrate']} migrate, {counts['contract']} contract, "
            f"{counts['neutral']} neutral; hazards: {counts['hazards']}; "
            f"{counts['breaking_steps']} break running clients"
        )
    lines.append(
        "safe while old code is live" if _safe(reports) else "NOT safe while old code is live"
    )
    return "\n".join(lines)


def migrations_json(reports: Checked) -> str:
    body = {
        "safe_while_old_code_is_live": _safe(reports),
        "paths": [{"path": path, **report.to_dict()} for path, report in reports],
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


def _relative(file: str, root: str) -> str:
    """A file shown relative to the folder it was found in."""
    prefix = root.rstrip("/\\") + "/"
    return file[len(prefix) :] if file.startswith(prefix) else file


def migrations_markdown(reports: Checked) -> str:
    out: list[str] = ["# Migration check", ""]
    for path, report in reports:
        out += [f"## `{path}` ({report.layout})", ""]
        out += ["| file | line | phase | statement | hazards / findings | waits for |"]
        out += ["|---|---|---|---|---|---|"]
        for step in report.steps:
            findings = "<br>".join(
                f"`{c.rule}` ({hurts(c) or 'breaks nobody'})" for c in step.changes
            )
            waits = "<br>".join(_cell(e.describe()) for e in step.evidence)
            phase = f"**{step.phase.value}**" if step.breaks_running_clients else step.phase.value
            file = _cell(_relative(step.file, path))
            out.append(
                f"| {file} | {step.line} | {phase} | `{_cell(step.text)}` | {findings} | {waits} |"
            )
        out.append("")
    out.append(
        "Safe while old code is live." if _safe(reports) else "**Not safe while old code is live.**"
    )
    return "\n".join(out)


def migrations_sarif(reports: Checked, *, version: str = "") -> str:
    findings: list[Finding] = []
    for _, report in reports:
        for step in report.steps:
            waits = "; ".join(e.describe() for e in step.evidence)
            hazards = step.hazards
            for change in step.changes:
                more = f"Waits for: {waits}" if waits and change not in hazards else ""
                props = {"phase": step.phase.value}
                findings.append(Finding(change, step.file, step.line, more, props))
    return sarif(findings, {"safe_while_old_code_is_live": _safe(reports)}, version=version)


MIGRATION_RENDERERS: dict[str, Callable[[Checked], str]] = {
    "text": migrations_text,
    "json": migrations_json,
    "markdown": migrations_markdown,
}


def render_migrations(reports: Checked, fmt: str, *, version: str = "") -> str:
    """Migration ``reports`` in ``fmt`` (one of ``FORMATS``); ``version`` is the tool's."""
    if fmt == "sarif":
        return migrations_sarif(reports, version=version)
    return MIGRATION_RENDERERS[fmt](reports)
