"""Validating a hand-written file field by field, naming the line of every problem.

``load`` reads the text through the one loader (``load_document``: size, depth, alias bombs,
duplicate keys; timestamps stay strings, so a date's error message can name its line), and
``Validator`` reads fields out of it, collecting every problem as
``plan.yaml:14: /contracts/events/0/change: …`` instead of "somewhere in your file".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from unlockstep.core.compat import Source
from unlockstep.core.documents._load import Document, load_document
from unlockstep.core.documents._pointer import join


@dataclass
class LinedDocument:
    """A document (loaded by ``load_document``, with all its defences) whose problems are
    reported as ``file:line: /pointer``."""

    document: Document

    @property
    def value(self) -> Any:
        return self.document.data

    @property
    def filename(self) -> str:
        return self.document.filename

    @property
    def lines(self) -> dict[str, int]:
        """Every pointer's line the loader recorded (YAML records them all as it builds)."""
        return self.document._lines

    def line(self, pointer: str) -> int | None:
        """The line of ``pointer``, or of its nearest ancestor that has one."""
        return self.document.line_of(pointer)

    def where(self, pointer: str) -> str:
        line = self.line(pointer)
        place = f"{self.filename}:{line}" if line else self.filename
        return f"{place}: {pointer or '/'}"


def load(text: str, filename: str = "<input>") -> LinedDocument:
    """``text`` (YAML, or JSON) through the one loader, for ``Validator``."""
    return LinedDocument(load_document(Source(text, filename)))


class Validator:
    """Reads fields out of a :class:`LinedDocument`, collecting every problem as
    ``file:line: /pointer: what is wrong`` instead of stopping at the first."""

    def __init__(self, doc: LinedDocument) -> None:
        self.doc = doc
        self.errors: list[str] = []

    def fail(self, pointer: str, message: str) -> None:
        self.errors.append(f"{self.doc.where(pointer)}: {message}")

    def line(self, pointer: str) -> int | None:
        return self.doc.line(pointer)

    def mapping(self, value: Any, pointer: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(pointer, f"expected a mapping, got {describe_type(value)}")
            return {}
        for key in sorted(set(value) - allowed):
            self.fail(
                join(pointer, key),
                f"unknown field {key!r}; allowed here: {', '.join(sorted(allowed))}",
            )
        return value

    def text(self, m: dict[str, Any], key: str, pointer: str, *, required: bool = False) -> str:
        value = m.get(key)
        if value is None:
            if required:
                self.fail(pointer, f"missing required field {key!r}")
            return ""
        if isinstance(value, (dict, list)):
            self.fail(join(pointer, key), f"expected text, got {describe_type(value)}")
            return ""
        return str(value).strip()

    def texts(self, m: dict[str, Any], key: str, pointer: str) -> tuple[str, ...]:
        value = m.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or any(isinstance(v, (dict, list)) for v in value):
            self.fail(join(pointer, key), "expected a list of names")
            return ()
        return tuple(str(v) for v in value if v is not None)

    def day(
        self, m: dict[str, Any], key: str, pointer: str, *, required: bool = False
    ) -> date | None:
        value = m.get(key)
        if value is None:
            if required:
                self.fail(pointer, f"missing required date {key!r} (YYYY-MM-DD)")
            return None
        try:
            return date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            self.fail(join(pointer, key), f"{value!r} is not a date; write YYYY-MM-DD")
            return None


def describe_type(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"
