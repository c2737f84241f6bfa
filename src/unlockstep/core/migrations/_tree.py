"""PostgreSQL statements read as plain data: libpg_query's own JSON parse tree, decoded by
``json``, for ``migrations check``.

libpg_query (BSD-3-Clause, the parser extracted from PostgreSQL 18) prints its tree as JSON in
C; ``json.loads`` turns it into dicts and lists. That costs about what decoding its protobuf
does, but spares importing ``postgast``'s Python package and protobuf's ~2,000 generated message
classes, a third of a ``migrations check`` process. The shared library is the one the
``postgast`` wheel (BSD-2-Clause) ships, found without importing the package; postgast's own
search (a system libpg_query) is the fallback. The ``table`` kind, which needs PostgreSQL's
deparser, reads typed protobuf nodes instead (:mod:`unlockstep.core.migrations._sql`).

A node is a dict with one key, its type, over its fields (``{"RangeVar": {"relname": "t"}}``);
a field that holds a struct rather than any node (``relation``) is the fields alone. Field names
are libpg_query's C names (``typeName``, ``is_local``, ``def``); enums are their C names
(``"AT_AddColumn"``). Fields at their default (false, 0, empty, NULL) are left out, so read
them with ``.get``. Statement positions count UTF-8 bytes; error positions count characters.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

from unlockstep.core.migrations._nesting import deep_json, needs_big_stack, on_big_stack
from unlockstep.errors import ParseError

Node = dict[str, Any]

_SHORT = 120
#: where the postgast wheel keeps libpg_query, per platform (as ``postgast.native`` names it)
_LIBRARY_NAMES = ("libpg_query.so", "libpg_query.dylib", "pg_query.dll")


@dataclass(frozen=True, slots=True)
class Statement:
    """One parsed SQL statement: its node type and fields, its text and the 1-based line it
    starts on."""

    kind: str  # "AlterTableStmt"
    node: Node  # its fields
    text: str
    line: int

    @property
    def short(self) -> str:
        return one_line(self.text)


def one_line(text: str) -> str:
    """A statement on one line, cut to a readable length."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHORT else flat[: _SHORT - 1] + "…"


def encode_sql(text: str, filename: str, first_line: int) -> bytes:
    """``text`` as the UTF-8 libpg_query reads; a lone surrogate is a :class:`ParseError` naming
    its line."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = first_line + text.count("\n", 0, exc.start)
        raise ParseError(
            "cannot parse SQL: a character that is not valid Unicode (a lone surrogate)",
            where=f"{filename}:{line}",
            hint="the file must be text in UTF-8; remove or replace the character",
        ) from None


def syntax_error(
    message: str, cursorpos: int, text: str, filename: str, first_line: int
) -> ParseError:
    """PostgreSQL's syntax error as a :class:`ParseError` naming its line. ``cursorpos`` is
    1-based (0: unknown) and, unlike statement positions, counts characters, as PostgreSQL
    reports error positions."""
    line = first_line + text.count("\n", 0, max(cursorpos - 1, 0))
    return ParseError(
        f"cannot parse SQL: {message}",
        where=f"{filename}:{line}",
        hint="the file must be valid PostgreSQL; fix the statement or exclude the file",
    )


class _Error(ctypes.Structure):
    _fields_ = (
        ("message", ctypes.c_char_p),
        ("funcname", ctypes.c_char_p),
        ("filename", ctypes.c_char_p),
        ("lineno", ctypes.c_int),
        ("cursorpos", ctypes.c_int),  # 1-based, in characters; 0: unknown
        ("context", ctypes.c_char_p),
    )


class _Result(ctypes.Structure):
    _fields_ = (
        ("parse_tree", ctypes.c_char_p),
        ("stderr_buffer", ctypes.c_char_p),
        ("error", ctypes.POINTER(_Error)),
    )


@cache
def _parser() -> Any:
    """libpg_query's ``pg_query_parse`` (text in, JSON out) with its result's ``free``."""
    lib: Any = None
    spec = importlib.util.find_spec("postgast")
    for folder in (spec.submodule_search_locations or ()) if spec else ():
        for name in _LIBRARY_NAMES:
            if os.path.isfile(os.path.join(folder, name)):
                lib = ctypes.CDLL(os.path.join(folder, name))
                break
        if lib is not None:
            break
    if lib is None:  # postgast's own search (a libpg_query installed on the system), opened
        # again so that the signatures set below are not postgast's
        lib = ctypes.CDLL(importlib.import_module("postgast.native").lib._name)
    lib.pg_query_parse.argtypes = [ctypes.c_char_p]
    lib.pg_query_parse.restype = _Result
    lib.pg_query_free_parse_result.argtypes = [_Result]
    lib.pg_query_free_parse_result.restype = None
    return lib


def _tree(data: bytes) -> tuple[bytes | None, str, int]:
    """libpg_query's JSON for ``data``, or None with its error message and position."""
    lib = _parser()
    result = lib.pg_query_parse(data)
    try:
        if result.error:
            error = result.error.contents
            message = error.message.decode("utf-8") if error.message else "unknown error"
            return None, message, int(error.cursorpos)
        return bytes(result.parse_tree), "", 0
    finally:
        lib.pg_query_free_parse_result(result)


