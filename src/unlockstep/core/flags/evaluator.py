"""Evaluate flags: context in, value + variant + reason (+ error code) out, flagd's way.

``FlagEngine(flag_set)`` compiles every flag's targeting once. ``evaluate`` then costs a dict
lookup, the compiled rule, and a precomputed answer per variant. Outcomes follow flagd
(``openfeature-flagd-core``), case by case:

================================  ===============================  ==========================
case                              value / variant                  reason (error code)
================================  ===============================  ==========================
unknown key                       caller's default                 ERROR (FLAG_NOT_FOUND)
state DISABLED                    caller's default, no variant     DISABLED
no targeting (or ``{}``)          defaultVariant                   STATIC
no targeting, no defaultVariant   caller's default, no variant     DEFAULT
targeting returns a variant name  that variant (true → "true")     TARGETING_MATCH
...and the rule is fractional     that variant                     SPLIT
targeting returns null            defaultVariant (or caller's)     DEFAULT
targeting returns a non-variant   caller's default                 ERROR (GENERAL)
targeting raised                  caller's default                 ERROR (GENERAL)
targeting did not compile         caller's default                 ERROR (PARSE_ERROR)
the flag itself did not parse     caller's default                 ERROR (PARSE_ERROR)
variant of the wrong type         caller's default                 ERROR (TYPE_MISMATCH)
context not an object / bad key   caller's default                 ERROR (INVALID_CONTEXT)
fractional, no targeting key      (strict engines only)            ERROR (TARGETING_KEY_MISSING)
a prerequisite is off             caller's default, no variant     DISABLED
================================  ===============================  ==========================

SPLIT is our one refinement: flagd reports TARGETING_MATCH for a fractional rule too; the
variant is always the same. A prerequisite is *on* when it is ENABLED and its value is truthy;
prerequisites are one level deep (a prerequisite's own prerequisites are not consulted), which
is what makes a kill-switch parent turn every child off.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from unlockstep.core.flags.definition import FlagDefinition, FlagSet
from unlockstep.core.flags.jsonlogic import Compiled, RuleError, compile_rule, truthy
from unlockstep.core.flags.operators import TargetingKeyMissing, flagd_operators


class Reason(StrEnum):
    STATIC = "STATIC"
    TARGETING_MATCH = "TARGETING_MATCH"
    SPLIT = "SPLIT"
    DISABLED = "DISABLED"
    DEFAULT = "DEFAULT"
    ERROR = "ERROR"
    STALE = "STALE"


class ErrorCode(StrEnum):
    FLAG_NOT_FOUND = "FLAG_NOT_FOUND"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    PARSE_ERROR = "PARSE_ERROR"
    TARGETING_KEY_MISSING = "TARGETING_KEY_MISSING"
    INVALID_CONTEXT = "INVALID_CONTEXT"
    GENERAL = "GENERAL"


KINDS = ("boolean", "string", "integer", "float", "object")


@dataclass(frozen=True, slots=True)
class Resolution:
    value: Any
    variant: str | None
    reason: Reason
    error_code: ErrorCode | None = None
    error_message: str | None = None
    metadata: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"value": self.value, "variant": self.variant, "reason": self.reason}
        if self.error_code is not None:
            body["errorCode"] = self.error_code
            body["errorMessage"] = self.error_message
        if self.metadata:
            body["metadata"] = dict(self.metadata)
        return body


def kinds_of(value: Any) -> frozenset[str]:
    """The OpenFeature types a variant value can be served as."""
    if isinstance(value, bool):
        return frozenset({"boolean"})
    if isinstance(value, int):
        return frozenset({"integer", "float"})
    if isinstance(value, float):
        return frozenset({"float"})
    if isinstance(value, str):
        return frozenset({"string"})
    if isinstance(value, dict | list):
        return frozenset({"object"})
    return frozenset()


_KIND_OF_TYPE: dict[type, str] = {
    bool: "boolean", int: "integer", float: "float", str: "string", dict: "object", list: "object"
}  # fmt: skip


def kind_of_default(default: Any) -> str | None:
    """The type a caller asks for, read from its default value."""
    kind = _KIND_OF_TYPE.get(type(default))
    if kind is not None:
        return kind
    if isinstance(default, bool):
        return "boolean"
    if isinstance(default, int):
        return "integer"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str):
        return "string"
    if isinstance(default, dict | list):
        return "object"
    return None


_EMPTY: Mapping[str, Any] = {}
# What a compiled flag returns: a served variant as its answer per requested kind (``None``:
# no expectation; an integer variant asked for as a float has its own float answer), or the
# reason, error code and message of a miss (the caller's default is served).
_Served = dict[str | None, Resolution]
_Miss = tuple[Reason, ErrorCode | None, str | None]
_Answer = _Served | _Miss


class _Compiled:
    """One flag, ready to answer: its rule as a closure and one answer per variant.

    ``served`` lists every answer built here once and returned as the same object on every
    evaluation (adapters may key their own per-answer objects on it); ``reads_context`` is
    false for a flag whose answer cannot depend on the context (static, disabled, broken).
    """

    __slots__ = (
        "answer", "constant", "definition", "metadata", "prerequisites", "reads_context", "served"
    )  # fmt: skip

    def __init__(
        self,
        definition: FlagDefinition,
        metadata: Mapping[str, Any],
        ops: Mapping[str, Any],
    ) -> None:
        self.definition = definition
        self.metadata = metadata
        self.prerequisites = definition.lifecycle.prerequisites
        self.served: list[Resolution] = []
        self.reads_context = False
        self.answer: Callable[[Mapping[str, Any]], _Answer] = self._build(ops)
        # An answer that cannot depend on the context, taken once (None: call ``answer``).
        self.constant: _Answer | None = None if self.reads_context else self.answer(_EMPTY)
        self.reads_context = self.reads_context or bool(self.prerequisites)

    def _served(self, variant: str, reason: Reason) -> _Served:
        value = self.definition.variants[variant]
        resolution = Resolution(value, variant, reason, None, None, self.metadata)
        self.served.append(resolution)
        by_kind: _Served = {None: resolution}
        for kind in kinds_of(value):
            if kind == "float" and type(value) is int:
                as_float = Resolution(float(value), variant, reason, None, None, self.metadata)
                self.served.append(as_float)
                by_kind[kind] = as_float
            else:
                by_kind[kind] = resolution
        return by_kind

    def _build(self, ops: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], _Answer]:
        flag = self.definition
        if flag.state == "DISABLED":
            disabled: _Miss = (Reason.DISABLED, None, None)
            return lambda _c: disabled
        default = flag.default_variant
        if default is not None and default not in flag.variants:
            broken: _Miss = (
                Reason.ERROR, ErrorCode.GENERAL,
                f"defaultVariant {default!r} is not one of the variants",
            )  # fmt: skip
            return lambda _c: broken
        fallback: _Answer = (
            (Reason.DEFAULT, None, None) if default is None
            else self._served(default, Reason.DEFAULT)
        )  # fmt: skip
        if not flag.targeting:
            static = fallback if default is None else self._served(default, Reason.STATIC)
            return lambda _c: static
        try:
            rule: Compiled = compile_rule(flag.targeting, flag.key, ops)
        except RuleError as error:
            parse: _Miss = (
                Reason.ERROR, ErrorCode.PARSE_ERROR, f"targeting{error.pointer}: {error}"
            )  # fmt: skip
            return lambda _c: parse
        self.reads_context = True
        match_reason = Reason.SPLIT if "fractional" in flag.targeting else Reason.TARGETING_MATCH
        served = {name: self._served(name, match_reason) for name in flag.variants}

        def answer(context: Mapping[str, Any]) -> _Answer:
            try:
                result = rule(context)
            except TargetingKeyMissing:
                return (
                    Reason.ERROR, ErrorCode.TARGETING_KEY_MISSING,
                    "this flag buckets by targetingKey; the context has none",
                )  # fmt: skip
            except Exception as error:  # a rule must never take the host down
                return Reason.ERROR, ErrorCode.GENERAL, f"targeting: {error!r}"
            if type(result) is not str:
                if result is None:
                    return fallback
                if result is True or result is False:
                    result = "true" if result else "false"
                elif not isinstance(result, str):
                    result = str(result)
            hit = served.get(result)
            if hit is None:
                return (
                    Reason.ERROR, ErrorCode.GENERAL,
                    f"targeting returned {result!r}, which is not a variant",
                )  # fmt: skip
            return hit

        return answer


class FlagEngine:
    """Evaluates one flag set. Immutable after construction; share it across threads."""

    def __init__(self, flag_set: FlagSet, *, strict_targeting_key: bool = False) -> None:
        self.flag_set = flag_set
        ops = flagd_operators(flag_set.bucketing, strict_targeting_key=strict_targeting_key)
        set_metadata = dict(flag_set.metadata)
        self._flags: dict[str, _Compiled] = {}
        for key, definition in flag_set.flags.items():
            metadata = {**set_metadata, **definition.metadata}
            self._flags[key] = _Compiled(definition, metadata, ops)
        # Flags flagd would load but not evaluate (``FlagSet.invalid``): one answer each.
        self._invalid = {
            key: (
                Reason.ERROR, ErrorCode.PARSE_ERROR,
                f"{bad.problem.where}: {bad.problem.message}",
            )
            for key, bad in flag_set.invalid.items()
        }  # fmt: skip

    def keys(self) -> list[str]:
        """Every flag of the set, those served as PARSE_ERROR included."""
        return [*self._flags, *self._invalid]

    def served(self) -> list[tuple[str, Resolution]]:
        """``(flag key, answer)`` for every answer ``evaluate`` returns as a shared,
        precomputed object (each variant with each reason it can be served with); any
        other result is built per call."""
        return [(key, answer) for key, flag in self._flags.items() for answer in flag.served]

    def evaluate(
        self,
        key: str,
        default: Any,
        context: Mapping[str, Any] | None = None,
        kind: str | None = None,
        targeting_key: str | None = None,
    ) -> Resolution:
        """Resolve ``key`` for ``context``; ``kind`` defaults to the type of ``default``.

        ``targeting_key`` is OpenFeature's shape, the key beside the attributes: when given
        it stands for ``context["targetingKey"]``, and the merged mapping is only built for a
        flag whose answer reads the context.
        """
        flag = self._flags.get(key)
        if flag is None:
            invalid = self._invalid.get(key)
            if invalid is not None:
                return Resolution(default, None, *invalid)
            return Resolution(
                default, None, Reason.ERROR, ErrorCode.FLAG_NOT_FOUND,
                f"flag {key!r} is not in this flag set",
            )  # fmt: skip
        if context is None:
            context = _EMPTY
        elif type(context) is not dict and not isinstance(context, Mapping):
            return _invalid_context(default, flag)
        if targeting_key is None:
            if type(context.get("targetingKey") or "") is not str:
                return _invalid_context(default, flag)
        elif type(targeting_key) is not str:
            return _invalid_context(default, flag)
        elif flag.reads_context:
            context = {**context, "targetingKey": targeting_key}
        if flag.prerequisites and not self._prerequisites_on(flag, context):
            return Resolution(default, None, Reason.DISABLED, None, None, flag.metadata)
        hit = flag.constant
        if hit is None:
            hit = flag.answer(context)
        if isinstance(hit, tuple):
            reason, error_code, message = hit
            return Resolution(default, None, reason, error_code, message, flag.metadata)
        if kind is None:
            kind = kind_of_default(default)
        resolution = hit.get(kind)
        if resolution is None:
            natural = hit[None]
            return Resolution(
                default, None, Reason.ERROR, ErrorCode.TYPE_MISMATCH,
                f"variant {natural.variant!r} is {type(natural.value).__name__}, not {kind}",
                flag.metadata,
            )  # fmt: skip
        return resolution

    def _prerequisites_on(self, flag: _Compiled, context: Mapping[str, Any]) -> bool:
        for parent_key in flag.prerequisites:
            parent = self._flags.get(parent_key)
            if parent is None:
                return False
            hit = parent.answer(context)
            if isinstance(hit, tuple) or not truthy(hit[None].value):
                return False
        return True

    def evaluate_all(self, context: Mapping[str, Any] | None = None) -> dict[str, Resolution]:
        """Every flag with no type expectation (what OFREP's bulk evaluation returns)."""
        return {key: self.evaluate(key, None, context) for key in self.keys()}


def _invalid_context(default: Any, flag: _Compiled) -> Resolution:
    return Resolution(
        default, None, Reason.ERROR, ErrorCode.INVALID_CONTEXT,
        "the context must be an object whose targetingKey is a string",
        flag.metadata,
    )  # fmt: skip
