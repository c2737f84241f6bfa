"""The state of one OpenAPI comparison: both documents, the options, and the changes found
so far, with the helpers every OpenAPI rule module uses to record a change."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from unlockstep.core.compat import (
    EVERYONE,
    SEVERITY,
    Breaks,
    Change,
    Level,
    Location,
    Policy,
    at_least,
    judge,
    rule_of,
)
from unlockstep.core.documents import value_at
from unlockstep.core.jsonschema import compare_schemas
from unlockstep.core.openapi._composition import composition_changes, uses_compositions
from unlockstep.core.openapi._deprecation import (
    Deprecation,
    Removal,
    judge_property_removal,
    judge_removal,
)
from unlockstep.core.openapi._discriminator import discriminator_changes, uses_discriminators
from unlockstep.core.openapi._document import OpenAPIDocument, Refs
from unlockstep.core.openapi._schema_finding import REQUEST, RESPONSE, refine
from unlockstep.core.openapi._schema_rules import openapi_id
from unlockstep.core.openapi._unchanged import Unchanged

REMOVE_FIRST = (
    "deprecate it first (`deprecated: true` and an `x-sunset` date), wait for the sunset and "
    "for usage to reach zero, then remove it"
)


#: OpenAPI ids of a plain schema wrapped in anyOf/oneOf (``jsonschema_objects.wrapping``)
_WRAPPINGS = ("-wrapped-in-one-of", "-became-nullable")


@dataclass(frozen=True)
class Roles:
    """Who writes and who reads each message of an operation.

    One side is the provider, whose new version this is: a change that only hurts the
    provider is information. The other party keeps running old versions, so a change
    that hurts it is a finding. For an operation under ``paths`` the other party (clients)
    writes the request and reads the response; for a webhook the provider sends the
    request and the other party (subscribers) reads it and writes the response. The rules
    say whom a change hurts in terms of a message's writers and readers; ``Roles`` turns
    that into who is hurt here."""

    other: str  # what the other party is called in messages
    other_writes_request: bool

    def other_side(self, request: bool) -> Breaks:
        """The other party's role in the request (``request``) or response message."""
        return Breaks.WRITERS if self.other_writes_request == request else Breaks.READERS

    def protects(self, request: bool) -> frozenset[Breaks]:
        """``breaking_for`` of the JSON Schema engine for a schema inside that message."""
        return _PROTECTS[self.other_side(request)]


_PROTECTS = {side: frozenset({side, Breaks.BOTH}) for side in (Breaks.WRITERS, Breaks.READERS)}


OPERATION = Roles("clients", other_writes_request=True)
WEBHOOK = Roles("subscribers", other_writes_request=False)

#: why and the safer way, for a change that hurts a message's old writers or readers:
#: ``{party}`` in the why becomes the other party's name
Hurt = tuple[str, str]


@dataclass
class Side:
    doc: OpenAPIDocument
    refs: Refs

    def at(self, pointer: str) -> Location:
        return Location(pointer=pointer, file=self.doc.filename, find_line=self.doc.line)