def _decode(tree: bytes, filename: str) -> Any:
    """The JSON tree as dicts and lists; one deeper than ``json``'s default recursion limit
    allows (a few hundred chained operators) is decoded on the big-stack worker."""
    try:
        return json.loads(tree)
    except RecursionError:
        pass
    try:
        return deep_json(json.loads, tree)
    except RecursionError:
        raise ParseError(
            "cannot parse SQL: a statement nests deeper than its parse tree can be read",
            where=filename,
            hint="split the expression or query into smaller ones, or exclude the file",
        ) from None


def parse_statements(text: str, filename: str = "<input>", first_line: int = 1) -> list[Statement]:
    """Every statement in ``text`` in order; raises :class:`ParseError` naming file and line.

    ``first_line`` is the line ``text`` starts on in ``filename`` (for SQL embedded in
    another file, such as ``op.execute("…")`` in an Alembic migration).
    """
    data = encode_sql(text, filename, first_line)
    if needs_big_stack(text, data, filename, first_line):
        tree, message, cursorpos = on_big_stack(_tree, data)
    else:
        tree, message, cursorpos = _tree(data)
    if tree is None:
        raise syntax_error(message, cursorpos, text, filename, first_line)
    out: list[Statement] = []
    for raw in _decode(tree, filename).get("stmts", ()):
        start = raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0)
        end = start + length if length else len(data)
        body = data[start:end].decode("utf-8", errors="replace").strip()
        ((kind, fields),) = raw["stmt"].items()
        out.append(Statement(kind, fields, body, first_line + data.count(b"\n", 0, start)))
    return out


# -- reading nodes -------------------------------------------------------------------------


def unwrap(node: Node) -> tuple[str, Node]:
    """A node's type and fields: ``{"String": {"sval": "a"}}`` → ``("String", {"sval": "a"})``."""
    ((kind, fields),) = node.items()
    return kind, fields


def qualified_name(relation: Node | None) -> str:
    """``schema.table`` for a relation (a ``RangeVar``'s fields), with the default ``public``
    schema left out."""
    if relation is None:
        return ""
    name = str(relation.get("relname", ""))
    schema = relation.get("schemaname")
    return f"{schema}.{name}" if schema and schema != "public" else name


def _part(node: Node) -> str:
    kind, fields = unwrap(node)
    return str(fields.get("sval", "")) if kind == "String" else f"{kind}(...)"


def dotted(names: list[Node] | None) -> str:
    """A name given as a list of ``String`` nodes (``pg_catalog.int4`` → ``int4``)."""
    parts = [_part(n) for n in names or ()]
    if len(parts) > 1 and parts[0] in ("pg_catalog", "public"):
        parts = parts[1:]
    return ".".join(parts)


def type_name(type_node: Node | None) -> str:
    """A readable type (a ``TypeName``'s fields): ``int4``, ``varchar(20)``, ``text[]``."""
    if type_node is None:
        return ""
    name = dotted(type_node.get("names"))
    mods = [const_value(m) for m in type_node.get("typmods", ())]
    if mods:
        name += "(" + ",".join(str(m) for m in mods) + ")"
    bounds = type_node.get("arrayBounds")
    if bounds:
        name += "[]" * len(bounds)
    return name


#: the value nodes and the field (and default) that holds their value
_VALUES: dict[str, tuple[str, Any]] = {
    "Integer": ("ival", 0),
    "String": ("sval", ""),
    "Float": ("fval", ""),
    "Boolean": ("boolval", False),
}
_CONSTANTS = {field: default for field, default in _VALUES.values()}


def const_value(node: Node) -> Any:
    """The value of a constant (``A_Const``): an int, a string, a bool; ``"?"`` for anything
    else."""
    kind, fields = unwrap(node)
    if kind == "A_Const":  # the value's node is written under its field's name
        for field, default in _CONSTANTS.items():
            if field in fields:
                return fields[field].get(field, default)
        return "?"
    val = fields.get("val")
    if isinstance(val, dict):
        inner, inner_fields = unwrap(val)
        if inner in _VALUES:
            field, default = _VALUES[inner]
            return inner_fields.get(field, default)
    return "?"


#: Functions whose value differs per row: as a column default they force a table rewrite.
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "clock_timestamp",
        "timeofday",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "nextval",
        "setseed",
    }
)


def volatile_calls(node: Node | None) -> list[str]:
    """Names of volatile functions called anywhere inside an expression, outermost first."""
    found: list[str] = []
    stack: list[Any] = [node]
    while stack:  # depth first, in field order, without recursing
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            call = item.get("FuncCall")
            if isinstance(call, dict):
                parts = (p.get("String", {}).get("sval", "") for p in call.get("funcname", ()))
                name = ".".join(parts).rsplit(".", 1)[-1].lower()
                if name in VOLATILE_FUNCTIONS:
                    found.append(name)
            stack.extend(reversed(item.values()))
    return found
