"""Per-process reports of connected flag clients (``flag_sync_reports``).

Every server process that serves flag streams writes, every few seconds, what its connected
clients hold per environment (``FlagFeed.status``); any process reads the fresh reports of
the others, so ``flags sync-status`` shows every client wherever it is connected. A process
that stops deletes its rows; one that dies leaves rows that go stale and are not shown (and
are deleted by the next process that reports)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from unlockstep.store.flag_tables import FlagSyncReportRow


def write_reports(
    engine: Engine, process: str, statuses: Mapping[str, dict[str, Any]], now: dt.datetime,
    forget_before: dt.datetime,
) -> None:  # fmt: skip
    """Replace ``process``'s reports with ``statuses`` (environment → status), and delete
    every process's reports older than ``forget_before`` (processes that died)."""
    with Session(engine) as session, session.begin():
        session.execute(delete(FlagSyncReportRow).where(FlagSyncReportRow.process == process))
        session.execute(
            delete(FlagSyncReportRow).where(FlagSyncReportRow.reported_at < forget_before)
        )
        session.add_all(
            FlagSyncReportRow(process=process, environment=environment, reported_at=now,
                              status=status)
            for environment, status in sorted(statuses.items())
        )  # fmt: skip


def read_reports(
    engine: Engine, environment: str, since: dt.datetime
) -> list[tuple[str, dt.datetime, dict[str, Any]]]:
    """(process, reported at, status) of every report on ``environment`` since ``since``."""
    query = (
        select(FlagSyncReportRow)
        .where(
            FlagSyncReportRow.environment == environment,
            FlagSyncReportRow.reported_at >= since,
        )
        .order_by(FlagSyncReportRow.process)
    )
    with Session(engine) as session:
        return [(r.process, r.reported_at, dict(r.status)) for r in session.scalars(query)]


def delete_reports(engine: Engine, process: str) -> None:
    with Session(engine) as session, session.begin():
        session.execute(delete(FlagSyncReportRow).where(FlagSyncReportRow.process == process))
