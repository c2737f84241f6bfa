"""Which provider contract an expectation is about, when the publisher does not say.

A Pact file names its consumer and provider, never the contract. The rule: the provider's
only contract of the expectation's kind — ``http`` expectations are verified against
OpenAPI contracts, ``event`` expectations against event contracts (AsyncAPI, JSON Schema,
Avro, Protobuf). None or several: a clear error naming the candidates.
"""

from __future__ import annotations

from collections.abc import Iterable

from unlockstep.errors import InvalidInput

#: contract kinds (engine kinds) an expectation of each kind can be about
KINDS = {
    "http": ("openapi",),
    "event": ("asyncapi", "jsonschema", "avro", "protobuf"),
}
_LABEL = {"http": "HTTP (OpenAPI)", "event": "event (AsyncAPI, JSON Schema, Avro, Protobuf)"}


def choose_contract(
    expectation_kind: str, provider: str, contracts: Iterable[tuple[str, str]]
) -> tuple[str, str]:
    """(contract name, why) among the provider's ``(name, kind)`` contracts."""
    contracts = list(contracts)
    label = _LABEL.get(expectation_kind, expectation_kind)
    fitting = [name for name, kind in contracts if kind in KINDS.get(expectation_kind, ())]
    if len(fitting) == 1:
        return fitting[0], f"the only {label} contract {provider} has published"
    if not fitting:
        others = ", ".join(f"{n} ({k})" for n, k in contracts) or "none"
        raise InvalidInput(
            f"{provider} has published no {label} contract to verify this expectation "
            f"against (its contracts: {others})",
            where="contract",
            hint=f"publish {provider}'s contract first (`unlockstep contract publish`), or "
            "name it with --contract",
        )
    raise InvalidInput(
        f"{provider} has {len(fitting)} {label} contracts: {', '.join(fitting)}; say which "
        "one this expectation is about",
        where="contract",
        hint=f"pass --contract (one of {', '.join(fitting)})",
    )


#: The contract a Pact published through the Pact Broker API is kept under when its provider
#: has published no contract of its kind.
PACT_ONLY = "pact"


def pact_contract(
    expectation_kind: str, provider: str, contracts: Iterable[tuple[str, str]]
) -> tuple[str, str]:
    """(contract name, why) for a Pact published through the Pact Broker API, whose clients
    cannot be asked (``docs/pact-broker.md``). Among the provider's contracts of the Pact's
    kind: exactly one, that one; several, the one named after the provider, else the first by
    name; none (the plain Pact way), :data:`PACT_ONLY`, verified only by the results the
    provider's Pact verification publishes."""
    fitting = sorted(name for name, kind in contracts if kind in KINDS.get(expectation_kind, ()))
    label = _LABEL.get(expectation_kind, expectation_kind)
    if len(fitting) == 1:
        return fitting[0], f"the only {label} contract {provider} has published"
    if fitting:
        chosen = provider if provider in fitting else fitting[0]
        rule = "the one named after the provider" if chosen == provider else "the first by name"
        return chosen, f"{provider} has {len(fitting)} {label} contracts: {rule}"
    return PACT_ONLY, (
        f"{provider} has published no {label} contract to unlockstep: the pact is verified "
        "by the results its Pact verification publishes"
    )
