"""An OpenAPI document ready for comparison: normalised to the 3.x shape, with ``$ref``
resolution and the source line of each JSON pointer where the loader knows it."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from unlockstep.core.compat import Source
from unlockstep.core.documents import (
    MISSING,
    Document,
    Resolver,
    escape,
    load_document,
    value_at,
)
from unlockstep.core.openapi._swagger import is_swagger2, to_openapi3
from unlockstep.errors import ParseError

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Refs:
    """Resolves local ``#/...`` references inside one document, following chains."""

    def __init__(self, root: Any, filename: str) -> None:
        self.root = root
        self.filename = filename

    def lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise ParseError(
                f"cannot follow the reference {ref!r}: only references inside the document "
                "are supported here",
                where=self.filename,
                hint="bundle the document first (e.g. `redocly bundle`)",
            )
        node = value_at(self.root, ref, MISSING)
        if node is MISSING:
            raise ParseError(
                f"the reference {ref!r} points at nothing",
                where=self.filename,
                hint="fix the $ref or add the missing component",
            )
        return node

    def deref(self, node: Any) -> Any:
        """``node`` with ``$ref`` chains followed (sibling keys of a 3.1 ``$ref`` are kept)."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise ParseError(
                    f"the reference {ref!r} refers to itself through a chain of $refs",
                    where=self.filename,
                    hint="break the cycle",
                )
            seen.add(ref)
            target = self.lookup(ref)
            if len(node) > 1 and isinstance(target, dict):
                target = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            node = target
        return node


@dataclass(frozen=True)
class OpenAPIDocument:
    """A parsed OpenAPI description, always in the 3.x shape, with the loaded document (for
    source lines) and the resolver the JSON Schema engine follows ``$ref`` with."""

    root: dict[str, Any]
    document: Document
    resolver: Resolver
    source_version: str = "3.0"

    @property
    def filename(self) -> str:
        return self.document.filename

    @property
    def refs(self) -> Refs:
        return Refs(self.root, self.filename)

    def line(self, pointer: str) -> int | None:
        """The source line of ``pointer``, or of its nearest ancestor that has one."""
        return self.document.line_of(pointer)


def read_tree(source: Source) -> Any:
    """JSON or YAML text to plain data (see ``documents.load_document`` for the defences)."""
    return load_document(source).data


def load(source: Source) -> Document:
    """The loaded document, with every file its ``$ref``s name pulled in (see ``bundle``)."""
    document = load_document(source)
    bundled = bundle(document.data, source)
    if bundled is document.data:
        return document
    return Document(data=bundled, source=source, syntax="yaml")  # lines of the root only


EXTERNAL = "x-unlockstep-external"
#: A ``$ref`` whose value does not start with ``#`` (a quick look at the text first).
_MAYBE_EXTERNAL = re.compile(r"""\$ref["']?\s*:\s*["']?(?!#)""")
_MAX_FILES = 200


def bundle(tree: Any, source: Source) -> Any:
    """Pull every file that ``$ref`` names (``pet.yaml#/Pet``) into ``tree`` under
    ``x-unlockstep-external`` and point the references there, so resolution stays local.
    Files are read through ``source.read_relative`` (the adapter's I/O)."""
    files: dict[str, Any] = {}

    def rewrite(node: Any, current: str) -> Any:
        if isinstance(node, dict):
            out = {k: rewrite(v, current) for k, v in node.items() if k != "$ref"}
            ref = node.get("$ref")
            if isinstance(ref, str):
                out["$ref"] = _rebase(ref, current)
            return out
        if isinstance(node, list):
            return [rewrite(v, current) for v in node]
        return node

    def _rebase(ref: str, current: str) -> str:
        target, _, fragment = ref.partition("#")
        if not target:
            if not current:
                return ref
            return f"#/{EXTERNAL}/{escape(current)}{fragment}"
        name = posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
        if name not in files:
            files[name] = None  # reserve: cycles between files end here
            files[name] = rewrite(_read(name), name)
        return f"#/{EXTERNAL}/{escape(name)}{fragment}"

    def _read(name: str) -> Any:
        if source.read_relative is None or len(files) > _MAX_FILES:
            raise ParseError(
                f"cannot follow the reference to {name!r}: no access to other files here",
                where=source.filename,
                hint="bundle the document first, or pass it as a file path",
            )
        return read_tree(Source(source.read_relative(name), name))

    if not _MAYBE_EXTERNAL.search(source.text) or not _has_external_ref(tree):
        return tree
    bundled = rewrite(tree, "")
    if isinstance(bundled, dict):
        bundled[EXTERNAL] = files
    return bundled


def _has_external_ref(node: Any) -> bool:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def to_document(
    tree: Any, filename: str = "<input>", document: Document | None = None
) -> OpenAPIDocument:
    """Check the top level and normalise Swagger 2.0 to 3.x. ``document`` is where ``tree``
    was loaded from (for source lines); without it, lines are unknown."""
    if not isinstance(tree, dict):
        raise ParseError(
            "an OpenAPI document must be an object at the top level",
            where=filename,
            hint="is this the right file?",
        )
    if document is None:
        document = Document(data=tree, source=Source("", filename), syntax="yaml")
    if is_swagger2(tree):
        converted = to_openapi3(tree)
        shell = Document(data=converted, source=document.source, syntax="yaml")
        return OpenAPIDocument(converted, shell, Resolver(shell), "2.0")
    version = str(tree.get("openapi", ""))
    if not version.startswith("3"):
        raise ParseError(
            'no `openapi: 3.x` or `swagger: "2.0"` field at the top level',
            where=filename,
            hint="use --kind to say what this document is",
        )
    if not isinstance(tree.get("paths", {}), dict):
        raise ParseError("`paths` must be an object", where=f"{filename}#/paths")
    return OpenAPIDocument(tree, document, Resolver(document), version)
