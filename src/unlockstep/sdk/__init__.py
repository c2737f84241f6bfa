"""What runs inside users' services: the OpenFeature provider with local evaluation,
evaluation counters, and usage counters with ASGI/WSGI middleware. Imports neither
``unlockstep.server`` nor ``unlockstep.store``."""

from unlockstep.sdk.counters import EvaluationCounter
from unlockstep.sdk.provider import UnlockstepProvider
from unlockstep.sdk.usage import Deprecated, UsageMiddleware, UsageRecorder, WsgiUsageMiddleware

__all__ = [
    "Deprecated",
    "EvaluationCounter",
    "UnlockstepProvider",
    "UsageMiddleware",
    "UsageRecorder",
    "WsgiUsageMiddleware",
]
