"""``unlockstep invariants`` and ``unlockstep reconcile``: safety nets over real data.

Against the server (``UNLOCKSTEP_URL``): publish a service's safety-nets file, list and show
invariants, run them now, reconcile two systems and work the discrepancy queue. With
``--file`` the same runs happen here, offline, from the file (the DSN variables must be set in
this shell), and nothing is recorded: for CI and cron.

Exit codes: 0 every invariant holds / no discrepancies above tolerance; 1 an invariant is
breached or open discrepancies exceed the tolerance; 2 usage; 3 a source could not answer
(unknown is never a pass) or a connection problem.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from unlockstep.cli import context
from unlockstep.cli.output import emit, format_option, table, warn

if TYPE_CHECKING:
    from unlockstep.core.safety import SafetyNets
    from unlockstep.server.wire_safety import (
        InvariantRunOut,
        ReconciliationOut,
        ReconciliationRunOut,
    )

_MARK = {"ok": "✓", "breached": "✗", "error": "?", "unknown": "·"}


def _load(path: str) -> SafetyNets:
    from unlockstep.core import safety
    from unlockstep.files import read_text

    base = str(Path(path).resolve().parent)
    return safety.parse(read_text(path), path, base=base)


def _exit_for(statuses: list[str]) -> None:
    if "breached" in statuses:
        click.get_current_context().exit(1)
    if "error" in statuses:
        click.get_current_context().exit(3)


# -- invariants -----------------------------------------------------------------------------


@click.group("invariants")
def invariants() -> None:
    """Business invariants over real data: declared in a service's safety-nets file,
    checked on a schedule by the server, gates for plans."""


@invariants.command("publish")
@click.argument("file", type=click.Path(dir_okay=False))
@format_option()
def publish_command(file: str, fmt: str) -> None:
    """Publish a service's safety-nets FILE (its sources, invariants and reconciliations
    replace what the service declared before). No secret is sent: a source names the variable
    or file holding its DSN, which the server reads."""
    from unlockstep.files import read_text
    from unlockstep.server.wire_safety import PublishedOut

    nets = _load(file)  # refuse a bad file here, with its lines, before sending it
    body = {
        "document": read_text(file),
        "filename": file,
        "base": str(Path(file).resolve().parent),
    }
    raw = context.client().put(context.api_path("safety-nets", nets.service), body)
    done = PublishedOut.model_validate(raw)

    def text(_: Any) -> str:
        lines = [f"{done.service}: safety nets published"]
        for word, names in (
            ("created", done.created),
            ("updated", done.updated),
            ("unchanged", done.unchanged),
            ("removed", done.removed),
        ):
            if names:
                lines.append(f"  {word}: {', '.join(names)}")
        return "\n".join(lines)

    emit(fmt, done.model_dump(mode="json"), text)


@invariants.command("list")
@click.option("--service", help="only this service's invariants")
@format_option()
def list_command(service: str | None, fmt: str) -> None:
    """Every invariant with its state (ok, breached, error, unknown: never run)."""
    from unlockstep.server.wire_safety import InvariantListOut

    params = {"service": service} if service else {}
    listed = InvariantListOut.model_validate(
        context.client().get("/api/v1/invariants", params=params)
    )

    def text(_: Any) -> str:
        if not listed.items:
            return "no invariants (publish a safety-nets file: unlockstep invariants publish)"
        rows = [
            (f"{_MARK[i.state]} {i.state}", i.name, i.service, i.severity,
             "" if i.last_run is None or i.last_run.violations is None
             else str(i.last_run.violations), str(i.tolerance),
             i.last_run_at.strftime("%Y-%m-%d %H:%M") if i.last_run_at else "never")
            for i in listed.items
        ]  # fmt: skip
        headers = ["state", "invariant", "service", "severity", "violations", "tolerance", "run"]
        return table(rows, headers)

    emit(fmt, listed.model_dump(mode="json"), text)


@invariants.command("show")
@click.argument("name")
@click.option("--runs", type=click.IntRange(1, 500), default=10, show_default=True)
@format_option()
def show_command(name: str, runs: int, fmt: str) -> None:
    """One invariant: its rule, its state since when, and its latest runs."""
    from unlockstep.server.wire_safety import InvariantDetailOut

    raw = context.client().get(context.api_path("invariants", name), params={"runs": runs})
    detail = InvariantDetailOut.model_validate(raw)
    i = detail.invariant

    def text(_: Any) -> str:
        lines = [
            f"{i.name} ({i.service}, owner {i.owner}, severity {i.severity})",
            f"  {i.description}",
            f"  state: {_MARK[i.state]} {i.state} since {i.state_since:%Y-%m-%d %H:%M}",
            f"  source {i.source}, returns {i.returns}, tolerance {i.tolerance}, "
            f"every {i.every_seconds:g}s",
        ]
        guards = [*i.guards.get("services", []), *i.guards.get("contracts", [])]
        if guards:
            lines.append(f"  guards: {', '.join(guards)}")
        lines.append(f"  query: {i.query}")
        if detail.runs:
            lines.append("  runs (newest first):")
            lines += [f"    {_run_line(r)}" for r in detail.runs]
        return "\n".join(lines)

    emit(fmt, detail.model_dump(mode="json"), text)


def _run_line(r: InvariantRunOut) -> str:
    line = f"{r.finished_at:%Y-%m-%d %H:%M:%S} {_MARK[r.status]} {r.status}: {r.message}"
    if r.sample:
        line += f" (e.g. {', '.join(r.sample[:5])})"
    return line


@invariants.command("run")
@click.argument("names", nargs=-1)
@click.option("--service", help="every invariant of this service")
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False),
    help="run the file's invariants here, offline, recording nothing",
)
@format_option()
def run_command(names: tuple[str, ...], service: str | None, file: str | None, fmt: str) -> None:
    """Run invariants now (every one when none is named): exit 1 when one is breached, 3 when
    one could not be checked."""
    from unlockstep.server.wire_safety import InvariantRunOut

    runs: list[InvariantRunOut] = []
    if file:
        runs = _run_file(file, names)
    else:
        client = context.client()
        if not names:
            from unlockstep.server.wire_safety import InvariantListOut

            params = {"service": service} if service else {}
            listed = InvariantListOut.model_validate(
                client.get("/api/v1/invariants", params=params)
            )
            names = tuple(i.name for i in listed.items)
        for name in names:
            raw = client.post(context.api_path("invariants", name, "runs"), {})
            runs.append(InvariantRunOut.model_validate(raw))

    def text(_: Any) -> str:
        if not runs:
            return "no invariants to run"
        return "\n".join(f"{_MARK[r.status]} {r.invariant}: {_run_text(r)}" for r in runs)

    emit(fmt, {"runs": [r.model_dump(mode="json") for r in runs]}, text)
    _exit_for([r.status for r in runs])


def _run_text(r: InvariantRunOut) -> str:
    text = f"{r.status}, {r.message}"
    if r.sample:
        text += f"\n    violating: {', '.join(r.sample[:10])}"
        if len(r.sample) > 10 or (r.violations or 0) > len(r.sample):
            text += ", …"
    return text


def _run_file(file: str, names: tuple[str, ...]) -> list[InvariantRunOut]:
    from datetime import UTC, datetime

    from unlockstep.errors import NotFound
    from unlockstep.server.wire_safety import InvariantRunOut
    from unlockstep.services import invariants as use

    nets = _load(file)
    chosen = [i for i in nets.invariants if not names or i.name in names]
    unknown = set(names) - {i.name for i in nets.invariants}
    if unknown:
        raise NotFound(f"{file} declares no invariant {', '.join(sorted(unknown))}")
    out = []
    for spec in chosen:
        source = nets.source(spec.source)
        assert source is not None  # the parser checked every reference
        outcome = use.evaluate(spec, source)
        run = use.outcome_run(spec, outcome, datetime.now(UTC))
        out.append(InvariantRunOut.model_validate(run))
    return out


# -- reconcile ------------------------------------------------------------------------------


@click.group("reconcile")
def reconcile() -> None:
    """Compare an entity between two systems by key (old vs new, writer vs projection), and
    work the queue of discrepancies."""


@reconcile.command("run")
@click.argument("name")
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False),
    help="compare here, offline, from the file (prints the discrepancies, records nothing)",
)
@click.option("--show", type=click.IntRange(0, 100_000), default=20, show_default=True,
              help="discrepancies to print with --file")  # fmt: skip
@format_option()
def reconcile_run(name: str, file: str | None, show: int, fmt: str) -> None:
    """Compare both sides of reconciliation NAME now: exit 1 when open discrepancies exceed
    its tolerance, 3 when a side could not be read."""
    from unlockstep.server.wire_safety import ReconciliationOut, ReconciliationRunOut

    if file:
        _reconcile_file(file, name, show, fmt)
        return
    client = context.client()
    run = ReconciliationRunOut.model_validate(
        client.post(context.api_path("reconciliations", name, "runs"), {}, params={"wait": "false"})
    )
    run = _follow(client, name, run)
    status = ReconciliationOut.model_validate(client.get(context.api_path("reconciliations", name)))

    def text(_: Any) -> str:
        return f"{name}: {_counts(run)}\n  open discrepancies: {status.open} " + (
            f"(tolerance {status.tolerance}: above)" if status.breached
            else f"(tolerance {status.tolerance})"
        )  # fmt: skip

    emit(fmt, {"run": run.model_dump(mode="json"), "status": status.model_dump(mode="json")}, text)
    if run.status == "error":
        click.get_current_context().exit(3)
    if status.breached:
        click.get_current_context().exit(1)


def _follow(client: Any, name: str, run: ReconciliationRunOut) -> ReconciliationRunOut:
    """Poll a running run until it ends, showing its progress on stderr on long runs."""
    import time

    from unlockstep.server.wire_safety import ReconciliationRunOut

    began, shown = time.monotonic(), 0.0
    path = context.api_path("reconciliations", name, "runs", str(run.id))
    while run.status == "running":
        time.sleep(0.2 if time.monotonic() - began < 2 else 1.0)
        run = ReconciliationRunOut.model_validate(client.get(path))
        waited = time.monotonic() - began
        if run.status == "running" and waited >= 2 and waited - shown >= 2:
            shown = waited
            warn(f"  … {run.left_rows:,} left, {run.right_rows:,} right rows compared "
                 f"({waited:.0f}s)")  # fmt: skip
    return run


def _counts(run: ReconciliationRunOut) -> str:
    if run.status == "error":
        return f"error: {run.message}"
    state = "running" if run.status == "running" else "done"
    return (
        f"{state}: {run.left_rows:,} left, {run.right_rows:,} right rows; {run.matched:,} match, "
        f"{run.missing_left:,} missing left, {run.missing_right:,} missing right, "
        f"{run.mismatched:,} mismatched"
    )


def _reconcile_file(file: str, name: str, show: int, fmt: str) -> None:
    import time

    from unlockstep.core import safety
    from unlockstep.errors import NotFound
    from unlockstep.services import reconciliation as use
    from unlockstep.sources.errors import SourceError

    nets = _load(file)
    spec = next((r for r in nets.reconciliations if r.name == name), None)
    if spec is None:
        raise NotFound(f"{file} declares no reconciliation {name!r}")
    left, right = nets.source(spec.left.source), nets.source(spec.right.source)
    assert left is not None and right is not None  # the parser checked every reference
    kept: list[safety.Discrepancy] = []
    started = time.monotonic()

    def keep(found: list[safety.Discrepancy]) -> None:
        kept.extend(found[: max(0, show - len(kept))])

    def progress(t: safety.Tally) -> None:
        if fmt == "text" and sys.stderr.isatty():
            warn(f"  … {t.left_rows:,} left, {t.right_rows:,} right rows compared")

    try:
        tally = use.compare(spec, left, right, on_progress=progress, on_discrepancies=keep)
    except SourceError as exc:
        from unlockstep.errors import ConfigError

        raise ConfigError(exc.message, where=f"reconciliation {name}") from None
    seconds = time.monotonic() - started
    data = {
        "reconciliation": name,
        "leftRows": tally.left_rows,
        "rightRows": tally.right_rows,
        "matched": tally.matched,
        "missingLeft": tally.missing_left,
        "missingRight": tally.missing_right,
        "mismatched": tally.mismatched,
        "tolerance": spec.tolerance,
        "breached": tally.discrepancies > spec.tolerance,
        "seconds": round(seconds, 3),
        "discrepancies": [
            {
                "kind": d.kind,
                "key": d.key,
                "fields": [{"field": f.field, "left": f.left, "right": f.right} for f in d.fields],
            }
            for d in kept
        ],
    }

    def text(_: Any) -> str:
        lines = [
            f"{name}: {tally.left_rows:,} left, {tally.right_rows:,} right rows; "
            f"{tally.matched:,} match, {tally.missing_left:,} missing left, "
            f"{tally.missing_right:,} missing right, {tally.mismatched:,} mismatched "
            f"({seconds:.1f}s)"
        ]
        for d in kept:
            what = "; ".join(f"{f.field}: {f.left!r} ≠ {f.right!r}" for f in d.fields)
            lines.append(f"  {d.kind:13} {d.key}" + (f"  {what}" if what else ""))
        if tally.discrepancies > len(kept):
            lines.append(f"  … {tally.discrepancies - len(kept):,} more")
        return "\n".join(lines)

    emit(fmt, data, text)
    if tally.discrepancies > spec.tolerance:
        click.get_current_context().exit(1)


@reconcile.command("status")
@click.argument("name", required=False)
@format_option()
def reconcile_status(name: str | None, fmt: str) -> None:
    """Each reconciliation's latest run (with its progress while it runs) and open
    discrepancies: exit 1 when one has more open than its tolerance, 3 when one was never
    compared or its last run failed (unknown is not a pass)."""
    from unlockstep.server.wire_safety import ReconciliationListOut, ReconciliationOut

    client = context.client()
    if name:
        items = [
            ReconciliationOut.model_validate(client.get(context.api_path("reconciliations", name)))
        ]
    else:
        items = ReconciliationListOut.model_validate(client.get("/api/v1/reconciliations")).items

    def text(_: Any) -> str:
        if not items:
            return "no reconciliations (publish a safety-nets file: unlockstep invariants publish)"
        lines = []
        for r in items:
            mark = "✗" if r.breached else "?" if _unknown(r) else "✓"
            lines.append(
                f"{mark} {r.name} ({r.service}): {r.open} open discrepancies, "
                f"tolerance {r.tolerance}"
            )
            lines.append("    last run: " + (_counts(r.last_run) if r.last_run else "never"))
        return "\n".join(lines)

    emit(fmt, {"items": [i.model_dump(mode="json") for i in items]}, text)
    if any(i.breached for i in items):
        click.get_current_context().exit(1)
    if any(_unknown(i) for i in items):
        click.get_current_context().exit(3)  # never compared, or the last run failed


def _unknown(r: ReconciliationOut) -> bool:
    return r.last_run is None or r.last_run.status == "error"


@reconcile.command("queue")
@click.argument("name", required=False)
@click.option("--status", type=click.Choice(["open", "resolved", "gone", "all"]),
              default="open", show_default=True)  # fmt: skip
@click.option("--limit", type=click.IntRange(1, 500), default=100, show_default=True)
@format_option()
def reconcile_queue(name: str | None, status: str, limit: int, fmt: str) -> None:
    """The operator queue: discrepancies, the ones open longest first."""
    from unlockstep.server.wire import Page
    from unlockstep.server.wire_safety import DiscrepancyOut

    params: dict[str, Any] = {"status": status, "limit": limit}
    if name:
        params["reconciliation"] = name
    page = Page[DiscrepancyOut].model_validate(
        context.client().get("/api/v1/discrepancies", params=params)
    )

    def text(_: Any) -> str:
        if not page.items:
            return f"no {status} discrepancies" if status != "all" else "no discrepancies"
        rows = [
            (str(d.id), d.reconciliation, d.key, d.kind,
             "; ".join(f"{f.field}: {f.left!r} ≠ {f.right!r}" for f in d.fields),
             f"{d.first_seen:%Y-%m-%d %H:%M}", f"{d.last_seen:%Y-%m-%d %H:%M}",
             d.status if d.status == "open" else f"{d.status}: {d.reason or ''}")
            for d in page.items
        ]  # fmt: skip
        headers = ["id", "reconciliation", "key", "kind", "differs", "first seen", "last seen",
                   "status"]  # fmt: skip
        more = f"\n({page.total} in all)" if page.total > len(page.items) else ""
        return table(rows, headers) + more

    emit(fmt, page.model_dump(mode="json"), text)


@reconcile.command("resolve")
@click.argument("discrepancy_id", type=int)
@click.option("--reason", required=True, help="why it is resolved, for the audit trail")
@format_option()
def reconcile_resolve(discrepancy_id: int, reason: str, fmt: str) -> None:
    """Mark a discrepancy resolved with a reason (found again by a later run, it reopens)."""
    from unlockstep.server.wire_safety import DiscrepancyOut

    raw = context.client().post(
        context.api_path("discrepancies", str(discrepancy_id), "resolve"), {"reason": reason}
    )
    d = DiscrepancyOut.model_validate(raw)
    emit(fmt, d.model_dump(mode="json"), lambda _: f"#{d.id} {d.reconciliation} {d.key}: resolved")


# -- replay ---------------------------------------------------------------------------------


@click.group("replay")
def replay() -> None:
    """Replay safety: can a consumer version read every event still in its topics?"""


@replay.command("check")
@click.option("--consumer", required=True, help="the consumer service")
@click.option("--version", "version", required=True, help="the consumer version to deploy")
@click.option("--environment", "-e", default="production", show_default=True)
@click.option("--retention", help="the topics' retention (7d, 36h); default: as declared in "
              "the AsyncAPI document (Kafka retention.ms)")  # fmt: skip
@format_option()
def replay_check(
    consumer: str, version: str, environment: str, retention: str | None, fmt: str
) -> None:
    """Before a consumer version deploys: can it read every event schema version still inside
    the retention of the topics it reads, as published in ENVIRONMENT? Says which versions and
    since when. Exit 1 when one is unreadable or cannot be checked."""
    from unlockstep.server.wire_safety import ReplayCheckOut

    params = {"consumer": consumer, "version": version, "environment": environment}
    if retention:
        params["retention"] = retention
    found = ReplayCheckOut.model_validate(
        context.client().get("/api/v1/replay-check", params=params)
    )

    def text(_: Any) -> str:
        lines = []
        for c in found.contracts:
            mark = {"readable": "✓", "unreadable": "✗", "unknown": "?"}[c.status]
            window = (
                f"retention {c.retention_seconds / 86400:g}d, since {c.window_start:%Y-%m-%d %H:%M}"
                if c.retention_seconds and c.window_start else "retention unknown"
            )  # fmt: skip
            lines.append(f"{mark} {c.provider} {c.contract}: {c.status} ({window})")
            for v in c.versions:
                until = f"until {v.until:%Y-%m-%d}" if v.until else "still published"
                lines.append(
                    f"    {v.status:10} schema of {', '.join(v.provider_versions)} "
                    f"(since {v.since:%Y-%m-%d}, {until})"
                )
                lines += [f"      {p.get('element', '')} {p.get('reason', '')}".rstrip()
                          for p in v.problems]  # fmt: skip
            if c.note:
                lines.append(f"    {c.note}")
        verdict = "can read" if found.ok else "cannot be shown to read"
        lines.append(f"{consumer} {version} {verdict} every event still retained in {environment}")
        return "\n".join(lines)

    emit(fmt, found.model_dump(mode="json"), text)
    if not found.ok:
        click.get_current_context().exit(1)


# -- outbox ---------------------------------------------------------------------------------


@click.group("outbox")
def outbox() -> None:
    """Transactional outboxes: the oldest unpublished row, the publish rate, and who
    publishes events without one."""


@outbox.command("check")
@format_option()
def outbox_check(fmt: str) -> None:
    """Every declared outbox's gate (no row unpublished past its maximum age) with the age
    of its oldest unpublished row and its publish rate, and every service whose contracts
    publish events without a declared outbox. Exit 1 when either fails."""
    from unlockstep.core.safety import age_text
    from unlockstep.server.wire_safety import OutboxesOut

    found = OutboxesOut.model_validate(context.client().get("/api/v1/outboxes"))

    def text(_: Any) -> str:
        lines = []
        for o in found.outboxes:
            m = o.metrics
            figures = (
                f"{m.get('unpublished') or 0:g} unpublished, oldest "
                f"{age_text(m.get('oldestUnpublishedAgeSeconds') or 0)}, "
                f"{m.get('publishRatePerSecond') or 0:g} published/s"
                if m else "not run yet"
            )  # fmt: skip
            lines.append(f"{_MARK[o.state]} {o.service} {o.invariant}: {o.state} ({figures})")
        lines += [f"✗ {p.message}" for p in found.problems]
        return "\n".join(lines) or "no outboxes declared and no service publishes events"

    emit(fmt, found.model_dump(mode="json"), text)
    if not found.ok:
        click.get_current_context().exit(1)


COMMANDS: tuple[click.Command, ...] = (invariants, reconcile, replay, outbox)
