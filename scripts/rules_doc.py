"""Writes ``docs/rules.md`` from the rule catalogue.

    python scripts/rules_doc.py > docs/rules.md

A test (``tests/core/test_rules.py``) keeps the file current.
"""

from __future__ import annotations

from collections.abc import Iterable

from unlockstep.core import engines
from unlockstep.core.compat import FAMILIES, RULES, Breaks, Level

engines.load_all()  # every engine declares its rules on import


def markdown_table(kinds: Iterable[str] | None = None) -> str:
    """``docs/rules.md``: one table per engine kind."""
    wanted = set(kinds) if kinds is not None else {r.kind for r in RULES.values()}
    out = [
        "# Compatibility rules",
        "",
        "Generated from the rule catalogue (`unlockstep.core.compat.RULES`; run"
        " `python scripts/rules_doc.py > docs/rules.md` to regenerate; a test keeps this file"
        " current).",
        "",
        "**breaks** is whom a change typically hurts: `writers` (data or requests valid under"
        " the old contract are rejected by the new one), `readers` (the new contract allows"
        " data a reader of the old one does not expect), `both`, `none`. Some rules compute it"
        " per occurrence; the column shows the usual value.",
        "",
        "**level** is `breaking` when the change hurts the side the check protects (for a JSON"
        " Schema `diff`, writers: BACKWARD means the new schema reads old data; the OpenAPI"
        " engine protects writers for request bodies and readers for responses), except:"
        " *tolerable* rules are a `warning` for tolerant readers (`breaking` when a consumer is"
        " declared strict), and *unprovable* rules are a `warning` under the LENIENT policy and"
        " `breaking` under STRICT. Changes that hurt nobody are `info`; the rest `warning`."
        " Migration rules have one level whoever is protected (a lock stalls everyone);"
        " *at least* names the least level a rule has in the context its id names. Every"
        " engine takes its levels from this catalogue (`unlockstep.core.compat.judge`).",
        "",
        "Engines that compare embedded schemas prefix the ids (e.g."
        " `message-payload-property-removed`); inside OpenAPI documents they carry oasdiff's"
        " ids for where they sit (`openapi-schema`, e.g. `request-body-min-increased`,"
        " `response-optional-property-removed`).",
    ]
    out += [
        "",
        "Prefixed ids that keep the base engine's name are declared as families: the id is the"
        " prefix followed by an id of the base kind, with that rule's meaning in the context.",
        "",
        "| prefix | reported by | followed by an id of | context |",
        "| --- | --- | --- | --- |",
    ]
    for prefix in sorted(FAMILIES):
        f = FAMILIES[prefix]
        out.append(f"| `{prefix}…` | {f.kind} | {f.base} | {f.context} |")
    for kind in sorted(wanted):
        out += [
            "",
            f"## {kind}",
            "",
            "| rule | breaks | level (when it hurts the protected side) | meaning | suggestion |",
            "| --- | --- | --- | --- | --- |",
        ]
        for rule in sorted((r for r in RULES.values() if r.kind == kind), key=lambda r: r.id):
            level = "breaking"
            if rule.level is not None:
                level = f"{rule.level.value} (always)"
            elif rule.breaks is Breaks.NONE:
                level = "info"
            elif rule.tolerable:
                level = "warning (breaking for strict readers)"
            elif rule.unprovable:
                level = "warning under LENIENT, breaking under STRICT"
            if rule.floor is Level.BREAKING or (rule.floor is not None and level == "info"):
                level = f"{rule.floor.value} (always)"
            elif rule.floor is not None:
                level += f"; at least {rule.floor.value} in any case"
            cells = [f"`{rule.id}`", rule.breaks.value, level, rule.summary, rule.suggestion]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown_table(), end="")
