"""A Protobuf schema sent as a serialized ``FileDescriptorProto`` (base64), which is how the
Confluent serializers register Protobuf schemas, written back as ``.proto`` text so the one
parser and engine read it like any other Protobuf contract.

Type names stay fully qualified with their leading dot (``.acme.Order``), which ``.proto``
text accepts; maps come back as ``map<K, V>``, ``proto3 optional`` as ``optional``.
"""

from __future__ import annotations

import base64
import binascii
import re

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor_pb2 import DescriptorProto as MessageProto
from google.protobuf.descriptor_pb2 import FieldDescriptorProto as FieldProto
from google.protobuf.message import DecodeError

from unlockstep.errors import ParseError

_SCALARS = {
    1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32",
    8: "bool", 9: "string", 12: "bytes", 13: "uint32", 15: "sfixed32", 16: "sfixed64",
    17: "sint32", 18: "sint64",
}  # fmt: skip
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]+")
_MAX_RANGE = 536870911


def looks_serialized(text: str) -> bool:
    """Whether ``text`` is base64 rather than ``.proto`` source (which always has a space,
    a ``;`` or a ``{`` somewhere)."""
    stripped = text.strip()
    return bool(stripped) and _BASE64.fullmatch(stripped) is not None and " " not in stripped


def from_serialized(
    text: str, name: str = "<input>"
) -> tuple[str, descriptor_pb2.FileDescriptorProto]:
    """The ``.proto`` text of a base64 ``FileDescriptorProto``, and the descriptor."""
    try:
        raw = base64.b64decode(text.strip(), validate=False)
        proto = descriptor_pb2.FileDescriptorProto()
        proto.ParseFromString(raw)
    except (binascii.Error, DecodeError, ValueError) as exc:
        raise ParseError(
            f"not a .proto text nor a base64 FileDescriptorProto: {exc}",
            where=name,
            hint="send the .proto source, or the serialized descriptor the serializers send",
        ) from None
    return render(proto), proto


def render(proto: descriptor_pb2.FileDescriptorProto) -> str:
    out: list[str] = []
    syntax = proto.syntax or "proto2"
    if syntax == "editions":
        out.append(f'edition = "{proto.edition}";')
    else:
        out.append(f'syntax = "{syntax}";')
    if proto.package:
        out.append(f"package {proto.package};")
    for i, dep in enumerate(proto.dependency):
        prefix = "public " if i in proto.public_dependency else ""
        out.append(f'import {prefix}"{dep}";')
    for message in proto.message_type:
        out.extend(_message(message, syntax, ""))
    for enum in proto.enum_type:
        out.extend(_enum(enum, ""))
    for service in proto.service:
        out.append(f"service {service.name} {{")
        for method in service.method:
            req = ("stream " if method.client_streaming else "") + method.input_type
            res = ("stream " if method.server_streaming else "") + method.output_type
            out.append(f"  rpc {method.name}({req}) returns ({res});")
        out.append("}")
    return "\n".join(out) + "\n"


def _ranges(ranges: list[tuple[int, int]]) -> str:
    parts = []
    for start, end in ranges:
        last = end - 1
        if last >= _MAX_RANGE:
            parts.append(f"{start} to max")
        elif last == start:
            parts.append(str(start))
        else:
            parts.append(f"{start} to {last}")
    return ", ".join(parts)


def _message(message: MessageProto, syntax: str, indent: str) -> list[str]:
    out = [f"{indent}message {message.name} {{"]
    inner = indent + "  "
    maps = {n.name: n for n in message.nested_type if n.options.map_entry}
    if message.reserved_range:
        out.append(
            f"{inner}reserved {_ranges([(r.start, r.end) for r in message.reserved_range])};"
        )
    if message.reserved_name:
        names = ", ".join(f'"{n}"' for n in message.reserved_name)
        out.append(f"{inner}reserved {names};")
    synthetic = {f.oneof_index for f in message.field if f.proto3_optional}
    oneofs: dict[int, list[FieldProto]] = {}
    for field in message.field:
        if field.HasField("oneof_index") and field.oneof_index not in synthetic:
            if field.oneof_index not in oneofs:
                oneofs[field.oneof_index] = []
                out.append(f"__oneof_{field.oneof_index}__")
            oneofs[field.oneof_index].append(field)
            continue
        out.append(inner + _field(field, syntax, maps))
    for index, fields in oneofs.items():
        block = [f"{inner}oneof {message.oneof_decl[index].name} {{"]
        block += [inner + "  " + _field(f, syntax, maps, in_oneof=True) for f in fields]
        block.append(f"{inner}}}")
        at = out.index(f"__oneof_{index}__")
        out[at : at + 1] = block
    for nested in message.nested_type:
        if not nested.options.map_entry:
            out.extend(_message(nested, syntax, inner))
    for enum in message.enum_type:
        out.extend(_enum(enum, inner))
    out.append(f"{indent}}}")
    return out


def _type(field: FieldProto) -> str:
    return _SCALARS.get(field.type) or field.type_name


def _field(
    field: FieldProto, syntax: str, maps: dict[str, MessageProto], *, in_oneof: bool = False
) -> str:
    entry = maps.get(field.type_name.rsplit(".", 1)[-1]) if field.type == 11 else None
    if entry is not None and field.label == 3:
        key, item = entry.field[0], entry.field[1]
        kind = f"map<{_type(key)}, {_type(item)}>"
        return f"{kind} {field.name} = {field.number};"
    label = ""
    if field.label == 3:
        label = "repeated "
    elif field.label == 2:
        label = "required "
    elif not in_oneof and (field.proto3_optional or syntax == "proto2"):
        label = "optional "
    options = []
    if field.default_value and syntax == "proto2":
        value = field.default_value
        if field.type == 9 or field.type == 12:
            value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        options.append(f"default = {value}")
    if field.json_name and field.json_name != _camel(field.name):
        options.append(f'json_name = "{field.json_name}"')
    suffix = f" [{', '.join(options)}]" if options else ""
    return f"{label}{_type(field)} {field.name} = {field.number}{suffix};"


def _camel(name: str) -> str:
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _enum(enum: descriptor_pb2.EnumDescriptorProto, indent: str) -> list[str]:
    out = [f"{indent}enum {enum.name} {{"]
    if enum.options.allow_alias:
        out.append(f"{indent}  option allow_alias = true;")
    if enum.reserved_range:
        ranges = [(r.start, r.end + 1) for r in enum.reserved_range]
        out.append(f"{indent}  reserved {_ranges(ranges)};")
    for value in enum.value:
        out.append(f"{indent}  {value.name} = {value.number};")
    out.append(f"{indent}}}")
    return out