@dataclass
class Comparison:
    """One run of the OpenAPI rules over a pair of documents."""

    old: Side
    new: Side
    policy: Policy
    today: date
    strict_reader: bool
    #: whose side each message is on (``WEBHOOK`` while a webhook's operations are compared)
    roles: Roles = OPERATION
    changes: list[Change] = field(default_factory=list)
    unchanged: Unchanged = field(init=False)
    discriminators: bool = field(init=False)  # either document has one
    compositions: bool = field(init=False)  # either document has an allOf/anyOf/oneOf
    #: (prefix, old $ref, new $ref) pairs the composition walk has been through
    composed: set[Any] = field(default_factory=set)
    #: changes found for a schema that is only a ``$ref`` (one component used by many
    #: operations is compared once)
    by_ref: dict[tuple[str, str, frozenset[Breaks], str], list[Change]] = field(
        default_factory=dict
    )
    also: dict[int, list[str]] = field(default_factory=dict)  # id(change) -> more subjects

    def result(self) -> list[Change]:
        """The changes, each distinct finding once: a change inside a component that several
        operations use names them all in ``details["operations"]``."""
        merged: dict[tuple[Any, ...], tuple[Change, list[str]]] = {}
        for change in self.changes:
            loc = change.location
            key = (change.rule, change.level, change.breaks, loc.pointer, loc.file, change.message)
            subjects = [loc.subject, *self.also.get(id(change), ())]
            if key in merged:
                merged[key][1].extend(subjects)
            else:
                merged[key] = (change, subjects)
        out = []
        for change, subjects in merged.values():
            unique = list(dict.fromkeys(subjects))
            if len(unique) > 1:
                change = replace(change, details={**change.details, "operations": unique})
            out.append(change)
        return out

    def __post_init__(self) -> None:
        self.unchanged = Unchanged(self.old.doc.root, self.new.doc.root)
        self.discriminators = uses_discriminators(self.old.doc.root) or uses_discriminators(
            self.new.doc.root
        )
        self.compositions = uses_compositions(self.old.doc.root) or uses_compositions(
            self.new.doc.root
        )

    def add(
        self,
        rule: str,
        breaks: Breaks,
        subject: str,
        pointer: str,
        message: str,
        suggestion: str = "",
        *,
        side: str = "new",
        details: dict[str, Any] | None = None,
        breaking_for: frozenset[Breaks] = EVERYONE,
    ) -> None:
        """Record one change that hurts ``breaks`` (``none``: only the provider); its level
        comes from the rule catalogue. ``breaking_for``: the sides this check protects."""
        doc = self.new if side == "new" else self.old
        loc = doc.at(pointer)
        level = judge(
            rule,
            breaks,
            policy=self.policy,
            breaking_for=breaking_for,
            strict_reader=self.strict_reader,
        )
        self.changes.append(
            Change(
                rule=rule,
                level=level,
                breaks=breaks,
                location=Location(subject, loc.pointer, loc.file, loc.line),
                message=message,
                suggestion=suggestion,
                details=details or {},
            )
        )

    def effect(
        self,
        rule: str,
        request: bool,
        subject: str,
        pointer: str,
        what: str,
        *,
        writers: Hurt | None = None,
        readers: Hurt | None = None,
        own_when_strict: bool = False,
        side: str = "new",
    ) -> None:
        """Record ``what`` happened to the request (``request``) or response message.
        ``writers``/``readers`` say why and what to do instead when the change hurts that
        message's old writers/readers; when that is the other party (``roles``) it is a
        finding, otherwise it only concerns the provider: information, or a warning under the
        STRICT policy when ``own_when_strict`` (levels from the catalogue)."""
        other = self.roles.other_side(request)
        protects = self.roles.protects(request)
        hurt = writers if other is Breaks.WRITERS else readers
        if hurt is None:
            own = Breaks.READERS if other is Breaks.WRITERS else Breaks.WRITERS
            strict = own_when_strict and self.policy is Policy.STRICT
            breaks = own if strict else Breaks.NONE
            self.add(rule, breaks, subject, pointer, what, side=side, breaking_for=protects)
            return
        why, suggestion = hurt
        message = f"{what}; {why.format(party=self.roles.other)}" if why else what
        self.add(rule, other, subject, pointer, message, suggestion, side=side)

    def schemas(
        self,
        old: Any,
        new: Any,
        *,
        request: bool,
        rule_prefix: str,
        subject: str,
        pointer: str,
    ) -> None:
        if self.unchanged.same(old, new):
            return
        breaking_for = self.roles.protects(request)
        key = _ref_pair(old, new, breaking_for, rule_prefix)
        if key is not None and key in self.by_ref:
            for change in self.by_ref[key]:
                self.also.setdefault(id(change), []).append(subject)
            return
        start = len(self.changes)
        parameter = self.new.refs.deref(value_at(self.new.doc.root, pointer[:-7]))
        header = pointer.endswith("/schema") and _dict_get(parameter, "in") == "header"
        roots = {pointer, *_ref_targets(old, self.old.doc.root)}
        roots.update(_ref_targets(new, self.new.doc.root))
        found = compare_schemas(
            old,
            new,
            old_resolver=self.old.doc.resolver,
            new_resolver=self.new.doc.resolver,
            policy=self.policy,
            breaking_for=breaking_for,
            rule_prefix=rule_prefix,
            subject=subject,
            pointer=pointer,
            strict_reader=self.strict_reader,
            unprotected=OWN_SIDE,
        )
        named = [
            (c.rule, named) for c in found for named in self._named(rule_prefix, roots, c, header)
        ]
        self.changes.extend(_worst_per_finding(named))
        if rule_prefix in (REQUEST, RESPONSE) and self.discriminators:
            self._discriminators(old, new, rule_prefix, roots, subject, pointer)
        if rule_prefix in (REQUEST, RESPONSE) and self.compositions:
            self._compositions(old, new, rule_prefix, roots, subject, pointer, start)
        if key is not None:
            self.by_ref[key] = self.changes[start:]

    def _discriminators(
        self, old: Any, new: Any, prefix: str, roots: set[str], subject: str, pointer: str
    ) -> None:
        for found in discriminator_changes(
            old, new, old_root=self.old.doc.root, new_root=self.new.doc.root, pointer=pointer
        ):
            at_root = found.at_root or found.pointer in roots
            side = "old" if found.name == "discriminator-removed" else "new"
            rule = openapi_id(prefix, found.name, at_root=at_root)
            self.add(rule, Breaks.NONE, subject, found.pointer, found.message, side=side)

    def _compositions(
        self,
        old: Any,
        new: Any,
        prefix: str,
        roots: set[str],
        subject: str,
        pointer: str,
        start: int,
    ) -> None:
        """Branch lists that changed, as information where the engine's judgement of the
        schema did not already report the same id (see ``openapi_composition``)."""
        judged = {c.rule for c in self.changes[start:]}
        # a plain schema wrapped in anyOf/oneOf is judged as the wrapping, not a list change
        wrapped = {c.location.pointer for c in self.changes[start:] if c.rule.endswith(_WRAPPINGS)}
        for found in composition_changes(
            old,
            new,
            old_root=self.old.doc.root,
            new_root=self.new.doc.root,
            pointer=pointer,
            seen=self.composed,
            prefix=prefix,
        ):
            rule = openapi_id(prefix, found.name, at_root=found.pointer in roots)
            if rule in judged or (found.side == "new" and found.pointer in wrapped):
                continue
            self.add(
                rule,
                Breaks.NONE,
                subject,
                found.pointer,
                found.message,
                side=found.side,
            )

    def _named(
        self, prefix: str, roots: set[str], change: Change, header: bool = False
    ) -> list[Change]:
        """``change`` under its OpenAPI id(s) (see ``openapi_schema_rules``): one finding
        may be several in oasdiff's terms (an ``if`` and a ``then`` added)."""
        found = refine(
            change.rule.removeprefix(prefix),
            change.location.pointer,
            self.old.doc.root,
            self.new.doc.root,
            change.details,
        )
        schema = value_at(self.new.doc.root, found.pointer)
        if schema is None:
            schema = value_at(self.old.doc.root, found.pointer)
        out = []
        for name in found.names:
            rule = openapi_id(
                prefix,
                name,
                at_root=found.pointer in roots,
                schema=schema,
                required=found.required,
                header=header,
            )
            level, breaks = change.level, change.breaks
            if found.exempt(prefix):  # never sent in this direction: hurts nobody
                breaks = Breaks.NONE
                level = judge(rule, breaks, policy=self.policy)
            entry = rule_of(rule)
            level = at_least(level, entry.floor if entry is not None else None)
            same = rule == change.rule and level is change.level and breaks is change.breaks
            named = change if same else replace(change, rule=rule, level=level, breaks=breaks)
            if name == "property-removed" and prefix in (REQUEST, RESPONSE):
                removed = f"{prefix}property-removed-with-deprecation"
                named = judge_property_removal(named, self.today, removed)
            out.append(named)
        return out

    # -- removal of anything with a lifecycle -------------------------------------------

    def removed(
        self,
        what: str,
        rules: RemovalRules,
        record: Deprecation,
        subject: str,
        pointer: str,
        breaks: Breaks,
    ) -> None:
        """Record the removal of ``what``, judged against its deprecation record."""
        details = {"deprecation": record.to_dict(), "today": self.today.isoformat()}
        if record.deprecated and record.sunset_text and record.sunset is None:
            self.add(
                rules.unreadable_sunset,
                breaks,
                subject,
                pointer,
                f"{what} was removed, but its sunset {record.sunset_text!r} is not a date",
                "write the sunset as an ISO date (2026-08-05)",
                side="old",
                details=details,
            )
            return
        verdict = judge_removal(record, self.today)
        if verdict is Removal.WITHOUT_DEPRECATION:
            self.add(
                rules.without_deprecation,
                breaks,
                subject,
                pointer,
                f"{what} was removed without being deprecated first",
                REMOVE_FIRST,
                side="old",
                details=details,
            )
        elif verdict is Removal.BEFORE_SUNSET:
            self.add(
                rules.before_sunset,
                breaks,
                subject,
                pointer,
                f"{what} was removed before its sunset date {record.sunset}",
                f"keep it until {record.sunset} and until usage reaches zero",
                side="old",
                details=details,
            )
        else:
            sunset = f" and sunset {record.sunset}" if record.sunset else ""
            self.add(
                rules.with_deprecation,
                Breaks.NONE,
                subject,
                pointer,
                f"{what} was removed after its deprecation{sunset}",
                side="old",
                details=details,
            )

    def deprecation_changed(
        self,
        rules: tuple[str, str],
        what: str,
        before: Deprecation,
        after: Deprecation,
        subject: str,
        pointer: str,
    ) -> None:
        """``what`` became deprecated (the first rule) or is no longer deprecated (the second)."""
        deprecated, reactivated = rules
        if after.deprecated and not before.deprecated:
            self.add(
                deprecated,
                Breaks.NONE,
                subject,
                pointer,
                f"{what} is now deprecated",
                details={"deprecation": after.to_dict()},
            )
        elif before.deprecated and not after.deprecated:
            self.add(reactivated, Breaks.NONE, subject, pointer, f"{what} is no longer deprecated")

    def sunset_moved(
        self,
        what: str,
        rules: SunsetRules,
        before: Deprecation,
        after: Deprecation,
        subject: str,
        pointer: str,
    ) -> None:
        """A deprecated element's announced sunset was deleted or moved earlier."""
        details = {"before": before.to_dict(), "after": after.to_dict()}
        unreadable = next(
            (r for r in (after, before) if r.deprecated and r.sunset_text and r.sunset is None),
            None,
        )
        if unreadable is not None and (before.sunset_text or after.sunset_text):
            if before.sunset_text != after.sunset_text or not before.deprecated:
                rule = rules.unreadable if before.deprecated else rules.unreadable_new
                self.add(
                    rule,
                    Breaks.BOTH,
                    subject,
                    pointer,
                    f"the sunset of {what} is not a date: {unreadable.sunset_text!r}",
                    "write the sunset as an ISO date (2026-08-05)",
                    details=details,
                )
            return
        if not before.sunset or not after.deprecated:
            return
        if after.sunset_text is None:
            self.add(
                rules.deleted,
                Breaks.BOTH,
                subject,
                pointer,
                f"the sunset date {before.sunset} of {what} was deleted",
                "keep the announced sunset date, or move it later",
                details=details,
            )
        if after.sunset and after.sunset < before.sunset:
            self.add(
                rules.too_small,
                Breaks.BOTH,
                subject,
                pointer,
                f"the sunset of {what} moved earlier, from {before.sunset} to {after.sunset}",
                "clients planned for the announced date; move a sunset only later",
                details=details,
            )


