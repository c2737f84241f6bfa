"""Telling cheaply that two schemas are certainly the same, so big descriptions whose most
operations did not change cost little to compare.

Two schema values are the same when they are equal as written and every local ``$ref`` they
reach, transitively, points at equal values in both documents. Equality of plain data is
C-speed in Python; the per-reference answers are memoised for the whole comparison.
"""

from __future__ import annotations

from typing import Any

from unlockstep.core.documents import MISSING, value_at


def _lookup(root: Any, ref: str) -> Any:
    return value_at(root, ref, MISSING)


def refs_in(value: Any) -> set[str]:
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.add(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


class Unchanged:
    def __init__(self, old_root: Any, new_root: Any) -> None:
        self.old_root, self.new_root = old_root, new_root
        self._local: dict[str, bool] = {}  # ref -> its targets are equal
        self._direct: dict[str, set[str]] = {}  # ref -> refs inside its target
        self._closure: dict[str, bool] = {}  # ref -> every ref it reaches is equal

    def same(self, old: Any, new: Any) -> bool:
        if old is not new and old != new:
            return False
        return all(self._closure_equal(ref) for ref in refs_in(old))

    def _target_equal(self, ref: str) -> bool:
        if ref not in self._local:
            if not ref.startswith("#"):
                self._local[ref] = False
            else:
                old, new = _lookup(self.old_root, ref), _lookup(self.new_root, ref)
                self._local[ref] = old is not MISSING and old == new
                self._direct[ref] = refs_in(old) if self._local[ref] else set()
        return self._local[ref]

    def _closure_equal(self, start: str) -> bool:
        if start in self._closure:
            return self._closure[start]
        seen = {start}
        stack = [start]
        result = True
        while stack:
            ref = stack.pop()
            known = self._closure.get(ref)
            if known is True:
                continue
            if known is False or not self._target_equal(ref):
                result = False
                break
            for nxt in self._direct[ref]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        self._closure[start] = result
        return result
