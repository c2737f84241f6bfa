"""flagd's custom JsonLogic operators, compiled: ``fractional``, ``sem_ver``, ``starts_with``,
``ends_with``.

``fractional`` comes in two bucketing algorithms, chosen per flag set (metadata ``bucketing``):

* ``"flagd"`` (default) — flagd's string algorithm: the bucketing value is a string (default
  ``flagKey + targetingKey``), hashed as UTF-8 with unsigned MurmurHash3 x86-32.
* ``"cbor"`` — the newer algorithm of ``openfeature-flagd-core`` 2.x (the OpenFeature Python
  flagd provider): the bucketing value is any JSON value (default the array
  ``[flagKey, targetingKey]``), integral floats become integers, and the hash input is its
  canonical CBOR encoding, so ``1`` and ``"1"`` or ``"ab"+"c"`` and ``"a"+"bc"`` differ.

Both then compute ``bucket = hash * totalWeight >> 32`` and walk the cumulative weights. The two
put the same user in different buckets, so every evaluator of one flag set must use the same
algorithm; that is why the flag set, not the evaluator, names it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any

from unlockstep.core.flags import cbor
from unlockstep.core.flags.jsonlogic import Compiled, Compiler, Context, OpFactory
from unlockstep.core.flags.murmur3 import hash32

MAX_TOTAL_WEIGHT = 2_147_483_647
BUCKETING_ALGORITHMS = ("flagd", "cbor")


class TargetingKeyMissing(Exception):
    """Raised by ``fractional`` only in strict mode, when it needs a targeting key."""


class _Shorthand:
    """A bucketing expression that evaluated to something that is not a bucketing value."""

    __slots__ = ("first",)

    def __init__(self, first: Any) -> None:
        self.first = first


def _parse_fractions(values: Sequence[Any]) -> tuple[list[Any], list[int]] | None:
    """Buckets ``[variant, weight]`` (weight 1 when left out) as flagd reads them: a variant
    may be any scalar (string, boolean, number or null, so ``fractional`` can feed a
    condition); a weight must be an integer (``50.5`` or ``true`` make the split invalid,
    ``None``), negative weights count as 0, and the total must be 1 to 2**31-1."""
    variants: list[Any] = []
    weights: list[int] = []
    for value in values:
        if not isinstance(value, list | tuple) or not value or len(value) > 2:
            return None
        weight = 1
        if len(value) == 2:
            raw = value[1]
            if isinstance(raw, bool) or not isinstance(raw, int):
                return None
            weight = max(0, raw)
        if not isinstance(value[0], str | bool | int | float | None):
            return None
        variants.append(value[0])
        weights.append(weight)
    total = sum(weights)
    if total <= 0 or total > MAX_TOTAL_WEIGHT:
        return None
    return variants, list(accumulate(weights))


def _pick(hash_value: int, variants: list[Any], ends: list[int]) -> Any:
    # The first bucket whose cumulative end lies above the point; the point is always below
    # the total, so there is one. ``bisect_right`` skips zero-weight buckets (equal ends).
    return variants[bisect_right(ends, (hash_value * ends[-1]) >> 32)]


def fractional_factory(algorithm: str, *, strict_targeting_key: bool = False) -> OpFactory:
    """The ``fractional`` operator for one bucketing algorithm."""
    use_cbor = algorithm == "cbor"

    def factory(args: list[Compiled], raw: list[Any], compiler: Compiler) -> Compiled:
        flag_key = compiler.flag_key
        explicit = bool(raw) and not isinstance(raw[0], list)
        fraction_args = args[1:] if explicit else args
        fraction_raw = raw[1:] if explicit else raw
        bucket_of = args[0] if explicit else None
        prefix = b"\x82" + cbor.text(flag_key)
        constant = None
        if all(_literal(item) for item in fraction_raw):
            constant = _parse_fractions(fraction_raw)

        def shorthand_key(c: Context) -> bytes | None:
            key = c.get("targetingKey")
            if not isinstance(key, str) or (use_cbor and not key):
                if strict_targeting_key:
                    raise TargetingKeyMissing(flag_key)
                return None
            if use_cbor:
                return prefix + cbor.text(key)
            return (flag_key + key).encode("utf-8")

        def evaluated(c: Context, first: Any) -> Any:
            # The first argument was an expression that produced no bucketing value: flagd
            # then reads it as the first bucket and buckets by the targeting key.
            data = shorthand_key(c)
            if data is None:
                return None
            values = [first, *(arg(c) for arg in fraction_args)]
            parsed = _parse_fractions(values)
            return None if parsed is None else _pick(hash32(data), *parsed)

        def hash_input(c: Context) -> bytes | Any:
            if bucket_of is None:
                return shorthand_key(c)
            value = bucket_of(c)
            if use_cbor:
                if value is None:
                    return None
                if isinstance(value, list):
                    return _Shorthand(value)
                try:
                    return cbor.encode(value)
                except ValueError:
                    return None
            if isinstance(value, str):
                return value.encode("utf-8")
            if value is None:
                # flagd's string algorithm drops a null bucketing value: use the default key.
                return shorthand_key(c)
            return _Shorthand(value)

        if constant is not None:
            variants, ends = constant
            total = ends[-1]

            def fixed(c: Context) -> Any:
                data = hash_input(c)
                if data is None:
                    return None
                if type(data) is _Shorthand:
                    return evaluated(c, data.first)
                return _pick(hash32(data), variants, ends)

            if bucket_of is not None:
                return fixed
            # The common shape, ``fractional`` over constant buckets keyed by the targeting
            # key, in one frame; anything unusual (no key, a str subclass) takes ``fixed``.
            if use_cbor:

                def by_key_cbor(c: Context) -> Any:
                    key = c.get("targetingKey")
                    if type(key) is not str or not key:
                        return fixed(c)
                    return variants[
                        bisect_right(ends, (hash32(prefix + cbor.text(key)) * total) >> 32)
                    ]

                return by_key_cbor

            def by_key(c: Context) -> Any:
                key = c.get("targetingKey")
                if type(key) is not str:
                    return fixed(c)
                return variants[
                    bisect_right(ends, (hash32((flag_key + key).encode()) * total) >> 32)
                ]

            return by_key

        def dynamic(c: Context) -> Any:
            data = hash_input(c)
            if data is None:
                return None
            if type(data) is _Shorthand:
                return evaluated(c, data.first)
            parsed = _parse_fractions([arg(c) for arg in fraction_args])
            return None if parsed is None else _pick(hash32(data), *parsed)

        return dynamic

    return factory


def _literal(node: Any) -> bool:
    if isinstance(node, dict):
        return False
    if isinstance(node, list):
        return all(_literal(item) for item in node)
    return True


def _string_comparison(test: Callable[[str, str], bool]) -> OpFactory:
    def factory(args: list[Compiled], _raw: list[Any], _compiler: Compiler) -> Compiled:
        if len(args) != 2:
            return lambda _c: None
        first, second = args

        def compare(c: Context) -> bool | None:
            a, b = first(c), second(c)
            if not isinstance(a, str) or not isinstance(b, str):
                return None
            return test(a, b)

        return compare

    return factory


_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)

SemVer = tuple[int, int, int, tuple[tuple[int, int | str], ...]]


def parse_semver(value: Any) -> SemVer | None:
    """A SemVer 2.0 key for ordering, after flagd's normalisation (``v`` prefix and
    missing minor/patch allowed: ``v1.2`` is ``1.2.0``); ``None`` when invalid."""
    text = str(value) if not isinstance(value, str) else value
    if text[:1] in ("v", "V"):
        text = text[1:]
    numeric = text.split("-", 1)[0].split("+", 1)[0]
    dots = numeric.count(".")
    if dots < 2:
        text = numeric + ".0" * (2 - dots) + text[len(numeric) :]
    match = _SEMVER.match(text)
    if match is None:
        return None
    major, minor, patch, pre, _build = match.groups()
    # A release sorts after all its prereleases: encode "no prerelease" as the largest key.
    pre_key: tuple[tuple[int, int | str], ...] = (
        tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")) if pre else ((2, 0),)
    )
    return int(major), int(minor), int(patch), pre_key


def _semver_factory(args: list[Compiled], raw: list[Any], _compiler: Compiler) -> Compiled:
    if len(args) != 3:
        return lambda _c: None
    left, op_of, right = args
    constant_right = parse_semver(raw[2]) if _literal(raw[2]) and raw[2] is not None else None

    def compare(c: Context) -> bool | None:
        a = parse_semver(left(c))
        b = constant_right if constant_right is not None else parse_semver(right(c))
        if a is None or b is None:
            return None
        op = op_of(c)
        if op == "=":
            return a == b
        if op == "!=":
            return a != b
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        if op == ">=":
            return a >= b
        if op == "^":
            return a[0] == b[0]
        if op == "~":
            return a[:2] == b[:2]
        return None

    return compare


def flagd_operators(
    algorithm: str = "flagd", *, strict_targeting_key: bool = False
) -> dict[str, OpFactory]:
    """flagd's custom operators for one bucketing algorithm."""
    return {
        "fractional": fractional_factory(algorithm, strict_targeting_key=strict_targeting_key),
        "sem_ver": _semver_factory,
        "starts_with": _string_comparison(str.startswith),
        "ends_with": _string_comparison(str.endswith),
    }
