"""The change record every compatibility engine returns, and the one mode table.

An engine compares two already-parsed documents of its format and returns every difference
as a :class:`Change`. It never raises on "incompatible": that is a returned value.

``diff(old, new)`` is written from the BACKWARD point of view of its kind: a change is
``breaking`` when a party still on ``old`` stops working once ``new`` is live (for a data
schema: data written with ``old`` can no longer be read with ``new``; for an API: a client
built against ``old`` fails against a provider serving ``new``). FORWARD is the same
question with the roles swapped, so every mode is a list of ordered pairs handed to the
same ``diff`` (karapace does the same)::

    BACKWARD             diff(previous, proposed)
    FORWARD              diff(proposed, previous)
    FULL                 both
    *_TRANSITIVE         the same against every earlier version, not only the latest
    NONE                 nothing is checked

``breaks`` says who is hurt, independent of the mode: ``readers`` (old readers of the data,
e.g. an API client reading responses), ``writers`` (old writers, e.g. a client sending
requests, a producer still on the old schema), ``both`` or ``none``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol


class Level(StrEnum):
    BREAKING = "breaking"
    WARNING = "warning"
    INFO = "info"


class Breaks(StrEnum):
    READERS = "readers"
    WRITERS = "writers"
    BOTH = "both"
    NONE = "none"


class Direction(StrEnum):
    BACKWARD = "backward"  # diff(previous, proposed)
    FORWARD = "forward"  # diff(proposed, previous)


class Mode(StrEnum):
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"

    @classmethod
    def parse(cls, text: str) -> Mode:
        try:
            return cls(text.strip().upper().replace("-", "_"))
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown mode {text!r}; use one of {names}") from None

    @property
    def transitive(self) -> bool:
        return self.value.endswith("_TRANSITIVE")


class Policy(StrEnum):
    """How strictly unknowable cases are judged (schema registries offer both)."""

    STRICT = "strict"
    LENIENT = "lenient"


#: The one dispatch table: which directions each mode checks. Every format uses it.
MODE_DIRECTIONS: dict[Mode, tuple[Direction, ...]] = {
    Mode.BACKWARD: (Direction.BACKWARD,),
    Mode.BACKWARD_TRANSITIVE: (Direction.BACKWARD,),
    Mode.FORWARD: (Direction.FORWARD,),
    Mode.FORWARD_TRANSITIVE: (Direction.FORWARD,),
    Mode.FULL: (Direction.BACKWARD, Direction.FORWARD),
    Mode.FULL_TRANSITIVE: (Direction.BACKWARD, Direction.FORWARD),
    Mode.NONE: (),
}


class Location:
    """Where a change is: the operation/channel/message/table it belongs to, a JSON pointer
    into the document, and the source file and line when they are known.

    ``find_line`` (``pointer -> line``) defers finding the line until someone reads it: a
    registry check that only needs the verdict never scans the source text for lines."""

    __slots__ = ("_find_line", "_line", "file", "pointer", "subject")

    def __init__(
        self,
        subject: str = "",
        pointer: str = "",
        file: str | None = None,
        line: int | None = None,
        *,
        find_line: Callable[[str], int | None] | None = None,
    ) -> None:
        self.subject = subject
        self.pointer = pointer
        self.file = file
        self._line = line
        self._find_line = find_line if line is None else None

    @property
    def line(self) -> int | None:
        if self._find_line is not None:
            self._line = self._find_line(self.pointer)
            self._find_line = None
        return self._line

    def _key(self) -> tuple[str, str, str | None, int | None]:
        return (self.subject, self.pointer, self.file, self.line)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        subject, pointer, file, line = self._key()
        return f"Location({subject=!r}, {pointer=!r}, {file=!r}, {line=!r})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "pointer": self.pointer,
            "file": self.file,
            "line": self.line,
        }

    def __str__(self) -> str:
        where = self.subject or self.pointer or "(document)"
        if self.subject and self.pointer:
            where = f"{self.subject} {self.pointer}"
        if self.file:
            where = f"{self.file}:{self.line}: {where}" if self.line else f"{self.file}: {where}"
        return where


@dataclass(slots=True)
class Change:
    """One classified difference between two contract versions.

    Treat it as immutable (``dataclasses.replace`` makes a changed copy); it is not frozen
    because a frozen dataclass costs three times as much to build, and engines build many."""

    rule: str
    level: Level
    breaks: Breaks
    location: Location
    message: str
    suggestion: str = ""
    direction: Direction = Direction.BACKWARD
    details: dict[str, Any] = field(default_factory=dict)
    against: str | None = None  # which earlier version (transitive checks), when known

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "level": self.level.value,
            "breaks": self.breaks.value,
            "direction": self.direction.value,
            "location": self.location.to_dict(),
            "message": self.message,
            "suggestion": self.suggestion,
        }
        if self.against is not None:
            out["against"] = self.against
        if self.details:
            out["details"] = self.details
        return out


@dataclass(frozen=True, slots=True)
class CompatibilityReport:
    """The verdict of one check: compatible under ``mode`` or not, and every change found."""

    mode: Mode
    kind: str
    changes: tuple[Change, ...]

    @property
    def compatible(self) -> bool:
        return not any(c.level is Level.BREAKING for c in self.changes)

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.level is Level.BREAKING)

    def to_dict(self) -> dict[str, Any]:
        return {
            "compatible": self.compatible,
            "mode": self.mode.value,
            "kind": self.kind,
            "summary": {
                level.value: sum(1 for c in self.changes if c.level is level) for level in Level
            },
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass(frozen=True, slots=True)
class Source:
    """A document's text and where it came from. ``read_relative`` (given by the adapter,
    so core stays free of I/O) returns the text of a file named relative to this one, for
    ``$ref: other.yaml#/...`` or ``import "other.proto"``; it raises ``ParseError``."""

    text: str
    filename: str = "<input>"
    read_relative: Callable[[str], str] | None = None


