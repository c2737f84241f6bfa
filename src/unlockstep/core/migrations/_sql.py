"""PostgreSQL DDL read with Postgres's own grammar: libpg_query (BSD-3-Clause), the parser
extracted from PostgreSQL 18, through its ``postgast`` binding (BSD-2-Clause).

This module turns text into statements for the ``table`` contract kind
(:mod:`unlockstep.core.migrations._table`), which quotes defaults and checks through
PostgreSQL's deparser and so needs the protobuf tree. ``migrations check`` reads the same
parser's JSON tree as plain data instead (:mod:`unlockstep.core.migrations._tree`): it needs no
deparser, and skips importing postgast's package and protobuf. Statements carry
postgast's typed syntax-tree nodes (``postgast.nodes``), whose fields are libpg_query's protobuf
fields (``type_name``, ``table_elts``, ``def_``) and whose enums are the protobuf enums
(``pg_query_pb2.AlterTableType``). libpg_query gives statement and node positions in UTF-8
bytes and error positions in characters; everything here turns them into lines of the text.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any

import postgast
from postgast import nodes as ast

from unlockstep.core.migrations._nesting import needs_big_stack, on_big_stack
from unlockstep.core.migrations._tree import encode_sql, one_line, syntax_error
from unlockstep.errors import ParseError

#: libpg_query's protobuf module: its enums (``pb.AlterTableType.AT_AddColumn``) and messages.
#: Reached as an attribute, not imported by name: mypy cannot read the module's generated stub
#: (an enum value named ``None``), see ``[tool.mypy]`` in pyproject.toml.
pb: Any = postgast.pg_query_pb2

_DecodeError: type[Exception] = importlib.import_module("google.protobuf.message").DecodeError


@dataclass(frozen=True, slots=True)
class Statement:
    """One parsed SQL statement: its syntax-tree node, its text and the 1-based line it starts
    on."""

    node: Any
    text: str
    line: int

    @property
    def short(self) -> str:
        return one_line(self.text)


def line_at(data: bytes, offset: int | None, first_line: int = 1) -> int | None:
    """The line of a libpg_query position (a UTF-8 byte offset into ``data``); None when the
    parser gave none (-1)."""
    if offset is None or offset < 0:
        return None
    return first_line + data.count(b"\n", 0, offset)


@cache
def _allow_deep_trees() -> None:
    """Let protobuf decode trees as deep as PostgreSQL parses.

    libpg_query hands its tree over as protobuf, and Python's protobuf (upb) refuses messages
    nested deeper than 100 levels: about 45 chained ``a + b + …`` or ``UNION ALL``, which
    PostgreSQL accepts. upb's only switch for that is process-wide; unlockstep decodes no other
    protobuf, so it is turned on once, at the first parse. Without upb nothing changes, and a
    tree too deep to decode is a :class:`ParseError`.
    """
    try:
        upb: Any = importlib.import_module("google._upb._message")
    except ImportError:
        return
    upb.SetAllowOversizeProtos(True)


def parse_statements(text: str, filename: str = "<input>", first_line: int = 1) -> list[Statement]:
    """Every statement in ``text`` in order; raises :class:`ParseError` naming file and line.

    ``first_line`` is the line ``text`` starts on in ``filename`` (for SQL embedded in
    another file, such as ``op.execute("…")`` in an Alembic migration).
    """
    data = encode_sql(text, filename, first_line)
    _allow_deep_trees()
    deep = needs_big_stack(text, data, filename, first_line)
    try:
        result = on_big_stack(postgast.parse, text) if deep else postgast.parse(text)
    except _DecodeError:
        raise ParseError(
            "cannot parse SQL: a statement nests deeper than the parser's tree can be read",
            where=filename,
            hint="split the expression or query into smaller ones",
        ) from None
    except postgast.PgQueryError as exc:
        raise syntax_error(exc.message, exc.cursorpos, text, filename, first_line) from None
    out: list[Statement] = []
    for raw in result.stmts:
        start = raw.stmt_location
        end = start + raw.stmt_len if raw.stmt_len else len(data)
        body = data[start:end].decode("utf-8", errors="replace").strip()
        out.append(Statement(ast.wrap(raw.stmt), body, first_line + data.count(b"\n", 0, start)))
    return out


def qualified_name(relation: ast.RangeVar | None) -> str:
    """``schema.table`` for a relation, with the default ``public`` schema left out."""
    if relation is None:
        return ""
    name = str(relation.relname)
    schema = relation.schemaname
    return f"{schema}.{name}" if schema and schema != "public" else name


def dotted(names: Any) -> str:
    """A name given as a sequence of ``String`` nodes (``pg_catalog.int4`` → ``int4``)."""
    parts = [str(getattr(n, "sval", n)) for n in (names or ())]
    if len(parts) > 1 and parts[0] in ("pg_catalog", "public"):
        parts = parts[1:]
    return ".".join(parts)


def type_name(type_node: ast.TypeName | None) -> str:
    """A readable type: ``int4``, ``varchar(20)``, ``numeric(10,2)``, ``text[]``."""
    if type_node is None:
        return ""
    name = dotted(type_node.names)
    mods = [const_value(m) for m in type_node.typmods]
    if mods:
        name += "(" + ",".join(str(m) for m in mods) + ")"
    if type_node.array_bounds:
        name += "[]" * len(type_node.array_bounds)
    return name


def const_value(node: Any) -> Any:
    """The value of a constant (``A_Const``): an int, a string, a bool; ``"?"`` for anything
    else."""
    val = getattr(node, "val", None)
    for attr in ("ival", "sval", "fval", "boolval"):
        if hasattr(val, attr):
            return getattr(val, attr)
    return "?"


def _message(node: ast.AstNode) -> Any:
    """The protobuf message under a node: postgast's wrappers keep it in ``_pb``, and
    postgast's own ``deparse`` reads it the same way."""
    return node._pb


#: the ``Node`` field that holds each kind of node (``FuncCall`` → ``func_call``)
_NODE_FIELDS = {
    field.message_type.name: field.name
    for field in pb.Node.DESCRIPTOR.fields
    if field.message_type is not None
}


def expression_text(node: ast.AstNode) -> str:
    """An expression as PostgreSQL's own deparser writes it (``'open'::varchar``, ``now()``).

    Wrapping the expression copies its protobuf message and deparsing recurses in C, about
    1.9 KB of stack a level: an expression from a statement longer than
    :data:`~unlockstep.core.migrations._nesting.SHALLOW` characters must be deparsed on the
    big-stack worker (``on_big_stack``), as :func:`~unlockstep.core.migrations._table.parse_tables`
    does.
    """
    message = _message(node)
    wrapped = pb.Node(**{_NODE_FIELDS[message.DESCRIPTOR.name]: message})
    select = pb.SelectStmt(target_list=[pb.Node(res_target=pb.ResTarget(val=wrapped))])
    tree = pb.ParseResult(stmts=[pb.RawStmt(stmt=pb.Node(select_stmt=select))])
    return str(postgast.deparse(tree)).removeprefix("SELECT ")
