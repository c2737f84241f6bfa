"""The JSON Schema compatibility engine, and ``compare_schemas`` for engines that embed
JSON Schema (OpenAPI request and response bodies, AsyncAPI payloads).

``compare_schemas(old, new, …)`` walks both schemas side by side and reports each difference
framed old -> new, with whom it hurts:

- ``writers``: data valid under ``old`` may be rejected by ``new`` (a narrowing);
- ``readers``: ``new`` allows data a reader written against ``old`` may not expect (a widening);
- ``both``: an unrelated change (type string -> number, a changed pattern).

The caller says which side it protects (``breaking_for``); ``core/compat/_rules.py`` turns that, the
rule's flags, the policy and ``strict_reader`` into a level. The JSON Schema engine's own
``diff`` protects writers: BACKWARD means the new schema reads data written with the old one.

The walk is structural (like the schema registries'), not a full language-inclusion proof:
it is exact for the keywords it knows, conservative for ``not``/``if``, and memoises visited
(old, new) pairs so recursive ``$ref`` schemas terminate. STRICT reports what it cannot prove
safe; LENIENT accepts what is safe in practice (see ``unprovable`` rules).

Where it lives: this module is the public API (``compare_schemas``, the engine, ``combine``);
``core/jsonschema/_walk.py`` walks the two schemas (``Walk``, ``Context``) and holds the scalar
keyword rules; ``core/jsonschema/_objects.py`` the object rules and the combinators;
``core/jsonschema/_refs.py`` finds which values hold a ``$ref``; ``core/jsonschema/_breaks.py``
the shorthands for whom a change hurts and the walk's depth limits shared by them all;
``core/jsonschema/_rules.py`` is the catalogue of rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unlockstep.core import compat
from unlockstep.core.compat import Breaks, Change, Level, Location, Policy, Source, level_for
from unlockstep.core.documents import Document, Resolver, Target, load_document
from unlockstep.core.jsonschema._breaks import B, W, combine
from unlockstep.core.jsonschema._rules import RULES
from unlockstep.core.jsonschema._view import Node, Views
from unlockstep.core.jsonschema._walk import Context, Walk
from unlockstep.errors import ParseError

__all__ = [
    "ENGINE",
    "KIND",
    "JsonSchemaEngine",
    "SchemaDocument",
    "combine",
    "compare_schemas",
]

KIND = "jsonschema"


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
    unprotected: Level | None = None,
    old_pointer: str | None = None,
    whole_documents: bool = False,
) -> list[Change]:
    """Every difference from ``old`` to ``new`` as a ``Change``.

    ``old``/``new`` are schema values found at ``pointer`` (``old_pointer`` if it differs) in
    the resolvers' root documents, or ``documents.Target`` values (from ``Resolver.deref``)
    when they live elsewhere. See the module docstring for ``breaks`` and levels.

    ``unprotected``: the level of a change that hurts only a side ``breaking_for`` leaves out
    (an API engine says ``info``: that side is the provider's own new version).

    ``whole_documents``: ``old`` and ``new`` are two versions' root schemas, which seldom
    are equal; the walk then starts without testing that (it finds nothing if they are)."""
    old_node = _node(old, old_resolver, pointer if old_pointer is None else old_pointer)
    new_node = _node(new, new_resolver, pointer)
    walk = Walk(_context(old_resolver, new_resolver))  # equal schemas return at once
    try:
        walk.compare(old_node, new_node, maybe_equal=not whole_documents)
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
            rule,
            raw.breaks,
            breaking_for=breaking_for,
            policy=policy,
            strict_reader=strict_reader,
            unprotected=unprotected,
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


def _context(old: Resolver, new: Resolver) -> Context:
    """The comparison context for this pair of resolvers, kept on the old resolver so that an
    engine comparing many schemas of the same two documents (every operation of an OpenAPI
    description) walks shared components once."""
    contexts: dict[int, tuple[Resolver, Context]] = old.__dict__.setdefault(
        "_jsonschema_contexts", {}
    )
    hit = contexts.get(id(new))
    if hit is None or hit[0] is not new:
        hit = (new, Context(Views(old), Views(new)))
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


_PROTECT_WRITERS = frozenset({W, B})


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
            breaking_for=_PROTECT_WRITERS,
            whole_documents=True,
        )


ENGINE = compat.register(JsonSchemaEngine())
