"""The release risk matrix (seed §33, plus the §19 rollout cases it leaves out).

Each row is a *kind of change*: how much coordination it needs, its safe default, and —
for the lockstep check — which orderings it forces when it is done **in place** (no
expand/contract split): ``breaks_old`` (the provider's new version breaks counterparts
still on the old one, so they must move first) and ``needs_new`` (counterparts' new code
needs the provider's new version, so the provider must move first). Both at once is a
distributed lockstep.

Computed changes (``compat.Change`` from an engine) are mapped onto rows by their rule id
and message, so a plan pointing at contract files is classified like a described one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from unlockstep.core.compat import Breaks, Change, Level


class Coordination(IntEnum):
    LOW = 1
    LOW_MEDIUM = 2
    MEDIUM = 3
    MEDIUM_HIGH = 4
    HIGH = 5

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "/")


@dataclass(frozen=True, slots=True)
class RiskRow:
    kind: str
    title: str
    coordination: Coordination
    safe_default: str
    source: str  # "§33" (the seed's matrix) or "§19"/"§7" (rollout cases the matrix omits)
    contracts: tuple[str, ...]  # contract groups the kind applies to
    breaks_old: bool
    needs_new: bool
    fix: str  # the compatibility-first way to avoid lockstep for this kind

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "coordination": self.coordination.label,
            "safeDefault": self.safe_default,
            "source": self.source,
        }


_ANY = ("api", "event", "table", "workflow", "service")

ROWS: tuple[RiskRow, ...] = (
    RiskRow(
        "internal-refactor",
        "Internal refactor",
        Coordination.LOW,
        "normal deploy",
        "§33",
        _ANY,
        False,
        False,
        "no counterpart is affected; deploy normally",
    ),
    RiskRow(
        "add-optional-response-field",
        "Add optional response field",
        Coordination.LOW_MEDIUM,
        "provider first",
        "§33",
        ("api",),
        False,
        True,
        "ship the provider first; consumers read the field when present",
    ),
    RiskRow(
        "add-endpoint",
        "Add new endpoint",
        Coordination.LOW,
        "deploy provider anytime",
        "§33",
        ("api",),
        False,
        True,
        "ship the provider first; consumers call it later",
    ),
    RiskRow(
        "remove-endpoint",
        "Remove endpoint",
        Coordination.HIGH,
        "deprecate + telemetry + deadline",
        "§33",
        ("api",),
        True,
        False,
        "deprecate, measure usage, let consumers stop calling, remove after the deadline",
    ),
    RiskRow(
        "add-optional-event-field",
        "Add optional event field",
        Coordination.MEDIUM,
        "compatibility check",
        "§33",
        ("event",),
        False,
        True,
        "add the field as optional; consumers stay tolerant readers",
    ),
    RiskRow(
        "change-event-meaning",
        "Change event meaning",
        Coordination.HIGH,
        "new event type",
        "§33",
        ("event",),
        True,
        True,
        "publish a new event type instead of changing the old one; dual publish for a "
        "window; consumers switch; then stop the old type",
    ),
    RiskRow(
        "add-nullable-column",
        "Add nullable column",
        Coordination.LOW_MEDIUM,
        "expand",
        "§33",
        ("table",),
        False,
        True,
        "add the column nullable before any code writes it",
    ),
    RiskRow(
        "drop-column",
        "Drop column",
        Coordination.HIGH,
        "contract after telemetry",
        "§33",
        ("table",),
        True,
        False,
        "stop reading and writing the column first; drop it after usage is zero",
    ),
    RiskRow(
        "change-workflow-rule",
        "Change workflow rule",
        Coordination.HIGH,
        "version workflow",
        "§33",
        ("workflow",),
        True,
        False,
        "start a new workflow version for new instances; old instances finish on the old",
    ),
    RiskRow(
        "change-auth-policy",
        "Change auth policy",
        Coordination.HIGH,
        "staged rollout + audit",
        "§33",
        ("api", "service"),
        True,
        False,
        "run the new policy in audit-only mode, stage enforcement per tenant, keep the "
        "old policy as fallback",
    ),
    RiskRow(
        "change-audit-event",
        "Change audit event",
        Coordination.HIGH,
        "consumer review + evidence",
        "§33",
        ("event",),
        True,
        True,
        "publish the new audit shape alongside the old one; audit consumers review and "
        "verify with evidence before the old one stops",
    ),
    RiskRow(
        "change-timeout-retry",
        "Change timeout/retry policy",
        Coordination.MEDIUM_HIGH,
        "canary and dependency monitor",
        "§33",
        ("api", "service"),
        False,
        False,
        "canary the new policy while watching the dependency",
    ),
    RiskRow(
        "add-optional-request-field",
        "Add optional request field",
        Coordination.LOW_MEDIUM,
        "provider first",
        "§11",
        ("api",),
        False,
        True,
        "ship the provider first, accepting the field; consumers send it later",
    ),
    RiskRow(
        "add-required-request-field",
        "Add required request field",
        Coordination.MEDIUM_HIGH,
        "provider accepts both, consumers send, provider requires",
        "§19",
        ("api",),
        True,
        True,
        "split into expand and contract: provider first accepts the field as optional, "
        "consumers send it, provider requires it last",
    ),
    RiskRow(
        "remove-event-field",
        "Remove event field",
        Coordination.MEDIUM_HIGH,
        "consumers first",
        "§19",
        ("event",),
        True,
        False,
        "consumers stop relying on the field first; the producer stops publishing it later",
    ),
    RiskRow(
        "remove-response-field",
        "Remove response field",
        Coordination.HIGH,
        "deprecate, consumers first",
        "§19",
        ("api",),
        True,
        False,
        "deprecate the field; consumers stop reading it; the provider removes it last",
    ),
    RiskRow(
        "rename-column",
        "Rename column",
        Coordination.HIGH,
        "expand-contract",
        "§19",
        ("table",),
        True,
        True,
        "expand-contract: add the new column, dual write, backfill, read new, stop the "
        "old write, drop the old column",
    ),
    RiskRow(
        "add-required-event-field",
        "Add required event field",
        Coordination.HIGH,
        "optional first, required later",
        "§29",
        ("event",),
        True,
        True,
        "add the field as optional (tolerant readers), start writing it behind a flag, "
        "require it at the business layer only after every consumer tolerates it",
    ),
    RiskRow(
        "add-required-column",
        "Add NOT NULL column",
        Coordination.HIGH,
        "nullable first, constraint later",
        "§29",
        ("table",),
        True,
        True,
        "add the column nullable, write and backfill it, enforce the constraint later",
    ),
)

ROW_BY_KIND: dict[str, RiskRow] = {row.kind: row for row in ROWS}
MATRIX_KINDS: tuple[str, ...] = tuple(row.kind for row in ROWS if row.source == "§33")


@dataclass(frozen=True, slots=True)
class Classified:
    """One contract change with its risk row and why it got that row."""

    subject: str
    row: RiskRow
    reason: str


@dataclass(frozen=True, slots=True)
class PlanRisk:
    level: Coordination
    why: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level.label, "why": list(self.why)}


def overall(
    classified: Sequence[Classified], *, lockstep_cycles: int = 0, unchecked: int = 0
) -> PlanRisk:
    """The plan's risk: its riskiest change, raised to high by a lockstep cycle."""
    if not classified:
        level = Coordination.LOW
        why = ["no contract changes are listed"]
    else:
        level = max(c.row.coordination for c in classified)
        top = [c for c in classified if c.row.coordination == level]
        why = [
            f"{c.subject}: {c.row.title.lower()} needs {level.label} coordination "
            f"(safe default: {c.row.safe_default})"
            for c in top
        ]
    if lockstep_cycles:
        level = Coordination.HIGH
        why.insert(0, f"{lockstep_cycles} lockstep cycle(s): services must ship together")
    if unchecked:
        if level < Coordination.MEDIUM:
            level = Coordination.MEDIUM
        why.append(f"{unchecked} contract change(s) could not be checked")
    return PlanRisk(level=level, why=tuple(why))


