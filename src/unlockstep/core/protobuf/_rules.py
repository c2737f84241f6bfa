"""buf's breaking-change rules for Protobuf: ids, categories, and what counts as "the same".

The rule → category table is buf's (v2), so buf users recognise every id; :class:`Category`
picks which of them are ``breaking``. The helpers below say when two fields, enums or files
are the same in the sense a rule cares about (wire groups, cardinality groups, defaults
compared by value, features with their per-syntax defaults).
"""

from __future__ import annotations

from enum import StrEnum

from unlockstep.core.compat import Breaks, Rule, declare
from unlockstep.core.protobuf._schema import ProtoEnum, ProtoField, ProtoFile


class Category(StrEnum):
    FILE = "FILE"
    PACKAGE = "PACKAGE"
    WIRE_JSON = "WIRE_JSON"
    WIRE = "WIRE"


_F, _P, _J, _W = "FILE", "PACKAGE", "WIRE_JSON", "WIRE"
_ALL = (_F, _P, _J, _W)
_SOURCE = (_F, _P)

#: rule id -> (categories it belongs to, who it breaks, what to do instead)
RULES: dict[str, tuple[tuple[str, ...], Breaks, str]] = {
    "FILE_NO_DELETE": ((_F,), Breaks.READERS, "Keep the file; deprecate its contents first."),
    "FILE_SAME_PACKAGE": (
        _ALL,
        Breaks.BOTH,
        "Add the types to the new package instead of "
        "moving them; full names are part of the wire contract (Any, gRPC).",
    ),
    "FILE_SAME_SYNTAX": (_SOURCE, Breaks.BOTH, "Keep the syntax/edition of existing files."),
    "PACKAGE_NO_DELETE": ((_P,), Breaks.READERS, "Deprecate the package before deleting it."),
    "PACKAGE_MESSAGE_NO_DELETE": ((_P,), Breaks.READERS, "Deprecate the message and keep it."),
    "PACKAGE_ENUM_NO_DELETE": ((_P,), Breaks.READERS, "Deprecate the enum and keep it."),
    "PACKAGE_SERVICE_NO_DELETE": ((_P,), Breaks.READERS, "Deprecate the service and keep it."),
    "PACKAGE_EXTENSION_NO_DELETE": ((_P,), Breaks.READERS, "Keep the extension."),
    "MESSAGE_NO_DELETE": ((_F,), Breaks.READERS, "Deprecate the message and keep it."),
    "ENUM_NO_DELETE": ((_F,), Breaks.READERS, "Deprecate the enum and keep it."),
    "SERVICE_NO_DELETE": ((_F,), Breaks.READERS, "Deprecate the service and keep it."),
    "EXTENSION_NO_DELETE": ((_F,), Breaks.READERS, "Keep the extension."),
    "RPC_NO_DELETE": (
        _SOURCE,
        Breaks.WRITERS,
        "Deprecate the RPC, wait until no client calls it (usage at zero), then delete it.",
    ),
    "FIELD_NO_DELETE": (
        _SOURCE,
        Breaks.READERS,
        "Deprecate the field; when you delete it, reserve its number and name.",
    ),
    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED": (
        (_J, _W),
        Breaks.BOTH,
        "Reserve the deleted field's number so it is never reused with another meaning.",
    ),
    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED": (
        (_J,),
        Breaks.BOTH,
        "Reserve the deleted field's name so JSON payloads never reuse it.",
    ),
    "FIELD_SAME_NAME": (
        (_F, _P, _J),
        Breaks.BOTH,
        "Keep the name (JSON and text formats use "
        "it); add a new field and deprecate the old one instead.",
    ),
    "FIELD_SAME_JSON_NAME": ((_F, _P, _J), Breaks.BOTH, "Keep the JSON name."),
    "FIELD_SAME_TYPE": (
        _SOURCE,
        Breaks.BOTH,
        "Add a field with a new number and the new type; deprecate the old field.",
    ),
    "FIELD_WIRE_COMPATIBLE_TYPE": (
        (_W,),
        Breaks.BOTH,
        "Add a field with a new number and the new type; deprecate the old field.",
    ),
    "FIELD_WIRE_JSON_COMPATIBLE_TYPE": (
        (_J,),
        Breaks.BOTH,
        "Add a field with a new number and the new type; deprecate the old field.",
    ),
    "FIELD_SAME_CARDINALITY": (
        _SOURCE,
        Breaks.BOTH,
        "Add a new field instead of changing the label of an existing one.",
    ),
    "FIELD_WIRE_COMPATIBLE_CARDINALITY": (
        (_W,),
        Breaks.BOTH,
        "Add a new field instead of changing the label of an existing one.",
    ),
    "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY": (
        (_J,),
        Breaks.BOTH,
        "Add a new field instead of changing the label of an existing one.",
    ),
    "FIELD_SAME_ONEOF": (
        _ALL,
        Breaks.BOTH,
        "Add a new field inside (or outside) the oneof rather than moving an existing one.",
    ),
    "FIELD_SAME_DEFAULT": (
        _ALL,
        Breaks.BOTH,
        "Keep the default; readers fill it in for absent fields, so changing it changes meaning.",
    ),
    "FIELD_SAME_JSTYPE": (_SOURCE, Breaks.READERS, "Keep the jstype option."),
    "FIELD_SAME_CPP_STRING_TYPE": (_SOURCE, Breaks.READERS, "Keep the C++ string type."),
    "FIELD_SAME_UTF8_VALIDATION": (_SOURCE, Breaks.BOTH, "Keep the utf8_validation feature."),
    "FIELD_SAME_JAVA_UTF8_VALIDATION": (_SOURCE, Breaks.BOTH, "Keep Java UTF-8 validation."),
    "ONEOF_NO_DELETE": (_SOURCE, Breaks.READERS, "Keep the oneof."),
    "RESERVED_MESSAGE_NO_DELETE": (
        _ALL,
        Breaks.BOTH,
        "Keep reserved numbers and names reserved forever.",
    ),
    "RESERVED_ENUM_NO_DELETE": (
        _ALL,
        Breaks.BOTH,
        "Keep reserved numbers and names reserved forever.",
    ),
    "EXTENSION_MESSAGE_NO_DELETE": (_SOURCE, Breaks.BOTH, "Keep extension ranges."),
    "MESSAGE_SAME_REQUIRED_FIELDS": (
        _ALL,
        Breaks.BOTH,
        "Never add or remove required fields; add optional fields instead.",
    ),
    "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR": (
        _SOURCE,
        Breaks.READERS,
        "Keep the standard descriptor accessor.",
    ),
    "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT": (
        _ALL,
        Breaks.BOTH,
        "Keep message_set_wire_format as it is.",
    ),
    "MESSAGE_SAME_JSON_FORMAT": ((_F, _P, _J), Breaks.BOTH, "Keep the json_format feature."),
    "ENUM_VALUE_NO_DELETE": (
        _SOURCE,
        Breaks.READERS,
        "Deprecate the value; when you delete it reserve its number and name.",
    ),
    "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED": (
        (_J, _W),
        Breaks.BOTH,
        "Reserve the deleted value's number.",
    ),
    "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED": (
        (_J,),
        Breaks.BOTH,
        "Reserve the deleted value's name.",
    ),
    "ENUM_VALUE_SAME_NAME": (
        (_F, _P, _J),
        Breaks.BOTH,
        "Keep the name (JSON uses it); add an alias (allow_alias) instead of renaming.",
    ),
    "ENUM_SAME_TYPE": (_SOURCE, Breaks.BOTH, "Keep the enum open or closed as it was."),
    "ENUM_SAME_JSON_FORMAT": ((_F, _P, _J), Breaks.BOTH, "Keep the json_format feature."),
    "RPC_SAME_REQUEST_TYPE": (_ALL, Breaks.WRITERS, "Add a new RPC with the new request type."),
    "RPC_SAME_RESPONSE_TYPE": (_ALL, Breaks.READERS, "Add a new RPC with the new response type."),
    "RPC_SAME_CLIENT_STREAMING": (_ALL, Breaks.BOTH, "Add a new RPC instead."),
    "RPC_SAME_SERVER_STREAMING": (_ALL, Breaks.BOTH, "Add a new RPC instead."),
    "RPC_SAME_IDEMPOTENCY_LEVEL": (_ALL, Breaks.BOTH, "Keep the idempotency level."),
}

