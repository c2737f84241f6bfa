"""YAML read into plain values, remembering the line of every value (by JSON pointer).

Validation errors can then say ``plan.yaml:14: /contracts/events/0/change: …`` instead of
"somewhere in your file". Timestamps stay strings (callers parse dates themselves, so a
date's error message can name its line); duplicate keys are an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from unlockstep.errors import ParseError

_BOOL_TRUE = {"true", "yes", "on", "y"}


def pointer_join(pointer: str, key: str | int) -> str:
    token = str(key).replace("~", "~0").replace("/", "~1")
    return f"{pointer}/{token}"


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
            out[key] = _build(value_node, pointer_join(pointer, key), doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, pointer_join(pointer, i), doc) for i, item in enumerate(node.value)]
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
