"""``flags lint``: the CI gate that keeps every flag a release control, not debt.

Rules (error unless marked): ``owner`` present and, when a list is given, a known team;
``type`` one of the five; ``expires`` present and not in the past; an expiry further out than
the type's expected lifetime (warning); well-formed lifecycle fields; prerequisites that exist,
form no cycle and are one level deep (warning); ops flags are kill switches; kill switches
carry a telemetry metric (warning, seed §17: observable); targeting compiles and every
``$ref`` resolves; ``fractional`` weights are integers; ``defaultVariant`` names a variant;
every flag parses (each bad one is named with its cause).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from unlockstep.core.flags.definition import FLAG_TYPES, FlagProblem, FlagSet
from unlockstep.core.flags.jsonlogic import RuleError, compile_rule
from unlockstep.core.flags.lifecycle import EXPECTED_LIFETIME_DAYS
from unlockstep.core.flags.operators import flagd_operators


@dataclass(frozen=True)
class Finding:
    flag: str
    rule: str
    message: str
    level: str = "error"

    def to_dict(self) -> dict[str, Any]:
        return {"flag": self.flag, "rule": self.rule, "level": self.level, "message": self.message}


def _cycles(graph: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for parent in graph.get(node, ()):
            if state.get(parent) == 1:
                cycle = [*path[path.index(parent) :], parent]
                found.append(cycle)
            elif parent in graph and state.get(parent) is None:
                visit(parent, [*path, parent])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def _bad_weights(node: Any, pointer: str) -> list[tuple[str, Any]]:
    """Literal ``fractional`` weights that are not integers (``50.5``, ``true``, ``"50"``)."""
    found: list[tuple[str, Any]] = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            found.extend(_bad_weights(item, f"{pointer}/{index}"))
    elif isinstance(node, dict):
        for name, value in node.items():
            here = f"{pointer}/{name}"
            if name == "fractional" and isinstance(value, list):
                for index, bucket in enumerate(value):
                    if isinstance(bucket, list) and len(bucket) == 2:
                        weight = bucket[1]
                        literal = not isinstance(weight, dict | list)
                        if literal and (isinstance(weight, bool) or not isinstance(weight, int)):
                            found.append((f"{here}/{index}/1", weight))
            found.extend(_bad_weights(value, here))
    return found


def lint(
    flag_set: FlagSet, today: dt.date, known_owners: Iterable[str] | None = None
) -> list[Finding]:
    """Every finding for every flag, in flag order."""
    owners = set(known_owners) if known_owners is not None else None
    ops = flagd_operators(flag_set.bucketing)
    findings: list[Finding] = []
    graph = {key: flag.lifecycle.prerequisites for key, flag in flag_set.flags.items()}
    for key in sorted(flag_set.invalid):
        cause = flag_set.invalid[key].problem
        findings.append(Finding(key, cause.rule, f"{cause.message} (at {cause.where})"))
    for key in sorted(flag_set.flags):
        flag = flag_set.flags[key]
        life = flag.lifecycle

        def add(rule: str, message: str, level: str = "error", key: str = key) -> None:
            findings.append(Finding(key, rule, message, level))

        for problem in life.problems:
            add("lifecycle-field", problem)
        if life.owner is None:
            add("owner", "no owner: set metadata.owner to the team that answers for it")
        elif owners is not None and life.owner not in owners:
            add("known-owner", f"owner {life.owner!r} is not a known team")
        if life.type is None:
            add("type", f"no type: set metadata.type to one of {', '.join(FLAG_TYPES)}")
        if life.expires is None:
            add("expires", "no expiry: set metadata.expires (YYYY-MM-DD)")
        elif life.expires < today:
            add("expired", f"expired on {life.expires.isoformat()}: remove it or extend")
        lifetime = EXPECTED_LIFETIME_DAYS.get(life.type or "")
        if life.expires and life.created and lifetime is not None:
            planned = (life.expires - life.created).days
            if planned > lifetime:
                add(
                    "lifetime",
                    f"planned for {planned} days; {life.type} flags should live {lifetime}",
                    "warning",
                )
        if life.type == "ops" and not life.kill_switch:
            add("kill-switch", "ops flags must be kill switches (metadata.killSwitch: true)")
        if life.kill_switch and life.telemetry is None:
            add("telemetry", "kill switch without a telemetry metric", "warning")
        for parent in life.prerequisites:
            if parent not in flag_set.flags:
                add("prerequisite", f"prerequisite {parent!r} is not a flag in this set")
            elif flag_set.flags[parent].lifecycle.prerequisites:
                add(
                    "prerequisite-depth",
                    f"prerequisite {parent!r} has prerequisites of its own; only one level "
                    "is evaluated",
                    "warning",
                )
        if flag.default_variant is not None and flag.default_variant not in flag.variants:
            add("default-variant", f"defaultVariant {flag.default_variant!r} is not a variant")
        if flag.targeting:
            try:
                compile_rule(flag.targeting, key, ops)
            except RuleError as error:
                add("targeting", f"targeting{error.pointer}: {error}")
            for pointer, weight in _bad_weights(flag.targeting, ""):
                add(
                    "fractional-weight",
                    f"targeting{pointer}: fractional weight {weight!r} is not an integer; "
                    "flagd refuses the whole split and serves the default",
                )
    for cycle in _cycles(graph):
        findings.append(
            Finding(cycle[0], "prerequisite-cycle", "prerequisite cycle: " + " -> ".join(cycle))
        )
    return findings


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.level == "error" for finding in findings)


#: Lint rules that make a flag unfit to store: flagd could not serve it as written.
BLOCKING = ("definition", "targeting", "default-variant", "lifecycle-field")


def blocking_problems(flag_set: FlagSet, source: str = "<flags>") -> dict[str, list[FlagProblem]]:
    """Every flag that must not be stored as it is, with every cause: the ones that did not
    parse (``FlagSet.invalid``) and those whose targeting does not compile, whose
    ``defaultVariant`` names no variant or whose lifecycle fields are malformed."""
    found: dict[str, list[FlagProblem]] = {}
    for key, bad in flag_set.invalid.items():
        found.setdefault(key, []).append(bad.problem)
    for finding in lint(flag_set, dt.date.min):
        if finding.rule in BLOCKING and finding.flag not in flag_set.invalid:
            where = f"{source}#/flags/{finding.flag}"
            if finding.rule == "targeting":
                where += "/targeting"
            found.setdefault(finding.flag, []).append(
                FlagProblem(finding.rule, where, finding.message)
            )
    return {key: found[key] for key in sorted(found)}


#: Lint rules a server can enforce on every flag write (``UNLOCKSTEP_FLAG_RULES``): those a
#: flag answers for on its own. ``owner``, ``type`` and ``expires`` are enforced by default.
ENFORCEABLE_RULES = ("owner", "type", "expires", "expired", "kill-switch", "lifetime", "telemetry")
DEFAULT_RULES = ("owner", "type", "expires")


def rule_violations(
    flag_set: FlagSet, today: dt.date, rules: Iterable[str], flags: Iterable[str] | None = None
) -> dict[str, list[Finding]]:
    """``flags lint``'s findings for the enforced ``rules`` (at any level: a rule named is a
    rule required), per flag, limited to ``flags`` when given."""
    enforced = set(rules)
    wanted = None if flags is None else set(flags)
    found: dict[str, list[Finding]] = {}
    if not enforced:
        return found
    for finding in lint(flag_set, today):
        if finding.rule in enforced and (wanted is None or finding.flag in wanted):
            found.setdefault(finding.flag, []).append(finding)
    return {key: found[key] for key in sorted(found)}
