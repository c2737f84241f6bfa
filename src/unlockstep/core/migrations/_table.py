"""The ``table`` contract kind: the tables a service lets others read or write, as
PostgreSQL ``CREATE TABLE`` DDL, compared table by table and column by column.

From the BACKWARD point of view (see :mod:`unlockstep.core.compat._model`): a change breaks
**readers** when a service still SELECTing the old shape fails or misreads data, and
**writers** when a service still INSERTing/UPDATEing the old shape gets its writes
rejected. ``CREATE TABLE`` statements define the contract, with any ``ALTER TABLE`` on those
tables applied after them (``pg_dump --schema-only`` adds keys and defaults that way); other
statements (comments, indexes, grants, sequences) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, cast

from postgast import nodes as ast

from unlockstep.core.compat import (
    Breaks,
    Change,
    Location,
    Policy,
    Rule,
    Source,
    declare,
    level_for,
    register,
)
from unlockstep.core.migrations._nesting import SHALLOW, on_big_stack
from unlockstep.core.migrations._sql import (
    Statement,
    expression_text,
    line_at,
    parse_statements,
    pb,
    qualified_name,
    type_name,
)
from unlockstep.errors import ParseError


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: str | None  # the default expression's text, None when there is none
    generated: bool = False  # GENERATED / IDENTITY / serial: the database fills it
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: dict[str, Column]
    primary_key: tuple[str, ...] = ()
    unique: frozenset[tuple[str, ...]] = frozenset()
    checks: frozenset[str] = frozenset()
    line: int | None = None


@dataclass(frozen=True, slots=True)
class TableSchema:
    """Every table of one contract document."""

    tables: dict[str, Table] = field(default_factory=dict)
    filename: str = "<input>"


At = pb.AlterTableType
Ct = pb.ConstrType

_SERIAL = {"serial": "int4", "bigserial": "int8", "smallserial": "int2"}


def _text(node: ast.AstNode | None) -> str:
    """An expression as PostgreSQL's deparser writes it, so equal expressions compare equal."""
    return expression_text(node) if node is not None else ""


def _default(con: ast.Constraint | None) -> str | None:
    return _text(con.raw_expr) if con is not None else None


def _keys(con: ast.Constraint) -> tuple[str, ...]:
    return tuple(str(getattr(k, "sval", k)) for k in con.keys)


def _column(element: ast.ColumnDef, data: bytes) -> Column:
    cons = {c.contype: c for c in element.constraints}
    ctype = type_name(element.type_name)
    default = cons.get(Ct.CONSTR_DEFAULT)
    return Column(
        name=str(element.colname),
        type=_SERIAL.get(ctype.lower(), ctype),
        not_null=bool(
            element.is_not_null or Ct.CONSTR_NOTNULL in cons or Ct.CONSTR_PRIMARY in cons
        ),
        default=_default(default),
        generated=ctype.lower() in _SERIAL
        or Ct.CONSTR_GENERATED in cons
        or Ct.CONSTR_IDENTITY in cons,
        line=line_at(data, element.location),
    )


def _constrain(table: Table, con: ast.Constraint, column: str | None = None) -> Table:
    """``table`` with one more PRIMARY KEY, UNIQUE or CHECK constraint."""
    keys = _keys(con) or ((column,) if column else ())
    if con.contype == Ct.CONSTR_PRIMARY:
        columns = {
            n: replace(c, not_null=True) if n in keys else c for n, c in table.columns.items()
        }
        return replace(table, primary_key=keys, columns=columns)
    if con.contype == Ct.CONSTR_UNIQUE:
        return replace(table, unique=table.unique | {keys})
    if con.contype == Ct.CONSTR_CHECK:
        return replace(table, checks=table.checks | {_text(con.raw_expr)})
    return table


def _table(node: ast.CreateStmt, data: bytes, line: int) -> Table:
    table = Table(qualified_name(node.relation), {}, line=line)
    for element in node.table_elts:
        if isinstance(element, ast.ColumnDef):
            column = _column(element, data)
            table = replace(table, columns={**table.columns, column.name: column})
            for con in element.constraints or ():
                table = _constrain(table, con, column.name)
        elif isinstance(element, ast.Constraint):
            table = _constrain(table, element)
    return table


