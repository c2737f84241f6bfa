"""Turning text into data, safely, and following ``$ref`` inside and across documents.

``load_document`` reads JSON or YAML into plain Python values (dict, list, str, int, float,
bool, None) and keeps what is needed to say *where* something is:

- a JSON pointer -> line map, computed lazily: for JSON only the containers on the way to a
  pointer that ends up in a report are scanned (so a 12 MB file costs nothing extra unless
  it is asked about); for YAML the composer's marks are kept while building the data;
- hostile-input defences: a size cap (``decode`` checks the bytes before decoding; the
  adapters check a file's size or a request's length before reading it, so ``load_document``
  itself only checks when given ``max_size``), a nesting cap (a 10,000-deep document is a
  ``ParseError``, never a ``RecursionError``, in well under a second: YAML is capped at
  ``max_depth``, checked on the parser's events before libyaml composes a deep flow
  collection, which costs it time quadratic in the depth; JSON at the parser's own
  recursion limit of about a thousand levels), YAML alias expansion bounded (no "billion
  laughs"), recursive aliases refused, duplicate keys refused (naming the lines for YAML),
  and ``decode`` names the byte offset and line of invalid UTF-8.

``Resolver`` follows ``$ref``: local JSON pointers, ``$id``/``$anchor`` plain-name fragments,
and files named relative to the root document (read through ``Source.read_relative`` so core
stays free of I/O). A ``$ref`` that does not resolve is a ``ParseError`` naming the file and
the pointer of the ``$ref``. Chains of ``$ref`` that never reach a schema are refused;
recursive schemas are fine (the engines memoise the pairs they have visited).
"""

from __future__ import annotations

import bisect
import json
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from unlockstep.core.compat import Source
from unlockstep.core.documents._pointer import MISSING, join, split, step, unescape
from unlockstep.errors import DocumentTooLarge, ParseError

#: Default cap on a document's size in bytes, the ``max_document_mb`` setting's default.
#: GitHub's full REST API description, the largest real one we know, is about 12 MB; a
#: 32 MiB cap leaves room for that to more than double while a 50 MB document is refused
#: unread instead of parsed for seconds.
MAX_DOCUMENT_MB = 32
MAX_SIZE = MAX_DOCUMENT_MB * 1024 * 1024
#: What to do about a refused document, when the adapter has nothing more specific to say.
SIZE_HINT = (
    "split the document (move schemas into files referenced with $ref), or raise the limit"
    " with --max-document-mb or the UNLOCKSTEP_MAX_DOCUMENT_MB setting"
)
#: Default cap on nesting (objects in arrays in objects...).
MAX_DEPTH = 400

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_SCAN = _DECODER.scan_once  # type: ignore[attr-defined]


def _mib(size: int) -> str:
    mib = size / (1024 * 1024)
    return f"{mib:.0f} MiB" if mib == int(mib) else f"{mib:.1f} MiB"


def too_large(size: int, limit: int, where: str, hint: str = SIZE_HINT) -> DocumentTooLarge:
    """The error for a document of ``size`` bytes past ``limit``: what, where, what to do."""
    return DocumentTooLarge(
        f"document is {size:,} bytes ({_mib(size)}), more than the limit of {limit:,} bytes"
        f" ({_mib(limit)})",
        where=where,
        hint=hint,
        details={"size": size, "limit": limit},
    )


