"""``unlockstep rollout``: start a rollout from a file and steer it on the server (status,
promote, pause, resume, abort, list); ``unlockstep analysis run``: run an analysis template
once, here, for CI.

Exit codes: 0 ok (``analysis run``: the analysis passed); 1 ``analysis run`` failed or was
inconclusive (an unanswered question is not a pass); 2 a bad file or a refused action (the
message says where and why); 3 configuration or connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from unlockstep.cli import context
from unlockstep.cli.output import emit, format_option, table

if TYPE_CHECKING:
    from unlockstep.server.wire_rollouts import AnalysisRunOut, RolloutOut


@click.group("rollout")
def rollout() -> None:
    """Progressive delivery: move a flag's exposure stage by stage, gated by analyses."""


def _stage_line(r: RolloutOut) -> str:
    return f"stage {r.stage + 1}/{len(r.stages)} {r.stage_name!r}"


def _analysis_text(run: AnalysisRunOut | None, indent: str = "  ") -> list[str]:
    if run is None:
        return [f"{indent}no analysis yet"]
    lines = [f"{indent}analysis {run.name!r}" + (f" #{run.id}" if run.id else "")
             + f": {run.status} — {run.reason}"]  # fmt: skip
    for check in run.checks:
        marks = " ".join(m.phase for m in check.measurements) or "not measured yet"
        lines.append(
            f"{indent}  {check.name} [{check.provider}] {check.status}: {len(check.measurements)}"
            f"/{check.count} ({marks}; limits fail {check.failure_limit}, "
            f"inconclusive {check.inconclusive_limit})"
        )
        if check.measurements:
            lines.append(f"{indent}    last: {check.measurements[-1].message}")
    return lines


def _rollout_text(r: RolloutOut) -> str:
    lines = [
        f"rollout #{r.id} of {r.flag} in {r.environment}: {r.status}, {_stage_line(r)}",
        f"  new variant {r.variant!r}, safe variant {r.safe_variant!r}",
        f"  {r.reason}",
        f"  waiting for: {r.waiting_for}",
        "  stages:",
    ]
    marks = {"done": "✓", "current": "▶", "aborted": "✗", "pending": " "}
    for s in r.stages:
        gate = " (approval)" if s.approval else ""
        share = f"{len(s.segments)} segment(s)" if s.segments and not s.percent else ""
        share = share or f"{s.percent:g}% of everyone else" if s.segments else f"{s.percent:g}%"
        lines.append(f"    {marks[s.state]} {s.index + 1}. {s.name} — {share}{gate}")
    lines.extend(_analysis_text(r.last_analysis))
    return "\n".join(lines)


def _show(raw: Any, fmt: str) -> None:
    from unlockstep.server.wire_rollouts import RolloutOut

    shown = RolloutOut.model_validate(raw)
    emit(fmt, shown.model_dump(mode="json"), lambda _: _rollout_text(shown))


@rollout.command("start")
@click.argument("file", type=click.Path(dir_okay=False), required=False)
@click.option("--flag", help="the flag (overrides the file's)")
@click.option("--environment", "-e", help="the environment (overrides the file's)")
@click.option(
    "--plan",
    "plan_change",
    metavar="CHANGE",
    help="take the stages and analysis from this release plan's entry for the flag",
)
@format_option()
def start_command(
    file: str | None, flag: str | None, environment: str | None, plan_change: str | None,
    fmt: str,
) -> None:  # fmt: skip
    """Start the rollout FILE describes (YAML or JSON: flag, environment, stages, analysis),
    or the one a release plan states for --flag (--plan); its first stage is exposed at once."""
    from unlockstep.errors import InvalidInput
    from unlockstep.files import read_mapping

    if file is None and not (plan_change and flag):
        raise InvalidInput("give a rollout FILE, or --plan CHANGE with --flag KEY", where="FILE")
    document: dict[str, Any] = (
        read_mapping(file, "a rollout file must be an object (flag, environment, stages)")
        if file
        else {}
    )
    if plan_change:
        document["plan"] = plan_change
    if flag:
        document["flag"] = flag
    if environment:
        document["environment"] = environment
    _show(context.client().post("/api/v1/rollouts", {"rollout": document}), fmt)


@rollout.command("status")
@click.argument("rollout_id", type=int)
@format_option()
def status_command(rollout_id: int, fmt: str) -> None:
    """Where rollout ROLLOUT_ID stands: stage, last analysis, what it waits for."""
    _show(context.client().get(f"/api/v1/rollouts/{rollout_id}"), fmt)