def _alter(table: Table, cmd: ast.AlterTableCmd, data: bytes) -> Table:
    """``table`` after one ALTER TABLE action, as ``pg_dump --schema-only`` writes them
    (constraints, defaults and NOT NULL often come after the CREATE TABLE)."""
    kind, name = cmd.subtype, cmd.name
    columns = dict(table.columns)
    if kind == At.AT_AddColumn:
        column = _column(cast(ast.ColumnDef, cmd.def_), data)
        columns[column.name] = column
        table = replace(table, columns=columns)
        for con in getattr(cmd.def_, "constraints", None) or ():
            table = _constrain(table, con, column.name)
        return table
    if kind == At.AT_AddConstraint:
        return _constrain(table, cast(ast.Constraint, cmd.def_))
    if name not in columns:
        return table
    if kind == At.AT_DropColumn:
        del columns[name]
    elif kind == At.AT_ColumnDefault:
        default = _text(cmd.def_) if cmd.def_ is not None else None
        columns[name] = replace(columns[name], default=default)
    elif kind in (At.AT_SetNotNull, At.AT_DropNotNull):
        columns[name] = replace(columns[name], not_null=kind == At.AT_SetNotNull)
    elif kind == At.AT_AddIdentity:
        columns[name] = replace(columns[name], generated=True)
    elif kind == At.AT_AlterColumnType:
        columns[name] = replace(columns[name], type=type_name(getattr(cmd.def_, "type_name", None)))
    return replace(table, columns=columns)


def _read(tables: dict[str, Table], stmt: Statement, data: bytes, filename: str) -> None:
    """Add or alter the table ``stmt`` defines or alters."""
    if isinstance(stmt.node, ast.CreateStmt):
        table = _table(stmt.node, data, stmt.line)
        if table.name in tables:
            raise ParseError(
                f"table {table.name} is defined twice",
                where=f"{filename}:{stmt.line}",
                hint="a table contract holds one CREATE TABLE per table",
            )
        tables[table.name] = table
    elif isinstance(stmt.node, ast.AlterTableStmt):
        name = qualified_name(stmt.node.relation)
        for cmd in stmt.node.cmds:
            if name in tables and isinstance(cmd, ast.AlterTableCmd):
                tables[name] = _alter(tables[name], cmd, data)


def parse_tables(text: str, filename: str = "<input>") -> TableSchema:
    """Every ``CREATE TABLE`` of a DDL file, with the ``ALTER TABLE`` statements that follow
    applied (so ``pg_dump --schema-only`` output works); raises :class:`ParseError` saying
    where."""
    tables: dict[str, Table] = {}
    statements = parse_statements(text, filename)
    data = text.encode("utf-8")
    for stmt in statements:
        # a long statement may nest deep enough to overflow the deparser on this stack
        if len(stmt.text) > SHALLOW:
            on_big_stack(_read, tables, stmt, data, filename)
        else:
            _read(tables, stmt, data, filename)
    if not tables:
        raise ParseError(
            "no CREATE TABLE statement found",
            where=filename,
            hint="a table contract is the CREATE TABLE DDL of the tables others use",
        )
    return TableSchema(tables, filename)


# -- types -----------------------------------------------------------------------------------

_TYPE = re.compile(r"^(?P<base>[a-z0-9_ .]+?)(?:\((?P<mods>[0-9, ]+)\))?(?P<array>(\[\])*)$")

#: base type -> the base types that hold every one of its values
_WIDER = {
    "int2": {"int4", "int8", "numeric", "float8"},
    "int4": {"int8", "numeric"},
    "int8": {"numeric"},
    "float4": {"float8"},
    "varchar": {"text"},
    "bpchar": {"text", "varchar"},
    "json": {"jsonb"},
}


def _split(ctype: str) -> tuple[str, tuple[int, ...], str]:
    match = _TYPE.match(ctype.lower())
    if match is None:
        return ctype.lower(), (), ""
    mods = tuple(int(m) for m in (match["mods"] or "").replace(" ", "").split(",") if m)
    return match["base"], mods, match["array"]


def type_change(old: str, new: str) -> str:
    """``widened`` (every old value fits the new type), ``narrowed`` (the reverse) or
    ``changed`` (neither)."""
    (ob, om, oa), (nb, nm, na) = _split(old), _split(new)
    if oa != na:
        return "changed"
    if ob == nb:
        if not nm or (om and len(om) == len(nm) and _mods_wider(om, nm)):
            return "widened"
        if not om or (len(om) == len(nm) and _mods_wider(nm, om)):
            return "narrowed"
        return "changed"
    if nb in _WIDER.get(ob, set()) and (not nm or nb not in ("varchar", "numeric")):
        return "widened"
    if ob in _WIDER.get(nb, set()):
        return "narrowed"
    return "changed"


