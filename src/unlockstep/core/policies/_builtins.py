"""The built-in fitness functions (seed 000 §37, and §6's N-1 rollback for critical tiers).

Each rule has a stable id, a severity, a one-line summary, a why and a fix; ``docs/policies.md``
is generated from this table (``rules_markdown``) and a test keeps it current. A rule is a
function from a subject and the registry snapshot to findings; it reads the same input a Rego
policy reads, so every built-in could be written in Rego and vice versa.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from unlockstep.core.policies._model import Finding, Severity, Subject

#: plan contract groups as the plan file spells them -> group
_GROUPS = {
    "api": "api",
    "apis": "api",
    "events": "event",
    "event": "event",
    "tables": "table",
    "table": "table",
    "migrations": "table",
    "workflows": "workflow",
    "workflow": "workflow",
}
API_REMOVALS = ("remove-endpoint", "remove-response-field")
EVENT_BREAKING = ("remove-event-field", "change-event-meaning", "add-required-event-field")
TABLE_DROPS = ("drop-column", "rename-column", "drop-table")
#: tiers whose deploys need canary analysis and a rollback target (§6: N-1/N/N+1)
CRITICAL_TIERS = ("1", "tier-1", "tier1", "critical")

Hit = tuple[str, str]  # (message, input path)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    kinds: tuple[str, ...]
    summary: str
    why: str
    fix: str
    check: Callable[[Subject, dict[str, Any]], Iterator[Hit]]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def plan_contracts(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(group, input path, change) for every contract change of a plan spec."""
    groups = spec.get("contracts")
    if not isinstance(groups, dict):
        return
    for key, items in groups.items():
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict):
                yield _GROUPS.get(str(key), str(key)), f"/spec/contracts/{key}/{i}", item


def _label(item: dict[str, Any]) -> str:
    return str(item.get("id") or item.get("name") or "contract change")


def is_critical(tier: Any) -> bool:
    return str(tier).strip().lower() in CRITICAL_TIERS


def tier_of(service: str, spec: dict[str, Any] | None, registry: dict[str, Any]) -> Any:
    """The tier the registry knows for ``service``; the plan's own ``tier`` when it has none."""
    known = registry.get("services", {}).get(service) or {}
    if known.get("tier") not in (None, ""):
        return known["tier"]
    return (spec or {}).get("tier")


# ---- flags ----------------------------------------------------------------------------


def _flag_entries(subject: Subject) -> Iterator[tuple[str, str, dict[str, Any]]]:
    if subject.kind == "FeatureFlag":
        yield subject.name, "/spec", subject.spec
    elif subject.kind == "ReleasePlan":
        for i, flag in enumerate(subject.spec.get("flags") or []):
            if isinstance(flag, dict):
                yield str(flag.get("key", "?")), f"/spec/flags/{i}", flag
            elif isinstance(flag, str):
                yield flag, f"/spec/flags/{i}", {}


def _flag_owner(subject: Subject, registry: dict[str, Any]) -> Iterator[Hit]:
    for key, path, flag in _flag_entries(subject):
        if not _text(flag.get("owner")):
            yield f"feature flag {key} has no owner", f"{path}/owner"


def _flag_expiry(subject: Subject, registry: dict[str, Any]) -> Iterator[Hit]:
    for key, path, flag in _flag_entries(subject):
        field = "expiresAt" if subject.kind == "FeatureFlag" else "expires"
        if not (flag.get("expiresAt") or flag.get("expires")):
            yield f"feature flag {key} has no expiry", f"{path}/{field}"


# ---- contracts --------------------------------------------------------------------------

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
USAGE_METRIC_KEYS = ("x-usage-metric", "x-unlockstep-usage-metric")


def _deprecated_usage(subject: Subject, registry: dict[str, Any]) -> Iterator[Hit]:
    if subject.kind == "Contract":
        document = subject.spec.get("document")
        paths = document.get("paths") if isinstance(document, dict) else None
        for route, item in (paths or {}).items() if isinstance(paths, dict) else ():
            if not isinstance(item, dict):
                continue
            for method in _METHODS:
                op = item.get(method)
                if not isinstance(op, dict) or op.get("deprecated") is not True:
                    continue
                if not any(_text(op.get(k)) for k in USAGE_METRIC_KEYS):
                    pointer = "/spec/document/paths/" + route.replace("~", "~0").replace("/", "~1")
                    yield (
                        f"deprecated endpoint {method.upper()} {route} exposes no usage metric",
                        f"{pointer}/{method}/x-usage-metric",
                    )
    elif subject.kind == "ReleasePlan":
        for group, path, item in plan_contracts(subject.spec):
            if item.get("change") in (*API_REMOVALS, "deprecate-endpoint") and not _text(
                item.get("usageMetric")
            ):
                yield (
                    f"{_label(item)} deprecates or removes {group} elements but names no "
                    "usage metric",
                    f"{path}/usageMetric",
                )