def _has(text: str, *words: str) -> bool:
    return any(w in text for w in words)


def row_for_change(group: str, change: Change) -> RiskRow:
    """Map one computed engine change onto a matrix row, by its rule id (the message only
    for a column's NOT NULL), its level and who it breaks."""
    rule = change.rule.lower().replace("_", "-")
    breaking = change.level is Level.BREAKING
    removed = _has(rule, "remov", "delet", "drop")
    added = _has(rule, "add", "new")
    required = _has(rule, "required", "not-null", "notnull")
    row = ROW_BY_KIND
    if group == "table":
        if "rename" in rule:
            return row["rename-column"]
        if removed:
            return row["drop-column"]
        if required or (added and "not null" in change.message.lower()):
            return row["add-required-column"]
        return row["drop-column" if breaking else "add-nullable-column"]
    if group == "workflow":
        return row["change-workflow-rule"]
    if _has(rule, "security", "auth", "scope"):
        return row["change-auth-policy"]
    if group == "api":
        if _has(rule, "path", "endpoint", "operation"):
            if removed:
                return row["remove-endpoint"]
            if added:
                return row["add-endpoint"]
        if "request" in rule:
            if required or breaking:
                return row["add-required-request-field"]
            return row["add-optional-request-field"]
        if breaking:
            if change.breaks is Breaks.WRITERS:
                return row["add-required-request-field"]
            return row["remove-response-field"]
        return row["add-optional-response-field"]
    # events (AsyncAPI, JSON Schema, Avro, Protobuf)
    if removed and breaking:
        return row["remove-event-field"]
    if added and required:
        return row["add-required-event-field"]
    if breaking:
        return row["change-event-meaning"]
    return row["add-optional-event-field"]


def row_for_changes(group: str, changes: Iterable[Change]) -> RiskRow | None:
    """The riskiest row among computed changes (the first change's row on ties)."""
    best: RiskRow | None = None
    for change in changes:
        row = row_for_change(group, change)
        if best is None or row.coordination > best.coordination:
            best = row
    return best


def matrix_markdown() -> str:
    """The kinds of change as a Markdown table (``docs/plans.md`` embeds it; a test keeps
    the page current)."""
    lines = [
        "| kind (`change:`) | seed | coordination | safe default "
        "| in place: breaks old / needs new | applies to |",
        "|---|---|---|---|---|---|",
    ]
    for r in ROWS:
        lines.append(
            f"| `{r.kind}` | {r.source} | {r.coordination.label} | {r.safe_default} "
            f"| {'yes' if r.breaks_old else 'no'} / {'yes' if r.needs_new else 'no'} "
            f"| {', '.join(r.contracts)} |"
        )
    return "\n".join(lines)
