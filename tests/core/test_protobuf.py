"""Protobuf compatibility: rule cases per buf category, buf's own corpus, buf as live oracle."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import conformance
from tests.core.buf_corpus import cases, run_case
from unlockstep.core.compat._model import Level, Mode, Policy, Source, check
from unlockstep.core.protobuf import _engine as protobuf
from unlockstep.core.protobuf._engine import Category
from unlockstep.core.protobuf._parser import parse_text
from unlockstep.errors import ParseError

BUF_CORPUS = conformance.corpus("buf-breaking")


def proto(body: str, package: str = "shop.v1", syntax: str = "proto3") -> str:
    return f'syntax = "{syntax}";\npackage {package};\n{body}\n'


def breaking(old: str, new: str, category: Category) -> set[str]:
    changes = protobuf.diff(parse_text(old, "a.proto"), parse_text(new, "a.proto"), category)
    return {c.rule for c in changes if c.level is Level.BREAKING}


ORDER = "message Order { string id = 1; int32 qty = 2; }"

# (name, old, new, category, rules that must be breaking, rules that must not be)
CASES: list[tuple[str, str, str, Category, set[str], set[str]]] = [
    (
        "deleting_a_field_without_reserving_its_number_breaks_the_wire",
        ORDER,
        "message Order { string id = 1; }",
        Category.WIRE,
        {"FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"},
        {"FIELD_NO_DELETE"},
    ),
    (
        "deleting_a_field_with_reserved_number_is_wire_safe",
        ORDER,
        "message Order { string id = 1; reserved 2; }",
        Category.WIRE,
        set(),
        {"FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"},
    ),
    (
        "deleting_a_field_with_reserved_number_but_not_name_breaks_json",
        ORDER,
        "message Order { string id = 1; reserved 2; }",
        Category.WIRE_JSON,
        {"FIELD_NO_DELETE_UNLESS_NAME_RESERVED"},
        set(),
    ),
    (
        "deleting_a_field_breaks_generated_code",
        ORDER,
        'message Order { string id = 1; reserved 2; reserved "qty"; }',
        Category.FILE,
        {"FIELD_NO_DELETE"},
        set(),
    ),
    (
        "renaming_a_field_is_wire_safe",
        ORDER,
        "message Order { string id = 1; int32 quantity = 2; }",
        Category.WIRE,
        set(),
        {"FIELD_SAME_NAME"},
    ),
    (
        "renaming_a_field_breaks_json",
        ORDER,
        "message Order { string id = 1; int32 quantity = 2; }",
        Category.WIRE_JSON,
        {"FIELD_SAME_NAME", "FIELD_SAME_JSON_NAME"},
        set(),
    ),
    (
        "renumbering_a_field_breaks_the_wire",
        ORDER,
        "message Order { string id = 1; int32 qty = 3; }",
        Category.WIRE,
        {"FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"},
        set(),
    ),
    (
        "int32_to_int64_is_wire_compatible",
        ORDER,
        "message Order { string id = 1; int64 qty = 2; }",
        Category.WIRE,
        set(),
        {"FIELD_WIRE_COMPATIBLE_TYPE"},
    ),
    (
        "int32_to_int64_breaks_json",
        ORDER,
        "message Order { string id = 1; int64 qty = 2; }",
        Category.WIRE_JSON,
        {"FIELD_WIRE_JSON_COMPATIBLE_TYPE"},
        set(),
    ),
    (
        "int32_to_sint32_breaks_the_wire",
        ORDER,
        "message Order { string id = 1; sint32 qty = 2; }",
        Category.WIRE,
        {"FIELD_WIRE_COMPATIBLE_TYPE"},
        set(),
    ),
    (
        "string_to_bytes_is_wire_compatible",
        ORDER,
        "message Order { bytes id = 1; int32 qty = 2; }",
        Category.WIRE,
        set(),
        {"FIELD_WIRE_COMPATIBLE_TYPE"},
    ),
    (
        "bytes_to_string_breaks_the_wire",
        "message Order { bytes id = 1; }",
        "message Order { string id = 1; }",
        Category.WIRE,
        {"FIELD_WIRE_COMPATIBLE_TYPE"},
        set(),
    ),
    (
        "fixed32_to_sfixed32_is_wire_compatible",
        "message M { fixed32 a = 1; }",
        "message M { sfixed32 a = 1; }",
        Category.WIRE_JSON,
        set(),
        {"FIELD_WIRE_JSON_COMPATIBLE_TYPE"},
    ),
    (
        "singular_to_repeated_breaks_the_wire",
        ORDER,
        "message Order { string id = 1; repeated int32 qty = 2; }",
        Category.WIRE,
        {"FIELD_WIRE_COMPATIBLE_CARDINALITY"},
        set(),
    ),
    (
        "implicit_to_explicit_presence_is_wire_safe_but_changes_generated_code",
        ORDER,
        "message Order { string id = 1; optional int32 qty = 2; }",
        Category.FILE,
        {"FIELD_SAME_CARDINALITY"},
        {"FIELD_WIRE_COMPATIBLE_CARDINALITY"},
    ),
    (
        "moving_a_field_into_a_oneof_breaks_the_wire",
        ORDER,
        "message Order { string id = 1; oneof amount { int32 qty = 2; } }",
        Category.WIRE,
        {"FIELD_SAME_ONEOF"},
        set(),
    ),
    (
        "deleting_an_enum_value_without_reserving_breaks_the_wire",
        "enum S { S_UNSPECIFIED = 0; S_OPEN = 1; }",
        "enum S { S_UNSPECIFIED = 0; }",
        Category.WIRE,
        {"ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED"},
        set(),
    ),
    (
        "renaming_an_enum_value_breaks_json_only",
        "enum S { S_UNSPECIFIED = 0; S_OPEN = 1; }",
        "enum S { S_UNSPECIFIED = 0; S_OPENED = 1; }",
        Category.WIRE_JSON,
        {"ENUM_VALUE_SAME_NAME"},
        set(),
    ),
    (
        "deleting_a_message_breaks_generated_code_only",
        f"{ORDER} message Extra {{}}",
        ORDER,
        Category.WIRE,
        set(),
        {"MESSAGE_NO_DELETE"},
    ),
    (
        "deleting_a_message_is_breaking_under_file",
        f"{ORDER} message Extra {{}}",
        ORDER,
        Category.FILE,
        {"MESSAGE_NO_DELETE"},
        set(),
    ),
    (
        "adding_a_required_field_breaks_the_wire",
        "message M { optional int32 a = 1; }",
        "message M { optional int32 a = 1; required int32 b = 2; }",
        Category.WIRE,
        {"MESSAGE_SAME_REQUIRED_FIELDS"},
        set(),
    ),
    (
        "changing_an_rpc_request_type_breaks_the_wire",
        f"{ORDER} message Q {{}} service S {{ rpc Get(Q) returns (Order); }}",
        f"{ORDER} message Q {{}} service S {{ rpc Get(Order) returns (Order); }}",
        Category.WIRE,
        {"RPC_SAME_REQUEST_TYPE"},
        set(),
    ),
    (
        "making_an_rpc_streaming_breaks_the_wire",
        f"{ORDER} service S {{ rpc Get(Order) returns (Order); }}",
        f"{ORDER} service S {{ rpc Get(Order) returns (stream Order); }}",
        Category.WIRE,
        {"RPC_SAME_SERVER_STREAMING"},
        set(),
    ),
    (
        "deleting_an_rpc_breaks_generated_code",
        f"{ORDER} service S {{ rpc Get(Order) returns (Order); rpc Put(Order) returns (Order); }}",
        f"{ORDER} service S {{ rpc Get(Order) returns (Order); }}",
        Category.WIRE_JSON,
        set(),
        {"RPC_NO_DELETE"},
    ),
    (
        "changing_a_message_field_type_breaks_the_wire",
        f"{ORDER} message A {{}} message B {{}} message H {{ A x = 1; }}",
        f"{ORDER} message A {{}} message B {{}} message H {{ B x = 1; }}",
        Category.WIRE,
        {"FIELD_WIRE_COMPATIBLE_TYPE"},
        set(),
    ),
    (
        "an_enum_gaining_values_stays_wire_compatible_with_itself",
        "enum S { A = 0; } message H { S s = 1; }",
        "enum S { A = 0; B = 1; } message H { S s = 1; }",
        Category.WIRE,
        set(),
        {"FIELD_WIRE_COMPATIBLE_TYPE"},
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "category", "must", "must_not"),
    [pytest.param(proto(c[1]), proto(c[2]), *c[3:], id=c[0]) for c in CASES],
)
def test_rule(old: str, new: str, category: Category, must: set[str], must_not: set[str]) -> None:
    found = breaking(old, new, category)
    assert must <= found
    assert not (must_not & found)


def test_changing_the_package_breaks_every_category() -> None:
    for category in Category:
        assert "FILE_SAME_PACKAGE" in breaking(proto(ORDER), proto(ORDER, "shop.v2"), category)


def test_rules_outside_the_category_are_information() -> None:
    old, new = proto(ORDER), proto("message Order { string id = 1; int32 quantity = 2; }")
    changes = protobuf.diff(parse_text(old), parse_text(new), Category.WIRE)
    assert {c.rule: c.level for c in changes}["FIELD_SAME_NAME"] is Level.INFO


def test_strict_policy_checks_generated_code_like_buf_default() -> None:
    old = protobuf.ENGINE.parse(Source(proto(f"{ORDER} message X {{}}"), "a.proto"))
    new = protobuf.ENGINE.parse(Source(proto(ORDER), "a.proto"))
    assert check(protobuf.ENGINE, new, [("1", old)], Mode.BACKWARD).compatible
    report = check(protobuf.ENGINE, new, [("1", old)], Mode.BACKWARD, Policy.STRICT)
    assert [c.rule for c in report.breaking] == ["MESSAGE_NO_DELETE"]


def test_two_files_with_different_names_are_compared_as_one() -> None:
    old = protobuf.ENGINE.parse(Source(proto(ORDER), "dir/v1.proto"))
    new = protobuf.ENGINE.parse(Source(proto("message Order { string id = 1; }"), "v2.proto"))
    rules = {c.rule for c in protobuf.ENGINE.diff(old, new, Policy.LENIENT)}
    assert "FILE_NO_DELETE" not in rules
    assert "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED" in rules


def test_imports_are_read_through_read_relative_and_types_resolved() -> None:
    common = proto("enum Status { STATUS_UNSPECIFIED = 0; }", "shop.common")
    body = 'import "common.proto";\nmessage Order { shop.common.Status status = 1; }'
    read = {"common.proto": common}.__getitem__
    module = protobuf.ENGINE.parse(Source(proto(body), "order.proto", read))
    field = module.files["order.proto"].messages["shop.v1.Order"].fields[1]
    assert (field.type, field.kind) == ("shop.common.Status", "enum")
    assert "common.proto" in module.imported


def test_parses_proto2_groups_extensions_maps_and_editions() -> None:
    text = """
    edition = "2023";
    package p;
    option features.field_presence = IMPLICIT;
    message M {
      map<string, int32> counts = 1;
      int32 plain = 2;
      int32 kept = 3 [features.field_presence = EXPLICIT];
      reserved 5 to 9, 100 to max;
      reserved bad;
      extensions 1000 to 2000;
      message N { int32 x = 1; }
    }
    extend M { int32 ext = 1000; }
    """
    f = parse_text(text).files["<input>"]
    m = f.messages["p.M"]
    assert [m.fields[n].presence for n in (1, 2, 3)] == ["map", "implicit", "explicit"]
    assert m.reserved.has_number(7) and m.reserved.has_number(10**6) and "bad" in m.reserved.names
    assert ("p.M", 1000) in f.extensions and "p.M.N" in f.messages
    g = parse_text(
        'syntax = "proto2"; message G { optional group Item = 1 { optional int32 a = 1; } }'
    ).files["<input>"]
    assert g.messages["G"].fields[1].kind == "group" and "G.Item" in g.messages


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param('syntax = "proto3";\nmessage {', "a.proto:2:9", id="missing_name"),
        pytest.param(
            'syntax = "proto3";\nmessage M { int32 x = ; }', "a.proto:2:23", id="missing_number"
        ),
        pytest.param('syntax = "proto3";\n$', "a.proto:2:1", id="bad_character"),
    ],
)
def test_bad_input_says_where(text: str, where: str) -> None:
    with pytest.raises(ParseError) as info:
        protobuf.ENGINE.parse(Source(text, "a.proto"))
    assert info.value.where == where


def test_sniff_recognises_proto_files() -> None:
    assert protobuf.ENGINE.sniff(Source("", "a.proto"))
    assert protobuf.ENGINE.sniff(Source(proto(ORDER), "schema.txt"))
    assert not protobuf.ENGINE.sniff(Source('{"type": "record"}', "a.avsc"))
    yaml_with_words = "description: the message syntax is explained below\ntype: object\n"
    assert not protobuf.ENGINE.sniff(Source(yaml_with_words, "schema.yaml"))


# -- buf's own breaking-change corpus ---------------------------------------------------------

BUF_CASES = cases(BUF_CORPUS)


@pytest.mark.parametrize("case", BUF_CASES, ids=[c["case"] for c in BUF_CASES])
def test_reports_the_rule_ids_buf_reports_as_often_as_buf(case: dict[str, Any]) -> None:
    found = run_case(BUF_CORPUS, case)
    assert dict(found) == case["rule_counts"]


# -- buf as a live oracle over generated pairs -------------------------------------------------

BUF = (
    os.environ.get("UNLOCKSTEP_BUF")
    or shutil.which("buf")
    or next(
        (
            str(p)
            for p in (Path(__file__).parents[2] / "bench/.cache/node_modules/.bin/buf",)
            if p.exists()
        ),
        None,
    )
)

SCALAR_TYPES = [
    "int32",
    "int64",
    "uint32",
    "sint32",
    "bool",
    "string",
    "bytes",
    "fixed32",
    "sfixed32",
    "double",
    "Color",
    "Other",
]


@st.composite
def proto_files(draw: st.DrawFn) -> str:
    fields = draw(
        st.dictionaries(
            st.integers(1, 5),
            st.tuples(
                st.sampled_from(["", "optional ", "repeated "]),
                st.sampled_from(SCALAR_TYPES),
                st.sampled_from(["a", "b", "c", "d", "e"]),
                st.booleans(),
            ),
            max_size=4,
        )
    )
    lines, used = [], set()
    oneof = []
    for number, (label, type_, name, in_oneof) in sorted(fields.items()):
        if name in used:
            continue
        used.add(name)
        if in_oneof and not label:
            oneof.append(f"{type_} {name} = {number};")
        else:
            lines.append(f"{label}{type_} {name} = {number};")
    if oneof:
        lines.append("oneof choice { " + " ".join(oneof) + " }")
    reserved = draw(st.lists(st.integers(6, 8), max_size=2, unique=True))
    if reserved:
        lines.append("reserved " + ", ".join(map(str, reserved)) + ";")
    values = draw(st.lists(st.sampled_from(["RED", "GREEN", "BLUE"]), max_size=3, unique=True))
    enum = " ".join(f"COLOR_{v} = {i + 1};" for i, v in enumerate(values))
    rpc = draw(
        st.sampled_from(
            [
                "",
                "rpc Get(M) returns (M);",
                "rpc Get(M) returns (stream M);",
                "rpc Get(Other) returns (M);",
            ]
        )
    )
    return proto(
        "message M { " + " ".join(lines) + " }\nmessage Other {}\n"
        f"enum Color {{ COLOR_UNSPECIFIED = 0; {enum} }}\nservice S {{ {rpc} }}",
        "oracle.v1",
    )


def _buf_rules(old: str, new: str, category: str) -> Counter[str]:
    assert BUF is not None
    with tempfile.TemporaryDirectory() as tmp:
        for side, text in (("old", old), ("new", new)):
            (Path(tmp) / side).mkdir()
            (Path(tmp) / side / "a.proto").write_text(text)
            (Path(tmp) / side / "buf.yaml").write_text(
                f"version: v2\nbreaking:\n  use: [{category}]\n"
            )
        run = subprocess.run(
            [BUF, "breaking", "new", "--against", "old", "--error-format", "json"],
            cwd=tmp,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    assert run.returncode in (0, 100), run.stderr
    return Counter(json.loads(line)["type"] for line in run.stdout.splitlines() if line)


@pytest.mark.slow
@pytest.mark.skipif(BUF is None, reason="buf not installed (npm install @bufbuild/buf)")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old=proto_files(), new=proto_files(), category=st.sampled_from(["WIRE", "WIRE_JSON", "FILE"])
)
def test_agrees_with_buf_on_generated_pairs(old: str, new: str, category: str) -> None:
    expected = set(_buf_rules(old, new, category))
    found = breaking(old, new, Category(category))
    assert found == expected
