"""``unlockstep.files``: the one way the adapters read a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from unlockstep.errors import DocumentTooLarge, InvalidInput, ParseError
from unlockstep.files import read_bytes, read_document, read_source, read_text


def test_a_file_past_the_limit_is_refused_before_it_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"[" + b"0," * 100 + b"0]")

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("opened a file past the limit")

    monkeypatch.setattr(Path, "open", no_open)
    with pytest.raises(DocumentTooLarge) as caught:
        read_bytes(path, max_size=100)
    assert caught.value.where == str(path) and caught.value.hint


def test_invalid_utf8_names_the_file_offset_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: 1\nb: \xe9\n")
    with pytest.raises(ParseError, match=r"byte offset 8 \(line 2\)") as caught:
        read_text(path)
    assert caught.value.where == str(path)


@pytest.mark.parametrize(
    ("make", "message"),
    [(lambda p: None, "file not found"), (lambda p: p.mkdir(), "is a directory")],
    ids=["missing", "folder"],
)
def test_a_path_that_is_no_readable_file_is_bad_input_naming_it(
    tmp_path: Path, make: object, message: str
) -> None:
    path = tmp_path / "thing.yaml"
    make(path)  # type: ignore[operator]
    with pytest.raises(InvalidInput, match=message) as caught:
        read_text(path)
    assert caught.value.where == str(path)


def test_a_document_goes_through_the_hardened_loader(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(ParseError, match="duplicate key 'a'"):
        read_document(path)


def test_relative_references_are_read_next_to_the_file_with_the_same_limit(
    tmp_path: Path,
) -> None:
    (tmp_path / "main.json").write_text("{}", encoding="utf-8")
    (tmp_path / "part.json").write_text('{"type": "string"}', encoding="utf-8")
    (tmp_path / "huge.json").write_text("[" + "0," * 200 + "0]", encoding="utf-8")
    source = read_source(tmp_path / "main.json", max_size=100)
    assert source.read_relative is not None
    assert source.read_relative("part.json") == '{"type": "string"}'
    with pytest.raises(DocumentTooLarge):
        source.read_relative("huge.json")
    with pytest.raises(ParseError, match="cannot be read: file not found"):
        source.read_relative("absent.json")


def test_the_readers_default_limit_is_the_document_limit() -> None:
    from unlockstep import files
    from unlockstep.core import documents

    assert files.MAX_SIZE == documents.MAX_SIZE
