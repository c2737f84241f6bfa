"""Flag use cases: show and list, create/update with If-Match, kill, delete, import and export
of flagd documents, evaluation-count ingest, debt.

Each function is one unit of work on the store: it gathers rows, decides in ``core.flags``
(is this body servable, what does the kill switch leave, what does an import change), writes,
and records the audit event in the same transaction. Results are plain records; routers and
the CLI turn them into wire models or text.

Importing into an environment that already has flags *merges* the flag set's ``$evaluators``
and ``metadata`` with what is stored: a second file cannot wipe the segments or the bucketing
algorithm the first one's flags rely on. The result says which evaluators and metadata keys
were added or changed and which untouched flags a changed evaluator affects. ``prune`` makes
the document the whole environment (flags, evaluators and metadata replaced). A document
that would switch the bucketing algorithm under flags it does not name is refused: their
users would move between variants.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from unlockstep.core.flags import (
    Debt,
    FlagProblem,
    blocking_problems,
    debt_report,
    dependents,
    flagd_loadable,
    for_environment,
    is_killed,
    key_problem,
    killed,
    parse_flag_set,
    stand_in,
    unkilled,
)
from unlockstep.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from unlockstep.store import Store, audit, registry
from unlockstep.store import flags as rows
from unlockstep.store.flag_tables import FlagRow, FlagSetRow

ENTITY = "flag"
Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class FlagRecord:
    key: str
    environment: str
    flag: Any
    revision: int
    updated_at: dt.datetime
    updated_by: str
    etag: str
    killed: bool
    problems: list[FlagProblem] = field(default_factory=list)


@dataclass(frozen=True)
class FlagWrite(FlagRecord):
    outcome: Outcome = "unchanged"


@dataclass(frozen=True)
class FlagSummary:
    key: str
    environment: str
    state: str | None
    killed: bool
    default_variant: str | None
    targeted: bool
    type: str | None
    owner: str | None
    expires: str | None
    kill_switch: bool
    revision: int
    problems: list[FlagProblem] = field(default_factory=list)


@dataclass(frozen=True)
class KillOutcome:
    environment: str
    outcome: Literal["killed", "unchanged"]
    state: str
    serves: str | None
    dependents: list[str]


@dataclass(frozen=True)
class KillResult:
    flag: str
    reason: str
    environments: list[KillOutcome]


@dataclass(frozen=True)
class BadFlag:
    key: str
    problems: list[FlagProblem]


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@dataclass
class ImportResult:
    environment: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    invalid: list[BadFlag] = field(default_factory=list)
    evaluators: Changes = field(default_factory=Changes)
    metadata: Changes = field(default_factory=Changes)
    affected: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DebtReport:
    environment: str
    owners: dict[str, list[Debt]]


# --- reading -----------------------------------------------------------------------------


def _problems(
    session: Session, row: FlagRow, sets: dict[str, FlagSetRow] | None = None
) -> list[FlagProblem]:
    """Why a stored flag cannot be served as written (empty for almost every flag); ``sets``
    caches the flag-set rows when listing many flags."""
    sets = {} if sets is None else sets
    flag_set = sets.get(row.environment)
    if flag_set is None:
        flag_set = sets[row.environment] = rows.set_row(session, row.environment)
    return _body_problems(row.key, row.body, flag_set.evaluators, flag_set.set_metadata)


def _body_problems(
    key: str, body: Any, evaluators: Mapping[str, Any], metadata: Mapping[str, Any]
) -> list[FlagProblem]:
    document = {
        "metadata": {"bucketing": metadata.get("bucketing", "flagd")},
        "$evaluators": dict(evaluators),
        "flags": {key: body},
    }
    found = blocking_problems(parse_flag_set(document, source="request"), source="request")
    return [
        FlagProblem(p.rule, p.where.replace("request#/", "", 1), p.message)
        for p in found.get(key, [])
    ]


def _record(session: Session, row: FlagRow) -> FlagRecord:
    return FlagRecord(
        row.key, row.environment, row.body, row.revision, row.updated_at, row.updated_by,
        rows.flag_etag(row), is_killed(row.body), _problems(session, row),
    )  # fmt: skip


def show_flag(store: Store, environment: str, key: str) -> FlagRecord:
    with store.session() as session:
        return _record(session, rows.get_flag_row(session, environment, key))


def list_flags(
    store: Store, environment: str | None, *, offset: int = 0, limit: int = 50
) -> tuple[list[FlagSummary], int]:
    """One page of flags (by key, then environment) and how many there are."""
    with store.session() as session:
        page, total = rows.page_of_flags(session, environment, offset, limit)
        sets: dict[str, FlagSetRow] = {}
        return [_summary(session, row, sets) for row in page], total


def _summary(session: Session, row: FlagRow, sets: dict[str, FlagSetRow]) -> FlagSummary:
    body = row.body if isinstance(row.body, Mapping) else {}
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    default = body.get("defaultVariant")
    # flagd reads a boolean defaultVariant as the variant "true" / "false"
    if isinstance(default, bool):
        default = str(default).lower()
    default_name = None if default is None else str(default)

    def text(name: str) -> str | None:
        value = metadata.get(name)
        return None if value is None else str(value)

    return FlagSummary(
        key=row.key,
        environment=row.environment,
        state=body.get("state") if isinstance(body.get("state"), str) else None,
        killed=is_killed(row.body),
        default_variant=default_name,
        targeted=bool(body.get("targeting")),
        type=text("type"),
        owner=text("owner"),
        expires=text("expires"),
        kill_switch=metadata.get("killSwitch") is True,
        revision=row.revision,
        problems=_problems(session, row, sets),
    )


def export_flag_set(store: Store, environment: str) -> dict[str, Any]:
    """The environment as one plain flagd document. A flag stored invalid that flagd could
    not even load is exported as a stand-in every flagd provider serves as PARSE_ERROR."""
    with store.session() as session:
        document = rows.export_flag_set(session, environment)
    flags: dict[str, Any] = document["flags"]
    broken = [key for key, body in flags.items() if not flagd_loadable(body)]
    if broken:
        parsed = parse_flag_set({**document, "flags": {k: flags[k] for k in broken}})
        for key in broken:
            bad = parsed.invalid.get(key)
            problem = bad.problem if bad else FlagProblem("definition", key, "not a flag")
            flags[key] = stand_in(flags[key], problem)
    return document


# --- writing one flag --------------------------------------------------------------------


def _refuse(key: str, problems: list[FlagProblem]) -> InvalidInput:
    first = problems[0]
    return InvalidInput(
        first.message,
        where=first.where,
        details=[{"flag": key, **p.to_dict()} for p in problems],
    )


def _check_match(row: FlagRow, if_match: str | None, key: str) -> None:
    if if_match is None:
        raise PreconditionFailed(
            f"updating flag {key!r} needs the ETag you read (If-Match)",
            where=f"flags/{key}",
            hint="GET the flag, then send its ETag as If-Match",
        )
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" not in tags and rows.flag_etag(row) not in tags:
        raise PreconditionFailed(
            f"flag {key!r} changed since you read it (now revision {row.revision})",
            where=f"flags/{key}",
            hint="read it again, reapply your change, and send the new ETag",
            details={"etag": rows.flag_etag(row)},
        )


def _audit(
    session: Session, actor: str, action: str, row_env: str, key: str, before: Any, after: Any,
    reason: str | None,
) -> None:  # fmt: skip
    audit.record(session, actor, action, ENTITY, f"{row_env}/{key}", before, after, reason)


def check_key(key: str, where: str = "key") -> str:
    """``key`` when it can be a flag key (``core.flags.key_problem``); refused otherwise."""
    problem = key_problem(key)
    if problem:
        raise InvalidInput(problem, where=where)
    return key


def put_flag(
    store: Store, actor: str, environment: str, key: str, body: Any, *,
    if_match: str | None, reason: str | None = None,
) -> FlagWrite:  # fmt: skip
    """Create or update one flag in one environment. A body flagd could not serve is
    refused with every cause; an edit that turns a killed flag back on drops its kill mark."""
    check_key(key)
    with store.session() as session:
        registry.get_environment(session, environment)
        flag_set = rows.set_row(session, environment)
        body = unkilled(body)
        problems = _body_problems(key, body, flag_set.evaluators, flag_set.set_metadata)
        if problems:
            raise _refuse(key, problems)
        row = rows.find_flag(session, environment, key)
        if row is None:
            if if_match not in (None, "*"):
                raise PreconditionFailed(
                    f"flag {key!r} does not exist in {environment!r}, so If-Match cannot match",
                    where=f"flags/{key}",
                )
            row = rows.insert_flag(session, actor, environment, key, body)
            _audit(session, actor, "flag.create", environment, key, None, body, reason)
            outcome: Outcome = "created"
        else:
            _check_match(row, if_match, key)
            if row.body == body:
                outcome = "unchanged"
            else:
                before = row.body
                rows.update_flag(session, actor, row, body)
                _audit(session, actor, "flag.update", environment, key, before, body, reason)
                outcome = "updated"
        if outcome != "unchanged":
            rows.touch(session, environment)
        record = _record(session, row)
        return FlagWrite(**vars(record), outcome=outcome)


def delete_flag(
    store: Store, actor: str, environment: str, key: str, *, if_match: str | None,
    reason: str | None = None,
) -> None:  # fmt: skip
    with store.session() as session:
        row = rows.get_flag_row(session, environment, key)
        _check_match(row, if_match, key)
        _audit(session, actor, "flag.delete", environment, key, row.body, None, reason)
        rows.delete_flag(session, row)
        rows.touch(session, environment)


def kill_flag(store: Store, actor: str, key: str, reason: str) -> KillResult:
    """Pull the kill switch of ``key`` in every environment at once, in one transaction (all
    or none); one audit entry per environment. Says per environment whether it was
    ``killed`` or already ``unchanged``, what it now serves, and which flags depend on it."""
    with store.session() as session:
        found = rows.rows_for_key(session, key)
        if not found:
            raise NotFound(f"flag {key!r} exists in no environment", where=f"flags/{key}")
        outcomes: list[KillOutcome] = []
        for row in found:
            current = row.body if isinstance(row.body, Mapping) else {}
            body = killed(current)
            changed = body != row.body
            if changed:
                before = row.body
                rows.update_flag(session, actor, row, body)
                _audit(session, actor, "flag.kill", row.environment, key, before, body, reason)
                rows.touch(session, row.environment)
            siblings = {
                other.key: other.body
                for other in rows.flags_in(session, row.environment)
                if isinstance(other.body, Mapping)
            }
            outcomes.append(
                KillOutcome(
                    environment=row.environment,
                    outcome="killed" if changed else "unchanged",
                    state=body["state"],
                    serves=body.get("defaultVariant") if body["state"] == "ENABLED" else None,
                    dependents=dependents(siblings, key),
                )
            )
        return KillResult(key, reason, outcomes)


# --- importing a document ----------------------------------------------------------------


def _uses_fractional(body: Any) -> bool:
    return isinstance(body, Mapping) and '"fractional"' in json.dumps(body.get("targeting"))


def _refs(body: Any) -> set[str]:
    """Evaluator names a flag body's targeting refers to."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if set(node) == {"$ref"} and isinstance(node["$ref"], str):
                found.add(node["$ref"])
            for value in node.values():
                walk(value)

    if isinstance(body, Mapping):
        walk(body.get("targeting"))
    return found


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> Changes:
    return Changes(
        added=sorted(k for k in after if k not in before),
        changed=sorted(k for k in after if k in before and before[k] != after[k]),
        removed=sorted(k for k in before if k not in after),
    )


