"""The catalogue of rule ids: what each one means, whom it hurts, and the safer way.

Every engine declares its rules here (``declare``) so that rule ids stay stable, each has a
suggestion, and ``docs/rules.md`` is generated from one table (``markdown_table``; a test
keeps the file current). A rule's *level* is not fixed: it depends on who is hurt
(``breaks``) and whose side the caller takes (``breaking_for``)::

    breaks in breaking_for      -> breaking
      ... but tolerable and the reader is tolerant (not strict_reader) -> warning
      ... but unprovable and the policy is LENIENT                     -> warning
    breaks is none              -> info
    otherwise                   -> warning

``tolerable``: a tolerant reader survives it (a new enum value, a new property in a closed
model). ``unprovable``: not provably safe, but safe in practice (a property added to an open
content model may clash with undeclared data nobody sends); STRICT policy calls it breaking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from unlockstep.core.compat import Breaks, Level, Policy


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str  # the engine that reports it, e.g. "jsonschema"
    breaks: Breaks  # whom it typically hurts (some rules compute it per case)
    summary: str
    suggestion: str = ""
    tolerable: bool = False
    unprovable: bool = False


#: rule id -> rule, for every engine. Ids are unique across engines.
RULES: dict[str, Rule] = {}


def declare(rules: Iterable[Rule]) -> dict[str, Rule]:
    """Register ``rules``; returns them by id for the declaring module's own use."""
    own: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in RULES and RULES[rule.id] != rule:
            raise ValueError(f"rule id {rule.id!r} declared twice")
        RULES[rule.id] = rule
        own[rule.id] = rule
    return own


def level_for(
    rule: Rule,
    breaks: Breaks,
    *,
    breaking_for: frozenset[Breaks],
    policy: Policy,
    strict_reader: bool = False,
) -> Level:
    """The level of one occurrence of ``rule`` that hurts ``breaks``."""
    if breaks is Breaks.NONE:
        return Level.INFO
    if breaks not in breaking_for:
        return Level.WARNING
    if rule.tolerable and breaks is Breaks.READERS and not strict_reader:
        return Level.WARNING
    if rule.unprovable and policy is Policy.LENIENT:
        return Level.WARNING
    return Level.BREAKING


def markdown_table(kinds: Iterable[str] | None = None) -> str:
    """``docs/rules.md``: one table per engine kind."""
    wanted = set(kinds) if kinds is not None else {r.kind for r in RULES.values()}
    out = [
        "# Compatibility rules",
        "",
        "Generated from `unlockstep.core.rules.RULES` (run `python -m unlockstep.core.rules`"
        " to regenerate; a test keeps this file current).",
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
        " `breaking` under STRICT. Changes that hurt nobody are `info`; the rest `warning`.",
        "",
        "Engines that compare embedded schemas prefix the ids (e.g."
        " `message-payload-property-removed`); inside OpenAPI documents they carry oasdiff's"
        " ids for where they sit (`openapi-schema`, e.g. `request-body-min-increased`,"
        " `response-optional-property-removed`).",
    ]
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
            if rule.breaks is Breaks.NONE:
                level = "info"
            elif rule.tolerable:
                level = "warning (breaking for strict readers)"
            elif rule.unprovable:
                level = "warning under LENIENT, breaking under STRICT"
            cells = [f"`{rule.id}`", rule.breaks.value, level, rule.summary, rule.suggestion]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    # Run as a script this module is ``__main__``; the engines fill the imported copy.
    import unlockstep.core.engines  # noqa: F401
    from unlockstep.core import rules

    print(rules.markdown_table(), end="")
