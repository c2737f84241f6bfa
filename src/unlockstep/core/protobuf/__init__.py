"""The Protobuf compatibility engine (wire and source compatibility, as buf judges them).

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.protobuf._engine import ENGINE, ProtobufEngine
from unlockstep.core.protobuf._parser import parse_text

__all__ = ["ENGINE", "ProtobufEngine", "parse_text"]
