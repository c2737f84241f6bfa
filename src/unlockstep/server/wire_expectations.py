"""The wire of expectations, verifications, can-i-deploy, the matrix, consumers and impact
(camelCase, :class:`~unlockstep.server.wire.Wire` models the CLI reads too)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from unlockstep.server.wire import Wire
from unlockstep.server.wire_contracts import Problem

Answer = Literal["yes", "no", "unknown"]


# -- publishing and verifying --------------------------------------------------------------


class ExpectationIn(Wire):
    consumer: str | None = Field(
        None, description="the consuming service; a Pact file names it (registered if new)"
    )
    version: str = Field(description="the consumer's version")
    provider: str | None = Field(None, description="the providing service; a Pact file names it")
    contract: str | None = Field(
        None,
        description="the provider's contract; when absent, the provider's only contract of "
        "the expectation's kind (http: OpenAPI; event: AsyncAPI, JSON Schema, Avro, Protobuf)",
    )
    document: dict[str, Any] = Field(description="the YAML expectation or a Pact file, as JSON")


class VerificationResult(Wire):
    """A static verification of an expectation against one provider version's document."""

    provider_version: str
    status: Literal["verified", "failed"]
    checked: int = Field(description="elements of the expectation checked")
    problems: list[Problem]


class ExpectationPublished(Wire):
    consumer: str
    version: str
    provider: str
    contract: str
    contract_chosen_by: str | None = Field(
        None, description="why this contract, when the request did not name it"
    )
    consumer_registered: bool = Field(
        False, description="the consumer was not registered and has been now"
    )
    outcome: Literal["created", "updated", "unchanged"]
    expectation: dict[str, Any] = Field(description="the expectation in its normalised form")
    verifications: list[VerificationResult]


class VerificationIn(Wire):
    consumer: str
    consumer_version: str
    provider: str
    provider_version: str
    contract: str
    success: bool
    source: str = Field("provider-test", description="who verified, e.g. provider-test")
    build_url: str | None = None


class VerificationRecorded(Wire):
    consumer: str
    consumer_version: str
    provider: str
    provider_version: str
    contract: str
    status: Literal["verified", "failed"]
    source: str
    build_url: str | None = None
    verified_at: str = Field(description="ISO 8601")


# -- can-i-deploy --------------------------------------------------------------------------


class DecisionEvidence(Wire):
    status: str
    source: str
    verified_at: str | None = None
    build_url: str | None = None
    problems: list[Problem] = Field(default_factory=list)


class PairOutcome(Wire):
    version: str
    why: str
    outcome: Answer
    reason: str
    evidence: list[DecisionEvidence]


class IntegrationOutcome(Wire):
    service: str
    version: str
    role: Literal["consumer", "provider"]
    consumer: str
    provider: str
    contract: str
    counterpart: str
    outcome: Answer
    versions: list[PairOutcome]
    missing: list[str]
    next_action: str | None = None


class DeploySubject(Wire):
    service: str
    version: str


class Gate(Wire):
    """A condition beside the integrations: a hidden dependency, the release calendar, a
    policy. ``outcome`` is what it does to the answer (``yes`` only informs)."""

    kind: Literal["hidden-dependency", "calendar", "policy"]
    outcome: Answer
    subject: str
    message: str
    fix: str
    rule: str | None = None


class Decision(Wire):
    """yes / no / unknown, with the evidence for every integration."""

    answer: Answer
    deployable: bool
    environment: str
    summary: dict[str, int]
    integrations: list[IntegrationOutcome]
    notes: list[str]
    gates: list[Gate] = Field(default_factory=list)
    subjects: list[DeploySubject]


# -- registry questions --------------------------------------------------------------------


class MatrixRow(Wire):
    consumer: str
    consumer_version: str
    provider: str
    provider_version: str
    contract: str
    status: Literal["verified", "failed"]
    source: str
    build_url: str | None = None
    verified_at: str = Field(description="ISO 8601")
    problems: list[Problem] = Field(description="the failing elements")


class DeprecatedUse(Wire):
    element: str
    field: str | None = None
    sunset: str | None = None


class ConsumerVersion(Wire):
    version: str
    reader: str
    source: str
    live: list[str]
    verified_against: list[str]
    failed_against: list[str]
    uses_deprecated_fields: bool
    deprecated_uses: list[DeprecatedUse]
    migration_due: str | None = None


class Consumer(Wire):
    service: str
    owner: str | None = None
    versions: list[ConsumerVersion]


class ContractConsumers(Wire):
    contract: str
    current_version: str | None = None
    consumers: list[Consumer]


class Consumers(Wire):
    provider: str
    contracts: list[ContractConsumers]


class ImpactIn(Wire):
    provider: str
    contract: str
    document: dict[str, Any]
    against: str | None = Field(None, description="provider version to compare with")


class ImpactConsumer(Wire):
    consumer: str
    version: str
    owner: str | None = None
    reader: str
    live: list[str]
    problems: list[Problem] = Field(default_factory=list)


class RemovedElement(Wire):
    element: str
    field: str | None = None
    read_by: list[str]
    safe_to_remove: bool


class Impact(Wire):
    provider: str
    contract: str
    compared_with: str | None = None
    answer: Literal["breaks consumers", "no consumer affected"]
    consumers_considered: int
    affected: list[ImpactConsumer]
    unaffected: list[ImpactConsumer]
    removed: list[RemovedElement]
    evidence: str
