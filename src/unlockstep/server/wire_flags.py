"""The flags API on the wire: request and response models of ``routers/flags.py``.

camelCase by alias (``server.wire.Wire``); the CLI validates what it receives with these same
models and prints ``model_dump(by_alias=True)`` for ``--format json``. The flagd document of
the sync endpoint keeps flagd's own keys (``$schema``, ``$evaluators``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from unlockstep.core.flags import MAX_COUNT, MAX_COUNTS_PER_BATCH
from unlockstep.server.wire import Wire


class FlagIn(Wire):
    flag: dict[str, Any] = Field(description="the flagd flag body for this environment")
    reason: str | None = Field(None, description="why, for the audit trail")
    reverse_kill: bool = Field(
        False,
        description="this write turns a killed flag back on, on purpose (refused otherwise)",
    )


class FlagSetIn(Wire):
    document: dict[str, Any] = Field(description="a flagd flag-definition document")
    reason: str | None = None
    prune: bool = Field(
        False,
        description="the document is the whole environment: delete flags it does not name and "
        "replace the set's metadata and $evaluators instead of merging them",
    )
    allow_invalid: bool = Field(
        False,
        description="import the good flags and store the bad ones marked invalid (served as "
        "PARSE_ERROR, as flagd does) instead of refusing the document",
    )
    reverse_kills: bool = Field(
        False,
        description="turn killed flags the document enables back on (and let prune delete "
        "killed flags); without it they stay killed and are listed in keptKilled",
    )


class KillIn(Wire):
    reason: str = Field(description="why the kill switch was pulled (required, audited)")


class CountIn(Wire):
    # bounded like the columns they land in, so SQLite and PostgreSQL refuse the same input
    flag: str = Field(min_length=1, max_length=200)
    variant: str | None = Field(None, max_length=200)
    reason: str = Field(min_length=1, max_length=40)
    count: int = Field(ge=0, le=MAX_COUNT)
    day: dt.date | None = Field(None, description="YYYY-MM-DD, today when omitted")


class CountsIn(Wire):
    environment: str
    counts: list[CountIn] = Field(max_length=MAX_COUNTS_PER_BATCH)


class FlagProblemOut(Wire):
    """Why a flag cannot be served as written."""

    rule: str = Field(description="definition, targeting, default-variant or lifecycle-field")
    where: str = Field(description="document and JSON pointer")
    message: str


class FlagOut(Wire):
    """One flag in one environment; its ``etag`` is what an update sends as If-Match."""

    key: str
    environment: str
    flag: Any = Field(description="the flagd flag body as stored")
    revision: int
    updated_at: dt.datetime
    updated_by: str
    etag: str
    killed: bool = Field(description="its kill switch was pulled and it still serves that")
    problems: list[FlagProblemOut] = Field(
        default_factory=list, description="empty unless it was imported marked invalid"
    )


class FlagWriteOut(FlagOut):
    outcome: Literal["created", "updated", "unchanged"]


class FlagSummaryOut(Wire):
    """A row of ``GET /flags``."""

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
    problems: list[FlagProblemOut] = Field(default_factory=list)


class KillOutcomeOut(Wire):
    environment: str
    outcome: Literal["killed", "unchanged"]
    state: str
    serves: str | None = Field(description="the variant every evaluation now gets, if any")
    dependents: list[str] = Field(description="flags naming it as a prerequisite (off too)")


class KillOut(Wire):
    flag: str
    reason: str
    environments: list[KillOutcomeOut]


class BadFlagOut(Wire):
    key: str
    problems: list[FlagProblemOut]


class ChangesOut(Wire):
    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)


class FlagSetImportOut(Wire):
    """What an import did to one environment, flag by flag and to the set itself."""

    environment: str
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    deleted: list[str]
    invalid: list[BadFlagOut] = Field(description="stored marked invalid (allowInvalid)")
    evaluators: ChangesOut = Field(description="$evaluators names added, changed or removed")
    metadata: ChangesOut = Field(description="flag-set metadata keys added, changed or removed")
    affected: list[str] = Field(
        description="flags the document does not name whose behaviour changed with it "
        "(they use a changed evaluator)"
    )
    kept_killed: list[str] = Field(
        default_factory=list,
        description="killed flags the document would have turned back on or pruned: "
        "they stay killed (reverseKills turns them back on)",
    )
    unkilled: list[str] = Field(
        default_factory=list, description="killed flags turned back on (reverseKills)"
    )
    notes: list[str]


class FlagSetDocumentOut(Wire):
    """A plain flagd document (what the SDK syncs and any flagd provider reads)."""

    schema_: str = Field(alias="$schema")
    metadata: dict[str, Any] | None = None
    evaluators: dict[str, Any] | None = Field(None, alias="$evaluators")
    flags: dict[str, Any]


class EvaluationsAcceptedOut(Wire):
    accepted: int = Field(description="evaluations added to the daily totals")


class DebtOut(Wire):
    flag: str
    owner: str | None
    type: str | None
    kinds: list[str]
    reasons: list[str]
    cleanup_issue: str | None
    expires: str | None
    age_days: int | None
    last_evaluated: str | None
    evaluations: int
    references: list[str] | None = Field(
        default=None,
        description="where code references the flag (path:line), when code was scanned "
        "(`flags debt --code`); null: not scanned",
    )


class FlagDebtOut(Wire):
    environment: str
    owners: dict[str, list[DebtOut]]
