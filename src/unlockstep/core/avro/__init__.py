"""The Avro compatibility engine (Avro's own schema resolution rules).

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.avro._engine import ENGINE, AvroEngine, reading
from unlockstep.core.avro._schema import parse_text

__all__ = ["ENGINE", "AvroEngine", "parse_text", "reading"]
