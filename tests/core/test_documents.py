"""Loading documents safely, finding lines, and following ``$ref``."""

from __future__ import annotations

import json

import pytest

from unlockstep.core.compat._model import Source
from unlockstep.core.documents import (
    MAX_SIZE,
    MISSING,
    Resolver,
    decode,
    join,
    json_type,
    load_document,
    load_stream,
    split,
    too_large,
    value_at,
)
from unlockstep.errors import DocumentTooLarge, ParseError

JSON_TEXT = '{\n  "a": 1,\n  "b/c": {\n    "x": [1,\n      2, {"y": 3}]\n  },\n  "d": "}"\n}\n'
YAML_TEXT = "a: 1\nb/c:\n  x:\n    - 1\n    - 2\n    - y: 3\nd: '}'\n"


@pytest.mark.parametrize(
    ("pointer", "json_line", "yaml_line"),
    [
        ("", 1, 1),
        ("/a", 2, 1),
        ("/b~1c", 3, 2),
        ("/b~1c/x", 4, 3),
        ("/b~1c/x/1", 5, 5),
        ("/b~1c/x/2/y", 5, 6),
        ("/d", 7, 7),
        ("/missing", 1, 1),  # unknown pointers fall back to the nearest ancestor
        ("/b~1c/x/9", 4, 3),
    ],
)
def test_a_pointer_maps_to_its_line_in_json_and_yaml(
    pointer: str, json_line: int, yaml_line: int
) -> None:
    assert load_document(Source(JSON_TEXT, "d.json")).line_of(pointer) == json_line
    assert load_document(Source(YAML_TEXT, "d.yaml")).line_of(pointer) == yaml_line


def test_json_and_yaml_give_the_same_data() -> None:
    assert load_document(Source(JSON_TEXT)).data == load_document(Source(YAML_TEXT)).data


def test_yaml_keeps_json_types_and_leaves_dates_as_text() -> None:
    doc = load_document(Source("200: {sunset: 2025-01-01, n: 1.5, ok: true, none: null}\n"))
    assert doc.data == {"200": {"sunset": "2025-01-01", "n": 1.5, "ok": True, "none": None}}


def test_yaml_merge_keys_are_applied() -> None:
    doc = load_document(Source("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n"))
    assert doc.data["thing"] == {"x": 1, "y": 3}


def test_join_escapes_tokens() -> None:
    assert join("/paths", "/cases/{id}", 0) == "/paths/~1cases~1{id}/0"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep.json", "[" * 10_000 + "]" * 10_000, "nested too deeply"),
        ("deep-object.json", '{"a":' * 10_000 + "1" + "}" * 10_000, "nested too deeply"),
        ("deep.yaml", "a: " + "[" * 10_000 + "]" * 10_000, "nested too deeply"),
        ("deep-flow.yaml", "a: " + "{a: " * 10_000 + "1" + "}" * 10_000, "nested too deeply"),
        # block sequences nested on one line: libyaml's composer would overflow the C stack
        ("deep-compact.yaml", "a:\n" + "- " * 100_000 + "x\n", "nested too deeply"),
        ("deep-indent.yaml", "".join(" " * i + "a:\n" for i in range(600)), "nested too deeply"),
        ("recursive.yaml", "a: &a [*a]\n", "recursive alias"),
        ("dup.json", '{"a": 1, "a": 2}', "duplicate key 'a'"),
        ("dup.yaml", "a: 1\nb: 2\na: 3\n", "duplicate key 'a' (first on line 1)"),
        ("broken.json", '{"a": }', "invalid JSON"),
        ("broken.yaml", "a: [1, 2\n", "invalid YAML"),
        ("empty.yaml", "", "empty"),
    ],
)
def test_hostile_or_broken_input_is_a_parse_error_naming_the_file(
    name: str, text: str, message: str
) -> None:
    with pytest.raises(ParseError) as info:
        load_document(Source(text, name))
    assert message in str(info.value)
    assert name in str(info.value)


