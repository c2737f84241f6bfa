"""Schema comparison for the API engines (OpenAPI, AsyncAPI).

Hands each pair of schemas to the JSON Schema engine (``core/jsonschema.py``) when it is
installed; otherwise a small structural comparison below covers the common rules (types,
properties, required, enums, bounds, composition) so the API engines work on their own.

Every fact is found as a *narrowing* (fewer instances valid in ``new``) or a *widening*
(more instances valid). Who is hurt follows from the side: for a request (old clients
write, the provider reads with ``new``) narrowings break writers; for a response (the
provider writes with ``new``, old clients read) widenings break readers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from unlockstep.core.compat import Breaks, Change, Level, Location, Policy
from unlockstep.core.openapi_document import Refs, escape

_UPPER = ("maxLength", "maximum", "maxItems", "maxProperties", "exclusiveMaximum")
_LOWER = ("minLength", "minimum", "minItems", "minProperties", "exclusiveMinimum")
_RULE_NAMES = {
    "maxLength": "max-length",
    "maximum": "max",
    "maxItems": "max-items",
    "maxProperties": "max-properties",
    "exclusiveMaximum": "exclusive-max",
    "minLength": "min-length",
    "minimum": "min",
    "minItems": "min-items",
    "minProperties": "min-properties",
    "exclusiveMinimum": "exclusive-min",
}
_MAX_DEPTH = 64


def _engine() -> Callable[..., list[Change]] | None:
    try:
        module = importlib.import_module("unlockstep.core.jsonschema")
    except ImportError:
        return None
    found: Callable[..., list[Change]] | None = getattr(module, "compare_schemas", None)
    return found


def compare_schemas(
    old: Any,
    new: Any,
    *,
    old_resolver: Refs,
    new_resolver: Refs,
    policy: Policy,
    breaking_for: frozenset[Breaks],
    rule_prefix: str = "",
    subject: str = "",
    pointer: str = "",
    strict_reader: bool = False,
    file: str | None = None,
) -> list[Change]:
    if old == new and not _has_ref(old):
        return []
    walk = _Walk(
        old_resolver,
        new_resolver,
        policy,
        Breaks.WRITERS in breaking_for,
        rule_prefix,
        subject,
        file,
        strict_reader,
    )
    walk.compare(old, new, pointer, "", 0)
    return walk.changes


def _has_ref(node: Any) -> bool:
    return isinstance(node, dict) and "$ref" in node


class _Walk:
    def __init__(
        self,
        old_refs: Refs,
        new_refs: Refs,
        policy: Policy,
        request: bool,
        prefix: str,
        subject: str,
        file: str | None,
        strict_reader: bool,
    ) -> None:
        self.old_refs, self.new_refs = old_refs, new_refs
        self.policy, self.request, self.prefix = policy, request, prefix
        self.subject, self.file, self.strict_reader = subject, file, strict_reader
        self.changes: list[Change] = []
        self.seen: set[tuple[int, int]] = set()

    def rule(self, prop: str, what: str) -> str:
        if self.prefix in ("request-", "response-"):
            return f"{self.prefix}{'property' if prop else 'body'}-{what}"
        return f"{self.prefix}{what}"

    def label(self) -> str:
        if self.prefix in ("request-", "response-"):
            return "request" if self.request else "response"
        return self.prefix.strip("-").replace("-", " ")

    def absolute(self, rule: str) -> str:
        """oasdiff's property ids for HTTP; ``<prefix>required-property-added`` and the like
        for anything else (event payloads)."""
        if self.prefix in ("request-", "response-"):
            return rule
        plain = rule.replace("new-required-request-property", "required-property-added")
        plain = plain.replace("new-optional-request-property", "optional-property-added")
        plain = plain.removeprefix("request-").removeprefix("response-")
        return f"{self.prefix}{plain}"

    def emit(
        self,
        prop: str,
        what: str,
        pointer: str,
        message: str,
        *,
        narrows: bool,
        widens: bool,
        suggestion: str = "",
        level: Level | None = None,
        absolute: bool = False,
    ) -> None:
        hurts = narrows if self.request else widens
        if level is Level.WARNING:
            hurts = True
        if level is None:
            level = Level.BREAKING if hurts else Level.INFO
        breaks = (Breaks.WRITERS if self.request else Breaks.READERS) if hurts else Breaks.NONE
        where = f" {prop}" if prop else ""
        self.changes.append(
            Change(
                rule=self.absolute(what) if absolute else self.rule(prop, what),
                level=level,
                breaks=breaks,
                location=Location(self.subject, pointer, self.file, None),
                message=f"{self.label()}{where}: {message}",
                suggestion=suggestion if hurts else "",
            )
        )

    def compare(self, old: Any, new: Any, pointer: str, prop: str, depth: int) -> None:
        old, new = self.old_refs.deref(old), self.new_refs.deref(new)
        if not isinstance(old, dict) or not isinstance(new, dict) or depth > _MAX_DEPTH:
            return
        key = (id(old), id(new))
        if key in self.seen:
            return  # recursive schema: this pair is already being compared
        self.seen.add(key)
        self._type(old, new, pointer, prop)
        self._enum(old, new, pointer, prop)
        self._bounds(old, new, pointer, prop)
        for attr in ("pattern", "format"):
            if old.get(attr) != new.get(attr):
                if attr == "pattern" and (old.get(attr) is None or new.get(attr) is None):
                    what = "added" if old.get(attr) is None else "removed"
                    self.emit(
                        prop,
                        f"pattern-{what}",
                        pointer,
                        f"pattern {what}",
                        narrows=what == "added",
                        widens=what == "removed",
                    )
                    continue
                self.emit(
                    prop,
                    f"{attr}-changed",
                    pointer,
                    f"{attr} changed from {old.get(attr)!r} to {new.get(attr)!r}",
                    narrows=new.get(attr) is not None,
                    widens=old.get(attr) is not None,
                )
        if old.get("nullable") is True and new.get("nullable") is not True:
            self.emit(
                prop,
                "became-not-nullable",
                pointer,
                "no longer nullable",
                narrows=True,
                widens=False,
            )
        elif new.get("nullable") is True and old.get("nullable") is not True:
            self.emit(
                prop, "became-nullable", pointer, "became nullable", narrows=False, widens=True
            )
        for combo in ("oneOf", "anyOf"):
            self._alternatives(
                combo, old.get(combo) or [], new.get(combo) or [], pointer, prop, depth
            )
        if "items" in old and "items" in new:
            self.compare(
                old["items"],
                new["items"],
                f"{pointer}/items",
                f"{prop}[]" if prop else "[]",
                depth + 1,
            )
        self._properties(old, new, pointer, prop, depth)

    def _type(self, old: dict[str, Any], new: dict[str, Any], pointer: str, prop: str) -> None:
        before, after = old.get("type"), new.get("type")
        if before == after or (before is None and after is None):
            return
        widened = (before == "integer" and after == "number") or after is None
        narrowed = (before == "number" and after == "integer") or before is None
        if not widened and not narrowed:
            widened = narrowed = True
        self.emit(
            prop,
            "type-changed",
            pointer,
            f"type changed from {before!r} to {after!r}",
            narrows=narrowed,
            widens=widened,
            suggestion="add a new field with the new type and deprecate the old one",
        )

    def _enum(self, old: dict[str, Any], new: dict[str, Any], pointer: str, prop: str) -> None:
        before, after = old.get("enum"), new.get("enum")
        if before is None and after is None:
            return
        if before is None:
            self.emit(prop, "became-enum", pointer, "became an enum", narrows=True, widens=False)
            return
        if after is None:
            return
        for value in [v for v in before if v not in after]:
            self.emit(
                prop,
                "enum-value-removed",
                pointer,
                f"enum value {value!r} removed",
                narrows=True,
                widens=False,
                suggestion="keep accepting the value; deprecate it first",
            )
        for value in [v for v in after if v not in before]:
            level = None
            if not self.request and not self.strict_reader:
                level = Level.WARNING  # tolerant readers map unknown values to a default
            self.emit(
                prop,
                "enum-value-added",
                pointer,
                f"enum value {value!r} added",
                narrows=False,
                widens=True,
                level=level,
                suggestion="make sure old readers tolerate unknown values",
            )

    def _bounds(self, old: dict[str, Any], new: dict[str, Any], pointer: str, prop: str) -> None:
        for attr in (*_UPPER, *_LOWER):
            before, after = old.get(attr), new.get(attr)
            if before == after or isinstance(before, bool) or isinstance(after, bool):
                continue
            upper = attr in _UPPER
            if before is None:
                narrows, widens, what = True, False, "set"
            elif after is None:
                narrows, widens, what = False, True, "unset"
            else:
                tighter = after < before if upper else after > before
                narrows, widens = tighter, not tighter
                what = "decreased" if after < before else "increased"
            self.emit(
                prop,
                f"{_RULE_NAMES[attr]}-{what}",
                pointer,
                f"{attr} changed from {before!r} to {after!r}",
                narrows=narrows,
                widens=widens,
            )
        for attr in ("exclusiveMaximum", "exclusiveMinimum"):
            before, after = old.get(attr) is True, new.get(attr) is True
            if before != after:
                self.emit(
                    prop,
                    f"{_RULE_NAMES[attr]}-{'set' if after else 'unset'}",
                    pointer,
                    f"{attr} changed from {before} to {after}",
                    narrows=after,
                    widens=before,
                )

    def _alternatives(
        self, combo: str, old: list[Any], new: list[Any], pointer: str, prop: str, depth: int
    ) -> None:
        name = "one-of" if combo == "oneOf" else "any-of"
        if len(new) < len(old):
            self.emit(
                prop,
                f"{name}-removed",
                pointer,
                f"{combo} lost {len(old) - len(new)} alternative(s)",
                narrows=True,
                widens=False,
            )
        elif len(new) > len(old):
            self.emit(
                prop,
                f"{name}-added",
                pointer,
                f"{combo} gained {len(new) - len(old)} alternative(s)",
                narrows=False,
                widens=True,
            )
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            self.compare(a, b, f"{pointer}/{combo}/{i}", prop, depth + 1)

    def _properties(
        self, old: dict[str, Any], new: dict[str, Any], pointer: str, prop: str, depth: int
    ) -> None:
        before, after = old.get("properties") or {}, new.get("properties") or {}
        req_before, req_after = set(old.get("required") or []), set(new.get("required") or [])
        closed = new.get("additionalProperties") is False
        for name, schema in before.items():
            child = f"{prop}/{name}" if prop else name
            ptr = f"{pointer}/properties/{escape(name)}"
            if name not in after:
                self._removed(name, child, ptr, schema, closed, name in req_before)
                continue
            self.compare(schema, after[name], ptr, child, depth + 1)
        for name in after:
            if name in before:
                continue
            child = f"{prop}/{name}" if prop else name
            required = name in req_after
            ptr = f"{pointer}/properties/{escape(name)}"
            kind = "required" if required else "optional"
            if self.request:
                self.emit(
                    child,
                    f"new-{kind}-request-property",
                    ptr,
                    f"new {kind} property",
                    narrows=required,
                    widens=False,
                    absolute=True,
                    suggestion="add it as optional first, require it later",
                )
            else:
                self.emit(
                    child,
                    f"response-{kind}-property-added",
                    ptr,
                    f"new {kind} property",
                    narrows=False,
                    widens=False,
                    absolute=True,
                )
        for name in sorted(req_after - req_before):
            if name in before:
                self.emit(
                    f"{prop}/{name}" if prop else name,
                    "became-required",
                    pointer,
                    "became required",
                    narrows=True,
                    widens=False,
                    suggestion="keep it optional for old clients",
                )
        for name in sorted(req_before - req_after):
            if name in after:
                self.emit(
                    f"{prop}/{name}" if prop else name,
                    "became-optional",
                    pointer,
                    "became optional",
                    narrows=False,
                    widens=True,
                    suggestion="keep sending it to old readers",
                )

    def _removed(
        self, name: str, child: str, ptr: str, schema: Any, closed: bool, was_required: bool
    ) -> None:
        if self.request:
            self.emit(
                child,
                "request-property-removed",
                ptr,
                "property removed" + ("; the new schema rejects it" if closed else ""),
                narrows=closed,
                widens=False,
                absolute=True,
                level=None if closed else Level.WARNING,
            )
            return
        kind = "required" if was_required else "optional"
        self.emit(
            child,
            f"response-{kind}-property-removed",
            ptr,
            f"{kind} property removed; old readers expect it",
            narrows=False,
            widens=True,
            absolute=True,
            level=None if was_required or self.policy is Policy.STRICT else Level.WARNING,
            suggestion="deprecate it first, wait for readers to stop using it, then remove",
        )
