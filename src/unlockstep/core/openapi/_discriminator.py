"""Changes to OpenAPI ``discriminator`` objects inside a request or response schema.

``discriminator`` is an OpenAPI keyword (JSON Schema validation ignores it), so the JSON
Schema engine does not see it. It tells code generators and tolerant readers which branch of
a ``oneOf``/``anyOf`` a payload is; changing it is information a client author wants, not a
change to what validates (oasdiff reports these as INFO too). Names follow oasdiff:
``discriminator-added`` / ``-removed`` / ``-property-name-changed`` / ``-mapping-added`` /
``-mapping-deleted`` / ``-mapping-changed``, per body (the top schema) or property.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unlockstep.core.documents import join, value_at

_MAX_DEPTH = 32
_BRANCHES = ("oneOf", "anyOf", "allOf")


@dataclass(frozen=True)
class DiscriminatorChange:
    name: str  # e.g. "discriminator-mapping-added"
    at_root: bool  # on the body's own schema, not a property inside it
    pointer: str  # where, in the new document (the old one for a removal)
    message: str


def discriminator_changes(
    old: Any, new: Any, *, old_root: Any, new_root: Any, pointer: str
) -> list[DiscriminatorChange]:
    """Every discriminator change between the schemas ``old`` and ``new`` (both at
    ``pointer``), matched by their place in the schema (branch and property path)."""
    before: dict[str, tuple[str, dict[str, Any]]] = {}
    after: dict[str, tuple[str, dict[str, Any]]] = {}
    _collect(old, old_root, "", pointer, before, set(), 0)
    _collect(new, new_root, "", pointer, after, set(), 0)
    out: list[DiscriminatorChange] = []
    for key in dict.fromkeys([*before, *after]):
        at_root = key == ""
        where = f"at {key}" if key else "of the body"
        if key not in before:
            ptr, _ = after[key]
            out.append(
                DiscriminatorChange(
                    "discriminator-added", at_root, ptr, f"a discriminator was added {where}"
                )
            )
            continue
        if key not in after:
            ptr, _ = before[key]
            out.append(
                DiscriminatorChange(
                    "discriminator-removed", at_root, ptr, f"the discriminator {where} was removed"
                )
            )
            continue
        (_, old_d), (ptr, new_d) = before[key], after[key]
        if old_d.get("propertyName") != new_d.get("propertyName"):
            out.append(
                DiscriminatorChange(
                    "discriminator-property-name-changed",
                    at_root,
                    ptr,
                    f"the discriminator {where} now reads {new_d.get('propertyName')!r} "
                    f"instead of {old_d.get('propertyName')!r}",
                )
            )
        old_map, new_map = _mapping(old_d), _mapping(new_d)
        for name, keys in (
            ("discriminator-mapping-added", [k for k in new_map if k not in old_map]),
            ("discriminator-mapping-deleted", [k for k in old_map if k not in new_map]),
            (
                "discriminator-mapping-changed",
                [k for k in old_map if k in new_map and old_map[k] != new_map[k]],
            ),
        ):
            if keys:
                verb = name.rsplit("-", 1)[-1]
                out.append(
                    DiscriminatorChange(
                        name,
                        at_root,
                        ptr,
                        f"discriminator mapping {where} {verb}: {', '.join(keys)}",
                    )
                )
    return out


def uses_discriminators(root: Any) -> bool:
    """Whether a document has any ``discriminator`` at all (so a comparison can skip the
    walk for the many documents without one)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("discriminator"), dict):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _mapping(discriminator: dict[str, Any]) -> dict[str, Any]:
    mapping = discriminator.get("mapping")
    return mapping if isinstance(mapping, dict) else {}


def _collect(
    node: Any,
    root: Any,
    key: str,
    pointer: str,
    out: dict[str, tuple[str, dict[str, Any]]],
    walked: set[str],
    depth: int,
) -> None:
    """Discriminators under ``node`` by their place in the schema; each referenced
    component is walked once (shared and recursive schemas stay linear)."""
    if depth > _MAX_DEPTH or not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        if ref not in walked:
            walked.add(ref)
            _collect(value_at(root, ref[1:]), root, key, ref[1:], out, walked, depth + 1)
        return
    discriminator = node.get("discriminator")
    if isinstance(discriminator, dict) and key not in out:
        out[key] = (pointer, discriminator)
    children: list[tuple[str, Any]] = []
    for keyword in _BRANCHES:
        branches = node.get(keyword)
        for i, branch in enumerate(branches if isinstance(branches, list) else []):
            children.append((f"{keyword}/{i}", branch))
    properties = node.get("properties")
    for name, schema in (properties if isinstance(properties, dict) else {}).items():
        children.append((join("properties", str(name)), schema))
    if isinstance(node.get("items"), dict):
        children.append(("items", node["items"]))
    for step, child in children:
        _collect(child, root, f"{key}/{step}", f"{pointer}/{step}", out, walked, depth + 1)