def import_flag_set(
    store: Store, actor: str, environment: str, document: Any, *, reason: str | None = None,
    prune: bool = False, allow_invalid: bool = False,
) -> ImportResult:  # fmt: skip
    """Load a flagd document (our ``environments`` overrides applied for ``environment``)
    into one environment; see the module docstring for how the set's evaluators and
    metadata merge. A document with bad flags is refused naming every one and its cause,
    unless ``allow_invalid``: then the good flags load and the bad ones are stored as
    written, reported, and served as PARSE_ERROR."""
    parse_flag_set(document, source="import", environment=environment)  # the document itself
    plain = for_environment(document, environment)
    incoming: dict[str, Any] = dict(plain.get("flags") or {})
    for key in incoming:
        check_key(key, where=f"/flags/{key}")
    new_meta = dict(plain.get("metadata") or {})
    new_evaluators = dict(plain.get("$evaluators") or {})
    with store.session() as session:
        registry.get_environment(session, environment)
        flag_set = rows.set_row(session, environment)
        stored_meta, stored_evaluators = dict(flag_set.set_metadata), dict(flag_set.evaluators)
        existing = {row.key: row for row in rows.flags_in(session, environment)}
        kept = {k: row for k, row in existing.items() if k not in incoming and not prune}
        meta = new_meta if prune else {**stored_meta, **new_meta}
        evaluators = new_evaluators if prune else {**stored_evaluators, **new_evaluators}
        result = ImportResult(environment)
        _check_bucketing(stored_meta, meta, new_meta, kept, incoming, result)

        merged = {"metadata": meta, "$evaluators": evaluators, "flags": incoming}
        bad = blocking_problems(parse_flag_set(merged, source="import"), source="import")
        if bad and not allow_invalid:
            raise _refuse_document(bad)
        result.invalid = [BadFlag(key, problems) for key, problems in bad.items()]

        result.evaluators = _diff(stored_evaluators, evaluators)
        result.metadata = _diff(stored_meta, meta)
        touched = set(result.evaluators.changed) | set(result.evaluators.removed)
        result.affected = sorted(k for k, row in kept.items() if _refs(row.body) & touched)
        if result.evaluators or result.metadata:
            audit.record(
                session, actor, "flagset.update", "flagset", environment,
                {"metadata": stored_meta, "$evaluators": stored_evaluators},
                {"metadata": meta, "$evaluators": evaluators}, reason,
            )  # fmt: skip
            flag_set.set_metadata = meta
            flag_set.evaluators = evaluators

        for key, body in incoming.items():
            row = existing.get(key)
            if row is None:
                rows.insert_flag(session, actor, environment, key, body)
                _audit(session, actor, "flag.create", environment, key, None, body, reason)
                result.created.append(key)
            elif row.body == body:
                result.unchanged.append(key)
            else:
                before = row.body
                rows.update_flag(session, actor, row, body)
                _audit(session, actor, "flag.update", environment, key, before, body, reason)
                result.updated.append(key)
        if prune:
            for key, row in existing.items():
                if key not in incoming:
                    _audit(session, actor, "flag.delete", environment, key, row.body, None, reason)
                    rows.delete_flag(session, row)
                    result.deleted.append(key)
        if (
            result.created or result.updated or result.deleted
            or result.evaluators or result.metadata
        ):  # fmt: skip
            rows.touch(session, environment)
        return result


