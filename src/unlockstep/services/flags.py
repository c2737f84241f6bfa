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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal
from weakref import WeakKeyDictionary

from sqlalchemy.orm import Session

from unlockstep.core.flags import (
    DEFAULT_RULES,
    MAX_COUNT,
    MAX_COUNTS_PER_BATCH,
    Debt,
    FlagProblem,
    FlagSet,
    blocking_problems,
    debt_report,
    dependents,
    flagd_loadable,
    for_environment,
    is_killed,
    key_problem,
    killed,
    parse_flag_set,
    rule_violations,
    stand_in,
    unkilled,
)
from unlockstep.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from unlockstep.services import authz
from unlockstep.services.authz import Principal
from unlockstep.store import Store, approvals, audit, registry
from unlockstep.store import flags as rows
from unlockstep.store.approvals import ChangeRequest
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
    kept_killed: list[str] = field(default_factory=list)
    unkilled: list[str] = field(default_factory=list)
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
    bucketing = str(metadata.get("bucketing", "flagd"))
    return list(_problems_of(key, _canonical(body), _canonical(dict(evaluators)), bucketing))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@lru_cache(maxsize=4096)
def _problems_of(key: str, body: str, evaluators: str, bucketing: str) -> tuple[FlagProblem, ...]:
    """The problems of one flag's JSON text: a pure function of its content, so a page
    listing a hundred stored flags parses and lints each body once, not on every view."""
    document = {
        "metadata": {"bucketing": bucketing},
        "$evaluators": json.loads(evaluators),
        "flags": {key: json.loads(body)},
    }
    found = blocking_problems(parse_flag_set(document, source="request"), source="request")
    return tuple(
        FlagProblem(p.rule, p.where.replace("request#/", "", 1), p.message)
        for p in found.get(key, [])
    )


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _enforce(
    bodies: Mapping[str, Any], evaluators: Mapping[str, Any], metadata: Mapping[str, Any],
    rules: Collection[str], where: str,
) -> None:  # fmt: skip
    """Refuse the write when a flag in ``bodies`` breaks an enforced ``flags lint`` rule,
    naming every flag and rule (422, code ``flag_rules``)."""
    if not rules or not bodies:
        return
    document = {
        "metadata": {"bucketing": metadata.get("bucketing", "flagd")},
        "$evaluators": dict(evaluators),
        "flags": dict(bodies),
    }
    found = rule_violations(parse_flag_set(document, source=where), _today(), rules)
    if not found:
        return
    causes = "; ".join(f"{key}: {', '.join(f.message for f in fs)}" for key, fs in found.items())
    raise InvalidInput(
        f"{len(found)} flag(s) break the flag rules this server enforces "
        f"({', '.join(sorted(rules))}), so nothing was written: {causes}",
        code="flag_rules",
        where=where,
        hint="add the missing metadata (owner, type, expires…) — `unlockstep flags lint` "
        "checks a file offline; the server's rules are the UNLOCKSTEP_FLAG_RULES setting",
        details=[f.to_dict() for fs in found.values() for f in fs],
    )


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


def _refuse_unkill(key: str, environment: str) -> Conflict:
    return Conflict(
        f"flag {key!r} is killed in {environment!r}; this write would turn it back on",
        where=f"flags/{key}",
        hint="reversing a kill switch must be explicit: resend with reverseKill "
        "(`unlockstep flags set --reverse-kill`) and a reason",
    )


def put_flag(
    store: Store, principal: Principal, environment: str, key: str, body: Any, *,
    if_match: str | None, reason: str | None = None, reverse_kill: bool = False,
    rules: Collection[str] = DEFAULT_RULES,
) -> FlagWrite | ChangeRequest:  # fmt: skip
    """Create or update one flag in one environment. A body flagd could not serve is
    refused with every cause, and so is one that breaks an enforced ``flags lint`` rule
    (``rules``: owner, type and expiry by default). A write that would turn a killed flag
    back on is refused unless ``reverse_kill`` says so (audited as ``flag.unkill``); the kill
    mark is then dropped. Runs under the environment's flag-set lock, so a kill that
    committed first is seen here (and a stale ETag is refused), and a kill that comes second
    applies on top. In a protected environment a change that passes every check is held as
    a change request for a second person (``services/approvals.py``) instead."""
    with store.locked_session() as session:
        return put_in(
            session, principal, environment, key, body, if_match=if_match, reason=reason,
            reverse_kill=reverse_kill, rules=rules, hold=True,
        )  # fmt: skip


