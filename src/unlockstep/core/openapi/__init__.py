"""The OpenAPI 3.0/3.1 engine (Swagger 2.0 rewritten into its shape) and the AsyncAPI 2/3
engine, with the deprecation rule they share.

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.openapi._asyncapi import ENGINE as ASYNCAPI_ENGINE
from unlockstep.core.openapi._asyncapi import AsyncAPIEngine
from unlockstep.core.openapi._engine import ENGINE, OpenAPIEngine

__all__ = ["ASYNCAPI_ENGINE", "ENGINE", "AsyncAPIEngine", "OpenAPIEngine"]
