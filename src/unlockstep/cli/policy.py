"""``unlockstep policy check|list|test``: fitness functions over files, in CI.

``check`` runs the built-in rules and the Rego v1 policies of ``--policies`` (default
``./policies`` when it exists) over each FILE (a folder: every YAML and JSON file in it).
Exit codes: 0 allowed, 1 a finding denies or a policy could not run, 2 a file or policy
folder that cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from unlockstep.cli.output import emit, format_option, table

if TYPE_CHECKING:
    from unlockstep.core.policies import Subject
    from unlockstep.policies import PolicySet, Runner

FORMATS = ("text", "json", "sarif", "junit")
_SUFFIXES = (".yaml", ".yml", ".json")

_policies_option = click.option(
    "--policies",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of Rego v1 policies (*.rego, *_test.rego) and exceptions.yaml "
    "[default: ./policies when it exists].",
)


@click.group()
def policy() -> None:
    """Fitness functions: built-in rules and Rego v1 policies over plans, flags, contracts."""


def _folder(folder: Path | None) -> Path | None:
    from unlockstep.errors import InvalidInput

    if folder is None:
        default = Path("policies")
        return default if default.is_dir() else None
    if not folder.is_dir():
        raise InvalidInput("policy folder not found", where=str(folder), hint="check --policies")
    return folder


def _prestart(folder: Path | None, timeout: float) -> Runner | None:
    """The Rego worker of ``folder``'s policies, started: it starts and compiles while this
    process imports the built-in rules and the plan parser (half the start-up of a check)."""
    found = _folder(folder)
    if found is None:
        return None
    from unlockstep.policies._rego import Runner, read_modules

    modules = read_modules(found)
    if not modules:
        return None
    runner = Runner(modules, timeout=timeout)
    runner.spawn()
    return runner


def _policy_set(folder: Path | None, **options: Any) -> PolicySet:
    from unlockstep.policies import PolicySet

    found = _folder(folder)
    if found is None:
        return PolicySet(**options)
    return PolicySet.from_folder(found, **options)


def _files(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _SUFFIXES))
        else:
            out.append(path)
    return out


def _subjects(path: Path) -> list[Subject]:
    from unlockstep.core.policies import subjects_from_text
    from unlockstep.files import read_text

    text = read_text(path)
    subjects = subjects_from_text(text, str(path))
    if any(s.kind == "ReleasePlan" for s in subjects):
        from unlockstep.core.plans import parse

        parse(text, str(path))  # a plan that is not valid is reported as such (exit 2)
    return subjects


@policy.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_policies_option
@format_option(*FORMATS)
@click.option("--no-builtins", is_flag=True, help="Run only the Rego policies.")
@click.option(
    "--disable", "disabled", multiple=True, metavar="RULE", help="Leave out a rule (repeatable)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=2.0,
    show_default=True,
    help="Seconds one Rego policy may run on one subject before it is stopped.",
)
@click.option(
    "--server",
    is_flag=True,
    help="Check on the server (UNLOCKSTEP_URL): the policies in force there, with the "
    "registry snapshot (tiers, owners, consumers, live versions) around each file.",
)
@click.option(
    "--environment", help="With --server: the environment the registry snapshot is about."
)
def check(
    paths: tuple[Path, ...],
    folder: Path | None,
    fmt: str,
    no_builtins: bool,
    disabled: tuple[str, ...],
    timeout: float,
    server: bool,
    environment: str | None,
) -> None:
    """Check plans, flag files, contracts and resources in PATHS… against the policies.

    Exit 0 when nothing denies, 1 when a finding denies or a policy could not be evaluated,
    2 when a file cannot be read.
    """
    runner = None if server else _prestart(folder, timeout)
    try:
        from unlockstep import __version__
        from unlockstep.core.policies import render

        files = _files(paths)
        if server:
            for path in files:
                _subjects(path)  # a file that cannot be read or a plan that is not valid: exit 2
            decision = _on_server(files, environment)
        else:
            options = {"builtins": not no_builtins, "disabled": disabled, "timeout": timeout}
            with _policy_set(folder, runner=runner, **options) as ps:
                runner = None  # the policy set owns (or has closed) it
                ps.spawn()  # the Rego worker starts while the files are read
                subjects = [s for path in files for s in _subjects(path)]
                decision = ps.check(subjects)
    finally:
        if runner is not None:
            runner.close()
    click.echo(render(decision, fmt, version=__version__))
    click.get_current_context().exit(0 if decision.allowed else 1)


def _on_server(files: list[Path], environment: str | None) -> Any:
    from unlockstep.cli import context
    from unlockstep.core.policies import Decision, Finding, Problem, Severity
    from unlockstep.files import read_text
    from unlockstep.server.wire_policies import PolicyDecisionOut

    body = {
        "documents": [{"filename": str(p), "text": read_text(p)} for p in files],
        "environment": environment,
    }
    data = PolicyDecisionOut.model_validate(context.client().post("/api/v1/policies/check", body))
    findings = tuple(
        Finding(
            f.rule,
            Severity(f.severity),
            f.message,
            f.subject,
            f.path,
            f.fix,
            f.source,
            f.file or "",
            f.line,
            f.excepted_by,
        )
        for f in data.findings
    )
    problems = tuple(Problem(p["policy"], p["message"]) for p in data.problems)
    return Decision(findings, problems, tuple(data.subjects))


@policy.command("push")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@format_option()
def push(folder: Path, fmt: str) -> None:
    """Publish FOLDER's Rego policies and exceptions.yaml to the server as the version in force."""
    from unlockstep.cli import context
    from unlockstep.policies import read_folder
    from unlockstep.server.wire_policies import PoliciesWritten

    modules, exceptions = read_folder(folder)
    body = {
        "modules": [{"name": m.name, "text": m.text} for m in modules],
        "exceptions": [e.to_dict() for e in exceptions],
        "source": str(folder),
    }
    data = PoliciesWritten.model_validate(context.client().put("/api/v1/policies", body))
    emit(
        fmt, data.model_dump(mode="json"), lambda d: f"policies {d['version'][:12]}: {d['outcome']}"
    )


