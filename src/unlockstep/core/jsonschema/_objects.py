"""The JSON Schema walk's object rules and combinators, as functions of the walk
(``core/jsonschema/_walk.py`` calls them from ``Walk._compare`` when a schema has the keywords):

- ``objects``: ``properties`` (a property removed or added is judged by what the other side's
  ``patternProperties``/``additionalProperties`` make of it), ``required``,
  ``additionalProperties``/``unevaluatedProperties``, ``patternProperties``,
  ``propertyNames``, ``dependencies``/``dependentRequired``/``dependentSchemas``;
- ``choices`` (``anyOf``/``oneOf``: a branch is judged by whether some branch on the other
  side covers it), ``all_of``, ``negation`` (``not``) and ``conditional``
  (``if``/``then``/``else``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import compress, repeat
from operator import ne
from typing import TYPE_CHECKING, Any

from unlockstep.core.jsonschema._breaks import (
    MAIN_DEPTH,
    NARROWING,
    WIDENING,
    B,
    R,
    W,
    combine,
)
from unlockstep.core.jsonschema._refs import names_with_refs
from unlockstep.core.jsonschema._view import ANNOTATIONS, TRUE, Node, Views, canon, merge, types_of

if TYPE_CHECKING:
    from unlockstep.core.jsonschema._walk import Walk


def objects(walk: Walk, o: Node, n: Node, keys: set[str]) -> None:
    ov, nv = o.value, n.value
    if "minProperties" in keys or "maxProperties" in keys:
        walk.length(n, ov, nv, "minProperties", "min-properties")
        walk.length(n, ov, nv, "maxProperties", "max-properties")
    oprops, nprops = _dict(ov.get("properties")), _dict(nv.get("properties"))
    oreq_value, nreq_value = ov.get("required"), nv.get("required")
    oreq_set: frozenset[str] | None = None  # read only when needed: it rarely is
    # which old properties differ, found at C speed: most of an event's properties are
    # unchanged, and equal values are equal schemas unless a $ref in them points elsewhere
    differs = list(map(ne, oprops.values(), map(nprops.get, oprops, repeat(_MISSING))))
    visit: Iterable[str] = compress(oprops, differs)
    if not all(differs) and not walk.ctx.same_schema(o, n):
        with_refs = names_with_refs(oprops, o.doc)
        if with_refs:
            chosen = with_refs.union(visit)
            visit = filter(chosen.__contains__, oprops)  # in the old schema's order
    removed = 0
    for name in visit:
        if name not in nprops:
            if oreq_set is None:
                oreq_set = frozenset(_names_list(oreq_value))
            _property_removed(walk, o, n, name, name in oreq_set)
            removed += 1
        else:
            walk.compare(o.member("properties", name), n.member("properties", name))
    if len(nprops) > len(oprops) - removed:  # more names than the ones both have
        for name in [k for k in nprops if k not in oprops]:  # in the new schema's order
            _property_added(walk, o, n, name)
    if oreq_value != nreq_value:
        _required(walk, n, oprops, nprops, oreq_value, nreq_value)
    if "additionalProperties" in keys or "unevaluatedProperties" in keys:
        _additional(walk, o, n)
    if "patternProperties" in keys:
        _patterns(walk, o, n)
    if "propertyNames" in keys:
        walk.compare(_or_true(o, "propertyNames"), _or_true(n, "propertyNames"))
    if keys & DEPENDENCY_KEYS:
        _dependencies(walk, o, n)


def _required(
    walk: Walk,
    n: Node,
    oprops: dict[str, Any],
    nprops: dict[str, Any],
    oreq_value: Any,
    nreq_value: Any,
) -> None:
    oreq, nreq = _names_list(oreq_value), _names_list(nreq_value)
    oreq_set, nreq_set = frozenset(oreq), frozenset(nreq)
    for name in nreq if nreq_set != oreq_set else ():
        if name not in oreq_set:
            if name in oprops:
                walk.emit(
                    "property-became-required",
                    W,
                    n.child("properties", name) if name in nprops else n,
                    f"property {name!r} became required",
                )
            else:
                walk.emit(
                    "required-property-added",
                    W,
                    n.child("properties", name) if name in nprops else n,
                    f"new property {name!r} is required",
                )
    for name in oreq if nreq_set != oreq_set else ():
        if name not in nreq_set and name in nprops:
            walk.emit(
                "property-became-optional",
                R,
                n.child("properties", name),
                f"property {name!r} is no longer required",
            )


def _schema_for_name(node: Node, name: str) -> Node:
    """The schema an undeclared property ``name`` gets: a matching pattern or the rest."""
    patterns = _dict(node.value.get("patternProperties"))
    for pattern in patterns:
        if _matches(pattern, name):
            return node.child("patternProperties", pattern)
    return _additional_node(node)


def _property_removed(walk: Walk, o: Node, n: Node, name: str, was_required: bool) -> None:
    old_prop = o.child("properties", name)
    found = set(walk.trial(old_prop, _schema_for_name(n, name)))
    if was_required:
        found.add(R)
    breaks = combine(found)
    closed = W in found or B in found
    walk.emit(
        "property-removed",
        breaks,
        old_prop,
        f"property {name!r} was removed" + (" and the new schema rejects it" if closed else ""),
        _deprecation(walk, old_prop),
    )


def _deprecation(walk: Walk, prop: Node) -> dict[str, Any] | None:
    """``deprecated`` and ``x-sunset`` of a removed property (beside its ``$ref`` or in the
    schema it refers to), for the API engines that judge removals against a sunset."""
    for value in (prop.value, walk.old_views.effective(prop).value):
        if isinstance(value, dict) and value.get("deprecated") is True:
            sunset = value.get("x-sunset")
            return {"deprecated": True, "x-sunset": None if sunset is None else str(sunset)}
    return None


def _property_added(walk: Walk, o: Node, n: Node, name: str) -> None:
    new_prop = n.child("properties", name)
    source = _schema_for_name(o, name)
    found = walk.trial(source, new_prop)
    if not found:
        return
    src = walk.old_views.effective(source).value
    if src == TRUE and found & NARROWING:
        walk.emit(
            "property-added-to-open-model",
            combine(found),
            new_prop,
            f"property {name!r} was declared in an open content model",
        )
        return
    walk.emit("property-added", combine(found), new_prop, f"property {name!r} was added")


def _additional(walk: Walk, o: Node, n: Node) -> None:
    ov, nv = o.value, n.value
    oa, na = ov.get("additionalProperties", _MISSING), nv.get("additionalProperties", _MISSING)
    ou, nu = ov.get("unevaluatedProperties", _MISSING), nv.get("unevaluatedProperties", _MISSING)
    if oa is na is ou is nu is _MISSING:
        return
    if (walk.is_trial or walk.depth < MAIN_DEPTH) and _same_plain(oa, na) and _same_plain(ou, nu):
        return  # both closed (or both open) alike: comparing would find nothing
    oa, na = _additional_node(o), _additional_node(n)
    oe, ne = walk.old_views.effective(oa).value, walk.new_views.effective(na).value
    if oe is not False and ne is False:
        walk.emit("content-model-closed", W, na, "additional properties are no longer allowed")
    elif oe is False and ne is not False:
        walk.emit("content-model-opened", R, na, "additional properties are now allowed")
    else:
        walk.compare(oa, na)


def _patterns(walk: Walk, o: Node, n: Node) -> None:
    op, np_ = _dict(o.value.get("patternProperties")), _dict(n.value.get("patternProperties"))
    for pattern in op:
        if pattern in np_:
            walk.compare(
                o.child("patternProperties", pattern), n.child("patternProperties", pattern)
            )
        else:
            found = walk.trial(o.child("patternProperties", pattern), _additional_node(n))
            if found:
                walk.emit(
                    "pattern-property-removed",
                    combine(found),
                    o.child("patternProperties", pattern),
                    f"patternProperties {pattern!r} was removed",
                )
    for pattern in np_:
        if pattern not in op:
            found = walk.trial(_additional_node(o), n.child("patternProperties", pattern))
            if found:
                walk.emit(
                    "pattern-property-added",
                    combine(found),
                    n.child("patternProperties", pattern),
                    f"patternProperties {pattern!r} was added",
                )


def _dependencies(walk: Walk, o: Node, n: Node) -> None:
    oreq, oschema = _dependencies_of(o)
    nreq, nschema = _dependencies_of(n)
    for name in sorted(set(oreq) | set(nreq)):
        a, b = oreq.get(name, set()), nreq.get(name, set())
        if b - a:
            walk.emit(
                "dependent-required-added", W, n, f"{name!r} now also requires {sorted(b - a)}"
            )
        if a - b:
            walk.emit(
                "dependent-required-removed",
                R,
                n,
                f"{name!r} no longer requires {sorted(a - b)}",
            )
    for name in list(oschema) + [k for k in nschema if k not in oschema]:
        walk.compare(
            oschema.get(name) or o.sub(TRUE, "dependentSchemas", name),
            nschema.get(name) or n.sub(TRUE, "dependentSchemas", name),
        )


def wrapping(walk: Walk, o: Node, n: Node) -> bool:
    """Whether ``n`` only wraps the plain schema ``o`` in ``anyOf``/``oneOf``, which this
    judges (reporting) instead of the keyword rules (False: not a wrapping, nothing done):

    - two branches, one ``type: null`` and one typed without null, where ``o`` excluded null:
      ``o`` is compared with the other branch, and null is now allowed (the branches are
      disjoint, so ``oneOf`` accepts their union);
    - a ``oneOf`` whose branches cover ``o`` two or more times: every old value matches
      several branches and is rejected (and a branch wider than ``o`` lets new values out).
    """
    ov, nv = o.value, n.value
    if not _WRAPPER_KEYS.issuperset(nv) or not _COMPOSED.isdisjoint(ov):
        return False
    kw = "oneOf" if "oneOf" in nv else "anyOf"
    branches = nv[kw]
    if len(nv.keys() & _CHOICES) != 1 or not isinstance(branches, list) or len(branches) < 2:
        return False
    news = [walk.new_views.effective(n.child(kw, j)) for j in range(len(branches))]
    nulls = [m for m in news if m.value == _NULL]
    if len(news) == 2 and len(nulls) == 1:
        other = news[1] if nulls[0] is news[0] else news[0]
        old_types = types_of(ov)
        other_types = types_of(other.value) if isinstance(other.value, dict) else None
        if old_types is None or other_types is None or "null" in old_types | other_types:
            return False
        walk.compare(o, other)
        details = {"old": sorted(old_types), "new": sorted(old_types | {"null"})}
        walk.emit("type-widened", R, n, "type now also allows null", details)
        return True
    if kw != "oneOf":
        return False
    found = [walk.trial(o, m) for m in news]
    if sum(1 for f in found if not f & NARROWING) < 2:
        return False
    widens = any(f & WIDENING for f in found)
    walk.emit(
        "wrapped-in-one-of",
        B if widens else W,
        n,
        "wrapped in a oneOf whose branches overlap: old values match several and are rejected",
    )
    return True


_WRAPPER_KEYS = frozenset(
    {"oneOf", "anyOf", "description", "title", "example", "examples", "$comment"}
)
_CHOICES = frozenset({"oneOf", "anyOf"})
_COMPOSED = frozenset({"oneOf", "anyOf", "allOf", "not", "if", "discriminator"})
_NULL = {"type": "null"}


def choices(walk: Walk, o: Node, n: Node) -> None:
    okw = "oneOf" if isinstance(o.value.get("oneOf"), list) else "anyOf"
    nkw = "oneOf" if isinstance(n.value.get("oneOf"), list) else "anyOf"
    obr, nbr = o.value.get(okw), n.value.get(nkw)
    if not isinstance(obr, list) and not isinstance(nbr, list):
        return
    if not isinstance(nbr, list):
        walk.emit("any-of-removed", R, n, f"{okw} was removed")
        return
    news = [n.child(nkw, j) for j in range(len(nbr))]
    if not isinstance(obr, list):
        base = _node_without(walk, o, ("anyOf", "oneOf", "allOf"))
        if not any(not (walk.trial(base, m) & NARROWING) for m in news):
            walk.emit("any-of-added", W, n.child(nkw), f"{nkw} was added")
        return
    olds = [o.child(okw, i) for i in range(len(obr))]
    if okw != nkw:
        if nkw == "oneOf":
            walk.emit("any-of-became-one-of", W, n.child(nkw), "anyOf became oneOf")
        else:
            walk.emit("one-of-became-any-of", R, n.child(nkw), "oneOf became anyOf")
    base_types = o.value.get("type"), n.value.get("type")
    paired: set[int] = set()
    for i, branch in enumerate(olds):
        ob = _typed(walk, branch, base_types[0], walk.old_views)
        covering = [
            j
            for j, m in enumerate(news)
            if not (walk.trial(ob, _typed(walk, m, base_types[1], walk.new_views)) & NARROWING)
        ]
        if covering:
            continue
        if i < len(news):
            paired.add(i)
            walk.compare(ob, _typed(walk, news[i], base_types[1], walk.new_views))
        else:
            walk.emit(
                "any-of-branch-removed",
                W,
                branch,
                f"{okw} branch {i} has no counterpart that accepts its data",
            )
    for j, m in enumerate(news):
        if j in paired:
            continue
        nb = _typed(walk, m, base_types[1], walk.new_views)
        if any(
            not (walk.trial(_typed(walk, b, base_types[0], walk.old_views), nb) & WIDENING)
            for b in olds
        ):
            continue
        if nkw == "oneOf":
            walk.emit("one-of-branch-added", B, m, f"oneOf branch {j} is new")
        else:
            walk.emit("any-of-branch-added", R, m, f"anyOf branch {j} is new")


def _typed(walk: Walk, branch: Node, base_type: Any, views: Views) -> Node:
    """A branch as it applies under its parent's ``type`` (which constrains it too)."""
    eff = views.effective(branch)
    if base_type is None or not isinstance(eff.value, dict) or "type" in eff.value:
        return eff
    value = walk.ctx.derive(eff.value, f"type={base_type!r}", lambda v: {**v, "type": base_type})
    return Node(value, eff.doc, eff.ptr)


