"""Avro reader/writer resolution: named cases, Apache Avro's and Apicurio's pairs, a live oracle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import conformance
from unlockstep.core.avro import _engine as avro
from unlockstep.core.avro._schema import parse_text
from unlockstep.core.compat._model import Breaks, Level, Mode, Policy, Source, check
from unlockstep.errors import ParseError

FIXTURES = Path(__file__).parent / "fixtures"
APICURIO = conformance.corpus("apicurio-avro")


def record(*fields: dict[str, Any], name: str = "Order", **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "shop", "fields": list(fields), **extra}


def doc(schema: Any, filename: str = "x.avsc") -> avro.AvroDocument:
    return parse_text(json.dumps(schema), filename)


def rules(old: Any, new: Any, policy: Policy = Policy.LENIENT) -> dict[str, tuple[str, str]]:
    return {c.rule: (c.level.value, c.breaks.value) for c in avro.diff(doc(old), doc(new), policy)}


ENUM_AB = {"type": "enum", "name": "Status", "symbols": ["A", "B"]}
ENUM_ABC = {"type": "enum", "name": "Status", "symbols": ["A", "B", "C"]}
ENUM_AB_DEFAULT = {**ENUM_AB, "default": "A"}

# (name, old, new, rule, level, breaks)
CASES = [
    (
        "adding_a_field_without_default_breaks_old_writers",
        record({"name": "id", "type": "int"}),
        record({"name": "id", "type": "int"}, {"name": "note", "type": "string"}),
        "field-added-without-default",
        "breaking",
        "writers",
    ),
    (
        "adding_a_field_with_default_is_safe",
        record({"name": "id", "type": "int"}),
        record(
            {"name": "id", "type": "int"},
            {"name": "n", "type": ["null", "string"], "default": None},
        ),
        "field-added-with-default",
        "info",
        "none",
    ),
    (
        "removing_a_field_without_default_warns_old_readers",
        record({"name": "id", "type": "int"}, {"name": "note", "type": "string"}),
        record({"name": "id", "type": "int"}),
        "field-removed-without-default",
        "warning",
        "readers",
    ),
    (
        "removing_a_field_with_default_is_safe",
        record({"name": "id", "type": "int"}, {"name": "note", "type": "string", "default": ""}),
        record({"name": "id", "type": "int"}),
        "field-removed",
        "info",
        "none",
    ),
    (
        "int_to_long_is_a_promotion",
        record({"name": "id", "type": "int"}),
        record({"name": "id", "type": "long"}),
        "type-promoted",
        "info",
        "none",
    ),
    (
        "long_to_int_breaks_old_writers",
        record({"name": "id", "type": "long"}),
        record({"name": "id", "type": "int"}),
        "type-mismatch",
        "breaking",
        "writers",
    ),
    (
        "int_to_string_breaks_both_sides",
        record({"name": "id", "type": "int"}),
        record({"name": "id", "type": "string"}),
        "type-mismatch",
        "breaking",
        "both",
    ),
    (
        "string_to_bytes_is_a_promotion",
        record({"name": "b", "type": "string"}),
        record({"name": "b", "type": "bytes"}),
        "type-promoted",
        "info",
        "none",
    ),
    (
        "removing_an_enum_symbol_breaks_old_writers",
        record({"name": "s", "type": ENUM_ABC}),
        record({"name": "s", "type": ENUM_AB}),
        "enum-symbol-removed",
        "breaking",
        "writers",
    ),
    (
        "removing_an_enum_symbol_is_safe_with_an_enum_default",
        record({"name": "s", "type": {**ENUM_ABC, "default": "A"}}),
        record({"name": "s", "type": ENUM_AB_DEFAULT}),
        "enum-symbol-removed-with-default",
        "info",
        "none",
    ),
    (
        "adding_an_enum_symbol_warns_old_readers",
        record({"name": "s", "type": ENUM_AB}),
        record({"name": "s", "type": ENUM_ABC}),
        "enum-symbol-added",
        "warning",
        "readers",
    ),
    (
        "dropping_null_from_a_union_breaks_old_writers",
        record({"name": "n", "type": ["null", "string"]}),
        record({"name": "n", "type": "string"}),
        "union-branch-removed",
        "breaking",
        "writers",
    ),
    (
        "adding_a_union_branch_warns_old_readers",
        record({"name": "n", "type": ["null", "string"]}),
        record({"name": "n", "type": ["null", "string", "int"]}),
        "union-branch-added",
        "warning",
        "readers",
    ),
    (
        "making_a_field_optional_is_readable",
        record({"name": "n", "type": "string"}),
        record({"name": "n", "type": ["null", "string"]}),
        "type-changed-to-union",
        "info",
        "none",
    ),
    (
        "renaming_a_record_without_alias_breaks",
        record({"name": "id", "type": "int"}),
        record({"name": "id", "type": "int"}, name="Purchase"),
        "name-changed",
        "breaking",
        "both",
    ),
    (
        "renaming_a_record_with_alias_is_readable",
        record({"name": "id", "type": "int"}),
        record({"name": "id", "type": "int"}, name="Purchase", aliases=["Order"]),
        "name-changed-with-alias",
        "info",
        "none",
    ),
    (
        "renaming_a_field_with_alias_is_readable",
        record({"name": "id", "type": "int"}),
        record({"name": "key", "type": "int", "aliases": ["id"]}),
        "field-renamed-with-alias",
        "info",
        "none",
    ),
    (
        "changing_a_fixed_size_breaks",
        record({"name": "h", "type": {"type": "fixed", "name": "H", "size": 16}}),
        record({"name": "h", "type": {"type": "fixed", "name": "H", "size": 32}}),
        "fixed-size-changed",
        "breaking",
        "both",
    ),
    (
        "changing_decimal_scale_warns_by_default",
        record(
            {
                "name": "p",
                "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2},
            }
        ),
        record(
            {
                "name": "p",
                "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 4},
            }
        ),
        "logical-type-changed",
        "warning",
        "both",
    ),
    (
        "array_items_are_compared",
        record({"name": "xs", "type": {"type": "array", "items": "long"}}),
        record({"name": "xs", "type": {"type": "array", "items": "int"}}),
        "type-mismatch",
        "breaking",
        "writers",
    ),
    (
        "map_values_are_compared",
        record({"name": "m", "type": {"type": "map", "values": "string"}}),
        record({"name": "m", "type": {"type": "map", "values": "int"}}),
        "type-mismatch",
        "breaking",
        "both",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "rule", "level", "breaks"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_rule(old: Any, new: Any, rule: str, level: str, breaks: str) -> None:
    assert rules(old, new).get(rule) == (level, breaks)


def test_logical_type_change_is_breaking_under_strict_policy() -> None:
    old = record({"name": "t", "type": {"type": "long", "logicalType": "timestamp-millis"}})
    new = record({"name": "t", "type": {"type": "long", "logicalType": "timestamp-micros"}})
    assert rules(old, new, Policy.STRICT)["logical-type-changed"] == ("breaking", "both")


LINKED_LIST = record(
    {"name": "value", "type": "int"},
    {"name": "next", "type": ["null", "Order"], "default": None},
)


def test_recursive_records_terminate_and_report_nested_changes() -> None:
    new = record(
        {"name": "value", "type": "long"},
        {"name": "next", "type": ["null", "Order"], "default": None},
        {"name": "tag", "type": "string"},
    )
    found = rules(LINKED_LIST, new)
    assert found["field-added-without-default"] == ("breaking", "writers")
    assert found["type-promoted"] == ("info", "none")


def test_a_schema_is_compatible_with_itself_in_every_mode() -> None:
    d = doc(LINKED_LIST)
    for mode in Mode:
        assert check(avro.ENGINE, d, [("1", d)], mode).compatible


def test_full_mode_fails_when_only_the_forward_direction_breaks() -> None:
    old = doc(record({"name": "s", "type": ENUM_AB}))
    new = doc(record({"name": "s", "type": ENUM_ABC}))
    assert check(avro.ENGINE, new, [("1", old)], Mode.BACKWARD).compatible
    report = check(avro.ENGINE, new, [("1", old)], Mode.FULL)
    assert not report.compatible
    assert [c.rule for c in report.breaking] == ["enum-symbol-removed"]


def test_changes_carry_file_pointer_and_suggestion() -> None:
    old = doc(record({"name": "id", "type": "int"}), "v1.avsc")
    new = doc(record({"name": "id", "type": "int"}, {"name": "x", "type": "int"}), "v2.avsc")
    (change,) = [c for c in avro.diff(old, new) if c.level is Level.BREAKING]
    assert change.location.file == "v2.avsc"
    assert change.location.pointer == "/fields/1"
    assert change.location.subject == "shop.Order.x"
    assert "default" in change.suggestion
    assert change.breaks is Breaks.WRITERS


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("{", "x.avsc:1:2", id="invalid_json"),
        pytest.param('{"type": "record", "name": "R"}', "x.avsc#/fields", id="no_fields"),
        pytest.param(
            '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "Nope"}]}',
            "x.avsc#/fields/0/type",
            id="unknown_type",
        ),
        pytest.param(
            '{"type": "enum", "name": "E", "symbols": [1]}', "x.avsc#/symbols", id="bad_symbols"
        ),
    ],
)
def test_bad_input_says_where(text: str, where: str) -> None:
    with pytest.raises(ParseError) as info:
        avro.ENGINE.parse(Source(text, "x.avsc"))
    assert info.value.where == where


def test_sniff_recognises_avsc_by_extension_and_content() -> None:
    assert avro.ENGINE.sniff(Source("", "a.avsc"))
    assert avro.ENGINE.sniff(Source(json.dumps(LINKED_LIST), "a.json"))
    assert not avro.ENGINE.sniff(Source('{"type": "object", "properties": {}}', "a.json"))


def test_sniffing_a_deeply_nested_json_document_says_no_instead_of_crashing() -> None:
    deep = '{"type": "record", "name": "R", "fields": ' + "[" * 10_000 + "]" * 10_000 + "}"
    assert not avro.ENGINE.sniff(Source(deep, "deep.json"))


# -- Apache Avro's own pairs (re-derived data: reader, writer, verdict of avro.compatibility) ---

ORACLE_PAIRS = json.loads((FIXTURES / "avro_oracle_pairs.json").read_text())["pairs"]


@pytest.mark.parametrize("pair", ORACLE_PAIRS, ids=[f"pair{i}" for i in range(len(ORACLE_PAIRS))])
def test_agrees_with_apache_avro_pairs(pair: dict[str, Any]) -> None:
    reader, writer = doc(pair["reader"]), doc(pair["writer"])
    changes = avro.diff(writer, reader)
    assert (not any(c.level is Level.BREAKING for c in changes)) == pair["compatible"]
    assert avro.compatible(reader, writer) == pair["compatible"]


APICURIO_CASES = json.loads((APICURIO / "compatibility-test-data.json").read_text())["tests"]


@pytest.mark.parametrize("case", APICURIO_CASES, ids=[c["id"] for c in APICURIO_CASES])
def test_agrees_with_apicurio_cases(case: dict[str, Any]) -> None:
    old, new = doc(case["original"]), doc(case["updated"])
    backward = check(avro.ENGINE, new, [("1", old)], Mode.BACKWARD).compatible
    forward = check(avro.ENGINE, new, [("1", old)], Mode.FORWARD).compatible
    expected = {"backward": (True, False), "both": (True, True), "none": (False, False)}
    assert (backward, forward) == expected[case["compatibility"]]


# -- live oracle: Apache Avro's checker over generated schema pairs ---------------------------

PRIMS = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]


def _type(draw: st.DrawFn, defined: set[str], depth: int) -> Any:
    choice = draw(
        st.sampled_from(
            ["prim", "prim", "enum", "fixed", "array", "map", "union", "record"]
            if depth < 2
            else ["prim"]
        )
    )
    if choice == "prim":
        return draw(st.sampled_from(PRIMS))
    if choice in ("enum", "fixed", "record"):
        name = {"enum": "E", "fixed": "F", "record": "R"}[choice]
        if name in defined:
            return name
        defined.add(name)
        if choice == "enum":
            symbols = draw(st.lists(st.sampled_from("XYZ"), min_size=1, max_size=3, unique=True))
            out: dict[str, Any] = {"type": "enum", "name": "E", "symbols": symbols}
            if draw(st.booleans()):
                out["default"] = draw(st.sampled_from(symbols))
            return out
        if choice == "fixed":
            return {"type": "fixed", "name": "F", "size": draw(st.integers(1, 2))}
        return {"type": "record", "name": "R", "fields": _fields(draw, defined, depth + 1)}
    if choice == "array":
        return {"type": "array", "items": _type(draw, defined, depth + 1)}
    if choice == "map":
        return {"type": "map", "values": _type(draw, defined, depth + 1)}
    return draw(st.lists(st.sampled_from(PRIMS), min_size=1, max_size=3, unique=True))


def _fields(draw: st.DrawFn, defined: set[str], depth: int) -> list[dict[str, Any]]:
    names = draw(st.lists(st.sampled_from("abc"), max_size=3, unique=True))
    fields = []
    for n in names:
        f: dict[str, Any] = {"name": n, "type": _type(draw, defined, depth)}
        if f["type"] == "int" and draw(st.booleans()):
            f["default"] = 0
        if isinstance(f["type"], list) and f["type"][0] == "null" and draw(st.booleans()):
            f["default"] = None
        fields.append(f)
    return fields


@st.composite
def schemas(draw: st.DrawFn) -> dict[str, Any]:
    return {"type": "record", "name": "Root", "fields": _fields(draw, set(), 0)}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reader=schemas(), writer=schemas())
def test_agrees_with_the_apache_avro_checker_on_generated_pairs(
    reader: dict[str, Any], writer: dict[str, Any]
) -> None:
    oracle = pytest.importorskip("avro.compatibility")
    avro_schema = pytest.importorskip("avro.schema")
    expected = (
        oracle.ReaderWriterCompatibilityChecker()
        .get_compatibility(
            avro_schema.parse(json.dumps(reader)), avro_schema.parse(json.dumps(writer))
        )
        .compatibility
        is oracle.SchemaCompatibilityType.compatible
    )
    changes = avro.diff(doc(writer), doc(reader))
    assert (not any(c.level is Level.BREAKING for c in changes)) == expected


def test_changes_carry_the_line_of_the_field_in_the_reader_schema() -> None:
    old = record({"name": "id", "type": "int"})
    new = record({"name": "id", "type": "int"}, {"name": "note", "type": "string"})
    old_doc = parse_text(json.dumps(old, indent=2), "v1.avsc")
    new_doc = parse_text(json.dumps(new, indent=2), "v2.avsc")
    (change,) = [c for c in avro.diff(old_doc, new_doc) if c.level is Level.BREAKING]
    text = json.dumps(new, indent=2).splitlines()
    assert change.location.line is not None
    assert text[change.location.line - 1].strip() == "{"  # the field object ...
    assert '"name": "note"' in text[change.location.line]  # ... whose first member names it
