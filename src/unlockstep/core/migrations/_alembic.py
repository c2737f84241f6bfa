"""Alembic migration scripts read with Python's ``ast`` (never imported or run).

From a script we take ``revision`` and ``down_revision`` (to order a folder) and, from
``upgrade()``, every ``op.*`` call in order, each turned into the PostgreSQL it stands for
so the one SQL classifier judges it: ``op.execute("…")`` gives its text; ``add_column``,
``drop_column``, ``alter_column``, ``create_index``, ``drop_index``, ``create_table``,
``drop_table``, ``rename_table``, ``create_foreign_key``, ``create_check_constraint``,
``create_unique_constraint``, ``create_primary_key``, ``drop_constraint`` and ``bulk_insert``
are rebuilt.
Calls on the alias of ``with op.batch_alter_table("t") as batch_op:`` are read the same way,
with the table filled in. Anything else is kept with ``sql=None`` and reported as not
classified.
"""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from unlockstep.errors import ParseError


@dataclass(frozen=True, slots=True)
class Operation:
    """One ``op.*`` call: where it is, its source, the SQL it runs (when known) and whether it
    runs outside Alembic's transaction (inside ``autocommit_block()``)."""

    line: int
    source: str
    sql: str | None
    autocommit: bool = False


@dataclass(frozen=True, slots=True)
class AlembicScript:
    revision: str
    down_revisions: tuple[str, ...]
    operations: tuple[Operation, ...]


def is_alembic(text: str) -> bool:
    """A Python file that declares ``revision`` and ``down_revision``."""
    return "down_revision" in text and "revision" in text and "def upgrade" in text


# CPython 3.11 counts the AST builder's recursion per process, not per thread: two parses at
# once (two requests in the server's thread pool) can fail with SystemError. One at a time.
_PARSING = threading.Lock()


def read_script(text: str, filename: str = "<input>") -> AlembicScript:
    try:
        with _PARSING:
            tree = ast.parse(text, filename=filename)
    except (RecursionError, MemoryError, SystemError):
        raise ParseError(
            "cannot parse Alembic script: it nests too deeply",
            where=f"{filename}:1",
            hint="split the deeply nested expression; Python itself cannot build its tree",
        ) from None
    except SyntaxError as exc:
        raise ParseError(
            f"cannot parse Alembic script: {exc.msg}",
            where=f"{filename}:{exc.lineno or 1}",
            hint="the file must be valid Python",
        ) from None
    revision = ""
    down: tuple[str, ...] = ()
    upgrade: ast.FunctionDef | None = None
    for node in tree.body:
        target, value = _assignment(node)
        if target == "revision":
            revision = str(_literal(value) or "")
        elif target == "down_revision":
            raw = _literal(value)
            if isinstance(raw, str):
                down = (raw,)
            elif isinstance(raw, tuple | list):
                down = tuple(str(r) for r in raw)
        elif isinstance(node, ast.FunctionDef) and node.name == "upgrade":
            upgrade = node
    if not revision:
        raise ParseError(
            "Alembic script has no revision identifier",
            where=f"{filename}:1",
            hint='declare revision = "…" and down_revision at module level',
        )
    ops: list[Operation] = []
    if upgrade is not None:
        _collect(upgrade.body, text, ops, autocommit=False)
    return AlembicScript(revision, down, tuple(ops))


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return (target.id if isinstance(target, ast.Name) else None), node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _literal(node: ast.expr | None) -> object:
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return None