def _ref_pair(
    old: Any, new: Any, protects: frozenset[Breaks], prefix: str
) -> tuple[str, str, frozenset[Breaks], str] | None:
    if isinstance(old, dict) and isinstance(new, dict) and len(old) == 1 and len(new) == 1:
        old_ref, new_ref = old.get("$ref"), new.get("$ref")
        if isinstance(old_ref, str) and isinstance(new_ref, str):
            return (old_ref, new_ref, protects, prefix)
    return None


def _worst_per_finding(named: list[tuple[str, Change]]) -> list[Change]:
    """Two engine findings that get the same OpenAPI name at the same place (a new required
    property is also a property declared in an open model; a replaced ``const`` is a value
    removed and one added) are one finding: only the engine rule with the worse level is
    kept there. Several findings of one engine rule (two enum values added) all stay."""
    best: dict[tuple[str, str], tuple[str, Level]] = {}
    for engine_rule, change in named:
        key = (change.rule, change.location.pointer)
        kept = best.get(key)
        if kept is None or SEVERITY[change.level] > SEVERITY[kept[1]]:
            best[key] = (engine_rule, change.level)
    return [
        change
        for engine_rule, change in named
        if best[(change.rule, change.location.pointer)][0] == engine_rule
    ]


def _dict_get(node: Any, key: str) -> Any:
    return node.get(key) if isinstance(node, dict) else None


