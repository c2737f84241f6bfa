"""Everything computed from a release plan: risk, steps, order, lockstep, window, cleanup,
checklist — one value the CLI, the server and the coordination document all read.

Contract changes that point at old/new files are computed by the compatibility engines
registered in ``compat.ENGINES``; reading files is injected (``read``) so this stays pure.
A kind with no engine installed is reported as "could not be checked", and the plan falls
back to the described kind of change when there is one.
"""

from __future__ import annotations

import importlib
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from unlockstep.core.compat import ENGINES, Change, Engine, Policy, Source
from unlockstep.core.plans import _authority as authority
from unlockstep.core.plans import _checklist as checklist
from unlockstep.core.plans import _lockstep as lockstep
from unlockstep.core.plans import _planner as planner
from unlockstep.core.plans import _risk as risk
from unlockstep.core.plans import _window as window
from unlockstep.core.plans._checklist import Answer
from unlockstep.core.plans._guards import guarding
from unlockstep.core.plans._lockstep import Lockstep
from unlockstep.core.plans._plan import ContractChange, Plan
from unlockstep.core.plans._risk import ROW_BY_KIND, Classified, PlanRisk, RiskRow
from unlockstep.core.plans._steps import Schedule, Step, StepGraph
from unlockstep.core.plans._window import CleanupReport, Evidence, WindowReport

Reader = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class ContractResult:
    contract: ContractChange
    row: RiskRow | None
    reason: str
    computed: tuple[Change, ...] | None  # None when not computed
    unchecked: str | None  # why the change could not be computed

    def to_dict(self) -> dict[str, Any]:
        c = self.contract
        return {
            "id": c.id,
            "group": c.group,
            "name": c.name,
            "provider": c.provider,
            "consumers": list(c.consumers),
            "strategy": c.strategy.value,
            "field": c.field or None,
            "flag": c.flag,
            "risk": self.row.to_dict() if self.row else None,
            "reason": self.reason,
            "computed": [ch.to_dict() for ch in self.computed]
            if self.computed is not None
            else None,
            "unchecked": self.unchecked,
        }