def put_in(
    session: Session, principal: Principal, environment: str, key: str, body: Any, *,
    if_match: str | None, reason: str | None, reverse_kill: bool, rules: Collection[str],
    hold: bool,
) -> FlagWrite | ChangeRequest:  # fmt: skip
    """``put_flag`` inside a locked unit of work; ``hold=False`` applies an approved change.
    The principal must own the flag as stored and as sent (checked under the lock)."""
    actor = principal.name
    check_key(key)
    body = unkilled(body)
    registry.get_environment(session, environment)
    flag_set = rows.lock_sets(session, [environment])[environment]
    authz.require_flag(session, principal, environment, key, body)
    problems = _body_problems(key, body, flag_set.evaluators, flag_set.set_metadata)
    if problems:
        raise _refuse(key, problems)
    row = rows.find_flag(session, environment, key)
    if row is None or row.body != body:
        _enforce({key: body}, flag_set.evaluators, flag_set.set_metadata, rules, f"flags/{key}")
    unkill = False
    if row is None:
        if if_match not in (None, "*"):
            raise PreconditionFailed(
                f"flag {key!r} does not exist in {environment!r}, so If-Match cannot match",
                where=f"flags/{key}",
            )
    else:
        _check_match(row, if_match, key)
        unkill = is_killed(row.body) and not is_killed(body)
        if unkill and not reverse_kill and row.body != body:
            raise _refuse_unkill(key, environment)
    if row is not None and row.body == body:
        return FlagWrite(**vars(_record(session, row)), outcome="unchanged")
    if hold and approvals.is_protected(session, environment):
        payload = {
            "flag": body, "ifMatch": None if row is None else rows.flag_etag(row),
            "reverseKill": reverse_kill, "rules": sorted(rules),
        }  # fmt: skip
        action = "flag.unkill" if unkill else "flag.put"
        return approvals.hold(session, actor, action, environment, key, payload, reason)
    outcome: Outcome
    if row is None:
        row = rows.insert_flag(session, actor, environment, key, body)
        _audit(session, actor, "flag.create", environment, key, None, body, reason)
        outcome = "created"
    else:
        before = row.body
        rows.update_flag(session, actor, row, body)
        action = "flag.unkill" if unkill else "flag.update"
        _audit(session, actor, action, environment, key, before, body, reason)
        outcome = "updated"
    rows.touch(session, environment)
    return FlagWrite(**vars(_record(session, row)), outcome=outcome)


def delete_flag(
    store: Store, principal: Principal, environment: str, key: str, *, if_match: str | None,
    reason: str | None = None,
) -> ChangeRequest | None:  # fmt: skip
    """Delete one flag; under the environment's flag-set lock, so a delete and an update
    sent with the same ETag cannot both succeed. Held for approval in a protected
    environment (the change request is returned)."""
    with store.locked_session() as session:
        return delete_in(session, principal, environment, key, if_match=if_match, reason=reason,
                         hold=True)  # fmt: skip


def delete_in(
    session: Session, principal: Principal, environment: str, key: str, *,
    if_match: str | None, reason: str | None, hold: bool,
) -> ChangeRequest | None:  # fmt: skip
    """Delete a flag (admin only) inside a locked unit of work."""
    authz.require_admin(principal, what=f"delete flag {key!r}")
    actor = principal.name
    rows.lock_sets(session, [environment])
    row = rows.get_flag_row(session, environment, key)
    _check_match(row, if_match, key)
    if hold and approvals.is_protected(session, environment):
        payload = {"ifMatch": rows.flag_etag(row)}
        return approvals.hold(session, actor, "flag.delete", environment, key, payload, reason)
    _audit(session, actor, "flag.delete", environment, key, row.body, None, reason)
    rows.delete_flag(session, row)
    rows.touch(session, environment)
    return None


