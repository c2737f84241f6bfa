"""Flag lifecycle and debt: stale, ready for cleanup, completed but still evaluated.

Pure functions over a flag set, today's date and evaluation counts (what the SDK reports).
Expected lifetimes follow Unleash's defaults: release and experiment flags about 40 days,
migration flags 30, ops and permission flags are long-lived (no lifetime).

* **stale** — past its ``expires`` date, or older than its type's expected lifetime.
* **ready for cleanup** — has served exactly one variant to 100 % of evaluations for the last
  ``quiet_days`` days, or has not been evaluated for ``quiet_days`` days.
* **completed but still evaluated** — its owner marked it ``completed`` and code still asks
  for it after that date: the dead branch is still deployed (a warning).
* **ungoverned** — it breaks a flag rule the server enforces on writes (no owner, type or
  expiry by default) because it was stored before the rule was: the caller passes what
  ``lint.rule_violations`` found.
* **code** (when the caller scanned source with ``flags refs``: ``core.flags.references``) —
  a flag no code references any more is *ready for cleanup* (the "flag removed from code"
  blocker is met: delete it from the registry); one still referenced after its expiry (or
  after its owner marked it completed) is *still in code*, with the locations to remove.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from unlockstep.core.flags.definition import FlagDefinition, FlagSet

EXPECTED_LIFETIME_DAYS: Mapping[str, int | None] = {
    "release": 40,
    "experiment": 40,
    "migration": 30,
    "ops": None,
    "permission": None,
}
DEFAULT_QUIET_DAYS = 14


class DebtKind(StrEnum):
    STALE = "stale"
    READY_FOR_CLEANUP = "ready-for-cleanup"
    COMPLETED_BUT_EVALUATED = "completed-but-still-evaluated"
    UNGOVERNED = "ungoverned"
    STILL_IN_CODE = "still-in-code"


#: How many code locations a reason names before "and N more" (all are in ``references``).
SHOWN_LOCATIONS = 5


#: The most counts one ingest batch may carry, and the largest single count: an SDK flushes
#: every few seconds, so either limit is far above what an honest client sends.
MAX_COUNTS_PER_BATCH = 1000
MAX_COUNT = 1_000_000_000


@dataclass(frozen=True)
class EvaluationCount:
    """How often one flag served one variant on one day (any reason)."""

    flag: str
    day: dt.date
    variant: str | None
    count: int


@dataclass(frozen=True)
class Usage:
    """What the counts say about one flag."""

    last_evaluated: dt.date | None = None
    single_variant_days: int = 0
    single_variant: str | None = None
    total: int = 0


@dataclass(frozen=True)
class Debt:
    flag: str
    owner: str | None
    type: str | None
    kinds: tuple[DebtKind, ...]
    reasons: tuple[str, ...]
    cleanup_issue: str | None
    expires: dt.date | None
    age_days: int | None
    usage: Usage = field(default_factory=Usage)
    #: Where code references the flag ("path:line"); None: code was not scanned.
    references: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "flag": self.flag,
            "owner": self.owner,
            "type": self.type,
            "kinds": [str(kind) for kind in self.kinds],
            "reasons": list(self.reasons),
            "cleanupIssue": self.cleanup_issue,
            "expires": self.expires.isoformat() if self.expires else None,
            "ageDays": self.age_days,
            "lastEvaluated": (
                self.usage.last_evaluated.isoformat() if self.usage.last_evaluated else None
            ),
            "evaluations": self.usage.total,
            "references": list(self.references) if self.references is not None else None,
        }


def summarize(counts: Iterable[EvaluationCount]) -> dict[str, Usage]:
    """Per flag: last day evaluated, total, and how many of the latest days with traffic
    served a single variant (the same one)."""
    per_day: dict[str, dict[dt.date, dict[str | None, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for row in counts:
        if row.count > 0:
            per_day[row.flag][row.day][row.variant] += row.count
    usage: dict[str, Usage] = {}
    for flag, days in per_day.items():
        ordered = sorted(days, reverse=True)
        streak, only = 0, None
        for day in ordered:
            variants = days[day]
            if len(variants) != 1:
                break
            (variant,) = variants
            if only is None:
                only = variant
            elif variant != only:
                break
            streak += 1
        span = (ordered[0] - ordered[streak - 1]).days + 1 if streak else 0
        usage[flag] = Usage(
            last_evaluated=ordered[0],
            single_variant_days=span,
            single_variant=only if streak else None,
            total=sum(sum(v.values()) for v in days.values()),
        )
    return usage


def assess(
    flag: FlagDefinition,
    today: dt.date,
    usage: Usage | None = None,
    *,
    quiet_days: int = DEFAULT_QUIET_DAYS,
    ungoverned: Iterable[str] = (),
    references: Sequence[str] | None = None,
) -> Debt:
    """The debt one flag carries today; without ``usage`` (no counts known) only the
    calendar rules apply. ``ungoverned`` are the enforced flag rules it breaks, as messages;
    ``references`` where code uses it ("path:line"; None: code was not scanned)."""
    life = flag.lifecycle
    known = usage is not None
    usage = usage or Usage()
    kinds: list[DebtKind] = []
    reasons: list[str] = []
    age = (today - life.created).days if life.created else None
    lifetime = EXPECTED_LIFETIME_DAYS.get(life.type or "")
    if life.expires is not None and today > life.expires:
        kinds.append(DebtKind.STALE)
        reasons.append(f"expired on {life.expires.isoformat()}")
    elif lifetime is not None and age is not None and age > lifetime:
        kinds.append(DebtKind.STALE)
        reasons.append(f"{age} days old; {life.type} flags are expected to live {lifetime}")
    if not known:
        pass
    elif usage.single_variant_days >= quiet_days and usage.last_evaluated is not None:
        kinds.append(DebtKind.READY_FOR_CLEANUP)
        reasons.append(
            f"served only variant {usage.single_variant!r} for {usage.single_variant_days} days"
        )
    else:
        since = usage.last_evaluated or life.created
        if since is not None and (today - since).days >= quiet_days:
            kinds.append(DebtKind.READY_FOR_CLEANUP)
            reasons.append(
                f"not evaluated since {usage.last_evaluated.isoformat()}"
                if usage.last_evaluated
                else f"never evaluated since it was created on {since.isoformat()}"
            )
    if (
        life.completed is not None
        and usage.last_evaluated is not None
        and usage.last_evaluated > life.completed
    ):
        kinds.append(DebtKind.COMPLETED_BUT_EVALUATED)
        reasons.append(
            f"completed on {life.completed.isoformat()} but still evaluated "
            f"on {usage.last_evaluated.isoformat()}: remove the code path"
        )
    for kind, reason in code_debt(flag, today, references):
        if kind not in kinds:
            kinds.append(kind)
        reasons.append(reason)
    broken = list(ungoverned)
    if broken:
        kinds.append(DebtKind.UNGOVERNED)
        reasons.extend(broken)
    return Debt(
        flag=flag.key,
        owner=life.owner,
        type=life.type,
        kinds=tuple(kinds),
        reasons=tuple(reasons),
        cleanup_issue=life.cleanup_issue,
        expires=life.expires,
        age_days=age,
        usage=usage,
        references=tuple(references) if references is not None else None,
    )


def code_debt(
    flag: FlagDefinition, today: dt.date, references: Sequence[str] | None
) -> list[tuple[DebtKind, str]]:
    """What the code says about one flag: nothing when it was not scanned (None); ready for
    cleanup when no code references it; still in code when it is referenced after its expiry
    or its completion."""
    if references is None:
        return []
    if not references:
        return [(DebtKind.READY_FOR_CLEANUP, "no code references it any more: delete it")]
    life = flag.lifecycle
    if life.expires is not None and today > life.expires:
        why = f"expired on {life.expires.isoformat()}"
    elif life.completed is not None and today > life.completed:
        why = f"completed on {life.completed.isoformat()}"
    else:
        return []
    shown = ", ".join(references[:SHOWN_LOCATIONS])
    more = len(references) - SHOWN_LOCATIONS
    places = f"{shown} and {more} more" if more > 0 else shown
    return [(DebtKind.STILL_IN_CODE, f"{why} but still referenced at {places}")]


def debt_report(
    flag_set: FlagSet,
    today: dt.date,
    counts: Iterable[EvaluationCount] | None = None,
    *,
    quiet_days: int = DEFAULT_QUIET_DAYS,
    ungoverned: Mapping[str, Iterable[str]] | None = None,
    references: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, list[Debt]]:
    """Flags that carry debt, grouped by owner (``"(no owner)"`` for orphans), sorted.
    ``counts=None`` means usage is unknown; an empty list means nothing was evaluated.
    ``ungoverned`` maps flags to the enforced rules they break (messages). ``references``
    maps flags to where code uses them; given, a flag it lacks has no references left
    (None: code was not scanned)."""
    usage = summarize(counts or ())
    broken = ungoverned or {}
    by_owner: dict[str, list[Debt]] = defaultdict(list)
    for key in sorted(flag_set.flags):
        flag_usage = usage.get(key, Usage()) if counts is not None else None
        debt = assess(
            flag_set.flags[key], today, flag_usage, quiet_days=quiet_days,
            ungoverned=broken.get(key, ()),
            references=references.get(key, ()) if references is not None else None,
        )  # fmt: skip
        if debt.kinds:
            by_owner[debt.owner or "(no owner)"].append(debt)
    return dict(sorted(by_owner.items()))
