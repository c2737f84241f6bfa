"""Every feature's periodic jobs, as the server's :class:`~unlockstep.services.worker.Worker`
runs them. A feature adds its jobs here (the worker itself knows no feature)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unlockstep.services.worker import Job

if TYPE_CHECKING:
    from unlockstep.settings import Settings


def jobs(settings: Settings) -> list[Job]:
    from unlockstep.services import rollout_controller, safety_jobs, usage, webhooks

    return [
        Job("rollouts", every=rollout_controller.TICK_SECONDS, run=rollout_controller.run_job),
        *safety_jobs.jobs(),
        Job("webhook-deliveries", webhooks.EVERY, webhooks.run_job),
        *usage.jobs(settings),
    ]