@dataclass(frozen=True, slots=True)
class PlanReport:
    plan: Plan
    today: date
    contracts: tuple[ContractResult, ...]
    risk: PlanRisk
    graph: StepGraph
    schedule: Schedule
    lockstep: tuple[Lockstep, ...]
    window: WindowReport | None
    cleanup: tuple[CleanupReport, ...]
    checklist: tuple[Answer, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    evidence: Evidence | None = None  # what the window, cleanup and gates were judged by

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        p = self.plan
        return {
            "change": p.change,
            "title": p.title,
            "owner": p.owner,
            "goal": p.goal,
            "today": self.today.isoformat(),
            "ok": self.ok,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "risk": self.risk.to_dict(),
            "services": [
                {
                    "name": s.name,
                    "role": s.role.value,
                    "change": s.change,
                    "owner": s.owner or None,
                    "needs": list(s.needs),
                }
                for s in p.services
            ],
            "contracts": [c.to_dict() for c in self.contracts],
            "migration": {"strategy": p.migration_strategy, "notes": p.migration_notes},
            "flags": [
                {
                    "key": f.key,
                    "type": f.type,
                    "owner": f.owner,
                    "expires": f.expires.isoformat() if f.expires else None,
                    "service": f.service,
                    "killSwitch": f.kill_switch,
                }
                for f in p.flags
            ],
            "steps": [s.to_dict() for s in self.graph.steps],
            "edges": [e.to_dict() for e in self.graph.edges],
            "order": self.schedule.to_dict(),
            "lockstep": [c.to_dict() for c in self.lockstep],
            "window": self.window.to_dict() if self.window else None,
            "cleanup": [c.to_dict() for c in self.cleanup],
            "observability": list(p.observability),
            "rollback": p.rollback,
            "inFlight": p.in_flight,
            "evidence": list(p.evidence),
            "invariants": list(p.invariants),
            "guardingInvariants": [
                g.to_dict() for g in guarding(p, self.evidence or Evidence.none())
            ],
            "checklist": [a.to_dict() for a in self.checklist],
            "authority": authority.to_dict(p),
        }


def load_engines() -> None:
    """Import every installed compatibility engine (``core.engines.load_all``);
    without it the plan says what could not be checked instead of failing."""
    try:
        importlib.import_module("unlockstep.core.engines").load_all()
    except ImportError:  # pragma: no cover - engines are part of the package today
        return


def _engine_for(c: ContractChange, new: Source, engines: Mapping[str, Engine]) -> Engine | None:
    if c.format:
        return engines.get(c.format)
    # JSON Schema last: almost any JSON or YAML object looks like one
    for kind in sorted(engines, key=lambda k: (k == "jsonschema", k)):
        if engines[kind].sniff(new):
            return engines[kind]
    return None


def classify(
    c: ContractChange, read: Reader | None, engines: Mapping[str, Engine]
) -> ContractResult:
    described = ROW_BY_KIND[c.change] if c.change else None
    if not c.old or not c.new:
        return ContractResult(c, described, f"described as {c.change}", None, None)
    if read is None:
        note = f"{c.id}: contract files were not read; could not be checked"
        return ContractResult(c, described, _fallback(described), None, note)
    old = _source(read, c.old)
    new = _source(read, c.new)
    engine = _engine_for(c, new, engines)
    if engine is None:
        what = f"'{c.format}'" if c.format else new.filename
        note = (
            f"{c.id}: no compatibility engine for {what} is installed "
            f"(have: {', '.join(sorted(engines)) or 'none'}); could not be checked"
        )
        return ContractResult(c, described, _fallback(described), None, note)
    changes = tuple(engine.diff(engine.parse(old), engine.parse(new), Policy.LENIENT))
    row = risk.row_for_changes(c.group, changes)
    if row is None:
        row = ROW_BY_KIND["internal-refactor"]
        reason = f"computed by {engine.kind}: no differences"
    else:
        rules = sorted({ch.rule for ch in changes})
        reason = f"computed by {engine.kind}: {', '.join(rules)}"
    if described is not None and described.kind != row.kind:
        reason += f" (described as {described.kind}; the computed kind is used)"
    return ContractResult(c, row, reason, changes, None)


def _source(read: Reader, paths: tuple[str, ...]) -> Source:
    """One document from one or more files read in order (migrations up to a version)."""
    text = "\n".join(read(path) for path in paths)
    return Source(text, paths[-1], read_relative=_relative(read, paths[0]))


def _relative(read: Reader, path: str) -> Reader:
    base = posixpath.dirname(path)
    return lambda other: read(posixpath.normpath(posixpath.join(base, other)))


def _fallback(described: RiskRow | None) -> str:
    if described is None:
        return "not classified: no engine and no described 'change'"
    return f"described as {described.kind} (not computed)"


def analyse(
    plan: Plan,
    *,
    today: date,
    evidence: window.Evidence | None = None,
    read: Reader | None = None,
    engines: Mapping[str, Engine] | None = None,
    evidence_for: Callable[[tuple[Step, ...]], window.Evidence] | None = None,
) -> PlanReport:
    """``evidence_for`` (instead of ``evidence``) gathers the evidence once the steps are
    known, so one gathering answers the window, the cleanup and every step gate; the report
    keeps what was used (``PlanReport.evidence``) for ``derive``."""
    engines = ENGINES if engines is None else engines
    results = tuple(classify(c, read, engines) for c in plan.contracts)
    rows = {r.contract.id: r.row for r in results if r.row is not None}
    graph = planner.build(plan, rows)
    if evidence_for is not None:
        evidence = evidence_for(graph.steps)
    evidence = evidence or window.Evidence.none()
    order = planner.schedule(graph)
    groups = lockstep.detect(graph, plan, rows)
    unchecked = [r.unchecked for r in results if r.unchecked]
    plan_risk = risk.overall(
        [Classified(r.contract.name, r.row, r.reason) for r in results if r.row],
        lockstep_cycles=len(groups),
        unchecked=len(unchecked),
    )
    win, cleanup, flag_problems = window.check_all(plan, evidence, today)
    answers = checklist.answer(checklist.Facts(plan, rows, groups))
    errors = [g.describe() for g in groups]
    errors += authority.check(plan)
    if win is not None and win.overdue:
        errors.append(
            f"compatibility window ended {win.ends.isoformat()} but "
            f"{', '.join(win.must_move)} have not moved (or could not be checked)"
        )
    errors += [
        f"cleanup '{c.title}' was due {c.due.isoformat()} and is not done"
        for c in cleanup
        if c.overdue and c.due is not None
    ]
    warnings = list(unchecked)
    warnings += [
        f"{r.contract.id}: not classified; say 'change' or install an engine"
        for r in results
        if r.row is None
    ]
    warnings += list(flag_problems)
    warnings += [f"cleanup '{c.title}': {p}" for c in cleanup for p in c.problems]
    if evidence is not None and evidence.verifications is not None:
        warnings += dict.fromkeys(v.shared for v in evidence.verifications.values() if v.shared)
    open_questions = [a for a in answers if not a.answered]
    if open_questions:
        warnings.append(f"{len(open_questions)} of {len(answers)} checklist questions are open")
    return PlanReport(
        plan=plan,
        today=today,
        contracts=results,
        risk=plan_risk,
        graph=graph,
        schedule=order,
        lockstep=groups,
        window=win,
        cleanup=cleanup,
        checklist=answers,
        errors=tuple(errors),
        warnings=tuple(warnings),
        evidence=evidence,
    )
