"""Avro compatibility: the reader/writer schema resolution rules of the Avro specification.

``diff(old, new)`` asks the BACKWARD question of :mod:`unlockstep.core.compat._model`: can a reader
using ``new`` read data written with ``old``? Every failure is ``breaking`` and hurts
``writers`` (producers still on ``old``). The same walk then runs the other way round (a
reader on ``old``, data written with ``new``) and records what it finds as ``warning``\\s
that hurt ``readers``; a change that fails both ways is reported once, ``breaks=both``.
FORWARD and FULL come from the shared mode table calling ``diff`` with the pair swapped.

Named types match when their unqualified names are equal or the reader lists the writer's
full name among its aliases (as Apache Avro's own checker does). Pairs of named types are
memoised by identity, so recursive records terminate.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from unlockstep.core.avro._schema import (
    Array,
    AvroDocument,
    Field,
    Map,
    Named,
    Primitive,
    Schema,
    Union,
    parse_text,
)
from unlockstep.core.compat import (
    Breaks,
    Change,
    Level,
    Location,
    Policy,
    Rule,
    Source,
    declare,
    judge,
    register,
)

#: writer type -> reader types that can read it (Avro specification, "Schema Resolution").
PROMOTIONS: dict[str, frozenset[str]] = {
    "int": frozenset({"long", "float", "double"}),
    "long": frozenset({"float", "double"}),
    "float": frozenset({"double"}),
    "string": frozenset({"bytes"}),
    "bytes": frozenset({"string"}),
}

#: rule id -> (what it means, the compatibility-first way to make the change instead).
RULES: dict[str, tuple[str, str]] = {
    "field-added-without-default": (
        "A reader field is missing from the writer's schema and has no default.",
        'Give the new field a default (for an optional value: type ["null", …] with '
        "default null), so records written before it existed can still be read.",
    ),
    "field-added-with-default": (
        "A new field with a default; records written without it read the default.",
        "",
    ),
    "field-removed-without-default": (
        "A field the other side still reads, with no default there, is gone.",
        "Keep writing the field, or first give it a default in the readers' schema and wait "
        "until every consumer runs that version, then remove it.",
    ),
    "field-removed": ("A field with a default was removed; old readers use the default.", ""),
    "field-renamed-with-alias": (
        "A field was renamed and lists its old name in 'aliases'; new readers still find it.",
        "",
    ),
    "type-mismatch": (
        "The writer's type cannot be read as the reader's type.",
        "Add a new field with the new type (with a default) next to the old one, move "
        "consumers over, then retire the old field; or use an allowed promotion "
        "(int→long→float→double, string↔bytes).",
    ),
    "type-promoted": ("The writer's type is promoted to the reader's (e.g. int→long).", ""),
    "type-changed-to-union": ("A type became a union that contains a readable branch.", ""),
    "logical-type-changed": (
        "The logical type (or its precision/scale) changed; the bytes still decode but mean "
        "something else.",
        "Publish the value under a new field (or a new event type when its meaning changes).",
    ),
    "enum-symbol-removed": (
        "The writer can write an enum symbol the reader does not know, and the reader's enum "
        "has no default.",
        "Keep the symbol, or add an enum 'default' symbol first so unknown symbols map to it.",
    ),
    "enum-symbol-added": (
        "A new enum symbol; readers without it fail unless their enum has a default.",
        "Give the enum a 'default' and roll that out to consumers before adding symbols.",
    ),
    "enum-symbol-removed-with-default": (
        "An enum symbol was removed; the reader's enum default stands in for it.",
        "",
    ),
    "enum-default-changed": ("The enum's default symbol changed.", ""),
    "union-branch-removed": (
        "The writer's union can write a branch the reader cannot read.",
        "Keep the branch in the readers' schema until no producer writes it.",
    ),
    "union-branch-added": (
        "A union gained a branch; readers without it fail when they meet it.",
        "Add the branch to consumers' schemas first, and only then let producers write it.",
    ),
    "name-changed": (
        "A named type (record, enum, fixed) changed its name without an alias.",
        "Keep the old name, or add the old full name to the renamed type's 'aliases'.",
    ),
    "name-changed-with-alias": ("A named type was renamed and lists its old name as alias.", ""),
    "fixed-size-changed": (
        "A fixed type changed its size.",
        "Add a new field with a new fixed type of the new size and migrate to it.",
    ),
}

#: whom each rule usually hurts (a failure of the reverse walk hurts readers instead).
_BREAKS: dict[str, Breaks] = {
    "field-added-without-default": Breaks.WRITERS,
    "field-removed-without-default": Breaks.READERS,
    "type-mismatch": Breaks.BOTH,
    "logical-type-changed": Breaks.BOTH,
    "enum-symbol-removed": Breaks.WRITERS,
    "enum-symbol-added": Breaks.READERS,
    "union-branch-removed": Breaks.WRITERS,
    "union-branch-added": Breaks.READERS,
    "name-changed": Breaks.BOTH,
    "fixed-size-changed": Breaks.BOTH,
}

declare(
    Rule(
        rule_id,
        "avro",
        _BREAKS.get(rule_id, Breaks.NONE),
        summary,
        suggestion,
        # the value still decodes; only its meaning changes: STRICT calls it breaking
        unprovable=rule_id == "logical-type-changed",
    )
    for rule_id, (summary, suggestion) in RULES.items()
)

#: the side an Avro check protects: data written with the old schema must stay readable
_PROTECTS = frozenset({Breaks.WRITERS, Breaks.BOTH})


class _Walk:
    """One resolution walk: ``reader`` reads what ``writer`` wrote.

    ``backward`` walks have reader = new, writer = old and report breaking changes that
    hurt writers, plus information; forward walks (reader = old) report only failures, as
    warnings that hurt readers.
    """

    def __init__(self, backward: bool, policy: Policy, doc: AvroDocument | None = None) -> None:
        self.backward = backward
        self.policy = policy
        self.doc = doc  # the reader's document: pointers and lines refer to it
        self.filename = doc.filename if doc else None
        self.out: list[Change] = []
        self.memo: dict[tuple[int, int], bool] = {}
        self.seen: set[tuple[int, int]] = set()
        self.reader_name, self.writer_name = ("new", "old") if backward else ("old", "new")

    def where(self, subject: str, pointer: str) -> Location:
        line = self.doc.line_of(pointer) if self.doc else None
        return Location(subject=subject, pointer=pointer, file=self.filename, line=line)

    # -- verdict only (memoised; a pair being compared is assumed compatible) -------------

    def compatible(self, r: Schema, w: Schema) -> bool:
        if r.fp is not None and r.fp == w.fp:
            return True
        key = (id(r), id(w))
        known = self.memo.get(key)
        if known is not None:
            return known
        self.memo[key] = True
        result = self._compatible(r, w)
        self.memo[key] = result
        return result

    def _compatible(self, r: Schema, w: Schema) -> bool:
        if isinstance(w, Union):
            return all(self.compatible(r, b) for b in w.branches)
        if isinstance(r, Union):
            return any(self.compatible(b, w) for b in r.branches)
        if isinstance(r, Primitive) and isinstance(w, Primitive):
            return r.type == w.type or r.type in PROMOTIONS.get(w.type, ())
        if isinstance(r, Array) and isinstance(w, Array):
            return self.compatible(r.items, w.items)
        if isinstance(r, Map) and isinstance(w, Map):
            return self.compatible(r.values, w.values)
        if isinstance(r, Named) and isinstance(w, Named) and r.type == w.type:
            if not _names_match(r, w):
                return False
            if r.type == "fixed":
                return r.size == w.size
            if r.type == "enum":
                return set(w.symbols) <= set(r.symbols) or r.enum_default in r.symbols
            for rf in r.fields:
                wf = _writer_field(w, rf)
                if wf is None:
                    if not rf.has_default:
                        return False
                elif not self.compatible(rf.type, wf.type):
                    return False
            return True
        return False

    # -- reporting ------------------------------------------------------------------------

    def issue(self, rule: str, subject: str, pointer: str, message: str, **details: Any) -> None:
        breaks = Breaks.WRITERS if self.backward else Breaks.READERS
        level = judge(rule, breaks, policy=self.policy, breaking_for=_PROTECTS)
        self.out.append(
            Change(
                rule=rule,
                level=level,
                breaks=breaks,
                location=self.where(subject, pointer),
                message=message,
                suggestion=RULES[rule][1],
                details=details,
            )
        )

    def info(self, rule: str, subject: str, pointer: str, message: str, **details: Any) -> None:
        if self.backward:
            self.out.append(
                Change(
                    rule=rule,
                    level=judge(rule, Breaks.NONE, policy=self.policy),
                    breaks=Breaks.NONE,
                    location=self.where(subject, pointer),
                    message=message,
                    details=details,
                )
            )

    def walk(self, r: Schema, w: Schema, subject: str, pointer: str) -> None:
        if r.fp is not None and r.fp == w.fp:
            return
        if isinstance(w, Union):
            self.writer_union(r, w, subject, pointer)
        elif isinstance(r, Union):
            self.reader_union(r, w, subject, pointer)
        elif isinstance(r, Primitive) and isinstance(w, Primitive):
            self.primitive(r, w, subject, pointer)
        elif isinstance(r, Array) and isinstance(w, Array):
            self.walk(r.items, w.items, f"{subject}[]", f"{pointer}/items")
        elif isinstance(r, Map) and isinstance(w, Map):
            self.walk(r.values, w.values, f"{subject}{{}}", f"{pointer}/values")
        elif isinstance(r, Named) and isinstance(w, Named) and r.type == w.type:
            self.named(r, w, subject, pointer)
        else:
            self.type_changed(r, w, subject, pointer)

    def type_changed(self, r: Schema, w: Schema, subject: str, pointer: str) -> None:
        self.issue(
            "type-mismatch",
            subject,
            pointer,
            f"{subject}: {w.label} written with the {self.writer_name} schema cannot be read "
            f"as {r.label} by the {self.reader_name} schema",
            writer=w.label,
            reader=r.label,
        )

    def primitive(self, r: Primitive, w: Primitive, subject: str, pointer: str) -> None:
        if r.type == w.type:
            if self.backward and (r.logical != w.logical or r.props != w.props):
                rule = "logical-type-changed"
                self.out.append(
                    Change(
                        rule=rule,
                        level=judge(rule, Breaks.BOTH, policy=self.policy, breaking_for=_PROTECTS),
                        breaks=Breaks.BOTH,
                        location=self.where(subject, pointer),
                        message=f"{subject}: logical type changed from "
                        f"{_logical(w)} to {_logical(r)}; the value decodes but its meaning "
                        "changes",
                        suggestion=RULES["logical-type-changed"][1],
                    )
                )
        elif r.type in PROMOTIONS.get(w.type, ()):
            self.info(
                "type-promoted",
                subject,
                pointer,
                f"{subject}: {w.type} is promoted to {r.type} when read",
            )
        else:
            self.type_changed(r, w, subject, pointer)

    def writer_union(self, r: Schema, w: Union, subject: str, pointer: str) -> None:
        for i, branch in enumerate(w.branches):
            where = f"{subject}<{_branch_name(branch)}>"
            if isinstance(r, Union):
                target = self.pick(r, branch)
                if target is not None:
                    self.walk(target, branch, where, f"{pointer}/{r.branches.index(target)}")
                    continue
            elif self.compatible(r, branch) or _same_kind(r, branch):
                self.walk(r, branch, where if len(w.branches) > 1 else subject, pointer)
                continue
            rule = "union-branch-removed" if self.backward else "union-branch-added"
            self.issue(
                rule,
                where,
                pointer,
                f"{subject}: the {self.writer_name} schema can write {branch.label} here "
                f"(union branch {i}), which the {self.reader_name} schema cannot read",
                branch=branch.label,
            )
        if self.backward and isinstance(r, Union):
            for j, branch in enumerate(r.branches):
                if not any(self.compatible(branch, b) for b in w.branches):
                    self.info(
                        "union-branch-added",
                        f"{subject}<{_branch_name(branch)}>",
                        f"{pointer}/{j}",
                        f"{subject}: union gained branch {branch.label}",
                    )

    def reader_union(self, r: Union, w: Schema, subject: str, pointer: str) -> None:
        target = self.pick(r, w)
        if target is None:
            self.type_changed(r, w, subject, pointer)
            return
        if self.compatible(target, w):
            self.info(
                "type-changed-to-union",
                subject,
                pointer,
                f"{subject}: {w.label} became a union; old data reads as its {target.label} branch",
            )
        self.walk(target, w, subject, f"{pointer}/{r.branches.index(target)}")

    def pick(self, r: Union, w: Schema) -> Schema | None:
        """The reader branch that reads ``w``: the first compatible one of the same kind,
        else any compatible one, else one of the same kind (to report what differs)."""
        same = [b for b in r.branches if _same_kind(b, w)]
        for b in same:
            if self.compatible(b, w):
                return b
        for b in r.branches:
            if self.compatible(b, w):
                return b
        return same[0] if same else None

    def named(self, r: Named, w: Named, subject: str, pointer: str) -> None:
        key = (id(r), id(w))
        if key in self.seen:
            return
        self.seen.add(key)
        if r.fullname != w.fullname:
            if r.name == w.name:
                self.info(
                    "name-changed-with-alias",
                    subject,
                    f"{pointer}/name",
                    f"{subject}: namespace of {w.fullname} changed to {r.fullname}",
                )
            elif w.fullname in r.aliases:
                self.info(
                    "name-changed-with-alias",
                    subject,
                    f"{pointer}/name",
                    f"{subject}: {w.fullname} was renamed to {r.fullname}, with an alias",
                )
            else:
                self.issue(
                    "name-changed",
                    subject,
                    f"{pointer}/name",
                    f"{subject}: the {self.reader_name} schema names this {r.type} "
                    f"{r.fullname}, the {self.writer_name} schema {w.fullname}, and no alias "
                    "links them",
                    reader=r.fullname,
                    writer=w.fullname,
                )
        if r.type == "fixed":
            if r.size != w.size:
                self.issue(
                    "fixed-size-changed",
                    subject,
                    f"{pointer}/size",
                    f"{subject}: fixed {r.fullname} is {w.size} bytes in the {self.writer_name} "
                    f"schema and {r.size} in the {self.reader_name} schema",
                )
        elif r.type == "enum":
            self.enum(r, w, subject, pointer)
        else:
            self.record(r, w, subject, pointer)

    def enum(self, r: Named, w: Named, subject: str, pointer: str) -> None:
        missing = [s for s in w.symbols if s not in r.symbols]
        if missing and r.enum_default in r.symbols:
            self.info(
                "enum-symbol-removed-with-default",
                subject,
                f"{pointer}/symbols",
                f"{subject}: symbols {', '.join(missing)} are read as the default {r.enum_default}",
            )
        elif missing:
            rule = "enum-symbol-removed" if self.backward else "enum-symbol-added"
            self.issue(
                rule,
                subject,
                f"{pointer}/symbols",
                f"{subject}: the {self.writer_name} schema of enum {w.fullname} can write "
                f"{', '.join(missing)}, which the {self.reader_name} schema does not know and "
                "it has no default",
                symbols=missing,
            )
        added = [s for s in r.symbols if s not in w.symbols]
        if added:
            self.info(
                "enum-symbol-added",
                subject,
                f"{pointer}/symbols",
                f"{subject}: enum {r.fullname} gained {', '.join(added)}",
                symbols=added,
            )
        if r.enum_default != w.enum_default:
            self.info(
                "enum-default-changed",
                subject,
                f"{pointer}/default",
                f"{subject}: enum default changed from {w.enum_default} to {r.enum_default}",
            )

    def record(self, r: Named, w: Named, subject: str, pointer: str) -> None:
        matched: set[str] = set()
        for rf in r.fields:
            wf = _writer_field(w, rf)
            if (
                wf is not None
                and wf.name == rf.name
                and rf.type.fp is not None
                and (rf.type.fp == wf.type.fp)
            ):
                matched.add(wf.name)
                continue
            where, at = f"{subject}.{rf.name}", f"{pointer}/fields/{rf.index}"
            if wf is not None:
                matched.add(wf.name)
                if wf.name != rf.name:
                    self.info(
                        "field-renamed-with-alias",
                        where,
                        at,
                        f"{where}: field {wf.name!r} renamed to {rf.name!r} (alias kept)",
                    )
                self.walk(rf.type, wf.type, where, f"{at}/type")
            elif rf.has_default:
                self.info(
                    "field-added-with-default",
                    where,
                    at,
                    f"{where}: new field; old records read the default {json.dumps(rf.default)}",
                )
            elif self.backward:
                self.issue(
                    "field-added-without-default",
                    where,
                    at,
                    f"{where}: new field without a default; records written with the old "
                    "schema lack it, so the new schema cannot read them",
                )
            else:
                self.issue(
                    "field-removed-without-default",
                    where,
                    at,
                    f"{where}: field removed, and the old schema has no default for it; "
                    "consumers on the old schema cannot read records written with the new one",
                )
        if self.backward:
            for wf in w.fields:
                if wf.name not in matched and wf.has_default:
                    self.info(
                        "field-removed",
                        f"{subject}.{wf.name}",
                        pointer,
                        f"{subject}.{wf.name}: field removed; readers on the old schema "
                        "use its default",
                    )


def _names_match(r: Named, w: Named) -> bool:
    return r.name == w.name or w.fullname in r.aliases


def _writer_field(w: Named, rf: Field) -> Field | None:
    found = w.by_name.get(rf.name)
    if found is not None:
        return found
    for alias in rf.aliases:
        found = w.by_name.get(alias)
        if found is not None:
            return found
    return None


def _same_kind(a: Schema, b: Schema) -> bool:
    if isinstance(a, Named) and isinstance(b, Named):
        return a.type == b.type and (_names_match(a, b) or _names_match(b, a))
    return type(a) is type(b) and (not isinstance(a, Primitive) or a.type == b.type)


def _branch_name(s: Schema) -> str:
    return s.fullname if isinstance(s, Named) else s.type


def _logical(p: Primitive) -> str:
    if not p.logical:
        return "none"
    params = ", ".join(f"{k}={v}" for k, v in sorted(p.props.items()))
    return f"{p.logical}({params})" if params else p.logical


def _root_subject(s: Schema) -> str:
    return s.fullname if isinstance(s, Named) else s.type


#: what every Avro document sniffed from its content has somewhere: a named type
_NAMED_TYPE = re.compile(r'"type"\s*:\s*"(?:record|enum|fixed|error)"')


class AvroEngine:
    kind = "avro"

    def sniff(self, source: Source) -> bool:
        if source.filename.endswith(".avsc"):
            return True
        text = source.text.lstrip()
        if not text.startswith("{") or not _NAMED_TYPE.search(text):
            return False  # not parsed: a big JSON Schema would be parsed twice
        try:
            raw = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            return False
        return (
            isinstance(raw, dict)
            and raw.get("type") in ("record", "enum", "fixed", "error")
            and isinstance(raw.get("name"), str)
            and ("fields" in raw or "symbols" in raw or "size" in raw)
        )

    def parse(self, source: Source) -> AvroDocument:
        return parse_text(source.text, source.filename, source.read_relative)

    def diff(self, old: AvroDocument, new: AvroDocument, policy: Policy) -> list[Change]:
        return diff(old, new, policy)


def diff(old: AvroDocument, new: AvroDocument, policy: Policy = Policy.LENIENT) -> list[Change]:
    """Every difference from ``old`` to ``new`` (see the module docstring)."""
    subject = _root_subject(new.root)
    back = _Walk(backward=True, policy=policy, doc=new)
    back.walk(new.root, old.root, subject, "")
    fwd = _Walk(backward=False, policy=policy, doc=old)
    fwd.walk(old.root, new.root, subject, "")
    changes = back.out
    index = {(c.rule, c.location.subject): i for i, c in enumerate(changes)}
    for c in fwd.out:
        i = index.get((c.rule, c.location.subject))
        if i is None:
            changes.append(c)
        elif changes[i].level is Level.BREAKING:
            changes[i] = replace(changes[i], breaks=Breaks.BOTH)
        else:
            changes[i] = replace(c, location=changes[i].location)
    return changes


def compatible(reader: AvroDocument, writer: AvroDocument) -> bool:
    """Whether ``reader`` can read everything written with ``writer`` (verdict only)."""
    return _Walk(backward=True, policy=Policy.LENIENT).compatible(reader.root, writer.root)


def reading(reader: AvroDocument, writer: AvroDocument) -> list[Change]:
    """What stops ``reader`` from reading data written with ``writer``: the backward walk
    alone, its breaking changes only (the replay check's question; ``diff`` also walks the
    other way)."""
    walk = _Walk(backward=True, policy=Policy.LENIENT, doc=reader)
    walk.walk(reader.root, writer.root, _root_subject(reader.root), "")
    return [c for c in walk.out if c.level is Level.BREAKING]


ENGINE = register(AvroEngine())
