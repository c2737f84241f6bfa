"""One handler per kind of PostgreSQL statement: which phase it is and what it risks.

Each handler reads the syntax-tree node (postgast's typed wrapper over libpg_query's tree) and
records on the verdict its phase, a short action ("add column cases.basis"), its contract
findings with the evidence they wait for, and its locking hazards. ``HANDLERS`` maps a node
class name to its handler.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from postgast import nodes as ast

from unlockstep.core.migrations._rules import Phase
from unlockstep.core.migrations._sql import (
    Statement,
    const_value,
    dotted,
    enum_name,
    pb,
    qualified_name,
    type_name,
    volatile_calls,
)

if TYPE_CHECKING:
    from unlockstep.core.migrations._classify import Classifier, _Verdict

Handler = Callable[["Classifier", Statement, "_Verdict", bool], None]

At = pb.AlterTableType
Ct = pb.ConstrType
Ob = pb.ObjectType
Tx = pb.TransactionStmtKind
NullTestType = pb.NullTestType

_SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"})


def _label(enum: Any, value: int, prefix_length: int) -> str:
    """``AT_SetLogged`` → ``setlogged``, ``OBJECT_MATVIEW`` → ``matview``."""
    return enum_name(enum, value)[prefix_length:].lower()


# -- ALTER TABLE ----------------------------------------------------------------------------


def _alter_table(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node: ast.AlterTableStmt = s.node
    table = qualified_name(node.relation)
    if node.objtype not in (Ob.OBJECT_TABLE, Ob.OBJECT_MATVIEW, Ob.OBJECT_FOREIGN_TABLE):
        v.raise_to(Phase.EXPAND)
        v.actions.append(f"alter {table}")
        return
    c.lock(v, s, table)
    for cmd in node.cmds or ():
        _alter_cmd(c, s, v, table, cmd)


def _alter_cmd(
    c: Classifier, s: Statement, v: _Verdict, table: str, cmd: ast.AlterTableCmd
) -> None:
    kind = cmd.subtype
    col = cmd.name
    existing = c.existing(table)
    if kind == At.AT_AddColumn:
        _add_column(c, s, v, table, cast(ast.ColumnDef, cmd.def_))
    elif kind == At.AT_DropColumn:
        v.actions.append(f"drop column {table}.{col}")
        c.contract(v, "drop-column", s, table, col)
    elif kind == At.AT_AlterColumnType:
        new_type = type_name(getattr(cmd.def_, "type_name", None)) or "?"
        v.actions.append(f"change type of {table}.{col} to {new_type}")
        c.contract(v, "change-column-type", s, table, col)
        if existing:
            c.finding(v, "rewrites-table", s, table, f"changing {col} to {new_type} may rewrite it")
    elif kind == At.AT_SetNotNull:
        v.actions.append(f"set {table}.{col} not null")
        if (table, col) in c.not_null_enforced:
            # a NOT NULL check already rejects NULL writes: nothing new for running writers
            v.raise_to(Phase.MIGRATE)
        else:
            c.contract(
                v,
                "set-not-null",
                s,
                table,
                col,
                "writers leaving it NULL",
                "every writer sets it and existing rows are backfilled",
            )
        if existing and (table, col) not in c.not_null_checked:
            c.finding(v, "not-null-scans-table", s, f"{table}.{col}")
    elif kind == At.AT_DropNotNull:
        v.actions.append(f"drop not null on {table}.{col}")
        c.contract(
            v,
            "drop-not-null",
            s,
            table,
            col,
            "readers assuming a value",
            "every reader tolerates NULL",
        )
    elif kind == At.AT_ColumnDefault:
        if cmd.def_ is None:
            v.actions.append(f"drop default of {table}.{col}")
            c.contract(
                v,
                "drop-default",
                s,
                table,
                col,
                "writers omitting it",
                "every writer sets it explicitly",
            )
        else:
            v.actions.append(f"set default of {table}.{col}")
            v.raise_to(Phase.EXPAND)
    elif kind == At.AT_DropIdentity:
        v.actions.append(f"drop identity of {table}.{col}")
        c.contract(
            v,
            "drop-default",
            s,
            table,
            col,
            "writers omitting it",
            "every writer sets it explicitly",
            "dropping the identity leaves writers that omit the column without a value",
        )
    elif kind == At.AT_AddConstraint:
        _add_constraint(c, s, v, table, cast(ast.Constraint, cmd.def_))
    elif kind == At.AT_ValidateConstraint:
        v.actions.append(f"validate constraint {col} on {table}")
        if col in c.pending_not_null:
            c.not_null_checked.add(c.pending_not_null.pop(col))
        v.raise_to(Phase.MIGRATE)
    elif kind == At.AT_DropConstraint:
        v.actions.append(f"drop constraint {col} on {table}")
        c.contract(
            v,
            "drop-constraint",
            s,
            table,
            None,
            "readers relying on it",
            f"no reader relies on constraint {col}",
        )
    elif kind in (
        At.AT_EnableTrig,
        At.AT_DisableTrig,
        At.AT_EnableAlwaysTrig,
        At.AT_EnableReplicaTrig,
        At.AT_EnableTrigAll,
        At.AT_DisableTrigAll,
    ):
        v.actions.append(f"{_label(At, kind, 3)} on {table}")
        v.raise_to(Phase.MIGRATE)
    elif kind in (At.AT_SetLogged, At.AT_SetUnLogged, At.AT_SetAccessMethod, At.AT_SetTableSpace):
        v.actions.append(f"{_label(At, kind, 3)} on {table}")
        v.raise_to(Phase.EXPAND)
        if existing:
            c.finding(v, "rewrites-table", s, table)
    else:
        v.actions.append(f"{_label(At, kind, 3)} on {table}")
        v.raise_to(Phase.EXPAND)


def _column_constraints(coldef: ast.ColumnDef) -> dict[int, ast.Constraint]:
    return {con.contype: con for con in coldef.constraints}


def _add_column(
    c: Classifier, s: Statement, v: _Verdict, table: str, coldef: ast.ColumnDef
) -> None:
    col = coldef.colname
    ctype = type_name(coldef.type_name)
    cons = _column_constraints(coldef)
    existing = c.existing(table)
    v.actions.append(f"add column {table}.{col} {ctype}")
    default = cons.get(Ct.CONSTR_DEFAULT)
    generated = Ct.CONSTR_GENERATED in cons or Ct.CONSTR_IDENTITY in cons
    serial = ctype.lower() in _SERIAL_TYPES
    not_null = coldef.is_not_null or Ct.CONSTR_NOTNULL in cons or Ct.CONSTR_PRIMARY in cons
    if not_null and default is None and not generated and not serial and existing:
        c.contract(
            v,
            "add-required-column",
            s,
            table,
            col,
            "writers not setting it",
            "every writer sets the new column",
        )
    else:
        v.raise_to(Phase.EXPAND)
    if not existing:
        return
    volatile = volatile_calls(default.raw_expr) if default is not None else []
    if volatile:
        c.finding(
            v,
            "rewrites-table",
            s,
            f"{table}.{col}",
            f"the volatile default {volatile[0]}() is computed for every row: the table "
            "is rewritten",
        )
    elif generated or serial:
        c.finding(
            v,
            "rewrites-table",
            s,
            f"{table}.{col}",
            "a generated, identity or serial column is filled for every row: the table "
            "is rewritten",
        )
    if Ct.CONSTR_PRIMARY in cons or Ct.CONSTR_UNIQUE in cons:
        c.finding(v, "unique-constraint-builds-index", s, f"{table}.{col}")
    if Ct.CONSTR_FOREIGN in cons and not cons[Ct.CONSTR_FOREIGN].skip_validation:
        c.finding(
            v,
            "constraint-validated-in-one-step",
            s,
            f"{table}.{col}",
            "an inline REFERENCES is validated at once under a lock",
        )


def _add_constraint(
    c: Classifier, s: Statement, v: _Verdict, table: str, con: ast.Constraint
) -> None:
    name = con.conname or _label(Ct, con.contype, 7)
    v.actions.append(f"add constraint {name} on {table}")
    v.raise_to(Phase.EXPAND)
    checked = _not_null_check(con)
    if checked is not None:
        if con.skip_validation:
            c.pending_not_null[name] = (table, checked)
        else:
            c.not_null_checked.add((table, checked))
        if c.existing(table) and (table, checked) not in c.not_null_enforced:
            c.contract(
                v,
                "set-not-null",
                s,
                table,
                checked,
                "writers leaving it NULL",
                "every writer sets it and existing rows are backfilled",
                "a NOT NULL check rejects running writers that leave the column empty from the "
                "moment it is added, even NOT VALID",
            )
        c.not_null_enforced.add((table, checked))
    elif con.contype in (Ct.CONSTR_CHECK, Ct.CONSTR_FOREIGN) and c.existing(table):
        c.finding(v, "constraint-rejects-writes", s, table)
    if not c.existing(table):
        return
    if con.contype in (Ct.CONSTR_CHECK, Ct.CONSTR_FOREIGN) and not con.skip_validation:
        c.finding(v, "constraint-validated-in-one-step", s, table, "")
    elif (
        con.contype in (Ct.CONSTR_PRIMARY, Ct.CONSTR_UNIQUE, Ct.CONSTR_EXCLUSION)
        and not con.indexname
    ):
        c.finding(v, "unique-constraint-builds-index", s, table)
    elif con.contype == Ct.CONSTR_NOTNULL:
        cols = [str(getattr(k, "sval", k)) for k in con.keys or ()]
        for col in cols or [""]:
            c.contract(
                v,
                "set-not-null",
                s,
                table,
                col or None,
                "writers leaving it NULL",
                "every writer sets it and existing rows are backfilled",
            )


def _not_null_check(con: ast.Constraint) -> str | None:
    """The column of a ``CHECK (col IS NOT NULL)`` constraint, else None."""
    expr = con.raw_expr
    if con.contype != Ct.CONSTR_CHECK or not isinstance(expr, ast.NullTest):
        return None
    if expr.nulltesttype != NullTestType.IS_NOT_NULL or not isinstance(expr.arg, ast.ColumnRef):
        return None
    return dotted(expr.arg.fields).rsplit(".", 1)[-1]


# -- other statements --------------------------------------------------------------------


def _create_table(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    table = qualified_name(s.node.relation if hasattr(s.node, "relation") else s.node.into.rel)
    c.created.add(table)
    v.actions.append(f"create table {table}")
    v.raise_to(Phase.EXPAND)


def _create_index(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node: ast.IndexStmt = s.node
    table = qualified_name(node.relation)
    name = node.idxname or "(unnamed)"
    v.actions.append(f"create {'unique ' if node.unique else ''}index {name} on {table}")
    v.raise_to(Phase.EXPAND)
    if node.concurrent:
        if c.in_transaction or tx:
            c.finding(v, "concurrently-in-transaction", s, name)
    elif c.existing(table):
        c.finding(v, "index-not-concurrent", s, table)
        c.lock(v, s, table)


_DROP_RULES = {
    Ob.OBJECT_TABLE: ("drop-table", "table"),
    Ob.OBJECT_INDEX: ("drop-index", "index"),
}


def _object_name(obj: object) -> str:
    """The dotted name of a dropped or renamed object, however the parser nests it."""
    if isinstance(obj, ast.List):
        name = dotted(obj.items)
    elif isinstance(obj, ast.ObjectWithArgs):
        name = dotted(obj.objname)
    elif isinstance(obj, ast.String):
        name = str(obj.sval)
    elif isinstance(obj, ast.TypeName):
        name = dotted(obj.names)
    else:
        name = dotted(getattr(obj, "names", ()) or ())
    return name.removeprefix("public.")


def _drop(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node: ast.DropStmt = s.node
    kind = node.remove_type
    label = _label(Ob, kind, 7).replace("_", " ")
    for obj in node.objects or ():
        name = _object_name(obj)
        v.actions.append(f"drop {label} {name}")
        if kind == Ob.OBJECT_TABLE:
            c.contract(v, "drop-table", s, name)
            c.lock(v, s, name)
        elif kind == Ob.OBJECT_INDEX:
            c.contract(
                v,
                "drop-index",
                s,
                f"index {name}",
                None,
                "queries using it",
                "the index is unused (idx_scan stays 0)",
            )
            if node.concurrent and (c.in_transaction or tx):
                c.finding(v, "concurrently-in-transaction", s, name)
            elif not node.concurrent:
                c.finding(v, "drop-index-not-concurrent", s, name)
                c.lock(v, s, name)
        elif kind == Ob.OBJECT_TRIGGER:
            table = ".".join(name.split(".")[:-1]) or name
            c.contract(
                v,
                "drop-object",
                s,
                f"trigger {name.split('.')[-1]} on {table}",
                None,
                "writers relying on it",
                "dual writing through it is no longer needed",
            )
        elif kind in (Ob.OBJECT_RULE, Ob.OBJECT_POLICY):
            table = ".".join(name.split(".")[:-1]) or name
            c.contract(v, "drop-object", s, f"{label} {name.split('.')[-1]} on {table}")
        else:
            c.contract(v, "drop-object", s, f"{label} {name}")


def _rename(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node: ast.RenameStmt = s.node
    table = qualified_name(node.relation)
    kind = node.rename_type
    if kind == Ob.OBJECT_COLUMN:
        v.actions.append(f"rename column {table}.{node.subname} to {node.newname}")
        c.contract(v, "rename-column", s, table, node.subname)
        c.lock(v, s, table)
    elif kind in (Ob.OBJECT_TABLE, Ob.OBJECT_VIEW, Ob.OBJECT_MATVIEW):
        v.actions.append(f"rename {table} to {node.newname}")
        c.contract(v, "rename-table", s, table)
        c.lock(v, s, table)
    elif kind in (Ob.OBJECT_INDEX, Ob.OBJECT_TABCONSTRAINT, Ob.OBJECT_TRIGGER):
        # invisible to client code
        v.actions.append(f"rename {_label(Ob, kind, 7)} {node.subname or table} to {node.newname}")
    else:
        old = node.subname or table or _object_name(node.object)
        v.actions.append(f"rename {_label(Ob, kind, 7)} {old} to {node.newname}")
        c.contract(v, "rename-object", s, f"{_label(Ob, kind, 7)} {old}")


def _backfill(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    verb = type(s.node).__name__.removesuffix("Stmt").lower()
    v.actions.append(f"{verb} {qualified_name(s.node.relation)} (backfill)")
    v.raise_to(Phase.MIGRATE)


def _dual_write(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node = s.node
    if isinstance(node, ast.CreateTrigStmt):
        table = qualified_name(node.relation)
        v.actions.append(f"create trigger {node.trigname} on {table} (dual write)")
        c.lock(v, s, table)
    else:
        v.actions.append(f"create function {dotted(node.funcname)} (dual write support)")
    v.raise_to(Phase.MIGRATE)


def _alter_enum(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node: ast.AlterEnumStmt = s.node
    name = dotted(node.type_name)
    if node.old_val:
        v.actions.append(f"rename value {node.old_val} of {name} to {node.new_val}")
        c.contract(v, "rename-object", s, f"type {name} value {node.old_val}")
    else:
        v.actions.append(f"add value {node.new_val} to {name}")
        v.raise_to(Phase.EXPAND)
        c.finding(v, "add-enum-value", s, f"type {name}")


def _truncate(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    for rel in s.node.relations or ():
        table = qualified_name(rel)
        v.actions.append(f"truncate {table}")
        c.contract(v, "truncate", s, table)
        c.lock(v, s, table)


_ZERO = re.compile(r"^\s*(0+(\.0*)?\s*(us|ms|s|min|h|d)?)?\s*$", re.IGNORECASE)


def _set(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node: ast.VariableSetStmt = s.node
    if node.name == "lock_timeout":
        value = ""
        if node.args:
            const = const_value(node.args[0])
            value = "" if const == "?" else str(const)
        c.lock_timeout = not _ZERO.match(value)
        c.lock_timeout_local = c.lock_timeout and bool(node.is_local)
    v.actions.append(f"set {node.name}" if node.name else "set")


def _transaction(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    kind = s.node.kind
    if kind in (Tx.TRANS_STMT_BEGIN, Tx.TRANS_STMT_START):
        c.in_transaction = True
    elif kind in (Tx.TRANS_STMT_COMMIT, Tx.TRANS_STMT_ROLLBACK, Tx.TRANS_STMT_PREPARE):
        c.in_transaction = False
        if c.lock_timeout_local:
            c.lock_timeout = c.lock_timeout_local = False
    v.actions.append(_label(Tx, kind, 11))


def _set_schema(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node: ast.AlterObjectSchemaStmt = s.node
    if node.object_type in (Ob.OBJECT_TABLE, Ob.OBJECT_VIEW, Ob.OBJECT_MATVIEW):
        table = qualified_name(node.relation)
        v.actions.append(f"move {table} to schema {node.newschema}")
        c.contract(v, "rename-table", s, table)
        c.lock(v, s, table)
    else:
        name = _object_name(node.object)
        kind = _label(Ob, node.object_type, 7)
        v.actions.append(f"move {kind} {name} to schema {node.newschema}")
        c.contract(v, "rename-object", s, f"{kind} {name}")


def _maintenance(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    """VACUUM FULL and CLUSTER rewrite the table; REINDEX without CONCURRENTLY blocks writes."""
    node = s.node
    relations: list[str] = []
    if isinstance(node, ast.VacuumStmt):
        full = any(getattr(o, "defname", "") == "full" for o in node.options or ())
        relations = [qualified_name(r.relation) for r in node.rels or ()] if full else []
        rule, verb = "rewrites-table", "vacuum full"
    elif isinstance(node, ast.ClusterStmt):
        relations = [qualified_name(node.relation)] if node.relation is not None else []
        rule, verb = "rewrites-table", "cluster"
    else:
        concurrent = any(getattr(o, "defname", "") == "concurrently" for o in node.params or ())
        relations = [] if concurrent else [qualified_name(node.relation) or str(node.name)]
        rule, verb = "index-not-concurrent", "reindex"
    v.actions.append(verb)
    for table in relations:
        if c.existing(table):
            c.finding(v, rule, s, table, f"{verb.upper()} locks {table} while it runs")
            c.lock(v, s, table)


def _lock_table(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    for rel in s.node.relations or ():
        table = qualified_name(rel)
        v.actions.append(f"lock {table}")
        c.lock(v, s, table)


def _copy(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node: ast.CopyStmt = s.node
    table = qualified_name(node.relation) if node.relation is not None else "(query)"
    v.actions.append(f"copy {'into' if node.is_from else 'from'} {table}")
    if node.is_from:
        v.raise_to(Phase.MIGRATE)


def _create(label: str) -> Handler:
    def handle(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
        v.actions.append(f"create {label}")
        v.raise_to(Phase.EXPAND)

    return handle


HANDLERS: dict[str, Handler] = {
    "AlterTableStmt": _alter_table,
    "CreateStmt": _create_table,
    "CreateTableAsStmt": _create_table,
    "IndexStmt": _create_index,
    "DropStmt": _drop,
    "RenameStmt": _rename,
    "UpdateStmt": _backfill,
    "InsertStmt": _backfill,
    "DeleteStmt": _backfill,
    "MergeStmt": _backfill,
    "CreateTrigStmt": _dual_write,
    "CreateFunctionStmt": _dual_write,
    "AlterEnumStmt": _alter_enum,
    "TruncateStmt": _truncate,
    "VariableSetStmt": _set,
    "TransactionStmt": _transaction,
    "ViewStmt": _create("view"),
    "CreateSeqStmt": _create("sequence"),
    "CreateEnumStmt": _create("enum type"),
    "CompositeTypeStmt": _create("type"),
    "CreateDomainStmt": _create("domain"),
    "CreateSchemaStmt": _create("schema"),
    "CreateExtensionStmt": _create("extension"),
    "AlterObjectSchemaStmt": _set_schema,
    "VacuumStmt": _maintenance,
    "ClusterStmt": _maintenance,
    "ReindexStmt": _maintenance,
    "LockStmt": _lock_table,
    "CopyStmt": _copy,
}
