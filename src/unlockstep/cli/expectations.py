"""Commands for consumer expectations and the deploy gate.

``expectation publish``/``verify``, ``verification record``, ``impact``,
``consumers``, ``matrix`` and ``can-i-deploy``. Exit codes: 0 ok (can-i-deploy: only for
"yes"), 1 check failed (not deployable, unknown, a consumer broken by the proposed
contract, an offline verification failed), 2 bad input, 3 configuration or connection.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from unlockstep.cli import context
from unlockstep.cli.output import emit, format_option, table, warn
from unlockstep.core import contracts as verification
from unlockstep.core.contracts import read_any
from unlockstep.errors import InvalidInput
from unlockstep.files import read_mapping

if TYPE_CHECKING:
    from unlockstep.server.wire_expectations import Decision


def read_document(path: Path) -> Any:
    """A YAML or JSON file as a value (read and loaded with every defence); a syntax error
    names the file and line."""
    return read_mapping(path, "expected a mapping at the top of the file")


FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _problems_text(problems: list[dict[str, Any]], indent: str = "    ") -> list[str]:
    return [
        f"{indent}{p['element']}"
        + (f" {p['field']}" if p.get("field") else "")
        + f": {p['reason']}"
        + (" (warning)" if p.get("level") == "warning" else "")
        for p in problems
    ]


@click.group("expectation")
def expectation() -> None:
    """What a consumer version uses of a provider's contract."""


@expectation.command("publish")
@click.option("--consumer", help="the consuming service (default: the Pact file's consumer)")
@click.option("--version", "version", required=True, help="the consumer's version")
@click.option("--provider", help="the providing service (default: the Pact file's provider)")
@click.option(
    "--contract",
    help="the provider's contract name (default: the provider's only contract of the "
    "expectation's kind: OpenAPI for http, an event contract for event)",
)
@click.argument("file", type=FILE)
@format_option()
def expectation_publish(
    consumer: str | None,
    version: str,
    provider: str | None,
    contract: str | None,
    file: Path,
    fmt: str,
) -> None:
    """Publish FILE (the YAML expectation format, or a Pact v2/v3/v4 JSON file); it is
    verified at once against every stored version of the provider's contract. A Pact file
    names its consumer (registered if new) and provider; the contract, when not given, is
    the provider's only contract of the expectation's kind."""
    from unlockstep.server.wire_expectations import ExpectationPublished

    document = read_document(file)
    _, names = read_any(document, str(file))  # fail early, offline, with the file name
    for role, given in (("consumer", consumer), ("provider", provider)):
        if not (given or names[role]):
            raise InvalidInput(
                f"name the {role}: {file} does not", where=f"--{role}", hint=f"pass --{role}"
            )
    data = context.client().post(
        "/api/v1/expectations",
        {
            "consumer": consumer,
            "version": version,
            "provider": provider,
            "contract": contract,
            "document": document,
        },
    )
    published = ExpectationPublished.model_validate(data)

    def text(d: ExpectationPublished) -> str:
        lines = [
            f"{d.consumer} {d.version} → {d.provider} {d.contract}: {d.outcome} "
            f"({d.expectation['source']}, {d.expectation['reader']} reader)"
        ]
        if d.consumer_registered:
            lines.append(f"  registered {d.consumer} as a new service (no owner yet)")
        if d.contract_chosen_by:
            lines.append(f"  contract {d.contract}: {d.contract_chosen_by}")
        for v in d.verifications:
            lines.append(f"  against {d.provider} {v.provider_version}: {v.status}")
            lines += _problems_text(
                [p.model_dump(mode="json") for p in v.problems if p.level == "error"]
            )
        if not d.verifications:
            lines.append(f"  {d.provider} has published no {d.contract} yet: verified then")
        return "\n".join(lines)

    emit(fmt, published.model_dump(mode="json"), lambda _: text(published))


