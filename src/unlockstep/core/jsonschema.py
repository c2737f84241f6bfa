"""The JSON Schema compatibility engine, and ``compare_schemas`` for engines that embed
JSON Schema (OpenAPI request and response bodies, AsyncAPI payloads).

``compare_schemas(old, new, …)`` walks both schemas side by side and reports each difference
framed old -> new, with whom it hurts:

- ``writers``: data valid under ``old`` may be rejected by ``new`` (a narrowing);
- ``readers``: ``new`` allows data a reader written against ``old`` may not expect (a widening);
- ``both``: an unrelated change (type string -> number, a changed pattern).

The caller says which side it protects (``breaking_for``); ``core/rules.py`` turns that, the
rule's flags, the policy and ``strict_reader`` into a level. The JSON Schema engine's own
``diff`` protects writers: BACKWARD means the new schema reads data written with the old one.

The walk is structural (like the schema registries'), not a full language-inclusion proof:
it is exact for the keywords it knows, conservative for ``not``/``if``, and memoises visited
(old, new) pairs so recursive ``$ref`` schemas terminate. STRICT reports what it cannot prove
safe; LENIENT accepts what is safe in practice (see ``unprovable`` rules).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from itertools import compress, repeat
from operator import ne
from typing import Any

from unlockstep.core import compat
from unlockstep.core.compat import Breaks, Change, Location, Policy, Source
from unlockstep.core.documents import Document, Resolver, Target, load_document
from unlockstep.core.jsonschema_rules import RULES
from unlockstep.core.rules import level_for
from unlockstep.core.schema_view import (
    ANNOTATIONS,
    TRUE,
    Node,
    Views,
    canon,
    covered,
    enum_values,
    items_shape,
    lower_bound,
    may_be,
    merge,
    types_of,
    upper_bound,
)
from unlockstep.errors import ParseError

KIND = "jsonschema"
W, R, B, N = Breaks.WRITERS, Breaks.READERS, Breaks.BOTH, Breaks.NONE
_NARROWING = frozenset({W, B})
_NOBODY: frozenset[Breaks] = frozenset()
_ONLY_WRITERS = frozenset({W})
_ONLY_READERS = frozenset({R})
_WIDENING = frozenset({R, B})


def combine(found: Iterable[Breaks]) -> Breaks:
    """Whom a group of changes hurts, as one value."""
    seen = set(found)
    if B in seen or {W, R} <= seen:
        return B
    if W in seen:
        return W
    if R in seen:
        return R
    return N


@dataclass(frozen=True, slots=True)
class _Raw:
    rule: str
    breaks: Breaks
    node: Node
    message: str
    details: dict[str, Any] | None


_Key = tuple[int, int]
_Summary = tuple[Any, Any, frozenset[Breaks]]


class _Context:
    """What every walk of one comparison shares: the views and caches keyed by object
    identity (the cached objects are kept alive, so identities stay unique). Nothing here
    depends on the policy or on the side the caller protects: those only grade findings."""

    __slots__ = (
        "_refs_agree",
        "derived",
        "log",
        "new_root",
        "new_views",
        "old_root",
        "old_views",
        "pending",
        "replays",
        "summary",
    )

    def __init__(self, old_views: Views, new_views: Views) -> None:
        self.old_views = old_views
        self.new_views = new_views
        #: (old, new) pair -> whom the differences below it hurt, once a walk has finished it
        self.summary: dict[_Key, _Summary] = {}
        #: every write to ``summary``, in order (a replay repeats a recorded stretch of it)
        self.log: list[tuple[_Key, _Summary]] = []
        #: pairs whose trial walk is running (a recursive schema asks about them again)
        self.pending: dict[_Key, tuple[Any, Any]] = {}
        self.derived: dict[tuple[int, str], tuple[Any, Any]] = {}
        #: reported pairs whose walk depended on nothing outside it (see ``_Replay``)
        self.replays: dict[tuple[int, int, str, str], _Replay] = {}
        self.old_root = old_views.resolver.root
        self.new_root = new_views.resolver.root
        self._refs_agree: bool | None = None

    def same_schema(self, old: Node, new: Node) -> bool:
        """Whether ``old`` and ``new`` (equal values) are the same schema: no ``$ref`` in them
        could point at something that differs between the two documents."""
        if old.doc is self.old_root and new.doc is self.new_root:
            agree = self._refs_agree
            if agree is None:
                agree = self._refs_agree = _refs_agree(self.old_views, self.new_views)
            if agree:
                return True
        return _ref_free(old.value, old.doc) and _ref_free(new.value, new.doc)

    def derive(self, value: dict[str, Any], tag: str, make: Any) -> Any:
        """``make(value)``, computed once per (value, tag) so derived schemas keep one identity."""
        key = (id(value), tag)
        hit = self.derived.get(key)
        if hit is None:
            hit = (value, make(value))
            self.derived[key] = hit
        return hit[1]

    def write(self, key: _Key, summary: _Summary) -> None:
        self.summary[key] = summary
        self.log.append((key, summary))


@dataclass(frozen=True, slots=True)
class _Replay:
    """What reporting one pair did in an earlier reporting walk of the same two documents
    (another operation reaching the same component): stretches of that walk's lists and of
    the context's summary log. It is recorded only when the pair's walk skipped no pair
    visited before it and stopped at no depth limit, so another walk that has visited none of
    the same pairs would do exactly the same; replaying it is copying those stretches."""

    walk: _Walk
    found: tuple[int, int]
    inherited: tuple[int, int]
    order: tuple[int, int]
    log: tuple[int, int]
    height: int  # how much deeper than the pair itself the walk went

    def fits(self, walk: _Walk) -> bool:
        if walk.depth + self.height + 1 >= _MAIN_DEPTH:  # its children sat one level deeper
            return False
        visited = walk.visited
        return not any(k in visited for k, _, _ in self.walk.order[slice(*self.order)])


class _Walk:
    """One comparison. Trial walks (``trial``) only collect whom changes hurt, for decisions.

    Every finished pair's summary (whom its differences hurt) goes to the shared context, so
    a pair is walked once per comparison however many decisions ask about it; a pair met again
    in the same walk contributes its summary without reporting twice. Pairs still in progress
    (recursive schemas) are assumed equal: the cycle's changes are reported where first met.
    A reporting walk replays what an earlier one recorded for a pair when it can (``_Replay``)."""

    __slots__ = (
        "ctx",
        "deepest",
        "depth",
        "earliest",
        "found",
        "inherited",
        "is_trial",
        "new_views",
        "old_views",
        "order",
        "visited",
    )

    def __init__(self, ctx: _Context, *, trial: bool = False) -> None:
        self.ctx = ctx
        self.old_views = ctx.old_views
        self.new_views = ctx.new_views
        self.is_trial = trial
        self.found: list[_Raw] = []
        self.inherited: list[frozenset[Breaks]] = []
        #: pair -> its position in ``order``, the pairs in the order this walk entered them
        self.visited: dict[_Key, int] = {}
        self.order: list[tuple[_Key, Any, Any]] = []
        self.depth = 0
        #: for the pair being walked: the earliest visited pair it skipped, the deepest level
        self.earliest = _NOTHING_SKIPPED
        self.deepest = 0

    # ------------------------------------------------------------------ helpers

    def emit(
        self,
        rule: str,
        breaks: Breaks,
        node: Node,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.found.append(_Raw(rule, breaks, node, message, details))

    def trial(self, old: Node, new: Node) -> frozenset[Breaks]:
        """Whom the differences between ``old`` and ``new`` would hurt, without reporting."""
        o, n = self.old_views.effective(old), self.new_views.effective(new)
        if o.value is False or n.value is False:  # what ``_compare`` says of a `false` side
            if o.value is n.value:
                return _NOBODY
            return _ONLY_WRITERS if n.value is False else _ONLY_READERS
        key = (id(o.value), id(n.value))
        hit = self.ctx.summary.get(key)
        if hit is not None:
            return hit[2]
        if key in self.ctx.pending or len(self.ctx.pending) >= _TRIAL_NESTING:
            return frozenset()  # in progress (recursive) or too deep: assume equal
        self.ctx.pending[key] = (o.value, n.value)
        try:
            walk = _Walk(self.ctx, trial=True)
            walk.compare(o, n)
        finally:
            del self.ctx.pending[key]
        found = frozenset(r.breaks for r in walk.found)
        return found.union(*walk.inherited)

    # ------------------------------------------------------------------ the walk

    def compare(self, old: Node, new: Node) -> None:
        o = self.old_views.effective(old)
        n = self.new_views.effective(new)
        key = (id(o.value), id(n.value))
        hit = self.ctx.summary.get(key)
        seen = self.visited.get(key)
        if seen is not None:
            self.earliest = min(self.earliest, seen)
            if hit is not None and hit[2]:
                self.inherited.append(hit[2])
            return
        if hit is not None and (self.is_trial or not hit[2]):
            if hit[2]:
                self.inherited.append(hit[2])
            return
        depth = self.depth
        if depth >= (_TRIAL_DEPTH if self.is_trial else _MAIN_DEPTH):
            if not self.is_trial:
                self.emit(
                    "comparison-depth-reached", N, n, "comparison stopped here: nested too deep"
                )
                self.earliest = -1  # what is below depends on where the pair was met
            return
        ov, nv = o.value, n.value
        if ov == nv and self.ctx.same_schema(o, n):
            return  # the same schema: nothing to report, nothing worth remembering
        replay_key = (key[0], key[1], o.ptr, n.ptr)
        if not self.is_trial:
            replay = self.ctx.replays.get(replay_key)
            if replay is not None and replay.fits(self):
                self._replay(replay)
                return
        position = len(self.order)
        self.visited[key] = position
        self.order.append((key, o.value, n.value))
        found, inherited, log = len(self.found), len(self.inherited), len(self.ctx.log)
        outer = self.earliest, self.deepest
        self.earliest, self.deepest = _NOTHING_SKIPPED, depth
        self.depth += 1
        try:
            self._compare(o, n)
        finally:
            self.depth -= 1
        breaks = frozenset(r.breaks for r in self.found[found:]).union(*self.inherited[inherited:])
        self.ctx.write(key, (o.value, n.value, breaks))
        if not self.is_trial and breaks and self.earliest >= position:
            self.ctx.replays[replay_key] = _Replay(
                self,
                (found, len(self.found)),
                (inherited, len(self.inherited)),
                (position, len(self.order)),
                (log, len(self.ctx.log)),
                self.deepest - depth,
            )
        self.earliest, self.deepest = min(outer[0], self.earliest), max(outer[1], self.deepest)

    def _replay(self, replay: _Replay) -> None:
        source = replay.walk
        for entry in source.order[slice(*replay.order)]:
            self.visited[entry[0]] = len(self.order)
            self.order.append(entry)
        self.found.extend(source.found[slice(*replay.found)])
        self.inherited.extend(source.inherited[slice(*replay.inherited)])
        for key, summary in self.ctx.log[slice(*replay.log)]:
            self.ctx.write(key, summary)
        self.deepest = max(self.deepest, self.depth + replay.height)

    def _compare(self, o: Node, n: Node) -> None:
        """``o`` and ``n`` differ, or hold a ``$ref`` (``compare`` returned for the same schema)."""
        ov, nv = o.value, n.value
        if ov is False:
            if nv is not False:
                self.emit(
                    "schema-allowed", R, n, "a schema that accepted nothing now accepts values"
                )
            return
        if nv is False:
            self.emit("schema-disallowed", W, n, "this schema no longer accepts any value")
            return
        if not isinstance(ov, dict) or not isinstance(nv, dict):
            if ov != nv:
                self.emit("not-comparable", B, n, "this schema is not an object or a boolean")
            return
        keys = ov.keys() | nv.keys()
        if keys & _ANNOTATION_KEYS:
            self._annotations(o, n)
        ot, nt = types_of(ov), types_of(nv)
        self._types(n, ot, nt, ov, nv)
        if keys & _ENUM_KEYS:
            self._enum(o, n)
        if keys & _NUMBER_KEYS and may_be("number", ot) and may_be("number", nt):
            self._numbers(n, ov, nv)
        if keys & _STRING_KEYS and may_be("string", ot) and may_be("string", nt):
            self._strings(n, ov, nv)
        if keys & _ARRAY_KEYS and may_be("array", ot) and may_be("array", nt):
            self._arrays(o, n)
        if keys & _OBJECT_KEYS and may_be("object", ot) and may_be("object", nt):
            self._objects(o, n, keys)
        if keys & _CHOICE_KEYS:
            self._choices(o, n)
        if "allOf" in keys:
            self._all_of(o, n)
        if "not" in keys:
            self._not(o, n)
        if "if" in keys:
            self._conditional(o, n)

    def _annotations(self, o: Node, n: Node) -> None:
        ov, nv = o.value, n.value
        if "default" in ov and "default" in nv and canon(ov["default"]) != canon(nv["default"]):
            self.emit(
                "default-changed",
                N,
                n.child("default"),
                f"default changed from {ov['default']!r} to {nv['default']!r}",
            )
        if nv.get("deprecated") is True and ov.get("deprecated") is not True:
            self.emit("deprecated", N, n, "marked deprecated")

    def _types(
        self,
        n: Node,
        ot: frozenset[str] | None,
        nt: frozenset[str] | None,
        ov: dict[str, Any],
        nv: dict[str, Any],
    ) -> None:
        if ot == nt or ("type" not in ov and "type" not in nv):
            return
        if nt is None:
            self.emit("type-widened", R, n, f"type is no longer limited to {_names(ot)}")
            return
        if ot is None:
            self.emit("type-narrowed", W, n, f"type is now limited to {_names(nt)}")
            return
        dropped = sorted(t for t in ot if not covered(t, nt))
        added = sorted(t for t in nt if not covered(t, ot))
        details = {"old": sorted(ot), "new": sorted(nt)}
        if dropped and added:
            self.emit(
                "type-changed", B, n, f"type changed from {_names(ot)} to {_names(nt)}", details
            )
        elif dropped:
            self.emit("type-narrowed", W, n, f"type no longer allows {', '.join(dropped)}", details)
        elif added:
            self.emit("type-widened", R, n, f"type now also allows {', '.join(added)}", details)

    def _enum(self, o: Node, n: Node) -> None:
        old, new = enum_values(o.value), enum_values(n.value)
        if old is None and new is None:
            return
        where = n.child("enum") if "enum" in n.value else n
        if old is None:
            self.emit("enum-constraint-added", W, where, "values are now limited to an enum/const")
            return
        if new is None:
            self.emit("enum-constraint-removed", R, n, "the enum/const limit was removed")
            return
        for k, v in old.items():
            if k not in new:
                self.emit(
                    "enum-value-removed", W, where, f"enum value {v!r} was removed", {"value": v}
                )
        for k, v in new.items():
            if k not in old:
                self.emit("enum-value-added", R, where, f"enum value {v!r} was added", {"value": v})

    def _bound(
        self,
        n: Node,
        name: str,
        keyword: str,
        old: tuple[float, int] | None,
        new: tuple[float, int] | None,
        upper: bool,
    ) -> None:
        if old == new:
            return

        def shown(bound: tuple[float, int]) -> float:
            return -bound[0] if upper else bound[0]

        where = n.child(keyword) if keyword in n.value else n
        if old is None and new is not None:
            self.emit(f"{name}-added", W, where, f"{keyword} {shown(new)} was added")
        elif new is None and old is not None:
            self.emit(f"{name}-removed", R, n, f"{keyword} {shown(old)} was removed")
        elif old is not None and new is not None:
            tighter = new > old
            verb = ("increased", "decreased") if not upper else ("decreased", "increased")
            rule = f"{name}-{verb[0] if tighter else verb[1]}"
            self.emit(
                rule,
                W if tighter else R,
                where,
                f"{keyword} changed from {shown(old)} to {shown(new)}",
                {"old": shown(old), "new": shown(new)},
            )

    def _numbers(self, n: Node, ov: dict[str, Any], nv: dict[str, Any]) -> None:
        self._bound(
            n,
            "minimum",
            "minimum",
            lower_bound(ov, "minimum", "exclusiveMinimum"),
            lower_bound(nv, "minimum", "exclusiveMinimum"),
            upper=False,
        )
        self._bound(
            n,
            "maximum",
            "maximum",
            upper_bound(ov, "maximum", "exclusiveMaximum"),
            upper_bound(nv, "maximum", "exclusiveMaximum"),
            upper=True,
        )
        om, nm = _factor(ov.get("multipleOf")), _factor(nv.get("multipleOf"))
        if om == nm:
            return
        if om is None:
            self.emit("multiple-of-added", W, n, f"multipleOf {nm} was added")
        elif nm is None:
            self.emit("multiple-of-removed", R, n, f"multipleOf {om} was removed")
        elif (om / nm).denominator == 1:
            self.emit("multiple-of-relaxed", R, n, f"multipleOf changed from {om} to {nm}")
        elif (nm / om).denominator == 1:
            self.emit("multiple-of-tightened", W, n, f"multipleOf changed from {om} to {nm}")
        else:
            self.emit("multiple-of-changed", B, n, f"multipleOf changed from {om} to {nm}")

    def _length(self, n: Node, ov: dict[str, Any], nv: dict[str, Any], kw: str, name: str) -> None:
        upper = kw.startswith("max")

        def get(v: dict[str, Any]) -> tuple[float, int] | None:
            x = v.get(kw)
            if not isinstance(x, int | float) or isinstance(x, bool):
                return None
            return (-x, 0) if upper else (x, 0)

        self._bound(n, name, kw, get(ov), get(nv), upper=upper)

    def _strings(self, n: Node, ov: dict[str, Any], nv: dict[str, Any]) -> None:
        self._length(n, ov, nv, "minLength", "min-length")
        self._length(n, ov, nv, "maxLength", "max-length")
        for kw, name in (
            ("pattern", "pattern"),
            ("format", "format"),
            ("contentEncoding", "content-encoding"),
            ("contentMediaType", "content-media-type"),
        ):
            a, b = ov.get(kw), nv.get(kw)
            if a == b:
                continue
            if a is None:
                self.emit(f"{name}-added", W, n.child(kw), f"{kw} {b!r} was added")
            elif b is None:
                self.emit(f"{name}-removed", R, n, f"{kw} {a!r} was removed")
            else:
                self.emit(f"{name}-changed", B, n.child(kw), f"{kw} changed from {a!r} to {b!r}")

    def _arrays(self, o: Node, n: Node) -> None:
        ov, nv = o.value, n.value
        self._length(n, ov, nv, "minItems", "min-items")
        self._length(n, ov, nv, "maxItems", "max-items")
        if bool(ov.get("uniqueItems")) != bool(nv.get("uniqueItems")):
            if nv.get("uniqueItems"):
                self.emit(
                    "unique-items-added", W, n.child("uniqueItems"), "items must now be unique"
                )
            else:
                self.emit("unique-items-removed", R, n, "items may now repeat")
        oprefix, orest = items_shape(o)
        nprefix, nrest = items_shape(n)
        for i in range(max(len(oprefix), len(nprefix))):
            self.compare(
                oprefix[i] if i < len(oprefix) else orest, nprefix[i] if i < len(nprefix) else nrest
            )
        self.compare(orest, nrest)
        if "contains" in ov or "contains" in nv:
            if "contains" not in ov:
                self.emit(
                    "contains-added", W, n.child("contains"), "a contains constraint was added"
                )
            elif "contains" not in nv:
                self.emit("contains-removed", R, n, "the contains constraint was removed")
            else:
                self.compare(o.child("contains"), n.child("contains"))
                self._length(n, ov, nv, "minContains", "min-contains")
                self._length(n, ov, nv, "maxContains", "max-contains")

    # ------------------------------------------------------------------ objects

    def _objects(self, o: Node, n: Node, keys: set[str]) -> None:
        ov, nv = o.value, n.value
        if "minProperties" in keys or "maxProperties" in keys:
            self._length(n, ov, nv, "minProperties", "min-properties")
            self._length(n, ov, nv, "maxProperties", "max-properties")
        oprops, nprops = _dict(ov.get("properties")), _dict(nv.get("properties"))
        oreq, nreq = _names_list(ov.get("required")), _names_list(nv.get("required"))
        if oreq == nreq:
            oreq_set = nreq_set = frozenset(oreq)
        else:
            oreq_set, nreq_set = frozenset(oreq), frozenset(nreq)
        # which old properties differ, found at C speed: most of an event's properties are
        # unchanged, and equal values are equal schemas unless a $ref in them points elsewhere
        differs = list(map(ne, oprops.values(), map(nprops.get, oprops, repeat(_MISSING))))
        visit: Iterable[str] = compress(oprops, differs)
        if not all(differs) and not self.ctx.same_schema(o, n):
            with_refs = _names_with_refs(oprops, o.doc)
            if with_refs:
                chosen = with_refs.union(visit)
                visit = filter(chosen.__contains__, oprops)  # in the old schema's order
        for name in visit:
            if name not in nprops:
                self._property_removed(o, n, name, name in oreq_set)
            else:
                self.compare(o.child("properties", name), n.child("properties", name))
        if nprops.keys() - oprops.keys():
            for name in nprops:
                if name not in oprops:
                    self._property_added(o, n, name)
        for name in nreq if nreq_set != oreq_set else ():
            if name not in oreq_set:
                if name in oprops:
                    self.emit(
                        "property-became-required",
                        W,
                        n.child("properties", name) if name in nprops else n,
                        f"property {name!r} became required",
                    )
                else:
                    self.emit(
                        "required-property-added",
                        W,
                        n.child("properties", name) if name in nprops else n,
                        f"new property {name!r} is required",
                    )
        for name in oreq if nreq_set != oreq_set else ():
            if name not in nreq_set and name in nprops:
                self.emit(
                    "property-became-optional",
                    R,
                    n.child("properties", name),
                    f"property {name!r} is no longer required",
                )
        if "additionalProperties" in keys or "unevaluatedProperties" in keys:
            self._additional(o, n)
        if "patternProperties" in keys:
            self._patterns(o, n)
        if "propertyNames" in keys:
            self.compare(_or_true(o, "propertyNames"), _or_true(n, "propertyNames"))
        if keys & _DEPENDENCY_KEYS:
            self._dependencies(o, n)

    def _schema_for_name(self, node: Node, name: str) -> Node:
        """The schema an undeclared property ``name`` gets: a matching pattern or the rest."""
        patterns = _dict(node.value.get("patternProperties"))
        for pattern in patterns:
            if _matches(pattern, name):
                return node.child("patternProperties", pattern)
        return _additional_node(node)

    def _property_removed(self, o: Node, n: Node, name: str, was_required: bool) -> None:
        old_prop = o.child("properties", name)
        found = set(self.trial(old_prop, self._schema_for_name(n, name)))
        if was_required:
            found.add(R)
        breaks = combine(found)
        closed = W in found or B in found
        self.emit(
            "property-removed",
            breaks,
            old_prop,
            f"property {name!r} was removed" + (" and the new schema rejects it" if closed else ""),
        )

    def _property_added(self, o: Node, n: Node, name: str) -> None:
        new_prop = n.child("properties", name)
        source = self._schema_for_name(o, name)
        found = self.trial(source, new_prop)
        if not found:
            return
        src = self.old_views.effective(source).value
        if src == TRUE and found & _NARROWING:
            self.emit(
                "property-added-to-open-model",
                combine(found),
                new_prop,
                f"property {name!r} was declared in an open content model",
            )
            return
        self.emit("property-added", combine(found), new_prop, f"property {name!r} was added")

    def _additional(self, o: Node, n: Node) -> None:
        ov, nv = o.value, n.value
        keys = ("additionalProperties", "unevaluatedProperties")
        if not any(k in ov or k in nv for k in keys):
            return
        if (self.is_trial or self.depth < _MAIN_DEPTH) and all(
            _same_plain(ov.get(k, _MISSING), nv.get(k, _MISSING)) for k in keys
        ):
            return  # both closed (or both open) alike: comparing would find nothing
        oa, na = _additional_node(o), _additional_node(n)
        oe, ne = self.old_views.effective(oa).value, self.new_views.effective(na).value
        if oe is not False and ne is False:
            self.emit("content-model-closed", W, na, "additional properties are no longer allowed")
        elif oe is False and ne is not False:
            self.emit("content-model-opened", R, na, "additional properties are now allowed")
        else:
            self.compare(oa, na)

    def _patterns(self, o: Node, n: Node) -> None:
        op, np_ = _dict(o.value.get("patternProperties")), _dict(n.value.get("patternProperties"))
        for pattern in op:
            if pattern in np_:
                self.compare(
                    o.child("patternProperties", pattern), n.child("patternProperties", pattern)
                )
            else:
                found = self.trial(o.child("patternProperties", pattern), _additional_node(n))
                if found:
                    self.emit(
                        "pattern-property-removed",
                        combine(found),
                        o.child("patternProperties", pattern),
                        f"patternProperties {pattern!r} was removed",
                    )
        for pattern in np_:
            if pattern not in op:
                found = self.trial(_additional_node(o), n.child("patternProperties", pattern))
                if found:
                    self.emit(
                        "pattern-property-added",
                        combine(found),
                        n.child("patternProperties", pattern),
                        f"patternProperties {pattern!r} was added",
                    )

    def _dependencies(self, o: Node, n: Node) -> None:
        oreq, oschema = _dependencies(o)
        nreq, nschema = _dependencies(n)
        for name in sorted(set(oreq) | set(nreq)):
            a, b = oreq.get(name, set()), nreq.get(name, set())
            if b - a:
                self.emit(
                    "dependent-required-added", W, n, f"{name!r} now also requires {sorted(b - a)}"
                )
            if a - b:
                self.emit(
                    "dependent-required-removed",
                    R,
                    n,
                    f"{name!r} no longer requires {sorted(a - b)}",
                )
        for name in list(oschema) + [k for k in nschema if k not in oschema]:
            self.compare(
                oschema.get(name) or o.sub(TRUE, "dependentSchemas", name),
                nschema.get(name) or n.sub(TRUE, "dependentSchemas", name),
            )

    # ------------------------------------------------------------------ combinators

    def _choices(self, o: Node, n: Node) -> None:
        okw = "oneOf" if isinstance(o.value.get("oneOf"), list) else "anyOf"
        nkw = "oneOf" if isinstance(n.value.get("oneOf"), list) else "anyOf"
        obr, nbr = o.value.get(okw), n.value.get(nkw)
        if not isinstance(obr, list) and not isinstance(nbr, list):
            return
        if not isinstance(nbr, list):
            self.emit("any-of-removed", R, n, f"{okw} was removed")
            return
        news = [n.child(nkw, j) for j in range(len(nbr))]
        if not isinstance(obr, list):
            base = self._without(o, ("anyOf", "oneOf", "allOf"))
            if not any(not (self.trial(base, m) & _NARROWING) for m in news):
                self.emit("any-of-added", W, n.child(nkw), f"{nkw} was added")
            return
        olds = [o.child(okw, i) for i in range(len(obr))]
        if okw != nkw:
            if nkw == "oneOf":
                self.emit("any-of-became-one-of", W, n.child(nkw), "anyOf became oneOf")
            else:
                self.emit("one-of-became-any-of", R, n.child(nkw), "oneOf became anyOf")
        base_types = o.value.get("type"), n.value.get("type")
        paired: set[int] = set()
        for i, branch in enumerate(olds):
            ob = self._typed(branch, base_types[0], self.old_views)
            covering = [
                j
                for j, m in enumerate(news)
                if not (self.trial(ob, self._typed(m, base_types[1], self.new_views)) & _NARROWING)
            ]
            if covering:
                continue
            if i < len(news):
                paired.add(i)
                self.compare(ob, self._typed(news[i], base_types[1], self.new_views))
            else:
                self.emit(
                    "any-of-branch-removed",
                    W,
                    branch,
                    f"{okw} branch {i} has no counterpart that accepts its data",
                )
        for j, m in enumerate(news):
            if j in paired:
                continue
            nb = self._typed(m, base_types[1], self.new_views)
            if any(
                not (self.trial(self._typed(b, base_types[0], self.old_views), nb) & _WIDENING)
                for b in olds
            ):
                continue
            if nkw == "oneOf":
                self.emit("one-of-branch-added", B, m, f"oneOf branch {j} is new")
            else:
                self.emit("any-of-branch-added", R, m, f"anyOf branch {j} is new")

    def _typed(self, branch: Node, base_type: Any, views: Views) -> Node:
        """A branch as it applies under its parent's ``type`` (which constrains it too)."""
        eff = views.effective(branch)
        if base_type is None or not isinstance(eff.value, dict) or "type" in eff.value:
            return eff
        value = self.ctx.derive(
            eff.value, f"type={base_type!r}", lambda v: {**v, "type": base_type}
        )
        return Node(value, eff.doc, eff.ptr)

    def _without(self, node: Node, keys: tuple[str, ...]) -> Node:
        value = self.ctx.derive(node.value, f"without={keys}", lambda v: _without(v, keys))
        return Node(value, node.doc, node.ptr)

    def _all_of(self, o: Node, n: Node) -> None:
        obr, nbr = o.value.get("allOf"), n.value.get("allOf")
        if not isinstance(obr, list) and not isinstance(nbr, list):
            return
        olds = [o.child("allOf", i) for i in range(len(obr))] if isinstance(obr, list) else []
        news = [n.child("allOf", j) for j in range(len(nbr))] if isinstance(nbr, list) else []
        base_old = self._without(o, ("allOf",))
        base_new = self._without(n, ("allOf",))
        for j, m in enumerate(news):
            if any(not (self.trial(b, m) & _NARROWING) for b in [*olds, base_old]):
                continue
            if j < len(olds):
                self.compare(olds[j], m)
            else:
                self.emit("all-of-branch-added", W, m, f"allOf branch {j} is new")
        for i, b in enumerate(olds):
            if i < len(news):
                continue
            if any(not (self.trial(m, b) & _NARROWING) for m in [*news, base_new]):
                continue
            self.emit("all-of-branch-removed", R, b, f"allOf branch {i} was removed")

    def _not(self, o: Node, n: Node) -> None:
        has_o, has_n = "not" in o.value, "not" in n.value
        if has_o and has_n:
            # old ⊆ new  <=>  not(old.not) ⊆ not(new.not)  <=>  new.not ⊆ old.not
            self.compare(n.child("not"), o.child("not"))
        elif has_n:
            self.emit("not-added", W, n.child("not"), "a `not` constraint was added")
        elif has_o:
            self.emit("not-removed", R, n, "the `not` constraint was removed")

    def _conditional(self, o: Node, n: Node) -> None:
        ov, nv = o.value, n.value
        if "if" not in ov and "if" not in nv:
            return
        if canon(ov.get("if", True)) != canon(nv.get("if", True)):
            self.emit(
                "condition-changed",
                B,
                n.child("if") if "if" in nv else n,
                "the `if` condition changed",
            )
            return
        for kw in ("then", "else"):
            if kw in ov or kw in nv:
                self.compare(
                    self._in_context(o, kw, self.old_views), self._in_context(n, kw, self.new_views)
                )

    def _in_context(self, parent: Node, kw: str, views: Views) -> Node:
        """``parent[kw]`` together with the parent's own constraints (both apply)."""
        branch = views.effective(_or_true(parent, kw))
        if branch.doc is not parent.doc or not isinstance(branch.value, dict):
            return branch
        base = _without(parent.value, _CONDITIONAL)
        merged = self.ctx.derive(branch.value, f"in={id(parent.value)}", lambda v: merge(base, v))
        return branch if merged is None else Node(merged, branch.doc, branch.ptr)


