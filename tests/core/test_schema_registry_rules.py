"""Verdicts under the schema-registry API, case by case from the registries' published
compatibility rules (Avro schema resolution, JSON Schema content models, Protobuf as the
registry reads the wire), and the deliberate differences of the ``unlockstep`` rule set."""

from __future__ import annotations

import json
from typing import Any

import pytest

from unlockstep.core.compat import Mode, Source
from unlockstep.core.schema_registry import engine_for, judge

EXT = {"avro": ".avsc", "jsonschema": ".json", "protobuf": ".proto"}


def compatible(
    kind: str, old: Any, new: Any, mode: str = "BACKWARD", rules: str = "registry",
    refs: dict[str, str] | None = None,
) -> bool:  # fmt: skip
    engine = engine_for(kind, rules)

    def source(doc: Any, name: str) -> Source:
        text = doc if isinstance(doc, str) else json.dumps(doc)
        read = (lambda n: (refs or {})[n]) if refs else None
        return Source(text, name + EXT[kind], read_relative=read)

    before, after = engine.parse(source(old, "old")), engine.parse(source(new, "new"))
    return judge(engine, after, [("1", before)], Mode.parse(mode), rules).compatible


def record(*fields: tuple[Any, ...]) -> dict[str, Any]:
    out = [dict(zip(("name", "type", "default"), f, strict=False)) for f in fields]
    return {"type": "record", "name": "R", "namespace": "acme", "fields": out}


def enum(*symbols: str) -> dict[str, Any]:
    return {"type": "enum", "name": "E", "symbols": list(symbols)}


AVRO = [
    # (case, old, new, BACKWARD, FORWARD)
    ("field added with a default", record(("a", "string")),
     record(("a", "string"), ("b", "string", "")), True, True),
    ("field added without a default", record(("a", "string")),
     record(("a", "string"), ("b", "string")), False, True),
    ("field removed", record(("a", "string"), ("b", "string")),
     record(("a", "string")), True, False),
    ("field with a default removed", record(("a", "string"), ("b", "string", "")),
     record(("a", "string")), True, True),
    ("int promoted to long", record(("a", "int")), record(("a", "long")), True, False),
    ("long narrowed to int", record(("a", "long")), record(("a", "int")), False, True),
    ("string to bytes", record(("a", "string")), record(("a", "bytes")), True, True),
    ("enum symbol added", record(("e", enum("A"))), record(("e", enum("A", "B"))), True, False),
    ("enum symbol removed", record(("e", enum("A", "B"))), record(("e", enum("A"))), False, True),
    ("union branch added", record(("u", ["null", "string"])),
     record(("u", ["null", "string", "int"])), True, False),
    ("union branch removed", record(("u", ["null", "string", "int"])),
     record(("u", ["null", "string"])), False, True),
    ("field renamed with an alias", record(("a", "string")),
     {**record(), "fields": [{"name": "b", "type": "string", "aliases": ["a"]}]}, True, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "old", "new", "backward", "forward"), AVRO, ids=[c[0] for c in AVRO]
)
def test_avro_follows_schema_resolution(
    case: str, old: Any, new: Any, backward: bool, forward: bool
) -> None:
    assert compatible("avro", old, new, "BACKWARD") is backward
    assert compatible("avro", old, new, "FORWARD") is forward
    assert compatible("avro", old, new, "FULL") is (backward and forward)


