"""Compile JsonLogic into Python closures once; evaluating a rule is then plain calls.

``compile_rule(rule, flag_key, ops)`` walks the rule a single time and returns a function
``(context) -> value``. Nothing is interpreted per call: operator dispatch, constant lists
(turned into sets for ``in``), ``var`` paths (split once) and ``$flagd.flagKey`` (a constant)
are all resolved at compile time. Semantics follow jsonlogic.com and the reference Python
implementation flagd's provider uses: JavaScript truthiness (``[]`` and ``""`` are false),
loose ``==``, ``and``/``or`` returning the deciding operand, ``var`` with dotted paths and
defaults. An unknown operator is a ``RuleError`` at compile time, never at evaluation.

flagd's custom operators (``fractional``, ``sem_ver``, ``starts_with``, ``ends_with``) live in
``operators.py`` and plug in through ``ops``: each receives its compiled arguments and returns
a compiled closure, so it can precompute what is constant.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Context = Mapping[str, Any]
Compiled = Callable[[Context], Any]
OpFactory = Callable[[list[Compiled], list[Any], "Compiler"], Compiled]


class RuleError(ValueError):
    """A rule that cannot be compiled; ``pointer`` is a JSON pointer into the rule."""

    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(message)
        self.pointer = pointer


def truthy(value: Any) -> bool:
    """JsonLogic truthiness: JavaScript's, plus an empty list is false."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, float):
        return not math.isnan(value) and value != 0.0
    if isinstance(value, int | str | list):
        return bool(value)
    return True


def to_number(value: Any) -> float | int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if value is None:
        return 0
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return 0
        try:
            return int(stripped)
        except ValueError:
            try:
                return float(stripped)
            except ValueError:
                return math.nan
    if isinstance(value, list):
        if not value:
            return 0
        if len(value) == 1:
            return to_number(value[0])
    return math.nan


