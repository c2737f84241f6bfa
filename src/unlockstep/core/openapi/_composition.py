"""``allOf``/``anyOf``/``oneOf`` lists that changed inside a request or response schema.

The JSON Schema engine judges a composition by what it accepts: a branch implied by the
others, one that only carries annotations, or one whose data another branch still accepts
hurts nobody, so the engine reports nothing for it (and folds a mergeable ``allOf`` into one
schema before comparing). oasdiff reports the list change itself, per body (the top schema)
or property: ``all-of-added``/``-removed`` (``…-annotation-only`` for an ``allOf`` branch
with annotations only), ``any-of-added``/``-removed``, ``one-of-added``/``-removed``. This
walk finds those list changes; the OpenAPI comparison reports each as information where the
engine's judgement has not already reported the same id for the schema (it then carries
whom it hurts).

Branches are matched by their ``$ref`` or, inline, by value (as many inline branches gone
as new ones are taken for branches edited in place, which the engine judges). Matched
branches and the properties and items both sides declare are walked on, each pair of
referenced components once per comparison and direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unlockstep.core.documents import join, value_at
from unlockstep.core.jsonschema import ANNOTATIONS, canon

_MAX_DEPTH = 32
_KEYWORDS = (("allOf", "all-of"), ("anyOf", "any-of"), ("oneOf", "one-of"))


@dataclass(frozen=True)
class CompositionChange:
    name: str  # e.g. "all-of-added", "one-of-removed", "all-of-added-annotation-only"
    pointer: str  # the schema holding the list, in the new document (the old for a removal)
    side: str  # "new" or "old": the document ``pointer`` is in
    message: str


def composition_changes(
    old: Any,
    new: Any,
    *,
    old_root: Any,
    new_root: Any,
    pointer: str,
    seen: set[Any],
    prefix: str = "",
) -> list[CompositionChange]:
    """Every branch list change between the schemas ``old`` and ``new`` (both at
    ``pointer``). ``seen`` holds the (``prefix``, old, new) reference pairs already walked
    in this comparison: a component shared by many operations is walked once per direction."""
    out: list[CompositionChange] = []
    _pair(old, new, (old_root, new_root), (pointer, pointer), out, seen, 0, prefix)
    return out


def uses_compositions(root: Any) -> bool:
    """Whether a document has any ``allOf``/``anyOf``/``oneOf`` list at all."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if any(isinstance(node.get(k), list) for k, _ in _KEYWORDS):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _pair(
    old: Any,
    new: Any,
    roots: tuple[Any, Any],
    ptrs: tuple[str, str],
    out: list[CompositionChange],
    seen: set[Any],
    depth: int,
    prefix: str,
) -> None:
    if depth > _MAX_DEPTH or not isinstance(old, dict) or not isinstance(new, dict):
        return
    oref, nref = old.get("$ref"), new.get("$ref")
    if isinstance(oref, str) or isinstance(nref, str):
        if (prefix, oref, nref) in seen:
            return
        seen.add((prefix, oref, nref))
        sides = []
        for value, ref, root, ptr in (
            (old, oref, roots[0], ptrs[0]),
            (new, nref, roots[1], ptrs[1]),
        ):
            if isinstance(ref, str):
                if not ref.startswith("#/"):
                    return  # another document: not followed here
                value, ptr = value_at(root, ref[1:]), ref[1:]
            sides.append((value, ptr))
        (old, optr), (new, nptr) = sides
        _pair(old, new, roots, (optr, nptr), out, seen, depth + 1, prefix)
        return
    for keyword, name in _KEYWORDS:
        olist, nlist = _list(old.get(keyword)), _list(new.get(keyword))
        if olist or nlist:
            _lists(keyword, name, olist, nlist, ptrs, out)
            for i, j in _matched(olist, nlist):
                steps = (f"{ptrs[0]}/{keyword}/{i}", f"{ptrs[1]}/{keyword}/{j}")
                _pair(olist[i], nlist[j], roots, steps, out, seen, depth + 1, prefix)
    oprops, nprops = old.get("properties"), new.get("properties")
    if isinstance(oprops, dict) and isinstance(nprops, dict):
        for prop, schema in oprops.items():
            if prop in nprops:
                step = join("/properties", str(prop))
                _pair(
                    schema,
                    nprops[prop],
                    roots,
                    (ptrs[0] + step, ptrs[1] + step),
                    out,
                    seen,
                    depth + 1,
                    prefix,
                )
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        step = "/items"
        _pair(
            old["items"],
            new["items"],
            roots,
            (ptrs[0] + step, ptrs[1] + step),
            out,
            seen,
            depth + 1,
            prefix,
        )


def _lists(
    keyword: str,
    name: str,
    olist: list[Any],
    nlist: list[Any],
    ptrs: tuple[str, str],
    out: list[CompositionChange],
) -> None:
    before = {_identity(b): b for b in olist}
    after = {_identity(b): b for b in nlist}
    added = [k for k in after if k not in before]
    removed = [k for k in before if k not in after]
    inline_added = [k for k in added if not k.startswith("#")]
    inline_removed = [k for k in removed if not k.startswith("#")]
    if len(inline_added) == len(inline_removed):  # inline branches edited in place
        added = [k for k in added if k not in inline_added]
        removed = [k for k in removed if k not in inline_removed]
    for keys, verb, side, ptr, values in (
        (added, "added", "new", ptrs[1], after),
        (removed, "removed", "old", ptrs[0], before),
    ):
        if not keys:
            continue
        plain = [k for k in keys if keyword != "allOf" or not _annotation_only(values[k])]
        for group, suffix in (
            (plain, ""),
            ([k for k in keys if k not in plain], "-annotation-only"),
        ):
            if group:
                shown = ", ".join(k if k.startswith("#") else "an inline schema" for k in group)
                out.append(
                    CompositionChange(
                        f"{name}-{verb}{suffix}", ptr, side, f"{keyword} branches {verb}: {shown}"
                    )
                )


def _identity(branch: Any) -> str:
    if isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
        return str(branch["$ref"])
    return canon(branch)


def _annotation_only(branch: Any) -> bool:
    return isinstance(branch, dict) and all(k in ANNOTATIONS for k in branch)


def _matched(olist: list[Any], nlist: list[Any]) -> list[tuple[int, int]]:
    """Indices of the branch pairs to walk on: the same reference or value on both sides,
    then the rest by position when both sides have as many left."""
    after = {_identity(b): j for j, b in enumerate(nlist)}
    before = {_identity(b): i for i, b in enumerate(olist)}
    pairs = [(i, after[k]) for k, i in before.items() if k in after]
    rest_old = [i for k, i in before.items() if k not in after]
    rest_new = [j for k, j in after.items() if k not in before]
    if len(rest_old) == len(rest_new):
        pairs.extend(zip(rest_old, rest_new, strict=True))
    return pairs


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
