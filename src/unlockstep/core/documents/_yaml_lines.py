"""YAML read into plain values, remembering the line of every value (by JSON pointer).

Validation errors can then say ``plan.yaml:14: /contracts/events/0/change: …`` instead of
"somewhere in your file". Timestamps stay strings (callers parse dates themselves, so a
date's error message can name its line); duplicate keys are an error. ``Validator`` reads
fields out of such a document and collects every problem with its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from unlockstep.core.documents._pointer import join
from unlockstep.errors import ParseError

_BOOL_TRUE = {"true", "yes", "on", "y"}


@dataclass
class LinedDocument:
    """A YAML document as plain values plus ``pointer -> 1-based line``."""

    value: Any
    filename: str
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, pointer: str) -> int | None:
        """The line of ``pointer``, or of its nearest ancestor that has one."""
        while True:
            if pointer in self.lines:
                return self.lines[pointer]
            if not pointer:
                return None
            pointer = pointer.rsplit("/", 1)[0]

    def where(self, pointer: str) -> str:
        line = self.line(pointer)
        place = f"{self.filename}:{line}" if line else self.filename
        return f"{place}: {pointer or '/'}"


def load(text: str, filename: str = "<input>") -> LinedDocument:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        where = f"{filename}:{line}" if line else filename
        raise ParseError(
            f"not valid YAML: {exc.problem}",
            where=where,
            hint="fix the YAML syntax (indentation, quotes, colons)",
        ) from None
    except yaml.YAMLError as exc:
        raise ParseError(f"not valid YAML: {exc}", where=filename) from None
    doc = LinedDocument(value=None, filename=filename)
    if node is None:
        return doc
    doc.value = _build(node, "", doc)
    return doc


def _build(node: yaml.Node, pointer: str, doc: LinedDocument) -> Any:
    doc.lines[pointer] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ParseError(
                    "mapping keys must be plain words",
                    where=f"{doc.filename}:{key_node.start_mark.line + 1}",
                )
            key = str(key_node.value)
            if key == "<<":
                raise ParseError(
                    "merge keys (<<) are not supported in plan files",
                    where=f"{doc.filename}:{key_node.start_mark.line + 1}",
                )
            if key in out:
                raise ParseError(
                    f"duplicate key {key!r}",
                    where=f"{doc.filename}:{key_node.start_mark.line + 1}: {pointer or '/'}",
                    hint="each key may appear once per mapping",
                )
            out[key] = _build(value_node, join(pointer, key), doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, join(pointer, i), doc) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    text = str(node.value)
    tag = node.tag
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return text.lower() in _BOOL_TRUE
    if tag == "tag:yaml.org,2002:int":
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            return text
    if tag == "tag:yaml.org,2002:float":
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    return text


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
