"""What a name may look like, checked once for every adapter.

Service, team, environment and system names follow Backstage's entity-name rule (so a catalog
imports unchanged): 1–63 characters, letters and digits separated by single ``-``, ``_`` or
``.``. Version numbers are freer (semver, build numbers, git SHAs): 1–128 characters of letters,
digits and ``. _ - +``, starting with a letter or digit.

Patterns are matched whole (``fullmatch``): ``$`` would also match before a final newline,
so ``"payments\\n"`` would pass here and then be stored as a different name than the
one PostgreSQL and SQLite compare. Lengths are checked here, before any database sees the
value, so SQLite (which ignores ``VARCHAR(n)``) and PostgreSQL (which refuses) agree.
"""

from __future__ import annotations

import re

_NAME = re.compile(r"[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+\-]*")
NAME_MAX = 63
VERSION_MAX = 128


def name_problem(value: str, what: str = "name") -> str | None:
    """Why ``value`` is not a valid ``what`` name, or ``None`` when it is."""
    if not value:
        return f"{what} must not be empty"
    if len(value) > NAME_MAX:
        return f"{what} {value!r} is {len(value)} characters long; the limit is {NAME_MAX}"
    if not _NAME.fullmatch(value):
        return (
            f"{what} {value!r} is not valid: use letters, digits and single '-', '_' or '.' "
            "between them (e.g. 'case-service')"
        )
    return None


def version_problem(value: str) -> str | None:
    if not value:
        return "version must not be empty"
    if len(value) > VERSION_MAX:
        return (
            f"version {value[:20]!r}… is {len(value)} characters long; the limit is {VERSION_MAX}"
        )
    if not _VERSION.fullmatch(value):
        return (
            f"version {value!r} is not valid: use letters, digits and '.', '_', '-', '+' "
            "(e.g. '1.4.0' or '2026.07.05-ab12cd3')"
        )
    return None
