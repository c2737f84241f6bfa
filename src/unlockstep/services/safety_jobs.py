"""The safety nets' background jobs (``services/worker.py`` runs each in one server process
at a time): invariants whose schedule is due, reconciliations whose schedule is due, and
webhook deliveries of their state changes. Each job's progress is in its tables
(``next_run_at``, the notification outbox), so a restarted server resumes where it stopped."""

from __future__ import annotations

from datetime import datetime

from unlockstep.services.worker import Job
from unlockstep.store import Store


def _invariants(store: Store, now: datetime) -> None:
    from unlockstep.services import invariants
    from unlockstep.settings import Settings

    invariants.run_due(store, now, policy=Settings().source_policy)


def _reconciliations(store: Store, now: datetime) -> None:
    from unlockstep.services import reconciliation
    from unlockstep.settings import Settings

    reconciliation.run_due(store, now, policy=Settings().source_policy)


def _notifications(store: Store, now: datetime) -> None:
    from unlockstep.services import notifications
    from unlockstep.settings import Settings

    settings = Settings()
    secret = settings.safety_webhook_secret
    notifications.deliver_due(
        store,
        now,
        settings.safety_webhook_url,
        secret.get_secret_value() if secret else None,
    )


def jobs() -> list[Job]:
    return [
        Job("invariants", 15.0, _invariants),
        Job("reconciliations", 60.0, _reconciliations),
        Job("safety-notifications", 10.0, _notifications),
    ]
