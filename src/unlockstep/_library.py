"""The library's entry points: ``unlockstep.compare`` and ``unlockstep.load_document``.

They are the core functions with one thing added that core may not do: reading a file named
by a ``pathlib.Path`` (through ``unlockstep.files``, size checked first, with relative
``$ref``/``import`` read next to it). Everything else is ``core.compare.compare`` and
``core.documents.load_document`` as they are.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from unlockstep.core.compare import DocumentInput, Earlier, to_source
from unlockstep.core.compare import compare as _compare
from unlockstep.core.compat import CompatibilityReport, Mode, Policy, Source
from unlockstep.core.documents import MAX_SIZE, Document
from unlockstep.core.documents import load_document as _load_document
from unlockstep.files import read_source

#: A document as the library takes it: a ``Path`` to read, or what ``core.compare`` takes.
Input = os.PathLike[str] | DocumentInput


def _source(document: Input, name: str, max_size: int) -> Source:
    if isinstance(document, os.PathLike):
        return read_source(document, max_size=max_size)
    return to_source(document, name, max_size=max_size)


def _earlier(
    old: Input | Sequence[Earlier] | None, max_size: int
) -> DocumentInput | list[Earlier] | None:
    if old is None:
        return None
    if isinstance(old, Sequence) and old and all(isinstance(o, Earlier) for o in old):
        return [
            Earlier(o.label, _source(o.document, o.label or "<old>", max_size), o.checked)
            for o in old
            if isinstance(o, Earlier)
        ]
    return _source(old, "<old>", max_size)  # type: ignore[arg-type]  # not a history


def compare(
    old: Input | Sequence[Earlier] | None,
    new: Input,
    kind: str | None = None,
    mode: Mode | str = Mode.BACKWARD,
    policy: Policy | str = Policy.LENIENT,
    *,
    max_size: int = MAX_SIZE,
) -> CompatibilityReport:
    """What changing ``old`` into ``new`` does to the contract's readers and writers.

    Each document is a ``pathlib.Path`` (read, with relative references next to it), its
    text (``str`` or ``bytes``), an already-parsed ``dict``/``list``, or a ``Source``.
    ``old`` may also be a list of ``Earlier`` versions (oldest first, for the transitive
    modes) or ``None``. ``kind`` is detected from ``new`` when not given. An incompatible
    change is a report with ``compatible`` false; unreadable input raises ``InvalidInput``
    (``ParseError`` for a document) saying where and what to do."""
    return _compare(
        _earlier(old, max_size),
        _source(new, "<new>", max_size),
        kind,
        mode,
        policy,
        max_size=max_size,
    )


def load_document(document: Input, *, max_size: int = MAX_SIZE) -> Document:
    """A JSON or YAML document as plain values with its source lines (``line_of(pointer)``),
    loaded with every defence: size, nesting depth, YAML alias bombs, UTF-8, duplicate
    keys."""
    return _load_document(_source(document, "<input>", max_size), max_size=max_size)
