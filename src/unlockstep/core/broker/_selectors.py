"""Which pacts a provider build verifies: consumer version selectors, pending and WIP pacts.

Plain values in, plain values out. Each candidate is one consumer version's pact with the
provider, with what the selectors look at (its branches, tags, where it is live, its
consumer's main branch). A selector picks candidates:

- ``mainBranch``: the newest version on each consumer's main branch;
- ``branch``: the newest version on that branch (``fallbackBranch`` when there is none);
- ``matchingBranch``: the newest version on the branch the provider build is on;
- ``deployedOrReleased`` / ``deployed`` / ``released`` (optionally in one ``environment``):
  every such version live now, not only the newest;
- ``environment`` alone: every version live there;
- ``tag`` (with ``latest``: the newest only), ``latest`` alone: the newest version;
- ``consumer`` narrows any of these to one consumer.

Candidates with the same pact content are verified once; the reasons are merged. A pact is
**pending** while no build of the provider (on its branch, when it names one) has verified
it successfully: a failure then does not fail the provider's build. **WIP** pacts — the
newest pact of each consumer branch published since a date, pending, and not selected — are
added (pending too) when the build asks for them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from unlockstep.errors import InvalidInput

_KNOWN = {
    "mainBranch",
    "branch",
    "fallbackBranch",
    "matchingBranch",
    "deployedOrReleased",
    "deployed",
    "released",
    "environment",
    "tag",
    "fallbackTag",
    "latest",
    "consumer",
}


@dataclass(frozen=True)
class Candidate:
    consumer: str
    version: str
    sha: str
    created_at: datetime  # when the version's pact was published
    order: int  # the version's age among the consumer's versions (larger is newer)
    branches: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    live: tuple[tuple[str, str], ...] = ()  # (environment, "deployment" | "release")
    main_branch: str | None = None


@dataclass
class Selected:
    """One pact content to verify, the consumer versions it stands for, and why."""

    consumer: str
    sha: str
    versions: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    pending: bool = False
    wip: bool = False
    newest: Candidate | None = None


def _newest(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The newest candidate of each consumer."""
    best: dict[str, Candidate] = {}
    for c in candidates:
        if c.consumer not in best or c.order > best[c.consumer].order:
            best[c.consumer] = c
    return list(best.values())


def on_branch(
    candidates: Iterable[Candidate],
    branch: str | None,
    *,
    consumer: str | None = None,
    latest: bool = False,
) -> list[Candidate]:
    """The pacts of consumer versions on ``branch`` (each consumer's main branch when
    ``None``), of one ``consumer`` when given; with ``latest``, the newest of each consumer
    only. What ``pact-broker get-pacts`` lists."""
    pool = [
        c
        for c in candidates
        if (consumer is None or c.consumer == consumer)
        and ((branch or c.main_branch) or "") in c.branches
    ]
    return _newest(pool) if latest else pool


def live_in(candidates: Iterable[Candidate], environment: str) -> list[Candidate]:
    """The pacts of consumer versions deployed or released in ``environment`` now."""
    return [c for c in candidates if any(env == environment for env, _ in c.live)]


