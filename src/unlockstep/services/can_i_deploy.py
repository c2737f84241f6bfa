"""can-i-deploy: gather each subject's integrations and their evidence from the store (a
handful of indexed queries per subject), then decide in ``core.contracts.decide``. The
answer (yes / no / unknown) is a returned value, never an exception."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from unlockstep.core import contracts as core
from unlockstep.store.can_i_deploy import gather


@dataclass(frozen=True)
class Asked:
    """The decision and the service versions it was asked about."""

    decision: core.Decision
    subjects: list[tuple[str, str]]


def can_i_deploy(session: Session, wanted: list[tuple[str, str]], environment: str) -> Asked:
    decision = core.decide(gather(session, wanted, environment), environment)
    return Asked(decision, list(wanted))
