"""Every console script answers --help; the package runs as a module."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
from click.testing import CliRunner

from tests.conftest import REPO
from unlockstep.cli.main import cli


@pytest.mark.slow
def test_every_project_script_answers_help() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    for name, target in scripts.items():
        module, _, attr = target.partition(":")
        code = f"import sys; sys.argv=['{name}', '--help']; from {module} import {attr}; {attr}()"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout


@pytest.mark.slow
def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "unlockstep", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "unlockstep" in result.stdout


def test_every_command_answers_help() -> None:
    runner = CliRunner()

    def walk(group: object, path: list[str]) -> None:
        for name, command in getattr(group, "commands", {}).items():
            result = runner.invoke(cli, [*path, name, "--help"])
            assert result.exit_code == 0, (path, name, result.output)
            walk(command, [*path, name])

    walk(cli, [])