def _api_removal_deprecation(subject: Subject, registry: dict[str, Any]) -> Iterator[Hit]:
    for group, path, item in plan_contracts(subject.spec):
        if group == "api" and item.get("change") in API_REMOVALS and not item.get("deprecation"):
            yield (
                f"{_label(item)} removes part of a public API without a deprecation record",
                f"{path}/deprecation",
            )


def _event_adr(subject: Subject, registry: dict[str, Any]) -> Iterator[Hit]:
    for group, path, item in plan_contracts(subject.spec):
        if group == "event" and item.get("change") in EVENT_BREAKING and not _text(item.get("adr")):
            yield (
                f"{_label(item)} is a breaking event schema change ({item.get('change')}) "
                "with no ADR link",
                f"{path}/adr",
            )


def _drop_zero_usage(subject: Subject, registry: dict[str, Any]) -> Iterator[Hit]:
    for group, path, item in plan_contracts(subject.spec):
        if (
            group == "table"
            and item.get("change") in TABLE_DROPS
            and not _text(item.get("usageMetric"))
        ):
            yield (
                f"{_label(item)} drops database data ({item.get('change')}) with no usage "
                "metric to prove nobody reads it",
                f"{path}/usageMetric",
            )


def _workflow_note(subject: Subject, registry: dict[str, Any]) -> Iterator[Hit]:
    for group, path, item in plan_contracts(subject.spec):
        workflow = group == "workflow" or item.get("change") == "change-workflow-rule"
        if workflow and not _text(item.get("versioningNote")):
            yield (
                f"{_label(item)} changes a workflow rule without a workflow-versioning note",
                f"{path}/versioningNote",
            )


def _consumer_impact(subject: Subject, registry: dict[str, Any]) -> Iterator[Hit]:
    for _group, path, item in plan_contracts(subject.spec):
        if item.get("change") == "internal-refactor":
            continue
        if "consumers" not in item:
            yield (
                f"{_label(item)} does not list the consumers it impacts "
                "(write consumers: [] when there are none)",
                f"{path}/consumers",
            )


def _omitted_consumers(subject: Subject, registry: dict[str, Any]) -> Iterator[Hit]:
    """Consumers the registry knows a changed contract's provider has (catalog relations, or
    seen calling it in usage telemetry) that neither the change's consumers nor the plan's
    services name."""
    known = registry.get("services") or {}
    services = subject.spec.get("services")
    in_plan = {str(n) for n in services} if isinstance(services, dict) else set()
    for _group, path, item in plan_contracts(subject.spec):
        provider = str(item.get("provider") or "")
        listed = item.get("consumers")
        named = {str(c) for c in (listed if isinstance(listed, list) else [])} | in_plan
        entry = known.get(provider) or {}
        for consumer in entry.get("consumers") or []:
            if consumer not in named:
                yield (
                    f"{_label(item)} changes {provider}, which {consumer} consumes according "
                    "to the registry, but the plan does not name it",
                    f"{path}/consumers",
                )
        declared = set(entry.get("consumers") or [])
        for consumer, environments in (entry.get("observedConsumers") or {}).items():
            if consumer not in named and consumer not in declared:
                yield (
                    f"{_label(item)} changes {provider}, which {consumer} calls according to "
                    f"usage telemetry ({', '.join(environments)}), but the plan does not name "
                    "it (nor does the catalog)",
                    f"{path}/consumers",
                )


# ---- deploys ----------------------------------------------------------------------------


def _canary(subject: Subject, registry: dict[str, Any]) -> Iterator[Hit]:
    if subject.kind == "ReleasePlan":
        services = subject.spec.get("services")
        for name, spec in services.items() if isinstance(services, dict) else ():
            spec = spec if isinstance(spec, dict) else {}
            if is_critical(tier_of(name, spec, registry)) and not _text(spec.get("canary")):
                yield (
                    f"{name} is tier 1 and its part of the plan names no canary analysis",
                    f"/spec/services/{name}/canary",
                )
    elif subject.kind == "Deployment":
        service = str(subject.spec.get("service"))
        environment = registry.get("environment") or {}
        if (
            environment.get("production")
            and is_critical(tier_of(service, None, registry))
            and not _text(subject.spec.get("canary"))
        ):
            yield (
                f"{service} is tier 1 and this deploy to {environment.get('name')} names no "
                "canary analysis",
                "/spec/canary",
            )


def _rollback(subject: Subject, registry: dict[str, Any]) -> Iterator[Hit]:
    if subject.kind != "Deployment":
        return
    service = str(subject.spec.get("service"))
    if not is_critical(tier_of(service, None, registry)):
        return
    rollback = subject.spec.get("rollback") or {}
    target = rollback.get("version")
    if target is None:
        return  # first deploy: nothing to roll back to, nothing to break
    for problem in rollback.get("breaks") or []:
        yield (
            f"rolling {service} back to {target} would break: {problem}",
            "/spec/rollback/breaks",
        )