#: file option -> (buf rule id, value when unset)
FILE_OPTIONS: dict[str, tuple[str, str]] = {
    "cc_enable_arenas": ("FILE_SAME_CC_ENABLE_ARENAS", "true"),
    "cc_generic_services": ("FILE_SAME_CC_GENERIC_SERVICES", "false"),
    "csharp_namespace": ("FILE_SAME_CSHARP_NAMESPACE", ""),
    "go_package": ("FILE_SAME_GO_PACKAGE", ""),
    "java_generic_services": ("FILE_SAME_JAVA_GENERIC_SERVICES", "false"),
    "java_multiple_files": ("FILE_SAME_JAVA_MULTIPLE_FILES", "false"),
    "java_outer_classname": ("FILE_SAME_JAVA_OUTER_CLASSNAME", ""),
    "java_package": ("FILE_SAME_JAVA_PACKAGE", ""),
    "objc_class_prefix": ("FILE_SAME_OBJC_CLASS_PREFIX", ""),
    "optimize_for": ("FILE_SAME_OPTIMIZE_FOR", "SPEED"),
    "php_class_prefix": ("FILE_SAME_PHP_CLASS_PREFIX", ""),
    "php_metadata_namespace": ("FILE_SAME_PHP_METADATA_NAMESPACE", ""),
    "php_namespace": ("FILE_SAME_PHP_NAMESPACE", ""),
    "py_generic_services": ("FILE_SAME_PY_GENERIC_SERVICES", "false"),
    "ruby_package": ("FILE_SAME_RUBY_PACKAGE", ""),
    "swift_prefix": ("FILE_SAME_SWIFT_PREFIX", ""),
}
for _rule, _ in FILE_OPTIONS.values():
    RULES[_rule] = (_SOURCE, Breaks.READERS, "Keep generated-code options stable.")

