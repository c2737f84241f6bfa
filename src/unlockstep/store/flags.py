"""Flag queries: rows per environment, the flag set's metadata and ``$evaluators``, the
set's revision, the flagd export, evaluation counts. What to write and why (validation,
kill switch, merging an import, audit) is ``services/flags.py``'s.

Concurrency: every flag write runs in ``Store.locked_session`` and first takes
``lock_sets`` — the flag-set row of each environment it touches, locked ``FOR UPDATE`` on
PostgreSQL, always in environment order (SQLite's ``BEGIN IMMEDIATE`` already serialises
writers). Writes to one environment therefore run one after the other, in one process or
several sharing a database: what a write read (the ETag, whether the flag is killed, whether
it still exists) is still true when it writes, so a kill never fails on a concurrent update,
and delete-versus-update is decided by whichever came second seeing the first's result.
A flag's ``revision`` goes up by one on every write; its ETag is derived from the revision
and content, and ``update_flag`` still matches the revision it read, as a second guard.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from unlockstep.core.flags import EvaluationCount
from unlockstep.errors import NotFound, PreconditionFailed
from unlockstep.store.flag_tables import FlagEvaluationCountRow, FlagRow, FlagSetRow

SCHEMA = "https://flagd.dev/schema/v0/flags.json"


def flag_etag(row: FlagRow) -> str:
    digest = hashlib.sha256(json.dumps(row.body, sort_keys=True).encode()).hexdigest()[:16]
    return f'"{row.revision}-{digest}"'


def set_row(session: Session, environment: str) -> FlagSetRow:
    """The environment's flag-set row (metadata, ``$evaluators``, revision), created empty."""
    row = session.scalar(select(FlagSetRow).where(FlagSetRow.environment == environment))
    if row is None:
        row = FlagSetRow(environment=environment, set_metadata={}, evaluators={}, revision=0)
        session.add(row)
        session.flush()
    return row


def lock_sets(session: Session, environments: Iterable[str]) -> dict[str, FlagSetRow]:
    """Lock the flag sets of ``environments`` (created empty when missing) for the rest of
    the transaction, in environment order so two writers never wait on each other in a
    circle. Every flag write takes this first; see the module docstring."""
    names = sorted(set(environments))
    if not names:
        return {}
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(FlagSetRow)
            .values([
                {"environment": name, "set_metadata": {}, "evaluators": {}, "revision": 0}
                for name in names
            ])
            .on_conflict_do_nothing(index_elements=["environment"])
        )  # fmt: skip
    else:  # pragma: no cover - only the two supported databases
        for name in names:
            set_row(session, name)
    query = (
        select(FlagSetRow)
        .where(FlagSetRow.environment.in_(names))
        .order_by(FlagSetRow.environment)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.environment: row for row in session.scalars(query)}


def touch(session: Session, environment: str) -> None:
    """Bump the flag set's revision: the SDK's sync ETag and the engine caches follow it."""
    row = set_row(session, environment)
    session.execute(
        update(FlagSetRow)
        .where(FlagSetRow.id == row.id)
        .values(revision=FlagSetRow.revision + 1, updated_at=dt.datetime.now(dt.UTC))
    )


def set_revision(session: Session, environment: str) -> int:
    """The flag set's revision in ``environment`` (0 when it has never had a flag)."""
    revision = session.scalar(
        select(FlagSetRow.revision).where(FlagSetRow.environment == environment)
    )
    return int(revision or 0)


_SET_REVISION = select(FlagSetRow.revision).where(
    FlagSetRow.environment == bindparam("environment")
)


def read_set_revision(engine: Engine, environment: str) -> int:
    """``set_revision`` for the hot path (every OFREP request): one pooled connection and a
    statement compiled once, no ORM session — about a fifth of the cost on SQLite."""
    with engine.connect() as connection:
        revision = connection.execute(_SET_REVISION, {"environment": environment}).scalar()
    return int(revision or 0)


_SET_REVISIONS = select(FlagSetRow.environment, FlagSetRow.revision, FlagSetRow.updated_at).where(
    FlagSetRow.environment.in_(bindparam("environments", expanding=True))
)


def read_set_revisions(
    engine: Engine, environments: Iterable[str]
) -> dict[str, tuple[int, dt.datetime]]:
    """The revision of each of ``environments`` that has a flag set, with when it was written
    (UTC): what the push feed (``server/flag_feed.py``) polls, one statement for all."""
    names = sorted(set(environments))
    if not names:
        return {}
    with engine.connect() as connection:
        found = connection.execute(_SET_REVISIONS, {"environments": names}).all()
    return {
        name: (int(revision), at if at.tzinfo else at.replace(tzinfo=dt.UTC))
        for name, revision, at in found
    }


def find_flag(session: Session, environment: str, key: str) -> FlagRow | None:
    return session.scalar(
        select(FlagRow).where(FlagRow.environment == environment, FlagRow.key == key)
    )


def get_flag_row(session: Session, environment: str, key: str) -> FlagRow:
    row = find_flag(session, environment, key)
    if row is None:
        raise NotFound(
            f"flag {key!r} does not exist in environment {environment!r}",
            where=f"flags/{key}",
            hint="list flags with `unlockstep flags list --environment " + environment + "`",
        )
    return row


def flags_in(session: Session, environment: str) -> list[FlagRow]:
    """Every flag row of one environment, by key."""
    query = select(FlagRow).where(FlagRow.environment == environment).order_by(FlagRow.key)
    return list(session.scalars(query))


