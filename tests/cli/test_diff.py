"""``unlockstep diff OLD NEW``: exit codes and output for every format, offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from unlockstep.cli.main import cli

OLD = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {"caseId": {"type": "string"}, "risk": {"enum": ["low", "high"]}},
    "required": ["caseId"],
}
OPTIONAL_ADDED = {**OLD, "properties": {**OLD["properties"], "riskExplanation": {"type": "string"}}}
REQUIRED_ADDED = {**OPTIONAL_ADDED, "required": ["caseId", "riskExplanation"]}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, schema in {
        "old": OLD,
        "optional": OPTIONAL_ADDED,
        "required": REQUIRED_ADDED,
    }.items():
        path = tmp_path / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2))
        out[name] = path
    (tmp_path / "defs.yaml").write_text("Id:\n  type: string\n  maxLength: 8\n")
    ref = tmp_path / "ref.yaml"
    ref.write_text("type: object\nproperties:\n  caseId: {$ref: 'defs.yaml#/Id'}\n")
    out["ref"] = ref
    (tmp_path / "bad.json").write_bytes(b'{"type": "\xff"}')
    out["bad"] = tmp_path / "bad.json"
    (tmp_path / "dangling.json").write_text('{"properties": {"a": {"$ref": "#/$defs/Nope"}}}')
    out["dangling"] = tmp_path / "dangling.json"
    return out


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["diff", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


FORMATS = ["text", "json", "markdown", "sarif"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_compatible_change_exits_0_in_every_format(files: dict[str, Path], fmt: str) -> None:
    code, out, _ = run(files["old"], files["optional"], "--format", fmt)
    assert code == 0, out
    assert out


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_breaking_change_exits_1_in_every_format(files: dict[str, Path], fmt: str) -> None:
    code, out, _ = run(files["old"], files["required"], "--format", fmt)
    assert code == 1
    assert "required-property-added" in out


def test_json_output_is_the_stable_shape(files: dict[str, Path]) -> None:
    _, out, _ = run(files["old"], files["required"], "--format", "json")
    body = json.loads(out)
    assert body["compatible"] is False and body["mode"] == "BACKWARD"
    rules = {c["rule"]: c for c in body["changes"]}
    change = rules["required-property-added"]
    assert change["level"] == "breaking" and change["breaks"] == "writers"
    assert change["location"]["file"].endswith("required.schema.json")
    lines = files["required"].read_text().splitlines()
    assert '"riskExplanation": {' in lines[change["location"]["line"] - 1]


def test_forward_mode_swaps_the_roles(files: dict[str, Path]) -> None:
    assert run(files["required"], files["old"], "--mode", "FORWARD")[0] == 1
    assert run(files["old"], files["required"], "--mode", "forward")[0] == 0
    assert run(files["old"], files["required"], "--mode", "NONE")[0] == 0


def test_strict_policy_rejects_a_property_declared_in_an_open_model(
    files: dict[str, Path],
) -> None:
    assert run(files["old"], files["optional"], "--policy", "lenient")[0] == 0
    assert run(files["old"], files["optional"], "--policy", "strict")[0] == 1


def test_relative_refs_are_read_next_to_the_file(files: dict[str, Path]) -> None:
    code, out, _ = run(files["old"], files["ref"], "--format", "json")
    changes = json.loads(out)["changes"]
    assert any(
        c["rule"] == "max-length-added" and c["location"]["file"].endswith("defs.yaml")
        for c in changes
    )
    assert code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("old", "missing"), "file not found"),
        (("old", "bad"), "invalid UTF-8 at byte offset 10"),
        (("old", "dangling"), "does not resolve"),
        (("old", "optional", "--mode", "SIDEWAYS"), "unknown mode"),
        (("old", "optional", "--kind", "cobol"), "unknown kind"),
    ],
)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    files: dict[str, Path], args: tuple[str, ...], message: str, fmt: str
) -> None:
    paths = [str(files.get(a, a)) if a in files or a == "missing" else a for a in args]
    if "missing" in args:
        paths[args.index("missing")] = str(files["old"].parent / "missing.json")
    code, out, err = run(*paths, "--format", fmt)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out
    if fmt == "json":
        assert json.loads(err)["error"]["message"]


def test_help_documents_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["diff", "--help"])
    assert result.exit_code == 0
    assert "Exit 0" in result.output


def test_openapi_is_detected_when_its_marker_is_far_down_a_sorted_json_file(
    tmp_path: Path,
) -> None:
    from unlockstep.core import engines
    from unlockstep.core.compat._model import Source

    body = {"components": {"schemas": {f"S{i}": {"type": "string"} for i in range(400)}}}
    text = json.dumps(
        {**body, "info": {"title": "x", "version": "1"}, "openapi": "3.0.0", "paths": {}}, indent=2
    )
    assert engines.detect(Source(text, "spec.json")).kind == "openapi"


# -- hostile input: exit 2, one line naming the file, no traceback -----------------------

SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def assert_one_error(err: str) -> None:
    """One ``error:`` line saying where and what, and at most a ``hint:`` line after it."""
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: ")
    assert len(lines) <= 2 and all(line.startswith("  hint: ") for line in lines[1:]), err


def _hostile(tmp: Path, name: str) -> Path:
    """Write the hostile document ``name`` (and any file it references) into ``tmp``."""
    head = f'{{"$schema": "{SCHEMA}", "type": "object", '
    texts: dict[str, str | bytes] = {
        "cycle.json": head + '"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},'
        ' "properties": {"x": {"$ref": "#/$defs/a"}}}',
        "file-cycle.json": head + '"properties": {"x": {"$ref": "a.json"}}}',
        "deep.json": head + '"properties": ' + '{"a": ' * 10_000 + "{}" + "}" * 10_000 + "}",
        "deep-flow.yaml": f"$schema: {SCHEMA}\nproperties: "
        + "{a: " * 10_000
        + "{}"
        + "}" * 10_000,
        "deep-block.yaml": f"$schema: {SCHEMA}\ntype: array\nenum:\n" + "- " * 100_000 + "x\n",
        "bomb.yaml": f"$schema: {SCHEMA}\ntype: object\nx0: &x0 [lol, lol, lol, lol, lol]\n"
        + "".join(f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9)}]\n" for i in range(1, 10)),
        "latin1.json": b'{\n  "type": "object",\n  "title": "Caf\xe9"\n}\n',
    }
    (tmp / "a.json").write_text('{"$ref": "b.json"}')
    (tmp / "b.json").write_text('{"$ref": "a.json"}')
    content = texts[name]
    path = tmp / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("cycle.json", "$ref chain loops back on itself"),
        ("file-cycle.json", "a.json#: $ref chain loops back on itself"),
        ("deep.json", "nested too deeply"),
        ("deep-flow.yaml", "nested too deeply (limit 400)"),
        ("deep-block.yaml", "nested too deeply (limit 400)"),
        ("bomb.yaml", "alias bomb"),
        ("latin1.json", "invalid UTF-8 at byte offset 37 (line 3)"),
    ],
)
def test_hostile_input_exits_2_with_one_line_and_no_traceback(
    tmp_path: Path, name: str, message: str
) -> None:
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"$schema": SCHEMA, "type": "object"}))
    code, out, err = run(plain, _hostile(tmp_path, name))
    assert code == 2
    assert message in err
    assert name in err or "a.json" in err
    assert_one_error(err)
    assert "Traceback" not in err + out


def _big(path: Path, megabytes: float) -> Path:
    prop = json.dumps({"type": "string", "description": "x" * 1000})
    count = int(megabytes * 1024 * 1024) // (len(prop) + 12)
    props = ", ".join(f'"p{i}": {prop}' for i in range(count))
    path.write_text(f'{{"$schema": "{SCHEMA}", "type": "object", "properties": {{{props}}}}}')
    return path


def test_a_file_past_max_document_mb_is_refused_with_its_size_the_limit_and_what_to_do(
    tmp_path: Path,
) -> None:
    big = _big(tmp_path / "big.json", 1.5)
    code, _, err = run(big, big, "--max-document-mb", "1")
    assert code == 2
    assert f"{big}: document is {big.stat().st_size:,} bytes" in err
    assert "more than the limit of 1,048,576 bytes (1 MiB)" in err
    assert "split the document" in err and "--max-document-mb" in err
    assert_one_error(err)


def test_a_file_reached_by_relative_ref_is_held_to_the_same_limit(tmp_path: Path) -> None:
    _big(tmp_path / "defs.json", 1.5)
    root = tmp_path / "root.json"
    root.write_text(json.dumps({"type": "object", "properties": {"a": {"$ref": "defs.json"}}}))
    code, _, err = run(root, root, "--max-document-mb", "1")
    assert code == 2
    assert "defs.json: document is" in err and "more than the limit" in err


def test_the_limit_comes_from_the_setting_and_the_flag_beats_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = _big(tmp_path / "big.json", 1.5)
    monkeypatch.setenv("UNLOCKSTEP_MAX_DOCUMENT_MB", "1")
    assert run(big, big)[0] == 2
    assert run(big, big, "--max-document-mb", "2")[0] == 0
    monkeypatch.setenv("UNLOCKSTEP_MAX_DOCUMENT_MB", "2")
    assert run(big, big)[0] == 0


def _api(properties: dict[str, object]) -> str:
    schema = {"type": "object", "properties": properties}
    response = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/cases": {"get": {"responses": {"200": response}}}},
    }
    return json.dumps(doc)


def test_an_informational_change_does_not_say_it_breaks_someone(tmp_path: Path) -> None:
    """Issue 20: "response-optional-property-added … (breaks writers)" for an info finding."""
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(_api({"id": {"type": "string"}}))
    new.write_text(_api({"id": {"type": "string"}, "note": {"type": "string"}}))
    code, out, _ = run(old, new, "--kind", "openapi")
    assert code == 0
    assert "response-optional-property-added" in out
    assert "breaks" not in out.split("\n", 1)[1]