def decode(data: bytes, filename: str = "<input>", *, max_size: int | None = MAX_SIZE) -> str:
    """Bytes from a file as text: UTF-8 (a BOM is dropped), refused past ``max_size``."""
    if max_size is not None and len(data) > max_size:
        raise too_large(len(data), max_size, filename)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ParseError(
            f"invalid UTF-8 at byte offset {exc.start} (line {line}): {exc.reason}",
            where=filename,
            hint="save the file as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


class _JsonLines:
    """Pointer -> offset for JSON text. Only the containers on the way to a pointer are
    scanned, each only as far as the member asked for, resuming where it stopped."""

    def __init__(self, text: str) -> None:
        self.text = text
        start = _WS.match(text, 0)
        self.value_at: dict[str, int] = {"": start.end() if start else 0}
        self.key_at: dict[str, int] = {}
        self.resume: dict[str, tuple[int, int] | None] = {}  # container -> (offset, index)
        self._totals: list[int] | None = None  # bracket balance before each chunk
        self._searches: dict[str, int] = {}  # container -> text searches for its members

    def offset(self, pointer: str) -> int | None:
        if pointer in self.key_at:
            return self.key_at[pointer]
        if pointer in self.value_at:
            return self.value_at[pointer]
        parent, _, token = pointer.rpartition("/")
        if self.offset(parent) is None or parent not in self.value_at:
            return None
        searched = self._searches.get(parent, 0)
        if searched >= _SEARCHES or not self._find_key(parent, pointer, unescape(token)):
            self._scan(parent, pointer)
        self._searches[parent] = searched + 1
        return self.key_at.get(pointer, self.value_at.get(pointer))

    def _find_key(self, parent: str, pointer: str, key: str) -> bool:
        """Find ``"key":`` directly inside the object at ``parent`` by searching the text
        (fast on huge objects); a hit is accepted when the brackets between the object's
        start and the hit balance, i.e. the hit is a direct member. Gives up after a few
        nested hits, leaving it to the exact scan. Each search starts at the object's start,
        so after ``_SEARCHES`` of them in one object the scan (which resumes where it
        stopped) takes over: thousands of findings in one object stay linear."""
        text, start = self.text, self.value_at[parent]
        if start >= len(text) or text[start] != "{":
            return False
        literal = json.dumps(key, ensure_ascii=False)
        base = self._balance(start + 1)
        position = start + 1
        for _ in range(32):
            at = text.find(literal, position)
            while at >= 0:
                colon = _COLON.match(text, at + len(literal))
                if colon is not None:
                    break
                at = text.find(literal, at + 1)
            else:
                return False
            balance = self._balance(at)
            if balance == base:
                self.key_at[pointer] = at
                self.value_at[pointer] = colon.end()
                return True
            if balance < base:  # past the end of the object
                return False
            position = colon.end()
        return False

    def _balance(self, offset: int) -> int:
        """Opening minus closing brackets in ``text[:offset]`` (strings included, as in the
        search above), from a per-chunk running total built on first use."""
        text = self.text
        if self._totals is None:
            self._totals = [0]
            for i in range(0, len(text), _CHUNK):
                self._totals.append(self._totals[-1] + _bracket_balance(text, i, i + _CHUNK))
        chunk = offset // _CHUNK
        return self._totals[chunk] + _bracket_balance(text, chunk * _CHUNK, offset)

    def _scan(self, pointer: str, wanted: str) -> None:
        """Scan the container at ``pointer`` until its member ``wanted`` is recorded."""
        text = self.text
        if pointer not in self.resume:
            i = self.value_at[pointer]
            if i >= len(text) or text[i] not in "{[":
                self.resume[pointer] = None
                return
            self.resume[pointer] = (_skip(text, i + 1), 0)
        state = self.resume[pointer]
        if state is None:
            return
        i, n = state
        is_object = text[self.value_at[pointer]] == "{"
        try:
            while text[i] not in "}]":
                if is_object:
                    key_start = i
                    key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                    i = _skip(text, _skip(text, i) + 1)  # past the ':'
                    child = join(pointer, key)
                    self.key_at[child] = key_start
                else:
                    child = join(pointer, n)
                self.value_at[child] = i
                _, i = _SCAN(text, i)
                i = _skip(text, i)
                if text[i] == ",":
                    i = _skip(text, i + 1)
                n += 1
                if child == wanted:
                    self.resume[pointer] = (i, n)
                    return
        except (IndexError, StopIteration, ValueError, RecursionError):
            pass
        self.resume[pointer] = None


_CHUNK = 4096
_SEARCHES = 16
_COLON = re.compile(r"\s*:\s*")


def _bracket_balance(text: str, start: int, end: int) -> int:
    opened = text.count("{", start, end) + text.count("[", start, end)
    return opened - text.count("}", start, end) - text.count("]", start, end)


def _skip(text: str, i: int) -> int:
    match = _WS.match(text, i)
    return match.end() if match else i


@dataclass(eq=False)
class Document:
    """A loaded document: its data, where it came from, and how to find a pointer's line."""

    data: Any
    source: Source
    syntax: str  # "json" or "yaml"
    _lines: dict[str, int] = field(default_factory=dict, repr=False)
    _json: _JsonLines | None = field(default=None, repr=False)
    _newlines: list[int] | None = field(default=None, repr=False)
    _counted: int = field(default=0, repr=False)
    _answers: dict[str, int | None] = field(default_factory=dict, repr=False)  # JSON lines so far
    #: every string ``$ref`` member in the data, when the loader knows them (JSON); ``None``
    #: when it does not (YAML, data built elsewhere)
    refs: tuple[str, ...] | None = field(default=None, repr=False)
    #: engines' memo of which values hold no ``$ref`` (by identity; values live with the doc)
    ref_free_cache: dict[int, bool] | None = field(default=None, repr=False)
    #: ``Resolver.resolve``'s memo of references to a JSON pointer in this document
    local_targets: dict[str, Target] = field(default_factory=dict, repr=False)
    #: ``Resolver.deref``'s memo of reference chains that stay in this document
    local_derefs: dict[int, tuple[Any, Target]] = field(default_factory=dict, repr=False)

    @property
    def filename(self) -> str:
        return self.source.filename

    def line_of(self, pointer: str) -> int | None:
        """The 1-based line where ``pointer`` is (its key, for an object member), if known.

        An unknown pointer gives the line of its nearest known ancestor."""
        if self.syntax == "yaml":
            current = pointer
            while True:
                if current in self._lines:
                    return self._lines[current]
                if not current:
                    return None
                current = current.rpartition("/")[0]
        if pointer in self._answers:
            return self._answers[pointer]
        if self._json is None:
            self._json = _JsonLines(self.source.text)
        current = pointer
        line = None
        while True:
            offset = self._json.offset(current)
            if offset is not None:
                line = self._line_at(offset)
                break
            if not current:
                break
            current = current.rpartition("/")[0]
        self._answers[pointer] = line
        return line

    def _line_at(self, offset: int) -> int:
        text = self.source.text
        if self._newlines is None:
            # a few lookups near the start: counting is cheaper than an index; once the
            # counting has read as much as the text's length, build the index
            self._counted += offset
            if self._counted <= len(text):
                return text.count("\n", 0, offset) + 1
            self._newlines = list(accumulate(len(line) + 1 for line in text.split("\n")))
        return bisect.bisect_right(self._newlines, offset) + 1


def load_document(
    source: Source, *, max_size: int | None = None, max_depth: int = MAX_DEPTH
) -> Document:
    """Parse ``source`` as JSON (when it starts with ``{`` or ``[``) or YAML.

    The size cap is the adapter's (it checks bytes before decoding them, with the limit the
    user configured); ``max_size`` checks the text's length here as well."""
    text = source.text
    if max_size is not None and len(text) > max_size:
        raise too_large(len(text), max_size, source.filename)
    head = text.lstrip(" \t\r\n\ufeff")[:1]
    if head in ("{", "["):
        refs: list[str] = []
        data = _load_json(source, refs)
        doc = Document(data=data, source=source, syntax="json", refs=tuple(refs))
    else:
        data, lines = _load_yaml(source, max_depth)
        doc = Document(data=data, source=source, syntax="yaml", _lines=lines)
    return doc


def _load_json(source: Source, refs: list[str]) -> Any:
    """The data of a JSON text; every string ``$ref`` member met is appended to ``refs``."""
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            seen: set[str] = set()
            duplicates.extend(k for k, _ in items if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        ref = obj.get("$ref")
        if ref.__class__ is str:
            refs.append(ref)
        return obj

    try:
        data = json.loads(source.text.lstrip("\ufeff"), object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            where=f"{source.filename}:{exc.lineno}:{exc.colno}",
        ) from None
    except RecursionError:
        raise _too_deep(source.filename) from None
    if duplicates:
        raise ParseError(
            f"duplicate key {duplicates[0]!r} in one object",
            where=source.filename,
            hint="a key may appear once per object; remove or rename the repeated one",
        )
    return data


def _too_deep(where: str, depth: int | None = None) -> ParseError:
    limit = f" (limit {depth})" if depth else ""
    return ParseError(
        f"document is nested too deeply{limit}",
        where=where,
        hint="flatten the structure or use $ref for recursive shapes",
    )


if TYPE_CHECKING:
    import yaml

_KEEP_AS_TEXT = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}
_SCALARS: Any = None
_LOADER: Any = None


def _import_yaml() -> None:
    """Import the YAML parser on the first YAML document (every YAML path passes
    ``_compose``): a command that reads only JSON or plain text, such as ``migrations check``,
    does not pay for it."""
    global _SCALARS, _LOADER
    if _LOADER is None:
        import yaml as module

        globals()["yaml"] = module
        _SCALARS = module.constructor.SafeConstructor()
        _LOADER = getattr(module, "CSafeLoader", module.SafeLoader)


def load_stream(
    source: Source, *, max_size: int | None = None, max_depth: int = MAX_DEPTH
) -> list[Document]:
    """Every document of a YAML stream (separated by ``---``), each with its lines, under the
    same defences as ``load_document`` (the alias budget is shared by the whole stream). An
    empty document in the stream is one whose ``data`` is ``None``."""
    if max_size is not None and len(source.text) > max_size:
        raise too_large(len(source.text), max_size, source.filename)
    roots = _compose(source, max_depth, stream=True)
    builder = _YamlBuilder(source.filename, budget=2 * len(source.text) + 10_000, depth=max_depth)
    out: list[Document] = []
    for root in roots:
        builder.lines = {}
        data = None if root is None else builder.build(root, "")
        out.append(Document(data=data, source=source, syntax="yaml", _lines=builder.lines))
    return out


def _load_yaml(source: Source, max_depth: int) -> tuple[Any, dict[str, int]]:
    root = _compose(source, max_depth, stream=False)[0]
    if root is None:
        raise ParseError("document is empty", where=source.filename)
    builder = _YamlBuilder(source.filename, budget=2 * len(source.text) + 10_000, depth=max_depth)
    return builder.build(root, ""), builder.lines


def _compose(source: Source, max_depth: int, *, stream: bool) -> list[Any]:
    _import_yaml()
    if _may_nest_deeper_than(source.text, _COMPOSE_SAFE_DEPTH):
        _check_depth(source, max_depth)
    try:
        if stream:
            return list(yaml.compose_all(source.text, Loader=_LOADER))
        return [yaml.compose(source.text, Loader=_LOADER)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ParseError(
            f"invalid YAML: {exc.problem or exc}", where=f"{source.filename}{line}"
        ) from None
    except yaml.YAMLError as exc:
        raise ParseError(f"invalid YAML: {exc}", where=source.filename) from None
    except RecursionError:
        raise _too_deep(source.filename) from None


#: How deep libyaml composes quickly and safely: 2,000 levels of flow collections take it
#: 0.1 s (the time grows with the square of the depth: 10,000 take seconds), and its
#: composer recurses in C: 100,000 levels of ``- - - …`` (200 KB) overflow the stack.
_COMPOSE_SAFE_DEPTH = 2000


def _may_nest_deeper_than(text: str, depth: int) -> bool:
    """Whether YAML ``text`` could nest deeper than ``depth``, from a bound found at C speed:
    flow collections nest at most once per ``[``/``{`` that is not empty (``[]``, ``{}``),
    and a block collection starts further right than its parent (or, for a sequence under
    a mapping key, at the same column), so block nesting is at most twice the longest run
    of indentation and ``- ``/``? ``/``: `` indicators that starts a line."""
    flow = text.count("[") - text.count("[]") + text.count("{") - text.count("{}")
    prefix = (depth - flow) // 2 - 1
    return prefix <= 0 or re.search(f"^[ ?:-]{{{prefix},}}", text, re.MULTILINE) is not None


def _check_depth(source: Source, max_depth: int) -> None:
    """Refuse YAML nested deeper than ``max_depth`` before libyaml composes it (see
    ``_COMPOSE_SAFE_DEPTH``). The parser's events come lazily and its stack is its own, so
    this stops as soon as the cap is passed, at any depth. It runs only for text that could
    nest past the safe depth; there, for a big document, it costs about a fifth of
    composing."""
    depth = 0
    try:
        for event in yaml.parse(source.text, Loader=_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > max_depth:
                    mark = event.start_mark
                    line = f":{mark.line + 1}" if mark is not None else ""
                    raise _too_deep(f"{source.filename}{line}", max_depth)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # composing reports it, with its line


class _YamlBuilder:
    """Composed YAML nodes -> plain values, with lines, an expansion budget, and no cycles."""

    def __init__(self, filename: str, budget: int, depth: int) -> None:
        self.filename = filename
        self.budget = budget
        self.max_depth = depth
        self.lines: dict[str, int] = {}
        self.active: set[int] = set()

    def build(self, node: yaml.Node, pointer: str, depth: int = 0) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise ParseError(
                "YAML aliases expand to far more data than the document holds",
                where=f"{self.filename}:{node.start_mark.line + 1}",
                hint="this looks like an alias bomb; expand anchors by hand",
            )
        if depth > self.max_depth:
            raise _too_deep(self.filename, self.max_depth)
        self.lines.setdefault(pointer, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _KEEP_AS_TEXT or not node.tag.startswith("tag:yaml.org,2002:"):
                return node.value
            return _SCALARS.construct_object(node)
        if id(node) in self.active:
            raise ParseError(
                "YAML alias refers to a node that contains it (a recursive alias)",
                where=f"{self.filename}:{node.start_mark.line + 1}",
                hint="use $ref for recursive structures",
            )
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [
                    self.build(item, join(pointer, i), depth + 1)
                    for i, item in enumerate(node.value)
                ]
            return self._mapping(node, pointer, depth)
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: yaml.Node, pointer: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for src in sources:
                    value = self.build(src, pointer, depth + 1)
                    if isinstance(value, dict):
                        for k, v in value.items():
                            merged.setdefault(k, v)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise ParseError(
                    "a mapping key must be a plain value, not a list or mapping",
                    where=f"{self.filename}:{key_node.start_mark.line + 1}",
                )
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ParseError(
                    f"duplicate key {key!r} (first on line {seen[key]})",
                    where=f"{self.filename}:{line}: {pointer or '/'}",
                    hint="a key may appear once per mapping; remove or rename the repeated one",
                )
            seen[key] = line
            child = join(pointer, key)
            self.lines[child] = line
            out[key] = self.build(value_node, child, depth + 1)
        for k, v in merged.items():
            out.setdefault(k, v)
        return out


# --------------------------------------------------------------------------- $ref


@dataclass(frozen=True, slots=True)
class Target:
    """A value found by following a reference: the value, its document and its pointer."""

    value: Any
    document: Document
    pointer: str


class Resolver:
    """Follows ``$ref`` from a root document into itself and relative files.

    ``resolve(ref, document, at)`` finds one reference; ``deref(value, document, pointer)``
    follows a chain of ``$ref`` objects until it reaches something else. Files are loaded
    once (through the root's ``Source.read_relative``) and kept."""

    def __init__(self, root: Document, *, max_size: int | None = None) -> None:
        self.root = root
        self.max_size = max_size
        self._files: dict[str, Document] = {root.filename: root}
        self._names: dict[int, str] = {id(root): ""}  # document -> path relative to root
        self._anchors: dict[int, dict[str, str]] = {}

    def document_for(self, relative: str, base: Document, where: str) -> Document:
        base_dir = posixpath.dirname(self._names.get(id(base), ""))
        name = posixpath.normpath(posixpath.join(base_dir, relative))
        key = posixpath.join(posixpath.dirname(self.root.filename), name)
        if key in self._files:
            return self._files[key]
        read = self.root.source.read_relative
        if read is None:
            raise ParseError(
                f"$ref to the file {relative!r} cannot be followed here",
                where=where,
                hint="diff files on disk so relative references can be read",
            )
        text = read(name)
        doc = load_document(
            Source(text=text, filename=key, read_relative=None), max_size=self.max_size
        )
        self._files[key] = doc
        self._names[id(doc)] = name
        return doc

    def resolve(self, ref: str, document: Document, at: str = "") -> Target:
        """The target of ``ref`` written in ``document`` at pointer ``at``."""
        local = document.local_targets.get(ref)
        if local is not None:
            return local
        where = f"{document.filename}#{at}" if at else document.filename
        address, _, fragment = ref.partition("#")
        pointer_only = not address and (not fragment or fragment.startswith("/"))
        doc = document
        if address:
            if "://" in address or address.startswith("urn:"):
                root_id = _root_id(document.data)
                if root_id and address == root_id.partition("#")[0]:
                    address = ""
                else:
                    raise ParseError(
                        f"$ref {ref!r} points to a remote document; only local and relative"
                        " file references are followed",
                        where=where,
                        hint="download the referenced schema next to this file and use a"
                        " relative path",
                    )
            if address:
                doc = self.document_for(unquote(address), document, where)
        fragment = unquote(fragment)
        if fragment and not fragment.startswith("/"):
            pointer = self._anchor_index(doc).get(fragment)
            if pointer is None:
                raise ParseError(
                    f"$ref {ref!r} names an anchor that no $id or $anchor declares",
                    where=where,
                )
            fragment = pointer
        target = Target(_walk(doc, fragment, ref, where), doc, fragment)
        if pointer_only:
            document.local_targets[ref] = target  # depends on nothing but the document
        return target

    def deref(self, value: Any, document: Document, pointer: str) -> Target:
        """Follow ``$ref`` while ``value`` is only a reference (siblings are the caller's)."""
        hit = document.local_derefs.get(id(value))
        if hit is not None:
            return hit[1]
        seen: set[tuple[int, str]] = set()
        target = Target(value, document, pointer)
        local = True
        while isinstance(target.value, dict) and isinstance(target.value.get("$ref"), str):
            key = (id(target.document), target.pointer)
            if key in seen:
                raise ParseError(
                    "$ref chain loops back on itself without reaching a schema",
                    where=f"{target.document.filename}#{target.pointer}",
                    hint="make one of the references point to an actual schema",
                )
            seen.add(key)
            target = self.resolve(
                target.value["$ref"], target.document, join(target.pointer, "$ref")
            )
            local = local and target.document is document
        if local and target.value is not value:  # a chain inside the document: keep it
            document.local_derefs[id(value)] = (value, target)
        return target

    def _anchor_index(self, doc: Document) -> dict[str, str]:
        index = self._anchors.get(id(doc))
        if index is None:
            index = {}
            stack: list[tuple[Any, str]] = [(doc.data, "")]
            while stack:
                value, pointer = stack.pop()
                if isinstance(value, dict):
                    anchor = value.get("$anchor")
                    ident = value.get("$id") or value.get("id")
                    if isinstance(anchor, str):
                        index.setdefault(anchor, pointer)
                    if isinstance(ident, str) and ident.startswith("#"):
                        index.setdefault(ident[1:], pointer)
                    stack.extend((v, join(pointer, k)) for k, v in value.items())
                elif isinstance(value, list):
                    stack.extend((v, join(pointer, i)) for i, v in enumerate(value))
            self._anchors[id(doc)] = index
        return index


def check_references(resolver: Resolver) -> None:
    """Raise ``ParseError`` for the first ``$ref`` in the resolver's root document that does
    not resolve, or that loops through references alone, saying where it is. A registry runs
    this on every published document: the comparison only follows the references a change
    leads it to, so without it a broken one would surface at some later publish."""
    root = resolver.root
    if root.refs is not None:
        try:
            for ref in dict.fromkeys(root.refs):  # the loader's list: no walk needed
                target = resolver.resolve(ref, root)
                resolver.deref(target.value, target.document, target.pointer)
            return
        except ParseError:
            pass  # find where, and whether it is a reference at all, below
    for value, pointer in _reference_objects(root.data):
        resolver.deref(value, root, pointer)


#: Members whose values are instance data, not schemas: a ``$ref`` key in them is data.
_DATA_MEMBERS = frozenset({"example", "examples", "default", "enum", "const"})


def _reference_objects(data: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """Every object holding a string ``$ref``, with its pointer, outside instance data."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, pointer = stack.pop()
        if isinstance(value, dict):
            if isinstance(value.get("$ref"), str):
                yield value, pointer
            members = [
                (v, join(pointer, k))
                for k, v in value.items()
                if isinstance(v, dict | list) and k not in _DATA_MEMBERS
            ]
            stack.extend(reversed(members))  # popped in document order
        elif isinstance(value, list):
            items = [
                (v, join(pointer, i)) for i, v in enumerate(value) if isinstance(v, dict | list)
            ]
            stack.extend(reversed(items))


def _root_id(data: Any) -> str | None:
    if isinstance(data, dict):
        ident = data.get("$id") or data.get("id")
        return ident if isinstance(ident, str) else None
    return None


def _walk(doc: Document, fragment: str, ref: str, where: str) -> Any:
    value = doc.data
    for key in split(fragment):
        value = step(value, key)
        if value is MISSING:
            raise ParseError(
                f"$ref {ref!r} does not resolve: no {key!r} in {doc.filename}",
                where=where,
                hint="fix the reference or add the missing definition",
            )
    return value


ReadRelative = Callable[[str], str]
