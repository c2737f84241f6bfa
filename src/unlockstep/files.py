"""Reading files, for the adapters that have them (the CLI and ``import unlockstep``).

One way in, so every file meets the same defences before core sees its text: the size is
checked before the file is read (and the read is bounded, should the file grow meanwhile),
invalid UTF-8 is an error naming the file, the byte offset and the line, and a missing file,
a folder or an unreadable one is an ``InvalidInput`` naming the path. Documents (JSON, YAML)
then go through ``core.documents.load_document`` (depth, alias bombs, duplicate keys).

Core does no I/O: a ``Source`` made here carries ``read_relative``, which reads the files its
``$ref``/``import`` names relative to it, with the same cap.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unlockstep.errors import InvalidInput, ParseError

if TYPE_CHECKING:  # imported where used, so a command that imports this module starts fast
    from unlockstep.core.compat import Source
    from unlockstep.core.documents import Document

#: ``core.documents.MAX_SIZE`` (a test keeps them equal), without importing the YAML parser.
MAX_SIZE = 32 * 1024 * 1024

__all__ = ["read_bytes", "read_document", "read_mapping", "read_source", "read_text"]


def read_bytes(path: str | os.PathLike[str], *, max_size: int = MAX_SIZE) -> bytes:
    """The bytes of a file, refused unread past ``max_size``."""
    from unlockstep.core.documents import too_large

    path, shown = Path(path), os.fspath(path)
    try:
        size = path.stat().st_size
        if size > max_size:
            raise too_large(size, max_size, shown)
        with path.open("rb") as file:
            data = file.read(max_size + 1)  # a file that grew since stat stays bounded
    except FileNotFoundError:
        raise InvalidInput("file not found", where=shown, hint="check the path") from None
    except IsADirectoryError:
        raise InvalidInput("is a directory, not a file", where=shown) from None
    except OSError as exc:
        raise InvalidInput(f"cannot read: {exc.strerror or exc}", where=shown) from None
    if len(data) > max_size:
        raise too_large(len(data), max_size, shown)
    return data


def read_text(path: str | os.PathLike[str], *, max_size: int = MAX_SIZE) -> str:
    """A UTF-8 text file (a BOM is dropped), refused unread past ``max_size``."""
    from unlockstep.core.documents import decode

    return decode(read_bytes(path, max_size=max_size), os.fspath(path), max_size=max_size)


def read_source(path: str | os.PathLike[str], *, max_size: int = MAX_SIZE) -> Source:
    """A file as a ``Source`` whose relative references are read next to it, each with the
    same cap."""
    from unlockstep.core.compat import Source

    path = Path(path)
    return Source(
        text=read_text(path, max_size=max_size),
        filename=str(path),
        read_relative=_relative_reader(path.parent, str(path), max_size),
    )


def read_document(path: str | os.PathLike[str], *, max_size: int = MAX_SIZE) -> Document:
    """A JSON or YAML file, loaded with every defence of ``load_document``."""
    from unlockstep.core.documents import load_document

    return load_document(read_source(path, max_size=max_size))


def read_mapping(path: str | os.PathLike[str], problem: str) -> dict[str, Any]:
    """A JSON or YAML file whose top is an object; otherwise a ``ParseError`` saying
    ``problem`` about the file."""
    data = read_document(path).data
    if not isinstance(data, dict):
        raise ParseError(problem, where=os.fspath(path))
    return data


def _relative_reader(base: Path, referrer: str, max_size: int) -> Callable[[str], str]:
    def read(name: str) -> str:
        path = base / name
        try:
            return read_text(path, max_size=max_size)
        except ParseError:
            raise  # too large or not UTF-8: already says which file and what to do
        except InvalidInput as exc:
            raise ParseError(
                f"$ref to {name!r} cannot be read: {exc.message}",
                where=referrer,
                hint="references are read relative to the referring file",
            ) from None

    return read
