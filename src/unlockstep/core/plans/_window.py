"""Compatibility windows and cleanup: who must still move, what still blocks "done".

Evidence comes from the registry (verifications, usage counters, flag states, workflow
instance counts). A source that is not available is ``None`` and every check that needs
it says "unknown: could not be checked" rather than guessing. ``today`` is injected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from unlockstep.core.plans._evidence import NEW, Verification, judge
from unlockstep.core.plans._plan import Blocker, CleanupItem, Flag, Plan, Window

MET, UNMET, UNKNOWN = "met", "unmet", "unknown"


@dataclass(frozen=True)
class Evidence:
    """What is known about the estate. ``None`` means "this source is not available"."""

    verified: frozenset[tuple[str, str, str]] | None = None  # (consumer, contract, version)
    #: (consumer, contract, version or "") -> what the registry's verifications say
    verifications: Mapping[tuple[str, str, str], Verification] | None = None
    usage_zero_days: Mapping[str, int] | None = None  # metric -> days it has been zero
    #: why a metric missing from ``usage_zero_days`` could not be checked
    usage_note: str = ""
    #: metric -> where its answer came from and what else it says (last used, missing days)
    usage_details: Mapping[str, str] | None = None
    flags: Mapping[str, str] | None = None  # flag key -> state; a missing key is deleted
    running_instances: Mapping[tuple[str, str], int] | None = None  # (workflow, version)
    #: invariant -> its state (unknown, ok, breached, error); a missing name is not declared
    invariants: Mapping[str, str] | None = None
    #: invariant -> (the services, the contracts) it guards, from its safety-nets file
    invariant_guards: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] | None = None
    #: reconciliation -> (open discrepancies, tolerance, whether it has completed a run)
    reconciliations: Mapping[str, tuple[int, int, bool]] | None = None
    #: window consumer -> (whole days its use of the window's old version has been zero,
    #: what else is known: last seen, days without reports, the source)
    consumer_usage: Mapping[str, tuple[int, str]] | None = None
    #: how many zero days make a consumer "moved" by usage (the contract's ``zeroDays``)
    window_zero_days: int = 14
    sources: tuple[str, ...] = field(default=())

    @classmethod
    def none(cls) -> Evidence:
        return cls()


@dataclass(frozen=True, slots=True)
class Status:
    what: str
    status: str  # met | unmet | unknown
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"what": self.what, "status": self.status, "detail": self.detail}


def moved(consumer: str, contract: str, version: str, evidence: Evidence) -> tuple[str, str]:
    """Whether ``consumer`` is verified against ``contract`` ``version`` (``""``: the new
    one), as ``(status, detail)``: the registry's verifications when the server gave them,
    else a plain set of verified triples, else unknown."""
    key = (consumer, contract, version)
    if evidence.verifications is not None:
        found = evidence.verifications.get(key) or evidence.verifications.get(
            (consumer, contract, NEW)
        )
        if found is None:
            return UNKNOWN, "the registry could not answer this; could not be checked"
        return judge(consumer, found)
    if evidence.verified is None:
        return UNKNOWN, "no verifications available; could not be checked"
    if key in evidence.verified:
        return MET, "verification recorded"
    return UNMET, "no verification recorded yet"


def usage(metric: str, days: int, evidence: Evidence) -> tuple[str, str]:
    """Whether ``metric`` has been zero for ``days`` days, as ``(status, detail)``."""
    details = evidence.usage_details or {}
    if evidence.usage_zero_days is None or metric not in evidence.usage_zero_days:
        note = details.get(metric) or evidence.usage_note or f"no usage data for {metric}"
        return UNKNOWN, f"{note}; could not be checked"
    zero = evidence.usage_zero_days[metric]
    detail = f"zero for {zero} of {days} days"
    if metric in details:
        detail = f"{detail}; {details[metric]}"
    return (MET if zero >= days else UNMET), detail


def check_blocker(blocker: Blocker, evidence: Evidence) -> Status:
    if blocker.kind == "verified":
        status, detail = moved(
            blocker.consumer or "", blocker.contract or "", blocker.version or NEW, evidence
        )
        return Status(blocker.text, status, detail)
    if blocker.kind == "usage-zero":
        return Status(blocker.text, *usage(blocker.metric or "", blocker.days or 0, evidence))
    if blocker.kind == "flag-deleted":
        if evidence.flags is None:
            return Status(blocker.text, UNKNOWN, "no flag states available; could not be checked")
        state = evidence.flags.get(blocker.flag or "")
        if state is None:
            return Status(blocker.text, MET, "flag deleted")
        return Status(blocker.text, UNMET, f"flag still exists ({state})")
    if blocker.kind == "workflow-drained":
        if evidence.running_instances is None:
            return Status(
                blocker.text, UNKNOWN, "no workflow instance counts available; could not be checked"
            )
        running = evidence.running_instances.get((blocker.workflow or "", blocker.version or ""))
        if running is None:
            return Status(
                blocker.text,
                UNKNOWN,
                f"no running-instance count of {blocker.workflow} v{blocker.version} reported "
                "in the last hour (unlockstep.workflow.instances); could not be checked",
            )
        return Status(
            blocker.text, MET if running == 0 else UNMET, f"{running} running instance(s)"
        )
    if blocker.kind == "invariant-holds":
        return Status(blocker.text, *invariant_holds(blocker.invariant or "", evidence))
    if blocker.kind == "reconciled":
        return Status(blocker.text, *reconciled(blocker.reconciliation or "", evidence))
    return Status(blocker.text, UNKNOWN, "not machine-checkable; a person must confirm it")


def invariant_holds(name: str, evidence: Evidence) -> tuple[str, str]:
    """A business invariant as a gate: met when its last answer was ok, unmet when breached,
    unknown when it was never answered or its source failed (unknown is never a pass)."""
    if evidence.invariants is None:
        return UNKNOWN, "no invariant states available; could not be checked"
    state = evidence.invariants.get(name)
    if state is None:
        return UNKNOWN, f"no invariant {name} is declared"
    if state == "ok":
        return MET, "holds"
    if state == "breached":
        return UNMET, "breached"
    return UNKNOWN, f"state {state}: could not be checked"


def reconciled(name: str, evidence: Evidence) -> tuple[str, str]:
    """Met when a completed reconciliation left no more open discrepancies than its
    tolerance."""
    if evidence.reconciliations is None:
        return UNKNOWN, "no reconciliations available; could not be checked"
    found = evidence.reconciliations.get(name)
    if found is None:
        return UNKNOWN, f"no reconciliation {name} is declared"
    open_count, tolerance, completed = found
    if not completed:
        return UNKNOWN, "no completed run yet"
    detail = f"{open_count} open discrepancies (tolerance {tolerance})"
    return (MET if open_count <= tolerance else UNMET), detail


@dataclass(frozen=True, slots=True)
class WindowReport:
    starts: date
    ends: date
    state: str  # not-started | open | closed | overdue
    days_left: int
    consumers: tuple[Status, ...]
    must_move: tuple[str, ...]  # consumers not yet known to have moved
    overdue: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "starts": self.starts.isoformat(),
            "ends": self.ends.isoformat(),
            "state": self.state,
            "daysLeft": self.days_left,
            "consumers": [c.to_dict() for c in self.consumers],
            "mustMove": list(self.must_move),
            "overdue": self.overdue,
        }


def old_versions(window: Window) -> tuple[str, ...]:
    """The versions the window phases out: those its producer supports (``CaseEscalated.v1``)
    other than the one consumers must move to, each as ``v1`` and ``1``."""
    new = (window.version or "").lower().removeprefix("v")
    out: list[str] = []
    for entry in window.producer_supports:
        _, _, version = entry.rpartition(".")
        bare = version.split("-", 1)[0].lower().removeprefix("v")
        if bare and bare != new:
            out += [f"v{bare}", bare]
    return tuple(dict.fromkeys(out))


def _by_usage(consumer: str, status: Status, evidence: Evidence) -> Status:
    """A consumer not verified as moved has moved when its use of the old version has been
    zero for the required days; one still using it is not moved, with when it was seen."""
    found = (evidence.consumer_usage or {}).get(consumer)
    if found is None or status.status == MET:
        return status
    days, facts = found
    needed = evidence.window_zero_days
    if days >= needed:
        return Status(status.what, MET, f"moved: old version unused for {days} days; {facts}")
    return Status(
        status.what,
        UNMET,
        f"still on the old version: zero for {days} of {needed} days; {facts}",
    )


def check_window(window: Window, evidence: Evidence, today: date) -> WindowReport:
    consumers: list[Status] = []
    for consumer in window.consumers_required_by_end:
        what = f"{consumer} verified against the new contract"
        if window.contract is None:
            consumers.append(
                Status(what, UNKNOWN, "the window names no 'contract' to verify against")
            )
        elif evidence.verifications is None and evidence.verified is None:
            consumers.append(
                Status(what, UNKNOWN, "no verifications available; could not be checked")
            )
        else:
            version = window.version or NEW
            status, detail = moved(consumer, window.contract, version, evidence)
            if evidence.verifications is None:
                detail = "moved" if status == MET else "still on the old contract"
            consumers.append(
                Status(
                    f"{consumer} verified against {window.contract} {version}"
                    if version
                    else f"{consumer} verified against the new {window.contract}",
                    status,
                    detail,
                )
            )
    consumers = [
        _by_usage(name, status, evidence)
        for name, status in zip(window.consumers_required_by_end, consumers, strict=True)
    ]
    must_move = tuple(
        name
        for name, status in zip(window.consumers_required_by_end, consumers, strict=True)
        if status.status != MET
    )
    overdue = today > window.ends and bool(must_move)
    if today < window.starts:
        state = "not-started"
    elif overdue:
        state = "overdue"
    elif today > window.ends:
        state = "closed"
    else:
        state = "open"
    return WindowReport(
        starts=window.starts,
        ends=window.ends,
        state=state,
        days_left=(window.ends - today).days,
        consumers=tuple(consumers),
        must_move=must_move,
        overdue=overdue,
    )


@dataclass(frozen=True, slots=True)
class CleanupReport:
    title: str
    owner: str | None
    due: date | None
    issue: str | None
    blockers: tuple[Status, ...]
    done: bool
    overdue: bool
    problems: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "owner": self.owner,
            "due": self.due.isoformat() if self.due else None,
            "issue": self.issue,
            "blockers": [b.to_dict() for b in self.blockers],
            "done": self.done,
            "overdue": self.overdue,
            "problems": list(self.problems),
        }


def check_cleanup(item: CleanupItem, evidence: Evidence, today: date) -> CleanupReport:
    statuses = tuple(check_blocker(b, evidence) for b in item.blockers)
    done = bool(statuses) and all(s.status == MET for s in statuses)
    problems: list[str] = []
    if item.owner is None:
        problems.append("no owner")
    if item.due is None:
        problems.append("no due date")
    if not item.blockers:
        problems.append("no blockers: nothing proves the old path is gone")
    elif all(b.kind == "manual" for b in item.blockers):
        problems.append("no machine-checkable blocker")
    overdue = item.due is not None and today > item.due and not done
    return CleanupReport(
        item.title, item.owner, item.due, item.issue, statuses, done, overdue, tuple(problems)
    )


def check_flag(flag: Flag, today: date) -> tuple[str, ...]:
    problems: list[str] = []
    if not flag.owner:
        problems.append(f"flag {flag.key} has no owner")
    if flag.expires is None:
        problems.append(f"flag {flag.key} has no expiry")
    elif flag.expires < today:
        problems.append(f"flag {flag.key} expired on {flag.expires.isoformat()}")
    return tuple(problems)


def check_all(
    plan: Plan, evidence: Evidence, today: date
) -> tuple[WindowReport | None, tuple[CleanupReport, ...], tuple[str, ...]]:
    window = check_window(plan.window, evidence, today) if plan.window else None
    cleanup = tuple(check_cleanup(item, evidence, today) for item in plan.cleanup)
    flags = tuple(p for f in plan.flags for p in check_flag(f, today))
    return window, cleanup, flags
