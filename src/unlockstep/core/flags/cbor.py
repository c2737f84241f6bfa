"""Canonical CBOR (RFC 8949 §4.2.3 "length-first" ordering) for JSON values.

The CBOR-keyed ``fractional`` variant hashes the canonical CBOR encoding of the bucketing
value, so that ``"1"``, ``1`` and ``[flagKey, targetingKey]`` never collide and every
language encodes the same bytes. This encoder covers exactly JSON's value space (null, bool,
int, float, str, list, dict) and matches ``cbor2.dumps(value, canonical=True)``: integral
floats are first turned into integers (flagd's number normalisation), other floats take the
shortest of half/single/double precision that round-trips, map keys sort by encoded length
then bytes.
"""

from __future__ import annotations

import math
import struct
from typing import Any

_FLOAT_INT_MIN = -(2**63)
_FLOAT_INT_MAX = 2**64 - 1


def _head(major: int, length: int) -> bytes:
    if length < 24:
        return bytes((major << 5 | length,))
    if length < 0x100:
        return bytes((major << 5 | 24, length))
    if length < 0x10000:
        return bytes((major << 5 | 25,)) + length.to_bytes(2, "big")
    if length < 0x100000000:
        return bytes((major << 5 | 26,)) + length.to_bytes(4, "big")
    if length < 0x10000000000000000:
        return bytes((major << 5 | 27,)) + length.to_bytes(8, "big")
    raise ValueError(f"integer {length} does not fit CBOR's 64-bit head")


_TEXT_HEADS = [bytes((3 << 5 | length,)) for length in range(24)]


def text(value: str) -> bytes:
    """The CBOR encoding of one text string."""
    raw = value.encode("utf-8")
    length = len(raw)
    return (_TEXT_HEADS[length] if length < 24 else _head(3, length)) + raw


def _float(value: float) -> bytes:
    if math.isnan(value):
        return b"\xf9\x7e\x00"
    if math.isinf(value):
        return b"\xf9\x7c\x00" if value > 0 else b"\xf9\xfc\x00"
    try:
        half = struct.pack(">e", value)
        if struct.unpack(">e", half)[0] == value:
            return b"\xf9" + half
    except OverflowError:
        pass
    single = struct.pack(">f", value) if abs(value) <= 3.4028234663852886e38 else b""
    if single and struct.unpack(">f", single)[0] == value:
        return b"\xfa" + single
    return b"\xfb" + struct.pack(">d", value)


def encode(value: Any) -> bytes:
    """Canonical CBOR of a JSON value; raises ``ValueError`` for anything else."""
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, str):
        return text(value)
    if (
        isinstance(value, float)
        and value.is_integer()
        and (_FLOAT_INT_MIN <= value <= _FLOAT_INT_MAX)
    ):
        value = int(value)
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, list | tuple):
        return _head(4, len(value)) + b"".join(encode(item) for item in value)
    if isinstance(value, dict):
        items = sorted(
            ((encode(k), encode(v)) for k, v in value.items()),
            key=lambda pair: (len(pair[0]), pair[0]),
        )
        return _head(5, len(items)) + b"".join(k + v for k, v in items)
    raise ValueError(f"cannot encode {type(value).__name__} as CBOR")