@expectation.command("verify")
@click.argument("file", type=FILE)
@click.argument("contract_file", type=FILE)
@format_option()
def expectation_verify(file: Path, contract_file: Path, fmt: str) -> None:
    """Offline: verify the expectation in FILE against the provider document CONTRACT_FILE
    (OpenAPI, AsyncAPI or a payload JSON Schema). Exit 1 when it fails."""
    parsed, _ = read_any(read_document(file), str(file))
    document = read_document(contract_file)
    reason = verification.unverifiable(parsed, document)
    if reason:
        raise InvalidInput(f"cannot verify statically: {reason}", where=str(contract_file))
    result = verification.verify(parsed, document)

    def text(d: dict[str, Any]) -> str:
        failing = sum(1 for p in d["problems"] if p["level"] == "error")
        counted = (
            f"{failing} problem(s) in {d['checked']} elements checked"
            if failing
            else f"{d['checked']} elements checked"
        )
        lines = [f"{file} against {contract_file}: {d['status']} ({counted})"]
        return "\n".join(lines + _problems_text(d["problems"], "  "))

    emit(fmt, result.to_dict(), text)
    if not result.ok:
        click.get_current_context().exit(1)


@click.group("verification")
def verification_group() -> None:
    """Verification results reported by a provider's own test run."""


@verification_group.command("record")
@click.option("--consumer", required=True)
@click.option("--consumer-version", required=True)
@click.option("--provider", required=True)
@click.option("--provider-version", required=True)
@click.option("--contract", required=True)
@click.option("--success/--failure", required=True, help="did the provider's test pass?")
@click.option("--source", default="provider-test", show_default=True)
@click.option("--build-url", help="link to the run")
@format_option()
def verification_record(fmt: str, **fields: Any) -> None:
    """Report a verification result from a provider's own test run."""
    from unlockstep.server.wire_expectations import VerificationIn, VerificationRecorded

    body = VerificationIn.model_validate(fields).model_dump(mode="json")
    d = VerificationRecorded.model_validate(context.client().post("/api/v1/verifications", body))
    emit(
        fmt,
        d.model_dump(mode="json"),
        lambda _: (
            f"{d.consumer} {d.consumer_version} × {d.provider} "
            f"{d.provider_version} ({d.contract}): {d.status} by {d.source}"
        ),
    )


@click.command("impact")
@click.option("--service", required=True, help="the provider")
@click.option("--name", required=True, help="the contract name")
@click.option("--against", help="compare with this provider version (default: the newest)")
@click.argument("file", type=FILE)
@format_option()
def impact(service: str, name: str, against: str | None, file: Path, fmt: str) -> None:
    """Which consumers a proposed contract FILE breaks, and which removed elements nobody
    reads. Exit 1 when a consumer version breaks."""
    from unlockstep.server.wire_expectations import Impact

    found = Impact.model_validate(
        context.client().post(
            "/api/v1/impact",
            {
                "provider": service,
                "contract": name,
                "document": read_document(file),
                "against": against,
            },
        )
    )

    def text(d: Impact) -> str:
        lines = [
            f"{d.provider} {d.contract} (proposed, compared with "
            f"{d.compared_with or 'nothing stored'}): {d.answer}"
        ]
        for a in d.affected:
            live = ", ".join(a.live) or "not live"
            lines.append(f"  ✗ {a.consumer} {a.version} ({a.owner or 'no owner'}; {live})")
            lines += _problems_text([p.model_dump(mode="json") for p in a.problems], "      ")
        for u in d.unaffected:
            lines.append(f"  ✓ {u.consumer} {u.version}")
        if d.removed:
            lines.append("removed:")
            for r in d.removed:
                what = r.element + (f" {r.field}" if r.field else "")
                who = ", ".join(r.read_by) or "nobody: safe to remove"
                lines.append(f"  {what}: read by {who}")
        lines.append(f"evidence: {d.evidence}")
        return "\n".join(lines)

    emit(fmt, found.model_dump(mode="json"), lambda _: text(found))
    if found.affected:
        click.get_current_context().exit(1)


@click.command("consumers")
@click.option("--service", required=True, help="the provider")
@click.option("--contract", help="only this contract")
@format_option()
def consumers(service: str, contract: str | None, fmt: str) -> None:
    """Who depends on a provider's contracts: owners, versions and where they are live,
    which provider versions each verified against, deprecated fields used, sunset dates."""
    from unlockstep.server.wire_expectations import Consumers

    found = Consumers.model_validate(
        context.client().get(
            context.api_path("services", service, "consumers"), params={"contract": contract}
        )
    )

    def text(d: Consumers) -> str:
        lines: list[str] = []
        for c in d.contracts:
            lines.append(f"{d.provider} {c.contract} (current: {c.current_version})")
            rows = [
                (
                    s.service,
                    s.owner,
                    v.version,
                    ", ".join(v.live) or "-",
                    ", ".join(v.verified_against) or "-",
                    "yes" if v.uses_deprecated_fields else "no",
                    v.migration_due or "-",
                )
                for s in c.consumers
                for v in s.versions
            ]
            headers = [
                "consumer",
                "owner",
                "version",
                "live",
                "verified against",
                "deprecated",
                "due",
            ]
            lines.append(table(rows, headers))
        return "\n".join(lines) or f"no consumer has published expectations of {service}"

    emit(fmt, found.model_dump(mode="json"), lambda _: text(found))


