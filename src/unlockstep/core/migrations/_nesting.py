"""Deeply nested SQL kept off the C stack: a limit on chained operators, and a big stack for
the parses that come near it.

libpg_query builds a left-deep tree for every chain of binary operators (``1+1+…``, ``::int``,
``COLLATE``), set operations (``UNION ALL``), and joins, and then walks it recursively in C (to
print JSON or protobuf, and to deparse) without PostgreSQL's ``check_stack_depth``. Each
level costs about 400 bytes of C stack to parse and 1.9 KB to deparse, so on an 8 MiB thread
stack about 21,800 chained operators in one statement kill the process with a segfault (4,400
in a ``table`` contract's ``DEFAULT``), and the JSON tree of about 32,800 kills ``json``'s C
decoder. Nesting that does not chain (parentheses, ``NOT``, function calls, subqueries, ``CASE``)
is capped by PostgreSQL's grammar at about 10,000 levels ("memory exhausted"), and flat lists
(``IN (…)``, ``AND``, ``VALUES``) are no deeper for being long.

So: a text with at most :data:`INLINE` chaining tokens is parsed where it is, as before (a
count made with two C passes over the bytes); one with more is counted properly (comments and
strings skipped), refused past :data:`LIMIT` with a :class:`ParseError`, and otherwise parsed on
a worker thread whose stack (:data:`STACK`) holds about nine times the deepest tree the limit lets
through. ``bench/hostile_sql.py`` prints the thresholds.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, TypeVar

from unlockstep.errors import ParseError

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

T = TypeVar("T")

#: the most chained operators, joins and set operations unlockstep reads in one statement
LIMIT = 20_000
#: at most this many chaining tokens (counted roughly, over-counting) and a text is parsed
#: on the caller's own stack: 5,000 levels need about 2 MiB to parse (deparsing is bounded
#: by :data:`SHALLOW`), and ``json`` retries a tree too deep for it on the worker
INLINE = 5_000
#: a statement of at most this many characters is deparsed on the caller's stack: a tree level
#: takes at least two characters (``+1``, ``NOT ``), so under 1,100 levels, 2 MiB of stack
SHALLOW = 2_048
#: the worker thread's stack; reserved address space, only the part a parse touches is memory
STACK = 512 * 1024 * 1024
#: ``json``'s recursion limit on the worker: each chained operator is two levels of JSON; the
#: decoder needs about 130 bytes of C stack a level, so this stays far inside :data:`STACK`
JSON_DEPTH = 8 * (LIMIT + 10_000)

#: bytes that make up PostgreSQL's operators (``::`` included)
_OPERATOR_BYTES = b"+-*/<>=~!@#%^&|`?:"
_OTHER_BYTES = bytes(b for b in range(256) if b not in _OPERATOR_BYTES)
#: keywords that chain left-deep, as substrings (over-counting is safe: it only sends a text
#: to the careful count)
_CHAINING_WORDS = (b"union", b"intersect", b"except", b"join", b"collate", b"at")

#: what the careful count looks at: comments and strings (skipped), operators, chaining
#: keywords, names (consumed whole, so that no match starts inside one) and statement ends.
#: Possessive repeats: no input makes the engine backtrack. Compiled on first use: the case-
#: insensitive wide ranges cost ~20 ms, and most files never need the careful count.
_TOKENS_PATTERN = r"""
      --[^\n]*+
    | /\*
    | (?<![\w$])[eE]'(?:[^'\\]|\\.|'')*+'
    | '(?:[^']|'')*+'
    | "(?:[^"]|"")*+"
    | (?P<dollar>(?<![\w$])\$(?:[A-Za-z_\x80-\uffff][\w\x80-\uffff]*+)?\$)
    | (?P<chain>::|(?:(?!--|/\*)[-+*/<>=~!@\#%^&|`?])++
        |(?<![\w$])(?:union|intersect|except|join|collate|at)(?![\w$]))
    | [\w\x80-\uffff][\w$\x80-\uffff]*+
    | (?P<end>;)
    """


@cache
def _tokens() -> re.Pattern[str]:
    return re.compile(_TOKENS_PATTERN, re.VERBOSE | re.DOTALL | re.IGNORECASE)


def rough_count(data: bytes) -> int:
    """An over-count of the chaining tokens in ``data``: every operator byte and every
    chaining keyword appearing anywhere, in strings, comments and other words too."""
    count = len(data.translate(None, _OTHER_BYTES))
    if count > INLINE:
        return count
    lower = data.lower()
    return count + sum(lower.count(word) for word in _CHAINING_WORDS)


_COMMENT_MARKS = re.compile(r"/\*|\*/")


def _skip_comment(text: str, start: int) -> int:
    """The end of a block comment opening at ``start`` (PostgreSQL's nest); the text's end
    when it does not close."""
    depth, pos = 0, start
    while (mark := _COMMENT_MARKS.search(text, pos)) is not None:
        depth += 1 if mark.group() == "/*" else -1
        pos = mark.end()
        if depth == 0:
            return pos
    return len(text)


def count(text: str) -> tuple[int, int]:
    """The most chaining tokens in one statement of ``text``, outside comments and strings (an
    upper bound on the depth its chains can reach), and the character offset where a
    statement's count passed :data:`LIMIT` (-1 if none did). It stops at a dollar quote or
    comment that does not end: PostgreSQL refuses the text there."""
    most, found, pos, tokens = 0, 0, 0, _tokens()
    while (match := tokens.search(text, pos)) is not None:
        pos, group = match.end(), match.lastgroup
        if group == "chain":
            found += 1
            if found > LIMIT:
                return found, match.start()
        elif group == "end":
            most, found = max(most, found), 0
        elif group == "dollar":
            pos = text.find(match.group(), pos) + len(match.group())
            if pos < len(match.group()):
                break
        elif match.group() == "/*":
            pos = _skip_comment(text, match.start())
    return max(most, found), -1


def needs_big_stack(text: str, data: bytes, filename: str, first_line: int) -> bool:
    """Whether ``text`` must be parsed on the worker's big stack; raises :class:`ParseError`
    when it chains more than :data:`LIMIT` operators."""
    if rough_count(data) <= INLINE:
        return False
    found, at = count(text)
    if at >= 0:
        line = first_line + text.count("\n", 0, at)
        raise ParseError(
            f"cannot parse SQL: a statement chains more than {LIMIT:,} operators, joins and set"
            f" operations (UNION, INTERSECT, EXCEPT); unlockstep reads at most {LIMIT:,}, since"
            " deeper trees overflow the parser's stack",
            where=f"{filename}:{line}",
            hint="split the expression or query into smaller ones, or exclude the file",
        )
    return found > INLINE


_lock = threading.Lock()
_worker: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    """The one worker thread, started with :data:`STACK` (``threading.stack_size`` applies to
    threads started after it is set, so it is set around the start and put back)."""
    global _worker
    with _lock:
        if _worker is None:
            from concurrent.futures import ThreadPoolExecutor

            worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unlockstep-sql")
            previous = threading.stack_size(STACK)
            try:
                worker.submit(int).result()  # starts the thread now, with the big stack
            finally:
                threading.stack_size(previous)
            _worker = worker
        return _worker


def on_big_stack(function: Callable[..., T], *args: object) -> T:
    """``function(*args)`` run on the worker thread; its exceptions are raised here."""
    return _executor().submit(function, *args).result()


def deep_json(loads: Callable[[bytes], T], data: bytes) -> T:
    """``loads(data)`` on the worker with the recursion limit raised to :data:`JSON_DEPTH`
    (never beyond: the limit is what keeps ``json``'s C decoder inside its stack)."""

    def run() -> T:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, JSON_DEPTH))
        try:
            return loads(data)
        finally:
            sys.setrecursionlimit(limit)

    return on_big_stack(run)