@rollout.command("list")
@click.option("--all", "everything", is_flag=True, help="ended rollouts too")
@click.option("--flag", help="only this flag's")
@format_option()
def list_command(everything: bool, flag: str | None, fmt: str) -> None:
    """Rollouts, newest first (active ones unless --all)."""
    from unlockstep.server.wire import Page
    from unlockstep.server.wire_rollouts import RolloutOut

    params: dict[str, Any] = {} if everything else {"active": "true"}
    if flag:
        params["flag"] = flag
    page = Page[RolloutOut].model_validate(context.client().get("/api/v1/rollouts", params=params))

    def text(_: Any) -> str:
        if not page.items:
            return "no rollouts" if everything else "no active rollouts"
        rows = [
            (f"#{r.id}", r.flag, r.environment, r.status, f"{r.stage + 1}/{len(r.stages)}",
             r.stage_name, r.last_analysis.status if r.last_analysis else "", r.waiting_for)
            for r in page.items
        ]  # fmt: skip
        headers = ["id", "flag", "env", "status", "stage", "name", "analysis", "waiting for"]
        return table(rows, headers)

    emit(fmt, page.model_dump(mode="json"), text)


def _action(verb: str, doc: str) -> click.Command:
    @click.argument("rollout_id", type=int)
    @click.option("--reason", help="why, for the audit trail")
    @format_option()
    def command(rollout_id: int, reason: str | None, fmt: str) -> None:
        raw = context.client().post(f"/api/v1/rollouts/{rollout_id}/{verb}", {"reason": reason})
        _show(raw, fmt)

    command.__doc__ = doc
    return rollout.command(verb)(command)


promote_command = _action(
    "promote", "Approve a waiting stage, or go on to the next stage now (audited)."
)
pause_command = _action("pause", "Pause: nothing moves until resumed, promoted or aborted.")
resume_command = _action("resume", "Resume a paused rollout: its stage is analysed again.")
abort_command = _action(
    "abort", "Abort: the safe variant for everyone at once (the kill switch), with the reason."
)


@rollout.command("demo")
@click.option("--environment", "-e", default="staging", show_default=True)
@format_option()
def demo_command(environment: str, fmt: str) -> None:
    """Roll out risk.explanation.display on the demo server, fed by simulated traffic: it
    promotes twice, then aborts on an injected error-rate rise (exit 1 if it does not)."""
    from unlockstep.cli.output import emit_json
    from unlockstep.cli.rollout_demo import run_demo

    say = (lambda _: None) if fmt == "json" else click.echo
    ok, shown = run_demo(context.client(), environment, say)
    if fmt == "json":
        emit_json(shown)
    if not ok:
        click.get_current_context().exit(1)


@click.group("analysis")
def analysis() -> None:
    """Metric analyses: checks with conditions and limits, judged pass / fail / inconclusive."""


@analysis.command("run")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--arg", "args", multiple=True, metavar="NAME=VALUE", help="fill {{NAME}}")
@click.option("--consumer", "consumers", multiple=True, help="a consumer for perConsumer checks")
@click.option("--prometheus", "prometheus_url", help="Prometheus for checks without address")
@click.option(
    "--server",
    "on_server",
    is_flag=True,
    help="run it on the server (UNLOCKSTEP_URL), which stores and audits it",
)
@click.option(
    "--contract",
    metavar="PROVIDER/NAME",
    help="with --server: its consumers in the registry, for perConsumer checks",
)
@format_option()
def run_command(
    file: str, args: tuple[str, ...], consumers: tuple[str, ...], prometheus_url: str | None,
    on_server: bool, contract: str | None, fmt: str,
) -> None:  # fmt: skip
    """Run the analysis template FILE once to its end (count × interval), here or on the
    server; exit 1 unless it passes."""
    from unlockstep.core.analysis import instantiate, parse_template
    from unlockstep.errors import InvalidInput
    from unlockstep.files import read_mapping
    from unlockstep.server.wire_rollouts import AnalysisRunOut
    from unlockstep.services.analysis import run_once
    from unlockstep.services.analysis_providers import Context

    values: dict[str, str] = {}
    for item in args:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InvalidInput(f"--arg {item!r} is not NAME=VALUE", where="--arg")
        values[name] = value
    raw = read_mapping(file, "an analysis template must be an object with checks")
    if on_server:
        body = {"analysis": raw, "args": values, "consumers": list(consumers),
                "contract": contract}  # fmt: skip
        shown = AnalysisRunOut.model_validate(context.client().post("/api/v1/analysis-runs", body))
    else:
        template = instantiate(parse_template(raw, file), values, consumers)
        url = prometheus_url or context.settings().prometheus_url or None
        shown = AnalysisRunOut.model_validate(run_once(template, Context(prometheus_url=url)))
    emit(fmt, shown.model_dump(mode="json"), lambda _: "\n".join(_analysis_text(shown, "")))
    if shown.status != "pass":
        click.get_current_context().exit(1)


COMMANDS: tuple[click.Command, ...] = (rollout, analysis)