# ---------------------------------------------------------------------- small readers


def _names(types: frozenset[str] | None) -> str:
    return "any type" if types is None else "/".join(sorted(types))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _names_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return value if set(map(type, value)) <= _STR else [v for v in value if isinstance(v, str)]


_STR = frozenset({str})


def _or_true(node: Node, key: str) -> Node:
    return node.child(key) if key in node.value else node.sub(TRUE, key)


def _same_plain(old: Any, new: Any) -> bool:
    """Whether two keyword values are both absent, or the same boolean schema."""
    return old is new and (old is _MISSING or type(old) is bool)


def _additional_node(node: Node) -> Node:
    for key in ("additionalProperties", "unevaluatedProperties"):
        if key in node.value:
            return node.child(key)
    return node.sub(TRUE, "additionalProperties")


_CONDITIONAL = ("if", "then", "else", "anyOf", "oneOf", "allOf", "not")


def _without(value: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k not in keys and k not in ANNOTATIONS}


def _factor(value: Any) -> Fraction | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return Fraction(str(value))
    return None


_PATTERNS: dict[str, re.Pattern[str] | None] = {}


def _matches(pattern: str, name: str) -> bool:
    if pattern not in _PATTERNS:
        try:
            _PATTERNS[pattern] = re.compile(pattern)
        except re.error:
            _PATTERNS[pattern] = None
    compiled = _PATTERNS[pattern]
    return bool(compiled and compiled.search(name))