class Engine(Protocol):
    """What each format package provides (``core/jsonschema/``, ``core/openapi/``, …)."""

    kind: str

    def sniff(self, source: Source) -> bool:
        """Whether this looks like a document of this kind (extension and/or content)."""
        ...

    def parse(self, source: Source) -> Any:
        """The parsed document, ready for ``diff``; raises ``errors.ParseError`` saying where."""
        ...

    def diff(self, old: Any, new: Any, policy: Policy) -> list[Change]:
        """Every difference from ``old`` to ``new``, judged from the BACKWARD point of view."""
        ...


DiffFn = Callable[[Any, Any, Policy], list[Change]]


def check(
    engine: Engine,
    proposed: Any,
    history: Sequence[tuple[str | None, Any]],
    mode: Mode,
    policy: Policy = Policy.LENIENT,
) -> CompatibilityReport:
    """Judge ``proposed`` against ``history`` (oldest first, as ``(label, document)``).

    Non-transitive modes compare with the latest earlier version only.
    """
    transitive = mode.transitive
    targets = list(history) if transitive else list(history[-1:])
    changes: list[Change] = []
    for label, previous in targets:
        for direction in MODE_DIRECTIONS[mode]:
            pair = (previous, proposed) if direction is Direction.BACKWARD else (proposed, previous)
            for c in engine.diff(pair[0], pair[1], policy):
                against = label if transitive else c.against
                if c.direction is not direction or c.against != against:
                    c = replace(c, direction=direction, against=against)
                changes.append(c)
    if mode is Mode.NONE and history:
        # NONE checks nothing, but the differences are still worth showing as information.
        changes = [
            replace(c, level=Level.INFO) for c in engine.diff(history[-1][1], proposed, policy)
        ]
    return CompatibilityReport(mode=mode, kind=engine.kind, changes=tuple(changes))


#: kind name -> engine; format modules register themselves here on import.
ENGINES: dict[str, Engine] = {}


def register(engine: Engine) -> Engine:
    ENGINES[engine.kind] = engine
    return engine
