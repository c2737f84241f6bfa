"""PostgreSQL DDL read with Postgres's own grammar (``pglast`` wraps libpg_query).

This module only turns text into statements that know where they are; what a statement
*means* for running clients is decided in :mod:`unlockstep.core.migrations._classify` (migration
steps) and :mod:`unlockstep.core.migrations._table` (table contracts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError as PgParseError

from unlockstep.errors import ParseError

_SHORT = 120


@dataclass(frozen=True, slots=True)
class Statement:
    """One parsed SQL statement: its AST node, its text and the 1-based line it starts on."""

    node: Any
    text: str
    line: int

    @property
    def short(self) -> str:
        """The statement on one line, cut to a readable length."""
        flat = " ".join(self.text.split())
        return flat if len(flat) <= _SHORT else flat[: _SHORT - 1] + "…"


def parse_statements(text: str, filename: str = "<input>", first_line: int = 1) -> list[Statement]:
    """Every statement in ``text`` in order; raises :class:`ParseError` naming file and line.

    ``first_line`` is the line ``text`` starts on in ``filename`` (for SQL embedded in
    another file, such as ``op.execute("…")`` in an Alembic migration).
    """
    try:
        raws = parse_sql(text)
    except PgParseError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        line = first_line + text.count("\n", 0, max(offset, 0))
        raise ParseError(
            f"cannot parse SQL: {message}",
            where=f"{filename}:{line}",
            hint="the file must be valid PostgreSQL; fix the statement or exclude the file",
        ) from None
    out: list[Statement] = []
    for raw in raws:
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(text)
        body = text[start:end].strip()
        out.append(Statement(raw.stmt, body, first_line + text.count("\n", 0, start)))
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
    mods = [_const(m) for m in (type_node.typmods or ())]
    if mods:
        name += "(" + ",".join(str(m) for m in mods) + ")"
    if type_node.arrayBounds:
        name += "[]" * len(type_node.arrayBounds)
    return name


def _const(node: Any) -> Any:
    val = getattr(node, "val", None)
    if val is None:
        return "?"
    for attr in ("ival", "sval", "fval", "boolval"):
        if hasattr(val, attr):
            return getattr(val, attr)
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


def volatile_calls(node: Any) -> list[str]:
    """Names of volatile functions called anywhere inside an expression."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, ast.FuncCall):
            name = dotted(value.funcname).rsplit(".", 1)[-1].lower()
            if name in VOLATILE_FUNCTIONS:
                found.append(name)
        if isinstance(value, ast.Node):
            for attr in value:
                walk(getattr(value, attr))
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)

    walk(node)
    return found
