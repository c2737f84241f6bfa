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
    from unlockstep.core.compat import Source

    body = {"components": {"schemas": {f"S{i}": {"type": "string"} for i in range(400)}}}
    text = json.dumps(
        {**body, "info": {"title": "x", "version": "1"}, "openapi": "3.0.0", "paths": {}}, indent=2
    )
    assert engines.detect(Source(text, "spec.json")).kind == "openapi"
