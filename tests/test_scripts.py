"""Every console script answers --help; the package runs as a module."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import click
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

    def walk(group: click.Group, path: list[str]) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, (path, name)
            result = runner.invoke(cli, [*path, name, "--help"])
            assert result.exit_code == 0, (path, name, result.output)
            if isinstance(command, click.Group):
                walk(command, [*path, name])

    walk(cli, [])
