"""Reconciliation: two sources compared by key, as one merge over two streams.

Both sides arrive ordered by key (the sources sort them: integers numerically, text by code
point, the same order on every database), so one pass with one row of each side in hand
finds every difference: a key only on the right is ``missing-left``, only on the left
``missing-right``, on both with different field values ``mismatch``. Memory stays flat
however long the tables are. A side whose keys do not strictly increase (a duplicate key, a
source that ignored the order) stops the run with :class:`KeyOrderError`: guessing would
report differences that are not there.

A key may be several columns (a composite key): keys are then tuples, compared column by
column in order (the sources sort by the same columns in the same order), and shown in the
queue as a JSON list (``["acme",42]``).

Values are compared after normalisation: every value is first made text (``None`` stays
absent, booleans are ``true``/``false``, dates ISO 8601), then each field's named
normalisers run on both sides, then its ``values`` map turns a left value into the right
system's spelling.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from unlockstep.core.safety._model import ReconciliationSpec

Kind = Literal["missing-left", "missing-right", "mismatch"]
Value = str | None


class KeyOrderError(ValueError):
    """A side's keys did not strictly increase (duplicate key, or not ordered by key)."""


@dataclass(frozen=True, slots=True)
class FieldDiff:
    field: str
    left: Value
    right: Value


@dataclass(frozen=True, slots=True)
class Discrepancy:
    kind: Kind
    key: str
    fields: tuple[FieldDiff, ...] = ()


@dataclass(slots=True)
class Tally:
    """Counts as the merge goes; ``matched`` keys are on both sides and agree."""

    left_rows: int = 0
    right_rows: int = 0
    matched: int = 0
    missing_left: int = 0
    missing_right: int = 0
    mismatched: int = 0

    @property
    def discrepancies(self) -> int:
        return self.missing_left + self.missing_right + self.mismatched


