"""Migration statements classified as expand, migrate or contract (seed 000 §7, §13, §19).

Every statement of a migration gets a :class:`Step`: its **phase**, the **hazards** it
carries (locks and rewrites that stall running code) and, for a contract step, the
**evidence** it waits for (which services still use the column or table, and a window of
zero usage). Findings are the shared :class:`~unlockstep.core.compat._model.Change` records.

A step *breaks running clients* when it is a contract step or carries a breaking hazard:
such a migration must not run while old code is live. Expected outcomes are values; only
SQL that cannot be parsed raises (:class:`~unlockstep.errors.ParseError`).

``usage`` maps ``table.column`` (or ``table``) to the services that read or write it; it
comes from registered expectations and is empty until they exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from unlockstep.core.compat import Change, Location
from unlockstep.core.migrations._rules import RENAME_SEQUENCE, RULES, Phase, level_of
from unlockstep.core.migrations._statements import HANDLERS
from unlockstep.core.migrations._tree import Statement, parse_statements

DEFAULT_WINDOW_DAYS = 30

Usage = Mapping[str, Sequence[str]]

__all__ = [
    "Classifier",
    "Evidence",
    "FileReport",
    "MigrationsReport",
    "Phase",
    "Step",
    "classify_sql",
    "observe",
]


_PHASE_ORDER = {Phase.NEUTRAL: 0, Phase.EXPAND: 1, Phase.MIGRATE: 2, Phase.CONTRACT: 3}


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a contract step waits for before it may run."""

    subject: str  # "cases.escalation_basis", "cases", "index cases_status_idx"
    role: str  # who must have stopped: "readers", "writers" or "readers and writers"
    services: tuple[str, ...]
    zero_usage_days: int
    requires: str = ""  # an extra precondition in words (e.g. "every writer sets it")
    #: measured whole days of zero usage (``--evidence-from``); None: not measured or unknown
    observed_days: int | None = None
    observed: str = ""  # what the evidence source said

    @property
    def met(self) -> bool:
        """Measured zero usage for the whole window (an extra precondition in words is the
        author's to confirm)."""
        return self.observed_days is not None and self.observed_days >= self.zero_usage_days

    def describe(self) -> str:
        who = ", ".join(self.services) if self.services else "none registered yet"
        text = f"{self.subject}: no {self.role} for {self.zero_usage_days} days (known: {who})"
        if self.observed:
            text = f"{text}; measured: {self.observed}"
        return f"{text}; {self.requires}" if self.requires else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "role": self.role,
            "services": list(self.services),
            "zero_usage_days": self.zero_usage_days,
            "requires": self.requires,
            "observed_zero_days": self.observed_days,
            "met": self.met,
            "waits_for": self.describe(),
        }