def to_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join("" if item is None else to_text(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def loose_equals(a: Any, b: Any) -> bool:
    """JavaScript ``==`` restricted to JSON values."""
    if type(a) is type(b):
        return a is b if isinstance(a, list | dict) else bool(a == b)
    if a is None or b is None:
        return False
    numeric = (int, float)
    if isinstance(a, numeric) and isinstance(b, numeric):
        return bool(a == b)
    if isinstance(a, list | dict):
        a = to_text(a)
    if isinstance(b, list | dict):
        b = to_text(b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return to_number(a) == to_number(b)


def _less(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a < b
    x, y = to_number(a), to_number(b)
    return bool(x < y)


def _less_equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a <= b
    x, y = to_number(a), to_number(b)
    return bool(x <= y)


def _lookup(data: Any, parts: Sequence[str]) -> Any:
    for part in parts:
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list):
            try:
                index = int(part)
            except ValueError:
                return None
            if not 0 <= index < len(data):
                return None
            data = data[index]
        else:
            return None
        if data is None:
            return None
    return data


class Compiler:
    """Compiles one flag's rules; knows the flag key for ``$flagd.flagKey``."""

    def __init__(
        self, flag_key: str, ops: Mapping[str, OpFactory], *, scoped: bool = False
    ) -> None:
        self.flag_key = flag_key
        self.ops = ops
        self.scoped = scoped

    def scope(self) -> Compiler:
        """A compiler for the body of ``map``/``filter``/…: ``var`` reads the current item."""
        return Compiler(self.flag_key, self.ops, scoped=True)

    def whole(self, context: Context) -> dict[str, Any]:
        """The data object JsonLogic sees: the context plus the ``$flagd`` properties."""
        data = dict(context)
        data["$flagd"] = {"flagKey": self.flag_key, "timestamp": int(time.time())}
        return data

    def compile(self, node: Any, pointer: str = "") -> Compiled:
        if isinstance(node, list):
            items = [self.compile(item, f"{pointer}/{i}") for i, item in enumerate(node)]
            if all(_is_literal(item) for item in node):
                frozen = list(node)
                return lambda _c: frozen
            return lambda c: [item(c) for item in items]
        if not isinstance(node, dict):
            return lambda _c: node
        if len(node) != 1:
            raise RuleError(
                f"a rule object must have exactly one operator, found {sorted(node)}", pointer
            )
        ((op, raw_args),) = node.items()
        raw = raw_args if isinstance(raw_args, list) else [raw_args]
        here = f"{pointer}/{_escape(op)}"
        if op == "var":
            return self._var(raw, here)
        builtin = _BUILTINS.get(op)
        factory = builtin if builtin is not None else self.ops.get(op)
        if factory is None:
            raise RuleError(f"unknown operator {op!r}", here)
        args = [self.compile(arg, f"{here}/{i}") for i, arg in enumerate(raw)]
        return factory(args, raw, self)

    def _var(self, raw: list[Any], pointer: str) -> Compiled:
        path = raw[0] if raw else None
        default = raw[1] if len(raw) > 1 else None
        default_rule = None if _is_literal(default) else self.compile(default, f"{pointer}/1")
        if isinstance(path, dict):
            dynamic = self.compile(path, f"{pointer}/0")
            return lambda c: _or_default(
                _lookup(self.whole(c), to_text(dynamic(c)).split(".")), default, default_rule, c
            )
        if self.scoped:
            if path is None or path == "" or path == []:
                return lambda c: c
            scoped_parts = to_text(path).split(".")
            return lambda c: _or_default(_lookup(c, scoped_parts), default, default_rule, c)
        if path is None or path == "" or path == []:
            return self.whole
        key = to_text(path)
        if key == "$flagd.flagKey":
            flag_key = self.flag_key
            return lambda _c: flag_key
        if key == "$flagd.timestamp":
            return lambda _c: int(time.time())
        if key == "$flagd":
            return lambda c: self.whole(c)["$flagd"]
        parts = key.split(".")
        if default_rule is not None:
            return lambda c: _or_default(_lookup(c, parts), default, default_rule, c)
        if len(parts) == 1:
            name = parts[0]
            if default is None:
                return lambda c: c.get(name)

            def single(c: Context) -> Any:
                value = c.get(name)
                return default if value is None else value

            return single
        if default is None:
            return lambda c: _lookup(c, parts)
        return lambda c: _or_default(_lookup(c, parts), default, None, c)


def _or_default(value: Any, default: Any, default_rule: Compiled | None, c: Context) -> Any:
    if value is not None:
        return value
    return default_rule(c) if default_rule is not None else default


def _is_literal(node: Any) -> bool:
    if isinstance(node, dict):
        return False
    if isinstance(node, list):
        return all(_is_literal(item) for item in node)
    return True


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def compile_rule(rule: Any, flag_key: str, ops: Mapping[str, OpFactory]) -> Compiled:
    """Compile ``rule`` once; the result maps an evaluation context to the rule's value."""
    return Compiler(flag_key, ops).compile(rule)


# --- built-in operators ---------------------------------------------------------------


def _arg(args: list[Compiled], index: int) -> Compiled:
    return args[index] if index < len(args) else (lambda _c: None)


def _op_if(args: list[Compiled], raw: list[Any], _k: Compiler) -> Compiled:
    if not args:
        return lambda _c: None
    pairs = [(args[i], args[i + 1]) for i in range(0, len(args) - 1, 2)]
    otherwise = args[-1] if len(args) % 2 else (lambda _c: None)
    if len(pairs) == 1:
        test, then = pairs[0]
        if len(raw) <= 3 and all(_is_literal(arg) for arg in raw[1:]):
            # The usual targeting shape, ``if <test> <variant> <variant or nothing>``: both
            # outcomes are constants, and a boolean test needs no truthiness call.
            yes, no = then({}), otherwise({})

            def choose(c: Context) -> Any:
                value = test(c)
                if value is True:
                    return yes
                if value is False or value is None:
                    return no
                return yes if truthy(value) else no

            return choose
        return lambda c: then(c) if truthy(test(c)) else otherwise(c)

    def chain(c: Context) -> Any:
        for test, then in pairs:
            if truthy(test(c)):
                return then(c)
        return otherwise(c)

    return chain


def _op_and(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
    def conj(c: Context) -> Any:
        value: Any = None
        for arg in args:
            value = arg(c)
            if not truthy(value):
                return value
        return value

    return conj


def _op_or(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
    def disj(c: Context) -> Any:
        value: Any = None
        for arg in args:
            value = arg(c)
            if truthy(value):
                return value
        return value

    return disj


def _binary(fn: Callable[[Any, Any], Any]) -> OpFactory:
    def factory(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
        a, b = _arg(args, 0), _arg(args, 1)
        return lambda c: fn(a(c), b(c))

    return factory


def _comparison(fn: Callable[[Any, Any], bool]) -> OpFactory:
    def factory(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
        a, b = _arg(args, 0), _arg(args, 1)
        if len(args) >= 3:
            upper = args[2]

            def between(c: Context) -> bool:
                middle = b(c)
                return fn(a(c), middle) and fn(middle, upper(c))

            return between
        return lambda c: fn(a(c), b(c))

    return factory


def _plain_var(node: Any, compiler: Compiler) -> str | None:
    """The context key a plain ``{"var": "name"}`` reads (top level, no dots, no default, not
    ``$flagd``), so an operator can read it inline; None for any other node."""
    if compiler.scoped or not isinstance(node, dict) or len(node) != 1 or "var" not in node:
        return None
    path = node["var"]
    if isinstance(path, list):
        path = path[0] if len(path) == 1 else None
    if not isinstance(path, str) or not path or "." in path or path.startswith("$flagd"):
        return None
    return path


def _op_in(args: list[Compiled], raw: list[Any], compiler: Compiler) -> Compiled:
    needle = _arg(args, 0)
    haystack_raw = raw[1] if len(raw) > 1 else None
    if isinstance(haystack_raw, list) and all(
        isinstance(item, str | int | float | bool) or item is None for item in haystack_raw
    ):
        members = frozenset(haystack_raw)
        name = _plain_var(raw[0], compiler)
        if name is not None:  # the usual "tenant in a list": one frame

            def var_in_set(c: Context) -> bool:
                try:
                    return c.get(name) in members
                except TypeError:
                    return False

            return var_in_set

        def in_set(c: Context) -> bool:
            value = needle(c)
            try:
                return value in members
            except TypeError:
                return False

        return in_set
    haystack = _arg(args, 1)

    def in_any(c: Context) -> bool:
        hay = haystack(c)
        if isinstance(hay, list):
            return needle(c) in hay
        if isinstance(hay, str):
            return to_text(needle(c)) in hay
        return False

    return in_any


def _op_not(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
    a = _arg(args, 0)
    return lambda c: not truthy(a(c))


def _op_notnot(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
    a = _arg(args, 0)
    return lambda c: truthy(a(c))


def _op_plus(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
    return lambda c: sum(to_number(arg(c)) for arg in args)


def _op_times(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
    def product(c: Context) -> float | int:
        result: float | int = 1
        for arg in args:
            result *= to_number(arg(c))
        return result

    return product


def _op_minus(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
    a = _arg(args, 0)
    if len(args) < 2:
        return lambda c: -to_number(a(c))
    b = args[1]
    return lambda c: to_number(a(c)) - to_number(b(c))


def _op_min(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
    return lambda c: min((to_number(arg(c)) for arg in args), default=None)


def _op_max(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
    return lambda c: max((to_number(arg(c)) for arg in args), default=None)


def _op_cat(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
    return lambda c: "".join(to_text(arg(c)) for arg in args)


def _op_substr(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
    text_of, start_of, length_of = _arg(args, 0), _arg(args, 1), _arg(args, 2)

    def substr(c: Context) -> str:
        text = to_text(text_of(c))
        start = int(to_number(start_of(c)))
        length = length_of(c)
        if start < 0:
            start = max(len(text) + start, 0)
        if length is None:
            return text[start:]
        count = int(to_number(length))
        end = len(text) + count if count < 0 else start + count
        return text[start:end]

    return substr


def _op_merge(args: list[Compiled], _raw: list[Any], _k: Compiler) -> Compiled:
    def merge(c: Context) -> list[Any]:
        merged: list[Any] = []
        for arg in args:
            value = arg(c)
            merged.extend(value if isinstance(value, list) else [value])
        return merged

    return merge


def _op_missing(args: list[Compiled], _raw: list[Any], k: Compiler) -> Compiled:
    def missing(c: Context) -> list[Any]:
        keys: list[Any] = []
        for arg in args:
            value = arg(c)
            keys.extend(value if isinstance(value, list) else [value])
        whole = k.whole(c)
        return [key for key in keys if _lookup(whole, to_text(key).split(".")) in (None, "")]

    return missing


def _op_missing_some(args: list[Compiled], _raw: list[Any], k: Compiler) -> Compiled:
    need_of, keys_of = _arg(args, 0), _arg(args, 1)

    def missing_some(c: Context) -> list[Any]:
        keys = keys_of(c) or []
        whole = k.whole(c)
        absent = [key for key in keys if _lookup(whole, to_text(key).split(".")) in (None, "")]
        return [] if len(keys) - len(absent) >= to_number(need_of(c)) else absent

    return missing_some


def _iterating(kind: str) -> OpFactory:
    def factory(args: list[Compiled], raw: list[Any], k: Compiler) -> Compiled:
        items_of = _arg(args, 0)
        body = k.scope().compile(raw[1]) if len(raw) > 1 else (lambda _c: None)

        def run(c: Context) -> Any:
            items = items_of(c)
            if not isinstance(items, list):
                items = []
            if kind == "map":
                return [body(item) for item in items]
            if kind == "filter":
                return [item for item in items if truthy(body(item))]
            if kind == "all":
                return bool(items) and all(truthy(body(item)) for item in items)
            if kind == "some":
                return any(truthy(body(item)) for item in items)
            return not any(truthy(body(item)) for item in items)

        return run

    return factory


def _op_reduce(args: list[Compiled], raw: list[Any], k: Compiler) -> Compiled:
    items_of = _arg(args, 0)
    body = k.scope().compile(raw[1]) if len(raw) > 1 else (lambda _c: None)
    initial = _arg(args, 2)

    def reduce(c: Context) -> Any:
        items = items_of(c)
        accumulator = initial(c)
        for item in items if isinstance(items, list) else []:
            accumulator = body({"current": item, "accumulator": accumulator})
        return accumulator

    return reduce


def _divide(a: Any, b: Any) -> float:
    divisor = to_number(b)
    return math.nan if divisor == 0 else to_number(a) / divisor


def _modulo(a: Any, b: Any) -> float | int:
    divisor = to_number(b)
    return math.nan if divisor == 0 else math.fmod(to_number(a), divisor)


_BUILTINS: dict[str, OpFactory] = {
    "if": _op_if,
    "?:": _op_if,
    "and": _op_and,
    "or": _op_or,
    "==": _binary(loose_equals),
    "!=": _binary(lambda a, b: not loose_equals(a, b)),
    "===": _binary(lambda a, b: type(a) is type(b) and a == b),
    "!==": _binary(lambda a, b: not (type(a) is type(b) and a == b)),
    "<": _comparison(_less),
    "<=": _comparison(_less_equal),
    ">": _binary(lambda a, b: _less(b, a)),
    ">=": _binary(lambda a, b: _less_equal(b, a)),
    "!": _op_not,
    "!!": _op_notnot,
    "in": _op_in,
    "+": _op_plus,
    "*": _op_times,
    "-": _op_minus,
    "/": _binary(_divide),
    "%": _binary(_modulo),
    "min": _op_min,
    "max": _op_max,
    "cat": _op_cat,
    "substr": _op_substr,
    "merge": _op_merge,
    "missing": _op_missing,
    "missing_some": _op_missing_some,
    "map": _iterating("map"),
    "filter": _iterating("filter"),
    "all": _iterating("all"),
    "some": _iterating("some"),
    "none": _iterating("none"),
    "reduce": _op_reduce,
}
"""Operators every JsonLogic engine has; flagd's custom ones come in through ``ops``."""
