"""MurmurHash3 x86-32, the hash flagd's ``fractional`` operator buckets with.

``murmur3_32`` is the reference implementation written out from the published algorithm
(Austin Appleby, public domain). ``hash32`` is what the engine calls: the C implementation
from the ``mmh3`` package when it is installed (about 20x faster; its unsigned digest
is called directly, without a wrapper), else the reference.
A test pins both to flagd's edge vectors and to each other.
"""

from __future__ import annotations

from collections.abc import Callable

_C1 = 0xCC9E2D51
_C2 = 0x1B873593
_MASK = 0xFFFFFFFF


def _rotl(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (32 - shift))) & _MASK


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """Unsigned 32-bit MurmurHash3 (x86 variant) of ``data``."""
    h = seed & _MASK
    length = len(data)
    block_end = length - (length % 4)
    for start in range(0, block_end, 4):
        k = int.from_bytes(data[start : start + 4], "little")
        k = (k * _C1) & _MASK
        k = _rotl(k, 15)
        k = (k * _C2) & _MASK
        h ^= k
        h = _rotl(h, 13)
        h = (h * 5 + 0xE6546B64) & _MASK
    tail = data[block_end:]
    if tail:
        k = int.from_bytes(tail, "little")
        k = (k * _C1) & _MASK
        k = _rotl(k, 15)
        k = (k * _C2) & _MASK
        h ^= k
    h ^= length
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    h ^= h >> 16
    return h


def _fast() -> Callable[[bytes], int]:
    try:
        import mmh3
    except ImportError:  # pragma: no cover - mmh3 is a declared dependency
        return murmur3_32
    # The unsigned, seed-0 digest is the C function itself: no Python frame per hash.
    return mmh3.mmh3_32_uintdigest


hash32: Callable[[bytes], int] = _fast()
"""Unsigned MurmurHash3 x86-32 with seed 0, the fastest implementation available."""


def bucket(hash_value: int, total_weight: int) -> int:
    """flagd's bucket: the hash scaled into ``[0, total_weight)`` without floating point."""
    return (hash_value * total_weight) >> 32