def kill_flag(store: Store, principal: Principal, key: str, reason: str) -> KillResult:
    """Pull the kill switch of ``key`` in every environment at once, in one transaction (all
    or none); one audit entry per environment. Says per environment whether it was
    ``killed`` or already ``unchanged``, what it now serves, and which flags depend on it.

    A kill takes no If-Match and never loses to a concurrent write: it locks the flag sets
    of every environment that has the flag (waiting for writes in flight to finish), then
    kills what is stored by then. The principal's team must own every copy it locked."""
    actor = principal.name
    if not principal.has("write"):
        authz.require(principal, "write", what=f"kill flag {key!r}")
    with store.locked_session() as session:
        environments = [row.environment for row in rows.rows_for_key(session, key)]
        rows.lock_sets(session, environments)
        found = rows.rows_for_key(session, key, fresh=True)
        authz.require_flag_rows(principal, key, found)
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
    store: Store, principal: Principal, environment: str, document: Any, *,
    reason: str | None = None, prune: bool = False, allow_invalid: bool = False,
    reverse_kills: bool = False, rules: Collection[str] = DEFAULT_RULES,
) -> ImportResult | ChangeRequest:  # fmt: skip
    """Load a flagd document (our ``environments`` overrides applied for ``environment``)
    into one environment; see the module docstring for how the set's evaluators and
    metadata merge. A document with bad flags is refused naming every one and its cause,
    unless ``allow_invalid``: then the good flags load and the bad ones are stored as
    written, reported, and served as PARSE_ERROR.

    An import never silently undoes a kill switch: a killed flag the document would turn
    back on stays killed (the document's other changes apply on top of the kill) and ``prune``
    leaves it in place; both are listed in ``kept_killed``. ``reverse_kills`` turns them back
    on as written (listed in ``unkilled``, audited as ``flag.unkill``)."""
    parse_flag_set(document, source="import", environment=environment)  # the document itself
    plain = for_environment(document, environment)
    incoming: dict[str, Any] = dict(plain.get("flags") or {})
    for key in incoming:
        check_key(key, where=f"/flags/{key}")
    new_meta = dict(plain.get("metadata") or {})
    new_evaluators = dict(plain.get("$evaluators") or {})
    with store.locked_session() as session:
        return import_in(
            session, principal, environment, document, incoming, new_meta, new_evaluators,
            reason=reason, prune=prune, allow_invalid=allow_invalid,
            reverse_kills=reverse_kills, rules=rules, hold=True,
        )  # fmt: skip


def import_in(
    session: Session, principal: Principal, environment: str, document: Any,
    incoming: dict[str, Any], new_meta: dict[str, Any], new_evaluators: dict[str, Any], *,
    reason: str | None, prune: bool, allow_invalid: bool, reverse_kills: bool,
    rules: Collection[str], hold: bool,
) -> ImportResult | ChangeRequest:  # fmt: skip
    """``import_flag_set`` inside a locked unit of work; in a protected environment (and
    ``hold``) the import is held as a change request, applied whole when approved. The
    principal must own every flag named, as stored and as sent (checked under the lock)."""
    actor = principal.name
    registry.get_environment(session, environment)
    flag_set = rows.lock_sets(session, [environment])[environment]
    authz.require_flag_set(session, principal, environment, document, prune=prune)
    if hold and approvals.is_protected(session, environment):
        payload = {
            "document": document, "prune": prune, "allowInvalid": allow_invalid,
            "reverseKills": reverse_kills, "rules": sorted(rules),
        }  # fmt: skip
        return approvals.hold(
            session, actor, "flagset.import", environment, environment, payload, reason
        )
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
    written = {
        key: body
        for key, body in incoming.items()
        if key not in bad and (key not in existing or existing[key].body != body)
    }
    _enforce(written, evaluators, meta, rules, "import#/flags")
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
        action = "flag.update"
        if row is not None and is_killed(row.body) and not is_killed(body):
            if reverse_kills:
                action = "flag.unkill"
                body = unkilled(body)
                result.unkilled.append(key)
            elif isinstance(body, Mapping) and key not in bad:
                body = killed(body)
                result.kept_killed.append(key)
            else:
                result.kept_killed.append(key)
                result.unchanged.append(key)
                continue
        if row is None:
            rows.insert_flag(session, actor, environment, key, body)
            _audit(session, actor, "flag.create", environment, key, None, body, reason)
            result.created.append(key)
        elif row.body == body:
            result.unchanged.append(key)
        else:
            before = row.body
            rows.update_flag(session, actor, row, body)
            _audit(session, actor, action, environment, key, before, body, reason)
            result.updated.append(key)
    if prune:
        for key, row in existing.items():
            if key in incoming:
                continue
            if is_killed(row.body) and not reverse_kills:
                result.kept_killed.append(key)
                continue
            _audit(session, actor, "flag.delete", environment, key, row.body, None, reason)
            rows.delete_flag(session, row)
            result.deleted.append(key)
    if result.kept_killed:
        result.notes.append(
            f"kept killed: {', '.join(sorted(result.kept_killed))} (its kill switch was "
            "pulled; import with --reverse-kills to turn it back on as written)"
        )
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


