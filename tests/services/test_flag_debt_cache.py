"""Flag debt reuses its parse and rule check while the flag set's revision stands, and
follows every write at once."""

from __future__ import annotations

import datetime as dt

from unlockstep.services import flags, registry
from unlockstep.services.authz import ANONYMOUS
from unlockstep.store import Store

TODAY = dt.date(2026, 12, 7)


def ungoverned(store: Store) -> set[str]:
    report = flags.flag_debt(store, "production", 14, TODAY, ("owner",))
    return {d.flag for debts in report.owners.values() for d in debts if "ungoverned" in d.kinds}


def test_debt_follows_a_write_that_fixes_a_flag(store: Store) -> None:
    registry.put_environment(store, "test", "production", production=False, description=None)
    body = {"state": "ENABLED", "variants": {"on": True}, "defaultVariant": "on"}
    document = {"flags": {"a": body, "b": {**body, "metadata": {"owner": "t"}}}}
    flags.import_flag_set(store, ANONYMOUS, "production", document, reason="test", rules=[])
    assert ungoverned(store) == ungoverned(store) == {"a"}
    etag = flags.show_flag(store, "production", "a").etag
    fixed = {**body, "metadata": {"owner": "t"}}
    flags.put_flag(store, ANONYMOUS, "production", "a", fixed, if_match=etag, rules=[])
    assert ungoverned(store) == set()