def _ref_targets(schema: Any, root: Any) -> list[str]:
    """The pointers a schema that is only a local ``$ref`` (chain) stands for."""
    out: list[str] = []
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and len(out) < 32:
        ref = schema["$ref"]
        if not ref.startswith("#/") or ref[1:] in out:
            break
        out.append(ref[1:])
        schema = value_at(root, ref[1:])
    return out


#: A schema change that only hurts the side this contract's owner is on itself (the provider
#: reading requests, writing responses) is information: that side is the new version. Only
#: the other side's old versions are at risk.
OWN_SIDE = Level.INFO


@dataclass(frozen=True)
class RemovalRules:
    without_deprecation: str
    before_sunset: str
    with_deprecation: str
    unreadable_sunset: str


@dataclass(frozen=True)
class SunsetRules:
    deleted: str
    too_small: str
    unreadable: str
    unreadable_new: str


OPERATION_REMOVED = RemovalRules(
    "api-removed-without-deprecation",
    "api-removed-before-sunset",
    "api-removed-with-deprecation",
    "api-path-sunset-parse",
)
PATH_REMOVED = RemovalRules(
    "api-path-removed-without-deprecation",
    "api-path-removed-before-sunset",
    "api-path-removed-with-deprecation",
    "api-path-sunset-parse",
)
PARAMETER_REMOVED = RemovalRules(
    "request-parameter-removed",
    "request-parameter-removed-before-sunset",
    "request-parameter-removed-with-deprecation",
    "request-parameter-sunset-parse",
)
OPERATION_SUNSET = SunsetRules(
    "sunset-deleted",
    "api-sunset-date-changed-too-small",
    "api-path-sunset-parse",
    "api-deprecated-sunset-parse",
)
PARAMETER_SUNSET = SunsetRules(
    "request-parameter-sunset-deleted",
    "request-parameter-sunset-date-changed-too-small",
    "request-parameter-sunset-parse",
    "request-parameter-sunset-parse",
)