#: Daily rows written per transaction: SQLite has one write lock for the whole database, and
#: a flag write (or a kill) waits at most one such chunk.
COUNT_ROWS_PER_TRANSACTION = 100


def record_evaluations(
    store: Store, environment: str, counts: Sequence[Mapping[str, Any]], today: dt.date
) -> int:
    """Add a batch of evaluation counts to the daily totals: summed per daily row first,
    then written in short transactions of ``COUNT_ROWS_PER_TRANSACTION`` rows each (counts
    are additive, so a failure part-way keeps what was written: nothing is counted twice).
    A batch past ``MAX_COUNTS_PER_BATCH`` entries or with a count past ``MAX_COUNT`` is
    refused whole."""
    if len(counts) > MAX_COUNTS_PER_BATCH:
        raise InvalidInput(
            f"{len(counts)} counts in one request; at most {MAX_COUNTS_PER_BATCH}",
            where="counts",
            hint="send them in several requests",
        )
    for index, item in enumerate(counts):
        if not 0 <= int(item["count"]) <= MAX_COUNT:
            raise InvalidInput(
                f"count {item['count']} is out of range (0 to {MAX_COUNT})",
                where=f"counts/{index}/count",
            )
    totals = list(rows.total_counts(counts, today).items())
    for start in range(0, len(totals), COUNT_ROWS_PER_TRANSACTION):
        with store.session() as session:
            chunk = dict(totals[start : start + COUNT_ROWS_PER_TRANSACTION])
            rows.add_counts(session, environment, chunk)
    return sum(amount for _, amount in totals)


def flag_debt(
    store: Store, environment: str, quiet_days: int, today: dt.date,
    rules: Collection[str] = DEFAULT_RULES,
) -> DebtReport:  # fmt: skip
    """Debt per owner; a flag stored before one of the enforced ``rules`` was (or imported
    around it) is ``ungoverned`` debt, with the rules it breaks as reasons."""
    with store.session() as session:
        flag_set, broken = _linted(store, session, environment, today, frozenset(rules))
        counts = rows.load_counts(session, environment, today - dt.timedelta(days=400))
    report = debt_report(flag_set, today, counts, quiet_days=quiet_days, ungoverned=broken)
    return DebtReport(environment, {owner: list(debts) for owner, debts in report.items()})


Linted = tuple[FlagSet, dict[str, list[str]]]
#: Per store: (environment, flag-set revision, day, rules) -> the parsed set and the rules
#: each flag breaks. Every flag write bumps the set's revision, so an entry never goes stale;
#: the dashboard's flag page and ``/metrics`` no longer parse and lint every flag per view.
_LINTED: WeakKeyDictionary[Store, dict[tuple[str, int, dt.date, frozenset[str]], Linted]] = (
    WeakKeyDictionary()
)
_LINTED_PER_STORE = 16


def _linted(
    store: Store, session: Session, environment: str, today: dt.date, rules: frozenset[str]
) -> Linted:
    key = (environment, rows.set_revision(session, environment), today, rules)
    known = _LINTED.setdefault(store, {})
    found = known.get(key)
    if found is None:
        flag_set = parse_flag_set(rows.export_flag_set(session, environment))
        broken = {
            flag: [f.message for f in findings]
            for flag, findings in rule_violations(flag_set, today, rules).items()
        }
        if len(known) >= _LINTED_PER_STORE:
            known.clear()
        found = known[key] = (flag_set, broken)
    return found


def evaluations(
    store: Store, environment: str, key: str, today: dt.date, days: int = 30
) -> dict[str, dict[dt.date, int]]:
    """The flag's evaluation counts of the last ``days`` days: variant -> day -> count
    (``(none)`` for evaluations that served no variant)."""
    found: dict[str, dict[dt.date, int]] = {}
    with store.session() as session:
        since = today - dt.timedelta(days=days - 1)
        for day, variant, count in rows.daily_counts(session, environment, key, since):
            per_day = found.setdefault(variant or "(none)", {})
            per_day[day] = per_day.get(day, 0) + count
    return found
