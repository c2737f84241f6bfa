"""``import unlockstep``: the public library API (``docs/library.md``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import unlockstep

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "library.md"


def test_importing_unlockstep_alone_imports_no_other_module() -> None:
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import unlockstep\n"
        "print(','.join(sorted(set(sys.modules) - before - {'unlockstep', '__future__'})))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.strip() == ""


def test_every_public_name_resolves_and_is_listed() -> None:
    exported = set(unlockstep._EXPORTS)
    assert set(unlockstep.__all__) == exported | {"__version__"}
    for name in sorted(exported):
        assert getattr(unlockstep, name) is not None, name
    assert exported <= set(dir(unlockstep))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        unlockstep.nope  # type: ignore[attr-defined]  # noqa: B018


def test_compare_reads_a_path_and_its_relative_refs(tmp_path: Path) -> None:
    (tmp_path / "defs.json").write_text('{"Id": {"type": "string"}}', encoding="utf-8")
    old = tmp_path / "old.json"
    old.write_text('{"properties": {"id": {"$ref": "defs.json#/Id"}}}', encoding="utf-8")
    new = tmp_path / "new.json"
    new.write_text('{"properties": {"id": {"type": "integer"}}}', encoding="utf-8")
    report = unlockstep.compare(old, new, kind="jsonschema")
    assert not report.compatible
    assert report.breaking[0].location.pointer == "/properties/id"


def test_compare_of_a_missing_file_is_bad_input_naming_it(tmp_path: Path) -> None:
    with pytest.raises(unlockstep.InvalidInput, match="file not found") as caught:
        unlockstep.compare(tmp_path / "absent.json", {"type": "object"})
    assert caught.value.where == str(tmp_path / "absent.json")


def test_load_document_takes_paths_text_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("a:\n  b: 1\n", encoding="utf-8")
    for given in (path, "a:\n  b: 1\n", b"a:\n  b: 1\n"):
        doc = unlockstep.load_document(given)
        assert doc.data == {"a": {"b": 1}} and doc.line_of("/a/b") == 2


def _examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_the_library_page_has_examples() -> None:
    assert len(_examples()) >= 3


@pytest.mark.parametrize("index", range(3))
def test_every_example_on_the_library_page_runs(
    index: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)  # the first example reads examples/estate/contracts
    exec(compile(_examples()[index], f"{DOC.name} example {index + 1}", "exec"), {})
    out = capsys.readouterr().out
    if index == 0:
        assert out.startswith("jsonschema False\n")
    if index == 1:
        assert "<new>#/$defs/Unused/$ref" in out
