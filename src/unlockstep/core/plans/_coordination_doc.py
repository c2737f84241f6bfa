"""The release coordination document (seed §28) in Markdown, and its JSON twin.

Goal, services, contracts changed, risk, lockstep (when any), rollout strategy with a
Mermaid diagram of the step graph, compatibility window, flags, observability, rollback,
cleanup and the §38 checklist. The same report always gives the same bytes.
"""

from __future__ import annotations

import json

from unlockstep.core.plans._check import PlanReport
from unlockstep.core.plans._steps import Step


def render_json(report: PlanReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _code(text: str) -> str:
    return f"`{text}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _mermaid_label(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", " ")


def mermaid(report: PlanReport) -> list[str]:
    steps = report.graph.steps
    node = {s.id: f"s{i}" for i, s in enumerate(steps)}
    pos = report.graph.index()
    in_cycle = {sid for group in report.lockstep for sid in group.component}
    lines = ["```mermaid", "flowchart TD"]
    for level_no, level in enumerate(report.schedule.levels, start=1):
        lines.append(f'  subgraph L{level_no}["stage {level_no}"]')
        for sid in level:
            step = steps[pos[sid]]
            lines.append(f'    {node[sid]}["{_mermaid_label(_label(step))}"]')
        lines.append("  end")
    for sid in report.schedule.blocked:
        step = steps[pos[sid]]
        lines.append(f'  {node[sid]}["{_mermaid_label(_label(step))}"]')
    for e in report.graph.edges:
        arrow = "-.->|lockstep|" if e.before in in_cycle and e.after in in_cycle else "-->"
        lines.append(f"  {node[e.before]} {arrow} {node[e.after]}")
    if in_cycle:
        lines.append("  classDef lockstep stroke:#d00,stroke-width:3px")
        members = ",".join(node[s.id] for s in steps if s.id in in_cycle)
        lines.append(f"  class {members} lockstep")
    lines.append("```")
    return lines


def _label(step: Step) -> str:
    return f"{step.actor}: {step.action}"


def _step_lines(number: int, step: Step) -> list[str]:
    out = [f"{number}. **{step.actor}** — {step.action} ({_code(step.id)}, {step.phase})"]
    if step.flag:
        out.append(f"   - flag {_code(step.flag)}: {step.flip or 'flips'}")
    for gate in step.gates:
        out.append(f"   - gate before it ({gate.kind}): {gate.text}")
    if step.after:
        out.append(f"   - after: {', '.join(_code(a) for a in step.after)}")
    if step.rollback:
        out.append(f"   - rollback: {step.rollback}")
    if step.roll_forward:
        out.append(f"   - roll forward: {step.roll_forward}")
    return out


