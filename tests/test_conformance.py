"""The conformance corpora ship with the repository: a clone runs every case, none skips."""

from __future__ import annotations

import json

import pytest

from tests import conformance
from tests.core.buf_corpus import cases as buf_cases


def test_every_corpus_folder_is_listed_and_named_in_the_notice() -> None:
    folders = {p.name for p in conformance.ROOT.iterdir() if p.is_dir() and p.name[0] != "_"}
    assert folders == set(conformance.CORPORA)
    notice = (conformance.ROOT / "NOTICE").read_text()
    for name in conformance.CORPORA:
        assert f"{name}/" in notice, name
    assert (conformance.ROOT / "LICENSE-Apache-2.0.txt").is_file()


def _count(name: str) -> int:
    folder = conformance.corpus(name)
    if name == "buf-breaking":
        return len(buf_cases(folder))
    if name.startswith("apicurio"):
        data = json.loads((folder / "compatibility-test-data.json").read_text())
        return sum(1 for case in data["tests"] if case.get("enabled", True))
    return len(json.loads((folder / "expected.json").read_text()))


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("apicurio-jsonschema", 145),
        ("apicurio-avro", 4),
        ("buf-breaking", 54),
        ("openapi-diff", 120),
        ("oasdiff", 423),
    ],
)
def test_each_corpus_holds_the_cases_the_docs_quote(name: str, count: int) -> None:
    assert _count(name) == count


def test_a_missing_corpus_is_an_error_that_says_where_and_what_to_do() -> None:
    with pytest.raises(FileNotFoundError) as caught:
        conformance.corpus("no-such-corpus")
    message = str(caught.value)
    assert "no-such-corpus" in message
    assert str(conformance.ROOT) in message
    assert "git checkout -- tests/conformance" in message