def plain(value: Any) -> Value:
    """The text every value is compared as before its field's normalisers run."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def _trim(v: str) -> Value:
    return v.strip()


def _decimal(v: str) -> Value:
    try:
        number = Decimal(v.strip())
    except InvalidOperation:
        return v
    if number.is_nan() or number.is_infinite():
        return str(number)
    if number == 0:
        return "0"
    text = format(number.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _date(v: str) -> Value:
    return v.strip()[:10]


def _timestamp(v: str) -> Value:
    text = v.strip().replace(" ", "T", 1)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return v
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat()


def _empty_is_null(v: str) -> Value:
    return v if v.strip() else None


#: Normalisers by the name a safety-nets file uses (``_file.NORMALISER_NAMES``).
NORMALISERS: dict[str, Callable[[str], Value]] = {
    "trim": _trim,
    "lower": str.lower,
    "upper": str.upper,
    "decimal": _decimal,
    "date": _date,
    "timestamp": _timestamp,
    "empty-is-null": _empty_is_null,
}


def _normaliser(steps: Sequence[str], values: dict[str, str]) -> Callable[[Any], Value]:
    funcs = [NORMALISERS[s] for s in steps]

    def run(raw: Any) -> Value:
        value = plain(raw)
        for func in funcs:
            if value is None:
                return None
            value = func(value)
        if value is not None and values:
            value = values.get(value, value)
        return value

    return run


@dataclass
class Comparison:
    """The merge of one reconciliation, given the columns each side's query returned.
    Raises ``KeyError`` naming a column a side lacks."""

    spec: ReconciliationSpec
    left_columns: Sequence[str]
    right_columns: Sequence[str]
    tally: Tally = field(default_factory=Tally)

    def __post_init__(self) -> None:
        def index(columns: Sequence[str], name: str, side: str) -> int:
            try:
                return list(columns).index(name)
            except ValueError:
                raise KeyError(
                    f"the {side} query returns no column {name!r} "
                    f"(it returns {', '.join(columns) or 'none'})"
                ) from None

        s = self.spec
        if len(s.left.keys) != len(s.right.keys):
            raise KeyError(
                f"the left key has {len(s.left.keys)} column(s) and the right key "
                f"{len(s.right.keys)}; both sides need the same number, in the same order"
            )
        self._lk = [index(self.left_columns, k, "left") for k in s.left.keys]
        self._rk = [index(self.right_columns, k, "right") for k in s.right.keys]
        self._lf = [index(self.left_columns, f.left, "left") for f in s.fields]
        self._rf = [index(self.right_columns, f.right, "right") for f in s.fields]
        self._norm_left = [_normaliser(f.normalise, dict(f.values)) for f in s.fields]
        self._norm_right = [_normaliser(f.normalise, {}) for f in s.fields]
        self._key = key_function(s.key_type == "integer")
        self._composite = len(self._lk) > 1

    def run(
        self, left: Iterable[Sequence[Any]], right: Iterable[Sequence[Any]]
    ) -> Iterator[Discrepancy]:
        """Every discrepancy, in key order; ``tally`` counts as it goes."""
        t = self.tally
        lefts, rights = self._keyed(left, "left"), self._keyed(right, "right")
        lkey: Any
        rkey: Any
        lkey, lrow = next(lefts, (None, None))
        rkey, rrow = next(rights, (None, None))
        while lrow is not None or rrow is not None:
            if rrow is None or (lrow is not None and lkey < rkey):
                t.missing_right += 1
                yield Discrepancy("missing-right", key_text(lkey))
                lkey, lrow = next(lefts, (None, None))
            elif lrow is None or rkey < lkey:
                t.missing_left += 1
                yield Discrepancy("missing-left", key_text(rkey))
                rkey, rrow = next(rights, (None, None))
            else:
                diffs = self._diff(lrow, rrow)
                if diffs:
                    t.mismatched += 1
                    yield Discrepancy("mismatch", key_text(lkey), diffs)
                else:
                    t.matched += 1
                lkey, lrow = next(lefts, (None, None))
                rkey, rrow = next(rights, (None, None))

    def _keyed(self, rows: Iterable[Sequence[Any]], side: str) -> Iterator[tuple[Any, Any]]:
        indexes = self._lk if side == "left" else self._rk
        t = self.tally
        previous: Any = None
        for row in rows:
            key: Any
            if self._composite:
                key = tuple(self._key(row[i]) for i in indexes)
                missing = None in key
            else:
                key = self._key(row[indexes[0]])
                missing = key is None
            if missing:
                raise KeyOrderError(f"the {side} side has a row without a key (NULL)")
            if previous is not None and not previous < key:
                what = "twice" if previous == key else "out of key order"
                raise KeyOrderError(
                    f"the {side} side returned key {key!r} {what} (after {previous!r}); "
                    "keys must be unique and the source must sort by them"
                )
            previous = key
            if side == "left":
                t.left_rows += 1
            else:
                t.right_rows += 1
            yield key, row

    def _diff(self, left: Sequence[Any], right: Sequence[Any]) -> tuple[FieldDiff, ...]:
        diffs: list[FieldDiff] = []
        for i, f in enumerate(self.spec.fields):
            a, b = left[self._lf[i]], right[self._rf[i]]
            if a == b and type(a) is type(b) and not f.values:
                continue  # equal raw values stay equal after the same normalisers
            na, nb = self._norm_left[i](a), self._norm_right[i](b)
            if na != nb:
                diffs.append(FieldDiff(f.name, na, nb))
        return tuple(diffs)


def key_function(integer: bool) -> Callable[[Any], Any]:
    """How one key column's values are compared: as integers, or as text by code point (the
    order every source sorts by)."""
    return _int_key if integer else _text_key


def key_text(key: Any) -> str:
    """A key as the queue shows it: the value, or a composite key as a JSON list."""
    if isinstance(key, tuple):
        return json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))
    return str(key)


def _int_key(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise KeyOrderError(f"key {value!r} is not an integer (keyType: integer)") from None


def _text_key(value: Any) -> str | None:
    return plain(value)
