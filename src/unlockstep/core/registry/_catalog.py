"""Backstage ``catalog-info.yaml`` descriptors → registry entities.

Reads multi-document YAML: ``Group`` → team, ``Component`` → service, ``System`` → a grouping,
``API`` → a declared interface, and the ``providesApis`` / ``consumesApis`` / ``dependsOn``
relations → declared dependencies. ``$text`` / ``$json`` / ``$yaml`` substitutions (a path
relative to the descriptor, or a URL) are read through the ``read_relative`` callable the
adapter gives: the adapter decides what it may read (its folder, allow-listed hosts, a size
limit); without one, substitutions are refused.
Other kinds (User, Resource, Domain, Location, Template) are skipped and reported.

Entity references follow Backstage's grammar ``[kind:][namespace/]name``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from unlockstep.core.compat import Source
from unlockstep.core.documents import load_document, load_stream
from unlockstep.core.registry._names import name_problem
from unlockstep.errors import InvalidInput, ParseError

API_VERSIONS = ("backstage.io/v1alpha1", "backstage.io/v1beta1")
IMPORTED_KINDS = ("group", "component", "system", "api")
_REF = re.compile(r"^(?:(?P<kind>[A-Za-z][A-Za-z0-9]*):)?(?:(?P<ns>[^:/]+)/)?(?P<name>[^:/]+)$")
TIER_KEYS = ("unlockstep.io/tier", "tier")
_SOURCE_KEYS = ("backstage.io/source-location", "backstage.io/managed-by-location")


@dataclass(frozen=True, slots=True)
class EntityRef:
    kind: str | None
    namespace: str
    name: str

    def __str__(self) -> str:
        kind = f"{self.kind}:" if self.kind else ""
        return f"{kind}{self.namespace}/{self.name}"


def parse_ref(text: Any, *, default_kind: str | None, where: str) -> EntityRef:
    """Parse ``[kind:][namespace/]name``; a malformed reference is an ``InvalidInput``."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(
            f"an entity reference must be a non-empty string, not {text!r}", where=where
        )
    match = _REF.match(text.strip())
    if not match:
        raise InvalidInput(
            f"{text!r} is not an entity reference",
            where=where,
            hint="write [kind:][namespace/]name, e.g. group:default/case-platform-team",
        )
    kind = (match.group("kind") or default_kind or "").lower() or None
    namespace = match.group("ns") or "default"
    name = match.group("name")
    for part, what in ((namespace, "namespace"), (name, "name")):
        problem = name_problem(part, f"reference {what}")
        if problem:
            raise InvalidInput(f"in reference {text!r}: {problem}", where=where)
    return EntityRef(kind, namespace, name)


@dataclass(slots=True)
class Entity:
    """One imported entity, normalised for the registry."""

    kind: str  # team | service | system | api
    name: str
    fields: dict[str, Any]
    where: str
    relations: list[tuple[str, str, str]] = field(default_factory=list)  # relation, kind, name

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "fields": self.fields,
            "where": self.where,
            "relations": [list(r) for r in self.relations],
        }


@dataclass(slots=True)
class Catalog:
    entities: list[Entity] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


Reader = Callable[[str], str]


def parse_catalog(text: str, filename: str, read_relative: Reader | None = None) -> Catalog:
    """Every entity of one descriptor file. Raises ``ParseError``/``InvalidInput`` naming the
    file, document and line of the first problem."""
    catalog = Catalog()
    for index, document in enumerate(load_stream(Source(text, filename)), start=1):
        if document.data is None:
            continue
        where = f"{filename}:{document.line_of('') or 0} (document {index})"
        _entity(catalog, document.data, where, read_relative)
    return catalog


def _entity(catalog: Catalog, data: Any, where: str, read: Reader | None) -> None:
    if not isinstance(data, dict):
        raise InvalidInput("a descriptor document must be a mapping", where=where)
    api_version = data.get("apiVersion")
    if api_version not in API_VERSIONS:
        raise InvalidInput(
            f"apiVersion {api_version!r} is not a Backstage catalog version",
            where=where,
            hint=f"use {API_VERSIONS[0]}",
        )
    kind = data.get("kind")
    metadata = data.get("metadata")
    if not isinstance(kind, str) or not isinstance(metadata, dict):
        raise InvalidInput("a descriptor needs 'kind' and a 'metadata' mapping", where=where)
    name = metadata.get("name")
    problem = name_problem(name if isinstance(name, str) else "", "metadata.name")
    if problem:
        raise InvalidInput(problem, where=where)
    assert isinstance(name, str)
    kind_key = kind.lower()
    if kind_key not in IMPORTED_KINDS:
        catalog.skipped.append(f"{kind}:{name} ({where})")
        return
    spec = _substitute(data.get("spec") or {}, where, read)
    if not isinstance(spec, dict):
        raise InvalidInput("'spec' must be a mapping", where=where)
    common = {"description": metadata.get("description")}
    if kind_key == "group":
        profile = spec.get("profile") or {}
        parent = spec.get("parent")
        catalog.entities.append(
            Entity(
                "team",
                name,
                {
                    **common,
                    "display_name": profile.get("displayName") or metadata.get("title"),
                    "email": profile.get("email"),
                    "parent": parse_ref(
                        parent, default_kind="group", where=f"{where} spec.parent"
                    ).name
                    if parent
                    else None,
                },
                where,
            )
        )
    elif kind_key == "system":
        catalog.entities.append(
            Entity("system", name, {**common, "owner": _owner(spec, where, catalog)}, where)
        )
    elif kind_key == "api":
        definition = spec.get("definition")
        if definition is not None and not isinstance(definition, str):
            definition = json.dumps(definition, sort_keys=True)
        catalog.entities.append(
            Entity(
                "api",
                name,
                {
                    **common,
                    "type": _str(spec.get("type")),
                    "lifecycle": _str(spec.get("lifecycle")),
                    "owner": _owner(spec, where, catalog),
                    "system": _system(spec, where),
                    "definition": definition,
                },
                where,
            )
        )
    else:
        catalog.entities.append(_component(name, metadata, spec, common, where, catalog))


