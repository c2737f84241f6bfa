"""The Pact Broker's vocabulary over the registry: stable UUIDs for environments and
deployed/released versions, and which pacts a provider build verifies (consumer version
selectors, pending and WIP pacts). Other packages import from here."""

from __future__ import annotations

from unlockstep.core.broker._handles import Kind, handle, row_id
from unlockstep.core.broker._selectors import DEFAULT_SELECTORS, Candidate, Selected, select

__all__ = ["DEFAULT_SELECTORS", "Candidate", "Kind", "Selected", "handle", "row_id", "select"]
