"""What a flag key may look like, checked before any database sees it.

A flag key is what a developer types in code (``client.get_boolean_value("new-checkout", …)``)
and what a reviewer reads in an audit line, so two keys that look the same must be the same
key. Keys are therefore ASCII: 1–200 characters of letters, digits and ``. _ - :``, starting
with a letter, digit or ``_``. That one rule refuses, on SQLite and PostgreSQL alike:

- invisible characters (zero-width spaces and joiners, bidirectional controls, NUL and other
  control characters, a trailing newline — the pattern is matched whole);
- confusables (Cyrillic ``с`` for Latin ``c``, fullwidth letters), which no normalisation
  can make safe;
- characters a URL path cannot carry as one segment (``/``, ``?``, ``#``, spaces).
"""

from __future__ import annotations

import re
import unicodedata

KEY_MAX = 200
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._:\-]*")


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be a flag key, or ``None`` when it can."""
    if not key:
        return "flag key must not be empty"
    if len(key) > KEY_MAX:
        return f"flag key {key[:20]!r}… is {len(key)} characters long; the limit is {KEY_MAX}"
    if _KEY.fullmatch(key):
        return None
    for position, char in enumerate(key):
        if not _KEY.fullmatch("a" + char):
            return (
                f"flag key {key!r} has {_describe(char)} at position {position}; use ASCII "
                "letters, digits and '.', '_', '-', ':' (e.g. 'checkout.new-flow')"
            )
    return f"flag key {key!r} must start with a letter, a digit or '_' (e.g. 'checkout.new-flow')"


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    if unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp", "Zs", "Cs", "Co", "Cn"}:
        return f"an invisible or control character ({code} {name})".replace(" )", ")")
    if ord(char) > 0x7F:
        return f"a non-ASCII character ({code} {name}) that can pass for another"
    return f"the character {char!r}"
