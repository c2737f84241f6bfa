"""What a rollout does next, as a pure decision of its stage and its analysis.

Statuses: ``running`` (the current stage is exposed and its analysis runs), ``waiting`` (the
analysis passed and the stage asks for a person's approval), ``paused`` (a person paused it,
or the analysis was inconclusive: nobody could tell, so nothing moves until a person looks),
``aborted`` (the safe variant is served), ``completed`` (the last stage passed).

==================  ==========================  ==================================
analysis            stage                       next
==================  ==========================  ==================================
running             any                         keep measuring
pass                asks for approval           ``waiting``
pass                last                        ``completed``
pass                otherwise                   promote to the next stage
fail                any                         abort
inconclusive        any                         ``paused`` (never promoted)
==================  ==========================  ==================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from unlockstep.core.analysis import Status

RolloutStatus = Literal["running", "waiting", "paused", "aborted", "completed"]
ACTIVE: tuple[RolloutStatus, ...] = ("running", "waiting", "paused")
Action = Literal["measure", "promote", "wait", "complete", "abort", "pause"]


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reason: str


def decide(analysis: Status, *, approval: bool, last: bool, stage: str) -> Decision:
    if analysis == "running":
        return Decision("measure", f"analysis of stage {stage!r} is running")
    if analysis == "fail":
        return Decision("abort", f"analysis of stage {stage!r} failed")
    if analysis == "inconclusive":
        return Decision(
            "pause",
            f"analysis of stage {stage!r} was inconclusive; a person must decide "
            "(resume to analyse again, promote, or abort)",
        )
    if approval:
        return Decision("wait", f"stage {stage!r} passed its analysis and waits for approval")
    if last:
        return Decision("complete", f"the last stage {stage!r} passed its analysis")
    return Decision("promote", f"stage {stage!r} passed its analysis")