def _node_without(walk: Walk, node: Node, keys: tuple[str, ...]) -> Node:
    value = walk.ctx.derive(node.value, f"without={keys}", lambda v: _without(v, keys))
    return Node(value, node.doc, node.ptr)


def all_of(walk: Walk, o: Node, n: Node) -> None:
    obr, nbr = o.value.get("allOf"), n.value.get("allOf")
    if not isinstance(obr, list) and not isinstance(nbr, list):
        return
    olds = [o.child("allOf", i) for i in range(len(obr))] if isinstance(obr, list) else []
    news = [n.child("allOf", j) for j in range(len(nbr))] if isinstance(nbr, list) else []
    base_old = _node_without(walk, o, ("allOf",))
    base_new = _node_without(walk, n, ("allOf",))
    for j, m in enumerate(news):
        if any(not (walk.trial(b, m) & NARROWING) for b in [*olds, base_old]):
            continue
        if j < len(olds):
            walk.compare(olds[j], m)
        else:
            walk.emit("all-of-branch-added", W, m, f"allOf branch {j} is new")
    for i, b in enumerate(olds):
        if i < len(news):
            continue
        if any(not (walk.trial(m, b) & NARROWING) for m in [*news, base_new]):
            continue
        walk.emit("all-of-branch-removed", R, b, f"allOf branch {i} was removed")