declare(
    Rule(
        rule_id,
        "protobuf",
        breaks,
        f"buf categories: {', '.join(cats)}",
        suggestion,
    )
    for rule_id, (cats, breaks, suggestion) in RULES.items()
)

#: deprecated buf ids -> the ids they report under
ALIASES: dict[str, tuple[str, ...]] = {
    "FIELD_SAME_CTYPE": ("FIELD_SAME_CPP_STRING_TYPE",),
    "FIELD_SAME_LABEL": (
        "FIELD_SAME_CARDINALITY",
        "FIELD_WIRE_COMPATIBLE_CARDINALITY",
        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
    ),
}

WIRE_GROUP = {
    **dict.fromkeys(("int32", "int64", "uint32", "uint64", "bool"), 1),
    "sint32": 2,
    "sint64": 2,
    "string": 3,
    "bytes": 4,
    "fixed32": 5,
    "sfixed32": 5,
    "fixed64": 6,
    "sfixed64": 6,
    "double": 7,
    "float": 8,
    "group": 9,
    "message": 10,
    "enum": 11,
}
WIRE_JSON_GROUP = {
    "int32": 1,
    "uint32": 1,
    "int64": 2,
    "uint64": 2,
    "fixed32": 3,
    "sfixed32": 3,
    "fixed64": 4,
    "sfixed64": 4,
    "bool": 5,
    "sint32": 6,
    "sint64": 7,
    "string": 8,
    "bytes": 9,
    "double": 10,
    "float": 11,
    "group": 12,
    "message": 13,
    "enum": 14,
}
CARDINALITY_WIRE = {"explicit": 1, "implicit": 1, "required": 2, "repeated": 3, "map": 3}
CARDINALITY_WIRE_JSON = {"explicit": 1, "implicit": 1, "required": 2, "repeated": 3, "map": 4}
CARDINALITY_TEXT = {
    "explicit": "optional with explicit presence",
    "implicit": "optional with implicit presence",
    "required": "required",
    "repeated": "repeated",
    "map": "map",
}


