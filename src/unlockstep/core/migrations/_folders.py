"""Folders of ordered migrations: which layout a folder uses and the order files run in.

Layouts, detected from the files given (``(relative path, text)`` pairs; the adapter reads
the disk):

- **alembic** — Python scripts with ``revision`` / ``down_revision``, ordered by walking the
  ``down_revision`` chain from the base (branches and merges in a stable topological order);
- **flyway** — ``V<version>__<description>.sql`` ordered by version (``V1.1`` after ``V1``,
  ``V2`` before ``V10``), then repeatable ``R__*.sql`` by description; undo ``U*`` is skipped;
- **numbered** — ``001_x.sql``, ``2_y.sql``, ``20240101_z.sql`` … in natural order;
- **files** — any other ``.sql`` files, by name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from unlockstep.core.compat import Change, Location
from unlockstep.core.migrations._alembic import AlembicScript, is_alembic, read_script
from unlockstep.core.migrations._classify import (
    DEFAULT_WINDOW_DAYS,
    Classifier,
    FileReport,
    MigrationsReport,
    SchemaFacts,
    Step,
    Usage,
)
from unlockstep.core.migrations._rules import RULES, Phase, level_of
from unlockstep.core.migrations._tree import parse_statements
from unlockstep.errors import InvalidInput

_FLYWAY = re.compile(r"^(?P<prefix>[VUR])(?P<version>[0-9][0-9._]*)?__(?P<desc>.+)\.sql$", re.I)
_CALLBACK = re.compile(r"^(before|after)[A-Za-z]*(__.*)?\.sql$")
_NUMBERED = re.compile(r"^(?P<number>\d+)[_\-.]")
_DIGITS = re.compile(r"(\d+)")
_VERSION_PARTS = re.compile(r"[._]")


@dataclass(frozen=True, slots=True)
class MigrationFile:
    path: str  # as shown in reports
    text: str

    @property
    def name(self) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """``2_x`` before ``10_x``: digit runs compare as numbers."""
    return tuple((0, int(p)) if p.isdigit() else (1, p.lower()) for p in _DIGITS.split(text) if p)


def detect_layout(files: Sequence[MigrationFile]) -> str:
    python = [f for f in files if f.name.endswith(".py") and is_alembic(f.text)]
    if python:
        return "alembic"
    sql = [f for f in files if f.name.lower().endswith(".sql")]
    versioned = [f for f in sql if _FLYWAY.match(f.name)]
    if versioned and all(_FLYWAY.match(f.name) or _CALLBACK.match(f.name) for f in sql):
        return "flyway"
    if sql and all(_NUMBERED.match(f.name) for f in sql):
        return "numbered"
    return "files"


def _flyway_key(file: MigrationFile) -> tuple[int, tuple[int, ...], str]:
    match = _FLYWAY.match(file.name)
    assert match is not None
    if match["prefix"].upper() == "R":
        return (1, (), match["desc"].lower())
    parts = tuple(int(p) for p in _VERSION_PARTS.split(match["version"] or "0") if p)
    while len(parts) > 1 and parts[-1] == 0:
        parts = parts[:-1]  # 1.0 == 1
    return (0, parts, "")


def _alembic_order(
    scripts: list[tuple[MigrationFile, AlembicScript]],
) -> list[tuple[MigrationFile, AlembicScript]]:
    by_revision = {script.revision: (f, script) for f, script in scripts}
    done: set[str] = set()
    out: list[tuple[MigrationFile, AlembicScript]] = []
    pending = sorted(by_revision)
    while pending:
        ready = [
            rev
            for rev in pending
            if all(d in done or d not in by_revision for d in by_revision[rev][1].down_revisions)
        ]
        if not ready:
            raise InvalidInput(
                "Alembic revisions form a cycle: " + ", ".join(pending),
                where=by_revision[pending[0]][0].path,
                hint="check the down_revision of these scripts",
            )
        # Base first, then each revision after everything it revises (stable by revision id).
        rev = ready[0]
        done.add(rev)
        pending.remove(rev)
        out.append(by_revision[rev])
    return out


def order(files: Sequence[MigrationFile], layout: str) -> list[MigrationFile]:
    sql = [f for f in files if f.name.lower().endswith(".sql")]
    if layout == "flyway":
        runs = [f for f in sql if _FLYWAY.match(f.name) and not f.name.upper().startswith("U")]
        return sorted(runs, key=_flyway_key)
    if layout == "numbered":
        return sorted(sql, key=lambda f: natural_key(f.name))
    return sorted(sql, key=lambda f: f.path)


def _version(file: MigrationFile, layout: str) -> str | None:
    if layout == "flyway":
        match = _FLYWAY.match(file.name)
        return (match["version"] or "R") if match else None
    if layout == "numbered":
        match = _NUMBERED.match(file.name)
        return match["number"] if match else None
    return None


def _alembic_steps(classifier: Classifier, script: AlembicScript) -> tuple[Step, ...]:
    file = classifier.file
    steps: list[Step] = []
    for op in script.operations:
        if op.sql is None:
            rule = RULES["unrecognised-operation"]
            change = Change(
                rule=rule.id,
                level=level_of(rule.id),
                breaks=rule.breaks,
                location=Location(subject=op.source[:60], file=file, line=op.line),
                message=rule.summary,
                suggestion=rule.fix,
            )
            steps.append(Step(file, op.line, op.source, Phase.NEUTRAL, (), (change,)))
            continue
        for stmt in parse_statements(op.sql, file, op.line):
            steps.append(
                classifier.statement(stmt, display=op.source, transactional=not op.autocommit)
            )
    return tuple(steps)


def check_files(
    files: Sequence[MigrationFile],
    usage: Usage | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> MigrationsReport:
    """Classify every statement of a folder's migrations, in the order they run."""
    layout = detect_layout(files)
    reports: list[FileReport] = []
    facts = SchemaFacts()  # what earlier files established, for later ones
    if layout == "alembic":
        scripts = [
            (f, read_script(f.text, f.path))
            for f in files
            if f.name.endswith(".py") and is_alembic(f.text)
        ]
        for f, script in _alembic_order(scripts):
            steps = _alembic_steps(Classifier(f.path, usage, window_days, facts), script)
            reports.append(FileReport(f.path, script.revision, steps))
        return MigrationsReport(layout, tuple(reports), window_days)
    for f in order(files, layout):
        steps = tuple(Classifier(f.path, usage, window_days, facts).sql(f.text))
        reports.append(FileReport(f.path, _version(f, layout), steps))
    return MigrationsReport(layout, tuple(reports), window_days)