@policy.command("list")
@_policies_option
@format_option()
def list_rules(folder: Path | None, fmt: str) -> None:
    """Every rule that applies: the built-ins, then each Rego package's deny/warn rules."""
    with _policy_set(folder) as ps:
        rules = ps.rules()
        problems = [p.to_dict() for p in ps.check([]).problems]

    def text(data: dict[str, Any]) -> str:
        rows = [
            (r["id"], r["source"], r["severity"], ", ".join(r["appliesTo"]), r["summary"])
            for r in data["rules"]
        ]
        out = table(rows, ["id", "source", "severity", "applies to", "summary"])
        for p in data["problems"]:
            out += f"\nERROR {p['policy']}: {p['message']}"
        return out

    emit(fmt, {"rules": rules, "problems": problems}, text)
    click.get_current_context().exit(1 if problems else 0)


@policy.command("test")
@click.argument(
    "folder", required=False, type=click.Path(file_okay=False, path_type=Path), default=None
)
@format_option()
def test(folder: Path | None, fmt: str) -> None:
    """Run the policies' unit tests (rules named test_* in *_test.rego), like `opa test`.

    Exit 0 when every test passes, 1 when one fails or a module does not compile.
    """
    with _policy_set(folder, builtins=False) as ps:
        results, problems = ps.test()
    data = {
        "passed": sum(1 for r in results if r.passed),
        "failed": sum(1 for r in results if not r.passed),
        "tests": [
            {"name": r.name, "passed": r.passed, **({"message": r.message} if r.message else {})}
            for r in results
        ],
        "problems": [p.to_dict() for p in problems],
    }

    def text(d: dict[str, Any]) -> str:
        lines = [
            f"{'PASS' if t['passed'] else 'FAIL'}: {t['name']}"
            + (f" ({t['message']})" if t.get("message") else "")
            for t in d["tests"]
        ]
        lines += [f"ERROR: {p['policy']}: {p['message']}" for p in d["problems"]]
        lines.append(f"{d['passed']} passed, {d['failed']} failed")
        return "\n".join(lines)

    emit(fmt, data, text)
    ok = not problems and all(r.passed for r in results)
    click.get_current_context().exit(0 if ok else 1)
