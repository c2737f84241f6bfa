"""Every command that reads a file reads it the one way (``unlockstep.files``): a file that is
not UTF-8 is bad input (exit 2) naming the file, the byte offset and the line, never a
traceback or a codec's own words."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from unlockstep.cli.main import cli

COMMANDS = [
    ("diff", "{old}", "{bad}"),
    ("flags", "lint", "{bad}"),
    ("flags", "eval", "{bad}", "some-flag"),
    ("migrations", "check", "{bad}"),
    ("plan", "check", "{bad}"),
    ("catalog", "import", "{bad}"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_file_that_is_not_utf8_is_refused_naming_file_offset_and_line(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"name: caf\xe9\n")
    old = tmp_path / "old.json"
    old.write_text('{"type": "object"}', encoding="utf-8")
    args = [a.format(bad=bad, old=old) for a in command]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert f"{bad}: invalid UTF-8 at byte offset 9 (line 1)" in result.stderr
    assert "Traceback" not in result.output
