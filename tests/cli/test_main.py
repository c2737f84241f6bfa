"""The root command starts at once: commands load lazily, ``--help`` and shell completion list
them from a static table, and the table says what the real commands say."""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from tests.conftest import REPO
from unlockstep.cli.main import COMMANDS, Root, cli, load

#: Packages that cost tens of milliseconds each to import; none belongs in a start that only
#: prints the version, the help or completions.
HEAVY = (
    "pydantic",
    "pydantic_settings",
    "httpx",
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "postgast",
    "google",  # protobuf, under postgast
    "yaml",
    "ruamel",
    "jsonschema",
    "referencing",
    "proto_schema_parser",
    "antlr4",
)
#: The only unlockstep modules ``--version``, ``--help`` and completion may load.
LIGHT = {"unlockstep", "unlockstep.cli", "unlockstep.cli.main", "unlockstep.errors"}

_PROBE = """
import sys
from unlockstep.cli.main import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
"""


def _modules_after(*args: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """Run ``unlockstep ARGS`` in a fresh interpreter; its stdout and every module loaded."""
    result = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.argv = {['unlockstep', *args]!r}\n{_PROBE}"],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )
    return result.stdout, set(result.stderr.split())


def _offenders(modules: set[str]) -> list[str]:
    heavy = [m for m in modules if m.split(".")[0] in HEAVY]
    ours = [m for m in modules if m.startswith("unlockstep") and m not in LIGHT]
    return sorted(heavy + ours)


@pytest.mark.parametrize("args", [("--version",), ("--help",)])
def test_version_and_help_import_no_command_module_and_no_heavy_package(
    args: tuple[str, ...],
) -> None:
    out, modules = _modules_after(*args)
    assert "unlockstep" in out
    assert "unlockstep.cli.main" in modules  # the probe really ran the CLI
    assert _offenders(modules) == []


def test_completing_a_command_name_imports_no_command_module() -> None:
    out, modules = _modules_after(
        env={
            "_UNLOCKSTEP_COMPLETE": "bash_complete",
            "COMP_WORDS": "unlockstep fl",
            "COMP_CWORD": "1",
        }
    )
    assert out.split() == ["plain,flags"]
    assert _offenders(modules) == []


def test_completing_a_subcommand_loads_only_that_command() -> None:
    out, modules = _modules_after(
        env={
            "_UNLOCKSTEP_COMPLETE": "bash_complete",
            "COMP_WORDS": "unlockstep migrations ch",
            "COMP_CWORD": "2",
        }
    )
    assert out.split() == ["plain,check"]
    assert "unlockstep.cli.migrations" in modules
    assert "unlockstep.cli.flags" not in modules


def _real_commands() -> dict[str, tuple[str, click.Command]]:
    """Every command the CLI modules define, by name: (module, command)."""
    from unlockstep.cli import (
        approvals,
        calendar,
        catalog,
        contract,
        demo,
        diff,
        expectations,
        flags,
        migrations,
        plans,
        policy,
        registry,
        rollouts,
        safety,
        serve,
        tokens,
        usage,
    )

    found: dict[str, tuple[str, click.Command]] = {}
    for module in (
        approvals,
        catalog,
        contract,
        diff,
        expectations,
        flags,
        registry,
        safety,
        rollouts,
        serve,
        tokens,
        usage,
    ):
        for command in module.COMMANDS:
            assert command.name is not None
            found[command.name] = (module.__name__, command)
    found["demo"] = (demo.__name__, demo.demo)
    found["migrations"] = (migrations.__name__, migrations.migrations)
    found["plan"] = (plans.__name__, plans.plan)
    found["policy"] = (policy.__name__, policy.policy)
    found["calendar"] = (calendar.__name__, calendar.calendar)
    return found


def test_the_command_table_names_every_command_with_its_real_short_help() -> None:
    real = _real_commands()
    assert sorted(COMMANDS) == sorted(real), "add the command to COMMANDS in cli/main.py"
    for name, entry in COMMANDS.items():
        command = load(entry.target)
        assert command is real[name][1], f"{name}: {entry.target} is another command"
        assert entry.target.startswith(real[name][0] + ":")
        assert command.name == name
        assert entry.help == command.get_short_help_str(limit=10_000), (
            f"{name}: the short help in cli/main.py COMMANDS differs from the command's "
            "docstring; copy the docstring's first sentence"
        )


def test_lazy_help_reads_exactly_as_with_every_command_loaded() -> None:
    eager = click.Group(
        "unlockstep",
        params=cli.params,
        callback=cli.callback,
        help=cli.help,
        context_settings=cli.context_settings,
        commands=[entry for _, entry in _real_commands().values()],
    )
    lazy = Root(
        "unlockstep",
        params=cli.params,
        callback=cli.callback,
        help=cli.help,
        context_settings=cli.context_settings,
    )
    for width in (80, 100, 140):
        expected = CliRunner().invoke(eager, ["--help"], terminal_width=width).output
        assert CliRunner().invoke(lazy, ["--help"], terminal_width=width).output == expected


def test_a_mistyped_command_is_offered_the_nearest_names() -> None:
    result = CliRunner().invoke(Root("unlockstep"), ["flag"])
    assert result.exit_code == 2
    assert "No such command 'flag'" in result.output
    assert "Did you mean" in result.output
    assert "flags" in result.output


def test_options_still_complete_at_the_root() -> None:
    out, _ = _modules_after(
        env={
            "_UNLOCKSTEP_COMPLETE": "bash_complete",
            "COMP_WORDS": "unlockstep --ver",
            "COMP_CWORD": "1",
        }
    )
    assert out.split() == ["plain,--version", "plain,--verbose"]


def test_completing_after_an_unknown_command_offers_nothing_and_does_not_fail() -> None:
    out, modules = _modules_after(
        env={
            "_UNLOCKSTEP_COMPLETE": "bash_complete",
            "COMP_WORDS": "unlockstep nosuch --x",
            "COMP_CWORD": "2",
        }
    )
    assert out.split() == []
    assert "unlockstep.cli.main" in modules