@dataclass(frozen=True, slots=True)
class Step:
    """The verdict on one statement (or one Alembic ``op`` call)."""

    file: str
    line: int
    text: str
    phase: Phase
    actions: tuple[str, ...]
    changes: tuple[Change, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    @property
    def hazards(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if RULES[c.rule].family == "hazard")

    @property
    def evidenced(self) -> bool:
        """A contract step whose every wait is met by measured zero usage."""
        return bool(self.evidence) and all(e.met for e in self.evidence)

    @property
    def breaks_running_clients(self) -> bool:
        if self.evidenced:  # nobody uses it any more: only hazards (locks, rewrites) remain
            return any(
                c.level.value == "breaking" and RULES[c.rule].family != "contract"
                for c in self.changes
            )
        return self.phase is Phase.CONTRACT or any(
            c.level.value == "breaking" for c in self.changes
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "statement": self.text,
            "phase": self.phase.value,
            "actions": list(self.actions),
            "breaks_running_clients": self.breaks_running_clients,
            "evidenced": self.evidenced,
            "changes": [c.to_dict() for c in self.changes],
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(slots=True)
class _Verdict:
    phase: Phase = Phase.NEUTRAL
    actions: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def raise_to(self, phase: Phase) -> None:
        if _PHASE_ORDER[phase] > _PHASE_ORDER[self.phase]:
            self.phase = phase


@dataclass(slots=True)
class SchemaFacts:
    """What earlier migrations of a folder established, for the files after them."""

    #: (table, column) proven non-NULL by a validated CHECK (col IS NOT NULL): SET NOT NULL
    #: then skips its scan (PostgreSQL 12+)
    not_null_checked: set[tuple[str, str]] = field(default_factory=set)
    #: (table, column) whose NULL writes a NOT NULL check already rejects (valid or not)
    not_null_enforced: set[tuple[str, str]] = field(default_factory=set)


class Classifier:
    """Walks one migration file's statements in order, remembering what earlier ones did
    (lock_timeout set, inside a transaction, tables created in this file)."""

    def __init__(
        self,
        file: str,
        usage: Usage | None = None,
        window_days: int = DEFAULT_WINDOW_DAYS,
        facts: SchemaFacts | None = None,
    ) -> None:
        self.file = file
        self.usage: Usage = usage or {}
        self.window_days = window_days
        self.lock_timeout = False
        self.lock_timeout_local = False  # SET LOCAL: ends with the transaction
        self.in_transaction = False
        self.created: set[str] = set()
        self.facts = facts if facts is not None else SchemaFacts()
        self.not_null_checked = self.facts.not_null_checked
        self.not_null_enforced = self.facts.not_null_enforced
        #: constraint name -> (table, column) of CHECK (col IS NOT NULL) NOT VALID
        self.pending_not_null: dict[str, tuple[str, str]] = {}

    # -- entry points -------------------------------------------------------------------

    def sql(self, text: str, first_line: int = 1) -> list[Step]:
        """Classify every statement of a SQL text."""
        return [self.statement(s) for s in parse_statements(text, self.file, first_line)]

    def statement(
        self, stmt: Statement, display: str | None = None, transactional: bool = False
    ) -> Step:
        """Classify one statement. ``transactional``: it runs inside a transaction the
        tool opens (Alembic does), whatever the SQL itself says."""
        verdict = _Verdict()
        handler = HANDLERS.get(stmt.kind)
        if handler is not None:
            handler(self, stmt, verdict, transactional)
        return Step(
            file=self.file,
            line=stmt.line,
            text=display if display is not None else stmt.short,
            phase=verdict.phase,
            actions=tuple(verdict.actions),
            changes=tuple(verdict.changes),
            evidence=tuple(verdict.evidence),
        )

    # -- helpers the handlers use ------------------------------------------------------

    def finding(
        self,
        verdict: _Verdict,
        rule_id: str,
        stmt: Statement,
        subject: str,
        message: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        rule = RULES[rule_id]
        verdict.changes.append(
            Change(
                rule=rule.id,
                level=level_of(rule.id),
                breaks=rule.breaks,
                location=Location(subject=subject, file=self.file, line=stmt.line),
                message=f"{subject}: {message or rule.summary}",
                suggestion=rule.fix,
                details=details or {},
            )
        )

    def contract(
        self,
        verdict: _Verdict,
        rule_id: str,
        stmt: Statement,
        table: str,
        column: str | None = None,
        role: str = "readers or writers",
        requires: str = "",
        message: str = "",
    ) -> None:
        """A contract step: record the finding and the evidence it waits for. On a table
        created earlier in this file nobody can be using it yet: that is still expand."""
        if table in self.created:
            verdict.raise_to(Phase.EXPAND)
            return
        subject = f"{table}.{column}" if column else table
        details: dict[str, Any] = {}
        if rule_id == "rename-column":
            details["sequence"] = list(RENAME_SEQUENCE)
        self.finding(verdict, rule_id, stmt, subject, message, details)
        verdict.raise_to(Phase.CONTRACT)
        verdict.evidence.append(
            Evidence(
                subject=subject,
                role=role,
                services=self.services_using(table, column),
                zero_usage_days=self.window_days,
                requires=requires,
            )
        )

    def services_using(self, table: str, column: str | None) -> tuple[str, ...]:
        keys = [f"{table}.{column}", table] if column else [table]
        found: set[str] = set()
        for key in keys:
            found.update(self.usage.get(key, ()))
            if found:
                break
        if not column:
            prefix = f"{table}."
            for key, services in self.usage.items():
                if key.startswith(prefix):
                    found.update(services)
        return tuple(sorted(found))

    def lock(self, verdict: _Verdict, stmt: Statement, table: str) -> None:
        """The statement takes a lock on an existing table: it wants a lock_timeout."""
        if table in self.created or self.lock_timeout:
            return
        if not any(c.rule == "missing-lock-timeout" for c in verdict.changes):
            self.finding(verdict, "missing-lock-timeout", stmt, table)

    def existing(self, table: str) -> bool:
        """Whether ``table`` may hold data and users (it was not created in this file)."""
        return table not in self.created


@dataclass(frozen=True, slots=True)
class FileReport:
    """One migration file's steps, in order."""

    file: str
    version: str | None
    steps: tuple[Step, ...]

    @property
    def breaks_running_clients(self) -> bool:
        return any(s.breaks_running_clients for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "version": self.version,
            "breaks_running_clients": self.breaks_running_clients,
            "steps": [s.to_dict() for s in self.steps],
        }


@dataclass(frozen=True, slots=True)
class MigrationsReport:
    """Every file of one or more migration folders, in the order they run."""

    layout: str
    files: tuple[FileReport, ...]
    window_days: int = DEFAULT_WINDOW_DAYS

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(s for f in self.files for s in f.steps)

    @property
    def breaks_running_clients(self) -> bool:
        return any(f.breaks_running_clients for f in self.files)

    def summary(self) -> dict[str, int]:
        counts = {phase.value: 0 for phase in Phase}
        for step in self.steps:
            counts[step.phase.value] += 1
        counts["hazards"] = sum(len(s.hazards) for s in self.steps)
        counts["breaking_steps"] = sum(1 for s in self.steps if s.breaks_running_clients)
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "layout": self.layout,
            "safe_while_old_code_is_live": not self.breaks_running_clients,
            "usage_window_days": self.window_days,
            "summary": self.summary(),
            "files": [f.to_dict() for f in self.files],
        }


def observe(
    report: MigrationsReport, answers: Mapping[str, tuple[int | None, str]]
) -> MigrationsReport:
    """``report`` with measured usage put beside each contract step's evidence: ``answers``
    maps a subject (``cases.escalation_basis``, ``cases``) to (whole days of zero usage or
    None when unknown, what the source said)."""

    def evidence(e: Evidence) -> Evidence:
        days, said = answers.get(e.subject, (None, ""))
        return replace(e, observed_days=days, observed=said)

    files = tuple(
        replace(
            f,
            steps=tuple(replace(s, evidence=tuple(map(evidence, s.evidence))) for s in f.steps),
        )
        for f in report.files
    )
    return replace(report, files=files)


def classify_sql(
    text: str,
    file: str = "<input>",
    usage: Usage | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> list[Step]:
    """Classify every statement of one SQL migration."""
    return Classifier(file, usage, window_days).sql(text)
