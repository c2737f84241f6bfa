"""JSON pointers (RFC 6901): the one helper every engine, the CLI and the server use.

``escape``/``unescape`` one reference token, ``join`` a pointer with more tokens, ``split`` a
pointer into its (unescaped) tokens, ``parent`` of a pointer, and ``value_at`` to look a
pointer up in plain data (``MISSING``, or a default, when it names nothing).
"""

from __future__ import annotations

from typing import Any


def escape(token: str) -> str:
    """One JSON pointer reference token (RFC 6901)."""
    if "~" in token or "/" in token:
        return token.replace("~", "~0").replace("/", "~1")
    return token


def unescape(token: str) -> str:
    """A reference token as the member name it stands for (``a~1b`` is ``a/b``)."""
    if "~" in token:
        return token.replace("~1", "/").replace("~0", "~")
    return token


def join(pointer: str, *tokens: str | int) -> str:
    """``pointer`` extended by ``tokens``: ``join("/a", "b/c", 0) == "/a/b~1c/0"``."""
    for token in tokens:
        pointer = f"{pointer}/{escape(str(token))}"
    return pointer


def split(pointer: str) -> list[str]:
    """The unescaped tokens of ``pointer``: ``split("/a/b~1c/0") == ["a", "b/c", "0"]``;
    ``split("") == []``. A ``#`` in front (a URI fragment) is allowed."""
    pointer = pointer.removeprefix("#")
    if not pointer:
        return []
    return [unescape(token) for token in pointer[1:].split("/")]


def parent(pointer: str) -> str:
    """The pointer of the container of ``pointer`` (``""`` for the root and its members)."""
    return pointer.rpartition("/")[0]


#: What ``value_at`` gives for a pointer that names nothing (when no other default is asked).
MISSING: Any = object()


def step(value: Any, key: str) -> Any:
    """``value``'s member or item ``key`` (an unescaped token), or ``MISSING``."""
    if isinstance(value, dict):
        return value.get(key, MISSING)
    if isinstance(value, list) and key.isdigit() and int(key) < len(value):
        return value[int(key)]
    return MISSING


def value_at(data: Any, pointer: str, default: Any = None) -> Any:
    """The value at the JSON pointer ``pointer`` (``""`` or ``"/a/b"``; a leading ``#`` is
    allowed) in ``data``, else ``default``."""
    if pointer[:1] == "#":
        pointer = pointer[1:]
    if not pointer:
        return data
    for token in pointer[1:].split("/"):  # ``step`` inlined: this is on the engines' hot path
        if "~" in token:
            token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(data, dict):
            data = data.get(token, MISSING)
            if data is MISSING:
                return default
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return default
    return data