def _component(
    name: str,
    metadata: dict[str, Any],
    spec: dict[str, Any],
    common: dict[str, Any],
    where: str,
    catalog: Catalog,
) -> Entity:
    annotations = metadata.get("annotations") or {}
    labels = metadata.get("labels") or {}
    tier: int | None = None
    for key in TIER_KEYS:
        raw = annotations.get(key, labels.get(key))
        if raw is not None:
            text = str(raw).lower().removeprefix("tier-").removeprefix("tier")
            if text not in ("1", "2", "3"):
                raise InvalidInput(f"tier {raw!r} must be 1, 2 or 3", where=f"{where} {key}")
            tier = int(text)
            break
    repository = None
    for key in _SOURCE_KEYS:
        value = annotations.get(key)
        if isinstance(value, str):
            repository = value.split(":", 1)[1] if value.startswith(("url:", "file:")) else value
            break
    if repository is None and isinstance(annotations.get("github.com/project-slug"), str):
        repository = "https://github.com/" + annotations["github.com/project-slug"]
    relations: list[tuple[str, str, str]] = []
    for key, relation, default_kind in (
        ("providesApis", "provides_api", "api"),
        ("consumesApis", "consumes_api", "api"),
        ("dependsOn", "depends_on", None),
    ):
        values = spec.get(key) or []
        if not isinstance(values, list):
            raise InvalidInput(f"spec.{key} must be a list of entity references", where=where)
        for i, raw in enumerate(values):
            ref = parse_ref(raw, default_kind=default_kind, where=f"{where} spec.{key}[{i}]")
            if ref.kind is None:
                raise InvalidInput(
                    f"{raw!r} in spec.{key} needs a kind",
                    where=f"{where} spec.{key}[{i}]",
                    hint="write component:name or resource:name",
                )
            relations.append((relation, ref.kind, ref.name))
    for required in ("type", "lifecycle", "owner"):
        if not spec.get(required):
            raise InvalidInput(f"Component {name} has no spec.{required}", where=where)
    return Entity(
        "service",
        name,
        {
            **common,
            "owner": _owner(spec, where, catalog),
            "lifecycle": _str(spec.get("lifecycle")),
            "type": _str(spec.get("type")),
            "system": _system(spec, where),
            "tier": tier,
            "repository_url": repository,
        },
        where,
        relations,
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _owner(spec: dict[str, Any], where: str, catalog: Catalog) -> str | None:
    raw = spec.get("owner")
    if raw is None:
        return None
    ref = parse_ref(raw, default_kind="group", where=f"{where} spec.owner")
    if ref.kind != "group":
        catalog.warnings.append(f"{where}: owner {raw!r} is not a group; no owning team recorded")
        return None
    return ref.name


def _system(spec: dict[str, Any], where: str) -> str | None:
    raw = spec.get("system")
    if raw is None:
        return None
    return parse_ref(raw, default_kind="system", where=f"{where} spec.system").name


def _substitute(value: Any, where: str, read: Reader | None) -> Any:
    """Resolve ``{"$text": path}``, ``{"$json": path}`` and ``{"$yaml": path}``."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, target),) = value.items()
            if key in ("$text", "$json", "$yaml"):
                return _load_substitution(key, target, where, read)
        return {k: _substitute(v, where, read) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, where, read) for v in value]
    return value


def _load_substitution(key: str, target: Any, where: str, read: Reader | None) -> Any:
    if not isinstance(target, str) or not target:
        raise InvalidInput(f"{key} needs a file path", where=where)
    if read is None:
        hint = "import the file with `unlockstep catalog import`, which reads substitutions"
        raise InvalidInput(f"{key} {target!r} cannot be resolved here", where=where, hint=hint)
    text = read(target)
    if key == "$text":
        return text
    if key == "$json" and not text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)  # a JSON scalar
        except ValueError as exc:
            raise ParseError(f"{key} file {target!r} does not parse: {exc}", where=where) from None
    try:
        return load_document(Source(text, target)).data
    except ParseError as exc:
        raise ParseError(
            f"{key} file {target!r} does not parse: {exc.message}",
            where=exc.where or where,
            hint=exc.hint,
        ) from None