def negation(walk: Walk, o: Node, n: Node) -> None:
    has_o, has_n = "not" in o.value, "not" in n.value
    if has_o and has_n:
        # old ⊆ new  <=>  not(old.not) ⊆ not(new.not)  <=>  new.not ⊆ old.not
        walk.compare(n.child("not"), o.child("not"))
    elif has_n:
        walk.emit("not-added", W, n.child("not"), "a `not` constraint was added")
    elif has_o:
        walk.emit("not-removed", R, n, "the `not` constraint was removed")


def conditional(walk: Walk, o: Node, n: Node) -> None:
    ov, nv = o.value, n.value
    if "if" not in ov and "if" not in nv:
        return
    if canon(ov.get("if", True)) != canon(nv.get("if", True)):
        walk.emit(
            "condition-changed",
            B,
            n.child("if") if "if" in nv else n,
            "the `if` condition changed",
        )
        if "if" not in ov or "if" not in nv:
            return
        # data that meets both conditions (or neither) still meets then (else) on both
        # sides: what changed there is reported too (the condition already hurts both)
    for kw in ("then", "else"):
        if kw in ov or kw in nv:
            walk.compare(
                _in_context(walk, o, kw, walk.old_views), _in_context(walk, n, kw, walk.new_views)
            )


def _in_context(walk: Walk, parent: Node, kw: str, views: Views) -> Node:
    """``parent[kw]`` together with the parent's own constraints (both apply)."""
    branch = views.effective(_or_true(parent, kw))
    if branch.doc is not parent.doc or not isinstance(branch.value, dict):
        return branch
    base = _without(parent.value, _CONDITIONAL)
    merged = walk.ctx.derive(branch.value, f"in={id(parent.value)}", lambda v: merge(base, v))
    return branch if merged is None else Node(merged, branch.doc, branch.ptr)


# ---------------------------------------------------------------------- small readers


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


_PATTERNS: dict[str, re.Pattern[str] | None] = {}


def _matches(pattern: str, name: str) -> bool:
    if pattern not in _PATTERNS:
        try:
            _PATTERNS[pattern] = re.compile(pattern)
        except re.error:
            _PATTERNS[pattern] = None
    compiled = _PATTERNS[pattern]
    return bool(compiled and compiled.search(name))


def _dependencies_of(node: Node) -> tuple[dict[str, set[str]], dict[str, Node]]:
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
DEPENDENCY_KEYS = frozenset({"dependencies", "dependentRequired", "dependentSchemas"})
