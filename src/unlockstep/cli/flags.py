"""``unlockstep flags …``: lint and eval work offline on files; the rest call the server.

Exit codes: 0 ok; 1 lint found errors or an evaluation failed (error code set); 2 bad input;
3 configuration or connection error.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from unlockstep.cli import context
from unlockstep.cli.output import emit, format_option, table
from unlockstep.core.flags import FlagEngine, parse_flag_set
from unlockstep.core.flags.definition import FlagSet
from unlockstep.core.flags.evaluator import KINDS
from unlockstep.core.flags.lifecycle import debt_report
from unlockstep.core.flags.lint import lint
from unlockstep.errors import InvalidInput
from unlockstep.files import read_mapping, read_text


def read_document(path: Path) -> dict[str, Any]:
    """A flagd document from a JSON or YAML file (read and loaded with every defence)."""
    return read_mapping(path, "a flag file must hold one flagd document (an object)")


def read_flag_set(path: Path, environment: str | None) -> FlagSet:
    return parse_flag_set(read_document(path), source=str(path), environment=environment)


def _json_argument(value: str | None, what: str) -> Any:
    if value is None:
        return None
    text = read_text(value[1:]) if value.startswith("@") else value
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{what} is not JSON: {exc.msg}", where=what) from None


def _known_owners(catalog: Path | None, owners: tuple[str, ...]) -> set[str] | None:
    if catalog is None and not owners:
        return None
    known = set(owners)
    if catalog is not None:
        from unlockstep.cli.catalog import read_descriptor

        files = sorted(catalog.glob("*.yaml")) if catalog.is_dir() else [catalog]
        for path in files:
            _, entities, _, _ = read_descriptor(path)
            known.update(e["name"] for e in entities if e.get("kind") == "team")
    return known


@click.group("flags")
def flags() -> None:
    """Feature flags: lint and evaluate files, manage them on the server."""


@flags.command("lint")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--catalog", type=click.Path(exists=True, path_type=Path),
              help="Backstage catalog file or folder: its teams are the known owners")  # fmt: skip
@click.option("--owner", "owners", multiple=True, help="a known owning team (repeatable)")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="judge expiry as of this date")
@format_option()
def lint_command(
    files: tuple[Path, ...], catalog: Path | None, owners: tuple[str, ...],
    today: dt.datetime | None, fmt: str,
) -> None:  # fmt: skip
    """Check every flag has owner, type and expiry (not past), known owners, existing and
    acyclic prerequisites, kill switches on ops flags, targeting that compiles. Exit 1 on
    any error."""
    day = today.date() if today else dt.date.today()
    known = _known_owners(catalog, owners)
    report: list[dict[str, Any]] = []
    for path in files:
        findings = lint(read_flag_set(path, None), day, known)
        report.append({"file": str(path), "findings": [f.to_dict() for f in findings]})
    failed = any(has_errors_in(entry["findings"]) for entry in report)

    def text(data: list[dict[str, Any]]) -> str:
        lines = []
        for entry in data:
            by_flag: dict[str, list[dict[str, Any]]] = {}
            for finding in entry["findings"]:
                by_flag.setdefault(finding["flag"], []).append(finding)
            status = "ok" if not entry["findings"] else f"{len(entry['findings'])} finding(s)"
            lines.append(f"{entry['file']}: {status}")
            for flag_key, found in by_flag.items():
                lines.append(f"  {flag_key}")
                lines.extend(f"    {f['level']}: {f['message']} [{f['rule']}]" for f in found)
        return "\n".join(lines)

    emit(fmt, {"ok": not failed, "files": report}, lambda d: text(d["files"]))
    if failed:
        raise click.exceptions.Exit(1)


def has_errors_in(findings: list[dict[str, Any]]) -> bool:
    return any(f["level"] == "error" for f in findings)


@flags.command("eval")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.argument("key")
@click.option("--environment", "-e", help="apply this environment's overrides")
@click.option("--targeting-key", "-k", help="the context's targetingKey")
@click.option("--context", "-c", "context_json", help="context attributes as JSON, or @file")
@click.option("--type", "kind", type=click.Choice(KINDS), help="the type the caller asks for")
@click.option("--default", "default_json", help="the caller's default, as JSON")
@format_option()
def eval_command(
    file: Path, key: str, environment: str | None, targeting_key: str | None,
    context_json: str | None, kind: str | None, default_json: str | None, fmt: str,
) -> None:  # fmt: skip
    """Evaluate one flag of a file for a context, offline. Exit 1 when the evaluation
    ends in an error code."""
    attributes = _json_argument(context_json, "--context") or {}
    if not isinstance(attributes, dict):
        raise InvalidInput("--context must be a JSON object", where="--context")
    if targeting_key is not None:
        attributes["targetingKey"] = targeting_key
    default = _json_argument(default_json, "--default")
    engine = FlagEngine(read_flag_set(file, environment))
    result = engine.evaluate(key, default, attributes, kind)
    data = {"key": key, **result.to_dict()}

    def text(d: dict[str, Any]) -> str:
        line = f"{key} = {json.dumps(d['value'])}  variant: {d['variant']}  reason: {d['reason']}"
        if d.get("errorCode"):
            line += f"\n  error: {d['errorCode']}: {d['errorMessage']}"
        return line

    emit(fmt, data, text)
    if result.error_code is not None:
        raise click.exceptions.Exit(1)


@flags.command("debt")
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--environment", "-e", default="production", show_default=True)
@click.option("--quiet-days", default=14, show_default=True, type=click.IntRange(1, 365),
              help="days of one variant at 100 % (or no evaluations) before cleanup")  # fmt: skip
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="as of this date (files only)")
@click.option("--code", "code_paths", multiple=True,
              type=click.Path(exists=True, path_type=Path),
              help="source to scan for flag keys (repeatable, as `flags refs`): a flag no "
                   "code references is ready for cleanup; one referenced after its expiry "
                   "is debt, with the locations")  # fmt: skip
@format_option()
def debt_command(
    files: tuple[Path, ...], environment: str, quiet_days: int, today: dt.datetime | None,
    code_paths: tuple[Path, ...], fmt: str,
) -> None:  # fmt: skip
    """Stale and ready-for-cleanup flags per owner, with their cleanup issues. With FILES it
    works offline (calendar rules only); without, it asks the server, which also knows the
    evaluation counts. --code adds what the source says (scanned here, never sent)."""
    from unlockstep.server.wire_flags import FlagDebtOut

    day = today.date() if today and files else dt.date.today()
    if files:
        owners: dict[str, list[dict[str, Any]]] = {}
        for path in files:
            flag_set = read_flag_set(path, environment)
            code = _code_locations(code_paths, flag_set.flags) if code_paths else None
            report = debt_report(flag_set, day, quiet_days=quiet_days, references=code)
            for owner, debts in report.items():
                owners.setdefault(owner, []).extend(d.to_dict() for d in debts)
        raw: Any = {"environment": environment, "owners": owners}
    else:
        api = context.client()
        raw = api.get(
            "/api/v1/flag-debt", params={"environment": environment, "quiet_days": quiet_days}
        )
        if code_paths:
            document = api.get(context.api_path("environments", environment, "flagset"))
            flag_set = parse_flag_set(document, source=environment, environment=environment)
            code = _code_locations(code_paths, flag_set.flags)
            raw = _with_code_debt(raw, flag_set, code, day)
    report_out = FlagDebtOut.model_validate(raw)

    def text(_: Any) -> str:
        if not report_out.owners:
            return "no flag debt"
        lines = []
        for owner, debts in report_out.owners.items():
            lines.append(f"{owner}:")
            rows = [
                (x.flag, x.type or "-", ",".join(x.kinds), x.cleanup_issue or "-",
                 "; ".join(x.reasons))
                for x in debts
            ]  # fmt: skip
            body = table(rows, ["flag", "type", "debt", "cleanup issue", "why"])
            lines.extend("  " + line for line in body.splitlines())
        return "\n".join(lines)

    emit(fmt, report_out.model_dump(mode="json"), text)


def _code_locations(paths: tuple[Path, ...], registry: Any) -> dict[str, list[str]]:
    """Registry flag → where the source under ``paths`` references it ("path:line")."""
    from unlockstep.core.flags.references import compare

    result = compare(_scan(paths, set(registry)), registry)
    return {key: [f"{r.path}:{r.line}" for r in refs] for key, refs in result.used.items()}


def _with_code_debt(
    raw: dict[str, Any], flag_set: FlagSet, code: dict[str, list[str]], day: dt.date
) -> dict[str, Any]:
    """The server's debt report (JSON) with what the code says about each flag added: kinds
    and reasons merged into its row, or a new row for a flag that had no other debt."""
    from unlockstep.core.flags.lifecycle import assess, code_debt

    owners: dict[str, list[dict[str, Any]]] = raw["owners"]
    rows = {row["flag"]: row for debts in owners.values() for row in debts}
    for key in sorted(flag_set.flags):
        flag = flag_set.flags[key]
        found = code.get(key, [])
        row = rows.get(key)
        if row is not None:
            row["references"] = found
        for kind, reason in code_debt(flag, day, found):
            if row is None:  # the calendar and usage found nothing: the code's debt alone
                row = rows[key] = {**assess(flag, day).to_dict(), "kinds": [], "reasons": []}
                row["references"] = found
                owners.setdefault(flag.lifecycle.owner or "(no owner)", []).append(row)
            if str(kind) not in row["kinds"]:
                row["kinds"].append(str(kind))
            row["reasons"].append(reason)
    return {**raw, "owners": {owner: owners[owner] for owner in sorted(owners)}}


@flags.command("import")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--environment", "-e", "environments", multiple=True, required=True,
              help="environment to load into (repeatable); its overrides are applied")  # fmt: skip
@click.option("--reason", help="why, for the audit trail")
@click.option("--prune", is_flag=True,
              help="the file is the whole environment: delete flags it does not name, "
                   "replace the set's metadata and $evaluators (not merge)")  # fmt: skip
@click.option("--allow-invalid", is_flag=True,
              help="import the good flags and store the bad ones marked invalid (served as "
                   "PARSE_ERROR, as flagd does) instead of refusing the file")  # fmt: skip
@click.option("--reverse-kills", is_flag=True,
              help="turn killed flags the file enables back on (and let --prune delete "
                   "killed flags); without it they stay killed")  # fmt: skip
@format_option()
def import_command(
    file: Path, environments: tuple[str, ...], reason: str | None, prune: bool,
    allow_invalid: bool, reverse_kills: bool, fmt: str,
) -> None:  # fmt: skip
    """Load a flagd file into one or more environments. Its $evaluators and metadata merge
    with what the environment has (other files' segments stay); the output names every flag
    created, updated or deleted, what changed in the set, which other flags a changed
    evaluator affects, and which flags are invalid. A killed flag stays killed unless
    --reverse-kills says otherwise."""
    from unlockstep.server.wire_flags import FlagSetImportOut

    document = read_document(file)
    for environment in environments:
        read_flag_set(file, environment)  # fail fast, with file positions, before any write
    api = context.client()
    body = {
        "document": document, "reason": reason, "prune": prune, "allowInvalid": allow_invalid,
        "reverseKills": reverse_kills,
    }  # fmt: skip
    results = [
        FlagSetImportOut.model_validate(
            api.put(context.api_path("environments", env, "flagset"), body)
        )
        for env in environments
    ]

    def text(_: Any) -> str:
        lines = []
        for r in results:
            lines.append(
                f"{r.environment}: {len(r.created)} created, {len(r.updated)} updated, "
                f"{len(r.unchanged)} unchanged, {len(r.deleted)} deleted"
                + (f", {len(r.invalid)} invalid" if r.invalid else "")
            )
            named = {"created": r.created, "updated": r.updated, "deleted": r.deleted,
                     "turned back on (--reverse-kills)": r.unkilled}  # fmt: skip
            lines.extend(f"  {verb}: {', '.join(keys)}" for verb, keys in named.items() if keys)
            for what, changes in (("evaluators", r.evaluators), ("metadata", r.metadata)):
                for verb in ("added", "changed", "removed"):
                    names = getattr(changes, verb)
                    if names:
                        lines.append(f"  {what} {verb}: {', '.join(names)}")
            if r.affected:
                lines.append(f"  also affected (use a changed evaluator): {', '.join(r.affected)}")
            for bad in r.invalid:
                causes = "; ".join(p.message for p in bad.problems)
                lines.append(f"  invalid, served as PARSE_ERROR: {bad.key}: {causes}")
            lines.extend(f"  note: {note}" for note in r.notes)
        return "\n".join(lines)

    emit(fmt, [r.model_dump(mode="json") for r in results], text)


@flags.command("export")
@click.option("--environment", "-e", required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="write the flagd document here instead of stdout")  # fmt: skip
@format_option("json")
def export_command(environment: str, output: Path | None, fmt: str) -> None:
    """One environment's flags as a plain flagd document (any flagd provider reads it)."""
    document = context.client().get(context.api_path("environments", environment, "flagset"))
    text = json.dumps(document, indent=2)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


@flags.command("list")
@click.option("--environment", "-e", help="only this environment")
@format_option()
def list_command(environment: str | None, fmt: str) -> None:
    """Flags with state, type, owner and expiry per environment."""
    from unlockstep.server.wire import Page
    from unlockstep.server.wire_flags import FlagSummaryOut

    api = context.client()
    params: dict[str, Any] = {"environment": environment, "limit": 500}
    page = Page[FlagSummaryOut].model_validate(api.get("/api/v1/flags", params=params))
    items = list(page.items)
    while page.next is not None and len(items) < page.total:
        params["offset"] = len(items)
        page = Page[FlagSummaryOut].model_validate(api.get("/api/v1/flags", params=params))
        items.extend(page.items)
    listed = Page[FlagSummaryOut](items=items, total=page.total, offset=0, limit=len(items))

    def state(f: FlagSummaryOut) -> str:
        if f.problems:
            return "INVALID"
        if f.killed:
            return "KILLED" + (f" (serves {f.default_variant})" if f.state == "ENABLED" else "")
        return f.state or "-"

    def text(_: Any) -> str:
        rows = [
            (f.key, f.environment, state(f), f.type or "-", f.owner or "-",
             f.expires or "-", "yes" if f.kill_switch else "")
            for f in listed.items
        ]  # fmt: skip
        return table(rows, ["flag", "environment", "state", "type", "owner", "expires", "kill"])

    emit(fmt, listed.model_dump(mode="json"), text)


@flags.command("show")
@click.argument("key")
@click.option("--environment", "-e", required=True)
@format_option()
def show_command(key: str, environment: str, fmt: str) -> None:
    """One flag's definition in one environment, with its revision."""
    from unlockstep.server.wire_flags import FlagOut

    shown = FlagOut.model_validate(
        context.client().get(context.api_path("environments", environment, "flags", key))
    )

    def text(_: Any) -> str:
        lines = [json.dumps(shown.flag, indent=2), f"revision {shown.revision}"]
        if shown.killed:
            lines.append("killed (its kill switch was pulled)")
        lines.extend(f"invalid: {p.where}: {p.message}" for p in shown.problems)
        return "\n".join(lines)

    emit(fmt, shown.model_dump(mode="json"), text)


@flags.command("set")
@click.argument("key")
@click.option("--environment", "-e", required=True)
@click.option("--state", type=click.Choice(["ENABLED", "DISABLED"]))
@click.option("--default-variant")
@click.option("--targeting", help="JsonLogic targeting as JSON, or @file; 'null' removes it")
@click.option("--file", "body_file", type=click.Path(exists=True, path_type=Path),
              help="a whole flag body (JSON/YAML) to write")  # fmt: skip
@click.option("--reason", required=True, help="why, for the audit trail")
@click.option("--reverse-kill", is_flag=True,
              help="this change turns a killed flag back on, on purpose")  # fmt: skip
@format_option()
def set_command(
    key: str, environment: str, state: str | None, default_variant: str | None,
    targeting: str | None, body_file: Path | None, reason: str, reverse_kill: bool, fmt: str,
) -> None:  # fmt: skip
    """Change one flag in one environment. Reads it first and writes with its ETag, so a
    concurrent change makes this fail (exit 2) instead of being overwritten. A change that
    would turn a killed flag back on is refused (exit 2) without --reverse-kill."""
    api = context.client()
    path = context.api_path("environments", environment, "flags", key)
    if body_file is not None:
        body = read_document(body_file)
        current = api.request("GET", path, ok=(404,))
        headers = {"If-Match": current.headers["ETag"]} if current.status_code == 200 else {}
    else:
        current = api.request("GET", path)
        body = dict(current.json()["flag"])
        headers = {"If-Match": current.headers["ETag"]}
    if state is not None:
        body["state"] = state
    if default_variant is not None:
        body["defaultVariant"] = default_variant
    if targeting is not None:
        rule = _json_argument(targeting, "--targeting")
        if rule is None:
            body.pop("targeting", None)
        else:
            body["targeting"] = rule
    from unlockstep.server.wire_flags import FlagWriteOut

    written = FlagWriteOut.model_validate(
        api.put(
            path, {"flag": body, "reason": reason, "reverseKill": reverse_kill}, headers=headers
        )
    )
    emit(
        fmt,
        written.model_dump(mode="json"),
        lambda _: f"{key} in {environment}: {written.outcome} (revision {written.revision})",
    )


@flags.command("kill")
@click.argument("key")
@click.option("--reason", required=True, help="why (required: kill switches are audited)")
@format_option()
def kill_command(key: str, reason: str, fmt: str) -> None:
    """Turn a flag off in every environment at once; each change is audited."""
    from unlockstep.server.wire_flags import KillOut

    result = KillOut.model_validate(
        context.client().post(context.api_path("flags", key, "kill"), {"reason": reason})
    )

    def text(_: Any) -> str:
        rows = [
            (e.environment, e.outcome, e.serves or "caller's default", ", ".join(e.dependents))
            for e in result.environments
        ]
        headers = ["environment", "outcome", "serves", "dependents off too"]
        return f"{key} killed ({result.reason})\n" + table(rows, headers)

    emit(fmt, result.model_dump(mode="json"), text)


@flags.command("sync-status")
@click.option("--environment", "-e", required=True)
@click.option("--check", is_flag=True, help="exit 1 when a connected client is behind")
@format_option()
def sync_status_command(environment: str, check: bool, fmt: str) -> None:
    """Which connected client (flagd provider, SDK) holds which revision of an environment's
    flags, on every server process sharing the database (the others as they last reported,
    every few seconds), the laggards by name, and how long the last revisions (kills named)
    took from the write to every connected client holding them."""
    from unlockstep.server.wire_flag_sync import FlagSyncStatusOut

    status = FlagSyncStatusOut.model_validate(
        context.client().get(context.api_path("environments", environment, "flag-sync"))
    )

    def text(_: Any) -> str:
        lines = [f"{environment}: revision {status.revision} (written {status.recorded_at or '-'})"]
        rows = [
            (c.id, c.client, c.transport, c.revision, "yes" if c.current else "BEHIND",
             c.process or "-")
            for c in status.clients
        ]  # fmt: skip
        headers = ["id", "client", "transport", "revision", "current", "process"]
        lines.append(table(rows, headers))
        if len(status.processes) > 1:
            lines.append(
                "processes: "
                + ", ".join(f"{p.process} ({p.clients} clients)" for p in status.processes)
            )
        if status.laggards:
            lines.append("laggards: " + ", ".join(f"{c.client} (#{c.id})" for c in status.laggards))
        if status.pending is not None and status.pending.waiting_seconds is not None:
            lines.append(
                f"revision {status.pending.revision} still on its way: "
                f"{status.pending.waiting_seconds:.3f}s since it was written"
            )
        shown = [
            (p.revision, ", ".join(p.killed) or "-", p.clients,
             "superseded" if p.seconds is None else f"{p.seconds:.3f}s")
            for p in status.propagations
        ]  # fmt: skip
        if shown:
            lines.append(table(shown, ["revision", "killed", "clients", "all holding it after"]))
        return "\n".join(lines)

    emit(fmt, status.model_dump(mode="json"), text)
    if check and status.laggards:
        raise SystemExit(1)


#: Folders ``flags refs`` does not enter: dependencies, builds, tool caches.
SKIPPED_FOLDERS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache",
    ".ruff_cache", ".pytest_cache", ".tox", "build", "dist", "target", "bin", "obj", "vendor",
    ".gradle", ".idea",
})  # fmt: skip


