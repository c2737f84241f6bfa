"""What a JSON Schema finding inside an OpenAPI document is about, in oasdiff's terms.

The JSON Schema engine reports a finding at a JSON pointer under its own rule id. ``refine``
looks at the schema there in both documents and says which schema the finding is about (the
holder of a keyword, the body or a property), what oasdiff would call it (a widened type list
that only gained null is ``became-nullable``, a changed condition that added ``if`` and
``then`` is two findings), whether an added or removed property is required, and whether it
is ``readOnly``/``writeOnly``. ``openapi_schema_rules.openapi_id`` then names it per context.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from unlockstep.core.documents import split, unescape, value_at

REQUEST, RESPONSE = "request-", "response-"

#: keywords a finding's pointer may end with while it is about the schema that holds them
_KEYWORDS = {
    "type",
    "unevaluatedProperties",
    "unevaluatedItems",
    "enum",
    "const",
    "format",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
    "required",
    "dependentRequired",
    "patternProperties",
    "propertyNames",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
    "multipleOf",
    "default",
    "deprecated",
    "nullable",
    "additionalProperties",
    "oneOf",
    "anyOf",
    "allOf",
    "not",
    "if",
    "then",
    "else",
}


@dataclass(frozen=True)
class Finding:
    """What a JSON Schema finding is about, in OpenAPI terms (see ``refine``)."""

    names: tuple[str, ...]  # engine rule ids or refined names (``_REFINED``)
    pointer: str  # the schema it is about
    required: bool = False  # an added or removed property is required
    access: frozenset[str] = frozenset()  # readOnly / writeOnly, for a property's presence

    def exempt(self, prefix: str) -> bool:
        """A finding about whether a property is sent, where it is never sent: a readOnly
        property in a request, a writeOnly one in a response (OpenAPI: ``required`` then
        applies to the other direction only)."""
        hidden = {REQUEST: "readOnly", RESPONSE: "writeOnly"}.get(prefix)
        return hidden in self.access


_CONTAINERS = {"properties", "patternProperties", "$defs", "definitions", "dependentRequired"}
#: keywords whose sub-schemas oasdiff reports as the keyword added or removed
_HOLDERS = {
    "propertyNames": "property-names",
    "prefixItems": "prefix-items",
    "dependentSchemas": "dependent-schema",
}


def refine(rule: str, pointer: str, old_root: Any, new_root: Any, details: Any) -> Finding:
    """The names oasdiff gives the finding ``rule`` (a JSON Schema engine id without its
    context prefix) at ``pointer``, looking at the schema there in both documents."""
    tokens = pointer.split("/")
    if tokens[-1] == "items" and "prefixItems" not in tokens:
        tokens = [*tokens[:-1], "prefixItems"]  # items judged against a removed prefixItems
    for keyword, name in _HOLDERS.items():
        if keyword in tokens[-4:]:
            index = len(tokens) - 1 - tokens[::-1].index(keyword)
            holder = "/".join(tokens[:index])
            key = tokens[index + 1 : index + 2] if keyword == "dependentSchemas" else []
            before = value_at(old_root, "/".join([holder, keyword, *key]))
            after = value_at(new_root, "/".join([holder, keyword, *key]))
            if before is None and after is not None:
                return Finding((f"{name}-added",), holder)
            if after is None and before is not None:
                return Finding((f"{name}-removed",), holder)
    if tokens[-1] == "prefixItems":
        tokens[-1] = "items"
    if rule in _BRANCH_RULES and tokens[-2:-1] in (["oneOf"], ["anyOf"], ["allOf"]):
        tokens = tokens[:-2]  # a branch added or removed: about the schema that lists it
    if len(tokens) > 2 and tokens[-1] in _KEYWORDS and tokens[-2] not in _CONTAINERS:
        tokens = tokens[:-1]  # about the schema that holds the keyword
    elif rule.startswith("pattern-property-") and tokens[-2:-1] == ["patternProperties"]:
        tokens = tokens[:-2]
    at = "/".join(tokens)
    old, new = _in_view(old_root, at), _in_view(new_root, at)
    names = _refined_names(rule, _dict(old), _dict(new), _dict(details))
    required = False
    if rule in _REQUIRED_MATTERS and len(tokens) > 2 and tokens[-2] == "properties":
        root = old_root if rule == "property-removed" else new_root
        parent = _in_view(root, "/".join(tokens[:-2]))
        name = unescape(tokens[-1])
        required = _lists_required(root, parent, name, 0)
        if required and rule in _ADDED and "default" in _dict(new):
            names = ("required-property-added-with-default",)
    access: frozenset[str] = frozenset()
    if rule in _PRESENCE and len(tokens) > 2 and tokens[-2] == "properties":
        schemas = [_deref(old_root, old), _deref(new_root, new)]
        access = frozenset(k for k in ("readOnly", "writeOnly") for x in schemas if x.get(k))
    return Finding(names, at, required, access)


#: findings about a composition branch, made at the branch (``…/oneOf/2``)
_BRANCH_RULES = {
    "one-of-branch-added",
    "any-of-branch-added",
    "any-of-branch-removed",
    "all-of-branch-added",
    "all-of-branch-removed",
}
#: findings about whether a property is present
_PRESENCE = {
    "property-added",
    "property-added-to-open-model",
    "required-property-added",
    "property-removed",
    "property-became-required",
    "property-became-optional",
}


def _lists_required(root: Any, schema: Any, name: str, depth: int) -> bool:
    """Whether ``schema`` or one of its ``allOf`` branches (the merged view the engine
    compares) lists ``name`` as required."""
    if not isinstance(schema, dict) or depth > 8:
        return False
    listed = schema.get("required")
    if isinstance(listed, list) and name in listed:
        return True
    return any(
        _lists_required(root, _deref(root, branch), name, depth + 1)
        for branch in _list(schema.get("allOf"))
    )


def _in_view(root: Any, pointer: str) -> Any:
    """The node at ``pointer``, where the JSON Schema engine's pointer may name a property of
    an ``allOf`` as if the holder declared it (it compares the merged view): a token missing
    from a schema is looked for in its ``allOf`` branches (local references followed)."""
    tokens = split(pointer)
    return _find(root, root, tokens, 0)


def _find(root: Any, node: Any, tokens: list[str], depth: int) -> Any:
    if not tokens:
        return node
    token, rest = tokens[0], tokens[1:]
    if isinstance(node, list):
        if token.isdigit() and int(token) < len(node):
            return _find(root, node[int(token)], rest, depth)
        return None
    if not isinstance(node, dict) or depth > 8:
        return None
    if token in node:
        found = _find(root, node[token], rest, depth)
        if found is not None:
            return found
    for branch in _list(node.get("allOf")):
        found = _find(root, _deref(root, branch), tokens, depth + 1)
        if found is not None:
            return found
    return None


def _deref(root: Any, node: Any) -> dict[str, Any]:
    schema = _dict(node)
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        return {**_dict(value_at(root, ref[1:])), **schema}
    return schema


_PROPERTY_CHANGES = {"property-added", "property-added-to-open-model", "property-removed"}
_ADDED = {"property-added", "property-added-to-open-model"}
#: findings whose OpenAPI name says whether the property is required
_REQUIRED_MATTERS = {
    *_PROPERTY_CHANGES,
    "read-only-added",
    "read-only-removed",
    "write-only-added",
    "write-only-removed",
}


def _refined_names(
    rule: str, old: dict[str, Any], new: dict[str, Any], details: dict[str, Any]
) -> tuple[str, ...]:
    if rule in ("type-widened", "type-narrowed"):
        before, after = details.get("old"), details.get("new")
        if not isinstance(before, list) or not isinstance(after, list):
            before, after = _types(old), _types(new)
        if before and after and set(before) != set(after):
            if set(before) ^ set(after) == {"null"}:
                return ("became-nullable" if "null" in after else "became-not-nullable",)
            return (f"list-of-types-{rule.removeprefix('type-')}",)
        changed = _added_or_removed(old, new, ("unevaluatedProperties", "unevaluatedItems"))
        if changed:
            return changed
    if rule.startswith(("enum-value-", "enum-constraint-")) and ("const" in old or "const" in new):
        if "const" in old and "const" in new:
            return ("const-changed",)
        return ("const-added" if "const" in new else "const-removed",)
    if rule == "default-changed":
        if "default" in old and "default" in new:
            return ("default-value-changed",)
        return ("default-value-added" if "default" in new else "default-value-removed",)
    if rule == "condition-changed":
        return _added_or_removed(old, new, ("if", "then", "else")) or (rule,)
    if rule.startswith("dependent-required-"):
        before = _dict(old.get("dependentRequired"))
        after = _dict(new.get("dependentRequired"))
        if any(k in after and after[k] != v for k, v in before.items()):
            return ("dependent-required-changed",)
    if rule == "deprecated" and new.get("deprecated") is True and "x-sunset" in new:
        if not _is_date(new["x-sunset"]):
            return ("deprecated-sunset-invalid",)
        return ("deprecated-with-sunset",)
    if rule == "pattern-changed" and "" in (old.get("pattern"), new.get("pattern")):
        return ("pattern-added" if old.get("pattern") == "" else "pattern-removed",)
    if rule == "property-became-required" and "default" in new:
        return ("property-became-required-with-default",)
    if rule == "required-property-added" and "default" in new:
        return ("required-property-added-with-default",)
    return (rule,)


def _types(schema: dict[str, Any]) -> list[str]:
    """The types a schema names, with null for ``nullable: true`` or an ``anyOf``/``oneOf``
    branch that is only ``type: null``."""
    declared = schema.get("type")
    types = [declared] if isinstance(declared, str) else list(_list(declared))
    branches = [*_list(schema.get("anyOf")), *_list(schema.get("oneOf"))]
    if schema.get("nullable") is True or {"type": "null"} in branches:
        types.append("null")
    for branch in branches:
        kind = branch.get("type") if isinstance(branch, dict) else None
        if isinstance(kind, str) and branch != {"type": "null"}:
            types.append(kind)
    return sorted(set(types))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _added_or_removed(
    old: dict[str, Any], new: dict[str, Any], keywords: tuple[str, ...]
) -> tuple[str, ...]:
    out = []
    for keyword in keywords:
        name = _KEBAB.get(keyword, keyword)
        if keyword in new and keyword not in old:
            out.append(f"{name}-added")
        elif keyword in old and keyword not in new:
            out.append(f"{name}-removed")
    return tuple(out)


_KEBAB = {
    "unevaluatedProperties": "unevaluated-properties",
    "unevaluatedItems": "unevaluated-items",
}
