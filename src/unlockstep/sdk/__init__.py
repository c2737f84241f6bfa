"""What runs inside users' services: the OpenFeature provider with local evaluation,
evaluation counters, usage counters with ASGI/WSGI middleware, and the dark-launch helper.
Imports neither ``unlockstep.server`` nor ``unlockstep.store``."""

from unlockstep.sdk.counters import EvaluationCounter
from unlockstep.sdk.dark_launch import DarkLaunch
from unlockstep.sdk.provider import UnlockstepProvider
from unlockstep.sdk.usage import Deprecated, UsageMiddleware, UsageRecorder, WsgiUsageMiddleware

__all__ = [
    "DarkLaunch",
    "Deprecated",
    "EvaluationCounter",
    "UnlockstepProvider",
    "UsageMiddleware",
    "UsageRecorder",
    "WsgiUsageMiddleware",
]
