"""The Pact Broker's vocabulary over the registry: stable UUIDs for environments and
deployed/released versions. Other packages import from here."""

from __future__ import annotations

from unlockstep.core.broker._handles import Kind, handle, row_id

__all__ = ["Kind", "handle", "row_id"]
