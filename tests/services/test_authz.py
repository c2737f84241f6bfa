"""``authz.require``: scopes are levels, and a write token acts only on its team's things."""

from __future__ import annotations

import pytest

from unlockstep.errors import Forbidden
from unlockstep.services.authz import ESTATE, Principal, require


def principal(team: str | None, scope: str) -> Principal:
    return Principal(f"{team}-{scope}", team, frozenset({scope}))


ALLOWED = [
    ("read", "a", "read", None),
    ("write", "a", "read", "b"),
    ("write", "a", "write", "a"),
    ("admin", None, "write", "b"),
    ("admin", None, "write", None),
    ("admin", None, "admin", ESTATE),
]
REFUSED = [
    ("read", "a", "write", "a"),
    ("write", "a", "write", "b"),
    ("write", "a", "write", None),
    ("write", "a", "write", ESTATE),
    ("write", "a", "admin", ESTATE),
    ("write", None, "write", None),
]


@pytest.mark.parametrize(("held", "team", "needed", "owner"), ALLOWED)
def test_allowed(held: str, team: str | None, needed: str, owner: object) -> None:
    require(principal(team, held), needed, owner, what="do it")  # type: ignore[arg-type]


@pytest.mark.parametrize(("held", "team", "needed", "owner"), REFUSED)
def test_refused_with_who_and_why(held: str, team: str | None, needed: str, owner: object) -> None:
    with pytest.raises(Forbidden) as refused:
        require(principal(team, held), needed, owner, what="do it")  # type: ignore[arg-type]
    assert refused.value.http_status == 403
    assert refused.value.message.startswith(f"token '{team}-{held}'")
