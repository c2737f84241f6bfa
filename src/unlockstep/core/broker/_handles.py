"""Stable UUIDs for what the Pact Broker API names by UUID (environments, deployed and
released versions), derived from the row's id instead of stored beside it.

The Pact Broker's clients treat a UUID as opaque: they read it from one answer and put it in
the next request's path. A UUID here is a fixed 64-bit prefix per kind followed by the row's
id, so it is the same on every request and every server process, needs no column or table
of its own, and reads back to the row without a lookup. A UUID of another kind, or one this
server never made, reads back as ``None`` (a 404 for the caller).
"""

from __future__ import annotations

import uuid
from typing import Literal

Kind = Literal["environment", "deployed-version", "released-version"]

_NAMESPACE = uuid.UUID("6f1d2c1e-7a52-4c1b-9a57-6b0d5e1c7a10")
#: RFC 9562 variant bits (``10``) over the low 64 bits; the id takes the other 62.
_VARIANT = 0b10 << 62
_ID = (1 << 62) - 1


def _prefix(kind: Kind) -> int:
    """The high 64 bits for ``kind``, with the version nibble of a custom (v8) UUID."""
    high = uuid.uuid5(_NAMESPACE, kind).int >> 64
    return (high & ~(0xF << 12)) | (0x8 << 12)


def handle(kind: Kind, row_id: int) -> str:
    """The UUID of row ``row_id`` of ``kind``."""
    return str(uuid.UUID(int=(_prefix(kind) << 64) | _VARIANT | (row_id & _ID)))


def row_id(kind: Kind, value: str) -> int | None:
    """The row id a UUID of ``kind`` stands for, or ``None``."""
    try:
        number = uuid.UUID(value).int
    except ValueError:
        return None
    low = number & ((1 << 64) - 1)
    if number >> 64 != _prefix(kind) or low & ~_ID != _VARIANT:
        return None
    return low & _ID or None
