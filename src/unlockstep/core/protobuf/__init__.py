"""The Protobuf compatibility engine (wire and source compatibility, as buf judges them),
and serialized descriptors read back as ``.proto`` text.

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.protobuf._descriptor import from_serialized, looks_serialized
from unlockstep.core.protobuf._engine import ENGINE, ProtobufEngine
from unlockstep.core.protobuf._parser import parse_text
from unlockstep.core.protobuf._reading import UnknownMessage, read_message, reading
from unlockstep.core.protobuf._rules import Category

__all__ = [
    "ENGINE",
    "Category",
    "ProtobufEngine",
    "UnknownMessage",
    "from_serialized",
    "looks_serialized",
    "parse_text",
    "read_message",
    "reading",
]
