"""The rules a migration step is judged by: id, who it hurts, what to do instead.

Two families. **Contract** rules mark a step that removes or tightens something old code
still relies on; such a step waits for evidence (nobody uses the old thing any more).
**Hazard** rules mark a step that is fine for old code in principle but takes a lock or
rewrites a table in a way that stalls it while the migration runs. ``squawk`` names the
closest rule of the ``squawk`` linter, for the conformance tests and the docs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from unlockstep.core import compat
from unlockstep.core.compat import Breaks, Level


class Phase(StrEnum):
    """Which step of an expand-contract sequence a statement is."""

    EXPAND = "expand"
    MIGRATE = "migrate"
    CONTRACT = "contract"
    NEUTRAL = "neutral"  # SET, BEGIN, COMMENT, GRANT…: nothing old code could notice


#: The seed's sequence for renaming a column without lockstep.
RENAME_SEQUENCE = (
    "add the new column (nullable)",
    "dual write: every writer writes old and new",
    "backfill the new column from the old one",
    "read new: every reader switches to the new column",
    "stop writing the old column",
    "drop the old column once nobody has used it for the window",
)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    family: str  # "contract" or "hazard"
    level: Level
    breaks: Breaks
    summary: str
    fix: str
    squawk: str = ""


_RULES = (
    Rule(
        "drop-column",
        "contract",
        Level.BREAKING,
        Breaks.BOTH,
        "dropping a column breaks every running reader that selects it and writer that sets it",
        "stop reading and writing the column in every service first; drop it in a later "
        "release once it has been unused for the window",
        "ban-drop-column",
    ),
    Rule(
        "drop-table",
        "contract",
        Level.BREAKING,
        Breaks.BOTH,
        "dropping a table breaks every running reader and writer of it",
        "move every service off the table first; drop it once it has been unused for the window",
        "ban-drop-table",
    ),
    Rule(
        "rename-column",
        "contract",
        Level.BREAKING,
        Breaks.BOTH,
        "renaming a column breaks running code that uses the old name; a rename is never one step",
        "expand-contract: " + " → ".join(RENAME_SEQUENCE),
        "renaming-column",
    ),
    Rule(
        "rename-table",
        "contract",
        Level.BREAKING,
        Breaks.BOTH,
        "renaming a table breaks running code that uses the old name; a rename is never one step",
        "create the new table (or a view with the new name), dual write, backfill, read new, "
        "stop writing the old table, drop it once unused for the window",
        "renaming-table",
    ),
    Rule(
        "change-column-type",
        "contract",
        Level.BREAKING,
        Breaks.BOTH,
        "changing a column's type can break running readers and writers and rewrites the table",
        "add a new column with the new type, dual write, backfill, read new, stop writing the "
        "old column, drop it once unused for the window",
        "changing-column-type",
    ),
    Rule(
        "add-required-column",
        "contract",
        Level.BREAKING,
        Breaks.WRITERS,
        "a NOT NULL column without a default makes running writers' INSERTs fail",
        "add the column nullable (or with a constant DEFAULT), make every writer set it, "
        "backfill, then enforce NOT NULL through a NOT VALID check constraint",
        "adding-required-field",
    ),
    Rule(
        "set-not-null",
        "contract",
        Level.BREAKING,
        Breaks.WRITERS,
        "SET NOT NULL makes running writers that leave the column empty fail",
        "wait until no writer leaves it NULL, backfill, then ADD CONSTRAINT … CHECK (col IS NOT "
        "NULL) NOT VALID, VALIDATE CONSTRAINT, and only then SET NOT NULL (no scan on PG 12+)",
        "adding-not-nullable-field",
    ),
    Rule(
        "drop-not-null",
        "contract",
        Level.BREAKING,
        Breaks.READERS,
        "dropping NOT NULL lets NULLs reach running readers that assume a value",
        "make every reader tolerate NULL first, then relax the column",
        "ban-drop-not-null",
    ),
    Rule(
        "drop-default",
        "contract",
        Level.BREAKING,
        Breaks.WRITERS,
        "dropping a default changes what running writers that omit the column store "
        "(or makes them fail on a NOT NULL column)",
        "make every writer set the column explicitly first, then drop the default",
        "ban-drop-default",
    ),
    Rule(
        "drop-index",
        "contract",
        Level.BREAKING,
        Breaks.READERS,
        "dropping an index can turn running readers' queries into full scans",
        "check the index is unused (pg_stat_user_indexes.idx_scan stays 0 for the window), then "
        "DROP INDEX CONCURRENTLY",
    ),
    Rule(
        "drop-constraint",
        "contract",
        Level.BREAKING,
        Breaks.READERS,
        "dropping a constraint removes a guarantee running readers may rely on",
        "make sure no reader relies on the guarantee, then drop it",
    ),
    Rule(
        "drop-object",
        "contract",
        Level.BREAKING,
        Breaks.BOTH,
        "dropping a view, type, function, trigger, schema or sequence breaks running code using it",
        "move every user off it first; drop it once unused for the window",
    ),
    Rule(
        "rename-object",
        "contract",
        Level.BREAKING,
        Breaks.BOTH,
        "renaming an object breaks running code that uses the old name",
        "add the new name beside the old one, move users, remove the old name later",
    ),
    Rule(
        "truncate",
        "contract",
        Level.BREAKING,
        Breaks.BOTH,
        "TRUNCATE removes every row running code may still read",
        "stop every user of the table first; prefer dropping it once unused",
    ),
    # --- locking and rewrite hazards -----------------------------------------------------
    Rule(
        "index-not-concurrent",
        "hazard",
        Level.BREAKING,
        Breaks.WRITERS,
        "CREATE INDEX without CONCURRENTLY blocks every write to the table while it builds",
        "CREATE INDEX CONCURRENTLY, outside a transaction",
        "require-concurrent-index-creation",
    ),
    Rule(
        "drop-index-not-concurrent",
        "hazard",
        Level.BREAKING,
        Breaks.BOTH,
        "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table",
        "DROP INDEX CONCURRENTLY, outside a transaction",
        "require-concurrent-index-deletion",
    ),
    Rule(
        "constraint-validated-in-one-step",
        "hazard",
        Level.BREAKING,
        Breaks.BOTH,
        "adding a CHECK or FOREIGN KEY constraint without NOT VALID scans the whole table "
        "under a lock that blocks running code",
        "ADD CONSTRAINT … NOT VALID now (expand), VALIDATE CONSTRAINT in a later step (migrate)",
        "constraint-missing-not-valid",
    ),
    Rule(
        "unique-constraint-builds-index",
        "hazard",
        Level.BREAKING,
        Breaks.BOTH,
        "adding a PRIMARY KEY, UNIQUE or EXCLUDE constraint builds its index under an "
        "ACCESS EXCLUSIVE lock",
        "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … USING INDEX",
        "disallowed-unique-constraint",
    ),
    Rule(
        "rewrites-table",
        "hazard",
        Level.BREAKING,
        Breaks.BOTH,
        "this rewrites the whole table under an ACCESS EXCLUSIVE lock",
        "add a nullable column (or one with a constant default) and fill it in batches",
        "adding-field-with-default",
    ),
    Rule(
        "not-null-scans-table",
        "hazard",
        Level.BREAKING,
        Breaks.BOTH,
        "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
        "validate a CHECK (col IS NOT NULL) NOT VALID constraint first; PG 12+ then skips the scan",
        "adding-not-nullable-field",
    ),
    Rule(
        "concurrently-in-transaction",
        "hazard",
        Level.BREAKING,
        Breaks.NONE,
        "CONCURRENTLY cannot run inside a transaction block: the migration fails",
        "run it outside BEGIN … COMMIT (Alembic: inside op.get_context().autocommit_block())",
        "ban-concurrent-index-creation-in-transaction",
    ),
    Rule(
        "missing-lock-timeout",
        "hazard",
        Level.WARNING,
        Breaks.BOTH,
        "a lock-taking statement without a lock_timeout can queue behind a long query and "
        "block every query queued after it",
        "SET lock_timeout = '5s' (and retry) before the statement",
        "require-lock-timeout",
    ),
    Rule(
        "constraint-rejects-writes",
        "hazard",
        Level.WARNING,
        Breaks.WRITERS,
        "a CHECK or FOREIGN KEY constraint rejects new rows that violate it from the moment it "
        "is added, even NOT VALID",
        "make sure every running writer already satisfies it",
    ),
    Rule(
        "add-enum-value",
        "hazard",
        Level.WARNING,
        Breaks.READERS,
        "a new enum value reaches running readers; it is only an expand step if they "
        "tolerate unknown values",
        "make sure every reader handles unknown values before writers start using it",
    ),
    Rule(
        "unrecognised-operation",
        "hazard",
        Level.WARNING,
        Breaks.NONE,
        "this migration operation could not be classified",
        'use op.execute("SQL") or one of the op.* calls unlockstep reads, or check it by hand',
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}

KIND = "migrations"

#: The same rules in the one catalogue, with their fixed level: ``docs/rules.md`` and SARIF
#: describe them, and findings take their level from there.
CATALOGUE = compat.declare(
    compat.Rule(rule.id, KIND, rule.breaks, rule.summary, rule.fix, level=rule.level)
    for rule in _RULES
)


def level_of(rule_id: str) -> Level:
    """The level a finding of ``rule_id`` has: the catalogue's (migration rules' levels do
    not depend on whose side a check takes)."""
    entry = CATALOGUE[rule_id]
    return compat.level_for(
        entry, entry.breaks, breaking_for=frozenset(Breaks), policy=compat.Policy.LENIENT
    )