def test_a_yaml_alias_bomb_is_refused() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(8):
        prev, cur = chr(97 + i), chr(98 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(ParseError, match="alias bomb"):
        load_document(Source("\n".join(lines) + "\n", "bomb.yaml"))


def test_modest_alias_use_is_fine() -> None:
    doc = load_document(Source("a: &a {x: 1}\nb: *a\nc: *a\n"))
    assert doc.data["c"] == {"x": 1}


def test_invalid_utf8_names_the_byte_offset() -> None:
    with pytest.raises(ParseError, match="byte offset 7"):
        decode(b'{"a": "\xff"}', "bad.json")


def test_decode_drops_a_bom() -> None:
    assert decode(b'\xef\xbb\xbf{"a": 1}') == '{"a": 1}'


def test_documents_over_the_size_cap_are_refused_before_parsing() -> None:
    with pytest.raises(DocumentTooLarge, match="more than the limit"):
        load_document(Source("[" + "1," * 1000 + "1]", "big.json"), max_size=1000)
    with pytest.raises(DocumentTooLarge, match="more than the limit"):
        decode(b"x" * 2000, "big.json", max_size=1000)


def test_a_refused_document_says_its_size_the_limit_where_and_what_to_do() -> None:
    error = too_large(50 * 1024 * 1024, MAX_SIZE, "api.json")
    assert error.message == (
        "document is 52,428,800 bytes (50 MiB), more than the limit of 33,554,432 bytes (32 MiB)"
    )
    assert error.where == "api.json"
    assert error.hint is not None and "split the document" in error.hint
    assert "--max-document-mb" in error.hint and "UNLOCKSTEP_MAX_DOCUMENT_MB" in error.hint
    assert (error.http_status, error.exit_code) == (413, 2)


def test_the_default_cap_is_32_mib_which_a_github_sized_description_fits() -> None:
    assert MAX_SIZE == 32 * 1024 * 1024


def test_the_size_cap_is_the_adapters_so_a_raised_limit_is_not_undone_by_the_engines() -> None:
    text = "a: " + "x" * 2000 + "\n"
    assert load_document(Source(text, "ok.yaml")).data == {"a": "x" * 2000}
    assert decode(text.encode(), "ok.yaml", max_size=None) == text


def test_yaml_with_many_flow_brackets_but_shallow_nesting_loads() -> None:
    text = "".join(f"k{i}: [{{a: [1]}}, [2], 'see [docs'] # ]]\n" for i in range(1_000))
    assert load_document(Source(text, "wide.yaml")).data["k999"] == [{"a": [1]}, [2], "see [docs"]


def test_a_deep_yaml_document_is_refused_naming_the_line_where_the_cap_is_passed() -> None:
    text = "x: 1\ny:\n" + "- " * 1_000 + "z\n"
    with pytest.raises(ParseError, match="nested too deeply") as info:
        load_document(Source(text, "deep.yaml"))
    assert info.value.where == "deep.yaml:3"


def test_a_big_json_document_loads_and_finds_a_late_line() -> None:
    paths = {f"/p{i}": {"get": {"description": "x" * 100}} for i in range(20_000)}
    text = json.dumps({"openapi": "3.1.0", "paths": paths}, indent=2)
    doc = load_document(Source(text, "big.json"))
    assert doc.line_of("/paths/~1p19999/get/description") == text.count("\n") - 3


# ----------------------------------------------------------------------------- $ref


def resolver_for(data: object, files: dict[str, str] | None = None) -> Resolver:
    read = (files or {}).__getitem__
    return Resolver(load_document(Source(json.dumps(data), "root/main.json", read_relative=read)))


def test_local_and_anchor_refs_resolve() -> None:
    r = resolver_for({"$defs": {"A": {"$anchor": "anchored", "type": "string"}}})
    assert r.resolve("#/$defs/A", r.root).value["type"] == "string"
    assert r.resolve("#anchored", r.root).pointer == "/$defs/A"


def test_relative_files_resolve_relative_to_the_referring_file() -> None:
    files = {
        "sub/a.json": json.dumps({"A": {"$ref": "b.json#/B"}}),
        "sub/b.json": json.dumps({"B": {"type": "integer"}}),
    }
    r = resolver_for({"x": {"$ref": "sub/a.json#/A"}}, files)
    target = r.deref(r.root.data["x"], r.root, "/x")
    assert target.value == {"type": "integer"}
    assert target.document.filename == "root/sub/b.json"
    assert target.pointer == "/B"


def test_an_unresolvable_ref_names_the_file_and_pointer() -> None:
    r = resolver_for({"x": {"$ref": "#/$defs/Missing"}})
    with pytest.raises(ParseError) as info:
        r.deref(r.root.data["x"], r.root, "/x")
    assert "does not resolve" in str(info.value)
    assert "root/main.json#/x/$ref" in str(info.value)


def test_a_ref_chain_that_loops_is_refused_not_followed_forever() -> None:
    r = resolver_for({"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}})
    with pytest.raises(ParseError, match="loops back"):
        r.deref(r.root.data["$defs"]["A"], r.root, "/$defs/A")


def test_remote_refs_are_refused_with_a_hint() -> None:
    r = resolver_for({"x": {"$ref": "https://example.com/s.json"}})
    with pytest.raises(ParseError, match="remote"):
        r.deref(r.root.data["x"], r.root, "/x")


def test_a_missing_relative_file_is_a_parse_error() -> None:
    def read(name: str) -> str:
        raise ParseError(f"cannot read {name}", where="root/main.json")

    doc = load_document(Source('{"x": {"$ref": "nope.json"}}', "root/main.json", read))
    r = Resolver(doc)
    with pytest.raises(ParseError, match=r"cannot read nope\.json"):
        r.deref(doc.data["x"], doc, "/x")


def test_a_key_nested_in_an_earlier_sibling_is_not_taken_for_the_direct_member() -> None:
    text = '{\n "a": {"get": {"x": "[not a bracket"}},\n "b": "]",\n "get": 2\n}'
    doc = load_document(Source(text, "t.json"))
    assert doc.line_of("/get") == 4
    assert doc.line_of("/a/get/x") == 2


def test_every_member_of_a_huge_object_finds_its_own_line_not_a_nested_namesake() -> None:
    # members whose names recur nested in earlier members, across many 4 KB chunks
    schemas = {
        f"s{i}": {"properties": {f"s{i + 1}": {"type": "string"}, "id": {"enum": ["[x]"]}}}
        for i in range(3_000)
    }
    text = json.dumps({"components": {"schemas": schemas}}, indent=1)
    doc = load_document(Source(text, "big.json"))
    lines = text.split("\n")
    for i in range(0, 3_000, 7):
        line = doc.line_of(f"/components/schemas/s{i}")
        assert line is not None and lines[line - 1] == f'   "s{i}": {{', i
        assert doc.line_of(f"/components/schemas/s{i}") == line  # asked again: same answer
    assert doc.line_of("/components/schemas/s5/properties/id/enum/0") == 4 + 12 * 5 + 7


def test_the_json_loader_records_every_string_ref_however_it_is_spelt() -> None:
    text = json.dumps(
        {"a": {"$ref": "#/$defs/A"}, "b": [{"$ref": "other.json#/B"}], "c": {"$ref": 3}}
    ).replace('"$ref": "other', '"\\u0024ref": "other')
    doc = load_document(Source(text, "s.json"))
    assert sorted(doc.refs or ()) == ["#/$defs/A", "other.json#/B"]
    assert load_document(Source("a: {$ref: '#/x'}", "s.yaml")).refs is None  # not recorded


# --------------------------------------------------------------------------- json_type


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "integer"),  # JSON Schema: a number with a zero fractional part is an integer
        (-0.0, "integer"),
        (1e300, "integer"),
        (1, "integer"),
        (1.5, "number"),
        (float("inf"), "number"),
        (True, "boolean"),  # never an integer, though bool is an int in Python
        (False, "boolean"),
        (None, "null"),
        ("1.0", "string"),
        ([], "array"),
        ({}, "object"),
    ],
)
def test_json_type_names_a_value_as_json_schema_does(value: object, expected: str) -> None:
    assert json_type(value) == expected


# --------------------------------------------------------------------------- pointers


@pytest.mark.parametrize(
    ("pointer", "tokens"),
    [("", []), ("/a", ["a"]), ("/a~1b/~0c/0", ["a/b", "~c", "0"]), ("#/x/", ["x", ""])],
)
def test_a_pointer_splits_into_unescaped_tokens_and_joins_back(
    pointer: str, tokens: list[str]
) -> None:
    assert split(pointer) == tokens
    assert join("", *tokens) == pointer.removeprefix("#")


def test_value_at_follows_members_and_items_and_says_when_nothing_is_there() -> None:
    data = {"a/b": [{"c": 1}], "~": 2}
    assert value_at(data, "/a~1b/0/c") == 1
    assert value_at(data, "#/~0") == 2
    assert value_at(data, "/a~1b/1") is None
    assert value_at(data, "/a~1b/x", MISSING) is MISSING
    assert value_at(data, "") is data


def test_a_yaml_stream_loads_every_document_with_its_own_lines() -> None:
    docs = load_stream(Source("a: 1\n---\n---\nb:\n  c: 2\n", "s.yaml"))
    assert [d.data for d in docs] == [{"a": 1}, None, {"b": {"c": 2}}]
    assert docs[2].line_of("/b/c") == 5
