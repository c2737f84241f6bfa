"""Rollouts: start one, list them, show one with every analysis, and the people's actions
(promote, pause, resume, abort); analysis runs by id. Each handler translates between the
wire (``server/wire_rollouts.py``) and one use case of ``services/rollouts.py``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request

from unlockstep.core.analysis import instantiate, parse_template
from unlockstep.server.deps import PrincipalDep, SettingsDep, StoreDep
from unlockstep.server.wire import Page, errors
from unlockstep.server.wire_rollouts import (
    ActionIn,
    AnalysisIn,
    AnalysisRunOut,
    RolloutIn,
    RolloutOut,
)
from unlockstep.services import analysis, rollouts
from unlockstep.services.analysis_providers import Context

router = APIRouter(tags=["rollouts"])


def _wake(request: Request) -> None:
    # a change a person made: let the controller act on it now rather than at its next tick
    request.app.state.worker.wake()


@router.post(
    "/rollouts", status_code=201, response_model=RolloutOut, responses=errors(401, 404, 409)
)
def start(
    body: RolloutIn, request: Request, store: StoreDep, principal: PrincipalDep
) -> RolloutOut:
    """Start a rollout: the first stage is exposed at once and its analysis begins."""
    started = rollouts.start(store, principal, body.rollout)
    _wake(request)
    return RolloutOut.model_validate(started)


@router.get("/rollouts", response_model=Page[RolloutOut], responses=errors())
def list_rollouts(
    store: StoreDep, active: bool | None = None, flag: str | None = None
) -> Page[RolloutOut]:
    """Rollouts, newest first (``active=true``: running, waiting or paused)."""
    items = [
        RolloutOut.model_validate(r)
        for r in rollouts.list_rollouts(store, active=active, flag=flag)
    ]
    return Page[RolloutOut](items=items, total=len(items))


@router.get("/rollouts/{rollout_id}", response_model=RolloutOut, responses=errors(404))
def show(rollout_id: int, store: StoreDep) -> RolloutOut:
    """One rollout: its stages, where it stands, what it waits for, every analysis."""
    return RolloutOut.model_validate(rollouts.show(store, rollout_id))


Verb = Literal["promote", "pause", "resume", "abort"]
_ACTIONS = {
    "promote": rollouts.promote,
    "pause": rollouts.pause,
    "resume": rollouts.resume,
    "abort": rollouts.abort,
}


@router.post(
    "/rollouts/{rollout_id}/{verb}",
    response_model=RolloutOut,
    responses=errors(401, 404, 409),
)
def act(
    rollout_id: int, verb: Verb, body: ActionIn, request: Request, store: StoreDep,
    principal: PrincipalDep,
) -> RolloutOut:  # fmt: skip
    """``promote`` (approve a waiting stage, or go on now), ``pause``, ``resume`` (analyse
    the current stage again) or ``abort`` (the safe variant for everyone, at once)."""
    done = _ACTIONS[verb](store, principal, rollout_id, body.reason)
    _wake(request)
    return RolloutOut.model_validate(done)


@router.post(
    "/analysis-runs", status_code=201, response_model=AnalysisRunOut, responses=errors(401)
)
def run_analysis(
    body: AnalysisIn, store: StoreDep, principal: PrincipalDep, settings: SettingsDep
) -> AnalysisRunOut:
    """Run an analysis once, here, to its end (the request waits, at most 10 minutes of
    checks), and store it with every measurement; audited."""
    template = parse_template(body.analysis, "analysis")
    with store.session() as session:
        found = rollouts.consumers_of(session, body.contract) if body.contract else []
    template = instantiate(template, body.args, [*body.consumers, *found])
    context = Context(store=store, prometheus_url=settings.prometheus_url or None)
    return AnalysisRunOut.model_validate(
        analysis.run_and_record(store, principal, template, context)
    )


@router.get("/analysis-runs/{run_id}", response_model=AnalysisRunOut, responses=errors(404))
def show_run(run_id: int, store: StoreDep) -> AnalysisRunOut:
    """One analysis run with every measurement and the decision."""
    return AnalysisRunOut.model_validate(analysis.show_run(store, run_id))
