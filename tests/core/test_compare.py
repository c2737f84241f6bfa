"""``compare``: the one way in for comparing two contract versions, whatever form they come in."""

from __future__ import annotations

import json

import pytest

from unlockstep.core.compare import Earlier, compare
from unlockstep.core.compat import Mode, Policy, Source
from unlockstep.errors import InvalidInput, ParseError

OLD = {"type": "object", "properties": {"id": {"type": "string"}}}
NEW = {"type": "object", "properties": {"id": {"type": "integer"}}}  # breaks readers and writers


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (json.dumps(OLD), json.dumps(NEW)),
        (json.dumps(OLD).encode(), json.dumps(NEW).encode()),
        (OLD, NEW),
        (Source(json.dumps(OLD), "old.json"), Source(json.dumps(NEW), "new.json")),
        ("type: object\nproperties:\n  id: {type: string}\n", NEW),
    ],
    ids=["str", "bytes", "parsed", "source", "yaml-text-and-parsed"],
)
def test_every_form_of_a_document_gives_the_same_report(old: object, new: object) -> None:
    report = compare(old, new)  # type: ignore[arg-type]
    assert report.kind == "jsonschema"
    assert not report.compatible
    assert {c.rule for c in report.breaking} == {"type-changed"}


def test_a_document_is_compatible_with_itself() -> None:
    assert compare(OLD, OLD).compatible


def test_mode_and_policy_may_be_given_as_text() -> None:
    report = compare(OLD, NEW, mode="full-transitive", policy="STRICT")
    assert report.mode is Mode.FULL_TRANSITIVE


def test_no_earlier_version_is_trivially_compatible_but_the_new_one_is_still_read() -> None:
    assert compare(None, NEW, kind="jsonschema").compatible
    with pytest.raises(ParseError, match="does not resolve"):
        compare(None, {"properties": {"a": {"$ref": "#/$defs/Missing"}}}, kind="jsonschema")


def test_a_history_is_judged_transitively_against_every_version() -> None:
    history = [Earlier("1", OLD), Earlier("2", NEW)]
    report = compare(history, NEW, mode=Mode.BACKWARD_TRANSITIVE)
    assert {c.against for c in report.breaking} == {"1"}
    assert compare(history, NEW, mode=Mode.BACKWARD).compatible


@pytest.mark.parametrize("side", ["old", "new"])
def test_a_ref_that_resolves_nowhere_is_refused_on_either_side_naming_its_pointer(
    side: str,
) -> None:
    dangling = {**OLD, "$defs": {"Unused": {"$ref": "#/$defs/Missing"}}}
    old, new = (dangling, OLD) if side == "old" else (OLD, dangling)
    with pytest.raises(ParseError) as caught:
        compare(old, new)
    assert caught.value.where is not None and caught.value.where.endswith("#/$defs/Unused/$ref")


def test_an_unknown_mode_policy_or_input_type_is_bad_input_saying_what_to_use() -> None:
    with pytest.raises(InvalidInput, match="unknown mode"):
        compare(OLD, NEW, mode="sideways")
    with pytest.raises(InvalidInput, match="unknown policy"):
        compare(OLD, NEW, policy=Policy.STRICT.value + "er")
    with pytest.raises(InvalidInput, match=r"pathlib\.Path") as caught:
        compare(OLD, 42)  # type: ignore[arg-type]
    assert caught.value.hint is not None


def test_invalid_utf8_bytes_are_a_parse_error_with_the_offset() -> None:
    with pytest.raises(ParseError, match="byte offset 3"):
        compare(OLD, b'{"a\xff": 1}')


def test_a_file_name_given_as_text_is_bad_input_saying_to_pass_a_path() -> None:
    with pytest.raises(InvalidInput, match="looks like a file name") as caught:
        compare("contracts/v1.yaml", "contracts/v2.yaml")
    assert caught.value.hint is not None and "pathlib.Path" in caught.value.hint
