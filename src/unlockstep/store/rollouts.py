"""Rollout and analysis queries (tables in ``rollout_tables.py``). What to write and why is
``services/rollouts.py``'s and ``services/analysis.py``'s."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from unlockstep.errors import NotFound
from unlockstep.store.rollout_tables import AnalysisRunRow, MeasurementRow, RolloutRow

__all__ = ["AnalysisRunRow", "MeasurementRow", "RolloutRow"]


def get(session: Session, rollout_id: int, *, lock: bool = False) -> RolloutRow:
    query = select(RolloutRow).where(RolloutRow.id == rollout_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"no rollout #{rollout_id}", where=f"rollouts/{rollout_id}")
    return row


def active_for(session: Session, environment: str, flag: str) -> RolloutRow | None:
    return session.scalar(
        select(RolloutRow).where(RolloutRow.active_key == f"{environment}/{flag}")
    )


def listed(
    session: Session, *, active: bool | None = None, flag: str | None = None, limit: int = 200
) -> list[RolloutRow]:
    query = select(RolloutRow).order_by(RolloutRow.id.desc()).limit(limit)
    if active is True:
        query = query.where(RolloutRow.active_key.is_not(None))
    elif active is False:
        query = query.where(RolloutRow.active_key.is_(None))
    if flag is not None:
        query = query.where(RolloutRow.flag == flag)
    return list(session.scalars(query))


def due(session: Session, now: datetime, limit: int = 5000) -> list[int]:
    """Ids of running rollouts the controller has something to do for by ``now``."""
    query = (
        select(RolloutRow.id)
        .where(RolloutRow.status == "running", RolloutRow.next_at <= now)
        .order_by(RolloutRow.next_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def current_run(session: Session, rollout: RolloutRow) -> AnalysisRunRow | None:
    return session.scalar(
        select(AnalysisRunRow)
        .where(AnalysisRunRow.rollout_id == rollout.id, AnalysisRunRow.stage == rollout.stage)
        .order_by(AnalysisRunRow.id.desc())
        .limit(1)
    )


def runs_of(session: Session, rollout_id: int) -> list[AnalysisRunRow]:
    return list(
        session.scalars(
            select(AnalysisRunRow)
            .where(AnalysisRunRow.rollout_id == rollout_id)
            .order_by(AnalysisRunRow.id)
        )
    )


def get_run(session: Session, run_id: int) -> AnalysisRunRow:
    row = session.get(AnalysisRunRow, run_id)
    if row is None:
        raise NotFound(f"no analysis run #{run_id}", where=f"analysis-runs/{run_id}")
    return row


def measurements(session: Session, run_ids: Iterable[int]) -> list[MeasurementRow]:
    ids = list(run_ids)
    if not ids:
        return []
    return list(
        session.scalars(
            select(MeasurementRow)
            .where(MeasurementRow.run_id.in_(ids))
            .order_by(MeasurementRow.run_id, MeasurementRow.check_name, MeasurementRow.seq)
        )
    )


def add_measurements(session: Session, values: list[dict[str, object]]) -> int:
    """Insert measurements, skipping any already stored for the same run, check and
    sequence number (a second process or a restart measured it first); how many were new."""
    if not values:
        return 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(MeasurementRow)
        .values(values)
        .on_conflict_do_nothing(index_elements=["run_id", "check_name", "seq"])
        .returning(MeasurementRow.id)
    )
    return len(session.execute(statement).all())


def service_names(session: Session, ids: Iterable[int]) -> list[str]:
    """Names of the services with ``ids`` (the consumers a per-consumer check watches)."""
    from unlockstep.store.tables import Service

    wanted = list(ids)
    if not wanted:
        return []
    return sorted(session.scalars(select(Service.name).where(Service.id.in_(wanted))))


def due_runs(
    session: Session, now: datetime, limit: int = 5000
) -> list[tuple[int, AnalysisRunRow]]:
    """(rollout id, its current open analysis run) of every running rollout the controller
    has something to do for by ``now``, in one query."""
    query = (
        select(RolloutRow.id, AnalysisRunRow)
        .join(
            AnalysisRunRow,
            (AnalysisRunRow.rollout_id == RolloutRow.id)
            & (AnalysisRunRow.stage == RolloutRow.stage)
            & AnalysisRunRow.finished_at.is_(None),
        )
        .where(RolloutRow.status == "running", RolloutRow.next_at <= now)
        .order_by(RolloutRow.next_at)
        .limit(limit)
    )
    return [(rollout_id, run) for rollout_id, run in session.execute(query).all()]


def environments_of(session: Session, ids: Iterable[int]) -> list[str]:
    wanted = list(ids)
    query = select(RolloutRow.environment).where(RolloutRow.id.in_(wanted)).distinct()
    return list(session.scalars(query)) if wanted else []


def lock_many(session: Session, ids: Iterable[int]) -> list[RolloutRow]:
    """The rollouts ``ids``, locked (in id order), fresh from the database."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    query = (
        select(RolloutRow)
        .where(RolloutRow.id.in_(wanted))
        .order_by(RolloutRow.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(query))


def current_runs(session: Session, rollouts: Iterable[RolloutRow]) -> dict[int, AnalysisRunRow]:
    """The newest analysis run of each rollout's current stage."""
    stage_of = {r.id: r.stage for r in rollouts}
    if not stage_of:
        return {}
    found: dict[int, AnalysisRunRow] = {}
    query = (
        select(AnalysisRunRow)
        .where(AnalysisRunRow.rollout_id.in_(list(stage_of)))
        .order_by(AnalysisRunRow.id)
    )
    for run in session.scalars(query):
        if run.rollout_id is not None and run.stage == stage_of[run.rollout_id]:
            found[run.rollout_id] = run
    return found


def flag_revisions(session: Session, rollouts: Iterable[RolloutRow]) -> dict[int, int]:
    """The stored revision of each rollout's flag (absent: the flag was deleted)."""
    from sqlalchemy import tuple_

    from unlockstep.store.flag_tables import FlagRow

    by_pair = {(r.environment, r.flag): r.id for r in rollouts}
    if not by_pair:
        return {}
    query = select(FlagRow.environment, FlagRow.key, FlagRow.revision).where(
        tuple_(FlagRow.environment, FlagRow.key).in_(list(by_pair))
    )
    return {by_pair[(env, key)]: revision for env, key, revision in session.execute(query).all()}


def phases(session: Session, run_ids: Iterable[int]) -> list[tuple[int, str, int, str]]:
    """(run, check, seq, phase) of every measurement of ``run_ids``: what judging needs,
    without the values, messages and data."""
    ids = list(run_ids)
    if not ids:
        return []
    query = (
        select(MeasurementRow.run_id, MeasurementRow.check_name, MeasurementRow.seq,
               MeasurementRow.phase)
        .where(MeasurementRow.run_id.in_(ids))
        .order_by(MeasurementRow.run_id, MeasurementRow.check_name, MeasurementRow.seq)
    )  # fmt: skip
    return [(r, c, s, p) for r, c, s, p in session.execute(query).all()]
