"""What runs inside users' services: the OpenFeature provider with local evaluation,
evaluation counters and the dark-launch helper. Imports neither ``unlockstep.server`` nor
``unlockstep.store``."""

from unlockstep.sdk.counters import EvaluationCounter
from unlockstep.sdk.dark_launch import DarkLaunch
from unlockstep.sdk.provider import UnlockstepProvider

__all__ = ["DarkLaunch", "EvaluationCounter", "UnlockstepProvider"]