def real_messages(f: ProtoFile) -> set[str]:
    return {n for n, m in f.messages.items() if not m.map_entry}


def covered(lo: int, hi: int, ranges: list[tuple[int, int]]) -> bool:
    """Whether ``lo..hi`` lies inside the union of ``ranges`` (adjacent pieces count)."""
    need = lo
    for a, b in sorted(ranges):
        if a > need:
            break
        need = max(need, b + 1)
        if need > hi:
            return True
    return need > hi


def values_by_number(e: ProtoEnum) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for name, number in e.values.items():
        out.setdefault(number, set()).add(name)
    return out


def kind_of(f: ProtoField) -> str:
    return f.type if f.kind == "scalar" else f.kind


def type_text(f: ProtoField) -> str:
    return f.type if f.kind == "scalar" else f"{f.kind} {f.type}"


def oneof_text(name: str | None) -> str:
    return f"oneof {name!r}" if name else "outside any oneof"


def default_value(f: ProtoField, enums: dict[str, ProtoEnum]) -> str | float:
    """The field's default as buf compares it: text for string/bytes, a number otherwise
    (bool as 0/1, an enum value as its number); the type's zero value when unset."""
    raw = f.options.get("default")
    if f.kind == "scalar" and f.type in ("string", "bytes"):
        return raw or ""
    if f.kind == "enum":
        e = enums.get(f.type)
        if not e or not e.values:
            return 0.0
        return float(e.values.get(raw, 0) if raw else next(iter(e.values.values())))
    if raw is None:
        return 0.0
    if f.type == "bool":
        return 1.0 if raw == "true" else 0.0
    try:
        return float(int(raw, 0)) if f.type not in ("float", "double") else float(raw)
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            return raw


def same_default(a: str | float, b: str | float) -> bool:
    if not a and not b:
        return True  # both the zero value: no default to compare
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # NaN
    return a == b


def can_default(f: ProtoField) -> bool:
    return f.presence not in ("repeated", "map") and f.kind not in ("message", "group")


def cpp_string_type(f: ProtoField) -> str:
    """``STRING``, ``CORD``, ``VIEW`` or ``STRING_PIECE`` (the legacy ``ctype``, which C++
    treats as ``STRING``): from ``ctype`` when set, else the ``(pb.cpp).string_type`` feature."""
    ctype = f.options.get("ctype")
    if ctype in ("CORD", "STRING_PIECE", "STRING") or f.syntax != "editions":
        return ctype or "STRING"
    return f.features.get("(pb.cpp).string_type") or "STRING"


def same_cpp_string_type(old: str, new: str) -> bool:
    """Moving from ``STRING_PIECE`` to ``STRING`` is allowed; any other change is not."""
    return old == new or (old == "STRING_PIECE" and new == "STRING")


def utf8_validation(f: ProtoField) -> str:
    return f.features.get("utf8_validation") or ("NONE" if f.syntax == "proto2" else "VERIFY")


def json_format(f: ProtoFile, features: dict[str, str]) -> str:
    value = features.get("json_format") or f.features.get("json_format")
    if value:
        return value
    return "LEGACY_BEST_EFFORT" if f.syntax == "proto2" else "ALLOW"


def enum_type(f: ProtoFile, e: ProtoEnum) -> str:
    value = e.features.get("enum_type") or f.features.get("enum_type")
    if value:
        return value
    return "CLOSED" if f.syntax == "proto2" else "OPEN"


def expand_rules(ids: list[str]) -> set[str]:
    """buf's ``use``/``except`` ids (categories, rules, deprecated rules) as concrete rule ids."""
    out: set[str] = set()
    for rule_id in ids:
        if rule_id in Category.__members__:
            out |= {r for r, (cats, _, _) in RULES.items() if rule_id in cats}
        else:
            out |= set(ALIASES.get(rule_id, (rule_id,)))
    return out
