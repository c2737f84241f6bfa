"""The can-i-deploy decision: plain values in, a decision value out.

For each subject (a service version about to go to an environment) the adapter gathers its
integrations in both roles:

- as **consumer**: for each provider contract its version expects, every provider version
  live in the environment (deployed or released) — or the version deploying together with it;
- as **provider**: for each consumer version live in the environment that expects one of its
  contracts — every live one, not only the latest, since released versions coexist.

Each pair carries the evidence found (a stored verification, static or reported) or none.
The answer is ``no`` if any pair failed, ``unknown`` if any pair lacks evidence, else
``yes``. First deploys are answered, not refused:

- a provider nobody in the environment consumes yet: ``yes`` (nothing can break);
- a consumer with no published expectations: ``yes``, with a note to publish them;
- a consumer whose provider is not live in the environment (new environment, provider not
  yet there): ``unknown``, next action: deploy the provider first or together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

YES = "yes"
NO = "no"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Evidence:
    status: str  # verified | failed
    source: str  # static | a reported source (e.g. provider-test)
    verified_at: str | None = None
    build_url: str | None = None
    problems: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "source": self.source}
        if self.verified_at:
            out["verified_at"] = self.verified_at
        if self.build_url:
            out["build_url"] = self.build_url
        if self.problems:
            out["problems"] = list(self.problems)
        return out


@dataclass(frozen=True)
class Counterpart:
    """One counterpart version considered, why, and the evidence for the pair."""

    version: str
    why: str  # "deployed in production", "released in production", "deploying together"
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Integration:
    role: str  # consumer | provider: the subject's role
    consumer: str
    provider: str
    contract: str
    counterparts: tuple[Counterpart, ...] = ()
    subject_has_contract: bool = True  # provider role: did the subject publish this contract?


@dataclass(frozen=True)
class Subject:
    service: str
    version: str
    integrations: tuple[Integration, ...] = ()
    has_expectations: bool = True


@dataclass(frozen=True)
class PairOutcome:
    counterpart: Counterpart
    outcome: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.counterpart.version,
            "why": self.counterpart.why,
            "outcome": self.outcome,
            "reason": self.reason,
            "evidence": [e.to_dict() for e in self.counterpart.evidence],
        }


@dataclass(frozen=True)
class IntegrationResult:
    subject: Subject
    integration: Integration
    outcome: str
    pairs: tuple[PairOutcome, ...]
    missing: tuple[str, ...]
    next_action: str | None

    def to_dict(self) -> dict[str, Any]:
        i = self.integration
        counterpart = i.provider if i.role == "consumer" else i.consumer
        return {
            "service": self.subject.service,
            "version": self.subject.version,
            "role": i.role,
            "consumer": i.consumer,
            "provider": i.provider,
            "contract": i.contract,
            "counterpart": counterpart,
            "outcome": self.outcome,
            "versions": [p.to_dict() for p in self.pairs],
            "missing": list(self.missing),
            "next_action": self.next_action,
        }


@dataclass(frozen=True)
class Gate:
    """A condition beside the integrations that can hold a deploy back: a consumer the
    registry knows of without evidence (``hidden-dependency``), the release calendar
    (``calendar``), a policy (``policy``). ``outcome`` is what it does to the answer."""

    kind: str
    outcome: str  # yes (informational) | unknown | no
    subject: str  # "decision-service 9.9.9"
    message: str
    fix: str = ""
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "outcome": self.outcome,
            "subject": self.subject,
            "message": self.message,
            "fix": self.fix,
            "rule": self.rule,
        }


@dataclass(frozen=True)
class Decision:
    answer: str
    environment: str
    integrations: tuple[IntegrationResult, ...]
    notes: tuple[str, ...] = field(default=())
    gates: tuple[Gate, ...] = field(default=())

    def gated(self, gates: list[Gate]) -> Decision:
        """This decision with ``gates`` added: a ``no`` gate makes it no, an ``unknown`` gate
        makes a yes unknown; a ``yes`` gate only informs."""
        if not gates:
            return self
        outcomes = {g.outcome for g in gates}
        answer = self.answer
        if NO in outcomes:
            answer = NO
        elif UNKNOWN in outcomes and answer == YES:
            answer = UNKNOWN
        return Decision(
            answer, self.environment, self.integrations, self.notes, (*self.gates, *gates)
        )

    @property
    def deployable(self) -> bool:
        return self.answer == YES

    def to_dict(self) -> dict[str, Any]:
        counts = {
            a: sum(1 for r in self.integrations if r.outcome == a) for a in (YES, NO, UNKNOWN)
        }
        return {
            "answer": self.answer,
            "deployable": self.deployable,
            "environment": self.environment,
            "summary": counts,
            "integrations": [r.to_dict() for r in self.integrations],
            "notes": list(self.notes),
            "gates": [g.to_dict() for g in self.gates],
        }


def _judge_pair(integration: Integration, cp: Counterpart) -> PairOutcome:
    """Reported evidence outranks static evidence of the same pair only when it is newer;
    any failure among the newest of each source makes the pair fail."""
    if not cp.evidence:
        if integration.role == "provider" and not integration.subject_has_contract:
            reason = "no contract published by this version, so nothing was verified"
        else:
            reason = "no verification result for this pair yet"
        return PairOutcome(cp, UNKNOWN, reason)
    failed = [e for e in cp.evidence if e.status == "failed"]
    if failed:
        first = failed[0]
        detail = "; ".join(
            f"{p.get('element')} {p.get('field') or ''}: {p.get('reason')}".replace("  ", " ")
            for p in first.problems[:3]
        )
        return PairOutcome(cp, NO, f"failed ({first.source})" + (f": {detail}" if detail else ""))
    sources = ", ".join(sorted({e.source for e in cp.evidence}))
    return PairOutcome(cp, YES, f"verified ({sources})")


def _judge(subject: Subject, integration: Integration, environment: str) -> IntegrationResult:
    pairs = tuple(_judge_pair(integration, cp) for cp in integration.counterparts)
    missing: list[str] = []
    next_action: str | None = None
    if integration.role == "consumer":
        who = f"{integration.provider} ({integration.contract})"
        if not pairs:
            missing.append(f"{integration.provider} is not live in {environment}")
            next_action = (
                f"deploy {integration.provider} to {environment} first (provider first), or "
                f"check both together: can-i-deploy --service {subject.service} --version "
                f"{subject.version} --service {integration.provider} --version <version>"
            )
            return IntegrationResult(
                subject, integration, UNKNOWN, pairs, tuple(missing), next_action
            )
    else:
        who = f"{integration.consumer} ({integration.contract})"
    outcomes = {p.outcome for p in pairs}
    outcome = NO if NO in outcomes else UNKNOWN if UNKNOWN in outcomes else YES
    for p in pairs:
        if p.outcome == UNKNOWN:
            c, pv = (
                (
                    f"{subject.service} {subject.version}",
                    f"{integration.provider} {p.counterpart.version}",
                )
                if integration.role == "consumer"
                else (
                    f"{integration.consumer} {p.counterpart.version}",
                    f"{subject.service} {subject.version}",
                )
            )
            missing.append(f"verification of {c} against {pv}")
    if outcome == UNKNOWN:
        if integration.role == "provider" and not integration.subject_has_contract:
            next_action = (
                f"publish contract {integration.contract} for {subject.service} "
                f"{subject.version}; it is verified against {who} on publish"
            )
        else:
            next_action = (
                "publish the missing contract or expectation (verification runs on publish), "
                "or report a provider test result; --retry-while-unknown waits for it"
            )
    elif outcome == NO:
        if integration.role == "provider":
            next_action = (
                f"keep what {who} reads (expand first, contract later), or wait until the "
                f"failing {integration.consumer} versions leave {environment}"
            )
        else:
            next_action = (
                f"change {subject.service} to read only what {who} provides, or deploy a "
                f"{integration.provider} version that provides it first"
            )
    return IntegrationResult(subject, integration, outcome, pairs, tuple(missing), next_action)


def decide(subjects: list[Subject], environment: str) -> Decision:
    results: list[IntegrationResult] = []
    notes: list[str] = []
    for subject in subjects:
        provides = [i for i in subject.integrations if i.role == "provider"]
        if not subject.has_expectations:
            notes.append(
                f"{subject.service} {subject.version} has published no expectations: nothing "
                "it consumes can be checked (publish them to be protected)"
            )
        if not provides:
            notes.append(
                f"no consumer live in {environment} expects anything of "
                f"{subject.service}: nothing there can break"
            )
        for integration in sorted(
            subject.integrations, key=lambda i: (i.role, i.consumer, i.provider, i.contract)
        ):
            results.append(_judge(subject, integration, environment))
    answers = {r.outcome for r in results}
    answer = NO if NO in answers else UNKNOWN if UNKNOWN in answers else YES
    return Decision(answer, environment, tuple(results), tuple(notes))
