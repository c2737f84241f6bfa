"""Which values of a JSON Schema document hold a ``$ref``: the JSON Schema walk
(``core/jsonschema/_walk.py``) takes equal values for equal schemas only when no reference in
them could point at something that differs between the two documents.

- ``ref_free``: a value holds no ``$ref`` (memoised per document; a document whose loader saw
  no ``$ref`` answers at once);
- ``names_with_refs``: the properties of a ``properties`` object whose schemas hold one;
- ``refs_agree``: every ``$ref`` in two root documents points at equal values in both
  (checked once per pair of documents).
"""

from __future__ import annotations

from typing import Any

from unlockstep.core.documents import MISSING, Document, value_at
from unlockstep.core.jsonschema._view import Views


def ref_free(value: Any, doc: Document) -> bool:
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


def names_with_refs(props: dict[str, Any], doc: Document) -> frozenset[str]:
    """The names in a ``properties`` object whose schemas contain a ``$ref`` (memoised)."""
    if _doc_has_no_refs(doc):
        return _NO_NAMES
    cache = doc.__dict__.setdefault("_names_with_refs", {})
    hit: tuple[Any, frozenset[str]] | None = cache.get(id(props))
    if hit is None:
        left = None if doc.refs is None else len(doc.refs)  # the loader's count, if known
        names = []
        for k, v in props.items():
            if left == 0:
                break  # every "$ref" the document has is in a property already found
            if not ref_free(v, doc):
                names.append(k)
                left = None if left is None else left - 1
        hit = cache[id(props)] = (props, frozenset(names))
    return hit[1]


def _may_hold_refs(text: str) -> bool:
    """Whether data parsed from ``text`` may have a ``$ref`` key: it says so, or escapes could
    spell one, or there is no text (the data came from elsewhere)."""
    return not text or "$ref" in text or any(e in text for e in ("\\u00", "\\x", "\\U000"))


#: More distinct references than this and ``refs_agree`` is not worth asking (an API
#: description's components): the walk checks the values it meets instead.
_MAX_AGREEING_REFS = 64


def refs_agree(old: Views, new: Views) -> bool:
    """Whether every ``$ref`` in either root document points at equal values in both, so that
    equal values are equal schemas whatever references they hold (checked once per pair of
    documents: cheaper than finding which values hold a reference, for event schemas)."""
    refs = _local_refs(old.resolver.root)
    other = _local_refs(new.resolver.root)
    if refs is None or other is None:
        return False
    if refs != other:
        refs = refs | other
    if len(refs) > _MAX_AGREEING_REFS:
        return False
    old_data, new_data = old.resolver.root.data, new.resolver.root.data
    for ref in refs:
        a, b = _pointed(old_data, ref), _pointed(new_data, ref)
        if a is MISSING or b is MISSING or a != b:
            return False
    return True


def _pointed(data: Any, ref: str) -> Any:
    """The value a ``#/a/b`` reference points at (as ``Resolver.resolve`` finds it), or
    ``MISSING`` when there is none or the reference is percent-encoded."""
    return MISSING if "%" in ref else value_at(data, ref[1:], MISSING)


def _local_refs(doc: Document) -> frozenset[str] | None:
    """The ``$ref`` values in a document when the loader recorded them all and they are all
    JSON pointers into the document itself; ``None`` otherwise."""
    if doc.refs is None:
        return None
    refs = frozenset(doc.refs)
    for ref in refs:
        if ref[:2] != "#/" and ref != "#":
            return None
    return refs


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
