"""The Pact Broker's vocabulary over the registry: stable UUIDs for environments and
deployed/released versions, which pacts a provider build verifies (consumer version
selectors, pending and WIP pacts), the pacts of a branch, and the provider states pacts name.
Other packages import from here."""

from __future__ import annotations

from unlockstep.core.broker._handles import Kind, handle, row_id
from unlockstep.core.broker._selectors import (
    DEFAULT_SELECTORS,
    Candidate,
    Selected,
    live_in,
    on_branch,
    select,
)
from unlockstep.core.broker._states import ProviderState, provider_states

__all__ = [
    "DEFAULT_SELECTORS",
    "Candidate",
    "Kind",
    "ProviderState",
    "Selected",
    "handle",
    "live_in",
    "on_branch",
    "provider_states",
    "row_id",
    "select",
]