def obj(props: dict[str, Any], required: tuple[str, ...] = (), extra: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    if extra is not None:
        out["additionalProperties"] = extra
    return out


STR, INT, NUM = {"type": "string"}, {"type": "integer"}, {"type": "number"}
JSON = [
    # (case, old, new, BACKWARD under the registry rules)
    ("open model: property added", obj({"a": STR}), obj({"a": STR, "b": STR}), False),
    ("open model: property with an empty schema added", obj({"a": STR}),
     obj({"a": STR, "b": {}}), True),
    ("open model: property removed", obj({"a": STR, "b": STR}), obj({"a": STR}), True),
    ("closed model: optional property added", obj({"a": STR}, extra=False),
     obj({"a": STR, "b": STR}, extra=False), True),
    ("closed model: property removed", obj({"a": STR, "b": STR}, extra=False),
     obj({"a": STR}, extra=False), False),
    ("closed model: required property added", obj({"a": STR}, extra=False),
     obj({"a": STR, "b": STR}, ("b",), extra=False), False),
    ("partially open: added property covered", obj({"a": STR}, extra=STR),
     obj({"a": STR, "b": STR}, extra=STR), True),
    ("partially open: added property not covered", obj({"a": STR}, extra=STR),
     obj({"a": STR, "b": INT}, extra=STR), False),
    ("integer widened to number", obj({"a": INT}), obj({"a": NUM}), True),
    ("number narrowed to integer", obj({"a": NUM}), obj({"a": INT}), False),
    ("enum value added", {"enum": ["a", "b"]}, {"enum": ["a", "b", "c"]}, True),
    ("enum value removed", {"enum": ["a", "b"]}, {"enum": ["a"]}, False),
]  # fmt: skip


@pytest.mark.parametrize(("case", "old", "new", "backward"), JSON, ids=[c[0] for c in JSON])
def test_json_schema_follows_the_content_models(
    case: str, old: Any, new: Any, backward: bool
) -> None:
    assert compatible("jsonschema", old, new) is backward


def proto(body: str, syntax: str = "proto3") -> str:
    return f'syntax = "{syntax}";\npackage acme;\n{body}\n'


PROTO = [
    ("field added", "message M { string a = 1; }",
     "message M { string a = 1; int32 b = 2; }", True),
    ("field removed", "message M { string a = 1; int32 b = 2; }",
     "message M { string a = 1; }", True),
    ("field renumbered", "message M { string a = 1; }", "message M { string a = 2; }", True),
    ("field renamed", "message M { string a = 1; }", "message M { string b = 1; }", True),
    ("int32 to int64 (one group)", "message M { int32 a = 1; }",
     "message M { int64 a = 1; }", True),
    ("uint32 to bool (one group)", "message M { uint32 a = 1; }",
     "message M { bool a = 1; }", True),
    ("int32 to an enum", "message M { int32 a = 1; }",
     "message M { S a = 1; }\nenum S { X = 0; }", True),
    ("sint32 to sint64", "message M { sint32 a = 1; }", "message M { sint64 a = 1; }", True),
    ("fixed32 to sfixed32", "message M { fixed32 a = 1; }",
     "message M { sfixed32 a = 1; }", True),
    ("string to bytes", "message M { string a = 1; }", "message M { bytes a = 1; }", True),
    ("int32 to sint32 (other groups)", "message M { int32 a = 1; }",
     "message M { sint32 a = 1; }", False),
    ("int32 to string", "message M { int32 a = 1; }", "message M { string a = 1; }", False),
    ("int32 to a message", "message M { int32 a = 1; }",
     "message M { N a = 1; }\nmessage N { string s = 1; }", False),
    ("one message type to another", "message M { N a = 1; }\nmessage N { string s = 1; }",
     "message M { O a = 1; }\nmessage O { string s = 1; }", False),
    ("map value type changed", "message M { map<string, int32> a = 1; }",
     "message M { map<string, string> a = 1; }", False),
    ("string made repeated", "message M { optional string a = 1; }",
     "message M { repeated string a = 1; }", True),
    ("int32 made repeated", "message M { optional int32 a = 1; }",
     "message M { repeated int32 a = 1; }", False),
    ("one field moved into a new oneof", "message M { string a = 1; string b = 2; }",
     "message M { string a = 1; oneof o { string b = 2; int32 c = 3; } }", True),
    ("two fields moved into one oneof", "message M { string a = 1; string b = 2; }",
     "message M { oneof o { string a = 1; string b = 2; } }", False),
    ("field added to a oneof", "message M { oneof o { string a = 1; } }",
     "message M { oneof o { string a = 1; string b = 2; } }", True),
    ("field removed from a oneof", "message M { oneof o { string a = 1; string b = 2; } }",
     "message M { oneof o { string a = 1; } }", False),
    ("message added", "message M { string a = 1; }",
     "message M { string a = 1; }\nmessage N { string a = 1; }", True),
    ("messages reordered", "message M { string a = 1; }\nmessage N { string a = 1; }",
     "message N { string a = 1; }\nmessage M { string a = 1; }", True),
    ("message removed", "message M { string a = 1; }\nmessage N { string a = 1; }",
     "message M { string a = 1; }", False),
    ("enum value renamed", "message M { S a = 1; }\nenum S { X = 0; Y = 1; }",
     "message M { S a = 1; }\nenum S { X = 0; Z = 1; }", True),
    ("name qualified", "message M { S a = 1; message S { string s = 1; } }",
     "message M { .acme.M.S a = 1; message S { string s = 1; } }", True),
]  # fmt: skip


@pytest.mark.parametrize(("case", "old", "new", "backward"), PROTO, ids=[c[0] for c in PROTO])
def test_protobuf_follows_the_registrys_wire_rules(
    case: str, old: str, new: str, backward: bool
) -> None:
    assert compatible("protobuf", proto(old), proto(new)) is backward


def test_protobuf_required_fields_added_or_removed_break() -> None:
    old = proto("message M { optional string a = 1; }", "proto2")
    new = proto("message M { optional string a = 1; required string b = 2; }", "proto2")
    assert not compatible("protobuf", old, new)
    assert not compatible("protobuf", new, old)


def test_protobuf_package_change_breaks() -> None:
    old = 'syntax = "proto3";\npackage foo;\nmessage M { string a = 1; }\n'
    assert not compatible("protobuf", old, old.replace("package foo", "package bar"))


def test_the_unlockstep_rule_set_differs_where_documented() -> None:
    added = (obj({"a": STR}), obj({"a": STR, "b": STR}))
    assert not compatible("jsonschema", *added)
    assert compatible("jsonschema", *added, rules="unlockstep")
    removed = (
        proto("message M { string a = 1; int32 b = 2; }"),
        proto("message M { string a = 1; }"),
    )
    assert compatible("protobuf", *removed)
    assert not compatible("protobuf", *removed, rules="unlockstep")
    renamed = (proto("message M { string a = 1; }"), proto("message M { string b = 1; }"))
    assert compatible("protobuf", *renamed)
    assert not compatible("protobuf", *renamed, rules="unlockstep")  # the JSON mapping breaks
    dropped = (
        proto("message M { string a = 1; }\nmessage N { string a = 1; }"),
        proto("message M { string a = 1; }"),
    )
    assert not compatible("protobuf", *dropped)
    assert compatible("protobuf", *dropped, rules="unlockstep")


def test_a_change_inside_a_referenced_schema_is_judged_with_the_whole() -> None:
    address = {"type": "record", "name": "Address", "namespace": "acme",
               "fields": [{"name": "city", "type": "string"}]}  # fmt: skip
    narrowed = {**address, "fields": [{"name": "city", "type": "int"}]}
    person = {"type": "record", "name": "P", "namespace": "acme",
              "fields": [{"name": "home", "type": "acme.Address"}]}  # fmt: skip
    engine = engine_for("avro")

    def parse(refs: dict[str, Any]) -> Any:
        texts = {k: json.dumps(v) for k, v in refs.items()}
        return engine.parse(Source(json.dumps(person), "p.avsc", read_relative=texts.__getitem__))

    old, same, new = (
        parse({"acme.Address": address}),
        parse({"acme.Address": address}),
        parse({"acme.Address": narrowed}),
    )
    assert judge(engine, same, [("1", old)], Mode.BACKWARD).compatible
    assert not judge(engine, new, [("1", old)], Mode.BACKWARD).compatible
