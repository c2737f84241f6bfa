"""``contract publish --ref FILE=[SERVICE/]CONTRACT@VERSION``: a multi-file contract from the
command line, against the app in-process."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_publish_with_a_reference_follows_the_ref_into_the_published_file(
    cli_server: TestClient, tmp_path: Path
) -> None:
    cli_server.put("/api/v1/services/people", json={})
    address = tmp_path / "address.json"
    address.write_text(json.dumps({"type": "object", "properties": {"city": {"type": "string"}}}))
    person = tmp_path / "person.json"
    person.write_text(
        json.dumps({"type": "object", "properties": {"home": {"$ref": "address.json"}}})
    )
    base = ["contract", "publish", "-s", "people", "--kind", "jsonschema"]
    assert run(*base, "-n", "address", "-V", "1.0.0", str(address))[0] == 0
    code, _, err = run(*base, "-n", "person", "-V", "1.0.0", str(person))
    assert code == 2 and "cannot be followed" in err
    code, out, err = run(
        *base, "-n", "person", "-V", "1.0.0", "--ref", "address.json=people/address@1.0.0",
        str(person),
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("created: people/person 1.0.0")
    code, _, err = run(*base, "-n", "person", "-V", "1.1.0", "--ref", "nonsense", str(person))
    assert code == 2 and "FILE=[SERVICE/]CONTRACT@VERSION" in err