def render_markdown(report: PlanReport) -> str:
    p = report.plan
    by_id = {s.id: s for s in report.graph.steps}
    out: list[str] = [f"# Release Coordination: {p.title}", ""]
    verdict = "passes" if report.ok else "FAILS"
    out += [
        f"Change {_code(p.change)} · owner {p.owner or '(none)'} · risk "
        f"**{report.risk.level.label}** · check {verdict} on {report.today.isoformat()}",
        "",
    ]
    out += ["## Goal", "", p.goal or "_Not stated._", ""]
    out += ["## Services Involved", ""]
    for s in p.services:
        owner = f" [{s.owner}]" if s.owner else ""
        out.append(f"- {s.name} ({s.role.value}){owner}: {s.change or '—'}")
    out.append("")
    out += ["## Contracts Changed", ""]
    if report.contracts:
        out += [
            "| contract | provider | consumers | change | coordination | safe default | "
            "how known |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in report.contracts:
            c = r.contract
            row = r.row
            out.append(
                "| "
                + " | ".join(
                    _cell(x)
                    for x in (
                        f"{c.group} {c.name}" + (f" ({c.field})" if c.field else ""),
                        c.provider,
                        ", ".join(c.consumers) or "—",
                        (row.title if row else "unknown")
                        + (" — in place" if c.strategy.value == "in-place" else ""),
                        row.coordination.label if row else "unknown",
                        row.safe_default if row else "—",
                        r.reason,
                    )
                )
                + " |"
            )
    else:
        out.append("_None listed._")
    out.append("")
    out += ["## Risk", "", f"**{report.risk.level.label}**", ""]
    out += [f"- {why}" for why in report.risk.why]
    out.append("")
    if report.lockstep:
        out += [
            "## Lockstep",
            "",
            "These services can only ship together: the required orderings form a cycle.",
            "",
        ]
        for n, group in enumerate(report.lockstep, start=1):
            loop = " → ".join([*group.cycle_services, group.cycle_services[0]])
            out += [f"### Lockstep {n}: {loop}", ""]
            for e in group.edges:
                out.append(f"- {by_id[e.before].actor} before {by_id[e.after].actor}: {e.reason}")
            extra = len(group.component_edges) - len(group.edges)
            if extra > 0:
                out.append(f"- and {extra} more ordering(s) among {', '.join(group.services)}")
            out += ["", "Break it compatibility-first:", ""]
            out += [f"- {fix}" for fix in group.fixes]
            out.append("")
    out += ["## Rollout Strategy", ""]
    number = 0
    for level_no, level in enumerate(report.schedule.levels, start=1):
        parallel = " (in parallel)" if len(level) > 1 else ""
        out += [f"### Stage {level_no}{parallel}", ""]
        for sid in level:
            number += 1
            out += _step_lines(number, by_id[sid])
        out.append("")
    if report.schedule.blocked:
        out += ["### Cannot be ordered (lockstep)", ""]
        for sid in report.schedule.blocked:
            number += 1
            out += _step_lines(number, by_id[sid])
        out.append("")
    out += mermaid(report)
    out.append("")
    out += ["## Compatibility Window", ""]
    w, wr = p.window, report.window
    if w is None or wr is None:
        out.append("_No window stated._")
    else:
        out.append(
            f"{w.starts.isoformat()} to {w.ends.isoformat()} ({wr.state}, "
            f"{wr.days_left} day(s) left)"
        )
        if w.producer_supports:
            out += ["", f"Producer supports: {', '.join(w.producer_supports)}"]
        if wr.consumers:
            out += ["", "Consumers required by the end:", ""]
            out += [f"- {c.what}: **{c.status}** ({c.detail})" for c in wr.consumers]
        if w.cleanup_after:
            out += ["", f"Cleanup after: {'; '.join(w.cleanup_after)}"]
    out.append("")
    out += ["## Flags", ""]
    if p.flags:
        for f in p.flags:
            expires = f.expires.isoformat() if f.expires else "no expiry"
            out.append(
                f"- {_code(f.key)} ({f.type}) owner {f.owner or 'none'}, "
                f"expires {expires}" + (", kill switch" if f.kill_switch else "")
            )
    else:
        out.append("_None._")
    out.append("")
    out += ["## Observability", ""]
    out += [f"- {_code(m)}" for m in p.observability] or ["_None stated._"]
    out.append("")
    out += [
        "## Rollback / Roll-forward",
        "",
        p.rollback or "_Not stated; each step above carries its own rollback._",
        "",
    ]
    out += ["## Cleanup", ""]
    if report.cleanup:
        for item in report.cleanup:
            due = item.due.isoformat() if item.due else "no due date"
            state = "done" if item.done else ("OVERDUE" if item.overdue else "open")
            issue = f"{item.issue}: " if item.issue and item.issue != item.title else ""
            out.append(
                f"- {issue}{item.title} — owner {item.owner or 'none'}, due {due} (**{state}**)"
            )
            out += [f"  - {b.what}: {b.status} ({b.detail})" for b in item.blockers]
            out += [f"  - problem: {pr}" for pr in item.problems]
    else:
        out.append("_No cleanup items._")
    out.append("")
    out += ["## Checklist", ""]
    for a in report.checklist:
        mark = "x" if a.answered else " "
        out.append(f"- [{mark}] {a.question} — {a.answer}")
    out.append("")
    if report.errors or report.warnings:
        out += ["## Findings", ""]
        out += [f"- error: {e}" for e in report.errors]
        out += [f"- warning: {w_}" for w_ in report.warnings]
        out.append("")
    return "\n".join(out)
