"""The authority map of a strangler migration: for each business concept, which system is
its source of truth — the one that writes it — in each phase. Two writers of one concept in
one phase is the legacy source-of-truth ambiguity the seed warns about (which one wins when
they disagree?); a strangler phase with no writer leaves the concept unowned.
"""

from __future__ import annotations

from collections import defaultdict

from unlockstep.core.plans._plan import Plan

#: The phases every concept of a strangler migration passes through.
STRANGLER = ("expand", "migrate", "contract")


def check(plan: Plan) -> list[str]:
    """Every violation of "exactly one system writes each concept in each phase"."""
    problems: list[str] = []
    phases: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)
    for entry in plan.authority:
        phases[entry.concept][entry.phase] = entry.writers
        where = f" (line {entry.line})" if entry.line else ""
        if len(entry.writers) > 1:
            problems.append(
                f"authority: {', '.join(entry.writers)} all write {entry.concept} in phase "
                f"{entry.phase}{where}; exactly one system may be its source of truth (let the "
                "other one mirror it, or split the phase)"
            )
        elif not entry.writers:
            problems.append(f"authority: no system writes {entry.concept} in phase {entry.phase}")
    for concept, named in phases.items():
        missing = [phase for phase in STRANGLER if phase not in named]
        if missing:
            problems.append(
                f"authority: no source of truth for {concept} in phase {', '.join(missing)}"
            )
    return problems


def to_dict(plan: Plan) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for entry in plan.authority:
        out[entry.concept][entry.phase] = list(entry.writers)
    return dict(out)
