"""What runs inside users' services: the OpenFeature provider with local evaluation and
evaluation counters. Imports neither ``unlockstep.server`` nor ``unlockstep.store``."""

from unlockstep.sdk.counters import EvaluationCounter
from unlockstep.sdk.provider import UnlockstepProvider

__all__ = ["EvaluationCounter", "UnlockstepProvider"]