def _source_files(paths: tuple[Path, ...]) -> list[Path]:
    from unlockstep.core.flags.references import LANGUAGES

    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
            continue
        for file in sorted(path.rglob("*")):
            parts = file.relative_to(path).parts[:-1]
            if file.suffix in LANGUAGES and file.is_file() and not SKIPPED_FOLDERS & set(parts):
                found.append(file)
    return found


def _scan(paths: tuple[Path, ...], registry: set[str]) -> list[Any]:
    """Every flag-key reference in the source files under ``paths``."""
    from unlockstep.core.flags.references import references

    found = []
    for file in _source_files(paths):
        try:
            source = file.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InvalidInput(f"cannot read {file}: {exc.strerror}", where=str(file)) from None
        found.extend(references(source, str(file), registry))
    return found


@flags.command("refs")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--flags", "flag_file", type=click.Path(exists=True, path_type=Path),
              help="compare with this flagd file instead of the server's registry")  # fmt: skip
@click.option("--environment", "-e", help="only the registry's flags of this environment")
@format_option()
def refs_command(
    paths: tuple[Path, ...], flag_file: Path | None, environment: str | None, fmt: str
) -> None:
    """Where flag keys are used in source code (Python, Java, Kotlin, TypeScript/JavaScript,
    Go, C#): flags evaluated in code that the registry lacks (exit 1), and registry flags no
    code uses any more (candidates for cleanup)."""
    from unlockstep.core.flags.references import compare

    if flag_file is not None:
        registry = set(read_flag_set(flag_file, environment).flags)
    else:
        api = context.client()
        params: dict[str, Any] = {"environment": environment, "limit": 500, "offset": 0}
        registry = set()
        while True:
            page = api.get("/api/v1/flags", params=params)
            registry.update(item["key"] for item in page["items"])
            params["offset"] += len(page["items"])
            if not page["items"] or params["offset"] >= page["total"]:
                break
    result = compare(_scan(paths, registry), registry)

    def where(refs: list[Any]) -> list[dict[str, Any]]:
        return [{"path": r.path, "line": r.line, "kind": r.kind} for r in refs]

    data = {
        "missing": {key: where(refs) for key, refs in result.missing.items()},
        "unreferenced": result.unreferenced,
        "used": {key: where(refs) for key, refs in result.used.items()},
    }

    def text(_: Any) -> str:
        lines = []
        for key, refs in result.used.items():
            lines.append(f"{key}: " + ", ".join(f"{r.path}:{r.line}" for r in refs))
        for key, refs in result.missing.items():
            places = ", ".join(f"{r.path}:{r.line}" for r in refs)
            lines.append(f"NOT IN THE REGISTRY {key}: {places}")
        if result.unreferenced:
            lines.append("no code uses: " + ", ".join(result.unreferenced))
        return "\n".join(lines) or "no flag keys found"

    emit(fmt, data, text)
    if result.missing:
        raise SystemExit(1)


COMMANDS: tuple[click.Command, ...] = (flags,)