def rows_for_key(session: Session, key: str, *, fresh: bool = False) -> list[FlagRow]:
    """``key`` in every environment that has it, by environment; ``fresh`` rereads rows the
    session already holds (after ``lock_sets`` waited for another writer)."""
    query = select(FlagRow).where(FlagRow.key == key).order_by(FlagRow.environment)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return list(session.scalars(query))


def page_of_flags(
    session: Session, environment: str | None, offset: int, limit: int
) -> tuple[list[FlagRow], int]:
    query = select(FlagRow)
    if environment:
        query = query.where(FlagRow.environment == environment)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(FlagRow.key, FlagRow.environment).offset(offset).limit(limit)
    )
    return list(rows), int(total)


def insert_flag(session: Session, actor: str, environment: str, key: str, body: Any) -> FlagRow:
    row = FlagRow(environment=environment, key=key, body=body, revision=1, updated_by=actor)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise PreconditionFailed(
            f"flag {key!r} was created concurrently in {environment!r}",
            hint="read it again and retry with its ETag",
        ) from None
    return row


def update_flag(session: Session, actor: str, row: FlagRow, body: Any) -> FlagRow:
    """Write ``body`` if the row is still at the revision read; ``PreconditionFailed`` if
    another writer got there first."""
    result = session.execute(
        update(FlagRow)
        .where(FlagRow.id == row.id, FlagRow.revision == row.revision)
        .values(
            body=body,
            revision=row.revision + 1,
            updated_by=actor,
            updated_at=dt.datetime.now(dt.UTC),
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise PreconditionFailed(
            f"flag {row.key!r} changed while this write was in flight",
            hint="read it again and retry with its ETag",
        )
    session.refresh(row)
    return row


def delete_flag(session: Session, row: FlagRow) -> None:
    """Delete the row if it is still at the revision read; ``PreconditionFailed`` if not."""
    result = session.execute(
        delete(FlagRow)
        .where(FlagRow.id == row.id, FlagRow.revision == row.revision)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise PreconditionFailed(
            f"flag {row.key!r} changed while this delete was in flight",
            hint="read it again and retry with its ETag",
        )
    session.expunge(row)


def export_flag_set(session: Session, environment: str) -> dict[str, Any]:
    """The environment's flags as one plain flagd document (what the SDK syncs)."""
    flag_set = session.scalar(select(FlagSetRow).where(FlagSetRow.environment == environment))
    rows = session.scalars(
        select(FlagRow).where(FlagRow.environment == environment).order_by(FlagRow.key)
    )
    document: dict[str, Any] = {"$schema": SCHEMA}
    if flag_set is not None and flag_set.set_metadata:
        document["metadata"] = dict(flag_set.set_metadata)
    if flag_set is not None and flag_set.evaluators:
        document["$evaluators"] = dict(flag_set.evaluators)
    document["flags"] = {row.key: row.body for row in rows}
    return document


CountKey = tuple[str, dt.date, str, str]
"""flag, day, variant ("" for none), reason"""


def total_counts(counts: Iterable[Mapping[str, Any]], today: dt.date) -> dict[CountKey, int]:
    """A batch of ``{flag, variant, reason, count[, day]}`` summed per daily row, so each
    row is written once however often the batch names it."""
    totals: dict[CountKey, int] = {}
    for item in counts:
        day = item.get("day") or today
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        key = (str(item["flag"]), day, item.get("variant") or "", str(item["reason"]))
        totals[key] = totals.get(key, 0) + int(item["count"])
    return totals


def add_counts(session: Session, environment: str, totals: Mapping[CountKey, int]) -> None:
    """Add ``totals`` to the daily rows in one statement: an insert that adds to the row
    already there (``ON CONFLICT DO UPDATE``), so SDK instances flushing at once, in one
    process or several, never lose a count and never fail on each other's first row."""
    if not totals:
        return
    values = [
        {"environment": environment, "flag": flag, "day": day, "variant": variant,
         "reason": reason, "count": amount}
        for (flag, day, variant, reason), amount in totals.items()
    ]  # fmt: skip
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(FlagEvaluationCountRow).values(values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["environment", "flag", "day", "variant", "reason"],
            set_={"count": FlagEvaluationCountRow.count + statement.excluded.count},
        )
    )


def load_counts(session: Session, environment: str, since: dt.date) -> list[EvaluationCount]:
    rows = session.scalars(
        select(FlagEvaluationCountRow).where(
            FlagEvaluationCountRow.environment == environment,
            FlagEvaluationCountRow.day >= since,
        )
    )
    return [
        EvaluationCount(row.flag, row.day, row.variant or None, row.count)
        for row in rows
        if row.reason != "ERROR"
    ]


def daily_counts(
    session: Session, environment: str, flag: str, since: dt.date
) -> list[tuple[dt.date, str, int]]:
    """One flag's evaluation counts per day and variant ("" when none was served) since
    ``since``, errors included."""
    rows = session.execute(
        select(
            FlagEvaluationCountRow.day,
            FlagEvaluationCountRow.variant,
            func.sum(FlagEvaluationCountRow.count),
        )
        .where(
            FlagEvaluationCountRow.environment == environment,
            FlagEvaluationCountRow.flag == flag,
            FlagEvaluationCountRow.day >= since,
        )
        .group_by(FlagEvaluationCountRow.day, FlagEvaluationCountRow.variant)
    )
    return [(day, variant, int(total or 0)) for day, variant, total in rows]
