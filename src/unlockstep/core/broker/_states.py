"""Provider states named in Pact files, gathered across the consumers of one provider: what
``pact-broker provider-states list`` shows a provider team (each state once, with the
consumers that need it and its parameters).

A V2 interaction names one state (``providerState``); V3 and V4 interactions name several
(``providerStates``, each ``{name, params}``). Asynchronous V3 messages keep theirs under
``messages``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProviderState:
    name: str
    params: dict[str, Any] | None
    consumers: tuple[str, ...]


def _states_of(interaction: Mapping[str, Any]) -> list[tuple[str, dict[str, Any] | None]]:
    found: list[tuple[str, dict[str, Any] | None]] = []
    single = interaction.get("providerState")
    if isinstance(single, str) and single:
        found.append((single, None))
    for state in interaction.get("providerStates") or []:
        if isinstance(state, Mapping) and isinstance(state.get("name"), str):
            params = state.get("params")
            found.append((state["name"], dict(params) if isinstance(params, Mapping) else None))
    return found


def provider_states(pacts: Iterable[tuple[str, Mapping[str, Any]]]) -> list[ProviderState]:
    """The states the ``(consumer, pact content)`` pairs name, each (name, parameters) once,
    sorted by name, with the consumers naming it."""
    consumers: dict[tuple[str, str], set[str]] = {}
    params_of: dict[tuple[str, str], dict[str, Any] | None] = {}
    for consumer, content in pacts:
        interactions = [*(content.get("interactions") or []), *(content.get("messages") or [])]
        for interaction in interactions:
            if not isinstance(interaction, Mapping):
                continue
            for name, params in _states_of(interaction):
                key = (name, json.dumps(params, sort_keys=True))
                consumers.setdefault(key, set()).add(consumer)
                params_of[key] = params
    return [
        ProviderState(name, params_of[(name, p)], tuple(sorted(consumers[(name, p)])))
        for name, p in sorted(consumers)
    ]
