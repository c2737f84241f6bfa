"""The shared ``unlockstep diff`` works on ``.sql`` table contracts through the ``table`` kind."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from unlockstep.cli.main import cli

OLD = "CREATE TABLE cases (id bigint PRIMARY KEY, reason text, level integer);\n"


def diff(tmp_path: Path, new: str, *args: str) -> tuple[int, str]:
    (tmp_path / "old.sql").write_text(OLD)
    (tmp_path / "new.sql").write_text(new)
    result = CliRunner().invoke(
        cli, ["diff", str(tmp_path / "old.sql"), str(tmp_path / "new.sql"), *args]
    )
    return result.exit_code, result.stdout


def test_a_removed_column_is_a_breaking_table_change(tmp_path: Path) -> None:
    code, out = diff(
        tmp_path, "CREATE TABLE cases (id bigint PRIMARY KEY, level integer);", "--format", "json"
    )
    assert code == 1
    body = json.loads(out)
    assert body["kind"] == "table"
    assert [c["rule"] for c in body["changes"]] == ["column-removed"]


def test_an_added_nullable_column_is_compatible(tmp_path: Path) -> None:
    code, _ = diff(tmp_path, OLD.replace("level integer", "level integer, basis text"))
    assert code == 0


def test_under_full_mode_an_added_column_is_seen_from_both_sides(tmp_path: Path) -> None:
    code, out = diff(
        tmp_path,
        OLD.replace("level integer", "level integer, basis text NOT NULL DEFAULT 'x'"),
        "--mode",
        "FULL",
        "--format",
        "json",
    )
    rules = {(c["rule"], c["direction"]) for c in json.loads(out)["changes"]}
    assert ("column-added", "backward") in rules
    assert ("column-removed", "forward") in rules
    assert code == 1