@click.command("matrix")
@click.option("--provider")
@click.option("--consumer")
@click.option("--contract")
@click.option("--status", type=click.Choice(["verified", "failed"]))
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 500))
@click.option("--offset", default=0, type=click.IntRange(0))
@format_option()
def matrix(fmt: str, **filters: Any) -> None:
    """Consumer version × provider version with verification status."""
    from unlockstep.server.wire import Page
    from unlockstep.server.wire_expectations import MatrixRow

    found = Page[MatrixRow].model_validate(context.client().get("/api/v1/matrix", params=filters))

    def text(d: Page[MatrixRow]) -> str:
        rows = [
            (
                r.consumer,
                r.consumer_version,
                r.provider,
                r.provider_version,
                r.contract,
                r.status,
                r.source,
            )
            for r in d.items
        ]
        out = table(
            rows, ["consumer", "version", "provider", "version", "contract", "status", "source"]
        )
        shown = d.offset + len(d.items)
        if shown < d.total:
            out += f"\n({shown} of {d.total}; next page: --offset {shown})"
        return out

    emit(fmt, found.model_dump(mode="json"), lambda _: text(found))


def _decision_text(d: Decision) -> str:
    who = ", ".join(f"{s.service} {s.version}" for s in d.subjects)
    lines = [f"can-i-deploy {who} to {d.environment}: {d.answer.upper()}"]
    marks = {"yes": "✓", "no": "✗", "unknown": "?"}
    for i in d.integrations:
        arrow = f"{i.consumer} → {i.provider}"
        lines.append(f"  {marks[i.outcome]} {arrow} ({i.contract}), as {i.role}")
        for v in i.versions:
            lines.append(f"      {i.counterpart} {v.version} ({v.why}): {v.reason}")
        for m in i.missing:
            lines.append(f"      missing: {m}")
        if i.next_action:
            lines.append(f"      next: {i.next_action}")
    for gate in d.gates:
        lines.append(f"  {marks[gate.outcome]} {gate.kind}: {gate.message}")
        if gate.fix:
            lines.append(f"      next: {gate.fix}")
    for note in d.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)


@click.command("can-i-deploy")
@click.option("--service", "services", multiple=True, required=True, help="repeat for several")
@click.option("--version", "versions", multiple=True, required=True, help="one per --service")
@click.option("--to", "environment", required=True, help="the target environment")
@click.option("--retry-while-unknown", is_flag=True, help="ask again while the answer is unknown")
@click.option("--retry-interval", default=10.0, show_default=True, type=click.FloatRange(0))
@click.option("--timeout", default=300.0, show_default=True, type=click.FloatRange(0))
@format_option()
def can_i_deploy(
    services: tuple[str, ...],
    versions: tuple[str, ...],
    environment: str,
    retry_while_unknown: bool,
    retry_interval: float,
    timeout: float,
    fmt: str,
) -> None:
    """May these versions go to ENV? yes / no / unknown, with the evidence for every
    integration. Exit 0 only for yes."""
    if len(services) != len(versions):
        raise InvalidInput("give one --version per --service, in the same order", where="--version")
    params = {"service": list(services), "version": list(versions), "environment": environment}
    client = context.client()
    deadline = time.monotonic() + timeout
    from unlockstep.server.wire_expectations import Decision

    while True:
        data = Decision.model_validate(client.get("/api/v1/can-i-deploy", params=params))
        if data.answer != "unknown" or not retry_while_unknown:
            break
        if time.monotonic() + retry_interval > deadline:
            warn(f"still unknown after {timeout:g}s; giving up")
            break
        warn(f"unknown; asking again in {retry_interval:g}s")
        time.sleep(retry_interval)
    emit(fmt, data.model_dump(mode="json"), lambda _: _decision_text(data))
    if data.answer != "yes":
        click.get_current_context().exit(1)


COMMANDS: tuple[click.Command, ...] = (
    expectation,
    verification_group,
    impact,
    consumers,
    matrix,
    can_i_deploy,
)
