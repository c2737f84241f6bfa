"""The JSON Schema walk: ``Walk`` compares an old and a new schema side by side and collects
each difference with whom it hurts (``compare_schemas`` in ``_engine.py`` grades them).

- ``Context``: what every walk of one pair of documents shares (views, the summary of each
  finished (old, new) pair, derived schemas, ``_Replay`` records);
- ``Walk``: ``compare`` (memo, depth limits, replay), ``trial`` (whom the differences would
  hurt, without reporting, for decisions), ``_compare`` (which keyword rules apply), and the
  rules for annotations, ``type``, ``enum``/``const``, numbers, strings and arrays. The object
  rules and the combinators are in ``core/jsonschema/_objects.py``; which values hold a
  ``$ref`` is in ``core/jsonschema/_refs.py``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, NamedTuple

from unlockstep.core.compat import Breaks
from unlockstep.core.jsonschema._breaks import (
    MAIN_DEPTH,
    NOBODY,
    ONLY_READERS,
    ONLY_WRITERS,
    TRIAL_DEPTH,
    TRIAL_NESTING,
    B,
    N,
    R,
    W,
)
from unlockstep.core.jsonschema._objects import (
    DEPENDENCY_KEYS,
    all_of,
    choices,
    conditional,
    negation,
    objects,
    wrapping,
)
from unlockstep.core.jsonschema._refs import ref_free, refs_agree
from unlockstep.core.jsonschema._view import (
    Node,
    Views,
    canon,
    covered,
    enum_values,
    items_shape,
    lower_bound,
    may_be,
    types_of,
    upper_bound,
)


class _Raw(NamedTuple):  # a tuple: the cheapest immutable record to build
    rule: str
    breaks: Breaks
    node: Node
    message: str
    details: dict[str, Any] | None


_Key = tuple[int, int]
_Summary = tuple[Any, Any, frozenset[Breaks]]


class Context:
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
        "recording",
        "replays",
        "summary",
        "walks",
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
        #: reporting walks so far; from the second on, the context is shared by many schemas
        #: of the same two documents (an API's operations), and replays are worth recording
        self.walks = 0
        self.recording = False
        self.old_root = old_views.resolver.root
        self.new_root = new_views.resolver.root
        self._refs_agree: bool | None = None

    def same_schema(self, old: Node, new: Node) -> bool:
        """Whether ``old`` and ``new`` (equal values) are the same schema: no ``$ref`` in them
        could point at something that differs between the two documents."""
        if old.doc is self.old_root and new.doc is self.new_root:
            agree = self._refs_agree
            if agree is None:
                agree = self._refs_agree = refs_agree(self.old_views, self.new_views)
            if agree:
                return True
        return ref_free(old.value, old.doc) and ref_free(new.value, new.doc)

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
        if self.recording:
            self.log.append((key, summary))


class _Replay(NamedTuple):
    """What reporting one pair did in an earlier reporting walk of the same two documents
    (another operation reaching the same component): stretches of that walk's lists and of
    the context's summary log. It is recorded only when the pair's walk skipped no pair
    visited before it and stopped at no depth limit, so another walk that has visited none of
    the same pairs would do exactly the same; replaying it is copying those stretches."""

    walk: Walk
    found: tuple[int, int]
    inherited: tuple[int, int]
    order: tuple[int, int]
    log: tuple[int, int]
    height: int  # how much deeper than the pair itself the walk went

    def fits(self, walk: Walk) -> bool:
        if walk.depth + self.height + 1 >= MAIN_DEPTH:  # its children sat one level deeper
            return False
        visited = walk.visited
        return not any(k in visited for k, _, _ in self.walk.order[slice(*self.order)])


class Walk:
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

    def __init__(self, ctx: Context, *, trial: bool = False) -> None:
        self.ctx = ctx
        self.old_views = ctx.old_views
        self.new_views = ctx.new_views
        self.is_trial = trial
        if not trial:
            ctx.walks += 1
            ctx.recording = ctx.walks > 1
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
                return NOBODY
            return ONLY_WRITERS if n.value is False else ONLY_READERS
        key = (id(o.value), id(n.value))
        hit = self.ctx.summary.get(key)
        if hit is not None:
            return hit[2]
        if key in self.ctx.pending or len(self.ctx.pending) >= TRIAL_NESTING:
            return frozenset()  # in progress (recursive) or too deep: assume equal
        self.ctx.pending[key] = (o.value, n.value)
        try:
            walk = Walk(self.ctx, trial=True)
            walk.compare(o, n)
        finally:
            del self.ctx.pending[key]
        found = frozenset(r.breaks for r in walk.found)
        return found.union(*walk.inherited)

    # ------------------------------------------------------------------ the walk

    def compare(self, old: Node, new: Node, *, maybe_equal: bool = True) -> None:
        """Walk the pair, reporting; ``maybe_equal=False`` skips the test for equal schemas
        (a caller that knows they differ: the test would compare them in vain)."""
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
        if depth >= (TRIAL_DEPTH if self.is_trial else MAIN_DEPTH):
            if not self.is_trial:
                self.emit(
                    "comparison-depth-reached", N, n, "comparison stopped here: nested too deep"
                )
                self.earliest = -1  # what is below depends on where the pair was met
            return
        ov, nv = o.value, n.value
        if maybe_equal and ov == nv and self.ctx.same_schema(o, n):
            return  # the same schema: nothing to report, nothing worth remembering
        replay_key = (key[0], key[1], o.ptr, n.ptr)
        if not self.is_trial and self.ctx.replays:
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
        if not self.is_trial and breaks and self.earliest >= position and self.ctx.recording:
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
        choice = keys & _CHOICE_KEYS
        if choice and wrapping(self, o, n):
            return
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
            if "contentSchema" in keys:
                self._content_schema(o, n)
        if keys & _ARRAY_KEYS and may_be("array", ot) and may_be("array", nt):
            self._arrays(o, n)
        if keys & _OBJECT_KEYS and may_be("object", ot) and may_be("object", nt):
            objects(self, o, n, keys)
        if choice:
            choices(self, o, n)
        if "allOf" in keys:
            all_of(self, o, n)
        if "not" in keys:
            negation(self, o, n)
        if "if" in keys:
            conditional(self, o, n)

    def _annotations(self, o: Node, n: Node) -> None:
        ov, nv = o.value, n.value
        if "default" in ov and "default" in nv and canon(ov["default"]) != canon(nv["default"]):
            self.emit(
                "default-changed",
                N,
                n.child("default"),
                f"default changed from {ov['default']!r} to {nv['default']!r}",
            )
        if nv.get("deprecated") is True:
            if ov.get("deprecated") is not True:
                self.emit("deprecated", N, n, "marked deprecated")
        elif ov.get("deprecated") is True:
            self.emit("deprecation-removed", N, n, "no longer marked deprecated")
        for kw, name in _ACCESS:
            was, now = ov.get(kw) is True, nv.get(kw) is True
            if was is not now:
                verb = "added" if now else "removed"
                self.emit(f"{name}-{verb}", N, n, f"{kw} was {'set' if now else 'unset'}")

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

    def length(self, n: Node, ov: dict[str, Any], nv: dict[str, Any], kw: str, name: str) -> None:
        upper = kw.startswith("max")

        def get(v: dict[str, Any]) -> tuple[float, int] | None:
            x = v.get(kw)
            if not isinstance(x, int | float) or isinstance(x, bool):
                return None
            return (-x, 0) if upper else (x, 0)

        self._bound(n, name, kw, get(ov), get(nv), upper=upper)

    def _strings(self, n: Node, ov: dict[str, Any], nv: dict[str, Any]) -> None:
        self.length(n, ov, nv, "minLength", "min-length")
        self.length(n, ov, nv, "maxLength", "max-length")
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

    def _content_schema(self, o: Node, n: Node) -> None:
        """``contentSchema``: what the decoded content of a string must be (2019-09+)."""
        has_o, has_n = "contentSchema" in o.value, "contentSchema" in n.value
        if has_o and has_n:
            self.compare(o.child("contentSchema"), n.child("contentSchema"))
        elif has_n:
            self.emit(
                "content-schema-added", W, n.child("contentSchema"), "a contentSchema was added"
            )
        elif has_o:
            self.emit("content-schema-removed", R, n, "the contentSchema was removed")

    def _arrays(self, o: Node, n: Node) -> None:
        ov, nv = o.value, n.value
        self.length(n, ov, nv, "minItems", "min-items")
        self.length(n, ov, nv, "maxItems", "max-items")
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
                self.length(n, ov, nv, "minContains", "min-contains")
                self.length(n, ov, nv, "maxContains", "max-contains")


# ---------------------------------------------------------------------- small readers


def _names(types: frozenset[str] | None) -> str:
    return "any type" if types is None else "/".join(sorted(types))


def _factor(value: Any) -> Fraction | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return Fraction(str(value))
    return None


_NOTHING_SKIPPED = 1 << 62
_ANNOTATION_KEYS = frozenset({"default", "deprecated", "readOnly", "writeOnly"})
_ACCESS = (("readOnly", "read-only"), ("writeOnly", "write-only"))
_ENUM_KEYS = frozenset({"enum", "const"})
_NUMBER_KEYS = frozenset(
    {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
)
_STRING_KEYS = frozenset(
    {
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
    }
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
    | DEPENDENCY_KEYS
)
_CHOICE_KEYS = frozenset({"anyOf", "oneOf"})