RULES: tuple[Rule, ...] = (
    Rule(
        "flag-has-owner",
        Severity.DENY,
        ("FeatureFlag", "ReleasePlan"),
        "Every feature flag has an owner.",
        "A flag nobody owns is never removed and nobody answers for it when it misbehaves (§37).",
        "set the flag's owner (flagd: metadata.owner; plan: flags[].owner) to a team",
        _flag_owner,
    ),
    Rule(
        "flag-has-expiry",
        Severity.DENY,
        ("FeatureFlag", "ReleasePlan"),
        "Every feature flag has an expiry date.",
        "Flags without an end date become permanent configuration debt (§37, seed 001).",
        "set an expiry date (flagd: metadata.expires; plan: flags[].expires)",
        _flag_expiry,
    ),
    Rule(
        "deprecated-endpoint-usage-metric",
        Severity.DENY,
        ("Contract", "ReleasePlan"),
        "Every deprecated endpoint exposes a usage metric.",
        "Without usage, nobody can tell when the old path may go (§37).",
        "name the metric counting its calls: x-usage-metric on the operation, or "
        "usageMetric on the plan's change",
        _deprecated_usage,
    ),
    Rule(
        "api-removal-needs-deprecation",
        Severity.DENY,
        ("ReleasePlan",),
        "A public API removal has a deprecation record.",
        "Consumers learn of a removal from the deprecation, not from the outage (§37).",
        "deprecate first and link the record: deprecation: {announced, sunset, replacement}",
        _api_removal_deprecation,
    ),
    Rule(
        "event-breaking-change-needs-adr",
        Severity.DENY,
        ("ReleasePlan",),
        "A breaking event schema change links an ADR.",
        "Event consumers are many and unknown; a breaking change needs a recorded decision (§37).",
        "write the architecture decision record and set adr: <link> on the change",
        _event_adr,
    ),
    Rule(
        "table-drop-needs-zero-usage",
        Severity.DENY,
        ("ReleasePlan",),
        "A database drop names the usage metric that proves nobody reads it.",
        "Dropping data still read breaks readers with no way back (§37).",
        "set usageMetric on the change and a cleanup blocker usageZero for it",
        _drop_zero_usage,
    ),
    Rule(
        "workflow-change-needs-versioning-note",
        Severity.DENY,
        ("ReleasePlan",),
        "A workflow rule change carries a workflow-versioning note.",
        "Running workflow instances keep the old rules; say what happens to them (§37, §24).",
        "set versioningNote: how in-flight instances finish (old version drains, new starts)",
        _workflow_note,
    ),
    Rule(
        "contract-change-lists-consumers",
        Severity.DENY,
        ("ReleasePlan",),
        "A contract change lists the consumers it impacts.",
        "A change without its consumer impact list is a change nobody reviewed for them (§37).",
        "list consumers: [...] on the change (consumers: [] when there are none)",
        _consumer_impact,
    ),
    Rule(
        "plan-omits-known-consumer",
        Severity.WARN,
        ("ReleasePlan",),
        "A plan names every consumer the registry knows for the contracts it changes.",
        "A consumer left out of the plan is a hidden dependency: nobody sequences it (§18, §25).",
        "add the consumer to the change's consumers (and to services, with its role)",
        _omitted_consumers,
    ),
    Rule(
        "tier1-deploy-needs-canary",
        Severity.DENY,
        ("ReleasePlan", "Deployment"),
        "A tier-1 service's deploy to production names its canary analysis.",
        "Critical services are exposed gradually, judged by metrics (§37; tier from the registry).",
        "name the canary analysis: canary: <analysis> on the plan's service or the deploy",
        _canary,
    ),
    Rule(
        "tier1-rollback-compatible",
        Severity.DENY,
        ("Deployment",),
        "A tier-1 service's new version can be rolled back to the one it replaces (N-1).",
        "Critical systems keep N-1/N/N+1 working together (§6): rollback must not break anyone.",
        "keep the contract change additive until N-1 is gone (expand first, contract later)",
        _rollback,
    ),
)

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def run(subject: Subject, registry: dict[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    for rule in RULES:
        if subject.kind not in rule.kinds:
            continue
        for message, path in rule.check(subject, registry):
            found.append(
                Finding(
                    rule.id,
                    rule.severity,
                    message,
                    f"{subject.kind}/{subject.name}",
                    path,
                    rule.fix,
                    "builtin",
                    subject.file,
                    subject.line(path),
                )
            )
    return found


def rules_markdown() -> str:
    """The built-in rules as a Markdown table (``docs/policies.md`` embeds it)."""
    lines = ["| id | severity | applies to | rule | fix |", "|---|---|---|---|---|"]
    for rule in RULES:
        lines.append(
            f"| `{rule.id}` | {rule.severity.value} | {', '.join(rule.kinds)} | "
            f"{rule.summary} {rule.why} | {rule.fix} |"
        )
    return "\n".join(lines) + "\n"