def _pick(
    selector: Mapping[str, Any], candidates: list[Candidate], provider_branch: str | None
) -> tuple[list[Candidate], str]:
    unknown = set(selector) - _KNOWN
    if unknown:
        raise InvalidInput(
            f"unknown consumer version selector key(s): {', '.join(sorted(unknown))}",
            where="consumerVersionSelectors",
        )
    consumer = selector.get("consumer")
    pool = [c for c in candidates if consumer is None or c.consumer == consumer]
    of = f" of {consumer}" if consumer else ""
    if selector.get("mainBranch"):
        return _newest(c for c in pool if c.main_branch and c.main_branch in c.branches), (
            f"latest version{of} from the main branch"
        )
    if selector.get("matchingBranch"):
        if not provider_branch:
            return [], "matching branch (the provider build named no branch)"
        return _newest(c for c in pool if provider_branch in c.branches), (
            f"latest version{of} from branch {provider_branch!r} (matching the provider's)"
        )
    if "branch" in selector:
        branch = str(selector["branch"])
        found = _newest(c for c in pool if branch in c.branches)
        fallback = selector.get("fallbackBranch")
        if not found and fallback:
            found = _newest(c for c in pool if str(fallback) in c.branches)
            return found, f"latest version{of} from fallback branch {fallback!r}"
        return found, f"latest version{of} from branch {branch!r}"
    env = selector.get("environment")
    kinds = set()
    if selector.get("deployedOrReleased"):
        kinds = {"deployment", "release"}
    elif selector.get("deployed"):
        kinds = {"deployment"}
    elif selector.get("released"):
        kinds = {"release"}
    elif env:
        kinds = {"deployment", "release"}
    if kinds:

        def live(c: Candidate) -> bool:
            return any(k in kinds and (env is None or e == env) for e, k in c.live)

        where = f" in {env}" if env else ""
        what = {"deployment"}, {"release"}
        label = "deployed" if kinds == what[0] else "released" if kinds == what[1] else "live"
        return [c for c in pool if live(c)], f"every version{of} {label}{where}"
    if "tag" in selector:
        tag = str(selector["tag"])
        tagged = [c for c in pool if tag in c.tags]
        if selector.get("latest"):
            found = _newest(tagged)
            fallback = selector.get("fallbackTag")
            if not found and fallback:
                return _newest(c for c in pool if str(fallback) in c.tags), (
                    f"latest version{of} tagged {fallback!r} (fallback)"
                )
            return found, f"latest version{of} tagged {tag!r}"
        return tagged, f"every version{of} tagged {tag!r}"
    if selector.get("latest"):
        return _newest(pool), f"latest version{of}"
    if consumer:
        return _newest(pool), f"latest version of {consumer}"
    raise InvalidInput(
        f"the consumer version selector {dict(selector)!r} selects nothing",
        where="consumerVersionSelectors",
        hint="use mainBranch, branch, matchingBranch, deployedOrReleased, latest or tag",
    )


#: The selectors a provider build gets when it names none (the Pact Broker's default).
DEFAULT_SELECTORS: list[dict[str, Any]] = [{"mainBranch": True}, {"deployedOrReleased": True}]


def select(
    candidates: list[Candidate],
    selectors: Sequence[Mapping[str, Any]],
    *,
    provider_branch: str | None,
    verified: Callable[[str], bool],
    include_pending: bool,
    wip_since: datetime | None = None,
) -> list[Selected]:
    """The pacts to verify, in a stable order (consumer, then newest first).
    ``verified(sha)``: whether a build of the provider has verified that content."""
    chosen: dict[tuple[str, str], Selected] = {}
    for selector in selectors or DEFAULT_SELECTORS:
        found, reason = _pick(selector, candidates, provider_branch)
        for c in found:
            entry = chosen.setdefault((c.consumer, c.sha), Selected(c.consumer, c.sha))
            if c.version not in entry.versions:
                entry.versions.append(c.version)
            if reason not in entry.reasons:
                entry.reasons.append(reason)
            if entry.newest is None or c.order > entry.newest.order:
                entry.newest = c
    for entry in chosen.values():
        entry.pending = include_pending and not verified(entry.sha)
    if wip_since is not None and include_pending:
        by_branch: dict[tuple[str, str], Candidate] = {}
        for c in candidates:
            if c.created_at < wip_since:
                continue
            for branch in c.branches or ("",):
                key = (c.consumer, branch)
                if key not in by_branch or c.order > by_branch[key].order:
                    by_branch[key] = c
        for c in by_branch.values():
            if (c.consumer, c.sha) in chosen or verified(c.sha):
                continue
            entry = Selected(c.consumer, c.sha, [c.version], ["work in progress"], True, True, c)
            chosen[(c.consumer, c.sha)] = entry
    grouped: dict[str, list[Selected]] = defaultdict(list)
    for entry in chosen.values():
        grouped[entry.consumer].append(entry)
    return [
        entry
        for consumer in sorted(grouped)
        for entry in sorted(grouped[consumer], key=lambda e: -(e.newest.order if e.newest else 0))
    ]
