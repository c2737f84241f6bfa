"""One handler per kind of PostgreSQL statement: which phase it is and what it risks.

Each handler reads the statement's fields (libpg_query's parse tree as plain data, see
:mod:`unlockstep.core.migrations._tree`) and records on the verdict its phase, a short action
("add column cases.basis"), its contract findings with the evidence they wait for, and its
locking hazards. ``HANDLERS`` maps a node type name to its handler.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from unlockstep.core.migrations._rules import Phase
from unlockstep.core.migrations._tree import (
    Node,
    Statement,
    const_value,
    dotted,
    qualified_name,
    type_name,
    unwrap,
    volatile_calls,
)

if TYPE_CHECKING:
    from unlockstep.core.migrations._classify import Classifier, _Verdict

Handler = Callable[["Classifier", Statement, "_Verdict", bool], None]

_SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"})


def _label(value: str, prefix_length: int) -> str:
    """``AT_SetLogged`` → ``setlogged``, ``OBJECT_MATVIEW`` → ``matview``."""
    return value[prefix_length:].lower()


# -- ALTER TABLE ----------------------------------------------------------------------------


def _alter_table(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node = s.node
    table = qualified_name(node.get("relation"))
    if node.get("objtype") not in ("OBJECT_TABLE", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
        v.raise_to(Phase.EXPAND)
        v.actions.append(f"alter {table}")
        return
    c.lock(v, s, table)
    for cmd in node.get("cmds", ()):
        _alter_cmd(c, s, v, table, unwrap(cmd)[1])


def _alter_cmd(c: Classifier, s: Statement, v: _Verdict, table: str, cmd: Node) -> None:
    kind = cmd.get("subtype", "")
    col = cmd.get("name", "")
    definition = cmd.get("def")
    existing = c.existing(table)
    if kind == "AT_AddColumn":
        _add_column(c, s, v, table, unwrap(definition)[1] if definition else {})
    elif kind == "AT_DropColumn":
        v.actions.append(f"drop column {table}.{col}")
        c.contract(v, "drop-column", s, table, col)
    elif kind == "AT_AlterColumnType":
        coldef = unwrap(definition)[1] if definition else {}
        new_type = type_name(coldef.get("typeName")) or "?"
        v.actions.append(f"change type of {table}.{col} to {new_type}")
        c.contract(v, "change-column-type", s, table, col)
        if existing:
            c.finding(v, "rewrites-table", s, table, f"changing {col} to {new_type} may rewrite it")
    elif kind == "AT_SetNotNull":
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
    elif kind == "AT_DropNotNull":
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
    elif kind == "AT_ColumnDefault":
        if definition is None:
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
    elif kind == "AT_DropIdentity":
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
    elif kind == "AT_AddConstraint":
        _add_constraint(c, s, v, table, unwrap(definition)[1] if definition else {})
    elif kind == "AT_ValidateConstraint":
        v.actions.append(f"validate constraint {col} on {table}")
        if col in c.pending_not_null:
            c.not_null_checked.add(c.pending_not_null.pop(col))
        v.raise_to(Phase.MIGRATE)
    elif kind == "AT_DropConstraint":
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
        "AT_EnableTrig",
        "AT_DisableTrig",
        "AT_EnableAlwaysTrig",
        "AT_EnableReplicaTrig",
        "AT_EnableTrigAll",
        "AT_DisableTrigAll",
    ):
        v.actions.append(f"{_label(kind, 3)} on {table}")
        v.raise_to(Phase.MIGRATE)
    elif kind in ("AT_SetLogged", "AT_SetUnLogged", "AT_SetAccessMethod", "AT_SetTableSpace"):
        v.actions.append(f"{_label(kind, 3)} on {table}")
        v.raise_to(Phase.EXPAND)
        if existing:
            c.finding(v, "rewrites-table", s, table)
    else:
        v.actions.append(f"{_label(kind, 3)} on {table}")
        v.raise_to(Phase.EXPAND)


def _column_constraints(coldef: Node) -> dict[str, Node]:
    cons = (unwrap(con)[1] for con in coldef.get("constraints", ()))
    return {con.get("contype", ""): con for con in cons}


def _add_column(c: Classifier, s: Statement, v: _Verdict, table: str, coldef: Node) -> None:
    col = coldef.get("colname", "")
    ctype = type_name(coldef.get("typeName"))
    cons = _column_constraints(coldef)
    existing = c.existing(table)
    v.actions.append(f"add column {table}.{col} {ctype}")
    default = cons.get("CONSTR_DEFAULT")
    generated = "CONSTR_GENERATED" in cons or "CONSTR_IDENTITY" in cons
    serial = ctype.lower() in _SERIAL_TYPES
    not_null = coldef.get("is_not_null") or "CONSTR_NOTNULL" in cons or "CONSTR_PRIMARY" in cons
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
    volatile = volatile_calls(default.get("raw_expr")) if default is not None else []
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
    if "CONSTR_PRIMARY" in cons or "CONSTR_UNIQUE" in cons:
        c.finding(v, "unique-constraint-builds-index", s, f"{table}.{col}")
    if "CONSTR_FOREIGN" in cons and not cons["CONSTR_FOREIGN"].get("skip_validation"):
        c.finding(
            v,
            "constraint-validated-in-one-step",
            s,
            f"{table}.{col}",
            "an inline REFERENCES is validated at once under a lock",
        )


def _add_constraint(c: Classifier, s: Statement, v: _Verdict, table: str, con: Node) -> None:
    contype = con.get("contype", "")
    skip_validation = con.get("skip_validation", False)
    name = con.get("conname") or _label(contype, 7)
    v.actions.append(f"add constraint {name} on {table}")
    v.raise_to(Phase.EXPAND)
    checked = _not_null_check(con)
    if checked is not None:
        if skip_validation:
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
    elif contype in ("CONSTR_CHECK", "CONSTR_FOREIGN") and c.existing(table):
        c.finding(v, "constraint-rejects-writes", s, table)
    if not c.existing(table):
        return
    if contype in ("CONSTR_CHECK", "CONSTR_FOREIGN") and not skip_validation:
        c.finding(v, "constraint-validated-in-one-step", s, table, "")
    elif contype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION") and not con.get(
        "indexname"
    ):
        c.finding(v, "unique-constraint-builds-index", s, table)
    elif contype == "CONSTR_NOTNULL":
        cols = [dotted([k]) for k in con.get("keys", ())]
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


def _not_null_check(con: Node) -> str | None:
    """The column of a ``CHECK (col IS NOT NULL)`` constraint, else None."""
    expr = con.get("raw_expr")
    if con.get("contype") != "CONSTR_CHECK" or expr is None or "NullTest" not in expr:
        return None
    test = expr["NullTest"]
    arg = test.get("arg")
    if test.get("nulltesttype") != "IS_NOT_NULL" or arg is None or "ColumnRef" not in arg:
        return None
    return dotted(arg["ColumnRef"].get("fields")).rsplit(".", 1)[-1]


# -- other statements --------------------------------------------------------------------


def _create_table(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node = s.node
    relation = node.get("relation") if s.kind == "CreateStmt" else node.get("into", {}).get("rel")
    table = qualified_name(relation)
    c.created.add(table)
    v.actions.append(f"create table {table}")
    v.raise_to(Phase.EXPAND)


def _create_index(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node = s.node
    table = qualified_name(node.get("relation"))
    name = node.get("idxname") or "(unnamed)"
    v.actions.append(f"create {'unique ' if node.get('unique') else ''}index {name} on {table}")
    v.raise_to(Phase.EXPAND)
    if node.get("concurrent"):
        if c.in_transaction or tx:
            c.finding(v, "concurrently-in-transaction", s, name)
    elif c.existing(table):
        c.finding(v, "index-not-concurrent", s, table)
        c.lock(v, s, table)


_DROP_RULES = {
    "OBJECT_TABLE": ("drop-table", "table"),
    "OBJECT_INDEX": ("drop-index", "index"),
}


def _object_name(obj: Node | None) -> str:
    """The dotted name of a dropped or renamed object, however the parser nests it."""
    if obj is None:
        return ""
    kind, fields = unwrap(obj)
    if kind == "List":
        name = dotted(fields.get("items"))
    elif kind == "ObjectWithArgs":
        name = dotted(fields.get("objname"))
    elif kind == "String":
        name = str(fields.get("sval", ""))
    else:  # TypeName and anything else with names
        name = dotted(fields.get("names"))
    return name.removeprefix("public.")


def _drop(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node = s.node
    kind = node.get("removeType", "")
    concurrent = node.get("concurrent", False)
    label = _label(kind, 7).replace("_", " ")
    for obj in node.get("objects", ()):
        name = _object_name(obj)
        v.actions.append(f"drop {label} {name}")
        if kind == "OBJECT_TABLE":
            c.contract(v, "drop-table", s, name)
            c.lock(v, s, name)
        elif kind == "OBJECT_INDEX":
            c.contract(
                v,
                "drop-index",
                s,
                f"index {name}",
                None,
                "queries using it",
                "the index is unused (idx_scan stays 0)",
            )
            if concurrent and (c.in_transaction or tx):
                c.finding(v, "concurrently-in-transaction", s, name)
            elif not concurrent:
                c.finding(v, "drop-index-not-concurrent", s, name)
                c.lock(v, s, name)
        elif kind == "OBJECT_TRIGGER":
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
        elif kind in ("OBJECT_RULE", "OBJECT_POLICY"):
            table = ".".join(name.split(".")[:-1]) or name
            c.contract(v, "drop-object", s, f"{label} {name.split('.')[-1]} on {table}")
        else:
            c.contract(v, "drop-object", s, f"{label} {name}")


def _rename(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node = s.node
    table = qualified_name(node.get("relation"))
    kind = node.get("renameType", "")
    subname = node.get("subname", "")
    newname = node.get("newname", "")
    if kind == "OBJECT_COLUMN":
        v.actions.append(f"rename column {table}.{subname} to {newname}")
        c.contract(v, "rename-column", s, table, subname)
        c.lock(v, s, table)
    elif kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
        v.actions.append(f"rename {table} to {newname}")
        c.contract(v, "rename-table", s, table)
        c.lock(v, s, table)
    elif kind in ("OBJECT_INDEX", "OBJECT_TABCONSTRAINT", "OBJECT_TRIGGER"):
        # invisible to client code
        v.actions.append(f"rename {_label(kind, 7)} {subname or table} to {newname}")
    else:
        old = subname or table or _object_name(node.get("object"))
        v.actions.append(f"rename {_label(kind, 7)} {old} to {newname}")
        c.contract(v, "rename-object", s, f"{_label(kind, 7)} {old}")


def _backfill(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    verb = s.kind.removesuffix("Stmt").lower()
    v.actions.append(f"{verb} {qualified_name(s.node.get('relation'))} (backfill)")
    v.raise_to(Phase.MIGRATE)


def _dual_write(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node = s.node
    if s.kind == "CreateTrigStmt":
        table = qualified_name(node.get("relation"))
        v.actions.append(f"create trigger {node.get('trigname', '')} on {table} (dual write)")
        c.lock(v, s, table)
    else:
        v.actions.append(f"create function {dotted(node.get('funcname'))} (dual write support)")
    v.raise_to(Phase.MIGRATE)


def _alter_enum(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node = s.node
    name = dotted(node.get("typeName"))
    old, new = node.get("oldVal", ""), node.get("newVal", "")
    if old:
        v.actions.append(f"rename value {old} of {name} to {new}")
        c.contract(v, "rename-object", s, f"type {name} value {old}")
    else:
        v.actions.append(f"add value {new} to {name}")
        v.raise_to(Phase.EXPAND)
        c.finding(v, "add-enum-value", s, f"type {name}")


def _truncate(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    for rel in s.node.get("relations", ()):
        table = qualified_name(rel["RangeVar"])
        v.actions.append(f"truncate {table}")
        c.contract(v, "truncate", s, table)
        c.lock(v, s, table)


_ZERO = re.compile(r"^\s*(0+(\.0*)?\s*(us|ms|s|min|h|d)?)?\s*$", re.IGNORECASE)


def _set(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node = s.node
    name = node.get("name", "")
    if name == "lock_timeout":
        value = ""
        if node.get("args"):
            const = const_value(node["args"][0])
            value = "" if const == "?" else str(const)
        c.lock_timeout = not _ZERO.match(value)
        c.lock_timeout_local = c.lock_timeout and bool(node.get("is_local"))
    v.actions.append(f"set {name}" if name else "set")


def _transaction(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    kind = s.node.get("kind", "")
    if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
        c.in_transaction = True
    elif kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"):
        c.in_transaction = False
        if c.lock_timeout_local:
            c.lock_timeout = c.lock_timeout_local = False
    v.actions.append(_label(kind, 11))


def _set_schema(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node = s.node
    object_type = node.get("objectType", "")
    newschema = node.get("newschema", "")
    if object_type in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
        table = qualified_name(node.get("relation"))
        v.actions.append(f"move {table} to schema {newschema}")
        c.contract(v, "rename-table", s, table)
        c.lock(v, s, table)
    else:
        name = _object_name(node.get("object"))
        kind = _label(object_type, 7)
        v.actions.append(f"move {kind} {name} to schema {newschema}")
        c.contract(v, "rename-object", s, f"{kind} {name}")


def _maintenance(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    """VACUUM FULL and CLUSTER rewrite the table; REINDEX without CONCURRENTLY blocks writes."""
    node = s.node
    relations: list[str] = []
    if s.kind == "VacuumStmt":
        full = any(_option(o) == "full" for o in node.get("options", ()))
        rels = [unwrap(r)[1].get("relation") for r in node.get("rels", ())]
        relations = [qualified_name(r) for r in rels] if full else []
        rule, verb = "rewrites-table", "vacuum full"
    elif s.kind == "ClusterStmt":
        relation = node.get("relation")
        relations = [qualified_name(relation)] if relation is not None else []
        rule, verb = "rewrites-table", "cluster"
    else:
        concurrent = any(_option(o) == "concurrently" for o in node.get("params", ()))
        relation = qualified_name(node.get("relation")) or str(node.get("name", ""))
        relations = [] if concurrent else [relation]
        rule, verb = "index-not-concurrent", "reindex"
    v.actions.append(verb)
    for table in relations:
        if c.existing(table):
            c.finding(v, rule, s, table, f"{verb.upper()} locks {table} while it runs")
            c.lock(v, s, table)


def _option(option: Node) -> str:
    """The name of a ``DefElem`` option (``VACUUM (FULL)``), else ""."""
    kind, fields = unwrap(option)
    return str(fields.get("defname", "")) if kind == "DefElem" else ""


def _lock_table(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    for rel in s.node.get("relations", ()):
        table = qualified_name(rel["RangeVar"])
        v.actions.append(f"lock {table}")
        c.lock(v, s, table)


def _copy(c: Classifier, s: Statement, v: _Verdict, tx: bool) -> None:
    node = s.node
    relation = node.get("relation")
    table = qualified_name(relation) if relation is not None else "(query)"
    v.actions.append(f"copy {'into' if node.get('is_from') else 'from'} {table}")
    if node.get("is_from"):
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