def _collect(
    body: list[ast.stmt],
    text: str,
    ops: list[Operation],
    autocommit: bool,
    batches: dict[str, ast.expr] | None = None,
) -> None:
    """Every ``op.*`` call (and ``batch_op.*`` inside ``op.batch_alter_table``) in order."""
    batches = batches or {}
    for stmt in body:
        if isinstance(stmt, ast.With):
            inner = autocommit or any(
                "autocommit_block" in (ast.get_source_segment(text, item.context_expr) or "")
                for item in stmt.items
            )
            aliases = dict(batches)
            for item in stmt.items:
                expr, alias = item.context_expr, item.optional_vars
                if isinstance(expr, ast.Call) and _op_name(expr) == "batch_alter_table":
                    table = _arg(expr, 0, "table_name")
                    if isinstance(alias, ast.Name) and table is not None:
                        aliases[alias.id] = table
            _collect(stmt.body, text, ops, inner, aliases)
            continue
        if isinstance(stmt, ast.If | ast.For | ast.Try):
            _collect(stmt.body, text, ops, autocommit, batches)
            continue
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            call = _unbatch(node, batches) if batches else node
            if _op_name(call) not in _HELPERS:
                ops.append(Operation(node.lineno, _one_line(text, node), _to_sql(call), autocommit))


def _one_line(text: str, node: ast.expr) -> str:
    flat = " ".join((ast.get_source_segment(text, node) or "").split())
    return re.sub(r"\s+([)\]])", r"\1", re.sub(r"([(\[])\s+", r"\1", flat))


#: where the table goes when a ``batch_op.<name>(…)`` call is read as ``op.<name>(table, …)``
_BATCH_TABLE_POSITION = {"add_column": 0, "drop_column": 0, "alter_column": 0}


def _unbatch(call: ast.Call, batches: dict[str, ast.expr]) -> ast.Call:
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in batches
    ):
        return call
    position = _BATCH_TABLE_POSITION.get(func.attr, 1)
    args = list(call.args)
    args.insert(min(position, len(args)), batches[func.value.id])
    op_func = ast.Attribute(value=ast.Name(id="op", ctx=ast.Load()), attr=func.attr, ctx=ast.Load())
    return ast.Call(func=op_func, args=args, keywords=call.keywords)


#: ``op`` helpers that run nothing themselves.
_HELPERS = frozenset({"", "f", "get_context", "get_bind", "inline_literal", "implementation_for"})


def _op_name(call: ast.Call) -> str:
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "op"
    ):
        return func.attr
    return ""


# -- op.* → SQL ---------------------------------------------------------------------------


def _arg(call: ast.Call, index: int, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return call.args[index] if len(call.args) > index else None


def _str(call: ast.Call, index: int, name: str) -> str | None:
    node = _arg(call, index, name)
    if isinstance(node, ast.Call) and _op_name(node) == "f" and node.args:
        node = node.args[0]  # op.f("ix_name"): a name used as given
    value = _literal(node)
    return value if isinstance(value, str) else None


def _kw(call: ast.Call, name: str) -> object:
    return _literal(_arg(call, 10_000, name))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table(call: ast.Call, index: int, name: str = "table_name") -> str | None:
    table = _str(call, index, name)
    schema = _kw(call, "schema")
    if table is None:
        return None
    return f"{_q(str(schema))}.{_q(table)}" if isinstance(schema, str) else _q(table)


_TYPES = {
    "string": "varchar",
    "unicode": "varchar",
    "text": "text",
    "unicodetext": "text",
    "integer": "integer",
    "smallinteger": "smallint",
    "biginteger": "bigint",
    "boolean": "boolean",
    "datetime": "timestamp",
    "date": "date",
    "time": "time",
    "float": "double precision",
    "numeric": "numeric",
    "json": "json",
    "jsonb": "jsonb",
    "uuid": "uuid",
    "largebinary": "bytea",
    "interval": "interval",
}


def _type(node: ast.expr | None) -> str:
    if node is None:
        return "text"
    call = node if isinstance(node, ast.Call) else None
    base = call.func if call is not None else node
    name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "text")
    sql = _TYPES.get(str(name).lower(), str(name).lower())
    if call is not None and call.args and sql in ("varchar", "numeric"):
        args = [_literal(a) for a in call.args]
        if all(isinstance(a, int) for a in args):
            sql += "(" + ",".join(str(a) for a in args) + ")"
    if call is not None and sql == "timestamp" and _kw(call, "timezone") is True:
        sql = "timestamptz"
    return sql