def _check_bucketing(
    stored: Mapping[str, Any], merged: Mapping[str, Any], declared: Mapping[str, Any],
    kept: Mapping[str, FlagRow], incoming: Mapping[str, Any], result: ImportResult,
) -> None:  # fmt: skip
    before = stored.get("bucketing", "flagd")
    after = merged.get("bucketing", "flagd")
    if before != after:
        moved = sorted(k for k, row in kept.items() if _uses_fractional(row.body))
        if moved:
            raise Conflict(
                f"the document sets metadata.bucketing to {after!r}, but this environment "
                f"buckets with {before!r} and its fractional flags {', '.join(moved)} (not in "
                "the document) would move users between variants",
                where="import#/metadata/bucketing",
                hint="use the same bucketing in every file loaded into one environment, or "
                "import with --prune when this document is the whole environment",
            )
    elif "bucketing" not in declared and before != "flagd":
        split = sorted(k for k, body in incoming.items() if _uses_fractional(body))
        if split:
            result.notes.append(
                f"the document names no bucketing; its fractional flags ({', '.join(split)}) "
                f"bucket with this environment's {before!r} algorithm"
            )


def _refuse_document(bad: Mapping[str, list[FlagProblem]]) -> InvalidInput:
    causes = "; ".join(f"{key}: {problems[0].message}" for key, problems in bad.items())
    return InvalidInput(
        f"{len(bad)} flag(s) cannot be served as written, so nothing was imported: {causes}",
        where="import#/flags",
        hint="fix them, or import the rest with --allow-invalid (the bad ones are stored "
        "marked invalid and served as PARSE_ERROR, as flagd does)",
        details=[{"flag": key, **p.to_dict()} for key, problems in bad.items() for p in problems],
    )


# --- evaluation counts and debt ----------------------------------------------------------


def record_evaluations(
    store: Store, environment: str, counts: Sequence[Mapping[str, Any]], today: dt.date
) -> int:
    with store.session() as session:
        return rows.record_counts(session, environment, counts, today)


def flag_debt(store: Store, environment: str, quiet_days: int, today: dt.date) -> DebtReport:
    with store.session() as session:
        document = rows.export_flag_set(session, environment)
        counts = rows.load_counts(session, environment, today - dt.timedelta(days=400))
    report = debt_report(parse_flag_set(document), today, counts, quiet_days=quiet_days)
    return DebtReport(environment, {owner: list(debts) for owner, debts in report.items()})
