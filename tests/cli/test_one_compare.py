"""``diff``, ``check`` and ``contract publish`` judge a document through the one ``compare``,
so they agree: here on a JSON Schema whose only broken ``$ref`` sits where no change leads
(each used to decide on its own, and ``diff`` called this document compatible)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli

OLD = {"type": "object", "properties": {"id": {"type": "string"}}}
#: the same schema plus an unused definition whose $ref points at nothing
DANGLING = {**OLD, "$defs": {"Unused": {"$ref": "#/$defs/Missing"}}}
POINTER = "#/$defs/Unused/$ref"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(folder: Path, name: str, value: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


@pytest.fixture
def server(cli_server: TestClient) -> TestClient:
    assert cli_server.put("/api/v1/services/schemas", json={}).status_code == 200
    return cli_server


def _registry(*args: str, file: Path) -> tuple[int, str, str]:
    return run(*args, "-s", "schemas", "-n", "thing", "--kind", "jsonschema", str(file))


def test_diff_check_and_publish_all_refuse_a_dangling_ref_naming_its_pointer(
    server: TestClient, tmp_path: Path
) -> None:
    old, new = write(tmp_path, "old.json", OLD), write(tmp_path, "new.json", DANGLING)
    assert _registry("contract", "publish", "-V", "1", file=old)[0] == 0

    outcomes = {
        "diff": run("diff", str(old), str(new)),
        "check": _registry("check", file=new),
        "publish": _registry("contract", "publish", "-V", "2", file=new),
    }
    for command, (code, _, err) in outcomes.items():
        assert code == 2, (command, err)
        assert POINTER in err and "does not resolve" in err, (command, err)


def test_diff_check_and_publish_agree_on_a_compatible_change(
    server: TestClient, tmp_path: Path
) -> None:
    old = write(tmp_path, "old.json", OLD)
    added = {**OLD, "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}
    new = write(tmp_path, "new.json", added)
    assert _registry("contract", "publish", "-V", "1", file=old)[0] == 0
    assert run("diff", str(old), str(new))[0] == 0
    assert _registry("check", file=new)[0] == 0
    assert _registry("contract", "publish", "-V", "2", file=new)[0] == 0
