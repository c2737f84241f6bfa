"""Where flag keys are used in source code: evidence for "flag removed from code" (cleanup) and
for flags no code evaluates any more (debt).

Two kinds of use are found in a source file's string literals:

* an **evaluation**: the literal is the key argument of an OpenFeature-style evaluation call —
  ``get_boolean_value("k", …)`` (Python), ``getBooleanValue("k", …)`` / ``getStringDetails``
  (Java, Kotlin, TypeScript/JavaScript), ``GetBooleanValueAsync("k", …)`` (C#),
  ``client.BooleanValue(ctx, "k", …)`` (Go, context first) — whatever the key, known or not;
* a **mention**: any other literal equal to a known flag key (constants, annotations, maps).

:func:`compare` then names flags evaluated in code that the registry lacks, and registry flags
no code mentions. Literals are read per language (quotes, escapes, raw strings); a key in a
comment's quotes counts as a mention, which errs on the side of keeping a flag.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: Source languages by file suffix.
LANGUAGES: Mapping[str, str] = {
    ".py": "python", ".pyi": "python",
    ".java": "java",
    ".kt": "kotlin", ".kts": "kotlin",
    ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".go": "go",
    ".cs": "csharp",
}  # fmt: skip

# One string literal: "…" and '…' with backslash escapes (every language here), `…` (JS/TS
# templates without ${}, Go raw strings), Python's and Kotlin's triple quotes, C#'s @"…".
_LITERAL = (
    r'(?:"""(?P<t2>.*?)"""'
    r"|'''(?P<t1>.*?)'''"
    r'|@"(?P<verbatim>(?:[^"]|"")*)"'
    r'|"(?P<d>(?:[^"\\\n]|\\.)*)"'
    r"|'(?P<s>(?:[^'\\\n]|\\.)*)'"
    r"|`(?P<b>[^`$]*)`)"
)
_LITERALS = re.compile(_LITERAL, re.DOTALL)

# An evaluation call up to its key: the method names OpenFeature SDKs use in these languages,
# an optional first argument that is not a string (Go's ctx), then the key literal.
_TYPES = r"(?:boolean|bool|string|integer|int|long|float|double|number|object|struct|structure)"
_EVALUATION = re.compile(
    rf"\b(?:get_?)?{_TYPES}_?(?:value|details)(?:async)?\s*(?:<[^>()]*>)?\s*\(\s*"
    rf"(?:[A-Za-z_][\w.]*(?:\(\))?\s*,\s*)?{_LITERAL}",
    re.IGNORECASE | re.DOTALL,
)

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}")


@dataclass(frozen=True, order=True)
class Reference:
    key: str
    path: str
    line: int
    #: ``evaluation`` (a key passed to an evaluation call) or ``mention``
    kind: str


def _value(match: re.Match[str]) -> tuple[str, int]:
    """The literal's text and where it starts."""
    for group in ("t2", "t1", "verbatim", "d", "s", "b"):
        value = match.group(group)
        if value is not None:
            return value, match.start(group)
    return "", match.start()


def references(text: str, path: str, known: Iterable[str] = ()) -> list[Reference]:
    """Every evaluation call's key in ``text``, and every other literal that is a known key."""
    keys = set(known)
    found: dict[tuple[str, int], Reference] = {}
    lines = _line_starts(text)
    for match in _EVALUATION.finditer(text):
        key, start = _value(match)
        if _KEY.fullmatch(key):
            line = _line_of(lines, start)
            found[key, line] = Reference(key, path, line, "evaluation")
    for match in _LITERALS.finditer(text):
        key, start = _value(match)
        if key in keys:
            line = _line_of(lines, start)
            found.setdefault((key, line), Reference(key, path, line, "mention"))
    return sorted(found.values())


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _line_of(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset)


@dataclass(frozen=True)
class Comparison:
    #: Keys evaluated in code that the registry does not have (with where).
    missing: dict[str, list[Reference]]
    #: Registry keys no code evaluates or mentions.
    unreferenced: list[str]
    #: Registry keys with where code uses them.
    used: dict[str, list[Reference]]


def compare(found: Iterable[Reference], registry: Iterable[str]) -> Comparison:
    known = set(registry)
    by_key: dict[str, list[Reference]] = {}
    for reference in found:
        by_key.setdefault(reference.key, []).append(reference)
    missing = {
        key: refs
        for key, refs in sorted(by_key.items())
        if key not in known and any(r.kind == "evaluation" for r in refs)
    }
    used = {key: refs for key, refs in sorted(by_key.items()) if key in known}
    return Comparison(missing, sorted(known - set(used)), used)