def _default(node: ast.expr | None) -> str | None:
    """A ``server_default``: a string literal, or ``sa.text("now()")`` as raw SQL."""
    if node is None:
        return None
    value = _literal(node)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(node, ast.Call) and node.args:
        inner = _literal(node.args[0])
        if isinstance(inner, str):
            return inner
    return None


def _column(node: ast.expr | None) -> str | None:
    """``sa.Column("name", sa.Text(), nullable=False, server_default=…)`` → column SQL."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    name = _literal(node.args[0])
    if not isinstance(name, str):
        return None
    ctype = _type(node.args[1] if len(node.args) > 1 else None)
    parts = [_q(name), ctype]
    default = _default(_arg(node, 10_000, "server_default"))
    if default is not None:
        parts.append(f"DEFAULT {default}")
    if _kw(node, "primary_key") is True:
        parts.append("PRIMARY KEY")
    elif _kw(node, "nullable") is False:
        parts.append("NOT NULL")
    if _kw(node, "unique") is True:
        parts.append("UNIQUE")
    return " ".join(parts)


def _columns(call: ast.Call, index: int, name: str) -> str | None:
    value = _literal(_arg(call, index, name))
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return ", ".join(_q(str(v)) for v in value)
    return None


def _execute(call: ast.Call) -> str | None:
    node = _arg(call, 0, "sqltext")
    text = _literal(node)
    if isinstance(text, str):
        return text
    if isinstance(node, ast.Call) and node.args:
        inner = _literal(node.args[0])
        return inner if isinstance(inner, str) else None
    return None


def _add_column(call: ast.Call) -> str | None:
    table, column = _table(call, 0), _column(_arg(call, 1, "column"))
    return f"ALTER TABLE {table} ADD COLUMN {column}" if table and column else None


def _drop_column(call: ast.Call) -> str | None:
    table, column = _table(call, 0), _str(call, 1, "column_name")
    return f"ALTER TABLE {table} DROP COLUMN {_q(column)}" if table and column else None


def _alter_column(call: ast.Call) -> str | None:
    table, column = _table(call, 0), _str(call, 1, "column_name")
    if not table or not column:
        return None
    keywords = {kw.arg for kw in call.keywords}
    parts: list[str] = []
    if "type_" in keywords:
        parts.append(f"ALTER COLUMN {_q(column)} TYPE {_type(_arg(call, 10_000, 'type_'))}")
    nullable = _kw(call, "nullable")
    if nullable is False:
        parts.append(f"ALTER COLUMN {_q(column)} SET NOT NULL")
    elif nullable is True:
        parts.append(f"ALTER COLUMN {_q(column)} DROP NOT NULL")
    if "server_default" in keywords:
        default = _default(_arg(call, 10_000, "server_default"))
        parts.append(
            f"ALTER COLUMN {_q(column)} "
            + (f"SET DEFAULT {default}" if default is not None else "DROP DEFAULT")
        )
    sql = [f"ALTER TABLE {table} {', '.join(parts)}"] if parts else []
    new_name = _kw(call, "new_column_name")
    if isinstance(new_name, str):
        sql.append(f"ALTER TABLE {table} RENAME COLUMN {_q(column)} TO {_q(new_name)}")
    return "; ".join(sql) or None


def _create_index(call: ast.Call) -> str | None:
    name, table = _str(call, 0, "index_name"), _table(call, 1)
    columns = _columns(call, 2, "columns")
    if not table or columns is None:
        return None
    unique = "UNIQUE " if _kw(call, "unique") is True else ""
    concurrently = "CONCURRENTLY " if _kw(call, "postgresql_concurrently") is True else ""
    label = f"{_q(name)} " if name else ""
    return f"CREATE {unique}INDEX {concurrently}{label}ON {table} ({columns})"


def _drop_index(call: ast.Call) -> str | None:
    name = _str(call, 0, "index_name")
    concurrently = "CONCURRENTLY " if _kw(call, "postgresql_concurrently") is True else ""
    return f"DROP INDEX {concurrently}{_q(name)}" if name else None


def _create_table(call: ast.Call) -> str | None:
    table = _table(call, 0, "table_name")
    columns = [c for c in (_column(a) for a in call.args[1:]) if c]
    return f"CREATE TABLE {table} ({', '.join(columns)})" if table and columns else None


def _drop_table(call: ast.Call) -> str | None:
    table = _table(call, 0)
    return f"DROP TABLE {table}" if table else None


def _rename_table(call: ast.Call) -> str | None:
    old, new = _table(call, 0, "old_table_name"), _str(call, 1, "new_table_name")
    return f"ALTER TABLE {old} RENAME TO {_q(new)}" if old and new else None


def _create_foreign_key(call: ast.Call) -> str | None:
    name, source, referent = (
        _str(call, 0, "constraint_name"),
        _table(call, 1, "source_table"),
        _table(call, 2, "referent_table"),
    )
    local, remote = _columns(call, 3, "local_cols"), _columns(call, 4, "remote_cols")
    if not (source and referent and local and remote):
        return None
    label = f"CONSTRAINT {_q(name)} " if name else ""
    not_valid = " NOT VALID" if _kw(call, "postgresql_not_valid") is True else ""
    return (
        f"ALTER TABLE {source} ADD {label}FOREIGN KEY ({local}) "
        f"REFERENCES {referent} ({remote}){not_valid}"
    )


def _create_check_constraint(call: ast.Call) -> str | None:
    name, table = _str(call, 0, "constraint_name"), _table(call, 1)
    condition = _str(call, 2, "condition")
    if not table or condition is None:
        return None
    label = f"CONSTRAINT {_q(name)} " if name else ""
    not_valid = " NOT VALID" if _kw(call, "postgresql_not_valid") is True else ""
    return f"ALTER TABLE {table} ADD {label}CHECK ({condition}){not_valid}"


def _create_unique(kind: str) -> Callable[[ast.Call], str | None]:
    def build(call: ast.Call) -> str | None:
        name, table = _str(call, 0, "constraint_name"), _table(call, 1)
        columns = _columns(call, 2, "columns")
        if not table or columns is None:
            return None
        label = f"CONSTRAINT {_q(name)} " if name else ""
        return f"ALTER TABLE {table} ADD {label}{kind} ({columns})"

    return build


def _bulk_insert(call: ast.Call) -> str | None:
    """``op.bulk_insert(sa.table("name", …), rows)``: a data load, i.e. a backfill."""
    table = _arg(call, 0, "table")
    name = _literal(table.args[0]) if isinstance(table, ast.Call) and table.args else None
    return f"INSERT INTO {_q(name)} DEFAULT VALUES" if isinstance(name, str) else None


def _drop_constraint(call: ast.Call) -> str | None:
    name, table = _str(call, 0, "constraint_name"), _table(call, 1)
    # a constraint named at run time (or None, from a naming convention) is still dropped
    return f"ALTER TABLE {table} DROP CONSTRAINT {_q(name or 'unnamed')}" if table else None


_BUILDERS: dict[str, Callable[[ast.Call], str | None]] = {
    "execute": _execute,
    "add_column": _add_column,
    "drop_column": _drop_column,
    "alter_column": _alter_column,
    "create_index": _create_index,
    "drop_index": _drop_index,
    "create_table": _create_table,
    "drop_table": _drop_table,
    "rename_table": _rename_table,
    "create_foreign_key": _create_foreign_key,
    "create_check_constraint": _create_check_constraint,
    "create_unique_constraint": _create_unique("UNIQUE"),
    "create_primary_key": _create_unique("PRIMARY KEY"),
    "drop_constraint": _drop_constraint,
    "bulk_insert": _bulk_insert,
}


def _to_sql(call: ast.Call) -> str | None:
    builder = _BUILDERS.get(_op_name(call))
    return builder(call) if builder is not None else None