def _mods_wider(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    if len(small) == 2:  # numeric(precision, scale): more digits on both sides
        return big[1] >= small[1] and big[0] - big[1] >= small[0] - small[1]
    return all(b >= s for s, b in zip(small, big, strict=True))


# -- rules -----------------------------------------------------------------------------------

KIND = "table"
#: A table contract protects both sides: services that read it and services that write it.
_EVERYONE = frozenset({Breaks.READERS, Breaks.WRITERS, Breaks.BOTH})
_R, _W, _B, _N = Breaks.READERS, Breaks.WRITERS, Breaks.BOTH, Breaks.NONE
_NEW_COLUMN = (
    "add a new column with the new type, dual write, backfill, move readers, then drop the old one"
)

RULES = declare(
    [
        Rule(
            "table-removed",
            KIND,
            _B,
            "a table was removed: its readers and writers fail",
            "keep the table until no service reads or writes it",
        ),
        Rule("table-added", KIND, _N, "a table was added"),
        Rule(
            "column-removed",
            KIND,
            _B,
            "a column was removed: readers selecting it and writers setting it fail",
            "stop every reader and writer first; remove it after a zero-usage window",
        ),
        Rule(
            "required-column-added",
            KIND,
            _W,
            "a NOT NULL column without a default was added: writers that do not set it fail",
            "add it nullable or with a default; require it once every writer sets it",
        ),
        Rule("column-added", KIND, _N, "a nullable column (or one with a default) was added"),
        Rule(
            "primary-key-changed",
            KIND,
            _B,
            "the primary key changed",
            "keep the old key unique while users still address rows by it",
            unprovable=True,
        ),
        Rule(
            "unique-added",
            KIND,
            _W,
            "a UNIQUE constraint was added: writers inserting duplicates fail",
            "make sure no writer inserts duplicates before adding it",
            unprovable=True,
        ),
        Rule(
            "unique-removed",
            KIND,
            _R,
            "a UNIQUE constraint was removed: readers may see duplicates",
            "make every reader tolerate duplicates first",
            tolerable=True,
        ),
        Rule(
            "check-added",
            KIND,
            _W,
            "a CHECK constraint was added: writes that violate it are rejected",
            "make sure every writer already satisfies it",
            unprovable=True,
        ),
        Rule(
            "check-removed",
            KIND,
            _R,
            "a CHECK constraint was removed: readers may see values it excluded",
            "make every reader tolerate the wider values first",
            tolerable=True,
        ),
        Rule(
            "column-type-widened",
            KIND,
            _R,
            "a column's type was widened: old readers may not hold the new values",
            "make every reader handle the wider type first",
            tolerable=True,
        ),
        Rule(
            "column-type-narrowed",
            KIND,
            _W,
            "a column's type was narrowed: writes that fitted before are rejected",
            "add a new column instead",
        ),
        Rule(
            "column-type-changed",
            KIND,
            _B,
            "a column's type changed to one neither side's values are known to fit",
            _NEW_COLUMN,
        ),
        Rule(
            "column-became-required",
            KIND,
            _W,
            "a column became NOT NULL without a default: writers that leave it out fail",
            "require it only once every writer sets it",
        ),
        Rule(
            "column-became-not-null",
            KIND,
            _W,
            "a column with a default became NOT NULL: writers that set it to NULL fail",
            "make sure no writer sets it to NULL first",
            unprovable=True,
        ),
        Rule(
            "column-became-nullable",
            KIND,
            _R,
            "a column became nullable: readers that assume a value may get NULL",
            "make every reader tolerate NULL first",
            unprovable=True,
        ),
        Rule(
            "column-default-removed",
            KIND,
            _W,
            "a column lost its default: writers that leave it out fail on a NOT NULL column, "
            "or store NULL that readers then see (breaks computed per case)",
            "make every writer set it explicitly first",
            tolerable=True,
        ),
    ]
)


# -- diff ------------------------------------------------------------------------------------


class _Diff:
    def __init__(self, old: TableSchema, new: TableSchema, policy: Policy) -> None:
        self.old, self.new, self.policy = old, new, policy
        self.changes: list[Change] = []

    def add(
        self,
        rule: str,
        breaks: Breaks,
        table: str,
        message: str,
        column: str | None = None,
    ) -> None:
        """One change; its level and suggestion come from the rule catalogue."""
        entry = RULES[rule]
        level = level_for(entry, breaks, breaking_for=_EVERYONE, policy=self.policy)
        pointer = f"/tables/{table}" + (f"/columns/{column}" if column else "")
        where = self.new.tables.get(table)
        line = where.line if where else None
        if where and column and column in where.columns:
            line = where.columns[column].line
        self.changes.append(
            Change(
                rule=rule,
                level=level,
                breaks=breaks,
                location=Location(
                    subject=table, pointer=pointer, file=self.new.filename, line=line
                ),
                message=message,
                suggestion=entry.suggestion if breaks is not Breaks.NONE else "",
            )
        )

    def run(self) -> list[Change]:
        for name, old in self.old.tables.items():
            new = self.new.tables.get(name)
            if new is None:
                self.add("table-removed", _B, name, f"table {name} was removed")
            else:
                self.table(old, new)
        for name in self.new.tables.keys() - self.old.tables.keys():
            self.add("table-added", _N, name, f"table {name} was added")
        return self.changes

    def table(self, old: Table, new: Table) -> None:
        t = old.name
        for name, col in old.columns.items():
            if name not in new.columns:
                self.add(
                    "column-removed",
                    _B,
                    t,
                    f"column {t}.{name} was removed: readers selecting it and writers setting "
                    "it fail",
                    name,
                )
            else:
                self.column(t, col, new.columns[name])
        for name in new.columns.keys() - old.columns.keys():
            col = new.columns[name]
            if col.not_null and col.default is None and not col.generated:
                self.add(
                    "required-column-added",
                    _W,
                    t,
                    f"column {t}.{name} is NOT NULL without a default: writers that do not "
                    "set it fail",
                    name,
                )
            else:
                self.add("column-added", _N, t, f"column {t}.{name} added", name)
        if old.primary_key != new.primary_key:
            self.add(
                "primary-key-changed",
                _B,
                t,
                f"primary key of {t} changed from {old.primary_key} to {new.primary_key}",
            )
        for keys in sorted(new.unique - old.unique):
            self.add(
                "unique-added",
                _W,
                t,
                f"UNIQUE ({', '.join(keys)}) added on {t}: writers inserting duplicates fail",
            )
        for keys in sorted(old.unique - new.unique):
            self.add(
                "unique-removed",
                _R,
                t,
                f"UNIQUE ({', '.join(keys)}) removed from {t}: readers may see duplicates",
            )
        for check in sorted(new.checks - old.checks):
            self.add(
                "check-added",
                _W,
                t,
                f"CHECK ({check}) added on {t}: writes that violate it are rejected",
            )
        for check in sorted(old.checks - new.checks):
            self.add(
                "check-removed",
                _R,
                t,
                f"CHECK ({check}) removed from {t}: readers may see values it excluded",
            )

    def column(self, t: str, old: Column, new: Column) -> None:
        name = f"{t}.{old.name}"
        if old.type != new.type:
            how = type_change(old.type, new.type)
            if how == "widened":
                self.add(
                    "column-type-widened",
                    _R,
                    t,
                    f"{name} widened from {old.type} to {new.type}: old readers may not "
                    "hold the new values",
                    old.name,
                )
            elif how == "narrowed":
                self.add(
                    "column-type-narrowed",
                    _W,
                    t,
                    f"{name} narrowed from {old.type} to {new.type}: writes that fitted "
                    "before are rejected",
                    old.name,
                )
            else:
                self.add(
                    "column-type-changed",
                    _B,
                    t,
                    f"{name} changed type from {old.type} to {new.type}",
                    old.name,
                )
        if new.not_null and not old.not_null:
            if new.default is None and not new.generated:
                self.add(
                    "column-became-required",
                    _W,
                    t,
                    f"{name} became NOT NULL without a default: writers that leave it out fail",
                    old.name,
                )
            else:
                self.add(
                    "column-became-not-null",
                    _W,
                    t,
                    f"{name} became NOT NULL: writers that set it to NULL fail",
                    old.name,
                )
        elif old.not_null and not new.not_null:
            self.add(
                "column-became-nullable",
                _R,
                t,
                f"{name} became nullable: readers that assume a value may get NULL",
                old.name,
            )
        if old.default is not None and new.default is None and not new.generated:
            # NOT NULL: writers that leave it out fail; nullable: they store NULL, which
            # readers then see where they saw the default
            self.add(
                "column-default-removed",
                _W if new.not_null else _R,
                t,
                f"{name} lost its default ({old.default}): writers that leave it out "
                + ("fail" if new.not_null else "now store NULL"),
                old.name,
            )


class TableEngine:
    """The ``table`` kind for :data:`unlockstep.core.compat._model.ENGINES`."""

    kind = "table"

    def sniff(self, source: Source) -> bool:
        return source.filename.lower().endswith(".sql") and "create table" in source.text.lower()

    def parse(self, source: Source) -> TableSchema:
        return parse_tables(source.text, source.filename)

    def diff(self, old: Any, new: Any, policy: Policy) -> list[Change]:
        return _Diff(old, new, policy).run()


ENGINE = register(TableEngine())
