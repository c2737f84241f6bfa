"""The Protobuf model a compatibility check needs, and what ``protoc`` derives for it.

Files, messages (nested, groups, map entries, oneofs), enums, services, extensions, reserved
ranges and names, options and editions features. :func:`derive` fills in what the compiler
would compute — field presence, JSON names, features inherited file → message → field — and a
text fingerprint per element, so a comparison can skip whatever did not change. The parser
that builds this model is :mod:`unlockstep.core.protobuf._parser`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCALARS = frozenset(
    {
        *("double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64"),
        *("fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes"),
    }
)
MAX_FIELD = 536870911


@dataclass(slots=True)
class Pos:
    line: int
    column: int


@dataclass(slots=True)
class ProtoField:
    name: str
    number: int
    label: str  # "optional" | "required" | "repeated" | "" (no label)
    type: str  # scalar name, or the resolved full name of a message / enum
    kind: str  # "scalar" | "message" | "enum" | "group" | "map"
    pos: Pos
    oneof: str | None = None
    synthetic_oneof: bool = False
    options: dict[str, str] = field(default_factory=dict)
    extendee: str | None = None
    is_map: bool = False
    written_type: str = ""
    presence: str = ""  # "explicit" | "implicit" | "required" | "repeated" | "map"
    json_name: str = ""
    features: dict[str, str] = field(default_factory=dict)
    syntax: str = ""
    scope: str = ""
    java_utf8: str = ""
    fp: str = ""  # everything a comparison looks at, as text: equal fp, no change

    @property
    def display_name(self) -> str:
        """Extensions are known by their full name, fields by their short name."""
        if self.extendee is None:
            return self.name
        return f"{self.scope}.{self.name}" if self.scope else self.name


@dataclass(slots=True)
class Reserved:
    ranges: list[tuple[int, int]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def has_number(self, n: int) -> bool:
        return any(lo <= n <= hi for lo, hi in self.ranges)


@dataclass(slots=True)
class ProtoMessage:
    fullname: str
    name: str
    pos: Pos
    fields: dict[int, ProtoField] = field(default_factory=dict)
    oneofs: list[str] = field(default_factory=list)
    reserved: Reserved = field(default_factory=Reserved)
    extension_ranges: list[tuple[int, int]] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    features: dict[str, str] = field(default_factory=dict)
    map_entry: bool = False
    parent: str | None = None
    fp: str = ""
    required: frozenset[int] = frozenset()


@dataclass(slots=True)
class ProtoEnum:
    fullname: str
    name: str
    pos: Pos
    values: dict[str, int] = field(default_factory=dict)
    value_pos: dict[str, Pos] = field(default_factory=dict)
    reserved: Reserved = field(default_factory=Reserved)
    options: dict[str, str] = field(default_factory=dict)
    features: dict[str, str] = field(default_factory=dict)
    fp: str = ""


@dataclass(slots=True)
class ProtoMethod:
    name: str
    input: str
    output: str
    client_streaming: bool
    server_streaming: bool
    pos: Pos
    options: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ProtoService:
    fullname: str
    name: str
    pos: Pos
    methods: dict[str, ProtoMethod] = field(default_factory=dict)


@dataclass(slots=True)
class ProtoFile:
    path: str
    syntax: str = "proto2"  # "proto2" | "proto3" | "editions"
    edition: str = ""
    package: str = ""
    imports: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    messages: dict[str, ProtoMessage] = field(default_factory=dict)
    enums: dict[str, ProtoEnum] = field(default_factory=dict)
    services: dict[str, ProtoService] = field(default_factory=dict)
    extensions: dict[tuple[str, int], ProtoField] = field(default_factory=dict)
    features: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ProtoModule:
    """The files being compared (``files``) plus whatever they import (``imported``)."""

    files: dict[str, ProtoFile]
    imported: dict[str, ProtoFile] = field(default_factory=dict)
    index: Any = None  # built by the comparison on first use, then reused

    def all_files(self) -> list[ProtoFile]:
        return [*self.files.values(), *self.imported.values()]


def features_of(options: dict[str, str]) -> dict[str, str]:
    return {k.removeprefix("features."): v for k, v in options.items() if k.startswith("features.")}


def derive(f: ProtoFile) -> None:
    """Presence, JSON names and resolved features, as ``protoc`` would compute them."""
    for msg in f.messages.values():
        for fld in msg.fields.values():
            _derive_field(f, msg, fld)
    for fld in f.extensions.values():
        _derive_field(f, None, fld)
    context = (f.syntax, f.features.get("json_format"), f.features.get("enum_type"))
    for msg in f.messages.values():
        msg.required = frozenset(n for n, x in msg.fields.items() if x.presence == "required")
        msg.fp = repr(
            (
                context,
                tuple(sorted((n, x.fp) for n, x in msg.fields.items())),
                tuple(msg.oneofs),
                tuple(sorted(msg.reserved.ranges)),
                tuple(sorted(msg.reserved.names)),
                tuple(sorted(msg.extension_ranges)),
                tuple(sorted(msg.options.items())),
                msg.map_entry,
            )
        )
    for e in f.enums.values():
        e.fp = repr(
            (
                context,
                tuple(e.values.items()),
                tuple(sorted(e.reserved.ranges)),
                tuple(sorted(e.reserved.names)),
                tuple(sorted(e.features.items())),
            )
        )


def _derive_field(f: ProtoFile, msg: ProtoMessage | None, fld: ProtoField) -> None:
    feats: dict[str, str] = dict(f.features)
    chain = []
    while msg is not None:
        chain.append(msg.features)
        msg = f.messages.get(msg.parent) if msg.parent else None
    for layer in reversed(chain):
        feats.update(layer)
    feats.update(features_of(fld.options))
    fld.features = feats
    fld.syntax = f.syntax
    fld.json_name = fld.options.get("json_name") or _json_name(fld.name)
    if (
        f.syntax == "editions"
        and fld.kind == "message"
        and (feats.get("message_encoding") == "DELIMITED")
    ):
        fld.kind = "group"
    if fld.is_map:
        fld.presence = "map"
    elif fld.label == "repeated":
        fld.presence = "repeated"
    elif fld.label == "required" or feats.get("field_presence") == "LEGACY_REQUIRED":
        fld.presence = "required"
    elif fld.extendee or fld.oneof or fld.kind in ("message", "group") or f.syntax == "proto2":
        fld.presence = "explicit"
    elif f.syntax == "proto3":
        fld.presence = "explicit" if fld.label == "optional" else "implicit"
        if fld.label == "optional":
            fld.synthetic_oneof = True
    else:
        fld.presence = "implicit" if feats.get("field_presence") == "IMPLICIT" else "explicit"
    standard = feats.get("utf8_validation") or ("NONE" if f.syntax == "proto2" else "VERIFY")
    if f.syntax != "editions" or "java_string_check_utf8" in f.options:
        fld.java_utf8 = "VERIFY" if f.options.get("java_string_check_utf8") == "true" else standard
    else:
        java = feats.get("(pb.java).utf8_validation")
        fld.java_utf8 = "VERIFY" if java == "VERIFY" else standard
    fld.fp = repr(
        (
            fld.display_name,
            fld.json_name,
            fld.kind,
            fld.type,
            fld.presence,
            None if fld.synthetic_oneof else fld.oneof,
            fld.syntax,
            fld.java_utf8,
            tuple(sorted(fld.options.items())),
            tuple(sorted(feats.items())),
        )
    )


def _json_name(name: str) -> str:
    out, upper = [], False
    for ch in name:
        if ch == "_":
            upper = True
        elif upper:
            out.append(ch.upper())
            upper = False
        else:
            out.append(ch)
    return "".join(out)