def _dependencies(node: Node) -> tuple[dict[str, set[str]], dict[str, Node]]:
    required: dict[str, set[str]] = {}
    schemas: dict[str, Node] = {}
    for kw in ("dependencies", "dependentRequired", "dependentSchemas"):
        for name, dep in _dict(node.value.get(kw)).items():
            if isinstance(dep, list):
                required.setdefault(name, set()).update(d for d in dep if isinstance(d, str))
            elif isinstance(dep, dict | bool):
                schemas[name] = node.child(kw, name)
    return required, schemas


_MISSING = object()
_NOTHING_SKIPPED = 1 << 62
#: Limits that keep the walk inside Python's stack: trials nested in trials, schema levels in
#: a trial walk and in the reporting walk. Past them pairs are assumed equal (see docs).
_TRIAL_NESTING = 6
_TRIAL_DEPTH = 40
_MAIN_DEPTH = 120
_ANNOTATION_KEYS = frozenset({"default", "deprecated"})
_ENUM_KEYS = frozenset({"enum", "const"})
_NUMBER_KEYS = frozenset(
    {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
)
_STRING_KEYS = frozenset(
    {"minLength", "maxLength", "pattern", "format", "contentEncoding", "contentMediaType"}
)
_ARRAY_KEYS = frozenset(
    {
        "items",
        "prefixItems",
        "additionalItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "minContains",
        "maxContains",
    }
)
_DEPENDENCY_KEYS = frozenset({"dependencies", "dependentRequired", "dependentSchemas"})
_OBJECT_KEYS = (
    frozenset(
        {
            "properties",
            "required",
            "additionalProperties",
            "unevaluatedProperties",
            "patternProperties",
            "propertyNames",
            "minProperties",
            "maxProperties",
        }
    )
    | _DEPENDENCY_KEYS
)
_CHOICE_KEYS = frozenset({"anyOf", "oneOf"})


def _ref_free(value: Any, doc: Document) -> bool:
    """Whether ``value`` contains no ``$ref`` (equal values are then equal schemas).
    Memoised per document: the values live as long as the document does."""
    if _doc_has_no_refs(doc):
        return True
    cache = doc.ref_free_cache
    assert cache is not None
    if isinstance(value, dict):
        hit = cache.get(id(value))
        if hit is not None:
            return hit
    return _ref_free_in(value, cache)


_NO_REFS: dict[int, bool] = {}


def _doc_has_no_refs(doc: Document) -> bool:
    cache = doc.ref_free_cache
    if cache is None:
        holds = _may_hold_refs(doc.source.text) if doc.refs is None else bool(doc.refs)
        cache = {} if holds else _NO_REFS
        doc.ref_free_cache = cache
    return cache is _NO_REFS


_NO_NAMES: frozenset[str] = frozenset()


def _names_with_refs(props: dict[str, Any], doc: Document) -> frozenset[str]:
    """The names in a ``properties`` object whose schemas contain a ``$ref`` (memoised)."""
    if _doc_has_no_refs(doc):
        return _NO_NAMES
    cache = doc.__dict__.setdefault("_names_with_refs", {})
    hit: tuple[Any, frozenset[str]] | None = cache.get(id(props))
    if hit is None:
        left = _refs_in_text(doc)
        names = []
        for k, v in props.items():
            if left == 0:
                break  # every "$ref" the text has is in a property already found
            if not _ref_free(v, doc):
                names.append(k)
                left = None if left is None else left - 1
        hit = cache[id(props)] = (props, frozenset(names))
    return hit[1]


_ESCAPES = ("\\u0024", "\\u0072", "\\u0065", "\\u0066")  # $ r e f written as \uXXXX


def _may_hold_refs(text: str) -> bool:
    """Whether data parsed from ``text`` may have a ``$ref`` key: it says so, or escapes could
    spell one, or there is no text (the data came from elsewhere)."""
    return not text or "$ref" in text or any(e in text for e in ("\\u00", "\\x", "\\U000"))


def _refs_in_text(doc: Document) -> int | None:
    """How many ``"$ref"`` a JSON document's text has (at least as many as the objects with a
    ``$ref`` key, as each is written there), or ``None`` when the text may not say: YAML, data
    not parsed from this text, or a ``$ref`` key spelt with escapes."""
    if doc.refs is not None:
        return len(doc.refs)
    if doc.syntax != "json":
        return None
    count: int | None = doc.__dict__.get("_refs_in_text", -1)
    if count == -1:
        text = doc.source.text
        escaped = "\\u00" in text and any(e in text for e in _ESCAPES)
        count = None if escaped else text.count('"$ref"')
        doc.__dict__["_refs_in_text"] = count
    return count


#: More distinct references than this and ``_refs_agree`` is not worth asking (an API
#: description's components): the walk checks the values it meets instead.
_MAX_AGREEING_REFS = 64


def _refs_agree(old: Views, new: Views) -> bool:
    """Whether every ``$ref`` in either root document points at equal values in both, so that
    equal values are equal schemas whatever references they hold (checked once per pair of
    documents: cheaper than finding which values hold a reference, for event schemas)."""
    refs = _local_refs(old.resolver.root)
    other = _local_refs(new.resolver.root)
    if refs is None or other is None:
        return False
    refs = refs | other
    if len(refs) > _MAX_AGREEING_REFS:
        return False
    old_data, new_data = old.resolver.root.data, new.resolver.root.data
    for ref in refs:
        a, b = _pointed(old_data, ref), _pointed(new_data, ref)
        if a is _MISSING or b is _MISSING or a != b:
            return False
    return True


def _pointed(data: Any, ref: str) -> Any:
    """The value a plain ``#/a/b`` reference points at (as ``Resolver.resolve`` finds it), or
    ``_MISSING`` when there is none or the reference needs more than that (``~``, ``%``)."""
    if "~" in ref or "%" in ref:
        return _MISSING
    for token in ref[2:].split("/") if len(ref) > 1 else ():
        if isinstance(data, dict):
            data = data.get(token, _MISSING)
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return _MISSING
        if data is _MISSING:
            return _MISSING
    return data


def _local_refs(doc: Document) -> frozenset[str] | None:
    """The ``$ref`` values in a document when the loader recorded them all and they are all
    JSON pointers into the document itself; ``None`` otherwise."""
    refs = doc.refs
    if refs is None or not all(r == "#" or r.startswith("#/") for r in refs):
        return None
    return frozenset(refs)


def _ref_free_in(value: Any, cache: dict[int, bool]) -> bool:
    if isinstance(value, dict):
        hit = cache.get(id(value))
        if hit is None:
            hit = "$ref" not in value and all(
                _ref_free_in(v, cache) for v in value.values() if isinstance(v, dict | list)
            )
            cache[id(value)] = hit
        return hit
    if isinstance(value, list):
        return all(_ref_free_in(v, cache) for v in value if isinstance(v, dict | list))
    return True


# ---------------------------------------------------------------------- public API


def compare_schemas(
    old: Any,
    new: Any,
    *,
    old_resolver: Resolver,
    new_resolver: Resolver,
    policy: Policy = Policy.LENIENT,
    breaking_for: frozenset[Breaks] = frozenset({W, B}),
    rule_prefix: str = "",
    subject: str = "",
    pointer: str = "",
    strict_reader: bool = False,
    old_pointer: str | None = None,
) -> list[Change]:
    """Every difference from ``old`` to ``new`` as a ``Change``.

    ``old``/``new`` are schema values found at ``pointer`` (``old_pointer`` if it differs) in
    the resolvers' root documents, or ``documents.Target`` values (from ``Resolver.deref``)
    when they live elsewhere. See the module docstring for ``breaks`` and levels."""
    old_node = _node(old, old_resolver, pointer if old_pointer is None else old_pointer)
    new_node = _node(new, new_resolver, pointer)
    walk = _Walk(_context(old_resolver, new_resolver))  # equal schemas return at once
    try:
        walk.compare(old_node, new_node)
    except RecursionError:
        raise ParseError(
            "schema is nested too deeply to compare",
            where=f"{new_node.doc.filename}#{new_node.ptr}",
            hint="flatten the schema or use $ref for recursive shapes",
        ) from None
    changes = []
    for raw in walk.found:
        rule = RULES[raw.rule]
        level = level_for(
            rule, raw.breaks, breaking_for=breaking_for, policy=policy, strict_reader=strict_reader
        )
        location = Location(
            subject=subject,
            pointer=raw.node.ptr,
            file=raw.node.doc.filename,
            find_line=raw.node.doc.line_of,
        )
        changes.append(
            Change(
                rule=rule_prefix + raw.rule,
                level=level,
                breaks=raw.breaks,
                location=location,
                message=raw.message,
                suggestion=rule.suggestion,
                details=raw.details or {},
            )
        )
    return changes


def _context(old: Resolver, new: Resolver) -> _Context:
    """The comparison context for this pair of resolvers, kept on the old resolver so that an
    engine comparing many schemas of the same two documents (every operation of an OpenAPI
    description) walks shared components once."""
    contexts: dict[int, tuple[Resolver, _Context]] = old.__dict__.setdefault(
        "_jsonschema_contexts", {}
    )
    hit = contexts.get(id(new))
    if hit is None or hit[0] is not new:
        hit = (new, _Context(Views(old), Views(new)))
        contexts[id(new)] = hit
    return hit[1]


def _node(value: Any, resolver: Resolver, pointer: str) -> Node:
    if isinstance(value, Target):
        return Node(value.value, value.document, value.pointer)
    return Node(value, resolver.root, pointer)


@dataclass(frozen=True, slots=True)
class SchemaDocument:
    """A parsed JSON Schema file and the resolver for its references."""

    document: Document
    resolver: Resolver


_SCHEMA_HINTS = ("json-schema.org", '"properties"', "properties:", '"$defs"', '"definitions"')
_OTHER_KINDS = ("openapi", "swagger", "asyncapi")


class JsonSchemaEngine:
    kind = KIND

    def sniff(self, source: Source) -> bool:
        head = source.text[:4096]
        if any(f'"{k}"' in head or f"\n{k}:" in f"\n{head}" for k in _OTHER_KINDS):
            return False
        name = source.filename.lower()
        if name.endswith((".schema.json", ".schema.yaml", ".schema.yml")):
            return True
        return any(h in head for h in _SCHEMA_HINTS) or '"type"' in head or "type:" in head

    def parse(self, source: Source) -> SchemaDocument:
        document = load_document(source)
        if not isinstance(document.data, dict | bool):
            raise ParseError(
                "a JSON Schema must be an object or a boolean",
                where=source.filename,
                hint="check that this is the schema file, not an instance",
            )
        return SchemaDocument(document, Resolver(document))

    def diff(self, old: Any, new: Any, policy: Policy) -> list[Change]:
        return compare_schemas(
            old.document.data,
            new.document.data,
            old_resolver=old.resolver,
            new_resolver=new.resolver,
            policy=policy,
            breaking_for=frozenset({W, B}),
        )


ENGINE = compat.register(JsonSchemaEngine())
